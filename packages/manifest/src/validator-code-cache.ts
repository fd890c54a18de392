// Loading the precompiled schema validator (generated/manifest-validator.cjs) through V8's code
// cache, when a cache written for exactly its bytes lies beside it (`<file>.v8cache`). Why: the
// validator is 110 KB of machine-written code; parsing it and compiling the functions of the
// first validation cost about 5 ms of every cold process that validates a manifest (`wsbc run`,
// `run()` with a manifest.json), about 1.3 ms from a cache.
//
// Who writes the cache: the builds that ship the validator beside their bundles (the runtime's
// scripts/bundle.cjs, whose cache the CLI's bundle copies), after running the validator once so
// that the cache holds the functions a validation uses. The manifest package's own generated/
// directory has none, and then this module is not involved (plain require()).
//
// The cache is trusted for speed only: it is used only when it starts with CACHE_MAGIC and
// embeds a byte-for-byte copy of the validator file's current contents (V8 itself compares only
// the source length), and V8 still checks its own version and flags (a rejected cache means V8
// compiled from source, which is then used as is). It is read only from beside the validator,
// in the directory of the code that loads it. The file is compiled in Node's own CommonJS
// wrapper (Module.wrap), the text the cache's writer compiles too.
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** The cache file's name: the validator file's name plus this. */
export const CODE_CACHE_SUFFIX = '.v8cache';
const CACHE_MAGIC = 'wsbc-v8-cache 1\n';

/** How the file was compiled, for tests. */
export type CodeCacheUse = 'accepted' | 'rejected by V8' | 'not for this file' | 'absent';

/**
 * The V8 data in `cache` when it was written for exactly `source`, else undefined. Layout:
 * CACHE_MAGIC, source length (u32 little-endian), the source bytes, V8's cached data.
 */
export function cachedDataFor(source: Buffer, cache: Buffer): Buffer | undefined {
  const header = CACHE_MAGIC.length + 4;
  if (cache.length < header || cache.toString('latin1', 0, CACHE_MAGIC.length) !== CACHE_MAGIC) return undefined;
  const length = cache.readUInt32LE(CACHE_MAGIC.length);
  if (length !== source.length || cache.length <= header + length) return undefined;
  if (!source.equals(cache.subarray(header, header + length))) return undefined;
  return cache.subarray(header + length);
}

/**
 * Loads the CommonJS file `file` through its code cache. Undefined when there is no cache file
 * (the caller then require()s the file); otherwise the module's exports, however the cache fared.
 */
export function loadWithCodeCache(file: string): { exports: unknown; cache: CodeCacheUse } | undefined {
  let cache: Buffer;
  try {
    cache = fs.readFileSync(`${file}${CODE_CACHE_SUFFIX}`);
  } catch {
    return undefined;
  }
  const source = fs.readFileSync(file);
  const cachedData = cachedDataFor(source, cache);
  const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return { exports: module.exports, cache: cachedData === undefined ? 'not for this file' : script.cachedDataRejected ? 'rejected by V8' : 'accepted' };
}
