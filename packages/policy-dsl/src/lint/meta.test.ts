// Checks that the rule folder, the generated rule list, the docs and the diagnostic registry
// agree, so that adding a rule touches one folder (plus its doc section) and nothing is forgotten.
// WSBC_BLESS=1 rewrites rules/all.generated.ts from the folder.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCode } from '@wsbc/diagnostics';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CHECKS } from './builtin-checks.js';
import { renderRuleList, ruleIdsFromListing } from './generated-rule-list.js';
import { LINT_LEVELS, RULE_CATEGORIES } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const rulesDir = join(here, 'rules');
const docsFile = join(here, '../../../../docs/lint-rules.md');
const listFile = join(rulesDir, 'all.generated.ts');

const ids = ruleIdsFromListing(readdirSync(rulesDir));
const docs = readFileSync(docsFile, 'utf8');
// Blessing happens before the registry is loaded, so that it also repairs a list that names a
// deleted rule file (which could not be imported).
if (process.env.WSBC_BLESS === '1') writeFileSync(listFile, renderRuleList(ids));
const { allRules } = await import('./registry.js');

/** The text of the `### <id>` section of docs/lint-rules.md. */
function docSection(id: string): string | undefined {
  const start = docs.indexOf(`\n### ${id}\n`);
  if (start < 0) return undefined;
  const next = docs.indexOf('\n### ', start + 1);
  const nextTop = docs.indexOf('\n## ', start + 1);
  const end = [next, nextTop].filter((n) => n > 0).reduce((a, b) => Math.min(a, b), docs.length);
  return docs.slice(start, end);
}

describe('the rule registry', () => {
  it('rules/all.generated.ts lists exactly the rule files', () => {
    const expected = renderRuleList(ids);
    expect(readFileSync(listFile, 'utf8'), 'run WSBC_BLESS=1 npx vitest run src/lint/meta.test.ts').toBe(expected);
  });

  it('has at least twelve rules', () => {
    expect(allRules.length).toBeGreaterThanOrEqual(12);
    expect(allRules.map((r) => r.id)).toEqual(ids);
  });

  describe.each(allRules.map((r) => [r.id, r] as const))('%s', (id, rule) => {
    it('has an id equal to its file name, in kebab case', () => {
      expect(ids).toContain(rule.id);
      expect(rule.id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    });

    it('has a category, a default level, a description and messages', () => {
      expect(RULE_CATEGORIES).toContain(rule.category);
      expect(LINT_LEVELS).toContain(rule.defaultLevel);
      expect(rule.description.length).toBeGreaterThan(20);
      expect(rule.description).toMatch(/\.$/);
      expect(Object.keys(rule.messages).length).toBeGreaterThan(0);
      for (const [name, spec] of Object.entries(rule.options ?? {})) {
        expect(spec.description, `option ${name}`).not.toBe('');
      }
    });

    it('has a table test beside it', () => {
      expect(existsSync(join(rulesDir, `${id}.test.ts`))).toBe(true);
    });

    it('has a doc section stating its category, default level and options', () => {
      const section = docSection(id);
      expect(section, `docs/lint-rules.md needs a "### ${id}" section`).toBeDefined();
      expect(section).toContain(`- **Category:** ${rule.category}\n`);
      expect(section).toContain(`- **Default level:** ${rule.defaultLevel}\n`);
      expect(section).toContain('How to fix');
      expect(section).toMatch(/```\n[\s\S]+?\n```/);
      for (const name of Object.keys(rule.options ?? {})) expect(section).toContain(`\`${name}\``);
    });

    it('registers its diagnostic code', () => {
      expect(describeCode(`lint/${id}`)).toMatchObject({ summary: rule.description });
    });
  });

  it('documents no rule that does not exist, and every built-in check', () => {
    const documented = [...docs.matchAll(/\n### ([a-z0-9-]+)\n/g)].map((m) => m[1]!);
    const known = new Set([...ids, ...Object.keys(BUILTIN_CHECKS)]);
    expect(documented.filter((d) => !known.has(d))).toEqual([]);
    for (const check of Object.values(BUILTIN_CHECKS)) {
      expect(documented).toContain(check.id);
      expect(describeCode(`lint/${check.id}`)).toMatchObject({ severity: check.defaultLevel });
    }
  });
});
