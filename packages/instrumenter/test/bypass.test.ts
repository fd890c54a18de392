// Adversarial tests: guest code trying to get around the guards.
import { describe, expect, it } from 'vitest';
import { DEPTH_EXPORT, FUEL_EXPORT, STATUS_EXPORT, STATUS_FUEL_EXHAUSTED, STATUS_MEMORY_LIMIT, STATUS_STACK_OVERFLOW } from '../src/abi.js';
import { instrument } from '../src/instrument.js';
import { FuelHost, mustInstrument, runFlagged, wabtValidates, wasm2watAll, wat, watAll } from './harness.js';

type Fn = (...args: number[]) => number;
const fn = (inst: WebAssembly.Instance, name: string): Fn => inst.exports[name] as unknown as Fn;

describe('the guest cannot reach the counter', () => {
  it('refuses a module that imports from the reserved module', async () => {
    const r = instrument(await wat(`(module (import "wsbc" "out_of_fuel" (func (param i64) (result i64))))`));
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]!.code).toBe('instrument/reserved-name');
  });

  it('refuses a module that exports a reserved name (for example one instrumented already)', async () => {
    const once = mustInstrument(await wat(`(module (func (export "f")))`));
    const r = instrument(once);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toContain('instrument/reserved-name');
  });

  it('refuses code naming the index the fuel global will get, even with validation off', async () => {
    // Hand-made: one function `global.get 0` in a module with no globals. Invalid as input; after
    // appending globals it would read the counter, so the rewriter itself must refuse it.
    const bytes = new Uint8Array([
      0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      1, 5, 1, 0x60, 0, 1, 0x7e, // type: [] -> [i64]
      3, 2, 1, 0, // function 0: type 0
      7, 5, 1, 1, 0x66, 0, 0, // export "f" func 0
      10, 6, 1, 4, 0, 0x23, 0, 0x0b, // code: global.get 0
    ]);
    expect(WebAssembly.validate(bytes)).toBe(false);
    for (const validate of [true, false]) {
      const r = instrument(bytes, { validate });
      expect(r.ok).toBe(false);
      expect(r.diagnostics[0]!.code).toBe('instrument/invalid-module');
    }
  });

  it('refuses calls to the index a helper function will get, even with validation off', async () => {
    const bytes = new Uint8Array([
      0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      1, 4, 1, 0x60, 0, 0,
      3, 2, 1, 0,
      10, 6, 1, 4, 0, 0x10, 1, 0x0b, // call 1 (does not exist)
    ]);
    const r = instrument(bytes, { validate: false });
    expect(r.ok).toBe(false);
  });

  it('exports nothing callable beyond the original exports', async () => {
    const out = mustInstrument(await wat(`(module (memory 1) (func (export "f")) (table (export "t") 2 funcref) (elem (i32.const 0) func 0))`), { stackDepth: 100 });
    const names = WebAssembly.Module.exports(new WebAssembly.Module(out)).map((e) => `${e.kind}:${e.name}`);
    expect(names.sort()).toEqual(['function:f', `global:${DEPTH_EXPORT}`, `global:${FUEL_EXPORT}`, `global:${STATUS_EXPORT}`, 'table:t'].sort());
    // The table holds only the original function (renumbered), never a helper.
    const host = new FuelHost(1000n);
    const inst = host.instantiate(out);
    const t = inst.exports.t as WebAssembly.Table;
    expect(t.get(0)).toBe(inst.exports.f);
    expect(t.get(1)).toBeNull();
  });
});

describe('fuel bombs', () => {
  it('stops a loop-free call tree that would make 2^31 calls', async () => {
    const funcs = [`(func $f30 (result i32) (i32.const 1))`];
    for (let i = 29; i >= 0; i--) funcs.push(`(func $f${i} (result i32) (i32.add (call $f${i + 1}) (call $f${i + 1})))`);
    const out = mustInstrument(await wat(`(module ${funcs.join('\n')} (export "bomb" (func $f0)))`));
    const host = new FuelHost(1_000_000n);
    const inst = host.instantiate(out);
    expect(() => fn(inst, 'bomb')()).toThrow(WebAssembly.RuntimeError);
    expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
    expect(host.used).toBeGreaterThan(1_000_000n - 10n);
  });

  it('stops an infinite loop', async () => {
    const out = mustInstrument(await wat(`(module (func (export "spin") (loop (br 0))))`));
    const host = new FuelHost(100_000n, 1000n);
    const inst = host.instantiate(out);
    expect(() => fn(inst, 'spin')()).toThrow(WebAssembly.RuntimeError);
    expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
    // 100 refills of 1000, then one more call that the host refuses.
    expect(host.refills).toBe(101);
  });

  it('refuses to start a 4 GiB memory.fill the budget cannot pay for', async () => {
    const out = mustInstrument(await wat(`(module (memory 1) (func (export "fill") (memory.fill (i32.const 0) (i32.const 0) (i32.const -1))))`));
    const host = new FuelHost(1_000_000n);
    const inst = host.instantiate(out);
    // The original would fail with an out-of-bounds trap; the charge comes first.
    expect(() => fn(inst, 'fill')()).toThrow(WebAssembly.RuntimeError);
    expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
    expect(new Uint8Array((inst.exports as Record<string, unknown>).memory ? new ArrayBuffer(0) : new ArrayBuffer(0)).length).toBe(0);
  });

  it('charges a memory64 fill by its 64-bit length (clamped, never wrapping)', async () => {
    // Node 20 keeps memory64 behind a flag: validate with wabt, run in a flagged child process.
    const src = await wat(`(module (memory i64 1) (func (export "fill") (param i64) (memory.fill (i64.const 0) (i32.const 0) (local.get 0))))`);
    const out = mustInstrument(src, { validate: false });
    expect(wabtValidates(out)).toBe(true);
    const result = runFlagged(out, ['--experimental-wasm-memory64'], `
      let granted = 0n;
      const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wsbc: { out_of_fuel: (c) => {
        if (granted > 0n) return c; granted = 1000000n; return c + granted; } } });
      const res = {};
      try { inst.exports.fill(-1n); res.outcome = 'returned'; } catch (e) { res.outcome = e.constructor.name; }
      res.status = inst.exports.__wsbc_status.value;
      console.log(JSON.stringify(res));`);
    expect(result).toEqual({ outcome: 'RuntimeError', status: STATUS_FUEL_EXHAUSTED });
  });

  it('lets the hook stop the guest by throwing', async () => {
    const out = mustInstrument(await wat(`(module (func (export "spin") (loop (br 0))))`));
    const inst = new WebAssembly.Instance(new WebAssembly.Module(out), {
      wsbc: { out_of_fuel: () => { throw new Error('cancelled by host'); } },
    });
    expect(() => fn(inst, 'spin')()).toThrow('cancelled by host');
  });
});

const GROWER = `(module (memory (export "memory") 1 100)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;

describe('memory growth guard', () => {
  const guard = { maxPages: 4, maxGrowthPages: 2, trapOnGrowFailure: false };

  it('refuses growth past max pages in one call, and by more than the growth rate', async () => {
    const host = new FuelHost(1n << 40n);
    const inst = host.instantiate(mustInstrument(await wat(GROWER), { memory: { ...guard, maxGrowthPages: 100 } }));
    expect(fn(inst, 'grow')(10)).toBe(-1);
    expect(fn(inst, 'grow')(3)).toBe(1);
    expect(fn(inst, 'grow')(1)).toBe(-1);
    expect((inst.exports.memory as WebAssembly.Memory).buffer.byteLength).toBe(4 * 65536);
  });

  it('refuses growth past max pages in many small calls', async () => {
    const host = new FuelHost(1n << 40n);
    const inst = host.instantiate(mustInstrument(await wat(GROWER), { memory: guard }));
    let grown = 0;
    while (fn(inst, 'grow')(1) !== -1) grown++;
    expect(grown).toBe(3);
    expect(fn(inst, 'grow')(0)).toBe(4);
  });

  it('refuses a grow above the growth rate even under the maximum', async () => {
    const host = new FuelHost(1n << 40n);
    const inst = host.instantiate(mustInstrument(await wat(GROWER), { memory: guard }));
    expect(fn(inst, 'grow')(3)).toBe(-1);
    expect(fn(inst, 'grow')(2)).toBe(1);
  });

  it('traps with STATUS_MEMORY_LIMIT when the policy asks for a trap', async () => {
    const host = new FuelHost(1n << 40n);
    const inst = host.instantiate(mustInstrument(await wat(GROWER), { memory: { ...guard, trapOnGrowFailure: true } }));
    expect(() => fn(inst, 'grow')(5)).toThrow(WebAssembly.RuntimeError);
    expect(host.status).toBe(STATUS_MEMORY_LIMIT);
  });

  it('tightens the declared maximum so the host side cannot grow past it either', async () => {
    const host = new FuelHost(1n << 40n);
    const inst = host.instantiate(mustInstrument(await wat(GROWER), { memory: guard }));
    const memory = inst.exports.memory as WebAssembly.Memory;
    expect(() => memory.grow(4)).toThrow(RangeError);
  });

  it('refuses a module whose memory starts above the limit', async () => {
    const r = instrument(await wat(`(module (memory 10))`), { memory: guard });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]!.code).toBe('instrument/memory-exceeds-limit');
  });

  it('keeps a 32-bit memory valid when the policy allows more than 4 GiB', async () => {
    const out = mustInstrument(await wat(GROWER), { memory: { maxPages: 1_000_000, maxGrowthPages: 1_000_000, trapOnGrowFailure: false } });
    expect(WebAssembly.validate(out)).toBe(true);
    const noMax = mustInstrument(await wat(`(module (memory 1))`), { memory: { maxPages: 1_000_000, maxGrowthPages: 10, trapOnGrowFailure: false } });
    expect(WebAssembly.validate(noMax)).toBe(true);
  });

  it('guards every memory of a multi-memory module', async () => {
    // Node 20's V8 has no multi-memory: check the output with wabt's validator and its text.
    const src = watAll(`(module (memory 1) (memory $b 1 100)
      (func (export "grow1") (param i32) (result i32) (memory.grow $b (local.get 0))))`);
    const out = mustInstrument(src, { memory: guard, validate: false });
    expect(wabtValidates(out)).toBe(true);
    const text = wasm2watAll(out);
    expect(text).toContain('(memory (;1;) 1 4)');
    // One grow helper per memory, each growing and sizing its own memory.
    expect(text.match(/memory.grow 1/g)?.length).toBe(1);
    expect(text.match(/memory.size 1/g)?.length).toBe(1);
    expect(text.match(/memory\.grow\)/g)?.length).toBe(1);
  });
});

describe('stack depth guard', () => {
  const RECURSE = `(module (func $r (export "r") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $r (i32.sub (local.get 0) (i32.const 1))))))))`;

  it('ends unbounded recursion in a clean trap at the configured depth', async () => {
    const out = mustInstrument(await wat(RECURSE), { stackDepth: 500 });
    const host = new FuelHost(1n << 40n);
    const inst = host.instantiate(out);
    expect(fn(inst, 'r')(499)).toBe(499);
    expect((inst.exports[DEPTH_EXPORT] as WebAssembly.Global).value).toBe(0);
    expect(fn(inst, 'r')(500)).toBe(500);
    expect(() => fn(inst, 'r')(501)).toThrow(WebAssembly.RuntimeError);
    expect(host.status).toBe(STATUS_STACK_OVERFLOW);
  });

  it('traps the same way for infinite recursion without fuel metering', async () => {
    const out = mustInstrument(await wat(`(module (func $f (export "f") (call $f)))`), { stackDepth: 1000, fuel: false });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(out), {});
    expect(() => fn(inst, 'f')()).toThrow(WebAssembly.RuntimeError);
    expect((inst.exports[STATUS_EXPORT] as WebAssembly.Global).value).toBe(STATUS_STACK_OVERFLOW);
  });

  it('restores the depth when a handler catches an exception thrown from deeper frames', async () => {
    const out = mustInstrument(await wat(`(module (tag $e)
      (func $deep (param i32) (if (i32.eqz (local.get 0)) (then (throw $e))) (call $deep (i32.sub (local.get 0) (i32.const 1))))
      (func (export "catchMany") (param i32) (result i32) (local $k i32)
        (loop $again
          (try (do (call $deep (i32.const 50))) (catch $e))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $k) (local.get 0))))
        (local.get $k)))`), { stackDepth: 100 });
    const inst = new FuelHost(1n << 40n).instantiate(out);
    // 1000 caught exceptions from depth 51 would leak far past the limit of 100 without restores.
    expect(fn(inst, 'catchMany')(1000)).toBe(1000);
    expect((inst.exports[DEPTH_EXPORT] as WebAssembly.Global).value).toBe(0);
  });
});
