// Bounds-checked primitive decoding over a window of a Uint8Array: LEB128 integers with the spec's
// length and unused-bit rules, fixed-width floats, names. Nothing here copies the input; every
// length read from the input is checked against the bytes that remain before it is used, so an
// inflated length field can never drive an allocation or a long loop.
import { WasmError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class BinaryReader {
  /** Current position (absolute offset into `bytes`). */
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    /** Exclusive end of the window (absolute offset). */
    public end = bytes.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  eof(what: string): WasmError {
    return new WasmError('wasm/unexpected-end', `unexpected end of input while reading ${what}`, Math.min(this.pos, this.end));
  }

  u8(what = 'a byte'): number {
    if (this.pos >= this.end) throw this.eof(what);
    return this.bytes[this.pos++]!;
  }

  peekU8(): number {
    if (this.pos >= this.end) throw this.eof('a byte');
    return this.bytes[this.pos]!;
  }

  u32(what = 'an unsigned 32-bit integer'): number {
    const b = this.bytes;
    let pos = this.pos;
    if (pos < this.end) {
      const b0 = b[pos]!;
      if (b0 < 0x80) {
        this.pos = pos + 1;
        return b0;
      }
    }
    const start = pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= this.end) {
        this.pos = pos;
        throw this.eof(what);
      }
      const byte = b[pos++]!;
      if (shift === 28) {
        if (byte & 0xf0) {
          throw new WasmError('wasm/bad-leb', `malformed LEB128 for ${what}: ${byte & 0x80 ? 'longer than 5 bytes' : 'integer too large'}`, start);
        }
        result += byte * 0x10000000;
        break;
      }
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
    }
    this.pos = pos;
    return result;
  }

  s32(what = 'a signed 32-bit integer'): number {
    const b = this.bytes;
    let pos = this.pos;
    const start = pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= this.end) {
        this.pos = pos;
        throw this.eof(what);
      }
      const byte = b[pos++]!;
      if (shift === 28) {
        // Bits 4..6 of the last byte must all equal bit 3 (the sign), and no continuation.
        const top = byte & 0x78;
        if (byte & 0x80 || (top !== 0 && top !== 0x78)) {
          throw new WasmError('wasm/bad-leb', `malformed LEB128 for ${what}: ${byte & 0x80 ? 'longer than 5 bytes' : 'integer too large'}`, start);
        }
        result |= byte << 28;
        break;
      }
      result |= (byte & 0x7f) << shift;
      shift += 7;
      if ((byte & 0x80) === 0) {
        if (shift < 32 && byte & 0x40) result |= -1 << shift;
        break;
      }
    }
    this.pos = pos;
    return result | 0;
  }

  /** Signed 33-bit (block types, heap types). Returns a number in [-2^32, 2^32). */
  s33(what = 'a signed 33-bit integer'): number {
    const b = this.bytes;
    let pos = this.pos;
    const start = pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (pos >= this.end) {
        this.pos = pos;
        throw this.eof(what);
      }
      const byte = b[pos++]!;
      if (i === 4) {
        const top = byte & 0x70;
        if (byte & 0x80 || (top !== 0 && top !== 0x70)) {
          throw new WasmError('wasm/bad-leb', `malformed LEB128 for ${what}: ${byte & 0x80 ? 'longer than 5 bytes' : 'integer too large'}`, start);
        }
        result += (byte & 0x1f) * mul;
        if (byte & 0x10) result -= 0x200000000;
        break;
      }
      result += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) {
        if (byte & 0x40) result -= mul;
        break;
      }
    }
    this.pos = pos;
    return result;
  }

  /** Skips a signed 64-bit LEB, validating it. Returns nothing: callers that need the value use s64(). */
  skipS64(what = 'a signed 64-bit integer'): void {
    this.varint64(what, true, false);
  }

  s64(what = 'a signed 64-bit integer'): bigint {
    return this.varint64(what, true, true) as bigint;
  }

  u64(what = 'an unsigned 64-bit integer'): bigint {
    return this.varint64(what, false, true) as bigint;
  }

  /**
   * Unsigned 64-bit read as a JS number (exact below 2^53, rounded above). For hot paths (memarg
   * offsets) where only magnitude matters; exact values come from u64().
   */
  u64AsNumber(what = 'an unsigned 64-bit integer'): number {
    const b = this.bytes;
    let pos = this.pos;
    if (pos < this.end) {
      const b0 = b[pos]!;
      if (b0 < 0x80) {
        this.pos = pos + 1;
        return b0;
      }
    }
    const start = pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (pos >= this.end) {
        this.pos = pos;
        throw this.eof(what);
      }
      const byte = b[pos++]!;
      if (i === 9) {
        if (byte & 0xfe) throw new WasmError('wasm/bad-leb', `malformed LEB128 for ${what}: ${byte & 0x80 ? 'longer than 10 bytes' : 'integer too large'}`, start);
        result += byte * mul;
        break;
      }
      result += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) break;
    }
    this.pos = pos;
    return result;
  }

  private varint64(what: string, signed: boolean, want: boolean): bigint | undefined {
    const b = this.bytes;
    let pos = this.pos;
    const start = pos;
    let n = 0;
    for (;;) {
      if (pos >= this.end) {
        this.pos = pos;
        throw this.eof(what);
      }
      const byte = b[pos++]!;
      n++;
      if (n === 10) {
        const bad = signed ? byte !== 0x00 && byte !== 0x7f : (byte & 0xfe) !== 0;
        if (bad || byte & 0x80) {
          throw new WasmError('wasm/bad-leb', `malformed LEB128 for ${what}: ${byte & 0x80 ? 'longer than 10 bytes' : 'integer too large'}`, start);
        }
        break;
      }
      if ((byte & 0x80) === 0) break;
    }
    this.pos = pos;
    if (!want) return undefined;
    let value = 0n;
    let shift = 0n;
    for (let i = start; i < pos; i++) {
      const byte = b[i]!;
      value |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    }
    if (signed) {
      const last = b[pos - 1]!;
      if (shift < 64n && last & 0x40) value -= 1n << shift;
      return BigInt.asIntN(64, value);
    }
    return BigInt.asUintN(64, value);
  }

  /** Raw IEEE bits of an f32 (kept as bits so NaN payloads survive a round trip). */
  f32Bits(): number {
    if (this.end - this.pos < 4) throw this.eof('a 32-bit float');
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** Raw IEEE bits of an f64. */
  f64Bits(): bigint {
    const lo = BigInt(this.f32Bits());
    const hi = BigInt(this.f32Bits());
    return (hi << 32n) | lo;
  }

  skip(n: number, what: string): void {
    if (n > this.end - this.pos) throw this.eof(what);
    this.pos += n;
  }

  /** A zero-copy view of the next `n` bytes. */
  bytesView(n: number, what: string): Uint8Array {
    if (n > this.end - this.pos) {
      throw new WasmError('wasm/length-out-of-bounds', `${what} declares ${n} bytes but only ${this.end - this.pos} remain`, this.pos);
    }
    const b = this.bytes;
    const v = new Uint8Array(b.buffer, b.byteOffset + this.pos, n);
    this.pos += n;
    return v;
  }

  /** A vector count, checked so that even one byte per element fits in what remains. */
  count(what: string, minBytesPerItem = 1): number {
    const at = this.pos;
    const n = this.u32(`the length of ${what}`);
    if (n * minBytesPerItem > this.end - this.pos) {
      throw new WasmError('wasm/length-out-of-bounds', `${what} declares ${n} entries but only ${this.end - this.pos} bytes remain`, at);
    }
    return n;
  }

  name(what = 'a name'): string {
    const at = this.pos;
    const n = this.u32(`the length of ${what}`);
    if (n > this.end - this.pos) {
      throw new WasmError('wasm/length-out-of-bounds', `${what} declares ${n} bytes but only ${this.end - this.pos} remain`, at);
    }
    const view = this.bytes.subarray(this.pos, this.pos + n);
    let s: string;
    try {
      s = utf8.decode(view);
    } catch {
      throw new WasmError('wasm/bad-utf8', `${what} is not valid UTF-8`, this.pos);
    }
    this.pos += n;
    return s;
  }
}
