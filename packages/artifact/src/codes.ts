// Diagnostic codes of the `artifact/` domain (vetted-artifact verification). Registered with the
// shared registry at load time so SARIF rules and `describeCode` know them; never reuse a code.
import { registerCodes, type CodeTable } from '@wsbc/diagnostics';

export const artifactCodes = {
  'artifact/already-vetted': { severity: 'error', summary: 'The input already carries a wsbc.vetted section; build from the original module' },
  'artifact/bad-key': { severity: 'error', summary: 'A signing or trust key could not be read as an Ed25519 PEM key' },
  'artifact/body-hash-mismatch': { severity: 'error', summary: 'The module code differs from the code that was vetted' },
  'artifact/duplicate-section': { severity: 'error', summary: 'The module carries more than one wsbc.vetted section' },
  'artifact/malformed-module': { severity: 'error', summary: 'The file is not a well-framed wasm module' },
  'artifact/malformed-section': { severity: 'error', summary: 'The wsbc.vetted section does not follow the artifact format' },
  'artifact/manifest-invalid': { severity: 'error', summary: 'The embedded manifest is not a valid normalized manifest' },
  'artifact/manifest-mismatch': { severity: 'error', summary: 'The embedded manifest differs from the expected policy' },
  'artifact/manifest-not-canonical': { severity: 'error', summary: 'The embedded manifest bytes are not in canonical form' },
  'artifact/not-vetted': { severity: 'error', summary: 'The module has no wsbc.vetted section (it was not built with wsbc build)' },
  'artifact/original-hash-mismatch': { severity: 'error', summary: 'The given original module is not the one that was vetted' },
  'artifact/policy-required': { severity: 'error', summary: 'A module that is not vetted can only run (instrumented or opted out) under an explicit policy' },
  'artifact/seal-mismatch': { severity: 'error', summary: 'The vetted section was altered after it was sealed' },
  'artifact/signature-invalid': { severity: 'error', summary: 'A signature does not verify over the sealed fields' },
  'artifact/too-many-signatures': { severity: 'error', summary: 'Signing would give the artifact more signatures than the format allows (16)' },
  'artifact/unsigned': { severity: 'error', summary: 'Trusted keys were given but the artifact carries no signature by any of them' },
  'artifact/unsupported-format': { severity: 'error', summary: 'The wsbc.vetted section uses a format version this wsbc does not read' },
  'artifact/untrusted-signer': { severity: 'warning', summary: 'A valid signature was made by a key that is not in the trusted set' },
  'artifact/version-differs': { severity: 'info', summary: 'The artifact was built by a different wsbc version' },
} as const satisfies CodeTable;

export type ArtifactCode = keyof typeof artifactCodes;

registerCodes(artifactCodes);
