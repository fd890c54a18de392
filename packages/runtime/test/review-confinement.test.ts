// Review of confinement after the fast routes (split path pinned as written, cached parents):
// symlinks whose targets climb out of the preopen (planted by the host, or made by the guest and
// then renamed to a shallower place, where its `..` reaches further), absolute symlinks pointing
// back inside, parents swapped for outside symlinks by another thread while the guest opens
// through them, and hard links. Nothing outside may be reached or probed: the guest must not
// even learn whether a directory exists outside (ENOENT vs ENOTCAPABLE). Runs the WASI in this
// thread; the swapper is a worker thread, so it runs concurrently with the calls.
/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Errno, Filetype } from '@wsbc/runtime';
import { tempDir } from './helpers.js';
import { FD_READ, FD_READDIR, FD_WRITE, O, reviewGuest, type ReviewGuest } from './fixtures/review/guest.js';

const live: ReviewGuest[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const g of live.splice(0)) g.wasi.close();
});

const ALL = { read: true, write: true, create: true, delete: true };

/** A preopen `<parent>/root` with `f`; beside it `<parent>/outside` with `probe/secret`. */
function layout(): { parent: string; dir: string; outside: string } {
  const parent = tempDir('wsbc-review-conf-');
  const dir = path.join(parent, 'root');
  const outside = path.join(parent, 'outside');
  fs.mkdirSync(dir);
  fs.mkdirSync(path.join(outside, 'probe'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'probe', 'secret'), 'OUTSIDE');
  fs.writeFileSync(path.join(dir, 'f'), 'inside');
  return { parent, dir, outside };
}

function guest(dir: string, grant = ALL): ReviewGuest {
  const g = reviewGuest([{ hostPath: dir, ...grant }]);
  live.push(g);
  return g;
}

/** Every way of using `p`: its results, which must not depend on what exists outside. */
function probe(g: ReviewGuest, p: string, dirFd = 3): number[] {
  return [
    g.open(`${p}/x`, { dirFd }),
    g.open(`${p}/secret`, { dirFd }),
    g.open(`${p}/new`, { dirFd, oflags: O.CREAT, rights: FD_WRITE }),
    g.stat(`${p}/secret`, true, dirFd),
    g.stat(`${p}/secret`, false, dirFd),
    g.pathCall('path_create_directory', `${p}/made`, dirFd),
    g.pathCall('path_unlink_file', `${p}/secret`, dirFd),
    g.pathCall('path_remove_directory', `${p}/made`, dirFd),
  ];
}

describe('symlinks that climb out of the preopen', () => {
  it('a link the guest made and moved up a level reaches nothing outside and probes nothing', () => {
    const { dir, outside } = layout();
    const g = guest(dir);
    expect(g.pathCall('path_create_directory', 'deep')).toBe(Errno.SUCCESS);
    // `deep/up -> ..` stays inside where it is made; renamed to the top it names the preopen's parent.
    const target = g.put(2048, '..');
    const at = g.put(3000, 'deep/up');
    expect(g.fns.path_symlink!(2048, target, 3, 3000, at)).toBe(Errno.SUCCESS);
    const to = g.put(2048, 'up');
    expect(g.fns.path_rename!(3, 3000, at, 3, 2048, to)).toBe(Errno.SUCCESS);
    expect(fs.readlinkSync(path.join(dir, 'up'))).toBe('..');

    const existing = probe(g, `up/${path.basename(outside)}/probe`);
    const missing = probe(g, `up/${path.basename(outside)}/no-such-dir`);
    expect(existing).toEqual([...Array(5).fill(-Errno.NOTCAPABLE), ...Array(3).fill(Errno.NOTCAPABLE)]);
    expect(missing).toEqual(existing);
    // Out and back in under the preopen's own name: still a path that leaves the preopen.
    expect(g.open(`up/${path.basename(dir)}/f`)).toBe(-Errno.NOTCAPABLE);
    expect(g.stat(`up/${path.basename(dir)}/f`)).toBe(-Errno.NOTCAPABLE);
    expect(g.open('up', { rights: FD_READDIR })).toBe(-Errno.NOTCAPABLE);
    expect(fs.readdirSync(path.join(outside, 'probe'))).toEqual(['secret']);
    expect(fs.readdirSync(dir).sort()).toEqual(['deep', 'f', 'up']);
    // Every refusal is audited with the guest's path.
    const denied = g.denials();
    expect(denied.length).toBeGreaterThanOrEqual(19);
    expect(denied.every((r) => r.type === 'decision' && r.errno === 'notcapable' && String(r.detail?.path).startsWith('/data/up'))).toBe(true);
  });

  it('a host-made link with `..` targets, through a preopen or a subdirectory descriptor, probes nothing', () => {
    const { dir, outside } = layout();
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.symlinkSync('../..', path.join(dir, 'sub', 'out'));
    const g = guest(dir);
    const every = (1n << 64n) - 1n;
    const sub = g.open('sub', { oflags: O.DIRECTORY, rights: every & ~FD_WRITE, inheriting: every });
    expect(sub).toBeGreaterThan(3);
    const name = path.basename(outside);
    for (const [dirFd, base] of [[3, 'sub/out'], [sub, 'out']] as const) {
      const existing = probe(g, `${base}/${name}/probe`, dirFd);
      expect(probe(g, `${base}/${name}/absent`, dirFd)).toEqual(existing);
      expect(existing.slice(0, 5)).toEqual(Array(5).fill(-Errno.NOTCAPABLE));
      expect(g.open(`${base}/${path.basename(dir)}/f`, { dirFd })).toBe(-Errno.NOTCAPABLE);
    }
    expect(fs.readdirSync(outside)).toEqual(['probe']);
  });

  it('refuses an absolute symlink even when it points back inside, on every route', () => {
    const { dir } = layout();
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, 'd', 'g'), 'nested');
    fs.symlinkSync(path.join(dir, 'd'), path.join(dir, 'abs'));
    const g = guest(dir);
    expect(g.open('abs/g')).toBe(-Errno.NOTCAPABLE);
    expect(g.stat('abs/g')).toBe(-Errno.NOTCAPABLE);
    expect(g.open('./abs/g')).toBe(-Errno.NOTCAPABLE);
    expect(g.open('abs')).toBe(-Errno.NOTCAPABLE);
    // The relative spelling of the same directory works.
    fs.symlinkSync('d', path.join(dir, 'rel'));
    expect(g.read(g.open('rel/g'))).toBe('nested');
    expect(g.stat('rel/g')).toBe(Filetype.REGULAR_FILE);
  });
});

/** Flips `link` between a real directory (moved aside) and a symlink to an outside one. */
function startFlipper(dir: string, outsideTarget: string): { started(): boolean; stop(): Promise<number> } {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(`
    const fs = require('node:fs');
    const path = require('node:path');
    const { workerData: { dir, outsideTarget, flag } } = require('node:worker_threads');
    const sub = path.join(dir, 'sub');
    const aside = path.join(dir, 'aside');
    let flips = 0;
    while (Atomics.load(flag, 0) === 0) {
      fs.renameSync(sub, aside);
      fs.symlinkSync(outsideTarget, sub);
      fs.unlinkSync(sub);
      fs.renameSync(aside, sub);
      flips++;
      Atomics.store(flag, 1, flips);
    }
  `, { eval: true, workerData: { dir, outsideTarget, flag } });
  return {
    started: () => Atomics.load(flag, 1) > 0,
    stop: async () => {
      Atomics.store(flag, 0, 1);
      await new Promise((resolve) => worker.once('exit', resolve));
      return Atomics.load(flag, 1);
    },
  };
}

describe('a parent swapped for an outside symlink while the guest works through it', () => {
  it('never reads, stats or creates anything outside, with or without the cached parent', async () => {
    const { dir, outside } = layout();
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'secret'), 'inside');
    const g = guest(dir);
    // Cached before the race starts.
    expect(g.read(g.open('sub/secret'))).toBe('inside');
    const flipper = startFlipper(dir, `../${path.basename(outside)}/probe`);
    // A worker takes a while to start: the opens begin once it flips.
    const until = Date.now() + 10_000;
    while (!flipper.started() && Date.now() < until);
    const outsideIno = fs.statSync(path.join(outside, 'probe', 'secret')).ino;
    let opened = 0;
    for (let i = 0; i < 3000; i++) {
      const fd = g.open(i % 3 === 0 ? 'sub/secret' : i % 3 === 1 ? './sub/secret' : 'sub/./secret');
      if (fd > 0) {
        expect(g.read(fd)).toBe('inside');
        g.close(fd);
        opened++;
      } else {
        expect([Errno.NOTCAPABLE, Errno.NOENT]).toContain(-fd);
      }
      const st = g.stat('sub/secret', i % 2 === 0);
      if (st > 0) expect(g.view().getBigUint64(128 + 8, true)).not.toBe(BigInt(outsideIno));
      const made = g.open(`sub/new${i}`, { oflags: O.CREAT, rights: FD_WRITE });
      if (made > 0) g.close(made);
    }
    const flips = await flipper.stop();
    expect(flips).toBeGreaterThan(10);
    expect(opened).toBeGreaterThan(0);
    expect(fs.readdirSync(path.join(outside, 'probe'))).toEqual(['secret']);
    expect(fs.readFileSync(path.join(outside, 'probe', 'secret'), 'utf8')).toBe('OUTSIDE');
  });
});

describe('hard links', () => {
  it('a host-made hard link is the file inside the preopen, with the preopen\'s grants and no more', () => {
    const { dir, outside } = layout();
    fs.linkSync(path.join(outside, 'probe', 'secret'), path.join(dir, 'hard'));
    const readOnly = guest(dir, { read: true, write: false, create: false, delete: false });
    // The policy grants names: a name inside the preopen is readable, whatever else links to it.
    expect(readOnly.read(readOnly.open('hard'))).toBe('OUTSIDE');
    expect(readOnly.open('hard', { rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    expect(readOnly.open('hard', { oflags: O.TRUNC })).toBe(-Errno.NOTCAPABLE);
    expect(fs.readFileSync(path.join(outside, 'probe', 'secret'), 'utf8')).toBe('OUTSIDE');
  });

  it('the guest cannot link anything outside in, across preopens, or through a symlink', () => {
    const { parent, dir, outside } = layout();
    const other = path.join(parent, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'ro'), 'read-only');
    fs.symlinkSync(`../${path.basename(outside)}/probe/secret`, path.join(dir, 'out'));
    const writable = path.join(parent, 'writable');
    fs.mkdirSync(writable);
    const g = reviewGuest([
      { hostPath: dir, ...ALL }, { hostPath: other, guestPath: '/other', read: true }, { hostPath: writable, guestPath: '/writable', ...ALL },
    ]);
    live.push(g);
    const link = (fromFd: number, from: string, toFd: number, to: string, follow: number) => {
      const a = g.put(2048, from);
      const b = g.put(3000, to);
      return g.fns.path_link!(fromFd, follow, 2048, a, toFd, 3000, b);
    };
    expect(link(3, 'out', 3, 'copy', 1)).toBe(Errno.NOTCAPABLE);
    expect(link(3, '../outside/probe/secret', 3, 'copy', 0)).toBe(Errno.NOTCAPABLE);
    expect(link(4, 'ro', 3, 'copy', 0)).toBe(Errno.NOTCAPABLE);
    expect(link(3, 'f', 4, 'copy', 0)).toBe(Errno.NOTCAPABLE);
    // Between two preopens that both grant linking: EXDEV, audited.
    expect(link(3, 'f', 5, 'copy', 0)).toBe(Errno.XDEV);
    expect(g.denials().some((r) => r.type === 'decision' && r.op === 'path_link' && r.errno === 'xdev')).toBe(true);
    // Linking the symlink itself copies the link, which is checked again whenever it is used.
    expect(link(3, 'out', 3, 'copy', 0)).toBe(Errno.SUCCESS);
    expect(fs.lstatSync(path.join(dir, 'copy')).isSymbolicLink()).toBe(true);
    expect(g.open('copy')).toBe(-Errno.NOTCAPABLE);
    expect(fs.statSync(path.join(outside, 'probe', 'secret')).nlink).toBe(1);
    expect(fs.readdirSync(other)).toEqual(['ro']);
    expect(fs.readdirSync(writable)).toEqual([]);
  });
});

describe('symlinks the guest creates', () => {
  it('measures a new symlink\'s target from where it really is, not from a symlinked path to it', () => {
    const { dir, outside } = layout();
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    // `a/b/top` is the preopen itself, spelled three levels deep.
    fs.symlinkSync('../..', path.join(dir, 'a', 'b', 'top'));
    const g = guest(dir);
    const make = (target: string, at: string) => {
      const t = g.put(2048, target);
      const p = g.put(3000, at);
      return g.fns.path_symlink!(2048, t, 3, 3000, p);
    };
    // Three `..` from `a/b/top/` would stay inside if `a/b/top` were three levels deep; it is the top.
    expect(make(`../../../${path.basename(outside)}/probe`, 'a/b/top/escape')).toBe(Errno.NOTCAPABLE);
    expect(fs.existsSync(path.join(dir, 'escape'))).toBe(false);
    expect(make('f', 'a/b/top/ok')).toBe(Errno.SUCCESS);
    expect(fs.readlinkSync(path.join(dir, 'ok'))).toBe('f');
    expect(g.denials().some((r) => r.type === 'decision' && r.op === 'path_symlink')).toBe(true);
  });
});

/**
 * If the host descriptor that `from` (a /proc/self/fd/N/... path) goes through has been closed,
 * opens `outside` until it gets that number: a use of the freed descriptor would then act on the
 * outside directory. Only a number that is free can be handed out again.
 */
function takeFreedSource(from: fs.PathLike, outside: string): void {
  const source = Number(/\/fd\/(\d+)\//.exec(String(from))?.[1]);
  const taken: number[] = [];
  for (let i = 0; i < 4096 && !fs.existsSync(`/proc/self/fd/${source}`); i++) {
    const fd = fs.openSync(outside, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    if (fd === source) break;
    taken.push(fd);
  }
  for (const fd of taken) fs.closeSync(fd);
}

describe('the cache of pinned parents under path_rename and path_link', () => {
  /**
   * Fills the cache (32 parents per preopen) with p0..p31, p0 first, and arranges that whatever
   * descriptor number the sandbox frees next is taken at once by an open of `outside` elsewhere
   * in the process (as another thread or sandbox would), before the host rename or link runs.
   */
  function filled(op: 'renameSync' | 'linkSync'): { g: ReviewGuest; dir: string; outside: string } {
    const { dir, outside } = layout();
    fs.writeFileSync(path.join(outside, 'x'), 'OUTSIDE');
    for (let i = 0; i <= 32; i++) {
      fs.mkdirSync(path.join(dir, `p${i}`));
      fs.writeFileSync(path.join(dir, `p${i}`, 'x'), `in${i}`);
    }
    const g = guest(dir);
    for (let i = 0; i < 32; i++) expect(g.stat(`p${i}/x`)).toBe(Filetype.REGULAR_FILE);
    const real = fs[op] as (a: fs.PathLike, b: fs.PathLike) => void;
    vi.spyOn(fs, op).mockImplementation(((from: fs.PathLike, to: fs.PathLike) => {
      takeFreedSource(from, outside);
      return real(from, to);
    }) as typeof fs.renameSync);
    return { g, dir, outside };
  }

  for (const op of ['renameSync', 'linkSync'] as const) {
    it(`never frees the source's parent while ${op === 'renameSync' ? 'a rename' : 'a link'} still uses it`, () => {
      const { g, dir, outside } = filled(op);
      const from = g.put(2048, 'p0/x');
      const to = g.put(3000, 'p32/moved');
      const errno = op === 'renameSync'
        ? g.fns.path_rename!(3, 2048, from, 3, 3000, to)
        : g.fns.path_link!(3, 0, 2048, from, 3, 3000, to);
      expect(errno).toBe(Errno.SUCCESS);
      expect(fs.readFileSync(path.join(dir, 'p32', 'moved'), 'utf8')).toBe('in0');
      expect(fs.readFileSync(path.join(outside, 'x'), 'utf8')).toBe('OUTSIDE');
      expect(fs.readdirSync(outside).sort()).toEqual(['probe', 'x']);
    });
  }

  it('keeps the source\'s parent open when the target\'s pin finds it moved in the meantime', () => {
    const { dir, outside } = layout();
    fs.writeFileSync(path.join(outside, 'x'), 'OUTSIDE');
    fs.mkdirSync(path.join(dir, 'a'));
    fs.writeFileSync(path.join(dir, 'a', 'x'), 'in-a');
    const g = guest(dir);
    expect(g.stat('a/x')).toBe(Filetype.REGULAR_FILE);
    // The source's pin reads the cached parent back (1st readlink); before the target's pin
    // reads it again (2nd), the host moves `a` aside and makes a new `a`.
    const readlink = fs.readlinkSync;
    let reads = 0;
    vi.spyOn(fs, 'readlinkSync').mockImplementation(((p: fs.PathLike, o?: unknown) => {
      if (++reads === 2) {
        fs.renameSync(path.join(dir, 'a'), path.join(dir, 'a-moved'));
        fs.mkdirSync(path.join(dir, 'a'));
      }
      return (readlink as (p: fs.PathLike, o?: unknown) => string)(p, o);
    }) as typeof fs.readlinkSync);
    const rename = fs.renameSync;
    vi.spyOn(fs, 'renameSync').mockImplementation(((from: fs.PathLike, to: fs.PathLike) => {
      takeFreedSource(from, outside);
      return rename(from, to);
    }) as typeof fs.renameSync);
    const from = g.put(2048, 'a/x');
    const to = g.put(3000, 'a/y');
    expect(g.fns.path_rename!(3, 2048, from, 3, 3000, to)).toBe(Errno.SUCCESS);
    expect(reads).toBeGreaterThanOrEqual(2);
    vi.restoreAllMocks();
    // The file the source named when it was pinned, moved along with its directory, is what moved.
    expect(fs.readFileSync(path.join(dir, 'a', 'y'), 'utf8')).toBe('in-a');
    expect(fs.readFileSync(path.join(outside, 'x'), 'utf8')).toBe('OUTSIDE');
    // The retired descriptor is closed by the next call.
    const before = fs.readdirSync('/proc/self/fd').length;
    expect(g.stat('a/y')).toBe(Filetype.REGULAR_FILE);
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before - 1);
  });
});
