// Diagnostic codes of the `check/` domain (the analyzer, @wsbc/analyzer). Keep sorted; never
// reuse a retired code.
import type { CodeTable } from '../registry.js';

export const checkCodes: CodeTable = {
  'check/component-binary': {
    severity: 'error',
    summary: 'The file is a WebAssembly component, not a core module; wsbc checks and runs core modules only.',
  },
  'check/component-model-import': {
    severity: 'error',
    summary: 'The module imports a component-model `wasi:*` interface, which the WASI preview1 runtime does not provide.',
  },
  'check/environment-not-granted': {
    severity: 'warning',
    summary: 'The module reads environment variables but the policy grants none; it will see an empty environment.',
  },
  'check/host-import-not-allowed': {
    severity: 'error',
    summary: 'The module imports a host function (or other extern) that the policy does not list under `imports`.',
  },
  'check/import-not-allowed': {
    severity: 'error',
    summary: 'The module imports a WASI function whose capability the policy does not grant.',
  },
  'check/malformed-module': {
    severity: 'error',
    summary: 'The file is not a well-formed WebAssembly module, or has more of something (exports, data segments, ...) than engines accept; the byte offset says where reading stopped.',
  },
  'check/memory-too-large': {
    severity: 'error',
    summary: "A memory's initial size is larger than the policy's maximum memory.",
  },
  'check/memory64': {
    severity: 'error',
    summary: 'The module declares or imports a 64-bit memory (memory64), which the wsbc runtime does not support.',
  },
  'check/nonstandard-wasi-import': {
    severity: 'error',
    summary: 'The import belongs to a WASI extension (WasmEdge sockets, WASIX) that the wsbc runtime does not implement; a WASIX import the policy lists is a warning (the embedder provides it).',
  },
  'check/reserved-import': {
    severity: 'error',
    summary: 'The module imports from the module name that wsbc reserves for its own instrumentation; an unvetted module may never use it.',
  },
  'check/reserved-section': {
    severity: 'warning',
    summary: 'The module has a custom section named `wsbc.*`, which wsbc reserves for its own records; `wsbc build` refuses such input.',
  },
  'check/shared-memory-without-threads': {
    severity: 'warning',
    summary: 'The module uses a shared memory but the policy allows a single thread.',
  },
  'check/start-function': {
    severity: 'info',
    summary: 'The module has a start function, which runs during instantiation before any export is called.',
  },
  'check/table-too-large': {
    severity: 'error',
    summary: "A table's initial size is larger than the policy's maximum table elements.",
  },
  'check/threads-unusable': {
    severity: 'warning',
    summary: 'The policy allows threads and the module imports a thread-spawning function, but the module lacks what wasi-threads needs to start one (an imported shared memory, the `wasi_thread_start` export): the runtime refuses every spawn.',
  },
  'check/thread-spawn-not-allowed': {
    severity: 'error',
    summary: 'The module imports a thread-spawning function but the policy allows a single thread.',
  },
  'check/too-many-tables': {
    severity: 'error',
    summary: 'The module defines and imports more tables than the policy allows.',
  },
  'check/unknown-import': {
    severity: 'error',
    summary: 'The module imports a name from a WASI module that WASI does not define.',
  },
  'check/wasi-signature-mismatch': {
    severity: 'error',
    summary: 'A WASI import is declared with a type that differs from the WASI signature of that function.',
  },
};
