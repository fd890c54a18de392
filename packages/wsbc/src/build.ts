// build(): the vetting pipeline as one call. Load the policy, check the module against it (a
// refused module fails the build with exactly the analyzer's findings, as `wsbc check` reports
// them), instrument it under the manifest's limits, and seal the result into a vetted artifact
// (optionally signed). Each stage's failure is reported as diagnostics tagged with the stage.
import type { Diagnostic } from '@wsbc/diagnostics';
import { checkModule, type CheckResult } from '@wsbc/analyzer';
import { loadSigningKey, sealArtifact, type SigningKey } from '@wsbc/artifact';
import { instrumentAsync, type InstrumentAsyncOptions, type InstrumentStats } from '@wsbc/instrumenter';
import type { Manifest } from '@wsbc/manifest';
import { asModuleBytes, badOption, type ModuleBytes } from './inputs.js';
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
   * limits, and an override may tighten them but not loosen them: the artifact seals the
   * manifest, so its instrumentation must hold the manifest's fuel budget, stack depth and
   * memory guard. Large modules are rewritten on several threads (instrumentAsync: the same
   * bytes for any thread count).
   */
  instrument?: Omit<InstrumentAsyncOptions, 'manifest' | 'file'>;
}

export type BuildStage = 'policy' | 'check' | 'instrument' | 'seal';

export type BuildResult =
  | {
      ok: true;
      /** The vetted artifact: instrumented module plus the sealed wsbc.vetted section. */
      artifact: Uint8Array<ArrayBuffer>;
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
    if (typeof input === 'object' && input !== null && 'privateKey' in input) {
      keys.push(input);
      continue;
    }
    const loaded = loadSigningKey(input);
    if (loaded.ok) keys.push(loaded.key);
    else problems.push({ code: 'artifact/bad-key', severity: 'error', message: `signing key: ${loaded.message}` });
  }
  return { keys, problems };
}

/**
 * Overrides that would leave the artifact's instrumentation looser than the manifest it seals
 * (the runtime trusts the seal): metering off under a fuel budget, a missing or deeper stack
 * guard, a missing or larger memory guard, or a guard that fails a grow the policy says traps.
 */
function looserThanManifest(overrides: BuildOptions['instrument'], manifest: Manifest): Diagnostic[] {
  if (overrides === undefined || overrides === null) return [];
  const problems: string[] = [];
  const { fuel, stack, memory } = manifest.limits;
  if (fuel !== null && overrides.fuel === false) problems.push(`\`fuel: false\` would leave the policy's fuel budget of ${fuel} unmetered`);
  if (stack.maxDepth !== null && overrides.stackDepth !== undefined && !(typeof overrides.stackDepth === 'number' && overrides.stackDepth <= stack.maxDepth)) {
    problems.push(`\`stackDepth: ${String(overrides.stackDepth)}\` is looser than the policy's stack depth of ${stack.maxDepth}`);
  }
  const guard = overrides.memory;
  if (guard !== undefined) {
    if (guard === null || typeof guard !== 'object') problems.push(`\`memory: ${String(guard)}\` would leave memory growth unguarded`);
    else {
      if (!(guard.maxPages <= memory.maxPages)) problems.push(`a memory guard of ${String(guard.maxPages)} pages is looser than the policy's ${memory.maxPages}`);
      if (!(guard.maxGrowthPages <= memory.maxGrowthPages)) problems.push(`a growth guard of ${String(guard.maxGrowthPages)} pages is looser than the policy's ${memory.maxGrowthPages}`);
      if (guard.trapOnGrowFailure !== memory.trapOnGrowFailure) problems.push(`the policy says a refused memory.grow ${memory.trapOnGrowFailure ? 'traps' : 'returns -1'}`);
    }
  }
  return problems.map((message) => ({
    code: 'instrument/invalid-options',
    severity: 'error',
    message: `instrumentation override refused: ${message}`,
    help: 'an override may tighten the policy\'s limits but not loosen them; change the policy instead',
  }));
}

export async function build(moduleBytes: ModuleBytes, options: BuildOptions): Promise<BuildResult> {
  options ??= {};
  const policy = loadPolicySpec(options, options);
  const sources = policy.sources;
  if (!policy.manifest || policy.diagnostics.some((d) => d.severity === 'error')) {
    return { ok: false, stage: 'policy', diagnostics: policy.diagnostics, sources };
  }
  const manifest = policy.manifest;
  const { keys, problems } = signingKeys(options.sign);
  if (problems.length > 0) return { ok: false, stage: 'seal', diagnostics: problems, manifest, sources };

  const bytes = asModuleBytes(moduleBytes);
  const inputProblems = [
    ...(bytes === undefined ? [badOption('input/unreadable', 'module', 'the bytes of a module (a Uint8Array or an ArrayBuffer)', moduleBytes)] : []),
    ...(options.file !== undefined && typeof options.file !== 'string' ? [badOption('input/unreadable', 'file', 'a file name (a string)', options.file)] : []),
  ];
  if (bytes === undefined || inputProblems.length > 0) return { ok: false, stage: 'check', diagnostics: inputProblems, manifest, sources };
  const file = options.file ?? 'module.wasm';

  const check = checkModule(bytes, manifest, { file });
  if (!check.allowed) {
    return { ok: false, stage: 'check', diagnostics: [...policy.diagnostics, ...check.findings], check, manifest, sources };
  }
  const looser = looserThanManifest(options.instrument, manifest);
  if (looser.length > 0) return { ok: false, stage: 'instrument', diagnostics: looser, check, manifest, sources };
  const instrumented = await instrumentAsync(bytes, { ...options.instrument, manifest, file });
  if (!instrumented.ok) {
    return { ok: false, stage: 'instrument', diagnostics: instrumented.diagnostics, check, manifest, sources };
  }
  const sealed = sealArtifact(instrumented.value.bytes, { manifest, original: bytes, toolVersion: WSBC_VERSION, signingKeys: keys, file });
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
