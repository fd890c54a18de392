// @wsbc/artifact: the vetted-artifact format. A vetted artifact is a wasm module that passed
// `wsbc check`, was instrumented, and carries one `wsbc.vetted` custom section sealing the
// normalized manifest, the sha256 of the original module, the sha256 of its own code and the
// wsbc version, optionally with Ed25519 signatures. Engines ignore the section; wsbc's runtime
// reads it (verifyArtifact) and refuses what does not verify.
import './codes.js';

export { artifactCodes, type ArtifactCode } from './codes.js';
export {
  ARTIFACT_FORMAT_VERSION,
  SEAL_DOMAIN,
  SIGNATURE_DOMAIN,
  VETTED_SECTION_NAME,
  Tag as VettedFieldTag,
  decodeSectionContent,
  type DecodedVettedSection,
} from './format.js';
export { sealArtifact, signArtifact, stripVettedSection, type SealOptions } from './seal.js';
export {
  generateSigningKeyPair,
  keyFingerprint,
  loadSigningKey,
  loadTrustedKey,
  type KeyResult,
  type SigningKey,
} from './signing.js';
export {
  verifyArtifact,
  type CheckStatus,
  type SignatureInfo,
  type VerifyCheck,
  type VerifyOptions,
  type VerifyReport,
  type VettedArtifactInfo,
} from './verify.js';
export { embeddedManifest, vettedArtifactStep, type ArtifactPrepareStep, type VettedArtifactStepOptions } from './run-step.js';
export { describeGrants } from './grants.js';
