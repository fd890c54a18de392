import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './unused-custom-capability.js';

testRule(
  rule,
  {
    valid: [
      'policy "a" {\n  custom "plugin-config" = true\n  imports {\n    allow "my_host" "get_config" requires "plugin-config"\n  }\n}\n',
      'policy "a" {\n  imports {\n    allow "env" "log"\n  }\n}\n',
      { name: 'configuration values that host functions read', policy: 'policy "a" {\n  custom "max-thumbnails" = 20 in 1..100\n  custom "formats" = ["png", "webp"]\n  custom "region" = "eu"\n}\n' },
      {
        name: 'required by an import of the extended file',
        policy: 'policy "a" extends "./base.wsp" {\n  custom "plugin-config" = true\n}\n',
        files: { 'base.wsp': 'policy "b" {\n  custom "plugin-config" = false\n  imports {\n    allow "my_host" "get_config" requires "plugin-config"\n  }\n}\n' },
      },
    ],
    invalid: [
      {
        policy: 'policy "a" {\n  custom "plugin-config" = true\n  imports {\n    allow "my_host" "get_config"\n  }\n}\n',
        errors: [{ messageId: 'unused', line: 2, column: 10, endLine: 2, endColumn: 25, message: 'custom flag "plugin-config" is not required by any host import, so it gates nothing' }],
      },
      {
        name: 'a false flag is still a flag',
        policy: 'policy "a" {\n  custom "beta" = false\n  custom "limit" = 3\n}\n',
        errors: [{ messageId: 'unused', line: 2, column: 10, endLine: 2, endColumn: 16 }],
      },
      {
        name: 'declared in the extended file',
        policy: 'policy "a" extends "./base.wsp" {\n}\n',
        files: { 'base.wsp': 'policy "b" {\n  custom "flag" = true\n}\n' },
        errors: [{ messageId: 'unused', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
    ],
  },
  { describe, it },
);
