// What a cold run() loads beyond what it needs. It changes V8's flags (for branch hints, V8 before
// 13.7) only for a module that carries a branch-hint section: a flag change makes every script
// compiled afterwards in the process lose V8's code caches, Node's own included (about 25 ms more
// CPU for a worker booting across it). And an unseeded pseudo-random run takes its seed from the
// kernel through node:fs, without loading node:crypto (about 3 ms).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const hello = fs.readFileSync(path.join(packageDir, 'test/conformance/wasm/hello.wasm'));

/** hello.wasm plus an empty `metadata.code.branch_hint` custom section (a valid one: no functions). */
function withHintSection(module: Buffer): Buffer {
  const name = Buffer.from('metadata.code.branch_hint');
  const content = Buffer.concat([Buffer.from([name.length]), name, Buffer.from([0])]);
  return Buffer.concat([module, Buffer.from([0, content.length]), content]);
}

/** Runs the module with the built runtime in a fresh process; reports the seed and whether node:v8 (only to set the flag) and node:crypto were loaded. */
function runFresh(module: Buffer) {
  const script = `
    import { run } from ${JSON.stringify(pathToFileURL(path.join(packageDir, 'dist/bundle/index.js')).href)};
    const policy = (await import('@wsbc/manifest')).normalize({}, { baseDir: '/' }).value;
    const r = await run(new Uint8Array(Buffer.from(${JSON.stringify(module.toString('base64'))}, 'base64')), { policy, env: {}, audit: 'off', stdout: { write() {} } });
    console.log(JSON.stringify({ status: r.status, seed: r.randomSeed, v8: process.moduleLoadList.includes('NativeModule v8'), crypto: process.moduleLoadList.includes('NativeModule crypto') }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8' });
  return JSON.parse(child.stdout.trim().split('\n').at(-1) || '{}') as { status: number; seed: number; v8: boolean; crypto: boolean };
}

describe('the branch-hint flag', () => {
  const [major = 0, minor = 0] = process.versions.v8.split('.').map(Number);
  const needsFlag = major < 13 || (major === 13 && minor < 7);

  it('is not touched for a module without a branch-hint section', () => {
    expect(runFresh(hello)).toMatchObject({ status: 0, v8: false });
  });

  it('is set (node:v8 loaded for it) for a module with one, where this V8 needs it, and the run is the same', () => {
    expect(runFresh(withHintSection(hello))).toMatchObject({ status: 0, v8: needsFlag });
  });
});

describe('the seed of an unseeded pseudo-random run', () => {
  it('is a fresh u32 for each run, taken without loading node:crypto', () => {
    const first = runFresh(hello);
    const second = runFresh(hello);
    expect(first.crypto).toBe(false);
    for (const seed of [first.seed, second.seed]) {
      expect(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff).toBe(true);
    }
    expect(first.seed).not.toBe(second.seed);
  });
});
