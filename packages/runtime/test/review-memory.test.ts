// Review of the whole-memory access introduced for speed (GuestMemory.iovecRanges, ranges, all,
// dataView: one bounds check, then raw access) and of file offsets kept as numbers: iovecs and
// buffers at the very end of memory, wrapping around 2^32, count * 8 overflowing, zero lengths at
// the end, overlapping buffers, readdir buffers that end inside a dirent, offsets at 2^53 - 1,
// 2^63 and 2^64 - 1. A bad pointer must be EFAULT with nothing done (no byte written to the file
// or to guest memory, no position moved) and an audit record. Runs the WASI in this thread.
/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Errno, Rights } from '@wsbc/runtime';
import { tempDir } from './helpers.js';
import { FD_READ, FD_READDIR, FD_SEEK, FD_TELL, FD_WRITE, O, reviewGuest, type ReviewGuest } from './fixtures/review/guest.js';

const PAGE = 65536;
const MAX = 2n ** 53n - 1n;
const live: ReviewGuest[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const g of live.splice(0)) g.wasi.close();
});

function setup(dir = tempDir('wsbc-review-mem-')): { g: ReviewGuest; fd: number; dir: string; file: string } {
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'abcdef');
  const g = reviewGuest([{ hostPath: dir, read: true, write: true, create: true }]);
  live.push(g);
  const fd = g.open('f', { rights: FD_READ | FD_WRITE | FD_SEEK | FD_TELL | Rights.FD_FILESTAT_GET });
  expect(fd).toBeGreaterThan(3);
  return { g, fd, dir, file };
}

/** Writes iovecs (pointer, length pairs) at `at`. */
function iovecs(g: ReviewGuest, at: number, pairs: Array<[number, number]>): void {
  pairs.forEach(([ptr, len], i) => {
    g.view().setUint32(at + 8 * i, ptr >>> 0, true);
    g.view().setUint32(at + 8 * i + 4, len >>> 0, true);
  });
}

function tell(g: ReviewGuest, fd: number): bigint {
  expect(g.fns.fd_tell!(fd, 40)).toBe(Errno.SUCCESS);
  return g.view().getBigUint64(40, true);
}

function faults(g: ReviewGuest): number {
  return g.audit.filter((r) => r.type === 'decision' && r.capability === 'memory' && r.errno === 'fault').length;
}

describe('iovecs and buffers at the edges of memory', () => {
  it('writes from the last bytes of memory, and nothing at all when any buffer leaves it', () => {
    const { g, fd, file } = setup();
    g.put(PAGE - 8, 'ENDBYTES');
    iovecs(g, 16, [[PAGE - 8, 8], [PAGE, 0]]);
    expect(g.fns.fd_write!(fd, 16, 2, 8)).toBe(Errno.SUCCESS);
    expect(g.view().getUint32(8, true)).toBe(8);
    expect(fs.readFileSync(file, 'utf8')).toBe('ENDBYTES');
    const bad: Array<Array<[number, number]>> = [
      [[PAGE - 7, 8]],
      [[PAGE + 1, 0]],
      [[0, 4], [PAGE - 4, 5]],
      [[0xffff_fff8, 16]],
      [[16, 0xffff_ffff]],
      [[-1, 1]],
      [[0, 4], [0, 4], [0, 4], [PAGE, 1]],
    ];
    for (const pairs of bad) {
      iovecs(g, 16, pairs);
      expect(g.fns.fd_write!(fd, 16, pairs.length, 8), JSON.stringify(pairs)).toBe(Errno.FAULT);
      expect(g.fns.fd_pwrite!(fd, 16, pairs.length, 0n, 8)).toBe(Errno.FAULT);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('ENDBYTES');
    expect(tell(g, fd)).toBe(8n);
    expect(faults(g)).toBe(2 * bad.length);
  });

  it('reads into the last bytes of memory, and moves nothing when any buffer leaves it', () => {
    const { g, fd } = setup();
    g.bytes().fill(0x55, PAGE - 16);
    for (const pairs of [[[PAGE - 3, 4]], [[PAGE - 8, 4], [PAGE - 2, 4]], [[0xffff_fffc, 8]]] as Array<Array<[number, number]>>) {
      iovecs(g, 16, pairs);
      expect(g.fns.fd_read!(fd, 16, pairs.length, 8)).toBe(Errno.FAULT);
      expect(g.fns.fd_pread!(fd, 16, pairs.length, 0n, 8)).toBe(Errno.FAULT);
    }
    expect([...g.bytes().subarray(PAGE - 16)]).toEqual(Array(16).fill(0x55));
    expect(tell(g, fd)).toBe(0n);
    iovecs(g, 16, [[PAGE - 4, 4], [PAGE, 0]]);
    expect(g.fns.fd_read!(fd, 16, 2, 8)).toBe(Errno.SUCCESS);
    expect(new TextDecoder().decode(g.bytes().subarray(PAGE - 4))).toBe('abcd');
    expect(tell(g, fd)).toBe(4n);
  });

  it('reads into buffers that overwrite the iovec array itself, as the array was at the call', () => {
    const { g, fd, file } = setup();
    fs.writeFileSync(file, 'abcdefghijkl');
    // The first buffer covers the second iovec's pointer: the second read still goes to 100.
    iovecs(g, 16, [[20, 8], [100, 4]]);
    expect(g.fns.fd_read!(fd, 16, 2, 8)).toBe(Errno.SUCCESS);
    expect(g.view().getUint32(8, true)).toBe(12);
    expect(new TextDecoder().decode(g.bytes().subarray(20, 28))).toBe('abcdefgh');
    expect(new TextDecoder().decode(g.bytes().subarray(100, 104))).toBe('ijkl');
  });

  it('fills overlapping buffers in order', () => {
    const { g, fd } = setup();
    iovecs(g, 16, [[100, 4], [102, 4]]);
    expect(g.fns.fd_read!(fd, 16, 2, 8)).toBe(Errno.SUCCESS);
    expect(g.view().getUint32(8, true)).toBe(6);
    expect(new TextDecoder().decode(g.bytes().subarray(100, 104))).toBe('abef');
  });

  it('refuses iovec arrays that leave memory or whose count overflows, before touching anything', () => {
    const { g, fd, file } = setup();
    g.bytes()[0] = 0x7a;
    iovecs(g, PAGE - 8, [[0, 1]]);
    expect(g.fns.fd_write!(fd, PAGE - 8, 1, 8)).toBe(Errno.SUCCESS);
    expect(g.fns.fd_write!(fd, PAGE - 8, 2, 8)).toBe(Errno.FAULT);
    expect(g.fns.fd_write!(fd, PAGE - 4, 1, 8)).toBe(Errno.FAULT);
    // 2^29 iovecs are 2^32 bytes (0 in 32-bit arithmetic); 2^32 - 1 of them, any count over 1024.
    for (const count of [0x2000_0000, 0xffff_ffff, -1, 1025]) {
      expect(g.fns.fd_write!(fd, 16, count, 8)).toBe(Errno.INVAL);
      expect(g.fns.fd_read!(fd, 16, count, 8)).toBe(Errno.INVAL);
    }
    // The count result outside memory: nothing is written first.
    iovecs(g, 16, [[0, 4]]);
    expect(g.fns.fd_write!(fd, 16, 1, PAGE - 3)).toBe(Errno.FAULT);
    expect(g.fns.fd_read!(fd, 16, 1, PAGE - 3)).toBe(Errno.FAULT);
    expect(fs.readFileSync(file, 'utf8')).toBe('zbcdef');
    expect(tell(g, fd)).toBe(1n);
  });

  it('writes results that end exactly at the end of memory, and refuses one byte more', () => {
    const { g, fd } = setup();
    expect(g.fns.fd_fdstat_get!(fd, PAGE - 24)).toBe(Errno.SUCCESS);
    expect(g.fns.fd_fdstat_get!(fd, PAGE - 23)).toBe(Errno.FAULT);
    expect(g.fns.fd_filestat_get!(fd, PAGE - 64)).toBe(Errno.SUCCESS);
    expect(g.fns.fd_filestat_get!(fd, PAGE - 63)).toBe(Errno.FAULT);
    const len = g.put(PAGE - 1, 'f');
    expect(g.fns.path_filestat_get!(3, 0, PAGE - 1, len, PAGE - 64)).toBe(Errno.SUCCESS);
    expect(g.fns.path_filestat_get!(3, 0, PAGE - 1, 2, 0)).toBe(Errno.FAULT);
    expect(g.fns.path_filestat_get!(3, 0, PAGE - 1, len, 0xffff_ffc0)).toBe(Errno.FAULT);
    expect(g.fns.fd_seek!(fd, 0n, 0, PAGE - 8)).toBe(Errno.SUCCESS);
    expect(g.fns.fd_seek!(fd, 2n, 0, PAGE - 7)).toBe(Errno.FAULT);
    expect(tell(g, fd)).toBe(0n);
  });
});

describe('a shared memory grown while a call runs', () => {
  it('finishes the call on the pages it checked, and the next call sees the new ones', () => {
    const dir = tempDir('wsbc-review-shared-');
    fs.writeFileSync(path.join(dir, 'f'), '');
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 3, shared: true } as WebAssembly.MemoryDescriptor);
    const g = reviewGuest([{ hostPath: dir, read: true, write: true }], { memory });
    live.push(g);
    const fd = g.open('f', { rights: FD_READ | FD_WRITE | FD_SEEK });
    expect(fd).toBeGreaterThan(3);
    g.put(PAGE - 4, 'tail');
    g.put(100, 'head');
    // Another thread grows the memory between the two buffers of one write.
    const write = fs.writeSync;
    let grown = false;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      const n = (write as (...a: unknown[]) => number)(...args);
      if (!grown) {
        grown = true;
        memory.grow(1);
      }
      return n;
    }) as typeof fs.writeSync);
    iovecs(g, 16, [[100, 4], [PAGE - 4, 4]]);
    expect(g.fns.fd_write!(fd, 16, 2, 8)).toBe(Errno.SUCCESS);
    expect(grown).toBe(true);
    expect(g.view().getUint32(8, true)).toBe(8);
    vi.restoreAllMocks();
    // The new page is usable from the next call on, and nothing past it.
    g.put(PAGE, 'more');
    iovecs(g, 16, [[PAGE, 4]]);
    expect(g.fns.fd_write!(fd, 16, 1, 8)).toBe(Errno.SUCCESS);
    iovecs(g, 16, [[2 * PAGE - 2, 4]]);
    expect(g.fns.fd_write!(fd, 16, 1, 8)).toBe(Errno.FAULT);
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe('headtailmore');
  });
});

describe('fd_readdir buffers', () => {
  function listing(): { g: ReviewGuest; dfd: number } {
    const dir = tempDir('wsbc-review-dirent-');
    for (const name of ['alpha', 'beta', 'gamma-with-a-longer-name']) fs.writeFileSync(path.join(dir, name), name);
    const g = reviewGuest([{ hostPath: dir, read: true }]);
    live.push(g);
    const dfd = g.open('.', { oflags: O.DIRECTORY, rights: FD_READDIR });
    expect(dfd).toBeGreaterThan(3);
    return { g, dfd };
  }

  it('cuts the last dirent at the buffer end and writes nothing past it', () => {
    const { g, dfd } = listing();
    expect(g.fns.fd_readdir!(dfd, 4096, 4096, 0n, 8)).toBe(Errno.SUCCESS);
    const total = g.view().getUint32(8, true);
    const full = g.bytes().slice(4096, 4096 + total);
    // . and .. and three names: 5 headers of 24 bytes plus the names.
    expect(total).toBe(5 * 24 + 1 + 2 + 5 + 4 + 24);
    for (const len of [1, 23, 24, 25, 24 + 1, 24 + 1 + 10, total - 1]) {
      g.bytes().fill(0xaa, 4096, 4096 + 4096);
      expect(g.fns.fd_readdir!(dfd, 4096, len, 0n, 8)).toBe(Errno.SUCCESS);
      expect(g.view().getUint32(8, true)).toBe(len);
      expect([...g.bytes().subarray(4096, 4096 + len)]).toEqual([...full.subarray(0, len)]);
      expect(g.bytes()[4096 + len]).toBe(0xaa);
    }
  });

  it('fills a buffer that ends at the end of memory, and refuses one that passes it', () => {
    const { g, dfd } = listing();
    g.bytes().fill(0xaa, PAGE - 64);
    expect(g.fns.fd_readdir!(dfd, PAGE - 64, 64, 0n, 8)).toBe(Errno.SUCCESS);
    expect(g.view().getUint32(8, true)).toBe(64);
    g.bytes().fill(0xaa, PAGE - 64);
    expect(g.fns.fd_readdir!(dfd, PAGE - 64, 65, 0n, 8)).toBe(Errno.FAULT);
    expect(g.fns.fd_readdir!(dfd, 0xffff_ffc0, 0x80, 0n, 8)).toBe(Errno.FAULT);
    expect(g.fns.fd_readdir!(dfd, PAGE - 64, 64, 0n, PAGE - 2)).toBe(Errno.FAULT);
    expect([...g.bytes().subarray(PAGE - 64)]).toEqual(Array(64).fill(0xaa));
    expect(faults(g)).toBe(3);
  });

  it('returns nothing for cookies past the end, 2^63 and 2^64 - 1 included', () => {
    const { g, dfd } = listing();
    for (const cookie of [5n, 6n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, -1n]) {
      g.view().setUint32(8, 12345, true);
      expect(g.fns.fd_readdir!(dfd, 4096, 4096, cookie, 8)).toBe(Errno.SUCCESS);
      expect(g.view().getUint32(8, true)).toBe(0);
    }
    expect(g.fns.fd_readdir!(dfd, 4096, 4096, 4n, 8)).toBe(Errno.SUCCESS);
    expect(g.view().getUint32(8, true)).toBe(24 + 'gamma-with-a-longer-name'.length);
  });
});

describe('offsets at the limits', () => {
  it('treats negative-as-unsigned offsets as huge: nothing read or written, no position moved', () => {
    const { g, fd, file } = setup();
    iovecs(g, 16, [[4096, 4]]);
    for (const offset of [2n ** 63n, 2n ** 64n - 1n, -1n, MAX + 1n]) {
      expect(g.fns.fd_pread!(fd, 16, 1, offset, 8)).toBe(Errno.SUCCESS);
      expect(g.view().getUint32(8, true)).toBe(0);
      expect(g.fns.fd_pwrite!(fd, 16, 1, offset, 8)).toBe(Errno.FBIG);
    }
    expect(g.fns.fd_seek!(fd, -1n, 0, 32)).toBe(Errno.INVAL);
    expect(g.fns.fd_seek!(fd, 2n ** 63n - 1n, 2, 32)).toBe(Errno.INVAL);
    expect(g.fns.fd_seek!(fd, -7n, 2, 32)).toBe(Errno.INVAL);
    expect(g.fns.fd_seek!(fd, 2n ** 64n - 1n, 1, 32)).toBe(Errno.INVAL);
    expect(tell(g, fd)).toBe(0n);
    expect(fs.readFileSync(file, 'utf8')).toBe('abcdef');
  });

  it('refuses sizes past 2^53 - 1 with EFBIG, not a host error', () => {
    const { g, fd, file } = setup();
    const sizing = reviewGuest([{ hostPath: path.dirname(file), read: true, write: true }]);
    live.push(sizing);
    const sfd = sizing.open('f', { rights: FD_READ | FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE });
    expect(sfd).toBeGreaterThan(3);
    expect(sizing.fns.fd_filestat_set_size!(sfd, MAX + 1n)).toBe(Errno.FBIG);
    expect(sizing.fns.fd_filestat_set_size!(sfd, 2n ** 62n)).toBe(Errno.FBIG);
    expect(sizing.fns.fd_filestat_set_size!(sfd, 2n ** 63n)).toBe(Errno.INVAL);
    expect(sizing.fns.fd_allocate!(sfd, MAX, 2n)).toBe(Errno.FBIG);
    // Negative as fallocate(2) takes them (signed): EINVAL, as fd_filestat_set_size at 2^63.
    expect(sizing.fns.fd_allocate!(sfd, 2n ** 64n - 1n, 2n ** 64n - 1n)).toBe(Errno.INVAL);
    expect(fs.readFileSync(file, 'utf8')).toBe('abcdef');
    expect(g.read(fd)).toBe('abcdef');
  });

  // tmpfs allows files up to 2^63 - 1 bytes (ext4 stops at 16 TiB), so only there can a write
  // reach 2^53 - 1 and be checked for crossing it.
  const shm = fs.existsSync('/dev/shm') && fs.statfsSync('/dev/shm').type === 0x01021994 ? '/dev/shm' : null;
  it.skipIf(shm === null)('never writes or reads across 2^53 - 1, so the position stays exact (needs tmpfs at /dev/shm)', () => {
    const dir = fs.mkdtempSync(path.join(shm!, 'wsbc-review-'));
    try {
      const { g, fd, file } = setup(dir);
      expect(g.fns.fd_seek!(fd, MAX - 3n, 0, 32)).toBe(Errno.SUCCESS);
      expect(g.write(fd, '12345678')).toBe(3);
      expect(tell(g, fd)).toBe(MAX);
      expect(fs.statSync(file, { bigint: true }).size).toBe(MAX);
      expect(g.write(fd, 'x')).toBe(-Errno.FBIG);
      expect(g.read(fd)).toBe('');
      g.put(4096, 'ZZZZZZZZ');
      iovecs(g, 16, [[4096, 8]]);
      expect(g.fns.fd_pwrite!(fd, 16, 1, MAX - 1n, 8)).toBe(Errno.SUCCESS);
      expect(g.view().getUint32(8, true)).toBe(1);
      // A file the host made longer than 2^53 - 1: reads stop at the limit.
      execFileSync('truncate', ['-s', String(MAX + 100n), file]);
      expect(g.fns.fd_seek!(fd, MAX - 2n, 0, 32)).toBe(Errno.SUCCESS);
      expect(g.read(fd)).toBe('2Z');
      expect(tell(g, fd)).toBe(MAX);
      expect(g.fns.fd_pread!(fd, 16, 1, MAX - 1n, 8)).toBe(Errno.SUCCESS);
      expect(g.view().getUint32(8, true)).toBe(1);
      // No file-size limit record: the policy set none.
      expect(g.audit.filter((r) => r.type === 'limit')).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
