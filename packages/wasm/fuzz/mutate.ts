// Mutation fuzzing of the binary layer on real modules.
//
// Mutators: bit flips, truncation, length-field inflation (section sizes, vector counts, body
// sizes, name lengths), section shuffles (swap, duplicate, drop), byte insertion/deletion, and LEB
// padding. Every mutated input goes through the structural walk, the full rebuild, the pass-through
// re-encoder and the section readers. The invariants checked on each input:
//   1. every outcome is a result or a WasmError: any other exception is a finding;
//   2. each input finishes within the time bound (no hang, no blow-up from a length field);
//   3. when V8 accepts the input the walk accepts it too (no false rejections), but for atomics
//      below natural alignment, which the walk refuses with the spec (V8 11.3 does not);
//   4. when the walk accepts the input the rebuild is byte-identical with no mismatches, and the
//      pass-through re-encoder returns the input unchanged.
// A sample runs inside the test suite (test/fuzz-sample.test.ts); the large run is
//   FUZZ_ITERATIONS=20000 npx vitest run --config packages/wasm/fuzz/vitest.fuzz.config.ts
import { ModuleReader, WasmError, rebuildModule, reencode, sections, walkModule, ByteWriter } from '../src/index.js';

export interface FuzzInput {
  name: string;
  bytes: Uint8Array;
}

export interface FuzzReport {
  iterations: number;
  accepted: number;
  /** Typed errors by code. */
  errors: Record<string, number>;
  /** Inputs V8 rejects that the walk accepts (type-level problems; out of scope, counted only). */
  walkAcceptsV8Rejects: number;
  byMutator: Record<string, number>;
  maxMillis: number;
  findings: Array<{ input: string; mutator: string; iteration: number; problem: string }>;
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutator = (bytes: Uint8Array, rand: () => number) => Uint8Array;

const int = (rand: () => number, n: number): number => Math.floor(rand() * n);

function leb(v: number): Uint8Array {
  return new ByteWriter().u32(v).finish();
}

function splice(bytes: Uint8Array, atWanted: number, removeWanted: number, insert: Uint8Array): Uint8Array {
  const at = Math.min(atWanted, bytes.length);
  const removeCount = Math.min(removeWanted, bytes.length - at);
  const out = new Uint8Array(bytes.length - removeCount + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + removeCount), at + insert.length);
  return out;
}

/** Offsets of LEB length fields worth inflating: section sizes, first vector counts, body sizes. */
function lengthFields(bytes: Uint8Array): number[] {
  const out: number[] = [];
  try {
    for (const s of sections(bytes)) {
      out.push(s.start + 1);
      out.push(s.payloadStart);
      if (s.id === 10) {
        // First few function body sizes.
        const m = new ModuleReader(bytes);
        let k = 0;
        for (const b of m.functionBodies()) {
          out.push(b.start);
          if (++k > 20) break;
        }
      }
    }
  } catch {
    // Already broken: fall back to random positions.
  }
  return out;
}

function lebLength(bytes: Uint8Array, at: number): number {
  let n = 0;
  while (at + n < bytes.length && n < 10 && bytes[at + n]! & 0x80) n++;
  return n + 1;
}

export const MUTATORS: Record<string, Mutator> = {
  bitFlip(bytes, rand) {
    const out = bytes.slice();
    const flips = 1 + int(rand, 8);
    for (let i = 0; i < flips; i++) {
      const at = 8 + int(rand, Math.max(1, out.length - 8));
      out[at]! ^= 1 << int(rand, 8);
    }
    return out;
  },
  truncate(bytes, rand) {
    return bytes.slice(0, int(rand, bytes.length));
  },
  inflateLength(bytes, rand) {
    const fields = lengthFields(bytes);
    const at = fields.length > 0 ? fields[int(rand, fields.length)]! : 8 + int(rand, Math.max(1, bytes.length - 8));
    const huge = [0xffffffff, 0x7fffffff, bytes.length, bytes.length - at + 1 + int(rand, 64), 1 << (20 + int(rand, 11))][int(rand, 5)]!;
    return splice(bytes, at, lebLength(bytes, at), leb(huge >>> 0));
  },
  shuffleSections(bytes, rand) {
    let list: Array<[number, number]>;
    try {
      list = [...sections(bytes)].map((s) => [s.start, s.end]);
    } catch {
      return MUTATORS['bitFlip']!(bytes, rand);
    }
    if (list.length < 2) return bytes.slice();
    const parts = list.map(([a, b]) => bytes.subarray(a, b));
    const i = int(rand, parts.length);
    const j = int(rand, parts.length);
    const op = int(rand, 3);
    if (op === 0) [parts[i], parts[j]] = [parts[j]!, parts[i]!];
    else if (op === 1) parts.splice(j, 0, parts[i]!);
    else parts.splice(i, 1);
    const w = new ByteWriter(bytes.length + 64);
    w.bytes(bytes.subarray(0, 8));
    for (const p of parts) w.bytes(p);
    return w.finish();
  },
  insertDelete(bytes, rand) {
    const at = 8 + int(rand, Math.max(1, bytes.length - 8));
    if (rand() < 0.5) return splice(bytes, at, 1 + int(rand, 4), new Uint8Array(0));
    const ins = new Uint8Array(1 + int(rand, 4)).map(() => int(rand, 256));
    return splice(bytes, at, 0, ins);
  },
  padLeb(bytes, rand) {
    // Re-encode one length field with padding: same value, longer encoding.
    const fields = lengthFields(bytes);
    if (fields.length === 0) return MUTATORS['bitFlip']!(bytes, rand);
    const at = fields[int(rand, fields.length)]!;
    const n = lebLength(bytes, at);
    if (n >= 5) return bytes.slice();
    const padded = new Uint8Array(5);
    let v = 0;
    for (let k = n - 1; k >= 0; k--) v = v * 128 + (bytes[at + k]! & 0x7f);
    for (let k = 0; k < 5; k++) {
      padded[k] = (v & 0x7f) | (k < 4 ? 0x80 : 0);
      v = Math.floor(v / 128);
    }
    return splice(bytes, at, n, padded);
  },
};

export interface FuzzOptions {
  seed: number;
  iterations: number;
  /** Per-input time bound (all checks together). */
  timeBoundMillis: number;
  /** Cross-check against WebAssembly.validate (invariant 3). */
  checkV8?: boolean;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e);
}

/** Runs one input through every entry point; returns a problem description or undefined. */
export function checkInput(bytes: Uint8Array, checkV8: boolean): { problem?: string; accepted: boolean; code?: string; v8Rejects?: boolean } {
  let walk;
  try {
    walk = walkModule(bytes);
  } catch (e) {
    return { problem: `walkModule threw ${describeError(e)}`, accepted: false };
  }
  const v8 = checkV8 ? WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>) : undefined;
  // The one documented difference (docs/binary-layer.md): atomics below natural alignment, which
  // the threads spec and wabt refuse and the V8 of Node 20 accepts.
  const underAlignedAtomic = !walk.ok && walk.error.code === 'wasm/bad-alignment' && bytes[walk.error.offset] === 0xfe;
  if (v8 === true && !walk.ok && !underAlignedAtomic) return { problem: `V8 accepts but the walk rejects: ${walk.error.code} ${walk.error.message} @${walk.error.offset}`, accepted: false };
  for (const [name, run] of [
    ['rebuildModule', () => rebuildModule(bytes)],
    ['reencode', () => reencode(bytes, { instruction: () => false, locals: (c) => c.locals })],
    [
      'ModuleReader',
      () => {
        const m = new ModuleReader(bytes);
        m.types();
        m.imports();
        m.functions();
        m.tables();
        m.memories();
        m.globals();
        m.exports();
        m.start();
        m.elements();
        m.data();
        m.tags();
        m.names();
      },
    ],
  ] as const) {
    try {
      const out = (run as () => unknown)();
      if (walk.ok && name === 'rebuildModule') {
        const r = out as ReturnType<typeof rebuildModule>;
        if (r.stats.mismatches.length > 0) return { problem: `rebuild mismatches ${JSON.stringify(r.stats.mismatches.slice(0, 3))}`, accepted: true };
        if (Buffer.compare(r.bytes, bytes) !== 0) return { problem: 'rebuild is not byte-identical', accepted: true };
      }
      if (walk.ok && name === 'reencode' && Buffer.compare(out as Uint8Array, bytes) !== 0) return { problem: 'pass-through reencode changed the bytes', accepted: true };
    } catch (e) {
      if (!(e instanceof WasmError)) return { problem: `${name} threw ${describeError(e)}`, accepted: walk.ok };
      if (walk.ok && name !== 'ModuleReader') return { problem: `${name} rejects a module the walk accepts: ${e.message}`, accepted: true };
    }
  }
  return walk.ok ? { accepted: true, v8Rejects: v8 === false } : { accepted: false, code: walk.error.code };
}

export function runFuzz(inputs: readonly FuzzInput[], options: FuzzOptions): FuzzReport {
  const rand = rng(options.seed);
  const names = Object.keys(MUTATORS);
  const report: FuzzReport = { iterations: 0, accepted: 0, errors: {}, walkAcceptsV8Rejects: 0, byMutator: {}, maxMillis: 0, findings: [] };
  for (let i = 0; i < options.iterations; i++) {
    const input = inputs[int(rand, inputs.length)]!;
    const mutator = names[int(rand, names.length)]!;
    // Stack mutations sometimes, to get past the first error.
    let bytes = MUTATORS[mutator]!(input.bytes, rand);
    if (rand() < 0.2) bytes = MUTATORS[names[int(rand, names.length)]!]!(bytes, rand);
    const t0 = performance.now();
    const r = checkInput(bytes, options.checkV8 ?? true);
    const ms = performance.now() - t0;
    report.iterations++;
    report.byMutator[mutator] = (report.byMutator[mutator] ?? 0) + 1;
    report.maxMillis = Math.max(report.maxMillis, ms);
    if (r.accepted) report.accepted++;
    if (r.code) report.errors[r.code] = (report.errors[r.code] ?? 0) + 1;
    if (r.v8Rejects) report.walkAcceptsV8Rejects++;
    if (r.problem) report.findings.push({ input: input.name, mutator, iteration: i, problem: r.problem });
    if (ms > options.timeBoundMillis) report.findings.push({ input: input.name, mutator, iteration: i, problem: `took ${ms.toFixed(0)} ms (bound ${options.timeBoundMillis} ms)` });
  }
  return report;
}
