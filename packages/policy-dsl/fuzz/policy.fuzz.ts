// Long fuzz run of the policy compiler and formatter (see test/fuzz-core.ts for the property).
// Reports the number of inputs, the slowest input's time and the seed, so a failure can be
// replayed with FUZZ_SEED. An input that takes longer than FUZZ_HANG_MS (default 10 s, far above
// the slowest seen on a loaded machine) fails the run as a hang: every stage is meant to be linear.
import fc from 'fast-check';
import { it } from 'vitest';
import { arbFuzzText, fuzzOne } from '../test/fuzz-core.js';

it('fuzz: policy text never throws, never hangs', () => {
  const runs = Number(process.env.FUZZ_RUNS ?? 200_000);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  const hangMs = Number(process.env.FUZZ_HANG_MS ?? 10_000);
  let slowest = 0;
  let slowestLength = 0;
  const started = performance.now();
  fc.assert(
    fc.property(arbFuzzText, (text) => {
      const t0 = performance.now();
      fuzzOne(text);
      const dt = performance.now() - t0;
      if (dt > hangMs) throw new Error(`input of ${text.length} chars took ${dt.toFixed(0)} ms`);
      if (dt > slowest) {
        slowest = dt;
        slowestLength = text.length;
      }
    }),
    { numRuns: runs, seed },
  );
  const total = (performance.now() - started) / 1000;
  console.log(`fuzz: ${runs} inputs in ${total.toFixed(1)} s, seed ${seed}; slowest input ${slowest.toFixed(1)} ms (${slowestLength} chars)`);
});
