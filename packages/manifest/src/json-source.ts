// A strict JSON (RFC 8259) reader that remembers where every value came from, so that schema and
// semantic diagnostics about a manifest file point at a line and column. It also refuses what
// JSON.parse quietly accepts and a security file must not: duplicate keys (parsers disagree on
// which one wins) and `__proto__` keys turning into prototypes. Nesting is bounded so hostile
// input cannot exhaust the stack.
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
  // Valid manifests are the common case and need no spans, so the first pass records none; the
  // first locate() call parses again, recording a span for every JSON pointer.
  const parsed = parse(text, file, false);
  if (!parsed.ok) return parsed;
  let spans: Map<string, [number, number]> | undefined;
  let lines: LineIndex | undefined;
  return {
    ok: true,
    source: {
      value: parsed.value,
      locate(pointer) {
        if (spans === undefined) {
          const again = parse(text, file, true);
          spans = again.ok ? again.spans : new Map();
          lines = new LineIndex(text, file);
        }
        const range = spans.get(pointer);
        return range ? lines!.span(range[0], range[1]) : undefined;
      },
    },
  };
}

type ParseResult = { ok: true; value: unknown; spans: Map<string, [number, number]> } | { ok: false; diagnostics: Diagnostic[] };

function parse(text: string, file: string, recordSpans: boolean): ParseResult {
  const spans = new Map<string, [number, number]>();
  const join = (pointer: string, token: string | number) => (recordSpans ? pointerJoin(pointer, token) : '');
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

  const parseValue = (pointer: string, depth: number): unknown => {
    skipWhitespace();
    const start = pos;
    let value: unknown;
    const c = text[pos];
    if (c === '{') value = parseObject(pointer, depth);
    else if (c === '[') value = parseArray(pointer, depth);
    else if (c === '"') value = parseString();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) value = parseNumber();
    else if (text.startsWith('true', pos)) (value = true), (pos += 4);
    else if (text.startsWith('false', pos)) (value = false), (pos += 5);
    else if (text.startsWith('null', pos)) (value = null), (pos += 4);
    else if (c === "'") fail('strings must use double quotes');
    else fail(`unexpected ${describeHere()}; expected a value`);
    if (recordSpans && !spans.has(pointer)) spans.set(pointer, [start, pos]);
    return value;
  };

  const parseObject = (pointer: string, depth: number): Record<string, unknown> => {
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
        const at = new LineIndex(text, file).at(previous);
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
      const memberPointer = join(pointer, key);
      const value = parseValue(memberPointer, depth + 1);
      // Member span: the key alone for containers, key through value for scalars.
      const isContainer = value !== null && typeof value === 'object';
      if (recordSpans) spans.set(memberPointer, [keyStart, isContainer ? keyEnd : pos]);
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

  const parseArray = (pointer: string, depth: number): unknown[] => {
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
      out.push(parseValue(join(pointer, out.length), depth + 1));
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
    const value = parseValue('', 0);
    skipWhitespace();
    if (pos < text.length) fail(`unexpected ${describeHere()} after the end of the document`);
    return { ok: true, value, spans };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const lines = new LineIndex(text, file);
    const diagnostic: Diagnostic = {
      code: error.code,
      severity: 'error',
      message: error.message,
      span: lines.span(error.start, Math.max(error.end, error.start)),
    };
    if (error.help) diagnostic.help = error.help;
    return { ok: false, diagnostics: [diagnostic] };
  }
}

/** Offsets to 1-based lines and columns (columns count UTF-16 units; endColumn is exclusive). */
class LineIndex {
  private readonly starts: number[] = [0];

  constructor(
    text: string,
    private readonly file: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) this.starts.push(i + 1);
  }

  at(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - this.starts[low]! + 1 };
  }

  span(start: number, end: number): TextSpan {
    const a = this.at(start);
    const b = this.at(end);
    return { file: this.file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column, startOffset: start, endOffset: end };
  }
}
