// Findings as plain text for a bundler's error output: one line per finding with its location,
// code and help, plus the code frame for policy errors. Bundlers print `error.message` verbatim, so
// this is what a developer reads when the build stops.
import type { Diagnostic, Span } from '@wsbc/diagnostics';

function where(span: Span | undefined): string {
  if (!span) return '';
  if ('line' in span) return `${span.file}:${span.line}:${span.column}: `;
  return `${span.file} (byte ${span.byteOffset}): `;
}

/** Longer lines (a minified manifest) show a window around the span. */
const MAX_LINE_WIDTH = 120;
/** How much of the line before the span such a window keeps. */
const WINDOW_LEAD = 40;

/**
 * Each source split into lines once per call: splitting it per finding was quadratic. A long line
 * is cut to a window around the span: whole, every finding on the one line of a minified manifest
 * repeated it, and thousands of them made a message of gigabytes.
 */
function frame(span: Span | undefined, sources: ReadonlyMap<string, string>, split: Map<string, string[] | undefined>): string[] {
  if (!span || !('line' in span)) return [];
  if (!split.has(span.file)) split.set(span.file, sources.get(span.file)?.split('\n'));
  const line = split.get(span.file)?.[span.line - 1];
  if (line === undefined) return [];
  const width = span.endLine === span.line ? Math.max(1, span.endColumn - span.column) : 1;
  if (line.length <= MAX_LINE_WIDTH) return [`    | ${line}`, `    | ${' '.repeat(span.column - 1)}${'^'.repeat(width)}`];
  const from = Math.max(0, Math.min(span.column - 1 - WINDOW_LEAD, line.length - MAX_LINE_WIDTH));
  const to = Math.min(line.length, from + MAX_LINE_WIDTH);
  const prefix = from > 0 ? '...' : '';
  const suffix = to < line.length ? '...' : '';
  const start = span.column - 1 - from + prefix.length;
  const shown = Math.max(1, Math.min(width, to - (span.column - 1)));
  return [`    | ${prefix}${line.slice(from, to)}${suffix}`, `    | ${' '.repeat(Math.max(0, start))}${'^'.repeat(shown)}`];
}

export function formatFindings(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string> = new Map()): string {
  const lines: string[] = [];
  const split = new Map<string, string[] | undefined>();
  for (const d of diagnostics) {
    lines.push(`  ${where(d.span)}${d.severity}[${d.code}]: ${d.message}`);
    for (const line of frame(d.span, sources, split)) lines.push(line);
    if (d.help) lines.push(`    help: ${d.help}`);
  }
  return lines.join('\n');
}
