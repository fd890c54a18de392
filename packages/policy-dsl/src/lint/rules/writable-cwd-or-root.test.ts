import { describe, it } from 'vitest';
import { testRule } from '../rule-tester.js';
import rule from './writable-cwd-or-root.js';

// The policy under test lives in /policies/team; the sandboxed run's working directory is /srv/run.
const fs = (line: string): string => `policy "a" {\n  filesystem {\n    ${line}\n  }\n}\n`;

testRule(
  rule,
  {
    valid: [
      fs('write "./out" as "/out" create'),
      fs('read "/" as "/host"'),
      fs('read "." as "/policy"'),
      fs('write "/srv/data" as "/data"'),
      { name: 'a sibling whose name starts with the working directory is not its parent', policy: fs('write "/srv/runner" as "/runner"') },
      { name: 'a sibling of the policy directory', policy: fs('write "../team-output" as "/out"') },
      { name: 'the working directory inside a read-only grant', policy: fs('read "/srv" as "/srv"') },
    ],
    invalid: [
      {
        policy: fs('write "/" as "/host"'),
        errors: [{ messageId: 'root', line: 3, column: 11, endLine: 3, endColumn: 14, message: 'the whole host file system ("/") is writable' }],
      },
      {
        policy: fs('write "." as "/work"'),
        errors: [
          {
            messageId: 'policyDir',
            line: 3,
            column: 11,
            endLine: 3,
            endColumn: 14,
            message: 'writable directory "/policies/team" contains the policy file "/policies/team/policy.wsp", so the module could rewrite its own policy',
          },
        ],
      },
      { name: 'a parent of the policy directory', policy: fs('read-write ".." as "/up"'), errors: [{ messageId: 'policyDir', line: 3, column: 16, endLine: 3, endColumn: 20 }] },
      {
        name: 'a path that only reaches the policy directory after cleaning',
        policy: fs('write "./out/../.." as "/x"'),
        errors: [{ messageId: 'policyDir', line: 3, column: 11, endLine: 3, endColumn: 24 }],
      },
      {
        policy: fs('write "/srv/run" as "/run"'),
        errors: [{ messageId: 'workingDir', line: 3, column: 11, endLine: 3, endColumn: 21, message: 'writable directory "/srv/run" is or contains the working directory "/srv/run"' }],
      },
      { name: 'a parent of the working directory, with a trailing slash', policy: fs('write "/srv/" as "/srv"'), errors: [{ messageId: 'workingDir', line: 3, column: 11, endLine: 3, endColumn: 18 }] },
      {
        name: 'the working directory given for the run',
        policy: fs('write "./build" as "/build"'),
        cwd: '/policies/team/build',
        errors: [{ messageId: 'workingDir', line: 3, column: 11, endLine: 3, endColumn: 20 }],
      },
      {
        name: 'a directory holding the extended file (the module could rewrite its base policy)',
        policy: 'policy "a" extends "../shared/base.wsp" {\n  filesystem {\n    write "../shared" as "/shared"\n  }\n}\n',
        files: { '../shared/base.wsp': 'policy "b" {\n}\n' },
        errors: [
          {
            messageId: 'policyDir',
            line: 3,
            column: 11,
            endLine: 3,
            endColumn: 22,
            message: 'writable directory "/policies/shared" contains the policy file "/policies/shared/base.wsp", so the module could rewrite its own policy',
          },
        ],
      },
      {
        name: 'inherited from an extended file',
        policy: 'policy "a" extends "./base.wsp" {\n}\n',
        files: { 'base.wsp': fs('write "/" as "/host"') },
        errors: [{ messageId: 'root', line: 1, column: 12, endLine: 1, endColumn: 32 }],
      },
    ],
  },
  { describe, it },
);
