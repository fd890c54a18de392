// `wsbc check`: exit codes (0 allowed, 1 refused at the fail level, 2 bad input), several modules
// per call, and the three output formats.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleWat } from '@wsbc/testkit';
import { canonicalManifestJson, DEFAULT_MANIFEST, normalize } from '@wsbc/manifest';
import { checkModule } from '@wsbc/analyzer';
import { compilePolicySource } from '@wsbc/policy-dsl';
import { runCli } from './run-cli.js';

let dir: string;

async function writeWat(name: string, text: string): Promise<void> {
  writeFileSync(join(dir, name), assembleWat(text, { file: `${name}.wat` }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsbc-check-'));
  await writeWat(
    'hello.wasm',
    `(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
       (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))) (memory (export "memory") 1))`,
  );
  await writeWat('fs.wasm', `(module (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32))))`);
  await writeWat('env.wasm', `(module (import "wasi_snapshot_preview1" "environ_get" (func (param i32 i32) (result i32))))`);
  await writeWat('log.wasm', `(module (import "env" "log" (func (param i32 i32))))`);
  writeFileSync(join(dir, 'bad.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 2, 10, 1]));
  writeFileSync(join(dir, 'minimal.wsp'), 'policy "minimal-test" extends minimal {\n}\n');
  writeFileSync(join(dir, 'data.wsp'), 'policy "data" extends minimal {\n  filesystem {\n    read "./data" as "/data"\n  }\n  imports { allow "env" "log" }\n}\n');
  writeFileSync(join(dir, 'broken.wsp'), 'policy "broken" extends minimal {\n  filesystem {\n');
  writeFileSync(join(dir, 'manifest.json'), canonicalManifestJson(DEFAULT_MANIFEST));
});

const check = (...args: string[]) => runCli(['check', ...args], { cwd: dir });

describe('wsbc check', () => {
  it('exits 0 for a module the policy allows', async () => {
    const r = await check('hello.wasm', '--policy', 'minimal.wsp');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('allowed hello.wasm (2 imports)\n');
  });

  it('exits 1 and names the import and the missing grant for a refused module', async () => {
    const r = await check('fs.wasm', '--policy', 'minimal.wsp');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('check/import-not-allowed');
    expect(r.stdout).toContain('`wasi_snapshot_preview1` `path_open`');
    expect(r.stdout).toContain('refused fs.wasm (1 import; needs filesystem.any; 1 error)');
  });

  it('checks several modules in one call and fails if any fails', async () => {
    const r = await check('hello.wasm', 'fs.wasm', 'log.wasm', '--policy', 'data.wsp');
    expect(r.code).toBe(0);
    const refused = await check('hello.wasm', 'fs.wasm', 'log.wasm', '--policy', 'minimal.wsp');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/allowed hello\.wasm[\s\S]*refused fs\.wasm[\s\S]*refused log\.wasm/);
  });

  it('accepts a compiled manifest as the policy', async () => {
    expect((await check('hello.wasm', '--policy', 'manifest.json')).code).toBe(0);
    expect((await check('fs.wasm', '--policy', 'manifest.json')).code).toBe(1);
  });

  it('shows policy warnings on stderr without failing the check', async () => {
    const unsorted = { ...JSON.parse(canonicalManifestJson(DEFAULT_MANIFEST)), environment: { mode: 'allow', names: ['TZ', 'LANG'] } };
    writeFileSync(join(dir, 'unsorted.json'), JSON.stringify(unsorted));
    const r = await check('hello.wasm', '--policy', 'unsorted.json');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning/);
    expect(r.stdout).toContain('allowed hello.wasm');
  });

  it('fails on warnings only with --fail-level warning', async () => {
    expect((await check('env.wasm', '--policy', 'minimal.wsp')).code).toBe(0);
    const strict = await check('env.wasm', '--policy', 'minimal.wsp', '--fail-level', 'warning');
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('check/environment-not-granted');
  });

  it('writes a JSON report per module', async () => {
    const r = await check('hello.wasm', 'fs.wasm', '--policy', 'minimal.wsp', '--format', 'json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ version: 1, tool: { name: 'wsbc' }, summary: { errors: 1, warnings: 0, infos: 0 } });
    expect(report.check).toMatchObject({ policy: 'minimal.wsp', failLevel: 'error', passed: false });
    expect(report.check.modules.map((m: { file: string; allowed: boolean }) => [m.file, m.allowed])).toEqual([
      ['hello.wasm', true],
      ['fs.wasm', false],
    ]);
    expect(report.diagnostics[0]).toMatchObject({
      code: 'check/import-not-allowed',
      data: { module: 'wasi_snapshot_preview1', name: 'path_open', capability: 'filesystem.any' },
      span: { file: 'fs.wasm' },
    });
    expect(report.diagnostics[0].span.byteOffset).toBeGreaterThan(8);
    expect(report.check.modules[1].summary.capabilities).toEqual(['filesystem.any']);
  });

  it('writes SARIF with the finding code as ruleId', async () => {
    const r = await check('fs.wasm', '--policy', 'minimal.wsp', '--format', 'sarif');
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toEqual(['check/import-not-allowed']);
  });

  it('exits 2 for a malformed module, with its byte offset', async () => {
    const r = await check('bad.wasm', 'hello.wasm', '--policy', 'minimal.wsp');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('check/malformed-module');
    expect(r.stdout).toMatch(/malformed module at byte \d+/);
    expect(r.stdout).toContain('allowed hello.wasm');
  });

  it('exits 2 for a malformed function body with --walk-code', async () => {
    const bytes = assembleWat('(module (func (nop)))');
    bytes[bytes.lastIndexOf(0x01)] = 0xff;
    writeFileSync(join(dir, 'bad-body.wasm'), bytes);
    expect((await check('bad-body.wasm', '--policy', 'minimal.wsp')).code).toBe(0);
    const walked = await check('bad-body.wasm', '--policy', 'minimal.wsp', '--walk-code');
    expect(walked.code).toBe(2);
    expect(walked.stdout).toContain('unknown opcode');
  });

  it('exits 2 for a missing module, a broken policy, or bad usage', async () => {
    expect((await check('missing.wasm', '--policy', 'minimal.wsp')).code).toBe(2);
    const broken = await check('hello.wasm', '--policy', 'broken.wsp');
    expect(broken.code).toBe(2);
    expect(broken.stderr).not.toBe('');
    expect((await check('hello.wasm')).code).toBe(2);
    expect((await check('--policy', 'minimal.wsp')).code).toBe(2);
    expect((await check('hello.wasm', '--policy', 'minimal.wsp', '--format', 'xml')).code).toBe(2);
    expect((await check('hello.wasm', '--policy', 'minimal.wsp', '--fail-level', 'fatal')).code).toBe(2);
  });
});

describe('help text of check findings', () => {
  it('every policy snippet a finding suggests compiles', async () => {
    const modules = [
      `(module
        (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_readdir" (func (param i32 i32 i32 i64 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_pwrite" (func (param i32 i32 i32 i64 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_create_directory" (func (param i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "path_unlink_file" (func (param i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func (param i32 i64 i64 i32) (result i32)))
        (import "wasi_snapshot_preview1" "environ_get" (func (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "sock_send" (func (param i32 i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "proc_raise" (func (param i32) (result i32)))
        (import "wasi" "thread-spawn" (func (param i32) (result i32)))
        (import "my host" "get \\"config\\"" (func))
        (import "gated" "x" (func))
        (memory 400 500 shared)
        (table 3000 funcref) (table 1 funcref))`,
    ];
    const policy = normalize(
      { random: { mode: 'none' }, imports: [{ module: 'gated', name: 'x', requires: 'flag' }], custom: [{ name: 'flag', type: 'boolean', value: false }], limits: { memory: { maxTableElements: 100 } } },
      { baseDir: dir },
    );
    if (!policy.ok) throw new Error('policy');
    const snippets = new Set<string>();
    for (const text of modules) {
      const bytes = assembleWat(text);
      for (const f of checkModule(bytes, policy.value).findings) {
        // Policy code in help is quoted as (`...`), `add `...` to the policy` or `set `...` in`.
        for (const m of (f.help ?? '').matchAll(/\(`([^`]+)`\)|add `([^`]+)` to|set `([^`]+)` in/g)) snippets.add((m[1] ?? m[2] ?? m[3])!);
      }
    }
    expect(snippets.size).toBeGreaterThanOrEqual(12);
    for (const snippet of snippets) {
      const compiled = compilePolicySource(`policy "help" extends minimal {\n  ${snippet}\n}\n`, { file: 'help.wsp', baseDir: dir });
      expect([snippet, compiled.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)]).toEqual([snippet, []]);
    }
  });
});
