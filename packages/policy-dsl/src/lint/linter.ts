// The linter: runs every enabled rule on one policy, applies levels (defaults, configuration,
// per-run flags) and inline suppressions, and returns diagnostics as data. Rules see the policy's
// meaning (the normalized manifest) and its syntax (the AST). A rule that throws is a bug (errors
// are values everywhere else); the exception is re-thrown naming the rule and the file.
import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import type { Diagnostic, RelatedInformation, Severity, TextSpan } from '@wsbc/diagnostics';
import type { Manifest } from '@wsbc/manifest';
import type { PolicyFile } from '../ast.js';
import { BUILTIN_CHECKS, type BuiltinCheckId } from './builtin-checks.js';
import { resolveRuleSettings, type LintConfig, type RuleSetting } from './config.js';
import { createLocator } from './locate.js';
import { allRules } from './registry.js';
import { parseCst } from '../parser.js';
import { multiLineStatements, parseSuppressions, type LineRange, type SuppressionDirective } from './suppression.js';
import { LineIndex } from './text-span.js';
import type { LintLevel, LintRule, RuleReport } from './types.js';

export interface LintSettings {
  /** The rules to run; every built-in rule by default. */
  rules?: readonly LintRule[];
  /** Levels and options from a configuration file. */
  config?: LintConfig;
  /** Per-run levels (`--rule id=level`), applied over the configuration. */
  overrides?: Readonly<Record<string, LintLevel>>;
  /** The working directory the sandbox will run in (rules about writable directories); defaults to process.cwd(). */
  cwd?: string;
  /** The home directory of the user the sandbox runs as (rules about sensitive directories); defaults to os.homedir(). */
  homeDir?: string;
}

export interface ParsedPolicy {
  file: string;
  source: string;
  ast: PolicyFile;
  /** The compiled, normalized manifest of the policy (with presets and `extends` resolved). */
  manifest: Manifest;
  /** Directory relative paths in the policy are resolved against. */
  baseDir: string;
  /** Host directory that `$TMPDIR` names, as given to the compiler; os.tmpdir() when absent. */
  tmpDir?: string;
  /** Absolute paths of the policy file and every file it extends; the policy file alone when absent. */
  policyFiles?: string[];
  /** The files it extends, nearest first, so that inherited findings can point into them. */
  bases?: Array<{ ast: PolicyFile; baseDir: string }>;
}

/** A finding silenced by an inline directive, kept so that reports can show what was accepted and why. */
export interface SuppressedFinding {
  diagnostic: Diagnostic;
  reason: string;
  directive: TextSpan;
}

export interface LintResult {
  /** Findings and problems with suppressions or configuration, sorted by position. */
  diagnostics: Diagnostic[];
  suppressed: SuppressedFinding[];
}

const SEVERITY: Record<Exclude<LintLevel, 'off'>, Severity> = { error: 'error', warning: 'warning', info: 'info' };

/** Lints a policy that has already been parsed and compiled. */
export function lintParsedPolicy(policy: ParsedPolicy, settings: LintSettings = {}): LintResult {
  const rules = settings.rules ?? allRules;
  const levels = resolveRuleSettings(rules, settings.config, settings.overrides);
  const lines = new LineIndex(policy.file, policy.source);
  const bases = (policy.bases ?? []).map((b) => createLocator(b.ast, b.baseDir, policy.tmpDir));
  const locate = createLocator(policy.ast, policy.baseDir, policy.tmpDir, bases);
  const cwd = settings.cwd ?? process.cwd();
  const homeDir = settings.homeDir ?? homedir();
  const policyFiles = policy.policyFiles ?? [resolve(policy.baseDir, basename(policy.file))];

  const findings: Array<{ rule: string; diagnostic: Diagnostic }> = [];
  for (const rule of rules) {
    const setting = levels.get(rule.id)!;
    if (setting.level === 'off') continue;
    const report = (r: RuleReport): void => {
      findings.push({ rule: rule.id, diagnostic: toDiagnostic(rule, setting, r) });
    };
    try {
      rule.check({
        file: policy.file,
        source: policy.source,
        manifest: policy.manifest,
        locate,
        options: setting.options,
        cwd,
        homeDir,
        policyFiles,
        report,
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`lint rule "${rule.id}" failed on ${policy.file}: ${detail}`, { cause: error });
    }
  }

  const ruleIds = new Set(rules.map((r) => r.id));
  const { directives, problems } = parseSuppressions(lines, policy.ast.comments.map((c) => c.span), ruleIds);
  const diagnostics: Diagnostic[] = [];
  const suppressed: SuppressedFinding[] = [];
  const used = new Set<string>();
  const useKey = (d: SuppressionDirective, ruleIndex: number): string => `${d.span.startOffset}:${ruleIndex}`;

  // Only needed when a directive and a finding could be on different lines of one statement.
  const statementLines: Map<number, LineRange> = directives.some((d) => d.kind !== 'disable-file') && findings.length > 0 ? multiLineStatements(parseCst(policy.source, policy.file).cst.statements) : new Map();
  const applies = (directive: SuppressionDirective, line: number): boolean => {
    if (directive.kind === 'disable-file' || directive.targetLine === line) return true;
    const range = directive.targetLine === undefined ? undefined : statementLines.get(directive.targetLine);
    return range !== undefined && range.from <= line && line <= range.to;
  };

  for (const finding of findings) {
    const line = (finding.diagnostic.span as TextSpan).line;
    let silencedBy: SuppressionDirective | undefined;
    for (const directive of directives) {
      if (!applies(directive, line)) continue;
      const index = directive.rules.findIndex((r) => r.id === finding.rule);
      if (index < 0) continue;
      used.add(useKey(directive, index));
      silencedBy ??= directive;
    }
    if (silencedBy) suppressed.push({ diagnostic: finding.diagnostic, reason: silencedBy.reason, directive: silencedBy.span });
    else diagnostics.push(finding.diagnostic);
  }

  const builtin = (id: BuiltinCheckId, diagnostic: Diagnostic): void => {
    const level = levels.get(id)?.level ?? BUILTIN_CHECKS[id].defaultLevel;
    if (level !== 'off') diagnostics.push({ ...diagnostic, severity: SEVERITY[level] });
  };
  for (const problem of problems) builtin(problem.code.slice('lint/'.length) as BuiltinCheckId, problem);
  for (const directive of directives) {
    directive.rules.forEach((r, index) => {
      // A rule that did not run this time (turned off) says nothing about whether the directive is needed.
      if (levels.get(r.id)?.level === 'off' || used.has(useKey(directive, index))) return;
      const message =
        directive.kind === 'disable-next-line' && directive.targetLine === undefined
          ? `no policy line follows this directive, so its suppression of "${r.id}" applies to nothing`
          : `"${r.id}" reports nothing ${directive.kind === 'disable-file' ? 'in this file' : `on line ${directive.targetLine}`}, so its suppression is not needed`;
      builtin('unused-suppression', {
        code: 'lint/unused-suppression',
        severity: 'warning',
        message,
        span: r.span,
        help: 'remove the rule from the directive (or the whole comment) so that a future finding is not silenced unseen',
      });
    });
  }

  diagnostics.sort(byPosition);
  suppressed.sort((a, b) => byPosition(a.diagnostic, b.diagnostic));
  return { diagnostics, suppressed };
}

function toDiagnostic(rule: LintRule, setting: RuleSetting, report: RuleReport): Diagnostic {
  const template = (rule.messages as Record<string, string>)[report.messageId];
  if (template === undefined) throw new Error(`rule "${rule.id}" reported unknown message id "${report.messageId}"`);
  const message = template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_match, name: string) => {
    const value = report.data?.[name];
    if (value === undefined) throw new Error(`rule "${rule.id}" message "${report.messageId}" needs data "${name}"`);
    return String(value);
  });
  const diagnostic: Diagnostic = {
    code: `lint/${rule.id}`,
    severity: SEVERITY[setting.level as Exclude<LintLevel, 'off'>],
    message,
    span: report.span,
    data: { rule: rule.id, category: rule.category, messageId: report.messageId },
  };
  if (report.help) diagnostic.help = report.help;
  if (report.related && report.related.length > 0) diagnostic.related = report.related as RelatedInformation[];
  return diagnostic;
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  const sa = a.span as TextSpan | undefined;
  const sb = b.span as TextSpan | undefined;
  const oa = sa?.startOffset ?? -1;
  const ob = sb?.startOffset ?? -1;
  if (oa !== ob) return oa - ob;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
