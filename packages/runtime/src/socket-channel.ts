// Preopened listening sockets: the host listens (per policy) and the guest accepts connections
// and reads and writes them through WASI's sock_* and fd_* calls. Node's sockets are
// asynchronous and live on the host thread, while the guest's WASI calls are synchronous in the
// worker, so each socket operation is a blocking request: the worker writes it, posts a
// message and waits (Atomics.wait) until the host has answered in the shared buffers.
// Layout of `control` (Int32Array): [state, status, length]; state IDLE / PENDING / DONE.
import net from 'node:net';
import type { Manifest } from '@wsbc/manifest';

export const SOCKET_DATA_CAPACITY = 64 * 1024;
const State = { IDLE: 0, PENDING: 1, DONE: 2 } as const;
/** Answer statuses: OK carries a value or bytes; AGAIN means "would block"; CLOSED an unknown id. */
export const SocketStatus = { OK: 0, AGAIN: 1, CLOSED: 2 } as const;

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
  | { op: 'send'; conn: number; length: number }
  | { op: 'shutdown'; conn: number; how: number }
  | { op: 'close'; conn: number }
  | { op: 'probe'; kind: 'conn' | 'listener'; id: number };

/** What the worker side offers WASI. */
export interface SocketBridge {
  /** Preopened listening sockets, in fd order. */
  readonly listeners: ReadonlyArray<{ id: number; address: string }>;
  /** A new connection id and peer, 'again' when none is waiting and !block; null when the wait timed out. */
  accept(listener: number, block: boolean, timeoutMs: number): { conn: number; peer: string } | 'again' | null;
  /** Bytes (empty at end of stream), 'again', or null on timeout. */
  recv(conn: number, max: number, peek: boolean, block: boolean, timeoutMs: number): Uint8Array | 'again' | null;
  send(conn: number, data: Uint8Array): number;
  shutdown(conn: number, how: number): void;
  close(conn: number): void;
  /** Without blocking: a connection has data or reached its end, or a listener has a connection waiting. */
  ready(kind: 'conn' | 'listener', id: number): boolean;
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

  send(conn: number, data: Uint8Array): number {
    const n = Math.min(data.byteLength, SOCKET_DATA_CAPACITY);
    this.data.set(data.subarray(0, n), 0);
    const answer = this.request({ op: 'send', conn, length: n }, Number.POSITIVE_INFINITY);
    return answer && answer.status === SocketStatus.OK ? answer.length : -1;
  }

  shutdown(conn: number, how: number): void {
    this.request({ op: 'shutdown', conn, how }, Number.POSITIVE_INFINITY);
  }

  close(conn: number): void {
    this.request({ op: 'close', conn }, Number.POSITIVE_INFINITY);
  }

  ready(kind: 'conn' | 'listener', id: number): boolean {
    const answer = this.request({ op: 'probe', kind, id }, Number.POSITIVE_INFINITY);
    return answer !== null && answer.status === SocketStatus.OK && answer.length === 1;
  }
}

interface Connection {
  socket: net.Socket;
  chunks: Buffer[];
  ended: boolean;
  peer: string;
}

/** Host side: the listening servers and their connections. */
export class SocketHost {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly servers: Array<{ server: net.Server; queue: net.Socket[] }> = [];
  private readonly conns = new Map<number, Connection>();
  private nextConn = 1;
  /** Re-run when something arrives: the pending blocking request, if any. */
  private retry: (() => boolean) | undefined;

  constructor(channel: SocketChannel) {
    this.control = new Int32Array(channel.control);
    this.data = new Uint8Array(channel.data);
  }

  /** Listens on every address; resolves to the bound addresses in order. */
  async listen(addresses: ReadonlyArray<{ host: string; port: number }>): Promise<Array<{ host: string; port: number }>> {
    const bound: Array<{ host: string; port: number }> = [];
    for (const { host, port } of addresses) {
      // Half-open: a client that ends its side may still read the guest's answer.
      const entry = { server: net.createServer({ allowHalfOpen: true }), queue: [] as net.Socket[] };
      entry.server.on('connection', (socket) => {
        entry.queue.push(socket);
        this.poke();
      });
      await new Promise<void>((resolve, reject) => {
        entry.server.once('error', reject);
        entry.server.listen(port, host, () => resolve());
      });
      const info = entry.server.address() as net.AddressInfo;
      bound.push({ host, port: info.port });
      this.servers.push(entry);
    }
    return bound;
  }

  private answer(status: number, length: number): void {
    Atomics.store(this.control, 1, status);
    Atomics.store(this.control, 2, length);
    Atomics.store(this.control, 0, State.DONE);
    Atomics.notify(this.control, 0);
  }

  private poke(): void {
    if (this.retry && this.retry()) this.retry = undefined;
  }

  handle(request: SocketRequest): void {
    const attempt = (): boolean => {
      switch (request.op) {
        case 'accept': {
          const entry = this.servers[request.listener];
          if (!entry) return this.answer(SocketStatus.CLOSED, 0), true;
          const socket = entry.queue.shift();
          if (!socket) {
            if (request.block) return false;
            return this.answer(SocketStatus.AGAIN, 0), true;
          }
          const id = this.nextConn++;
          const conn: Connection = { socket, chunks: [], ended: false, peer: `${socket.remoteAddress}:${socket.remotePort}` };
          socket.on('data', (chunk: Buffer) => {
            conn.chunks.push(chunk);
            this.poke();
          });
          socket.on('end', () => {
            conn.ended = true;
            this.poke();
          });
          socket.on('error', () => {
            conn.ended = true;
            this.poke();
          });
          this.conns.set(id, conn);
          const text = Buffer.from(`${id} ${conn.peer}`);
          this.data.set(text, 0);
          return this.answer(SocketStatus.OK, text.byteLength), true;
        }
        case 'recv': {
          const conn = this.conns.get(request.conn);
          if (!conn) return this.answer(SocketStatus.CLOSED, 0), true;
          if (conn.chunks.length === 0) {
            if (conn.ended) return this.answer(SocketStatus.OK, 0), true;
            if (request.block) return false;
            return this.answer(SocketStatus.AGAIN, 0), true;
          }
          const all = Buffer.concat(conn.chunks);
          const n = Math.min(all.byteLength, request.max);
          this.data.set(all.subarray(0, n), 0);
          conn.chunks = request.peek || n === all.byteLength ? (request.peek ? [all] : []) : [all.subarray(n)];
          return this.answer(SocketStatus.OK, n), true;
        }
        case 'send': {
          const conn = this.conns.get(request.conn);
          if (!conn || conn.socket.writableEnded) return this.answer(SocketStatus.CLOSED, 0), true;
          conn.socket.write(Buffer.from(this.data.subarray(0, request.length)));
          return this.answer(SocketStatus.OK, request.length), true;
        }
        case 'shutdown': {
          const conn = this.conns.get(request.conn);
          if (conn && request.how & 2) conn.socket.end();
          if (conn && request.how & 1) conn.ended = true;
          return this.answer(conn ? SocketStatus.OK : SocketStatus.CLOSED, 0), true;
        }
        case 'probe': {
          const ready = request.kind === 'listener'
            ? (this.servers[request.id]?.queue.length ?? 0) > 0
            : ((c) => c !== undefined && (c.chunks.length > 0 || c.ended))(this.conns.get(request.id));
          return this.answer(SocketStatus.OK, ready ? 1 : 0), true;
        }
        case 'close': {
          const conn = this.conns.get(request.conn);
          conn?.socket.end();
          this.conns.delete(request.conn);
          return this.answer(SocketStatus.OK, 0), true;
        }
      }
    };
    if (!attempt()) this.retry = attempt;
  }

  close(): void {
    this.retry = undefined;
    for (const conn of this.conns.values()) conn.socket.destroy();
    for (const entry of this.servers) {
      for (const socket of entry.queue) socket.destroy();
      entry.server.close();
    }
  }
}

/** Whether the manifest lets the host listen on `host:port` for the guest; a reason when not. */
export function listenAllowed(manifest: Manifest, host: string, port: number): string | null {
  const network = manifest.network;
  if (network.mode === 'none') return 'the policy grants no network access';
  if (network.mode === 'full') return null;
  const name = host.toLowerCase();
  const loopback = name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
  if (network.loopback && loopback) return null;
  const inRanges = (ranges: ReadonlyArray<{ from: number; to: number }>) =>
    port !== 0 && ranges.some((r) => port >= r.from && port <= r.to);
  for (const grant of network.hosts) {
    const matches = grant.host.startsWith('*.') ? name.endsWith(grant.host.slice(1)) : grant.host === name;
    if (matches && (grant.ports.length === 0 || inRanges(grant.ports))) return null;
  }
  if (inRanges(network.ports)) return null;
  return `the policy does not allow ${host}:${port}`;
}
