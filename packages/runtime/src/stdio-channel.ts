// The stdin channel between the host thread and the guest's worker: a SharedArrayBuffer the
// host fills and the worker drains, so the worker can block on stdin (Atomics.wait) while the
// host keeps streaming. Layout of `control` (Int32Array): [state, length]; state is EMPTY (the
// worker may ask for more), FULL (`length` bytes wait in `data`), EOF, or FAILED (the host's
// stdin failed after what was read; `length` holds the WASI errno the guest's reads get).
// Also the output backpressure's record weight, which both threads need (this file is in both
// bundles; worker.ts, in the worker's alone, must not be imported by the host).

import { WasiError } from './wasi/errno.js';

export const STDIN_CAPACITY = 64 * 1024;

/**
 * What one audit record the host has not written yet counts for in the worker's output
 * backpressure (bytes not yet taken, against its 4 MiB high water): the host then holds at most
 * 16,384 records, a few tens of milliseconds of its work, before the guest waits.
 */
export const AUDIT_RECORD_WEIGHT = 256;
export const StdinState = { EMPTY: 0, FULL: 1, EOF: 2, FAILED: 3 } as const;

export interface StdinChannel {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export function createStdinChannel(): StdinChannel {
  return { control: new SharedArrayBuffer(8), data: new SharedArrayBuffer(STDIN_CAPACITY) };
}

/** Worker side: blocks for data. `requestMore` tells the host the buffer is empty. */
export class StdinReader {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private offset = 0;
  private requested = false;

  constructor(channel: StdinChannel, private readonly requestMore: () => void) {
    this.control = new Int32Array(channel.control);
    this.data = new Uint8Array(channel.data);
  }

  /** Waits at most timeoutMs for data or EOF; true when either is there. */
  wait(timeoutMs: number): boolean {
    const state = Atomics.load(this.control, 0);
    if (state !== StdinState.EMPTY) return true;
    if (!this.requested) {
      this.requested = true;
      this.requestMore();
    }
    if (timeoutMs <= 0) return false;
    const result = Atomics.wait(this.control, 0, StdinState.EMPTY, Number.isFinite(timeoutMs) ? timeoutMs : undefined);
    return result !== 'timed-out' || Atomics.load(this.control, 0) !== StdinState.EMPTY;
  }

  /** Reads up to `max` bytes (empty at EOF), or null when nothing arrived within the timeout. */
  read(max: number, timeoutMs: number): Uint8Array | null {
    if (!this.wait(timeoutMs)) return null;
    const state = Atomics.load(this.control, 0);
    if (state === StdinState.EOF) return new Uint8Array(0);
    if (state === StdinState.FAILED) throw new WasiError(Atomics.load(this.control, 1), 'stdin failed at the host');
    const length = Atomics.load(this.control, 1);
    const n = Math.min(max, length - this.offset);
    const out = this.data.slice(this.offset, this.offset + n);
    this.offset += n;
    if (this.offset >= length) {
      this.offset = 0;
      this.requested = false;
      Atomics.store(this.control, 0, StdinState.EMPTY);
    }
    return out;
  }
}

/** Host side: feeds chunks into the channel when the worker asks. */
export class StdinWriter {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private queue: Uint8Array[] = [];
  private ended = false;
  private wanted = false;

  constructor(channel: StdinChannel) {
    this.control = new Int32Array(channel.control);
    this.data = new Uint8Array(channel.data);
  }

  /** The worker asked for more: fill now if we can, else as soon as data arrives. */
  request(): void {
    this.wanted = true;
    this.pump();
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength > 0) this.queue.push(chunk);
    this.pump();
  }

  end(): void {
    this.ended = true;
    this.pump();
  }

  /**
   * The host's stdin failed (a directory given as stdin, a read error): once what it delivered
   * is read, the guest's reads get `errno`, where end of file would tell it that all was read.
   */
  fail(errno: number): void {
    this.failure = errno;
    this.end();
  }

  private failure = 0;

  /** True when the worker is waiting and the queue is empty (the source should be read). */
  get hungry(): boolean {
    return this.wanted && this.queue.length === 0 && !this.ended;
  }

  private pump(): void {
    if (!this.wanted || Atomics.load(this.control, 0) !== StdinState.EMPTY) return;
    if (this.queue.length > 0) {
      let length = 0;
      while (this.queue.length > 0 && length < this.data.byteLength) {
        const chunk = this.queue[0]!;
        const n = Math.min(chunk.byteLength, this.data.byteLength - length);
        this.data.set(chunk.subarray(0, n), length);
        length += n;
        if (n < chunk.byteLength) this.queue[0] = chunk.subarray(n);
        else this.queue.shift();
      }
      this.wanted = false;
      Atomics.store(this.control, 1, length);
      Atomics.store(this.control, 0, StdinState.FULL);
      Atomics.notify(this.control, 0);
    } else if (this.ended) {
      if (this.failure !== 0) Atomics.store(this.control, 1, this.failure);
      Atomics.store(this.control, 0, this.failure !== 0 ? StdinState.FAILED : StdinState.EOF);
      Atomics.notify(this.control, 0);
    }
  }
}
