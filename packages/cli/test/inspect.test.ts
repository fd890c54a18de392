// `wsbc inspect`: the human summary and the JSON form of a module's structure.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleWat } from '@wsbc/testkit';
import { runCli } from './run-cli.js';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsbc-inspect-'));
  writeFileSync(
    join(dir, 'm.wasm'),
    assembleWat(
      `(module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "env" "log" (func (param i32)))
      (memory (export "memory") 2 10)
      (table 1 funcref)
      (global (mut i32) (i32.const 0))
      (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
      (func (export "sat") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0))))`,
    ),
  );
  writeFileSync(join(dir, 'bad.wasm'), new Uint8Array([1, 2, 3]));
});

describe('wsbc inspect', () => {
  it('prints imports with what they need, exports with types, memories and features', async () => {
    const r = await runCli(['inspect', 'm.wasm'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wasi_snapshot_preview1 +fd_write +\(func \(param i32 i32 i32 i32\) \(result i32\)\) +always allowed/);
    expect(r.stdout).toMatch(/wasi_snapshot_preview1 +path_open +.* +needs filesystem\.any/);
    expect(r.stdout).toMatch(/env +log +\(func \(param i32\)\) +host import/);
    expect(r.stdout).toMatch(/add +func +\(func \(param i32 i32\) \(result i32\)\)/);
    expect(r.stdout).toMatch(/0 +min 2 pages \(128\.0 KiB\) +max 10 pages \(640\.0 KiB\)/);
    expect(r.stdout).toContain('features: mvp, saturating-conversions');
    expect(r.stdout).toContain('globals: 1 (1 mutable)');
  });

  it('prints JSON with --format json', async () => {
    const r = await runCli(['inspect', 'm.wasm', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.imports.map((i: { name: string; needs: string[] }) => [i.name, i.needs])).toEqual([
      ['fd_write', []],
      ['path_open', ['filesystem.any']],
      ['log', []],
    ]);
    expect(json.exports.map((e: { name: string }) => e.name)).toEqual(['memory', 'add', 'sat']);
    expect(json.functions).toEqual({ imported: 3, defined: 2 });
  });

  it('exits 2 for a file that is not a module', async () => {
    const r = await runCli(['inspect', 'bad.wasm'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('check/malformed-module');
    expect((await runCli(['inspect'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['inspect', 'm.wasm', '--format', 'sarif'], { cwd: dir })).code).toBe(2);
  });

  it('--format json reports an unreadable or malformed module as JSON on stdout, exit 2', async () => {
    for (const [file, code] of [['bad.wasm', 'check/malformed-module'], ['missing.wasm', 'input/unreadable']] as const) {
      const r = await runCli(['inspect', file, '--format', 'json'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout);
      expect(report.diagnostics.map((d: { code: string }) => d.code)).toEqual([code]);
      expect(report.summary).toMatchObject({ errors: 1 });
    }
  });
});

describe('wsbc inspect on hostile modules', () => {
  it('shows escape sequences, line breaks and bidi controls in names as escapes', async () => {
    writeFileSync(
      join(dir, 'names.wasm'),
      assembleWat(`(module
        (import "env\\1b[31m" "log\\0aexports (0):" (func))
        (import "m" "\\e2\\80\\aemem" (memory 1))
        (func (export "run\\1b]0;title\\07"))
        (@custom "sec\\0d\\e2\\81\\a6" ""))`),
    );
    const r = await runCli(['inspect', 'names.wasm'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u001b\u0007\r\u202e\u2066]/);
    expect(r.stdout).toContain('env\\x1b[31m');
    expect(r.stdout).toContain('log\\nexports (0):');
    expect(r.stdout).toContain('imported from m.\\u{202e}mem');
    expect(r.stdout).toContain('run\\x1b]0;title\\x07');
    expect(r.stdout).toContain('sec\\x0d\\u{2066}');
    // The forged header stayed inside its row: one `exports (` line, the real one.
    expect(r.stdout.split('\n').filter((line) => line.startsWith('exports ('))).toEqual(['exports (1):']);
  });

  it('lists 200,000 custom sections (too many rows to spread into one push)', async () => {
    const parts = [Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])];
    for (let i = 0; i < 200_000; i++) parts.push(Buffer.from([0, 2, 1, 0x61]));
    writeFileSync(join(dir, 'many.wasm'), Buffer.concat(parts));
    const r = await runCli(['inspect', 'many.wasm'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('custom sections (200000):');
  });
});
