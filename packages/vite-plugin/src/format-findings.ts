// Findings as plain text for a bundler's error output: one line per finding with its location,
// code and help, plus the code frame for policy errors. Bundlers print `error.message` verbatim, so
// this is what a developer reads when the build stops.
import type { Diagnostic, Span } from '@wsbc/diagnostics';

function where(span: Span | undefined): string {
  if (!span) return '';
  if ('line' in span) return `${span.file}:${span.line}:${span.column}: `;
  return `${span.file} (byte ${span.byteOffset}): `;
}

function frame(span: Span | undefined, sources: ReadonlyMap<string, string>): string[] {
  if (!span || !('line' in span)) return [];
  const text = sources.get(span.file);
  const line = text?.split('\n')[span.line - 1];
  if (line === undefined) return [];
  const width = span.endLine === span.line ? Math.max(1, span.endColumn - span.column) : 1;
  return [`    | ${line}`, `    | ${' '.repeat(span.column - 1)}${'^'.repeat(width)}`];
}

export function formatFindings(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string> = new Map()): string {
  const lines: string[] = [];
  for (const d of diagnostics) {
    lines.push(`  ${where(d.span)}${d.severity}[${d.code}]: ${d.message}`);
    lines.push(...frame(d.span, sources));
    if (d.help) lines.push(`    help: ${d.help}`);
  }
  return lines.join('\n');
}
