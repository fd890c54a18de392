// Builds Diagnostics for the policy compiler. The severity comes from the code registry, so a
// code's severity is defined once (packages/diagnostics/src/codes/{parse,policy}.ts).
import { describeCode, type Diagnostic, type RelatedInformation, type TextSpan } from '@wsbc/diagnostics';

export interface DiagnosticExtras {
  help?: string | undefined;
  related?: RelatedInformation[];
  data?: Record<string, unknown>;
}

export function parseDiagnostic(code: `parse/${string}`, message: string, span: TextSpan, extras: DiagnosticExtras = {}): Diagnostic {
  return makeDiagnostic(code, message, span, extras);
}

export function policyDiagnostic(code: `policy/${string}`, message: string, span: TextSpan | undefined, extras: DiagnosticExtras = {}): Diagnostic {
  return makeDiagnostic(code, message, span, extras);
}

function makeDiagnostic(code: string, message: string, span: TextSpan | undefined, extras: DiagnosticExtras): Diagnostic {
  const info = describeCode(code);
  // Throwing is for bugs: every code this package emits must be registered.
  if (!info) throw new Error(`unregistered diagnostic code ${code}`);
  const d: Diagnostic = { code, severity: info.severity, message };
  if (span) d.span = span;
  if (extras.help !== undefined) d.help = extras.help;
  if (extras.related && extras.related.length > 0) d.related = extras.related;
  if (extras.data) d.data = extras.data;
  return d;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
