// A cursor over the instructions of a function body or constant expression. `next()` decodes one
// instruction in place: the cursor's fields (`op`, `offset`, slots `a`..`d`) describe it until the
// next call, so walking a 14 MB module allocates nothing per instruction. Immediates that do not fit
// a number (i64 values, f64 bits, v128 bytes, br_table targets, select types, catch clauses) are
// decoded on demand from their byte offset; `instruction()` builds a standalone object when a caller
// wants one (re-encoders, printers).
//
// Slot meaning per immediate layout (see ImmLayout in opcodes.ts):
//   U32 a | U32U32 a,b | BlockType a | BrTable a=count b=default c=offset of first target
//   MemArg a=align(log2) b=memory c=offset(number, rounded above 2^53) d=1 if memory index explicit
//   MemArgLane as MemArg + e=lane | I32 a | F32 a=bits | Lane a | SelectTypes a=count
//   HeapType a | BrOnCast a=flags b=label c,d=heap types | TryTable a=blocktype b=catch count
import { BinaryReader } from './binary-reader.js';
import { WasmError } from './errors.js';
import { ImmLayout, PREFIXED_OPS, SINGLE_BYTE_OPS, type OpInfo } from './opcodes.js';
import { BLOCK_EMPTY, CONCRETE, isAbstractHeapByte, type BlockType, type HeapType, type ValType } from './types.js';

export interface MemArg {
  /** log2 of the alignment, as written. */
  align: number;
  memory: number;
  offset: bigint;
  /** Whether the memory index was written explicitly (flags bit 6), even if 0. */
  explicitMemory: boolean;
}

export interface BrTable {
  targets: number[];
  defaultTarget: number;
}

export interface Catch {
  /** 0 catch, 1 catch_ref, 2 catch_all, 3 catch_all_ref. */
  kind: 0 | 1 | 2 | 3;
  tag?: number;
  label: number;
}

export type Immediate = number | bigint | MemArg | BrTable | Uint8Array | ValType[] | Catch[] | null;

/** A decoded instruction as a standalone value. `imms` follows `op.imms` in order. */
export interface Instruction {
  op: OpInfo;
  imms: Immediate[];
}

const PREFIX_TABLES: Array<readonly (OpInfo | undefined)[] | undefined> = [];
for (const p of [0xfb, 0xfc, 0xfd, 0xfe]) PREFIX_TABLES[p] = PREFIXED_OPS[p];

export function readValType(r: BinaryReader, storage = false): ValType {
  const at = r.pos;
  const b = r.u8('a value type');
  if ((b >= 0x7b && b <= 0x7f) || isAbstractHeapByte(b)) return b;
  if (b === 0x64 || b === 0x63) {
    const h = readHeapType(r);
    if (h >= CONCRETE) return CONCRETE + (h - CONCRETE) * 2 + (b === 0x63 ? 1 : 0);
    return (b === 0x64 ? 0x100 : 0x200) | h;
  }
  if (storage && (b === 0x78 || b === 0x77)) return b;
  throw new WasmError('wasm/bad-type', `invalid value type 0x${b.toString(16)}`, at);
}

export function readHeapType(r: BinaryReader): HeapType {
  const at = r.pos;
  const v = r.s33('a heap type');
  if (v >= 0) return CONCRETE + v;
  const b = v + 0x80;
  if (v >= -0x40 && isAbstractHeapByte(b)) return b;
  throw new WasmError('wasm/bad-type', `invalid heap type ${v}`, at);
}

export function readBlockType(r: BinaryReader): BlockType {
  const b = r.peekU8();
  if (b === BLOCK_EMPTY) {
    r.pos++;
    return BLOCK_EMPTY;
  }
  if ((b >= 0x7b && b <= 0x7f) || isAbstractHeapByte(b) || b === 0x64 || b === 0x63) return readValType(r);
  const at = r.pos;
  const v = r.s33('a block type');
  if (v < 0) throw new WasmError('wasm/bad-type', `invalid block type 0x${b.toString(16)}`, at);
  return -(v + 1);
}

export class OperatorReader extends BinaryReader {
  /** The instruction decoded by the last successful next(). */
  op!: OpInfo;
  /** Offset of its opcode byte. */
  offset = 0;
  /** Offset of its first immediate byte. */
  immStart = 0;
  a = 0;
  b = 0;
  c = 0;
  d = 0;
  e = 0;

  constructor(bytes: Uint8Array, start: number, end: number) {
    super(bytes, start, end);
  }

  /** Re-targets the cursor to another range of the same bytes (lets one cursor walk many expressions). */
  reset(start: number, end: number): this {
    this.pos = start;
    this.end = end;
    return this;
  }

  /** Decodes the next instruction; false when the range is exhausted. Throws WasmError. */
  next(): boolean {
    const bytes = this.bytes;
    const pos = this.pos;
    if (pos >= this.end) return false;
    this.offset = pos;
    const byte = bytes[pos]!;
    let op = SINGLE_BYTE_OPS[byte];
    this.pos = pos + 1;
    if (op === undefined) op = this.prefixedOp(byte, pos);
    this.op = op;
    const imm = this.pos;
    this.immStart = imm;
    const layout = op.layout;
    if (layout === ImmLayout.None) return true;
    // Single-byte immediates (local.get 3, i32.const 8, block with no type ...) dominate real code.
    if (imm < this.end) {
      const b0 = bytes[imm]!;
      if (b0 < 0x80) {
        if (layout === ImmLayout.U32) {
          this.a = b0;
          this.pos = imm + 1;
          return true;
        }
        if (layout === ImmLayout.I32) {
          this.a = b0 < 0x40 ? b0 : b0 - 0x80;
          this.pos = imm + 1;
          return true;
        }
        if (layout === ImmLayout.I64) {
          this.pos = imm + 1;
          return true;
        }
        if (layout === ImmLayout.BlockType && b0 === BLOCK_EMPTY) {
          this.a = BLOCK_EMPTY;
          this.pos = imm + 1;
          return true;
        }
      }
    }
    this.slowImmediates(op, layout);
    return true;
  }

  private prefixedOp(byte: number, pos: number): OpInfo {
    const table = PREFIX_TABLES[byte];
    if (table === undefined) {
      throw new WasmError('wasm/unknown-opcode', `unknown opcode 0x${byte.toString(16).padStart(2, '0')}`, pos);
    }
    const sub = this.u32('a prefixed opcode');
    const op = table[sub];
    if (op === undefined) throw new WasmError('wasm/unknown-opcode', `unknown opcode 0x${byte.toString(16)} ${sub}`, pos);
    return op;
  }

  /**
   * Immediates other than the single-byte fast paths. Kept out of next() so that next() stays
   * small enough for V8 to inline into callers' loops.
   */
  private slowImmediates(op: OpInfo, layout: ImmLayout): void {
    switch (layout) {
      case ImmLayout.U32:
        this.a = this.u32('an index');
        break;
      case ImmLayout.U32U32:
        this.a = this.u32('an index');
        this.b = this.u32('an index');
        break;
      case ImmLayout.BlockType:
        this.a = readBlockType(this);
        break;
      case ImmLayout.MemArg:
        this.memarg();
        break;
      case ImmLayout.MemArgLane:
        this.memarg();
        this.e = this.u8('a lane index');
        break;
      case ImmLayout.I32:
        this.a = this.s32('an i32 constant');
        break;
      case ImmLayout.I64:
        this.skipS64('an i64 constant');
        break;
      case ImmLayout.F32:
        this.a = this.f32Bits();
        break;
      case ImmLayout.F64:
        this.skip(8, 'an f64 constant');
        break;
      case ImmLayout.V128:
        this.skip(16, 'a v128 immediate');
        break;
      case ImmLayout.Lane:
        this.a = this.u8('a lane index');
        break;
      case ImmLayout.BrTable: {
        const n = this.count('a br_table', 1);
        this.a = n;
        this.c = this.pos;
        for (let i = 0; i < n; i++) this.u32('a br_table target');
        this.b = this.u32('a br_table default');
        break;
      }
      case ImmLayout.SelectTypes: {
        const n = this.count('select types', 1);
        this.a = n;
        for (let i = 0; i < n; i++) readValType(this);
        break;
      }
      case ImmLayout.HeapType:
        this.a = readHeapType(this);
        break;
      case ImmLayout.BrOnCast: {
        const at = this.pos;
        this.a = this.u8('br_on_cast flags');
        if (this.a > 3) throw new WasmError('wasm/bad-immediate', `invalid br_on_cast flags ${this.a}`, at);
        this.b = this.u32('a label');
        this.c = readHeapType(this);
        this.d = readHeapType(this);
        break;
      }
      case ImmLayout.TryTable: {
        this.a = readBlockType(this);
        const n = this.count('try_table catch clauses', 2);
        this.b = n;
        this.c = this.pos;
        for (let i = 0; i < n; i++) {
          const at = this.pos;
          const kind = this.u8('a catch kind');
          if (kind > 3) throw new WasmError('wasm/bad-immediate', `invalid catch kind ${kind}`, at);
          if (kind < 2) this.u32('a tag index');
          this.u32('a label');
        }
        break;
      }
      case ImmLayout.ZeroByte: {
        const at = this.pos;
        if (this.u8('a reserved byte') !== 0) throw new WasmError('wasm/bad-immediate', `${op.name} expects a zero byte`, at);
        break;
      }
    }
  }

  private memarg(): void {
    const at = this.pos;
    const bytes = this.bytes;
    // Common shape: one-byte flags without a memory index, one-byte offset.
    if (at + 1 < this.end) {
      const f = bytes[at]!;
      const o = bytes[at + 1]!;
      if (f < 0x40 && o < 0x80) {
        this.a = f;
        this.b = 0;
        this.d = 0;
        this.c = o;
        this.pos = at + 2;
        return;
      }
    }
    const flags = this.u32('memarg alignment');
    if (flags >= 0x80) throw new WasmError('wasm/bad-alignment', `malformed memarg flags ${flags}`, at);
    if (flags & 0x40) {
      this.b = this.u32('a memory index');
      this.d = 1;
    } else {
      this.b = 0;
      this.d = 0;
    }
    this.a = flags & 0x3f;
    this.c = this.u64AsNumber('memarg offset');
  }

  /** The i64 value of the current `i64.const`. */
  i64(): bigint {
    return new BinaryReader(this.bytes, this.immStart, this.end).s64();
  }

  /** Raw bits of the current `f64.const`. */
  f64Bits64(): bigint {
    return new BinaryReader(this.bytes, this.immStart, this.end).f64Bits();
  }

  /** The exact memarg offset of the current memory instruction. */
  memargOffset(): bigint {
    const r = new BinaryReader(this.bytes, this.immStart, this.end);
    if (r.u32() & 0x40) r.u32();
    return r.u64();
  }

  /** Zero-copy view of the 16 immediate bytes of `v128.const` / `i8x16.shuffle`. */
  v128(): Uint8Array {
    return this.bytes.subarray(this.immStart, this.immStart + 16);
  }

  /** br_table targets (allocates). */
  brTable(): BrTable {
    const r = new BinaryReader(this.bytes, this.c, this.end);
    const targets = new Array<number>(this.a);
    for (let i = 0; i < this.a; i++) targets[i] = r.u32();
    return { targets, defaultTarget: this.b };
  }

  /** Calls fn for each br_table target (not the default), without allocating. */
  forEachBrTableTarget(fn: (label: number) => void): void {
    const r = new BinaryReader(this.bytes, this.c, this.end);
    for (let i = 0; i < this.a; i++) fn(r.u32());
  }

  selectTypes(): ValType[] {
    const r = new BinaryReader(this.bytes, this.immStart, this.end);
    const n = r.u32();
    const out: ValType[] = [];
    for (let i = 0; i < n; i++) out.push(readValType(r));
    return out;
  }

  catches(): Catch[] {
    const r = new BinaryReader(this.bytes, this.c, this.end);
    const out: Catch[] = [];
    for (let i = 0; i < this.b; i++) {
      const kind = r.u8() as Catch['kind'];
      if (kind < 2) {
        const tag = r.u32();
        out.push({ kind, tag, label: r.u32() });
      } else out.push({ kind, label: r.u32() });
    }
    return out;
  }

  /** The current instruction as a standalone value (allocates). */
  instruction(): Instruction {
    const op = this.op;
    const imms: Immediate[] = [];
    switch (op.layout) {
      case ImmLayout.None:
        break;
      case ImmLayout.U32:
      case ImmLayout.BlockType:
      case ImmLayout.I32:
      case ImmLayout.F32:
      case ImmLayout.Lane:
      case ImmLayout.HeapType:
        imms.push(this.a);
        break;
      case ImmLayout.U32U32:
        imms.push(this.a, this.b);
        break;
      case ImmLayout.MemArg:
      case ImmLayout.MemArgLane:
        imms.push({ align: this.a, memory: this.b, offset: this.memargOffset(), explicitMemory: this.d === 1 });
        if (op.layout === ImmLayout.MemArgLane) imms.push(this.e);
        break;
      case ImmLayout.I64:
        imms.push(this.i64());
        break;
      case ImmLayout.F64:
        imms.push(this.f64Bits64());
        break;
      case ImmLayout.V128:
        imms.push(this.v128());
        break;
      case ImmLayout.BrTable:
        imms.push(this.brTable());
        break;
      case ImmLayout.SelectTypes:
        imms.push(this.selectTypes());
        break;
      case ImmLayout.BrOnCast:
        imms.push(this.a, this.b, this.c, this.d);
        break;
      case ImmLayout.TryTable:
        imms.push(this.a, this.catches());
        break;
      case ImmLayout.ZeroByte:
        imms.push(null);
        break;
    }
    return { op, imms };
  }
}

/** Decodes every instruction in [start, end) into standalone values (allocates; for tests and tools). */
export function readInstructions(bytes: Uint8Array, start: number, end: number): Instruction[] {
  const r = new OperatorReader(bytes, start, end);
  const out: Instruction[] = [];
  while (r.next()) out.push(r.instruction());
  return out;
}
