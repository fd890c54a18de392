// Conformance of our WASI through real C programs (wasi-libc), built by conformance/build.sh
// and committed as .wasm. Each case checks stdout and the exit status.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifest, runCaptured, tempDir } from './helpers.js';

const wasm = (name: string) => path.join(import.meta.dirname, 'conformance/wasm', `${name}.wasm`);
const expected = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'conformance/expected', `${name}.stdout`), 'utf8');
const unthrottled = { readBytesPerSecond: null, writeBytesPerSecond: null };

describe('C conformance programs', () => {
  it('passes arguments and allowed environment variables, and the exit code through', async () => {
    const policy = manifest({ environment: { mode: 'allow', names: ['EXIT_CODE', 'LANG'] } });
    const { result, stdout } = await runCaptured(wasm('hello'), policy, {
      args: ['one', 'two words'],
      env: { LANG: 'C.UTF-8', SECRET: 'hunter2' },
      envOverrides: { EXIT_CODE: '42' },
    });
    expect(stdout).toBe('argc=3\narg[1]=one\narg[2]=two words\nenv EXIT_CODE=42\nenv LANG=C.UTF-8\n');
    expect(result).toMatchObject({ status: 42, termination: 'exit', exitCode: 42 });
  });

  it('implements every filesystem function wasi-libc reaches, with their error cases', async () => {
    const dir = tempDir();
    const policy = manifest({
      filesystem: { preopens: [{ hostPath: dir, guestPath: '/data', read: true, write: true, create: true, delete: true }] },
      time: { mode: 'full' },
      limits: { io: unthrottled },
    });
    const { result, stdout } = await runCaptured(wasm('files'), policy);
    expect(stdout).toBe(expected('files'));
    expect(result.status).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(['a.txt']);
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('HEL');
  });

  it('reads clocks, sleeps in poll_oneoff and draws random bytes', async () => {
    const { result, stdout } = await runCaptured(wasm('clock_random'), manifest());
    expect(result.status).toBe(0);
    expect(stdout).toMatch(/^getres: 1\nslept at least 20ms: 1\nrealtime after 2001: 1\ncputime: 1\nrandom:( [0-9a-f]{2}){8}\n$/);
  });

  it('streams stdin to the guest until end of file', async () => {
    const { Readable } = await import('node:stream');
    const input = Readable.from([Buffer.from('hello '), Buffer.from('sandbox')]);
    const { result, stdout } = await runCaptured(wasm('stdin'), manifest(), { stdin: input });
    expect(stdout).toBe('HELLO SANDBOX\nbytes=13\n');
    expect(result.status).toBe(0);
  });

  it('streams output while the guest runs: a prompt arrives before the guest blocks on stdin', async () => {
    const { PassThrough } = await import('node:stream');
    const { wat } = await import('./helpers.js');
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_read" (func $r (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 100) "ready\\n")
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 100)) (i32.store (i32.const 4) (i32.const 6))
        (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 0) (i32.const 200)) (i32.store (i32.const 4) (i32.const 64))
        (drop (call $r (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 4) (i32.load (i32.const 8)))
        (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
    const stdin = new PassThrough();
    let seen = '';
    const { run } = await import('@wsbc/runtime');
    const result = await run(bytes, {
      policy: manifest({ limits: { time: { maxIdleMs: 20_000 } } }), env: {}, stdin, audit: 'off',
      stdout: {
        write: (chunk) => {
          seen += Buffer.from(chunk).toString();
          // Answer only once the prompt has arrived: without streaming this would deadlock.
          if (seen === 'ready\n') stdin.end('answer');
        },
      },
    });
    expect(result.status).toBe(0);
    expect(seen).toBe('ready\nanswer');
  });

  it('makes a guest wait when the host stdout does not keep up (backpressure)', async () => {
    const { Writable } = await import('node:stream');
    const { wat } = await import('./helpers.js');
    // 12 MiB in 64 KiB writes.
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 2)
      (func (export "_start") (local $i i32)
        (i32.store (i32.const 0) (i32.const 65536)) (i32.store (i32.const 4) (i32.const 65536))
        (loop $l
          (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 192))))))`);
    let received = 0;
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        setTimeout(callback, 2);
      },
    });
    const original = slow.write.bind(slow);
    slow.write = ((chunk: Buffer, cb?: () => void) => {
      const ok = original(chunk, cb);
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
      return ok;
    }) as typeof slow.write;
    const { run } = await import('@wsbc/runtime');
    const result = await run(bytes, {
      policy: manifest({ limits: { io: { maxWriteBytes: null, writeBytesPerSecond: null }, time: { maxIdleMs: 60_000 } } }),
      env: {}, stdout: slow, audit: 'off',
    });
    await new Promise<void>((resolve) => (slow.writableLength === 0 ? resolve() : slow.once('drain', () => resolve())));
    expect(result.status).toBe(0);
    expect(received).toBe(12 * 1024 * 1024);
    // The host never held much more than the worker's high-water mark (4 MiB) plus one batch.
    expect(maxBuffered).toBeLessThan(5 * 1024 * 1024);
    expect(result.stats.idleMs).toBeGreaterThan(0);
  });

  it('gives a guest without stdin an immediate end of file', async () => {
    const { stdout } = await runCaptured(wasm('stdin'), manifest());
    expect(stdout).toBe('\nbytes=0\n');
  });
});
