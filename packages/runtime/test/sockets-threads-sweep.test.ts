// Review sweep of preopened sockets and wasi-threads against WASI preview1 (witx) and Linux:
// each test names a behaviour a program relies on and that the runtime once got wrong.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { run } from '@wsbc/runtime';
import { POLL_IMPORT, SLEEP_FN, SOCKET_IMPORTS, manifest, runCaptured, threadGuest, wat } from './helpers.js';

const IMPORTS = `
  ${SOCKET_IMPORTS}
  ${POLL_IMPORT}
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))`;

/**
 * A socket guest: `body` is _start's body, with $conn (a local) set to the accepted connection
 * (accept flags `acceptFlags`), $sleep(sub, ns) (sub 8192), $send1(ptr, len) -> errno,
 * $recv1(ptr, len, flags) -> errno (count at 304, ro_flags at 308) and $say(byte) (one byte on
 * stdout). Memory: 0-1023 free, 1024 a 64 KiB buffer on, 4 pages in all.
 */
const socketGuest = (body: string, acceptFlags = 0) => wat(`(module ${IMPORTS}
  (memory (export "memory") 4)
  (global $c (mut i32) (i32.const 0))
  ${SLEEP_FN}
  (func $send1 (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 208) (local.get $ptr))
    (i32.store (i32.const 212) (local.get $len))
    (call $send (global.get $c) (i32.const 208) (i32.const 1) (i32.const 0) (i32.const 300)))
  (func $recv1 (param $ptr i32) (param $len i32) (param $flags i32) (result i32)
    (i32.store (i32.const 200) (local.get $ptr))
    (i32.store (i32.const 204) (local.get $len))
    (call $recv (global.get $c) (i32.const 200) (i32.const 1) (local.get $flags) (i32.const 304) (i32.const 308)))
  (func $say (param $b i32)
    (i32.store8 (i32.const 180) (local.get $b))
    (i32.store (i32.const 184) (i32.const 180))
    (i32.store (i32.const 188) (i32.const 1))
    (drop (call $fd_write (i32.const 1) (i32.const 184) (i32.const 1) (i32.const 192))))
  (func (export "_start") (local $conn i32) (local $n i32) (local $i i32) (local $e i32)
    (if (call $accept (i32.const 3) (i32.const ${acceptFlags}) (i32.const 100)) (then (call $exit (i32.const 100))))
    (local.set $conn (i32.load (i32.const 100)))
    (global.set $c (local.get $conn))
    ${body}))`);

const netPolicy = (limits: Record<string, unknown> = {}) => manifest({
  network: { mode: 'restricted', loopback: true },
  limits: { io: { readBytesPerSecond: null, writeBytesPerSecond: null, maxReadBytes: 64 * 1024 * 1024, maxWriteBytes: 64 * 1024 * 1024 }, time: { maxTotalMs: 20_000, maxIdleMs: 10_000 }, ...limits },
});
const LISTEN = [{ host: '127.0.0.1', port: 0 }];

describe('sockets', () => {
  it('survives a client that resets its connection before the guest accepts it', async () => {
    const guest = await socketGuest(`
      (block $done (loop $more
        (br_if $done (call $recv1 (i32.const 1024) (i32.const 100) (i32.const 0)))
        (br_if $more (i32.load (i32.const 304)))))
      (call $exit (i32.const 0))`);
    let resetDone: Promise<void> | undefined;
    const { result } = await runCaptured(guest, netPolicy(), {
      listen: LISTEN,
      onListen: ([bound]) => {
        resetDone = new Promise((resolve) => {
          const socket = net.connect(bound!.port, bound!.host, () => {
            socket.resetAndDestroy();
            resolve();
          });
          socket.on('error', () => undefined);
        });
      },
    });
    await resetDone;
    expect(result.status).toBe(0);
  });

  it('gives EPIPE to a send on a connection whose peer has closed, not success forever', async () => {
    // Reads to the end, then sends a byte every 20 ms (50 at most): exit with the first errno.
    const guest = await socketGuest(`
      (block $done (loop $more
        (br_if $done (call $recv1 (i32.const 1024) (i32.const 100) (i32.const 0)))
        (br_if $more (i32.load (i32.const 304)))))
      (loop $again
        (local.set $e (call $send1 (i32.const 1024) (i32.const 1)))
        (if (local.get $e) (then (call $exit (local.get $e))))
        (call $sleep (i32.const 8192) (i64.const 20000000))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $again (i32.lt_u (local.get $i) (i32.const 50))))
      (call $exit (i32.const 0))`);
    const { result } = await runCaptured(guest, netPolicy(), {
      listen: LISTEN,
      onListen: ([bound]) => {
        const socket = net.connect(bound!.port, bound!.host, () => {
          socket.write('x');
          socket.destroy();
        });
        socket.on('error', () => undefined);
      },
    });
    expect(result.exitCode).toBe(64); // EPIPE
  });

  it('reports the bytes a connection holds and its hang-up in poll_oneoff', async () => {
    // After the client sent "hello" and ended: one fd_read event; exit nbytes * 10 + flags.
    const guest = await socketGuest(`
      (call $sleep (i32.const 8192) (i64.const 200000000))
      (i64.store (i32.const 400) (i64.const 7))
      (i32.store8 (i32.const 408) (i32.const 1))
      (i32.store (i32.const 416) (local.get $conn))
      (drop (call $poll (i32.const 400) (i32.const 500) (i32.const 1) (i32.const 600)))
      (if (i32.ne (i32.load (i32.const 600)) (i32.const 1)) (then (call $exit (i32.const 99))))
      (call $exit (i32.add (i32.mul (i32.wrap_i64 (i64.load (i32.const 516))) (i32.const 10)) (i32.load16_u (i32.const 524))))`);
    const { result } = await runCaptured(guest, netPolicy(), {
      listen: LISTEN,
      onListen: ([bound]) => {
        const socket = net.connect(bound!.port, bound!.host, () => socket.end('hello'));
        socket.on('error', () => undefined);
      },
    });
    expect(result.exitCode).toBe(51);
  });

  it('waits for the whole request with RECV_WAITALL, and reports no truncation on a stream', async () => {
    // recv of 6 bytes with waitall while the client sends "abc", then "def" 100 ms later;
    // exit count * 10 + ro_flags.
    const guest = await socketGuest(`
      (i32.store16 (i32.const 308) (i32.const 0xffff))
      (if (call $recv1 (i32.const 1024) (i32.const 6) (i32.const 2)) (then (call $exit (i32.const 99))))
      (call $exit (i32.add (i32.mul (i32.load (i32.const 304)) (i32.const 10)) (i32.load16_u (i32.const 308))))`);
    const { result } = await runCaptured(guest, netPolicy(), {
      listen: LISTEN,
      onListen: ([bound]) => {
        const socket = net.connect(bound!.port, bound!.host, () => {
          socket.write('abc');
          setTimeout(() => socket.end('def'), 100);
        });
        socket.on('error', () => undefined);
      },
    });
    expect(result.exitCode).toBe(60);
  });

  it('resets a connection the guest closed when its peer goes on sending', async () => {
    const guest = await socketGuest(`
      (drop (call $fd_close (local.get $conn)))
      (call $sleep (i32.const 8192) (i64.const 1000000000))
      (call $say (i32.const 0x2e))
      (call $exit (i32.const 0))`);
    let peerFailed = false;
    let failedBeforeEnd: boolean | undefined;
    let timer: NodeJS.Timeout | undefined;
    const { result } = await run(guest, {
      policy: netPolicy(), env: {}, audit: 'off', listen: LISTEN,
      stdout: { write: () => { failedBeforeEnd = peerFailed; } },
      onListen: ([bound]) => {
        const socket = net.connect({ port: bound!.port, host: bound!.host, allowHalfOpen: true }, () => {
          timer = setInterval(() => { if (!socket.destroyed) socket.write(Buffer.alloc(16 * 1024)); }, 5);
        });
        socket.on('error', () => (peerFailed = true));
        socket.on('close', () => { peerFailed = true; clearInterval(timer); });
      },
    }).then((r) => ({ result: r }));
    clearInterval(timer);
    expect(result.status).toBe(0);
    expect(failedBeforeEnd).toBe(true);
  });

  it('stops taking a peer\'s bytes into host memory while the guest does not read them', async () => {
    // The client writes 32 MiB at once; the guest sleeps 500 ms and prints. By then, bytes
    // must still wait at the client: TCP flow control, not the host's heap, holds them.
    const guest = await socketGuest(`
      (call $sleep (i32.const 8192) (i64.const 500000000))
      (call $say (i32.const 0x2e))
      (call $exit (i32.const 0))`);
    let client: net.Socket | undefined;
    let waitingAtClient = -1;
    await run(guest, {
      policy: netPolicy(), env: {}, audit: 'off', listen: LISTEN,
      stdout: { write: () => { waitingAtClient = client?.writableLength ?? -1; } },
      onListen: ([bound]) => {
        client = net.connect(bound!.port, bound!.host, () => client!.write(Buffer.alloc(32 * 1024 * 1024)));
        client.on('error', () => undefined);
      },
    });
    client?.destroy();
    expect(waitingAtClient).toBeGreaterThan(0);
  });

  it('gives EAGAIN to a non-blocking send once a peer that does not read has its fill', async () => {
    // Sends 64 KiB at a time, 1024 times at most (64 MiB), on a non-blocking connection to a
    // peer that reads nothing; exit with the first errno (0: all sent, queued in host memory).
    const guest = await socketGuest(`
      (loop $again
        (local.set $e (call $send1 (i32.const 1024) (i32.const 65536)))
        (if (local.get $e) (then (call $exit (local.get $e))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $again (i32.lt_u (local.get $i) (i32.const 1024))))
      (call $exit (i32.const 0))`, 4);
    let client: net.Socket | undefined;
    const { result } = await runCaptured(guest, netPolicy({ io: { readBytesPerSecond: null, writeBytesPerSecond: null, maxWriteBytes: 128 * 1024 * 1024 } }), {
      listen: LISTEN,
      onListen: ([bound]) => {
        client = net.connect(bound!.port, bound!.host, () => client!.pause());
        client.on('error', () => undefined);
      },
    });
    client?.destroy();
    expect(result.exitCode).toBe(6); // EAGAIN
  });

  it('carries 10 MiB each way intact', async () => {
    // Echo until the client's end, 64 KiB at a time, then shut down the write side.
    const guest = await socketGuest(`
      (block $done (loop $more
        (br_if $done (call $recv1 (i32.const 1024) (i32.const 65536) (i32.const 0)))
        (local.set $n (i32.load (i32.const 304)))
        (br_if $done (i32.eqz (local.get $n)))
        (if (call $send1 (i32.const 1024) (local.get $n)) (then (call $exit (i32.const 98))))
        (br_if $more (i32.eq (i32.load (i32.const 300)) (local.get $n)))
        (call $exit (i32.const 97))))
      (drop (call $shutdown (local.get $conn) (i32.const 2)))
      (call $exit (i32.const 0))`);
    const payload = randomBytes(10 * 1024 * 1024);
    let echoed: Promise<Buffer> | undefined;
    const { result } = await runCaptured(guest, netPolicy(), {
      listen: LISTEN,
      onListen: ([bound]) => {
        echoed = new Promise((resolve, reject) => {
          const parts: Buffer[] = [];
          const socket = net.connect(bound!.port, bound!.host, () => socket.end(payload));
          socket.on('data', (d) => parts.push(d));
          socket.on('end', () => resolve(Buffer.concat(parts)));
          socket.on('error', reject);
        });
      },
    });
    expect(result.status).toBe(0);
    const back = await echoed!;
    expect(back.byteLength).toBe(payload.byteLength);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
  }, 30_000);

  it('ends reads and writes after shutdown: EPIPE after WR (twice is fine), EOF after RD', async () => {
    // Bytes on stdout: send after shutdown(WR), shutdown(WR) again, shutdown(RD), recv then, its count.
    const guest = await socketGuest(`
      (call $say (call $shutdown (local.get $conn) (i32.const 2)))
      (call $say (call $send1 (i32.const 1024) (i32.const 1)))
      (call $say (call $shutdown (local.get $conn) (i32.const 2)))
      (call $say (call $shutdown (local.get $conn) (i32.const 1)))
      (call $say (call $recv1 (i32.const 1024) (i32.const 10) (i32.const 0)))
      (call $say (i32.load (i32.const 304)))
      (call $exit (i32.const 0))`);
    let client: net.Socket | undefined;
    const { stdoutBytes } = await runCaptured(guest, netPolicy(), {
      listen: LISTEN,
      onListen: ([bound]) => {
        client = net.connect({ port: bound!.port, host: bound!.host, allowHalfOpen: true });
        client.on('error', () => undefined);
      },
    });
    client?.destroy();
    expect([...stdoutBytes]).toEqual([0, 64, 0, 0, 0, 0]);
  });
});

describe('threads', () => {
  const imports = `
    (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
    ${POLL_IMPORT}`;
  const threadsNetPolicy = manifest({
    network: { mode: 'restricted', loopback: true },
    limits: { cpu: { maxThreads: 4, usagePercent: 100 }, time: { maxTotalMs: 20_000, maxIdleMs: 10_000 } },
  });

  it('ends the run promptly when a thread exits while another waits in sock_accept', async () => {
    const module = await wat(threadGuest(`
      (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
        (call $sleep (i32.const 8192) (i64.const 100000000))
        (call $proc_exit (i32.const 7)))
      (func (export "_start")
        (drop (call $spawn (i32.const 0)))
        (drop (call $accept (i32.const 3) (i32.const 0) (i32.const 600)))
        (call $proc_exit (i32.const 1)))
      ${SLEEP_FN}`, imports));
    let fallback: NodeJS.Timeout | undefined;
    let connected = false;
    const result = await run(module, {
      policy: threadsNetPolicy, env: {}, audit: 'off', listen: LISTEN,
      stdout: { write: () => undefined }, stderr: { write: () => undefined },
      onListen: ([bound]) => {
        fallback = setTimeout(() => {
          connected = true;
          net.connect(bound!.port, bound!.host).on('error', () => undefined).destroy();
        }, 4_000);
      },
    });
    clearTimeout(fallback);
    expect(result.exitCode).toBe(7);
    expect(connected).toBe(false);
  }, 15_000);
});
