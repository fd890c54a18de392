// Loading one renderer on demand: a command that knows its --format up front imports only that
// renderer instead of all three (CLI start-up time is a benchmark target; see bench/startup.sh).
// index.ts's renderDiagnostics stays the synchronous entry point for everything else.
import type { DiagnosticRenderer, RenderFormat } from './index.js';

export async function loadRenderer(format: RenderFormat): Promise<DiagnosticRenderer> {
  switch (format) {
    case 'pretty':
      return (await import('./pretty.js')).prettyRenderer;
    case 'json':
      return (await import('./json.js')).jsonRenderer;
    case 'sarif':
      return (await import('./sarif.js')).sarifRenderer;
  }
}
