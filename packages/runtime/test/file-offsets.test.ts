// File offsets are kept as numbers (no BigInt arithmetic per read and write), so they stop at
// 2^53 - 1: beyond it, seeking is EINVAL, pwrite is EFBIG and pread reads nothing, as at a file
// system's maximum file size. Nothing may be read or written at a rounded offset instead.
/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeterministicGuestClock, Errno, RunMeter, SeededRandom, WasiPreview1 } from '@wsbc/runtime';
import { manifest, tempDir } from './helpers.js';

const MAX = 2n ** 53n - 1n;
const live: WasiPreview1[] = [];
afterEach(() => {
  for (const w of live.splice(0)) w.close();
});

function openFile(): { fns: Record<string, (...args: any[]) => number>; view: DataView; fd: number; dir: string } {
  const dir = tempDir('wsbc-offsets-');
  fs.writeFileSync(path.join(dir, 'f'), 'abcdef');
  const policy = manifest({
    filesystem: { preopens: [{ hostPath: dir, guestPath: '/data', read: true, write: true, create: true }] },
    random: { mode: 'pseudo', seed: 1 },
    time: { mode: 'read-only', deterministic: { startMs: 0, stepNs: 1 } },
    limits: { io: { readBytesPerSecond: null, writeBytesPerSecond: null } },
  });
  const wasi = new WasiPreview1({
    manifest: policy, args: ['offsets'], env: [],
    stdio: { readStdin: () => new Uint8Array(0), waitStdin: () => true, write: () => undefined },
    meter: new RunMeter(policy.limits, () => undefined), clock: new DeterministicGuestClock({ startMs: 0, stepNs: 1 }),
    random: new SeededRandom(1), audit: () => undefined,
  });
  live.push(wasi);
  const memory = new WebAssembly.Memory({ initial: 1 });
  wasi.memory.attach(memory);
  new Uint8Array(memory.buffer).set(new TextEncoder().encode('f'), 1024);
  const fns = wasi.imports().wasi_snapshot_preview1 as Record<string, (...args: any[]) => number>;
  // fd_read | fd_seek | fd_tell | fd_write.
  expect(fns.path_open!(3, 0, 1024, 1, 0, 2n | 4n | 32n | 64n, 0n, 0, 0)).toBe(Errno.SUCCESS);
  const view = new DataView(memory.buffer);
  // One iovec at 16: 8 bytes at 4096.
  view.setUint32(16, 4096, true);
  view.setUint32(20, 8, true);
  return { fns, view, fd: view.getUint32(0, true), dir };
}

describe('file offsets', () => {
  it('seeks up to 2^53 - 1 and refuses beyond, from every whence', () => {
    const { fns, view, fd } = openFile();
    expect(fns.fd_seek!(fd, MAX, 0, 32)).toBe(Errno.SUCCESS);
    expect(view.getBigUint64(32, true)).toBe(MAX);
    expect(fns.fd_tell!(fd, 40)).toBe(Errno.SUCCESS);
    expect(view.getBigUint64(40, true)).toBe(MAX);
    expect(fns.fd_seek!(fd, 1n, 1, 32)).toBe(Errno.INVAL);
    expect(fns.fd_seek!(fd, MAX + 1n, 0, 32)).toBe(Errno.INVAL);
    expect(fns.fd_seek!(fd, MAX, 2, 32)).toBe(Errno.INVAL);
    // The refused seeks left the offset where it was.
    expect(fns.fd_tell!(fd, 40)).toBe(Errno.SUCCESS);
    expect(view.getBigUint64(40, true)).toBe(MAX);
    expect(fns.fd_seek!(fd, 2n, 0, 32)).toBe(Errno.SUCCESS);
    expect(fns.fd_read!(fd, 16, 1, 48)).toBe(Errno.SUCCESS);
    expect(view.getUint32(48, true)).toBe(4);
    expect(fns.fd_tell!(fd, 40)).toBe(Errno.SUCCESS);
    expect(view.getBigUint64(40, true)).toBe(6n);
  });

  it('reads nothing and writes nothing past the largest offset, never at a rounded one', () => {
    const { fns, view, fd, dir } = openFile();
    for (const offset of [MAX + 1n, MAX + 2n, 2n ** 63n - 1n, 2n ** 64n - 1n]) {
      expect(fns.fd_pread!(fd, 16, 1, offset, 48)).toBe(Errno.SUCCESS);
      expect(view.getUint32(48, true)).toBe(0);
      expect(fns.fd_pwrite!(fd, 16, 1, offset, 48)).toBe(Errno.FBIG);
    }
    expect(fs.statSync(path.join(dir, 'f')).size).toBe(6);
    expect(fns.fd_pread!(fd, 16, 1, 1n, 48)).toBe(Errno.SUCCESS);
    expect(view.getUint32(48, true)).toBe(5);
  });
});
