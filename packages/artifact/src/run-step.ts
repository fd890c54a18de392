// The runtime's hook for vetted artifacts: a prepare step (the shape @wsbc/runtime's run()
// accepts in `prepare`, declared structurally so this package stays below the runtime) that
// verifies the artifact against the manifest the run is about to enforce and refuses the run
// when anything does not verify. The enforced manifest must equal the embedded one byte for
// byte (or, with hostPathsMayDiffer, up to where preopened directories live on the host): a run
// must never enforce a policy other than the one the module was vetted under.
import type { Diagnostic } from '@wsbc/diagnostics';
import type { Manifest } from '@wsbc/manifest';
import { verifyArtifact } from './verify.js';

export interface VettedArtifactStepOptions {
  /** Raw Ed25519 public keys; when non-empty, a valid signature by one of them is required. */
  trustedKeys?: Uint8Array[];
  /** The running wsbc's version (a difference is reported as info). */
  toolVersion?: string;
  /** File name for diagnostics. */
  file?: string;
  /** Accept a run manifest whose preopens live in other host directories (see VerifyOptions). */
  hostPathsMayDiffer?: boolean;
}

export interface ArtifactPrepareStep {
  name: string;
  apply(bytes: Uint8Array, manifest: Manifest): { ok: true; bytes: Uint8Array; diagnostics?: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };
}

export function vettedArtifactStep(options: VettedArtifactStepOptions = {}): ArtifactPrepareStep {
  return {
    name: 'verify-artifact',
    apply(bytes, manifest) {
      const report = verifyArtifact(bytes, { ...options, expectedManifest: manifest });
      if (!report.ok) return { ok: false, diagnostics: report.diagnostics };
      // Engines ignore custom sections, so the artifact runs as it is: exactly the verified bytes.
      return { ok: true, bytes, diagnostics: report.diagnostics };
    },
  };
}

/**
 * The manifest embedded in a vetted artifact, for running it without a separate policy file.
 * Verification still happens in vettedArtifactStep; this only reads.
 */
export function embeddedManifest(bytes: Uint8Array, file?: string): { ok: true; manifest: Manifest } | { ok: false; vetted: boolean; diagnostics: Diagnostic[] } {
  const report = verifyArtifact(bytes, { ...(file !== undefined ? { file } : {}) });
  const manifest = report.artifact?.manifest;
  if (report.ok && manifest) return { ok: true, manifest };
  return { ok: false, vetted: report.vetted, diagnostics: report.diagnostics };
}
