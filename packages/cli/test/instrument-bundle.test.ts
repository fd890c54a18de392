// `wsbc instrument` and `wsbc build` from the shipped bundle rewrite large modules on several
// threads: the instrumenter's worker (rewrite-worker.js) sits next to the chunks, the bundled pool
// finds it, and a module past PARALLEL_MIN_CODE_BYTES comes out byte-identical to instrument().
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { instrument, PARALLEL_MIN_CODE_BYTES } from '@wsbc/instrumenter';
import { locateRealModules } from '@wsbc/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { binPath } from './run-cli.js';

const bundleDir = dirname(binPath);
const dir = mkdtempSync(join(tmpdir(), 'wsbc-instrument-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wsbc instrument from the bundle', () => {
  it('ships the instrumenter\'s worker next to the chunks, and the bundled pool finds it', () => {
    expect(existsSync(join(bundleDir, 'rewrite-worker.js'))).toBe(true);
    const pool = readdirSync(bundleDir).find((name) => name.startsWith('rewrite-pool-'));
    expect(pool, 'the pool is its own chunk (loaded on demand)').toBeDefined();
    const probe = `const m = await import(${JSON.stringify(pathToFileURL(join(bundleDir, pool!)).href)}); console.log(m.workersAvailable());`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
    expect(child.stdout.trim(), child.stderr).toBe('true');
  });

  it('instruments a large module on worker threads to the same bytes as instrument()', () => {
    const esbuild = locateRealModules({ packages: ['esbuild-wasm'] }).modules.find((m) => m.name.endsWith('esbuild.wasm'));
    expect(esbuild, 'esbuild-wasm is installed').toBeDefined();
    const input = new Uint8Array(readFileSync(esbuild!.path));
    expect(input.length).toBeGreaterThan(PARALLEL_MIN_CODE_BYTES);
    const out = join(dir, 'esbuild.instrumented.wasm');
    // --jobs 2: the default leaves a CPU to the engine's compiler, which on 2 CPUs means one thread.
    const r = spawnSync(process.execPath, [binPath, 'instrument', esbuild!.path, '-o', out, '--jobs', '2'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const expected = instrument(input, { validate: false });
    expect(expected.ok).toBe(true);
    if (expected.ok) expect(Buffer.compare(readFileSync(out), Buffer.from(expected.value.bytes))).toBe(0);
  }, 60_000);
});
