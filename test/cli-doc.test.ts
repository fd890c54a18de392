// docs/cli.md and the RunResult descriptions of docs/api.md and docs/runtime.md are references
// users work from: these tests keep them true. Every command has its section in cli.md, which
// names every long flag of the command's --help and no flag the command lacks; and both API pages
// name every field of RunResult (the list below is checked against the type by `pnpm
// typecheck:tests`, which `pnpm test` runs first).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '@wsbc/cli';
import type { RunResult } from '@wsbc/runtime';

const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const cliDoc = read('docs/cli.md');

/** The text of `## <name>` up to the next `## ` heading. */
function section(doc: string, name: string): string | undefined {
  const start = doc.indexOf(`\n## ${name}\n`);
  if (start === -1) return undefined;
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
}

const longFlags = (text: string) => new Set(text.match(/--[a-z][a-z-]*/g) ?? []);

describe('docs/cli.md', () => {
  for (const [name, entry] of Object.entries(commands)) {
    it(`documents wsbc ${name} with every flag of its --help`, async () => {
      const text = section(cliDoc, name);
      expect(text, `no "## ${name}" section`).toBeDefined();
      const usage = (await entry.load()).default.usage;
      const missing = [...longFlags(usage)].filter((flag) => flag !== '--help' && !text!.includes(flag));
      expect(missing).toEqual([]);
    });

    it(`lists no flag wsbc ${name} does not have`, async () => {
      const usage = (await entry.load()).default.usage;
      const rows = section(cliDoc, name)!.split('\n').filter((line) => line.startsWith('| `-'));
      const stale = rows.flatMap((row) => [...longFlags(row.split(' | ')[0]!)]).filter((flag) => !usage.includes(flag));
      expect(stale).toEqual([]);
    });
  }
});

// Every field of RunResult, once. The two checks below fail type-checking when a field is added to
// or removed from RunResult without this list (and so the docs) following.
const RUN_RESULT_FIELDS = ['status', 'termination', 'exitCode', 'reason', 'limit', 'fuelUsed', 'stats', 'diagnostics', 'randomSeed'] as const;
type Listed = (typeof RUN_RESULT_FIELDS)[number];
const everyFieldListed: Exclude<keyof RunResult, Listed> extends never ? true : never = true;
const noStaleField: Exclude<Listed, keyof RunResult> extends never ? true : never = true;

describe('RunResult in docs/api.md and docs/runtime.md', () => {
  const paragraphs = {
    'docs/api.md': /`RunResult` carries[\s\S]*?\n\n/,
    'docs/runtime.md': /`RunResult` with[\s\S]*?\n\n/,
  };
  for (const [file, pattern] of Object.entries(paragraphs)) {
    it(`${file} names every field`, () => {
      expect(everyFieldListed && noStaleField).toBe(true);
      const paragraph = read(file).match(pattern)?.[0];
      expect(paragraph, `no RunResult paragraph in ${file}`).toBeDefined();
      expect(RUN_RESULT_FIELDS.filter((field) => !paragraph!.includes(`\`${field}\``))).toEqual([]);
    });
  }
});
