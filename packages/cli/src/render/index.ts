// Diagnostic renderers: one interface, three output formats. Commands decide the format (from
// --format) and colour (from the TTY and NO_COLOR, see terminal.ts); renderers only turn the
// libraries' Diagnostic values into text, so the same findings read the same in every command.
import type { Diagnostic } from '@wsbc/diagnostics';
import { jsonRenderer } from './json.js';
import { prettyRenderer } from './pretty.js';
import { sarifRenderer } from './sarif.js';

export type RenderFormat = 'pretty' | 'json' | 'sarif';

export const RENDER_FORMATS: readonly RenderFormat[] = ['pretty', 'json', 'sarif'];

export interface RenderOptions {
  /** Source texts by the file name used in spans, for code frames. Missing files render without a frame. */
  sources: ReadonlyMap<string, string>;
  /** Emit ANSI colours (pretty only). */
  color: boolean;
  /** wsbc version, recorded in machine-readable output. */
  toolVersion: string;
  /** Files under this directory are shown relative to it (SARIF: relative to %SRCROOT%). */
  cwd: string;
}

export interface DiagnosticRenderer {
  /** The complete output for these diagnostics, ending in a newline (empty for pretty with no diagnostics). */
  render(diagnostics: readonly Diagnostic[], options: RenderOptions): string;
}

const renderers: Record<RenderFormat, DiagnosticRenderer> = {
  pretty: prettyRenderer,
  json: jsonRenderer,
  sarif: sarifRenderer,
};

export function renderDiagnostics(format: RenderFormat, diagnostics: readonly Diagnostic[], options: RenderOptions): string {
  return renderers[format].render(diagnostics, options);
}

export { summarize, type DiagnosticSummary } from './summary.js';
