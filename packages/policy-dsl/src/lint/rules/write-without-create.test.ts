import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './write-without-create.js';

const fs = (...lines: string[]): string => `policy "a" {\n  filesystem {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`;

testRule(
  rule,
  {
    valid: [
      fs('write "./out" as "/out" create'),
      { name: 'create granted for the whole block', policy: fs('write "./out" as "/out"', 'allow create') },
      { name: 'a directory whose name does not say output', policy: fs('write "./data" as "/data"') },
      fs('read "./dist" as "/dist"'),
    ],
    invalid: [
      {
        policy: fs('write "./out" as "/out"'),
        errors: [{ messageId: 'noCreate', line: 3, column: 11, endLine: 3, endColumn: 18, message: 'directory "/out" looks like an output directory but files cannot be created in it (write does not imply create)' }],
      },
      { name: 'an output-like guest name', policy: fs('read-write "./x" as "/build"'), errors: [{ messageId: 'noCreate', line: 3, column: 16, endLine: 3, endColumn: 21 }] },
      { name: 'a directory under $TMPDIR', policy: fs('write "$TMPDIR/scratch" as "/scratch"'), errors: [{ messageId: 'noCreate', line: 3, column: 11, endLine: 3, endColumn: 28 }] },
      { name: 'a name in upper case', policy: fs('write "./OUT"'), errors: [{ messageId: 'noCreate', line: 3, column: 11, endLine: 3, endColumn: 18 }] },
      { name: 'names from the option', policy: fs('write "./data" as "/data"'), options: { names: ['data'] }, errors: [{ messageId: 'noCreate', line: 3, column: 11, endLine: 3, endColumn: 19 }] },
    ],
  },
  { describe, it },
);
