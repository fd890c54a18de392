// Stage 1 of the policy compiler: text -> tokens. The lexer never fails: characters it cannot
// read become diagnostics and are skipped, so later stages still see the rest of the file.
// Newlines and comments are tokens (not discarded trivia) because statements end at a newline and
// the formatter must keep every comment.
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import { parseDiagnostic } from './diagnostics.js';
import { isUnit } from './units.js';

export type TokenKind =
  | 'ident' // keyword or bare word: letters, digits, `_` and `-`, starting with a letter or `_`
  | 'string' // "..." with escapes
  | 'number' // 42, -3, 1.5, 10_000, with an optional attached unit: 10MiB, 1MiB/s, 50%, 10M
  | 'lbrace'
  | 'rbrace'
  | 'lbracket'
  | 'rbracket'
  | 'comma'
  | 'equals'
  | 'dotdot'
  | 'newline'
  | 'comment'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token. */
  text: string;
  span: TextSpan;
  /** For `string`: the decoded value. For `comment`: the text after `#`. */
  value?: string;
  /**
   * For `number`: the numeric part as written and its unit, if any. The unit is the token's last
   * characters, attached (`64MiB`) or after spaces (`16 pages`); `text` covers both.
   */
  numberText?: string;
  unit?: string;
  /** Set when the lexer already reported this token as malformed; later stages treat it as a hole. */
  invalid?: boolean;
}

/** Maps offsets to 1-based line/column positions. */
export class LineMap {
  private starts: number[] | undefined;
  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  position(offset: number): { line: number; column: number } {
    // Built on first use: on the happy path the lexer computes every span itself.
    if (!this.starts) {
      this.starts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  span(start: number, end: number): TextSpan {
    const a = this.position(start);
    const b = this.position(end);
    return { file: this.file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column, startOffset: start, endOffset: end };
  }
}

// Character classes by code unit: the lexer is the hot loop of compiling a large policy.
const isIdentStartCode = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isIdentPartCode = (c: number): boolean => isIdentStartCode(c) || (c >= 48 && c <= 57) || c === 45;
/** Whitespace within a line: space, tab, a carriage return (CRLF or stray), a byte-order mark. */
const isInlineSpaceCode = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 0xfeff;
const isLetterCode = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
/** Characters that, glued to a number, make it malformed: letters, digits, `_ % / . -`. */
const isGluedCode = (c: number): boolean => isIdentPartCode(c) || c === 37 || c === 47 || c === 46;
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

// Text-direction controls (the "Trojan Source" characters) reorder how a line is displayed, so a
// reviewer could read a different policy than the one that compiles. They are refused in strings
// and comments; a string that really needs one can spell it as an escape, which stays visible.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const HAS_BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

function reportBidiControls(raw: string, start: number, span: (start: number, end: number) => TextSpan, diagnostics: Diagnostic[], inString: boolean): void {
  for (const m of raw.matchAll(BIDI_CONTROLS)) {
    const at = start + m.index;
    const hex = m[0].charCodeAt(0).toString(16).toUpperCase();
    diagnostics.push(
      parseDiagnostic('parse/bidi-control-character', `invisible text-direction control character U+${hex} in a ${inString ? 'string' : 'comment'}`, span(at, at + 1), {
        help: inString ? `remove it, or write it as the escape \\u{${hex}} so that reviewers can see it` : 'remove it: it can make the line display differently from what it means',
      }),
    );
  }
}

export interface LexResult {
  tokens: Token[];
  diagnostics: Diagnostic[];
  lines: LineMap;
}

export function lex(text: string, file: string): LexResult {
  const lines = new LineMap(text, file);
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  const n = text.length;
  let i = 0;
  // Line and line start of `i`, tracked as the loop goes so that most spans need no lookup.
  let line = 1;
  let lineStart = 0;

  // INVARIANT: every token but `newline` lies within one line, so its span is on line `line`.
  const spanOnLine = (start: number, end: number): TextSpan => ({
    file,
    line,
    column: start - lineStart + 1,
    endLine: line,
    endColumn: end - lineStart + 1,
    startOffset: start,
    endOffset: end,
  });
  const push = (kind: TokenKind, start: number, end: number): void => {
    tokens.push({ kind, text: text.slice(start, end), span: spanOnLine(start, end) });
  };

  while (i < n) {
    const code = text.charCodeAt(i);
    const c = text[i]!;
    const start = i;
    if (isInlineSpaceCode(code)) {
      i++;
    } else if (code === 10) {
      i++;
      push('newline', start, i);
      line++;
      lineStart = i;
    } else if (code === 35 /* # */) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? n : nl;
      const end = text.charCodeAt(i - 1) === 13 ? i - 1 : i;
      const comment = text.slice(start, end);
      tokens.push({ kind: 'comment', text: comment, span: spanOnLine(start, end), value: comment.slice(1) });
      if (HAS_BIDI_CONTROL.test(comment)) reportBidiControls(comment, start, spanOnLine, diagnostics, false);
    } else if (code === 34 /* " */) {
      i = lexString(text, i, spanOnLine, tokens, diagnostics);
    } else if (isDigit(c) || (c === '-' && isDigit(text[i + 1]))) {
      i = lexNumber(text, i, spanOnLine, tokens, diagnostics);
    } else if (isIdentStartCode(code)) {
      i++;
      // A `.` between word characters stays in the word, so that an unquoted host name
      // (`api.example.com`) is one token the parser can suggest quoting, not three.
      while (i < n && (isIdentPartCode(text.charCodeAt(i)) || (text.charCodeAt(i) === 46 && isIdentPartCode(text.charCodeAt(i + 1))))) i++;
      push('ident', start, i);
    } else if (c === '/' || c === '~' || (c === '.' && text[i + 1] === '/')) {
      // An unquoted path: one diagnostic for the whole path, with the quoted form as help.
      while (i < n && !/[\s"{}[\],=#]/.test(text[i]!)) i++;
      const path = text.slice(start, i);
      diagnostics.push(parseDiagnostic('parse/unexpected-character', `unexpected \`${path}\``, spanOnLine(start, i), { help: `paths are strings: write "${path}"` }));
      // Kept as an invalid word so that the statement has no hole where the path was, and later
      // stages stay quiet about it instead of reporting a missing path.
      tokens.push({ kind: 'ident', text: path, span: spanOnLine(start, i), invalid: true });
    } else if (c === '.' && text[i + 1] === '.') {
      i += 2;
      push('dotdot', start, i);
    } else if (c === '{' || c === '}' || c === '[' || c === ']' || c === ',' || c === '=') {
      i++;
      const kind: TokenKind = c === '{' ? 'lbrace' : c === '}' ? 'rbrace' : c === '[' ? 'lbracket' : c === ']' ? 'rbracket' : c === ',' ? 'comma' : 'equals';
      push(kind, start, i);
    } else {
      // Group a run of unreadable characters into one diagnostic instead of one per character.
      while (i < n && !/[\s#"{}[\],=A-Za-z0-9_]/.test(text[i]!) && !(text[i] === '.' && text[i + 1] === '.')) {
        i += text.codePointAt(i)! > 0xffff ? 2 : 1;
      }
      if (i === start) i++;
      const shown = text.slice(start, i);
      diagnostics.push(
        parseDiagnostic('parse/unexpected-character', `unexpected character${shown.length > 1 ? 's' : ''} \`${shown}\``, lines.span(start, i), {
          help:
            c === "'"
              ? 'strings use double quotes: "..."'
              : c === ';'
                ? 'statements end at the end of the line; remove the `;`'
                : c === ':'
                  ? 'no `:` is needed: write a setting as `name value`, e.g. `memory max 64MiB`'
                  : undefined,
        }),
      );
    }
  }
  push('eof', n, n);
  return { tokens, diagnostics, lines };
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' };

function pushString(raw: string, start: number, tokenSpan: TextSpan, value: string, span: (start: number, end: number) => TextSpan, tokens: Token[], diagnostics: Diagnostic[]): void {
  tokens.push({ kind: 'string', text: raw, span: tokenSpan, value });
  if (HAS_BIDI_CONTROL.test(raw)) reportBidiControls(raw, start, span, diagnostics, true);
}

function lexString(text: string, start: number, span: (start: number, end: number) => TextSpan, tokens: Token[], diagnostics: Diagnostic[]): number {
  let i = start + 1;
  let value = '';
  const n = text.length;
  while (true) {
    if (i >= n || text[i] === '\n') {
      // INVARIANT: an unterminated string ends at the end of its line, so the next lines still lex.
      const end = i > start && text[i - 1] === '\r' ? i - 1 : i;
      diagnostics.push(
        parseDiagnostic('parse/unterminated-string', 'unterminated string', span(start, end), {
          help: 'add a closing `"` on the same line; strings cannot span lines',
        }),
      );
      pushString(text.slice(start, end), start, span(start, end), value, span, tokens, diagnostics);
      return i;
    }
    const c = text[i]!;
    if (c === '"') {
      i++;
      pushString(text.slice(start, i), start, span(start, i), value, span, tokens, diagnostics);
      return i;
    }
    if (c === '\\') {
      const e = text[i + 1];
      if (e !== undefined && SIMPLE_ESCAPES[e] !== undefined) {
        value += SIMPLE_ESCAPES[e];
        i += 2;
        continue;
      }
      if (e === 'u' && text[i + 2] === '{') {
        const close = text.indexOf('}', i + 3);
        const hex = close === -1 ? '' : text.slice(i + 3, close);
        const cp = /^[0-9A-Fa-f]{1,6}$/.test(hex) ? parseInt(hex, 16) : NaN;
        if (!Number.isNaN(cp) && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
          value += String.fromCodePoint(cp);
          i = close + 1;
          continue;
        }
      }
      const len = e === undefined || e === '\n' ? 1 : 2;
      diagnostics.push(
        parseDiagnostic('parse/invalid-escape', `invalid escape \`${text.slice(i, i + len)}\` in string`, span(i, i + len), {
          help: 'valid escapes: \\" \\\\ \\n \\t \\r \\u{hex}',
        }),
      );
      i += len;
      continue;
    }
    value += c;
    i++;
  }
}

function lexNumber(text: string, start: number, span: (start: number, end: number) => TextSpan, tokens: Token[], diagnostics: Diagnostic[]): number {
  let i = start;
  const n = text.length;
  if (text[i] === '-') i++;
  while (i < n && (isDigit(text[i]) || (text[i] === '_' && isDigit(text[i + 1])))) i++;
  // A `.` is a decimal point only when a digit follows: `1..100` is a range, not `1.` then `.100`.
  if (text[i] === '.' && isDigit(text[i + 1])) {
    i++;
    while (i < n && (isDigit(text[i]) || (text[i] === '_' && isDigit(text[i + 1])))) i++;
  }
  const numberEnd = i;
  // An attached unit: letters and `%`, optionally `/` and letters (`MiB/s`).
  while (i < n && (isLetterCode(text.charCodeAt(i)) || text.charCodeAt(i) === 37)) i++;
  if (i > numberEnd && text.charCodeAt(i) === 47 && isLetterCode(text.charCodeAt(i + 1))) {
    i++;
    while (i < n && isLetterCode(text.charCodeAt(i))) i++;
  }
  // Trailing identifier characters glued to a number (`10MiBx2`, `5s_`) make the whole run one bad token.
  let bad = false;
  while (i < n && isGluedCode(text.charCodeAt(i)) && !(text[i] === '.' && text[i + 1] === '.')) {
    if (text[i] === '-' && i > numberEnd && !isIdentPartCode(text.charCodeAt(i + 1))) break;
    bad = true;
    i++;
  }
  const numberText = text.slice(start, numberEnd);
  if (bad) {
    diagnostics.push(
      parseDiagnostic('parse/invalid-number', `invalid number \`${text.slice(start, i)}\``, span(start, i), {
        help: /^-\d/.test(text.slice(numberEnd, i))
          ? `a range is written with \`..\`: \`${numberText}..${text.slice(numberEnd + 1, i)}\``
          : 'write a number with an optional unit, e.g. `10MiB`, `250ms`, `1MiB/s`, `50%`',
      }),
    );
  }
  let unit = bad ? '' : text.slice(numberEnd, i);
  if (!bad && unit === '') {
    // A unit after spaces (`16 pages`, `64 MiB`) belongs to the number just like an attached one:
    // no keyword is spelled like a unit, so a number followed by a unit word is always a quantity.
    let j = i;
    // The same whitespace the main loop skips (a lone `\r` included), or `1\rGiB` would lex
    // differently from its formatted `1 GiB`.
    while (isInlineSpaceCode(text.charCodeAt(j))) j++;
    let k = j;
    // `%` is a unit too (`50 %`): the grammar allows a space before any unit, not only a word.
    if (text.charCodeAt(k) === 37) k++;
    else while (k < n && isLetterCode(text.charCodeAt(k))) k++;
    if (k > j && text.charCodeAt(k - 1) !== 37 && text.charCodeAt(k) === 47 && isLetterCode(text.charCodeAt(k + 1))) {
      k++;
      while (k < n && isLetterCode(text.charCodeAt(k))) k++;
    }
    // The word must end there: `5 Mx`, `5 M.x` and `5 MiB/x` are not units; `5 MiB..` is (a range).
    const next = text.charCodeAt(k);
    const endsWord = k >= n || !(isIdentPartCode(next) || next === 47 || (next === 46 && text.charCodeAt(k + 1) !== 46));
    if (k > j && endsWord && isUnit(text.slice(j, k))) {
      unit = text.slice(j, k);
      i = k;
    }
  }
  const token: Token = { kind: 'number', text: text.slice(start, i), span: span(start, i), numberText };
  if (bad) token.invalid = true;
  else if (unit !== '') token.unit = unit;
  tokens.push(token);
  return i;
}
