// The three API levels of docs/runtime.md, each exercised the way its example uses it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalManifestJson, type Manifest } from '@wsbc/manifest';
import { bulkModule } from '@wsbc/testkit';
import { RunStatus, SandboxBuildError, run, sandbox, type AuditRecord, type AuditSink } from '@wsbc/runtime';
import { manifest, tempDir, wat } from './helpers.js';

const wasm = (name: string) => path.join(import.meta.dirname, 'conformance/wasm', `${name}.wasm`);

function capture() {
  const chunks: Buffer[] = [];
  return { sink: { write: (c: Uint8Array) => chunks.push(Buffer.from(c)) }, text: () => Buffer.concat(chunks).toString() };
}

describe('level 1: run(path, { policy })', () => {
  it('runs with a manifest.json path and writes the audit log to a file', async () => {
    const dir = tempDir();
    const manifestPath = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifestPath, canonicalManifestJson(manifest({ environment: { mode: 'allow', names: ['GREETING'] } })));
    const auditPath = path.join(dir, 'audit.jsonl');
    const out = capture();
    const result = await run(wasm('hello'), {
      policy: manifestPath, args: ['x'], env: { GREETING: 'hi', OTHER: 'no' }, stdout: out.sink, audit: { file: auditPath },
    });
    expect(result.status).toBe(0);
    expect(out.text()).toBe('argc=2\narg[1]=x\nenv GREETING=hi\n');
    const lines = fs.readFileSync(auditPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    expect(lines[0]).toMatchObject({ seq: 0 });
    expect(lines.at(-1)).toMatchObject({ type: 'lifecycle', event: 'exit', status: 0 });
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i));
  });

  it('refuses a bad manifest, a missing module and a .wsp policy with status 125 and diagnostics', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"version": 1}');
    const err = capture();
    const r1 = await run(wasm('hello'), { policy: bad, stderr: err.sink });
    expect(r1.status).toBe(RunStatus.Refused);
    expect(r1.diagnostics.length).toBeGreaterThan(0);
    expect(err.text()).toMatch(/^wsbc: run refused: .+\n$/);
    const r2 = await run(path.join(dir, 'missing.wasm'), { policy: manifest(), stderr: capture().sink });
    expect(r2.diagnostics.map((d) => d.code)).toEqual(['run/module-unreadable']);
    const r3 = await run(wasm('hello'), { policy: 'policy.wsp', stderr: capture().sink });
    expect(r3.diagnostics.map((d) => d.code)).toEqual(['run/policy-not-compiled']);
    const r4 = await run(new Uint8Array([0, 97, 115, 109, 2, 0, 0, 0]), { policy: manifest(), stderr: capture().sink });
    expect(r4.diagnostics[0]).toMatchObject({ code: 'run/module-invalid', span: { byteOffset: 4 } });
  });
});

describe('level 2: the sandbox() builder', () => {
  it('builds the same manifest as the equivalent manifest input', () => {
    const built = sandbox().allowRead('./data', '/data').env('LANG').random('pseudo', 7).fuel(1e6).relativeTo('/srv').build();
    const direct = manifest({
      filesystem: { preopens: [{ hostPath: './data', guestPath: '/data', read: true }] },
      environment: { mode: 'allow', names: ['LANG'] },
      random: { mode: 'pseudo', seed: 7 },
      limits: { fuel: 1e6 },
    }, '/srv');
    expect(canonicalManifestJson(built)).toBe(canonicalManifestJson(direct));
  });

  it('runs a module with what it built', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.txt'), 'x');
    const out = capture();
    const result = await sandbox().allowReadWrite(dir, '/data', { create: true, delete: true }).cpu({ usagePercent: 100 })
      .io({ readBytesPerSecond: null, writeBytesPerSecond: null }).timeLimits({ totalMs: 20_000 })
      .with({ time: { mode: 'full' } })
      .run(wasm('files'), { stdout: out.sink, env: {} });
    expect(out.text()).toMatch(/failures=0\n$/);
    expect(result.status).toBe(0);
  });

  it('reports invalid settings as diagnostics', () => {
    expect(() => sandbox().memory(0).build()).toThrow(SandboxBuildError);
  });
});

describe('level 3: host functions with capabilities, custom audit sinks', () => {
  const guest = `(module
    (import "env" "add_points" (func $add (param i32 i32) (result i32)))
    (import "env" "log" (func $log (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "scored")
    (func (export "_start")
      (drop (call $log (i32.const 0) (i32.const 6)))
      (call $exit (call $add (i32.const 2) (i32.const 3)))))`;
  const hostFunctions = new URL('./fixtures/host-functions.mjs', import.meta.url);

  it('calls granted host functions, which see custom capabilities and write to a custom sink', async () => {
    const records: AuditRecord[] = [];
    let closed = false;
    const sink: AuditSink = { write: (r) => records.push(r), close: () => { closed = true; } };
    const policy = sandbox().allowImport('env', '*').custom('scoring', true).custom('bonus', 10).build();
    const result = await run(await wat(guest), { policy, hostFunctions, audit: sink, env: {} });
    expect(result.status).toBe(15);
    expect(closed).toBe(true);
    expect(records.filter((r) => r.type === 'decision' && r.capability === 'import').map((r) => (r as { op: string }).op))
      .toEqual(['env.log', 'env.log', 'env.add_points']);
    expect(records.some((r) => r.type === 'decision' && r.detail?.text === 'scored')).toBe(true);
  });

  it('refuses a module when a host function needs a capability the policy does not grant', async () => {
    const records: AuditRecord[] = [];
    const policy = sandbox().allowImport('env', '*').build();
    const err = capture();
    const result = await run(await wat(guest), { policy, hostFunctions, audit: { callback: (r) => records.push(r) }, stderr: err.sink });
    expect(result.status).toBe(RunStatus.Refused);
    expect(result.diagnostics[0]).toMatchObject({ code: 'run/import-not-allowed', data: { module: 'env', name: 'add_points' } });
    expect(records.find((r) => r.type === 'decision' && r.capability === 'import')).toMatchObject({ outcome: 'denied', op: 'env.add_points' });
    expect(err.text()).toMatch(/custom capability "scoring"/);
  });

  it('a `*` grant does not waive what an exact grant of the same import requires, nor the reverse', async () => {
    // log is granted by `*` and also exactly, behind a custom value the policy sets to false; then
    // the reverse, where the `*` grant (which also covers add_points, imported first) needs it.
    const cases = [
      { refused: 'log', policy: sandbox().allowImport('env', '*').allowImport('env', 'log', 'log-enabled').custom('log-enabled', false).custom('scoring', true).build() },
      { refused: 'add_points', policy: sandbox().allowImport('env', '*', 'log-enabled').allowImport('env', 'log').custom('log-enabled', false).custom('scoring', true).build() },
    ];
    for (const { refused, policy } of cases) {
      const records: AuditRecord[] = [];
      const err = capture();
      const result = await run(await wat(guest), { policy, hostFunctions, audit: { callback: (r) => records.push(r) }, stderr: err.sink });
      expect(result.status).toBe(RunStatus.Refused);
      expect(result.diagnostics[0]).toMatchObject({ code: 'run/import-not-allowed', data: { module: 'env', name: refused } });
      expect(records.find((r) => r.type === 'decision' && r.capability === 'import')).toMatchObject({ outcome: 'denied', op: `env.${refused}` });
      expect(err.text()).toMatch(/custom capability "log-enabled"/);
    }
  });

  it('ends the guest as a trap, not the host, when a host function faults on a bad guest pointer', async () => {
    const bytes = await wat(`(module
      (import "env" "peek" (func $peek (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start") (drop (call $peek (i32.const 65530) (i32.const 100)))))`);
    const policy = sandbox().allowImport('env', 'peek').build();
    const result = await run(bytes, { policy, hostFunctions, env: {}, stderr: capture().sink });
    expect(result.status).toBe(RunStatus.Trap);
    expect(result.reason).toMatch(/host function failed: pointer 65530\+100 outside memory/);
  });

  it('refuses imports the policy does not list', async () => {
    const result = await run(await wat(guest), { policy: manifest(), hostFunctions, stderr: capture().sink });
    expect(result.diagnostics[0]).toMatchObject({ code: 'run/import-not-allowed' });
  });
});

describe('options an embedder gets wrong, and hostile sizes', () => {
  const hello = `(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (call $exit (i32.const 3))))`;

  it('refuses a hostFunctions that is not a path or a URL, and a manifest object that is not a manifest', async () => {
    const bytes = await wat(hello);
    // Before: a TypeError out of run() (path.resolve of a number), and a TypeError mid-run
    // (reading `time.deterministic` of a hand-built object).
    const badHost = await run(bytes, { policy: sandbox().build(), hostFunctions: 5 as unknown as string, reportTermination: false });
    expect(badHost.status).toBe(RunStatus.Refused);
    expect(badHost.diagnostics.map((d) => d.code)).toEqual(['run/invalid-options']);
    const badPolicy = await run(bytes, { policy: { imports: [] } as unknown as Manifest, reportTermination: false });
    expect(badPolicy.status).toBe(RunStatus.Refused);
    expect(badPolicy.diagnostics.length).toBeGreaterThan(0);
    expect(badPolicy.reason).toContain('version');
    const good = await run(bytes, { policy: sandbox().build(), reportTermination: false });
    expect(good.status).toBe(3);
  });

  it('loads host functions from a path whose directories have # % and ? in their names', async () => {
    const dir = path.join(tempDir(), 'a#b%20c?d');
    fs.mkdirSync(dir);
    fs.copyFileSync(new URL('./fixtures/host-functions.mjs', import.meta.url), path.join(dir, 'host.mjs'));
    const guest = `(module
      (import "env" "add_points" (func $add (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (call $add (i32.const 2) (i32.const 3)))))`;
    const policy = sandbox().allowImport('env', '*').custom('scoring', true).custom('bonus', 10).build();
    const result = await run(await wat(guest), { policy, hostFunctions: path.join(dir, 'host.mjs'), reportTermination: false });
    expect(result.diagnostics).toEqual([]);
    expect(result.status).toBe(15);
  });

  it('links 99,999 granted host imports against as many grants (the grant scan was quadratic)', { timeout: 120_000 }, async () => {
    const n = 99_999;
    // One function, _start, that returns: the run exits 0 once every import is linked.
    const module = bulkModule({ imports: n, functions: 1, exports: [['_start', n]] });
    const dir = tempDir();
    const host = path.join(dir, 'many.mjs');
    fs.writeFileSync(host, `export default Array.from({ length: ${n} }, (_, i) => ({ module: 'env', name: 'f' + i, fn: () => {} }));\n`);
    let builder = sandbox();
    for (let i = 0; i < n; i++) builder = builder.allowImport('env', `f${i}`);
    const result = await run(module, { policy: builder.build(), hostFunctions: host, reportTermination: false });
    expect(result.diagnostics).toEqual([]);
    expect(result.status).toBe(0);
  });
});

describe('scale', () => {
  // Before: run() threw "RangeError: Maximum call stack size exceeded" (the manifest's problems
  // were spread into push) instead of refusing the run. A manifest lists its first 100 problems
  // and counts the rest (docs/manifest.md).
  it('refuses a manifest file with 150,000 invalid environment names, listing 100 and counting the rest', { timeout: 60_000 }, async () => {
    const bytes = await wat('(module (func (export "_start")))');
    const input = JSON.parse(canonicalManifestJson(sandbox().build())) as Manifest;
    input.environment = { mode: 'allow', names: Array.from({ length: 150_000 }, (_, i) => `bad name=${i}`) };
    const file = path.join(tempDir(), 'bad.json');
    fs.writeFileSync(file, JSON.stringify(input, null, 1));
    const result = await run(bytes, { policy: file, reportTermination: false });
    expect(result.status).toBe(RunStatus.Refused);
    expect(result.diagnostics).toHaveLength(101);
    expect(result.diagnostics[0]!.code).toBe('manifest/invalid-name');
    expect(result.diagnostics.at(-1)).toMatchObject({ code: 'manifest/too-many-problems', data: { listed: 100, unlisted: 149_900 } });
  });
});
