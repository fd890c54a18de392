// Host side of the preopened listening sockets (see socket-channel.ts for the protocol): the
// servers and connections live on the host thread and answer the worker's blocking requests.
// Kept apart from the worker's side so that the worker never loads node:net.
import net from 'node:net';
import { cleanHostName, type Manifest } from '@wsbc/manifest';
import { SocketStatus, State, type SocketChannel, type SocketRequest } from './socket-channel.js';

interface Connection {
  socket: net.Socket;
  chunks: Buffer[];
  /** Bytes in `chunks`. */
  buffered: number;
  /** No more bytes will come: the peer ended or failed, or the guest shut reading down. */
  ended: boolean;
  /** The peer ended its side or the connection failed (poll's hang-up). */
  hungUp: boolean;
  /** The guest closed its descriptor. */
  closed: boolean;
  peer: string;
}

/**
 * Bytes a connection holds for the guest, and bytes of the guest's waiting at the host, past
 * which the host stops taking more: reading pauses (TCP's flow control then holds the peer back,
 * as a full receive buffer does) and a send waits ('again' when non-blocking), so that neither a
 * peer nor the guest can make the host's heap grow without bound.
 */
export const SOCKET_BUFFER_BYTES = 1024 * 1024;

/** Host side: the listening servers and their connections. */
export class SocketHost {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly servers: Array<{ server: net.Server; queue: Connection[] }> = [];
  private readonly conns = new Map<number, Connection>();
  /** Connections the guest closed whose sockets have not closed yet (ended at close()). */
  private readonly closing = new Set<Connection>();
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
      const entry = { server: net.createServer({ allowHalfOpen: true }), queue: [] as Connection[] };
      entry.server.on('connection', (socket) => {
        entry.queue.push(this.track(socket));
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

  /**
   * Follows a connection from the moment it arrives: one still waiting for sock_accept can fail
   * (the peer resets it), and a socket's error without a listener is an uncaught exception that
   * would end the host's process.
   */
  private track(socket: net.Socket): Connection {
    const conn: Connection = {
      socket, chunks: [], buffered: 0, ended: false, hungUp: false, closed: false, peer: `${socket.remoteAddress}:${socket.remotePort}`,
    };
    socket.on('data', (chunk: Buffer) => {
      // A closed descriptor reads nothing more: like Linux, answer the peer's further bytes with a reset.
      if (conn.closed) return void socket.resetAndDestroy();
      conn.chunks.push(chunk);
      conn.buffered += chunk.byteLength;
      if (conn.buffered >= SOCKET_BUFFER_BYTES) socket.pause();
      this.poke();
    });
    const hangUp = (): void => {
      conn.ended = true;
      conn.hungUp = true;
      this.poke();
    };
    socket.on('end', hangUp);
    socket.on('error', hangUp);
    socket.on('drain', () => this.poke());
    socket.on('close', () => {
      this.closing.delete(conn);
      hangUp();
    });
    return conn;
  }

  /** The first `max` bytes a connection holds, taken off it unless `peek`. */
  private take(conn: Connection, max: number, peek: boolean): Buffer {
    const first = conn.chunks[0]!;
    const out = first.byteLength >= max ? first.subarray(0, max) : Buffer.concat(conn.chunks, Math.min(max, conn.buffered));
    if (peek) return out;
    let left = out.byteLength;
    while (left > 0) {
      const head = conn.chunks[0]!;
      if (head.byteLength > left) {
        conn.chunks[0] = head.subarray(left);
        break;
      }
      conn.chunks.shift();
      left -= head.byteLength;
    }
    conn.buffered -= out.byteLength;
    if (conn.buffered < SOCKET_BUFFER_BYTES && conn.socket.isPaused() && !conn.closed) conn.socket.resume();
    return out;
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

  /** Whether a send to the connection fails (EPIPE): the guest shut writing down, or the connection is gone. */
  private static broken(conn: Connection): boolean {
    return conn.socket.writableEnded || conn.socket.destroyed;
  }

  handle(request: SocketRequest): void {
    const attempt = (): boolean => {
      switch (request.op) {
        case 'accept': {
          const entry = this.servers[request.listener];
          if (!entry) return this.answer(SocketStatus.CLOSED, 0), true;
          const conn = entry.queue.shift();
          if (!conn) {
            if (request.block) return false;
            return this.answer(SocketStatus.AGAIN, 0), true;
          }
          const id = this.nextConn++;
          this.conns.set(id, conn);
          const text = Buffer.from(`${id} ${conn.peer}`);
          this.data.set(text, 0);
          return this.answer(SocketStatus.OK, text.byteLength), true;
        }
        case 'recv': {
          const conn = this.conns.get(request.conn);
          if (!conn) return this.answer(SocketStatus.CLOSED, 0), true;
          if (conn.buffered === 0) {
            if (conn.ended) return this.answer(SocketStatus.OK, 0), true;
            if (request.block) return false;
            return this.answer(SocketStatus.AGAIN, 0), true;
          }
          const bytes = this.take(conn, request.max, request.peek);
          this.data.set(bytes, 0);
          return this.answer(SocketStatus.OK, bytes.byteLength), true;
        }
        case 'send': {
          const conn = this.conns.get(request.conn);
          if (!conn || SocketHost.broken(conn)) return this.answer(SocketStatus.CLOSED, 0), true;
          if (conn.socket.writableLength >= SOCKET_BUFFER_BYTES) {
            if (request.block) return false;
            return this.answer(SocketStatus.AGAIN, 0), true;
          }
          conn.socket.write(Buffer.from(this.data.subarray(0, request.length)));
          return this.answer(SocketStatus.OK, request.length), true;
        }
        case 'shutdown': {
          const conn = this.conns.get(request.conn);
          if (conn && request.how & 2) conn.socket.end();
          if (conn && request.how & 1) conn.ended = true;
          if (conn) this.poke();
          return this.answer(conn ? SocketStatus.OK : SocketStatus.CLOSED, 0), true;
        }
        case 'probe': {
          // Not ready: AGAIN. Ready: OK with the bytes held (connections waiting, for a listener),
          // or ENDED when the peer hung up.
          if (request.kind === 'listener') {
            const waiting = this.servers[request.id]?.queue.length ?? 0;
            return this.answer(waiting > 0 ? SocketStatus.OK : SocketStatus.AGAIN, waiting), true;
          }
          const conn = this.conns.get(request.id);
          if (!conn) return this.answer(SocketStatus.CLOSED, 0), true;
          const status = conn.hungUp ? SocketStatus.ENDED : SocketStatus.OK;
          if (request.kind === 'send') {
            const writable = SocketHost.broken(conn) || conn.socket.writableLength < SOCKET_BUFFER_BYTES;
            return this.answer(writable ? status : SocketStatus.AGAIN, 0), true;
          }
          const readable = conn.buffered > 0 || conn.ended;
          return this.answer(readable ? status : SocketStatus.AGAIN, Math.min(conn.buffered, 0x7fffffff)), true;
        }
        case 'close': {
          const conn = this.conns.get(request.conn);
          this.conns.delete(request.conn);
          if (conn) {
            conn.closed = true;
            // Unread bytes make close(2) reset the connection on Linux; otherwise the peer gets
            // the end of the stream after what the guest sent.
            if (conn.buffered > 0) conn.socket.resetAndDestroy();
            else {
              conn.socket.end();
              conn.socket.resume();
              if (!conn.socket.destroyed) this.closing.add(conn);
            }
            conn.chunks = [];
            conn.buffered = 0;
          }
          return this.answer(SocketStatus.OK, 0), true;
        }
      }
    };
    if (!attempt()) this.retry = attempt;
  }

  close(): void {
    this.retry = undefined;
    for (const conn of this.conns.values()) conn.socket.destroy();
    for (const conn of this.closing) conn.socket.destroy();
    this.closing.clear();
    for (const entry of this.servers) {
      for (const conn of entry.queue) conn.socket.destroy();
      entry.server.close();
    }
  }
}

/** Whether the manifest lets the host listen on `host:port` for the guest; a reason when not. */
export function listenAllowed(manifest: Manifest, host: string, port: number): string | null {
  const network = manifest.network;
  if (network.mode === 'none') return 'the policy grants no network access';
  if (network.mode === 'full') return null;
  // Spelled as grants are (case, a trailing dot, IPv6 in its canonical form), or `0::1` would miss `::1`.
  const name = cleanHostName(host);
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
