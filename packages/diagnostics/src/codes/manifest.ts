// Diagnostic codes of the `manifest/` domain. Keep sorted; never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const manifestCodes: CodeTable = {};
