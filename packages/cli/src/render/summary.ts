// Counting diagnostics by severity, and showing file names the way a user typed them:
// relative to the working directory when the file is inside it.
import path from 'node:path';
import type { Diagnostic } from '@wsbc/diagnostics';

export interface DiagnosticSummary {
  errors: number;
  warnings: number;
  infos: number;
}

export function summarize(diagnostics: readonly Diagnostic[]): DiagnosticSummary {
  const summary = { errors: 0, warnings: 0, infos: 0 };
  for (const d of diagnostics) {
    if (d.severity === 'error') summary.errors++;
    else if (d.severity === 'warning') summary.warnings++;
    else summary.infos++;
  }
  return summary;
}

/** `2 errors, 1 warning`; empty counts are left out. */
export function summaryLine(summary: DiagnosticSummary): string {
  const parts: string[] = [];
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (summary.errors > 0) parts.push(count(summary.errors, 'error'));
  if (summary.warnings > 0) parts.push(count(summary.warnings, 'warning'));
  if (summary.infos > 0) parts.push(count(summary.infos, 'note'));
  return parts.join(', ');
}

/**
 * The file name to show: relative to cwd (with `/` separators) when inside it, else as given.
 * Names that are not paths (`<stdin>`) pass through.
 */
export function displayFile(file: string, cwd: string): string {
  if (!path.isAbsolute(file)) return file.split(path.sep).join('/');
  const relative = path.relative(cwd, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return relative.split(path.sep).join('/');
}

/**
 * `name` worked out once per file, for one render: its findings share a few files, and
 * path.relative was a third of the cost of a finding (pretty) or a quarter (JSON, SARIF).
 */
export function oncePerFile<T>(name: (file: string) => T): (file: string) => T {
  const names = new Map<string, T>();
  return (file) => {
    if (names.has(file)) return names.get(file)!;
    const value = name(file);
    names.set(file, value);
    return value;
  };
}

/**
 * JSON.stringify replacer for `data`, which libraries fill freely: a bigint (a wasm i64, say)
 * would make JSON.stringify throw, so it becomes a number when exact and a string otherwise.
 */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}
