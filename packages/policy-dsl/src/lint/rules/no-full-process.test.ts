import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './no-full-process.js';

testRule(
  rule,
  {
    valid: ['policy "a" {\n  process none\n}\n', 'policy "a" {\n  process allow ["git", "make"]\n}\n', 'policy "a" extends development {\n}\n'],
    invalid: [
      {
        policy: '# build helper\npolicy "a" {\n  process full\n}\n',
        errors: [{ messageId: 'full', line: 3, column: 11, endLine: 3, endColumn: 15 }],
      },
      {
        policy: 'policy "a" extends "../shared/base.wsp" {\n}\n',
        files: { '../shared/base.wsp': 'policy "base" {\n  process full\n}\n' },
        errors: [
          {
            messageId: 'inherited',
            line: 1,
            column: 12,
            endLine: 1,
            endColumn: 40,
            message: 'process access is full (inherited): the module may start any host program, which escapes the sandbox',
          },
        ],
      },
    ],
  },
  { describe, it },
);
