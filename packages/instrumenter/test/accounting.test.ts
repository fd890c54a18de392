// Exact accounting: with the default cost table (1 per instruction, 0 for `end`/`else`, 1 per
// metered block for the injected check, 1 per byte of operand-sized work, 1024 per grown page),
// each program below uses exactly the fuel computed by hand in its comment, and a budget of exactly
// that much lets it finish while one unit less stops it with STATUS_FUEL_EXHAUSTED.
import { describe, expect, it } from 'vitest';
import { STATUS_FUEL_EXHAUSTED } from '../src/abi.js';
import { parseCostTable } from '../src/cost-table.js';
import type { InstrumentOptions } from '../src/instrument.js';
import { instrument } from '../src/instrument.js';
import { FuelHost, mustInstrument, wat } from './harness.js';

function mustInstrumentResult(bytes: Uint8Array, options: InstrumentOptions) {
  const r = instrument(bytes, options);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
}

type Fn = (...args: number[]) => number;

async function measure(text: string, call: (e: Record<string, Fn>) => unknown, budget = 1n << 40n, options: InstrumentOptions = {}, slice?: bigint) {
  const bytes = mustInstrument(await wat(text), options);
  const host = new FuelHost(budget, slice);
  const inst = host.instantiate(bytes);
  const value = call(inst.exports as unknown as Record<string, Fn>);
  return { used: host.used, value, host };
}

/**
 * Runs with exactly `cost` fuel (must finish) and with cost - 1 (must stop). With `checks: 'block'`
 * the short run traps with STATUS_FUEL_EXHAUSTED before the block that would pass the budget; with
 * the default `checks: 'loop'` a run whose last charges do not test may instead return with the
 * counter below zero, which the host sees when it reads the fuel used after the call (what the
 * runtime does). Without `options.checks` both placements are run; `costs` gives one cost for
 * both or one per placement ('loop' tests at function exits, which can add the test's price).
 */
async function expectExactBudget(text: string, call: (e: Record<string, Fn>) => unknown, costs: bigint | { block: bigint; loop: bigint }, options: InstrumentOptions = {}) {
  const placements = options.checks ? [options.checks] : (['block', 'loop'] as const);
  for (const checks of placements) {
    const opts = { ...options, checks };
    const cost = typeof costs === 'bigint' ? costs : costs[checks];
    const ok = await measure(text, call, cost, opts);
    expect(ok.used).toBe(cost);
    const bytes = mustInstrument(await wat(text), opts);
    const host = new FuelHost(cost - 1n);
    const inst = host.instantiate(bytes);
    let trapped = false;
    try {
      call(inst.exports as unknown as Record<string, Fn>);
    } catch (error) {
      expect(error).toBeInstanceOf(WebAssembly.RuntimeError);
      trapped = true;
    }
    if (checks === 'block' || trapped) {
      expect(trapped).toBe(true);
      expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
    } else {
      // Returned over budget: exactly the program's cost was charged, one unit past the budget.
      expect(host.used).toBe(cost);
      expect(host.status).toBe(0);
    }
  }
}

const STRAIGHT = `(module (func (export "f") (result i32) (i32.add (i32.const 1) (i32.const 2))))`;

// Entry: block, loop and the local.get after the block (3) + check = 4: the block's end is reached
// whenever the block is entered (only its own br_if targets it), so the entry's charge pays for the
// code after it (folding). Per test of the condition 4 + 1 = 5 (n + 1 times); per iteration body
// 5 + 1 = 6 (n times). Total 9 + 11n.
const COUNT = `(module (func (export "count") (param $n i32) (result i32) (local $i i32)
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next)))
  (local.get $i)))`;

// Entry: block block block local.get br_table (5) + 1 = 6. Arm a: const return (2) + 1 = 3;
// arm b: const const add return (4) + 1 = 5; arm c: const (1) + 1 = 2.
const SELECT = `(module (func (export "sel") (param i32) (result i32)
  (block $c (block $b (block $a (br_table $a $b $c (local.get 0)))
      (return (i32.const 10)))
    (return (i32.add (i32.const 20) (i32.const 0))))
  (i32.const 30)))`;

// leaf: const (1) + 1 = 2; caller: call call add (3) + 1 = 4. Total 4 + 2 * 2 = 8.
const CALLS = `(module (func $leaf (result i32) (i32.const 1))
  (func (export "calls") (result i32) (i32.add (call $leaf) (call $leaf))))`;

// const const local.get memory.fill (4) + 1 (sized-op helper) + 1 (check) = 6, plus n bytes.
const FILL = `(module (memory 2) (func (export "fill") (param $n i32)
  (memory.fill (i32.const 0) (i32.const 7) (local.get $n))))`;

// local.get memory.grow (2) + 1 (helper) + 1 (check) = 4, plus 1024 per page.
const GROW = `(module (memory 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;

// Folding: the code after a frame whose inside never branches out of it is paid by the charge that
// ran at the frame's entry. Entry: local.get if + const add after the if (4) + 1 = 5; each arm
// const (1) + 1 = 2. Every path: 7.
const IF_JOIN = `(module (func (export "j") (param i32) (result i32)
  (local.get 0) (if (result i32) (then (i32.const 1)) (else (i32.const 2))) (i32.const 3) (i32.add)))`;

// An arm that returns keeps the code after the if in its own block: entry local.get if (2) + 1 = 3;
// arm const return (2) + 1 = 3; after the if const (1) + 1 = 2. Taken 6, not taken 5 (folding here
// would charge the not-taken path's 1 on the taken path too).
const IF_RETURN = `(module (func (export "e") (param i32) (result i32)
  (if (local.get 0) (then (return (i32.const 5)))) (i32.const 7)))`;

// A branch out of a nested if to an enclosing block: the if's end is not folded (the branch skips
// it), the block's end is (its own label is the only target). Entry: block local.get if + const
// after the block (4) + 1 = 5; arm br (1) + 1 = 2; after the if nop nop (2) + 1 = 3. Taken 7, not 8.
// With checks 'loop' the two untested blocks are followed by a test (+1) before the return.
const BR_OUT = `(module (func (export "b") (param i32) (result i32)
  (block $out (local.get 0) (if (then (br $out))) (nop) (nop)) (i32.const 1)))`;

// Recursion whose frames do work after their call returns, in a new metered block (the inner if's
// arm: local.get + 10 x (const add) = 21, + 1 = 22). Per frame on the way down: entry local.get if
// (2) + 1 = 3, outer arm local.get const sub call local.get if add (7) + 1 = 8; base case 3 + 2.
const UNWIND = `(module (func $r (export "r") (param $d i32) (result i32)
  (if (result i32) (local.get $d)
    (then
      (call $r (i32.sub (local.get $d) (i32.const 1)))
      (if (result i32) (local.get $d)
        (then (local.get $d) ${'(i32.const 1) (i32.add) '.repeat(10)})
        (else (i32.const 0)))
      (i32.add))
    (else (i32.const 0)))))`;

describe('exact accounting', () => {
  it('charges straight-line code once per instruction plus one check', async () => {
    await expectExactBudget(STRAIGHT, (e) => e.f!(), 4n);
  });

  it('charges every loop iteration: 9 + 11n for a counting loop', async () => {
    for (const n of [0, 1, 2, 17, 1000]) {
      const r = await measure(COUNT, (e) => e.count!(n));
      expect(r.value).toBe(n);
      expect(r.used).toBe(BigInt(9 + 11 * n));
    }
    await expectExactBudget(COUNT, (e) => e.count!(5), 64n);
  });

  it('charges each br_table path for what it runs', async () => {
    const costs: Record<number, bigint> = { 0: 9n, 1: 11n, 2: 8n, 7: 8n };
    for (const [arg, cost] of Object.entries(costs)) {
      const r = await measure(SELECT, (e) => e.sel!(Number(arg)));
      expect(r.used).toBe(cost);
      await expectExactBudget(SELECT, (e) => e.sel!(Number(arg)), cost);
    }
  });

  it('folds the code after a frame nothing branches out of into the charge at its entry', async () => {
    // With 'loop' the untested arm is followed by a test of its own before the function returns.
    for (const arg of [0, 1]) await expectExactBudget(IF_JOIN, (e) => e.j!(arg), { block: 7n, loop: 8n });
    await expectExactBudget(IF_RETURN, (e) => e.e!(1), 6n);
    await expectExactBudget(IF_RETURN, (e) => e.e!(0), 5n);
    await expectExactBudget(BR_OUT, (e) => e.b!(1), { block: 7n, loop: 8n });
    await expectExactBudget(BR_OUT, (e) => e.b!(0), { block: 8n, loop: 9n });
    for (const checks of ['block', 'loop'] as const) {
      for (const counter of ['global', 'local'] as const) {
        expect((await measure(BR_OUT, (e) => e.b!(0), 1n << 40n, { checks, counter })).used).toBe(checks === 'block' ? 8n : 9n);
        expect((await measure(IF_RETURN, (e) => e.e!(1), 1n << 40n, { checks, counter })).used).toBe(6n);
      }
    }
  });

  it('charges callees at their entry', async () => {
    await expectExactBudget(CALLS, (e) => e.calls!(), 8n);
  });

  it('charges memory.fill by its length', async () => {
    for (const n of [0, 100, 65536]) {
      const r = await measure(FILL, (e) => e.fill!(n));
      expect(r.used).toBe(BigInt(6 + n));
    }
    await expectExactBudget(FILL, (e) => e.fill!(1000), 1006n);
  });

  it('charges memory.grow by pages', async () => {
    const r = await measure(GROW, (e) => e.grow!(3));
    expect(r.value).toBe(1);
    expect(r.used).toBe(4n + 3n * 1024n);
    await expectExactBudget(GROW, (e) => e.grow!(2), 4n + 2048n);
  });

  it('uses the prices of a custom cost table', async () => {
    const table = parseCostTable({ check: 0, ops: { 'i32.add': 5, 'i32.const': 2 } });
    expect(table.ok).toBe(true);
    if (!table.ok) return;
    const r = await measure(STRAIGHT, (e) => e.f!(), 1n << 40n, { costTable: table.value });
    expect(r.used).toBe(9n);
  });

  it('accounts the same whether fuel comes in one slice or many', async () => {
    const whole = await measure(COUNT, (e) => e.count!(1000));
    const sliced = await measure(COUNT, (e) => e.count!(1000), 1n << 40n, {}, 7n);
    expect(sliced.used).toBe(whole.used);
    expect(sliced.host.refills).toBeGreaterThan(1000);
    expect(whole.host.refills).toBe(1);
  });
});

describe('counter placement and check placement', () => {
  it('charges the same with the counter in a global or cached in a local', async () => {
    for (const n of [0, 3, 250]) {
      const local = await measure(COUNT, (e) => e.count!(n), 1n << 40n, { counter: 'local' });
      const global = await measure(COUNT, (e) => e.count!(n), 1n << 40n, { counter: 'global' });
      expect(global.used).toBe(local.used);
      expect(local.used).toBe(BigInt(9 + 11 * n));
    }
    await expectExactBudget(CALLS, (e) => e.calls!(), 8n, { counter: 'global' });
    await expectExactBudget(SELECT, (e) => e.sel!(1), 11n, { counter: 'global' });
  });

  it('with checks at loop headers only, charges the same totals and stops at the next iteration', async () => {
    const r = await measure(COUNT, (e) => e.count!(100), 1n << 40n, { checks: 'loop' });
    expect(r.used).toBe(BigInt(9 + 11 * 100));
    // A budget that runs out mid-iteration: the loop header's test stops it one block later at most.
    const bytes = mustInstrument(await wat(COUNT), { checks: 'loop' });
    const host = new FuelHost(500n);
    const inst = host.instantiate(bytes);
    expect(() => (inst.exports.count as Fn)(1000)).toThrow(WebAssembly.RuntimeError);
    expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
    // Overrun: at most one iteration's body (6) past the budget before the next header test.
    expect(host.used).toBeLessThanOrEqual(500n + 6n + 5n);
  });
  it('with checks at loop headers only, stops frames that keep working after their calls return', async () => {
    const depth = 1000;
    const budget = BigInt(depth * (3 + 8) + 5 + 22 * 500); // runs out half-way back up
    for (const checks of ['block', 'loop'] as const) {
      // With checks at loop headers, the outer arm's block does not test, so the code after the
      // inner if is not folded into it: it pays its own charge, the outer arm costs 7, not 8; and
      // every return (base case included) is preceded by a test of its own (+1).
      const perFrame = checks === 'block' ? 3 + 8 + 22 : 3 + 7 + 22 + 2 + 1;
      const baseCase = checks === 'block' ? 5 : 6;
      expect((await measure(UNWIND, (e) => e.r!(depth), 1n << 40n, { checks })).used).toBe(BigInt(depth * perFrame + baseCase));
      const result = mustInstrumentResult(await wat(UNWIND), { checks });
      const host = new FuelHost(budget);
      const inst = host.instantiate(result.bytes);
      // Without a test before each return, every returning frame would run its unchecked block
      // and the call would finish 11,000 units over budget.
      expect(() => (inst.exports.r as Fn)(depth)).toThrow(WebAssembly.RuntimeError);
      expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
      expect(result.record.checks).toBe(checks);
      if (checks === 'block') expect(result.record.maxOverrun).toBe(0);
      expect(host.used).toBeLessThanOrEqual(budget + BigInt(result.record.maxOverrun) + 22n);
    }
  });

  it('with checks at loop headers only, tests before untested charges add up past the bound', async () => {
    // 300 blocks, each skippable by its br_if, each with 10 nops in its own untested block (11):
    // the path through all of them would charge 3300 untested.
    const body = '(block (br_if 0 (local.get 0)) (nop) (nop) (nop) (nop) (nop) (nop) (nop) (nop) (nop) (nop))'.repeat(300);
    const text = `(module (func (export "chain") (param i32) ${body}))`;
    const result = mustInstrumentResult(await wat(text), { checks: 'loop' });
    expect(result.record.maxOverrun).toBeGreaterThan(900);
    expect(result.record.maxOverrun).toBeLessThanOrEqual(1000);
    const total = (await measure(text, (e) => e.chain!(0), 1n << 40n, { checks: 'loop' })).used;
    for (const budget of [500n, 1500n, 2999n, total - 1n]) {
      const host = new FuelHost(budget);
      const inst = host.instantiate(result.bytes);
      expect(() => (inst.exports.chain as Fn)(0)).toThrow(WebAssembly.RuntimeError);
      expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
      // Past the budget: at most the bound, plus the charge whose test stops the run.
      expect(host.used - budget).toBeLessThanOrEqual(BigInt(result.record.maxOverrun) + 11n);
    }
  });

  it('with checks at loop headers only, calls of imported functions are not tests', async () => {
    // A direct call of a defined function is followed by nothing untested (its entry and exit
    // test); an imported function tests nothing, and call_indirect may reach one, so after those
    // the untested total goes on and the bound still holds. 300 skippable blocks, each 10 nops
    // and a call of the (no-op) import, directly or through the table.
    for (const call of ['(call $imp)', '(call_indirect (i32.const 0))']) {
      const body = `(block (br_if 0 (local.get 0)) ${'(nop) '.repeat(10)} ${call})`.repeat(300);
      const text = `(module (import "env" "f" (func $imp)) (table 1 funcref) (elem (i32.const 0) $imp)
        (func (export "chain") (param i32) ${body}))`;
      const result = mustInstrumentResult(await wat(text), { checks: 'loop' });
      expect(result.record.maxOverrun).toBeLessThanOrEqual(1000);
      const env = { env: { f: () => {} } };
      const full = new FuelHost(1n << 40n);
      (full.instantiate(result.bytes, env).exports.chain as Fn)(0);
      for (const budget of [500n, 1500n, 2999n, full.used - 1n]) {
        const host = new FuelHost(budget);
        const inst = host.instantiate(result.bytes, env);
        expect(() => (inst.exports.chain as Fn)(0)).toThrow(WebAssembly.RuntimeError);
        expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
        expect(host.used - budget).toBeLessThanOrEqual(BigInt(result.record.maxOverrun) + 13n);
      }
    }
  });

  it('records the overrun bound of checks at loop headers: the untested charges of one function', () => {
    return wat(COUNT).then((bytes) => {
      expect(mustInstrumentResult(bytes, { checks: 'block' }).record.maxOverrun).toBe(0);
      // The loop body's block (after the br_if) is the only untested charge: 5 + 1.
      expect(mustInstrumentResult(bytes, { checks: 'loop' }).record.maxOverrun).toBe(6);
      // 'loop' is the default.
      expect(mustInstrumentResult(bytes, {}).record.checks).toBe('loop');
      expect(mustInstrumentResult(bytes, {}).record.maxOverrun).toBe(6);
    });
  });
});

describe('cost table parsing', () => {
  it('rejects unknown instructions, fields and out-of-range prices with their own code', () => {
    const r = parseCostTable({ ops: { 'i32.addd': 1, 'i32.mul': -1 }, extra: 1, check: 1.5 });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'unknown cost table field "extra"',
      '"check" must be an integer from 0 to 1000000',
      'unknown instruction "i32.addd" in "ops"',
      'price of "i32.mul" must be an integer from 0 to 1000000',
    ]);
    expect(new Set(r.diagnostics.map((d) => d.code))).toEqual(new Set(['instrument/invalid-cost-table']));
  });

  it('rejects a non-object', () => {
    expect(parseCostTable([1]).ok).toBe(false);
  });
});

// Loops under the default checks ('loop': tests at headers): nested loops left by br, br_if and
// br_table to frames outside them, a loop with a result, and one with a parameter.
const LOOPS = `(module
  (func (export "nest") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (local.set $s (i32.add (local.get $s) (local.get $j)))
          (br_if $inner (i32.lt_u (local.get $j) (i32.rem_u (local.get $i) (i32.const 5))))
          (br_if $done (i32.gt_u (local.get $s) (i32.const 100000)))
          (br_table $outer $inner $done (i32.rem_u (local.get $s) (i32.const 3))))))
    (local.get $s))
  (func (export "sum") (param $n i32) (result i32) (local $s i32)
    (loop $l (result i32)
      (local.set $s (i32.add (local.get $s) (local.get $n)))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l)
      (local.get $s)))
  (func (export "param") (param $n i32) (result i32)
    (local.get $n)
    (loop $l (param i32) (result i32)
      (i32.sub (i32.const 1))
      (local.tee $n)
      (br_if $l (local.get $n))
      (drop)
      (local.get $n))))`;

// A legacy try ... delegate inside a loop: an exception thrown and caught on every iteration.
const DELEGATE = `(module
  (tag $t (param i32))
  (func (export "d") (param $n i32) (result i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (try $outer
          (do
            (try (do (throw $t (local.get $n))) (delegate $outer)))
          (catch $t (local.set $s (i32.add (local.get $s)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $s)))`;

describe('loops, tested at their headers', () => {
  it('compute what the original does and charge what checks at every block charge, in one slice or many', async () => {
    const plain = new WebAssembly.Instance(new WebAssembly.Module(await wat(LOOPS))).exports as unknown as Record<string, Fn>;
    for (const [name, args] of [['nest', [0, 1, 7, 40]], ['sum', [1, 5, 300]], ['param', [1, 9]]] as const) {
      // 'block' charges the same blocks; 'loop' adds the test at the function's exit (the check's
      // price, 1), so the two differ by a constant whatever the loops ran.
      const differences = new Set<bigint>();
      for (const n of args) {
        const expected = plain[name]!(n);
        const unwrapped = await measure(LOOPS, (e) => e[name]!(n), 1n << 40n, { checks: 'block' });
        const results: bigint[] = [];
        for (const options of [{}, { counter: 'global' as const }]) {
          for (const slice of [undefined, 3n, 10n]) {
            const r = await measure(LOOPS, (e) => e[name]!(n), 1n << 40n, options, slice);
            expect(r.value, `${name}(${n})`).toBe(expected);
            results.push(r.used);
            if (slice === 3n && r.used > 3n) expect(r.host.refills).toBeGreaterThan(1);
          }
        }
        expect(unwrapped.value).toBe(expected);
        expect(new Set(results).size, `${name}(${n})`).toBe(1);
        differences.add(results[0]! - unwrapped.used);
      }
      expect([...differences].every((d) => d === 0n || d === 1n), name).toBe(true);
      expect(differences.size, name).toBe(1);
    }
  });

  it('stop with STATUS_FUEL_EXHAUSTED when the hook refuses at a loop header', async () => {
    for (const counter of ['local', 'global'] as const) {
      const bytes = mustInstrument(await wat(LOOPS), { counter });
      const host = new FuelHost(200n, 10n);
      const inst = host.instantiate(bytes);
      expect(() => (inst.exports.nest as Fn)(1000)).toThrow(WebAssembly.RuntimeError);
      expect(host.status).toBe(STATUS_FUEL_EXHAUSTED);
      expect(host.used).toBeGreaterThan(200n);
      expect(host.used).toBeLessThanOrEqual(200n + 1000n);
    }
  });

  it('charge a loop that catches exceptions the same in one slice or many', async () => {
    const plain = new WebAssembly.Instance(new WebAssembly.Module(await wat(DELEGATE))).exports as unknown as Record<string, Fn>;
    for (const n of [0, 1, 20]) {
      const sliced = await measure(DELEGATE, (e) => e.d!(n), 1n << 40n, {}, 5n);
      const whole = await measure(DELEGATE, (e) => e.d!(n), 1n << 40n, {});
      expect(sliced.value).toBe(plain.d!(n));
      expect(sliced.used).toBe(whole.used);
    }
  });
});
