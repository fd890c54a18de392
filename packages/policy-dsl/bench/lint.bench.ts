// Linting a generated 10,000-line policy, against compiling it (measured in the same run, since
// the machine is shared and absolute times drift): the rules should cost a fraction of the
// compile they need. Run: `npx vitest bench --run bench/lint.bench.ts` from packages/policy-dsl.
import { compilePolicySource } from '@wsbc/policy-dsl';
import { lintParsedPolicy, lintPolicySource } from '@wsbc/policy-dsl/lint';
import { bench, describe } from 'vitest';
import { largePolicy } from '../test/generate.js';

const text = largePolicy(10_000);
const lines = text.split('\n').length - 1;
const options = { file: '/bench/large.wsp', tmpDir: '/tmp', readFile: () => undefined };
const compiled = compilePolicySource(text, options);
if (!compiled.ok || !compiled.ast || !compiled.manifest) throw new Error('benchmark policy does not compile');
const parsed = { file: options.file, source: text, ast: compiled.ast, manifest: compiled.manifest, baseDir: '/bench', tmpDir: '/tmp' };

describe(`${lines}-line policy`, () => {
  bench('baseline: compile', () => {
    compilePolicySource(text, options);
  });
  bench('rules only (lintParsedPolicy on the compiled policy)', () => {
    lintParsedPolicy(parsed, { cwd: '/srv/run' });
  });
  bench('lint (compile + rules)', () => {
    lintPolicySource(text, { ...options, cwd: '/srv/run' });
  });
});
