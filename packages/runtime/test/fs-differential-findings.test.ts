// What Linux answers where the file-system differential fuzzer (fs-differential.test.ts) found
// wsbc answering otherwise: the microsecond of a time set, times left alone when none is to be
// set, a trailing slash on a link's source, on readlink, on set_times and on a name to create,
// the order in which path_link and path_open look at their arguments, O_CREAT|O_DIRECTORY, an
// exclusive create of a directory, an empty symlink target, a write of nothing on an append
// descriptor, errors of the kind of descriptor for ftruncate and fallocate, and the times of a
// file fallocate had nothing to grow. Each expectation is what Linux answers natively (each was
// seen there by the fuzzer). Runs the WASI in this thread.
/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Errno } from '@wsbc/runtime';
import { tempDir } from './helpers.js';
import { FD_READ, FD_SEEK, FD_TELL, FD_WRITE, FDFLAG_APPEND, FOLLOW, O, reviewGuest, type ReviewGuest } from './fixtures/review/guest.js';

const live: ReviewGuest[] = [];
afterEach(() => {
  for (const g of live.splice(0)) g.wasi.close();
});

const FST = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 };
const FD_FILESTAT_SET_TIMES = 1n << 23n;
const FD_READDIR = 1n << 14n;

/** A preopen with a file `f`, a directory `a`, and links `d -> f/`, `loop -> loop`, `s -> loop/`, `up -> ../outside`. */
function layout(): { dir: string; outside: string; g: ReviewGuest } {
  const root = tempDir('wsbc-fsfind-');
  const dir = path.join(root, 'data');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(dir);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(dir, 'f'), 'content');
  fs.mkdirSync(path.join(dir, 'a'));
  fs.symlinkSync('f/', path.join(dir, 'd'));
  fs.symlinkSync('loop', path.join(dir, 'loop'));
  fs.symlinkSync('loop/', path.join(dir, 's'));
  fs.symlinkSync('../outside', path.join(dir, 'up'));
  const g = reviewGuest([{ hostPath: dir, read: true, write: true, create: true, delete: true }], { audit: 'all', time: 'full' });
  live.push(g);
  return { dir, outside, g };
}

/** Calls a WASI function that takes two paths, as (fd, ptr, len) pairs around `middle` arguments. */
function twoPaths(g: ReviewGuest, fn: string, first: string, second: string, flags?: number): number {
  const a = g.put(3000, first);
  const b = g.put(4000, second);
  return flags === undefined ? g.fns[fn]!(3, 3000, a, 3, 4000, b) : g.fns[fn]!(3, flags, 3000, a, 3, 4000, b);
}

function setTimes(g: ReviewGuest, p: string, atim: bigint, mtim: bigint, fst: number, follow = true): number {
  const len = g.put(3000, p);
  return g.fns.path_filestat_set_times!(3, follow ? FOLLOW : 0, 3000, len, atim, mtim, fst);
}

describe('times', () => {
  it('keeps the microsecond of every time set, where a rounded-down double lost one', () => {
    const { dir, g } = layout();
    const fd = g.open('f', { rights: FD_READ | FD_FILESTAT_SET_TIMES });
    for (let us = 0n; us < 1000n; us++) {
      const mtim = 1_000_000_456_000_000_000n + us * 1000n;
      expect(setTimes(g, 'f', 0n, mtim, FST.MTIM)).toBe(Errno.SUCCESS);
      expect(fs.statSync(path.join(dir, 'f'), { bigint: true }).mtimeNs).toBe(mtim);
      expect(g.fns.fd_filestat_set_times!(fd, mtim + 7000n, 0n, FST.ATIM)).toBe(Errno.SUCCESS);
      expect(fs.statSync(path.join(dir, 'f'), { bigint: true }).atimeNs).toBe(mtim + 7000n);
    }
    // 1000000456.000456 s: the first the fuzzer saw set as .000455.
    expect(setTimes(g, 'f', 0n, 1_000_000_456_000_456_000n, FST.MTIM)).toBe(Errno.SUCCESS);
    expect(fs.statSync(path.join(dir, 'f'), { bigint: true }).mtimeNs).toBe(1_000_000_456_000_456_000n);
  });

  it('leaves a file alone when neither time is to be set, nanoseconds and ctime included', () => {
    const { dir, g } = layout();
    const file = path.join(dir, 'f');
    execFileSync('touch', ['-d', '@1000000000.123456789', file]);
    const before = fs.statSync(file, { bigint: true });
    expect(setTimes(g, 'f', 5n, 5n, 0)).toBe(Errno.SUCCESS);
    const fd = g.open('f', { rights: FD_READ | FD_FILESTAT_SET_TIMES });
    expect(g.fns.fd_filestat_set_times!(fd, 5n, 5n, 0)).toBe(Errno.SUCCESS);
    const after = fs.statSync(file, { bigint: true });
    expect([after.atimeNs, after.mtimeNs, after.ctimeNs]).toEqual([before.atimeNs, before.mtimeNs, before.ctimeNs]);
    expect(after.mtimeNs).toBe(1_000_000_000_123_456_789n);
  });

  it('refuses a trailing slash on what is not a directory (ENOTDIR), written or at the end of a link, and sets nothing', () => {
    const { dir, g } = layout();
    const before = fs.statSync(path.join(dir, 'f'), { bigint: true }).mtimeNs;
    expect(setTimes(g, 'f/', 0n, 1_000_000_000_000_000_000n, FST.MTIM)).toBe(Errno.NOTDIR);
    expect(setTimes(g, 'f/', 0n, 1_000_000_000_000_000_000n, FST.MTIM, false)).toBe(Errno.NOTDIR);
    expect(setTimes(g, 'd', 0n, 1_000_000_000_000_000_000n, FST.MTIM)).toBe(Errno.NOTDIR);
    expect(fs.statSync(path.join(dir, 'f'), { bigint: true }).mtimeNs).toBe(before);
    expect(setTimes(g, 'a/', 0n, 1_000_000_000_000_000_000n, FST.MTIM)).toBe(Errno.SUCCESS);
  });
});

describe('path_link', () => {
  it('refuses a trailing slash on a source that is not a directory (ENOTDIR), and links nothing', () => {
    const { dir, g } = layout();
    expect(twoPaths(g, 'path_link', 'f/', 'g', 0)).toBe(Errno.NOTDIR);
    expect(twoPaths(g, 'path_link', 'f/', 'g', FOLLOW)).toBe(Errno.NOTDIR);
    expect(twoPaths(g, 'path_link', 'd', 'g', FOLLOW)).toBe(Errno.NOTDIR);
    expect(fs.existsSync(path.join(dir, 'g'))).toBe(false);
    expect(fs.statSync(path.join(dir, 'f')).nlink).toBe(1);
    // A directory with its slash gets as far as the kernel: no hard links to directories.
    expect(twoPaths(g, 'path_link', 'a/', 'g', 0)).toBe(Errno.PERM);
    expect(twoPaths(g, 'path_link', 'f', 'g', 0)).toBe(Errno.SUCCESS);
  });

  it('looks the source up before the new name: a missing source is ENOENT whatever the new name is', () => {
    const { g } = layout();
    expect(twoPaths(g, 'path_link', 'nope', 'f/x', 0)).toBe(Errno.NOENT);
    expect(twoPaths(g, 'path_link', 'nope', 'f/x', FOLLOW)).toBe(Errno.NOENT);
    expect(twoPaths(g, 'path_link', 'nope', 'up/x', 0)).toBe(Errno.NOENT);
    // The source exists: the new name's errors, and its confinement, decide.
    expect(twoPaths(g, 'path_link', 'f', 'f/x', 0)).toBe(Errno.NOTDIR);
    expect(twoPaths(g, 'path_link', 'f', 'up/x', 0)).toBe(Errno.NOTCAPABLE);
  });
});

describe('path_open', () => {
  it('says EISDIR for O_CREAT of a name with a trailing slash, existing or not, without following it', () => {
    const { dir, outside, g } = layout();
    for (const p of ['f/', 'new/', 'loop/', 'up/', 'a/']) {
      expect(g.open(p, { oflags: O.CREAT, rights: FD_READ | FD_WRITE }), p).toBe(-Errno.ISDIR);
      expect(g.open(p, { oflags: O.CREAT | O.EXCL, rights: FD_READ | FD_WRITE }), p).toBe(-Errno.ISDIR);
    }
    // At the end of a followed link's target too: `d -> f/`, `s -> loop/` (not ELOOP).
    expect(g.open('d', { oflags: O.CREAT, rights: FD_READ | FD_WRITE })).toBe(-Errno.ISDIR);
    expect(g.open('s', { oflags: O.CREAT, rights: FD_READ | FD_WRITE })).toBe(-Errno.ISDIR);
    // The parent is still looked up first.
    expect(g.open('nope/x/', { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.NOENT);
    expect(g.open('up/x/', { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'd', 'f', 'loop', 's', 'up']);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('refuses O_CREAT|O_DIRECTORY (EINVAL) before the descriptor and the path, and creates nothing', () => {
    const { dir, g } = layout();
    const both = O.CREAT | O.DIRECTORY;
    expect(g.open('new', { oflags: both, rights: FD_READ })).toBe(-Errno.INVAL);
    expect(g.open('a', { oflags: both, rights: FD_READ })).toBe(-Errno.INVAL);
    expect(g.open('new', { oflags: both, rights: FD_READ, dirFd: 99 })).toBe(-Errno.INVAL);
    expect(g.open('new', { oflags: 16, rights: FD_READ, dirFd: 99 })).toBe(-Errno.INVAL);
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false);
  });

  it('says EEXIST for an exclusive create of an existing directory, even for writing', () => {
    const { g } = layout();
    for (const p of ['.', 'a', 'a/..', 'a/../', 'a/.']) {
      expect(g.open(p, { oflags: O.CREAT | O.EXCL, rights: FD_READ | FD_WRITE }), p).toBe(-Errno.EXIST);
    }
    expect(g.open('a', { oflags: O.CREAT, rights: FD_READ | FD_WRITE })).toBe(-Errno.ISDIR);
  });
});

describe('path_readlink and path_symlink', () => {
  it('reads a link given with a trailing slash as the directory it names: ENOTDIR, or EINVAL for a directory', () => {
    const { dir, g } = layout();
    fs.symlinkSync('a', path.join(dir, 'la'));
    const readlink = (p: string): number => {
      const len = g.put(3000, p);
      return g.fns.path_readlink!(3, 3000, len, 5000, 100, 6000);
    };
    expect(readlink('f/')).toBe(Errno.NOTDIR);
    expect(readlink('d/')).toBe(Errno.NOTDIR);
    expect(readlink('la/')).toBe(Errno.INVAL);
    expect(readlink('a/')).toBe(Errno.INVAL);
    expect(readlink('la')).toBe(Errno.SUCCESS);
  });

  it('refuses an empty symlink target (ENOENT) before the descriptor and the path', () => {
    const { dir, g } = layout();
    const symlink = (target: string, p: string, fd = 3): number => {
      const t = g.put(3000, target);
      const n = g.put(4000, p);
      return g.fns.path_symlink!(3000, t, fd, 4000, n);
    };
    expect(symlink('', 'f/x')).toBe(Errno.NOENT);
    expect(symlink('', '.')).toBe(Errno.NOENT);
    expect(symlink('', 'x', 99)).toBe(Errno.NOENT);
    expect(symlink('', 'x')).toBe(Errno.NOENT);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });
});

describe('descriptors', () => {
  it('leaves an append descriptor where it is after a write of nothing', () => {
    const { g } = layout();
    const fd = g.open('f', { rights: FD_READ | FD_WRITE | FD_SEEK | FD_TELL, fdflags: FDFLAG_APPEND });
    expect(g.write(fd, '')).toBe(0);
    expect(g.fns.fd_tell!(fd, 6000)).toBe(Errno.SUCCESS);
    expect(g.view().getBigUint64(6000, true)).toBe(0n);
    expect(g.read(fd)).toBe('content');
    expect(g.write(fd, '!')).toBe(1);
    expect(g.fns.fd_tell!(fd, 6000)).toBe(Errno.SUCCESS);
    expect(g.view().getBigUint64(6000, true)).toBe(8n);
  });

  it('says EINVAL for ftruncate of a directory and EBADF for fallocate of one, errors of its kind, not denials', () => {
    const { g } = layout();
    const a = g.open('a', { oflags: O.DIRECTORY, rights: FD_READ | FD_READDIR });
    expect(g.fns.fd_filestat_set_size!(a, 0n)).toBe(Errno.INVAL);
    expect(g.fns.fd_allocate!(a, 0n, 1n)).toBe(Errno.BADF);
    // fallocate(2) judges its arguments first.
    expect(g.fns.fd_allocate!(a, 0n, 0n)).toBe(Errno.INVAL);
    expect(g.fns.fd_allocate!(99, 0n, 0n)).toBe(Errno.BADF);
    expect(g.denials()).toEqual([]);
    // A file opened without write access lacks the rights: denials, as before.
    const f = g.open('f', { rights: FD_READ });
    expect(g.fns.fd_filestat_set_size!(f, 0n)).toBe(Errno.NOTCAPABLE);
    expect(g.fns.fd_allocate!(f, 0n, 1n)).toBe(Errno.NOTCAPABLE);
    expect(g.denials().map((r) => r.type === 'decision' && r.op)).toEqual(['fd_filestat_set_size', 'fd_allocate']);
  });

  it('marks a file modified when fd_allocate has nothing to grow, as fallocate(2) does', () => {
    const { dir, g } = layout();
    const file = path.join(dir, 'f');
    fs.utimesSync(file, 1_000_000_000, 1_000_000_000);
    const fd = g.open('f', { rights: FD_READ | FD_WRITE | (1n << 8n) });
    expect(g.fns.fd_allocate!(fd, 2n, 3n)).toBe(Errno.SUCCESS);
    const st = fs.statSync(file);
    expect(st.size).toBe(7);
    expect(st.mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    expect(st.atimeMs).toBe(1_000_000_000_000);
    expect(fs.readFileSync(file, 'utf8')).toBe('content');
  });
});
