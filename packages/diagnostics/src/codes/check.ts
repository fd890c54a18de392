// Diagnostic codes of the `check/` domain. Keep sorted; never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const checkCodes: CodeTable = {};
