import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './overlapping-port-ranges.js';

const net = (...lines: string[]): string => `policy "a" {\n  network {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`;

testRule(
  rule,
  {
    valid: [
      net('allow ports [8000..8080, 8081..8090]'),
      net('allow host "a.example.com" ports [443, 8443] secure', 'allow host "b.example.com" ports 443 secure'),
      { name: 'a host port outside `allow ports`', policy: net('allow ports 8080', 'allow host "a.example.com" ports 443 secure') },
      { name: 'a host rule without ports is not a port list', policy: net('allow ports 8080', 'allow host "a.example.com" secure') },
    ],
    invalid: [
      {
        policy: net('allow ports [8000..8080, 8080..8090]', 'allow host "api.example.com" ports 8001 secure'),
        errors: [
          { messageId: 'overlap', line: 3, column: 30, endLine: 3, endColumn: 40, message: 'port 8080..8090 overlaps 8000..8080 on line 3' },
          { messageId: 'coveredByAnyHost', line: 4, column: 40, endLine: 4, endColumn: 44, message: 'port 8001 of host "api.example.com" is already allowed on every host by `allow ports`' },
        ],
      },
      { name: 'a port repeated in one host rule', policy: net('allow host "a.example.com" ports [443, 443] secure'), errors: [{ messageId: 'overlap', line: 3, column: 44, endLine: 3, endColumn: 47 }] },
      {
        name: 'ranges in separate `allow ports` rules',
        policy: net('allow ports 80', 'allow ports [70..90]'),
        errors: [{ messageId: 'overlap', line: 4, column: 18, endLine: 4, endColumn: 24, message: 'port 70..90 overlaps 80 on line 3' }],
      },
      {
        name: 'a host port covered by ports allowed in an extended file',
        policy: 'policy "a" extends "./base.wsp" {\n  network {\n    allow ports [1000..2000]\n    allow host "a.example.com" ports 1500 secure\n  }\n}\n',
        files: { 'base.wsp': 'policy "b" {\n}\n' },
        errors: [{ messageId: 'coveredByAnyHost', line: 4, column: 38, endLine: 4, endColumn: 42 }],
      },
    ],
  },
  { describe, it },
);
