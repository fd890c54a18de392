// Preopened listening sockets: the host listens only where the policy allows, the guest accepts
// and talks through sock_* and fd_*, and every other use of sockets gets the right errno.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { RunStatus } from '@wsbc/runtime';
import { POLL_IMPORT, SOCKET_IMPORTS, denials, manifest, runCaptured, wat } from './helpers.js';

const IMPORTS = `
  ${SOCKET_IMPORTS}
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $set_flags (param i32 i32) (result i32)))
  ${POLL_IMPORT}
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)`;

// Accepts one connection on fd 3 and echoes it (fd_read/fd_write), then shuts it down.
const echo = `(module ${IMPORTS}
  (func (export "_start") (local $conn i32) (local $n i32)
    (if (call $accept (i32.const 3) (i32.const 0) (i32.const 100)) (then (call $exit (i32.const 10))))
    (local.set $conn (i32.load (i32.const 100)))
    (i32.store (i32.const 200) (i32.const 1000))
    (i32.store (i32.const 204) (i32.const 4096))
    (block $done (loop $more
      (br_if $done (call $fd_read (local.get $conn) (i32.const 200) (i32.const 1) (i32.const 300)))
      (local.set $n (i32.load (i32.const 300)))
      (br_if $done (i32.eqz (local.get $n)))
      (i32.store (i32.const 208) (i32.const 1000))
      (i32.store (i32.const 212) (local.get $n))
      (drop (call $send (local.get $conn) (i32.const 208) (i32.const 1) (i32.const 0) (i32.const 304)))
      (br $more)))
    (drop (call $shutdown (local.get $conn) (i32.const 2)))
    (drop (call $fd_close (local.get $conn)))
    (call $exit (i32.const 0))))`;

describe('preopened sockets', () => {
  it('lets the guest accept a connection on a granted loopback address and echo it', async () => {
    const policy = manifest({ network: { mode: 'restricted', loopback: true }, limits: { io: { readBytesPerSecond: null, writeBytesPerSecond: null } } });
    let reply = '';
    let client: Promise<void> | undefined;
    const { result, audit } = await runCaptured(await wat(echo), policy, {
      listen: [{ host: '127.0.0.1', port: 0 }],
      onListen: ([bound]) => {
        client = new Promise<void>((resolve, reject) => {
          const socket = net.connect(bound!.port, bound!.host, () => socket.end('ping over wsbc'));
          socket.on('data', (d) => (reply += d.toString()));
          socket.on('end', () => resolve());
          socket.on('error', reject);
        });
      },
    });
    await client;
    expect(result.status).toBe(0);
    expect(reply).toBe('ping over wsbc');
    expect(audit.some((r) => r.type === 'decision' && r.op === 'sock_accept' && r.outcome === 'allowed')).toBe(true);
    expect(audit.some((r) => r.type === 'decision' && r.op === 'listen' && r.outcome === 'allowed')).toBe(true);
  });

  it('waits in poll_oneoff until a connection arrives on a listener, or until the clock fires', async () => {
    // Subscriptions: [0] clock, userdata 1, relative timeout from the first argument;
    // [1] fd_read on the listener (fd 3), userdata 2. Exit code: 10 * events + userdata of the first event.
    const guest = (timeoutNs: bigint) => wat(`(module ${IMPORTS}
      (func (export "_start")
        (i64.store (i32.const 1000) (i64.const 1))
        (i32.store8 (i32.const 1008) (i32.const 0))
        (i32.store (i32.const 1016) (i32.const 1))
        (i64.store (i32.const 1024) (i64.const ${timeoutNs}))
        (i64.store (i32.const 1048) (i64.const 2))
        (i32.store8 (i32.const 1056) (i32.const 1))
        (i32.store (i32.const 1064) (i32.const 3))
        (drop (call $poll (i32.const 1000) (i32.const 2000) (i32.const 2) (i32.const 300)))
        (call $exit (i32.add (i32.mul (i32.load (i32.const 300)) (i32.const 10)) (i32.load (i32.const 2000))))))`);
    const policy = manifest({ network: { mode: 'restricted', loopback: true }, limits: { time: { maxIdleMs: 20_000 } } });
    let socket: net.Socket | undefined;
    const connected = await runCaptured(await guest(20_000_000_000n), policy, {
      listen: [{ host: '127.0.0.1', port: 0 }],
      onListen: ([bound]) => {
        setTimeout(() => (socket = net.connect(bound!.port, bound!.host)), 100);
      },
    });
    socket?.destroy();
    expect(connected.result.status).toBe(12);
    const timedOut = await runCaptured(await guest(50_000_000n), policy, { listen: [{ host: '127.0.0.1', port: 0 }] });
    expect(timedOut.result.status).toBe(11);
  });

  it('refuses to listen where the policy does not allow it', async () => {
    const none = await runCaptured(await wat(echo), manifest(), { listen: [{ host: '127.0.0.1', port: 0 }] });
    expect(none.result.status).toBe(RunStatus.Refused);
    expect(none.result.diagnostics[0]).toMatchObject({ code: 'run/listen-not-allowed' });
    expect(denials(none.audit)).toMatchObject([{ capability: 'network', op: 'listen' }]);
    const otherHost = manifest({ network: { mode: 'restricted', hosts: [{ host: 'api.example.com', ports: [{ from: 443, to: 443 }] }] } });
    const wrong = await runCaptured(await wat(echo), otherHost, { listen: [{ host: '127.0.0.1', port: 8443 }] });
    expect(wrong.result.diagnostics[0]).toMatchObject({ code: 'run/listen-not-allowed' });
    const portOnly = manifest({ network: { mode: 'restricted', ports: [{ from: 9000, to: 9100 }] } });
    const ephemeral = await runCaptured(await wat(echo), portOnly, { listen: [{ host: '127.0.0.1', port: 0 }] });
    expect(ephemeral.result.diagnostics[0]).toMatchObject({ code: 'run/listen-not-allowed' });
  });

  it('gives EAGAIN, ENOTSOCK, ENOTCONN and EBADF where they belong', async () => {
    const policy = manifest({ network: { mode: 'restricted', loopback: true } });
    const bytes = await wat(`(module ${IMPORTS}
      (global $n (mut i32) (i32.const 0))
      (func $r (param i32) (i32.store8 (i32.add (i32.const 500) (global.get $n)) (local.get 0)) (global.set $n (i32.add (global.get $n) (i32.const 1))))
      (func (export "_start")
        (call $r (call $set_flags (i32.const 3) (i32.const 4)))
        (call $r (call $accept (i32.const 3) (i32.const 0) (i32.const 100)))
        (call $r (call $accept (i32.const 1) (i32.const 0) (i32.const 100)))
        (call $r (call $recv (i32.const 3) (i32.const 200) (i32.const 0) (i32.const 0) (i32.const 300) (i32.const 304)))
        (call $r (call $accept (i32.const 42) (i32.const 0) (i32.const 100)))
        (call $r (call $accept (i32.const 3) (i32.const 64) (i32.const 100)))
        (i32.store (i32.const 0) (i32.const 500))
        (i32.store (i32.const 4) (global.get $n))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
    const { stdoutBytes } = await runCaptured(bytes, policy, { listen: [{ host: '127.0.0.1', port: 0 }] });
    // set nonblocking ok; accept with nothing waiting EAGAIN(6); stdout ENOTSOCK(57); recv on a listener ENOTCONN(53); EBADF(8); bad flags EINVAL(28)
    expect([...stdoutBytes]).toEqual([0, 6, 57, 53, 8, 28]);
  });
});
