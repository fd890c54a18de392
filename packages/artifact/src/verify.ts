// Verifying a vetted artifact, explaining each step: is it a module, does it carry exactly one
// wsbc.vetted section, does the section parse, does the seal cover its fields, is the code the
// code that was vetted, is the manifest valid and canonical, who signed it and is that key
// trusted, and (when given) is it built from this original module under this policy.
//
// What the checks prove (docs/artifact.md says the same to users): without signatures, the seal
// and the body hash catch corruption and any edit made by something that does not recompute
// them; they do not stop a deliberate forger, who can rewrite the whole section. Against that,
// sign at build time and verify with trusted keys, or pass the expected policy, whose manifest
// the embedded one must equal byte for byte.
import type { Diagnostic, Severity } from '@wsbc/diagnostics';
import { canonicalManifestJson, loadManifest, manifestHash, type Manifest } from '@wsbc/manifest';
import type { ArtifactCode } from './codes.js';
import { decodeSectionContent } from './format.js';
import { equalBytes, findVettedSection, sealDigest, sha256, signatureMessage } from './seal.js';
import { withoutSections } from './sections.js';
import { keyFingerprint, verifySignature } from './signing.js';

export interface VerifyOptions {
  /** Raw Ed25519 public keys (see loadTrustedKey). When non-empty, a valid signature by one is required. */
  trustedKeys?: Uint8Array[];
  /** The module given to `wsbc build`; its sha256 must equal the recorded one. */
  original?: Uint8Array;
  /** The manifest the artifact must have been built under. */
  expectedManifest?: Manifest;
  /**
   * Compare with expectedManifest ignoring the host directories of preopens (guest paths and
   * rights must still match): the operator who runs an artifact chooses where its directories
   * live on this machine, while what the guest may do with them stays sealed.
   */
  hostPathsMayDiffer?: boolean;
  /** The verifying wsbc's version; a different building version is reported (info). */
  toolVersion?: string;
  /** File name for diagnostics. */
  file?: string;
}

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One line of the explanation `wsbc verify` prints. */
export interface VerifyCheck {
  id: 'module' | 'section' | 'format' | 'seal' | 'body' | 'manifest' | 'signatures' | 'trust' | 'original' | 'policy' | 'version';
  status: CheckStatus;
  message: string;
}

export interface SignatureInfo {
  fingerprint: string;
  publicKeyHex: string;
  valid: boolean;
  trusted: boolean;
}

export interface VettedArtifactInfo {
  formatVersion: number;
  toolVersion: string;
  originalSha256: string;
  bodySha256: string;
  /** Present when the embedded manifest is valid. */
  manifest?: Manifest;
  manifestHash?: string;
  signatures: SignatureInfo[];
  /** Where the section sits in the file. */
  sectionOffset: number;
  sectionLength: number;
}

export interface VerifyReport {
  /** No error-level diagnostics: the artifact may be run. */
  ok: boolean;
  /** A wsbc.vetted section was found (even if it then failed verification). */
  vetted: boolean;
  artifact?: VettedArtifactInfo;
  /** The artifact without its section (a view into the input bytes). Present when ok. */
  body?: Uint8Array;
  checks: VerifyCheck[];
  diagnostics: Diagnostic[];
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

export function verifyArtifact(bytes: Uint8Array, options: VerifyOptions = {}): VerifyReport {
  const file = options.file ?? '<artifact>';
  const checks: VerifyCheck[] = [];
  const diagnostics: Diagnostic[] = [];
  const problem = (code: ArtifactCode, severity: Severity, message: string, byteOffset: number, help?: string) => {
    diagnostics.push({ code, severity, message, span: { file, byteOffset }, ...(help ? { help } : {}) });
  };
  // Early exits happen only on errors, so such a report is never ok and never carries a body.
  const finish = (vetted: boolean): VerifyReport => ({ ok: false, vetted, checks, diagnostics });

  const found = findVettedSection(bytes, file);
  if (!found.ok) {
    const d = found.diagnostics[0]!;
    diagnostics.push(...found.diagnostics);
    if (d.code === 'artifact/malformed-module') {
      checks.push({ id: 'module', status: 'fail', message: `not a well-framed wasm module: ${d.message}` });
    } else {
      checks.push({ id: 'module', status: 'pass', message: 'well-framed wasm module' });
      checks.push({ id: 'section', status: 'fail', message: d.message });
      if (d.code === 'artifact/not-vetted') d.help = 'vet it with `wsbc build module.wasm --policy policy.wsp -o module.vetted.wasm`';
      if (d.code === 'artifact/duplicate-section') d.help = 'a second section could show a reader a different manifest than the one sealed; rebuild the artifact';
    }
    return finish(d.code === 'artifact/duplicate-section');
  }
  const frame = found.value;
  const contentStart = frame.contentStart!;
  checks.push({ id: 'module', status: 'pass', message: 'well-framed wasm module' });
  checks.push({ id: 'section', status: 'pass', message: `one wsbc.vetted section at byte ${frame.start} (${frame.end - frame.start} bytes)` });

  const decoded = decodeSectionContent(bytes.subarray(contentStart, frame.end));
  if (!decoded.ok) {
    problem(decoded.unsupported ? 'artifact/unsupported-format' : 'artifact/malformed-section', 'error', decoded.message, contentStart + decoded.offset);
    checks.push({ id: 'format', status: 'fail', message: decoded.message });
    return finish(true);
  }
  const section = decoded.value;
  checks.push({ id: 'format', status: 'pass', message: `artifact format ${section.formatVersion}, built by wsbc ${section.toolVersion}` });
  const fieldOffset = (tag: number) => contentStart + (section.offsets[tag] ?? 0);

  // Seal: any edit to the version, either hash or the manifest that did not also recompute it.
  if (equalBytes(sealDigest(section.sealedBytes), section.seal)) {
    checks.push({ id: 'seal', status: 'pass', message: 'seal matches the version, hashes and manifest' });
  } else {
    problem('artifact/seal-mismatch', 'error', 'the seal does not match the sealed fields: the version, a hash or the manifest was altered after the build', fieldOffset(0x05), 'rebuild the artifact from the original module with `wsbc build`');
    checks.push({ id: 'seal', status: 'fail', message: 'seal does not match: the section was altered' });
  }

  // Body: the code (every section but ours) must be the code that was vetted and instrumented.
  const body = withoutSections(bytes, [frame]);
  const bodySha256 = sha256(body);
  if (equalBytes(bodySha256, section.bodySha256)) {
    checks.push({ id: 'body', status: 'pass', message: `module code matches the vetted code (sha256 ${hex(bodySha256).slice(0, 16)}…)` });
  } else {
    problem('artifact/body-hash-mismatch', 'error', `the module code was altered after it was vetted (sha256 ${hex(bodySha256)}, vetted ${hex(section.bodySha256)})`, 8, 'rebuild the artifact; do not post-process vetted artifacts (wasm-opt, strip) after `wsbc build`');
    checks.push({ id: 'body', status: 'fail', message: 'module code differs from the vetted code' });
  }

  // Manifest: valid against the schema, and byte-for-byte canonical (so its hash is meaningful).
  let manifest: Manifest | undefined;
  let manifestText: string | undefined;
  try {
    // ignoreBOM: a leading BOM must stay in the text and fail the canonical comparison, not be
    // dropped so that bytes other than the canonical ones pass as canonical.
    manifestText = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(section.manifestBytes);
  } catch {
    problem('artifact/manifest-invalid', 'error', 'the embedded manifest is not valid UTF-8', fieldOffset(0x04));
  }
  if (manifestText !== undefined) {
    const loaded = loadManifest(manifestText, `${file}#wsbc.vetted/manifest`);
    if (loaded.ok) {
      const canonical = canonicalManifestJson(loaded.value);
      if (canonical === manifestText) {
        manifest = loaded.value;
        checks.push({ id: 'manifest', status: 'pass', message: `manifest${manifest.name ? ` "${manifest.name}"` : ''} is valid and canonical (${manifestHash(manifest)})` });
      } else {
        problem('artifact/manifest-not-canonical', 'error', 'the embedded manifest is valid but not in canonical form, so it was not written by wsbc build', fieldOffset(0x04));
        checks.push({ id: 'manifest', status: 'fail', message: 'manifest is not canonical' });
      }
    } else {
      const first = loaded.diagnostics.find((d) => d.severity === 'error');
      problem('artifact/manifest-invalid', 'error', `the embedded manifest is invalid${first ? `: ${first.message}` : ''}`, fieldOffset(0x04));
      checks.push({ id: 'manifest', status: 'fail', message: 'manifest is invalid' });
    }
  } else {
    checks.push({ id: 'manifest', status: 'fail', message: 'manifest is not UTF-8' });
  }

  // Signatures: each is checked; a bad one is an error even when another good one exists,
  // because an artifact carrying a forged signature has been handled by someone untrustworthy.
  const trusted = new Set((options.trustedKeys ?? []).map(hex));
  const message = signatureMessage(section.sealedBytes);
  const signatures: SignatureInfo[] = section.signatures.map((s) => {
    const valid = verifySignature(s.publicKey, message, s.signature);
    const info = { fingerprint: keyFingerprint(s.publicKey), publicKeyHex: hex(s.publicKey), valid, trusted: valid && trusted.has(hex(s.publicKey)) };
    if (!valid) problem('artifact/signature-invalid', 'error', `the signature by key ${info.fingerprint} does not verify over the sealed fields`, contentStart + s.offset, 'the artifact or its signature was altered; rebuild and re-sign it');
    return info;
  });
  if (signatures.length === 0) {
    checks.push({ id: 'signatures', status: 'skip', message: 'not signed' });
  } else {
    const bad = signatures.filter((s) => !s.valid).length;
    const described = signatures.map((s) => `${s.fingerprint} ${s.valid ? 'valid' : 'INVALID'}${s.trusted ? ', trusted' : ''}`).join('; ');
    checks.push({ id: 'signatures', status: bad > 0 ? 'fail' : 'pass', message: `${signatures.length} signature${signatures.length === 1 ? '' : 's'}: ${described}` });
  }
  if (trusted.size > 0) {
    const trustedSigners = signatures.filter((s) => s.trusted);
    if (trustedSigners.length > 0) {
      checks.push({ id: 'trust', status: 'pass', message: `signed by trusted key ${trustedSigners.map((s) => s.fingerprint).join(', ')}` });
    } else {
      const why = signatures.length === 0 ? 'the artifact is not signed' : 'no valid signature is by a trusted key';
      problem('artifact/unsigned', 'error', `trusted keys were given but ${why}`, frame.start, 'sign it with `wsbc build --sign key.pem`, or trust the key that signed it');
      checks.push({ id: 'trust', status: 'fail', message: why });
    }
    for (const s of signatures.filter((x) => x.valid && !x.trusted)) {
      problem('artifact/untrusted-signer', 'warning', `signature by ${s.fingerprint} is valid but that key is not trusted`, frame.start);
    }
  } else {
    checks.push({ id: 'trust', status: 'skip', message: 'no trusted keys given (--trust): signatures are not required' });
  }

  if (options.original) {
    const originalSha256 = sha256(options.original);
    if (equalBytes(originalSha256, section.originalSha256)) {
      checks.push({ id: 'original', status: 'pass', message: 'built from the given original module' });
    } else {
      problem('artifact/original-hash-mismatch', 'error', `the given original module (sha256 ${hex(originalSha256)}) is not the one vetted (sha256 ${hex(section.originalSha256)})`, fieldOffset(0x02));
      checks.push({ id: 'original', status: 'fail', message: 'built from a different original module' });
    }
  } else {
    checks.push({ id: 'original', status: 'skip', message: `original module sha256 ${hex(section.originalSha256)} (pass the original to compare)` });
  }

  if (options.expectedManifest) {
    const comparable = (m: Manifest) => canonicalManifestJson(options.hostPathsMayDiffer ? withoutHostPaths(m) : m);
    const expected = comparable(options.expectedManifest);
    if ((manifest ? comparable(manifest) : manifestText) === expected) {
      checks.push({ id: 'policy', status: 'pass', message: 'embedded manifest equals the expected policy' });
    } else {
      const differing = manifest ? differingSections(options.hostPathsMayDiffer ? withoutHostPaths(manifest) : manifest, options.hostPathsMayDiffer ? withoutHostPaths(options.expectedManifest) : options.expectedManifest) : [];
      problem('artifact/manifest-mismatch', 'error', `the embedded manifest differs from the expected policy${differing.length ? ` in: ${differing.join(', ')}` : ''}`, fieldOffset(0x04), 'rebuild the artifact under the current policy');
      checks.push({ id: 'policy', status: 'fail', message: `embedded manifest differs from the expected policy${differing.length ? ` (${differing.join(', ')})` : ''}` });
    }
  }

  if (options.toolVersion !== undefined && options.toolVersion !== section.toolVersion) {
    problem('artifact/version-differs', 'info', `built by wsbc ${section.toolVersion}; this is wsbc ${options.toolVersion}`, fieldOffset(0x01));
    checks.push({ id: 'version', status: 'warn', message: `built by wsbc ${section.toolVersion}, verified by ${options.toolVersion}` });
  }

  const ok = !diagnostics.some((d) => d.severity === 'error');
  return {
    ok,
    vetted: true,
    artifact: {
      formatVersion: section.formatVersion,
      toolVersion: section.toolVersion,
      originalSha256: hex(section.originalSha256),
      bodySha256: hex(section.bodySha256),
      ...(manifest ? { manifest, manifestHash: manifestHash(manifest) } : {}),
      signatures,
      sectionOffset: frame.start,
      sectionLength: frame.end - frame.start,
    },
    ...(ok ? { body } : {}),
    checks,
    diagnostics,
  };
}

function withoutHostPaths(m: Manifest): Manifest {
  return { ...m, filesystem: { preopens: m.filesystem.preopens.map((p) => ({ ...p, hostPath: '' })) } };
}

/** Top-level manifest keys (and limit groups) whose canonical JSON differs, for a readable mismatch. */
function differingSections(a: Manifest, b: Manifest): string[] {
  const out: string[] = [];
  const keys = Object.keys(a) as Array<keyof Manifest>;
  for (const key of keys) {
    if (key === 'limits') {
      for (const group of Object.keys(a.limits) as Array<keyof Manifest['limits']>) {
        if (JSON.stringify(a.limits[group]) !== JSON.stringify(b.limits[group])) out.push(`limits.${group}`);
      }
    } else if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) {
      out.push(key);
    }
  }
  return out;
}
