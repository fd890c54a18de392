// Test helpers: compile .wat with the wabt npm package, build manifests through normalize(),
// and run a module while capturing stdout, stderr and the audit log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assembleWat } from '@wsbc/testkit';
import { normalize, type Manifest, type ManifestInput } from '@wsbc/manifest';
import { run, type AuditRecord, type RunOptions, type RunResult } from '@wsbc/runtime';

export async function wat(text: string): Promise<Uint8Array> {
  return assembleWat(text);
}

export function manifest(input: ManifestInput = {}, baseDir = process.cwd()): Manifest {
  const result = normalize(input, { baseDir });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n'));
  return result.value;
}

export interface Captured {
  result: RunResult;
  stdout: string;
  /** stdout as raw bytes (for tests that write binary results). */
  stdoutBytes: Buffer;
  stderr: string;
  audit: AuditRecord[];
}

export async function runCaptured(module: string | Uint8Array, policy: Manifest, options: Partial<RunOptions> = {}): Promise<Captured> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const audit: AuditRecord[] = [];
  const result = await run(module, {
    env: {},
    audit: { callback: (r) => audit.push(r) },
    ...options,
    policy,
    stdout: { write: (c) => out.push(Buffer.from(c)) },
    stderr: { write: (c) => err.push(Buffer.from(c)) },
  });
  return { result, stdout: Buffer.concat(out).toString(), stdoutBytes: Buffer.concat(out), stderr: Buffer.concat(err).toString(), audit };
}

export function tempDir(prefix = 'wsbc-rt-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A WAT prelude: memory, the WASI imports used by most tests, and a print helper at $print(ptr, len). */
export const PRELUDE = `
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
`;

export function denials(audit: AuditRecord[]): Array<Extract<AuditRecord, { type: 'decision' }>> {
  return audit.filter((r): r is Extract<AuditRecord, { type: 'decision' }> => r.type === 'decision' && r.outcome === 'denied');
}

/** WAT: the poll_oneoff import that SLEEP_FN calls. */
export const POLL_IMPORT = `(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))`;

/**
 * WAT: `$sleep(sub, ns)`, a poll_oneoff on one relative clock subscription (48 bytes at `sub`,
 * the event after it, nevents at sub + 80). Needs POLL_IMPORT.
 */
export const SLEEP_FN = `
  (func $sleep (param $sub i32) (param $ns i64)
    (i64.store (local.get $sub) (i64.const 0))
    (i32.store8 offset=8 (local.get $sub) (i32.const 0))
    (i32.store offset=16 (local.get $sub) (i32.const 1))
    (i64.store offset=24 (local.get $sub) (local.get $ns))
    (i64.store offset=32 (local.get $sub) (i64.const 0))
    (i32.store16 offset=40 (local.get $sub) (i32.const 0))
    (drop (call $poll (local.get $sub) (i32.add (local.get $sub) (i32.const 48)) (i32.const 1) (i32.add (local.get $sub) (i32.const 80)))))`;

/**
 * WAT of a wasi-threads guest for the thread tests: `imports` first, then fd_write, proc_exit,
 * thread-spawn and a shared memory (`memory`, imported as env.memory), and the helpers
 * $print(scratch, ptr, len), $scratch(tid), $await(addr, n) (until the i32 at addr is at least
 * n), $forever, $finished (counts at 512), $go (sets 516). Memory map: 0-511 strings; 512
 * finished threads; 516 a "go" flag; 520-639 per-test words; from 1024, 64 bytes of scratch per
 * thread (by tid).
 */
export const threadGuest = (body: string, imports = '', memory = '(memory 1 16 shared)'): string => `(module
  ${imports}
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" ${memory})
  (func $print (param $scratch i32) (param $ptr i32) (param $len i32)
    (i32.store (local.get $scratch) (local.get $ptr))
    (i32.store offset=4 (local.get $scratch) (local.get $len))
    (drop (call $fd_write (i32.const 1) (local.get $scratch) (i32.const 1) (i32.add (local.get $scratch) (i32.const 8)))))
  (func $scratch (param $tid i32) (result i32) (i32.add (i32.const 1024) (i32.shl (i32.and (local.get $tid) (i32.const 63)) (i32.const 6))))
  (func $await (param $addr i32) (param $n i32) (local $v i32)
    (loop $again
      (local.set $v (i32.atomic.load (local.get $addr)))
      (if (i32.lt_s (local.get $v) (local.get $n))
        (then
          (drop (memory.atomic.wait32 (local.get $addr) (local.get $v) (i64.const -1)))
          (br $again)))))
  (func $forever (drop (memory.atomic.wait32 (i32.const 508) (i32.const 0) (i64.const -1))) (unreachable))
  (func $finished
    (drop (i32.atomic.rmw.add (i32.const 512) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 512) (i32.const -1))))
  (func $go
    (i32.atomic.store (i32.const 516) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 516) (i32.const -1))))
  ${body})`;

/**
 * The socket calls and the descriptor calls a socket guest makes but fd_write, as $accept, $recv,
 * $send, $shutdown, $fd_read, $fd_close: for threadGuest, which imports fd_write itself.
 */
export const SOCKET_CALLS = `
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
`;

/** The socket calls and the descriptor calls a socket guest makes, as $accept, $recv, $send, $shutdown, $fd_read, $fd_write, $fd_close. */
export const SOCKET_IMPORTS = `${SOCKET_CALLS}
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
`;
