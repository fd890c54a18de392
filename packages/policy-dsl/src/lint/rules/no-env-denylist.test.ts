import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './no-env-denylist.js';

testRule(
  rule,
  {
    valid: ['policy "a" {\n  env allow ["LANG", "TZ"]\n}\n', 'policy "a" {\n  env none\n}\n', 'policy "a" extends development {\n}\n'],
    invalid: [
      {
        policy: 'policy "a" {\n  env deny ["AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN"]\n}\n',
        errors: [
          {
            messageId: 'denylist',
            line: 2,
            column: 7,
            endLine: 2,
            endColumn: 11,
            message: 'the environment denylist exposes every variable except 2 named; secrets added to the host later leak by default',
          },
        ],
      },
      {
        policy: 'policy "child" extends "./base.wsp" {\n}\n',
        files: { 'base.wsp': 'policy "base" {\n  env deny ["SECRET"]\n}\n' },
        errors: [{ messageId: 'inherited', line: 1, column: 16, endLine: 1, endColumn: 36 }],
      },
    ],
  },
  { describe, it },
);
