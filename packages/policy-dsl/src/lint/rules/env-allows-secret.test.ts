import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './env-allows-secret.js';

testRule(
  rule,
  {
    valid: [
      'policy "a" {\n  env allow ["LANG", "TZ", "HOME"]\n}\n',
      { name: 'a denylist naming secrets hides them', policy: 'policy "a" {\n  env deny ["GITHUB_TOKEN"]\n}\n' },
      { name: 'patterns replaced by the option', policy: 'policy "a" {\n  env allow ["GITHUB_TOKEN"]\n}\n', options: { patterns: ['AWS_*'] } },
    ],
    invalid: [
      {
        policy: 'policy "a" {\n  env allow ["LANG", "GITHUB_TOKEN", "aws_region"]\n}\n',
        errors: [
          { messageId: 'secret', line: 2, column: 22, endLine: 2, endColumn: 36, message: 'environment variable "GITHUB_TOKEN" looks like a credential and is visible to the module' },
          { messageId: 'secret', line: 2, column: 38, endLine: 2, endColumn: 50 },
        ],
      },
      {
        name: 'inherited from an extended file',
        policy: 'policy "a" extends "./base.wsp" {\n}\n',
        files: { 'base.wsp': 'policy "b" {\n  env allow ["DB_PASSWORD"]\n}\n' },
        errors: [{ messageId: 'secret', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
    ],
  },
  { describe, it },
);
