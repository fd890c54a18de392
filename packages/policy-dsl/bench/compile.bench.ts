// Compiling a generated 10,000-line policy (target: under 100 ms), with the stages apart so a
// regression can be located: parse (lex + CST + AST), check, and the full compile with normalize.
// Run: `npx vitest bench --run` from packages/policy-dsl.
import { checkPolicy, compilePolicySource, formatPolicy, parsePolicy } from '@wsbc/policy-dsl';
import { bench, describe } from 'vitest';
import { largePolicy } from '../test/generate.js';

const text = largePolicy(10_000);
const lines = text.split('\n').length - 1;
const options = { file: '/bench/large.wsp', tmpDir: '/tmp' };
const first = compilePolicySource(text, options);
if (!first.ok) throw new Error(`benchmark policy does not compile: ${JSON.stringify(first.diagnostics.slice(0, 3))}`);

// Baseline measured in the same run (the machine is shared, so absolute times drift): a JSON
// round trip of the compiled manifest, the least any reader of the same content must do.
const manifestJson = JSON.stringify(first.manifest);

describe(`${lines}-line policy`, () => {
  bench('baseline: JSON.parse + JSON.stringify of the compiled manifest', () => {
    JSON.stringify(JSON.parse(manifestJson));
  });
  bench('parse', () => {
    parsePolicy(text, options.file);
  });
  bench('parse + check', () => {
    checkPolicy(parsePolicy(text, options.file).ast);
  });
  bench('compile (parse, check, compile, normalize)', () => {
    compilePolicySource(text, options);
  });
  bench('format', () => {
    formatPolicy(text, options.file);
  });
});
