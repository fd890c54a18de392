import { describe, expect, test } from 'vitest';
import {
  ModuleReader,
  OperatorReader,
  SectionId,
  ValTypes,
  bodyOperators,
  readInstructions,
  readLocals,
  valTypeName,
  walkModule,
} from '../src/index.js';
import { wat } from './wat.js';

const FULL = wat(
  `(module
    (type $sig (func (param i32 i64) (result i32 i64)))
    (import "env" "f" (func $f (param i32)))
    (import "env" "t" (table 2 10 funcref))
    (import "env" "m" (memory 1 4 shared))
    (import "env" "g" (global $g (mut i32)))
    (import "env" "e" (tag $e (param i32)))
    (memory $m64 i64 1)
    (table $t2 3 externref)
    (global $h i64 (i64.const -9223372036854775808))
    (global f32 (f32.const nan:0x200001))
    (tag $t (param i64))
    (func $main (export "main") (type $sig) (local $x f64) (local i32 i32)
      local.get 0
      local.get 1
      v128.const i32x4 1 2 3 4
      drop
      try (param i32 i64) (result i32 i64)
      catch $e
        drop
        i32.const 7
        i64.const 8
      end)
    (func $s)
    (start $s)
    (elem (table 0) (i32.const 0) func $main $s)
    (elem declare func $f)
    (data (i32.const 16) "hello")
    (data "passive")
    (export "mem" (memory $m64)))`,
  true,
);

describe('module reader', () => {
  test('reads every section of a module using many proposals', () => {
    const m = new ModuleReader(FULL);
    const ids = m.sections.map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([SectionId.type, SectionId.import, SectionId.function, SectionId.table, SectionId.memory, SectionId.tag, SectionId.global, SectionId.export, SectionId.start, SectionId.element, SectionId.code, SectionId.data, SectionId.custom]));

    const sig = m.types()[0]!.composite;
    expect(sig).toEqual({ kind: 'func', params: [ValTypes.i32, ValTypes.i64], results: [ValTypes.i32, ValTypes.i64] });

    expect(m.imports().map((i) => `${i.module}.${i.name}:${i.desc.kind}`)).toEqual(['env.f:func', 'env.t:table', 'env.m:memory', 'env.g:global', 'env.e:tag']);
    const mem = m.imports()[2]!.desc;
    expect(mem.kind === 'memory' && mem.memory).toMatchObject({ shared: true, memory64: false, limits: { min: 1, max: 4 } });
    expect(m.memories()).toEqual([{ limits: { flags: 4, min: 1 }, shared: false, memory64: true }]);
    expect(valTypeName(m.tables()[0]!.type.elementType)).toBe('externref');
    expect(m.importedCount('func')).toBe(1);
    expect(m.start()).toBe(2);
    expect(m.exports().map((e) => [e.name, e.kind, e.index])).toEqual([['main', 'func', 1], ['mem', 'memory', 1]]);
    expect(m.tags()).toEqual([{ attribute: 0, typeIndex: expect.any(Number) }]);

    const [min, nan] = m.globals();
    expect(readInstructions(min!.init.bytes, 0, min!.init.bytes.length)[0]!.imms[0]).toBe(-9223372036854775808n);
    // NaN payloads survive because f32 immediates are kept as bits.
    expect(readInstructions(nan!.init.bytes, 0, nan!.init.bytes.length)[0]!.imms[0]).toBe(0x7fa00001);

    const [active, declared] = m.elements();
    expect(active).toMatchObject({ mode: 'active', table: 0, items: { kind: 'functions', indices: [1, 2] } });
    expect(declared).toMatchObject({ mode: 'declarative', items: { kind: 'functions', indices: [0] } });
    const [d64, passive] = m.data();
    expect(new TextDecoder().decode(d64!.data)).toBe('hello');
    expect(d64!.memory).toBe(0);
    expect(passive!.mode).toBe('passive');
    expect(m.dataCount()).toBeUndefined();
    // Zero-copy: segment data is a view of the input.
    expect(d64!.data.buffer).toBe(FULL.buffer);

    const names = m.names()!;
    expect(names.functions.get(1)).toBe('main');
    expect(names.locals.get(1)?.get(2)).toBe('x');
  });

  test('decodes function bodies lazily: locals, then instructions with offsets', () => {
    const m = new ModuleReader(FULL);
    const bodies = [...m.functionBodies()];
    expect(bodies.map((b) => b.functionIndex)).toEqual([1, 2]);
    const { locals, total } = readLocals(FULL, bodies[0]!);
    expect(locals).toEqual([{ count: 1, type: ValTypes.f64 }, { count: 2, type: ValTypes.i32 }]);
    expect(total).toBe(3);
    const r = bodyOperators(FULL, bodies[0]!);
    const names: string[] = [];
    let last = -1;
    while (r.next()) {
      expect(r.offset).toBeGreaterThan(last);
      last = r.offset;
      names.push(r.op.name);
      if (r.op.name === 'v128.const') expect([...r.v128().subarray(0, 8)]).toEqual([1, 0, 0, 0, 2, 0, 0, 0]);
      if (r.op.name === 'try') expect(r.a).toBeLessThan(0); // block type by index (multi-value)
    }
    expect(names).toEqual(['local.get', 'local.get', 'v128.const', 'drop', 'try', 'catch', 'drop', 'i32.const', 'i64.const', 'end', 'end']);
    expect(r.pos).toBe(bodies[0]!.end);
  });

  test('the walk reports the features a module uses', () => {
    const w = walkModule(FULL, { wasm3: true });
    expect(w.ok ? '' : w.error.message).toBe('');
    expect(w.ok && [...w.summary.features].sort()).toEqual(
      ['bulk-memory', 'exceptions', 'exceptions-legacy', 'memory64', 'multi-memory', 'multi-value', 'mvp', 'reference-types', 'simd', 'threads'].sort(),
    );
  });

  test('constructing a reader scans headers only: a broken body fails when it is read, not before', () => {
    const bytes = wat('(module (func (result i32) i32.const 1))');
    const broken = bytes.slice();
    broken[broken.length - 3] = 0xff; // the i32.const opcode becomes an unknown opcode
    const m = new ModuleReader(broken);
    expect(m.exports()).toEqual([]);
    const body = [...m.functionBodies()][0]!;
    const r = new OperatorReader(broken, body.bodyStart + 1, body.end);
    expect(() => r.next()).toThrowError(/unknown opcode 0xff/);
  });
});
