// The package's build step after `tsc -b` (`pnpm build` runs both): writes the JavaScript that
// users of @wsbc/runtime actually load.
//
// - dist/sandbox-worker.cjs: the sandbox worker as one CommonJS file (recipe in bundle-worker.cjs),
//   next to tsc's dist/*.js, which is where the unbundled runtime (the `@wsbc/unbundled` export
//   condition, used by bundlers of the runtime such as the CLI's) looks for it.
// - dist/bundle/: what the package exports by default. `index.js` and `prewarm.js` are the two
//   entries, sharing one chunk for the worker pool (prewarm() must start the worker that run()
//   takes); the bottom-layer packages the host side needs (@wsbc/manifest, @wsbc/wasm,
//   @wsbc/diagnostics, @wsbc/instrumenter/abi) are inlined. Why: importing the runtime as tsc
//   wrote it is 59 ES modules (runtime 25, wasm 18, manifest 13, instrumenter 3), and on Node 20
//   each costs resolution, an asynchronous read and a compile; the bundle is 3 files.
//   docs/benchmarks.md ("Runtime, round 4") has the figures.
//   The instrumenter itself stays an import: it is loaded on first use only (steps.ts).
//   Embedders who import @wsbc/manifest themselves get a second copy of its code; it holds no
//   state that a run shares with the caller (manifests are plain data), so nothing depends on
//   the two being one.
//   Files the inlined code finds relative to itself are put where it looks: the worker next to
//   the chunks (worker-script.ts), the manifest's precompiled validator in dist/generated/
//   (`../generated/manifest-validator.cjs` from dist/bundle/).
//
//   node scripts/bundle.cjs
'use strict';
const { build } = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { pathToFileURL } = require('node:url');
const { WORKER_FILE, bundleWorker } = require('./bundle-worker.cjs');

/** The cache file's suffix; the same as CODE_CACHE_SUFFIX in src/worker-boot.ts (check() compares). */
const CODE_CACHE_SUFFIX = '.v8cache';

const packageDir = path.join(__dirname, '..');
const dist = path.join(packageDir, 'dist');
const outdir = path.join(dist, 'bundle');

/** @wsbc/instrumenter is loaded lazily by instrumentStep: it must stay a separate import. */
const keepInstrumenterExternal = {
  name: 'keep-instrumenter-external',
  setup(build) {
    build.onResolve({ filter: /^@wsbc\/instrumenter$/ }, (args) => ({ path: args.path, external: true }));
  },
};

async function bundleHost() {
  for (const entry of ['index.js', 'prewarm.js']) {
    if (!fs.existsSync(path.join(dist, entry))) throw new Error(`bundle: dist/${entry} is missing: run tsc -b first (pnpm build does)`);
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { index: path.join(dist, 'index.js'), prewarm: path.join(dist, 'prewarm.js') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['node:*'],
    plugins: [keepInstrumenterExternal],
    // The worker lookup's staleness check compares with tsc's build info in dist/, one level up.
    define: { WSBC_TSBUILDINFO: JSON.stringify('../.tsbuildinfo') },
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return result.metafile;
}

function check(metafile) {
  const entries = fs.readdirSync(outdir, { withFileTypes: true });
  const nested = entries.filter((entry) => !entry.isFile());
  if (nested.length > 0) throw new Error(`bundle: chunks outside dist/bundle/: ${nested.map((entry) => entry.name).join(', ')}`);
  const text = entries.filter((entry) => entry.name.endsWith('.js')).map((entry) => fs.readFileSync(path.join(outdir, entry.name), 'utf8')).join('\n');
  if (!text.includes(`new URL("./${WORKER_FILE}", import.meta.url)`)) throw new Error(`bundle: the runtime no longer looks for ./${WORKER_FILE} next to itself`);
  if (!text.includes('"../.tsbuildinfo"')) throw new Error('bundle: the worker lookup does not check dist/.tsbuildinfo');
  if (!text.includes('"../generated/manifest-validator.cjs"')) throw new Error('bundle: the manifest validator is no longer found at ../generated/');
  if (!text.includes(`CODE_CACHE_SUFFIX = ${JSON.stringify(CODE_CACHE_SUFFIX)}`)) throw new Error(`bundle: the worker boot no longer names its cache *${CODE_CACHE_SUFFIX}`);
  // Only node: built-ins and the lazily loaded instrumenter may remain imports.
  const imports = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)";|\bimport\("([^"]+)"\)/gm)]
    .map((m) => m[1] ?? m[2])
    .filter((name) => !name.startsWith('node:') && !name.startsWith('./') && name !== '@wsbc/instrumenter');
  if (imports.length > 0) throw new Error(`bundle: dist/bundle/ still imports ${[...new Set(imports)].join(', ')}`);
  const inputs = Object.keys(metafile.inputs);
  if (!inputs.some((input) => /manifest[\\/]dist[\\/]validate\.js$/.test(input))) throw new Error('bundle: @wsbc/manifest was not inlined');
}

/**
 * The V8 code caches. The worker's (src/worker-boot.ts): written beside dist/sandbox-worker.cjs by a
 * worker of tsc's output (dist/build-code-cache.js, not one of the package's exports) after it ran
 * hello, in a fresh `node` (the cache is only accepted by the same V8 with the same flags, which
 * is the `node` users run), and copied beside the bundle's identical copy of the worker. The
 * manifest validator's (its loader is @wsbc/manifest's validator-code-cache.ts): written beside
 * the copy in dist/generated/ that the bundle loads, after validating sample manifests.
 */
function writeCodeCache() {
  const sample = path.join(packageDir, 'test', 'conformance', 'wasm', 'hello.wasm');
  const entry = pathToFileURL(path.join(dist, 'build-code-cache.js')).href;
  const validator = path.join(dist, 'generated', 'manifest-validator.cjs');
  const code = `import { buildWorkerCodeCache, buildValidatorCodeCache } from ${JSON.stringify(entry)};
await buildWorkerCodeCache(${JSON.stringify(sample)});
buildValidatorCodeCache(${JSON.stringify(validator)});`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`bundle: writing the code caches failed:\n${child.stderr}`);
  fs.copyFileSync(path.join(dist, WORKER_FILE + CODE_CACHE_SUFFIX), path.join(outdir, WORKER_FILE + CODE_CACHE_SUFFIX));
}

async function main() {
  bundleWorker(path.join(packageDir, 'src', 'worker.ts'), path.join(dist, WORKER_FILE));
  const metafile = await bundleHost();
  fs.copyFileSync(path.join(dist, WORKER_FILE), path.join(outdir, WORKER_FILE));
  const validator = require.resolve('@wsbc/manifest/schema.json', { paths: [packageDir] });
  fs.mkdirSync(path.join(dist, 'generated'), { recursive: true });
  fs.copyFileSync(path.join(path.dirname(validator), '..', 'generated', 'manifest-validator.cjs'), path.join(dist, 'generated', 'manifest-validator.cjs'));
  check(metafile);
  writeCodeCache();
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
