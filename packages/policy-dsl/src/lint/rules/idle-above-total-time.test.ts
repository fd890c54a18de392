import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './idle-above-total-time.js';

const limits = (...lines: string[]): string => `policy "a" {\n  limits {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`;

testRule(
  rule,
  {
    valid: ['policy "a" {\n}\n', limits('time total 30s idle 5s'), limits('time total 10s idle 10s')],
    invalid: [
      {
        policy: limits('time total 10s idle 60s'),
        errors: [{ messageId: 'aboveTotal', line: 3, column: 20, endLine: 3, endColumn: 28, message: 'idle time 60000 ms is longer than total time 10000 ms, so the idle limit can never trigger' }],
      },
      { name: 'a total below the default idle time', policy: limits('time total 2s'), errors: [{ messageId: 'aboveTotal', line: 3, column: 10, endLine: 3, endColumn: 18 }] },
    ],
  },
  { describe, it },
);
