// Preopened listening sockets: the host listens (per policy) and the guest accepts connections
// and reads and writes them through WASI's sock_* and fd_* calls. Node's sockets are
// asynchronous and live on the host thread, while the guest's WASI calls are synchronous in the
// worker, so each socket operation is a blocking request: the worker writes it, posts a
// message and waits (Atomics.wait) until the host has answered in the shared buffers.
// Layout of `control` (Int32Array): [state, status, length]; state IDLE / PENDING / DONE.
// This file holds the protocol and the worker's side only; the host's side (which needs node:net,
// a noticeable share of a worker's start-up) is in socket-host.ts.

export const SOCKET_DATA_CAPACITY = 64 * 1024;
export const State = { IDLE: 0, PENDING: 1, DONE: 2 } as const;
/**
 * Answer statuses: OK carries a value or bytes; AGAIN means "would block"; CLOSED an unknown id
 * (or, for a send, a connection that can take no more); ENDED, for a probe, a connection that is
 * ready and whose peer hung up.
 */
export const SocketStatus = { OK: 0, AGAIN: 1, CLOSED: 2, ENDED: 3 } as const;

export interface SocketChannel {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export function createSocketChannel(): SocketChannel {
  return { control: new SharedArrayBuffer(12), data: new SharedArrayBuffer(SOCKET_DATA_CAPACITY) };
}

export type SocketRequest =
  | { op: 'accept'; listener: number; block: boolean }
  | { op: 'recv'; conn: number; max: number; peek: boolean; block: boolean }
  | { op: 'send'; conn: number; length: number; block: boolean }
  | { op: 'shutdown'; conn: number; how: number }
  | { op: 'close'; conn: number }
  | { op: 'probe'; kind: 'conn' | 'listener' | 'send'; id: number };

/** What a probe found: bytes a connection holds or connections a listener has waiting, and a peer's hang-up. */
export interface SocketReadiness {
  nbytes: number;
  hangup: boolean;
}

/** What the worker side offers WASI. */
export interface SocketBridge {
  /** Preopened listening sockets, in fd order. */
  readonly listeners: ReadonlyArray<{ id: number; address: string }>;
  /** A new connection id and peer, 'again' when none is waiting and !block; null when the wait timed out. */
  accept(listener: number, block: boolean, timeoutMs: number): { conn: number; peer: string } | 'again' | null;
  /** Bytes (empty at end of stream), 'again', or null on timeout. */
  recv(conn: number, max: number, peek: boolean, block: boolean, timeoutMs: number): Uint8Array | 'again' | null;
  /** Bytes taken (at most 64 KiB), -1 when the connection can take no more (EPIPE), 'again', or null on timeout. */
  send(conn: number, data: Uint8Array, block: boolean, timeoutMs: number): number | 'again' | null;
  shutdown(conn: number, how: number): void;
  close(conn: number): void;
  /**
   * Without blocking: a connection has data or reached its end, a listener has a connection
   * waiting, or ('send') a connection takes bytes or fails at once; null when not.
   */
  ready(kind: 'conn' | 'listener' | 'send', id: number): SocketReadiness | null;
}

/** Worker side: one blocking request at a time. */
export class SocketClient implements SocketBridge {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  constructor(
    channel: SocketChannel,
    readonly listeners: ReadonlyArray<{ id: number; address: string }>,
    private readonly post: (request: SocketRequest) => void,
  ) {
    this.control = new Int32Array(channel.control);
    this.data = new Uint8Array(channel.data);
  }

  private request(request: SocketRequest, timeoutMs: number): { status: number; length: number } | null {
    Atomics.store(this.control, 0, State.PENDING);
    this.post(request);
    const wait = Atomics.wait(this.control, 0, State.PENDING, Number.isFinite(timeoutMs) ? Math.max(0, timeoutMs) : undefined);
    if (wait === 'timed-out' && Atomics.load(this.control, 0) !== State.DONE) return null;
    const answer = { status: Atomics.load(this.control, 1), length: Atomics.load(this.control, 2) };
    Atomics.store(this.control, 0, State.IDLE);
    return answer;
  }

  accept(listener: number, block: boolean, timeoutMs: number) {
    const answer = this.request({ op: 'accept', listener, block }, timeoutMs);
    if (!answer) return null;
    if (answer.status === SocketStatus.AGAIN) return 'again' as const;
    if (answer.status !== SocketStatus.OK) return null;
    // The answer is "<connection id> <peer address>".
    const text = new TextDecoder().decode(this.data.slice(0, answer.length));
    const space = text.indexOf(' ');
    return { conn: Number(text.slice(0, space)), peer: text.slice(space + 1) };
  }

  recv(conn: number, max: number, peek: boolean, block: boolean, timeoutMs: number) {
    const answer = this.request({ op: 'recv', conn, max: Math.min(max, SOCKET_DATA_CAPACITY), peek, block }, timeoutMs);
    if (!answer) return null;
    if (answer.status === SocketStatus.AGAIN) return 'again' as const;
    return this.data.slice(0, answer.length);
  }

  send(conn: number, data: Uint8Array, block: boolean, timeoutMs: number) {
    const n = Math.min(data.byteLength, SOCKET_DATA_CAPACITY);
    this.data.set(data.subarray(0, n), 0);
    const answer = this.request({ op: 'send', conn, length: n, block }, timeoutMs);
    if (!answer) return null;
    if (answer.status === SocketStatus.AGAIN) return 'again' as const;
    return answer.status === SocketStatus.OK ? answer.length : -1;
  }

  shutdown(conn: number, how: number): void {
    this.request({ op: 'shutdown', conn, how }, Number.POSITIVE_INFINITY);
  }

  close(conn: number): void {
    this.request({ op: 'close', conn }, Number.POSITIVE_INFINITY);
  }

  ready(kind: 'conn' | 'listener' | 'send', id: number): SocketReadiness | null {
    const answer = this.request({ op: 'probe', kind, id }, Number.POSITIVE_INFINITY);
    if (answer === null || (answer.status !== SocketStatus.OK && answer.status !== SocketStatus.ENDED)) return null;
    return { nbytes: answer.length, hangup: answer.status === SocketStatus.ENDED };
  }
}
