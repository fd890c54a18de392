// Diagnostic codes of the `run/` domain (the runtime refusing to start a guest). Keep sorted;
// never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const runCodes: CodeTable = {
  'run/audit-open-failed': { severity: 'error', summary: 'The audit log file could not be opened' },
  'run/import-not-allowed': { severity: 'error', summary: 'The module imports a host function the policy does not grant' },
  'run/import-not-provided': { severity: 'error', summary: 'The module imports something the runtime does not provide' },
  'run/instantiate-failed': { severity: 'error', summary: 'The engine refused to instantiate the module' },
  'run/instrument-failed': { severity: 'error', summary: 'Instrumenting the module on the fly failed' },
  'run/invalid-options': { severity: 'error', summary: 'A run option has a value of the wrong type' },
  'run/listen-failed': { severity: 'error', summary: 'The host could not listen on an address given to the guest' },
  'run/listen-not-allowed': { severity: 'error', summary: "A listening socket for the guest is outside the policy's network grants" },
  'run/memory-over-limit': { severity: 'error', summary: "The module's initial memory exceeds the policy's max pages" },
  'run/module-invalid': { severity: 'error', summary: 'The file is not a valid WebAssembly module' },
  'run/module-unreadable': { severity: 'error', summary: 'The module file could not be read' },
  'run/no-entry-point': { severity: 'error', summary: 'The module does not export the entry function (_start)' },
  'run/policy-not-compiled': { severity: 'error', summary: 'A .wsp policy was given where a compiled manifest is needed' },
  'run/policy-unreadable': { severity: 'error', summary: 'The manifest file could not be read' },
  'run/preopen-unavailable': { severity: 'error', summary: 'A directory the policy preopens does not exist or cannot be opened' },
  'run/wasi-signature-mismatch': { severity: 'error', summary: 'The module imports a WASI function with a type WASI does not define, so the runtime cannot link it' },
  'run/too-many-tables': { severity: 'error', summary: "The module has more tables than the policy's max tables" },
  'run/worker-failed': { severity: 'error', summary: 'The sandbox worker could not start' },
};
