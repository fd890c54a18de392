// The concrete syntax tree: what the parser produces. The grammar at this level is uniform (a
// statement is a line of terms, optionally followed by a `{ ... }` block of statements), so the
// parser knows nothing about block names or settings: an unknown block name is a meaning error
// found by the lowering, with a "did you mean", not a syntax error. The CST keeps every comment
// and blank line the formatter needs, and has holes (`null`) where a delimiter is missing.
import type { TextSpan } from '@wsbc/diagnostics';
import type { Token } from './lexer.js';

export interface CstComment {
  /** The comment text including the leading `#`, without trailing whitespace. */
  text: string;
  span: TextSpan;
  /** A blank line separates this comment from what precedes it. */
  blankBefore: boolean;
}

/** `a..b`; `to` is null when the right side is missing (a hole). */
export interface CstRange {
  kind: 'range';
  from: Token;
  to: Token | null;
  span: TextSpan;
}

export interface CstListItem {
  term: CstTerm;
  leading: CstComment[];
  trailing: CstComment | null;
}

export interface CstList {
  kind: 'list';
  items: CstListItem[];
  /** Comments after the last item, before `]`. */
  trailingComments: CstComment[];
  /** False when the closing `]` is missing. */
  closed: boolean;
  span: TextSpan;
}

/** A term: a single token (an ident, string, number or `=`), a range, or a list. */
export type CstTerm = Token | CstRange | CstList;

export function isTokenTerm(term: CstTerm): term is Token {
  return term.kind !== 'range' && term.kind !== 'list';
}

export interface CstBlock {
  /** Comment on the same line as `{`. */
  openComment: CstComment | null;
  statements: CstStatement[];
  /** Comments after the last statement, before `}`. */
  closingComments: CstComment[];
  /** False when the closing `}` is missing. */
  closed: boolean;
  span: TextSpan;
}

export interface CstStatement {
  terms: CstTerm[];
  block: CstBlock | null;
  leading: CstComment[];
  /** Comment at the end of the statement's (last) line. */
  trailing: CstComment | null;
  blankBefore: boolean;
  span: TextSpan;
}

export interface CstFile {
  statements: CstStatement[];
  /** Comments after the last statement. */
  trailingComments: CstComment[];
  /** Every comment, in source order. */
  comments: CstComment[];
  span: TextSpan;
}
