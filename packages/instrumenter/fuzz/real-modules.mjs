// Instruments every distinct .wasm above 100 kB found under node_modules (the npm corpus: sql.js,
// esbuild, swc, yosys, flite, ruby) with two option sets and checks V8 accepts each output.
// Usage (from the repo root, after `npx tsc -b packages/instrumenter`):
//   node packages/instrumenter/fuzz/real-modules.mjs
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { instrument } from '../dist/index.js';

const root = resolve(import.meta.dirname, '../../..');
const files = execSync("find node_modules/.pnpm -name '*.wasm' -size +100k | sort", { cwd: root, encoding: 'utf8' }).trim().split('\n');
const OPTION_SETS = [{}, { stackDepth: 10_000, memory: { maxPages: 65536, maxGrowthPages: 65536, trapOnGrowFailure: true }, checks: 'loop' }];
const seen = new Set();
let failures = 0;
let checked = 0;
for (const f of files) {
  const bytes = readFileSync(resolve(root, f));
  const key = `${bytes.length}:${bytes.subarray(0, 4096).join(',').length}`;
  if (seen.has(key)) continue;
  seen.add(key);
  if (!WebAssembly.validate(bytes)) continue; // uses proposals Node 20's V8 lacks
  for (const options of OPTION_SETS) {
    const r = instrument(bytes, options);
    const valid = r.ok && WebAssembly.validate(r.value.bytes);
    checked++;
    if (!valid) failures++;
    const growth = r.ok ? `+${((r.value.bytes.length / bytes.length - 1) * 100).toFixed(0)}%` : r.diagnostics[0].code;
    console.log(`${valid ? 'ok     ' : 'FAILED '} ${(bytes.length / 1e6).toFixed(1)} MB ${growth} ${f.split('node_modules/').pop()} ${JSON.stringify(options)}`);
  }
}
console.log(`${checked - failures}/${checked} instrumented outputs valid`);
process.exit(failures === 0 ? 0 : 1);
