// Diagnostic codes of the `parse/` domain. Keep sorted; never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const parseCodes: CodeTable = {};
