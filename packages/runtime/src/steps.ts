// Prepare steps that plug into run(): instrumenting a plain module on the fly (`--instrument`).
// Verification of vetted artifacts (issue 6) is another PrepareStep with the same shape.
import type { PrepareStep } from './run.js';

/**
 * Instruments the module with @wsbc/instrumenter's instrument() under the manifest's limits
 * (fuel metering, memory-growth guard, stack guard). Refuses the run if instrumenting fails.
 * Fuel metering is injected even when the budget is unlimited: its slices are how the runtime
 * checks CPU time and holds CPU usage to its share while the guest computes.
 */
export function instrumentStep(file?: string): PrepareStep {
  return {
    name: 'instrument',
    async apply(bytes, manifest) {
      // Loaded on first use: importing @wsbc/runtime (and running vetted artifacts) does not pay
      // for the instrumenter's planner and rewriter.
      const { instrument } = await import('@wsbc/instrumenter');
      const result = instrument(bytes, { manifest, fuel: true, ...(file !== undefined ? { file } : {}) });
      if (!result.ok) return { ok: false, diagnostics: result.diagnostics };
      return { ok: true, bytes: result.value.bytes, diagnostics: result.diagnostics };
    },
  };
}
