// A code cache is trusted for speed only: it is used only when written for exactly the file's
// bytes; any other cache still gives the file's real code, compiled from source.
import fs from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeCacheFor, codeCacheFileContents, CODE_CACHE_SUFFIX, loadCommonJsWithCodeCache } from './code-cache.js';

const MAGIC = Buffer.from('wsbc-v8-cache 1\n', 'latin1');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsbc-validator-cache-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * What the cache's writer does (the runtime's build-code-cache.ts): compile in Module.wrap, run,
 * then cache. Under another file name than the loader's: V8 keeps scripts it compiled in this
 * process by name and source, and a hit there would skip the cached data altogether.
 */
function writeCache(file: string, forSource = fs.readFileSync(file)): Buffer {
  const script = new vm.Script(Module.wrap(forSource.toString('utf8')), { filename: `${file}#writer` });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, undefined, module, file, dir);
  (module.exports as () => unknown)();
  const length = Buffer.alloc(4);
  length.writeUInt32LE(forSource.length);
  const data = script.createCachedData();
  fs.writeFileSync(`${file}${CODE_CACHE_SUFFIX}`, Buffer.concat([MAGIC, length, forSource, data]));
  return data;
}

function module(name: string, answer: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `module.exports = () => ${answer};\nmodule.exports.where = __filename;\n`);
  return file;
}

describe('loadCommonJsWithCodeCache', () => {
  it('is not involved when there is no cache file (the caller require()s the file)', () => {
    expect(loadCommonJsWithCodeCache(module('plain.cjs', '"A"'))).toBeUndefined();
  });

  it('uses a cache written for the same bytes, and runs the file as CommonJS', () => {
    const file = module('same.cjs', '"A"');
    writeCache(file);
    const loaded = loadCommonJsWithCodeCache(file)!;
    expect(loaded.cache).toBe('accepted');
    expect((loaded.exports as () => string)()).toBe('A');
    expect((loaded.exports as { where: string }).where).toBe(file);
  });

  it('ignores a cache written for other bytes of the same length and runs the current file', () => {
    const file = module('changed.cjs', '"A"');
    const old = fs.readFileSync(file);
    writeCache(file);
    module('changed.cjs', '"B"');
    expect(fs.readFileSync(file).length).toBe(old.length);
    const loaded = loadCommonJsWithCodeCache(file)!;
    expect(loaded.cache).toBe('not for this file');
    expect((loaded.exports as () => string)()).toBe('B');
  });

  it('runs the file from source when V8 refuses the cache data (corrupted), or the cache file is garbage', () => {
    const file = module('corrupt.cjs', '"C"');
    writeCache(file);
    const cache = fs.readFileSync(`${file}${CODE_CACHE_SUFFIX}`);
    const dataStart = MAGIC.length + 4 + fs.readFileSync(file).length;
    for (let i = dataStart; i < dataStart + 16; i++) cache[i] = cache[i]! ^ 0xff;
    fs.writeFileSync(`${file}${CODE_CACHE_SUFFIX}`, cache);
    const loaded = loadCommonJsWithCodeCache(file)!;
    expect(loaded.cache).toBe('rejected by V8');
    expect((loaded.exports as () => string)()).toBe('C');
    fs.writeFileSync(`${file}${CODE_CACHE_SUFFIX}`, 'garbage');
    expect(loadCommonJsWithCodeCache(file)).toMatchObject({ cache: 'not for this file' });
  });
});

describe('codeCacheFor', () => {
  const source = Buffer.from('module.exports = 1;\n');
  const data = Buffer.from([9, 8, 7]);
  const cache = (src: Buffer, extra = data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(src.length);
    return Buffer.concat([MAGIC, length, src, extra]);
  };

  it('returns the V8 data only for the exact source, never for a truncated, lying or empty-data cache', () => {
    expect(codeCacheFor(source, cache(source))).toEqual(data);
    expect(codeCacheFor(source, cache(Buffer.from('module.exports = 2;\n')))).toBeUndefined();
    expect(codeCacheFor(source, cache(source, Buffer.alloc(0)))).toBeUndefined();
    const full = cache(source);
    for (const cut of [0, 10, 19, 20, 25, full.length - data.length]) expect(codeCacheFor(source, full.subarray(0, cut))).toBeUndefined();
    const lying = cache(source);
    lying.writeUInt32LE(0xffffffff, MAGIC.length);
    expect(codeCacheFor(source, lying)).toBeUndefined();
  });
});

describe('codeCacheFileContents', () => {
  it('writes what codeCacheFor reads back', () => {
    const source = Buffer.from('module.exports = 3;\n');
    const data = Buffer.from([1, 2]);
    expect(codeCacheFor(source, Buffer.concat(codeCacheFileContents(source, data)))).toEqual(data);
  });
});
