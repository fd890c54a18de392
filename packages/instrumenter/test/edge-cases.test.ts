// Module shapes the rewriter must handle: empty modules, missing sections it has to create,
// start functions that need fuel before the host holds the instance, element expressions.
import { describe, expect, it } from 'vitest';
import { RECORD_SECTION, STATUS_EXPORT } from '../src/abi.js';
import { instrument } from '../src/instrument.js';
import { FuelHost, mustInstrument, wat } from './harness.js';

describe('module shapes', () => {
  for (const [name, text] of [
    ['an empty module', '(module)'],
    ['a module with only a memory', '(module (memory 1))'],
    ['a module with only imports', '(module (import "env" "f" (func)) (import "env" "g" (global i32)))'],
    ['a module with only data', '(module (memory 1) (data (i32.const 0) "abc"))'],
  ] as const) {
    it(`instruments ${name} into a valid module`, async () => {
      for (const options of [{}, { stackDepth: 10 }, { fuel: false }, { memory: { maxPages: 4, maxGrowthPages: 1, trapOnGrowFailure: true } }]) {
        const out = mustInstrument(await wat(text), options);
        expect(WebAssembly.validate(out)).toBe(true);
        const module = new WebAssembly.Module(out);
        expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain(STATUS_EXPORT);
        expect(WebAssembly.Module.customSections(module, RECORD_SECTION)).toHaveLength(1);
      }
    });
  }

  it('meters a start function, whose fuel the hook grants before the host has the instance', async () => {
    const out = mustInstrument(await wat(`(module (global $g (mut i32) (i32.const 0))
      (func $start (local $i i32) (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 100)))) (global.set $g (local.get $i)))
      (start $start) (export "g" (global $g)))`));
    const host = new FuelHost(1000n);
    const inst = host.instantiate(out);
    expect((inst.exports.g as WebAssembly.Global).value).toBe(100);
    expect(host.refills).toBe(1);
    const starved = new FuelHost(100n);
    expect(() => starved.instantiate(out)).toThrow(WebAssembly.RuntimeError);
  });

  it('renumbers ref.func in element expressions and global initialisers', async () => {
    const out = mustInstrument(await wat(`(module (type $t (func (result i32)))
      (func $a (result i32) (i32.const 7)) (func $b (result i32) (i32.const 8))
      (table $tab 3 funcref) (elem (table $tab) (i32.const 0) funcref (ref.func $b) (ref.func $a))
      (global $g funcref (ref.func $b))
      (func (export "viaTable") (param i32) (result i32) (call_indirect (type $t) (local.get 0)))
      (func (export "viaGlobal") (result i32) (table.set $tab (i32.const 2) (global.get $g)) (call_indirect (type $t) (i32.const 2))))`));
    const inst = new FuelHost(10_000n).instantiate(out);
    const viaTable = inst.exports.viaTable as (i: number) => number;
    expect(viaTable(0)).toBe(8);
    expect(viaTable(1)).toBe(7);
    expect((inst.exports.viaGlobal as () => number)()).toBe(8);
  });

  it('is deterministic and idempotent in its refusal of instrumented input', async () => {
    const src = await wat('(module (func (export "f") (result i32) (i32.const 1)))');
    const a = mustInstrument(src);
    const b = mustInstrument(src);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(instrument(a).ok).toBe(false);
  });
});
