// Peak memory of checking a module: resident set size before reading the module, after reading
// it, and the process's peak after checkModule (process.resourceUsage().maxRSS, in KiB).
//
//   npx tsc -b packages/analyzer && node packages/analyzer/bench/rss.mjs [module.wasm]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MANIFEST } from '@wsbc/manifest';
import { checkModule } from '../dist/index.js';

const file = process.argv[2] ?? join(import.meta.dirname, '../../../node_modules/esbuild-wasm/esbuild.wasm');
const mib = (kib) => Number((kib / 1024).toFixed(1));
const before = process.resourceUsage().maxRSS;
// A Buffer is a Uint8Array: no second copy of the module.
const bytes = readFileSync(file);
const afterRead = process.resourceUsage().maxRSS;
const result = checkModule(bytes, DEFAULT_MANIFEST, { file });
const afterCheck = process.resourceUsage().maxRSS;
console.log(
  JSON.stringify({
    module: file.split('/').pop(),
    moduleMiB: Number((bytes.length / 1048576).toFixed(1)),
    peakRssMiBBeforeRead: mib(before),
    peakRssMiBAfterRead: mib(afterRead),
    peakRssMiBAfterCheck: mib(afterCheck),
    checkAddedMiB: mib(afterCheck - afterRead),
    findings: result.findings.length,
  }),
);
