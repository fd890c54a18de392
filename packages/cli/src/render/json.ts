// `--format json`: one JSON document with the tool, every diagnostic and a summary. Keys come
// in a fixed order and files are cwd-relative, so output is stable enough to diff and to match
// on in scripts; each diagnostic carries the docs link of its code.
import { docsLink, isTextSpan, type Diagnostic, type Span } from '@wsbc/diagnostics';
import type { DiagnosticRenderer, RenderOptions } from './index.js';
import { displayFile, jsonSafe, summarize } from './summary.js';

/** Version of this report's own shape; bumped on any incompatible change. */
export const JSON_REPORT_VERSION = 1;

export const jsonRenderer: DiagnosticRenderer = {
  render(diagnostics, options) {
    const report = {
      version: JSON_REPORT_VERSION,
      tool: { name: 'wsbc', version: options.toolVersion },
      diagnostics: diagnostics.map((d) => jsonDiagnostic(d, options)),
      summary: summarize(diagnostics),
    };
    return `${JSON.stringify(report, jsonSafe, 2)}\n`;
  },
};

function jsonDiagnostic(d: Diagnostic, options: RenderOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { code: d.code, severity: d.severity, message: d.message };
  if (d.span) out.span = jsonSpan(d.span, options);
  if (d.help !== undefined) out.help = d.help;
  if (d.related && d.related.length > 0) {
    out.related = d.related.map((r) => (r.span ? { message: r.message, span: jsonSpan(r.span, options) } : { message: r.message }));
  }
  if (d.data !== undefined) out.data = d.data;
  out.docs = docsLink(d.code);
  return out;
}

function jsonSpan(span: Span, options: RenderOptions): Record<string, unknown> {
  const file = displayFile(span.file, options.cwd);
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
