// `--format json`: one JSON document with the tool, every diagnostic and a summary. Keys come
// in a fixed order and files are cwd-relative, so output is stable enough to diff and to match
// on in scripts; each diagnostic carries the docs link of its code. Commands that add a section
// of their own (check, lint, build, verify) write jsonReport() with it, so every report shares
// this shape.
import { docsLink, isTextSpan, type Diagnostic, type Span } from '@wsbc/diagnostics';
import type { DiagnosticRenderer, RenderOptions } from './index.js';
import { jsonDocument, JsonSequence } from './json-stream.js';
import { displayFile, oncePerFile, summarize } from './summary.js';

/** Version of this report's own shape; bumped on any incompatible change. */
export const JSON_REPORT_VERSION = 1;

export const jsonRenderer: DiagnosticRenderer = {
  render: (diagnostics, options) => jsonDocument(jsonReport(diagnostics, options)),
};

/** The report, for jsonDocument(); each diagnostic is turned into JSON only as it is written. */
export function jsonReport(diagnostics: readonly Diagnostic[], options: RenderOptions) {
  return {
    version: JSON_REPORT_VERSION,
    tool: { name: 'wsbc', version: options.toolVersion },
    diagnostics: new JsonSequence(diagnostics, jsonDiagnostics(options)),
    summary: summarize(diagnostics),
  };
}

/** Diagnostics as the report shows them, one at a time. */
export function jsonDiagnostics(options: RenderOptions): (d: Diagnostic) => Record<string, unknown> {
  const fileName = oncePerFile((file) => displayFile(file, options.cwd));
  return (d) => jsonDiagnostic(d, fileName);
}

function jsonDiagnostic(d: Diagnostic, fileName: (file: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = { code: d.code, severity: d.severity, message: d.message };
  if (d.span) out.span = jsonSpan(d.span, fileName);
  if (d.help !== undefined) out.help = d.help;
  if (d.related && d.related.length > 0) {
    out.related = d.related.map((r) => (r.span ? { message: r.message, span: jsonSpan(r.span, fileName) } : { message: r.message }));
  }
  if (d.data !== undefined) out.data = d.data;
  out.docs = docsLink(d.code);
  return out;
}

function jsonSpan(span: Span, fileName: (file: string) => string): Record<string, unknown> {
  const file = fileName(span.file);
  if (isTextSpan(span)) {
    return {
      file,
      line: span.line,
      column: span.column,
      endLine: span.endLine,
      endColumn: span.endColumn,
      startOffset: span.startOffset,
      endOffset: span.endOffset,
    };
  }
  return span.byteLength === undefined ? { file, byteOffset: span.byteOffset } : { file, byteOffset: span.byteOffset, byteLength: span.byteLength };
}
