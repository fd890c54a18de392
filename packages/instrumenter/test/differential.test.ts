// Random valid modules (binaryen -ttf), MVP and post-MVP, behave the same instrumented, under every option mix.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FEATURE_SETS, instrumentForDiff, randomModule, trace, type FeatureSet } from './differential.js';

const haveBinaryen = (() => {
  try {
    execFileSync('wasm-opt', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    console.log('wasm-opt (Debian package binaryen) not installed: skipping differential tests');
    return false;
  }
})();

const OPTION_MIXES = [
  { fuel: true },
  { fuel: true, counter: 'global' as const, checks: 'loop' as const },
  { fuel: true, stackDepth: 100_000, memory: { maxPages: 65536, maxGrowthPages: 65536, trapOnGrowFailure: false } },
];

// Large runs: fuzz/differential.sh (sets these).
const FROM = Number(process.env['WSBC_FUZZ_FROM'] ?? 1);
const SEEDS = Number(process.env['WSBC_FUZZ_SEEDS'] ?? 24);

describe.skipIf(!haveBinaryen)('differential execution on random modules', () => {
  it.each(Object.keys(FEATURE_SETS) as FeatureSet[])(`matches the original on ${SEEDS} seeds under three option mixes, features: %s`, (features) => {
    let calls = 0;
    let traps = 0;
    for (let seed = FROM; seed < FROM + SEEDS; seed++) {
      const original = randomModule(seed, features);
      // Every generated module must reach the instrumenter: a feature V8 refuses would test nothing.
      expect({ seed, valid: WebAssembly.validate(original) }).toEqual({ seed, valid: true });
      const expected = trace(original);
      calls += expected.length;
      traps += expected.filter((line) => line.includes(' threw ')).length;
      for (const options of OPTION_MIXES) {
        expect({ seed, options, trace: trace(instrumentForDiff(original, options)) }).toEqual({ seed, options, trace: expected });
      }
    }
    console.log(`differential (${features}): seeds ${FROM}..${FROM + SEEDS - 1}, ${calls} observations (${traps} of them traps) compared under ${OPTION_MIXES.length} option mixes`);
    expect(calls).toBeGreaterThan(100);
  }, 300_000);
});
