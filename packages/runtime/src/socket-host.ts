// Host side of the preopened listening sockets (see socket-channel.ts for the protocol): the
// servers and connections live on the host thread and answer the worker's blocking requests.
// Kept apart from the worker's side so that the worker never loads node:net.
import net from 'node:net';
import type { Manifest } from '@wsbc/manifest';
import { SocketStatus, State, type SocketChannel, type SocketRequest } from './socket-channel.js';

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
