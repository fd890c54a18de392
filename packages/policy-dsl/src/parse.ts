// Text -> AST: the lexer, parser and lowering stages in one call (the checker is separate, see
// checker.ts). Diagnostics of all three stages are returned together, in source order.
import type { Diagnostic } from '@wsbc/diagnostics';
import type { PolicyFile } from './ast.js';
import { lowerFile } from './lower.js';
import { parseCst } from './parser.js';

export function parsePolicy(text: string, file: string): { ast: PolicyFile; diagnostics: Diagnostic[] } {
  const { cst, diagnostics } = parseCst(text, file);
  const lowered = lowerFile(cst, file);
  return { ast: lowered.ast, diagnostics: sortDiagnostics([...diagnostics, ...lowered.diagnostics]) };
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const offset = (d: Diagnostic): number => (d.span && 'startOffset' in d.span ? d.span.startOffset : -1);
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => offset(a.d) - offset(b.d) || a.i - b.i)
    .map((x) => x.d);
}
