// Build time only: writes the sandbox worker's V8 code cache (worker-boot.ts says what it is and
// what it is trusted for). scripts/bundle.cjs calls it from tsc's output (dist/build-code-cache.js;
// not one of the package's exports) in a fresh process after writing the worker.
//
// The cache is written by a worker after it has run a real guest, so that it holds the bytecode
// of the functions a run uses and not only the file's top level.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canonicalManifestJson, CODE_CACHE_SUFFIX, codeCacheFileContents, normalize, runCommonJs, type ManifestInput } from '@wsbc/manifest';
import { run } from './run.js';
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

/** Manifests that between them use every part of the schema, for the validator's cache. */
const SAMPLE_POLICIES: ManifestInput[] = [
  {},
  { preset: 'development' },
  {
    name: 'sample',
    network: { mode: 'restricted', loopback: true, hosts: [{ host: 'api.example.com', ports: [{ from: 443, to: 443 }], secure: true }], ports: [{ from: 8000, to: 8080 }] },
    filesystem: { preopens: [{ hostPath: '/srv/data', guestPath: '/data', read: true, write: true, create: true, delete: false, maxFileSize: 1048576 }] },
    environment: { mode: 'allow', names: ['LANG', 'TZ'] },
    process: { mode: 'allow', commands: ['ls'] },
    random: { mode: 'pseudo', seed: 7 },
    time: { mode: 'full', deterministic: { startMs: 0, stepNs: 1000 } },
    imports: [{ module: 'env', name: 'log', requires: 'flag' }],
    custom: [
      { name: 'flag', type: 'boolean', value: true },
      { name: 'n', type: 'number', value: 3, min: 1, max: 9 },
      { name: 's', type: 'string', value: 'x' },
      { name: 'l', type: 'string-list', value: ['a'] },
    ],
  },
];

/**
 * Writes the V8 code cache of the manifest's precompiled schema validator (`validator`, the copy
 * beside a bundle) after validating the sample manifests with it, compiled as @wsbc/manifest's
 * loader compiles it (runCommonJs, code-cache.ts). Returns the cache's path.
 */
export function buildValidatorCodeCache(validator: string): string {
  const source = fs.readFileSync(validator);
  const { exports, script } = runCommonJs(validator, source);
  const validate = exports as (value: unknown) => boolean;
  for (const input of SAMPLE_POLICIES) {
    const normalized = normalize(input, { baseDir: '/' });
    if (!normalized.ok) throw new Error(`a sample policy does not normalize: ${normalized.diagnostics.map((d) => d.message).join('; ')}`);
    if (!validate(JSON.parse(canonicalManifestJson(normalized.value)))) throw new Error('a sample manifest does not validate');
  }
  const cache = `${validator}${CODE_CACHE_SUFFIX}`;
  fs.writeFileSync(cache, Buffer.concat(codeCacheFileContents(source, script.createCachedData())));
  return cache;
}
