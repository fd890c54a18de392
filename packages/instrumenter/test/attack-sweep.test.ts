// Attack sweep: guest code and module shapes chosen to get past the fuel budget, the memory and
// stack guards, or to make the rewrite emit an invalid module. Each test names the behaviour it
// holds the instrumenter to; the ones marked "regression" failed before the fix they guard.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import wabtInit from 'wabt';
import { describe, expect, it } from 'vitest';
import { BRANCH_HINT_SECTION, DEPTH_EXPORT, FUEL_EXPORT, RECORD_SECTION, STATUS_EXPORT, STATUS_FUEL_EXHAUSTED, STATUS_STACK_OVERFLOW } from '../src/abi.js';
import { DEFAULT_COST_TABLE } from '../src/cost-table.js';
import { instrument, type InstrumentOptions } from '../src/instrument.js';
import { bulkModule } from '@wsbc/testkit';
import { FuelHost, mustInstrument, runFlagged, wabtValidates, wat, watAll } from './harness.js';

type Fn = (...args: (number | bigint)[]) => unknown;
const fn = (inst: WebAssembly.Instance, name: string): Fn => inst.exports[name] as unknown as Fn;
const status = (inst: WebAssembly.Instance): number => (inst.exports[STATUS_EXPORT] as WebAssembly.Global).value as number;
const fuelLeft = (inst: WebAssembly.Instance): bigint => (inst.exports[FUEL_EXPORT] as WebAssembly.Global).value as bigint;

/** Runs `f` and returns its result, or the message of what it threw. */
function attempt(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    return e instanceof Error ? `${e.constructor.name}: ${e.message}` : e;
  }
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...leb(bytes.length), ...bytes];
}

const WABT_FEATURES = { exceptions: true, tail_call: true, memory64: true, multi_memory: true, reference_types: true, bulk_memory: true, multi_value: true, simd: true };
const interpreter = resolve(import.meta.dirname, '../../../node_modules/.bin/wasm-interp');

/**
 * The text of an instrumented module with the hook import replaced by wasm function `host` (of
 * the hook's type, `$wsbc_host`), plus `extra` fields; `$fuel` in `extra` names the counter global.
 */
async function hostedText(bytes: Uint8Array, host: string, extra: string): Promise<string> {
  const wabt = await wabtInit();
  const m = wabt.readWasm(bytes, WABT_FEATURES);
  let text = m.toText({ foldExprs: false, inlineExport: false });
  m.destroy();
  const hook = /^\s*\(import "wsbc" "out_of_fuel" \(func \(;\d+;\) \(type (\d+)\)\)\)\n/m.exec(text)!;
  text = text.replace(hook[0], '');
  const fuel = new RegExp(`\\(export "${FUEL_EXPORT}" \\(global (\\d+)\\)\\)`).exec(text)!;
  // The hook is the last import: a function defined first takes its index.
  const at = text.search(/^ {2}\(func /m);
  text = text.slice(0, at) + `  (func $wsbc_host (type ${hook[1]}) (param i64) (result i64)\n${host})\n` + text.slice(at);
  return text.replace(/\)\s*$/, `${extra.replaceAll('$fuel', fuel[1]!)})\n`);
}

/** Runs export `name` of a module in text form in wabt's interpreter; returns its line for the call. */
async function interpret(text: string, name: string, args: string[]): Promise<string> {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat('hosted.wat', text, WABT_FEATURES);
  const binary = parsed.toBinary({}).buffer;
  parsed.destroy();
  const file = join(mkdtempSync(join(tmpdir(), 'wsbc-interp-')), 'm.wasm');
  writeFileSync(file, binary);
  const argv = ['--enable-all', file, '-r', name, ...args.flatMap((a) => ['-a', a])];
  return execFileSync(interpreter, argv, { encoding: 'utf8' }).trim();
}

/** An instrumented module without the fuel hook, in text form (for interpret()). */
async function wasm2watText(bytes: Uint8Array): Promise<string> {
  const wabt = await wabtInit();
  const m = wabt.readWasm(bytes, WABT_FEATURES);
  const text = m.toText({ foldExprs: false, inlineExport: false });
  m.destroy();
  return text;
}

/**
 * Runs export `name` of an instrumented module in wabt's interpreter, which (unlike Node 20's V8)
 * runs try_table. The hook import becomes a wasm function with the same index that grants
 * `budget` once and then refuses (so the module traps with `unreachable`). Returns the
 * interpreter's line for the call, e.g. "spin(i32:10) => i32:10".
 */
async function runInInterpreter(bytes: Uint8Array, budget: number, name: string, args: string[]): Promise<string> {
  const host = `    (if (i64.lt_s (global.get $wsbc_left) (i64.sub (i64.const 0) (local.get 0))) (then (return (local.get 0))))
    (i64.add (local.get 0) (global.get $wsbc_left))
    (global.set $wsbc_left (i64.const 0))`;
  return interpret(await hostedText(bytes, host, `  (global $wsbc_left (mut i64) (i64.const ${budget}))\n`), name, args);
}

/**
 * How far past `budget` a call of export `name` (a function without results) with the i32
 * arguments `args` ran before the instrumented code noticed, in wabt's interpreter: the
 * deficit at the first hook call after the budget was granted (the host then grants plenty, so
 * the run goes on), or, when the call returned with no such hook call, the deficit it returned
 * with (which a host reads after each call).
 */
async function overrunInInterpreter(bytes: Uint8Array, budget: number, name: string, args: number[]): Promise<bigint> {
  const host = `    (if (i64.eqz (global.get $wsbc_granted))
      (then (global.set $wsbc_granted (i64.const 1)) (return (i64.add (local.get 0) (i64.const ${budget})))))
    (if (i64.eqz (global.get $wsbc_over)) (then (global.set $wsbc_over (i64.sub (i64.const 0) (local.get 0)))))
    (i64.add (local.get 0) (i64.const ${2 ** 40}))`;
  const probe = `  (global $wsbc_granted (mut i64) (i64.const 0))
  (global $wsbc_over (mut i64) (i64.const 0))
  (func (export "wsbc_probe") (result i64)
    (call $wsbc_target ${args.map((a) => `(i32.const ${a})`).join(' ')})
    (if (result i64) (i64.eqz (global.get $wsbc_over))
      (then (i64.sub (i64.const 0) (global.get $fuel)))
      (else (global.get $wsbc_over))))\n`;
  const text = await hostedText(bytes, host, probe);
  const target = new RegExp(`\\(export "${name}" \\(func (\\d+)\\)\\)`).exec(text)!;
  const line = await interpret(text.replace('$wsbc_target', target[1]!), 'wsbc_probe', []);
  const m = /^wsbc_probe\(\) => i64:(\d+)$/.exec(line);
  if (!m) throw new Error(`unexpected interpreter output: ${line}`);
  // The interpreter prints an i64 as unsigned.
  return BigInt.asIntN(64, BigInt(m[1]!));
}

describe('exceptions cannot buy fuel', () => {
  const SPIN_CATCHING = `(module
    (global $work (export "work") (mut i32) (i32.const 0))
    (func (export "spin")
      (loop $outer
        (try (do (loop $inner (global.set $work (i32.add (global.get $work) (i32.const 1))) (br $inner)))
          (catch_all))
        (br $outer))))`;

  for (const counter of ['local', 'global'] as const) {
    it(`a handler that catches the host's refusal does not run on (counter: ${counter}; regression for 'local')`, async () => {
      const out = mustInstrument(await wat(SPIN_CATCHING), { counter });
      let calls = 0;
      let workAtStop = -1;
      let inst!: WebAssembly.Instance;
      inst = new WebAssembly.Instance(new WebAssembly.Module(out), {
        wsbc: {
          out_of_fuel: (c: bigint): bigint => {
            calls++;
            if (calls === 1) return c + 10_000n;
            if (workAtStop < 0) workAtStop = (inst.exports.work as WebAssembly.Global).value as number;
            // A host that keeps refusing: a guest that swallows its exception asks again at its
            // next test. Past five refusals, stop by returning the counter (a trap).
            if (calls > 6) return c;
            throw new Error('host says stop');
          },
        },
      });
      expect(attempt(() => fn(inst, 'spin')())).toBe('Error: host says stop');
      // Before the fix the cached counter was reloaded from its last write-back in the handler,
      // and the guest ran another slice after every refusal.
      expect((inst.exports.work as WebAssembly.Global).value).toBe(workAtStop);
      expect(fuelLeft(inst)).toBeLessThan(0n);
      expect(calls).toBeLessThanOrEqual(3);
    });
  }

  it('returns through an empty handler test the counter, so callers cannot chain untested charges (regression)', async () => {
    // Each level recurses, runs ~900 untested units in if/else arms, calls an import that throws,
    // and returns through an empty catch_all. Before the fix that return did not test, and the
    // caller went on as if its callee had tested on the way out: 500 levels ran 400,000 units
    // past a budget of 100,000 under a documented bound of 1,000.
    const arm = '(local.set $x (i32.add (local.get $x) (i32.const 1)))'.repeat(7);
    const arms = Array.from({ length: 30 }, () => `(if (i32.and (local.get $n) (i32.const 1)) (then ${arm}) (else ${arm}))`).join('\n');
    const src = await wat(`(module
      (import "env" "fail" (func $fail))
      (func $nop)
      (func $lvl (export "lvl") (param $n i32) (local $x i32)
        (try (do
            (if (local.get $n) (then (call $lvl (i32.sub (local.get $n) (i32.const 1)))))
            ${arms}
            (call $fail)
            (call $nop))
          (catch_all))))`);
    for (const checks of ['loop', 'block'] as const) {
      const r = instrument(src, { checks });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const host = new FuelHost(100_000n);
      const inst = host.instantiate(r.value.bytes, { env: { fail: () => { throw new Error('fail'); } } });
      expect(attempt(() => fn(inst, 'lvl')(500))).toMatch(/^RuntimeError/);
      expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
      expect(r.value.record.maxOverrun).toBeLessThanOrEqual(1000);
      expect(host.used - host.budget).toBeLessThanOrEqual(BigInt(r.value.record.maxOverrun) + 100n);
    }
  });

  it('returns through a try_table catch to the function\'s own label test the counter, so callers cannot chain untested charges (regression, run in wabt)', async () => {
    // The try_table form of the test above: each level recurses, runs ~900 untested units in
    // if/else arms and throws, and its catch_all clause names the function's label, so the
    // exception returns to the caller with no code on the way. Before the fix that return did
    // not test: 500 levels ran 400,995 units past a budget of 100,000 and returned.
    const arm = '(local.set $x (i32.add (local.get $x) (i32.const 1)))'.repeat(7);
    const arms = Array.from({ length: 30 }, () => `(if (i32.and (local.get $n) (i32.const 1)) (then ${arm}) (else ${arm}))`).join('\n');
    const src = watAll(`(module
      (tag $e)
      (func $lvl (export "lvl") (param $n i32) (local $x i32)
        (try_table (catch_all 0)
          (if (local.get $n) (then (call $lvl (i32.sub (local.get $n) (i32.const 1)))))
          ${arms}
          (throw $e))))`);
    for (const options of [{}, { counter: 'global' }, { checks: 'block' }, { stackDepth: 1000 }] as InstrumentOptions[]) {
      const r = instrument(src, { validate: false, ...options });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(wabtValidates(r.value.bytes)).toBe(true);
      expect(r.value.record.maxOverrun).toBeLessThanOrEqual(1000);
      const overrun = await overrunInInterpreter(r.value.bytes, 100_000, 'lvl', [500]);
      expect(overrun).toBeLessThanOrEqual(BigInt(r.value.record.maxOverrun) + 100n);
      expect(await runInInterpreter(r.value.bytes, 2 ** 40, 'lvl', ['i32:500'])).toBe('lvl(i32:500) =>');
    }
  });

  it('a function wrapped for its try_table catch to its own label keeps its results and, off the catch path, its charges (run in wabt)', async () => {
    // Several results and a parameter (the wrapper's block type is a `[] -> [i32 i64]` type the
    // instrumenter appends), a br_if and a br_table carrying values to the function label, and a
    // catch that delivers them.
    const src = watAll(`(module
      (tag $e (param i32 i64))
      (func $f (export "f") (param $n i32) (result i32 i64)
        (try_table (catch $e 0)
          (if (i32.eq (local.get $n) (i32.const 1)) (then (throw $e (i32.const 7) (i64.const 8))))
          (i32.const 3) (i64.const 4)
          (br_if 1 (i32.eq (local.get $n) (i32.const 4)))
          (drop) (drop)
          (block $b (result i32 i64) (i32.const 9) (i64.const 10) (br_table $b 2 (i32.and (local.get $n) (i32.const 2))))
          (drop) (drop))
        (i32.const 5) (i64.const 6))
      (func (export "g") (param i32) (call $f (local.get 0)) (drop) (drop)))`);
    const original = await wasm2watText(Uint8Array.from(src));
    // Fuel used by g(n) for n = 0, 1 (the catch), 2, 4, 6: what the same options charged before
    // the wrapper existed, plus the landing's test (the check price, 1) on the catch path; the
    // stack guard charges g's call site the check price too.
    const loopFuel = [33n, 16n, 28n, 18n, 28n];
    const blockFuel = [33n, 15n, 28n, 18n, 28n];
    const big = 1_000_000_000;
    for (const options of [{}, { counter: 'global' }, { stackDepth: 50 }, { checks: 'block' }] as InstrumentOptions[]) {
      const out = mustInstrument(src, { validate: false, ...options });
      expect(wabtValidates(out)).toBe(true);
      const expected = options.checks === 'block' ? blockFuel : loopFuel;
      for (const [k, n] of [0, 1, 2, 4, 6].entries()) {
        expect(await runInInterpreter(out, big, 'f', [`i32:${n}`])).toBe(await interpret(original, 'f', [`i32:${n}`]));
        const guard = options.stackDepth === undefined ? 0n : 1n;
        expect([options, (await overrunInInterpreter(out, big, 'g', [n])) + BigInt(big)]).toEqual([options, expected[k]! + guard]);
      }
    }
  });

  it('functions wrapped for a try_table catch to their own label validate, whatever their results', () => {
    const shapes = [['', ''], ['', 'i32'], ['', 'funcref'], ['', 'i32 i64'], ['i32', 'i32 i64'], ['i64', 'i32 i64'], ['i32', 'f32 externref v128']];
    const text = shapes.map(([params, results], i) => `(tag $e${i} (param ${results}))
      (func $f${i} (param ${params}) (result ${results}) (try_table (catch $e${i} 0) (unreachable)) (unreachable))`);
    const src = watAll(`(module ${text.join('\n')})`);
    for (const options of [{}, { checks: 'block', stackDepth: 10 }, { fuel: false, stackDepth: 10 }] as InstrumentOptions[]) {
      const r = instrument(src, { validate: false, ...options });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(wabtValidates(r.value.bytes)).toBe(true);
    }
  });

  it('a try_table catch to the function\'s own label restores the stack depth callees left behind (regression, run in wabt)', async () => {
    // $g catches what $h throws straight into a return: $h's frame is unwound without its call
    // site's decrement, and before the fix every call of $g left the depth one higher, so the
    // guard trapped after 100 calls of a loop that never recurses.
    const src = watAll(`(module
      (tag $e (param i32))
      (func $h (param i32) (throw $e (local.get 0)))
      (func $g (param $n i32) (result i32)
        (try_table (catch $e 0) (call $h (local.get $n)))
        (i32.const -1))
      (func (export "loop") (param $n i32) (result i32) (local $sum i32)
        (loop $l
          (local.set $sum (i32.add (local.get $sum) (call $g (local.get $n))))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $sum)))`);
    for (const options of [{ stackDepth: 100 }, { stackDepth: 100, fuel: false }, { stackDepth: 100, checks: 'block' }] as InstrumentOptions[]) {
      const out = mustInstrument(src, { validate: false, ...options });
      expect(wabtValidates(out)).toBe(true);
      const line = options.fuel === false ? await interpret(await wasm2watText(out), 'loop', ['i32:1000']) : await runInInterpreter(out, 2 ** 40, 'loop', ['i32:1000']);
      expect(line).toBe('loop(i32:1000) => i32:500500');
    }
  });

  it('a try_table catch landing on a label keeps what the counter charged (regression, run in wabt)', async () => {
    // The landing point is also reached normally: reloading the cached counter there threw away
    // each iteration's charge, so the loop ran free. Node 20's V8 has no try_table.
    const src = watAll(`(module
      (func (export "spin") (param $n i32) (result i32) (local $i i32)
        (loop $l
          (block $b (try_table (catch_all $b) (local.set $i (i32.add (local.get $i) (i32.const 1)))))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $i)))`);
    for (const counter of ['local', 'global'] as const) {
      const out = mustInstrument(src, { validate: false, counter });
      expect(await runInInterpreter(out, 10_000, 'spin', ['i32:10'])).toBe('spin(i32:10) => i32:10');
      expect(await runInInterpreter(out, 10_000, 'spin', ['i32:1000000'])).toBe('spin(i32:1000000) => error: unreachable executed');
    }
  });

  it('a legacy try/catch/rethrow/delegate nest behaves like the original and every handler pays', async () => {
    const text = `(module (tag $e (param i32))
      (func $thrower (param i32) (throw $e (local.get 0)))
      (func (export "f") (param $n i32) (result i32) (local $acc i32) (local $i i32)
        (loop $l
          (try $outer (do
              (try (do
                  (try (do (call $thrower (local.get $i))) (delegate $outer)))
                (catch_all (rethrow 0))))
            (catch $e (local.set $acc (i32.add (local.get $acc)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $acc)))`;
    const src = await wat(text);
    const plain = new WebAssembly.Instance(new WebAssembly.Module(src), {});
    for (const options of [{}, { counter: 'global' }, { checks: 'block' }, { stackDepth: 5 }] as InstrumentOptions[]) {
      const host = new FuelHost(1n << 40n);
      const inst = host.instantiate(mustInstrument(src, options));
      expect(fn(inst, 'f')(100)).toBe(fn(plain, 'f')(100));
      const small = new FuelHost(1000n);
      const starved = small.instantiate(mustInstrument(src, options));
      expect(attempt(() => fn(starved, 'f')(1_000_000))).toMatch(/^RuntimeError/);
      expect(small.status).toBe(STATUS_FUEL_EXHAUSTED);
    }
  });
});

describe('free instructions still pay for their tests', () => {
  const FREE = { ...DEFAULT_COST_TABLE, default: 0, ops: {} };

  it('every loop iteration pays the check when the cost table makes the loop free (regression)', async () => {
    const src = await wat(`(module (func (export "f") (param i32) (result i32)
      (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))) (local.get 0)))`);
    for (const checks of ['loop', 'block'] as const) {
      const host = new FuelHost(1000n);
      const inst = host.instantiate(mustInstrument(src, { costTable: FREE, checks }));
      expect(attempt(() => fn(inst, 'f')(100_000))).toMatch(/^RuntimeError/);
      expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
      const ok = new FuelHost(1000n);
      expect(fn(ok.instantiate(mustInstrument(src, { costTable: FREE, checks })), 'f')(100)).toBe(0);
      expect(ok.used).toBeGreaterThanOrEqual(100n);
    }
  });

  it('every tail call pays the check when the cost table makes the callee free (regression)', async () => {
    const src = await wat(`(module (func $f (export "f") (param i32) (result i32)
      (if (result i32) (local.get 0)
        (then (return_call $f (i32.sub (local.get 0) (i32.const 1))))
        (else (i32.const 0)))))`);
    const host = new FuelHost(1000n);
    const inst = host.instantiate(mustInstrument(src, { costTable: FREE }));
    expect(attempt(() => fn(inst, 'f')(1_000_000))).toMatch(/^RuntimeError/);
    expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
  });
});

describe('tail calls and branches without a loop', () => {
  it('stops an endless return_call / return_call_indirect chain, at any stack-guard setting', async () => {
    const src = await wat(`(module (type $t (func (param i32) (result i32)))
      (table 2 funcref) (elem (i32.const 0) $a $b)
      (func $a (param i32) (result i32) (return_call $b (i32.add (local.get 0) (i32.const 1))))
      (func $b (param i32) (result i32) (return_call_indirect (type $t) (local.get 0) (i32.const 0)))
      (export "a" (func $a)))`);
    for (const options of [{}, { counter: 'global' }, { checks: 'block' }, { stackDepth: 10 }] as InstrumentOptions[]) {
      const host = new FuelHost(100_000n);
      const inst = host.instantiate(mustInstrument(src, options));
      expect(attempt(() => fn(inst, 'a')(0))).toMatch(/^RuntimeError/);
      expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
      // Each tail call pays: a at least 5 units, b at least 5.
      expect(host.used).toBeGreaterThanOrEqual(100_000n);
      if (options.stackDepth) expect((inst.exports[DEPTH_EXPORT] as WebAssembly.Global).value).toBe(0);
    }
  });

  it('a br_table mixing loop and block labels is charged on every path and behaves like the original', async () => {
    const src = await wat(`(module (func (export "f") (param $n i32) (result i32) (local $k i32)
      (block $out (loop $l (block $b1 (block $b2
         (local.set $k (i32.add (local.get $k) (i32.const 1)))
         (br_if $out (i32.ge_u (local.get $k) (local.get $n)))
         (br_table $l $b1 $b2 $l $b1 (i32.rem_u (local.get $k) (i32.const 5))))
         (local.set $k (i32.add (local.get $k) (i32.const 2))))
         (br $l)))
      (local.get $k)))`);
    const plain = new WebAssembly.Instance(new WebAssembly.Module(src), {});
    for (const checks of ['loop', 'block'] as const) {
      const host = new FuelHost(1n << 40n);
      const inst = host.instantiate(mustInstrument(src, { checks }));
      expect(fn(inst, 'f')(1000)).toBe(fn(plain, 'f')(1000));
      const starved = new FuelHost(5000n);
      expect(attempt(() => fn(starved.instantiate(mustInstrument(src, { checks })), 'f')(1_000_000_000))).toMatch(/^RuntimeError/);
      expect(starved.status).toBe(STATUS_FUEL_EXHAUSTED);
    }
  });

  it('a loop with parameters, br_if carrying values, and an if with parameters keep their semantics', async () => {
    const src = await wat(`(module
      (func (export "down") (param $n i32) (result i32)
        (local.get $n)
        (loop $l (param i32) (result i32)
          (i32.sub (i32.const 1)) (local.tee $n) (local.get $n) (br_if $l)))
      (func (export "pick") (param $c i32) (result i32 i32)
        (i32.const 10) (i32.const 20)
        (if (param i32 i32) (result i32 i32) (local.get $c)
          (then (i32.add) (i32.const 1))
          (else (i32.sub) (i32.const 2)))))`);
    const plain = new WebAssembly.Instance(new WebAssembly.Module(src), {});
    for (const options of [{}, { counter: 'global' }, { checks: 'block' }] as InstrumentOptions[]) {
      const host = new FuelHost(1n << 40n);
      const inst = host.instantiate(mustInstrument(src, options));
      expect(fn(inst, 'down')(1000)).toBe(0);
      expect(fn(inst, 'pick')(1)).toEqual(fn(plain, 'pick')(1));
      expect(fn(inst, 'pick')(0)).toEqual(fn(plain, 'pick')(0));
      const starved = new FuelHost(10_000n);
      expect(attempt(() => fn(starved.instantiate(mustInstrument(src, options)), 'down')(-1))).toMatch(/^RuntimeError/);
      expect(starved.status).toBe(STATUS_FUEL_EXHAUSTED);
    }
  });

  it('a start function that loops forever stops during instantiation', async () => {
    const out = mustInstrument(await wat(`(module (func $s (loop $l (br $l))) (start $s))`));
    const host = new FuelHost(10_000n);
    expect(attempt(() => host.instantiate(out))).toMatch(/^RuntimeError/);
  });

  it('recursion through ref.func elements and call_indirect hits the stack guard and the budget', async () => {
    const src = await wat(`(module (type $t (func (param i32) (result i32)))
      (table 1 funcref) (elem (table 0) (i32.const 0) funcref (ref.func $r))
      (func $r (param i32) (result i32) (i32.add (i32.const 1) (call_indirect (type $t) (local.get 0) (i32.const 0))))
      (export "r" (func $r)))`);
    const guarded = new FuelHost(1n << 40n);
    const g = guarded.instantiate(mustInstrument(src, { stackDepth: 300 }));
    expect(attempt(() => fn(g, 'r')(0))).toMatch(/^RuntimeError/);
    expect(guarded.status).toBe(STATUS_STACK_OVERFLOW);
    const metered = new FuelHost(2_000n);
    const m = metered.instantiate(mustInstrument(src));
    expect(attempt(() => fn(m, 'r')(0))).toMatch(/^RuntimeError/);
    expect(metered.status).toBe(STATUS_FUEL_EXHAUSTED);
  });
});

describe('module shapes at the edges of the encoding and the engines', () => {
  /** One exported function `f` (params i32 x `params`) -> i32 with `locals` declared i32 locals. */
  function manyLocals(locals: number, params: number, withHandler: boolean): Uint8Array<ArrayBuffer> {
    // A countdown loop on param 0 (cached counter: three charges, no calls), returning it.
    const code: number[] = [];
    if (withHandler) code.push(0x06, 0x40); // try
    code.push(0x03, 0x40, 0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b); // loop (local.tee 0 (sub)) br_if 0 end
    code.push(0x20, 0, 0x04, 0x40, 0x01, 0x0b); // (if (local.get 0) (then nop))
    if (withHandler) code.push(0x19, 0x0b); // catch_all end
    // the last declared local, to show the original indices still hold
    code.push(0x20, ...leb(params + locals - 1), 0x1a, 0x20, 0, 0x0b);
    const body = [1, ...leb(locals), 0x7f, ...code];
    return new Uint8Array([
      0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      ...section(1, [1, 0x60, params, ...Array<number>(params).fill(0x7f), 1, 0x7f]),
      ...section(3, [1, 0]),
      ...section(7, [1, 1, 0x66, 0, 0]),
      ...section(10, [1, ...leb(body.length), ...body]),
    ]);
  }

  it('a function at the engines\' 50,000-locals limit stays compilable (regression)', () => {
    for (const [locals, params] of [[49_999, 1], [50_000, 0], [49_998, 1]] as const) {
      const src = manyLocals(locals, params, false);
      expect(WebAssembly.validate(src)).toBe(true);
      for (const options of [{}, { stackDepth: 10 }] as InstrumentOptions[]) {
        const out = mustInstrument(src, options);
        expect(WebAssembly.validate(out)).toBe(true);
        const host = new FuelHost(1n << 40n);
        if (params === 1) expect(fn(host.instantiate(out), 'f')(5)).toBe(0);
      }
    }
  });

  it('refuses, with a clear diagnostic, a handler-holding function too full of locals for the stack guard', () => {
    const full = manyLocals(49_999, 1, true);
    expect(WebAssembly.validate(full)).toBe(true);
    const r = instrument(full, { stackDepth: 10 });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]!.code).toBe('instrument/unsupported-feature');
    expect(r.diagnostics[0]!.message).toMatch(/50000/);
    // Without the guard, or with one local to spare, it goes through.
    expect(WebAssembly.validate(mustInstrument(full))).toBe(true);
    const roomy = mustInstrument(manyLocals(49_998, 1, true), { stackDepth: 10 });
    expect(fn(new FuelHost(1n << 40n).instantiate(roomy), 'f')(5)).toBe(0);
  });

  it('injected locals and globals across the one-byte LEB boundary (127/128/129)', async () => {
    for (const n of [126, 127, 128, 129]) {
      const locals = Array.from({ length: n }, (_, i) => `(local $l${i} i32)`).join(' ');
      const globals = Array.from({ length: n }, (_, i) => `(global $g${i} (mut i32) (i32.const ${i}))`).join(' ');
      const src = await wat(`(module ${globals}
        (func (export "f") (param $p i32) (result i32) ${locals}
          (loop $l
            (local.set $l${n - 1} (i32.add (local.get $l${n - 1}) (global.get $g${n - 1})))
            (global.set $g0 (i32.add (global.get $g0) (i32.const 1)))
            (br_if $l (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))
          (local.get $l${n - 1})))`);
      const plain = new WebAssembly.Instance(new WebAssembly.Module(src), {});
      for (const options of [{}, { counter: 'global' }, { stackDepth: 100 }] as InstrumentOptions[]) {
        const host = new FuelHost(1n << 40n);
        const inst = host.instantiate(mustInstrument(src, options));
        expect(fn(inst, 'f')(50)).toBe(fn(plain, 'f')(50));
        const starved = new FuelHost(500n);
        expect(attempt(() => fn(starved.instantiate(mustInstrument(src, options)), 'f')(1_000_000))).toMatch(/^RuntimeError/);
      }
    }
  });

  it('10,000 nested blocks and 2,000 nested loops instrument into valid modules with the same results', () => {
    // Built by hand: the text assemblers recurse once per level and overflow their stacks.
    const oneFunction = (code: number[]): Uint8Array<ArrayBuffer> => {
      const body = [0, ...code, 0x41, 5, 0x0b]; // ... i32.const 5 end
      return new Uint8Array([
        0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
        ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]),
        ...section(3, [1, 0]),
        ...section(7, [1, 1, 0x66, 0, 0]),
        ...section(10, [1, ...leb(body.length), ...body]),
      ]);
    };
    const blocks = oneFunction([...Array<number[]>(10_000).fill([0x02, 0x40]).flat(), 0x20, 0, 0x0d, ...leb(5000), ...Array<number>(10_000).fill(0x0b)]);
    // local.get 0; i32.const 1; i32.sub; local.tee 0; br_if 0
    const loops = oneFunction([...Array<number[]>(2_000).fill([0x03, 0x40]).flat(), 0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, ...Array<number>(2_000).fill(0x0b)]);
    for (const src of [blocks, loops]) {
      expect(WebAssembly.validate(src)).toBe(true);
      for (const options of [{}, { checks: 'block' }, { stackDepth: 10 }] as InstrumentOptions[]) {
        const out = mustInstrument(src, options);
        expect(WebAssembly.validate(out)).toBe(true);
        const host = new FuelHost(1n << 40n);
        const inst = host.instantiate(out);
        expect(fn(inst, 'f')(1)).toBe(5);
        expect(fn(inst, 'f')(100)).toBe(5);
        expect(host.used).toBeGreaterThan(4_000n);
      }
    }
  });
});

describe('sized operands at their extremes', () => {
  it('memory.fill/copy/init of 0 bytes behave like the original, of 2^32-1 bytes stop before any work', async () => {
    const src = await wat(`(module (memory (export "memory") 1) (data $d "abc")
      (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
      (func (export "copy") (param i32) (memory.copy (i32.const 0) (i32.const 8) (local.get 0)))
      (func (export "init") (param i32) (memory.init $d (i32.const 0) (i32.const 0) (local.get 0)))
      (func (export "drop") (data.drop $d)))`);
    const plain = new WebAssembly.Instance(new WebAssembly.Module(src), {});
    const host = new FuelHost(1_000_000n);
    const inst = host.instantiate(mustInstrument(src));
    for (const name of ['fill', 'copy', 'init']) {
      expect(attempt(() => fn(inst, name)(0))).toBe(attempt(() => fn(plain, name)(0)));
      // The original traps out of bounds; the instrumented one is stopped by the charge first.
      expect(attempt(() => fn(plain, name)(-1))).toMatch(/^RuntimeError/);
      const starved = new FuelHost(1_000_000n);
      const s = starved.instantiate(mustInstrument(src));
      expect(attempt(() => fn(s, name)(-1))).toMatch(/^RuntimeError/);
      expect(starved.status).toBe(STATUS_FUEL_EXHAUSTED);
      expect(new Uint8Array((s.exports.memory as WebAssembly.Memory).buffer).every((b) => b === 0)).toBe(true);
    }
    // data.drop then memory.init: the same trap (a module trap, status 0) for a non-empty length,
    // none for an empty one.
    fn(inst, 'drop')();
    fn(plain, 'drop')();
    expect(attempt(() => fn(inst, 'init')(0))).toBe(attempt(() => fn(plain, 'init')(0)));
    expect(attempt(() => fn(inst, 'init')(1))).toBe(attempt(() => fn(plain, 'init')(1)));
    expect(status(inst)).toBe(0);
  });

  it('table.grow and table.fill with huge counts are charged per element before they run', async () => {
    const src = await wat(`(module (table $t (export "t") 1 funcref)
      (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
      (func (export "fill") (param i32) (table.fill $t (i32.const 0) (ref.null func) (local.get 0))))`);
    const plain = new WebAssembly.Instance(new WebAssembly.Module(src), {});
    for (const name of ['grow', 'fill']) {
      const host = new FuelHost(1_000_000n);
      const inst = host.instantiate(mustInstrument(src));
      expect(attempt(() => fn(inst, name)(0))).toBe(attempt(() => fn(plain, name)(0)));
      expect(attempt(() => fn(inst, name)(-1))).toMatch(/^RuntimeError/);
      expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
      expect((inst.exports.t as WebAssembly.Table).length).toBe(1);
    }
  });
});

describe('memory growth at and past the limits', () => {
  const GROWER = `(module (memory (export "memory") 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;

  it('grows exactly to the limit, refuses one page past it and a delta of 0xFFFFFFFF pages without charging for it', async () => {
    const guard = { maxPages: 8, maxGrowthPages: 8, trapOnGrowFailure: false };
    const host = new FuelHost(100_000n);
    const inst = host.instantiate(mustInstrument(await wat(GROWER), { memory: guard }));
    expect(fn(inst, 'grow')(-1)).toBe(-1);
    expect(fn(inst, 'grow')(8)).toBe(-1);
    expect(fn(inst, 'grow')(7)).toBe(1);
    expect(fn(inst, 'grow')(1)).toBe(-1);
    expect(fn(inst, 'grow')(0)).toBe(8);
    expect((inst.exports.memory as WebAssembly.Memory).buffer.byteLength).toBe(8 * 65536);
    // Refused grows are not charged by the pages asked for (7 granted pages are).
    expect(host.used).toBeLessThan(8n * 1024n + 100n);
  });

  it('a growth rate beyond the page limit neither wraps nor refuses every grow (regression)', async () => {
    for (const maxGrowthPages of [2 ** 31, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      const out = mustInstrument(await wat(GROWER), { memory: { maxPages: 10, maxGrowthPages, trapOnGrowFailure: false } });
      const inst = new FuelHost(1n << 40n).instantiate(out);
      expect(fn(inst, 'grow')(-1)).toBe(-1);
      expect(fn(inst, 'grow')(9)).toBe(1);
      expect(fn(inst, 'grow')(1)).toBe(-1);
      expect(fn(inst, 'grow')(0)).toBe(10);
    }
  });

  it('memory64: a declared maximum stays within 2^48 pages and 64-bit deltas are refused whole, never truncated', async () => {
    const src = await wat(`(module (memory (export "memory") i64 1)
      (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))`);
    const huge = mustInstrument(src, { validate: false, memory: { maxPages: 2 ** 53, maxGrowthPages: 2 ** 53, trapOnGrowFailure: false } });
    expect(wabtValidates(huge)).toBe(true);
    const out = mustInstrument(src, { validate: false, memory: { maxPages: 4, maxGrowthPages: 4, trapOnGrowFailure: false } });
    expect(wabtValidates(out)).toBe(true);
    const result = runFlagged(out, ['--experimental-wasm-memory64'], `
      const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wsbc: { out_of_fuel: (c) => c + (1n << 40n) } });
      const g = inst.exports.grow;
      console.log(JSON.stringify([g((1n << 32n) + 1n), g(-1n), g(4n), g(3n), g(1n), g(0n)].map(String)));`);
    expect(result).toEqual(['-1', '-1', '-1', '1', '-1', '4']);
  });
});

describe('names and sections like ours', () => {
  it('an imported mutable global named like the counter is just another global', async () => {
    const src = await wat(`(module (import "env" "__wsbc_fuel" (global $g (mut i64)))
      (func (export "f") (loop $l (global.set $g (i64.const 1000000)) (br $l))))`);
    const out = mustInstrument(src);
    const host = new FuelHost(10_000n);
    const inst = host.instantiate(out, { env: { __wsbc_fuel: new WebAssembly.Global({ value: 'i64', mutable: true }, 0n) } });
    expect(attempt(() => fn(inst, 'f')())).toMatch(/^RuntimeError/);
    expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
  });

  it('input sections named wsbc.instrumented or metadata.code.branch_hint are replaced, never doubled', async () => {
    const base = await wat(`(module (func (export "f") (param i32) (result i32) (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))) (local.get 0)))`);
    const custom = (name: string, payload: number[]): number[] => {
      const n = [...new TextEncoder().encode(name)];
      return section(0, [...leb(n.length), ...n, ...payload]);
    };
    // A forged record that claims no fuel, and a hint section with garbage offsets.
    const forged = [...new TextEncoder().encode('{"abi":1,"fuel":false,"maxOverrun":0}')];
    const src = new Uint8Array([...base, ...custom(RECORD_SECTION, forged), ...custom(BRANCH_HINT_SECTION, [1, 1, 1, 0x7f, 1, 1])]);
    expect(WebAssembly.validate(src)).toBe(true);
    const r = instrument(src);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const module = new WebAssembly.Module(r.value.bytes);
    const records = WebAssembly.Module.customSections(module, RECORD_SECTION);
    expect(records).toHaveLength(1);
    expect(JSON.parse(new TextDecoder().decode(records[0]!)).fuel).toBe(true);
    expect(WebAssembly.Module.customSections(module, BRANCH_HINT_SECTION)).toHaveLength(1);
    const host = new FuelHost(100n);
    expect(attempt(() => fn(host.instantiate(r.value.bytes), 'f')(1_000_000))).toMatch(/^RuntimeError/);
  });

  it('a module instrumented once is refused the second time, whatever the options', async () => {
    const src = await wat(`(module (func (export "f")))`);
    for (const options of [{}, { fuel: false }, { fuel: false, stackDepth: 5 }] as InstrumentOptions[]) {
      const once = mustInstrument(src, options);
      for (const again of [{}, { fuel: false }, { validate: false }] as InstrumentOptions[]) {
        const r = instrument(once, again);
        expect(r.ok).toBe(false);
        expect(r.diagnostics.map((d) => d.code)).toContain('instrument/reserved-name');
      }
    }
  });
});

describe('options from JavaScript that are not what the types say', () => {
  it('refuses a cost table with a field missing or a price out of range, naming it, instead of throwing', async () => {
    const bytes = await wat('(module (func (export "f") (nop)))');
    const cases: Array<[unknown, RegExp]> = [
      [{ default: 0 }, /"check" must be an integer/],
      [{ ...DEFAULT_COST_TABLE, ops: undefined }, /"ops" must map/],
      [{ ...DEFAULT_COST_TABLE, default: -1 }, /"default" must be an integer from 0/],
      [{ ...DEFAULT_COST_TABLE, perUnit: Number.NaN }, /"perUnit"/],
      [{ ...DEFAULT_COST_TABLE, ops: { 'i32.nope': 1 } }, /unknown instruction "i32.nope"/],
      [{ ...DEFAULT_COST_TABLE, ops: { call: 2 ** 40 } }, /price of "call"/],
      [null, /must be an object/],
    ];
    for (const [costTable, message] of cases) {
      // Before: a TypeError (reading `ops` of the table) for the first two.
      const r = instrument(bytes, { costTable: costTable as InstrumentOptions['costTable'] });
      expect(r.ok, JSON.stringify(costTable)).toBe(false);
      if (!r.ok) {
        expect(r.diagnostics.map((d) => d.code)).toContain('instrument/invalid-options');
        expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(message);
      }
    }
    expect(instrument(bytes, { costTable: { ...DEFAULT_COST_TABLE, ops: {} } }).ok).toBe(true);
  });
});

describe('modules at the JS API limits', () => {
  const exportsOf = (n: number) => Array.from({ length: n }, (_, i) => [`e${i}`, 0] as const);

  it('refuses a module whose instrumented form would pass 100,000 exports or imports, and keeps one that stays within', () => {
    // Before: 99,999 exports came out as 100,001 (the fuel and status exports); the output was
    // valid wasm that V8 refused to compile, so a built artifact failed every run.
    const over = instrument(bulkModule({ functions: 1, exports: exportsOf(99_999) }));
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.diagnostics[0]).toMatchObject({ code: 'instrument/unsupported-feature', message: expect.stringContaining('100001') });
    const within = instrument(bulkModule({ functions: 1, exports: exportsOf(99_998) }));
    expect(within.ok).toBe(true);
    if (within.ok) expect(() => new WebAssembly.Module(within.value.bytes)).not.toThrow();
    const imports = instrument(bulkModule({ imports: 100_000, functions: 1 }));
    expect(imports.ok).toBe(false);
    if (!imports.ok) expect(imports.diagnostics[0]!.message).toContain('100000 imports');
    // Without metering nothing is imported, and one export (status) is added.
    expect(instrument(bulkModule({ imports: 100_000, functions: 1 }), { fuel: false }).ok).toBe(true);
  });
});
