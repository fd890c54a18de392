// Diagnostic renderers: one interface, three output formats. Commands decide the format (from
// --format) and colour (from the TTY and NO_COLOR, see terminal.ts); renderers only turn the
// libraries' Diagnostic values into text, so the same findings read the same in every command.
// The text comes in chunks of about one diagnostic each, which commands hand to writeChunks
// (output.ts): a report on a million findings is longer than the longest string V8 can make.
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
  /**
   * The output for these diagnostics, made a chunk at a time as it is iterated: joined, the
   * chunks end in a newline (and are none for pretty with no diagnostics).
   */
  render(diagnostics: readonly Diagnostic[], options: RenderOptions): Iterable<string>;
}

const renderers: Record<RenderFormat, DiagnosticRenderer> = {
  pretty: prettyRenderer,
  json: jsonRenderer,
  sarif: sarifRenderer,
};

export function renderDiagnostics(format: RenderFormat, diagnostics: readonly Diagnostic[], options: RenderOptions): Iterable<string> {
  return renderers[format].render(diagnostics, options);
}

export { summarize, type DiagnosticSummary } from './summary.js';
