import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './large-fuel-budget.js';

const fuel = (value: string): string => `policy "a" {\n  limits {\n    fuel ${value}\n  }\n}\n`;

testRule(
  rule,
  {
    valid: [fuel('50M'), fuel('10G'), { name: 'unlimited fuel is another rule', policy: fuel('unlimited') }, { name: 'a raised threshold', policy: fuel('100G'), options: { max: 100_000_000_000 } }],
    invalid: [
      {
        policy: fuel('50G'),
        errors: [{ messageId: 'large', line: 3, column: 10, endLine: 3, endColumn: 13, message: 'fuel budget of 50000000000 instructions is above 10000000000, which barely bounds a runaway module' }],
      },
      { name: 'a lowered threshold', policy: fuel('50M'), options: { max: 1_000_000 }, errors: [{ messageId: 'large', line: 3, column: 10, endLine: 3, endColumn: 13 }] },
    ],
  },
  { describe, it },
);
