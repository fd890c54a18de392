// Bundles the built CLI (dist/, the JavaScript `tsc -b` wrote for this package and its workspace
// dependencies) into dist/bundle/, the files `bin` points at. Why: start-up is dominated by loading
// ~100 small ES modules; one code-split bundle loads a handful (docs/benchmarks.md, "CLI start-up").
//
// Layout and the invariants it keeps:
// - dist/bundle/bin.js is the executable; dist/bundle/worker.js is the check pool's worker, its own
//   entry. Every shared chunk is written next to them, so pool.ts's `new URL('./worker.js',
//   import.meta.url)` finds the worker from whichever chunk holds it, as it does in dist/check/.
// - The runtime (`wsbc run`) is bundled in too. Its sandbox worker is one CommonJS file that the
//   runtime's own build makes (packages/runtime/scripts/bundle-worker.cjs) and finds with
//   `new URL('./sandbox-worker.cjs', import.meta.url)`: it is copied to dist/bundle/, next to
//   whichever chunk holds the runtime, as it sits next to worker-script.js in the runtime's dist/.
// - @wsbc/manifest loads its precompiled schema validator with
//   `createRequire(import.meta.url)('../generated/manifest-validator.cjs')`; from a chunk in
//   dist/bundle/ that is dist/generated/, so the file is copied there.
// - typescript stays external: @wsbc/typegen (inlined) loads it on first use with
//   `createRequire(import.meta.url)('typescript')`, which from a chunk resolves from this package,
//   so the CLI declares typescript as its own dependency and the build checks that it resolves.
//   (typegen used to be external too, and `wsbc run` then loaded it and a second copy of
//   @wsbc/wasm from node_modules through the shared chunk of the `wsbc` package's index.)
//
//   node scripts/bundle.mjs          (run by `pnpm build` after `tsc -b`)
import { build } from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(packageDir, 'dist');
const outdir = join(dist, 'bundle');

const external = ['typescript'];
const SANDBOX_WORKER = 'sandbox-worker.cjs';

/** Options both builds share. */
const common = {
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // The runtime's default export is its own bundle, which inlines @wsbc/manifest and @wsbc/wasm;
  // bundled in here, those would be second copies of packages the CLI inlines anyway. Its
  // `@wsbc/unbundled` condition names tsc's output (dist/*.js) instead.
  conditions: ['@wsbc/unbundled'],
  absWorkingDir: packageDir,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
};

// The dispatcher's two imports that belong to `wsbc run` point at the second build's files.
const RUN_COMMAND = 'run-command.js';
const RUN_POOL = 'run-pool.js';
const runCommandApart = {
  name: 'run-command-apart',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(?:\.\/commands\/run\.js|@wsbc\/runtime\/prewarm)$/ }, (args) => {
      if (!/[\\/]dist[\\/]cli\.js$/.test(args.importer)) return undefined;
      return { path: `./${args.path === '@wsbc/runtime/prewarm' ? RUN_POOL : RUN_COMMAND}`, external: true };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  ...common,
  entryPoints: { bin: join(dist, 'bin.js'), worker: join(dist, 'check', 'worker.js') },
  plugins: [runCommandApart],
});
chmodSync(join(outdir, 'bin.js'), 0o755);

// `wsbc run` is built apart, as one file plus its lazily loaded pieces (instrumenter, policy
// compiler, renderers): shared with the other commands, its modules were spread over ~20 chunks,
// and on Node 20 every ES module costs a resolution, a read and a link (docs/benchmarks.md,
// "Runtime, round 4": one file instead saves about 13 ms of CPU per run). The sandbox worker
// pool is its own entry, so that the dispatcher's prewarm() (which boots the worker while the
// command loads) and the command's run() share one pool; the pieces both builds contain
// (exit codes, version) hold no state.
/**
 * In the run build, the modules of the packages `wsbc run` reaches only through the `wsbc` index's
 * re-exports (the instrumenter, which the runtime loads itself when --instrument asks, the
 * analyzer, typegen) and the `wsbc` package's own modules are declared free of side effects, so
 * that the names the command does not use are left out instead of being loaded with it. They have
 * none: no module of those packages does anything at load time but define functions, classes and
 * constants (the packages that register diagnostic codes when loaded, @wsbc/artifact and
 * @wsbc/policy-dsl, are not in the list).
 */
const PURE_PACKAGES = /[\\/]packages[\\/](?:wsbc|instrumenter|analyzer|typegen)[\\/]dist[\\/]/;
const unusedReExportsLeftOut = {
  name: 'unused-re-exports-left-out',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'pure-check' || args.kind === 'entry-point' || args.path.startsWith('node:')) return undefined;
      const resolved = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, with: args.with, pluginData: 'pure-check' });
      if (resolved.errors.length > 0 || resolved.external || !PURE_PACKAGES.test(resolved.path)) return resolved.errors.length > 0 ? { errors: resolved.errors } : resolved;
      // The one load-time effect packages here have: registering diagnostic codes.
      if (/^\s*registerCodes\(/m.test(readFileSync(resolved.path, 'utf8'))) {
        throw new Error(`bundle: ${resolved.path} registers diagnostic codes when loaded; take its package out of PURE_PACKAGES`);
      }
      return { ...resolved, sideEffects: false };
    });
  },
};
const runtimeWorkerPool = (inputs) => inputs.find((input) => /(?:^|[\\/])runtime[\\/]dist[\\/]worker-pool\.js$/.test(input));
const runBuild = await build({
  ...common,
  plugins: [unusedReExportsLeftOut],
  entryPoints: { 'run-command': join(dist, 'commands', 'run.js'), 'run-pool': join(packageDir, runtimeWorkerPool(Object.keys(metafile.inputs)) ?? '') },
});
for (const [name, output] of Object.entries(runBuild.metafile.outputs)) metafile.outputs[name] = output;
for (const [name, input] of Object.entries(runBuild.metafile.inputs)) metafile.inputs[name] ??= input;
const poolOutputs = Object.entries(runBuild.metafile.outputs).filter(([, output]) => runtimeWorkerPool(Object.keys(output.inputs)));
if (poolOutputs.length !== 1) throw new Error(`bundle: the sandbox worker pool is in ${poolOutputs.length} files of the run build; prewarm() and run() must share one`);
for (const file of [RUN_COMMAND, RUN_POOL]) {
  if (!existsSync(join(outdir, file))) throw new Error(`bundle: dist/bundle/${file} was not written`);
}
if (!readFileSync(join(outdir, 'bin.js'), 'utf8').includes(`import("./${RUN_POOL}")`)) throw new Error(`bundle: the dispatcher does not prewarm from ./${RUN_POOL}`);

// The validator the manifest package requires relative to its own file (see the header).
const requireFromCli = createRequire(join(packageDir, 'package.json'));
const manifestDir = dirname(requireFromCli.resolve('@wsbc/manifest/schema.json'));
const validator = join(manifestDir, '..', 'generated', 'manifest-validator.cjs');
mkdirSync(join(dist, 'generated'), { recursive: true });
copyFileSync(validator, join(dist, 'generated', 'manifest-validator.cjs'));
// Its V8 code cache, from the runtime's build (the runtime ships the same validator beside its
// own bundle; the cache embeds the validator's bytes, so it is only used beside the same file).
const requireFromRuntime = createRequire(requireFromCli.resolve('@wsbc/runtime'));
const validatorCache = join(dirname(requireFromRuntime.resolve('../generated/manifest-validator.cjs')), 'manifest-validator.cjs.v8cache');
if (!existsSync(validatorCache)) throw new Error(`bundle: ${validatorCache} is missing: build @wsbc/runtime first (pnpm build)`);
if (!readFileSync(validatorCache).includes(readFileSync(validator))) throw new Error(`bundle: ${validatorCache} was written for another validator than ${validator}`);
copyFileSync(validatorCache, join(dist, 'generated', 'manifest-validator.cjs.v8cache'));

// The runtime's sandbox worker, from the runtime package's build (see the header).
// The directory of the runtime's worker-script.js that was bundled: its worker lies beside it.
const workerScript = Object.keys(metafile.inputs).find((input) => /(?:^|[\\/])runtime[\\/]dist[\\/]worker-script\.js$/.test(input));
if (!workerScript) throw new Error('bundle: @wsbc/runtime was not bundled from its tsc output (dist/worker-script.js)');
const runtimeDir = dirname(join(packageDir, workerScript));
const sandboxWorker = join(runtimeDir, SANDBOX_WORKER);
if (!existsSync(sandboxWorker)) throw new Error(`bundle: ${sandboxWorker} is missing: build @wsbc/runtime first (pnpm build)`);
// The same staleness rule (and 2 s slack) as the runtime's own lookup (src/worker-script.ts): a worker bundled
// before the runtime's last tsc build would pair old worker code with the new host code inlined here.
const runtimeBuildInfo = join(runtimeDir, '.tsbuildinfo');
if (existsSync(runtimeBuildInfo) && statSync(runtimeBuildInfo).mtimeMs > statSync(sandboxWorker).mtimeMs + 2000) {
  throw new Error(`bundle: ${sandboxWorker} is older than the runtime's last tsc build: build @wsbc/runtime (pnpm build)`);
}
copyFileSync(sandboxWorker, join(outdir, SANDBOX_WORKER));
// Its V8 code cache (written by the runtime's build; it embeds the worker's bytes, so it is only
// used beside this exact copy: packages/runtime/src/worker-boot.ts).
const codeCache = `${sandboxWorker}.v8cache`;
if (!existsSync(codeCache)) throw new Error(`bundle: ${codeCache} is missing: build @wsbc/runtime first (pnpm build)`);
copyFileSync(codeCache, join(outdir, `${SANDBOX_WORKER}.v8cache`));

// Fail the build, not a user's run, if the layout the header relies on did not come out.
const entries = readdirSync(outdir, { withFileTypes: true });
if (!entries.some((entry) => entry.name === 'worker.js')) throw new Error('bundle: dist/bundle/worker.js was not written');
const nested = entries.filter((entry) => !entry.isFile());
if (nested.length > 0) throw new Error(`bundle: chunks outside dist/bundle/: ${nested.map((entry) => entry.name).join(', ')}`);
const chunks = entries.map((entry) => entry.name).filter((name) => name.endsWith('.js'));
const bundled = chunks.map((name) => readFileSync(join(outdir, name), 'utf8')).join('\n');
if (!bundled.includes("new URL(\"./worker.js\", import.meta.url)")) {
  throw new Error('bundle: the check pool no longer looks for ./worker.js next to itself');
}
if (!bundled.includes(`new URL("./${SANDBOX_WORKER}", import.meta.url)`)) {
  throw new Error(`bundle: the runtime no longer looks for ./${SANDBOX_WORKER} next to itself`);
}
// Every workspace package is inlined, not loaded from node_modules (which would bring second
// copies of the packages they share, and for the runtime its own worker lookup).
const stillExternal = /^(?:import|export)\b[^;]*?\bfrom\s*"(@wsbc\/[^"]+|wsbc)";|\bimport\("(@wsbc\/[^"]+|wsbc)"\)/m.exec(bundled);
if (stillExternal) throw new Error(`bundle: ${stillExternal[1] ?? stillExternal[2]} is still imported from node_modules`);
// typegen's lazy require of typescript, from a chunk (see the header).
createRequire(join(outdir, 'bin.js')).resolve('typescript');
// The copied worker must be the one-file CommonJS build: only node: built-ins may be required.
const workerText = readFileSync(join(outdir, SANDBOX_WORKER), 'utf8');
const requires = [...workerText.matchAll(/\brequire\(["']([^"']+)["']\)/g)].map((m) => m[1]).filter((name) => !name.startsWith('node:'));
if (requires.length > 0) throw new Error(`bundle: ${SANDBOX_WORKER} requires ${requires.join(', ')}; it must be self-contained`);
if (!existsSync(join(dist, 'generated', 'manifest-validator.cjs'))) throw new Error('bundle: validator not copied');
