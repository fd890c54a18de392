// Table tests for lint rules, in the style of typescript-eslint's RuleTester: `valid` policies
// must produce no finding, each `invalid` policy exactly the listed findings (message id and exact
// span). Independent of the test framework (pass vitest's `describe` and `it`), so authors of
// custom rules can use it too. Each case runs the whole pipeline (parse, compile, lint) on an
// in-memory file system, with only the rule under test enabled.
import { inspect, isDeepStrictEqual } from 'node:util';
import { resolve } from 'node:path';
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import { lintPolicySource } from './lint-source.js';
import type { LintRule, RuleOptionValue } from './types.js';

export interface RuleTestFramework {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => void | Promise<void>): void;
}

export interface ValidCase {
  /** Test name; defaults to the first line of the policy. */
  name?: string;
  policy: string;
  /** Rule options, as in a configuration file. */
  options?: Record<string, RuleOptionValue>;
  /** Other files by path relative to the policy's directory (for `extends "./base.wsp"`). */
  files?: Record<string, string>;
  /** Working directory of the sandboxed run; default `/srv/run`. */
  cwd?: string;
  /** Home directory of the sandbox's user; default `/home/tester`. */
  homeDir?: string;
}

export interface ExpectedFinding {
  messageId: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** When given, the full rendered message must match. */
  message?: string;
}

export interface InvalidCase extends ValidCase {
  errors: ExpectedFinding[];
}

export interface RuleTestTable {
  valid: Array<ValidCase | string>;
  invalid: InvalidCase[];
}

// Assertions over node:util rather than node:assert: this module is part of the package's public
// API, loaded by every command that imports it, and node:util is loaded by the CLI anyway.
class RuleTestFailure extends Error {
  override name = 'RuleTestFailure';
}

function fail(message: string): never {
  throw new RuleTestFailure(message);
}

function ok(condition: boolean, message: string): void {
  if (!condition) fail(message);
}

function deepStrictEqual(actual: unknown, expected: unknown, message = 'findings differ'): void {
  if (!isDeepStrictEqual(actual, expected)) {
    fail(`${message}\nexpected: ${inspect(expected, { depth: 5 })}\nactual:   ${inspect(actual, { depth: 5 })}`);
  }
}

/** Directory of the policy under test in the in-memory file system. */
export const RULE_TEST_POLICY_DIR = '/policies/team';
export const RULE_TEST_POLICY_FILE = `${RULE_TEST_POLICY_DIR}/policy.wsp`;

/** Runs one case and returns the findings of `rule` (the policy must compile cleanly). */
export function runRuleCase(rule: LintRule, testCase: ValidCase): Diagnostic[] {
  const files = new Map<string, string>();
  files.set(RULE_TEST_POLICY_FILE, testCase.policy);
  for (const [path, text] of Object.entries(testCase.files ?? {})) files.set(resolve(RULE_TEST_POLICY_DIR, path), text);
  const result = lintPolicySource(testCase.policy, {
    file: RULE_TEST_POLICY_FILE,
    baseDir: RULE_TEST_POLICY_DIR,
    readFile: (path) => files.get(resolve(RULE_TEST_POLICY_DIR, path)),
    rules: [rule],
    // Rules that are off by default are still tested: enable them at their report level.
    overrides: rule.defaultLevel === 'off' ? { [rule.id]: 'info' } : {},
    config: testCase.options ? { rules: { [rule.id]: { options: testCase.options } } } : undefined,
    cwd: testCase.cwd ?? '/srv/run',
    homeDir: testCase.homeDir ?? '/home/tester',
  });
  if (!result.ok) {
    fail(`the test policy does not compile:\n${result.diagnostics.map((d) => `  ${d.code}: ${d.message} (line ${(d.span as TextSpan | undefined)?.line})`).join('\n')}`);
  }
  const foreign = result.diagnostics.filter((d) => d.code !== `lint/${rule.id}` && d.severity === 'error');
  ok(foreign.length === 0, `unexpected diagnostics: ${foreign.map((d) => `${d.code}: ${d.message}`).join('; ')}`);
  return result.diagnostics.filter((d) => d.code === `lint/${rule.id}`);
}

export function testRule(rule: LintRule, table: RuleTestTable, { describe, it }: RuleTestFramework): void {
  describe(rule.id, () => {
    for (const entry of table.valid) {
      const testCase = typeof entry === 'string' ? { policy: entry } : entry;
      it(`valid: ${caseName(testCase)}`, () => {
        const findings = runRuleCase(rule, testCase);
        deepStrictEqual(findings.map(summarize), [], 'expected no finding');
      });
    }
    for (const testCase of table.invalid) {
      it(`invalid: ${caseName(testCase)}`, () => {
        const findings = runRuleCase(rule, testCase);
        const actual = findings.map((d, i) => {
          const s = summarize(d);
          return testCase.errors[i]?.message === undefined ? { ...s, message: undefined } : s;
        });
        const expected = testCase.errors.map((e) => ({ ...e, message: e.message }));
        deepStrictEqual(actual, expected);
      });
    }
    it('has an invalid case for every message', () => {
      const covered = new Set(table.invalid.flatMap((c) => c.errors.map((e) => e.messageId)));
      const missing = Object.keys(rule.messages).filter((m) => !covered.has(m));
      deepStrictEqual(missing, [], 'messages without an invalid case');
      ok(table.valid.length > 0, 'a rule needs at least one valid case');
    });
  });
}

function summarize(d: Diagnostic): ExpectedFinding {
  const span = d.span as TextSpan;
  return {
    messageId: String(d.data?.messageId),
    line: span.line,
    column: span.column,
    endLine: span.endLine,
    endColumn: span.endColumn,
    message: d.message,
  };
}

function caseName(c: ValidCase): string {
  if (c.name) return c.name;
  const first = c.policy.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? c.policy;
  return first.trim().slice(0, 80);
}

