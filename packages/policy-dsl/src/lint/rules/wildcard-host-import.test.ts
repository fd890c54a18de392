import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './wildcard-host-import.js';

testRule(
  rule,
  {
    valid: ['policy "a" {\n  imports {\n    allow "env" "log"\n    allow "my_host" "get_config"\n  }\n}\n', 'policy "a" {\n}\n'],
    invalid: [
      {
        policy: 'policy "a" {\n  imports {\n    allow "env" "log"\n    allow "my_host" "*"\n  }\n}\n',
        errors: [{ messageId: 'wildcard', line: 4, column: 21, endLine: 4, endColumn: 24, message: 'every function of host module "my_host" is allowed, including functions the host adds later' }],
      },
      {
        policy: 'policy "a" extends "./base.wsp" {\n}\n',
        files: { 'base.wsp': 'policy "b" {\n  imports {\n    allow "my_host" "*"\n  }\n}\n' },
        errors: [{ messageId: 'inherited', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
    ],
  },
  { describe, it },
);
