// The large fuzz run (see mutate.ts for the invariants). Iterations, seed and the real-module size
// limit come from FUZZ_ITERATIONS, FUZZ_SEED and FUZZ_MAX_REAL_MB.
import { expect, test } from 'vitest';
import { fuzzInputs } from './inputs.js';
import { runFuzz } from './mutate.js';

test('large fuzz run', () => {
  const iterations = Number(process.env['FUZZ_ITERATIONS'] ?? 20000);
  const seed = Number(process.env['FUZZ_SEED'] ?? 1);
  const inputs = fuzzInputs({ maxRealSize: Number(process.env['FUZZ_MAX_REAL_MB'] ?? 1) * 1e6, specModules: 400 });
  const t0 = performance.now();
  const report = runFuzz(inputs, { seed, iterations, timeBoundMillis: 5000 });
  const secs = ((performance.now() - t0) / 1000).toFixed(0);
  console.log(`fuzz: seed ${seed}, ${inputs.length} seed inputs, ${report.iterations} mutated inputs in ${secs} s: ${report.accepted} accepted (${report.walkAcceptsV8Rejects} of them rejected by V8 at type level), typed errors ${JSON.stringify(report.errors)}; mutators ${JSON.stringify(report.byMutator)}; slowest input ${report.maxMillis.toFixed(0)} ms; findings ${report.findings.length}`);
  for (const f of report.findings.slice(0, 20)) console.log(`  ${f.input} ${f.mutator} #${f.iteration}: ${f.problem}`);
  expect(report.findings).toEqual([]);
});
