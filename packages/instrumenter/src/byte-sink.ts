// A growable output buffer with the LEB128 encodings the instrumenter emits. The rewriter writes
// one output module front to back into one sink, backed by a resizable ArrayBuffer where the
// engine has them: it grows in place (no copy) in steps of 256 KiB, so the final shrink to the
// exact length (which zeroes what it cuts off) touches little memory.
interface ResizableBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
  readonly maxByteLength: number;
}

/** How far past what it needs a resizable sink grows at a time. */
const GROWTH_STEP = 1 << 18;

export class ByteSink {
  buf: Uint8Array<ArrayBuffer>;
  len = 0;
  private dataView: DataView | undefined;
  /** The buf, and its length, that dataView covers. */
  private viewOf: Uint8Array | undefined;
  private viewLength = 0;
  /** Set when the sink grows a resizable ArrayBuffer in place (no copy on growth or at the end). */
  private readonly resizable: ResizableBuffer | undefined;

  /**
   * `maxCapacity` (for the one big output buffer) reserves address space for a resizable buffer,
   * so growing never copies and the result needs no final copy: peak memory stays near the output
   * size instead of twice it. Where the engine has no resizable buffers, such a sink starts at
   * `plainCapacity` (default `capacity`) instead, to copy less as it doubles.
   */
  constructor(capacity = 1024, maxCapacity?: number, plainCapacity = capacity) {
    const initial = Math.max(16, capacity);
    if (maxCapacity !== undefined && maxCapacity > initial) {
      const Ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ResizableBuffer;
      const ab = new Ctor(initial, { maxByteLength: maxCapacity });
      if (typeof ab.resize === 'function' && ab.maxByteLength === maxCapacity) {
        this.resizable = ab;
        this.buf = new Uint8Array(ab);
        return;
      }
    }
    this.buf = new Uint8Array(Math.max(initial, plainCapacity));
  }

  ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    const rb = this.resizable;
    if (rb) {
      if (need > rb.maxByteLength) throw new RangeError(`output larger than the ${rb.maxByteLength} bytes reserved`);
      // Growing in place is cheap (about a microsecond a step); shrinking at the end zeroes the
      // excess, faulting in pages nothing wrote (0.6 ms a megabyte), so the steps stay small.
      rb.resize(Math.min(need + GROWTH_STEP, rb.maxByteLength));
      return; // a length-tracking view: this.buf already covers the new length
    }
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** A DataView of `buf` (made again when buf changes or grows). */
  view(): DataView {
    const buf = this.buf;
    let v = this.dataView;
    // (Typed-array fields, not the DataView's: V8 11.3 calls a builtin for DataView.byteLength.)
    if (v === undefined || this.viewOf !== buf || this.viewLength !== buf.length) {
      v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.dataView = v;
      this.viewOf = buf;
      this.viewLength = buf.length;
    }
    return v;
  }

  /**
   * Faults in (writes a zero to each 4 KiB page of) the memory from the page after `len` up to
   * `end`, growing a resizable sink to it: the pages later writes will touch, touched ahead of
   * time (see writeClaimedChunks). Nothing past `len` is part of the output, and all of it is
   * written before it becomes so. A no-op for other sinks, where growing copies.
   */
  prefault(end: number): void {
    const rb = this.resizable;
    if (!rb) return;
    const to = Math.min(end, rb.maxByteLength);
    if (to > this.buf.length) rb.resize(to);
    const buf = this.buf;
    for (let i = Math.ceil(this.len / 4096) * 4096; i < to; i += 4096) buf[i] = 0;
  }

  /** Whether the sink writes into a resizable ArrayBuffer (slower element access in V8). */
  get isResizable(): boolean {
    return this.resizable !== undefined;
  }

  u8(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /** Copies src[start, end); short runs byte by byte, since a subarray view per copy costs more. */
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    if (n <= 64) {
      const buf = this.buf;
      let o = this.len;
      for (let i = start; i < end; i++) buf[o++] = src[i]!;
    } else {
      this.buf.set(src.subarray(start, end), this.len);
    }
    this.len += n;
  }

  u32(value: number): void {
    this.ensure(5);
    let v = value >>> 0;
    const buf = this.buf;
    while (v >= 0x80) {
      buf[this.len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[this.len++] = v;
  }

  /** Unsigned LEB of a non-negative safe integer (memory64 limits). */
  u64(value: number): void {
    let v = BigInt(value);
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  /** Signed LEB of a 32-bit value. */
  s32(value: number): void {
    this.ensure(5);
    let v = value | 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
        this.buf[this.len++] = byte;
        return;
      }
      this.buf[this.len++] = byte | 0x80;
    }
  }

  /** Signed LEB of a safe integer as an i64 constant (exact for |value| < 2^53). */
  s64(value: number): void {
    if (value >= -0x40000000 && value < 0x40000000) {
      this.s32(value);
      return;
    }
    this.ensure(10);
    let v = BigInt(value);
    for (;;) {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
        this.buf[this.len++] = byte;
        return;
      }
      this.buf[this.len++] = byte | 0x80;
    }
  }

  name(s: string): void {
    const encoded = new TextEncoder().encode(s);
    this.u32(encoded.length);
    this.bytes(encoded);
  }

  /** Reserves a 5-byte padded u32 (valid LEB128) to be filled by patchU32 once the size is known. */
  reserveU32(): number {
    this.ensure(5);
    const at = this.len;
    this.len += 5;
    return at;
  }

  /** Reserves `n` bytes at the end, to be filled later; returns where they start. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.len;
    this.len += n;
    return at;
  }

  /**
   * Fills `reserved` bytes at `at` with the shortest unsigned LEB128 of `value`, first moving
   * everything written after them when that LEB is shorter or longer than the room reserved.
   */
  patchU32Exact(at: number, reserved: number, value: number): void {
    const n = uleb32Length(value);
    if (n !== reserved) {
      if (n > reserved) this.ensure(n - reserved);
      this.buf.copyWithin(at + n, at + reserved, this.len);
      this.len += n - reserved;
    }
    const buf = this.buf;
    let v = value >>> 0;
    let p = at;
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p] = v;
  }

  patchU32(at: number, value: number): void {
    let v = value >>> 0;
    for (let i = 0; i < 4; i++) {
      this.buf[at + i] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[at + 4] = v & 0x7f;
  }

  /** Inserts `src` at `at`, moving everything written after it (one memmove, no second buffer). */
  insert(at: number, src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.copyWithin(at + src.length, at, this.len);
    this.buf.set(src, at);
    this.len += src.length;
  }

  /** The bytes written, as an array of exactly that length (callers often use `.buffer`). */
  result(): Uint8Array<ArrayBuffer> {
    if (this.resizable) {
      this.resizable.resize(this.len);
      return this.buf;
    }
    return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
  }
}

/** Length in bytes of the shortest unsigned LEB128 of a u32. */
export function uleb32Length(value: number): number {
  const v = value >>> 0;
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}
