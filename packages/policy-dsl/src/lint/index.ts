// Public API of the policy linter: lint a policy's text or an already-compiled policy, the rule
// registry, configuration, and the table tester for rules.
export type { LintLevel, LintRule, RuleCategory, RuleContext, RuleReport, RuleOptionSpec, RuleOptionValue } from './types.js';
export { defineRule, LINT_LEVELS, RULE_CATEGORIES } from './types.js';
export { allRules, ruleById, lintCodeTable } from './registry.js';
export { BUILTIN_CHECKS, type BuiltinCheck, type BuiltinCheckId } from './builtin-checks.js';
export {
  LINT_CONFIG_FILE,
  findLintConfig,
  parseLintConfig,
  parseRuleFlag,
  resolveRuleSettings,
  type LintConfig,
  type ParsedLintConfig,
  type RuleConfigEntry,
  type RuleFlagResult,
  type RuleSetting,
} from './config.js';
export { lintParsedPolicy, type LintResult, type LintSettings, type ParsedPolicy, type SuppressedFinding } from './linter.js';
export { lintPolicySource, type LintSourceOptions, type LintSourceResult } from './lint-source.js';
export type { PolicyLocator } from './locate.js';
export { testRule, runRuleCase, type RuleTestTable, type ValidCase, type InvalidCase, type ExpectedFinding, type RuleTestFramework } from './rule-tester.js';
