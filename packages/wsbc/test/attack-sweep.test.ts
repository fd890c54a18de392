// An adversarial sweep of the facade: careless or hostile callers (options of the wrong type,
// bytes in another container, overrides that undo the policy) and hostile modules whose
// inferred policy must compile back to exactly their own names. Each case is an input that once
// threw, misreported, or produced an artifact that did not hold the limits it sealed.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleWat } from '@wsbc/testkit';
import { build, checkModule, compilePolicy, generateSigningKeyPair, inferPolicy, loadPolicySpec, run, RunStatus } from '../src/index.js';

const examples = join(import.meta.dirname, '../../../examples');
const example = (name: string) => ({
  bytes: new Uint8Array(readFileSync(join(examples, name, `${name}.wasm`))),
  policy: join(examples, name, 'policy.wsp'),
});
const quiet = { stdout: { write: () => undefined }, stderr: { write: () => undefined } };
// Wrong types on purpose: what a JavaScript caller (or a JSON config) may pass.
const loose = <T>(value: unknown) => value as T;

describe('build and the policy loaders take bad options as diagnostics, not exceptions', () => {
  const { bytes, policy } = example('read-allowed-file');

  it('a null signing key is a bad key at the seal stage', async () => {
    for (const sign of [null, [null]]) {
      const result = await build(bytes, { policy, sign: loose(sign) });
      expect(result.ok === false && [result.stage, result.diagnostics.map((d) => d.code)]).toEqual(['seal', ['artifact/bad-key']]);
    }
  });

  it('missing options ask for a policy', async () => {
    for (const options of [undefined, null]) {
      const result = await build(bytes, loose(options));
      expect(result.ok === false && result.stage).toBe('policy');
      expect(result.ok === false && result.diagnostics[0]?.message).toContain('give exactly one of');
    }
  });

  it('a policy, policy source or directory of the wrong type is named in the diagnostic', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ policy: 123 }, '`policy`'],
      [{ policy: null }, '`policy`'],
      [{ policySource: 42 }, '`policySource`'],
      [{ policy: 'policy.wsp', cwd: 5 }, '`cwd`'],
    ];
    for (const [options, named] of cases) {
      const result = await build(bytes, loose(options));
      expect(result.ok === false && result.stage).toBe('policy');
      expect(result.ok === false && result.diagnostics.map((d) => d.message).join(' ')).toContain(named);
      expect(loadPolicySpec(loose(options), loose({ cwd: options.cwd })).diagnostics[0]?.code).toBe('input/unreadable');
    }
    expect(compilePolicy(loose(5)).ok).toBe(false);
    expect(compilePolicy(loose({ source: 5 })).diagnostics[0]?.message).toContain('`source`');
    expect(loadPolicySpec(loose(null)).diagnostics[0]?.message).toContain('give exactly one of');
  });

  it('reads a module given as an ArrayBuffer or another view, and refuses one that is not bytes', async () => {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    // Once: "missing the \0asm magic number", of a module whose bytes were right.
    expect((await build(loose(buffer), { policy })).ok).toBe(true);
    expect((await build(loose(new DataView(buffer)), { policy })).ok).toBe(true);
    for (const module of [null, 'module.wasm', 5]) {
      const result = await build(loose(module), { policy });
      expect(result.ok === false && [result.stage, result.diagnostics.map((d) => d.code)]).toEqual(['check', ['input/unreadable']]);
    }
  });
});

describe.skipIf(process.platform === 'win32')('a FIFO or a device named as a module or a policy', () => {
  // Read as a file, a FIFO blocks until someone writes to it (forever, here) and /dev/zero never
  // ends: either hung the call.
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-fifo-'));
  for (const name of ['module.wasm', 'policy.wsp', 'policy.json']) execFileSync('mkfifo', [join(dir, name)]);

  it('is refused as not a regular file', async () => {
    const { bytes } = example('read-allowed-file');
    for (const policy of ['policy.wsp', 'policy.json', '/dev/zero']) {
      const result = await build(bytes, { policy, cwd: dir });
      expect(result.ok === false && result.diagnostics.map((d) => [d.code, d.message])).toEqual([['input/unreadable', `cannot read ${policy} (not a regular file)`]]);
    }
    expect(compilePolicy('policy.wsp', { cwd: dir }).diagnostics[0]?.message).toContain('not a regular file');
    const refused = await run('module.wasm', { ...quiet, cwd: dir, policy: example('read-allowed-file').policy, instrument: true });
    expect(refused.diagnostics.map((d) => [d.code, d.message])).toEqual([['run/module-unreadable', 'cannot read module.wasm: not a regular file']]);
  });
});

describe('build refuses instrumentation overrides that would undo the limits it seals', () => {
  // A spin loop of 10 million iterations: only fuel stops it before the wall clock.
  const spin = assembleWat(`(module (memory (export "memory") 1)
    (func (export "_start") (local i32)
      (loop (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br_if 0 (i32.lt_u (local.get 0) (i32.const 10000000))))))`);
  const policySource = 'policy "p" extends minimal {\n  limits {\n    fuel 1000\n    stack depth 100\n    memory max 16 pages growth 4 pages grow-failure trap\n  }\n}\n';

  it('fuel off under a fuel budget once made a vetted artifact that ran unmetered', async () => {
    const result = await build(spin, { policySource, instrument: { fuel: false } });
    expect(result.ok === false && [result.stage, result.diagnostics.map((d) => d.code)]).toEqual(['instrument', ['instrument/invalid-options']]);
    expect(result.ok === false && result.diagnostics[0]?.message).toContain('fuel');
    const honest = await build(spin, { policySource });
    if (!honest.ok) throw new Error('refused');
    expect((await run(honest.artifact, quiet)).status).toBe(RunStatus.FuelExhausted);
  });

  it('a looser stack or memory guard than the policy is refused; a tighter one is kept', async () => {
    const looser = [{ stackDepth: null }, { stackDepth: 101 }, { memory: null }, { memory: { maxPages: 17, maxGrowthPages: 4, trapOnGrowFailure: true } }, { memory: { maxPages: 16, maxGrowthPages: 5, trapOnGrowFailure: true } }, { memory: { maxPages: 16, maxGrowthPages: 4, trapOnGrowFailure: false } }];
    for (const instrument of looser) {
      const result = await build(spin, { policySource, instrument });
      expect(result.ok === false && result.diagnostics.map((d) => d.code)).toEqual(['instrument/invalid-options']);
    }
    const tighter = await build(spin, { policySource, instrument: { stackDepth: 50, memory: { maxPages: 8, maxGrowthPages: 1, trapOnGrowFailure: true }, threads: 1 } });
    expect(tighter.ok).toBe(true);
  });
});

describe('run takes bad options as a refusal, and paths and keys as a caller writes them', () => {
  it('refuses a module that is not bytes or a path, and runs one in an ArrayBuffer', async () => {
    const { policy } = example('read-allowed-file');
    const built = await build(example('read-allowed-file').bytes, { policy });
    if (!built.ok) throw new Error('refused');
    const artifact = built.artifact;
    const buffer = artifact.buffer.slice(artifact.byteOffset, artifact.byteOffset + artifact.byteLength);
    expect((await run(loose(buffer), quiet)).status).toBe(0);
    for (const module of [null, 5, {}]) {
      const result = await run(loose(module), quiet);
      expect([result.status, result.diagnostics.map((d) => d.code)]).toEqual([RunStatus.Refused, ['run/module-unreadable']]);
    }
    expect((await run(artifact, loose(null))).status).not.toBe(RunStatus.Refused);
  });

  it('refuses a `cwd` or an audit file that is not a path, naming the option', async () => {
    const { bytes, policy } = example('read-allowed-file');
    const badCwd = await run(bytes, { ...quiet, policy: 'policy.wsp', instrument: true, cwd: loose(5) });
    expect([badCwd.status, badCwd.diagnostics.map((d) => d.message).join()]).toEqual([RunStatus.Refused, expect.stringContaining('`cwd`')]);
    // A number would be opened as a file descriptor.
    const badAudit = await run(bytes, { ...quiet, policy, instrument: true, audit: loose({ file: 5 }) });
    expect([badAudit.status, badAudit.diagnostics.map((d) => d.code)]).toEqual([RunStatus.Refused, ['run/audit-open-failed']]);
  });

  it('takes one trusted key as well as a list (a PEM string was read one character at a time)', async () => {
    const pair = generateSigningKeyPair();
    const { bytes, policy } = example('plugin-host-function');
    const built = await build(bytes, { policy, sign: pair.privateKeyPem });
    if (!built.ok) throw new Error('refused');
    const hostFunctions = join(examples, 'plugin-host-function/host-functions.mjs');
    expect((await run(built.artifact, { ...quiet, hostFunctions, trust: loose(pair.publicKeyPem) })).status).toBe(0);
    const stranger = generateSigningKeyPair();
    expect((await run(built.artifact, { ...quiet, hostFunctions, trust: loose(stranger.publicKeyPem) })).diagnostics.map((d) => d.code)).toContain('artifact/unsigned');
  });

  it('loads host functions from a directory whose name has `#` and `%` in it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'wsbc-')), 'plugins #1 100%');
    cpSync(join(examples, 'plugin-host-function/host-functions.mjs'), join(dir, 'host-functions.mjs'));
    const { bytes, policy } = example('plugin-host-function');
    const built = await build(bytes, { policy });
    if (!built.ok) throw new Error('refused');
    const absolute = await run(built.artifact, { ...quiet, hostFunctions: join(dir, 'host-functions.mjs') });
    expect([absolute.status, absolute.diagnostics]).toEqual([0, []]);
    const relative = await run(built.artifact, { ...quiet, cwd: dir, hostFunctions: 'host-functions.mjs' });
    expect(relative.status).toBe(0);
  });
});

describe('infer, compiled by the policy compiler, grants exactly the module', () => {
  // Wat string escapes: \0a is a line feed, \u{...} any code point.
  const hostile = [
    ['env', 'log'],
    ['env', 'q\\"uote\\\\'],
    ['env', 'line\\0a}\\0a  network full #'],
    ['env', 'bidi\\u{202e}\\u{2066}zw\\u{200b}bom\\u{feff}nul\\00'],
    ['env', 'sep\\u{2028}\\u{2029}\\u{85}nbsp\\u{a0}filler\\u{3164}'],
    ['env', 'e\\u{301}'],
    ['wasix_32v1', 'sock_\\0a  process full\\0a  #'],
    ['wasix_32v1', 'thread_spawn\\0a  }\\0a  network full #'],
    ['wasix_32v1', 'sock_\\u{1b}]0;title\\07'],
  ];
  const module = assembleWat(`(module ${hostile.map(([m, n]) => `(import "${m}" "${n}" (func))`).join(' ')})`);

  it('compiles, names every import exactly once, grants nothing beyond, and check passes', () => {
    const inferred = inferPolicy(module, { file: 'evil\u202e\n}.wasm' });
    if (!inferred.ok) throw new Error('unreadable');
    const compiled = compilePolicy({ source: inferred.policy });
    expect(compiled.diagnostics).toEqual([]);
    const manifest = compiled.manifest;
    if (!compiled.ok || !manifest) throw new Error('the inferred policy did not compile');
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(module)).map((i) => JSON.stringify([i.module, i.name]));
    expect(manifest.imports.map((g) => JSON.stringify([g.module, g.name])).sort()).toEqual([...imports].sort());
    expect(manifest.process.mode).toBe('none');
    expect(manifest.network.mode).not.toBe('full');
    expect(checkModule(module, manifest).allowed).toBe(true);
  });
});
