import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './unseeded-random-with-deterministic-time.js';

testRule(
  rule,
  {
    valid: [
      'policy "a" {\n  time read-only deterministic\n  random pseudo seed 42\n}\n',
      'policy "a" {\n  time read-only deterministic\n  random none\n}\n',
      { name: 'secure random without deterministic time', policy: 'policy "a" {\n  random secure\n}\n' },
    ],
    invalid: [
      {
        policy: 'policy "a" {\n  time read-only deterministic\n  random secure\n}\n',
        errors: [{ messageId: 'secure', line: 3, column: 10, endLine: 3, endColumn: 16, message: 'time is deterministic but random is secure, so runs still differ and cannot be replayed' }],
      },
      { policy: 'policy "a" {\n  time read-only deterministic\n  random pseudo\n}\n', errors: [{ messageId: 'unseeded', line: 3, column: 10, endLine: 3, endColumn: 16 }] },
      {
        name: 'the default random (pseudo, unseeded): reported at the deterministic clause',
        policy: 'policy "a" {\n  time read-only deterministic\n}\n',
        errors: [{ messageId: 'unseeded', line: 2, column: 18, endLine: 2, endColumn: 31 }],
      },
    ],
  },
  { describe, it },
);
