// run(): level 1. A vetted artifact runs under its embedded manifest; a plain module is refused
// unless instrumented on the fly or explicitly (and loudly) opted out; tampered, untrusted and
// policy-mismatched artifacts are refused before the guest starts; denials reach the audit log.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, generateSigningKeyPair, run, RunStatus, type AuditRecord } from '../src/index.js';

const examples = join(import.meta.dirname, '../../../examples');
const read = (p: string) => new Uint8Array(readFileSync(join(examples, p)));

function capture() {
  const chunks: Uint8Array[] = [];
  return { sink: { write: (c: Uint8Array) => chunks.push(c) }, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function vetted(name: string, sign?: string) {
  const result = await build(read(`${name}/${name}.wasm`), { policy: join(examples, name, 'policy.wsp'), ...(sign ? { sign } : {}) });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.artifact;
}

describe('run', () => {
  it('runs a vetted artifact under its embedded manifest: the allowed file is read', async () => {
    const out = capture();
    const err = capture();
    const result = await run(await vetted('read-allowed-file'), { stdout: out.sink, stderr: err.sink });
    expect(err.text()).toContain('read-allowed-file: read 37 bytes from /data/greeting.txt');
    expect(result.status).toBe(0);
    expect(out.text()).toBe('Hello from a file the policy allows.\n');
    expect(result.fuelUsed).toBeGreaterThan(0);
  });

  it('accepts a .wsp policy path that equals the embedded manifest, and refuses one that does not', async () => {
    const artifact = await vetted('read-allowed-file');
    const same = await run(artifact, { policy: join(examples, 'read-allowed-file/policy.wsp'), stdout: capture().sink, stderr: capture().sink });
    expect(same.status).toBe(0);
    const err = capture();
    const other = await run(artifact, { policy: join(examples, 'etc-passwd/forced.wsp'), stdout: capture().sink, stderr: err.sink });
    expect(other.status).toBe(RunStatus.Refused);
    expect(other.diagnostics.map((d) => d.code)).toContain('artifact/manifest-mismatch');
    expect(err.text()).toContain('wsbc: run refused');
  });

  it('refuses bytes that are not a module as such, with the byte offset', async () => {
    const result = await run(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0]), { instrument: true, policy: join(examples, 'read-allowed-file/policy.wsp'), stderr: capture().sink });
    expect(result.status).toBe(RunStatus.Refused);
    expect(result.diagnostics).toMatchObject([{ code: 'artifact/malformed-module', span: { byteOffset: 4 } }]);
  });

  it('refuses a plain module, pointing at wsbc build', async () => {
    const result = await run(read('read-allowed-file/read-allowed-file.wasm'), { policy: join(examples, 'read-allowed-file/policy.wsp'), stderr: capture().sink });
    expect(result.status).toBe(RunStatus.Refused);
    expect(result.diagnostics[0]).toMatchObject({ code: 'artifact/not-vetted' });
    expect(result.diagnostics[0]?.help).toContain('wsbc build');
  });

  it('refuses a tampered artifact before the guest starts, and audits the refusal', async () => {
    const artifact = await vetted('read-allowed-file');
    artifact[300] = artifact[300]! ^ 0x55;
    const records: AuditRecord[] = [];
    const result = await run(artifact, { stdout: capture().sink, stderr: capture().sink, audit: { write: (r: AuditRecord) => void records.push(r) } });
    expect(result.status).toBe(RunStatus.Refused);
    expect(result.diagnostics.map((d) => d.code)).toContain('artifact/body-hash-mismatch');
    expect(records.some((r) => r.type === 'lifecycle' && r.event === 'refused')).toBe(true);
  });

  it('requires a signature by a trusted key with `trust`', async () => {
    const pair = generateSigningKeyPair();
    const unsigned = await run(await vetted('plugin-host-function'), { trust: [pair.publicKeyPem], stderr: capture().sink });
    expect(unsigned.diagnostics.map((d) => d.code)).toContain('artifact/unsigned');
    const plain = await run(read('plugin-host-function/plugin-host-function.wasm'), { trust: [pair.publicKeyPem], instrument: true, policy: join(examples, 'plugin-host-function/policy.wsp'), stderr: capture().sink });
    expect(plain.diagnostics.map((d) => d.code)).toEqual(['artifact/unsigned']);
  });

  it('forced with instrument: the runtime denies /etc/passwd on every path and audits each denial', async () => {
    const out = capture();
    const records: AuditRecord[] = [];
    const result = await run(read('etc-passwd/etc-passwd.wasm'), {
      policy: join(examples, 'etc-passwd/forced.wsp'),
      instrument: true,
      stdout: out.sink,
      stderr: capture().sink,
      audit: { write: (r: AuditRecord) => void records.push(r) },
    });
    expect(out.text()).not.toContain('LEAKED');
    expect(out.text()).toContain('path_open(3, "../../../../etc/passwd"): denied');
    expect(result.status).toBe(0);
    const denied = records.filter((r) => r.type === 'decision' && r.outcome === 'denied' && r.capability === 'filesystem');
    expect(denied).toHaveLength(2);
    expect(JSON.stringify(denied)).toContain('etc/passwd');
  });

  it('runs an unvetted module only with allowUnvetted, warning loudly', async () => {
    const err = capture();
    const result = await run(read('etc-passwd/etc-passwd.wasm'), { policy: join(examples, 'etc-passwd/policy.wsp'), allowUnvetted: true, stdout: capture().sink, stderr: err.sink });
    expect(err.text()).toContain('WARNING: running module UNVETTED');
    expect(result.termination).toBe('exit');
    expect((await run(read('etc-passwd/etc-passwd.wasm'), { allowUnvetted: true, stderr: capture().sink })).diagnostics[0]?.code).toBe('artifact/policy-required');
  });

  it('links a custom host function only with its capability: the plugin reports its metrics', async () => {
    const records: AuditRecord[] = [];
    const result = await run(await vetted('plugin-host-function'), {
      hostFunctions: join(examples, 'plugin-host-function/host-functions.mjs'),
      stderr: capture().sink,
      audit: { write: (r: AuditRecord) => void records.push(r) },
    });
    expect(result.status).toBe(0);
    const metrics = records.flatMap((r) => (r.type === 'decision' && r.detail?.metric ? [[r.detail.metric, r.detail.value]] : []));
    expect(metrics).toEqual([
      ['plugin.sum_of_squares', 333833500],
      ['plugin.items', 1000],
    ]);
    const withoutHost = await run(await vetted('plugin-host-function'), { stderr: capture().sink });
    expect(withoutHost.diagnostics.map((d) => d.code)).toEqual(['run/import-not-provided']);
    // Relative paths (module, host functions) resolve against `cwd`, not the process's directory.
    const relative = await run('plugin-host-function/plugin-host-function.wasm', {
      cwd: examples,
      policy: 'plugin-host-function/policy.wsp',
      instrument: true,
      hostFunctions: 'plugin-host-function/host-functions.mjs',
      stderr: capture().sink,
    });
    expect(relative.status).toBe(0);
  });

  it('lets the operator place the preopened directory elsewhere on this host, but not change its rights', async () => {
    const artifact = await vetted('read-allowed-file');
    const elsewhere = mkdtempSync(join(tmpdir(), 'wsbc-data-'));
    writeFileSync(join(elsewhere, 'greeting.txt'), 'deployed copy\n');
    writeFileSync(join(elsewhere, 'policy.wsp'), readFileSync(join(examples, 'read-allowed-file/policy.wsp'), 'utf8').replace('"./data"', '"."'));
    const out = capture();
    const moved = await run(artifact, { policy: join(elsewhere, 'policy.wsp'), stdout: out.sink, stderr: capture().sink });
    expect(moved.status).toBe(0);
    expect(out.text()).toBe('deployed copy\n');
    writeFileSync(join(elsewhere, 'wider.wsp'), readFileSync(join(elsewhere, 'policy.wsp'), 'utf8').replace('read "."', 'read-write "."'));
    const wider = await run(artifact, { policy: join(elsewhere, 'wider.wsp'), stdout: capture().sink, stderr: capture().sink });
    expect(wider.diagnostics.map((d) => d.code)).toEqual(['artifact/manifest-mismatch']);
  });
});
