import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './no-full-network.js';

testRule(
  rule,
  {
    valid: [
      'policy "a" {\n  network none\n}\n',
      'policy "a" {\n  network {\n    allow host "api.example.com" ports 443 secure\n  }\n}\n',
      { name: 'the development preset only grants loopback', policy: 'policy "a" extends development {\n}\n' },
      { name: 'allow ports that leave a port out', policy: 'policy "a" {\n  network {\n    allow ports [0..442, 444..65535]\n  }\n}\n' },
      { name: 'a child narrows a base with full network', policy: 'policy "a" extends "./base.wsp" {\n  network none\n}\n', files: { 'base.wsp': 'policy "base" {\n  network full\n}\n' } },
    ],
    invalid: [
      {
        policy: 'policy "a" {\n  network full\n}\n',
        errors: [{ messageId: 'full', line: 2, column: 11, endLine: 2, endColumn: 15, message: 'network access is full: the module may connect to any host and port' }],
      },
      {
        name: 'inherited from an extended file: reported at the extends clause',
        policy: 'policy "a" extends "./base.wsp" {\n  env none\n}\n',
        files: { 'base.wsp': 'policy "base" {\n  network full\n}\n' },
        errors: [{ messageId: 'inherited', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
      {
        name: 'allow ports that together cover every port',
        policy: 'policy "a" {\n  network {\n    allow ports [0..1023, 1024..49151]\n    allow ports 49152..65535\n  }\n}\n',
        errors: [{ messageId: 'allPorts', line: 4, column: 5, endLine: 4, endColumn: 29 }],
      },
      {
        name: 'every port on every host, inherited',
        policy: 'policy "a" extends "./base.wsp" {\n  env none\n}\n',
        files: { 'base.wsp': 'policy "base" {\n  network {\n    allow ports 0..65535\n  }\n}\n' },
        errors: [{ messageId: 'allPortsInherited', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
    ],
  },
  { describe, it },
);
