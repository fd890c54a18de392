// build(): the vetting pipeline as one call. Load the policy, check the module against it (a
// refused module fails the build with exactly the analyzer's findings, as `wsbc check` reports
// them), instrument it under the manifest's limits, and seal the result into a vetted artifact
// (optionally signed). Each stage's failure is reported as diagnostics tagged with the stage.
import type { Diagnostic } from '@wsbc/diagnostics';
import { checkModule, type CheckResult } from '@wsbc/analyzer';
import { loadSigningKey, sealArtifact, type SigningKey } from '@wsbc/artifact';
import { instrumentAsync, type InstrumentAsyncOptions, type InstrumentStats } from '@wsbc/instrumenter';
import type { Manifest } from '@wsbc/manifest';
import { loadPolicySpec, type PolicyLocation } from './policy.js';
import { WSBC_VERSION } from './version.js';

/** A signing key: PEM text (PKCS#8 Ed25519), its bytes, or a key loaded with loadSigningKey. */
export type SigningKeyInput = string | Uint8Array | SigningKey;

export interface BuildOptions extends PolicyLocation {
  /** Path to a `.wsp` policy or a manifest `.json` (relative to `cwd`). */
  policy?: string;
  /** `.wsp` source text (relative paths resolve against `cwd`). */
  policySource?: string;
  /** An already-normalized manifest. */
  manifest?: Manifest;
  /** Sign the artifact with these Ed25519 keys. */
  sign?: SigningKeyInput | SigningKeyInput[];
  /** Module file name used in findings (default `module.wasm`). */
  file?: string;
  /**
   * Instrumentation overrides (cost table, stack depth, threads); the manifest supplies the
   * limits. Large modules are rewritten on several threads (instrumentAsync: the same bytes for
   * any thread count).
   */
  instrument?: Omit<InstrumentAsyncOptions, 'manifest' | 'file'>;
}

export type BuildStage = 'policy' | 'check' | 'instrument' | 'seal';

export type BuildResult =
  | {
      ok: true;
      /** The vetted artifact: instrumented module plus the sealed wsbc.vetted section. */
      artifact: Uint8Array;
      manifest: Manifest;
      /** Non-error findings of the check (warnings, infos), and any policy warnings. */
      diagnostics: Diagnostic[];
      check: CheckResult;
      instrumentation: InstrumentStats;
      sources: Map<string, string>;
    }
  | {
      ok: false;
      /** The stage that refused: the policy did not compile, the check refused the module, ... */
      stage: BuildStage;
      diagnostics: Diagnostic[];
      /** Present when the check ran. */
      check?: CheckResult;
      manifest?: Manifest;
      sources: Map<string, string>;
    };

function signingKeys(sign: BuildOptions['sign']): { keys: SigningKey[]; problems: Diagnostic[] } {
  const inputs = sign === undefined ? [] : Array.isArray(sign) ? sign : [sign];
  const keys: SigningKey[] = [];
  const problems: Diagnostic[] = [];
  for (const input of inputs) {
    if (typeof input === 'object' && 'privateKey' in input) {
      keys.push(input);
      continue;
    }
    const loaded = loadSigningKey(input);
    if (loaded.ok) keys.push(loaded.key);
    else problems.push({ code: 'artifact/bad-key', severity: 'error', message: `signing key: ${loaded.message}` });
  }
  return { keys, problems };
}

export async function build(moduleBytes: Uint8Array, options: BuildOptions): Promise<BuildResult> {
  const file = options.file ?? 'module.wasm';
  const policy = loadPolicySpec(options, options);
  const sources = policy.sources;
  if (!policy.manifest || policy.diagnostics.some((d) => d.severity === 'error')) {
    return { ok: false, stage: 'policy', diagnostics: policy.diagnostics, sources };
  }
  const manifest = policy.manifest;
  const { keys, problems } = signingKeys(options.sign);
  if (problems.length > 0) return { ok: false, stage: 'seal', diagnostics: problems, manifest, sources };

  const check = checkModule(moduleBytes, manifest, { file });
  if (!check.allowed) {
    return { ok: false, stage: 'check', diagnostics: [...policy.diagnostics, ...check.findings], check, manifest, sources };
  }
  const instrumented = await instrumentAsync(moduleBytes, { ...options.instrument, manifest, file });
  if (!instrumented.ok) {
    return { ok: false, stage: 'instrument', diagnostics: instrumented.diagnostics, check, manifest, sources };
  }
  const sealed = sealArtifact(instrumented.value.bytes, { manifest, original: moduleBytes, toolVersion: WSBC_VERSION, signingKeys: keys, file });
  if (!sealed.ok) return { ok: false, stage: 'seal', diagnostics: sealed.diagnostics, check, manifest, sources };
  return {
    ok: true,
    artifact: sealed.value,
    manifest,
    diagnostics: [...policy.diagnostics, ...check.findings, ...instrumented.diagnostics],
    check,
    instrumentation: instrumented.value.stats,
    sources,
  };
}
