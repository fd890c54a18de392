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
// - dist/bundle/rewrite-worker.js is the instrumenter's worker for instrumentAsync (`wsbc
//   instrument` and `wsbc build` rewrite large modules on several threads), its own entry, found
//   by the pool's `new URL('./rewrite-worker.js', import.meta.url)` from whichever chunk holds it.
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
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(packageDir, 'dist');
const outdir = join(dist, 'bundle');

const external = ['typescript'];
const requireFromCli = createRequire(join(packageDir, 'package.json'));
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
  entryPoints: { bin: join(dist, 'bin.js'), worker: join(dist, 'check', 'worker.js'), 'rewrite-worker': join(dirname(requireFromCli.resolve('@wsbc/instrumenter')), 'rewrite-worker.js') },
  plugins: [runCommandApart],
});
chmodSync(join(outdir, 'bin.js'), 0o755);

// `wsbc run` is built apart, as CommonJS compiled through a V8 code cache. Shared with the other
// commands as ES modules, its code was spread over ~20 chunks, and on Node 20 every ES module
// costs a resolution, a read, a link and a compile that no cache can spare; one CommonJS file
// whose bytecode V8 deserializes from a cache written after real runs costs about 20 ms of CPU
// less per `wsbc run` (docs/benchmarks.md, "Runtime, round 4"). The files:
//   - run-command.cjs: the command and everything it uses (lazily loaded pieces, such as the
//     instrumenter for --instrument, are inlined and initialised on first use), with its code
//     cache run-command.cjs.v8cache (@wsbc/manifest's code-cache.ts: used only for these exact
//     bytes and when V8 accepts it);
//   - run-command.js: what the dispatcher imports; loads run-command.cjs through the cache;
//   - run-pool.cjs: the runtime's sandbox worker pool, required by run-command.cjs and, through
//     run-pool.js, by the dispatcher's prewarm() (which boots the worker while the command
//     loads): one module instance, so the run takes the prewarmed worker.
// The pieces both builds contain (exit codes, version) hold no state. import.meta.url, which the
// runtime and the manifest use to find files beside them, is the CommonJS file's own URL.
/**
 * In the run build, the modules of the packages `wsbc run` reaches only through the `wsbc` index's
 * re-exports (the instrumenter, which the runtime loads itself when --instrument asks, the
 * analyzer, typegen) and the `wsbc` package's own modules are declared free of side effects, so
 * that the names the command does not use are left out instead of being loaded with it; the
 * manifest package's too, so that run-command.js keeps only the code-cache loader. They have
 * none: no module of those packages does anything at load time but define functions, classes and
 * constants (the packages that register diagnostic codes when loaded, @wsbc/artifact and
 * @wsbc/policy-dsl, are not in the list).
 */
const PURE_PACKAGES = /[\\/]packages[\\/](?:wsbc|instrumenter|analyzer|typegen|manifest)[\\/]dist[\\/]/;
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

const RUN_COMMAND_CJS = 'run-command.cjs';
/** The code cache's suffix (@wsbc/manifest's CODE_CACHE_SUFFIX). */
const CODE_CACHE_SUFFIX = '.v8cache';
const RUN_POOL_CJS = 'run-pool.cjs';
// tsc's output of the runtime (the package's default export is its bundle, in dist/bundle/).
const runtimeDist = join(dirname(requireFromCli.resolve('@wsbc/runtime')), '..');
const runtimeWorkerPool = join(runtimeDist, 'worker-pool.js');
if (!existsSync(runtimeWorkerPool)) throw new Error(`bundle: ${runtimeWorkerPool} is missing: build @wsbc/runtime first (pnpm build)`);
const commonJs = {
  ...common,
  splitting: false,
  format: 'cjs',
  outdir: undefined,
  define: { 'import.meta.url': '__wsbcImportMetaUrl' },
  banner: { js: '"use strict";\nconst __wsbcImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
};
// The pool and the worker lookup (whose WorkerScriptError run() tells apart by class) are one
// module instance for both the dispatcher and the command.
const POOL_MODULES = ['worker-pool.js', 'worker-script.js'];
const poolBuild = await build({
  ...commonJs,
  stdin: { resolveDir: runtimeDist, sourcefile: 'run-pool-entry.js', contents: POOL_MODULES.map((name) => `export * from './${name}';\n`).join('') },
  outfile: join(outdir, RUN_POOL_CJS),
});
const poolApart = {
  name: 'pool-apart',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\/worker-(?:pool|script)\.js$/ }, (args) => (args.resolveDir === runtimeDist ? { path: `./${RUN_POOL_CJS}`, external: true } : undefined));
  },
};
const runBuild = await build({
  ...commonJs,
  entryPoints: [join(dist, 'commands', 'run.js')],
  outfile: join(outdir, RUN_COMMAND_CJS),
  plugins: [poolApart, unusedReExportsLeftOut],
});
writeFileSync(join(outdir, RUN_POOL), `// The sandbox worker pool of \`wsbc run\` (${RUN_POOL_CJS}), for the dispatcher's prewarm().\nimport { createRequire } from 'node:module';\nexport const { prewarm } = createRequire(import.meta.url)('./${RUN_POOL_CJS}');\n`);
await build({
  ...common,
  splitting: false,
  outdir: undefined,
  outfile: join(outdir, RUN_COMMAND),
  stdin: {
    resolveDir: packageDir,
    sourcefile: 'run-command-loader.js',
    contents: `// \`wsbc run\`: ${RUN_COMMAND_CJS} compiled through its V8 code cache when one lies beside it.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadCommonJsWithCodeCache } from '@wsbc/manifest';
const file = fileURLToPath(new URL('./${RUN_COMMAND_CJS}', import.meta.url));
const loaded = loadCommonJsWithCodeCache(file)?.exports ?? createRequire(import.meta.url)(file);
export default loaded.default;
`,
  },
  plugins: [unusedReExportsLeftOut],
});
for (const result of [poolBuild, runBuild]) {
  for (const [name, output] of Object.entries(result.metafile.outputs)) metafile.outputs[name] = output;
  for (const [name, input] of Object.entries(result.metafile.inputs)) metafile.inputs[name] ??= input;
}
if (Object.keys(runBuild.metafile.inputs).some((input) => /(?:^|[\\/])runtime[\\/]dist[\\/]worker-(?:pool|script)\.js$/.test(input))) {
  throw new Error(`bundle: ${RUN_COMMAND_CJS} has its own copy of the sandbox worker pool or lookup; prewarm() and run() must share ${RUN_POOL_CJS}`);
}
for (const file of [RUN_COMMAND, RUN_POOL, RUN_COMMAND_CJS, RUN_POOL_CJS]) {
  if (!existsSync(join(outdir, file))) throw new Error(`bundle: dist/bundle/${file} was not written`);
}
if (statSync(join(outdir, RUN_COMMAND)).size > 16 * 1024) throw new Error(`bundle: dist/bundle/${RUN_COMMAND} should be the code-cache loader alone`);
if (!readFileSync(join(outdir, 'bin.js'), 'utf8').includes(`import("./${RUN_POOL}")`)) throw new Error(`bundle: the dispatcher does not prewarm from ./${RUN_POOL}`);

// The validator the manifest package requires relative to its own file (see the header).
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
for (const entry of ['worker.js', 'rewrite-worker.js']) {
  if (!entries.some((e) => e.name === entry)) throw new Error(`bundle: dist/bundle/${entry} was not written`);
}
const nested = entries.filter((entry) => !entry.isFile());
if (nested.length > 0) throw new Error(`bundle: chunks outside dist/bundle/: ${nested.map((entry) => entry.name).join(', ')}`);
const chunks = entries.map((entry) => entry.name).filter((name) => name.endsWith('.js'));
const bundled = chunks.map((name) => readFileSync(join(outdir, name), 'utf8')).join('\n');
if (!bundled.includes("new URL(\"./worker.js\", import.meta.url)")) {
  throw new Error('bundle: the check pool no longer looks for ./worker.js next to itself');
}
if (!bundled.includes("new URL(\"./rewrite-worker.js\", import.meta.url)")) {
  throw new Error('bundle: the instrumenter\'s pool no longer looks for ./rewrite-worker.js next to itself');
}
if (!readFileSync(join(outdir, RUN_POOL_CJS), 'utf8').includes(`new URL("./${SANDBOX_WORKER}", __wsbcImportMetaUrl)`)) {
  throw new Error(`bundle: the runtime no longer looks for ./${SANDBOX_WORKER} next to itself (${RUN_POOL_CJS})`);
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

// The code cache of run-command.cjs (see above), written in a fresh `node` (V8 accepts a cache
// only from the same V8 with the same flags: the `node` users run) after real runs through the
// files just written: a plain module under a manifest with --allow-unvetted, then a vetted
// artifact. The sample is the runtime's hello.wasm (its conformance suite's). A vetted artifact
// carries branch hints, for which run() changes a V8 flag just before it compiles the guest; the
// flags are part of what a cache is checked against, and the command file is compiled before any
// flag changes, so the cache is written at that moment (or at the end if no flag changes).
{
  const work = mkdtempSync(join(tmpdir(), 'wsbc-cli-cache-'));
  try {
    const sample = join(runtimeDist, '..', 'test', 'conformance', 'wasm', 'hello.wasm');
    writeFileSync(join(work, 'hello.wsp'), 'policy "hello" extends minimal {\n}\n');
    const bin = join(outdir, 'bin.js');
    for (const argv of [['compile', 'hello.wsp', '-o', 'hello.json'], ['build', sample, '--policy', 'hello.wsp', '-o', 'hello.vetted.wasm']]) {
      const made = spawnSync(process.execPath, [bin, ...argv], { cwd: work, encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`bundle: wsbc ${argv[0]} for the code cache failed:\n${made.stderr}`);
    }
    const file = join(outdir, RUN_COMMAND_CJS);
    const writer = `
      import fs from 'node:fs';
      import { Readable } from 'node:stream';
      import { codeCacheFileContents, runCommonJs } from '@wsbc/manifest';
      const file = ${JSON.stringify(file)};
      const source = fs.readFileSync(file);
      const { exports, script } = runCommonJs(file, source);
      import v8 from 'node:v8';
      let written = false;
      const write = () => {
        if (written) return;
        written = true;
        fs.writeFileSync(file + ${JSON.stringify(CODE_CACHE_SUFFIX)}, Buffer.concat(codeCacheFileContents(source, script.createCachedData())));
      };
      const setFlags = v8.setFlagsFromString;
      v8.setFlagsFromString = (flags) => {
        write();
        setFlags.call(v8, flags);
      };
      const sink = { write: () => true };
      for (const argv of [[${JSON.stringify(sample)}, '--policy', 'hello.json', '--allow-unvetted'], ['hello.vetted.wasm']]) {
        const status = await exports.default.run({ argv, cwd: ${JSON.stringify(work)}, env: {}, stdin: Readable.from([]), stdout: sink, stderr: sink });
        if (status !== 0) throw new Error('wsbc run ' + argv.join(' ') + ' ended with ' + status);
      }
      write();`;
    const written = spawnSync(process.execPath, ['--input-type=module', '-e', writer], { cwd: packageDir, encoding: 'utf8' });
    if (written.status !== 0) throw new Error(`bundle: writing the code cache of ${RUN_COMMAND_CJS} failed:\n${written.stderr}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
