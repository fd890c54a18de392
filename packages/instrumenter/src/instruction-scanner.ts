// A fast instruction cursor for the planning pass. The planner needs, per instruction, only its
// opcode (for the price and the control-flow class), where it ends, and the index immediates of a
// few opcodes (labels, function and global indices). Most instructions are single-byte opcodes
// with short immediates (local.get 3, i64.load with a small offset, i32.const 8), so next()
// decodes those straight from the bytes with one table lookup per opcode byte and defers every
// other case to the shared OperatorReader at the same offset: prefixed opcodes, unknown bytes,
// immediates that do not fit the short forms (malformed or over-long LEBs, i64 constants of 10
// bytes, explicit memory indices, block types other than empty or a one-byte value type,
// br_table, select with types, try_table, heap types) and anything that would read past the end
// of the range. The general reader then produces the instruction, or the error with
// its offset, exactly as it would have on its own.
//
// Guarantee (checked against OperatorReader by test/instruction-scanner.test.ts): for any bytes,
// the scanner visits the same instruction offsets, reports the same opcode and end position, the
// same `a` and `b` for the index layouts (U32, U32U32) and the same errors.
//
// skipRun() is the planner's inner loop: it skips a run of instructions that matter only for
// their price, with nothing but local variables, and stops at the first one that matters for
// more or that it cannot decode in a short form (the scanner then takes over there).
import { ImmLayout, OPCODES, OperatorReader, SINGLE_BYTE_OPS, type OpInfo } from '@wsbc/wasm';

/** How next() decodes the immediates of one opcode byte. */
const enum Shape {
  /** Defer to the general reader. */
  General,
  None,
  /** One u32 LEB kept in `a` (up to 5 bytes, the last one checked as the general reader does). */
  U32,
  /** Two u32 LEBs kept in `a` and `b`. */
  U32U32,
  /** An i32 constant, skipped (up to 5 bytes, the last one checked). */
  SkipS32,
  /** An i64 constant, skipped (fast up to 9 bytes: 63 bits are always in range). */
  SkipS64,
  /** Flags byte below 0x40 (no memory index), then a u64 offset skipped like SkipS64. */
  MemArg,
  Bytes4,
  Bytes8,
  /** The empty block type or a one-byte value type. */
  BlockType,
}

const SHAPE = new Uint8Array(256);
/** OpInfo.id of each single-byte opcode (0 where the byte is a prefix or unknown: never read then). */
const ID_BY_BYTE = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  const op = SINGLE_BYTE_OPS[byte];
  if (op === undefined) continue;
  ID_BY_BYTE[byte] = op.id;
  SHAPE[byte] = shapeOf(op);
}

function shapeOf(op: OpInfo): Shape {
  switch (op.layout) {
    case ImmLayout.None:
      return Shape.None;
    case ImmLayout.U32:
      return Shape.U32;
    case ImmLayout.U32U32:
      return Shape.U32U32;
    case ImmLayout.I32:
      return Shape.SkipS32;
    case ImmLayout.I64:
      return Shape.SkipS64;
    case ImmLayout.MemArg:
      return Shape.MemArg;
    case ImmLayout.F32:
      return Shape.Bytes4;
    case ImmLayout.F64:
      return Shape.Bytes8;
    case ImmLayout.BlockType:
      return Shape.BlockType;
    default:
      return Shape.General;
  }
}

export class InstructionScanner {
  /** Position of the next instruction; after next(), the end of the current one. */
  pos: number;
  /** Offset of the current instruction's opcode byte. */
  offset = 0;
  /** OpInfo.id of the current instruction (OPCODES[id]). */
  id = 0;
  /** First and second index immediate (U32 and U32U32 layouts; otherwise as the general reader sets them). */
  a = 0;
  b = 0;
  /**
   * Whether the current instruction was decoded by `general`, whose fields (op, a..e, offsets of
   * br_table targets and catch clauses) then describe it in full.
   */
  decodedByGeneral = false;
  readonly general: OperatorReader;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    public end: number,
  ) {
    this.pos = start;
    this.general = new OperatorReader(bytes, start, end);
  }

  reset(start: number, end: number): this {
    this.pos = start;
    this.end = end;
    return this;
  }

  /** The current instruction's opcode entry. */
  get op(): OpInfo {
    return OPCODES[this.id]!;
  }

  /** Decodes the next instruction; false at the end of the range. Throws WasmError as OperatorReader does. */
  next(): boolean {
    const pos = this.pos;
    const end = this.end;
    if (pos >= end) return false;
    const bytes = this.bytes;
    const byte = bytes[pos]!;
    this.offset = pos;
    switch (SHAPE[byte] as Shape) {
      case Shape.None:
        this.id = ID_BY_BYTE[byte]!;
        this.decodedByGeneral = false;
        this.pos = pos + 1;
        return true;
      case Shape.U32: {
        const p = pos + 1;
        if (p < end) {
          const b0 = bytes[p]!;
          if (b0 < 0x80) {
            this.a = b0;
            this.id = ID_BY_BYTE[byte]!;
            this.decodedByGeneral = false;
            this.pos = p + 1;
            return true;
          }
        }
        return this.uncommon(byte, pos);
      }
      case Shape.SkipS32:
      case Shape.SkipS64: {
        const p = SHAPE[byte] === Shape.SkipS32 ? skipS32(bytes, pos + 1, end) : skipLeb(bytes, pos + 1, end, 9);
        if (p > 0) {
          this.id = ID_BY_BYTE[byte]!;
          this.decodedByGeneral = false;
          this.pos = p;
          return true;
        }
        break;
      }
      case Shape.MemArg: {
        if (pos + 1 < end && bytes[pos + 1]! < 0x40) {
          const p = skipLeb(bytes, pos + 2, end, 9);
          if (p > 0) {
            this.id = ID_BY_BYTE[byte]!;
            this.decodedByGeneral = false;
            this.pos = p;
            return true;
          }
        }
        break;
      }
      default:
        return this.uncommon(byte, pos);
    }
    return this.viaGeneral(pos);
  }

  /** Short shapes that are too rare to keep in next(), which V8 should inline into the planner. */
  private uncommon(byte: number, pos: number): boolean {
    const bytes = this.bytes;
    const end = this.end;
    let p = -1;
    switch (SHAPE[byte] as Shape) {
      case Shape.U32: {
        p = readU32(bytes, pos + 1, end, this, 0);
        break;
      }
      case Shape.U32U32: {
        const q = readU32(bytes, pos + 1, end, this, 0);
        if (q > 0) p = readU32(bytes, q, end, this, 1);
        break;
      }
      case Shape.Bytes4:
        if (pos + 5 <= end) p = pos + 5;
        break;
      case Shape.Bytes8:
        if (pos + 9 <= end) p = pos + 9;
        break;
      case Shape.BlockType:
        if (pos + 1 < end) {
          const t = bytes[pos + 1]!;
          if (t === 0x40 || (t >= 0x7b && t <= 0x7f)) {
            // The general reader reports the block type in `a`: 0x40 for empty, else the value type.
            this.a = t;
            p = pos + 2;
          }
        }
        break;
      default:
        break;
    }
    if (p < 0) return this.viaGeneral(pos);
    this.id = ID_BY_BYTE[byte]!;
    this.decodedByGeneral = false;
    this.pos = p;
    return true;
  }

  private viaGeneral(pos: number): boolean {
    const r = this.general;
    r.pos = pos;
    r.end = this.end;
    r.next();
    this.id = r.op.id;
    this.a = r.a;
    this.b = r.b;
    this.decodedByGeneral = true;
    this.pos = r.pos;
    return true;
  }
}

/**
 * End of a LEB of at most `maxBytes` bytes starting at `p`, or -1 when it is longer or runs past
 * `end` (the general reader then decides). Callers pick `maxBytes` so that no LEB of that length
 * can be malformed for the immediate's type.
 */
function skipLeb(bytes: Uint8Array, p: number, end: number, maxBytes: number): number {
  const limit = Math.min(end, p + maxBytes);
  while (p < limit) {
    if (bytes[p++]! < 0x80) return p;
  }
  return -1;
}

/**
 * Reads a u32 LEB into slot a (0) or b (1); returns its end, or -1 when it is malformed, longer
 * than 5 bytes or runs past `end` (the general reader then reports it). A 5-byte LEB (padded
 * indices are common in linker output) must have a last byte of 4 bits, as the general reader
 * requires.
 */
function readU32(bytes: Uint8Array, p: number, end: number, into: InstructionScanner, slot: 0 | 1): number {
  let value = 0;
  let scale = 1;
  const limit = Math.min(end, p + 5);
  for (let i = 0; p < limit; i++) {
    const byte = bytes[p++]!;
    if (i === 4 && byte >= 0x10) return -1;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (slot === 0) into.a = value;
      else into.b = value;
      return p;
    }
    scale *= 128;
  }
  return -1;
}

/** End of a u32 LEB at `p` (at most 5 bytes, checked as readU32 checks it), or -1. */
function skipU32(bytes: Uint8Array, p: number, end: number): number {
  const limit = Math.min(end, p + 5);
  for (let i = p; i < limit; i++) {
    const byte = bytes[i]!;
    if (byte < 0x80) return i - p === 4 && byte >= 0x10 ? -1 : i + 1;
  }
  return -1;
}

/**
 * End of an s32 LEB at `p`, or -1. In a 5-byte one the last byte's bits 4-6 must repeat its sign
 * bit (3), as the general reader requires.
 */
function skipS32(bytes: Uint8Array, p: number, end: number): number {
  const limit = Math.min(end, p + 5);
  for (let i = p; i < limit; i++) {
    const byte = bytes[i]!;
    if (byte < 0x80) {
      if (i - p < 4) return i + 1;
      const top = byte & 0x78;
      return top === 0 || top === 0x78 ? i + 1 : -1;
    }
  }
  return -1;
}

/** The value of a u32 LEB already bounded by skipU32 to [p, end). */
function readShortU32(bytes: Uint8Array, p: number, end: number): number {
  let value = 0;
  let scale = 1;
  for (; p < end; scale *= 128) value += (bytes[p++]! & 0x7f) * scale;
  return value;
}

/** How skipCareful skips the immediates of one opcode byte (if-chain order: most frequent first). */
const enum Run {
  Stop,
  None,
  /** A u32 LEB (up to 5 bytes, checked). */
  U32,
  /** An s32 LEB (up to 5 bytes, checked). */
  S32,
  /** An s64 LEB of at most 9 bytes. */
  Leb9,
  /** Flags byte below 0x40, then a u64 offset LEB of at most 9 bytes. */
  MemArg,
  /** global.get / global.set: a u32 LEB below the global limit. */
  Global,
  U32U32,
  Bytes4,
  Bytes8,
}

const RUN_KIND = new Uint8Array(256);
for (let byte = 0; byte < 256; byte++) {
  const op = SINGLE_BYTE_OPS[byte];
  if (op === undefined) continue;
  if (op.imms.length === 1 && op.imms[0] === 'global') {
    RUN_KIND[byte] = Run.Global;
    continue;
  }
  const shape = SHAPE[byte] as Shape;
  RUN_KIND[byte] =
    shape === Shape.None ? Run.None
    : shape === Shape.U32 ? Run.U32
    : shape === Shape.SkipS32 ? Run.S32
    : shape === Shape.SkipS64 ? Run.Leb9
    : shape === Shape.MemArg ? Run.MemArg
    : shape === Shape.U32U32 ? Run.U32U32
    : shape === Shape.Bytes4 ? Run.Bytes4
    : shape === Shape.Bytes8 ? Run.Bytes8
    : Run.Stop;
}

/**
 * Skips instructions from `pos` while their opcode byte has an entry in `run` (see runTable():
 * single-byte opcodes whose only effect is their price) and their immediates have a short form,
 * adding their prices into `cost[0]`. global.get/global.set (if in the table) are skipped only
 * when their index is below `globalLimit` (the limit runTable was given). Returns where it
 * stopped: `end`, or the offset of an instruction it did not skip. Never throws and never reads
 * at or past `end`.
 *
 * Most instructions take the fast path: the entry gives the length with one-byte immediates and
 * the bits the next two bytes must have clear for that length to hold, so one test, predicted
 * taken, replaces a branch per immediate kind (whose mispredictions cost more than the loads).
 * Longer LEBs and global indices take skipLonger, the rest (and the last bytes of the range)
 * skipCareful.
 */
export function skipRun(bytes: Uint8Array, pos: number, end: number, run: Int32Array, cost: Float64Array, globalLimit = 0): number {
  let sum = 0;
  // INVARIANT: below fastEnd an instruction of at most 9 bytes ends at or before `end`, and the
  // two bytes after its opcode are in the range.
  const fastEnd = end - 9;
  while (pos < end) {
    const entry = run[bytes[pos]!]!;
    if (entry === 0) break;
    if (pos <= fastEnd && ((bytes[pos + 1]! & entry & RUN_MASK1) | (bytes[pos + 2]! & (entry << 2) & 0x80) | (entry & RUN_CAREFUL)) === 0) {
      pos += entry & RUN_LENGTH;
    } else {
      let next = pos + 11 <= end ? skipLonger(bytes, pos, entry, globalLimit) : -1;
      if (next < 0) next = skipCareful(bytes, pos, end, globalLimit);
      if (next < 0) break;
      pos = next;
    }
    sum += entry >> RUN_PRICE_SHIFT;
  }
  cost[0] = sum;
  return pos;
}

/**
 * The next most frequent forms, at least 11 bytes before the end of the range: a LEB longer than
 * one byte (i32.const 1000, local.get 200, i32.load offset=400, an i64.const of a pointer, a
 * padded i32.const address), and a one-byte global index below the limit. Returns where the
 * instruction ends, or -1 to leave it to skipCareful.
 */
function skipLonger(bytes: Uint8Array, pos: number, entry: number, globalLimit: number): number {
  let q = pos + 1;
  if ((entry & RUN_GLOBAL) !== 0) {
    const index = bytes[q]!;
    return index < 0x80 && index < globalLimit ? q + 1 : -1;
  }
  if ((entry & RUN_CAREFUL) !== 0 || (entry & RUN_MASK1) === 0) return -1;
  if ((entry & RUN_CHECK2) !== 0) {
    // A memarg: flags without a memory index, then the offset.
    if (bytes[q]! >= 0x40) return -1;
    q++;
  }
  // u32 and s32 LEBs of up to 4 bytes and u64/s64 ones of up to 9 are always well formed.
  const long = (entry & RUN_LONG) !== 0;
  const last = q + (long ? 8 : 3);
  while (q < last && bytes[q]! >= 0x80) q++;
  if (bytes[q]! < 0x80) return q + 1;
  if (long) return -1;
  // A 5-byte u32 or s32 (padded for relocation: LLVM's output keeps them) whose last byte holds
  // no more bits than the type has, as the general reader requires.
  const fifth = bytes[q + 1]!;
  if ((entry & RUN_SIGNED) === 0) return fifth < 0x10 ? q + 2 : -1;
  const top = fifth & 0x78;
  return fifth < 0x80 && (top === 0 || top === 0x78) ? q + 2 : -1;
}

/** End of the instruction at `pos` (a skippable opcode byte) with its immediates checked, or -1. */
function skipCareful(bytes: Uint8Array, pos: number, end: number, globalLimit: number): number {
  const kind = RUN_KIND[bytes[pos]!] as Run;
  if (kind === Run.None) return pos + 1;
  if (kind === Run.U32 || kind === Run.S32 || kind === Run.Leb9) {
    const p = pos + 1;
    if (p < end && bytes[p]! < 0x80) return p + 1;
    return kind === Run.U32 ? skipU32(bytes, p, end) : kind === Run.S32 ? skipS32(bytes, p, end) : skipLeb(bytes, p, end, 9);
  }
  if (kind === Run.MemArg) {
    const p = pos + 2;
    if (p < end && bytes[pos + 1]! < 0x40) return bytes[p]! < 0x80 ? p + 1 : skipLeb(bytes, p, end, 9);
    return -1;
  }
  if (kind === Run.Global) {
    const p = pos + 1;
    if (p < end && bytes[p]! < 0x80) return bytes[p]! < globalLimit ? p + 1 : -1;
    const q = skipU32(bytes, p, end);
    return q > 0 && readShortU32(bytes, p, q) < globalLimit ? q : -1;
  }
  if (kind === Run.U32U32) {
    const q = skipU32(bytes, pos + 1, end);
    return q > 0 ? skipU32(bytes, q, end) : -1;
  }
  if (kind === Run.Bytes4) return pos + 5 <= end ? pos + 5 : -1;
  if (kind === Run.Bytes8) return pos + 9 <= end ? pos + 9 : -1;
  return -1;
}

// Fields of a runTable entry (0: stop).
/** The instruction's length when its immediates are one-byte LEBs (or fixed bytes). */
const RUN_LENGTH = 15;
/** Never the fast path (immediates without a fixed short form, global indices to compare). */
const RUN_CAREFUL = 16;
/** Set when the second byte after the opcode must be below 0x80 (a memarg's offset). */
const RUN_CHECK2 = 32;
/** Bits the byte after the opcode must have clear: 0x80 (a one-byte LEB) or 0xc0 (memarg flags without a memory index). */
const RUN_MASK1 = 0xc0;
/** global.get/set: an index must be checked against the limit unless RUN_MASK1 clears it. */
const RUN_GLOBAL = 0x100;
/** The LEB is 64 bits (i64.const, a memarg's offset): up to 9 bytes are well formed, not 4. */
const RUN_LONG = 0x200;
/** The LEB is an s32 (i32.const), for the check of a 5-byte one. */
const RUN_SIGNED = 0x400;
const RUN_PRICE_SHIFT = 11;

/**
 * The table skipRun takes: for each single-byte opcode for which `plain(id)` holds, its price
 * (shifted) and how to skip its immediates; 0 (stop) for every other byte (other opcodes,
 * prefixes, unknown bytes, prices of 2^20 or more). `globalLimit` must be the one skipRun is
 * given: global indices below it are skipped.
 */
export function runTable(prices: Uint32Array, plain: (id: number) => boolean, globalLimit = 0): Int32Array {
  const run = new Int32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const op = SINGLE_BYTE_OPS[byte];
    const kind = RUN_KIND[byte] as Run;
    if (op === undefined || !plain(op.id) || kind === Run.Stop) continue;
    const price = prices[op.id]!;
    // A price too large for the entry (only a CostTable built by hand, past MAX_PRICE, has one)
    // leaves the opcode to the scanner, which adds it in full.
    if (price >= 2 ** (31 - RUN_PRICE_SHIFT)) continue;
    let fast: number;
    switch (kind) {
      case Run.None:
        fast = 1;
        break;
      case Run.U32:
        fast = 2 | 0x80;
        break;
      case Run.S32:
        fast = 2 | 0x80 | RUN_SIGNED;
        break;
      case Run.Leb9:
        fast = 2 | 0x80 | RUN_LONG;
        break;
      case Run.Global:
        // A one-byte index is below the limit whenever the limit is above every one-byte index;
        // otherwise skipLonger compares it.
        fast = globalLimit >= 0x80 ? 2 | 0x80 | RUN_GLOBAL : 2 | RUN_GLOBAL | RUN_CAREFUL;
        break;
      case Run.MemArg:
        fast = 3 | 0xc0 | RUN_CHECK2 | RUN_LONG;
        break;
      case Run.Bytes4:
        fast = 5;
        break;
      case Run.Bytes8:
        fast = 9;
        break;
      default:
        fast = RUN_CAREFUL;
    }
    run[byte] = (price << RUN_PRICE_SHIFT) | fast;
  }
  return run;
}
