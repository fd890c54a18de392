import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './total-time-below-cpu-time.js';

const limits = (...lines: string[]): string => `policy "a" {\n  limits {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`;

testRule(
  rule,
  {
    valid: ['policy "a" {\n}\n', limits('cpu time 2s', 'time total 30s'), { name: 'equal limits', policy: limits('cpu time 5s', 'time total 5s') }],
    invalid: [
      {
        policy: limits('cpu time 10s', 'time total 5s'),
        errors: [
          {
            messageId: 'belowCpu',
            line: 4,
            column: 10,
            endLine: 4,
            endColumn: 18,
            message: 'total time 5000 ms is shorter than the CPU time limit 10000 ms, which can therefore never be reached',
          },
        ],
      },
      { name: 'total below the default CPU time', policy: limits('time total 2s'), errors: [{ messageId: 'belowCpu', line: 3, column: 10, endLine: 3, endColumn: 18 }] },
      { name: 'CPU time above the default total', policy: limits('cpu time 1m'), errors: [{ messageId: 'belowCpu', line: 3, column: 9, endLine: 3, endColumn: 16 }] },
    ],
  },
  { describe, it },
);
