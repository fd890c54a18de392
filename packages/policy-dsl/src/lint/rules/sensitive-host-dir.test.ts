import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './sensitive-host-dir.js';

// The sandbox's user has the home directory /home/tester in these cases.
const fs = (line: string): string => `policy "a" {\n  filesystem {\n    ${line}\n  }\n}\n`;

testRule(
  rule,
  {
    valid: [
      fs('read "./assets" as "/assets"'),
      fs('read "/srv/data" as "/data"'),
      { name: 'a project directory under the home directory', policy: fs('read "/home/tester/project" as "/project"') },
      { name: 'a project directory under a home directory that is itself listed', policy: fs('read "/root/project" as "/project"'), homeDir: '/root' },
      { name: 'a name that only starts like a sensitive one', policy: fs('read "/etcetera" as "/x"') },
      { name: 'a writable root is left to writable-cwd-or-root', policy: fs('write "/" as "/host"') },
      { name: 'a path removed from the option', policy: fs('read "/etc" as "/etc"'), options: { paths: ['/root'] } },
    ],
    invalid: [
      {
        policy: fs('read "/etc" as "/etc"'),
        errors: [{ messageId: 'sensitive', line: 3, column: 10, endLine: 3, endColumn: 16, message: 'granted directory "/etc" is a sensitive host location' }],
      },
      {
        name: 'the home directory contains ~/.ssh',
        policy: fs('read "/home/tester" as "/home"'),
        errors: [{ messageId: 'containsSensitive', line: 3, column: 10, endLine: 3, endColumn: 24, message: 'granted directory "/home/tester" contains the sensitive host location "/home/tester/.aws"' }],
      },
      { name: 'a read-only root', policy: fs('read "/" as "/host"'), errors: [{ messageId: 'containsSensitive', line: 3, column: 10, endLine: 3, endColumn: 13 }] },
      { name: 'a parent of the Docker socket directory', policy: fs('read-write "/var" as "/var"'), errors: [{ messageId: 'containsSensitive', line: 3, column: 16, endLine: 3, endColumn: 22 }] },
      {
        name: 'a path that reaches /etc only after cleaning',
        policy: fs('read "/srv/../etc/" as "/cfg"'),
        errors: [{ messageId: 'sensitive', line: 3, column: 10, endLine: 3, endColumn: 24 }],
      },
      {
        name: 'another user\'s home directory, inside /home',
        policy: fs('read "/home/alice" as "/home"'),
        errors: [{ messageId: 'insideSensitive', line: 3, column: 10, endLine: 3, endColumn: 23, message: 'granted directory "/home/alice" is inside the sensitive host location "/home"' }],
      },
      { name: 'a subdirectory of /etc', policy: fs('read "/etc/ssh/" as "/ssh"'), errors: [{ messageId: 'insideSensitive', line: 3, column: 10, endLine: 3, endColumn: 21 }] },
      { name: 'a subdirectory of /proc', policy: fs('read "/proc/self" as "/p"'), errors: [{ messageId: 'insideSensitive', line: 3, column: 10, endLine: 3, endColumn: 22 }] },
      {
        name: 'a subdirectory of ~/.ssh, inside the user\'s own home',
        policy: fs('read "/home/tester/.ssh/keys" as "/keys"'),
        errors: [{ messageId: 'insideSensitive', line: 3, column: 10, endLine: 3, endColumn: 34, message: 'granted directory "/home/tester/.ssh/keys" is inside the sensitive host location "/home/tester/.ssh"' }],
      },
      { name: 'a home directory given for the run', policy: fs('read "/opt/svc/.ssh" as "/keys"'), homeDir: '/opt/svc', errors: [{ messageId: 'sensitive', line: 3, column: 10, endLine: 3, endColumn: 25 }] },
    ],
  },
  { describe, it },
);
