// Long fuzz run of the policy compiler and formatter (see test/fuzz-core.ts for the property).
// Reports the number of inputs, the slowest input's time and the seed, so a failure can be
// replayed with FUZZ_SEED.
import fc from 'fast-check';
import { it } from 'vitest';
import { arbFuzzText, fuzzOne } from '../test/fuzz-core.js';

it('fuzz: policy text never throws, never hangs', () => {
  const runs = Number(process.env.FUZZ_RUNS ?? 200_000);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  let slowest = 0;
  let slowestLength = 0;
  const started = performance.now();
  fc.assert(
    fc.property(arbFuzzText, (text) => {
      const t0 = performance.now();
      fuzzOne(text);
      const dt = performance.now() - t0;
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
