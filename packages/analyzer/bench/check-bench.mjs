// Benchmarks of the analyzer on the largest npm module (esbuild.wasm, 14 MB), each a ratio to
// WebAssembly.validate on the same bytes measured in the same run (tinybench).
//
//   npx tsc -b packages/analyzer && node packages/analyzer/bench/check-bench.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { DEFAULT_MANIFEST } from '@wsbc/manifest';
import { checkModule, inspectModule } from '../dist/index.js';

const file = join(import.meta.dirname, '../../../node_modules/esbuild-wasm/esbuild.wasm');
const bytes = new Uint8Array(readFileSync(file));

const bench = new Bench({ time: 3000, warmupTime: 500 });
bench
  .add('WebAssembly.validate', () => {
    if (!WebAssembly.validate(bytes)) throw new Error('invalid');
  })
  .add('checkModule', () => {
    checkModule(bytes, DEFAULT_MANIFEST, { file: 'esbuild.wasm' });
  })
  .add('checkModule walkCode', () => {
    checkModule(bytes, DEFAULT_MANIFEST, { file: 'esbuild.wasm', walkCode: true });
  })
  .add('inspectModule (full instruction walk)', () => {
    inspectModule(bytes);
  });
await bench.run();

const mean = (name) => bench.tasks.find((t) => t.name === name).result.latency.mean;
const validate = mean('WebAssembly.validate');
const rows = bench.tasks.map((t) => ({
  task: t.name,
  'mean ms': Number(t.result.latency.mean.toFixed(2)),
  'p99 ms': Number(t.result.latency.p99.toFixed(2)),
  samples: t.result.latency.samplesCount ?? t.result.latency.samples?.length,
  'x validate': Number((t.result.latency.mean / validate).toFixed(4)),
}));
console.log(`module: esbuild.wasm, ${bytes.length} bytes; node ${process.version}`);
console.table(rows);
console.log(JSON.stringify({ checkRatio: mean('checkModule') / validate, walkCodeRatio: mean('checkModule walkCode') / validate, inspectRatio: mean('inspectModule (full instruction walk)') / validate }));
