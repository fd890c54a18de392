// `wsbc run`: policies from .wsp and .json, guest arguments after --, --env, --audit, --dir,
// --instrument, refusal of plain modules, and the documented exit statuses.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleWat } from '@wsbc/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

let dir: string;

async function wat(text: string): Promise<Uint8Array> {
  return assembleWat(text);
}

// Prints argv[1] and the value of the first visible environment variable, then exits with argc.
const echo = `(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $args_sizes (i32.const 0) (i32.const 4)))
    (drop (call $args_get (i32.const 100) (i32.const 1000)))
    (drop (call $env_sizes (i32.const 8) (i32.const 12)))
    (drop (call $env_get (i32.const 200) (i32.const 2000)))
    ;; everything from argv[1] to the end of the argument buffer, then the environment buffer
    (i32.store (i32.const 16) (i32.load (i32.const 104)))
    (i32.store (i32.const 20) (i32.sub (i32.add (i32.const 1000) (i32.load (i32.const 4))) (i32.load (i32.const 104))))
    (i32.store (i32.const 24) (i32.const 2000))
    (i32.store (i32.const 28) (i32.load (i32.const 12)))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 2) (i32.const 32)))
    (call $exit (i32.load (i32.const 0)))))`;

const spin = '(module (func (export "_start") (loop $l (br $l))))';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsbc-run-cli-'));
  writeFileSync(join(dir, 'echo.wasm'), await wat(echo));
  writeFileSync(join(dir, 'spin.wasm'), await wat(spin));
  writeFileSync(join(dir, 'policy.wsp'), 'policy "echo" extends minimal {\n  env allow ["GREETING"]\n}\n');
  writeFileSync(join(dir, 'short.wsp'), 'policy "short" extends minimal {\n  limits {\n    time total 300ms\n    fuel unlimited\n  }\n}\n');
  writeFileSync(join(dir, 'broken.wsp'), 'policy "broken" {\n  filesytem {\n  }\n}\n');
});

describe('wsbc run', () => {
  it('refuses a plain module unless it is instrumented, with status 125', async () => {
    const r = await runCli(['run', 'echo.wasm', '--policy', 'policy.wsp'], { cwd: dir });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/artifact\/not-vetted/);
    expect(r.stderr).toMatch(/wsbc: run refused: echo\.wasm is not a vetted artifact/);
  });

  it('runs an instrumented module with guest arguments, filtered --env, and its exit code', async () => {
    const r = await runCli(['run', 'echo.wasm', '--policy', 'policy.wsp', '--instrument', '--env', 'GREETING=hi', '-e', 'HIDDEN=x', '--', 'first', '--second'], {
      cwd: dir, env: { PATH: '/bin' },
    });
    expect(r.stdout).toBe('first\0--second\0GREETING=hi\0');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
  });

  it('writes the audit log with --audit', async () => {
    const r = await runCli(['run', 'echo.wasm', '-p', 'policy.wsp', '--instrument', '--audit', 'audit.jsonl', '--env', 'HIDDEN=1'], { cwd: dir });
    expect(r.code).toBe(1);
    const records = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records[0]).toMatchObject({ type: 'lifecycle', event: 'start' });
    expect(records).toContainEqual(expect.objectContaining({ type: 'decision', capability: 'environment', outcome: 'denied', detail: { name: 'HIDDEN' } }));
    expect(records.at(-1)).toMatchObject({ type: 'lifecycle', event: 'exit', status: 1 });
  });

  it('--audit-max-records ends a guest that floods the audit log, as an I/O quota (138)', async () => {
    const flood = `(module
      (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start") (local $i i32) (local.set $i (i32.const 100000))
        (loop $l (drop (call $random (i32.const 0) (i32.const 8))) (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))))`;
    writeFileSync(join(dir, 'flood.wasm'), await wat(flood));
    writeFileSync(join(dir, 'no-random.wsp'), 'policy "no-random" extends minimal {\n  random none\n}\n');
    const r = await runCli(['run', 'flood.wasm', '-p', 'no-random.wsp', '--instrument', '--audit', 'flood.jsonl', '--audit-max-records', '50'], { cwd: dir });
    expect(r.code).toBe(138);
    expect(r.stderr).toContain('audit log limit of 50 records reached');
    const records = readFileSync(join(dir, 'flood.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.length).toBeLessThan(60);
    expect(records.at(-2)).toMatchObject({ type: 'limit', limit: 'audit-records', action: 'terminated', max: 50 });
    const bad = await runCli(['run', 'flood.wasm', '-p', 'no-random.wsp', '--instrument', '--audit-max-records', 'lots'], { cwd: dir });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('--audit-max-records takes a whole number of records (got "lots")');
  });

  it('ends a runaway guest at the total time limit with 124 and a one-line reason', async () => {
    const r = await runCli(['run', 'spin.wasm', '--policy', 'short.wsp', '--instrument'], { cwd: dir });
    expect(r.code).toBe(124);
    expect(r.stderr).toBe('wsbc: guest terminated: total time limit of 300 ms exceeded (status 124)\n');
  });

  it('maps a preopen to another host directory with --dir', async () => {
    const data = join(dir, 'other');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(dir, 'fs.json'), JSON.stringify({}));
    const compiled = await runCli(['compile', 'policy.wsp'], { cwd: dir });
    const manifest = JSON.parse(compiled.stdout);
    manifest.filesystem.preopens = [{ hostPath: join(dir, 'nowhere'), guestPath: '/data', read: true, write: false, create: false, delete: false, maxFileSize: null }];
    writeFileSync(join(dir, 'fs.json'), JSON.stringify(manifest));
    // The guest lists its preopens' names through fd_prestat_dir_name; a missing host dir would refuse the run.
    const r = await runCli(['run', 'echo.wasm', '--policy', 'fs.json', '--instrument', '--dir', `${data}::/data`, '--dir', `${data}::/extra`], { cwd: dir });
    expect(r.code).toBe(1);
    const bad = await runCli(['run', 'echo.wasm', '--policy', 'fs.json', '--instrument', '--dir', `${data}::relative`], { cwd: dir });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/guest path must be absolute/);
  });

  it('runs a vetted artifact under its embedded manifest and refuses a tampered one', async () => {
    const built = await runCli(['build', 'echo.wasm', '--policy', 'policy.wsp', '-o', 'echo.vetted.wasm'], { cwd: dir });
    expect(built.code, built.stderr).toBe(0);
    const r = await runCli(['run', 'echo.vetted.wasm', '--env', 'GREETING=hey', '--', 'arg'], { cwd: dir });
    expect(r.stdout).toBe('arg\0GREETING=hey\0');
    expect(r.code).toBe(2);
    const bytes = readFileSync(join(dir, 'echo.vetted.wasm'));
    // Flip one byte of the module body: the sealed code hash no longer matches.
    const tampered = Buffer.from(bytes);
    tampered[Math.floor(tampered.length / 3)]! ^= 0x01;
    writeFileSync(join(dir, 'tampered.wasm'), tampered);
    const refused = await runCli(['run', 'tampered.wasm'], { cwd: dir });
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(/wsbc: run refused:/);
  });

  it('refuses --listen outside the network grants and malformed addresses', async () => {
    const denied = await runCli(['run', 'echo.wasm', '--policy', 'policy.wsp', '--instrument', '--listen', '127.0.0.1:0'], { cwd: dir });
    expect(denied.code).toBe(125);
    expect(denied.stderr).toMatch(/run\/listen-not-allowed/);
    const bad = await runCli(['run', 'echo.wasm', '--policy', 'policy.wsp', '--listen', 'nowhere'], { cwd: dir });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/--listen expects HOST:PORT/);
  });

  it('refuses a policy with errors and usage errors with 125', async () => {
    const broken = await runCli(['run', 'echo.wasm', '--policy', 'broken.wsp'], { cwd: dir });
    expect(broken.code).toBe(125);
    expect(broken.stderr).toMatch(/filesytem/);
    const none = await runCli(['run'], { cwd: dir });
    expect(none.code).toBe(125);
    expect(none.stderr).toMatch(/expected a module to run/);
    const stray = await runCli(['run', 'echo.wasm', 'extra'], { cwd: dir });
    expect(stray.stderr).toMatch(/put guest arguments after --/);
    const both = await runCli(['run', 'echo.wasm', '--policy', 'policy.wsp', '--instrument', '--allow-unvetted'], { cwd: dir });
    expect(both.code).toBe(125);
    expect(both.stderr).toMatch(/--instrument and --allow-unvetted are alternatives/);
  });

  it('run refuses --audit pointing at its module and leaves the module intact', async () => {
    const before = readFileSync(join(dir, 'echo.wasm'));
    const r = await runCli(['run', 'echo.wasm', '--policy', 'policy.wsp', '--instrument', '--audit', './echo.wasm'], { cwd: dir });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('the audit log ./echo.wasm would overwrite the input echo.wasm');
    expect(readFileSync(join(dir, 'echo.wasm'))).toEqual(before);
  });

  it('a refused policy gets the one-line reason first, then its diagnostics; a missing one says it cannot be read', async () => {
    const broken = await runCli(['run', 'echo.wasm', '--policy', 'broken.wsp', '--instrument'], { cwd: dir });
    expect(broken.stderr).toMatch(/^wsbc: run refused: the policy broken\.wsp has errors \(status 125\)\nerror\[policy\/unknown-block\]/);
    const missing = await runCli(['run', 'echo.wasm', '--policy', 'nope.wsp', '--instrument'], { cwd: dir });
    expect(missing.code).toBe(125);
    expect(missing.stderr).toMatch(/^wsbc: run refused: cannot read the policy nope\.wsp \(status 125\)\nerror\[input\/unreadable\]: cannot read nope\.wsp: no such file/);
  });
});
