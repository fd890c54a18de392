// GuestMemory keeps its view of guest memory without asking the engine for the buffer on every
// call (only when a growth detached it, or always for shared memories), and file I/O goes
// through checked ranges of the whole memory instead of a view per iovec. These tests grow the
// memory between calls, from the guest and from the host, shared and not, and check that the
// new pages are usable at once and that nothing past the end ever is.
/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Errno, GuestMemory } from '@wsbc/runtime';
import { PRELUDE, manifest, runCaptured, tempDir, wat } from './helpers.js';

const PAGE = 65_536;

function errnoOf(fn: () => unknown): number | null {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as { errno: number }).errno;
  }
}

describe('guest memory views across growth', () => {
  for (const shared of [false, true]) {
    it(`sees pages added by a growth at once and nothing past the end (${shared ? 'shared' : 'not shared'})`, () => {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, ...(shared ? { shared: true } : {}) } as WebAssembly.MemoryDescriptor);
      const m = new GuestMemory();
      m.attach(memory);
      expect(m.size).toBe(PAGE);
      expect(errnoOf(() => m.check(PAGE, 1))).toBe(Errno.FAULT);
      memory.grow(1);
      m.refresh();
      expect(m.size).toBe(2 * PAGE);
      m.setU32(PAGE + 4, 0xdeadbeef);
      expect(new DataView(memory.buffer).getUint32(PAGE + 4, true)).toBe(0xdeadbeef);
      expect(m.all.byteLength).toBe(2 * PAGE);
      expect(errnoOf(() => m.check(2 * PAGE - 4, 8))).toBe(Errno.FAULT);
      // A growth by nothing leaves the views usable.
      memory.grow(0);
      m.refresh();
      expect(m.u32(PAGE + 4)).toBe(0xdeadbeef);
    });
  }

  it('checks every iovec range against the current size, wrapping pointers included', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const m = new GuestMemory();
    m.attach(memory);
    const view = new DataView(memory.buffer);
    // Two iovecs at 0: (100, 10) and (PAGE - 8, 8).
    view.setUint32(0, 100, true);
    view.setUint32(4, 10, true);
    view.setUint32(8, PAGE - 8, true);
    view.setUint32(12, 8, true);
    expect(m.iovecRanges(0, 2)).toBe(2);
    expect([...m.ranges.subarray(0, 4)]).toEqual([100, 10, PAGE - 8, 8]);
    view.setUint32(12, 9, true);
    expect(errnoOf(() => m.iovecRanges(0, 2))).toBe(Errno.FAULT);
    // A pointer near 2^32 whose length wraps around to a small end.
    view.setUint32(8, 0xffff_fff0, true);
    view.setUint32(12, 0x20, true);
    expect(errnoOf(() => m.iovecRanges(0, 2))).toBe(Errno.FAULT);
    expect(errnoOf(() => m.iovecRanges(0, 1025))).toBe(Errno.INVAL);
    expect(errnoOf(() => m.iovecRanges(PAGE - 4, 1))).toBe(Errno.FAULT);
    memory.grow(1);
    m.refresh();
    // The old DataView is detached: write the iovec through a fresh one.
    new DataView(memory.buffer).setUint32(8, PAGE + 10, true);
    new DataView(memory.buffer).setUint32(12, 16, true);
    expect(m.iovecRanges(0, 2)).toBe(2);
  });

  it('writes files from pages the guest grew between two calls, and refuses past them', async () => {
    const dir = tempDir('wsbc-grow-');
    const policy = manifest({ filesystem: { preopens: [{ hostPath: dir, guestPath: '/data', read: true, write: true, create: true }] } });
    // Opens /data/out, grows memory by one page, fills 16 bytes of the new page, writes them,
    // then tries 16 bytes that straddle the new end (EFAULT: 21). Exits with the two errnos.
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      ${PRELUDE}
      (data (i32.const 100) "out")
      (func (export "_start") (local $fd i32) (local $first i32)
        (drop (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 3) (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 200)))
        (local.set $fd (i32.load (i32.const 200)))
        (drop (memory.grow (i32.const 1)))
        (memory.fill (i32.const 65536) (i32.const 0x61) (i32.const 16))
        (i32.store (i32.const 300) (i32.const 65536))
        (i32.store (i32.const 304) (i32.const 16))
        (local.set $first (call $fd_write (local.get $fd) (i32.const 300) (i32.const 1) (i32.const 400)))
        (i32.store (i32.const 300) (i32.const 131064))
        (call $proc_exit (i32.add (i32.mul (local.get $first) (i32.const 100))
          (call $fd_write (local.get $fd) (i32.const 300) (i32.const 1) (i32.const 400))))))`);
    const { result } = await runCaptured(bytes, policy);
    expect(result.exitCode).toBe(Errno.FAULT);
    expect(fs.readFileSync(path.join(dir, 'out'), 'utf8')).toBe('a'.repeat(16));
  });
});
