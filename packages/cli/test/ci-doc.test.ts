// docs/ci.md must stay runnable: every `wsbc` command its workflow and hooks use exists, and
// every flag they pass is one that command documents in its usage text. The workflow also keeps
// the two things code scanning needs (the permission and one upload per SARIF file, each with a
// category).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/cli.js';

const doc = readFileSync(join(import.meta.dirname, '../../../docs/ci.md'), 'utf8');
const blocks = [...doc.matchAll(/```(?:yaml|sh)\n([\s\S]*?)```/g)].map((m) => m[1]!);
const invocations = blocks.flatMap((b) => [...b.matchAll(/npx wsbc ([a-z-]+)([^\n|>;&]*)/g)].map((m) => ({ name: m[1]!, args: m[2]! })));

describe('docs/ci.md', () => {
  it('uses wsbc commands at all', () => {
    expect(new Set(invocations.map((i) => i.name))).toEqual(new Set(['fmt', 'lint', 'check', 'build', 'verify']));
  });

  for (const { name, args } of invocations) {
    it(`wsbc ${name}${args}: the command and its flags exist`, async () => {
      const entry = commands[name];
      expect(entry, `wsbc ${name} is not a command`).toBeDefined();
      const usage = (await entry!.load()).default.usage;
      for (const flag of args.match(/--[a-z-]+/g) ?? []) expect(usage, `wsbc ${name} has no ${flag}`).toContain(flag);
    });
  }

  it('grants the SARIF upload permission and uploads each SARIF file under its own category', () => {
    const workflow = blocks[0]!;
    expect(workflow).toContain('security-events: write');
    const uploads = [...workflow.matchAll(/upload-sarif@v3\n\s+with:\n\s+sarif_file: (\S+)\n\s+category: (\S+)/g)];
    expect(uploads.map((u) => u[1])).toEqual(['lint.sarif', 'check.sarif']);
    expect(new Set(uploads.map((u) => u[2])).size).toBe(2);
  });
});
