// `wsbc lint`: exit codes (0 clean, 1 findings at the fail level, 2 bad input), levels from
// .wsbc-lint.json (found upward or named), --rule and --fail-level, inline suppressions in every
// output format, and SARIF that validates against the official schema.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const require = createRequire(import.meta.url);
const sarifSchema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
// The official schema (as in render-sarif.test.ts); URI and date formats are not what this test is about.
const validateSarif = new ajvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false, validateFormats: false }).compile(sarifSchema);

let dir: string;

const CLEAN = 'policy "clean" {\n  network {\n    allow host "api.example.com" ports 443 secure\n  }\n}\n';
const WARNS = 'policy "warns" {\n  network full\n}\n';
const ERRORS = 'policy "errors" {\n  process full\n}\n';
const SUPPRESSED = 'policy "accepted" {\n  # wsbc-lint-disable-next-line no-full-network: runs in an isolated VM with egress filtering\n  network full\n  env full\n}\n';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wsbc-lint-'));
  writeFileSync(join(dir, 'clean.wsp'), CLEAN);
  writeFileSync(join(dir, 'warns.wsp'), WARNS);
  writeFileSync(join(dir, 'errors.wsp'), ERRORS);
  writeFileSync(join(dir, 'suppressed.wsp'), SUPPRESSED);
  writeFileSync(join(dir, 'broken.wsp'), 'policy "broken" {\n  netwrk full\n');
  // A team directory whose configuration (found upward from its nested policy) makes full network an error.
  mkdirSync(join(dir, 'team', 'nested'), { recursive: true });
  writeFileSync(join(dir, 'team', '.wsbc-lint.json'), JSON.stringify({ rules: { 'no-full-network': 'error' } }));
  writeFileSync(join(dir, 'team', 'nested', 'warns.wsp'), WARNS);
  mkdirSync(join(dir, 'badconfig'));
  writeFileSync(join(dir, 'badconfig', '.wsbc-lint.json'), '{\n  "rules": {\n    "no-full-netwrk": "error"\n  }\n}\n');
  writeFileSync(join(dir, 'badconfig', 'warns.wsp'), WARNS);
  writeFileSync(join(dir, 'quiet.json'), JSON.stringify({ rules: { 'no-full-network': 'off', 'env-full': 'info' } }));
});

const lint = (...args: string[]) => runCli(['lint', ...args], { cwd: dir });

describe('wsbc lint', () => {
  it('exits 0 and prints nothing for a clean policy', async () => {
    expect(await lint('clean.wsp')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('prints warnings with a code frame but exits 0 under the default fail level', async () => {
    const r = await lint('warns.wsp');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning[lint/no-full-network]: network access is full');
    expect(r.stdout).toContain(' --> warns.wsp:2:11');
    expect(r.stdout).toContain('2 |   network full\n  |           ^^^^');
    expect(r.stdout).toMatch(/1 warning\n$/);
  });

  it('exits 1 for findings at or above --fail-level', async () => {
    expect((await lint('errors.wsp')).code).toBe(1);
    expect((await lint('warns.wsp', '--fail-level', 'warning')).code).toBe(1);
    expect((await lint('warns.wsp', '--fail-level', 'info')).code).toBe(1);
    expect((await lint('clean.wsp', '--fail-level', 'info')).code).toBe(0);
  });

  it('sets levels per run with --rule', async () => {
    const r = await lint('warns.wsp', '--rule', 'no-full-network=error');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error[lint/no-full-network]');
    expect(await lint('errors.wsp', '--rule', 'no-full-process=off', '--rule', 'no-full-network=error')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('rejects bad flags with exit 2 and a usage message', async () => {
    const unknown = await lint('warns.wsp', '--rule', 'no-full-netwrk=error');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown rule "no-full-netwrk" (did you mean "no-full-network"?)');
    expect((await lint('warns.wsp', '--rule', 'no-full-network')).code).toBe(2);
    expect((await lint('warns.wsp', '--fail-level', 'fatal')).stderr).toContain('--fail-level must be one of error, warning, info');
    expect((await lint('warns.wsp', '--format', 'xml')).code).toBe(2);
    expect((await lint()).stderr).toContain('expected at least one policy file');
  });

  it('finds .wsbc-lint.json in a parent directory of the policy', async () => {
    const r = await lint('team/nested/warns.wsp');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error[lint/no-full-network]');
    // A --rule flag still wins over the file.
    expect((await lint('team/nested/warns.wsp', '--rule', 'no-full-network=warning')).code).toBe(0);
  });

  it('uses --config instead of searching', async () => {
    const r = await lint('team/nested/warns.wsp', 'suppressed.wsp', '--config', 'quiet.json', '--fail-level', 'warning');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('note[lint/env-full]');
    expect(r.stdout).not.toContain('no-full-network]');
  });

  it('exits 2 on an invalid configuration, pointing into it, and lints nothing under it', async () => {
    const r = await lint('badconfig/warns.wsp', 'clean.wsp');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('error[lint/invalid-config]: unknown rule "no-full-netwrk"');
    expect(r.stdout).toContain('badconfig/.wsbc-lint.json:3:5');
    expect(r.stdout).toContain('did you mean "no-full-network"?');
    expect(r.stdout).not.toContain('lint/no-full-network]');
    expect((await lint('clean.wsp', '--config', 'missing.json')).code).toBe(2);
  });

  it('exits 2 for a policy that does not compile or cannot be read, still linting the others', async () => {
    const r = await lint('broken.wsp', 'warns.wsp', 'missing.wsp');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/error\[(parse|policy)\//);
    expect(r.stdout).toContain('lint/no-full-network');
    expect(r.stdout).toContain('cannot read missing.wsp: no such file');
  });

  it('reads a policy from stdin with -', async () => {
    const r = await runCli(['lint', '-'], { cwd: dir, stdin: ERRORS });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('<stdin>:2:11');
  });

  it('counts suppressed findings apart in pretty output', async () => {
    const r = await lint('suppressed.wsp', '--fail-level', 'warning');
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('lint/no-full-network');
    expect(r.stdout).toContain('warning[lint/env-full]');
    expect(r.stdout).toMatch(/1 finding suppressed inline \(--format json lists them with their reasons\)\n$/);
  });

  it('lists suppressed findings with their reason and directive in JSON', async () => {
    const r = await lint('suppressed.wsp', '--format', 'json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.diagnostics.map((d: { code: string }) => d.code)).toEqual(['lint/env-full']);
    expect(report.summary).toEqual({ errors: 0, warnings: 1, infos: 0 });
    expect(report.suppressed).toEqual([
      expect.objectContaining({
        code: 'lint/no-full-network',
        reason: 'runs in an isolated VM with egress filtering',
        directive: { file: 'suppressed.wsp', line: 2, column: 3, endLine: 2, endColumn: 94 },
        span: expect.objectContaining({ line: 3, column: 11 }),
      }),
    ]);
  });

  it('writes SARIF that validates, with suppressed findings marked in source with their justification', async () => {
    const r = await lint('suppressed.wsp', 'errors.wsp', '--format', 'sarif');
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(validateSarif(log), JSON.stringify(validateSarif.errors, null, 2)).toBe(true);
    const results = log.runs[0].results as Array<{ ruleId: string; suppressions?: unknown }>;
    expect(results.map((x) => [x.ruleId, x.suppressions])).toEqual([
      ['lint/env-full', undefined],
      ['lint/no-full-process', undefined],
      ['lint/no-full-network', [{ kind: 'inSource', justification: 'runs in an isolated VM with egress filtering' }]],
    ]);
    const rules = log.runs[0].tool.driver.rules as Array<{ id: string; shortDescription: { text: string } }>;
    expect(rules.find((x) => x.id === 'lint/no-full-process')?.shortDescription.text).toContain('any host program');
  });

  it('lists the rules with their effective levels', async () => {
    const pretty = await lint('--list-rules', '--rule', 'no-audit=off');
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toMatch(/^rule +category +level +description\n/);
    expect(pretty.stdout).toMatch(/\nno-audit +security +off +Reports `audit none`/);
    const json = JSON.parse((await lint('--list-rules', '--format', 'json', '--config', 'quiet.json')).stdout);
    expect(json.rules.length).toBeGreaterThanOrEqual(12);
    expect(json.rules.find((x: { id: string }) => x.id === 'no-full-network')).toEqual(expect.objectContaining({ defaultLevel: 'warning', level: 'off', category: 'security' }));
  });

  it('is listed in wsbc --help', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/\n {2}lint +Check \.wsp policies/);
  });

  it('lints every .wsp file below a directory, skipping dot-directories', async () => {
    mkdirSync(join(dir, 'tree', 'a'), { recursive: true });
    mkdirSync(join(dir, 'tree', '.git'), { recursive: true });
    writeFileSync(join(dir, 'tree', 'a', 'errors.wsp'), ERRORS);
    writeFileSync(join(dir, 'tree', 'warns.wsp'), WARNS);
    writeFileSync(join(dir, 'tree', 'notes.txt'), 'not a policy');
    writeFileSync(join(dir, 'tree', '.git', 'hidden.wsp'), ERRORS.replace('process full', 'env full'));
    const r = await lint('tree', '--format', 'json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.diagnostics.map((d: { code: string; span: { file: string } }) => `${d.span.file} ${d.code}`)).toEqual([
      'tree/a/errors.wsp lint/no-full-process',
      'tree/warns.wsp lint/no-full-network',
    ]);
  });

  it('lints a policy named twice, or by name and through its directory, once', async () => {
    const r = await lint('tree', 'tree/warns.wsp', './tree/warns.wsp', '--format', 'json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.diagnostics.map((d: { code: string; span: { file: string } }) => `${d.span.file} ${d.code}`)).toEqual([
      'tree/a/errors.wsp lint/no-full-process',
      'tree/warns.wsp lint/no-full-network',
    ]);
  });

  it('a directory with no policy in it is bad input in every format, not a silent pass', async () => {
    mkdirSync(join(dir, 'no-policies', '.git'), { recursive: true });
    writeFileSync(join(dir, 'no-policies', '.git', 'hidden.wsp'), ERRORS);
    const r = await lint('no-policies', 'clean.wsp', '--format', 'json');
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.diagnostics).toEqual([expect.objectContaining({ code: 'input/unreadable', message: 'no .wsp files in directory no-policies' })]);
    const sarif = JSON.parse((await lint('no-policies', '--format', 'sarif')).stdout);
    expect(validateSarif(sarif)).toBe(true);
    expect(sarif.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toEqual(['input/unreadable']);
  });

  it('refuses stdin given twice with a usage error, as fmt does, instead of linting an empty second read', async () => {
    const r = await runCli(['lint', '-', '-'], { cwd: dir, stdin: CLEAN });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^wsbc lint: stdin \(-\) can be given once/);
  });
});

describe('wsbc lint on a flood of findings', () => {
  // 150,000 repeated blocks, one finding each. Before: the pretty renderer split the whole source
  // for every finding (quadratic: minutes), and the findings were spread into one push() call
  // (a stack overflow, "internal error").
  it('renders 150,000 findings, pretty and JSON', { timeout: 120_000 }, async () => {
    const text = `policy "p" {\n${'  env allow ["A"]\n'.repeat(150_000)}}\n`;
    writeFileSync(join(dir, 'flood.wsp'), text);
    const pretty = await runCli(['lint', 'flood.wsp'], { cwd: dir });
    expect(pretty.stdout + pretty.stderr).not.toContain('internal error');
    expect(pretty.stdout + pretty.stderr).toContain('149999 errors');
    expect(pretty.stdout + pretty.stderr).toContain('150001 |   env allow ["A"]');
    const json = await runCli(['lint', '--format', 'json', 'flood.wsp'], { cwd: dir });
    expect(JSON.parse(json.stdout).diagnostics).toHaveLength(149_999);
  });
});
