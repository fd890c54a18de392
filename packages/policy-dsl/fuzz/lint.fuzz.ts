// Long fuzz run of the linter: generated policies (which compile, so every rule runs) and mutated
// or random text (which mostly does not) go through lintPolicySource; nothing may throw, and every
// lint finding must have a registered code and a span inside the text. Run only this file with
// `npx vitest run --config fuzz/vitest.config.ts fuzz/lint.fuzz.ts`; FUZZ_RUNS and FUZZ_SEED as
// for the compiler's run.
import fc from 'fast-check';
import { describeCode, type TextSpan } from '@wsbc/diagnostics';
import { lintPolicySource } from '@wsbc/policy-dsl/lint';
import { it } from 'vitest';
import { arbFuzzText } from '../test/fuzz-core.js';
import { arbPolicy } from '../test/generate.js';

const FILE = '/fuzz/policy.wsp';

function lintOne(text: string): number {
  const result = lintPolicySource(text, { file: FILE, cwd: '/srv/run', homeDir: '/home/fuzz', tmpDir: '/tmp', readFile: () => undefined });
  let findings = 0;
  for (const d of result.diagnostics) {
    if (!describeCode(d.code)) throw new Error(`unregistered code ${d.code}`);
    if (!d.code.startsWith('lint/')) continue;
    findings++;
    const span = d.span as TextSpan;
    if (span.file !== FILE || span.startOffset < 0 || span.endOffset > text.length || span.startOffset > span.endOffset) {
      throw new Error(`${d.code}: span ${JSON.stringify(span)} outside the text (${text.length} chars)`);
    }
  }
  return findings;
}

it('fuzz: the linter never throws on generated, mutated and random policies', () => {
  const runs = Number(process.env.FUZZ_RUNS ?? 20_000);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  let findings = 0;
  let linted = 0;
  const started = performance.now();
  fc.assert(
    fc.property(fc.oneof(arbPolicy, arbFuzzText), (text) => {
      const n = lintOne(text);
      findings += n;
      if (n > 0) linted++;
    }),
    { numRuns: runs, seed },
  );
  const total = (performance.now() - started) / 1000;
  console.log(`lint fuzz: ${runs} inputs in ${total.toFixed(1)} s, seed ${seed}; ${findings} findings in ${linted} inputs`);
});
