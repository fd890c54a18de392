// `wsbc verify`: explains each check, passes a good artifact, and fails (exit 1) an unvetted
// module, a tampered artifact, an unsigned artifact under --trust and a policy mismatch.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '@wsbc/artifact';
import ajvDraft04 from 'ajv-draft-04';
import { runCli } from './run-cli.js';

const require = createRequire(import.meta.url);
const sarifSchema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
const validateSarif = new ajvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false, logger: false }).compile(sarifSchema);

const examples = join(import.meta.dirname, '../../../examples');

async function builtWorkspace(sign = false) {
  const cwd = mkdtempSync(join(tmpdir(), 'wsbc-verify-'));
  cpSync(join(examples, 'read-allowed-file'), cwd, { recursive: true });
  const pair = generateSigningKeyPair();
  writeFileSync(join(cwd, 'key.pem'), pair.privateKeyPem);
  writeFileSync(join(cwd, 'pub.pem'), pair.publicKeyPem);
  const built = await runCli(['build', 'read-allowed-file.wasm', '-p', 'policy.wsp', '-o', 'app.wasm', ...(sign ? ['--sign', 'key.pem'] : [])], { cwd });
  expect(built.code).toBe(0);
  return cwd;
}

describe('wsbc verify', () => {
  it('explains each check of a good artifact and exits 0', async () => {
    const cwd = await builtWorkspace();
    const result = await runCli(['verify', 'app.wasm', '--original', 'read-allowed-file.wasm', '--policy', 'policy.wsp'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok    seal       seal matches the version, hashes and manifest');
    expect(result.stdout).toContain('ok    original   built from the given original module');
    expect(result.stdout).toContain('ok    policy     embedded manifest equals the expected policy');
    expect(result.stdout).toContain('--    signatures not signed');
    expect(result.stdout).toContain('  grants of the embedded manifest "read-allowed-file":');
    expect(result.stdout).toMatch(/\n {8}filesystem {2}\/data read \(host \/.*\/data\)\n/);
    expect(result.stdout).toContain('        network     none');
    expect(result.stdout).toMatch(/verified: app\.wasm may run under its embedded manifest\n$/);
  });

  it('fails an unvetted module with help on how to vet it', async () => {
    const cwd = await builtWorkspace();
    const result = await runCli(['verify', 'read-allowed-file.wasm'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('NOT verified');
    expect(result.stderr).toContain('artifact/not-vetted');
    expect(result.stderr).toContain('wsbc build');
  });

  it('fails a tampered artifact (one code byte changed)', async () => {
    const cwd = await builtWorkspace();
    const bytes = readFileSync(join(cwd, 'app.wasm'));
    bytes[200] = bytes[200]! ^ 0xff;
    writeFileSync(join(cwd, 'tampered.wasm'), bytes);
    const result = await runCli(['verify', 'tampered.wasm', '--format', 'json'], { cwd });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      verify: { ok: boolean; checks: Array<{ id: string; status: string }>; artifact: { grants: Array<{ area: string; text: string }> } };
      diagnostics: Array<{ code: string }>;
    };
    expect(report.verify.artifact.grants.map((g) => g.area)).toEqual(['filesystem', 'network', 'environment', 'process', 'time', 'random', 'imports', 'custom', 'limits']);
    expect(report.verify.ok).toBe(false);
    expect(report.verify.checks.find((c) => c.id === 'body')?.status).toBe('fail');
    const pretty = await runCli(['verify', 'tampered.wasm'], { cwd });
    expect(pretty.stdout).toContain('FAIL  body       module code differs from the vetted code');
    const sarif = await runCli(['verify', 'tampered.wasm', '--format', 'sarif'], { cwd });
    expect(sarif.code).toBe(1);
    const log = JSON.parse(sarif.stdout) as { runs: Array<{ results: Array<{ ruleId: string }> }> };
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(['artifact/body-hash-mismatch']);
    expect(report.diagnostics.map((d) => d.code)).toContain('artifact/body-hash-mismatch');
  });

  it('requires a trusted signature with --trust', async () => {
    const unsigned = await builtWorkspace(false);
    const refused = await runCli(['verify', 'app.wasm', '--trust', 'pub.pem'], { cwd: unsigned });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('artifact/unsigned');
    const signed = await builtWorkspace(true);
    const accepted = await runCli(['verify', 'app.wasm', '--trust', 'pub.pem'], { cwd: signed });
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/ok    trust      signed by trusted key SHA256:/);
  });

  it('fails when the artifact was built under a different policy', async () => {
    const cwd = await builtWorkspace();
    writeFileSync(join(cwd, 'other.wsp'), 'policy "read-allowed-file" extends minimal {\n  filesystem {\n    read "./data" as "/data"\n  }\n  limits {\n    fuel 1M\n  }\n}\n');
    const result = await runCli(['verify', 'app.wasm', '--policy', 'other.wsp'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('artifact/manifest-mismatch');
    expect(result.stdout).toContain('limits.fuel');
  });

  it('exits 2 for an unreadable key or artifact', async () => {
    const cwd = await builtWorkspace();
    writeFileSync(join(cwd, 'junk.pem'), 'junk');
    expect((await runCli(['verify', 'app.wasm', '--trust', 'junk.pem'], { cwd })).code).toBe(2);
    expect((await runCli(['verify', 'nothing.wasm'], { cwd })).code).toBe(2);
  });
  it('prints what a forged manifest says on one line each, with newlines, escapes and bidi controls shown', async () => {
    const cwd = await builtWorkspace();
    const compiled = await runCli(['compile', 'policy.wsp'], { cwd });
    const manifest = JSON.parse(compiled.stdout);
    manifest.name = 'x\n  ok    forged     all checks passed\u001b[2K\u202eevil';
    writeFileSync(join(cwd, 'forged.json'), JSON.stringify(manifest));
    expect((await runCli(['build', 'read-allowed-file.wasm', '-p', 'forged.json', '-o', 'forged.wasm'], { cwd })).code).toBe(0);
    const r = await runCli(['verify', 'forged.wasm'], { cwd });
    expect(r.code).toBe(0);
    // The manifest check and the grants heading quote the name: each stays one line.
    const quoted = 'x\\n  ok    forged     all checks passed\\x1b[2K\\u{202e}evil';
    expect(r.stdout.split('\n').filter((line) => line.includes('forged     all checks passed'))).toEqual([
      expect.stringMatching(/^ {2}ok {4}manifest {3}manifest "/),
      expect.stringMatching(/^ {2}grants of the embedded manifest "/),
    ]);
    expect(r.stdout.split(quoted).length).toBe(3);
    expect(r.stdout).not.toMatch(/[\u001b\u202e]/);
  });
});
