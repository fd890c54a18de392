// path_open decides from an fstat of what it opened (O_NOFOLLOW|O_NONBLOCK), not from an lstat
// taken before the open. These tests pin down every outcome of that decision against real
// files, FIFOs, sockets, devices and symlinks, and race the open against another thread that
// keeps swapping the target between a regular file and a FIFO, or a symlink pointing outside:
// no open may block, hand out a special file or read outside the preopen. Runs the WASI in this
// thread (the swapper is a worker thread, so it really runs concurrently with the opens).
/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { DeterministicGuestClock, Errno, Filetype, RunMeter, SeededRandom, WasiPreview1, type AuditDraft } from '@wsbc/runtime';
import { manifest, tempDir } from './helpers.js';

const FOLLOW = 1;
const O = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
const FD_READ = 2n;
const FD_WRITE = 64n;
const FD_READDIR = 1n << 14n;

interface OpenOptions {
  follow?: boolean;
  oflags?: number;
  rights?: bigint;
  fdflags?: number;
}

interface Guest {
  audit: AuditDraft[];
  /** The filetype path_filestat_get reports, or minus the errno. */
  stat(p: string, follow?: boolean): number;
  /** The new descriptor, or minus the errno. */
  open(p: string, options?: OpenOptions): number;
  filetype(fd: number): number;
  read(fd: number): string;
  close(fd: number): number;
}

const live: WasiPreview1[] = [];
afterEach(() => {
  for (const w of live.splice(0)) w.close();
});

function guest(dir: string, grant: { read: boolean; write: boolean; create: boolean }, audit: 'all' | 'denied' = 'denied'): Guest {
  const policy = manifest({
    filesystem: { preopens: [{ hostPath: dir, guestPath: '/data', delete: false, ...grant }] },
    audit: { decisions: audit },
    random: { mode: 'pseudo', seed: 1 },
    time: { mode: 'read-only', deterministic: { startMs: 0, stepNs: 1 } },
    limits: { io: { readBytesPerSecond: null, writeBytesPerSecond: null, maxOpenFiles: 100_000 } },
  });
  const records: AuditDraft[] = [];
  const wasi = new WasiPreview1({
    manifest: policy, args: ['open'], env: [],
    stdio: { readStdin: () => new Uint8Array(0), waitStdin: () => true, write: () => undefined },
    meter: new RunMeter(policy.limits, () => undefined), clock: new DeterministicGuestClock({ startMs: 0, stepNs: 1 }),
    random: new SeededRandom(1), audit: (r) => records.push(r),
  });
  live.push(wasi);
  const memory = new WebAssembly.Memory({ initial: 1 });
  wasi.memory.attach(memory);
  const bytes = new Uint8Array(memory.buffer);
  const view = new DataView(memory.buffer);
  const fns = wasi.imports().wasi_snapshot_preview1;
  return {
    audit: records,
    stat: (p, follow = true) => {
      const name = new TextEncoder().encode(p);
      bytes.set(name, 1024);
      const errno = fns.path_filestat_get!(3, follow ? FOLLOW : 0, 1024, name.byteLength, 128);
      return errno === Errno.SUCCESS ? bytes[128 + 16]! : -errno;
    },
    open: (p, o = {}) => {
      const name = new TextEncoder().encode(p);
      bytes.set(name, 1024);
      const errno = fns.path_open!(3, o.follow === false ? 0 : FOLLOW, 1024, name.byteLength, o.oflags ?? 0,
        o.rights ?? FD_READ, 0n, o.fdflags ?? 0, 0);
      return errno === Errno.SUCCESS ? view.getUint32(0, true) : -errno;
    },
    filetype: (fd) => {
      // Stale bytes under the struct: its padding must come back zeroed.
      bytes.fill(0xff, 64, 64 + 24);
      expect(fns.fd_fdstat_get!(fd, 64)).toBe(Errno.SUCCESS);
      expect([bytes[65], ...bytes.subarray(68, 72)]).toEqual([0, 0, 0, 0, 0]);
      return bytes[64]!;
    },
    read: (fd) => {
      view.setUint32(16, 4096, true);
      view.setUint32(20, 256, true);
      expect(fns.fd_read!(fd, 16, 1, 8)).toBe(Errno.SUCCESS);
      return new TextDecoder().decode(bytes.subarray(4096, 4096 + view.getUint32(8, true)));
    },
    close: (fd) => fns.fd_close!(fd),
  };
}

/** A preopen with a file, a directory, symlinks in and out, a FIFO and a socket; an outside secret. */
function layout(): { dir: string; outside: string } {
  const dir = tempDir('wsbc-open-');
  const outside = tempDir('wsbc-open-outside-');
  fs.writeFileSync(path.join(outside, 'secret'), 'OUTSIDE');
  fs.writeFileSync(path.join(dir, 'f'), 'inside');
  fs.mkdirSync(path.join(dir, 'd'));
  fs.writeFileSync(path.join(dir, 'd', 'g'), 'nested');
  fs.symlinkSync('f', path.join(dir, 'link-in'));
  fs.symlinkSync(`../${path.basename(outside)}/secret`, path.join(dir, 'link-out'));
  fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'link-abs'));
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  return { dir, outside };
}

const RW = { read: true, write: true, create: true };

describe('path_open decides from what it opened', () => {
  it('opens files and directories, follows inside symlinks and refuses the others', () => {
    const { dir } = layout();
    const g = guest(dir, RW);
    const file = g.open('f');
    expect(g.filetype(file)).toBe(Filetype.REGULAR_FILE);
    expect(g.read(file)).toBe('inside');
    expect(g.filetype(g.open('d', { rights: FD_READDIR }))).toBe(Filetype.DIRECTORY);
    expect(g.filetype(g.open('d', { oflags: O.DIRECTORY, rights: FD_READDIR }))).toBe(Filetype.DIRECTORY);
    expect(g.filetype(g.open('d/'))).toBe(Filetype.DIRECTORY);
    expect(g.read(g.open('d/../d/g'))).toBe('nested');
    expect(g.read(g.open('link-in'))).toBe('inside');
    expect(g.open('link-in', { follow: false })).toBe(-Errno.LOOP);
    expect(g.open('link-out')).toBe(-Errno.NOTCAPABLE);
    expect(g.open('link-out', { follow: false })).toBe(-Errno.LOOP);
    expect(g.open('link-abs')).toBe(-Errno.NOTCAPABLE);
    expect(g.open('f', { oflags: O.DIRECTORY })).toBe(-Errno.NOTDIR);
    expect(g.open('f/')).toBe(-Errno.NOTDIR);
    expect(g.open('d', { rights: FD_WRITE })).toBe(-Errno.ISDIR);
    expect(g.open('d', { oflags: O.CREAT })).toBe(-Errno.ISDIR);
    expect(g.open('d', { oflags: O.CREAT | O.EXCL })).toBe(-Errno.EXIST);
    expect(g.open('missing')).toBe(-Errno.NOENT);
    expect(g.open('d/missing')).toBe(-Errno.NOENT);
  });

  it('creates, truncates and refuses to create exactly as the grants say', () => {
    const { dir } = layout();
    const g = guest(dir, RW, 'all');
    expect(g.open('new', { oflags: O.CREAT, rights: FD_WRITE })).toBeGreaterThan(3);
    expect(fs.statSync(path.join(dir, 'new')).isFile()).toBe(true);
    expect(g.open('new', { oflags: O.CREAT | O.EXCL, rights: FD_WRITE })).toBe(-Errno.EXIST);
    expect(g.open('new2', { oflags: O.CREAT | O.EXCL, rights: FD_WRITE })).toBeGreaterThan(3);
    expect(g.open('f', { oflags: O.CREAT | O.EXCL })).toBe(-Errno.EXIST);
    expect(g.open('f', { oflags: O.CREAT | O.TRUNC, rights: FD_WRITE })).toBeGreaterThan(3);
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe('');
    // The allowed records say which open created its file (an O_EXCL open of an existing file
    // is allowed, and then fails with EEXIST).
    const opens = g.audit.filter((r) => r.type === 'decision' && r.op === 'path_open' && r.outcome === 'allowed')
      .map((r) => (r.type === 'decision' ? `${r.detail?.path}:${r.detail?.create}` : ''));
    expect(opens).toEqual(['/data/new:true', '/data/new:false', '/data/new2:true', '/data/f:false', '/data/f:false']);

    const readOnly = guest(dir, { read: true, write: false, create: false });
    expect(readOnly.open('absent', { oflags: O.CREAT })).toBe(-Errno.NOTCAPABLE);
    expect(fs.existsSync(path.join(dir, 'absent'))).toBe(false);
    const writeNoCreate = guest(dir, { read: false, write: true, create: false });
    expect(writeNoCreate.open('absent', { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    expect(writeNoCreate.open('f', { oflags: O.CREAT, rights: FD_WRITE })).toBeGreaterThan(3);
    expect(fs.existsSync(path.join(dir, 'absent'))).toBe(false);
  });

  it('refuses FIFOs with every access mode and flag, without blocking', () => {
    const { dir } = layout();
    const g = guest(dir, RW);
    const writeOnly = guest(dir, { read: false, write: true, create: true });
    const attempts: Array<[Guest, OpenOptions]> = [
      [g, {}], [g, { rights: FD_WRITE }], [g, { rights: FD_READ | FD_WRITE }], [g, { oflags: O.TRUNC, rights: FD_WRITE }],
      [g, { oflags: O.CREAT }], [g, { oflags: O.DIRECTORY }], [g, { follow: false }], [g, { fdflags: 1, rights: FD_WRITE }],
      // A write-only preopen opens a read-less request with O_PATH.
      [writeOnly, { rights: 0n }],
    ];
    for (const [who, options] of attempts) {
      expect(who.open('fifo', options), JSON.stringify(options, (_, v) => (typeof v === 'bigint' ? Number(v) : v))).toBe(-Errno.ACCES);
    }
    expect(g.audit.filter((r) => r.type === 'decision' && r.outcome === 'denied' && r.errno === 'acces')).toHaveLength(attempts.length - 1);
  });

  it('refuses sockets and devices', async () => {
    const { dir } = layout();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'sock'), resolve));
    try {
      const g = guest(dir, RW);
      expect(g.open('sock')).toBe(-Errno.ACCES);
      expect(g.open('sock', { rights: FD_WRITE })).toBe(-Errno.ACCES);
      let device = true;
      try {
        // A character device like /dev/null (needs CAP_MKNOD: skipped where that is not granted).
        execFileSync('mknod', [path.join(dir, 'null'), 'c', '1', '3'], { stdio: 'ignore' });
      } catch {
        device = false;
      }
      if (device) {
        expect(g.open('null')).toBe(-Errno.ACCES);
        expect(g.open('null', { rights: FD_WRITE })).toBe(-Errno.ACCES);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('path_filestat_get', () => {
  it('stats inside its pinned parent, follows inside symlinks and refuses the others', () => {
    const { dir } = layout();
    const g = guest(dir, RW, 'all');
    expect(g.stat('f')).toBe(Filetype.REGULAR_FILE);
    expect(g.stat('d/g')).toBe(Filetype.REGULAR_FILE);
    expect(g.stat('d')).toBe(Filetype.DIRECTORY);
    expect(g.stat('d/')).toBe(Filetype.DIRECTORY);
    expect(g.stat('f/')).toBe(-Errno.NOTDIR);
    expect(g.stat('d/../f')).toBe(Filetype.REGULAR_FILE);
    expect(g.stat('link-in')).toBe(Filetype.REGULAR_FILE);
    expect(g.stat('link-in', false)).toBe(Filetype.SYMBOLIC_LINK);
    expect(g.stat('link-out')).toBe(-Errno.NOTCAPABLE);
    expect(g.stat('link-out', false)).toBe(Filetype.SYMBOLIC_LINK);
    expect(g.stat('link-abs')).toBe(-Errno.NOTCAPABLE);
    expect(g.stat('missing')).toBe(-Errno.NOENT);
    expect(g.stat('missing', false)).toBe(-Errno.NOENT);
    expect(g.stat('d/missing/x')).toBe(-Errno.NOENT);
    const decisions = g.audit.filter((r) => r.type === 'decision' && r.op === 'path_filestat_get')
      .map((r) => (r.type === 'decision' ? `${r.outcome}:${r.detail?.path}` : ''));
    expect(decisions).toEqual([
      'allowed:/data/f', 'allowed:/data/d/g', 'allowed:/data/d', 'allowed:/data/d', 'allowed:/data/f', 'allowed:/data/f',
      'allowed:/data/f', 'allowed:/data/link-in', 'denied:/data/link-out', 'allowed:/data/link-out', 'denied:/data/link-abs',
      'allowed:/data/missing', 'allowed:/data/missing',
    ]);
  });
});

/**
 * Starts a thread that keeps replacing `target` (atomically, by rename) with a hard link to
 * each of `sources` in turn until stopped; returns how many swaps it made.
 */
function startSwapper(target: string, sources: string[]): { stop(): Promise<number> } {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(`
    const fs = require('node:fs');
    const { workerData: { target, sources, flag } } = require('node:worker_threads');
    let swaps = 0;
    while (Atomics.load(flag, 0) === 0) {
      for (const source of sources) {
        const tmp = target + '.tmp';
        fs.rmSync(tmp, { force: true });
        // A symlink is copied as a symlink: link() of a symlink links the link itself.
        if (fs.lstatSync(source).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), tmp);
        else fs.linkSync(source, tmp);
        fs.renameSync(tmp, target);
        swaps++;
      }
    }
    Atomics.store(flag, 1, swaps);
  `, { eval: true, workerData: { target, sources, flag } });
  return {
    stop: async () => {
      Atomics.store(flag, 0, 1);
      await new Promise((resolve) => worker.once('exit', resolve));
      return Atomics.load(flag, 1);
    },
  };
}

/** Waits until the swapper has made its first swap (a worker takes a while to start). */
function waitForFirstSwap(target: string, initial: string): void {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    try {
      if (fs.lstatSync(target).ino !== fs.lstatSync(initial).ino) return;
    } catch {
      // Mid-swap.
    }
  }
}

describe('path_open against a target swapped while it opens', () => {
  it('never blocks on, nor hands out, a FIFO swapped in for a regular file', async () => {
    const { dir } = layout();
    const regular = path.join(dir, 'regular');
    fs.writeFileSync(regular, 'inside');
    const target = path.join(dir, 'target');
    fs.linkSync(regular, target);
    const swapper = startSwapper(target, [path.join(dir, 'fifo'), regular]);
    waitForFirstSwap(target, regular);
    const g = guest(dir, RW);
    const outcomes = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const fd = g.open('target');
      if (fd > 0) {
        // Whatever was opened is the regular file: a FIFO would fail the type check (and a
        // blocking open of one would never have returned).
        expect(g.filetype(fd)).toBe(Filetype.REGULAR_FILE);
        expect(g.read(fd)).toBe('inside');
        g.close(fd);
      }
      outcomes.set(fd > 0 ? 0 : -fd, (outcomes.get(fd > 0 ? 0 : -fd) ?? 0) + 1);
    }
    const swaps = await swapper.stop();
    expect(swaps).toBeGreaterThan(10);
    // Only successes, refused FIFOs and a target caught mid-rename.
    for (const errno of outcomes.keys()) expect([0, Errno.ACCES, Errno.NOENT]).toContain(errno);
    expect(outcomes.get(0)).toBeGreaterThan(0);
  });

  it('never follows a symlink to the outside swapped in for a regular file', async () => {
    const { dir, outside } = layout();
    const regular = path.join(dir, 'regular');
    fs.writeFileSync(regular, 'inside');
    const target = path.join(dir, 'target');
    fs.linkSync(regular, target);
    const swapper = startSwapper(target, [path.join(dir, 'link-out'), regular]);
    waitForFirstSwap(target, regular);
    const g = guest(dir, RW);
    let opened = 0;
    for (let i = 0; i < 4000; i++) {
      const fd = g.open('target', { follow: i % 2 === 0 });
      if (fd > 0) {
        expect(g.read(fd)).toBe('inside');
        g.close(fd);
        opened++;
      } else {
        expect([Errno.NOTCAPABLE, Errno.LOOP, Errno.NOENT]).toContain(-fd);
      }
    }
    const swaps = await swapper.stop();
    expect(swaps).toBeGreaterThan(10);
    expect(opened).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('OUTSIDE');
  });
});
