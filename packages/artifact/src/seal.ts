// Making a vetted artifact: append one `wsbc.vetted` section to an (already checked and
// instrumented) module, sealing the manifest, the original module's hash and the final code's
// hash, optionally signed. Also adding a signature to an existing artifact (a release step that
// holds the key can sign what CI built) and cutting the section off again.
import { createHash } from 'node:crypto';
import type { Diagnostic, Result } from '@wsbc/diagnostics';
import { canonicalManifestJson, type Manifest } from '@wsbc/manifest';
import './codes.js';
import {
  MAX_SIGNATURES,
  SEAL_DOMAIN,
  SIGNATURE_DOMAIN,
  VETTED_SECTION_NAME,
  decodeSectionContent,
  encodeSealedBytes,
  encodeSectionContent,
} from './format.js';
import { encodeCustomSection, frameSections, withoutSections, type SectionFrame } from './sections.js';
import { signMessage, verifySignature, type SigningKey } from './signing.js';

export interface SealOptions {
  /** The normalized manifest the module was checked and instrumented against. */
  manifest: Manifest;
  /** The module as given to the build (before instrumentation), or its sha256. */
  original: Uint8Array | { sha256: Uint8Array };
  /** Version of the wsbc that built the artifact. */
  toolVersion: string;
  /** Keys to sign with (zero or more). */
  signingKeys?: SigningKey[];
  /** File name used in diagnostics. */
  file?: string;
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

export function sealDigest(sealedBytes: Uint8Array): Uint8Array {
  return sha256(concat(new TextEncoder().encode(SEAL_DOMAIN), sealedBytes));
}

export function signatureMessage(sealedBytes: Uint8Array): Uint8Array {
  return concat(new TextEncoder().encode(SIGNATURE_DOMAIN), sealedBytes);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function malformed(file: string, message: string, byteOffset: number): Diagnostic {
  return { code: 'artifact/malformed-module', severity: 'error', message, span: { file, byteOffset } };
}

/** Appends a sealed (and optionally signed) wsbc.vetted section to `module`. */
export function sealArtifact(module: Uint8Array, options: SealOptions): Result<Uint8Array<ArrayBuffer>> {
  const file = options.file ?? '<module>';
  const framing = frameSections(module);
  if (!framing.ok) return { ok: false, diagnostics: [malformed(file, framing.message, framing.byteOffset)] };
  const existing = framing.sections.find((s) => s.customName === VETTED_SECTION_NAME);
  if (existing) {
    return {
      ok: false,
      diagnostics: [
        {
          code: 'artifact/already-vetted',
          severity: 'error',
          message: 'this module already carries a wsbc.vetted section',
          span: { file, byteOffset: existing.start, byteLength: existing.end - existing.start },
          help: 'build from the original module, not from a vetted artifact',
        },
      ],
    };
  }
  if ((options.signingKeys ?? []).length > MAX_SIGNATURES) return { ok: false, diagnostics: [tooManySignatures(file, (options.signingKeys ?? []).length)] };
  const originalSha256 = options.original instanceof Uint8Array ? sha256(options.original) : options.original.sha256;
  const sealedBytes = encodeSealedBytes({
    toolVersion: options.toolVersion,
    originalSha256,
    bodySha256: sha256(module),
    manifestBytes: new TextEncoder().encode(canonicalManifestJson(options.manifest)),
  });
  const message = signatureMessage(sealedBytes);
  const signatures = (options.signingKeys ?? []).map((key) => ({ publicKey: key.publicKey, signature: signMessage(key, message) }));
  const section = encodeCustomSection(VETTED_SECTION_NAME, encodeSectionContent(sealedBytes, sealDigest(sealedBytes), signatures));
  const out = new Uint8Array(module.length + section.length);
  out.set(module, 0);
  out.set(section, module.length);
  return { ok: true, value: out, diagnostics: [] };
}

/** The artifact's one wsbc.vetted section; not-vetted, duplicate and framing problems as diagnostics. */
export function findVettedSection(bytes: Uint8Array, file: string): Result<SectionFrame> {
  const framing = frameSections(bytes);
  if (!framing.ok) return { ok: false, diagnostics: [malformed(file, framing.message, framing.byteOffset)] };
  const found = framing.sections.filter((s) => s.customName === VETTED_SECTION_NAME);
  if (found.length === 0) {
    return { ok: false, diagnostics: [{ code: 'artifact/not-vetted', severity: 'error', message: 'no wsbc.vetted section: this module was not built with `wsbc build`', span: { file, byteOffset: 0 } }] };
  }
  if (found.length > 1) {
    return {
      ok: false,
      diagnostics: [{ code: 'artifact/duplicate-section', severity: 'error', message: `${found.length} wsbc.vetted sections (an artifact has exactly one)`, span: { file, byteOffset: found[1]!.start } }],
    };
  }
  return { ok: true, value: found[0]!, diagnostics: [] };
}

/**
 * Adds signatures to an existing artifact. Refuses an artifact whose seal does not match or whose
 * existing signatures do not verify: signing must never vouch for bytes that were altered.
 */
export function signArtifact(artifact: Uint8Array, keys: SigningKey[], file = '<artifact>'): Result<Uint8Array<ArrayBuffer>> {
  const found = findVettedSection(artifact, file);
  if (!found.ok) return found;
  const frame = found.value;
  const decoded = decodeSectionContent(artifact.subarray(frame.contentStart!, frame.end));
  if (!decoded.ok) {
    return { ok: false, diagnostics: [{ code: decoded.unsupported ? 'artifact/unsupported-format' : 'artifact/malformed-section', severity: 'error', message: decoded.message, span: { file, byteOffset: frame.contentStart! + decoded.offset } }] };
  }
  const section = decoded.value;
  const body = withoutSections(artifact, [frame]);
  const problems: Diagnostic[] = [];
  if (!equalBytes(sealDigest(section.sealedBytes), section.seal)) {
    problems.push({ code: 'artifact/seal-mismatch', severity: 'error', message: 'the sealed fields were altered; refusing to sign', span: { file, byteOffset: frame.contentStart! } });
  }
  if (!equalBytes(sha256(body), section.bodySha256)) {
    problems.push({ code: 'artifact/body-hash-mismatch', severity: 'error', message: 'the module code was altered after it was vetted; refusing to sign', span: { file, byteOffset: 8 } });
  }
  const message = signatureMessage(section.sealedBytes);
  for (const s of section.signatures) {
    if (!verifySignature(s.publicKey, message, s.signature)) {
      problems.push({ code: 'artifact/signature-invalid', severity: 'error', message: 'an existing signature does not verify; refusing to sign', span: { file, byteOffset: frame.contentStart! + s.offset } });
    }
  }
  if (problems.length > 0) return { ok: false, diagnostics: problems };
  const existingKeys = new Set(section.signatures.map((s) => Buffer.from(s.publicKey).toString('hex')));
  const signatures = [
    ...section.signatures.map((s) => ({ publicKey: s.publicKey, signature: s.signature })),
    ...keys
      .filter((k) => !existingKeys.has(Buffer.from(k.publicKey).toString('hex')))
      .map((key) => ({ publicKey: key.publicKey, signature: signMessage(key, message) })),
  ];
  if (signatures.length > MAX_SIGNATURES) return { ok: false, diagnostics: [tooManySignatures(file, signatures.length, frame.contentStart!)] };
  const newSection = encodeCustomSection(VETTED_SECTION_NAME, encodeSectionContent(section.sealedBytes, section.seal, signatures));
  const out = new Uint8Array(body.length + newSection.length);
  out.set(body, 0);
  out.set(newSection, body.length);
  return { ok: true, value: out, diagnostics: [] };
}

/** The artifact without its wsbc.vetted section (the exact bytes the body hash covers), as a copy. */
export function stripVettedSection(artifact: Uint8Array, file = '<artifact>'): Result<Uint8Array<ArrayBuffer>> {
  const found = findVettedSection(artifact, file);
  if (!found.ok) return found;
  // Not .slice(): on a Node Buffer (what readFileSync returns) it is a view of the same memory.
  return { ok: true, value: new Uint8Array(withoutSections(artifact, [found.value])), diagnostics: [] };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** Verifiers refuse a section with more than MAX_SIGNATURES signatures, so signing never writes one. */
function tooManySignatures(file: string, count: number, byteOffset = 0): Diagnostic {
  return {
    code: 'artifact/too-many-signatures',
    severity: 'error',
    message: `an artifact carries at most ${MAX_SIGNATURES} signatures; signing would give it ${count}`,
    span: { file, byteOffset },
    help: 'sign with fewer keys; a signature proves a key vouched for the artifact, and one or two trusted keys are what verifiers check',
  };
}
