// `--format sarif`: a SARIF 2.1.0 log for code scanning (GitHub, Azure DevOps, IDE viewers).
// One run; ruleId is the diagnostic code and the rules table carries each code's summary and
// docs link from the registry. Text spans become regions with line/column (SARIF columns are
// 1-based and endColumn is exclusive, like ours); spans in binary artifacts (wasm modules) become
// byteOffset/byteLength regions. Files under cwd are given relative to %SRCROOT% = cwd, which is
// what code scanning expects when wsbc runs at the repository root.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeCode, docsLink, isTextSpan, type Diagnostic, type Severity, type Span } from '@wsbc/diagnostics';
import type { DiagnosticRenderer, RenderOptions } from './index.js';
import { jsonDocument, JsonSequence } from './json-stream.js';
import { oncePerFile } from './summary.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

const levels: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export const sarifRenderer: DiagnosticRenderer = {
  render: (diagnostics, options) => jsonDocument(sarifLog(diagnostics, options)),
};

/**
 * The log, for jsonDocument(); each result is made only as it is written. `suppression` gives the
 * justification of the diagnostic at an index that an in-source directive suppressed (lint), so
 * code scanning shows it as dismissed instead of dropping it.
 */
export function sarifLog(diagnostics: readonly Diagnostic[], options: RenderOptions, suppression?: (index: number) => string | undefined) {
  const codeSet = new Set<string>();
  for (const d of diagnostics) codeSet.add(d.code);
  const codes = [...codeSet].sort();
  const ruleIndex = new Map(codes.map((code, index) => [code, index]));
  // One object per file, shared by every result that names it.
  const locate = oncePerFile((file) => artifactLocation(file, options));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'wsbc',
            version: options.toolVersion,
            semanticVersion: options.toolVersion,
            informationUri: 'https://github.com/wsbc/wsbc',
            rules: codes.map(sarifRule),
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(options.cwd) } },
        // Our columns count UTF-16 code units (JavaScript string indices); say so, since
        // consumers may otherwise assume Unicode code points.
        columnKind: 'utf16CodeUnits',
        results: new JsonSequence(diagnostics, (d, index) => {
          const result = sarifResult(d, ruleIndex.get(d.code)!, locate);
          const justification = suppression?.(index);
          if (justification !== undefined) result.suppressions = [{ kind: 'inSource', justification }];
          return result;
        }),
      },
    ],
  };
}

function sarifRule(code: string): Record<string, unknown> {
  const info = describeCode(code);
  return {
    id: code,
    shortDescription: { text: info?.summary ?? code },
    helpUri: docsLink(code),
    defaultConfiguration: { level: levels[info?.severity ?? 'error'] },
  };
}

type Locate = (file: string) => Record<string, unknown>;

function sarifResult(d: Diagnostic, ruleIndex: number, locate: Locate): Record<string, unknown> {
  const text = d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}`;
  const result: Record<string, unknown> = { ruleId: d.code, ruleIndex, level: levels[d.severity], message: { text } };
  const location = d.span ? { physicalLocation: physicalLocation(d.span, locate) } : fileOnlyLocation(d, locate);
  if (location) result.locations = [location];
  const related = (d.related ?? []).map((r, index) =>
    r.span ? { id: index, message: { text: r.message }, physicalLocation: physicalLocation(r.span, locate) } : { id: index, message: { text: r.message } },
  );
  if (related.length > 0) result.relatedLocations = related;
  if (d.data !== undefined) result.properties = { data: d.data };
  return result;
}

/** A diagnostic about a parsed document without a span (a manifest object) still names its file. */
function fileOnlyLocation(d: Diagnostic, locate: Locate): Record<string, unknown> | undefined {
  if (typeof d.data?.file !== 'string') return undefined;
  return { physicalLocation: { artifactLocation: locate(d.data.file) } };
}

function physicalLocation(span: Span, locate: Locate): Record<string, unknown> {
  const region = isTextSpan(span)
    ? { startLine: span.line, startColumn: span.column, endLine: span.endLine, endColumn: Math.max(span.endColumn, 1) }
    : span.byteLength === undefined
      ? { byteOffset: span.byteOffset }
      : { byteOffset: span.byteOffset, byteLength: span.byteLength };
  return { artifactLocation: locate(span.file), region };
}

function artifactLocation(file: string, options: RenderOptions): Record<string, unknown> {
  const absolute = path.resolve(options.cwd, file);
  const relative = path.relative(options.cwd, absolute);
  // Names like `<stdin>` are not files: keep them as a relative reference, escaped.
  if (/^<.*>$/.test(file)) return { uri: encodeURIComponent(file) };
  if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) {
    return { uri: relative.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  }
  return { uri: pathToFileURL(absolute).href };
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(path.resolve(dir)).href;
  return href.endsWith('/') ? href : `${href}/`;
}
