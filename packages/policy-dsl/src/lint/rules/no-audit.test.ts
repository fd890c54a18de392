import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './no-audit.js';

testRule(
  rule,
  {
    valid: ['policy "a" {\n  audit denied\n}\n', 'policy "a" {\n  audit all\n}\n', 'policy "a" {\n}\n'],
    invalid: [
      { policy: 'policy "a" {\n  audit none\n}\n', errors: [{ messageId: 'none', line: 2, column: 9, endLine: 2, endColumn: 13, message: 'capability decisions are not audited, so denied attempts leave no trace' }] },
      {
        policy: 'policy "a" extends "./base.wsp" {\n}\n',
        files: { 'base.wsp': 'policy "b" {\n  audit none\n}\n' },
        errors: [{ messageId: 'inherited', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
    ],
  },
  { describe, it },
);
