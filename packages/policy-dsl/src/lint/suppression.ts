// Inline suppression comments. A finding is silenced only with a stated reason, so that every
// accepted risk is explained where a reviewer sees it:
//
//   # wsbc-lint-disable-next-line no-full-network, env-full: the sandbox runs in an isolated VM
//   network full  # wsbc-lint-disable-line no-full-network: isolated VM
//   # wsbc-lint-disable-file large-fuel-budget: batch job, budget agreed with ops
//
// `next-line` applies to the next line that holds policy text (blank and comment-only lines are
// skipped, so several directives can be stacked above one line); `line` to its own line; `file`
// to the whole file. A finding is matched by the line its span starts on; a directive on the first
// or last line of a statement written over several lines (a list broken over lines) applies to all
// of them, since `wsbc fmt` breaks and joins lists by their width. A directive without a reason is
// reported and suppresses nothing.
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import type { CstStatement } from '../cst.js';
import { BUILTIN_CHECKS, bareRuleId, isBuiltinCheckId } from './builtin-checks.js';
import { closestMatch } from '../suggest.js';
import type { LineIndex } from './text-span.js';

export type DirectiveKind = 'disable-next-line' | 'disable-line' | 'disable-file';

const DIRECTIVE_PREFIX = 'wsbc-lint-';
const KINDS: readonly DirectiveKind[] = ['disable-next-line', 'disable-line', 'disable-file'];

export interface DirectiveRule {
  id: string;
  span: TextSpan;
}

export interface SuppressionDirective {
  kind: DirectiveKind;
  rules: DirectiveRule[];
  reason: string;
  /** The whole comment. */
  span: TextSpan;
  /** The 1-based line the directive applies to; undefined for `disable-file` (and for a next-line directive at the end of the file). */
  targetLine?: number;
}

export interface ParsedSuppressions {
  /** Well-formed directives, each with a reason. */
  directives: SuppressionDirective[];
  /** Problems with directives (missing reason, unknown rule, malformed), as unlevelled diagnostics. */
  problems: Diagnostic[];
}

/** Where a comment is: offsets of its `#` and of its end (the lexer's Comment spans). */
export interface CommentRange {
  startOffset: number;
  endOffset: number;
}

/** Lines (1-based) holding anything but whitespace and comments: where `next-line` directives can land. */
function linesWithPolicyText(lines: LineIndex, comments: readonly CommentRange[]): Set<number> {
  const text = lines.text;
  const codeLines = new Set<number>();
  let c = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      continue;
    }
    while (c < comments.length && comments[c]!.endOffset <= i) c++;
    const inComment = c < comments.length && comments[c]!.startOffset <= i;
    if (!inComment && ch !== ' ' && ch !== '\t' && ch !== '\r') codeLines.add(line);
  }
  return codeLines;
}

/**
 * Reads every suppression directive among a policy's comments (as the lexer found them, so a `#`
 * inside a string is never mistaken for one). `ruleIds` tells which rules exist.
 */
export function parseSuppressions(lines: LineIndex, comments: readonly CommentRange[], ruleIds: ReadonlySet<string>): ParsedSuppressions {
  const sorted = [...comments].sort((a, b) => a.startOffset - b.startOffset);
  let codeLines: Set<number> | undefined;
  const directives: SuppressionDirective[] = [];
  const problems: Diagnostic[] = [];
  const text = lines.text;

  for (const range of sorted) {
    const comment = { start: range.startOffset, end: range.endOffset, line: lines.lineOf(range.startOffset) };
    // Position just after '#' and any spaces.
    let p = comment.start + 1;
    while (p < comment.end && (text[p] === ' ' || text[p] === '\t')) p++;
    if (!text.startsWith(DIRECTIVE_PREFIX, p)) continue;
    const commentSpan = lines.span(comment.start, comment.end);
    const kindMatch = /^[a-z-]*/.exec(text.slice(p + DIRECTIVE_PREFIX.length, comment.end))![0];
    const kind = KINDS.find((k) => k === kindMatch);
    if (!kind) {
      const hint = closestMatch(kindMatch, KINDS);
      problems.push({
        code: 'lint/invalid-suppression',
        severity: 'error',
        message: `unknown directive "${DIRECTIVE_PREFIX}${kindMatch}"`,
        span: lines.span(p, p + DIRECTIVE_PREFIX.length + kindMatch.length),
        help: hint ? `did you mean "${DIRECTIVE_PREFIX}${hint}"?` : `directives are ${KINDS.map((k) => DIRECTIVE_PREFIX + k).join(', ')}`,
      });
      continue;
    }
    const q = p + DIRECTIVE_PREFIX.length + kind.length;
    const colon = text.indexOf(':', q);
    const listEnd = colon >= 0 && colon < comment.end ? colon : comment.end;
    const rules: DirectiveRule[] = [];
    let malformed = false;
    // Rule ids, separated by commas and/or spaces.
    const listRe = /[^\s,]+/g;
    const list = text.slice(q, listEnd);
    for (let m = listRe.exec(list); m; m = listRe.exec(list)) {
      const raw = m[0];
      const span = lines.span(q + m.index, q + m.index + raw.length);
      const id = bareRuleId(raw);
      if (isBuiltinCheckId(id)) {
        problems.push({
          code: 'lint/invalid-suppression',
          severity: 'error',
          message: `"${id}" reports on the linter's own input and cannot be suppressed inline`,
          span,
          help: BUILTIN_CHECKS[id].configurable ? 'set its level in .wsbc-lint.json instead' : 'fix the configuration instead',
        });
        malformed = true;
      } else if (!ruleIds.has(id)) {
        const hint = closestMatch(id, [...ruleIds]);
        problems.push({
          code: 'lint/invalid-suppression',
          severity: 'error',
          message: `the suppression names an unknown rule "${id}"`,
          span,
          help: hint ? `did you mean "${hint}"?` : 'run `wsbc lint --list-rules` to see every rule',
        });
        malformed = true;
      } else {
        rules.push({ id, span });
      }
    }
    if (rules.length === 0 && !malformed) {
      problems.push({
        code: 'lint/invalid-suppression',
        severity: 'error',
        message: `"${DIRECTIVE_PREFIX}${kind}" must name the rules it silences`,
        span: commentSpan,
        help: `write "# ${DIRECTIVE_PREFIX}${kind} <rule-id>: <reason>"; silencing every rule at once would hide new risks`,
      });
      continue;
    }
    const reason = colon >= 0 && colon < comment.end ? text.slice(colon + 1, comment.end).trim() : '';
    if (reason === '') {
      problems.push({
        code: 'lint/suppression-missing-reason',
        severity: 'error',
        message: `the suppression of ${rules.map((r) => `"${r.id}"`).join(', ') || 'these rules'} gives no reason, so it silences nothing`,
        span: commentSpan,
        help: 'add ": <why this is acceptable here>" after the rule list',
      });
      continue;
    }
    if (rules.length === 0) continue;
    let targetLine: number | undefined;
    if (kind === 'disable-line') targetLine = comment.line;
    else if (kind === 'disable-next-line') {
      codeLines ??= linesWithPolicyText(lines, sorted);
      for (let l = comment.line + 1; l <= lines.lineCount; l++) {
        if (codeLines.has(l)) {
          targetLine = l;
          break;
        }
      }
    }
    directives.push({ kind, rules, reason, span: commentSpan, ...(targetLine !== undefined ? { targetLine } : {}) });
  }
  return { directives, problems };
}

/** Lines of a statement's terms (its block aside) when they span several lines. */
export interface LineRange {
  from: number;
  to: number;
}

/**
 * For the first and the last line of every statement whose terms span several lines, those lines:
 * where a directive on such a line applies.
 */
export function multiLineStatements(statements: readonly CstStatement[]): Map<number, LineRange> {
  const ranges = new Map<number, LineRange>();
  const add = (line: number, range: LineRange): void => {
    const known = ranges.get(line);
    ranges.set(line, known ? { from: Math.min(known.from, range.from), to: Math.max(known.to, range.to) } : range);
  };
  const walk = (list: readonly CstStatement[]): void => {
    for (const stmt of list) {
      const last = stmt.terms.at(-1);
      if (last && last.span.endLine > stmt.span.line) {
        const range = { from: stmt.span.line, to: last.span.endLine };
        add(range.from, range);
        add(range.to, range);
      }
      if (stmt.block) walk(stmt.block.statements);
    }
  };
  walk(statements);
  return ranges;
}
