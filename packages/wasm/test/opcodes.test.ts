// The opcode table against an independent implementation: every instruction is encoded by our
// writer into a module of its own and disassembled by wabt (npm port, all features on); the name
// wabt prints must be ours. Instructions wabt does not decode are listed, not silently passed.
import wabtInit from 'wabt';
import { describe, expect, test } from 'vitest';
import {
  ByteWriter,
  FEATURES,
  OPCODES,
  PREFIXED_OPS,
  SINGLE_BYTE_OPS,
  WASM_HEADER,
  opByCode,
  opByName,
  writeInstruction,
  type Immediate,
  type Instruction,
  type OpInfo,
} from '../src/index.js';

/** Dummy immediates of the right shape, all indices 0. */
function dummyImmediates(op: OpInfo): Immediate[] {
  return op.imms.map((k): Immediate => {
    switch (k) {
      case 'blocktype':
        return 0x40;
      case 'br_table':
        return { targets: [0], defaultTarget: 0 };
      case 'memarg':
        return { align: op.naturalAlign ?? 0, memory: 0, offset: 0n, explicitMemory: false };
      case 'i64':
      case 'f64':
        return 0n;
      case 'v128':
      case 'shuffle':
        return new Uint8Array(16);
      case 'select_types':
        return [0x7f];
      case 'heaptype':
        return 0x70;
      case 'catches':
        return [];
      case 'zero_byte':
        return null;
      default:
        return 0;
    }
  });
}

/** The instruction sequence that puts `op` in a well-nested body. */
function bodyFor(op: OpInfo): Instruction[] {
  const i = (name: string, ...imms: Immediate[]): Instruction => ({ op: opByName(name)!, imms });
  const self: Instruction = { op, imms: dummyImmediates(op) };
  switch (op.flow) {
    case 'block':
    case 'loop':
    case 'if':
    case 'try':
    case 'try_table':
      return [self, i('end'), i('end')];
    case 'else':
      // wabt omits an empty else arm when printing, so give it a nop.
      return [i('if', 0x40), self, i('nop'), i('end'), i('end')];
    case 'catch':
    case 'catch_all':
      return [i('try', 0x40), self, i('end'), i('end')];
    case 'delegate':
      return [i('try', 0x40), self, i('end')];
    case 'end':
      return [self];
    default:
      return [self, i('end')];
  }
}

function moduleFor(op: OpInfo): Uint8Array {
  const w = new ByteWriter();
  w.bytes(WASM_HEADER);
  w.u8(1).sized((p) => p.u32(1).u8(0x60).u32(0).u32(0)); // type: [] -> []
  w.u8(3).sized((p) => p.u32(1).u32(0)); // one function
  w.u8(4).sized((p) => p.u32(1).u8(0x70).u8(0).u32(1)); // table funcref 1
  w.u8(5).sized((p) => p.u32(1).u8(0).u32(1)); // memory 1
  w.u8(13).sized((p) => p.u32(1).u8(0).u32(0)); // tag of type 0
  w.u8(6).sized((p) => p.u32(1).u8(0x7f).u8(1).u8(0x41).u8(0).u8(0x0b)); // global (mut i32) 0
  w.u8(9).sized((p) => p.u32(1).u32(1).u8(0).u32(0)); // passive elem
  w.u8(12).sized((p) => p.u32(1)); // data count
  w.u8(10).sized((p) =>
    p.u32(1).sized((b) => {
      b.u32(0);
      for (const ins of bodyFor(op)) writeInstruction(b, ins);
    }),
  );
  w.u8(11).sized((p) => p.u32(1).u32(1).u32(0)); // passive data, empty
  return w.finish();
}

/** wabt names that differ from ours only in spelling. */
const WABT_SPELLING: Record<string, string> = { select_t: 'select' };

describe('opcode table', () => {
  test('encodings and names are unique and lookups agree with the table', () => {
    const enc = new Set<string>();
    const names = new Set<string>();
    OPCODES.forEach((op, id) => {
      expect(op.id).toBe(id);
      const key = `${op.prefix}:${op.code}`;
      expect(enc.has(key), key).toBe(false);
      expect(names.has(op.name), op.name).toBe(false);
      enc.add(key);
      names.add(op.name);
      expect(opByCode(op.prefix, op.code)).toBe(op);
      expect(opByName(op.name)).toBe(op);
      expect(FEATURES).toContain(op.feature);
      if (op.imms.includes('memarg')) expect(op.naturalAlign, op.name).toBeTypeOf('number');
    });
    expect(SINGLE_BYTE_OPS.filter(Boolean).length + Object.values(PREFIXED_OPS).reduce((n, t) => n + t.filter(Boolean).length, 0)).toBe(OPCODES.length);
  });

  test('covers every proposal it claims, with the expected instruction counts', () => {
    const count = (f: string) => OPCODES.filter((o) => o.feature === f).length;
    // Counts from the proposals' opcode lists.
    expect(count('simd')).toBe(236);
    expect(count('relaxed-simd')).toBe(20);
    expect(count('threads')).toBe(4 + 14 + 49);
    expect(count('saturating-conversions')).toBe(8);
    expect(count('sign-extension')).toBe(5);
    expect(count('gc')).toBe(32);
    expect(count('bulk-memory')).toBe(7);
    expect(count('reference-types')).toBe(9);
    expect(count('tail-calls')).toBe(2);
    expect(count('function-references')).toBe(5);
    expect(count('exceptions')).toBe(3);
    expect(count('exceptions-legacy')).toBe(5);
  });

  test('control-flow classes and operand-sized work, which the instrumenter relies on', () => {
    const flow = (n: string) => opByName(n)!.flow;
    expect(['block', 'loop', 'if', 'else', 'end', 'try', 'catch', 'catch_all', 'delegate', 'try_table'].map(flow)).toEqual(['block', 'loop', 'if', 'else', 'end', 'try', 'catch', 'catch_all', 'delegate', 'try_table']);
    expect(['br', 'br_if', 'br_table', 'br_on_null', 'br_on_non_null', 'br_on_cast', 'br_on_cast_fail'].map(flow)).toEqual(['br', 'br_if', 'br_table', 'br_if', 'br_if', 'br_if', 'br_if']);
    expect(['call', 'call_indirect', 'call_ref', 'return_call', 'return_call_indirect', 'return_call_ref'].map(flow)).toEqual(['call', 'call', 'call', 'return_call', 'return_call', 'return_call']);
    expect(['throw', 'throw_ref', 'rethrow', 'return', 'unreachable', 'i32.add'].map(flow)).toEqual(['throw', 'throw', 'throw', 'return', 'unreachable', 'plain']);
    expect(OPCODES.filter((o) => o.sizedOperand).map((o) => o.name).sort()).toEqual(
      ['array.copy', 'array.fill', 'array.init_data', 'array.init_elem', 'array.new', 'array.new_data', 'array.new_default', 'array.new_elem', 'array.new_fixed', 'memory.copy', 'memory.fill', 'memory.grow', 'memory.init', 'table.copy', 'table.fill', 'table.grow', 'table.init'].sort(),
    );
  });

  test('every instruction round-trips through our reader, and wabt prints the same name', async () => {
    const wabt = await wabtInit();
    const features = {
      exceptions: true, mutable_globals: true, sat_float_to_int: true, sign_extension: true, simd: true, threads: true,
      function_references: true, multi_value: true, tail_call: true, bulk_memory: true, reference_types: true,
      gc: true, memory64: true, multi_memory: true, extended_const: true, relaxed_simd: true,
    };
    const agreed: string[] = [];
    const wabtCannotRead: string[] = [];
    const disagreements: string[] = [];
    for (const op of OPCODES) {
      const bytes = moduleFor(op);
      let text: string;
      try {
        const mod = wabt.readWasm(bytes, { readDebugNames: false, ...features });
        text = mod.toText({ foldExprs: false, inlineExport: false });
        mod.destroy();
      } catch {
        wabtCannotRead.push(op.name);
        continue;
      }
      const func = text.slice(text.search(/\n\s*\(func \(;0;\)/) + 1);
      const lines = func.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
      const expectedLine = op.flow === 'else' || op.flow === 'catch' || op.flow === 'catch_all' || op.flow === 'delegate' ? lines[1] : lines[0];
      const printed = (expectedLine ?? '').split(/[\s)]/)[0]!;
      const ours = WABT_SPELLING[op.name] ?? op.name;
      if (op.flow === 'end') {
        // A lone `end` closes the function: wabt prints an empty body.
        agreed.push(op.name);
      } else if (printed === ours) agreed.push(op.name);
      else disagreements.push(`${op.name} (0x${op.prefix.toString(16)} ${op.code}) printed as ${printed}`);
    }
    console.log(`opcode table vs wabt ${'1.0.39'}: ${agreed.length} agree, ${disagreements.length} disagree, ${wabtCannotRead.length} not decodable by wabt (${wabtCannotRead.join(' ')})`);
    expect(disagreements).toEqual([]);
    // wabt lacks GC and exnref; everything else must be cross-checked.
    for (const name of wabtCannotRead) expect(['gc', 'exceptions', 'function-references']).toContain(opByName(name)!.feature);
  });
});
