// The escape suite: every attempt to leave the sandbox gets the right errno and an audit record,
// and nothing outside the preopens is read, written or created.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRELUDE, denials, manifest, runCaptured, tempDir, wat } from './helpers.js';

const wasm = (name: string) => path.join(import.meta.dirname, 'conformance/wasm', `${name}.wasm`);

function sandboxLayout() {
  const root = tempDir('wsbc-escape-');
  const data = path.join(root, 'data');
  const ro = path.join(root, 'ro');
  const outside = path.join(root, 'outside');
  const data2 = path.join(root, 'data2');
  for (const d of [data, ro, outside, data2]) fs.mkdirSync(d);
  fs.writeFileSync(path.join(outside, 'secret'), 'OUTSIDE');
  fs.mkdirSync(path.join(data, 'a'));
  fs.writeFileSync(path.join(ro, 'file'), 'read-only content\n');
  fs.symlinkSync(outside, path.join(data, 'hostlink'));
  fs.symlinkSync('../outside', path.join(data, 'rel'));
  const policy = manifest({
    filesystem: {
      preopens: [
        { hostPath: data, guestPath: '/data', read: true, write: true, create: true, delete: true },
        { hostPath: ro, guestPath: '/ro', read: true },
        { hostPath: data2, guestPath: '/data2', read: true, write: true, create: true, delete: true },
      ],
    },
    limits: { io: { readBytesPerSecond: null, writeBytesPerSecond: null } },
  });
  return { root, data, ro, outside, policy };
}

describe('escape suite', () => {
  it('refuses traversal, absolute paths, planted symlinks, cross-preopen moves and forged fds', async () => {
    const { data, ro, outside, policy } = sandboxLayout();
    const { result, stdout, audit } = await runCaptured(wasm('escape'), policy);
    expect(stdout).toBe([
      'dotdot: ENOTCAPABLE',
      'deep dotdot: ENOTCAPABLE',
      'absolute via raw path_open: ENOTCAPABLE',
      'dotdot via raw path_open: ENOTCAPABLE',
      'host absolute symlink: ENOTCAPABLE',
      'host relative symlink: ENOTCAPABLE',
      'stat through symlink: ENOTCAPABLE',
      'plant absolute symlink: ENOTCAPABLE',
      'plant escaping symlink: ENOTCAPABLE',
      'plant sneaky symlink: ENOTCAPABLE',
      'symlink loop: ELOOP',
      'rename into read-only preopen: ENOTCAPABLE',
      'link from read-only preopen: ENOTCAPABLE',
      'rename across preopens: EXDEV',
      'link across preopens: EXDEV',
      // wasi-libc reports the ENOTCAPABLE of fd_write on a descriptor without FD_WRITE as EBADF.
      'write read-only preopen: EBADF',
      'truncate read-only file: ENOTCAPABLE',
      'create in read-only preopen: ENOTCAPABLE',
      'unlink in read-only preopen: ENOTCAPABLE',
      'mkdir in read-only preopen: ENOTCAPABLE',
      'forged fd: EBADF',
      'renumber over preopen: ok',
      'path_open on renumbered fd: ENOTDIR',
      'gain rights: ENOTCAPABLE',
      'dotdot above a directory fd: ENOTCAPABLE',
      'read-only read: read-only content',
      '',
      '',
    ].join('\n'));
    expect(result.status).toBe(0);
    // Nothing outside changed; the read-only preopen is intact.
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    expect(fs.readdirSync(ro)).toEqual(['file']);
    expect(fs.readFileSync(path.join(ro, 'file'), 'utf8')).toBe('read-only content\n');
    expect(fs.readdirSync(data).sort()).toEqual(['a', 'hostlink', 'loop', 'rel', 'sub', 'victim']);
    // Every refused capability is in the audit log with its errno.
    const denied = denials(audit).map((d) => `${d.op}:${d.errno}`);
    expect(denied.filter((d) => d === 'path_open:notcapable').length).toBeGreaterThanOrEqual(8);
    expect(denied).toContain('path_filestat_get:notcapable');
    expect(denied.filter((d) => d === 'path_symlink:notcapable')).toHaveLength(3);
    expect(denied).toContain('path_rename:xdev');
    expect(denied).toContain('path_link:xdev');
    expect(denied).toContain('path_unlink_file:notcapable');
    expect(denied).toContain('fd_write:notcapable');
    expect(denied).toContain('path_create_directory:notcapable');
    expect(denied).toContain('fd_fdstat_set_rights:notcapable');
    for (const d of denials(audit)) expect(d.reason).toBeTruthy();
  });

  it('never lets a symlink race redirect an open outside the preopen', async () => {
    const { data, outside, policy } = sandboxLayout();
    const swap = path.join(data, 'swap');
    const inside = path.join(data, 'inside');
    fs.mkdirSync(inside);
    fs.writeFileSync(path.join(inside, 'secret'), 'inside');
    fs.symlinkSync('inside', swap);
    // The host flips /data/swap between a link to the inside directory and one to ../outside
    // (relative, so only the per-operation pin can catch it) as fast as it can while the guest opens.
    let flips = 0;
    let running = true;
    const flipper = (async () => {
      while (running) {
        const tmp = `${swap}.tmp`;
        fs.rmSync(tmp, { force: true });
        fs.symlinkSync(flips % 2 === 0 ? '../outside' : 'inside', tmp);
        fs.renameSync(tmp, swap);
        flips++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const { result, stdout } = await runCaptured(wasm('race'), policy, { args: ['3000'], audit: 'off' });
    running = false;
    await flipper;
    expect(stdout).toMatch(/^inside=\d+ refused=\d+ outside=0\n$/);
    expect(result.status).toBe(0);
    expect(flips).toBeGreaterThan(10);
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('OUTSIDE');
  });

  it('refuses to open FIFOs and other special files that could block the guest or reach devices', async () => {
    const { execFileSync } = await import('node:child_process');
    const { data, policy } = sandboxLayout();
    execFileSync('mkfifo', [path.join(data, 'pipe')]);
    fs.symlinkSync('/dev/zero', path.join(data, 'zero'));
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (data (i32.const 100) "pipe")
      (data (i32.const 200) "zero")
      (func (export "_start")
        (call $exit (i32.add
          (i32.mul (call $open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 4) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 300)) (i32.const 100))
          (call $open (i32.const 3) (i32.const 1) (i32.const 200) (i32.const 4) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 300))))))`);
    const { result, audit } = await runCaptured(bytes, policy);
    // FIFO: EACCES (2); absolute symlink to a device: ENOTCAPABLE (76); the guest's raw exit code is 2 * 100 + 76.
    expect(result.exitCode).toBe(2 * 100 + 76);
    expect(denials(audit).map((d) => `${d.op}:${d.errno}`)).toEqual(['path_open:acces', 'path_open:notcapable']);
  });

  it('does not create files through dangling symlinks that point outside', async () => {
    const { data, outside, policy } = sandboxLayout();
    fs.symlinkSync('../outside/created', path.join(data, 'dangling'));
    fs.symlinkSync(path.join(outside, 'created-abs'), path.join(data, 'dangling-abs'));
    // path_open(3, dirflags, "<name>", O_CREAT, fd_write) with and without symlink_follow.
    const open = (name: number, len: number, follow: number) =>
      `(call $open (i32.const 3) (i32.const ${follow}) (i32.const ${name}) (i32.const ${len}) (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 900))`;
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 100) "dangling")
      (data (i32.const 200) "dangling-abs")
      (func (export "_start")
        (i32.store8 (i32.const 500) ${open(100, 8, 1)})
        (i32.store8 (i32.const 501) ${open(100, 8, 0)})
        (i32.store8 (i32.const 502) ${open(200, 12, 1)})
        (i32.store8 (i32.const 503) ${open(200, 12, 0)})
        (i32.store (i32.const 0) (i32.const 500))
        (i32.store (i32.const 4) (i32.const 4))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
    const { stdoutBytes } = await runCaptured(bytes, policy);
    // follow: ENOTCAPABLE (76); no follow: the final symlink is not followed, ELOOP (32).
    expect([...stdoutBytes]).toEqual([76, 32, 76, 32]);
    expect(fs.readdirSync(outside)).toEqual(['secret']);
  });

  it('refuses to create, rename, link or delete through a symlinked directory that points outside', async () => {
    const { data, outside, policy } = sandboxLayout();
    fs.writeFileSync(path.join(data, 'victim'), 'v');
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "path_rename" (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "path_link" (func $link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 100) "rel/d")
      (data (i32.const 200) "victim")
      (data (i32.const 300) "rel/moved")
      (data (i32.const 400) "hostlink/secret")
      (data (i32.const 600) "x")
      (func (export "_start")
        (i32.store8 (i32.const 500) (call $mkdir (i32.const 3) (i32.const 100) (i32.const 5)))
        (i32.store8 (i32.const 501) (call $rename (i32.const 3) (i32.const 200) (i32.const 6) (i32.const 3) (i32.const 300) (i32.const 9)))
        (i32.store8 (i32.const 502) (call $link (i32.const 3) (i32.const 0) (i32.const 200) (i32.const 6) (i32.const 3) (i32.const 300) (i32.const 9)))
        (i32.store8 (i32.const 503) (call $symlink (i32.const 600) (i32.const 1) (i32.const 3) (i32.const 300) (i32.const 9)))
        (i32.store8 (i32.const 504) (call $unlink (i32.const 3) (i32.const 400) (i32.const 15)))
        (i32.store (i32.const 0) (i32.const 500))
        (i32.store (i32.const 4) (i32.const 5))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
    const { stdoutBytes, audit } = await runCaptured(bytes, policy);
    expect([...stdoutBytes]).toEqual([76, 76, 76, 76, 76]);
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    expect(fs.readFileSync(path.join(data, 'victim'), 'utf8')).toBe('v');
    expect(denials(audit).map((d) => d.op)).toEqual(['path_create_directory', 'path_rename', 'path_link', 'path_symlink', 'path_unlink_file']);
  });

  it('returns EFAULT for out-of-bounds pointers and iovecs, never a host exception', async () => {
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
      (memory (export "memory") 1)
      (global $i (mut i32) (i32.const 0))
      (func $result (param i32)
        ;; records each errno as a byte at 1000 + i
        (i32.store8 (i32.add (i32.const 1000) (global.get $i)) (local.get 0))
        (global.set $i (i32.add (global.get $i) (i32.const 1))))
      (func (export "_start")
        ;; iovec array itself out of bounds
        (call $result (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 16)))
        ;; iovec whose buffer runs past the end (huge length)
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 0xffffffff))
        (call $result (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
        ;; buffer pointer at 0xfffffff0 (negative as i32: must be read unsigned)
        (i32.store (i32.const 0) (i32.const 0xfffffff0))
        (i32.store (i32.const 4) (i32.const 4))
        (call $result (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
        ;; result pointer out of bounds
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 1))
        (call $result (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 65535)))
        ;; iovec count so large its array wraps around
        (call $result (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x20000000) (i32.const 16)))
        ;; out-of-bounds results of args_sizes_get and random_get
        (call $result (call $args_sizes_get (i32.const 65534) (i32.const 0)))
        (call $result (call $random_get (i32.const 65000) (i32.const 1000)))
        ;; overlapping iovecs read from stdin into the same bytes: fine, no host error
        (i32.store (i32.const 0) (i32.const 200))
        (i32.store (i32.const 4) (i32.const 8))
        (i32.store (i32.const 8) (i32.const 204))
        (i32.store (i32.const 12) (i32.const 8))
        (call $result (call $fd_read (i32.const 0) (i32.const 0) (i32.const 2) (i32.const 16)))
        ;; print the errno bytes as digits-free raw bytes: write 8 bytes from 1000
        (i32.store (i32.const 0) (i32.const 1000))
        (i32.store (i32.const 4) (i32.const 8))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
        (call $proc_exit (i32.load (i32.const 16)))))`);
    const { result, stdoutBytes, audit } = await runCaptured(bytes, manifest(), { stdin: 'abcdefghijkl' });
    const errnos = [...stdoutBytes];
    // EFAULT = 21; EINVAL = 28 for the wrapping count (more than IOV_MAX iovecs); 0 for the overlapping read.
    expect(errnos).toEqual([21, 21, 21, 21, 28, 21, 21, 0]);
    // Every EFAULT is in the audit log as a denied `memory` decision.
    expect(denials(audit).map((d) => `${d.capability}:${d.op}:${d.errno}`)).toEqual([
      'memory:fd_write:fault', 'memory:fd_write:fault', 'memory:fd_write:fault', 'memory:fd_write:fault',
      'memory:args_sizes_get:fault', 'memory:random_get:fault',
    ]);
    expect(result.termination).toBe('exit');
    // The last fd_write reported 8 bytes written.
    expect(result.status).toBe(8);
  });

  it('shows the guest no environment variable the policy does not allow', async () => {
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (drop (call $sizes (i32.const 0) (i32.const 4)))
        (drop (call $get (i32.const 100) (i32.const 1000)))
        (i32.store (i32.const 8) (i32.const 1000))
        (i32.store (i32.const 12) (i32.load (i32.const 4)))
        (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))))`);
    const policy = manifest({ environment: { mode: 'deny', names: ['AWS_SECRET', 'TOKEN'] } });
    const { stdout, audit } = await runCaptured(bytes, policy, {
      env: { AWS_SECRET: 'x', HOME: '/home/u' },
      envOverrides: { TOKEN: 'y', MODE: 'fast' },
    });
    expect(stdout).toBe('HOME=/home/u\0MODE=fast\0');
    expect(denials(audit).map((d) => d.detail)).toEqual([{ name: 'TOKEN' }, { hiddenCount: 1 }]);

    const none = await runCaptured(bytes, manifest(), { env: { HOME: '/x' }, envOverrides: { A: 'b' } });
    expect(none.stdout).toBe('');
  });

  it('fails random_get with ENOTCAPABLE in random mode none, and audits it', async () => {
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i64.store (i32.const 0) (i64.const 0))
        (call $proc_exit (i32.add (call $random_get (i32.const 0) (i32.const 8))
                                  (i32.wrap_i64 (i64.load (i32.const 0)))))))`);
    const { result, audit } = await runCaptured(bytes, manifest({ random: { mode: 'none' } }));
    expect(result.status).toBe(76);
    expect(denials(audit)).toMatchObject([{ capability: 'random', op: 'random_get', errno: 'notcapable' }]);
  });

  it('denies sockets and process signals unless granted', async () => {
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (call $proc_exit (i32.add (i32.eq (call $send (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) (i32.const 76))
                                  (i32.eq (call $raise (i32.const 6)) (i32.const 76))))))`);
    const { result, audit } = await runCaptured(bytes, manifest());
    expect(result.status).toBe(2);
    expect(denials(audit).map((d) => `${d.capability}:${d.op}`)).toEqual(['network:sock_send', 'process:proc_raise']);
  });
});
