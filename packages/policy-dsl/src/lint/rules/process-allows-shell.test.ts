import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './process-allows-shell.js';

testRule(
  rule,
  {
    valid: [
      'policy "a" {\n  process allow ["git", "make"]\n}\n',
      'policy "a" {\n  process none\n}\n',
      { name: 'a name that only contains a shell name', policy: 'policy "a" {\n  process allow ["shellcheck", "bashate"]\n}\n' },
      { name: 'a shell removed from the option', policy: 'policy "a" {\n  process allow ["sh"]\n}\n', options: { commands: ['bash'] } },
    ],
    invalid: [
      {
        policy: 'policy "a" {\n  process allow ["git", "sh"]\n}\n',
        errors: [{ messageId: 'shell', line: 2, column: 25, endLine: 2, endColumn: 29, message: '"sh" can run any other program, so allowing it amounts to full process access' }],
      },
      {
        name: 'an interpreter named by absolute path and in upper case',
        policy: 'policy "a" {\n  process allow ["/usr/bin/Python3"]\n}\n',
        errors: [{ messageId: 'shell', line: 2, column: 18, endLine: 2, endColumn: 36 }],
      },
    ],
  },
  { describe, it },
);
