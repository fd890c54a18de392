// `wsbc build`: writes a vetted artifact for an allowed module, refuses a module with the same
// findings and exit code as `wsbc check`, signs with --sign, and reports bad input with exit 2.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair, loadTrustedKey, verifyArtifact } from '@wsbc/artifact';
import ajvDraft04 from 'ajv-draft-04';
import { runCli } from './run-cli.js';

const require = createRequire(import.meta.url);
const sarifSchema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
const validateSarif = new ajvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false, logger: false }).compile(sarifSchema);

const examples = join(import.meta.dirname, '../../../examples');

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-build-'));
  for (const name of ['read-allowed-file', 'etc-passwd']) cpSync(join(examples, name), join(dir, name), { recursive: true });
  return dir;
}

describe('wsbc build', () => {
  it('writes <module>.vetted.wasm for an allowed module and says what it built', async () => {
    const cwd = workspace();
    const result = await runCli(['build', 'read-allowed-file/read-allowed-file.wasm', '--policy', 'read-allowed-file/policy.wsp'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^built read-allowed-file\/read-allowed-file\.vetted\.wasm from read-allowed-file\/read-allowed-file\.wasm \(\d+ bytes, policy "read-allowed-file" sha256:[0-9a-f]{64}, unsigned\)\n$/);
    const artifact = readFileSync(join(cwd, 'read-allowed-file/read-allowed-file.vetted.wasm'));
    expect(verifyArtifact(artifact).ok).toBe(true);
  });

  it('refuses a module with the same findings and exit code as wsbc check, and writes nothing', async () => {
    const cwd = workspace();
    const args = ['etc-passwd/etc-passwd.wasm', '--policy', 'etc-passwd/policy.wsp'];
    const built = await runCli(['build', ...args, '-o', 'out.wasm', '--format', 'json'], { cwd });
    const checked = await runCli(['check', ...args, '--format', 'json'], { cwd });
    expect(built.code).toBe(1);
    expect(checked.code).toBe(1);
    const buildReport = JSON.parse(built.stdout) as { diagnostics: unknown[]; build: { passed: boolean; stage: string } };
    const checkReport = JSON.parse(checked.stdout) as { diagnostics: unknown[] };
    expect(buildReport.build.passed).toBe(false);
    expect(buildReport.build.stage).toBe('check');
    expect(buildReport.diagnostics.length).toBeGreaterThan(0);
    expect(buildReport.diagnostics).toEqual(checkReport.diagnostics);
    expect(existsSync(join(cwd, 'out.wasm'))).toBe(false);
    const pretty = await runCli(['build', ...args], { cwd });
    expect(pretty.stdout).toContain('path_open');
    expect(pretty.stderr).toContain('refused etc-passwd/etc-passwd.wasm at the check stage');
  });

  it('emits SARIF for the refusal that validates against the official 2.1.0 schema', async () => {
    const result = await runCli(['build', 'etc-passwd/etc-passwd.wasm', '--policy', 'etc-passwd/policy.wsp', '--format', 'sarif'], { cwd: workspace() });
    expect(result.code).toBe(1);
    const sarif = JSON.parse(result.stdout) as { version: string; runs: Array<{ results: Array<{ ruleId: string }> }> };
    expect(validateSarif(sarif), JSON.stringify(validateSarif.errors, null, 2)).toBe(true);
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toContain('check/import-not-allowed');
    const passing = await runCli(['build', 'read-allowed-file/read-allowed-file.wasm', '--policy', 'read-allowed-file/policy.wsp', '--format', 'sarif'], { cwd: workspace() });
    expect(passing.code).toBe(0);
    expect(validateSarif(JSON.parse(passing.stdout))).toBe(true);
  });

  it('signs with --sign so that verify --trust accepts it', async () => {
    const cwd = workspace();
    const pair = generateSigningKeyPair();
    writeFileSync(join(cwd, 'key.pem'), pair.privateKeyPem);
    const result = await runCli(['build', 'read-allowed-file/read-allowed-file.wasm', '-p', 'read-allowed-file/policy.wsp', '-o', 'signed.wasm', '--sign', 'key.pem'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/signed by SHA256:/);
    const trusted = loadTrustedKey(pair.publicKeyPem);
    expect(trusted.ok && verifyArtifact(readFileSync(join(cwd, 'signed.wasm')), { trustedKeys: [trusted.key] }).ok).toBe(true);
  });

  it('exits 2 for a bad key, a missing module, a broken policy and missing --policy', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'bad.pem'), 'nope');
    writeFileSync(join(cwd, 'broken.wsp'), 'policy "x" extends minimal {\n  limits { fuel many }\n}\n');
    const module = 'read-allowed-file/read-allowed-file.wasm';
    const badKey = await runCli(['build', module, '-p', 'read-allowed-file/policy.wsp', '--sign', 'bad.pem'], { cwd });
    expect(badKey.code).toBe(2);
    expect(badKey.stdout).toContain('artifact/bad-key');
    expect((await runCli(['build', 'missing.wasm', '-p', 'read-allowed-file/policy.wsp'], { cwd })).code).toBe(2);
    expect((await runCli(['build', module, '-p', 'broken.wsp'], { cwd })).code).toBe(2);
    const overwrite = await runCli(['build', module, '-p', 'read-allowed-file/policy.wsp', '-o', `./${module}`], { cwd });
    expect(overwrite.code).toBe(2);
    expect(overwrite.stderr).toContain(`would overwrite the input ${module}`);
    const usage = await runCli(['build', module], { cwd });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('missing --policy');
  });

  it('closes the loop with wsbc run: a signed artifact runs with --trust, an unsigned one and a plain module are refused', async () => {
    const cwd = workspace();
    const pair = generateSigningKeyPair();
    writeFileSync(join(cwd, 'key.pem'), pair.privateKeyPem);
    writeFileSync(join(cwd, 'pub.pem'), pair.publicKeyPem);
    const module = 'read-allowed-file/read-allowed-file.wasm';
    expect((await runCli(['build', module, '-p', 'read-allowed-file/policy.wsp', '-o', 'signed.wasm', '--sign', 'key.pem'], { cwd })).code).toBe(0);
    expect((await runCli(['build', module, '-p', 'read-allowed-file/policy.wsp', '-o', 'unsigned.wasm'], { cwd })).code).toBe(0);
    const ran = await runCli(['run', 'signed.wasm', '--trust', 'pub.pem'], { cwd });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('Hello from a file the policy allows.\n');
    const unsigned = await runCli(['run', 'unsigned.wasm', '--trust', 'pub.pem'], { cwd });
    expect(unsigned.code).toBe(125);
    expect(unsigned.stderr).toContain('artifact/unsigned');
    const plain = await runCli(['run', module, '-p', 'read-allowed-file/policy.wsp'], { cwd });
    expect(plain.code).toBe(125);
    expect(plain.stderr).toContain('artifact/not-vetted');
  });

  it('build refuses -o pointing at its policy or a key, even through a link, and leaves them intact', async () => {
    const cwd = workspace();
    const module = 'read-allowed-file/read-allowed-file.wasm';
    const policy = 'read-allowed-file/policy.wsp';
    const before = readFileSync(join(cwd, policy), 'utf8');
    const atPolicy = await runCli(['build', module, '-p', policy, '-o', policy], { cwd });
    expect(atPolicy.code).toBe(2);
    expect(atPolicy.stderr).toContain(`would overwrite the input ${policy}`);
    symlinkSync(join(cwd, module), join(cwd, 'link.wasm'));
    const throughLink = await runCli(['build', module, '-p', policy, '-o', 'link.wasm'], { cwd });
    expect(throughLink.code).toBe(2);
    expect(throughLink.stderr).toContain(`would overwrite the input ${module}`);
    expect(readFileSync(join(cwd, policy), 'utf8')).toBe(before);
    expect(readFileSync(join(cwd, module))).toEqual(readFileSync(join(examples, module)));
  });

  it('an -o that cannot be written is bad input (exit 2) and an existing artifact stays as it was', async () => {
    const cwd = workspace();
    const module = 'read-allowed-file/read-allowed-file.wasm';
    mkdirSync(join(cwd, 'out.wasm'));
    const toDir = await runCli(['build', module, '-p', 'read-allowed-file/policy.wsp', '-o', 'out.wasm'], { cwd });
    expect(toDir.code).toBe(2);
    expect(toDir.stderr).toBe('wsbc build: cannot write out.wasm: is a directory\n');
    const missing = await runCli(['build', module, '-p', 'read-allowed-file/policy.wsp', '-o', 'nowhere/out.wasm'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot write nowhere/out.wasm: no such directory');
    expect(readdirSync(join(cwd, 'out.wasm'))).toEqual([]);
  });

  it('a policy that does not compile is a refusal at the policy stage: --format json has the build object, pretty the verdict line', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'broken.wsp'), 'policy "x" extends minimal {\n  limits { fuel many }\n}\n');
    const module = 'read-allowed-file/read-allowed-file.wasm';
    const json = await runCli(['build', module, '-p', 'broken.wsp', '--format', 'json'], { cwd });
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout);
    expect(report.summary.errors).toBeGreaterThan(0);
    expect(report.build).toEqual({ module, policy: 'broken.wsp', passed: false, stage: 'policy' });
    const pretty = await runCli(['build', module, '-p', 'broken.wsp'], { cwd });
    expect(pretty.code).toBe(2);
    expect(pretty.stderr).toMatch(/^refused read-allowed-file\/read-allowed-file\.wasm at the policy stage \(1 error\); no artifact written\n$/);
  });
});
