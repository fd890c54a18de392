// Bundles the sandbox worker (src/worker.ts and everything it imports) into ONE CommonJS file.
// Why: a worker thread that loads a single CommonJS script is ready in about two thirds of the
// time of one that loads the same code as a graph of ES modules (docs/benchmarks.md, "Runtime"),
// and the worker is started on every cold run.
//
// One recipe, used in both places the worker is made:
// - the package build (`pnpm build`: `tsc -b && node scripts/bundle-worker.cjs`) writes
//   dist/sandbox-worker.cjs, which run() starts from next to its own file (and the CLI bundle
//   copies next to its chunks);
// - src/worker-script.ts, when the runtime runs from its TypeScript sources (vitest, the
//   `@wsbc/source` condition), bundles the current sources the same way into a cache directory.
//   This script is CommonJS so that that synchronous lookup can require() it.
//
// The worker imports Node built-ins and its own relative modules only; a bare import of another
// package would be inlined here and duplicate that package's state, so it fails the bundle.
'use strict';
const { buildSync } = require('esbuild');
const path = require('node:path');

const WORKER_FILE = 'sandbox-worker.cjs';

/** Bundles `entry` (src/worker.ts) into `outfile`; throws with esbuild's messages on failure. */
function bundleWorker(entry, outfile) {
  const result = buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // Only node: built-ins may stay imports (see the header).
    external: ['node:*'],
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const foreign = Object.keys(result.metafile.inputs).filter((input) => input.includes('node_modules') || !/\.ts$/.test(input));
  if (foreign.length > 0) throw new Error(`bundle-worker: the worker must import only its own modules and node: built-ins, not ${foreign.join(', ')}`);
  return result;
}

module.exports = { WORKER_FILE, bundleWorker };

if (require.main === module) {
  const packageDir = path.join(__dirname, '..');
  bundleWorker(path.join(packageDir, 'src', 'worker.ts'), path.join(packageDir, 'dist', WORKER_FILE));
}
