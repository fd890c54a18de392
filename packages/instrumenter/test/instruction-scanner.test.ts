// The planner's fast decoder (InstructionScanner and skipRun) against the shared OperatorReader:
// on the spec corpus and the real npm modules it must find the same instruction boundaries, the
// same opcodes and the same index immediates, and skipRun must stop only on boundaries with the
// prices of what it skipped; on truncated and mutated bodies it must reach the same instructions
// and then the same error at the same offset, or stop cleanly. Then through instrument(): broken
// bodies come back as diagnostics with an offset, never as an exception.
import { readFileSync } from 'node:fs';
import { ImmLayout, OPCODES, OperatorReader, SectionId, codeSection, isWasmError, sections, skipLocals } from '@wsbc/wasm';
import { convertSpecCorpus, locateRealModules, specCorpusStatus } from '@wsbc/testkit';
import { describe, expect, it } from 'vitest';
import { compileCostTable, DEFAULT_COST_TABLE } from '../src/cost-table.js';
import { InstructionScanner, runTable, skipRun } from '../src/instruction-scanner.js';
import { instrument } from '../src/instrument.js';

const status = specCorpusStatus();
if (!status.ok) console.log(status.reason);

/** Instruction ranges [codeStart, end) of every body; [] when the module does not parse. */
function bodies(bytes: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  try {
    for (const s of sections(bytes)) {
      if (s.id !== SectionId.code) continue;
      for (const body of codeSection(bytes, s, 0)) out.push([skipLocals(bytes, body).codeStart, body.end]);
    }
  } catch (e) {
    if (!isWasmError(e)) throw e;
  }
  return out;
}

interface Walk {
  /** Offset of each instruction, then the end position of the last one. */
  offsets: number[];
  ids: number[];
  /** Index immediates (a, b) of U32 / U32U32 instructions, NaN elsewhere. */
  imms: number[];
  error?: { code: string; offset: number };
}

function walkGeneral(bytes: Uint8Array, start: number, end: number): Walk {
  const r = new OperatorReader(bytes, start, end);
  const w: Walk = { offsets: [], ids: [], imms: [] };
  try {
    while (r.pos < end) {
      w.offsets.push(r.pos);
      r.next();
      w.ids.push(r.op.id);
      const l = r.op.layout;
      w.imms.push(l === ImmLayout.U32 || l === ImmLayout.U32U32 ? r.a : NaN, l === ImmLayout.U32U32 ? r.b : NaN);
    }
    w.offsets.push(r.pos);
  } catch (e) {
    if (!isWasmError(e)) throw e;
    w.error = { code: e.code, offset: e.offset };
  }
  return w;
}

function walkScanner(bytes: Uint8Array, start: number, end: number): Walk {
  const s = new InstructionScanner(bytes, start, end);
  const w: Walk = { offsets: [], ids: [], imms: [] };
  try {
    while (s.pos < end) {
      w.offsets.push(s.pos);
      s.next();
      w.ids.push(s.id);
      const l = OPCODES[s.id]!.layout;
      w.imms.push(l === ImmLayout.U32 || l === ImmLayout.U32U32 ? s.a : NaN, l === ImmLayout.U32U32 ? s.b : NaN);
    }
    w.offsets.push(s.pos);
  } catch (e) {
    if (!isWasmError(e)) throw e;
    w.error = { code: e.code, offset: e.offset };
  }
  return w;
}

const prices = compileCostTable({ ...DEFAULT_COST_TABLE, ops: { 'i32.add': 3, 'local.get': 2, 'i64.const': 5, 'f64.const': 7 } });
// Two run tables: every single-byte opcode skippable (long runs), and only non-control ones.
const allRun = runTable(prices, () => true);
const plainRun = runTable(prices, (id) => OPCODES[id]!.flow === 'plain' && !OPCODES[id]!.imms.some((k) => k === 'func' || k === 'global'));

/**
 * Walks a body the way the planner does (skipRun, then one instruction with the scanner) and
 * checks every stop against the general walk: on a boundary, with the skipped instructions' prices.
 * `index[o - start]` is the number of the instruction at offset o (-1 inside one), `priceSum[i]`
 * the sum of the prices of instructions 0..i-1, `count` how many decoded without error.
 */
function checkRuns(bytes: Uint8Array, start: number, end: number, index: Int32Array, priceSum: Float64Array, count: number, error: Walk['error'], run: Int32Array): void {
  const s = new InstructionScanner(bytes, start, end);
  const cost = new Float64Array(1);
  let pos = start;
  for (;;) {
    const from = index[pos - start]!;
    const stop = skipRun(bytes, pos, end, run, cost);
    const to = stop <= end ? index[stop - start]! : -1;
    if (to < 0) throw new Error(`skipRun stopped at ${stop}, not an instruction boundary (from ${pos})`);
    if (cost[0] !== priceSum[to]! - priceSum[from]!) expect({ from: pos, to: stop, cost: cost[0] }).toEqual({ from: pos, to: stop, cost: priceSum[to]! - priceSum[from]! });
    if (stop >= end || to === count) return;
    s.pos = stop;
    try {
      s.next();
    } catch (e) {
      if (!isWasmError(e)) throw e;
      expect({ code: e.code, offset: e.offset }).toEqual(error);
      return;
    }
    pos = s.pos;
    if (index[pos - start]! < 0) throw new Error(`the scanner ended an instruction at ${pos}, not a boundary`);
  }
}

// Reused across bodies by compareModule.
let index = new Int32Array(1 << 16);
let priceSum = new Float64Array(1 << 16);

/** Both decoders in lockstep over every body of a module; returns the instruction count. */
function compareModule(bytes: Uint8Array): number {
  let instructions = 0;
  const r = new OperatorReader(bytes, 0, 0);
  const s = new InstructionScanner(bytes, 0, 0);
  for (const [start, end] of bodies(bytes)) {
    if (index.length <= end - start) index = new Int32Array(2 * (end - start + 1));
    if (priceSum.length <= end - start) priceSum = new Float64Array(2 * (end - start + 1));
    index.fill(-1, 0, end - start + 1);
    r.reset(start, end);
    s.reset(start, end);
    let count = 0;
    let error: Walk['error'];
    priceSum[0] = 0;
    while (r.pos < end) {
      index[r.pos - start] = count;
      let generalError: Walk['error'];
      let scannerError: Walk['error'];
      try {
        r.next();
      } catch (e) {
        if (!isWasmError(e)) throw e;
        generalError = { code: e.code, offset: e.offset };
      }
      try {
        s.next();
      } catch (e) {
        if (!isWasmError(e)) throw e;
        scannerError = { code: e.code, offset: e.offset };
      }
      if (scannerError?.code !== generalError?.code || scannerError?.offset !== generalError?.offset) expect(scannerError).toEqual(generalError);
      if (generalError) {
        error = generalError;
        break;
      }
      const l = r.op.layout;
      const same = s.offset === r.offset && s.pos === r.pos && s.id === r.op.id && (l !== ImmLayout.U32 && l !== ImmLayout.U32U32 ? true : s.a === r.a) && (l !== ImmLayout.U32U32 || s.b === r.b);
      if (!same) expect({ offset: s.offset, pos: s.pos, op: OPCODES[s.id]!.name, a: s.a, b: s.b }).toEqual({ offset: r.offset, pos: r.pos, op: r.op.name, a: r.a, b: r.b });
      priceSum[count + 1] = priceSum[count]! + prices[r.op.id]!;
      count++;
    }
    if (error === undefined) index[end - start] = count;
    checkRuns(bytes, start, end, index, priceSum, count, error, allRun);
    checkRuns(bytes, start, end, index, priceSum, count, error, plainRun);
    instructions += count;
  }
  return instructions;
}

/** Deterministic pseudo-random numbers (LCG), so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Runs both decoders over a damaged copy of one body's bytes; they must agree to the end. */
function compareDamaged(bytes: Uint8Array, start: number, end: number): void {
  const g = walkGeneral(bytes, start, end);
  const f = walkScanner(bytes, start, end);
  // expect() per case would dominate the run time: compare cheaply, report through expect.
  if (JSON.stringify(f) !== JSON.stringify(g)) expect(f).toEqual(g);
  // The planner's loop reaches the same error at the same offset, or the same end.
  for (const run of [allRun, plainRun]) {
    const s = new InstructionScanner(bytes, start, end);
    const cost = new Float64Array(1);
    const stops: number[] = [];
    let pos = start;
    let error: Walk['error'];
    for (;;) {
      pos = skipRun(bytes, pos, end, run, cost);
      if (pos > end) expect(pos).toBeLessThanOrEqual(end);
      stops.push(pos);
      if (pos >= end) break;
      s.pos = pos;
      try {
        s.next();
      } catch (e) {
        if (!isWasmError(e)) throw e;
        error = { code: e.code, offset: e.offset };
        break;
      }
      pos = s.pos;
    }
    if (JSON.stringify(error) !== JSON.stringify(g.error)) expect(error).toEqual(g.error);
    for (const stop of stops) if (!g.offsets.includes(stop)) expect(g.offsets).toContain(stop);
  }
}

describe('InstructionScanner and skipRun agree with OperatorReader', () => {
  it('on every real npm module (same boundaries, opcodes, index immediates, run prices)', () => {
    const { modules } = locateRealModules({ unique: true });
    let instructions = 0;
    let checked = 0;
    for (const m of modules) {
      // yosys (30 MB, 12M instructions) would triple this test's time for no new shapes.
      if (m.size > 25_000_000) continue;
      instructions += compareModule(new Uint8Array(readFileSync(m.path)));
      checked++;
    }
    console.log(`scanner vs OperatorReader: ${checked} real modules, ${instructions} instructions`);
    expect(checked).toBeGreaterThanOrEqual(3);
  }, 300_000);

  it.skipIf(!status.ok)('on every binary module of the spec corpus (../shared/corpora/spec-testsuite), valid or not', () => {
    const corpus = convertSpecCorpus();
    let modules = 0;
    let instructions = 0;
    for (const m of corpus.modules) {
      if (m.moduleType !== 'binary') continue;
      instructions += compareModule(new Uint8Array(readFileSync(m.path)));
      modules++;
    }
    console.log(`scanner vs OperatorReader: ${modules} spec corpus modules, ${instructions} instructions`);
    expect(modules).toBeGreaterThan(1000);
  }, 300_000);

  it('on truncated and mutated bodies: the same instructions, then the same error and offset', () => {
    const { modules } = locateRealModules({ unique: true, packages: ['sql.js'] });
    expect(modules.length).toBeGreaterThan(0);
    const original = new Uint8Array(readFileSync(modules[0]!.path));
    const ranges = bodies(original);
    const random = rng(4);
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const [start, end] = ranges[Math.floor(random() * ranges.length)]!;
      const bytes = original.slice();
      // Truncate at a random point (the end of the range moves), or overwrite 1-3 bytes.
      let cut = end;
      if (i % 3 === 0) cut = start + Math.floor(random() * (end - start));
      else {
        for (let k = 0; k < 1 + (i % 3); k++) bytes[start + Math.floor(random() * (end - start))] = Math.floor(random() * 256);
      }
      compareDamaged(bytes, start, cut);
      if (walkGeneral(bytes, start, cut).error) errors++;
    }
    console.log(`damaged bodies: 3000 compared, ${errors} with a decode error`);
    expect(errors).toBeGreaterThan(300);
  });

  it('on every single-byte opcode with LEB immediates of every length, ending in every kind of last byte', () => {
    // Last bytes around the limits of the unused-bit rules for u32, s32 and 64-bit LEBs.
    const lastBytes = [0x00, 0x01, 0x0f, 0x10, 0x1f, 0x3f, 0x40, 0x70, 0x78, 0x7e, 0x7f];
    let cases = 0;
    for (let op = 0; op < 256; op++) {
      for (let length = 1; length <= 11; length++) {
        for (const last of lastBytes) {
          // The LEB (and, for two-immediate and memarg forms, a second one) and then `end`.
          const leb = [...new Array<number>(length - 1).fill(0x80), last];
          const bytes = new Uint8Array([op, ...leb, ...leb, 0x0b]);
          compareDamaged(bytes, 0, bytes.length);
          const flagsFirst = new Uint8Array([op, 0x02, ...leb, 0x0b]);
          compareDamaged(flagsFirst, 0, flagsFirst.length);
          cases += 2;
        }
      }
    }
    expect(cases).toBe(256 * 11 * 11 * 2);
  });

  it('on every prefix and unknown byte, each at the end of the range and followed by every byte', () => {
    for (let op = 0; op < 256; op++) {
      for (let next = 0; next < 256; next += 17) {
        const bytes = new Uint8Array([op, next, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x0b]);
        for (let end = 1; end <= bytes.length; end++) compareDamaged(bytes, 0, end);
      }
    }
  });
});

describe('runTable', () => {
  it('skips global.get/set only below the global limit, for limits on both sides of 128', () => {
    const run = (limit: number): Int32Array => runTable(prices, (id) => OPCODES[id]!.flow === 'plain', limit);
    // nop x12 (so that the globals sit where skipRun's fast paths apply), then a global.get
    const at = (index: number[]): Uint8Array => new Uint8Array([...new Array(12).fill(0x01), 0x23, ...index, ...new Array(12).fill(0x01)]);
    const cost = new Float64Array(1);
    for (const [limit, index, skipped] of [
      [10, [5], true],
      [10, [10], false],
      [10, [0x85, 0x00], true], // 5, padded
      [200, [5], true],
      [200, [0x96, 0x01], true], // 150
      [200, [0xfa, 0x01], false], // 250
      [0, [0], false],
    ] as const) {
      const bytes = at([...index]);
      const stop = skipRun(bytes, 0, bytes.length, run(limit), cost, limit);
      expect({ limit, index, stop }).toEqual({ limit, index, stop: skipped ? bytes.length : 12 });
    }
  });

  it('leaves opcodes whose price does not fit an entry to the scanner, which adds it in full', () => {
    const big = compileCostTable({ ...DEFAULT_COST_TABLE, ops: { 'i32.add': 2 ** 28 } });
    const run = runTable(big, () => true);
    const bytes = new Uint8Array([0x20, 0x00, 0x20, 0x01, 0x6a, 0x1a]); // local.get 0, local.get 1, i32.add, drop
    const cost = new Float64Array(1);
    expect(skipRun(bytes, 0, bytes.length, run, cost)).toBe(4);
    expect(cost[0]).toBe(2);
  });
});

describe('instrument() on broken bodies (validation off)', () => {
  // A module of one function whose instruction bytes are `code` (no locals).
  const moduleWithBody = (code: number[]): Uint8Array => {
    const body = [0, ...code];
    return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, body.length + 2, 1, body.length, ...body]);
  };
  const refused = (code: number[]): { code: string; byteOffset: number | undefined } => {
    const r = instrument(moduleWithBody(code), { validate: false });
    expect(r.ok).toBe(false);
    const d = r.ok ? undefined : r.diagnostics[0];
    const span = d!.span;
    return { code: d!.code, byteOffset: span && 'byteOffset' in span ? span.byteOffset : undefined };
  };

  it('refuses a body cut inside an immediate, with the offset where input ran out', () => {
    // i32.const with a LEB that continues past the body's end: 0x41 0x80 0x80, body ends there.
    expect(refused([0x41, 0x80, 0x80])).toEqual({ code: 'instrument/invalid-module', byteOffset: 26 });
  });

  it('refuses a body without its final end', () => {
    const r = refused([0x02, 0x40, 0x0b]);
    expect(r.code).toBe('instrument/invalid-module');
    expect(r.byteOffset).toBe(26);
  });

  it('refuses code after the final end, and an end with no block open', () => {
    expect(refused([0x0b, 0x01]).code).toBe('instrument/invalid-module');
    expect(refused([0x0b, 0x0b]).code).toBe('instrument/invalid-module');
    expect(refused([0x0b, 0x05]).code).toBe('instrument/invalid-module');
  });

  it('still rewrites the same bodies when they are well formed', () => {
    const r = instrument(moduleWithBody([0x41, 0x80, 0x01, 0x1a, 0x0b]), { validate: false });
    expect(r.ok).toBe(true);
  });
});
