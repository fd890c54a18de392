import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './env-full.js';

testRule(
  rule,
  {
    valid: ['policy "a" {\n  env allow ["LANG"]\n}\n', 'policy "a" {\n  env deny ["SECRET"]\n}\n', 'policy "a" {\n}\n'],
    invalid: [
      {
        policy: 'policy "a" {\n  env full\n}\n',
        errors: [{ messageId: 'full', line: 2, column: 7, endLine: 2, endColumn: 11, message: 'the module sees every host environment variable, including any credentials' }],
      },
      {
        policy: 'policy "a" extends "./base.wsp" {\n  network none\n}\n',
        files: { 'base.wsp': 'policy "base" {\n  env full\n}\n' },
        errors: [{ messageId: 'inherited', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
    ],
  },
  { describe, it },
);
