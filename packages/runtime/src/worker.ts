/// <reference lib="dom" />
// Worker-thread entry of sandboxed runs. The host (run.ts) passes a compiled module and the
// run's settings; the guest runs here, synchronously, so the
// host can always end it with worker.terminate() (timeouts), and a crash or runaway guest
// never takes the host's thread with it. Messages to the host: `out` (stdout/stderr segments and
// audit record drafts, which the host stamps), `stdin` (more input wanted), `sock`, `ending`,
// `done`.
import { parentPort } from 'node:worker_threads';
import type { Manifest } from '@wsbc/manifest';
import type { AuditDraft } from './audit.js';
import { runGuest, type FuelAbi, type HostFunction } from './guest.js';
import type { ModuleShape } from './module-shape.js';
import { AUDIT_RECORD_WEIGHT, StdinReader, type StdinChannel } from './stdio-channel.js';
import { SocketClient, type SocketChannel, type SocketRequest } from './socket-channel.js';
import { RunMeter, wallNow } from './wasi/services.js';

export interface WorkerConfig {
  module: WebAssembly.Module;
  shape: ModuleShape;
  manifest: Manifest;
  args: string[];
  env: Array<[string, string]>;
  entry: string;
  audit: boolean;
  meter: SharedArrayBuffer;
  stdin: StdinChannel;
  abi: FuelAbi;
  fuelSlice: number;
  /** URL of an ES module whose default export is an array of HostFunction. */
  hostFunctions: string | null;
  randomSeed: number;
  /** Int32 counter of output bytes the host has not written out yet (backpressure). */
  outputPending: SharedArrayBuffer;
  /** Preopened listening sockets: the request channel and one label per listener. */
  sockets: { channel: SocketChannel; listeners: Array<{ id: number; address: string }> } | null;
  /** Which of stdin, stdout and stderr are host terminals (StdioBridge.terminals). */
  terminals: [boolean, boolean, boolean];
}

export type WorkerMessage =
  | { t: 'out'; chunks: Array<{ fd: 1 | 2; data: Uint8Array }>; records: Array<{ draft: AuditDraft; at: number }> }
  | { t: 'stdin' }
  | { t: 'sock'; request: SocketRequest }
  | { t: 'ending'; outcome: Pick<import('./guest.js').GuestOutcome, 'kind' | 'exitCode' | 'reason' | 'limit'> }
  | { t: 'done'; outcome: import('./guest.js').GuestOutcome }
  /** Sent once, when this file has been compiled and run: the thread is ready for a run. */
  | { t: 'ready' };

const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);
/** Output bytes the host may hold before the guest has to wait for its stdout to drain. */
const OUTPUT_HIGH_WATER = 4 * 1024 * 1024;
/** Bytes of a segment of consecutive writes to one fd; a write larger than this is its own chunk. */
const SEGMENT_CAPACITY = 64 * 1024;
/** Records sent in one message at most. */
const AUDIT_BATCH = 1000;

const nextConfig = () => new Promise<WorkerConfig>((resolve) => port.once('message', resolve));
/** import() of the boot code that compiled this file (worker-boot.ts): this file's own cannot be used. */
declare const importModule: (specifier: string) => Promise<unknown>;

/**
 * What the host must write out, batched: guest output and audit records. One message per
 * fd_write or per record would cost the host more than the write itself, and a guest making
 * millions of small writes (`y\n` in a loop) would queue millions of messages: Node delivers all
 * of a port's queued messages in one turn of the event loop, so the host's timers (the total time
 * limit) and signal handlers (Ctrl-C) waited behind them, for 45 s against a 2 s limit.
 *
 * So consecutive writes to one fd are copied into one segment (a message holds a few segments,
 * not thousands of two-byte chunks), and records travel in the same messages. Segments keep
 * their order across stdout and stderr. Flushed when 64 KiB or AUDIT_BATCH records are buffered,
 * when the oldest item is 10 ms old (checked at writes, records, WASI calls and fuel slices
 * through the meter's tick), before the guest blocks, and before `ending` and `done`.
 */
class OutputBuffer {
  private chunks: Array<{ fd: 1 | 2; data: Uint8Array }> = [];
  private records: Array<{ draft: AuditDraft; at: number }> = [];
  private bytes = 0;
  private since = 0;
  /** The segment being filled: its fd, and its bytes so far in `staging`. */
  private segmentFd: 1 | 2 = 1;
  private staging = new Uint8Array(SEGMENT_CAPACITY);
  private staged = 0;

  /**
   * `pending` (shared with the host) counts bytes sent but not yet taken by the host's output
   * streams, and AUDIT_RECORD_WEIGHT per record not yet written to the audit sink; above
   * OUTPUT_HIGH_WATER the guest waits (as idle time) so a guest cannot fill the host's memory,
   * or its message queue, faster than the host takes them.
   */
  constructor(private readonly pending: Int32Array, private readonly waitIdle: (wait: (ms: number) => boolean) => void) {}

  write(fd: 1 | 2, data: Uint8Array): void {
    if (this.empty()) this.since = wallNow();
    if (this.staged > 0 && (fd !== this.segmentFd || this.staged + data.byteLength > SEGMENT_CAPACITY)) this.closeSegment();
    // Copied: the view points into guest memory, which the guest may change right after.
    if (data.byteLength > SEGMENT_CAPACITY) this.chunks.push({ fd, data: data.slice() });
    else {
      this.segmentFd = fd;
      this.staging.set(data, this.staged);
      this.staged += data.byteLength;
    }
    this.bytes += data.byteLength;
    if (this.bytes >= 64 * 1024) this.flush();
    else this.flushIfStale();
  }

  /** An audit record, sent with the output (the host stamps and writes it in order). */
  record(draft: AuditDraft): void {
    if (this.empty()) this.since = wallNow();
    this.records.push({ draft, at: wallNow() });
    // A record made while a flush waits for room (the idle limit's own) goes with that flush.
    if (this.waiting) return;
    if (this.records.length >= AUDIT_BATCH) this.flush();
    else this.flushIfStale();
  }

  private empty(): boolean {
    return this.bytes === 0 && this.records.length === 0;
  }

  private closeSegment(): void {
    if (this.staged === 0) return;
    this.chunks.push({ fd: this.segmentFd, data: this.staging.slice(0, this.staged) });
    this.staged = 0;
  }

  /** The WASI errno the host set for a failed write to `fd` (slots 1 and 2 of `pending`), or 0. */
  failure(fd: 1 | 2): number {
    return Atomics.load(this.pending, fd);
  }

  flushIfStale(): void {
    if (!this.empty() && wallNow() - this.since >= 10) this.flush();
  }

  /** True while flush() waits for the host (the meter's onBlock must not flush meanwhile). */
  waiting = false;

  /**
   * Waits at most `ms` until the host holds at most OUTPUT_HIGH_WATER bytes of output not yet
   * taken, or a destination failed (it will not drain: its next write reports the failure);
   * true when so.
   */
  waitForRoom(ms: number): boolean {
    let seen = Atomics.load(this.pending, 0);
    // A threaded run asks before every write: most often there is room, and no clock is read.
    if (seen <= OUTPUT_HIGH_WATER) return true;
    const until = wallNow() + ms;
    for (; seen > OUTPUT_HIGH_WATER; seen = Atomics.load(this.pending, 0)) {
      if (this.failure(1) !== 0 || this.failure(2) !== 0) return true;
      const left = until - wallNow();
      if (left <= 0) return false;
      Atomics.wait(this.pending, 0, seen, left);
    }
    return true;
  }

  flush(): void {
    if (this.empty()) return;
    // The guest waits here, as idle time, until the host has taken enough of its output. A
    // threaded run's flushes never wait (see waitIdle in serve()): its writes wait for room
    // before they are buffered, so no write waits holding chunks that later writes of other
    // threads would overtake.
    if (Atomics.load(this.pending, 0) > OUTPUT_HIGH_WATER) {
      const outer = this.waiting;
      this.waiting = true;
      try {
        this.waitIdle((ms) => this.waitForRoom(ms));
      } catch (error) {
        // The run ends (idle limit): what was written still goes out, and no later flush waits
        // for it again.
        this.send();
        throw error;
      } finally {
        this.waiting = outer;
      }
    }
    this.send();
  }

  private send(): void {
    if (this.empty()) return;
    this.closeSegment();
    const { chunks, records, bytes } = this;
    this.chunks = [];
    this.records = [];
    this.bytes = 0;
    Atomics.add(this.pending, 0, bytes + records.length * AUDIT_RECORD_WEIGHT);
    post({ t: 'out', chunks, records });
  }
}

/** Runs one guest to completion and reports it; the worker then waits for its next run. */
async function serve(config: WorkerConfig): Promise<void> {
  const stdin = new StdinReader(config.stdin, () => post({ t: 'stdin' }));
  let hostFunctions: HostFunction[] = [];
  if (config.hostFunctions) {
    const loaded = (await importModule(config.hostFunctions)) as { default?: unknown };
    hostFunctions = Array.isArray(loaded.default) ? (loaded.default as HostFunction[]) : [];
  }
  let audit: ((draft: AuditDraft) => void) | null = null;
  const meter = new RunMeter(config.manifest.limits, (draft) => audit?.(draft), new Float64Array(config.meter));
  const output = new OutputBuffer(new Int32Array(config.outputPending), (wait) => {
    // In a threaded run a flush never waits: it may come from any call, or from the hub between
    // calls, and a wait there would hold them. Each write waits for room before anything of it
    // is charged or buffered instead (StdioBridge.waitWritable), which bounds the output the
    // host holds the same way.
    if (!meter.threaded) meter.idle('fd_write', Number.POSITIVE_INFINITY, wait);
  });
  if (config.audit) audit = (draft) => output.record(draft);
  // Flushing may itself wait for the host; it must not recurse into another flush.
  let flushing = false;
  meter.onBlock = () => {
    if (flushing || output.waiting) return;
    flushing = true;
    try {
      output.flush();
    } finally {
      flushing = false;
    }
  };
  meter.onTick = () => output.flushIfStale();
  const outcome = runGuest({
    module: config.module,
    shape: config.shape,
    manifest: config.manifest,
    args: config.args,
    env: config.env,
    entry: config.entry,
    stdio: {
      readStdin: (max, timeoutMs) => stdin.read(max, timeoutMs),
      waitStdin: (timeoutMs) => stdin.wait(timeoutMs),
      write: (fd, data) => output.write(fd, data),
      waitWritable: (ms) => output.waitForRoom(ms),
      failure: (fd) => output.failure(fd),
      terminals: config.terminals,
    },
    meter,
    audit,
    abi: config.abi,
    fuelSlice: config.fuelSlice,
    hostFunctions,
    randomSeed: config.randomSeed,
    sockets: config.sockets ? new SocketClient(config.sockets.channel, config.sockets.listeners, (request) => post({ t: 'sock', request })) : null,
    onEnd: (outcome) => {
      output.flush();
      post({ t: 'ending', outcome });
    },
  });
  meter.shared[4] = 1;
  output.flush();
  post({ t: 'done', outcome });
}

// A pooled worker starts before its run is known and waits for its configuration; the host may
// hand it further runs after one that ended cleanly (see run.ts, "worker pool"). No top-level
// await: the worker ships as one CommonJS file (scripts/bundle-worker.mjs).
async function serveForever(): Promise<never> {
  // workerData is the boot code's (worker-boot.ts); every run's configuration comes as a message.
  let config: WorkerConfig = await nextConfig();
  for (;;) {
    await serve(config);
    config = await nextConfig();
  }
}
void serveForever();
post({ t: 'ready' });
