// Encodes instructions and types; the mirror of operator-reader.ts. Immediates are written in the
// order and kinds the opcode table lists, so an instruction the reader decoded encodes back through
// the same table entry.
import { ByteWriter } from './binary-writer.js';
import { opByName, type OpInfo } from './opcodes.js';
import type { BrTable, Catch, Immediate, Instruction, MemArg } from './operator-reader.js';
import { BLOCK_EMPTY, CONCRETE, type BlockType, type HeapType, type ValType } from './types.js';

export function writeValType(w: ByteWriter, t: ValType): void {
  if (t < 0x100) {
    w.u8(t);
  } else if (t < CONCRETE) {
    w.u8(t >= 0x200 ? 0x63 : 0x64).u8(t & 0xff);
  } else {
    const rel = t - CONCRETE;
    w.u8(rel % 2 === 1 ? 0x63 : 0x64).s33(Math.floor(rel / 2));
  }
}

export function writeHeapType(w: ByteWriter, h: HeapType): void {
  if (h < 0x100) w.u8(h);
  else w.s33(h - CONCRETE);
}

export function writeBlockType(w: ByteWriter, bt: BlockType): void {
  if (bt === BLOCK_EMPTY) w.u8(BLOCK_EMPTY);
  else if (bt < 0) w.s33(-bt - 1);
  else writeValType(w, bt);
}

export function writeOpcode(w: ByteWriter, op: OpInfo): void {
  if (op.prefix === 0) w.u8(op.code);
  else w.u8(op.prefix).u32(op.code);
}

function bad(op: OpInfo, i: number, v: Immediate): never {
  throw new TypeError(`instruction ${op.name}: immediate ${i} (${op.imms[i]}) has the wrong shape: ${String(v)}`);
}

/** Writes one instruction. A wrong immediate shape is a programming error (TypeError). */
export function writeInstruction(w: ByteWriter, ins: Instruction): void {
  const { op, imms } = ins;
  writeOpcode(w, op);
  if (imms.length !== op.imms.length) {
    throw new TypeError(`instruction ${op.name} takes ${op.imms.length} immediates, got ${imms.length}`);
  }
  for (let i = 0; i < op.imms.length; i++) {
    const v = imms[i]!;
    switch (op.imms[i]) {
      case 'blocktype':
        if (typeof v !== 'number') bad(op, i, v);
        writeBlockType(w, v);
        break;
      case 'label':
      case 'func':
      case 'type':
      case 'table':
      case 'local':
      case 'global':
      case 'memory':
      case 'data':
      case 'elem':
      case 'tag':
      case 'field':
      case 'u32':
        if (typeof v !== 'number') bad(op, i, v);
        w.u32(v);
        break;
      case 'br_table': {
        const t = v as BrTable;
        if (!t || !Array.isArray(t.targets)) bad(op, i, v);
        w.u32(t.targets.length);
        for (const l of t.targets) w.u32(l);
        w.u32(t.defaultTarget);
        break;
      }
      case 'memarg': {
        const m = v as MemArg;
        if (!m || typeof m.align !== 'number') bad(op, i, v);
        const explicit = m.explicitMemory || m.memory !== 0;
        w.u32(m.align | (explicit ? 0x40 : 0));
        if (explicit) w.u32(m.memory);
        w.u64(m.offset);
        break;
      }
      case 'i32':
        if (typeof v !== 'number') bad(op, i, v);
        w.s32(v);
        break;
      case 'i64':
        if (typeof v !== 'bigint') bad(op, i, v);
        w.s64(v);
        break;
      case 'f32':
        if (typeof v !== 'number') bad(op, i, v);
        w.f32Bits(v);
        break;
      case 'f64':
        if (typeof v !== 'bigint') bad(op, i, v);
        w.f64Bits(v);
        break;
      case 'v128':
      case 'shuffle':
        if (!(v instanceof Uint8Array) || v.length !== 16) bad(op, i, v);
        w.bytes(v);
        break;
      case 'lane':
      case 'cast_flags':
        if (typeof v !== 'number') bad(op, i, v);
        w.u8(v);
        break;
      case 'select_types': {
        if (!Array.isArray(v)) bad(op, i, v);
        w.u32(v.length);
        for (const t of v as number[]) writeValType(w, t);
        break;
      }
      case 'heaptype':
        if (typeof v !== 'number') bad(op, i, v);
        writeHeapType(w, v);
        break;
      case 'catches': {
        if (!Array.isArray(v)) bad(op, i, v);
        const cs = v as Catch[];
        w.u32(cs.length);
        for (const c of cs) {
          w.u8(c.kind);
          if (c.kind < 2) w.u32(c.tag ?? 0);
          w.u32(c.label);
        }
        break;
      }
      case 'zero_byte':
        w.u8(0);
        break;
    }
  }
}

/** Builds an Instruction by name, e.g. `ins('i32.const', 5)`; throws TypeError for unknown names. */
export function ins(name: string, ...imms: Immediate[]): Instruction {
  const op = opByName(name);
  if (!op) throw new TypeError(`unknown instruction ${name}`);
  return { op, imms };
}

/** Encodes a list of instructions (for constant expressions include the final `end`). */
export function encodeInstructions(list: readonly Instruction[]): Uint8Array<ArrayBuffer> {
  const w = new ByteWriter(list.length * 3);
  for (const i of list) writeInstruction(w, i);
  return w.finish();
}
