// Differential execution on random modules: binaryen's `wasm-opt -ttf` turns random bytes into a
// valid module (with hang limits, so every export terminates); the original and the instrumented
// module run the same calls, and everything observable must match: the `fuzzing-support` log
// calls, each export's result or trap message, and the memory hash the module exports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOOK_MODULE, OUT_OF_FUEL_HOOK } from '../src/abi.js';
import { instrument, type InstrumentOptions } from '../src/instrument.js';

/** Deterministic bytes from a seed (xorshift32), so a failing seed reproduces. */
export function seedBytes(seed: number, length: number): Uint8Array<ArrayBuffer> {
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Proposals binaryen may use on top of the MVP (V8 11.3 runs each of these without flags). */
export const FEATURE_SETS = {
  /** What the first differential runs used. */
  core: [],
  /** Multi-value blocks and functions, tail calls, SIMD. */
  'simd-multivalue-tail-call': ['--enable-simd', '--enable-multivalue', '--enable-tail-call'],
  /** Legacy exception handling (try, catch, catch_all, rethrow, delegate). */
  exceptions: ['--enable-exception-handling', '--enable-multivalue'],
  /** Shared memory and atomics, with SIMD. */
  threads: ['--enable-threads', '--enable-simd'],
} as const satisfies Record<string, readonly string[]>;
// Not reference types: binaryen 108 (Debian's) still types funcref as a subtype of externref,
// which V8 refuses, so such modules never reach the instrumenter.

export type FeatureSet = keyof typeof FEATURE_SETS;

export function randomModule(seed: number, features: FeatureSet = 'core', length = 16_000): Uint8Array<ArrayBuffer> {
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-ttf-'));
  writeFileSync(join(dir, 'seed.bin'), seedBytes(seed, length));
  const flags = ['--enable-bulk-memory', '--enable-sign-ext', '--enable-nontrapping-float-to-int', '--enable-mutable-globals', ...FEATURE_SETS[features]];
  execFileSync('wasm-opt', ['-ttf', join(dir, 'seed.bin'), ...flags, '-o', join(dir, 'm.wasm')], { stdio: 'pipe' });
  return readFileSync(join(dir, 'm.wasm'));
}

function describeValue(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : String(v);
  return String(v);
}

/** Runs every exported function once (with zero arguments) and returns the observable trace. */
export function trace(bytes: Uint8Array<ArrayBuffer>): string[] {
  const log: string[] = [];
  const support = {
    'log-i32': (v: number) => log.push(`log i32 ${v}`),
    'log-i64': (lo: number, hi?: number) => log.push(`log i64 ${describeValue(lo)} ${describeValue(hi)}`),
    'log-f32': (v: number) => log.push(`log f32 ${describeValue(v)}`),
    'log-f64': (v: number) => log.push(`log f64 ${describeValue(v)}`),
    // A v128 cannot cross into JavaScript: calling this import throws a TypeError on both sides.
    'log-v128': () => log.push('log v128'),
  };
  const module = new WebAssembly.Module(bytes);
  const imports: WebAssembly.Imports = { 'fuzzing-support': support, [HOOK_MODULE]: { [OUT_OF_FUEL_HOOK]: (c: bigint) => c + (1n << 40n) } };
  let inst: WebAssembly.Instance;
  try {
    inst = new WebAssembly.Instance(module, imports);
  } catch (e) {
    return [`instantiate: ${(e as Error).message}`];
  }
  const exports = inst.exports as Record<string, unknown>;
  const init = exports['hangLimitInitializer'] as (() => void) | undefined;
  for (const e of WebAssembly.Module.exports(module)) {
    if (e.kind !== 'function' || e.name === 'hangLimitInitializer' || e.name === 'hashMemory') continue;
    const f = exports[e.name] as (...args: unknown[]) => unknown;
    init?.();
    try {
      const args = new Array(f.length).fill(0);
      log.push(`${e.name} -> ${describeValue(f(...args))}`);
    } catch (err) {
      // An i64 parameter or result cannot cross the JS boundary as a number; both sides see the same TypeError.
      log.push(`${e.name} threw ${(err as Error).constructor.name}: ${(err as Error).message}`);
    }
    const hash = exports['hashMemory'] as (() => number) | undefined;
    if (hash) {
      init?.();
      try {
        log.push(`memory ${hash()}`);
      } catch (err) {
        log.push(`hashMemory threw ${(err as Error).message}`);
      }
    }
  }
  return log;
}

export function instrumentForDiff(bytes: Uint8Array, options: InstrumentOptions): Uint8Array<ArrayBuffer> {
  const r = instrument(bytes, options);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value.bytes;
}
