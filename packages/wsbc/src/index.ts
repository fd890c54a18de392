// wsbc: the public API in one package. Level 1 is `run(module, { policy })` and
// `build(module, { policy })`; level 2 the runtime's `sandbox()` builder (a manifest without a
// policy file); level 3 the separate steps, re-exported from the packages that implement them
// (compile a policy, check, instrument, seal, verify, generate types). See docs/api.md.
export { build, type BuildOptions, type BuildResult, type BuildStage, type SigningKeyInput } from './build.js';
export { run, type RunOptions, type RunResult } from './run.js';
export { compilePolicy, loadPolicySpec, type LoadedPolicy, type PolicyLocation } from './policy.js';
export { WSBC_VERSION } from './version.js';

export { compilePolicyFile, compilePolicySource, formatPolicy, type CompileResult, type CompileSourceOptions } from '@wsbc/policy-dsl';
export { canonicalManifestJson, loadManifest, manifestHash, normalize, validateManifest, type Manifest, type ManifestInput } from '@wsbc/manifest';
export { checkModule, inferPolicy, inspectModule, type CheckResult } from '@wsbc/analyzer';
export { instrument, type InstrumentOptions, type InstrumentOutput } from '@wsbc/instrumenter';
export { sandbox, instrumentStep, RunStatus, type HostFunction, type HostCallContext, type AuditRecord, type AuditSink } from '@wsbc/runtime';
export {
  generateSigningKeyPair,
  loadSigningKey,
  loadTrustedKey,
  sealArtifact,
  signArtifact,
  stripVettedSection,
  verifyArtifact,
  vettedArtifactStep,
  embeddedManifest,
  describeGrants,
  VETTED_SECTION_NAME,
  type SigningKey,
  type VerifyOptions,
  type VerifyReport,
} from '@wsbc/artifact';
export { generateTypes, type GenerateTypesOptions, type GeneratedTypes } from '@wsbc/typegen';
export type { Diagnostic, Result } from '@wsbc/diagnostics';
