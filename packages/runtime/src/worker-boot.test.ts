// The sandbox worker's code cache is trusted for speed only: it is used only when it was written
// for exactly the worker file's current bytes, and V8 still checks its own version and flags.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { codeCacheFileContents, codeCacheFor } from '@wsbc/manifest';
import { bootSource, cacheFileContents, CODE_CACHE_SUFFIX, matchingCachedData, type BootData } from './worker-boot.js';

const source = Buffer.from('module.exports = 1;\n');
const data = Buffer.from([1, 2, 3, 4, 5]);
const cacheFor = (src: Buffer, v8: Buffer) => Buffer.concat(cacheFileContents(src, v8, Buffer.from));

describe('matchingCachedData', () => {
  it('reads and writes the same files as @wsbc/manifest\'s code caches (it is a copy, see worker-boot.ts)', () => {
    expect(matchingCachedData(source, Buffer.concat(codeCacheFileContents(source, data)))).toEqual(data);
    expect(codeCacheFor(source, cacheFor(source, data))).toEqual(data);
    const other = Buffer.from('module.exports = 2;\n');
    expect(codeCacheFor(source, cacheFor(other, data))).toBeUndefined();
  });

  it('returns the V8 data of a cache written for the same bytes', () => {
    expect(matchingCachedData(source, cacheFor(source, data))).toEqual(data);
  });

  it('refuses a cache written for other bytes of the same length (V8 would only compare lengths)', () => {
    const other = Buffer.from('module.exports = 2;\n');
    expect(other.length).toBe(source.length);
    expect(matchingCachedData(source, cacheFor(other, data))).toBeUndefined();
  });

  it('refuses a cache for a longer or shorter source, a wrong magic, a truncated file and one without V8 data', () => {
    expect(matchingCachedData(source, cacheFor(Buffer.concat([source, Buffer.from(' ')]), data))).toBeUndefined();
    expect(matchingCachedData(source, cacheFor(source.subarray(1), data))).toBeUndefined();
    const wrongMagic = cacheFor(source, data);
    wrongMagic[0] = wrongMagic[0]! ^ 1;
    expect(matchingCachedData(source, wrongMagic)).toBeUndefined();
    const full = cacheFor(source, data);
    for (const cut of [0, 3, 16, 19, 20, 30, full.length - data.length]) expect(matchingCachedData(source, full.subarray(0, cut))).toBeUndefined();
    // A length field that claims more than the file holds.
    const lying = cacheFor(source, data);
    lying.writeUInt32LE(0xffffffff, 16);
    expect(matchingCachedData(source, lying)).toBeUndefined();
  });
});

/** Starts the boot code on `script` and resolves with the first message the script posts. */
function boot(script: string, writeCache: boolean): Promise<unknown> {
  const workerData: BootData = { script, cache: `${script}${CODE_CACHE_SUFFIX}`, writeCache };
  const worker = new Worker(bootSource(), { eval: true, workerData, stdout: false, stderr: false, execArgv: [] });
  return new Promise((resolve, reject) => {
    worker.once('message', (message) => {
      void worker.terminate();
      resolve(message);
    });
    worker.once('error', reject);
  });
}

describe('the boot code', () => {
  it('runs the worker file as CommonJS with the boot code\'s import(), writes a cache after the first `done`, and runs a wrong cache as if there were none', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsbc-boot-'));
    try {
      const script = path.join(dir, 'w.cjs');
      const body = (answer: string) => `const { parentPort } = require('node:worker_threads');
importModule(${JSON.stringify(pathToFileURL(path.join(dir, 'dep.mjs')).href)}).then((dep) => parentPort.postMessage({ t: 'done', answer: ${answer}, dep: dep.default, file: __filename, module: typeof module.exports }));\n`;
      fs.writeFileSync(path.join(dir, 'dep.mjs'), 'export default "imported";\n');
      fs.writeFileSync(script, body('"A"'));
      expect(await boot(script, true)).toEqual({ t: 'done', answer: 'A', dep: 'imported', file: script, module: 'object' });
      const cache = fs.readFileSync(`${script}${CODE_CACHE_SUFFIX}`);
      expect(matchingCachedData(fs.readFileSync(script), cache)?.length).toBeGreaterThan(0);
      expect(await boot(script, false)).toMatchObject({ answer: 'A' });
      // Rewritten to the same length: the old cache no longer matches, and the new code runs.
      fs.writeFileSync(script, body('"B"'));
      expect(matchingCachedData(fs.readFileSync(script), cache)).toBeUndefined();
      expect(await boot(script, false)).toMatchObject({ answer: 'B' });
      // A cache file that is garbage is ignored.
      fs.writeFileSync(`${script}${CODE_CACHE_SUFFIX}`, 'not a cache');
      expect(await boot(script, false)).toMatchObject({ answer: 'B' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the code caches of the build (scripts/bundle.cjs)', () => {
  const dist = fileURLToPath(new URL('../dist/', import.meta.url));

  it('lies beside both copies of the worker, matches their bytes and is accepted by this node', () => {
    for (const worker of [path.join(dist, 'sandbox-worker.cjs'), path.join(dist, 'bundle', 'sandbox-worker.cjs')]) {
      expect(fs.existsSync(`${worker}${CODE_CACHE_SUFFIX}`), `${worker}${CODE_CACHE_SUFFIX} is missing: run \`pnpm build\``).toBe(true);
      // A fresh `node` without vitest's flags, as users run it.
      const script = `
        import fs from 'node:fs'; import vm from 'node:vm';
        import { wrapCommonJs, matchingCachedData } from ${JSON.stringify(pathToFileURL(path.join(dist, 'worker-boot.js')).href)};
        const file = ${JSON.stringify(worker)};
        const source = fs.readFileSync(file);
        const cachedData = matchingCachedData(source, fs.readFileSync(file + ${JSON.stringify(CODE_CACHE_SUFFIX)}));
        const script = new vm.Script(wrapCommonJs(source.toString('utf8')), { filename: file, cachedData });
        console.log(JSON.stringify({ matched: cachedData !== undefined, rejected: script.cachedDataRejected }));`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(JSON.parse(child.stdout.trim() || '{}'), child.stderr).toEqual({ matched: true, rejected: false });
    }
  });

  it('writes the manifest validator\'s cache beside the copy the bundle loads, for its bytes, in the wrapper @wsbc/manifest compiles it in', () => {
    const validator = path.join(dist, 'generated', 'manifest-validator.cjs');
    const script = `
      import fs from 'node:fs'; import vm from 'node:vm'; import Module from 'node:module';
      import { matchingCachedData } from ${JSON.stringify(pathToFileURL(path.join(dist, 'worker-boot.js')).href)};
      const file = ${JSON.stringify(validator)};
      const source = fs.readFileSync(file);
      const cachedData = matchingCachedData(source, fs.readFileSync(file + '.v8cache'));
      const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename: file, cachedData });
      console.log(JSON.stringify({ matched: cachedData !== undefined, rejected: script.cachedDataRejected }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(child.stdout.trim() || '{}'), child.stderr).toEqual({ matched: true, rejected: false });
  });
});
