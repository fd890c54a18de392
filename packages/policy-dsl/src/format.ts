// The formatter: prints the canonical layout of a policy from its concrete syntax tree. Canonical
// means: one statement per line, two-space indentation, one space between terms, `{` on the line
// of its statement and `}` on a line of its own, lists as `[a, b]` (one item per line, with a
// trailing comma, when the line would exceed 100 columns or the list holds comments), at most one
// blank line between statements and none at the start of a block, LF line endings, one final
// newline. Words, strings and numbers are printed as written; every comment is kept where it was
// (own-line comments before the statement they precede, end-of-line comments on their line, which
// for a comment after a one-line block is the line of the block's last statement).
// The formatter works on the CST, so it formats files whose meaning has errors (an unknown block)
// and refuses only text with syntax errors, where the layout of the user's intent is unclear.
import type { Result } from '@wsbc/diagnostics';
import type { CstBlock, CstComment, CstList, CstStatement, CstTerm } from './cst.js';
import { hasErrors } from './diagnostics.js';
import type { Token } from './lexer.js';
import { parseCst } from './parser.js';

const INDENT = '  ';
const MAX_WIDTH = 100;

export function formatPolicy(text: string, file: string): Result<string> {
  const { cst, diagnostics } = parseCst(text, file);
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  const lines: string[] = [];
  printSequence(cst.statements, cst.trailingComments, 0, lines);
  return { ok: true, value: lines.length === 0 ? '' : `${lines.join('\n')}\n`, diagnostics };
}

function printSequence(statements: CstStatement[], closing: CstComment[], depth: number, lines: string[]): void {
  const pad = INDENT.repeat(depth);
  let first = true;
  const blank = (wanted: boolean): void => {
    if (wanted && !first) lines.push('');
    first = false;
  };
  for (const stmt of statements) {
    for (const c of stmt.leading) {
      blank(c.blankBefore);
      lines.push(pad + c.text);
    }
    blank(stmt.blankBefore);
    printStatement(stmt, depth, lines);
  }
  for (const c of closing) {
    blank(c.blankBefore);
    lines.push(pad + c.text);
  }
}

function printStatement(stmt: CstStatement, depth: number, lines: string[]): void {
  const pad = INDENT.repeat(depth);
  const flat = stmt.terms.map((t) => flatTerm(t)).join(' ');
  const needsBreak = stmt.terms.some((t) => t.kind === 'list' && hasComments(t)) || pad.length + flat.length > MAX_WIDTH;
  // `cur` is the line being built; a broken list flushes it and the line continues after `]`.
  let cur = pad;
  let lineStart = true;
  const append = (s: string): void => {
    cur += lineStart ? s : ` ${s}`;
    lineStart = false;
  };
  const emit = (term: CstTerm, level: number): void => {
    if (term.kind !== 'list' || !needsBreak || term.items.length + term.trailingComments.length === 0) {
      append(flatTerm(term));
      return;
    }
    const inner = INDENT.repeat(level + 1);
    append('[');
    lines.push(cur);
    for (const item of term.items) {
      for (const c of item.leading) lines.push(inner + c.text);
      cur = inner;
      lineStart = true;
      emit(item.term, level + 1);
      lines.push(`${cur},${item.trailing ? ` ${item.trailing.text}` : ''}`);
    }
    for (const c of term.trailingComments) lines.push(inner + c.text);
    cur = `${INDENT.repeat(level)}]`;
  };
  for (const term of stmt.terms) emit(term, depth);
  if (stmt.block) {
    printBlock(stmt.block, cur === pad ? pad : `${cur} `, depth, lines, stmt.trailing);
    return;
  }
  lines.push(cur + (stmt.trailing ? ` ${stmt.trailing.text}` : ''));
}

function printBlock(block: CstBlock, head: string, depth: number, lines: string[], trailing: CstComment | null): void {
  const pad = INDENT.repeat(depth);
  const after = trailing ? ` ${trailing.text}` : '';
  if (block.statements.length === 0 && block.closingComments.length === 0 && !block.openComment) {
    lines.push(`${head}{}${after}`);
    return;
  }
  // A comment after a `}` on the line of the block's last statement (`imports { allow "h" "*" } # c`)
  // was written at the end of that statement's line, and stays there when the block is laid out
  // over lines: a `wsbc-lint-disable-line` directive must keep applying to that statement.
  const last = block.statements.at(-1);
  const moved = trailing !== null && block.closed && last !== undefined && last.trailing === null && last.span.endLine === block.span.endLine;
  const statements = moved ? [...block.statements.slice(0, -1), { ...last, trailing }] : block.statements;
  lines.push(`${head}{${block.openComment ? ` ${block.openComment.text}` : ''}`);
  printSequence(statements, block.closingComments, depth + 1, lines);
  lines.push(`${pad}}${moved ? '' : after}`);
}

function hasComments(list: CstList): boolean {
  return list.trailingComments.length > 0 || list.items.some((i) => i.leading.length > 0 || i.trailing !== null || (i.term.kind === 'list' && hasComments(i.term)));
}

function flatTerm(term: CstTerm): string {
  switch (term.kind) {
    case 'range':
      return `${flatTerm(term.from)}..${term.to ? flatTerm(term.to) : ''}`;
    case 'list':
      return `[${term.items.map((i) => flatTerm(i.term)).join(', ')}]`;
    case 'number':
      return canonicalNumber(term);
    default:
      return term.text;
  }
}

/**
 * Units are attached (`64MiB`, `250ms`, `1MiB/s`), except pages, which read as a word
 * (`16 pages`): one spelling per quantity, so that a diff never shows `64 MiB` -> `64MiB`.
 */
function canonicalNumber(token: Token): string {
  if (token.invalid || token.unit === undefined || token.numberText === undefined) return token.text;
  return token.unit === 'page' || token.unit === 'pages' ? `${token.numberText} ${token.unit}` : `${token.numberText}${token.unit}`;
}
