/// <reference lib="dom" />
// wasi-threads: `wasi.thread-spawn` for guests whose policy allows more than one thread.
//
// How a threaded run works. A guest that imports `wasi.thread-spawn` and a shared memory, under a
// policy with `cpu threads` above 1, runs as a hub and guest threads:
//   - every guest thread, the one running `_start` included, is a worker thread of its own with
//     its own instance of the module on the one shared memory (wasi-threads' instance-per-thread
//     model: the toolchain's start code initialises memory once, whoever instantiates first). A
//     spawned thread's worker outlives its thread: the next spawn runs in it, on a new instance,
//     instead of in a new worker (starting one costs tens of milliseconds);
//   - the thread that called runGuest() becomes the hub. It owns everything the guest reaches
//     through imports: the WASI state (descriptor table, preopens, quotas, audit), the fuel
//     accounting and the host functions. A guest thread calls an import by writing the import's
//     index and arguments into its slot (shared memory), waking the hub and waiting; the hub
//     runs the very function a single-threaded run would call, on the shared guest memory, and
//     writes the result back. So every check of the single-threaded run applies unchanged. Calls
//     are served one at a time, and none holds the hub while it waits:
//   - waiting calls. A sleep (poll_oneoff on clocks only) completes at once and its thread
//     sleeps before it returns to the guest, which is the same to the guest. A call that waits
//     for stdin, a socket or output backpressure (RunMeter.idle, WaitKind) checks its condition
//     once; when it cannot go on it is parked (CallWaits in wasi/services.ts): it unwinds, its
//     thread goes on waiting for the reply, and the hub runs it again from the start every
//     millisecond (every 5 ms for a socket, whose check asks the host) until its condition is
//     met or its wait's deadline, set when it first parked, has passed. The hub is never inside
//     more than one call (INVARIANT: serve() is not re-entered), so each waiting call returns
//     as soon as its own condition is met, whatever the other threads wait on. Running a call
//     again is the same call: the WASI code does what must not happen twice after its waits,
//     undoes it when it parks, or keeps its progress. What still pauses the hub is bounded and
//     paces the run as a whole: rate and CPU-usage throttling, and a spawn at the thread limit
//     waiting up to FINISH_WAIT_MS for a thread to finish;
//   - the run ends when the `_start` thread returns (exit 0), any thread calls proc_exit, any
//     thread traps, or a limit ends it; the hub then terminates every guest thread. Terminating
//     the hub's own worker (run()'s timeouts) ends the guest threads with it: they are its
//     child workers.
// Threads count against `maxThreads` while they run (the `_start` thread is one of them); a spawn
// past it returns -EAGAIN (wasi-libc's pthread_create reports EAGAIN) with a `threads` limit
// record. Each thread takes fuel slices from the run's one budget (see FuelPool in guest.ts).
import { Worker } from 'node:worker_threads';
import { Errno } from './wasi/errno.js';
import { WAIT_PARKED, type CallWaits, type WaitKind } from './wasi/services.js';
import { THREAD_START_EXPORT } from './thread-start.js';

/** Thread ids are positive and below 2^29 (wasi-threads). */
const MAX_TID = 0x1fffffff;
/** Most arguments an import called from a guest thread may take (WASI functions take at most 9). */
const MAX_ARGS = 16;

// One slot per guest thread, in a SharedArrayBuffer: control words, then the arguments as numbers
// and as BigInts (a bit per argument says which), the result, the final fuel counter, a message.
const SLOT_BYTES = 1024;
const NUM_AT = 64;
const BIG_AT = 192;
const RESULT_NUM_AT = 320;
const RESULT_BIG_AT = 328;
/** Float64: milliseconds the thread sleeps after the reply, before it returns to the guest. */
const SLEEP_AT = 344;
const MESSAGE_AT = 512;
const MESSAGE_MAX = SLOT_BYTES - MESSAGE_AT;
/** Control words (Int32 indices). */
const C_STATE = 0;
const C_INDEX = 1;
const C_ARGC = 2;
const C_KINDS = 3;
const C_RESULT = 4;
const C_STATUS = 5;
const C_ERROR = 6;
const C_MESSAGE = 7;
const C_FUEL_KNOWN = 8;
/** The id and start argument of a thread handed to a worker that ran one before (see start()). */
const C_TID = 9;
const C_ARG = 10;
/** Slot states. */
const RUNNING = 0;
const CALLING = 1;
const REPLIED = 2;
const RETURNED = 3;
const FAILED = 4;
/** How a guest thread failed (C_ERROR), so the hub can classify it as a single-threaded run does. */
const ERROR_KINDS = ['error', 'runtime', 'range', 'link', 'compile'] as const;

/** What a guest thread's worker is started with. */
interface ThreadData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  memoryImport: { module: string; name: string };
  /** Every function import, in import order: index i is called as import i. */
  funcs: Array<{ module: string; name: string }>;
  entry: string;
  tid: number;
  startArg: number;
  slot: SharedArrayBuffer;
  door: SharedArrayBuffer;
  statusExport: string;
  fuelExport: string;
}

/**
 * The code of a guest thread's worker. Runs in the new thread with its own `require`; it must
 * stay self-contained (it is sent as source, see threadSource()).
 */
function guestThread(require: NodeJS.Require): void {
  const d = (require('node:worker_threads') as typeof import('node:worker_threads')).workerData as ThreadData;
  const ctl = new Int32Array(d.slot, 0, 16);
  const num = new Float64Array(d.slot, 64, 16);
  const big = new BigInt64Array(d.slot, 192, 16);
  const resultNum = new Float64Array(d.slot, 320, 1);
  const resultBig = new BigInt64Array(d.slot, 328, 2);
  const sleepFor = new Float64Array(d.slot, 344, 1);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const message = new Uint8Array(d.slot, 512, 512);
  const door = new Int32Array(d.door);
  const ring = (): void => {
    Atomics.add(door, 0, 1);
    Atomics.notify(door, 0);
  };
  const call = (index: number, args: unknown[]): unknown => {
    if (args.length > 16) throw new RangeError(`${d.funcs[index]!.module}.${d.funcs[index]!.name} takes more than 16 arguments, the most an import called from a thread may take`);
    let kinds = 0;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (typeof a === 'bigint') {
        big[i] = a;
        kinds |= 1 << i;
      } else {
        num[i] = a as number;
      }
    }
    ctl[1] = index;
    ctl[2] = args.length;
    ctl[3] = kinds;
    // Instrumented code stores its fuel counter in the global before every import call: left
    // here, it is this thread's exact counter should the run end while the call waits.
    if (fuel !== undefined) {
      resultBig[1] = fuel.value as bigint;
      ctl[8] = 1;
    }
    Atomics.store(ctl, 0, 1);
    ring();
    // The hub replies, or ends the run and terminates this thread while it waits here. Most
    // replies take microseconds: spinning a little first saves the two futex round trips of
    // sleeping and being woken.
    for (let spin = 0; spin < 4000 && Atomics.load(ctl, 0) === 1; spin++);
    while (Atomics.load(ctl, 0) === 1) Atomics.wait(ctl, 0, 1);
    const kind = ctl[4];
    const result = kind === 1 ? resultNum[0] : kind === 2 ? resultBig[0] : undefined;
    const ms = sleepFor[0]!;
    Atomics.store(ctl, 0, 0);
    // A sleep the hub left to this thread (see the header).
    if (ms > 0) Atomics.wait(nap, 0, 0, ms);
    return result;
  };
  const imports: Record<string, Record<string, unknown>> = {};
  d.funcs.forEach((f, i) => {
    (imports[f.module] ??= {})[f.name] = (...args: unknown[]) => call(i, args);
  });
  (imports[d.memoryImport.module] ??= {})[d.memoryImport.name] = d.memory;
  let fuel: WebAssembly.Global | undefined;
  let tid = d.tid;
  let startArg = d.startArg;
  for (;;) {
    // A fresh instance per guest thread (wasi-threads' model), even in a reused worker.
    let instance: WebAssembly.Instance | undefined;
    fuel = undefined;
    let state = 3;
    try {
      instance = new WebAssembly.Instance(d.module, imports as WebAssembly.Imports);
      const exported = instance.exports[d.fuelExport];
      if (exported instanceof WebAssembly.Global) fuel = exported;
      const entry = instance.exports[d.entry] as (...args: number[]) => unknown;
      if (d.entry === '_start') entry();
      else entry(tid, startArg);
    } catch (error) {
      state = 4;
      ctl[6] = error instanceof WebAssembly.RuntimeError ? 1 : error instanceof RangeError ? 2
        : error instanceof WebAssembly.LinkError ? 3 : error instanceof WebAssembly.CompileError ? 4 : 0;
      const text = new TextEncoder().encode(String((error as Error | null)?.message ?? error)).subarray(0, 512);
      message.set(text);
      ctl[7] = text.length;
      const status = instance?.exports[d.statusExport];
      ctl[5] = status instanceof WebAssembly.Global ? Number(status.value) : 0;
    }
    const counter = instance?.exports[d.fuelExport];
    if (counter instanceof WebAssembly.Global) {
      resultBig[1] = BigInt(counter.value as bigint);
      ctl[8] = 1;
    }
    instance = undefined;
    fuel = undefined;
    Atomics.store(ctl, 0, state);
    ring();
    // A failure or `_start` returning ends the run. A spawned thread that returned waits here
    // until the hub hands this worker the next thread (new id and argument in its slot, state
    // back to running) or ends the run and terminates it.
    if (state !== 3 || d.entry === '_start') return;
    while (Atomics.load(ctl, 0) === 3) Atomics.wait(ctl, 0, 3);
    tid = ctl[9]!;
    startArg = ctl[10]! >>> 0;
  }
}

let threadCode: string | undefined;
/** The source a guest thread's worker starts from (`eval`); called by name, as a bundler may rename it. */
function threadSource(): string {
  threadCode ??= `${String(guestThread)}\n${guestThread.name}(require);\n`;
  return threadCode;
}

/** How the run ended, as the hub saw it: what a single-threaded run would have caught. */
export interface ThreadsEnd {
  error: unknown;
  /** The instrumenter status of the instance that failed (0 when none). */
  status: number;
}

/** One guest thread, as the hub tracks it. */
export interface GuestThread<M> {
  readonly tid: number;
  /** Per-thread state of the caller's (the fuel meter of the thread's instance). */
  readonly meter: M;
  /** The fuel counter the thread's instance held when it finished, when known. */
  finalCounter: bigint | undefined;
}

export interface ThreadHubConfig<M> {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  memoryImport: { module: string; name: string };
  /** Every function import in import order, with the function the hub runs for it. */
  funcs: Array<{ module: string; name: string; fn: (...args: any[]) => unknown }>;
  /** Import index of the fuel hook (-1: none): it is called with the calling thread's meter. */
  fuelHookIndex: number;
  fuelHook: (meter: M, counter: bigint) => bigint;
  /** Makes the per-thread state for a new thread. */
  newMeter: () => M;
  maxThreads: number;
  statusExport: string;
  fuelExport: string;
  /** Called between waits (output flushing, CPU checks); may throw to end the run. */
  tick: () => void;
  /** Called for each spawn: refused (with the reason) or started. */
  onSpawn: (outcome: { ok: true; tid: number; live: number } | { ok: false; live: number; reason: string }) => void;
}

/** A guest thread's worker and its slot's views. */
interface Slot {
  worker: Worker;
  ctl: Int32Array;
  num: Float64Array;
  big: BigInt64Array;
  resultNum: Float64Array;
  resultBig: BigInt64Array;
  sleepFor: Float64Array;
  message: Uint8Array;
}

interface Running<M> extends GuestThread<M>, Slot {
  /** When the hub runs this thread's parked call again (performance.now()); undefined when its call is not parked. */
  runAt: number | undefined;
  /** The wait the parked call is in, as it began: when it times out, and whether the idle limit cut it. */
  waiting: { deadline: number; cut: boolean } | undefined;
  /** What the parked call kept for its next run (CallWaits.progress). */
  progress: unknown;
}

const decoder = new TextDecoder();
/** How long the hub waits for a call before it ticks (flushes output, checks CPU time). */
const TICK_MS = 10;
/** How often a parked call is run again: a wait whose check is local (stdin, output), and a socket probe (a round trip to the host). */
const RERUN_MS = 1;
const PROBE_RERUN_MS = 5;
/** How long a spawn at the thread limit waits for a running thread to finish. */
const FINISH_WAIT_MS = 20;
/** Door checks before the hub sleeps. */
const SPIN = 4000;

/**
 * The hub of a threaded run (see the header). run() starts the `_start` thread, serves the
 * threads' import calls until the run ends, terminates every thread and says how it ended.
 */
export class ThreadHub<M> implements CallWaits {
  private readonly door = new Int32Array(new SharedArrayBuffer(4));
  private readonly running: Array<Running<M>> = [];
  /**
   * Workers whose spawned thread returned, waiting for the next (see the guest thread's loop): a
   * new thread in one skips starting a worker, which costs tens of milliseconds.
   */
  private readonly idle: Slot[] = [];
  /** Every thread started, for fuel accounting after the run. */
  readonly threads: Array<GuestThread<M>> = [];
  private nextTid = 1;
  private ended: ThreadsEnd | undefined;
  /** The `_start` thread. */
  private main: Running<M> | undefined;
  /** The thread whose call is being served now (one at most: see the header). */
  private serving: Running<M> | undefined;
  /** Whether that call is a parked call run again. */
  private rerunning = false;
  /** Milliseconds the thread whose call is being served sleeps once it has its reply. */
  private deferredSleep = 0;

  constructor(private readonly config: ThreadHubConfig<M>) {}

  /** Threads running now (the `_start` thread included). */
  get live(): number {
    return this.running.length;
  }

  /**
   * `wasi.thread-spawn(start_arg)`: a new thread that runs `wasi_thread_start(tid, start_arg)`;
   * its id, or a negative errno when it cannot start.
   */
  spawn(startArg: number): number {
    // A thread the guest has joined may not have returned yet (a thread signals its joiner just
    // before it returns): at the limit, wait a little for one to finish rather than refuse.
    const until = performance.now() + FINISH_WAIT_MS;
    for (;;) {
      const seen = Atomics.load(this.door, 0);
      this.reap();
      const left = until - performance.now();
      if (this.running.length < this.config.maxThreads || this.ended !== undefined || left <= 0) break;
      Atomics.wait(this.door, 0, seen, left);
    }
    if (this.running.length >= this.config.maxThreads || this.ended !== undefined) {
      this.config.onSpawn({ ok: false, live: this.running.length, reason: 'limit' });
      return -Errno.AGAIN;
    }
    if (this.nextTid > MAX_TID) {
      this.config.onSpawn({ ok: false, live: this.running.length, reason: 'thread ids exhausted' });
      return -Errno.AGAIN;
    }
    const tid = this.nextTid++;
    try {
      this.start(THREAD_START_EXPORT, tid, startArg >>> 0);
    } catch (error) {
      this.config.onSpawn({ ok: false, live: this.running.length, reason: `could not start a thread: ${(error as Error).message}` });
      return -Errno.AGAIN;
    }
    this.config.onSpawn({ ok: true, tid, live: this.running.length });
    return tid;
  }

  private start(entry: string, tid: number, startArg: number): void {
    const c = this.config;
    const reused = entry === THREAD_START_EXPORT ? this.idle.pop() : undefined;
    let slot: Slot;
    if (reused) {
      slot = reused;
      const ctl = slot.ctl;
      ctl[C_TID] = tid;
      ctl[C_ARG] = startArg | 0;
      ctl[C_RESULT] = 0;
      ctl[C_FUEL_KNOWN] = 0;
      slot.sleepFor[0] = 0;
      Atomics.store(ctl, C_STATE, RUNNING);
      Atomics.notify(ctl, C_STATE);
    } else {
      const buffer = new SharedArrayBuffer(SLOT_BYTES);
      const data: ThreadData = {
        module: c.module, memory: c.memory, memoryImport: c.memoryImport, funcs: c.funcs.map((f) => ({ module: f.module, name: f.name })),
        entry, tid, startArg, slot: buffer, door: this.door.buffer as SharedArrayBuffer, statusExport: c.statusExport, fuelExport: c.fuelExport,
      };
      const worker = new Worker(threadSource(), { eval: true, workerData: data, stdout: false, stderr: false, execArgv: [] });
      // A thread that fails outside the guest (it cannot, short of the host running out of memory)
      // must not become an unhandled error of the hub's thread; the run's time limits still apply.
      worker.on('error', () => undefined);
      worker.unref();
      slot = {
        worker,
        ctl: new Int32Array(buffer, 0, 16), num: new Float64Array(buffer, NUM_AT, MAX_ARGS), big: new BigInt64Array(buffer, BIG_AT, MAX_ARGS),
        resultNum: new Float64Array(buffer, RESULT_NUM_AT, 1), resultBig: new BigInt64Array(buffer, RESULT_BIG_AT, 2),
        sleepFor: new Float64Array(buffer, SLEEP_AT, 1),
        message: new Uint8Array(buffer, MESSAGE_AT, MESSAGE_MAX),
      };
    }
    const thread: Running<M> = { ...slot, tid, meter: c.newMeter(), finalCounter: undefined, runAt: undefined, waiting: undefined, progress: undefined };
    this.running.push(thread);
    this.threads.push(thread);
  }

  /**
   * A blocking wait of the call being served (CallWaits.wait, through RunMeter.idle). A plain
   * sleep is left to the calling thread (see the header); a `whole` wait just waits (only
   * requests the host answers at once come here). Any other wait checks its condition once,
   * without blocking, and parks the call when it is not met and its deadline has not passed.
   */
  wait(allowed: number, wait: (ms: number) => boolean | void, kind: WaitKind, cut: boolean): boolean | 'cut' {
    const t = this.serving;
    if (kind === 'sleep') {
      this.deferredSleep += allowed;
      return cut ? 'cut' : false;
    }
    // Outside a call (not reached: the hub's own flushes never wait, see worker.ts) a wait waits.
    if (kind === 'whole' || t === undefined) return wait(allowed) === true ? true : cut ? 'cut' : false;
    if (wait(0) === true) {
      t.waiting = undefined;
      return true;
    }
    const now = performance.now();
    const waiting = (t.waiting ??= { deadline: now + allowed, cut });
    if (now >= waiting.deadline) {
      t.waiting = undefined;
      return waiting.cut ? 'cut' : false;
    }
    t.runAt = Math.min(waiting.deadline, now + (kind === 'probe' ? PROBE_RERUN_MS : RERUN_MS));
    throw WAIT_PARKED;
  }

  get rerun(): boolean {
    return this.rerunning;
  }

  get progress(): unknown {
    return this.serving?.progress;
  }

  set progress(value: unknown) {
    if (this.serving) this.serving.progress = value;
  }

  /**
   * Reaps finished threads, then serves every new call and runs again every parked call that
   * is due (an index loop: a served call may spawn, appending threads). True when it served a
   * new call.
   */
  private servePending(): boolean {
    this.reap();
    let now: number | undefined;
    let fresh = false;
    for (let i = 0; i < this.running.length && this.ended === undefined; i++) {
      const t = this.running[i]!;
      if (Atomics.load(t.ctl, C_STATE) !== CALLING) continue;
      if (t.runAt === undefined) fresh = true;
      else if (t.runAt > (now ??= performance.now())) continue;
      this.serve(t);
    }
    return fresh;
  }

  /** Milliseconds until the next tick or the next parked call is due, whichever comes first. */
  private untilNextRun(): number {
    let soonest = TICK_MS;
    let now: number | undefined;
    for (const t of this.running) {
      if (t.runAt !== undefined) soonest = Math.min(soonest, t.runAt - (now ??= performance.now()));
    }
    return Math.max(0, soonest);
  }

  /** Runs the guest: `_start` on a thread of its own, every import call served here. */
  run(): ThreadsEnd {
    try {
      this.start('_start', 0, 0);
    } catch (error) {
      return { error, status: 0 };
    }
    this.main = this.running[0];
    while (this.ended === undefined) {
      const seen = Atomics.load(this.door, 0);
      const served = this.servePending();
      if (this.ended !== undefined) break;
      try {
        this.config.tick();
      } catch (error) {
        this.ended = { error, status: 0 };
        break;
      }
      // A thread that called just now is likely to call again soon (spin, as guestThread does).
      if (served) for (let spin = 0; spin < SPIN && Atomics.load(this.door, 0) === seen; spin++);
      Atomics.wait(this.door, 0, seen, this.untilNextRun());
    }
    this.stopAll();
    return this.ended;
  }

  /** Takes finished threads off the running list; one that failed, or `_start` returning, ends the run. */
  private reap(): void {
    for (let i = 0; i < this.running.length && this.ended === undefined; i++) {
      const t = this.running[i]!;
      const state = Atomics.load(t.ctl, C_STATE);
      if (state !== RETURNED && state !== FAILED) continue;
      if (Atomics.load(t.ctl, C_FUEL_KNOWN) === 1) t.finalCounter = t.resultBig[1]!;
      this.running.splice(i--, 1);
      if (state === FAILED) {
        const text = decoder.decode(t.message.subarray(0, t.ctl[C_MESSAGE]));
        this.ended = { error: rebuildError(ERROR_KINDS[t.ctl[C_ERROR]!] ?? 'error', text), status: t.ctl[C_STATUS]! };
      } else if (t === this.main) {
        this.ended = { error: undefined, status: 0 };
      } else {
        this.idle.push(t); // its worker and slot; start() gives the next thread its own id and meter
      }
    }
  }

  private serve(t: Running<M>): void {
    const c = this.config;
    const index = t.ctl[C_INDEX]!;
    const argc = t.ctl[C_ARGC]!;
    const kinds = t.ctl[C_KINDS]!;
    const args: Array<number | bigint> = [];
    for (let i = 0; i < argc; i++) args.push(kinds & (1 << i) ? t.big[i]! : t.num[i]!);
    let result: unknown;
    if (this.serving !== undefined) throw new Error(`wsbc bug: a call of thread ${t.tid} served inside one of thread ${this.serving.tid}`);
    this.serving = t;
    this.rerunning = t.runAt !== undefined;
    this.deferredSleep = 0;
    try {
      const f = c.funcs[index];
      if (f === undefined) throw new RangeError(`no import ${index}`);
      result = index === c.fuelHookIndex ? c.fuelHook(t.meter, args[0] as bigint) : f.fn(...args);
    } catch (error) {
      // Parked (see wait()): the thread goes on waiting, and the call runs again at t.runAt.
      if (error === WAIT_PARKED) return;
      // The run ends (proc_exit, a limit, or a host function that failed); the caller is
      // terminated while it waits for its reply. What ended it first is what the run reports.
      this.ended ??= { error, status: 0 };
      return;
    } finally {
      this.serving = undefined;
      this.rerunning = false;
    }
    t.runAt = undefined;
    t.waiting = undefined;
    t.progress = undefined;
    if (this.ended !== undefined) return;
    t.sleepFor[0] = this.deferredSleep;
    if (typeof result === 'bigint') {
      t.resultBig[0] = result;
      t.ctl[C_RESULT] = 2;
    } else if (typeof result === 'number') {
      t.resultNum[0] = result;
      t.ctl[C_RESULT] = 1;
    } else {
      t.ctl[C_RESULT] = 0;
    }
    Atomics.store(t.ctl, C_STATE, REPLIED);
    Atomics.notify(t.ctl, C_STATE);
  }

  /** Ends every thread still running (they may be in guest code or waiting for a reply). */
  private stopAll(): void {
    for (const t of this.running) {
      // A thread waiting for a reply has run nothing since its call: its counter is exact (the
      // argument of a fuel hook call, else the one it left in its slot). One still computing
      // counts its whole last grant (GuestThread.finalCounter stays undefined).
      if (Atomics.load(t.ctl, C_STATE) === CALLING) {
        if (t.ctl[C_INDEX] === this.config.fuelHookIndex) t.finalCounter = t.big[0]!;
        else if (Atomics.load(t.ctl, C_FUEL_KNOWN) === 1) t.finalCounter = t.resultBig[1]!;
      }
      void t.worker.terminate();
    }
    this.running.length = 0;
    for (const slot of this.idle) void slot.worker.terminate();
    this.idle.length = 0;
  }
}

/** The error a guest thread reported, rebuilt as the class a single-threaded run would catch. */
function rebuildError(kind: (typeof ERROR_KINDS)[number], message: string): Error {
  switch (kind) {
    case 'runtime':
      return new WebAssembly.RuntimeError(message);
    case 'range':
      return new RangeError(message);
    case 'link':
      return new WebAssembly.LinkError(message);
    case 'compile':
      return new WebAssembly.CompileError(message);
    default:
      return new Error(message);
  }
}
