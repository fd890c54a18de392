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
      { name: 'names that only end like a versioned interpreter', policy: 'policy "a" {\n  process allow ["s3", "gcc-12", "7z"]\n}\n' },
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
      {
        name: 'a Windows path, an .exe suffix and versioned interpreters',
        policy: 'policy "a" {\n  process allow ["C:\\\\Windows\\\\System32\\\\cmd.exe", "bash.exe", "python3.11", "node20"]\n}\n',
        errors: [
          { messageId: 'shell', line: 2, column: 18, endLine: 2, endColumn: 50, message: '"C:\\Windows\\System32\\cmd.exe" can run any other program, so allowing it amounts to full process access' },
          { messageId: 'shell', line: 2, column: 52, endLine: 2, endColumn: 62 },
          { messageId: 'shell', line: 2, column: 64, endLine: 2, endColumn: 76 },
          { messageId: 'shell', line: 2, column: 78, endLine: 2, endColumn: 86 },
        ],
      },
    ],
  },
  { describe, it },
);
