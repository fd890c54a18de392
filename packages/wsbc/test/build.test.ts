// build() on the bundled example modules: a module its policy allows becomes a verifiable
// artifact; a module the policy refuses fails at the check stage with the analyzer's findings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, checkModule, generateSigningKeyPair, loadPolicySpec, loadTrustedKey, verifyArtifact, WSBC_VERSION } from '../src/index.js';

const examples = join(import.meta.dirname, '../../../examples');
const example = (name: string) => ({
  bytes: new Uint8Array(readFileSync(join(examples, name, `${name}.wasm`))),
  policy: join(examples, name, 'policy.wsp'),
});

describe('build', () => {
  it('vets a module its policy allows into an artifact that verifies and still runs the same exports', async () => {
    const { bytes, policy } = example('read-allowed-file');
    const result = await build(bytes, { policy, file: 'read-allowed-file.wasm' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const report = verifyArtifact(result.artifact, { original: bytes, expectedManifest: result.manifest, toolVersion: WSBC_VERSION });
    expect(report.ok).toBe(true);
    expect(report.artifact?.manifest?.name).toBe('read-allowed-file');
    expect(result.instrumentation.charges).toBeGreaterThan(0);
    const compiled = await WebAssembly.compile(result.artifact);
    expect(WebAssembly.Module.exports(compiled).map((e) => e.name)).toEqual(expect.arrayContaining(['_start', 'memory']));
  });

  it('fails at the check stage with exactly the findings checkModule reports', async () => {
    const { bytes, policy } = example('etc-passwd');
    const result = await build(bytes, { policy, file: 'etc-passwd.wasm' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.stage).toBe('check');
    const direct = checkModule(bytes, loadPolicySpec({ policy }).manifest!, { file: 'etc-passwd.wasm' });
    expect(result.diagnostics).toEqual(direct.findings);
    expect(result.diagnostics.some((d) => d.severity === 'error' && JSON.stringify(d.data).includes('path_open'))).toBe(true);
  });

  it('refuses a host import whose custom capability is switched off', async () => {
    const { bytes } = example('plugin-host-function');
    const result = await build(bytes, { policy: join(examples, 'plugin-host-function/metrics-off.wsp') });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.stage).toBe('check');
    expect(result.diagnostics.map((d) => d.message).join('\n')).toContain('metrics');
  });

  it('reports policy errors at the policy stage, with the source for code frames', async () => {
    const { bytes } = example('read-allowed-file');
    const result = await build(bytes, { policySource: 'policy "x" extends minimal {\n  limits { fuel 10 parsecs }\n}\n' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.stage).toBe('policy');
    expect(result.diagnostics[0]?.severity).toBe('error');
    expect(result.sources.get('<policy>')).toContain('parsecs');
  });

  it('signs with the given key, and refuses a key that is not Ed25519 PEM', async () => {
    const { bytes, policy } = example('plugin-host-function');
    const pair = generateSigningKeyPair();
    const result = await build(bytes, { policy, sign: pair.privateKeyPem });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const trusted = loadTrustedKey(pair.publicKeyPem);
    expect(trusted.ok && verifyArtifact(result.artifact, { trustedKeys: [trusted.key] }).ok).toBe(true);
    const bad = await build(bytes, { policy, sign: 'not a key' });
    expect(bad.ok === false && bad.stage).toBe('seal');
  });

  it('accepts a manifest object but validates it first', async () => {
    const { bytes, policy } = example('plugin-host-function');
    const manifest = loadPolicySpec({ policy }).manifest!;
    expect((await build(bytes, { manifest })).ok).toBe(true);
    const forged = { ...manifest, limits: { ...manifest.limits, fuel: -5 } };
    const result = await build(bytes, { manifest: forged });
    expect(result.ok === false && result.stage).toBe('policy');
  });
});
