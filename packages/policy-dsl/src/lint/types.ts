// The contract between the linter and its rules. A rule is data (id, category, default level,
// description, messages, options) plus one function that inspects a policy and reports findings;
// levels, configuration and suppression are the linter's business, never a rule's.
import type { RelatedInformation, TextSpan } from '@wsbc/diagnostics';
import type { Manifest } from '@wsbc/manifest';
import type { PolicyLocator } from './locate.js';

/** How a finding is reported; `off` disables the rule. */
export type LintLevel = 'error' | 'warning' | 'info' | 'off';

export const LINT_LEVELS: readonly LintLevel[] = ['error', 'warning', 'info', 'off'];

/**
 * What kind of problem a rule finds:
 * - `security`: the policy grants more than a sandbox usually should (risk).
 * - `correctness`: settings contradict each other or cannot be honoured as written.
 * - `intent`: the policy probably does not say what its author meant.
 * - `redundancy`: something is stated twice or has no effect.
 */
export type RuleCategory = 'security' | 'correctness' | 'intent' | 'redundancy';

export const RULE_CATEGORIES: readonly RuleCategory[] = ['security', 'correctness', 'intent', 'redundancy'];

/** A configurable rule option (thresholds, name lists). */
export type RuleOptionSpec =
  | { type: 'number'; default: number; min?: number; description: string }
  | { type: 'string-list'; default: string[]; description: string }
  | { type: 'boolean'; default: boolean; description: string };

export type RuleOptionValue = number | string[] | boolean;

/** What a rule hands to `report`. */
export interface RuleReport<M extends string = string> {
  messageId: M;
  /** Values substituted for `{{name}}` placeholders in the message. */
  data?: Record<string, string | number>;
  /** Where the problem is in the linted file. */
  span: TextSpan;
  help?: string;
  related?: RelatedInformation[];
}

export interface RuleContext<M extends string = string> {
  /** The linted file's path, as given to the linter. */
  readonly file: string;
  /** The linted file's text. */
  readonly source: string;
  /** The policy's meaning: the normalized manifest, with presets and `extends` resolved. */
  readonly manifest: Manifest;
  /** Maps parts of the meaning back to where the linted file says them. */
  readonly locate: PolicyLocator;
  /** The working directory the sandboxed module will be run from. */
  readonly cwd: string;
  /** The home directory of the user the sandbox runs as. */
  readonly homeDir: string;
  /** Absolute paths of the linted policy file and of every file it extends. */
  readonly policyFiles: readonly string[];
  /** The rule's options, defaults filled in from the rule's option specs. */
  readonly options: Readonly<Record<string, RuleOptionValue>>;
  report(report: RuleReport<M>): void;
}

export interface LintRule<M extends string = string> {
  /** Stable id, equal to the rule's file name; diagnostics carry the code `lint/<id>`. */
  readonly id: string;
  readonly category: RuleCategory;
  readonly defaultLevel: LintLevel;
  /** One sentence: what the rule reports and why it matters. */
  readonly description: string;
  /** Message templates by message id; `{{name}}` is replaced from the report's data. */
  readonly messages: Readonly<Record<M, string>>;
  readonly options?: Readonly<Record<string, RuleOptionSpec>>;
  check(context: RuleContext<M>): void;
}

/** Declares a rule with its message ids checked by the compiler. */
export function defineRule<M extends string>(rule: LintRule<M>): LintRule<M> {
  return rule;
}
