// `..` from a directory descriptor opened below a preopen: the preopen is the boundary, not the
// descriptor. Programs rely on it (yosys removes its temporary directory with
// `fstatat(dirfd, "..")`; symlinks such as `lib -> ../shared/lib` point to siblings), and such a
// path is walked again from the preopen's root, prefixed with where the descriptor is now. These
// tests use it, and try to get out through it: climbing above the root from any depth, through
// host-planted and guest-made symlinks, from a directory the host moved out of the preopen or
// removed, and after the guest closed its preopen descriptor. Runs the WASI in this thread.
/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Errno, Filetype } from '@wsbc/runtime';
import { tempDir } from './helpers.js';
import { FD_READ, FD_WRITE, O, reviewGuest, type ReviewGuest } from './fixtures/review/guest.js';

const live: ReviewGuest[] = [];
afterEach(() => {
  for (const g of live.splice(0)) g.wasi.close();
});

/** Every right a descriptor may hold; path_open keeps what the preopen grants. */
const ALL_RIGHTS = (1n << 29n) - 1n;

/** A preopen `<parent>/root` with `f` and `a/b/`; beside it `<parent>/outside` with `probe/secret`. */
function layout(): { parent: string; dir: string; outside: string } {
  const parent = tempDir('wsbc-dotdot-');
  const dir = path.join(parent, 'root');
  const outside = path.join(parent, 'outside');
  fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
  fs.mkdirSync(path.join(outside, 'probe'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'probe', 'secret'), 'OUTSIDE');
  fs.writeFileSync(path.join(dir, 'f'), 'inside');
  fs.writeFileSync(path.join(dir, 'a', 'g'), 'in a');
  return { parent, dir, outside };
}

function guest(dir: string, audit: 'all' | 'denied' = 'denied'): ReviewGuest {
  const g = reviewGuest([{ hostPath: dir, read: true, write: true, create: true, delete: true }], { audit });
  live.push(g);
  return g;
}

/** A directory descriptor for `p` (relative to the preopen), with every right the preopen grants. */
function openDir(g: ReviewGuest, p: string, dirFd = 3): number {
  const fd = g.open(p, { dirFd, oflags: O.DIRECTORY, rights: ALL_RIGHTS & ~FD_WRITE, inheriting: ALL_RIGHTS });
  expect(fd).toBeGreaterThan(3);
  return fd;
}

function readFile(g: ReviewGuest, p: string, dirFd: number): string | number {
  const fd = g.open(p, { dirFd });
  if (fd < 0) return fd;
  const text = g.read(fd);
  g.close(fd);
  return text;
}

/**
 * Every way of using `p` from `dirFd`: the results (minus the errno), which must not depend on
 * what exists there.
 */
function probe(g: ReviewGuest, p: string, dirFd: number): number[] {
  return [
    g.open(`${p}/secret`, { dirFd }),
    g.open(`${p}/new`, { dirFd, oflags: O.CREAT, rights: FD_WRITE }),
    g.stat(`${p}/secret`, true, dirFd),
    g.stat(p, false, dirFd),
    -g.pathCall('path_create_directory', `${p}/made`, dirFd),
    -g.pathCall('path_unlink_file', `${p}/secret`, dirFd),
  ];
}

describe('.. above a directory descriptor, inside the preopen', () => {
  it('reaches the parent and siblings like the kernel would', () => {
    const { dir } = layout();
    const g = guest(dir);
    const a = openDir(g, 'a');
    const b = openDir(g, 'a/b');
    expect(g.stat('..', true, a)).toBe(Filetype.DIRECTORY);
    expect(g.stat('..', false, b)).toBe(Filetype.DIRECTORY);
    expect(readFile(g, '../f', a)).toBe('inside');
    expect(readFile(g, '../../f', b)).toBe('inside');
    expect(readFile(g, '../g', b)).toBe('in a');
    expect(readFile(g, '../b/../../a/./g', b)).toBe('in a');
    // `..` then a name that does not exist: ENOENT, as anywhere inside.
    expect(g.stat('../missing', true, a)).toBe(-Errno.NOENT);
    // Creating, making directories, renaming and removing through `..` act on the right entries.
    const created = g.open('../new', { dirFd: b, oflags: O.CREAT, rights: FD_WRITE });
    expect(created).toBeGreaterThan(3);
    expect(g.write(created, 'made from b')).toBe(11);
    expect(fs.readFileSync(path.join(dir, 'a', 'new'), 'utf8')).toBe('made from b');
    expect(g.pathCall('path_create_directory', '../../made', b)).toBe(Errno.SUCCESS);
    expect(fs.statSync(path.join(dir, 'made')).isDirectory()).toBe(true);
    const from = g.put(2048, '../f');
    const to = g.put(3000, 'moved');
    expect(g.fns.path_rename!(a, 2048, from, b, 3000, to)).toBe(Errno.SUCCESS);
    expect(fs.readFileSync(path.join(dir, 'a', 'b', 'moved'), 'utf8')).toBe('inside');
    expect(g.pathCall('path_remove_directory', '../../made', b)).toBe(Errno.SUCCESS);
    expect(g.pathCall('path_unlink_file', '../new', b)).toBe(Errno.SUCCESS);
    expect(fs.readdirSync(dir).sort()).toEqual(['a']);
    // A path ending in `..` names the directory itself: nothing can be removed through it.
    expect(g.pathCall('path_remove_directory', '..', b)).toBe(Errno.NOTEMPTY);
    expect(g.denials()).toEqual([]);
  });

  it('records the guest path from the preopen root for calls that climbed', () => {
    const { dir } = layout();
    const g = guest(dir, 'all');
    const b = openDir(g, 'a/b');
    expect(readFile(g, '../../f', b)).toBe('inside');
    const opens = g.audit.filter((r) => r.type === 'decision' && r.op === 'path_open').map((r) => r.type === 'decision' && r.detail?.['path']);
    expect(opens).toEqual(['/data/a/b', '/data/f']);
  });

  it('follows symlinks whose target climbs to a sibling, planted by the host or made by the guest', () => {
    const { dir } = layout();
    fs.symlinkSync('../f', path.join(dir, 'a', 'up'));
    const g = guest(dir);
    const a = openDir(g, 'a');
    expect(readFile(g, 'up', a)).toBe('inside');
    expect(g.stat('up', true, a)).toBe(Filetype.REGULAR_FILE);
    // The guest makes one from a descriptor below the root: measured from the link's place in the
    // preopen, `../../f` from a/b stays inside.
    const b = openDir(g, 'a/b');
    const target = g.put(2048, '../../f');
    const at = g.put(3000, 'sib');
    expect(g.fns.path_symlink!(2048, target, b, 3000, at)).toBe(Errno.SUCCESS);
    expect(readFile(g, 'sib', b)).toBe('inside');
    expect(readFile(g, 'a/b/sib', 3)).toBe('inside');
  });
});

describe('.. above the preopen root, from below it', () => {
  it('is refused from every depth, without telling what exists outside', () => {
    const { dir, outside } = layout();
    const g = guest(dir);
    const a = openDir(g, 'a');
    const b = openDir(g, 'a/b');
    const name = path.basename(outside);
    for (const [fd, up] of [[a, '../..'], [b, '../../..'], [b, '../../../root/../..'], [a, '../a/../..']] as const) {
      const there = probe(g, `${up}/${name}/probe`, fd);
      const nowhere = probe(g, `${up}/no-such-dir/probe`, fd);
      expect(there).toEqual(nowhere);
      expect(new Set(there)).toEqual(new Set([-Errno.NOTCAPABLE]));
      expect(g.stat(up, true, fd)).toBe(-Errno.NOTCAPABLE);
    }
    expect(fs.readdirSync(path.join(outside, 'probe'))).toEqual(['secret']);
    const denied = g.denials();
    expect(denied.length).toBeGreaterThan(40);
    expect(denied.every((r) => r.type === 'decision' && r.errno === 'notcapable')).toBe(true);
  });

  it('refuses symlinks whose target climbs out from below the root, planted or made', () => {
    const { dir, outside } = layout();
    const name = path.basename(outside);
    fs.symlinkSync(`../../${name}/probe/secret`, path.join(dir, 'a', 'out'));
    const g = guest(dir);
    const a = openDir(g, 'a');
    expect(readFile(g, 'out', a)).toBe(-Errno.NOTCAPABLE);
    expect(g.stat('out', true, a)).toBe(-Errno.NOTCAPABLE);
    const b = openDir(g, 'a/b');
    const target = g.put(2048, `../../../${name}/probe/secret`);
    const at = g.put(3000, 'escape');
    expect(g.fns.path_symlink!(2048, target, b, 3000, at)).toBe(Errno.NOTCAPABLE);
    expect(fs.existsSync(path.join(dir, 'a', 'b', 'escape'))).toBe(false);
    expect(g.denials().some((r) => r.type === 'decision' && r.op === 'path_symlink' && r.reason === 'symlink target leaves the preopen')).toBe(true);
  });

  it('a directory the host moved out of the preopen reaches nothing through ..', () => {
    const { dir, outside } = layout();
    const g = guest(dir);
    const a = openDir(g, 'a');
    // The host moves `a` into the outside directory: its parent now holds `probe/secret`.
    fs.renameSync(path.join(dir, 'a'), path.join(outside, 'a'));
    expect(readFile(g, '../probe/secret', a)).toBe(-Errno.NOTCAPABLE);
    expect(g.stat('..', true, a)).toBe(-Errno.NOTCAPABLE);
    const target = g.put(2048, '../probe/secret');
    const at = g.put(3000, 'l');
    expect(g.fns.path_symlink!(2048, target, a, 3000, at)).toBe(Errno.NOTCAPABLE);
    expect(fs.readdirSync(path.join(outside, 'a')).sort()).toEqual(['b', 'g']);
    expect(g.denials().some((r) => r.type === 'decision' && r.reason === 'the directory is no longer inside its preopen')).toBe(true);
  });

  it('a directory moved elsewhere inside finds its new parent, and a removed one its former parent', () => {
    const { dir } = layout();
    fs.mkdirSync(path.join(dir, 'x'));
    fs.writeFileSync(path.join(dir, 'x', 'h'), 'in x');
    const g = guest(dir);
    const b = openDir(g, 'a/b');
    fs.renameSync(path.join(dir, 'a', 'b'), path.join(dir, 'x', 'b'));
    expect(readFile(g, '../h', b)).toBe('in x');
    expect(readFile(g, '../../f', b)).toBe('inside');
    expect(readFile(g, '../../../f', b)).toBe(-Errno.NOTCAPABLE);
    fs.rmdirSync(path.join(dir, 'x', 'b'));
    // As on Linux: `..` still reaches the parent; nothing else can be looked up in a removed directory.
    expect(g.stat('..', true, b)).toBe(Filetype.DIRECTORY);
    expect(readFile(g, '../h', b)).toBe('in x');
    expect(readFile(g, './../../f', b)).toBe('inside');
    expect(readFile(g, '../../../f', b)).toBe(-Errno.NOTCAPABLE);
    fs.mkdirSync(path.join(dir, 'x', 'b'));
    fs.writeFileSync(path.join(dir, 'x', 'b', 'h'), 'in the new b');
    expect(g.stat('h', true, b)).toBe(-Errno.NOENT);
    expect(readFile(g, '../b/h', b)).toBe('in the new b');
  });

  it('climbs out of removed directories one after another, and not out of one whose parent left the preopen', () => {
    const { dir, outside } = layout();
    fs.mkdirSync(path.join(dir, 'p', 'q', 'r'), { recursive: true });
    const g = guest(dir);
    const r = openDir(g, 'p/q/r');
    fs.rmdirSync(path.join(dir, 'p', 'q', 'r'));
    fs.rmdirSync(path.join(dir, 'p', 'q'));
    expect(readFile(g, '../../../f', r)).toBe('inside');
    expect(g.stat('../..', true, r)).toBe(Filetype.DIRECTORY);
    expect(readFile(g, '../../../../f', r)).toBe(-Errno.NOTCAPABLE);
    // A removed directory whose parent the host moved outside: its `..` is outside too.
    fs.mkdirSync(path.join(dir, 'm', 'n'), { recursive: true });
    const n = openDir(g, 'm/n');
    fs.rmdirSync(path.join(dir, 'm', 'n'));
    fs.renameSync(path.join(dir, 'm'), path.join(outside, 'm'));
    fs.writeFileSync(path.join(outside, 'm', 'secret'), 'outside');
    expect(readFile(g, '../secret', n)).toBe(-Errno.NOTCAPABLE);
    expect(g.stat('..', true, n)).toBe(-Errno.NOTCAPABLE);
  });

  it('works after the guest closed or renumbered away its preopen descriptor', () => {
    const { dir } = layout();
    const g = guest(dir);
    const a = openDir(g, 'a');
    expect(g.close(3)).toBe(Errno.SUCCESS);
    expect(readFile(g, '../f', a)).toBe('inside');
    expect(readFile(g, '../..', a)).toBe(-Errno.NOTCAPABLE);
    // A file renumbered over the slot of a descriptor changes nothing for the others.
    const file = g.open('g', { dirFd: a, rights: FD_READ });
    expect(g.fns.fd_renumber!(file, 3)).toBe(Errno.SUCCESS);
    expect(readFile(g, '../f', a)).toBe('inside');
  });
});
