// `wsbc run`: policies from .wsp and .json, guest arguments after --, --env, --audit, --dir,
// --instrument, refusal of plain modules, and the documented exit statuses.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleWat } from '@wsbc/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { binPath, runCli, spawnCli } from './run-cli.js';

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
  writeFileSync(join(dir, 'long.wsp'), 'policy "long" extends minimal {\n  limits {\n    time total 60s idle 60s\n    cpu time 60s usage 100%\n    io write unlimited total-write unlimited\n    fuel unlimited\n  }\n}\n');
  writeFileSync(join(dir, 'yes.wasm'), await wat(yes));
  writeFileSync(join(dir, 'cat.wasm'), await wat(cat));
});

// Writes 4 KiB lines of "y" to stdout until a write fails, then exits with 7.
const yes = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (memory.fill (i32.const 64) (i32.const 121) (i32.const 4096))
    (i32.store8 (i32.const 4159) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 4096))
    (loop $l (br_if $l (i32.eqz (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
    (call $exit (i32.const 7))))`;

// Copies stdin to stdout until end of file (blocks in fd_read while stdin stays open).
const cat = `(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 1024))
    (loop $l
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (if (i32.load (i32.const 8)) (then
        (i32.store (i32.const 4) (i32.load (i32.const 8)))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
        (i32.store (i32.const 4) (i32.const 1024))
        (br $l))))))`;

interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** The audit log's records, or [] while it does not exist yet. */
function auditRecords(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Spawns the built binary as a shell would and sends it `signal` once the guest is running (the
 * audit log has its `instantiated` record).
 */
async function runUntilSignalled(argv: string[], audit: string, signal: NodeJS.Signals): Promise<Spawned> {
  const child = spawn(process.execPath, [binPath, ...argv], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close': the process has ended and its stderr has been read to the end.
  const ended = new Promise<Pick<Spawned, 'code' | 'signal'>>((done) => child.on('close', (code, sig) => done({ code, signal: sig })));
  const deadline = Date.now() + 15_000;
  while (!auditRecords(audit).some((r) => r.event === 'instantiated') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  child.kill(signal);
  return { ...(await ended), stderr };
}

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
    expect(r.stderr).toBe("wsbc: guest terminated: total time limit of 300 ms exceeded (status 124); the policy's `limits { time total }` sets this limit\n");
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

  it('Ctrl-C (SIGINT) ends a computing guest at once: one-line reason, final audit record, death by the signal', async () => {
    const audit = join(dir, 'sigint.jsonl');
    const r = await runUntilSignalled(['run', 'spin.wasm', '-p', 'long.wsp', '--instrument', '--audit', audit], audit, 'SIGINT');
    // A process that dies of SIGINT (status 130 in a shell) lets a shell loop stop at Ctrl-C.
    expect(r.signal).toBe('SIGINT');
    expect(r.stderr).toBe('wsbc: guest terminated: interrupted by SIGINT (status 130)\n');
    const records = auditRecords(audit);
    expect(records.map((x) => x.seq)).toEqual(records.map((_, i) => i));
    expect(records.at(-1)).toMatchObject({ type: 'lifecycle', event: 'terminated', status: 130, reason: 'interrupted by SIGINT' });
    expect(records.at(-1)!.t as number).toBeGreaterThanOrEqual(records.at(-2)!.t as number);
  }, 30_000);

  it('SIGTERM ends a guest blocked reading stdin, with the final audit record', async () => {
    const audit = join(dir, 'sigterm.jsonl');
    const r = await runUntilSignalled(['run', 'cat.wasm', '-p', 'long.wsp', '--instrument', '--audit', audit], audit, 'SIGTERM');
    expect(r.signal).toBe('SIGTERM');
    expect(r.stderr).toBe('wsbc: guest terminated: interrupted by SIGTERM (status 143)\n');
    expect(auditRecords(audit).at(-1)).toMatchObject({ event: 'terminated', status: 143, reason: 'interrupted by SIGTERM' });
  }, 30_000);

  it('a closed stdout pipe (| head -1) ends the run with 141, one line, no stack trace, and the final audit record', async () => {
    const audit = join(dir, 'epipe.jsonl');
    const child = spawn(process.execPath, [binPath, 'run', 'yes.wasm', '-p', 'long.wsp', '--instrument', '--audit', audit], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(code).toBe(141);
    expect(stderr).toBe('wsbc: guest terminated: stdout was closed (EPIPE) (status 141)\n');
    expect(auditRecords(audit).at(-1)).toMatchObject({ event: 'terminated', status: 141, reason: 'stdout was closed (EPIPE)' });
  }, 30_000);

  it('a stdout that cannot be written (> /dev/full) is not a success', async () => {
    if (!existsSync('/dev/full')) return;
    const full = openSync('/dev/full', 'w');
    try {
      const run = spawn(process.execPath, [binPath, 'run', 'yes.wasm', '-p', 'long.wsp', '--instrument'], { cwd: dir, stdio: ['ignore', full, 'pipe'] });
      let stderr = '';
      run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      expect(await new Promise((done) => run.on('close', done))).toBe(141);
      expect(stderr).toBe('wsbc: guest terminated: cannot write to stdout (ENOSPC) (status 141)\n');
      const compile = spawn(process.execPath, [binPath, 'compile', 'policy.wsp'], { cwd: dir, stdio: ['ignore', full, 'pipe'] });
      let compileErr = '';
      compile.stderr!.on('data', (chunk: Buffer) => (compileErr += chunk.toString()));
      expect(await new Promise((done) => compile.on('close', done))).toBe(2);
      expect(compileErr).toBe('wsbc: cannot write to stdout: ENOSPC\n');
    } finally {
      closeSync(full);
    }
  }, 30_000);

  it('a refusal by the runtime has the documented one-line reason with its status, then its diagnostics', async () => {
    const r = await runCli(['run', 'missing.wasm', '-p', 'policy.wsp', '--instrument'], { cwd: dir });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^wsbc: run refused: cannot read missing\.wasm: ENOENT \(status 125\)\nerror\[run\/module-unreadable\]/);
    writeFileSync(join(dir, 'bigmem.wasm'), await wat('(module (memory 200) (func (export "_start")))'));
    const memory = await runCli(['run', 'bigmem.wasm', '-p', 'policy.wsp', '--allow-unvetted'], { cwd: dir });
    expect(memory.code).toBe(137);
    expect(memory.stderr).toContain('wsbc: run refused: the module\'s memory starts at 200 pages; the limit is 160 (status 137)\nerror[run/memory-over-limit]');
  });

  it('--listen takes a decimal port only, and prints an IPv6 address in brackets', async () => {
    writeFileSync(join(dir, 'loopback.wsp'), 'policy "loopback" extends minimal {\n  network { allow loopback }\n}\n');
    for (const spec of ['127.0.0.1:', '127.0.0.1:1e3', '127.0.0.1:0x50', '127.0.0.1: 80', '[::1]:']) {
      const r = await runCli(['run', 'echo.wasm', '-p', 'loopback.wsp', '--instrument', '--listen', spec], { cwd: dir });
      expect(r.code, spec).toBe(125);
      expect(r.stderr, spec).toContain(`--listen expects HOST:PORT with a port from 0 to 65535 (got "${spec}")`);
    }
    const v6 = await runCli(['run', 'echo.wasm', '-p', 'loopback.wsp', '--instrument', '--listen', '[::1]:0'], { cwd: dir });
    expect(v6.stderr).toMatch(/^wsbc: listening on \[::1\]:\d+\n/);
  });

  it('--dir accepts a trailing slash and a host path holding ::, and refuses a guest path given twice or not clean', async () => {
    const odd = join(dir, 'we::ird');
    mkdirSync(odd, { recursive: true });
    const manifest = JSON.parse((await runCli(['compile', 'policy.wsp'], { cwd: dir })).stdout);
    manifest.filesystem.preopens = [{ hostPath: join(dir, 'nowhere'), guestPath: '/data', read: true, write: false, create: false, delete: false, maxFileSize: null }];
    writeFileSync(join(dir, 'data.json'), JSON.stringify(manifest));
    const slash = await runCli(['run', 'echo.wasm', '-p', 'data.json', '--instrument', '--dir', `${odd}::/data/`], { cwd: dir });
    expect(slash.stderr).toBe('');
    expect(slash.code).toBe(1);
    const twice = await runCli(['run', 'echo.wasm', '-p', 'data.json', '--instrument', '--dir', `${odd}::/x`, '--dir', `${dir}::/x/`], { cwd: dir });
    expect(twice.code).toBe(125);
    expect(twice.stderr).toContain('--dir gives the guest path /x twice');
    const unclean = await runCli(['run', 'echo.wasm', '-p', 'data.json', '--instrument', '--dir', `${odd}::/a/../b`], { cwd: dir });
    expect(unclean.code).toBe(125);
    expect(unclean.stderr).toContain('--dir guest path must be clean: no ".", ".." or "//" (got "/a/../b"; did you mean "/b"?)');
  });

  it('--env NAME for a variable that is not set says so', async () => {
    const r = await runCli(['run', 'echo.wasm', '-p', 'policy.wsp', '--instrument', '--env', 'GREETING'], { cwd: dir, env: {} });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('--env GREETING: GREETING is not set here, so there is no value to pass (give one with --env GREETING=VALUE)');
    const last = await runCli(['run', 'echo.wasm', '-p', 'policy.wsp', '--instrument', '--env', 'GREETING=a', '--env', 'GREETING=b=c', '--', 'x'], { cwd: dir });
    // The last --env of a name wins; a value may hold `=`.
    expect(last.stdout).toBe('x\0GREETING=b=c\0');
  });
});

describe('scale', () => {
  // Before, reading the command line took time in the square of its length (node's parseArgs):
  // 200,000 `--env` flags took close to a minute.
  it('reads 200,000 --env flags', { timeout: 30_000 }, async () => {
    const argv = ['run', 'echo.wasm', '--instrument'];
    for (let i = 0; i < 200_000; i++) argv.push('--env', `GREETING=v${i}`);
    argv.push('-p', 'policy.wsp', '--', 'x');
    const r = await runCli(argv, { cwd: dir });
    expect(r.stdout).toBe('x\0GREETING=v199999\0');
    expect(r.code).toBe(2);
  });
});
