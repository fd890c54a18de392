// The services a WASI instance draws on, kept apart from the WASI functions so the same
// implementation runs in a worker (the normal case) or in the embedder's thread (level 3):
// clocks (host or deterministic), random sources (none, seeded PRNG, secure), the stdio bridge,
// and the run meter that accounts I/O, idle and compute time against the manifest's limits.
// Clocks use the global `performance` (loading node:perf_hooks for it cost about 1 ms per worker).
import type { DeterministicClock, Limits } from '@wsbc/manifest';
import { SandboxTermination } from '../termination.js';
import type { AuditDraft } from '../audit.js';

// ---------------------------------------------------------------- sleeping

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the current thread (a worker, or the main thread of a level-3 embedder) for `ms`. */
export function blockFor(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

// ---------------------------------------------------------------- clocks

export interface GuestClock {
  readonly deterministic: boolean;
  realtimeNs(): bigint;
  monotonicNs(): bigint;
  /** Guest compute time of the run, in nanoseconds. */
  cputimeNs(): bigint;
  resolutionNs(): bigint;
  /** Waits `ns` of guest time: sleeps on a host clock, advances a deterministic one. */
  sleep(ns: bigint): void;
}

export class HostClock implements GuestClock {
  readonly deterministic = false;
  constructor(private readonly meter: RunMeter) {}
  realtimeNs(): bigint {
    return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  }
  monotonicNs(): bigint {
    return BigInt(Math.round(performance.now() * 1e6));
  }
  cputimeNs(): bigint {
    return BigInt(Math.round(this.meter.computeMs() * 1e6));
  }
  resolutionNs(): bigint {
    return 1000n;
  }
  sleep(ns: bigint): void {
    this.meter.idle('poll_oneoff', Number(ns / 1_000_000n) + (ns % 1_000_000n > 0n ? 1 : 0), (ms) => blockFor(ms), 'sleep');
  }
}

/**
 * Guest timestamps are u64 nanoseconds. The virtual clocks stop at the last one: a guest can
 * sleep until 2^64 - 1 (poll_oneoff's absolute timeout), and a clock past it would be written
 * modulo 2^64, i.e. go back to 0.
 */
const MAX_TIMESTAMP_NS = (1n << 64n) - 1n;

/** Replayable clocks: every read advances time by a fixed step; sleeping advances it instantly. */
export class DeterministicGuestClock implements GuestClock {
  readonly deterministic = true;
  private elapsedNs = 0n;
  /** Compute time: advanced by reads only, not by sleeping. */
  private busyNs = 0n;
  constructor(private readonly config: DeterministicClock) {}
  private tick(): bigint {
    this.elapsedNs = saturate(this.elapsedNs + BigInt(this.config.stepNs));
    this.busyNs = saturate(this.busyNs + BigInt(this.config.stepNs));
    return this.elapsedNs;
  }
  realtimeNs(): bigint {
    return saturate(BigInt(this.config.startMs) * 1_000_000n + this.tick());
  }
  monotonicNs(): bigint {
    return this.tick();
  }
  cputimeNs(): bigint {
    this.tick();
    return this.busyNs;
  }
  resolutionNs(): bigint {
    return BigInt(Math.max(1, this.config.stepNs));
  }
  sleep(ns: bigint): void {
    this.elapsedNs = saturate(this.elapsedNs + ns);
  }
}

function saturate(ns: bigint): bigint {
  return ns > MAX_TIMESTAMP_NS ? MAX_TIMESTAMP_NS : ns;
}

// ---------------------------------------------------------------- random

export interface RandomSource {
  readonly kind: 'pseudo' | 'secure';
  fill(target: Uint8Array): void;
}

export class SecureRandom implements RandomSource {
  readonly kind = 'secure';
  fill(target: Uint8Array): void {
    // The global Web Crypto object (the same CSPRNG as node:crypto's randomFillSync) is loaded
    // on first use; importing node:crypto here would cost every worker's start-up. It fills at
    // most 65,536 bytes per call and rejects views over SharedArrayBuffer-backed shared memories,
    // so it fills a private buffer in chunks that is then copied in.
    const shared = target.buffer instanceof SharedArrayBuffer;
    for (let at = 0; at < target.byteLength; at += RANDOM_CHUNK) {
      const n = Math.min(RANDOM_CHUNK, target.byteLength - at);
      if (shared) target.set(globalThis.crypto.getRandomValues(new Uint8Array(n)), at);
      else globalThis.crypto.getRandomValues(target.subarray(at, at + n));
    }
  }
}

/** Most bytes one getRandomValues() call may fill. */
const RANDOM_CHUNK = 65_536;

/** xoshiro128** seeded through splitmix32: fast, small state, identical output for a seed everywhere. */
export class SeededRandom implements RandomSource {
  readonly kind = 'pseudo';
  private s = new Uint32Array(4);
  constructor(readonly seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  private next(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }
  fill(target: Uint8Array): void {
    for (let i = 0; i < target.length; i += 4) {
      let word = this.next();
      for (let j = i; j < Math.min(i + 4, target.length); j++) {
        target[j] = word & 0xff;
        word >>>= 8;
      }
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// ---------------------------------------------------------------- stdio

export interface StdioBridge {
  /**
   * Blocks until stdin has data or is at end of file, at most `timeoutMs`. Returns up to `max`
   * bytes (an empty array means end of file), or null when the wait timed out.
   */
  readStdin(max: number, timeoutMs: number): Uint8Array | null;
  /** Waits at most `timeoutMs` for stdin to become readable (data or EOF); true when it is. */
  waitStdin(timeoutMs: number): boolean;
  /** Streams guest output (copied: the view may point into guest memory). */
  write(fd: 1 | 2, data: Uint8Array): void;
  /**
   * Waits at most `timeoutMs` until the host holds little enough of the guest's output not yet
   * written out for a write to go on, or a destination failed; true when so. A threaded run's
   * writes wait here before anything of them is charged or buffered, and its `write`s never
   * wait (a single-threaded run's `write` waits as it flushes). Default: never waits.
   */
  waitWritable?(timeoutMs: number): boolean;
  /**
   * The WASI errno of an earlier write to stdout or stderr that failed at the host (EPIPE for a
   * closed pipe, NOSPC for a full disk), or 0: later writes there get it. Default: never fails.
   */
  failure?(fd: 1 | 2): number;
  /**
   * Which of stdin, stdout and stderr are terminals on the host. Only those are reported as
   * character devices, which is what isatty() tests (wasi-libc, Rust's std): output redirected to
   * a file or a pipe is then not line-buffered or coloured as for a terminal. Default: none.
   */
  readonly terminals?: readonly [boolean, boolean, boolean];
}

// ---------------------------------------------------------------- metering

/**
 * Shared counters the host thread reads to enforce time limits on a guest it cannot interrupt
 * cooperatively (Float64Array over a SharedArrayBuffer, written only by the guest's thread).
 */
export const METER_SLOTS = {
  /** performance.timeOrigin + now() when the guest started computing (0 before). */
  startedAt: 0,
  /** Total ms spent blocked in host calls (idle). */
  idleMs: 1,
  /** Wall-clock ms when the current blocking wait began, 0 when not blocked. */
  blockedSince: 2,
  /** Total ms the sandbox slowed the guest down (rate limits, CPU usage cap). */
  throttledMs: 3,
  /** 1 once the guest has finished or was terminated from inside. */
  finished: 4,
  /**
   * Bytes read and written so far, as of the guest's last CPU check (every 32 host calls and every
   * fuel slice): what a run the host ends from outside (time limit, Ctrl-C) reports.
   */
  readBytes: 5,
  writtenBytes: 6,
} as const;
export const METER_LENGTH = 7;

export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export type AuditFn = (draft: AuditDraft) => void;

/**
 * What a blocking wait is, for a threaded run's hub (threads.ts): `sleep`, a plain sleep (the
 * calling thread can do it); `pollable`, a wait whose check may be made at any time without
 * leaving anything behind (stdin, output backpressure); `probe`, the same for a check that asks
 * the host (a socket probe, a round trip to the host thread), made less often; `whole`, a wait
 * that must not be cut into checks (a blocking socket request that times out stays pending at
 * the host, and a new one would race it: a connection or bytes handed to a request nobody
 * reads). Threaded runs wait for sockets by probing instead (WasiPreview1.socketWait).
 */
export type WaitKind = 'sleep' | 'pollable' | 'probe' | 'whole';

/**
 * What a threaded run's hub (threads.ts) offers the calls it serves for guest threads. A call
 * that must wait and cannot go on yet is parked: WAIT_PARKED unwinds it, its thread goes on
 * waiting for the reply, and the hub runs the call again from the start, a little later, until
 * its wait is over. So no call waits inside another, and each returns as soon as its own wait is
 * over. A call is written so that running it again is the same call: whatever it must not do
 * twice (move bytes, charge them, log a decision) comes after its waits, is undone when it
 * parks, or is kept in `progress`.
 */
export interface CallWaits {
  /**
   * A wait of the call being served, of at most `allowed` ms; `cut` when the idle limit made
   * `allowed` shorter than the wait asked for. True when the wait is satisfied; false when it
   * timed out, 'cut' when it timed out and was cut by the idle limit as it began (a call run
   * again keeps the deadline and the cut of its wait's first run); otherwise the call parks
   * (WAIT_PARKED is thrown).
   */
  wait(allowed: number, wait: (ms: number) => boolean | void, kind: WaitKind, cut: boolean): boolean | 'cut';
  /** True while the hub runs a parked call again (any run but its first): its CPU check was made as it began. */
  readonly rerun: boolean;
  /** What the call being served kept before it parked (undefined in its first run); set it before a wait that may park. */
  progress: unknown;
}

/** Thrown by CallWaits.wait to park the call being served: a symbol, with no stack to capture. */
export const WAIT_PARKED: unique symbol = Symbol('wsbc: call parked');

export class RunMeter {
  readonly shared: Float64Array;
  private readBytes = 0;
  private writtenBytes = 0;
  private readBucket: TokenBucket | undefined;
  private writeBucket: TokenBucket | undefined;
  private lastUsageCheck = 0;
  private calls = 0;
  /**
   * Called before the guest's thread blocks (idle waits, throttling) and periodically from
   * checkCpu(): the worker flushes buffered output there, so output is never held back while
   * the guest waits.
   */
  onBlock: () => void = () => undefined;
  onTick: () => void = () => undefined;
  /**
   * Set for a threaded run (threads.ts): every blocking wait goes through the hub, which parks
   * a call that cannot go on rather than block the other threads' calls (see CallWaits). Its
   * presence is `threaded`.
   */
  waits: CallWaits | null = null;
  /**
   * In a threaded run neither waits nor throttling are taken off the guest's CPU time: other
   * threads may compute meanwhile (a thread that never calls the host is not paused), and
   * credited they would compute off the books. CPU time is then the run's wall time; the idle
   * limit bounds each wait rather than their sum, and the usage cap judges usage by the hub's
   * own throttling (throttledHere).
   */
  get threaded(): boolean {
    return this.waits !== null;
  }
  /** Throttling of a threaded run, for the usage cap only (see `threaded`). */
  private throttledHere = 0;

  constructor(
    private readonly limits: Limits,
    private readonly audit: AuditFn,
    shared?: Float64Array,
  ) {
    this.shared = shared ?? new Float64Array(new SharedArrayBuffer(METER_LENGTH * 8));
    if (limits.io.readBytesPerSecond !== null) this.readBucket = new TokenBucket(limits.io.readBytesPerSecond);
    if (limits.io.writeBytesPerSecond !== null) this.writeBucket = new TokenBucket(limits.io.writeBytesPerSecond);
  }

  start(): void {
    this.shared[METER_SLOTS.startedAt] = wallNow();
  }

  get totals(): { readBytes: number; writtenBytes: number } {
    return { readBytes: this.readBytes, writtenBytes: this.writtenBytes };
  }

  elapsedMs(): number {
    const started = this.shared[METER_SLOTS.startedAt]!;
    return started === 0 ? 0 : wallNow() - started;
  }

  idleMs(): number {
    return this.shared[METER_SLOTS.idleMs]!;
  }

  /** Wall time not spent blocked nor throttled: the guest's compute time. */
  computeMs(): number {
    return Math.max(0, this.elapsedMs() - this.idleMs() - this.shared[METER_SLOTS.throttledMs]!);
  }

  /**
   * Runs a blocking wait of at most `ms` as idle time. The wait is cut short, and the run
   * terminated, when it would take the run past its idle limit. `wait` receives the time it
   * may block and returns true when it was satisfied before that (e.g. stdin became readable).
   * In a threaded run the hub runs the wait instead (CallWaits: the call may park and run
   * again), the limit bounds each wait rather than their sum, and waits are not idle time.
   */
  idle(op: string, ms: number, wait: (ms: number) => boolean | void, kind: WaitKind = 'pollable'): boolean {
    const max = this.limits.time.maxIdleMs;
    const remaining = max - this.idleMs();
    const allowed = Math.min(ms, Math.max(0, remaining));
    if (this.waits) {
      // Output written before the wait goes out as it begins; while a parked call runs again,
      // the hub's ticks send it (a flush at every run would undo the batching of output).
      if (!this.waits.rerun) this.onBlock();
      const outcome = this.waits.wait(allowed, wait, kind, ms > allowed);
      if (outcome === 'cut') this.terminateIdle(op);
      return outcome === true;
    }
    this.onBlock();
    let satisfied: boolean | void;
    const began = wallNow();
    this.shared[METER_SLOTS.blockedSince] = began;
    try {
      satisfied = wait(allowed);
    } finally {
      this.shared[METER_SLOTS.blockedSince] = 0;
      this.shared[METER_SLOTS.idleMs] = this.idleMs() + (wallNow() - began);
    }
    if (satisfied !== true && ms > allowed) this.terminateIdle(op);
    return satisfied === true;
  }

  private terminateIdle(op: string): never {
    const max = this.limits.time.maxIdleMs;
    this.audit({ type: 'limit', limit: 'idle-time', action: 'terminated', max, value: Math.round(this.idleMs()), op });
    throw new SandboxTermination('idle-timeout', `idle time limit of ${max} ms exceeded (blocked in ${op})`, 'idle-time');
  }

  chargeRead(bytes: number, op: string): void {
    this.readBytes += bytes;
    const max = this.limits.io.maxReadBytes;
    if (max !== null && this.readBytes > max) {
      this.audit({ type: 'limit', limit: 'read-bytes', action: 'terminated', max, value: this.readBytes, op });
      throw new SandboxTermination('io-quota', `read quota of ${max} bytes exceeded`, 'read-bytes');
    }
    if (this.readBucket) this.throttle(this.readBucket.take(bytes), 'read-rate', this.limits.io.readBytesPerSecond, op);
  }

  /** Checked before the bytes are written, so nothing beyond the quota reaches the host. */
  chargeWrite(bytes: number, op: string): void {
    const max = this.limits.io.maxWriteBytes;
    if (max !== null && this.writtenBytes + bytes > max) {
      this.audit({ type: 'limit', limit: 'write-bytes', action: 'terminated', max, value: this.writtenBytes + bytes, op });
      throw new SandboxTermination('io-quota', `write quota of ${max} bytes exceeded`, 'write-bytes');
    }
    this.writtenBytes += bytes;
    if (this.writeBucket) this.throttle(this.writeBucket.take(bytes), 'write-rate', this.limits.io.writeBytesPerSecond, op);
  }

  /** Gives back a charge whose bytes did not move after all (a send that would block or failed). */
  refundWrite(bytes: number): void {
    this.writtenBytes -= bytes;
    this.writeBucket?.take(-bytes);
  }

  private throttle(waitMs: number, limit: 'read-rate' | 'write-rate', max: number | null, op: string): void {
    // Small debts are left in the bucket (take() keeps it negative) until they add up to a wait
    // worth a sleep: the rate holds to within MIN_THROTTLE_MS, and a guest making one-byte calls
    // cannot make the audit log grow by a record per byte, far faster than its own allowed rate.
    if (waitMs < MIN_THROTTLE_MS) return;
    this.audit({ type: 'limit', limit, action: 'throttled', max, value: Math.round(waitMs), op });
    this.onBlock();
    const began = wallNow();
    blockFor(waitMs);
    this.addThrottled(wallNow() - began);
  }

  private addThrottled(ms: number): void {
    if (this.threaded) this.throttledHere += ms;
    else this.shared[METER_SLOTS.throttledMs] = this.shared[METER_SLOTS.throttledMs]! + ms;
  }

  /**
   * Keeps compute time at or below usagePercent of wall time by sleeping, and ends the run when
   * compute time passes the CPU time limit. Called at every host call and fuel slice.
   */
  checkCpu(op: string): void {
    // Reading the clock on every call would cost more than many calls themselves; the host thread
    // watches CPU time independently, so sampling one call in 32 loses nothing that matters.
    if ((++this.calls & 31) !== 0 && op !== 'fuel') return;
    // A parked call run again is no work of the guest's (CallWaits): it was checked as it began.
    if (this.waits !== null && this.waits.rerun) return;
    this.shared[METER_SLOTS.readBytes] = this.readBytes;
    this.shared[METER_SLOTS.writtenBytes] = this.writtenBytes;
    this.onTick();
    const compute = this.computeMs();
    const maxCompute = this.limits.cpu.maxExecutionMs;
    if (compute > maxCompute) {
      this.audit({ type: 'limit', limit: 'cpu-time', action: 'terminated', max: maxCompute, value: Math.round(compute), op });
      throw new SandboxTermination('cpu-time', `CPU time limit of ${maxCompute} ms exceeded`, 'cpu-time');
    }
    const percent = this.limits.cpu.usagePercent;
    if (percent >= 100) return;
    const elapsed = this.elapsedMs();
    // Judge usage over windows of at least 20 ms so that short bursts are not throttled one by one.
    if (elapsed - this.lastUsageCheck < 20) return;
    this.lastUsageCheck = elapsed;
    const busy = this.threaded ? Math.max(0, elapsed - this.throttledHere) : this.computeMs();
    const owed = (busy * 100) / percent - elapsed;
    if (owed > 1) {
      this.audit({ type: 'limit', limit: 'cpu-usage', action: 'throttled', max: percent, value: Math.round((busy * 100) / elapsed), op });
      this.onBlock();
      const began = wallNow();
      blockFor(owed);
      this.addThrottled(wallNow() - began);
    }
  }
}

/** Rate limiting with a one-second burst: returns how long to wait before `amount` may pass. */
/** Shortest wait the byte rates sleep for: at most one throttle record per this many ms and kind. */
const MIN_THROTTLE_MS = 10;

class TokenBucket {
  private tokens: number;
  private last = wallNow();
  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }
  take(amount: number): number {
    const now = wallNow();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    this.tokens -= amount;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.perSecond;
  }
}
