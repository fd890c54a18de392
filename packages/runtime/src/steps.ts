// Prepare steps that plug into run(): instrumenting a plain module on the fly (`--instrument`).
// Verification of vetted artifacts (issue 6) is another PrepareStep with the same shape.
import type { Diagnostic } from '@wsbc/diagnostics';
import type { Manifest } from '@wsbc/manifest';
import * as instrumenter from '@wsbc/instrumenter';
import type { PrepareStep } from './run.js';

type InstrumentFn = (bytes: Uint8Array, options: { manifest: Manifest }) =>
  { ok: true; value: Uint8Array; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Instruments the module with @wsbc/instrumenter's instrument() under the manifest's limits
 * (fuel metering, memory-growth guard, stack guard). Refuses the run if instrumenting fails.
 */
export function instrumentStep(): PrepareStep {
  return {
    name: 'instrument',
    apply(bytes, manifest) {
      const instrument = (instrumenter as unknown as { instrument?: InstrumentFn }).instrument;
      if (typeof instrument !== 'function') {
        return { ok: false, diagnostics: [{ code: 'run/instrument-failed', severity: 'error', message: 'this build of @wsbc/instrumenter has no instrument()' }] };
      }
      const result = instrument(bytes, { manifest });
      if (!result.ok) return { ok: false, diagnostics: result.diagnostics };
      return { ok: true, bytes: result.value, diagnostics: result.diagnostics };
    },
  };
}
