// Diagnostic codes of the `wasm/` domain. Keep sorted; never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const wasmCodes: CodeTable = {};
