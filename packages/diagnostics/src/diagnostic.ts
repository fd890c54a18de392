// The one Diagnostic shape every wsbc library returns (policy compiler, linter, analyzer,
// instrumenter, runtime). Libraries return these as data; only the CLI renders them.

export type Severity = 'error' | 'warning' | 'info';

/** A range in a text source. Lines and columns are 1-based; offsets are 0-based UTF-16 indices. */
export interface TextSpan {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  startOffset: number;
  endOffset: number;
}

/** A range in a binary source (a wasm module): byte offset from the start of the file. */
export interface ByteSpan {
  file: string;
  byteOffset: number;
  byteLength?: number;
}

export type Span = TextSpan | ByteSpan;

export function isTextSpan(span: Span): span is TextSpan {
  return (span as TextSpan).line !== undefined;
}

export interface RelatedInformation {
  message: string;
  span?: Span;
}

export interface Diagnostic {
  /** Stable code from the registry, e.g. `parse/unexpected-token`. The SARIF ruleId. */
  code: string;
  severity: Severity;
  message: string;
  span?: Span;
  help?: string;
  related?: RelatedInformation[];
  /** Machine-readable details (for example the import module and name of an analyzer finding). */
  data?: Record<string, unknown>;
}

/** Errors are values: a result either carries a value or the diagnostics that prevented it. */
export type Result<T> = { ok: true; value: T; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };
