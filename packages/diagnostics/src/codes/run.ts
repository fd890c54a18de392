// Diagnostic codes of the `run/` domain. Keep sorted; never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const runCodes: CodeTable = {};
