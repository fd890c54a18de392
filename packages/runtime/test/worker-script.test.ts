// Where the sandbox worker comes from: one CommonJS file made by scripts/bundle-worker.cjs, found
// next to the built runtime (dist/sandbox-worker.cjs) or bundled from the sources under test.
// The built-package tests spawn Node on packages/runtime/dist (the package's `test` task depends
// on its `build`), so they check what users run, including the refusals of a broken build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerScriptUrl } from '../src/worker-script.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(packageDir, 'dist');
const hello = path.join(packageDir, 'test/conformance/wasm/hello.wasm');
const { bundleWorker } = createRequire(import.meta.url)('../scripts/bundle-worker.cjs') as {
  bundleWorker: (entry: string, outfile: string) => unknown;
};

/** `require("x")` and static `import ... from "x"` specifiers of a script. */
function loadedModules(text: string): string[] {
  return [
    ...[...text.matchAll(/\brequire\(["']([^"']+)["']\)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s*import\s[^'"]*from\s*["']([^"']+)["']/gm)].map((m) => m[1]!),
  ];
}

describe('the sandbox worker from the sources', () => {
  it('is one CommonJS file that loads only node: built-ins, in a directory named for the sources', () => {
    const url = workerScriptUrl();
    const file = fileURLToPath(url);
    expect(path.basename(file)).toBe('sandbox-worker.cjs');
    expect(path.basename(path.dirname(file))).toMatch(/^wsbc-runtime-worker-[0-9a-f]{16}$/);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith('"use strict";')).toBe(true);
    const modules = loadedModules(text);
    expect(modules.length).toBeGreaterThan(0);
    expect(modules.filter((name) => !name.startsWith('node:'))).toEqual([]);
    // Embedder host functions are ES modules, imported through the boot code's import()
    // (worker-boot.ts): the bundle must leave that free name alone.
    expect(text).toMatch(/await importModule\(config\.hostFunctions\)/);
    expect(workerScriptUrl()).toBe(url);
  });

  it('refuses to bundle a worker that imports another package (its state would be duplicated)', () => {
    const dir = fs.mkdtempSync(path.join(packageDir, '.cache', 'worker-import-'));
    try {
      const entry = path.join(dir, 'worker.ts');
      fs.writeFileSync(entry, "import { normalize } from '@wsbc/manifest';\nconsole.log(normalize);\n");
      expect(() => bundleWorker(entry, path.join(dir, 'out.cjs'))).toThrow(/must import only its own modules.*manifest/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// A copy of the built runtime's JavaScript inside the package (so that its bare imports of the
// other workspace packages resolve), with or without the worker file.
let copies: string;
beforeAll(() => {
  fs.mkdirSync(path.join(packageDir, '.cache'), { recursive: true });
  copies = fs.mkdtempSync(path.join(packageDir, '.cache', 'dist-copy-'));
});
afterAll(() => fs.rmSync(copies, { recursive: true, force: true }));

function copyDist(name: string, worker: 'missing' | 'older than the tsc build' | 'newer than the tsc build'): string {
  const target = path.join(copies, name);
  fs.cpSync(dist, target, {
    recursive: true,
    filter: (source) => !source.endsWith('.map') && !source.endsWith('.d.ts') && (worker !== 'missing' || path.basename(source) !== 'sandbox-worker.cjs'),
  });
  if (worker !== 'missing') {
    // The copy gives every file a new time; set the order under test explicitly.
    const workerTime = fs.statSync(path.join(target, 'sandbox-worker.cjs')).mtimeMs;
    const tscTime = new Date(workerTime + (worker === 'older than the tsc build' ? 60_000 : -60_000));
    fs.writeFileSync(path.join(target, '.tsbuildinfo'), '{}');
    fs.utimesSync(path.join(target, '.tsbuildinfo'), tscTime, tscTime);
  }
  return target;
}

/** Runs hello with run() from a built runtime in a fresh process; also reports prewarm(). */
function runBuilt(distDir: string, entry = 'index.js') {
  const script = `
    import { run, prewarm } from ${JSON.stringify(pathToFileURL(path.join(distDir, entry)).href)};
    const warm = await prewarm().then(() => 'ready', (error) => error.name + ': ' + error.message);
    const policy = (await import('@wsbc/manifest')).normalize({}, { baseDir: '/' }).value;
    const r = await run(${JSON.stringify(hello)}, { policy, env: {}, audit: 'off' });
    console.log(JSON.stringify({ warm, status: r.status, codes: r.diagnostics.map((d) => d.code) }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' });
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  if (!last.startsWith('{')) throw new Error(`the child printed no result (exit ${child.status}):\n${child.stdout}\n${child.stderr}`);
  return { ...(JSON.parse(last) as { warm: string; status: number; codes: string[] }), stdout: child.stdout, stderr: child.stderr, exit: child.status };
}

describe('the sandbox worker of the built runtime', () => {
  it('runs a guest from dist/sandbox-worker.cjs', () => {
    expect(fs.existsSync(path.join(dist, 'sandbox-worker.cjs')), 'packages/runtime/dist is not built: run `pnpm build`').toBe(true);
    const r = runBuilt(dist);
    expect(r.warm).toBe('ready');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^argc=1$/m);
    expect(r.exit).toBe(0);
  });

  it('refuses the run, naming the build step, when the worker file is missing (no fallback)', () => {
    const r = runBuilt(copyDist('missing', 'missing'));
    expect(r.warm).toMatch(/^WorkerScriptError: the sandbox worker .*sandbox-worker\.cjs is missing; build @wsbc\/runtime with `pnpm build`/);
    expect(r.status).toBe(125);
    expect(r.codes).toEqual(['run/worker-failed']);
    expect(r.stderr).toMatch(/wsbc: run refused: the sandbox worker .* is missing/);
    expect(r.stdout).not.toMatch(/argc=/);
  });

  it('refuses a worker bundle older than the last tsc build of the runtime (old worker, new host)', () => {
    const r = runBuilt(copyDist('stale', 'older than the tsc build'));
    expect(r.warm).toMatch(/^WorkerScriptError: .* is older than the last tsc build of the runtime/);
    expect(r.status).toBe(125);
    expect(r.codes).toEqual(['run/worker-failed']);
    expect(r.stdout).not.toMatch(/argc=/);
  });

  it('exports prewarm() from @wsbc/runtime/prewarm as the same function, so both start the one pool run() takes from', () => {
    const script = `
      const sub = await import('@wsbc/runtime/prewarm');
      const main = await import('@wsbc/runtime');
      const error = new main.WorkerScriptError('x');
      console.log(JSON.stringify({ same: sub.prewarm === main.prewarm, keys: Object.keys(sub), error: [error instanceof Error, error.name] }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' });
    expect(JSON.parse(child.stdout.trim())).toEqual({ same: true, keys: ['prewarm'], error: [true, 'WorkerScriptError'] });
  });

  it('runs from a copy whose worker is as new as its build', () => {
    const r = runBuilt(copyDist('fresh', 'newer than the tsc build'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^argc=1$/m);
  });
});

describe('the bundle the package exports (dist/bundle/, written by scripts/bundle.cjs)', () => {
  const bundle = path.join(dist, 'bundle');

  it('is what @wsbc/runtime and @wsbc/runtime/prewarm resolve to, and imports only node: built-ins and the lazily loaded instrumenter', () => {
    const script = `console.log(JSON.stringify([import.meta.resolve('@wsbc/runtime'), import.meta.resolve('@wsbc/runtime/prewarm')]));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' });
    expect(JSON.parse(child.stdout.trim())).toEqual([pathToFileURL(path.join(bundle, 'index.js')).href, pathToFileURL(path.join(bundle, 'prewarm.js')).href]);
    const files = fs.readdirSync(bundle).filter((name) => name.endsWith('.js'));
    expect(files.length).toBeLessThanOrEqual(4);
    const imported = new Set(files.flatMap((name) => {
      const text = fs.readFileSync(path.join(bundle, name), 'utf8');
      return [...text.matchAll(/^import\b[^;]*?\bfrom\s*"([^"]+)";|\bimport\("([^"]+)"\)/gm)].map((m) => m[1] ?? m[2]!);
    }));
    expect([...imported].filter((name) => !name.startsWith('node:') && !name.startsWith('./'))).toEqual(['@wsbc/instrumenter']);
  });

  it('runs a guest, with its worker copied next to its chunks', () => {
    expect(fs.existsSync(path.join(bundle, 'sandbox-worker.cjs')), 'packages/runtime/dist/bundle is not built: run `pnpm build`').toBe(true);
    const r = runBuilt(dist, 'bundle/index.js');
    expect(r.warm).toBe('ready');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^argc=1$/m);
  });

  it('refuses the run when its worker is missing', () => {
    const r = runBuilt(copyDist('bundle-missing', 'missing'), 'bundle/index.js');
    expect(r.warm).toMatch(/^WorkerScriptError: the sandbox worker .*bundle[\\/]sandbox-worker\.cjs is missing/);
    expect(r.status).toBe(125);
    expect(r.codes).toEqual(['run/worker-failed']);
  });

  it('refuses the run when tsc built the sources after the bundle was written (the bundle step did not run)', () => {
    const r = runBuilt(copyDist('bundle-stale', 'older than the tsc build'), 'bundle/index.js');
    expect(r.warm).toMatch(/^WorkerScriptError: .*bundle[\\/]sandbox-worker\.cjs is older than the last tsc build of the runtime/);
    expect(r.status).toBe(125);
    expect(r.stdout).not.toMatch(/argc=/);
  });

  it('runs from a copy whose bundle is as new as its tsc build', () => {
    const r = runBuilt(copyDist('bundle-fresh', 'newer than the tsc build'), 'bundle/index.js');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^argc=1$/m);
  });
});
