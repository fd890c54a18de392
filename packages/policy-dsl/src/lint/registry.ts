// The rule registry: every built-in rule, from the generated list in rules/all.generated.ts
// (rewritten by `WSBC_BLESS=1 npx vitest run src/lint/meta.test.ts`, and checked against the
// rules/ folder by that meta-test, so adding a rule never means editing a hand-written index).
// Importing this module registers every lint diagnostic code with @wsbc/diagnostics.
import { registerCodes, type CodeTable } from '@wsbc/diagnostics';
import { BUILTIN_CHECKS } from './builtin-checks.js';
import { generatedRules } from './rules/all.generated.js';
import type { LintRule } from './types.js';

export const allRules: readonly LintRule[] = [...generatedRules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const byId = new Map(allRules.map((r) => [r.id, r]));

export function ruleById(id: string): LintRule | undefined {
  return byId.get(id);
}

/** Diagnostic codes of the linter: one per rule (`lint/<id>`) and one per built-in check. */
export function lintCodeTable(rules: readonly LintRule[] = allRules): CodeTable {
  const table: CodeTable = {};
  for (const rule of rules) {
    table[`lint/${rule.id}`] = { severity: rule.defaultLevel === 'off' ? 'info' : rule.defaultLevel, summary: rule.description };
  }
  for (const check of Object.values(BUILTIN_CHECKS)) {
    table[`lint/${check.id}`] = { severity: check.defaultLevel, summary: check.summary };
  }
  return table;
}

registerCodes(lintCodeTable());
