// How runs end: traps, stack exhaustion, exit codes a process cannot carry, missing entry
// points, imported memories, and a host that keeps working after each of them.
import { describe, expect, it } from 'vitest';
import { RunStatus, run } from '@wsbc/runtime';
import { PassThrough } from 'node:stream';
import fs from 'node:fs';
import { POLL_IMPORT, SLEEP_FN, manifest, runCaptured, tempDir, wat } from './helpers.js';

describe('termination', () => {
  it('writes the one-line reason on one line, whatever a hostile module names its imports', async () => {
    // The name reaches the reason of the refusal (and a host function's error reaches a trap's).
    const hostile = await wat(`(module (import "env" "x\\0a\\1b[32mverified: ok\\1b[0m\\e2\\80\\ae" (func)) (func (export "_start")))`);
    const { result, stderr } = await runCaptured(hostile, manifest());
    expect(result.status).toBe(RunStatus.Refused);
    expect(result.reason).toContain('\n\x1b[32m');
    const line = 'wsbc: run refused: the policy does not allow the import env.x\\u{a}\\u{1b}[32mverified: ok\\u{1b}[0m\\u{202e} (status 125)\n';
    expect(stderr).toBe(line);
    // The same text written with fewer characters on screen than in the line would mean a raw one got through.
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u202e]/);
  });

  it('reports a trap with status 134 and the engine message', async () => {
    const { result, stderr, audit } = await runCaptured(await wat('(module (func (export "_start") unreachable))'), manifest());
    expect(result).toMatchObject({ status: RunStatus.Trap, termination: 'trap' });
    expect(stderr).toBe('wsbc: guest terminated: trap: unreachable (status 134)\n');
    expect(audit.at(-1)).toMatchObject({ type: 'lifecycle', event: 'terminated', status: 134, reason: 'trap: unreachable' });
  });

  it('ends a run when its signal is aborted: status 130 (or the abort reason\'s), final record, sink closed', async () => {
    const spin = await wat('(module (func (export "_start") (loop $l (br $l))))');
    const policy = manifest({ limits: { time: { maxTotalMs: 20_000 }, cpu: { maxExecutionMs: 20_000, usagePercent: 100 } } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const plain = await runCaptured(spin, policy, { signal: controller.signal });
    expect(plain.result).toMatchObject({ status: RunStatus.Interrupted, termination: 'interrupted', reason: 'interrupted' });
    expect(plain.stderr).toBe('wsbc: guest terminated: interrupted (status 130)\n');
    expect(plain.audit.at(-1)).toMatchObject({ type: 'lifecycle', event: 'terminated', status: 130, reason: 'interrupted' });
    expect(plain.result.stats.wallMs).toBeLessThan(10_000);

    const term = new AbortController();
    setTimeout(() => term.abort({ status: 143, reason: 'interrupted by SIGTERM' }), 100);
    const withStatus = await runCaptured(spin, policy, { signal: term.signal });
    expect(withStatus.result).toMatchObject({ status: 143, termination: 'interrupted', reason: 'interrupted by SIGTERM' });
    expect(withStatus.audit.at(-1)).toMatchObject({ event: 'terminated', status: 143, reason: 'interrupted by SIGTERM' });

    // Aborted before it starts: the guest does not get to run.
    const early = await runCaptured(spin, policy, { signal: AbortSignal.abort('stopped by the caller') });
    expect(early.result).toMatchObject({ status: 130, termination: 'interrupted', reason: 'stopped by the caller' });
  });

  it('gives the guest EPIPE once the host\'s stdout failed, and never ends the host', async () => {
    // Writes a byte, sleeps (its output is flushed to the host meanwhile), writes again and exits
    // with the second write's errno.
    const guest = await wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      ${POLL_IMPORT}
      (memory (export "memory") 1)
      (data (i32.const 8) "x")
      ${SLEEP_FN}
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 8)) (i32.store (i32.const 4) (i32.const 1))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
        (call $sleep (i32.const 1024) (i64.const 50000000))
        (call $exit (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))))`);
    const policy = manifest({ time: { mode: 'full' } });
    const stderr = { write: () => undefined };
    // A plain sink that throws, as a closed pipe's write would.
    const plain = await run(guest, { policy, env: {}, stderr, stdout: { write: () => { throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }); } } });
    expect(plain).toMatchObject({ termination: 'exit', exitCode: 64 });
    // A Node stream that fails (written after its end), with no 'error' listener of its own:
    // the guest gets an error, and nothing escapes as an uncaught exception.
    const stream = new PassThrough();
    stream.end();
    const failed = await run(guest, { policy, env: {}, stderr, stdout: stream });
    expect(failed.termination).toBe('exit');
    expect(failed.exitCode).not.toBe(0);
  });

  it('gives the guest the error of a stdin that failed at the host, not end of file', async () => {
    const guest = await wat(`(module
      (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 100))
        (call $exit (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))))`);
    // A directory given as stdin (\`wsbc run m.wasm < /tmp\`): its read fails with EISDIR.
    const result = await run(guest, { policy: manifest(), env: {}, stderr: { write: () => undefined }, stdin: fs.createReadStream(tempDir()) });
    expect(result).toMatchObject({ termination: 'exit', exitCode: 31 }); // WASI ISDIR
  });

  it('reports unbounded recursion as a trap, not a host crash', async () => {
    const bytes = await wat('(module (func $f (call $f)) (func (export "_start") (call $f)))');
    const { result } = await runCaptured(bytes, manifest());
    expect(result.status).toBe(RunStatus.Trap);
    expect(result.reason).toMatch(/call stack/);
  });

  it('maps exit codes above 255 to 1 instead of letting them wrap to success', async () => {
    const bytes = await wat(`(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 256))))`);
    const { result } = await runCaptured(bytes, manifest());
    expect(result).toMatchObject({ status: 1, exitCode: 256, termination: 'exit' });
  });

  it('treats a returning _start as exit 0 and refuses a module without _start', async () => {
    expect((await runCaptured(await wat('(module (func (export "_start")))'), manifest())).result.status).toBe(0);
    const { result } = await runCaptured(await wat('(module (func (export "main")))'), manifest());
    expect(result.status).toBe(RunStatus.Refused);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['run/no-entry-point']);
  });

  it('provides an imported memory of the reserved size, bounded by max pages', async () => {
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (import "env" "memory" (memory 1))
      (func (export "_start")
        ;; size, then an attempt to grow past the limit (-1), then exit with both
        (call $exit (i32.add (i32.mul (memory.size) (i32.const 10)) (i32.add (i32.const 1) (memory.grow (i32.const 100)))))))`);
    const { result } = await runCaptured(bytes, manifest({ limits: { memory: { maxPages: 20, reservedPages: 4 } } }));
    // 4 pages reserved -> 40; grow by 100 past max 20 fails -> -1 + 1 = 0
    expect(result.status).toBe(40);
  });

  it('refuses an imported memory whose minimum exceeds max pages with status 137', async () => {
    const bytes = await wat('(module (import "env" "memory" (memory 50)) (func (export "_start")))');
    const { result } = await runCaptured(bytes, manifest({ limits: { memory: { maxPages: 20, reservedPages: 4 } } }));
    expect(result.status).toBe(RunStatus.MemoryLimit);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['run/memory-over-limit']);
  });

  it('refuses a run whose policy preopens a directory that does not exist', async () => {
    const policy = manifest({ filesystem: { preopens: [{ hostPath: '/nonexistent/wsbc-dir', guestPath: '/data', read: true }] } });
    const { result, stderr } = await runCaptured(await wat('(module (func (export "_start")))'), policy);
    expect(result.status).toBe(RunStatus.Refused);
    expect(result.diagnostics[0]).toMatchObject({ code: 'run/preopen-unavailable', data: { path: '/nonexistent/wsbc-dir' } });
    expect(stderr).toBe('wsbc: run refused: cannot open a preopened directory: ENOENT /nonexistent/wsbc-dir (status 125)\n');
  });

  it('refuses a WASI import whose type WASI does not define, before running anything', async () => {
    // An i64 where fd_write takes an i32: linked, each call would fail converting its arguments.
    const fdWrite = await wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i64 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")))`);
    const { result, stderr } = await runCaptured(fdWrite, manifest());
    expect(result.status).toBe(RunStatus.Refused);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'run/wasi-signature-mismatch',
      data: { module: 'wasi_snapshot_preview1', name: 'fd_write', expected: '(func (param i32 i32 i32 i32) (result i32))', actual: '(func (param i64 i32 i32 i32) (result i32))' },
    });
    expect(stderr).toContain('wsbc: run refused: the import wasi_snapshot_preview1.fd_write has type (func (param i64 i32 i32 i32) (result i32)), but WASI defines');
    // wasi-threads' spawn returning an i64, under a policy that allows threads: refused too, where
    // it used to trap at the first spawn ("host function failed").
    const spawn = await wat(`(module
      (import "wasi" "thread-spawn" (func $spawn (param i32) (result i64)))
      (import "env" "memory" (memory 1 1 shared))
      (func (export "wasi_thread_start") (param i32 i32))
      (func (export "_start") (drop (call $spawn (i32.const 0)))))`);
    const threaded = await runCaptured(spawn, manifest({ limits: { cpu: { maxThreads: 4 } } }));
    expect(threaded.result.diagnostics.map((d) => d.code)).toEqual(['run/wasi-signature-mismatch']);
    // The one other type WASI allows for an import (WasmEdge's first sock_accept) still links.
    const v1Accept = await wat(`(module
      (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32) (result i32)))
      (func (export "_start")))`);
    expect((await runCaptured(v1Accept, manifest())).result.termination).toBe('exit');
  });

  it('refuses modules with more tables than allowed', async () => {
    const bytes = await wat('(module (table 1 funcref) (table 1 funcref) (func (export "_start")))');
    const { result } = await runCaptured(bytes, manifest());
    expect(result.diagnostics.map((d) => d.code)).toEqual(['run/too-many-tables']);
  });
});
