import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './unbounded-disk-write.js';

const policy = (grant: string, io?: string): string =>
  `policy "a" {\n  filesystem {\n    ${grant}\n  }\n${io ? `  limits {\n    io ${io}\n  }\n` : ''}}\n`;

testRule(
  rule,
  {
    valid: [
      { name: 'the default total write limit bounds it', policy: policy('write "./out" as "/out" create max-file-size unlimited') },
      { name: 'a maximum file size bounds it', policy: policy('write "./out" as "/out" create max-file-size 10MiB', 'total-write unlimited') },
      { name: 'read-only directories', policy: policy('read "./in" as "/in"', 'total-write unlimited') },
    ],
    invalid: [
      {
        policy: policy('write "./out" as "/out" create max-file-size unlimited', 'total-write unlimited'),
        errors: [{ messageId: 'unbounded', line: 3, column: 11, endLine: 3, endColumn: 18, message: 'nothing bounds what the module may write to "/out": no maximum file size and no total write limit' }],
      },
    ],
  },
  { describe, it },
);
