// What C programs built on wasi-libc expect of a filesystem, where a differential sweep (the same
// programs run natively, under wsbc and under node:wasi) found wsbc answering otherwise: a
// trailing slash on a symlink given to rmdir, rename, mkdir and unlink; O_CREAT|O_EXCL on a
// dangling symlink; append mode switched with fcntl(F_SETFL); host file names that are not
// UTF-8; isatty() of redirected stdio; errors of the kind of descriptor (reading a directory,
// seeking stdout) that are not policy denials. Each expectation is what Linux answers natively.
// Runs the WASI in this thread, except the isatty test, which runs a module through run().
/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Errno, Filetype, run } from '@wsbc/runtime';
import { manifest, tempDir, wat } from './helpers.js';
import { FD_READ, FD_SEEK, FD_WRITE, FDFLAG_APPEND, O, reviewGuest, type ReviewGuest } from './fixtures/review/guest.js';

const live: ReviewGuest[] = [];
afterEach(() => {
  for (const g of live.splice(0)) g.wasi.close();
});

const ALL = { read: true, write: true, create: true, delete: true };
const FD_FDSTAT_SET_FLAGS = 8n;

function guest(dir: string): ReviewGuest {
  const g = reviewGuest([{ hostPath: dir, ...ALL }], { audit: 'all' });
  live.push(g);
  return g;
}

/** A preopen with `empty/`, `a/b/`, `sub/`, a file, and links to a directory and to nowhere. */
function layout(): string {
  const dir = tempDir('wsbc-libc-');
  fs.mkdirSync(path.join(dir, 'empty'));
  fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'f'), 'file');
  fs.symlinkSync('empty', path.join(dir, 'le'));
  fs.symlinkSync('a/b', path.join(dir, 'link_ab'));
  fs.symlinkSync('nowhere', path.join(dir, 'dangling'));
  return dir;
}

function rename(g: ReviewGuest, from: string, to: string): number {
  const a = g.put(2048, from);
  const b = g.put(3000, to);
  return g.fns.path_rename!(3, 2048, a, 3, 3000, b);
}

describe('a trailing slash on a symlink, for calls on the entry itself', () => {
  it('is applied to the link, never to its target (rmdir, rename, mkdir, unlink)', () => {
    const dir = layout();
    const g = guest(dir);
    expect(g.pathCall('path_remove_directory', 'le/')).toBe(Errno.NOTDIR);
    expect(rename(g, 'link_ab/', 'moved')).toBe(Errno.NOTDIR);
    expect(rename(g, 'sub', 'dangling/')).toBe(Errno.NOTDIR);
    expect(g.pathCall('path_create_directory', 'dangling/')).toBe(Errno.EXIST);
    expect(g.pathCall('path_create_directory', 'le/')).toBe(Errno.EXIST);
    expect(g.pathCall('path_unlink_file', 'link_ab/')).toBe(Errno.NOTDIR);
    expect(g.pathCall('path_unlink_file', 'f/')).toBe(Errno.NOTDIR);
    expect(g.pathCall('path_unlink_file', 'sub/')).toBe(Errno.ISDIR);
    const from = g.put(2048, 'f');
    const at = g.put(3000, 'le/');
    expect(g.fns.path_link!(3, 0, 2048, from, 3, 3000, at)).toBe(Errno.EXIST);
    const fresh = g.put(3000, 'fresh/');
    expect(g.fns.path_link!(3, 0, 2048, from, 3, 3000, fresh)).toBe(Errno.NOENT);
    // Nothing the links point to moved, appeared or went away.
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'dangling', 'empty', 'f', 'le', 'link_ab', 'sub']);
    expect(fs.readdirSync(path.join(dir, 'a'))).toEqual(['b']);
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false);
    // No record says an operation reached a link's target.
    const allowed = g.audit.filter((r) => r.type === 'decision' && r.outcome === 'allowed').map((r) => r.type === 'decision' && r.detail?.['path']);
    expect(allowed).not.toContain('/data/empty');
    expect(allowed).not.toContain('/data/a/b');
    expect(allowed).not.toContain('/data/nowhere');
  });

  it('still names a directory where it is one, and stat follows it as lstat(2) does', () => {
    const dir = layout();
    const g = guest(dir);
    expect(g.pathCall('path_create_directory', 'new/')).toBe(Errno.SUCCESS);
    expect(rename(g, 'new/', 'renamed/')).toBe(Errno.SUCCESS);
    expect(g.pathCall('path_remove_directory', 'renamed/')).toBe(Errno.SUCCESS);
    expect(g.pathCall('path_remove_directory', 'empty/')).toBe(Errno.SUCCESS);
    expect(g.stat('link_ab/', false)).toBe(Filetype.DIRECTORY);
    expect(g.stat('link_ab', false)).toBe(Filetype.SYMBOLIC_LINK);
    expect(g.stat('f/', false)).toBe(-Errno.NOTDIR);
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'dangling', 'f', 'le', 'link_ab', 'sub']);
  });
});

describe('O_CREAT|O_EXCL', () => {
  it('is EEXIST for any existing entry, a dangling symlink included, and creates nothing through it', () => {
    const dir = layout();
    fs.symlinkSync('../outside-file', path.join(dir, 'out'));
    const g = guest(dir);
    for (const follow of [true, false]) {
      expect(g.open('dangling', { follow, oflags: O.CREAT | O.EXCL, rights: FD_WRITE })).toBe(-Errno.EXIST);
      expect(g.open('out', { follow, oflags: O.CREAT | O.EXCL, rights: FD_WRITE })).toBe(-Errno.EXIST);
      expect(g.open('link_ab', { follow, oflags: O.CREAT | O.EXCL, rights: FD_WRITE })).toBe(-Errno.EXIST);
    }
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false);
    expect(fs.existsSync(path.join(path.dirname(dir), 'outside-file'))).toBe(false);
    // Not followed, a link is ELOOP, or ENOTDIR when a directory is asked for.
    expect(g.open('link_ab', { follow: false })).toBe(-Errno.LOOP);
    expect(g.open('link_ab', { follow: false, oflags: O.DIRECTORY })).toBe(-Errno.NOTDIR);
    // Without O_EXCL a dangling link is followed and its target created, as open(2) does.
    expect(g.open('dangling', { oflags: O.CREAT, rights: FD_WRITE })).toBeGreaterThan(3);
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(true);
  });
});

describe('append mode', () => {
  it('switched off with fd_fdstat_set_flags, writes go where the offset says', () => {
    const dir = layout();
    const g = guest(dir);
    const fd = g.open('log', { oflags: O.CREAT | O.TRUNC, rights: FD_READ | FD_WRITE | FD_SEEK | FD_FDSTAT_SET_FLAGS, fdflags: FDFLAG_APPEND });
    expect(g.write(fd, 'abc')).toBe(3);
    expect(g.fns.fd_fdstat_set_flags!(fd, 0)).toBe(Errno.SUCCESS);
    expect(g.fns.fd_seek!(fd, 0n, 0, 64)).toBe(Errno.SUCCESS);
    expect(g.write(fd, 'X')).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).toBe('Xbc');
    // And on again: the next write goes to the end, wherever the offset is.
    expect(g.fns.fd_fdstat_set_flags!(fd, FDFLAG_APPEND)).toBe(Errno.SUCCESS);
    expect(g.fns.fd_seek!(fd, 0n, 0, 64)).toBe(Errno.SUCCESS);
    expect(g.write(fd, 'Y')).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).toBe('XbcY');
  });

  it('switched on after the open, appends what fd_pwrite writes too, as when set at the open', () => {
    const dir = layout();
    const g = guest(dir);
    const early = g.open('early', { oflags: O.CREAT, rights: FD_WRITE | FD_SEEK, fdflags: FDFLAG_APPEND });
    const late = g.open('late', { oflags: O.CREAT, rights: FD_WRITE | FD_SEEK | FD_FDSTAT_SET_FLAGS });
    expect(g.fns.fd_fdstat_set_flags!(late, FDFLAG_APPEND)).toBe(Errno.SUCCESS);
    for (const fd of [early, late]) {
      expect(g.write(fd, 'abc')).toBe(3);
      g.view().setUint32(16, 8192, true);
      g.view().setUint32(20, g.put(8192, 'Z'), true);
      expect(g.fns.fd_pwrite!(fd, 16, 1, 0n, 8)).toBe(Errno.SUCCESS);
    }
    expect(fs.readFileSync(path.join(dir, 'early'), 'utf8')).toBe('abcZ');
    expect(fs.readFileSync(path.join(dir, 'late'), 'utf8')).toBe('abcZ');
  });
});

describe('directory listings', () => {
  it('leave out host names that are not UTF-8 rather than list them under a name that is not theirs', () => {
    const dir = tempDir('wsbc-libc-names-');
    fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/bad`), Buffer.from([0xff]), Buffer.from('name')]), 'x');
    fs.writeFileSync(path.join(dir, 'good'), 'y');
    fs.writeFileSync(path.join(dir, 'caf\u00e9 \uFFFD'), 'z');
    const g = guest(dir);
    const fd = g.open('.', { oflags: O.DIRECTORY, rights: 1n << 14n });
    expect(g.fns.fd_readdir!(fd, 4096, 2048, 0n, 64)).toBe(Errno.SUCCESS);
    const used = g.view().getUint32(64, true);
    const names: string[] = [];
    for (let at = 4096; at < 4096 + used;) {
      const length = g.view().getUint32(at + 16, true);
      names.push(new TextDecoder().decode(g.bytes().subarray(at + 24, at + 24 + length)));
      at += 24 + length;
    }
    // A real U+FFFD in a valid name stays listed.
    expect(names.sort()).toEqual(['.', '..', 'caf\u00e9 \uFFFD', 'good']);
  });
});

describe('errors that come from the kind of descriptor', () => {
  it('are what the kernel says, not policy denials', () => {
    const dir = layout();
    const g = guest(dir);
    const d = g.open('a', { oflags: O.DIRECTORY, rights: FD_READ });
    expect(g.read(d)).toBe(-Errno.ISDIR);
    expect(g.write(d, 'x')).toBe(-Errno.BADF);
    expect(g.fns.fd_seek!(1, 0n, 1, 64)).toBe(Errno.SPIPE);
    expect(g.fns.fd_tell!(2, 64)).toBe(Errno.SPIPE);
    expect(g.fns.fd_pread!(0, 16, 0, 0n, 8)).toBe(Errno.SPIPE);
    expect(g.denials()).toEqual([]);
  });
});

describe('isatty() of stdio', () => {
  // Prints the filetype fd_fdstat_get reports for descriptors 0, 1 and 2 (wasi-libc's isatty()
  // wants CHARACTER_DEVICE, 2, without seek rights).
  const PROGRAM = `(module
    (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func $type (param $fd i32) (param $at i32)
      (drop (call $fdstat (local.get $fd) (i32.const 64)))
      (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.load8_u (i32.const 64)))))
    (func (export "_start")
      (call $type (i32.const 0) (i32.const 100))
      (call $type (i32.const 1) (i32.const 101))
      (call $type (i32.const 2) (i32.const 102))
      (i32.store (i32.const 0) (i32.const 100))
      (i32.store (i32.const 4) (i32.const 3))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

  it('is false for stdio the host redirected, true for what is a terminal on the host', async () => {
    const bytes = await wat(PROGRAM);
    const types = async (tty: [boolean, boolean, boolean]) => {
      const out: Buffer[] = [];
      const sink = (isTTY: boolean, keep: boolean) => ({ isTTY, write: (c: Uint8Array) => void (keep && out.push(Buffer.from(c))) });
      const stdin = Object.assign(new (await import('node:stream')).PassThrough(), { isTTY: tty[0] });
      stdin.end();
      const result = await run(bytes, { policy: manifest(), env: {}, stdin, stdout: sink(tty[1], true), stderr: sink(tty[2], false) });
      expect(result.status).toBe(0);
      return Buffer.concat(out).toString();
    };
    expect(await types([false, false, false])).toBe('000');
    expect(await types([true, false, true])).toBe('202');
    expect(await types([false, true, false])).toBe('020');
  });
});
