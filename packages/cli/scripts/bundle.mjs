// Bundles the built CLI (dist/, the JavaScript `tsc -b` wrote for this package and its workspace
// dependencies) into dist/bundle/, the files `bin` points at. Why: start-up is dominated by loading
// ~100 small ES modules; one code-split bundle loads a handful (docs/benchmarks.md, "CLI start-up").
//
// Layout and the invariants it keeps:
// - dist/bundle/bin.js is the executable; dist/bundle/worker.js is the check pool's worker, its own
//   entry. Every shared chunk is written next to them, so pool.ts's `new URL('./worker.js',
//   import.meta.url)` finds the worker from whichever chunk holds it, as it does in dist/check/.
// - @wsbc/manifest loads its precompiled schema validator with
//   `createRequire(import.meta.url)('../generated/manifest-validator.cjs')`; from a chunk in
//   dist/bundle/ that is dist/generated/, so the file is copied there.
// - Packages that find files relative to themselves at run time stay external and load from
//   node_modules as usual: @wsbc/runtime (its worker script), @wsbc/typegen and typescript.
//
//   node scripts/bundle.mjs          (run by `pnpm build` after `tsc -b`)
import { build } from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(packageDir, 'dist');
const outdir = join(dist, 'bundle');

const external = ['@wsbc/runtime', '@wsbc/runtime/*', '@wsbc/typegen', '@wsbc/typegen/*', 'typescript'];

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { bin: join(dist, 'bin.js'), worker: join(dist, 'check', 'worker.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(join(outdir, 'bin.js'), 0o755);

// The validator the manifest package requires relative to its own file (see the header).
const requireFromCli = createRequire(join(packageDir, 'package.json'));
const manifestDir = dirname(requireFromCli.resolve('@wsbc/manifest/schema.json'));
const validator = join(manifestDir, '..', 'generated', 'manifest-validator.cjs');
mkdirSync(join(dist, 'generated'), { recursive: true });
copyFileSync(validator, join(dist, 'generated', 'manifest-validator.cjs'));

// Fail the build, not a user's run, if the layout the header relies on did not come out.
const entries = readdirSync(outdir, { withFileTypes: true });
if (!entries.some((entry) => entry.name === 'worker.js')) throw new Error('bundle: dist/bundle/worker.js was not written');
const nested = entries.filter((entry) => !entry.isFile());
if (nested.length > 0) throw new Error(`bundle: chunks outside dist/bundle/: ${nested.map((entry) => entry.name).join(', ')}`);
const chunks = entries.map((entry) => entry.name);
const bundled = chunks.map((name) => readFileSync(join(outdir, name), 'utf8')).join('\n');
if (!bundled.includes("new URL(\"./worker.js\", import.meta.url)")) {
  throw new Error('bundle: the check pool no longer looks for ./worker.js next to itself');
}
if (!existsSync(join(dist, 'generated', 'manifest-validator.cjs'))) throw new Error('bundle: validator not copied');
