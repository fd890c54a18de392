// The lexer: token kinds, numbers with attached units, ranges next to decimals, strings and
// escapes, comments, CRLF and the byte-order mark; it never fails and groups unreadable runs.
import { describe, expect, it } from 'vitest';
import { lex } from '../src/lexer.js';

const kinds = (text: string) => lex(text, 'x').tokens.map((t) => (t.kind === 'number' ? `number:${t.numberText}${t.unit ? `|${t.unit}` : ''}` : t.kind === 'ident' ? `ident:${t.text}` : t.kind));

describe('lexer', () => {
  it('splits numbers from their units, keeping ranges apart from decimals', () => {
    expect(kinds('10MiB 1MiB/s 50% 16 pages 1.5s 1..100 -2.5 10_000 10M')).toEqual([
      'number:10|MiB',
      'number:1|MiB/s',
      'number:50|%',
      'number:16|pages',
      'number:1.5|s',
      'number:1',
      'dotdot',
      'number:100',
      'number:-2.5',
      'number:10_000',
      'number:10|M',
      'eof',
    ]);
  });

  it('joins a unit written after spaces to its number, but not a word that only starts like a unit', () => {
    expect(kinds('64 MiB 2\tKiB/s 3 s\n4 seconds 5 Mx 6 pagesize 7\nms')).toEqual([
      'number:64|MiB',
      'number:2|KiB/s',
      'number:3|s',
      'newline',
      'number:4',
      'ident:seconds',
      'number:5',
      'ident:Mx',
      'number:6',
      'ident:pagesize',
      'number:7',
      'newline',
      'ident:ms',
      'eof',
    ]);
    expect(lex('64 MiB', 'x').tokens[0]!.text).toBe('64 MiB');
    // Found by the fuzz run: a stray carriage return is whitespace here too.
    expect(kinds('1\rGiB')).toEqual(['number:1|GiB', 'eof']);
  });

  it('joins a percent sign written after spaces to its number, as the grammar allows for every unit', () => {
    expect(kinds('50 % 60\t%\n7 %x')).toEqual(['number:50|%', 'number:60|%', 'newline', 'number:7', 'ident:x', 'eof']);
    expect(lex('usage 50 %', 'x').diagnostics).toEqual([]);
    expect(lex('7 %x', 'x').diagnostics.map((d) => d.code)).toEqual(['parse/unexpected-character']);
  });

  it('reads words with dashes, punctuation, comments and newlines', () => {
    expect(kinds('read-only max-file-size { } [ ] , = # note\nx')).toEqual(['ident:read-only', 'ident:max-file-size', 'lbrace', 'rbrace', 'lbracket', 'rbracket', 'comma', 'equals', 'comment', 'newline', 'ident:x', 'eof']);
  });

  it('decodes escapes in strings', () => {
    const t = lex('"a\\"b\\\\c\\n\\t\\u{1F600}"', 'x').tokens[0]!;
    expect(t.value).toBe('a"b\\c\n\t\u{1F600}');
  });

  it('reports an invalid \\u escape and a surrogate code point', () => {
    expect(lex('"\\u{110000}" "\\u{D800}" "\\u{zz}"', 'x').diagnostics.map((d) => d.code)).toEqual(['parse/invalid-escape', 'parse/invalid-escape', 'parse/invalid-escape']);
  });

  it('treats CRLF and a BOM as whitespace, and keeps positions in UTF-16 columns', () => {
    const { tokens, diagnostics } = lex('\uFEFFpolicy\r\n  "é" x\r\n', 'x');
    expect(diagnostics).toEqual([]);
    const x = tokens.find((t) => t.text === 'x')!;
    expect(x.span).toMatchObject({ line: 2, column: 7 });
    expect(tokens.find((t) => t.kind === 'string')!.value).toBe('é');
  });

  it('groups a run of unreadable characters into one diagnostic with help', () => {
    const { diagnostics } = lex("policy ;;; 'x'", 'x');
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['parse/unexpected-character', 'unexpected characters `;;;`'],
      ['parse/unexpected-character', "unexpected character `'`"],
      ['parse/unexpected-character', "unexpected character `'`"],
    ]);
    expect(diagnostics[1]!.help).toContain('double quotes');
  });

  it('refuses text-direction controls in strings and comments, but not their escapes', () => {
    // "Trojan Source": the comment displays as if `network full` were commented out.
    const { diagnostics } = lex('network full # \u202E } \u2066 allowed \u2069\n"\u200F" "\\u{202E}"', 'x');
    expect(diagnostics.map((d) => [d.code, d.span && (d.span as { column: number }).column])).toEqual([
      ['parse/bidi-control-character', 16],
      ['parse/bidi-control-character', 20],
      ['parse/bidi-control-character', 30],
      ['parse/bidi-control-character', 2],
    ]);
    expect(lex('"\\u{202E}"', 'x').tokens[0]!.value).toBe('\u202E');
  });

  it('keeps an unquoted host name in one word and an unquoted path in one diagnostic', () => {
    expect(kinds('api.example.com a..b')).toEqual(['ident:api.example.com', 'ident:a', 'dotdot', 'ident:b', 'eof']);
    const { diagnostics } = lex('read ./data as /data ~/x', 'x');
    expect(diagnostics.map((d) => [d.message, d.help])).toEqual([
      ['unexpected `./data`', 'paths are strings: write "./data"'],
      ['unexpected `/data`', 'paths are strings: write "/data"'],
      ['unexpected `~/x`', 'paths are strings: write "~/x"'],
    ]);
  });

  it('suggests `..` for a dashed range', () => {
    expect(lex('80-90', 'x').diagnostics[0]!.help).toBe('a range is written with `..`: `80..90`');
  });

  it('marks a number with glued characters as invalid', () => {
    const { tokens, diagnostics } = lex('10MiB2 5s_x', 'x');
    expect(diagnostics.map((d) => d.message)).toEqual(['invalid number `10MiB2`', 'invalid number `5s_x`']);
    expect(tokens.filter((t) => t.invalid)).toHaveLength(2);
  });
});
