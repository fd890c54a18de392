// Diagnostic codes of the `policy/` domain. Keep sorted; never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const policyCodes: CodeTable = {};
