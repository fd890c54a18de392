// How a sandbox worker thread starts: a few lines of boot code (evaluated in the new thread)
// compile the worker file, sandbox-worker.cjs, through V8's code cache when a cache written for
// exactly that file lies beside it, and run it as a CommonJS module.
//
// Why: compiling the 110 KB worker, and then compiling each of its functions the first time a
// run calls it, is a few milliseconds of every cold run's worker start. A cache produced after
// one run (build time, scripts/bundle.cjs through build-code-cache.ts) holds the bytecode of the
// functions a run uses, so V8 deserializes instead of parsing and compiling.
//
// What the cache is trusted for: speed only. It is used only when
//   - it starts with CACHE_MAGIC and embeds a byte-for-byte copy of the worker file's current
//     contents (V8 itself checks only the source length, so a rebuilt worker of the same length
//     would otherwise run old bytecode), and
//   - V8 accepts it (same V8 version and flags; V8 rejects anything else by itself and then
//     compiles from source).
// Otherwise the worker compiles from source, as without a cache. The cache is only ever read
// from beside the worker file, a directory that holds the runtime's own code: anyone who can
// write there can change the code itself, so the cache adds nothing an attacker could not do.
//
// The boot code is these functions' source text (Function.prototype.toString), so they must not
// use anything but their parameters and globals. The one dynamic import() is written in the boot
// text itself (bootSource), where no tool that compiles this file can rewrite it (vitest turns
// `import()` in modules into a call of its own loader, which the thread would not have).

/** What startWorker() hands the boot code as workerData. */
export interface BootData {
  /** Absolute path of sandbox-worker.cjs. */
  script: string;
  /** Where its code cache lies (read) or is written (writeCache). */
  cache: string;
  /** Write the cache after the worker's first run instead of reading it (build time only). */
  writeCache: boolean;
}

/** The cache file's name: the worker file's name plus this. */
export const CODE_CACHE_SUFFIX = '.v8cache';

/**
 * The CommonJS module wrapper the worker file is compiled in, plus `importModule`: code compiled
 * through vm.Script cannot use its own import() on Node 20 (that needs --experimental-vm-modules),
 * so the worker imports embedder host functions through the boot code's. The cache is only valid
 * for this exact text around the file's contents, so producing and using it go through this one
 * function.
 */
export function wrapCommonJs(source: string): string {
  return `(function (exports, require, module, __filename, __dirname, importModule) {${source}\n})`;
}

/**
 * The V8 data in `cache` when it was written for exactly `source` (the worker file's bytes),
 * else undefined. The layout of @wsbc/manifest's code caches (its codeCacheFor: the magic line,
 * source length as u32 little-endian, the source bytes, then V8's cached data), kept here as a
 * copy so that the worker pool, which `@wsbc/runtime/prewarm` loads alone, does not load the
 * manifest package; worker-boot.test.ts checks that the two read and write the same files.
 */
export function matchingCachedData(source: Buffer, cache: Buffer): Buffer | undefined {
  const magic = 'wsbc-v8-cache 1\n';
  const header = magic.length + 4;
  if (cache.length < header || cache.toString('latin1', 0, magic.length) !== magic) return undefined;
  const length = cache.readUInt32LE(magic.length);
  if (length !== source.length || cache.length <= header + length) return undefined;
  if (!source.equals(cache.subarray(header, header + length))) return undefined;
  return cache.subarray(header + length);
}

/** Builds a cache file's contents for `source` from V8's cached data (see matchingCachedData). */
export function cacheFileContents(source: Buffer, data: Buffer, from: (text: string, encoding: 'latin1') => Buffer): Buffer[] {
  const magic = from('wsbc-v8-cache 1\n', 'latin1');
  const length = from('\0\0\0\0', 'latin1');
  length.writeUInt32LE(source.length, 0);
  return [magic, length, source, data];
}

/** Runs in the new thread, with the thread's own `require` and `import()`. */
function bootSandboxWorker(require: NodeJS.Require, importModule: (specifier: string) => Promise<unknown>): void {
  const fs = require('node:fs') as typeof import('node:fs');
  const vm = require('node:vm') as typeof import('node:vm');
  const path = require('node:path') as typeof import('node:path');
  const threads = require('node:worker_threads') as typeof import('node:worker_threads');
  const data = threads.workerData as BootData;
  const source = fs.readFileSync(data.script);
  let cachedData: Buffer | undefined;
  if (!data.writeCache) {
    try {
      cachedData = matchingCachedData(source, fs.readFileSync(data.cache));
    } catch {
      // No cache (or an unreadable one): compile from source.
    }
  }
  const script = new vm.Script(wrapCommonJs(source.toString('utf8')), { filename: data.script, ...(cachedData ? { cachedData } : {}) });
  if (data.writeCache) {
    // After the first run the cache holds the functions a run compiled, not just the top level.
    // The file is complete before the host hears `done`. Build time only.
    const port = threads.parentPort!;
    const post = port.postMessage.bind(port);
    let written = false;
    port.postMessage = (message: unknown, transfer?: readonly import('node:worker_threads').Transferable[]) => {
      if (!written && (message as { t?: string } | null)?.t === 'done') {
        written = true;
        const staging = `${data.cache}.${process.pid}.${threads.threadId}`;
        fs.writeFileSync(staging, Buffer.concat(cacheFileContents(source, script.createCachedData(), Buffer.from)));
        fs.renameSync(staging, data.cache);
      }
      post(message, transfer);
    };
  }
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, data.script, path.dirname(data.script), importModule);
}

/**
 * The code a sandbox worker thread is started with (`new Worker(code, { eval: true })`). Called by
 * name (`.name`): a bundler may rename the functions, consistently in their bodies.
 */
export function bootSource(): string {
  bootCode ??= `${[wrapCommonJs, matchingCachedData, cacheFileContents, bootSandboxWorker].map(String).join('\n')}\n${bootSandboxWorker.name}(require, (specifier) => import(specifier));\n`;
  return bootCode;
}
let bootCode: string | undefined;
