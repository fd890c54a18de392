// Stage 2: tokens -> concrete syntax tree (cst.ts), with error recovery. Every error is recorded
// and parsing continues: a statement ends at its newline, so a bad token costs at most the rest of
// its line; a missing `}` or `]` leaves a hole and the enclosing structure carries on. Nesting is
// bounded so that adversarial input (`{{{{...`) cannot exhaust the stack.
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import type { CstBlock, CstComment, CstFile, CstList, CstListItem, CstStatement, CstTerm } from './cst.js';
import { parseDiagnostic } from './diagnostics.js';
import { lex, type LineMap, type Token } from './lexer.js';

/** Deeper nesting than this is certainly not a policy; refusing it keeps recursion bounded. */
const MAX_NESTING = 32;

export interface ParseCstResult {
  cst: CstFile;
  diagnostics: Diagnostic[];
  lines: LineMap;
}

export function parseCst(text: string, file: string): ParseCstResult {
  const { tokens, diagnostics, lines } = lex(text, file);
  const parser = new Parser(tokens, diagnostics, lines);
  return { cst: parser.parseFile(), diagnostics, lines };
}

export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'newline':
      return 'end of line';
    case 'eof':
      return 'end of file';
    case 'string':
      return `string ${token.text}`;
    case 'number':
      return `number \`${token.text}\``;
    case 'ident':
      return `\`${token.text}\``;
    case 'comment':
      return 'comment';
    default:
      return `\`${token.text}\``;
  }
}

function joinSpans(a: TextSpan, b: TextSpan): TextSpan {
  return { file: a.file, line: a.line, column: a.column, endLine: b.endLine, endColumn: b.endColumn, startOffset: a.startOffset, endOffset: b.endOffset };
}

class Parser {
  private pos = 0;
  private depth = 0;
  /** Set when a list ended at a line break without its `]`: the statement ends there too. */
  private lineEndedInList = false;
  private readonly comments: CstComment[] = [];

  constructor(
    private readonly tokens: Token[],
    private readonly diagnostics: Diagnostic[],
    private readonly lines: LineMap,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private error(code: `parse/${string}`, message: string, span: TextSpan, help?: string): void {
    this.diagnostics.push(parseDiagnostic(code, message, span, { help }));
  }

  private comment(token: Token, prevEndLine: number): CstComment {
    const c: CstComment = { text: token.text.trimEnd(), span: token.span, blankBefore: token.span.line - prevEndLine >= 2 };
    this.comments.push(c);
    return c;
  }

  parseFile(): CstFile {
    const { statements, closing } = this.parseStatements(false, 0);
    const end = this.peek().span;
    return {
      statements,
      trailingComments: closing,
      comments: this.comments,
      span: { file: end.file, line: 1, column: 1, endLine: end.endLine, endColumn: end.endColumn, startOffset: 0, endOffset: end.endOffset },
    };
  }

  /** Statements until `}` (in a block, not consumed) or end of file. */
  private parseStatements(inBlock: boolean, startLine: number): { statements: CstStatement[]; closing: CstComment[] } {
    const statements: CstStatement[] = [];
    let pending: CstComment[] = [];
    let prevEndLine = startLine;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'newline') {
        this.next();
      } else if (t.kind === 'comment') {
        this.next();
        pending.push(this.comment(t, prevEndLine));
        prevEndLine = t.span.endLine;
      } else if (t.kind === 'eof') {
        return { statements, closing: pending };
      } else if (t.kind === 'rbrace') {
        if (inBlock) return { statements, closing: pending };
        this.next();
        this.error('parse/unmatched-delimiter', 'unmatched `}`', t.span, 'remove it, or add the `{` it should close');
      } else if (t.kind === 'rbracket') {
        this.next();
        this.error('parse/unmatched-delimiter', 'unmatched `]`', t.span, 'remove it, or add the `[` it should close');
      } else {
        const stmt = this.parseStatement(pending, prevEndLine);
        pending = [];
        statements.push(stmt);
        prevEndLine = stmt.trailing ? stmt.trailing.span.endLine : stmt.span.endLine;
      }
    }
  }

  private parseStatement(leading: CstComment[], prevEndLine: number): CstStatement {
    const first = this.peek();
    const terms: CstTerm[] = [];
    let block: CstBlock | null = null;
    let trailing: CstComment | null = null;
    let last: TextSpan = first.span;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'newline' || t.kind === 'eof' || t.kind === 'rbrace') break;
      if (t.kind === 'comment') {
        this.next();
        trailing = this.comment(t, t.span.line);
        break;
      }
      if (t.kind === 'lbrace') {
        if (this.depth >= MAX_NESTING) {
          this.next();
          this.error('parse/unexpected-token', `blocks nest more than ${MAX_NESTING} deep`, t.span);
          continue;
        }
        block = this.parseBlock();
        last = block.span;
        // After the closing `}` only a comment may follow on the same line.
        const after = this.peek();
        if (after.kind === 'comment') {
          this.next();
          trailing = this.comment(after, after.span.line);
        } else if (after.kind !== 'newline' && after.kind !== 'eof' && after.kind !== 'rbrace') {
          this.error('parse/unexpected-token', `unexpected ${describeToken(after)} after \`}\``, after.span, 'start a new statement on its own line');
          this.skipToLineEnd();
        }
        break;
      }
      if (t.kind === 'rbracket') {
        this.next();
        this.error('parse/unmatched-delimiter', 'unmatched `]`', t.span, 'remove it, or add the `[` it should close');
        continue;
      }
      if (t.kind === 'comma' || t.kind === 'dotdot') {
        this.next();
        this.error('parse/unexpected-token', `unexpected ${describeToken(t)}`, t.span, t.kind === 'comma' ? 'commas separate items inside `[...]` only' : 'a range is written `from..to`');
        continue;
      }
      const term = this.parseTerm();
      if (term) {
        terms.push(term);
        last = term.span;
      }
      if (this.lineEndedInList) {
        this.lineEndedInList = false;
        break;
      }
    }
    return { terms, block, leading, trailing, blankBefore: first.span.line - prevEndLine >= 2, span: joinSpans(first.span, last) };
  }

  private skipToLineEnd(): void {
    while (this.peek().kind !== 'newline' && this.peek().kind !== 'eof') {
      const t = this.next();
      if (t.kind === 'comment') this.comment(t, t.span.line);
    }
  }

  private parseBlock(): CstBlock {
    const open = this.next();
    this.depth++;
    let openComment: CstComment | null = null;
    if (this.peek().kind === 'comment') {
      const t = this.next();
      openComment = this.comment(t, t.span.line);
    }
    const { statements, closing } = this.parseStatements(true, open.span.line);
    this.depth--;
    const close = this.peek();
    if (close.kind === 'rbrace') {
      this.next();
      return { openComment, statements, closingComments: closing, closed: true, span: joinSpans(open.span, close.span) };
    }
    this.error('parse/unclosed-delimiter', 'this `{` is never closed', open.span, 'add a `}` at the end of the block');
    const lastSpan = statements.length > 0 ? statements[statements.length - 1]!.span : open.span;
    return { openComment, statements, closingComments: closing, closed: false, span: joinSpans(open.span, lastSpan) };
  }

  /** A token, a range or a list; null when the current token cannot start a term (reported). */
  private parseTerm(): CstTerm | null {
    const t = this.peek();
    if (t.kind === 'lbracket') {
      if (this.depth >= MAX_NESTING) {
        this.next();
        this.error('parse/unexpected-token', `lists nest more than ${MAX_NESTING} deep`, t.span);
        return null;
      }
      return this.parseList();
    }
    if (t.kind === 'ident' || t.kind === 'string' || t.kind === 'number' || t.kind === 'equals') {
      this.next();
      if (this.peek().kind === 'dotdot' && t.kind !== 'equals') {
        const dots = this.next();
        const to = this.peek();
        if (to.kind === 'number' || to.kind === 'ident' || to.kind === 'string') {
          this.next();
          return { kind: 'range', from: t, to, span: joinSpans(t.span, to.span) };
        }
        this.error('parse/missing-token', 'expected the end of the range after `..`', dots.span, 'write a range as `from..to`, e.g. `8000..8080`');
        return { kind: 'range', from: t, to: null, span: joinSpans(t.span, dots.span) };
      }
      return t;
    }
    this.next();
    this.error('parse/unexpected-token', `unexpected ${describeToken(t)}`, t.span);
    return null;
  }

  private parseList(): CstList {
    const open = this.next();
    this.depth++;
    const items: CstListItem[] = [];
    let pending: CstComment[] = [];
    let prevEndLine = open.span.line;
    let expectItem = true;
    let lastItem: CstListItem | null = null;
    let end: TextSpan = open.span;
    let closed = false;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'newline') {
        this.next();
      } else if (t.kind === 'comment') {
        this.next();
        if (lastItem && lastItem.term.span.endLine === t.span.line && lastItem.trailing === null) {
          lastItem.trailing = this.comment(t, t.span.line);
        } else {
          pending.push(this.comment(t, prevEndLine));
        }
        prevEndLine = t.span.endLine;
      } else if (t.kind === 'rbracket') {
        this.next();
        end = t.span;
        closed = true;
        break;
      } else if (t.kind === 'comma') {
        this.next();
        if (expectItem) this.error('parse/unexpected-token', 'unexpected `,`', t.span, 'expected a list item before the comma');
        expectItem = true;
        end = t.span;
      } else if (t.kind === 'eof' || t.kind === 'lbrace' || t.kind === 'rbrace') {
        this.error('parse/unclosed-delimiter', 'this `[` is never closed', open.span, 'add a `]` after the last item');
        break;
      } else {
        // An item on a new line with no comma after the previous one: most likely the `]` was
        // forgotten, so end the list here rather than swallow the next statements.
        if (!expectItem && lastItem && t.span.line > lastItem.term.span.endLine) {
          this.error('parse/unclosed-delimiter', 'this `[` is never closed', open.span, 'add a `]` after the last item');
          this.lineEndedInList = true;
          break;
        }
        if (!expectItem) this.error('parse/missing-token', `expected \`,\` before ${describeToken(t)}`, t.span, 'separate list items with commas');
        const term = this.parseTerm();
        if (term) {
          lastItem = { term, leading: pending, trailing: null };
          pending = [];
          items.push(lastItem);
          end = term.span;
          prevEndLine = term.span.endLine;
        }
        expectItem = false;
      }
    }
    this.depth--;
    return { kind: 'list', items, trailingComments: pending, closed, span: joinSpans(open.span, end) };
  }
}
