// Build time only: writes the sandbox worker's V8 code cache (worker-boot.ts says what it is and
// what it is trusted for). scripts/bundle.cjs calls it from tsc's output (dist/build-code-cache.js;
// not one of the package's exports) in a fresh process after writing the worker.
//
// The cache is written by a worker after it has run a real guest, so that it holds the bytecode
// of the functions a run uses and not only the file's top level.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normalize } from '@wsbc/manifest';
import { run } from './run.js';
import { CODE_CACHE_SUFFIX } from './worker-boot.js';
import { writeCodeCacheWithNextWorker } from './worker-pool.js';
import { workerScriptUrl } from './worker-script.js';

/** Runs `sample` (a WASI command that exits with 0) under the minimal policy with a worker that writes the cache; returns the cache's path. */
export async function buildWorkerCodeCache(sample: string): Promise<string> {
  const cache = `${fileURLToPath(workerScriptUrl())}${CODE_CACHE_SUFFIX}`;
  fs.rmSync(cache, { force: true });
  const policy = normalize({}, { baseDir: '/' });
  if (!policy.ok) throw new Error('the minimal policy does not normalize');
  writeCodeCacheWithNextWorker();
  const discard = { write: () => undefined };
  const result = await run(sample, { policy: policy.value, env: {}, audit: 'off', stdout: discard, stderr: discard, reportTermination: false });
  if (result.status !== 0) throw new Error(`the sample run ended with status ${result.status}: ${result.reason ?? result.diagnostics.map((d) => d.message).join('; ')}`);
  if (!fs.existsSync(cache)) throw new Error(`the worker did not write ${cache}`);
  return cache;
}
