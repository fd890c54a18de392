// Diagnostic codes of the `input/` domain: reading the files a command was given. Keep sorted;
// never reuse a retired code.
import type { CodeTable } from '../registry.js';

export const inputCodes: CodeTable = {
  'input/unreadable': { severity: 'error', summary: 'An input file could not be read (missing, a directory, or no permission).' },
};
