// Wasm 3.0 constructs neither wabt nor the V8 of Node 20 can produce or check (GC types, exnref
// try_table, typed references): modules built with our writer, then read, walked and rebuilt.
import { describe, expect, test } from 'vitest';
import {
  ByteWriter,
  CONCRETE,
  ModuleReader,
  ValTypes,
  WASM_HEADER,
  concreteRef,
  ins,
  rebuildModule,
  valTypeName,
  walkModule,
  writeInstruction,
  writeTypePayload,
  type Instruction,
  type RecGroup,
} from '../src/index.js';

const GROUPS: RecGroup[] = [
  {
    explicit: true,
    offset: -1,
    types: [
      // 0: a non-final struct with a mutable i8 field and a nullable reference to type 1.
      { form: 'sub', final: false, supertypes: [], composite: { kind: 'struct', fields: [{ type: ValTypes.i8, mutable: true }, { type: concreteRef(1, true), mutable: false }] } },
      // 1: an array of i16.
      { form: 'plain', final: true, supertypes: [], composite: { kind: 'array', field: { type: ValTypes.i16, mutable: true } } },
    ],
  },
  // 2: a final subtype of 0 adding a field.
  { explicit: false, offset: -1, types: [{ form: 'sub_final', final: true, supertypes: [0], composite: { kind: 'struct', fields: [{ type: ValTypes.i8, mutable: true }, { type: concreteRef(1, true), mutable: false }, { type: ValTypes.f64, mutable: false }] } }] },
  // 3: func (ref 0) -> i32; 4: func [] -> [] (for the tag and the function).
  { explicit: false, offset: -1, types: [{ form: 'plain', final: true, supertypes: [], composite: { kind: 'func', params: [concreteRef(0, false)], results: [ValTypes.i32] } }] },
  { explicit: false, offset: -1, types: [{ form: 'plain', final: true, supertypes: [], composite: { kind: 'func', params: [], results: [] } }] },
];

function module(body: Instruction[]): Uint8Array {
  const w = new ByteWriter();
  w.bytes(WASM_HEADER);
  w.u8(1).sized((p) => writeTypePayload(p, GROUPS));
  w.u8(3).sized((p) => p.u32(1).u32(3));
  w.u8(13).sized((p) => p.u32(1).u8(0).u32(4)); // tag of type 4
  w.u8(10).sized((p) =>
    p.u32(1).sized((b) => {
      b.u32(0);
      for (const i of body) writeInstruction(b, i);
    }),
  );
  return w.finish();
}

const GC_BODY: Instruction[] = [
  ins('block', ValTypes.i32),
  ins('try_table', 0x40, [{ kind: 2, label: 0 }, { kind: 0, tag: 0, label: 0 }]),
  ins('local.get', 0),
  ins('struct.get_u', 0, 0),
  ins('drop'),
  ins('local.get', 0),
  ins('ref.cast_null', CONCRETE + 2),
  ins('br_on_cast', 1, 1, CONCRETE + 0, CONCRETE + 2),
  ins('drop'),
  ins('i32.const', 3),
  ins('array.new_default', 1),
  ins('array.len'),
  ins('br', 1),
  ins('end'),
  ins('i32.const', 0),
  ins('end'),
  ins('end'),
];

describe('Wasm 3.0 constructs built by our writer', () => {
  test('GC types round-trip: recursion groups, subtypes, packed fields, typed references', () => {
    const bytes = module(GC_BODY);
    const m = new ModuleReader(bytes);
    const groups = m.recGroups();
    expect(groups.map((g) => g.explicit)).toEqual([true, false, false, false]);
    expect(m.types()[2]).toMatchObject({ form: 'sub_final', final: true, supertypes: [0] });
    const fn = m.types()[3]!.composite;
    expect(fn.kind === 'func' && fn.params.map(valTypeName)).toEqual(['(ref 0)']);
    const { bytes: rebuilt, stats } = rebuildModule(bytes);
    expect(stats.mismatches).toEqual([]);
    expect(stats.instructionsIdentical).toBe(GC_BODY.length);
    expect(Buffer.compare(rebuilt, bytes)).toBe(0);
  });

  test('the walk accepts GC and exnref code and reports the features; bad labels and types are caught', () => {
    const ok = walkModule(module(GC_BODY), { wasm3: true });
    expect(ok.ok ? [...ok.summary.features].sort() : ok.error.message).toEqual(['exceptions', 'function-references', 'gc', 'mvp'].sort());
    // A catch clause branching past the function.
    const badLabel = GC_BODY.map((i) => (i.op.name === 'try_table' ? ins('try_table', 0x40, [{ kind: 2, label: 5 }]) : i));
    expect(walkModule(module(badLabel), { wasm3: true })).toMatchObject({ ok: false, error: { code: 'wasm/index-out-of-range' } });
    // A cast to a type that does not exist.
    const badType = GC_BODY.map((i) => (i.op.name === 'ref.cast_null' ? ins('ref.cast_null', CONCRETE + 99) : i));
    expect(walkModule(module(badType), { wasm3: true })).toMatchObject({ ok: false, error: { code: 'wasm/index-out-of-range' } });
    // An unknown tag in a catch clause.
    const badTag = GC_BODY.map((i) => (i.op.name === 'try_table' ? ins('try_table', 0x40, [{ kind: 0, tag: 3, label: 0 }]) : i));
    expect(walkModule(module(badTag), { wasm3: true })).toMatchObject({ ok: false, error: { code: 'wasm/index-out-of-range' } });
  });

  test('tables with an initializer expression (function references) round-trip and are walked', () => {
    const w = new ByteWriter();
    w.bytes(WASM_HEADER);
    w.u8(1).sized((p) => writeTypePayload(p, GROUPS));
    w.u8(3).sized((p) => p.u32(1).u32(4));
    // table (ref null 4) 2, initialized with ref.func 0; the function is declared by an element segment.
    w.u8(4).sized((p) => {
      p.u32(1).u8(0x40).u8(0x00).u8(0x63).u32(4).u8(0).u32(2);
      writeInstruction(p, ins('ref.func', 0));
      writeInstruction(p, ins('end'));
    });
    w.u8(9).sized((p) => p.u32(1).u32(3).u8(0).u32(1).u32(0));
    w.u8(10).sized((p) => p.u32(1).sized((b) => b.u32(0).u8(0x0b)));
    const bytes = w.finish();
    const m = new ModuleReader(bytes);
    expect(m.tables()[0]).toMatchObject({ type: { elementType: concreteRef(4, true), limits: { min: 2 } }, init: { start: expect.any(Number) } });
    expect(walkModule(bytes, { wasm3: true }).ok).toBe(true);
    const { bytes: rebuilt, stats } = rebuildModule(bytes);
    expect(stats.mismatches).toEqual([]);
    expect(stats.constExprs).toBe(1);
    expect(Buffer.compare(rebuilt, bytes)).toBe(0);
  });
});
