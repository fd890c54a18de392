// Loading a CommonJS file through V8's code cache, when a cache written for exactly its bytes lies
// beside it (`<file>.v8cache`): V8 deserializes the bytecode instead of parsing and compiling.
// Used for the precompiled schema validator (validate.ts: about 5 ms of every cold process that
// validates a manifest, 1.3 ms from a cache), and exported for the other packages' bundles (the
// CLI's `wsbc run`, the runtime's sandbox worker), which ship their own caches.
//
// Who writes a cache: the build that ships the file, after running the code once, so that the
// cache holds the functions a run compiles and not only the file's top level. The manifest
// package's own generated/ directory has none, and then loadCommonJsWithCodeCache is not
// involved for the validator (plain require()).
//
// A cache is trusted for speed only: it is used only when it starts with the magic line and
// embeds a byte-for-byte copy of the file's current contents (V8 itself compares only the source
// length, so a rebuilt file of the same length would otherwise run old bytecode), and V8 still
// checks its own version and flags (a rejected cache means V8 compiled from source, and that is
// then used as is). It is read only from beside the file, in the directory of the code that loads
// it: whoever can write there can change the code itself.
//
// codeCacheFor and codeCacheFileContents use nothing but their parameters and globals: the
// runtime's worker boot code is their source text (Function.prototype.toString).
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** A cache file's name: the cached file's name plus this. */
export const CODE_CACHE_SUFFIX = '.v8cache';

/** How a file was compiled, for tests. */
export type CodeCacheUse = 'accepted' | 'rejected by V8' | 'not for this file';

/**
 * The V8 data in `cache` when it was written for exactly `source` (the file's bytes), else
 * undefined. Layout: the magic line `wsbc-v8-cache 1\n`, the source length (u32 little-endian),
 * the source bytes, V8's cached data.
 */
export function codeCacheFor(source: Buffer, cache: Buffer): Buffer | undefined {
  const magic = 'wsbc-v8-cache 1\n';
  const header = magic.length + 4;
  if (cache.length < header || cache.toString('latin1', 0, magic.length) !== magic) return undefined;
  const length = cache.readUInt32LE(magic.length);
  if (length !== source.length || cache.length <= header + length) return undefined;
  if (!source.equals(cache.subarray(header, header + length))) return undefined;
  return cache.subarray(header + length);
}

/** A cache file's contents for `source` and V8's cached data (the layout codeCacheFor reads), in pieces to concatenate. */
export function codeCacheFileContents(source: Buffer, data: Buffer): Buffer[] {
  const magic = Buffer.from('wsbc-v8-cache 1\n', 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(source.length, 0);
  return [magic, length, source, data];
}

/** A CommonJS file compiled (through `cachedData` when given) and run in Node's own module wrapper. */
export function runCommonJs(file: string, source: Buffer, cachedData?: Buffer): { exports: unknown; script: vm.Script } {
  const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return { exports: module.exports, script };
}

/**
 * Loads the CommonJS file `file` through its code cache. Undefined when there is no cache file
 * (the caller then require()s the file); otherwise the module's exports, however the cache fared.
 * The file is compiled in Node's CommonJS wrapper (Module.wrap), which a cache's writer must use
 * too (runCommonJs).
 */
export function loadCommonJsWithCodeCache(file: string): { exports: unknown; cache: CodeCacheUse } | undefined {
  let cache: Buffer;
  try {
    cache = fs.readFileSync(`${file}${CODE_CACHE_SUFFIX}`);
  } catch {
    return undefined;
  }
  const source = fs.readFileSync(file);
  const cachedData = codeCacheFor(source, cache);
  const { exports, script } = runCommonJs(file, source, cachedData);
  return { exports, cache: cachedData === undefined ? 'not for this file' : script.cachedDataRejected ? 'rejected by V8' : 'accepted' };
}
