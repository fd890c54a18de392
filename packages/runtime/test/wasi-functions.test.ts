// Hand-written .wat tests for the WASI functions and error cases that C programs do not reach
// (or reach only through libc's own checks): prestat, rights reporting, readdir cookies,
// poll_oneoff subscriptions, wasi_unstable layouts and whence values, invalid ids and flags.
// Each module records i32 results with $r; the test reads them back from stdout.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rights, type RunOptions } from '@wsbc/runtime';
import { manifest, runCaptured, tempDir, wat } from './helpers.js';

const FUNCS: Record<string, string> = {
  fd_prestat_get: '(param i32 i32) (result i32)',
  fd_prestat_dir_name: '(param i32 i32 i32) (result i32)',
  fd_fdstat_get: '(param i32 i32) (result i32)',
  fd_readdir: '(param i32 i32 i32 i64 i32) (result i32)',
  path_open: '(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)',
  fd_seek: '(param i32 i64 i32 i32) (result i32)',
  fd_filestat_get: '(param i32 i32) (result i32)',
  fd_close: '(param i32) (result i32)',
  fd_renumber: '(param i32 i32) (result i32)',
  fd_advise: '(param i32 i64 i64 i32) (result i32)',
  fd_allocate: '(param i32 i64 i64) (result i32)',
  fd_tell: '(param i32 i32) (result i32)',
  fd_write: '(param i32 i32 i32 i32) (result i32)',
  fd_read: '(param i32 i32 i32 i32) (result i32)',
  fd_pread: '(param i32 i32 i32 i64 i32) (result i32)',
  fd_pwrite: '(param i32 i32 i32 i64 i32) (result i32)',
  fd_fdstat_set_flags: '(param i32 i32) (result i32)',
  fd_filestat_set_size: '(param i32 i64) (result i32)',
  path_filestat_get: '(param i32 i32 i32 i32 i32) (result i32)',
  path_filestat_set_times: '(param i32 i32 i32 i32 i64 i64 i32) (result i32)',
  clock_res_get: '(param i32 i32) (result i32)',
  clock_time_get: '(param i32 i64 i32) (result i32)',
  poll_oneoff: '(param i32 i32 i32 i32) (result i32)',
  sched_yield: '(result i32)',
  proc_raise: '(param i32) (result i32)',
  sock_shutdown: '(param i32 i32) (result i32)',
  sock_recv: '(param i32 i32 i32 i32 i32 i32) (result i32)',
  random_get: '(param i32 i32) (result i32)',
  path_create_directory: '(param i32 i32 i32) (result i32)',
  path_remove_directory: '(param i32 i32 i32) (result i32)',
  path_unlink_file: '(param i32 i32 i32) (result i32)',
  path_rename: '(param i32 i32 i32 i32 i32 i32) (result i32)',
  path_symlink: '(param i32 i32 i32 i32 i32) (result i32)',
};

/** A module importing every function above from `ns`, with $r(value) appending to the result list. */
async function program(body: string, ns = 'wasi_snapshot_preview1', data = ''): Promise<Uint8Array> {
  const imports = Object.entries(FUNCS).map(([name, sig]) => `(import "${ns}" "${name}" (func $${name} ${sig}))`).join('\n');
  return wat(`(module
    ${imports}
    (import "${ns}" "proc_exit" (func $proc_exit (param i32)))
    (memory (export "memory") 1)
    (global $n (mut i32) (i32.const 0))
    ${data}
    (func $r (param i32)
      (i32.store (i32.add (i32.const 60000) (i32.mul (global.get $n) (i32.const 4))) (local.get 0))
      (global.set $n (i32.add (global.get $n) (i32.const 1))))
    (func (export "_start")
      ${body}
      (i32.store (i32.const 59000) (i32.const 60000))
      (i32.store (i32.const 59004) (i32.mul (global.get $n) (i32.const 4)))
      (drop (call $fd_write (i32.const 1) (i32.const 59000) (i32.const 1) (i32.const 59008)))))`);
}

async function results(bytes: Uint8Array, policy = manifest(), options: Partial<RunOptions> = {}) {
  const run = await runCaptured(bytes, policy, options);
  const buf = run.stdoutBytes;
  const values: number[] = [];
  for (let i = 0; i + 4 <= buf.length; i += 4) values.push(buf.readInt32LE(i));
  return { values, run };
}

function dirs() {
  const root = tempDir('wsbc-wat-');
  const rw = path.join(root, 'rw');
  const ro = path.join(root, 'ro');
  fs.mkdirSync(rw);
  fs.mkdirSync(ro);
  for (const name of ['a', 'bb', 'ccc']) fs.writeFileSync(path.join(ro, name), name);
  const policy = manifest({
    filesystem: {
      preopens: [
        { hostPath: ro, guestPath: '/ro', read: true },
        { hostPath: rw, guestPath: '/rw', read: true, write: true, create: true },
      ],
    },
    time: { mode: 'full' },
    limits: { io: { readBytesPerSecond: null, writeBytesPerSecond: null } },
  });
  return { root, rw, ro, policy };
}

const E = { SUCCESS: 0, BADF: 8, BUSY: 10, EXIST: 20, INVAL: 28, NAMETOOLONG: 37, NOTDIR: 54, NOTEMPTY: 55, NOTCAPABLE: 76, ISDIR: 31, NOENT: 44, SPIPE: 70 };

describe('WASI functions (wat)', () => {
  it('describes preopens through fd_prestat_get and fd_prestat_dir_name', async () => {
    const { policy } = dirs();
    const bytes = await program(`
      (call $r (call $fd_prestat_get (i32.const 3) (i32.const 100)))
      (call $r (i32.load8_u (i32.const 100)))
      (call $r (i32.load (i32.const 104)))
      (call $r (call $fd_prestat_dir_name (i32.const 3) (i32.const 200) (i32.const 1)))
      (call $r (call $fd_prestat_dir_name (i32.const 3) (i32.const 200) (i32.const 3)))
      (call $r (i32.load8_u (i32.const 201)))
      (call $r (call $fd_prestat_get (i32.const 5) (i32.const 100)))
      (call $r (call $fd_prestat_get (i32.const 1) (i32.const 100)))
      (call $r (call $fd_prestat_get (i32.const 3) (i32.const 65535)))`);
    const { values } = await results(bytes, policy);
    expect(values).toEqual([E.SUCCESS, 0, 3, E.NAMETOOLONG, E.SUCCESS, 'r'.charCodeAt(0), E.BADF, E.BADF, 21]);
  });

  it('reports through fd_fdstat_get exactly the rights the policy grants', async () => {
    const { policy } = dirs();
    const bytes = await program(`
      (call $r (call $fd_fdstat_get (i32.const 3) (i32.const 100)))
      (call $r (call $fd_fdstat_get (i32.const 4) (i32.const 200)))
      (call $r (call $fd_fdstat_get (i32.const 1) (i32.const 300)))`);
    const { values, run } = await results(bytes, policy);
    expect(values).toEqual([0, 0, 0]);
    // Re-run to read the structs themselves: write them out raw.
    const raw = await program(`
      (drop (call $fd_fdstat_get (i32.const 3) (i32.const 0)))
      (drop (call $fd_fdstat_get (i32.const 4) (i32.const 24)))
      (i32.store (i32.const 1000) (i32.const 0))
      (i32.store (i32.const 1004) (i32.const 48))
      (drop (call $fd_write (i32.const 1) (i32.const 1000) (i32.const 1) (i32.const 1008)))`);
    const out = (await runCaptured(raw, policy)).stdoutBytes;
    const ro = { type: out[0], base: out.readBigUInt64LE(8), inheriting: out.readBigUInt64LE(16) };
    const rw = { type: out[24], base: out.readBigUInt64LE(32), inheriting: out.readBigUInt64LE(40) };
    expect(ro.type).toBe(3);
    expect(ro.base & Rights.FD_READDIR).toBe(Rights.FD_READDIR);
    expect(ro.base & (Rights.PATH_CREATE_FILE | Rights.PATH_UNLINK_FILE | Rights.PATH_SYMLINK)).toBe(0n);
    expect(ro.inheriting & Rights.FD_READ).toBe(Rights.FD_READ);
    expect(ro.inheriting & Rights.FD_WRITE).toBe(0n);
    expect(rw.base & (Rights.PATH_CREATE_FILE | Rights.PATH_CREATE_DIRECTORY)).toBe(Rights.PATH_CREATE_FILE | Rights.PATH_CREATE_DIRECTORY);
    // create without delete: no unlink, rmdir or rename-away
    expect(rw.base & (Rights.PATH_UNLINK_FILE | Rights.PATH_REMOVE_DIRECTORY | Rights.PATH_RENAME_SOURCE)).toBe(0n);
    expect(rw.inheriting & Rights.FD_WRITE).toBe(Rights.FD_WRITE);
    expect(run.result.status).toBe(0);
  });

  it('lists a directory with fd_readdir cookies and truncates the last entry to the buffer', async () => {
    const { policy } = dirs();
    // First call with a big buffer, then resume from the cookie of the third entry with a 30-byte buffer.
    const bytes = await program(`
      (call $r (call $fd_readdir (i32.const 3) (i32.const 1000) (i32.const 4000) (i64.const 0) (i32.const 100)))
      (call $r (i32.load (i32.const 100)))
      (call $r (call $fd_readdir (i32.const 3) (i32.const 6000) (i32.const 30) (i64.const 3) (i32.const 104)))
      (call $r (i32.load (i32.const 104)))
      (call $r (i32.load (i32.const 6000)))
      (call $r (i32.load (i32.const 6016)))
      (call $r (call $fd_readdir (i32.const 3) (i32.const 6000) (i32.const 100) (i64.const 99) (i32.const 104)))
      (call $r (i32.load (i32.const 104)))
      (call $r (call $fd_readdir (i32.const 1) (i32.const 6000) (i32.const 100) (i64.const 0) (i32.const 104)))`);
    const { values } = await results(bytes, policy);
    // . and .. (24+1, 24+2) + a, bb, ccc (24+1, 24+2, 24+3) = 129 bytes
    expect(values[0]).toBe(0);
    expect(values[1]).toBe(129);
    expect(values.slice(2, 4)).toEqual([0, 30]);
    expect(values[4]).toBe(4); // d_next of the entry at cookie 3
    expect(values[6]).toBe(0);
    expect(values[7]).toBe(0); // past the end: nothing
    expect(values[8]).toBe(E.NOTCAPABLE); // stdout has no FD_READDIR right
  });

  it('implements whence and the 56-byte filestat of wasi_unstable', async () => {
    const { policy } = dirs();
    const data = '(data (i32.const 500) "bb")';
    const body = `
      (call $r (call $path_open (i32.const 3) (i32.const 0) (i32.const 500) (i32.const 2) (i32.const 0) (i64.const 2097190) (i64.const 0) (i32.const 0) (i32.const 100)))
      (call $r (call $fd_seek (i32.load (i32.const 100)) (i64.const 1) (i32.const 2) (i32.const 200)))
      (call $r (i32.load (i32.const 200)))
      (call $r (call $fd_seek (i32.load (i32.const 100)) (i64.const 0) (i32.const 1) (i32.const 200)))
      (call $r (i32.load (i32.const 200)))
      (call $r (call $fd_filestat_get (i32.load (i32.const 100)) (i32.const 300)))
      (call $r (i32.load8_u (i32.const 316)))
      (call $r (i32.load (i32.const 320)))
      (call $r (i32.load (i32.const 324)))`;
    const unstable = await results(await program(body, 'wasi_unstable', data), policy);
    // wasi_unstable: whence 2 is SET (offset 1), whence 1 is END (offset 0 from the end of "bb" = 2);
    // filestat: filetype at 16, nlink u32 at 20, size u64 at 24.
    expect(unstable.values).toEqual([0, 0, 1, 0, 2, 0, 4, 1, 2]);
    const preview1 = await results(await program(body, 'wasi_snapshot_preview1', data), policy);
    // preview1: whence 2 = END (same 3), 1 = CUR; filestat: nlink u64 at 24 (=1), size at 32.
    expect(preview1.values.slice(0, 7)).toEqual([0, 0, 3, 0, 3, 0, 4]);
    expect(preview1.values[7]).toBe(0); // bytes 20..23 are padding in preview1
    expect(preview1.values[8]).toBe(1); // nlink low word at 24
  });

  it('rejects invalid clock ids, advice and flags with EINVAL', async () => {
    const bytes = await program(`
      (call $r (call $clock_res_get (i32.const 4) (i32.const 100)))
      (call $r (call $clock_time_get (i32.const 99) (i64.const 0) (i32.const 100)))
      (call $r (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 65534)))
      (call $r (call $clock_res_get (i32.const 0) (i32.const 100)))
      (call $r (call $sched_yield))
      (call $r (call $fd_advise (i32.const 1) (i64.const 0) (i64.const 0) (i32.const 9)))
      (call $r (call $fd_fdstat_set_flags (i32.const 1) (i32.const 64)))
      (call $r (call $fd_renumber (i32.const 1) (i32.const 50)))
      (call $r (call $fd_close (i32.const 50)))
      (call $r (call $poll_oneoff (i32.const 100) (i32.const 200) (i32.const 0) (i32.const 300)))
      (call $r (call $sock_shutdown (i32.const 1) (i32.const 0)))
      (call $r (call $fd_tell (i32.const 1) (i32.const 100)))
      (call $r (call $fd_seek (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 100)))`);
    const { values } = await results(bytes);
    // Rights are checked first (stdout has no FD_ADVISE right), except where the kind of
    // descriptor decides, as the kernel's answer: seeking or telling stdio is ESPIPE.
    expect(values).toEqual([E.INVAL, E.INVAL, 21, 0, 0, E.NOTCAPABLE, E.INVAL, E.BADF, E.BADF, E.INVAL, E.INVAL, E.SPIPE, E.SPIPE]);
  });

  it('waits in poll_oneoff for a clock, reports ready files and errors per subscription', async () => {
    const { policy } = dirs();
    // Subscriptions at 1000 (48 bytes each): clock 1 ms relative; fd_read on the "ccc" file; fd_read on fd 77.
    const bytes = await program(`
      (call $r (call $path_open (i32.const 3) (i32.const 0) (i32.const 500) (i32.const 3) (i32.const 0) (i64.const 134217730) (i64.const 0) (i32.const 0) (i32.const 100)))
      (i64.store (i32.const 1000) (i64.const 11))
      (i32.store8 (i32.const 1008) (i32.const 0))
      (i32.store (i32.const 1016) (i32.const 1))
      (i64.store (i32.const 1024) (i64.const 1000000))
      (i64.store (i32.const 1048) (i64.const 22))
      (i32.store8 (i32.const 1056) (i32.const 1))
      (i32.store (i32.const 1064) (i32.load (i32.const 100)))
      (i64.store (i32.const 1096) (i64.const 33))
      (i32.store8 (i32.const 1104) (i32.const 1))
      (i32.store (i32.const 1112) (i32.const 77))
      (call $r (call $poll_oneoff (i32.const 1000) (i32.const 2000) (i32.const 3) (i32.const 300)))
      (call $r (i32.load (i32.const 300)))
      (call $r (i32.load (i32.const 2000)))
      (call $r (i32.load16_u (i32.const 2008)))
      (call $r (i32.load (i32.const 2016)))
      (call $r (i32.load (i32.const 2032)))
      (call $r (i32.load16_u (i32.const 2040)))
      ;; only the clock: it fires
      (call $r (call $poll_oneoff (i32.const 1000) (i32.const 2000) (i32.const 1) (i32.const 300)))
      (call $r (i32.load (i32.const 300)))
      (call $r (i32.load (i32.const 2000)))
      (call $r (i32.load8_u (i32.const 2010)))`, 'wasi_snapshot_preview1', '(data (i32.const 500) "ccc")');
    const { values } = await results(bytes, policy);
    expect(values).toEqual([0, 0, 2, 22, 0, 3, 33, E.BADF, 0, 1, 11, 0]);
  });

  it('takes up to 65,536 subscriptions in one poll_oneoff and refuses more with EINVAL', async () => {
    // Zeroed memory reads as clock subscriptions (realtime, relative timeout 0): all fire at once,
    // and the first is reported. 65,537 subscriptions of 48 bytes and their events need 82 pages.
    const bytes = await program(`
      (drop (memory.grow (i32.const 90)))
      (call $r (call $poll_oneoff (i32.const 65536) (i32.const 3300000) (i32.const 65536) (i32.const 300)))
      (call $r (i32.load (i32.const 300)))
      (i32.store (i32.const 300) (i32.const 99))
      (call $r (call $poll_oneoff (i32.const 65536) (i32.const 3300000) (i32.const 65537) (i32.const 300)))
      (call $r (i32.load (i32.const 300)))`);
    const { values } = await results(bytes);
    expect(values).toEqual([0, 1, E.INVAL, 99]);
  });

  it('treats a path ending in . or .. as the directory itself: nothing to create, remove or rename', async () => {
    // x/ holds y/ (empty); g/ is an empty directory, f a file. The kernel's answers: mkdir,
    // symlink EEXIST (ENOENT when x is missing), rmdir EINVAL for `.` and ENOTEMPTY for `..`,
    // unlink EISDIR, rename EBUSY; a `.` after a file is ENOTDIR.
    const root = tempDir('wsbc-wat-dot-');
    fs.mkdirSync(path.join(root, 'x', 'y'), { recursive: true });
    fs.mkdirSync(path.join(root, 'g'));
    fs.writeFileSync(path.join(root, 'f'), 'f');
    const policy = manifest({ filesystem: { preopens: [{ hostPath: root, guestPath: '/w', read: true, write: true, create: true, delete: true }] } });
    const bytes = await program(`
      (call $r (call $path_create_directory (i32.const 3) (i32.const 500) (i32.const 4)))
      (call $r (call $path_create_directory (i32.const 3) (i32.const 510) (i32.const 3)))
      (call $r (call $path_remove_directory (i32.const 3) (i32.const 520) (i32.const 5)))
      (call $r (call $path_remove_directory (i32.const 3) (i32.const 530) (i32.const 6)))
      (call $r (call $path_unlink_file (i32.const 3) (i32.const 510) (i32.const 3)))
      (call $r (call $path_unlink_file (i32.const 3) (i32.const 540) (i32.const 3)))
      (call $r (call $path_rename (i32.const 3) (i32.const 550) (i32.const 1) (i32.const 3) (i32.const 520) (i32.const 5)))
      (call $r (call $path_symlink (i32.const 560) (i32.const 1) (i32.const 3) (i32.const 510) (i32.const 3)))
      (call $r (call $path_create_directory (i32.const 3) (i32.const 570) (i32.const 4)))`,
      'wasi_snapshot_preview1',
      '(data (i32.const 500) "nx/.") (data (i32.const 510) "x/.") (data (i32.const 520) "x/y/.") (data (i32.const 530) "x/y/..") (data (i32.const 540) "f/.") (data (i32.const 550) "g") (data (i32.const 560) "t") (data (i32.const 570) "x/./")');
    const { values } = await results(bytes, policy);
    expect(values).toEqual([E.NOENT, E.EXIST, E.INVAL, E.NOTEMPTY, E.ISDIR, E.NOTDIR, E.BUSY, E.EXIST, E.EXIST]);
    // Nothing changed on the host.
    expect(fs.existsSync(path.join(root, 'nx'))).toBe(false);
    expect(fs.statSync(path.join(root, 'x', 'y')).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(root, 'g')).isDirectory()).toBe(true);
    expect(fs.readdirSync(path.join(root, 'x'))).toEqual(['y']);
  });

  it('reads wasi_unstable clock subscriptions with their identifier field (56-byte layout)', async () => {
    // One clock subscription: userdata 7, tag 0, identifier at 16, clock id at 24, timeout at 32 (1 ms).
    const bytes = await program(`
      (i64.store (i32.const 1000) (i64.const 7))
      (i32.store8 (i32.const 1008) (i32.const 0))
      (i64.store (i32.const 1016) (i64.const 99))
      (i32.store (i32.const 1024) (i32.const 1))
      (i64.store (i32.const 1032) (i64.const 1000000))
      (call $r (call $poll_oneoff (i32.const 1000) (i32.const 2000) (i32.const 1) (i32.const 300)))
      (call $r (i32.load (i32.const 300)))
      (call $r (i32.load (i32.const 2000)))
      (call $r (i32.load16_u (i32.const 2008)))
      ;; a clock id of 9 at the preview1 offset would be read as the identifier here: still valid
      (i32.store (i32.const 1016) (i32.const 9))
      (call $r (call $poll_oneoff (i32.const 1000) (i32.const 2000) (i32.const 1) (i32.const 300)))
      ;; an invalid clock id at the snapshot-0 offset is reported in the event
      (i32.store (i32.const 1024) (i32.const 9))
      (call $r (call $poll_oneoff (i32.const 1000) (i32.const 2000) (i32.const 1) (i32.const 300)))
      (call $r (i32.load16_u (i32.const 2008)))`, 'wasi_unstable');
    const { values } = await results(bytes);
    expect(values).toEqual([0, 1, 7, 0, 0, 0, E.INVAL]);
  });

  it('honours O_EXCL, O_DIRECTORY and O_TRUNC in path_open, and refuses create without the right', async () => {
    const { policy, rw } = dirs();
    fs.writeFileSync(path.join(rw, 'f'), 'content');
    const bytes = await program(`
      ;; EXCL on existing (rw)
      (call $r (call $path_open (i32.const 4) (i32.const 0) (i32.const 500) (i32.const 1) (i32.const 5) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 100)))
      ;; DIRECTORY on a file
      (call $r (call $path_open (i32.const 4) (i32.const 0) (i32.const 500) (i32.const 1) (i32.const 2) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 100)))
      ;; TRUNC + write
      (call $r (call $path_open (i32.const 4) (i32.const 0) (i32.const 500) (i32.const 1) (i32.const 8) (i64.const 2097216) (i64.const 0) (i32.const 0) (i32.const 100)))
      (call $r (call $fd_filestat_get (i32.load (i32.const 100)) (i32.const 200)))
      (call $r (i32.load (i32.const 232)))
      ;; CREAT in the read-only preopen
      (call $r (call $path_open (i32.const 3) (i32.const 0) (i32.const 500) (i32.const 1) (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 100)))
      ;; empty path, bad oflags, path pointer out of bounds
      (call $r (call $path_open (i32.const 4) (i32.const 0) (i32.const 500) (i32.const 0) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 100)))
      (call $r (call $path_open (i32.const 4) (i32.const 0) (i32.const 500) (i32.const 1) (i32.const 16) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 100)))
      (call $r (call $path_open (i32.const 4) (i32.const 0) (i32.const 65530) (i32.const 100) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 100)))
      ;; set times needs time mode full + write: granted here
      (call $r (call $path_filestat_set_times (i32.const 4) (i32.const 0) (i32.const 500) (i32.const 1) (i64.const 5000000000) (i64.const 7000000000) (i32.const 5)))
      (call $r (call $path_filestat_set_times (i32.const 4) (i32.const 0) (i32.const 500) (i32.const 1) (i64.const 0) (i64.const 0) (i32.const 3)))`,
    'wasi_snapshot_preview1', '(data (i32.const 500) "f")');
    const { values } = await results(bytes, policy);
    expect(values).toEqual([E.EXIST, E.NOTDIR, 0, 0, 0, E.NOTCAPABLE, E.NOENT, E.INVAL, 21, 0, E.INVAL]);
    expect(fs.statSync(path.join(rw, 'f')).mtimeMs).toBe(7000);
  });

  it('holds max file size against pwrite at a far offset, set_size and allocate, and write without read', async () => {
    const root = tempDir('wsbc-wat-');
    const policy = manifest({
      filesystem: { preopens: [{ hostPath: root, guestPath: '/w', write: true, create: true, maxFileSize: 1000 }] },
      limits: { io: { readBytesPerSecond: null, writeBytesPerSecond: null } },
    });
    // Rights: fd_write | fd_seek | fd_allocate | fd_filestat_set_size = 64 + 4 + 256 + 4194304
    const bytes = await program(`
      (call $r (call $path_open (i32.const 3) (i32.const 0) (i32.const 500) (i32.const 1) (i32.const 1) (i64.const 4194628) (i64.const 0) (i32.const 0) (i32.const 100)))
      (i32.store (i32.const 200) (i32.const 500))
      (i32.store (i32.const 204) (i32.const 1))
      (call $r (call $fd_pwrite (i32.load (i32.const 100)) (i32.const 200) (i32.const 1) (i64.const 5000) (i32.const 300)))
      (call $r (call $fd_pwrite (i32.load (i32.const 100)) (i32.const 200) (i32.const 1) (i64.const 999) (i32.const 300)))
      (call $r (call $fd_filestat_set_size (i32.load (i32.const 100)) (i64.const 1000000)))
      (call $r (call $fd_allocate (i32.load (i32.const 100)) (i64.const 0) (i64.const 1000000)))
      ;; write-only: reading the file, listing the directory and stat-ing paths are not granted
      (call $r (call $path_open (i32.const 3) (i32.const 0) (i32.const 500) (i32.const 1) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 104)))
      (call $r (call $fd_readdir (i32.const 3) (i32.const 1000) (i32.const 100) (i64.const 0) (i32.const 104)))
      (call $r (call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 500) (i32.const 1) (i32.const 1000)))
      ;; create without delete: no unlink
      (call $r (call $fd_close (i32.load (i32.const 100))))`, 'wasi_snapshot_preview1', '(data (i32.const 500) "f")');
    const { values } = await results(bytes, policy);
    expect(values).toEqual([0, 22, 0, 22, 22, E.NOTCAPABLE, E.NOTCAPABLE, E.NOTCAPABLE, 0]);
    expect(fs.statSync(path.join(root, 'f')).size).toBe(1000);
  });

  it('keeps a guest that catches the exit exception from running on', async () => {
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 100) "escaped\\n")
      (func (export "_start")
        (try (do (call $exit (i32.const 3))) (catch_all))
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 8))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
    const { result, stdout } = await runCaptured(bytes, manifest());
    expect(result).toMatchObject({ status: 3, termination: 'exit' });
    expect(stdout).toBe('');
  });

  it('ends the run with the exit code even when the guest catches the exit and spins', async () => {
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (try (do (call $exit (i32.const 5))) (catch_all))
        (loop $forever (br $forever))))`);
    const { result, stderr } = await runCaptured(bytes, manifest({ limits: { time: { maxTotalMs: 20_000 }, cpu: { maxExecutionMs: 20_000 } } }));
    expect(result).toMatchObject({ status: 5, termination: 'exit', exitCode: 5 });
    expect(stderr).toBe('');
  });

  it('does not offer sock_accept under wasi_unstable', async () => {
    const bytes = await wat(`(module
      (import "wasi_unstable" "sock_accept" (func (param i32 i32 i32) (result i32)))
      (func (export "_start")))`);
    const { result } = await runCaptured(bytes, manifest());
    expect(result.diagnostics.map((d) => d.code)).toEqual(['run/import-not-provided']);
  });
});
