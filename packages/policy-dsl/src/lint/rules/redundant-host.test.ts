import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './redundant-host.js';

const net = (...lines: string[]): string => `policy "a" {\n  network {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`;

testRule(
  rule,
  {
    valid: [
      net('allow host "api.example.com" ports 443 secure'),
      { name: 'a wildcard does not match the bare domain', policy: net('allow host "*.example.com" secure', 'allow host "example.com" secure') },
      { name: 'a host needing ports the wildcard lacks', policy: net('allow host "*.example.com" ports 443 secure', 'allow host "api.example.com" ports [443, 8443] secure') },
      { name: 'a secure wildcard does not cover a plain host rule', policy: net('allow host "*.example.com" ports 443 secure', 'allow host "api.example.com" ports 443') },
      { name: 'a wildcard of another domain with the same suffix letters', policy: net('allow host "*.example.com" secure', 'allow host "api.badexample.com" secure') },
      { name: 'the same host on other ports', policy: net('allow host "api.example.com" ports 443 secure', 'allow host "api.example.com" ports 8443 secure') },
      { name: 'localhost without allow loopback', policy: net('allow host "localhost" ports 8080') },
      // `allow loopback` grants localhost, 127.0.0.0/8 and ::1 as written, nothing else that resolves there.
      { name: 'a subdomain of localhost under allow loopback', policy: net('allow loopback', 'allow host "app.localhost" ports 8080') },
      { name: 'a wildcard under localhost under allow loopback', policy: net('allow loopback', 'allow host "*.localhost" ports 8080') },
      { name: 'an IPv4-mapped loopback address under allow loopback', policy: net('allow loopback', 'allow host "::ffff:127.0.0.1" ports 8080') },
      { name: 'two rules neither of which covers the other', policy: net('allow host "api.example.com" ports 1..100 secure', 'allow host "api.example.com" ports 50..150 secure') },
    ],
    invalid: [
      {
        policy: net('allow host "*.example.com" ports 443 secure', 'allow host "api.example.com" ports 443 secure'),
        errors: [{ messageId: 'coveredByWildcard', line: 4, column: 16, endLine: 4, endColumn: 33, message: 'host "api.example.com" is already allowed by "*.example.com" on line 3' }],
      },
      {
        name: 'a nested wildcard under a wider one',
        policy: net('allow host "*.b.example.com" secure', 'allow host "*.example.com" secure'),
        errors: [{ messageId: 'coveredByWildcard', line: 3, column: 16, endLine: 3, endColumn: 33 }],
      },
      {
        name: 'the same host in another case',
        policy: net('allow host "api.example.com" ports [443, 8443]', 'allow host "API.Example.com" ports 8443 secure'),
        errors: [{ messageId: 'duplicate', line: 4, column: 16, endLine: 4, endColumn: 33, message: 'host "API.Example.com" is already allowed with these ports on line 3' }],
      },
      {
        policy: net('allow loopback', 'allow host "127.0.0.1" ports 8080'),
        errors: [{ messageId: 'coveredByLoopback', line: 4, column: 16, endLine: 4, endColumn: 27, message: 'host "127.0.0.1" is a loopback address, which `allow loopback` already grants on every port' }],
      },
      {
        name: 'a rule that a later rule of the same host covers',
        policy: net('allow host "api.example.com" ports 443 secure', 'allow host "api.example.com" secure'),
        errors: [{ messageId: 'duplicate', line: 3, column: 16, endLine: 3, endColumn: 33, message: 'host "api.example.com" is already allowed with these ports on line 4' }],
      },
      {
        name: 'of two equal rules only the second',
        policy: net('allow host "api.example.com" ports 443 secure', 'allow host "api.example.com" ports 443 secure'),
        errors: [{ messageId: 'duplicate', line: 4, column: 16, endLine: 4, endColumn: 33, message: 'host "api.example.com" is already allowed with these ports on line 3' }],
      },
      {
        name: 'a later cover that is itself covered by earlier rules',
        policy: net('allow host "api.example.com" ports 1..100 secure', 'allow host "api.example.com" ports 101..200 secure', 'allow host "api.example.com" ports 1..200 secure'),
        errors: [{ messageId: 'duplicate', line: 5, column: 16, endLine: 5, endColumn: 33, message: 'host "api.example.com" is already allowed with these ports on line 3' }],
      },
      {
        // The plain rule allows TLS and plain connections alike, so the `secure` one asks for nothing.
        name: 'a secure rule that a later plain rule widens',
        policy: net('allow host "api.example.com" ports 443 secure', 'allow host "api.example.com" ports 443'),
        errors: [{ messageId: 'duplicate', line: 3, column: 16, endLine: 3, endColumn: 33 }],
      },
      { name: 'localhost with a trailing dot', policy: net('allow loopback', 'allow host "LocalHost." ports 80'), errors: [{ messageId: 'coveredByLoopback', line: 4, column: 16, endLine: 4, endColumn: 28 }] },
      { name: 'IPv6 loopback', policy: net('allow loopback', 'allow host "::1"'), errors: [{ messageId: 'coveredByLoopback', line: 4, column: 16, endLine: 4, endColumn: 21 }] },
    ],
  },
  { describe, it },
);
