// Diagnostic codes of the `instrument/` domain. Keep sorted; never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const instrumentCodes: CodeTable = {};
