// Test helpers: policies with a marked span («...») and a virtual file system for extends.
import type { Diagnostic, TextSpan } from '@wsbc/diagnostics';
import { compilePolicySource, type CompileResult } from '@wsbc/policy-dsl';

export interface Marked {
  text: string;
  /** The span between « and », as [line, column, endLine, endColumn] (1-based). */
  at: [number, number, number, number];
}

/** Removes one «...» pair from `source` and returns the text and the position of the marked span. */
export function marked(source: string): Marked {
  const start = source.indexOf('«');
  const end = source.indexOf('»');
  if (start === -1 || end < start) throw new Error('test bug: no «...» marker');
  const text = source.slice(0, start) + source.slice(start + 1, end) + source.slice(end + 1);
  const pos = (offset: number): [number, number] => {
    const before = text.slice(0, offset).split('\n');
    return [before.length, before[before.length - 1]!.length + 1];
  };
  return { text, at: [...pos(start), ...pos(end - 1)] };
}

export function spanTuple(d: Diagnostic): [number, number, number, number] | undefined {
  const s = d.span as TextSpan | undefined;
  return s ? [s.line, s.column, s.endLine, s.endColumn] : undefined;
}

/** Wraps a policy body in a `policy "t" { ... }` header; the body starts on line 2. */
export function inPolicy(body: string): string {
  return `policy "t" {\n${body}\n}\n`;
}

/** Compiles with a virtual file system rooted at /v (files keyed by absolute path). */
export function compileVirtual(files: Record<string, string>, entry: string): CompileResult {
  return compilePolicySource(files[entry]!, {
    file: entry,
    tmpDir: '/tmp/wsbc-test',
    readFile: (p) => files[p],
  });
}

export function errors(result: { diagnostics: Diagnostic[] }): Diagnostic[] {
  return result.diagnostics.filter((d) => d.severity === 'error');
}
