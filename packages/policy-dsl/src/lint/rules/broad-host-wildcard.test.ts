import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './broad-host-wildcard.js';

const net = (...lines: string[]): string => `policy "a" {\n  network {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`;

testRule(
  rule,
  {
    valid: [
      net('allow host "*.example.com" ports 443 secure'),
      net('allow host "api.example.com" ports 443 secure'),
      { name: 'a wildcard under a private suffix', policy: net('allow host "*.internal" ports 443', 'allow host "*.svc.cluster.local" ports 80') },
      { name: 'a wildcard under a domain of a public suffix', policy: net('allow host "*.example.co.uk" ports 443 secure') },
      { name: 'a suffix removed from the option', policy: net('allow host "*.github.io" ports 443 secure'), options: { suffixes: [] } },
    ],
    invalid: [
      {
        policy: net('allow host "*.com" ports 443 secure'),
        errors: [{ messageId: 'publicSuffix', line: 3, column: 16, endLine: 3, endColumn: 23, message: 'host pattern "*.com" matches every host under "com", where anyone can register a name' }],
      },
      {
        name: 'a multi-label public suffix, in upper case with a trailing dot',
        policy: net('allow host "*.CO.UK." ports 443 secure', 'allow host "*.github.io" ports 443 secure'),
        errors: [
          { messageId: 'publicSuffix', line: 3, column: 16, endLine: 3, endColumn: 26, message: 'host pattern "*.co.uk" matches every host under "co.uk", where anyone can register a name' },
          { messageId: 'publicSuffix', line: 4, column: 16, endLine: 4, endColumn: 29 },
        ],
      },
      {
        name: 'inherited from an extended file',
        policy: 'policy "a" extends "./base.wsp" {\n}\n',
        files: { 'base.wsp': 'policy "b" {\n  network {\n    allow host "*.io" ports 443 secure\n  }\n}\n' },
        errors: [{ messageId: 'inherited', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
    ],
  },
  { describe, it },
);
