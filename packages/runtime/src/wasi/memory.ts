/// <reference lib="dom" />
// Bounds-checked access to guest linear memory. Every pointer and length a guest passes is
// treated as unsigned 32-bit and checked against the memory's current size before any access,
// so a bad pointer becomes EFAULT instead of a host RangeError. The view is refreshed when the
// memory grows (growing detaches the old ArrayBuffer).
import { Errno, WasiError } from './errno.js';
import { IOVEC_SIZE } from './abi.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Most iovecs one call may pass (POSIX IOV_MAX on Linux). */
const IOV_MAX = 1024;

export class GuestMemory {
  private memory: WebAssembly.Memory | undefined;
  private view = new DataView(new ArrayBuffer(0));
  private bytes = new Uint8Array(0);
  private shared = false;

  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.shared = memory.buffer instanceof SharedArrayBuffer;
    this.bytes = new Uint8Array(0);
    this.refresh();
  }

  /**
   * Re-reads the memory's buffer (growing detaches the old one). Called on entry to every host
   * call: guest code, the only thing that can grow memory, does not run during one.
   */
  refresh(): void {
    if (!this.memory) return;
    // A memory that is not shared detaches its old buffer whenever it grows (an ArrayBuffer's
    // length is fixed), which leaves our views empty: a non-empty view is still current, and
    // the buffer getter (a native call) is skipped. A shared memory keeps old buffers at their
    // old length, so it is always compared.
    if (!this.shared && this.bytes.byteLength !== 0) return;
    const buffer = this.memory.buffer;
    if (this.view.buffer !== buffer) {
      this.view = new DataView(buffer);
      this.bytes = new Uint8Array(buffer);
    }
  }

  get size(): number {
    return this.bytes.byteLength;
  }

  /** Throws EFAULT unless [ptr, ptr+len) lies inside memory. Both are taken as u32. */
  check(ptr: number, len: number): void {
    const p = ptr >>> 0;
    const l = len >>> 0;
    if (p + l > this.bytes.byteLength) throw new WasiError(Errno.FAULT, `pointer ${p}+${l} outside memory`);
  }

  u8(ptr: number): number { this.check(ptr, 1); return this.view.getUint8(ptr >>> 0); }
  u16(ptr: number): number { this.check(ptr, 2); return this.view.getUint16(ptr >>> 0, true); }
  u32(ptr: number): number { this.check(ptr, 4); return this.view.getUint32(ptr >>> 0, true); }
  u64(ptr: number): bigint { this.check(ptr, 8); return this.view.getBigUint64(ptr >>> 0, true); }

  setU8(ptr: number, v: number): void { this.check(ptr, 1); this.view.setUint8(ptr >>> 0, v); }
  setU16(ptr: number, v: number): void { this.check(ptr, 2); this.view.setUint16(ptr >>> 0, v, true); }
  setU32(ptr: number, v: number): void { this.check(ptr, 4); this.view.setUint32(ptr >>> 0, v >>> 0, true); }
  setU64(ptr: number, v: bigint | number): void {
    this.check(ptr, 8);
    this.view.setBigUint64(ptr >>> 0, BigInt.asUintN(64, BigInt(v)), true);
  }

  /** A live view of guest bytes (valid until the next call that may grow memory). */
  slice(ptr: number, len: number): Uint8Array {
    this.check(ptr, len);
    return this.bytes.subarray(ptr >>> 0, (ptr >>> 0) + (len >>> 0));
  }

  write(ptr: number, data: Uint8Array): void {
    this.check(ptr, data.byteLength);
    this.bytes.set(data, ptr >>> 0);
  }

  /** Reads a UTF-8 string; invalid UTF-8 is EILSEQ (paths must be valid strings on the host). */
  string(ptr: number, len: number): string {
    const raw = this.slice(ptr, len);
    // Paths are short and mostly ASCII: decoding those in JavaScript skips the decoder's native
    // call, which cost more than the loop.
    if (raw.length <= 64) {
      let ascii = true;
      for (let i = 0; i < raw.length; i++) {
        if (raw[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, raw as unknown as number[]);
    }
    try {
      return utf8.decode(raw);
    } catch {
      throw new WasiError(Errno.ILSEQ, 'string is not valid UTF-8');
    }
  }

  /**
   * Pointer and length of each buffer found by the last iovecRanges() call, in pairs; valid
   * until the next call (WASI calls do not nest).
   */
  readonly ranges = new Uint32Array(2 * IOV_MAX);

  /**
   * All of guest memory. INVARIANT: only for ranges already checked (check(), iovecRanges()) in
   * the same host call, since memory cannot grow during one.
   */
  get all(): Uint8Array {
    return this.bytes;
  }

  /** A view of all of guest memory, under the same INVARIANT as `all`. */
  get dataView(): DataView {
    return this.view;
  }

  /**
   * Checks an iovec array and every buffer in it, as iovecs() does, and leaves their pointers
   * and lengths in `ranges` instead of making a view of each (file reads and writes pass the
   * whole memory with an offset: a view per call was a measurable part of a small write).
   * Returns the number of buffers.
   */
  iovecRanges(iovs: number, count: number): number {
    const n = count >>> 0;
    if (n > IOV_MAX) throw new WasiError(Errno.INVAL, 'more than IOV_MAX (1024) iovecs');
    this.check(iovs, n * IOVEC_SIZE);
    const view = this.view;
    const size = this.bytes.byteLength;
    const ranges = this.ranges;
    for (let i = 0; i < n; i++) {
      const base = (iovs >>> 0) + i * IOVEC_SIZE;
      const ptr = view.getUint32(base, true);
      const len = view.getUint32(base + 4, true);
      if (ptr + len > size) throw new WasiError(Errno.FAULT, `pointer ${ptr}+${len} outside memory`);
      ranges[2 * i] = ptr;
      ranges[2 * i + 1] = len;
    }
    return n;
  }

  /** The bytes in the first `count` buffers iovecRanges() left. */
  rangesTotal(count: number): number {
    let total = 0;
    for (let i = 0; i < count; i++) total += this.ranges[2 * i + 1]!;
    return total;
  }

  /**
   * Resolves an iovec array into views of guest memory. The array itself and every buffer are
   * bounds-checked up front, so a later fault cannot leave a half-done read or write.
   */
  iovecs(iovs: number, count: number): Uint8Array[] {
    const n = count >>> 0;
    if (n > IOV_MAX) throw new WasiError(Errno.INVAL, 'more than IOV_MAX (1024) iovecs');
    this.check(iovs, n * IOVEC_SIZE);
    // The array was checked as a whole, so its entries are read without further checks; each
    // buffer is checked before any view of it is made.
    const out = new Array<Uint8Array>(n);
    const view = this.view;
    for (let i = 0; i < n; i++) {
      const base = (iovs >>> 0) + i * IOVEC_SIZE;
      const ptr = view.getUint32(base, true);
      const len = view.getUint32(base + 4, true);
      this.check(ptr, len);
      out[i] = this.bytes.subarray(ptr, ptr + len);
    }
    return out;
  }
}
