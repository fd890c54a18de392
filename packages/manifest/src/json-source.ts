// A strict JSON (RFC 8259) reader that remembers where every value came from, so that schema and
// semantic diagnostics about a manifest file point at a line and column. It also refuses what
// JSON.parse quietly accepts and a security file must not: duplicate keys (parsers disagree on
// which one wins) and `__proto__` keys turning into prototypes. Nesting is bounded so hostile
// input cannot exhaust the stack.
//
// Spans cost nothing until asked for: valid manifests need none, and a broken one needs a few
// (diagnostics are capped per document). locateAll() then scans the text once more, reading only
// the keys and items on the way to the wanted values and skipping the rest without building it,
// so a few spans in a large document cost one scan and memory in proportion to the few.
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import { pointerJoin } from './problems.js';

const MAX_DEPTH = 256;

export interface JsonSource {
  value: unknown;
  /**
   * Span of the value at a JSON pointer. For an object member whose value is an object or a
   * list, the span covers just the key, so a code frame shows one line; otherwise it covers the
   * key and the value (`"maxPages": 0`). Undefined for a pointer that is not in the document.
   */
  locate(pointer: string): TextSpan | undefined;
  /**
   * Spans of the pointers that are in the document, as locate() gives them, found in one scan of
   * the text: for many pointers, rather than a locate() call (a scan) each.
   */
  locateAll(pointers: Iterable<string>): Map<string, TextSpan>;
}

export type JsonSourceResult = { ok: true; source: JsonSource } | { ok: false; diagnostics: Diagnostic[] };

class JsonSyntaxError {
  constructor(
    readonly code: 'manifest/invalid-json' | 'manifest/duplicate-key',
    readonly message: string,
    readonly start: number,
    readonly end: number,
    readonly help?: string,
  ) {}
}

export function parseJsonSource(text: string, file: string): JsonSourceResult {
  const parsed = parse(text, file);
  if (!parsed.ok) return parsed;
  const locateAll = (pointers: Iterable<string>): Map<string, TextSpan> => {
    const ranges = findRanges(text, pointers);
    const lines = linesAndColumns(text, [...ranges.values()].flat());
    return new Map([...ranges].map(([pointer, [start, end]]) => [pointer, textSpan(file, start, end, lines)]));
  };
  return { ok: true, source: { value: parsed.value, locate: (pointer) => locateAll([pointer]).get(pointer), locateAll } };
}

type ParseResult = { ok: true; value: unknown } | { ok: false; diagnostics: Diagnostic[] };

function parse(text: string, file: string): ParseResult {
  let pos = 0;
  let lastComma = 0;

  const fail = (message: string, start = pos, end = Math.min(text.length, start + 1), help?: string): never => {
    throw new JsonSyntaxError('manifest/invalid-json', message, start, end, help);
  };
  const skipWhitespace = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const describeHere = () => (pos >= text.length ? 'end of file' : `"${text[pos]}"`);

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let chunkStart = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start, pos);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(chunkStart, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string; write it as an escape like \\n');
      if (c === 0x5c) {
        out += text.slice(chunkStart, pos);
        const escape = text[pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (escape !== undefined && simple[escape] !== undefined) {
          out += simple[escape];
          pos += 2;
        } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
        } else {
          fail(`invalid escape sequence in string`, pos, Math.min(text.length, pos + 2));
        }
        chunkStart = pos;
        continue;
      }
      pos++;
    }
  };

  const parseNumber = (): number => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(pos, pos + 400));
    if (!match) fail(`unexpected ${describeHere()}; expected a value`);
    pos += match![0].length;
    const next = text[pos];
    if (next !== undefined && /[0-9A-Za-z.]/.test(next)) fail(`invalid number`, pos - match![0].length, pos + 1);
    return Number(match![0]);
  };

  const parseValue = (depth: number): unknown => {
    skipWhitespace();
    let value: unknown;
    const c = text[pos];
    if (c === '{') value = parseObject(depth);
    else if (c === '[') value = parseArray(depth);
    else if (c === '"') value = parseString();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) value = parseNumber();
    else if (text.startsWith('true', pos)) (value = true), (pos += 4);
    else if (text.startsWith('false', pos)) (value = false), (pos += 5);
    else if (text.startsWith('null', pos)) (value = null), (pos += 4);
    else if (c === "'") fail('strings must use double quotes');
    else fail(`unexpected ${describeHere()}; expected a value`);
    return value;
  };

  const parseObject = (depth: number): Record<string, unknown> => {
    if (depth >= MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep`);
    pos++;
    const out: Record<string, unknown> = {};
    const keyStarts = new Map<string, number>();
    skipWhitespace();
    if (text[pos] === '}') {
      pos++;
      return out;
    }
    for (;;) {
      skipWhitespace();
      if (text[pos] !== '"') {
        fail(
          text[pos] === '}' ? 'trailing comma before "}"' : `unexpected ${describeHere()}; expected a key in double quotes`,
          text[pos] === '}' ? lastComma : pos,
        );
      }
      const keyStart = pos;
      const key = parseString();
      const keyEnd = pos;
      const previous = keyStarts.get(key);
      if (previous !== undefined) {
        const at = linesAndColumns(text, [previous]).get(previous)!;
        throw new JsonSyntaxError(
          'manifest/duplicate-key',
          `key "${key}" appears twice in one object (first on line ${at.line})`,
          keyStart,
          keyEnd,
          'remove one of them: JSON readers disagree on which one wins',
        );
      }
      keyStarts.set(key, keyStart);
      skipWhitespace();
      if (text[pos] !== ':') fail(`unexpected ${describeHere()}; expected ":" after the key`);
      pos++;
      const value = parseValue(depth + 1);
      // INVARIANT: `out["__proto__"] = v` would set the prototype, so that one key is defined.
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      skipWhitespace();
      if (text[pos] === ',') {
        lastComma = pos;
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      fail(`unexpected ${describeHere()}; expected "," or "}"`);
    }
  };

  const parseArray = (depth: number): unknown[] => {
    if (depth >= MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep`);
    pos++;
    const out: unknown[] = [];
    skipWhitespace();
    if (text[pos] === ']') {
      pos++;
      return out;
    }
    for (;;) {
      skipWhitespace();
      if (text[pos] === ']') fail('trailing comma before "]"', lastComma);
      out.push(parseValue(depth + 1));
      skipWhitespace();
      if (text[pos] === ',') {
        lastComma = pos;
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      fail(`unexpected ${describeHere()}; expected "," or "]"`);
    }
  };

  try {
    // A UTF-8 byte order mark is not JSON, but editors on some systems write one; skip it.
    if (text.charCodeAt(0) === 0xfeff) pos = 1;
    const value = parseValue(0);
    skipWhitespace();
    if (pos < text.length) fail(`unexpected ${describeHere()} after the end of the document`);
    return { ok: true, value };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const end = Math.max(error.end, error.start);
    const diagnostic: Diagnostic = {
      code: error.code,
      severity: 'error',
      message: error.message,
      span: textSpan(file, error.start, end, linesAndColumns(text, [error.start, end])),
    };
    if (error.help) diagnostic.help = error.help;
    return { ok: false, diagnostics: [diagnostic] };
  }
}

/**
 * The offsets (start, end) of the values at `pointers` in a text parse() accepted. A member of an
 * object whose value is an object or a list spans just its key, so a code frame shows one line;
 * any other member spans key through value; a list item or the whole document spans its value.
 */
function findRanges(text: string, pointers: Iterable<string>): Map<string, [number, number]> {
  // For each object or list on the way to a wanted value, the keys (unescaped) or indexes to enter.
  const wanted = new Set<string>();
  const below = new Map<string, Set<string>>();
  for (const pointer of pointers) {
    if (pointer !== '' && !pointer.startsWith('/')) continue;
    wanted.add(pointer);
    for (let p = pointer; p !== ''; ) {
      const cut = p.lastIndexOf('/');
      const parent = p.slice(0, cut);
      let tokens = below.get(parent);
      if (tokens === undefined) below.set(parent, (tokens = new Set()));
      tokens.add(p.slice(cut + 1).replace(/~1/g, '/').replace(/~0/g, '~'));
      p = parent;
    }
  }
  const ranges = new Map<string, [number, number]>();
  if (wanted.size === 0) return ranges;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const skipWhitespace = () => {
    for (let c = text.charCodeAt(pos); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++pos));
  };
  /** Skips a string; true when it holds an escape. */
  const skipString = (): boolean => {
    let escaped = false;
    for (pos++; ; pos++) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c === 0x5c) (escaped = true), pos++;
    }
    pos++;
    return escaped;
  };
  const skipValue = () => {
    const c = text.charCodeAt(pos);
    if (c === 0x22) skipString();
    else if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      do {
        const d = text.charCodeAt(pos);
        if (d === 0x22) {
          skipString();
          continue;
        }
        if (d === 0x7b || d === 0x5b) depth++;
        else if (d === 0x7d || d === 0x5d) depth--;
        pos++;
      } while (depth > 0);
    } else {
      // A number or a literal: it ends where the next separator or whitespace starts.
      for (let d = c; pos < text.length && d !== 0x2c && d !== 0x7d && d !== 0x5d && d !== 0x20 && d !== 0x0a && d !== 0x0d && d !== 0x09; d = text.charCodeAt(++pos));
    }
  };
  const isContainerHere = () => text.charCodeAt(pos) === 0x7b || text.charCodeAt(pos) === 0x5b;

  // The value at `pos` (after whitespace), whose pointer is `pointer`.
  const visit = (pointer: string): void => {
    const start = pos;
    const tokens = below.get(pointer);
    if (tokens !== undefined && text.charCodeAt(pos) === 0x7b) visitObject(pointer, tokens);
    else if (tokens !== undefined && text.charCodeAt(pos) === 0x5b) visitArray(pointer, tokens);
    else skipValue();
    if (wanted.has(pointer)) ranges.set(pointer, [start, pos]);
  };
  const visitObject = (pointer: string, tokens: Set<string>) => {
    pos++;
    for (;;) {
      skipWhitespace();
      if (text.charCodeAt(pos) === 0x7d) break;
      const keyStart = pos;
      const escaped = skipString();
      const keyEnd = pos;
      const key = escaped ? (JSON.parse(text.slice(keyStart, keyEnd)) as string) : text.slice(keyStart + 1, keyEnd - 1);
      skipWhitespace();
      pos++; // the colon
      skipWhitespace();
      if (tokens.has(key)) {
        const member = pointerJoin(pointer, key);
        const isContainer = isContainerHere();
        visit(member);
        if (wanted.has(member)) ranges.set(member, [keyStart, isContainer ? keyEnd : pos]);
      } else {
        skipValue();
      }
      skipWhitespace();
      if (text.charCodeAt(pos) === 0x2c) pos++;
    }
    pos++;
  };
  const visitArray = (pointer: string, tokens: Set<string>) => {
    pos++;
    for (let index = 0; ; index++) {
      skipWhitespace();
      if (text.charCodeAt(pos) === 0x5d) break;
      if (tokens.has(String(index))) visit(pointerJoin(pointer, index));
      else skipValue();
      skipWhitespace();
      if (text.charCodeAt(pos) === 0x2c) pos++;
    }
    pos++;
  };

  skipWhitespace();
  visit('');
  return ranges;
}

/**
 * 1-based line and column of each offset (columns count UTF-16 units), in one pass over the text
 * up to the last of them: no table of every line start, which for a large document is large.
 */
function linesAndColumns(text: string, offsets: readonly number[]): Map<number, { line: number; column: number }> {
  const out = new Map<number, { line: number; column: number }>();
  let line = 1;
  let lineStart = 0;
  for (const offset of [...new Set(offsets)].sort((a, b) => a - b)) {
    for (let newline = text.indexOf('\n', lineStart); newline !== -1 && newline < offset; newline = text.indexOf('\n', lineStart)) {
      line++;
      lineStart = newline + 1;
    }
    out.set(offset, { line, column: offset - lineStart + 1 });
  }
  return out;
}

/** endColumn is exclusive; `lines` must hold both offsets. */
function textSpan(file: string, start: number, end: number, lines: Map<number, { line: number; column: number }>): TextSpan {
  const a = lines.get(start)!;
  const b = lines.get(end)!;
  return { file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column, startOffset: start, endOffset: end };
}
