// Human output: a header with severity and code, the location, a code frame with line numbers
// and a caret underline beneath the span, then help and related notes; a summary line at the
// end. Colour only when the caller asks (it decides from the TTY and NO_COLOR).
//
// Source lines and messages can carry text from untrusted files, so control characters are
// shown escaped: a policy or manifest must not be able to send escape sequences to a terminal.
import { isTextSpan, type Diagnostic, type Severity, type Span, type TextSpan } from '@wsbc/diagnostics';
import type { DiagnosticRenderer, RenderOptions } from './index.js';
import { displayFile, oncePerFile, summarize, summaryLine } from './summary.js';

const TAB_WIDTH = 4;
/** Spans longer than this show their first and last lines around an ellipsis. */
const MAX_FRAME_LINES = 5;
/** Longer source lines (minified JSON, say) show a window around the span. */
const MAX_LINE_WIDTH = 120;
/** How much of the line before the span such a window keeps. */
const WINDOW_LEAD = 40;

interface Style {
  severity(severity: Severity, text: string): string;
  bold(text: string): string;
  gutter(text: string): string;
}

const ansi = (open: string) => (text: string) => (text === '' ? '' : `\u001b[${open}m${text}\u001b[0m`);
const severityColor: Record<Severity, (text: string) => string> = { error: ansi('1;31'), warning: ansi('1;33'), info: ansi('1;36') };
const colored: Style = { severity: (s, t) => severityColor[s](t), bold: ansi('1'), gutter: ansi('1;34') };
const plain: Style = { severity: (_, t) => t, bold: (t) => t, gutter: (t) => t };

const severityLabel: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };

export const prettyRenderer: DiagnosticRenderer = {
  *render(diagnostics, options) {
    if (diagnostics.length === 0) return;
    const style = options.color ? colored : plain;
    // Each source is split into lines once per render, and a long line is laid out once: doing
    // either for every finding made a policy with tens of thousands of findings, or a minified
    // manifest with thousands of findings on its one line, take minutes (quadratic).
    const lines = new Map<string, SourceLines>();
    const fileName = oncePerFile((file) => cleanLine(displayFile(file, options.cwd)));
    // One chunk per finding, blocks separated by a blank line, made only as they are written.
    for (let i = 0; i < diagnostics.length; i++) {
      const block = renderOne(diagnostics[i]!, options, style, lines, fileName);
      yield i === 0 ? block : `\n${block}`;
    }
    const summary = summarize(diagnostics);
    const worst: Severity = summary.errors > 0 ? 'error' : summary.warnings > 0 ? 'warning' : 'info';
    yield `\n${style.severity(worst, summaryLine(summary))}\n`;
  },
};

/** A source split into lines, with the layouts of the long lines a frame has shown. */
interface SourceLines {
  lines: string[];
  layouts: Map<number, LineLayout>;
}

/** A line as a frame shows it, and the screen column of each of its UTF-16 columns. */
interface LineLayout {
  text: string;
  visualColumn(column: number): number;
}

/** `fileName` gives a file's name as shown: cwd-relative, escaped. */
function renderOne(d: Diagnostic, options: RenderOptions, style: Style, lineCache: Map<string, SourceLines>, fileName: (file: string) => string): string {
  const lines: string[] = [];
  lines.push(`${style.severity(d.severity, `${severityLabel[d.severity]}[${d.code}]`)}${style.bold(`: ${cleanLine(d.message)}`)}`);

  const frame = d.span && isTextSpan(d.span) ? codeFrame(d.span, options, style, d.severity, lineCache) : undefined;
  const gutterWidth = frame ? frame.gutterWidth : 1;
  const pad = ' '.repeat(gutterWidth);
  const location = describeLocation(d, fileName);
  if (location) lines.push(`${pad}${style.gutter('-->')} ${location}`);
  if (frame) for (const line of frame.lines) lines.push(line);
  if (d.help !== undefined) {
    for (const [i, helpLine] of clean(d.help).split('\n').entries()) {
      lines.push(i === 0 ? `${pad} ${style.gutter('=')} ${style.bold('help')}: ${helpLine}` : `${pad}         ${helpLine}`);
    }
  }
  for (const related of d.related ?? []) {
    const where = related.span ? ` (${spanLocation(related.span, fileName)})` : '';
    lines.push(`${pad} ${style.gutter('=')} ${style.bold('note')}: ${cleanLine(related.message)}${where}`);
  }
  return `${lines.join('\n')}\n`;
}

function describeLocation(d: Diagnostic, fileName: (file: string) => string): string | undefined {
  if (d.span) return spanLocation(d.span, fileName);
  // Diagnostics about a parsed value (a manifest given as an object) name the file and JSON path.
  const file = typeof d.data?.file === 'string' ? fileName(d.data.file) : undefined;
  const pointer = typeof d.data?.path === 'string' && d.data.path !== '' ? cleanLine(d.data.path) : undefined;
  if (file && pointer) return `${file} at ${pointer}`;
  if (file) return file;
  return pointer ? `at ${pointer}` : undefined;
}

function spanLocation(span: Span, fileName: (file: string) => string): string {
  const file = fileName(span.file);
  if (isTextSpan(span)) return `${file}:${span.line}:${span.column}`;
  return `${file} @ 0x${span.byteOffset.toString(16)}`;
}

function codeFrame(
  span: TextSpan,
  options: RenderOptions,
  style: Style,
  severity: Severity,
  lineCache: Map<string, SourceLines>,
): { lines: string[]; gutterWidth: number } | undefined {
  let source = lineCache.get(span.file);
  if (source === undefined) {
    const text = options.sources.get(span.file);
    if (text === undefined) return undefined;
    source = { lines: text.split(/\r?\n/), layouts: new Map() };
    lineCache.set(span.file, source);
  }
  const sourceLines = source.lines;
  let { endLine, endColumn } = span;
  // A span that ends at the very start of a line really ends at the end of the previous one.
  if (endLine > span.line && endColumn === 1) {
    endLine -= 1;
    endColumn = (sourceLines[endLine - 1]?.length ?? 0) + 1;
  }
  if (span.line < 1 || endLine > sourceLines.length || endLine < span.line) return undefined;

  let shown: Array<number | 'gap'> = [];
  for (let n = span.line; n <= endLine; n++) shown.push(n);
  if (shown.length > MAX_FRAME_LINES) shown = [span.line, span.line + 1, 'gap', endLine - 1, endLine];
  const gutterWidth = String(endLine).length;
  const empty = `${' '.repeat(gutterWidth)} ${style.gutter('|')}`;
  const out = [empty];
  for (const n of shown) {
    if (n === 'gap') {
      out.push(`${style.gutter('...')}`);
      continue;
    }
    const raw = sourceLines[n - 1]!;
    const from = n === span.line ? span.column : firstNonSpace(raw);
    const to = n === endLine ? endColumn : raw.length + 1;
    const layout = lineLayout(source, n, raw);
    const start = layout.visualColumn(from);
    const width = Math.max(1, layout.visualColumn(Math.max(from, to)) - start);
    const view = windowed(layout.text, start, width);
    out.push(`${style.gutter(`${String(n).padStart(gutterWidth)} |`)} ${view.text}`.trimEnd());
    out.push(`${empty} ${' '.repeat(view.start - 1)}${style.severity(severity, '^'.repeat(view.width))}`);
  }
  return { lines: out, gutterWidth };
}

/** Cuts a long line to a window around the underlined part, marking cuts with `...`. */
function windowed(text: string, start: number, width: number): { text: string; start: number; width: number } {
  if (text.length <= MAX_LINE_WIDTH) return { text, start, width };
  const from = Math.max(0, Math.min(start - 1 - WINDOW_LEAD, text.length - MAX_LINE_WIDTH));
  const to = Math.min(text.length, from + MAX_LINE_WIDTH);
  const prefix = from > 0 ? '...' : '';
  const suffix = to < text.length ? '...' : '';
  return {
    text: `${prefix}${text.slice(from, to)}${suffix}`,
    start: start - from + prefix.length,
    width: Math.max(1, Math.min(width, to - (start - 1))),
  };
}

function firstNonSpace(line: string): number {
  const index = line.search(/\S/);
  return index < 0 ? 1 : index + 1;
}

/** Column on screen of a 1-based UTF-16 column, with tabs expanded and escapes accounted for. */
function visualColumn(line: string, column: number): number {
  return expandTabs(clean(line.slice(0, Math.max(0, column - 1)))).length + 1;
}

/**
 * A short line is laid out on the spot. A long one is laid out once per render, in one pass that
 * records the screen column of every UTF-16 column: laying it out per finding cost the length of
 * the line for each one.
 */
function lineLayout(source: SourceLines, n: number, raw: string): LineLayout {
  if (raw.length <= MAX_LINE_WIDTH) return { text: expandTabs(clean(raw)), visualColumn: (column) => visualColumn(raw, column) };
  const cached = source.layouts.get(n);
  if (cached) return cached;
  // INVARIANT: columns[k] is expandTabs(clean(raw.slice(0, k))).length, as visualColumn() computes
  // it: both functions map the line left to right, one character (code point) at a time.
  const columns = new Int32Array(raw.length + 1);
  let width = 0;
  for (let k = 0; k < raw.length; ) {
    const code = raw.charCodeAt(k);
    const pair = code >= 0xd800 && code <= 0xdbff && k + 1 < raw.length && (raw.charCodeAt(k + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      columns[k + 1] = width + 1;
      width += 2;
      k += 2;
    } else {
      width += code === 0x09 ? TAB_WIDTH - (width % TAB_WIDTH) : isEscaped(code) ? 4 : 1;
      k += 1;
    }
    columns[k] = width;
  }
  const layout: LineLayout = {
    text: expandTabs(clean(raw)),
    visualColumn: (column) => columns[Math.min(raw.length, Math.max(0, column - 1))]! + 1,
  };
  source.layouts.set(n, layout);
  return layout;
}

/** The characters clean() escapes (as `\x..`, four columns). */
function isEscaped(code: number): boolean {
  return code <= 0x08 || (code >= 0x0b && code <= 0x1f) || (code >= 0x7f && code <= 0x9f);
}

function expandTabs(text: string): string {
  let out = '';
  for (const ch of text) out += ch === '\t' ? ' '.repeat(TAB_WIDTH - (out.length % TAB_WIDTH)) : ch;
  return out;
}

/** Shows C0/C1 control characters (except tab and newline) and DEL as `\x..` escapes. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Like clean(), for text that must stay on one line and read as it is stored: tab and newline are
 * escaped too, and so are the bidirectional controls (U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069), which reorder what a terminal shows. For text printed outside a code frame that
 * may quote untrusted input: diagnostic messages (a module's import names, paths), file names, an
 * artifact's embedded manifest in `wsbc verify`. A newline there could print a line of its own,
 * such as a forged `ok` check or a summary.
 */
export function cleanLine(text: string): string {
  return clean(text)
    .replace(/[\t\n]/g, (c) => (c === '\t' ? '\\t' : '\\n'))
    .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}
