import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './no-unlimited-fuel.js';

testRule(
  rule,
  {
    valid: ['policy "a" {\n}\n', 'policy "a" {\n  limits {\n    fuel 50M\n  }\n}\n', { name: 'a child sets a budget over an unlimited base', policy: 'policy "a" extends "./base.wsp" {\n  limits {\n    fuel 1G\n  }\n}\n', files: { 'base.wsp': 'policy "b" {\n  limits {\n    fuel unlimited\n  }\n}\n' } }],
    invalid: [
      {
        policy: 'policy "a" {\n  limits {\n    memory max 64MiB\n    fuel unlimited\n  }\n}\n',
        errors: [{ messageId: 'unlimited', line: 4, column: 10, endLine: 4, endColumn: 19 }],
      },
      {
        policy: 'policy "a" extends "./base.wsp" {\n}\n',
        files: { 'base.wsp': 'policy "b" {\n  limits {\n    fuel unlimited\n  }\n}\n' },
        errors: [{ messageId: 'inherited', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
    ],
  },
  { describe, it },
);
