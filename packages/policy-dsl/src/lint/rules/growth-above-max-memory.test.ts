import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './growth-above-max-memory.js';

const limits = (...lines: string[]): string => `policy "a" {\n  limits {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`;

testRule(
  rule,
  {
    valid: ['policy "a" {\n}\n', limits('memory max 64MiB growth 16 pages'), limits('memory max 16 pages growth 1MiB')],
    invalid: [
      {
        policy: limits('memory max 1MiB growth 100 pages'),
        errors: [
          {
            messageId: 'aboveMax',
            line: 3,
            column: 21,
            endLine: 3,
            endColumn: 37,
            message: 'growth of 100 pages per memory.grow is larger than the memory maximum of 16 pages, so it bounds nothing',
          },
        ],
      },
      { name: 'growth above the default maximum', policy: limits('memory growth 200 pages'), errors: [{ messageId: 'aboveMax', line: 3, column: 12, endLine: 3, endColumn: 28 }] },
      { name: 'a maximum below the default growth', policy: limits('memory max 8 pages reserved 4 pages'), errors: [{ messageId: 'aboveMax', line: 3, column: 12, endLine: 3, endColumn: 23 }] },
    ],
  },
  { describe, it },
);
