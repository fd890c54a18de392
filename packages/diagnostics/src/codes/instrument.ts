// Diagnostic codes of the `instrument/` domain. Keep sorted; never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const instrumentCodes: CodeTable = {
  'instrument/invalid-cost-table': { severity: 'error', summary: 'The cost table is not a valid JSON cost table (unknown field or instruction, or a price out of range).' },
  'instrument/invalid-module': { severity: 'error', summary: 'The input is not a valid WebAssembly module, so it cannot be instrumented.' },
  'instrument/invalid-options': { severity: 'error', summary: 'An instrumentation option is out of range (for example a stack depth of 0).' },
  'instrument/memory-exceeds-limit': { severity: 'error', summary: 'A memory starts with more pages than the policy allows, so no guard can keep it within the limit.' },
  'instrument/reserved-name': { severity: 'error', summary: 'The module already imports from the reserved module "wsbc" or exports a reserved "__wsbc_" name.' },
  'instrument/unsupported-feature': { severity: 'error', summary: 'The module uses a feature the instrumenter cannot meter safely.' },
};
