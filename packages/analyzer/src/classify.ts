// Classifies one import by its module and field name: WASI preview1 (either name), wasi-threads,
// a WasmEdge or WASIX extension, a component-model interface, wsbc's reserved module, or a plain
// host import. Classification looks at names only; the checker then compares kinds, signatures
// and the manifest.
import type { Capability } from './capabilities.js';
import {
  lookupPreview1,
  lookupUnstable,
  lookupWasiThreads,
  lookupWasmEdge,
  PREVIEW1_FUNCTIONS,
  UNSTABLE_FUNCTIONS,
  WASI_PREVIEW1_MODULE,
  WASI_THREADS_FUNCTIONS,
  WASI_THREADS_MODULE,
  WASI_UNSTABLE_MODULE,
  WASIX_MODULES,
  WASMEDGE_SOCKET_FUNCTIONS,
  WASMEDGE_V1_SOCK_ACCEPT,
  wasixFamily,
  type WasiFunction,
  type WasiSignature,
} from './wasi-table.js';
import { closestName } from './similar-names.js';

// The runtime links WASI imports through this module alone (`@wsbc/analyzer/classify`), so it
// checks their types as the analyzer does without loading the rest of the analyzer.
export { formatSignature, sameSignature } from './wasi-table.js';

/**
 * Import module names reserved for wsbc's instrumentation (fuel and memory guards). The
 * instrumenter injects its own imports from here; a module that arrives with such an import
 * already could impersonate the instrumentation, so the checker always refuses it.
 */
export const RESERVED_IMPORT_MODULES: readonly string[] = ['wsbc'];

export type ImportClass =
  | {
      kind: 'wasi';
      /** Which table matched. */
      family: 'preview1' | 'unstable' | 'wasi-threads' | 'wasmedge';
      fn: WasiFunction;
      /** Every accepted signature (includes WasmEdge's v1 `sock_accept`). */
      signatures: readonly WasiSignature[];
      needs: readonly Capability[];
    }
  | { kind: 'wasix'; needs: readonly Capability[] }
  | { kind: 'unknown-wasi'; suggestion: string | undefined }
  | { kind: 'component-model' }
  | { kind: 'reserved' }
  | { kind: 'host'; resembles: string | undefined };

const WASI_MODULE_NAMES = [WASI_PREVIEW1_MODULE, WASI_UNSTABLE_MODULE, WASI_THREADS_MODULE, ...WASIX_MODULES];

// Suggestion candidates, listed once rather than per import (a module may have 100,000 imports).
const PREVIEW1_NAMES = PREVIEW1_FUNCTIONS.map((f) => f.name);
const PREVIEW1_AND_WASMEDGE_NAMES = [...PREVIEW1_FUNCTIONS, ...WASMEDGE_SOCKET_FUNCTIONS].map((f) => f.name);
const UNSTABLE_NAMES = UNSTABLE_FUNCTIONS.map((f) => f.name);
const WASI_THREADS_NAMES = WASI_THREADS_FUNCTIONS.map((f) => f.name);
const LONG_WASI_MODULE_NAMES = WASI_MODULE_NAMES.filter((m) => m.length > 6);

export function classifyImport(module: string, name: string): ImportClass {
  if (RESERVED_IMPORT_MODULES.includes(module)) return { kind: 'reserved' };
  if (module.startsWith('wasi:')) return { kind: 'component-model' };

  if (module === WASI_PREVIEW1_MODULE) {
    const fn = lookupPreview1(name);
    if (fn) {
      // WasmEdge's first socket extension shipped a two-parameter sock_accept under this name.
      const signatures = name === 'sock_accept' ? [...fn.signatures, WASMEDGE_V1_SOCK_ACCEPT] : fn.signatures;
      return { kind: 'wasi', family: 'preview1', fn, signatures, needs: fn.needs };
    }
    const ext = lookupWasmEdge(name);
    if (ext) return { kind: 'wasi', family: 'wasmedge', fn: ext, signatures: ext.signatures, needs: ext.needs };
    return {
      kind: 'unknown-wasi',
      suggestion: closestName(name, PREVIEW1_AND_WASMEDGE_NAMES),
    };
  }
  if (module === WASI_UNSTABLE_MODULE) {
    const fn = lookupUnstable(name);
    if (fn) return { kind: 'wasi', family: 'unstable', fn, signatures: fn.signatures, needs: fn.needs };
    return { kind: 'unknown-wasi', suggestion: closestName(name, UNSTABLE_NAMES) };
  }
  if (module === WASI_THREADS_MODULE) {
    const fn = lookupWasiThreads(name);
    if (fn) return { kind: 'wasi', family: 'wasi-threads', fn, signatures: fn.signatures, needs: fn.needs };
    return { kind: 'unknown-wasi', suggestion: closestName(name, WASI_THREADS_NAMES) };
  }
  if (WASIX_MODULES.includes(module)) {
    const preview1 = lookupPreview1(name);
    if (preview1) return { kind: 'wasix', needs: preview1.needs };
    const family = wasixFamily(name);
    if (family) return { kind: 'wasix', needs: family.needs };
    return { kind: 'unknown-wasi', suggestion: closestName(name, PREVIEW1_NAMES) };
  }
  return { kind: 'host', resembles: resemblesWasiModule(module) };
}

/**
 * A host module whose name is close to a WASI module name (`wasi_snapshot_preview2`,
 * `WASI_snapshot_preview1`, `wasi_snapshot_preview1 `) is almost always a typo or an attempt to
 * pass for WASI; findings say so.
 */
function resemblesWasiModule(module: string): string | undefined {
  const folded = module.trim().toLowerCase().replace(/-/g, '_');
  for (const wasi of WASI_MODULE_NAMES) if (folded === wasi && module !== wasi) return wasi;
  if (module.length < 6) return undefined;
  return closestName(module, LONG_WASI_MODULE_NAMES);
}
