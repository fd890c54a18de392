// Adversarial tests of the cache of verified parent directories (PinnedParentCache): between two
// calls that go through the same cached parent, the directory is swapped for a symlink pointing
// outside, renamed and re-created, moved out of the preopen, or removed. Nothing outside may be
// reached and no call may act on the directory that used to be there. Runs the WASI in this
// thread against real directories; each test first proves that the parent really was cached
// (the cache keeps a host descriptor open after the call returns).
/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeterministicGuestClock, Errno, RunMeter, SeededRandom, WasiPreview1 } from '@wsbc/runtime';
import { manifest, tempDir } from './helpers.js';

/** lookupflags.symlink_follow, and the fd_read right. */
const FOLLOW = 1;
const FD_READ = 2n;

function openHostFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

interface Guest {
  wasi: WasiPreview1;
  stat(p: string): number;
  open(p: string): number;
  read(fd: number): string;
  mkdir(p: string): number;
  rename(from: string, to: string): number;
}

const open: WasiPreview1[] = [];
afterEach(() => {
  for (const w of open.splice(0)) w.close();
});

function guest(dir: string): Guest {
  const policy = manifest({
    filesystem: { preopens: [{ hostPath: dir, guestPath: '/data', read: true, write: true, create: true, delete: true }] },
    random: { mode: 'pseudo', seed: 1 },
    time: { mode: 'read-only', deterministic: { startMs: 0, stepNs: 1 } },
    limits: { io: { readBytesPerSecond: null, writeBytesPerSecond: null } },
  });
  const wasi = new WasiPreview1({
    manifest: policy, args: ['cache'], env: [],
    stdio: { readStdin: () => new Uint8Array(0), waitStdin: () => true, write: () => undefined },
    meter: new RunMeter(policy.limits, () => undefined), clock: new DeterministicGuestClock({ startMs: 0, stepNs: 1 }),
    random: new SeededRandom(1), audit: () => undefined,
  });
  open.push(wasi);
  const memory = new WebAssembly.Memory({ initial: 1 });
  wasi.memory.attach(memory);
  const bytes = new Uint8Array(memory.buffer);
  const view = new DataView(memory.buffer);
  const fns = wasi.imports().wasi_snapshot_preview1;
  // Strings at 1024 and 2048, results at 0..255, read buffer at 4096.
  const put = (at: number, s: string) => {
    const b = new TextEncoder().encode(s);
    bytes.set(b, at);
    return b.byteLength;
  };
  return {
    wasi,
    stat: (p) => fns.path_filestat_get!(3, FOLLOW, 1024, put(1024, p), 64),
    open: (p) => {
      const errno = fns.path_open!(3, FOLLOW, 1024, put(1024, p), 0, FD_READ, 0n, 0, 0);
      return errno === Errno.SUCCESS ? view.getUint32(0, true) : -errno;
    },
    read: (fd) => {
      view.setUint32(16, 4096, true);
      view.setUint32(20, 256, true);
      expect(fns.fd_read!(fd, 16, 1, 8)).toBe(Errno.SUCCESS);
      return new TextDecoder().decode(bytes.subarray(4096, 4096 + view.getUint32(8, true)));
    },
    mkdir: (p) => fns.path_create_directory!(3, 1024, put(1024, p)),
    rename: (from, to) => fns.path_rename!(3, 1024, put(1024, from), 3, 2048, put(2048, to)),
  };
}

/** A preopen with sub/f = "inside", and an outside directory with secret files. */
function setup(): { dir: string; outside: string } {
  const dir = tempDir('wsbc-cache-');
  const outside = tempDir('wsbc-cache-outside-');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'f'), 'inside');
  fs.writeFileSync(path.join(outside, 'f'), 'OUTSIDE');
  fs.writeFileSync(path.join(outside, 'secret'), 'OUTSIDE');
  return { dir, outside };
}

/** Caches `sub` through a stat of sub/f, and checks that a descriptor was kept for it. */
function cacheSub(g: Guest): void {
  const before = openHostFds();
  expect(g.stat('sub/f')).toBe(Errno.SUCCESS);
  expect(openHostFds()).toBe(before + 1);
  // A second call through the same parent reuses it: no further descriptor.
  expect(g.stat('sub/f')).toBe(Errno.SUCCESS);
  expect(openHostFds()).toBe(before + 1);
}

describe('cache of verified parent directories', () => {
  it('refuses a cached directory swapped for a symlink that points outside', () => {
    const { dir, outside } = setup();
    const g = guest(dir);
    cacheSub(g);
    fs.renameSync(path.join(dir, 'sub'), path.join(dir, 'sub-old'));
    fs.symlinkSync(outside, path.join(dir, 'sub'));
    expect(g.stat('sub/secret')).toBe(Errno.NOTCAPABLE);
    expect(g.open('sub/secret')).toBe(-Errno.NOTCAPABLE);
    // Not the old directory either: sub/f now names something outside, which is refused.
    expect(g.open('sub/f')).toBe(-Errno.NOTCAPABLE);
    expect(g.stat('sub/f')).toBe(Errno.NOTCAPABLE);
  });

  it('follows a cached directory that was renamed and re-created to the new directory', () => {
    const { dir } = setup();
    const g = guest(dir);
    cacheSub(g);
    fs.renameSync(path.join(dir, 'sub'), path.join(dir, 'old'));
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'f'), 'new');
    const fd = g.open('sub/f');
    expect(fd).toBeGreaterThan(3);
    expect(g.read(fd)).toBe('new');
  });

  it('does the same when the guest itself renames the cached directory', () => {
    const { dir } = setup();
    const g = guest(dir);
    cacheSub(g);
    expect(g.rename('sub', 'moved')).toBe(Errno.SUCCESS);
    expect(g.stat('sub/f')).toBe(Errno.NOENT);
    expect(g.mkdir('sub')).toBe(Errno.SUCCESS);
    fs.writeFileSync(path.join(dir, 'sub', 'f'), 'again');
    expect(g.read(g.open('sub/f'))).toBe('again');
    expect(g.read(g.open('moved/f'))).toBe('inside');
  });

  it('never reaches a cached directory after it was moved out of the preopen', () => {
    const { dir, outside } = setup();
    const g = guest(dir);
    cacheSub(g);
    fs.renameSync(path.join(dir, 'sub'), path.join(outside, 'moved'));
    fs.writeFileSync(path.join(outside, 'moved', 'secret'), 'OUTSIDE');
    expect(g.stat('sub/f')).toBe(Errno.NOENT);
    expect(g.open('sub/secret')).toBe(-Errno.NOENT);
  });

  it('does not use a cached directory that was removed, even when one of the same name is made', () => {
    const { dir } = setup();
    const g = guest(dir);
    cacheSub(g);
    fs.rmSync(path.join(dir, 'sub'), { recursive: true });
    expect(g.stat('sub/f')).toBe(Errno.NOENT);
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'f'), 'fresh');
    expect(g.read(g.open('sub/f'))).toBe('fresh');
  });

  it('never caches a parent reached through a symlink, and closes what it kept', () => {
    const { dir } = setup();
    fs.symlinkSync('sub', path.join(dir, 'link'));
    const baseline = openHostFds();
    const g = guest(dir);
    const afterOpen = openHostFds();
    expect(g.stat('link/f')).toBe(Errno.SUCCESS);
    expect(openHostFds()).toBe(afterOpen);
    // Retargeting the symlink is seen at once.
    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'other', 'f'), 'other');
    fs.unlinkSync(path.join(dir, 'link'));
    fs.symlinkSync('other', path.join(dir, 'link'));
    expect(g.read(g.open('link/f'))).toBe('other');
    cacheSub(g);
    g.wasi.close();
    open.splice(open.indexOf(g.wasi), 1);
    expect(openHostFds()).toBe(baseline);
  });
});
