// Where the sandbox worker's code lives: one CommonJS file, `sandbox-worker.cjs`, made by
// scripts/bundle-worker.cjs (one file boots faster than a graph of ES modules).
// - Built code (this file is dist/worker-script.js, or a chunk of a bundle such as the CLI's):
//   the file next to this one. The package build writes dist/sandbox-worker.cjs; a bundle that
//   inlines the runtime must put the file next to its chunks (packages/cli/scripts/bundle.mjs
//   does, and checks it). A missing file, or one older than the tsc output beside it, is an
//   error naming the build step, never a fallback.
// - TypeScript sources (tests, the `@wsbc/source` condition; Node 20 cannot start a worker from
//   .ts): the current sources are bundled with the same recipe into a directory under the OS
//   temp dir named for a hash of the sources, so they are bundled once per change.
// Synchronous, so that run() can start its worker before doing anything else.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The worker file cannot be found or made: a broken installation, not a problem of the run. */
export class WorkerScriptError extends Error {
  override name = 'WorkerScriptError';
}

const WORKER_FILE = 'sandbox-worker.cjs';
/** Where tsc's build info lies relative to this file; set by the package's bundle step (scripts/bundle.cjs), else unset. */
declare const WSBC_TSBUILDINFO: string | undefined;
const STALE_SLACK_MS = 2000;
let located: URL | undefined;

/** The worker's URL. Throws WorkerScriptError when the built file is missing. */
export function workerScriptUrl(): URL {
  located ??= locate();
  return located;
}

function locate(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    try {
      return bundleSources(path.dirname(here));
    } catch (error) {
      throw new WorkerScriptError(`cannot bundle the sandbox worker from the sources in ${path.dirname(here)}: ${(error as Error).message}`);
    }
  }
  // A literal, so that bundlers keep it as written and packages/cli/scripts/bundle.mjs can check it.
  const url = new URL('./sandbox-worker.cjs', import.meta.url);
  const built = statOrNull(url);
  const rebuild = 'build @wsbc/runtime with `pnpm build` (or run `node scripts/bundle.cjs` in packages/runtime): `tsc -b` alone does not write it';
  if (built === null) throw new WorkerScriptError(`the sandbox worker ${fileURLToPath(url)} is missing; ${rebuild}`);
  // In the package's own dist/, tsc -b rewrites .tsbuildinfo whenever it compiles changed sources:
  // newer than the worker means the run would pair old worker code with new host code (tsc's
  // dist/*.js), or, from the package's bundle in dist/bundle/ (which its build script writes
  // together with the worker, and points at dist/.tsbuildinfo through WSBC_TSBUILDINFO), that the
  // bundle step did not run after the sources changed. (Other bundles of the runtime, such as the
  // CLI's, have no .tsbuildinfo; a packed package has equal times.) The slack covers tools that
  // restore both files in either order (turbo's cache).
  const compiled = statOrNull(new URL(typeof WSBC_TSBUILDINFO === 'string' ? WSBC_TSBUILDINFO : './.tsbuildinfo', import.meta.url));
  if (compiled !== null && compiled.mtimeMs > built.mtimeMs + STALE_SLACK_MS) {
    throw new WorkerScriptError(`the sandbox worker ${fileURLToPath(url)} is older than the last tsc build of the runtime; ${rebuild}`);
  }
  return url;
}

function statOrNull(url: URL): fs.Stats | null {
  try {
    return fs.statSync(url);
  } catch {
    return null;
  }
}

function bundleSources(srcDir: string): URL {
  // Every source file, not only the worker's imports: cheaper than tracing the graph, and a
  // change anywhere in src/ only costs one more bundle.
  // node:crypto only here: the built runtime never needs it to find its worker.
  const requireHere = createRequire(import.meta.url);
  const hash = (requireHere('node:crypto') as typeof import('node:crypto')).createHash('sha256');
  for (const rel of (fs.readdirSync(srcDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort()) {
    hash.update(rel).update('\0').update(fs.readFileSync(path.join(srcDir, rel))).update('\0');
  }
  const script = path.join(srcDir, '..', 'scripts', 'bundle-worker.cjs');
  hash.update(fs.readFileSync(script));
  const dir = path.join(os.tmpdir(), `wsbc-runtime-worker-${hash.digest('hex').slice(0, 16)}`);
  const entry = path.join(dir, WORKER_FILE);
  if (!fs.existsSync(entry)) {
    // esbuild is a devDependency: sources only run in the workspace. Loaded through require so
    // that bundles of the built runtime never see it.
    const { bundleWorker } = requireHere(script) as { bundleWorker: (entry: string, outfile: string) => unknown };
    const staging = path.join(`${dir}.${process.pid}.${Date.now()}`, WORKER_FILE);
    bundleWorker(path.join(srcDir, 'worker.ts'), staging);
    try {
      fs.renameSync(path.dirname(staging), dir);
    } catch {
      // Another process finished first; its copy is identical.
      fs.rmSync(path.dirname(staging), { recursive: true, force: true });
    }
  }
  return pathToFileURL(entry);
}
