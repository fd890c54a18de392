import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  BinaryReader,
  ByteWriter,
  ModuleReader,
  OPCODES,
  OperatorReader,
  ValTypes,
  encodeInstructions,
  ins,
  reencode,
  sameDecoded,
  writeInstruction,
  type Immediate,
  type OpInfo,
} from '../src/index.js';
import { wat } from './wat.js';

describe('ByteWriter mirrors BinaryReader', () => {
  test('LEB128 encodings decode to the same value, for all integer widths', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (u, s, s64, u64) => {
        const w = new ByteWriter().u32(u).s32(s).s64(s64).u64(u64).s33(s);
        const r = new BinaryReader(w.finish());
        expect(r.u32()).toBe(u);
        expect(r.s32()).toBe(s);
        expect(r.s64()).toBe(s64);
        expect(r.u64()).toBe(u64);
        expect(r.s33()).toBe(s);
        expect(r.atEnd()).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('minimal encodings at the edges', () => {
    const hex = (w: ByteWriter) => Buffer.from(w.finish()).toString('hex');
    expect(hex(new ByteWriter().u32(0))).toBe('00');
    expect(hex(new ByteWriter().u32(127))).toBe('7f');
    expect(hex(new ByteWriter().u32(128))).toBe('8001');
    expect(hex(new ByteWriter().u32(0xffffffff))).toBe('ffffffff0f');
    expect(hex(new ByteWriter().s32(-1))).toBe('7f');
    expect(hex(new ByteWriter().s32(63))).toBe('3f');
    expect(hex(new ByteWriter().s32(64))).toBe('c000');
    expect(hex(new ByteWriter().s32(-65))).toBe('bf7f');
    expect(hex(new ByteWriter().s32(-0x80000000))).toBe('8080808078');
    expect(hex(new ByteWriter().s64(-(2n ** 63n)))).toBe('8080808080808080807f');
    expect(hex(new ByteWriter().sized((w) => w.bytes(new Uint8Array(200))))).toMatch(/^c801/);
  });
});

/** Random immediates of the right shape for an instruction. */
function immediatesFor(op: OpInfo): fc.Arbitrary<Immediate[]> {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const parts = op.imms.map((k): fc.Arbitrary<Immediate> => {
    switch (k) {
      case 'blocktype':
        return fc.oneof(fc.constant(0x40), fc.constantFrom(0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f), fc.integer({ min: 0, max: 100000 }).map((i) => -(i + 1)));
      case 'br_table':
        return fc.record({ targets: fc.array(u32, { maxLength: 5 }), defaultTarget: u32 });
      case 'memarg':
        return fc.record({ align: fc.integer({ min: 0, max: 15 }), memory: fc.integer({ min: 0, max: 3 }), offset: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), explicitMemory: fc.boolean() }).map((m) => ({ ...m, explicitMemory: m.explicitMemory || m.memory !== 0 }));
      case 'i32':
        return fc.integer({ min: -0x80000000, max: 0x7fffffff });
      case 'i64':
        return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
      case 'f32':
        return u32;
      case 'f64':
        return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
      case 'v128':
      case 'shuffle':
        return fc.uint8Array({ minLength: 16, maxLength: 16 });
      case 'lane':
      case 'cast_flags':
        return fc.integer({ min: 0, max: 3 });
      case 'select_types':
        return fc.array(fc.constantFrom(ValTypes.i32, ValTypes.f64, ValTypes.externref), { minLength: 1, maxLength: 2 });
      case 'heaptype':
        return fc.oneof(fc.constantFrom(0x70, 0x6f, 0x6e, 0x71), fc.integer({ min: 0, max: 5000 }).map((i) => 0x400 + i));
      case 'catches':
        return fc.array(fc.oneof(fc.record({ kind: fc.constantFrom(0 as const, 1 as const), tag: u32, label: u32 }), fc.record({ kind: fc.constantFrom(2 as const, 3 as const), label: u32 })), { maxLength: 3 });
      case 'zero_byte':
        return fc.constant(null);
      default:
        return u32;
    }
  });
  return fc.tuple(...parts);
}

describe('instruction writer', () => {
  test('every instruction of the table encodes and decodes back to the same immediates', () => {
    for (const op of OPCODES) {
      fc.assert(
        fc.property(immediatesFor(op), (imms) => {
          const w = new ByteWriter();
          writeInstruction(w, { op, imms });
          const bytes = w.finish();
          const r = new OperatorReader(bytes, 0, bytes.length);
          expect(r.next()).toBe(true);
          expect(r.op).toBe(op);
          expect(r.pos).toBe(bytes.length);
          const back = r.instruction();
          expect(sameDecoded(back.imms, imms), `${op.name} ${JSON.stringify(imms, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`).toBe(true);
        }),
        { numRuns: 15 },
      );
    }
  });

  test('a wrong immediate shape is a TypeError naming the instruction', () => {
    expect(() => encodeInstructions([ins('i64.const', 1)])).toThrow(/i64.const/);
    expect(() => ins('no.such.op')).toThrow(TypeError);
  });
});

const ADDER = wat(`(module
  (func $add (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add
    i32.const 1
    i32.add)
  (@custom "note" "keep me"))`);

describe('re-encoder', () => {
  test('with no hooks the output is the input', () => {
    expect(Buffer.compare(reencode(ADDER), ADDER)).toBe(0);
  });

  test('an instruction hook overrides one instruction and copies the rest', async () => {
    const out = reencode(ADDER, {
      instruction(r, w) {
        if (r.op.name !== 'i32.const') return false;
        writeInstruction(w, ins('i32.const', 100));
        return true;
      },
    });
    const instance = await WebAssembly.instantiate(out).then((r) => r.instance);
    expect((instance.exports['add'] as (a: number, b: number) => number)(2, 3)).toBe(105);
  });

  test('typed hooks add a global, a function and exports to a module that had none of them', async () => {
    const m0 = new ModuleReader(ADDER);
    const typeCount = m0.types().length;
    const out = reencode(ADDER, {
      types: (t) => [...t, { explicit: false, offset: -1, types: [{ form: 'plain', final: true, supertypes: [], composite: { kind: 'func', params: [], results: [ValTypes.i64] } }] }],
      globals: (g) => [...g, { type: { type: ValTypes.i64, mutable: true }, init: { start: -1, end: -1, bytes: encodeInstructions([ins('i64.const', 41n), ins('end')]) }, offset: -1 }],
      functions: (f) => [...f, typeCount],
      appendBodies: () => {
        const w = new ByteWriter();
        w.u32(0);
        for (const i of [ins('global.get', 0), ins('i64.const', 1n), ins('i64.add'), ins('end')]) writeInstruction(w, i);
        return [w.finish()];
      },
      exports: (e) => [...e, { name: 'next', kind: 'func', index: 1, offset: -1 }, { name: 'counter', kind: 'global', index: 0, offset: -1 }],
    });
    expect(WebAssembly.validate(out)).toBe(true);
    const instance = await WebAssembly.instantiate(out).then((r) => r.instance);
    expect((instance.exports['next'] as () => bigint)()).toBe(42n);
    expect((instance.exports['counter'] as WebAssembly.Global).value).toBe(41n);
    // The new global section sits where the format requires it (validation passed) and the
    // untouched code body of `add` is still there byte for byte.
    const body = [...m0.functionBodies()][0]!;
    const original = ADDER.subarray(body.bodyStart, body.end);
    expect(Buffer.from(out).includes(Buffer.from(original))).toBe(true);
  });

  test('section hooks drop or replace sections, and custom sections can be appended', () => {
    const out = reencode(ADDER, {
      section: (s) => (s.id === 0 && s.name === 'note' ? 'drop' : undefined),
      appendCustom: () => [{ name: 'wsbc.manifest', content: new TextEncoder().encode('{"v":1}') }],
    });
    const mod = new WebAssembly.Module(out);
    expect(WebAssembly.Module.customSections(mod, 'note')).toHaveLength(0);
    expect(new TextDecoder().decode(WebAssembly.Module.customSections(mod, 'wsbc.manifest')[0])).toBe('{"v":1}');
  });

  test('a locals hook can add locals that instructions then use', async () => {
    const out = reencode(ADDER, {
      locals: (ctx) => [...ctx.locals, { count: 1, type: ValTypes.i32 }],
      instruction(r, w, ctx) {
        if (r.op.name !== 'i32.add') return false;
        const scratch = ctx.paramCount + ctx.localCount;
        expect(ctx.paramCount).toBe(2);
        // Same result, through the new local: (a + b) -> local.tee -> value.
        writeInstruction(w, ins('i32.add'));
        writeInstruction(w, ins('local.tee', scratch));
        return true;
      },
    });
    const instance = await WebAssembly.instantiate(out).then((r) => r.instance);
    expect((instance.exports['add'] as (a: number, b: number) => number)(2, 3)).toBe(6);
  });
});
