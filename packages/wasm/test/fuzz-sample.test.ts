// A sample of the mutation fuzzer (fuzz/mutate.ts) inside the suite; the large run is a script.
import { expect, test } from 'vitest';
import { fuzzInputs } from '../fuzz/inputs.js';
import { runFuzz } from '../fuzz/mutate.js';

test('mutated real and spec modules end in a result or a typed error, in bounded time', () => {
  const inputs = fuzzInputs({ maxRealSize: 100_000, specModules: 60 });
  expect(inputs.length).toBeGreaterThan(0);
  const report = runFuzz(inputs, { seed: 20261124, iterations: 400, timeBoundMillis: 5000 });
  console.log(`fuzz sample: ${report.iterations} inputs, ${report.accepted} accepted, errors ${JSON.stringify(report.errors)}, slowest ${report.maxMillis.toFixed(0)} ms`);
  expect(report.findings).toEqual([]);
  // The mutators really break things: most inputs must be rejected, with several error codes.
  expect(report.iterations - report.accepted).toBeGreaterThan(report.iterations / 3);
  expect(Object.keys(report.errors).length).toBeGreaterThan(4);
});
