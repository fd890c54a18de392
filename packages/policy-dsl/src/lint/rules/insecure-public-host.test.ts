import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './insecure-public-host.js';

const net = (...lines: string[]): string => `policy "a" {\n  network {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`;

testRule(
  rule,
  {
    valid: [
      net('allow host "api.example.com" ports 443 secure'),
      net('allow host "10.0.0.5" ports 5432'),
      net('allow host "172.20.1.1" ports 5432'),
      net('allow host "192.168.1.20"'),
      net('allow host "db" ports 5432'),
      net('allow host "printer.local" ports 631'),
      net('allow host "metrics.internal" ports 9090'),
      net('allow host "fd00::1" ports 80'),
      { name: 'an IPv4-mapped IPv6 address of a private host', policy: net('allow host "::ffff:10.0.0.1" ports 80') },
      { name: 'an IPv4-mapped IPv6 address of a private host, in hex', policy: net('allow host "::ffff:a00:1" ports 80', 'allow host "0:0:0:0:0:ffff:7f00:1" ports 80') },
      net('allow host "localhost" ports 8080'),
      net('allow loopback'),
    ],
    invalid: [
      {
        policy: net('allow host "api.example.com" ports 443'),
        errors: [{ messageId: 'insecure', line: 3, column: 16, endLine: 3, endColumn: 33, message: 'public host "api.example.com" is allowed without `secure`, so traffic to it may be unencrypted' }],
      },
      { name: 'a public IPv4 address', policy: net('allow host "8.8.8.8" ports 53'), errors: [{ messageId: 'insecure', line: 3, column: 16, endLine: 3, endColumn: 25 }] },
      { name: 'just outside 172.16.0.0/12', policy: net('allow host "172.32.0.1" ports 80'), errors: [{ messageId: 'insecure', line: 3, column: 16, endLine: 3, endColumn: 28 }] },
      { name: 'a public host hidden in a hex IPv4-mapped IPv6 address', policy: net('allow host "::ffff:808:808" ports 53'), errors: [{ messageId: 'insecure', line: 3, column: 16, endLine: 3, endColumn: 32 }] },
      {
        name: 'a public host hidden in an IPv4-mapped IPv6 address',
        policy: net('allow host "::ffff:8.8.8.8" ports 53'),
        errors: [{ messageId: 'insecure', line: 3, column: 16, endLine: 3, endColumn: 32 }],
      },
      { name: 'a wildcard of a public domain', policy: net('allow host "*.example.com"'), errors: [{ messageId: 'insecure', line: 3, column: 16, endLine: 3, endColumn: 31 }] },
      {
        name: 'a private-looking label that is not the suffix',
        policy: net('allow host "local.evil.com" ports 80'),
        errors: [{ messageId: 'insecure', line: 3, column: 16, endLine: 3, endColumn: 32 }],
      },
      {
        policy: 'policy "a" extends "./base.wsp" {\n}\n',
        files: { 'base.wsp': net('allow host "api.example.com" ports 80') },
        errors: [{ messageId: 'inherited', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
    ],
  },
  { describe, it },
);
