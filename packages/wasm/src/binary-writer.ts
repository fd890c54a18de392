// ByteWriter: the writer's primitive layer, mirroring BinaryReader. A growable buffer with LEB128,
// fixed-width float bits, names and size-prefixed blocks. Values are written in their minimal
// (canonical) encoding; the re-encoder copies original bytes wherever nothing changed, which is how
// it stays byte-identical even on inputs that use padded LEBs.
const utf8 = new TextEncoder();

export class ByteWriter {
  private buf: Uint8Array<ArrayBuffer>;
  length = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v;
    return this;
  }

  bytes(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.length);
    this.length += v.length;
    return this;
  }

  /** Copies src[start, end) without creating a view (cheap for the many tiny copies of a re-encode). */
  copyFrom(src: Uint8Array, start: number, end: number): this {
    const n = end - start;
    this.ensure(n);
    const b = this.buf;
    if (n > 32) b.set(src.subarray(start, end), this.length);
    else for (let i = 0; i < n; i++) b[this.length + i] = src[start + i]!;
    this.length += n;
    return this;
  }

  u32(v: number): this {
    this.ensure(5);
    const b = this.buf;
    let n = v >>> 0;
    while (n >= 0x80) {
      b[this.length++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[this.length++] = n;
    return this;
  }

  s32(v: number): this {
    this.ensure(5);
    const b = this.buf;
    let n = v | 0;
    for (;;) {
      const byte = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
        b[this.length++] = byte;
        return this;
      }
      b[this.length++] = byte | 0x80;
    }
  }

  /** Signed 33-bit (block and heap types), v in [-2^32, 2^32). */
  s33(v: number): this {
    return this.s64(BigInt(v));
  }

  s64(v: bigint): this {
    this.ensure(10);
    const b = this.buf;
    let n = BigInt.asIntN(64, v);
    for (;;) {
      const byte = Number(n & 0x7fn);
      n >>= 7n;
      if ((n === 0n && (byte & 0x40) === 0) || (n === -1n && (byte & 0x40) !== 0)) {
        b[this.length++] = byte;
        return this;
      }
      b[this.length++] = byte | 0x80;
    }
  }

  u64(v: bigint | number): this {
    if (typeof v === 'number' && v <= 0xffffffff) return this.u32(v);
    this.ensure(10);
    const b = this.buf;
    // A number at or above 2^64 is a u64 near the top that the reader rounded up (memory64 limits
    // are numbers); write the largest u64, which reads back as the same number, not its wrap to 0.
    let n = typeof v === 'number' && v >= 2 ** 64 ? 0xffffffffffffffffn : BigInt.asUintN(64, BigInt(v));
    while (n >= 0x80n) {
      b[this.length++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    b[this.length++] = Number(n);
    return this;
  }

  f32Bits(bits: number): this {
    this.ensure(4);
    const b = this.buf;
    b[this.length++] = bits & 0xff;
    b[this.length++] = (bits >>> 8) & 0xff;
    b[this.length++] = (bits >>> 16) & 0xff;
    b[this.length++] = (bits >>> 24) & 0xff;
    return this;
  }

  f64Bits(bits: bigint): this {
    this.f32Bits(Number(bits & 0xffffffffn));
    return this.f32Bits(Number((bits >> 32n) & 0xffffffffn));
  }

  name(s: string): this {
    const enc = utf8.encode(s);
    return this.u32(enc.length).bytes(enc);
  }

  /** Writes `fn`'s output prefixed by its byte length as a u32 LEB. */
  sized(fn: (w: this) => void): this {
    const start = this.length;
    fn(this);
    const len = this.length - start;
    let k = 1;
    for (let n = len >>> 7; n > 0; n >>>= 7) k++;
    this.ensure(k);
    this.buf.copyWithin(start + k, start, this.length);
    let n = len;
    for (let i = 0; i < k; i++) {
      this.buf[start + i] = (n & 0x7f) | (i < k - 1 ? 0x80 : 0);
      n >>>= 7;
    }
    this.length += k;
    return this;
  }

  /** The bytes written so far (a copy sized exactly). */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }

  /** A view of the bytes written so far (valid until the next write). */
  view(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.length);
  }
}
