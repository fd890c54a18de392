// The `wsbc.vetted` custom section: its byte layout, and the exact byte strings the seal and the
// signatures cover. This file is the format's specification; docs/artifact.md restates it.
//
//   content   := formatVersion:u8 field*
//   field     := tag:u8 length:u32-LEB128 bytes[length]
//   tags, each exactly once and in this order, except 0x06 which may repeat (zero to MAX_SIGNATURES times):
//     0x01 tool version     1..64 bytes of [0-9A-Za-z.+-] (the wsbc version that built the artifact)
//     0x02 original sha256  32 bytes: sha256 of the module given to `wsbc build`
//     0x03 body sha256      32 bytes: sha256 of the artifact with its wsbc.vetted section cut out
//     0x04 manifest         canonical manifest JSON, UTF-8 (canonicalManifestJson)
//     0x05 seal             32 bytes: sha256(SEAL_DOMAIN || content[0 .. start of the seal field])
//     0x06 signature        96 bytes: Ed25519 public key (32, raw) || signature (64) over
//                           SIGNATURE_DOMAIN || content[0 .. start of the seal field]
//
// "Sealed bytes" below means content[0 .. start of the seal field]: the format version and every
// field before the seal. The seal and the signatures therefore cover the version, both hashes and
// the manifest, and through the body hash every byte of the code. Unknown tags, repeated or
// out-of-order fields and trailing bytes are errors: a verifier that skipped what it does not
// understand could be shown one thing and run another.
import { encodeU32Leb, readU32Leb } from './sections.js';

export const VETTED_SECTION_NAME = 'wsbc.vetted';
export const ARTIFACT_FORMAT_VERSION = 1;
export const SEAL_DOMAIN = 'wsbc.vetted seal v1\0';
export const SIGNATURE_DOMAIN = 'wsbc.vetted signature v1\0';

export const Tag = {
  ToolVersion: 0x01,
  OriginalSha256: 0x02,
  BodySha256: 0x03,
  Manifest: 0x04,
  Seal: 0x05,
  Signature: 0x06,
} as const;

const tagNames: Record<number, string> = {
  [Tag.ToolVersion]: 'tool version',
  [Tag.OriginalSha256]: 'original sha256',
  [Tag.BodySha256]: 'body sha256',
  [Tag.Manifest]: 'manifest',
  [Tag.Seal]: 'seal',
  [Tag.Signature]: 'signature',
};

export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
const MAX_TOOL_VERSION_LENGTH = 64;
// The tool version is shown to people (`wsbc verify`, version-differs): the characters of a semver
// version only, so a forged one cannot carry terminal escapes, bidi overrides or invisible text.
const TOOL_VERSION_PATTERN = /^[0-9A-Za-z.+-]+$/;
// Each signature costs a public-key verification (~0.1 ms): without a bound, a file of a few
// hundred MB of signature fields would keep a verifier busy for minutes. Real artifacts carry one
// or two.
export const MAX_SIGNATURES = 16;

export interface SignatureField {
  publicKey: Uint8Array;
  signature: Uint8Array;
  /** Offset of the field's tag byte within the section content. */
  offset: number;
}

export interface DecodedVettedSection {
  formatVersion: number;
  toolVersion: string;
  originalSha256: Uint8Array;
  bodySha256: Uint8Array;
  manifestBytes: Uint8Array;
  seal: Uint8Array;
  signatures: SignatureField[];
  /** content[0 .. start of the seal field]: what the seal and signatures cover. */
  sealedBytes: Uint8Array;
  /** Offset of each field's tag byte within the section content, by tag. */
  offsets: Record<number, number>;
}

export type DecodeResult = { ok: true; value: DecodedVettedSection } | { ok: false; message: string; offset: number; unsupported?: boolean };

export interface SealedFields {
  toolVersion: string;
  originalSha256: Uint8Array;
  bodySha256: Uint8Array;
  manifestBytes: Uint8Array;
}

function field(tag: number, bytes: Uint8Array): Uint8Array {
  const length = encodeU32Leb(bytes.length);
  const out = new Uint8Array(1 + length.length + bytes.length);
  out[0] = tag;
  out.set(length, 1);
  out.set(bytes, 1 + length.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The sealed bytes for a set of fields: the format version byte followed by fields 0x01..0x04. */
export function encodeSealedBytes(fields: SealedFields): Uint8Array {
  const version = new TextEncoder().encode(fields.toolVersion);
  if (version.length === 0 || version.length > MAX_TOOL_VERSION_LENGTH || !TOOL_VERSION_PATTERN.test(fields.toolVersion)) {
    throw new RangeError(`tool version must be 1..${MAX_TOOL_VERSION_LENGTH} characters of [0-9A-Za-z.+-]`);
  }
  if (fields.originalSha256.length !== 32 || fields.bodySha256.length !== 32) throw new RangeError('hashes must be 32 bytes');
  return concat([
    Uint8Array.of(ARTIFACT_FORMAT_VERSION),
    field(Tag.ToolVersion, version),
    field(Tag.OriginalSha256, fields.originalSha256),
    field(Tag.BodySha256, fields.bodySha256),
    field(Tag.Manifest, fields.manifestBytes),
  ]);
}

/** The complete section content: sealed bytes, the seal, then each signature field. */
export function encodeSectionContent(sealedBytes: Uint8Array, seal: Uint8Array, signatures: Array<{ publicKey: Uint8Array; signature: Uint8Array }>): Uint8Array {
  if (signatures.length > MAX_SIGNATURES) throw new RangeError(`an artifact carries at most ${MAX_SIGNATURES} signatures`);
  return concat([
    sealedBytes,
    field(Tag.Seal, seal),
    ...signatures.map((s) => field(Tag.Signature, concat([s.publicKey, s.signature]))),
  ]);
}

// ignoreBOM keeps a leading U+FEFF in the text, so it fails the tool version check rather than
// being silently dropped (which would show the same version for different sealed bytes).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strictly decodes section content. Offsets in errors are relative to the content start. */
export function decodeSectionContent(content: Uint8Array): DecodeResult {
  if (content.length === 0) return { ok: false, message: 'the section is empty', offset: 0 };
  const formatVersion = content[0]!;
  if (formatVersion !== ARTIFACT_FORMAT_VERSION) {
    return { ok: false, message: `format version ${formatVersion} is not supported (this wsbc reads version ${ARTIFACT_FORMAT_VERSION})`, offset: 0, unsupported: true };
  }
  const fields = new Map<number, { bytes: Uint8Array; offset: number }>();
  const signatures: SignatureField[] = [];
  const expectedOrder = [Tag.ToolVersion, Tag.OriginalSha256, Tag.BodySha256, Tag.Manifest, Tag.Seal];
  let next = 0; // index into expectedOrder of the next required field
  let sealStart = -1;
  let at = 1;
  while (at < content.length) {
    const fieldStart = at;
    const tag = content[at]!;
    const length = readU32Leb(content, at + 1, content.length);
    if (!length) return { ok: false, message: `field 0x${hex2(tag)} has a truncated length`, offset: at + 1 };
    const end = length.next + length.value;
    if (end > content.length) return { ok: false, message: `field 0x${hex2(tag)} runs past the end of the section`, offset: fieldStart };
    const bytes = content.subarray(length.next, end);
    if (tag === Tag.Signature) {
      if (next < expectedOrder.length) return { ok: false, message: 'a signature appears before the seal', offset: fieldStart };
      if (signatures.length === MAX_SIGNATURES) return { ok: false, message: `more than ${MAX_SIGNATURES} signatures`, offset: fieldStart };
      if (bytes.length !== ED25519_PUBLIC_KEY_LENGTH + ED25519_SIGNATURE_LENGTH) {
        return { ok: false, message: `a signature field must be ${ED25519_PUBLIC_KEY_LENGTH + ED25519_SIGNATURE_LENGTH} bytes (got ${bytes.length})`, offset: fieldStart };
      }
      signatures.push({ publicKey: bytes.subarray(0, ED25519_PUBLIC_KEY_LENGTH), signature: bytes.subarray(ED25519_PUBLIC_KEY_LENGTH), offset: fieldStart });
    } else {
      const expected = expectedOrder[next];
      if (!(tag in tagNames)) return { ok: false, message: `unknown field tag 0x${hex2(tag)}`, offset: fieldStart };
      if (tag !== expected) {
        const problem = fields.has(tag) ? `the ${tagNames[tag]} field appears twice` : expected === undefined ? `unexpected ${tagNames[tag]} field after the seal` : `expected the ${tagNames[expected]} field, found the ${tagNames[tag]} field`;
        return { ok: false, message: problem, offset: fieldStart };
      }
      if ((tag === Tag.OriginalSha256 || tag === Tag.BodySha256 || tag === Tag.Seal) && bytes.length !== 32) {
        return { ok: false, message: `the ${tagNames[tag]} field must be 32 bytes (got ${bytes.length})`, offset: fieldStart };
      }
      if (tag === Tag.Seal) sealStart = fieldStart;
      fields.set(tag, { bytes, offset: fieldStart });
      next++;
    }
    at = end;
  }
  if (next < expectedOrder.length) return { ok: false, message: `the ${tagNames[expectedOrder[next]!]} field is missing`, offset: content.length };
  const versionField = fields.get(Tag.ToolVersion)!;
  let toolVersion: string;
  try {
    toolVersion = utf8.decode(versionField.bytes);
  } catch {
    return { ok: false, message: 'the tool version is not valid UTF-8', offset: versionField.offset };
  }
  if (versionField.bytes.length > MAX_TOOL_VERSION_LENGTH || !TOOL_VERSION_PATTERN.test(toolVersion)) {
    return { ok: false, message: 'the tool version is empty, too long or has characters other than [0-9A-Za-z.+-]', offset: versionField.offset };
  }
  const offsets: Record<number, number> = {};
  for (const [tag, f] of fields) offsets[tag] = f.offset;
  return {
    ok: true,
    value: {
      formatVersion,
      toolVersion,
      originalSha256: fields.get(Tag.OriginalSha256)!.bytes,
      bodySha256: fields.get(Tag.BodySha256)!.bytes,
      manifestBytes: fields.get(Tag.Manifest)!.bytes,
      seal: fields.get(Tag.Seal)!.bytes,
      signatures,
      sealedBytes: content.subarray(0, sealStart),
      offsets,
    },
  };
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
