import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './ports-on-any-host.js';

const net = (...lines: string[]): string => `policy "a" {\n  network {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`;

testRule(
  rule,
  {
    valid: [net('allow host "api.example.com" ports 443 secure'), net('allow loopback'), 'policy "a" {\n  network none\n}\n', { name: 'full network is another rule', policy: 'policy "a" {\n  network full\n}\n' }],
    invalid: [
      {
        policy: net('allow loopback', 'allow ports 443'),
        errors: [{ messageId: 'anyHost', line: 4, column: 5, endLine: 4, endColumn: 20, message: 'port 443 is open on every host: the module may connect to any server there, internal ones included' }],
      },
      {
        policy: net('allow ports [80, 8000..8080]'),
        errors: [{ messageId: 'anyHost', line: 3, column: 5, endLine: 3, endColumn: 33, message: 'ports 80, 8000..8080 are open on every host: the module may connect to any server there, internal ones included' }],
      },
      {
        policy: 'policy "a" extends "./base.wsp" {\n}\n',
        files: { 'base.wsp': net('allow ports 443') },
        errors: [{ messageId: 'inherited', line: 1, column: 12, endLine: 1, endColumn: 32, message: 'port 443 is open on every host (inherited): the module may connect to any server there' }],
      },
    ],
  },
  { describe, it },
);
