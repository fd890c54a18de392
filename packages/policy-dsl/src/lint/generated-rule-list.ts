// Renders rules/all.generated.ts from the rule files present in rules/: the one place that would
// otherwise be a hand-written index. The meta-test compares the file with this rendering (and
// rewrites it when WSBC_BLESS=1), so a rule file that is added or removed cannot be forgotten.

/** The rule ids of a directory listing of rules/: every `<id>.ts` except tests and the list itself. */
export function ruleIdsFromListing(fileNames: readonly string[]): string[] {
  return fileNames
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'all.generated.ts')
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

export function renderRuleList(ids: readonly string[]): string {
  const ident = (id: string): string => id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return [
    '// Generated from the files in this folder by src/lint/meta.test.ts (WSBC_BLESS=1 rewrites it); do not edit.',
    "import type { LintRule } from '../types.js';",
    ...ids.map((id) => `import ${ident(id)} from './${id}.js';`),
    '',
    'export const generatedRules: readonly LintRule[] = [',
    ...ids.map((id) => `  ${ident(id)},`),
    '];',
    '',
  ].join('\n');
}
