// @wsbc/analyzer: reads a wasm module without running it and checks it against a capability
// manifest (checkModule), describes it (inspectModule), and infers the least-privilege policy it
// needs (inferPolicy). Libraries return data; the CLI renders. The checker alone is also
// published as `@wsbc/analyzer/check` (./check-entry.ts), for callers that only check.
export * from './check-entry.js';
export { inspectModule, formatFuncType, type InspectResult, type ModuleInspection, type InspectedImport, type InspectedExport } from './inspect.js';
export { inferPolicy, inferFromFacts, type InferOptions, type InferResult } from './infer.js';
export { classifyImport, RESERVED_IMPORT_MODULES, type ImportClass } from './classify.js';
export { ALL_CAPABILITIES, describeCapability, isGranted, type Capability } from './capabilities.js';
export {
  PREVIEW1_FUNCTIONS,
  UNSTABLE_FUNCTIONS,
  WASMEDGE_SOCKET_FUNCTIONS,
  WASI_THREADS_FUNCTIONS,
  WASI_PREVIEW1_MODULE,
  WASI_UNSTABLE_MODULE,
  WASI_THREADS_MODULE,
  WASIX_MODULES,
  formatSignature,
  type WasiFunction,
  type WasiSignature,
} from './wasi-table.js';
export { readModuleFacts, type ReadFactsResult } from './read-module.js';
export type * from './module-facts.js';
