// Waiting calls of several guest threads at once (threads.ts, "Waiting calls"): each returns to
// its thread as soon as its own condition is met, whatever the other threads wait on; the run's
// limits, audit log and endings hold while calls wait; a call acts on the descriptor table as it
// is when its wait ends. Guests are hand-written .wat on an imported shared memory (threadGuest).
import { createHash } from 'node:crypto';
import net from 'node:net';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RunStatus, instrumentStep, run, type AuditRecord, type RunOptions, type RunResult } from '@wsbc/runtime';
import { POLL_IMPORT, SLEEP_FN, SOCKET_CALLS, manifest, threadGuest, wat } from './helpers.js';

const IMPORTS = `${SOCKET_CALLS}${POLL_IMPORT}
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $setflags (param i32 i32) (result i32)))`;

/**
 * A guest whose threads take a role by their start argument (listed in its wasi_thread_start),
 * with `start` as _start's body. Memory: threadGuest's map, with 524 the threads that reached
 * their role, 528 a connection _start accepted, 6144 a stdin buffer, 6400 a receive buffer,
 * 7168 poll subscriptions (events at 7424, their count at 7500), 7680 32 iovecs, 8192 _start's
 * sleep area, and from 65536 1 MiB that the writer roles write (40 pages in all).
 */
const roleGuest = (start: string) => wat(threadGuest(`
  (data (i32.const 0) "S\\n")
  (data (i32.const 8) "A\\n")
  (data (i32.const 16) "P\\n")
  (data (i32.const 24) "done\\n")
  (data (i32.const 32) "X\\n")
  ${SLEEP_FN}
  (func $arrive (drop (i32.atomic.rmw.add (i32.const 524) (i32.const 1))) (drop (memory.atomic.notify (i32.const 524) (i32.const -1))))
  ;; A failed call ends the run with 100 + its errno.
  (func $fail (param $e i32) (if (local.get $e) (then (call $proc_exit (i32.add (i32.const 100) (local.get $e))))))
  (func $say (param $tid i32) (param $ptr i32) (call $print (call $scratch (local.get $tid)) (local.get $ptr) (i32.const 2)))
  ;; A read of the realtime clock (the only one): under "audit all" a record the host sees at
  ;; once, while output may be held up.
  (func $mark (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 600))))
  (func $readFd (param $tid i32) (param $fd i32) (result i32) (local $s i32)
    (local.set $s (call $scratch (local.get $tid)))
    (i32.store (local.get $s) (i32.const 6144))
    (i32.store offset=4 (local.get $s) (i32.const 64))
    (call $fail (call $fd_read (local.get $fd) (local.get $s) (i32.const 1) (i32.add (local.get $s) (i32.const 8))))
    (i32.load offset=8 (local.get $s)))
  (func $acceptOn (param $tid i32) (param $fd i32) (result i32) (local $s i32)
    (local.set $s (call $scratch (local.get $tid)))
    (call $fail (call $accept (local.get $fd) (i32.const 0) (i32.add (local.get $s) (i32.const 16))))
    (i32.load offset=16 (local.get $s)))
  (func $recvOn (param $tid i32) (param $fd i32) (result i32) (local $s i32)
    (local.set $s (call $scratch (local.get $tid)))
    (i32.store (local.get $s) (i32.const 6400))
    (i32.store offset=4 (local.get $s) (i32.const 64))
    (call $fail (call $recv (local.get $fd) (local.get $s) (i32.const 1) (i32.const 0) (i32.add (local.get $s) (i32.const 8)) (i32.add (local.get $s) (i32.const 12))))
    (i32.load offset=8 (local.get $s)))
  ;; Subscription $i of the next poll: fd_read of $fd.
  (func $subFd (param $i i32) (param $fd i32) (local $at i32)
    (local.set $at (i32.add (i32.const 7168) (i32.mul (local.get $i) (i32.const 48))))
    (memory.fill (local.get $at) (i32.const 0) (i32.const 48))
    (i64.store (local.get $at) (i64.extend_i32_u (i32.add (local.get $i) (i32.const 1))))
    (i32.store8 offset=8 (local.get $at) (i32.const 1))
    (i32.store offset=16 (local.get $at) (local.get $fd)))
  ;; Subscription $i of the next poll: the monotonic clock, $ns relative or (with $abs) absolute.
  (func $subClock (param $i i32) (param $ns i64) (param $abs i32) (local $at i32)
    (local.set $at (i32.add (i32.const 7168) (i32.mul (local.get $i) (i32.const 48))))
    (memory.fill (local.get $at) (i32.const 0) (i32.const 48))
    (i64.store (local.get $at) (i64.extend_i32_u (i32.add (local.get $i) (i32.const 1))))
    (i32.store offset=16 (local.get $at) (i32.const 1))
    (i64.store offset=24 (local.get $at) (local.get $ns))
    (i32.store16 offset=40 (local.get $at) (local.get $abs)))
  ;; poll_oneoff on the first $n subscriptions; the userdata of the first event.
  (func $pollFirst (param $n i32) (result i32)
    (call $fail (call $poll (i32.const 7168) (i32.const 7424) (local.get $n) (i32.const 7500)))
    (if (i32.eqz (i32.load (i32.const 7500))) (then (call $proc_exit (i32.const 98))))
    (i32.wrap_i64 (i64.load (i32.const 7424))))
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32) (local $i i32)
    (call $arrive)
    ;; 1: read stdin, say S. 2: accept on 3, say A. 3: write 6 MiB to stdout, say X.
    ;; 4: read stdin, exit 42. 5: poll stdin and an absolute clock 5 s away, say P.
    ;; 6: receive on the connection at 528. 7: poll the connection at 528 (exit 100 + the
    ;; event's errno). 8: accept on 3 (exit 50 when it returns). 9: read stdin (exit 50 likewise).
    ;; 10: receive 6 bytes with RECV_WAITALL on the connection at 528 and print them. 11: send
    ;; the 1 MiB from 65536 32 times in one sock_send on the connection at 528, then shut its
    ;; writing down (exit 95 on a short count). 12: write 1 MiB to stdout 8 times (exit 90
    ;; when every write succeeds).
    (if (i32.eq (local.get $arg) (i32.const 1)) (then (drop (call $readFd (local.get $tid) (i32.const 0))) (call $say (local.get $tid) (i32.const 0))))
    (if (i32.eq (local.get $arg) (i32.const 2)) (then (drop (call $acceptOn (local.get $tid) (i32.const 3))) (call $say (local.get $tid) (i32.const 8))))
    (if (i32.eq (local.get $arg) (i32.const 3))
      (then
        (loop $w
          (call $print (call $scratch (local.get $tid)) (i32.const 65536) (i32.const 1048576))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $w (i32.lt_u (local.get $i) (i32.const 6))))
        (call $say (local.get $tid) (i32.const 32))))
    (if (i32.eq (local.get $arg) (i32.const 4)) (then (drop (call $readFd (local.get $tid) (i32.const 0))) (call $proc_exit (i32.const 42))))
    (if (i32.eq (local.get $arg) (i32.const 5))
      (then
        (call $fail (call $clock (i32.const 1) (i64.const 1) (i32.const 7600)))
        (call $subFd (i32.const 0) (i32.const 0))
        (call $subClock (i32.const 1) (i64.add (i64.load (i32.const 7600)) (i64.const 5000000000)) (i32.const 1))
        (if (i32.ne (call $pollFirst (i32.const 2)) (i32.const 1)) (then (call $proc_exit (i32.const 97))))
        (call $say (local.get $tid) (i32.const 16))))
    (if (i32.eq (local.get $arg) (i32.const 6)) (then (drop (call $recvOn (local.get $tid) (i32.load (i32.const 528)))) (call $proc_exit (i32.const 50))))
    (if (i32.eq (local.get $arg) (i32.const 7))
      (then
        (call $subFd (i32.const 0) (i32.load (i32.const 528)))
        (drop (call $pollFirst (i32.const 1)))
        (call $proc_exit (i32.add (i32.const 100) (i32.load16_u (i32.const 7432))))))
    (if (i32.eq (local.get $arg) (i32.const 8)) (then (drop (call $acceptOn (local.get $tid) (i32.const 3))) (call $proc_exit (i32.const 50))))
    (if (i32.eq (local.get $arg) (i32.const 9)) (then (drop (call $readFd (local.get $tid) (i32.const 0))) (call $proc_exit (i32.const 50))))
    (if (i32.eq (local.get $arg) (i32.const 10))
      (then
        (i32.store (i32.const 7680) (i32.const 6400))
        (i32.store (i32.const 7684) (i32.const 6))
        (call $fail (call $recv (i32.load (i32.const 528)) (i32.const 7680) (i32.const 1) (i32.const 2) (i32.const 7940) (i32.const 7944)))
        (call $print (call $scratch (local.get $tid)) (i32.const 6400) (i32.load (i32.const 7940)))))
    (if (i32.eq (local.get $arg) (i32.const 11))
      (then
        (loop $v
          (i32.store (i32.add (i32.const 7680) (i32.shl (local.get $i) (i32.const 3))) (i32.const 65536))
          (i32.store offset=4 (i32.add (i32.const 7680) (i32.shl (local.get $i) (i32.const 3))) (i32.const 1048576))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $v (i32.lt_u (local.get $i) (i32.const 32))))
        (call $fail (call $send (i32.load (i32.const 528)) (i32.const 7680) (i32.const 32) (i32.const 0) (i32.const 7940)))
        (if (i32.ne (i32.load (i32.const 7940)) (i32.const 33554432)) (then (call $proc_exit (i32.const 95))))
        (call $fail (call $shutdown (i32.load (i32.const 528)) (i32.const 2)))))
    (if (i32.eq (local.get $arg) (i32.const 12))
      (then
        (loop $w
          (i32.store (i32.const 7680) (i32.const 65536))
          (i32.store (i32.const 7684) (i32.const 1048576))
          (call $fail (call $fd_write (i32.const 1) (i32.const 7680) (i32.const 1) (i32.const 7940)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $w (i32.lt_u (local.get $i) (i32.const 8))))
        (call $proc_exit (i32.const 90))))
    (call $finished))
  (func (export "_start") (local $i i32) ${start})`, IMPORTS, '(memory 40 40 shared)'));

/** _start's lines that spawn a thread with `role` and wait until its call has had 100 ms to reach the hub. */
const spawnRole = (role: number, nth: number) => `
  (drop (call $spawn (i32.const ${role})))
  (call $await (i32.const 524) (i32.const ${nth}))
  (call $sleep (i32.const 8192) (i64.const 100000000))`;

const policy = (limits: Record<string, unknown> = {}) => manifest({
  network: { mode: 'restricted', loopback: true },
  audit: { decisions: 'all' },
  limits: {
    // CPU time is wall time in a threaded run (docs/runtime.md): the default 5 s would end the
    // runs that reach their fallbacks.
    cpu: { maxThreads: 4, usagePercent: 100, maxExecutionMs: 20_000 },
    io: { readBytesPerSecond: null, writeBytesPerSecond: null, maxWriteBytes: 64 * 1024 * 1024 },
    time: { maxTotalMs: 20_000, maxIdleMs: 15_000 },
    ...limits,
  },
});
const LISTEN = [{ host: '127.0.0.1', port: 0 }];
const isMark = (r: AuditRecord) => r.type === 'decision' && r.op === 'clock_time_get' && r.detail?.clock === 0;

/** A host for a run: stdin the test pushes, a client it connects, a stdout it can hold (the gate). */
class Host {
  readonly stdin = new Readable({ read() {} });
  readonly clients: net.Socket[] = [];
  readonly audit: AuditRecord[] = [];
  /** What reached stdout, NUL bytes left out. */
  text = '';
  private bound: { host: string; port: number } | undefined;
  private gateOpen: boolean;
  private held: Array<(error?: Error) => void> = [];
  readonly stdout: Writable;

  constructor(gateOpen = true) {
    this.gateOpen = gateOpen;
    this.stdout = new Writable({
      highWaterMark: 1 << 26,
      write: (chunk: Buffer, _encoding, done) => {
        this.text += chunk.toString('latin1').replace(/\0/g, '');
        this.onOutput();
        if (this.gateOpen) setImmediate(done);
        else this.held.push(done);
      },
    });
    this.stdout.on('error', () => undefined);
  }

  onOutput: () => void = () => undefined;
  onAudit: (record: AuditRecord) => void = () => undefined;
  /** Called once the listener is bound (connect() works from then on). */
  onBound: () => void = () => undefined;

  pushStdin(text = 'x\n'): void {
    this.stdin.push(text);
    this.stdin.push(null);
  }

  /** A client of the guest's listener; `owned` ones are destroyed as the run ends. */
  connect(owned = true): net.Socket {
    const socket = net.connect(this.bound!.port, this.bound!.host);
    socket.on('error', () => undefined);
    if (owned) this.clients.push(socket);
    return socket;
  }

  openGate(): void {
    this.gateOpen = true;
    for (const done of this.held.splice(0)) done();
  }

  /** The held writes fail with `error`, and the stream with them. */
  failGate(error: Error): void {
    for (const done of this.held.splice(0)) done(error);
  }

  async run(module: Uint8Array, m = policy(), options: Partial<RunOptions> = {}): Promise<RunResult> {
    try {
      return await run(module, {
        policy: m, env: {}, stdin: this.stdin, stdout: this.stdout, stderr: { write: () => undefined }, listen: LISTEN,
        audit: { callback: (r) => { this.audit.push(r); this.onAudit(r); } },
        onListen: ([bound]) => { this.bound = bound; this.onBound(); },
        ...options,
      });
    } finally {
      for (const c of this.clients) c.destroy();
      // Everything written has reached `text`.
      this.openGate();
      await new Promise((resolve) => this.stdout.end(resolve));
    }
  }
}

type Waiter = 'stdin' | 'accept' | 'drain';
const LETTER: Record<Waiter, string> = { stdin: 'S', accept: 'A', drain: 'X' };

describe('waiting calls of several threads', () => {
  // Two threads wait on different things; once both wait (the first call, then the second, each
  // given 100 ms to reach the hub), the host satisfies one, and the other once the first has
  // returned. Before, the hub was one stack of calls: the call served first returned only after
  // the one served inside its wait, so releasing the first waiter stalled it until the 6 s
  // fallback released the other too. And with a write waiting for the held stdout and a read
  // waiting inside it, every tick of the hub flushed and waited again, a level deeper each
  // millisecond, until the hub's stack overflowed some 4 s later and the read failed with EIO
  // (the last case: exit 129).
  it.each<[Waiter, Waiter, Waiter]>([
    ['stdin', 'accept', 'stdin'],
    ['stdin', 'accept', 'accept'],
    ['accept', 'stdin', 'accept'],
    ['accept', 'stdin', 'stdin'],
    ['stdin', 'drain', 'stdin'],
    ['stdin', 'drain', 'drain'],
    ['drain', 'stdin', 'drain'],
    ['drain', 'stdin', 'stdin'],
  ])('returns each wait on its own condition: %s waits first, then %s; %s is satisfied first', async (first, second, releasedFirst) => {
    const pair = [first, second];
    // A stdin reader released while the writer's output is held cannot print: it exits 42.
    const readerExits = pair.includes('drain') && releasedFirst === 'stdin';
    const role = (w: Waiter) => (w === 'stdin' ? (readerExits ? 4 : 1) : w === 'accept' ? 2 : 3);
    const module = await roleGuest(`
      ${spawnRole(role(first), 1)}
      ${spawnRole(role(second), 2)}
      (call $mark)
      (call $await (i32.const 512) (i32.const 2))
      (call $print (i32.const 2048) (i32.const 24) (i32.const 5))`);
    const host = new Host(!pair.includes('drain'));
    const released = new Set<Waiter>();
    const release = (w: Waiter): void => {
      if (released.has(w)) return;
      released.add(w);
      if (w === 'stdin') host.pushStdin();
      else if (w === 'accept') host.connect();
      else host.openGate();
    };
    const other = pair.find((w) => w !== releasedFirst)!;
    host.onAudit = (r) => { if (isMark(r)) release(releasedFirst); };
    host.onOutput = () => { if (host.text.includes(LETTER[releasedFirst])) release(other); };
    let fallback = false;
    const timer = setTimeout(() => { fallback = true; release('stdin'); release('accept'); release('drain'); }, 6_000);
    const result = await host.run(module);
    clearTimeout(timer);
    expect(fallback).toBe(false);
    if (readerExits) {
      expect(result.exitCode).toBe(42);
    } else {
      expect(result.status).toBe(0);
      expect(host.text).toBe(`${LETTER[releasedFirst]}\n${LETTER[other]}\ndone\n`);
    }
  }, 30_000);
});

describe('waiting calls of several threads under attack', () => {
  it('adds no audit record while calls wait, however long: one decision, one record', async () => {
    // Three threads wait half a second (accept, stdin read, poll on stdin with an absolute
    // clock, whose reading is a time decision) under "audit all". A call that waits runs again
    // on the hub until its wait is over: none of those runs may log a decision again.
    const module = await roleGuest(`
      ${spawnRole(2, 1)}
      ${spawnRole(1, 2)}
      ${spawnRole(5, 3)}
      (call $mark)
      (call $await (i32.const 512) (i32.const 3))
      (call $print (i32.const 2048) (i32.const 24) (i32.const 5))`);
    const host = new Host();
    let markedAt = 0;
    host.onAudit = (r) => {
      if (!isMark(r)) return;
      markedAt = Date.now();
      setTimeout(() => { host.pushStdin(); host.connect(); }, 500);
    };
    const result = await host.run(module);
    expect(result.status).toBe(0);
    expect(Date.now() - markedAt).toBeGreaterThanOrEqual(450);
    expect([...host.text.replace('done\n', '')].filter((c) => c !== '\n').sort().join('')).toBe('APS');
    const decisions: Record<string, number> = {};
    for (const r of host.audit) {
      if (r.type !== 'decision') continue;
      const key = `${r.capability}:${r.op}:${r.outcome}`;
      decisions[key] = (decisions[key] ?? 0) + 1;
    }
    expect(decisions).toEqual({
      'network:listen:allowed': 1, // the host's listener, before the run
      'threads:wasi.thread-spawn:allowed': 3,
      'time:clock_time_get:allowed': 2, // role 5's clock read and the mark
      'time:poll_oneoff:allowed': 1, // role 5's absolute clock
      'network:sock_accept:allowed': 1,
    });
    expect(host.audit.filter((r) => r.type === 'limit')).toEqual([]);
  }, 30_000);

  it('neither throttles nor delays a waiting call under a CPU usage cap', async () => {
    // The runs of a parked call are no work of the guest's: under a 50 % cap they must not be
    // taken for compute time (the hub would sleep, as throttling, while nothing computes).
    const module = await roleGuest(`
      ${spawnRole(1, 1)}
      (call $mark)
      (call $await (i32.const 512) (i32.const 1))`);
    const host = new Host();
    let pushedAt = 0;
    let printedAt = 0;
    host.onAudit = (r) => { if (isMark(r)) setTimeout(() => { pushedAt = Date.now(); host.pushStdin(); }, 600); };
    host.onOutput = () => { if (printedAt === 0 && host.text.includes('S')) printedAt = Date.now(); };
    const result = await host.run(module, policy({ cpu: { maxThreads: 4, usagePercent: 50, maxExecutionMs: 20_000 } }));
    expect(result.status).toBe(0);
    expect(host.audit.filter((r) => r.type === 'limit')).toEqual([]);
    expect(printedAt - pushedAt).toBeLessThan(500);
  }, 30_000);

  it('lets a thread retry short waits and non-blocking calls in a loop past the idle limit, and ends one wait longer than it', async () => {
    // 100 polls of stdin with a 10 ms timeout (1 s of waits in all) and 2,000 non-blocking
    // accepts (EAGAIN) under an idle limit of 300 ms: in a threaded run the limit bounds each
    // wait, not their sum, and a call that returns is not a wait that goes on.
    const retrying = await roleGuest(`
      (call $subFd (i32.const 0) (i32.const 0))
      (call $subClock (i32.const 1) (i64.const 10000000) (i32.const 0))
      (loop $polls
        (if (i32.ne (call $pollFirst (i32.const 2)) (i32.const 2)) (then (call $proc_exit (i32.const 97))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $polls (i32.lt_u (local.get $i) (i32.const 100))))
      (call $fail (call $setflags (i32.const 3) (i32.const 4)))
      (local.set $i (i32.const 0))
      (loop $accepts
        (if (i32.ne (call $accept (i32.const 3) (i32.const 0) (i32.const 600)) (i32.const 6)) (then (call $proc_exit (i32.const 96))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $accepts (i32.lt_u (local.get $i) (i32.const 2000))))
      (call $proc_exit (i32.const 0))`);
    const host = new Host();
    const began = Date.now();
    const result = await host.run(retrying, policy({ time: { maxTotalMs: 20_000, maxIdleMs: 300 } }));
    expect(result.status).toBe(0);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_000);
    expect(host.audit.filter((r) => r.type === 'limit' || (r.type === 'decision' && r.outcome === 'denied'))).toEqual([]);

    // One read that waits longer than the idle limit ends the run, at about the limit.
    const waiting = await roleGuest(`${spawnRole(9, 1)} (call $forever)`);
    const idleHost = new Host();
    const idleBegan = Date.now();
    const idle = await idleHost.run(waiting, policy({ time: { maxTotalMs: 20_000, maxIdleMs: 300 } }));
    expect(idle).toMatchObject({ termination: 'idle-timeout', status: RunStatus.IdleTimeout });
    expect(Date.now() - idleBegan).toBeGreaterThanOrEqual(300);
    expect(Date.now() - idleBegan).toBeLessThan(5_000);
    expect(idleHost.audit.filter((r) => r.type === 'limit').map((r) => (r as { op?: string }).op)).toEqual(['fd_read']);
  }, 30_000);

  // Two threads wait (stdin that never comes, a connection that never comes) while _start ends
  // the run: every ending is prompt and reported as itself.
  it.each<[string, string, Record<string, unknown>, boolean, Partial<RunResult>]>([
    ['proc_exit from another thread', '(call $proc_exit (i32.const 7))', {}, false, { termination: 'exit', exitCode: 7 }],
    ['the total time limit', '(call $forever)', { time: { maxTotalMs: 700, maxIdleMs: 15_000 } }, false, { termination: 'total-timeout', status: RunStatus.TotalTimeout }],
    ['the fuel budget', '(loop $l (br $l))', { fuel: 20_000_000 }, true, { termination: 'fuel', status: RunStatus.FuelExhausted }],
    ['a trap in another thread', 'unreachable', {}, false, { termination: 'trap', status: RunStatus.Trap }],
  ])('ends the run at once on %s while threads wait', async (_name, ending, limits, instrumented, expected) => {
    const module = await roleGuest(`${spawnRole(1, 1)} ${spawnRole(2, 2)} ${ending}`);
    const host = new Host();
    const began = Date.now();
    const result = await host.run(module, policy(limits), instrumented ? { prepare: [instrumentStep()] } : {});
    expect(result).toMatchObject(expected);
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(host.text).toBe('');
  }, 30_000);

  // A thread waits on a descriptor that _start, 100 ms later, closes or replaces: the waiting
  // call acts on the descriptor table as it is when it runs again, as a call made then would
  // (EBADF for a closed descriptor, ENOTSOCK for a listener replaced by stdout), and returns at
  // once. The waiter exits 100 + the errno. (Before, a call held on to the descriptor it had
  // looked up: it waited on a closed connection until the idle limit, 3 s here.)
  it.each<[string, number, string, boolean, number]>([
    ['a sock_recv whose connection is closed', 6, '(drop (call $fd_close (i32.load (i32.const 528))))', true, 100 + 8],
    ['a sock_recv whose connection is renumbered away', 6, '(drop (call $renumber (i32.load (i32.const 528)) (i32.const 1)))', true, 100 + 8],
    ['a poll_oneoff on a connection that is closed', 7, '(drop (call $fd_close (i32.load (i32.const 528))))', true, 100 + 8],
    ['a sock_accept whose listener is replaced by stdout', 8, '(drop (call $renumber (i32.const 1) (i32.const 3)))', false, 100 + 57],
    ['an fd_read of stdin that is closed', 9, '(drop (call $fd_close (i32.const 0)))', false, 100 + 8],
  ])('gives %s the errno of the descriptor as it is now', async (_name, role, disturb, needsConnection, exitCode) => {
    const module = await roleGuest(`
      ${needsConnection ? '(i32.store (i32.const 528) (call $acceptOn (i32.const 0) (i32.const 3)))' : ''}
      ${spawnRole(role, 1)}
      ${disturb}
      (call $forever)`);
    const host = new Host();
    if (needsConnection) host.onBound = () => void host.connect();
    const result = await host.run(module, policy({ time: { maxTotalMs: 20_000, maxIdleMs: 3_000 } }));
    expect(result).toMatchObject({ termination: 'exit', exitCode });
  }, 30_000);
});

describe('waiting calls of several threads that move bytes before they wait', () => {
  // A call that parks runs again from the start: what it moved before it parked must be
  // neither moved again nor lost.
  it('completes a RECV_WAITALL that received part of its bytes before it waited', async () => {
    const module = await roleGuest(`
      (i32.store (i32.const 528) (call $acceptOn (i32.const 0) (i32.const 3)))
      ${spawnRole(10, 1)}
      (call $mark)
      (call $await (i32.const 512) (i32.const 1))`);
    const host = new Host();
    let client: net.Socket | undefined;
    host.onBound = () => { client = host.connect(); client.write('abc'); };
    host.onAudit = (r) => { if (isMark(r)) setTimeout(() => client!.write('def'), 300); };
    const result = await host.run(module);
    expect(result.status).toBe(0);
    expect(host.text).toBe('abcdef');
  }, 30_000);

  it('sends 32 MiB from one sock_send to a peer that reads late, every byte once and in order', async () => {
    // 32 iovecs on the same 1 MiB (a counter of u32s): far more than the host and the kernel
    // hold for a peer that does not read, so the send parks after some of its pieces moved.
    const module = await roleGuest(`
      (loop $fill
        (i32.store (i32.add (i32.const 65536) (i32.shl (local.get $i) (i32.const 2))) (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $fill (i32.lt_u (local.get $i) (i32.const 262144))))
      (i32.store (i32.const 528) (call $acceptOn (i32.const 0) (i32.const 3)))
      ${spawnRole(11, 1)}
      (call $await (i32.const 512) (i32.const 1))`);
    const host = new Host();
    let received: Promise<Buffer> | undefined;
    host.onBound = () => {
      // Not host.connect(): the Host destroys its clients as the run ends, and the bytes the
      // guest sent may still be on their way (the runtime writes them out after the run).
      const client = host.connect(false);
      client.pause();
      setTimeout(() => client.resume(), 1_000);
      received = new Promise((resolve) => {
        const parts: Buffer[] = [];
        client.on('data', (d: Buffer) => parts.push(d));
        client.on('end', () => resolve(Buffer.concat(parts)));
      });
    };
    const began = Date.now();
    const result = await host.run(module, policy({ io: { readBytesPerSecond: null, writeBytesPerSecond: null, maxWriteBytes: 64 * 1024 * 1024 } }));
    expect(result.status).toBe(0);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_000);
    const block = Buffer.alloc(1 << 20);
    for (let i = 0; i < 1 << 18; i++) block.writeUInt32LE(i, i * 4);
    const expected = createHash('sha256');
    for (let i = 0; i < 32; i++) expected.update(block);
    const back = await received!;
    expect(back.byteLength).toBe(32 << 20);
    expect(createHash('sha256').update(back).digest('hex')).toBe(expected.digest('hex'));
    expect(result.stats.writtenBytes).toBe(32 << 20);
  }, 60_000);

  it('gives a write waiting for a slow stdout the errno of a stdout that fails meanwhile', async () => {
    // The sixth 1 MiB write waits (more than 4 MiB not yet taken); then the host's stdout
    // fails (EPIPE): that write returns EPIPE, and none of its bytes were buffered.
    const module = await roleGuest(`${spawnRole(12, 1)} (call $mark) (call $forever)`);
    const host = new Host(false);
    host.onAudit = (r) => { if (isMark(r)) host.failGate(Object.assign(new Error('broken pipe'), { code: 'EPIPE' })); };
    const result = await host.run(module);
    expect(result).toMatchObject({ termination: 'exit', exitCode: 100 + 64 });
    expect(result.stats.writtenBytes).toBe(5 << 20);
  }, 30_000);
});
