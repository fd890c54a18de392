// A hostile sweep over vetted artifacts: every byte inside and outside the section, every prefix,
// framing tricks (placement, copies, padded and huge sizes), manifests that are valid but not the
// sealed bytes, tool versions meant to mislead a reader, and signatures that are replayed,
// malleated, made over other payloads or too numerous to check. Each test names the behaviour it
// holds; the ones that document an accepted edit say why accepting it is safe.
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalManifestJson } from '@wsbc/manifest';
import {
  SIGNATURE_DOMAIN,
  VETTED_SECTION_NAME,
  loadTrustedKey,
  sealArtifact,
  signArtifact,
  verifyArtifact,
  vettedArtifactStep,
  type SigningKey,
} from '../src/index.js';
import { encodeCustomSection, encodeU32Leb, frameSections, type SectionFrame } from '../src/sections.js';
import { MAX_SIGNATURES, SEAL_DOMAIN, Tag, decodeSectionContent, encodeSectionContent } from '../src/format.js';
import { sealDigest, sha256, signatureMessage } from '../src/seal.js';
import { signMessage } from '../src/signing.js';
import { keyPair, manifestNamed, sampleModule, wat } from './helpers.js';

const manifest = manifestNamed('sweep');
const utf8 = (text: string) => new TextEncoder().encode(text);
const cat = (...parts: Array<Uint8Array | number[]>) => new Uint8Array(Buffer.concat(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)))));

/** Every kind of section a module can carry, plus the custom sections tools add. */
const richModule = (() => {
  const base = wat(
    `(module
      (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (global $g (mut i32) (i32.const 4660))
      (table 2 funcref)
      (elem (i32.const 0) $answer $read)
      (func $answer (export "answer") (result i32) i32.const 42)
      (func $read (result i32) global.get $g)
      (func $init (global.set $g (i32.const 7)))
      (start $init)
      (data (i32.const 16) "PAYLOAD"))`,
  );
  return cat(base, encodeCustomSection('name', cat([1, 4, 1, 0, 1, 0x61])), encodeCustomSection('wsbc.instrumented', utf8('{"fuel":true}')), encodeCustomSection('metadata.code.branch_hint', cat([0])));
})();

function seal(module: Uint8Array = sampleModule, signingKeys: SigningKey[] = []): Uint8Array {
  const result = sealArtifact(module, { manifest, original: module, toolVersion: '0.1.0', signingKeys });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.value;
}

function frames(bytes: Uint8Array): SectionFrame[] {
  const framing = frameSections(bytes);
  if (!framing.ok) throw new Error(framing.message);
  return framing.sections;
}

function vettedFrame(bytes: Uint8Array): SectionFrame {
  return frames(bytes).find((s) => s.customName === VETTED_SECTION_NAME)!;
}

function decoded(bytes: Uint8Array) {
  const frame = vettedFrame(bytes);
  const result = decodeSectionContent(bytes.subarray(frame.contentStart!, frame.end));
  if (!result.ok) throw new Error(result.message);
  return { frame, section: result.value };
}

function field(tag: number, bytes: Uint8Array, length: number[] = encodeU32Leb(bytes.length)): Uint8Array {
  return cat([tag], length, bytes);
}

interface Parts {
  toolVersion?: Uint8Array;
  manifestBytes?: Uint8Array;
  /** Encoding of the manifest field's length (defaults to minimal). */
  manifestLength?: number[];
  signatures?: Array<{ publicKey: Uint8Array; signature: Uint8Array }>;
  /** Keys that sign the sealed bytes as built here. */
  signers?: SigningKey[];
}

/** A forger's artifact: `module` with a section built field by field, seal recomputed. */
function forge(module: Uint8Array, parts: Parts = {}): Uint8Array {
  const manifestBytes = parts.manifestBytes ?? utf8(canonicalManifestJson(manifest));
  const sealed = cat(
    [1],
    field(Tag.ToolVersion, parts.toolVersion ?? utf8('0.1.0')),
    field(Tag.OriginalSha256, sha256(module)),
    field(Tag.BodySha256, sha256(module)),
    field(Tag.Manifest, manifestBytes, parts.manifestLength),
  );
  const signatures = [...(parts.signatures ?? []), ...(parts.signers ?? []).map((key) => ({ publicKey: key.publicKey, signature: signMessage(key, signatureMessage(sealed)) }))];
  const content = cat(sealed, field(Tag.Seal, sealDigest(sealed)), ...signatures.map((s) => field(Tag.Signature, cat(s.publicKey, s.signature))));
  return cat(module, encodeCustomSection(VETTED_SECTION_NAME, content));
}

/** `module` followed by a vetted section whose content is exactly `content` (no checks). */
function withContent(module: Uint8Array, content: Uint8Array): Uint8Array {
  return cat(module, encodeCustomSection(VETTED_SECTION_NAME, content));
}

function errors(report: { diagnostics: Array<{ code: string; severity: string }> }): string[] {
  return report.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
}

function firstError(report: { diagnostics: Array<{ code: string; severity: string; span?: unknown }> }) {
  const d = report.diagnostics.find((x) => x.severity === 'error')!;
  return { code: d.code, byteOffset: (d.span as { byteOffset: number }).byteOffset };
}

function flip(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const copy = bytes.slice();
  copy[at] = copy[at]! ^ mask;
  return copy;
}

/** Inserts `extra` at byte `at`. */
function insert(bytes: Uint8Array, at: number, extra: Uint8Array): Uint8Array {
  return cat(bytes.subarray(0, at), extra, bytes.subarray(at));
}

describe('bytes outside the section: the body hash covers every one of them', () => {
  const artifact = seal(richModule);
  const frame = vettedFrame(artifact);

  it('refuses a flipped bit in any byte before the section, with body-hash-mismatch for any payload byte', () => {
    const payloadBytes = new Set<number>();
    for (const s of frames(artifact)) if (s !== frame) for (let i = s.payloadStart; i < s.end; i++) payloadBytes.add(i);
    for (let at = 0; at < frame.start; at++) {
      const report = verifyArtifact(flip(artifact, at));
      expect(report.ok, `byte ${at}`).toBe(false);
      const codes = errors(report);
      expect(['artifact/body-hash-mismatch', 'artifact/malformed-module', 'artifact/not-vetted']).toEqual(expect.arrayContaining(codes));
      // Inside a payload the framing is untouched: only the hash can notice the edit.
      if (payloadBytes.has(at) && !codes.includes('artifact/malformed-module')) expect(codes, `byte ${at}`).toEqual(['artifact/body-hash-mismatch']);
    }
  });

  it('refuses behaviour-changing edits the engine would accept: data, global initializer, export name, start, element segment, import', () => {
    const edits: Record<string, Uint8Array> = {};
    const at = (needle: Uint8Array) => Buffer.from(artifact).indexOf(Buffer.from(needle));
    edits.data = flip(artifact, at(utf8('PAYLOAD')), 0x20); // "pAYLOAD"
    edits['export name'] = flip(artifact, at(utf8('answer')) + 5, 0x01); // "answes"
    edits['import name'] = flip(artifact, at(utf8('fd_write')) + 3, 0x20); // "fd_Write"
    edits['global initializer'] = flip(artifact, frames(artifact).find((s) => s.id === 6)!.end - 2, 0x01); // 4660 -> 4788
    const start = frames(artifact).find((s) => s.id === 8)!;
    edits['start function'] = cat(artifact.subarray(0, start.start), artifact.subarray(start.end)); // $init never runs
    edits['element segment'] = flip(artifact, frames(artifact).find((s) => s.id === 9)!.end - 1, 0x03); // slot 1: $read -> $answer
    for (const [what, edited] of Object.entries(edits)) {
      expect(edited, what).not.toEqual(artifact);
      const report = verifyArtifact(edited);
      expect(errors(report), what).toEqual(['artifact/body-hash-mismatch']);
      expect(firstError(report).byteOffset, what).toBe(8);
    }
    // Each edit is a valid module: an engine would run it, with different behaviour.
    for (const [what, edited] of Object.entries(edits)) expect(WebAssembly.validate(new Uint8Array(edited)), what).toBe(true);
  });

  it('covers every other custom section: name, wsbc.instrumented and branch hints, altered, removed or added', () => {
    for (const name of ['name', 'wsbc.instrumented', 'metadata.code.branch_hint']) {
      const s = frames(artifact).find((x) => x.customName === name)!;
      expect(errors(verifyArtifact(flip(artifact, s.end - 1))), `${name} altered`).toEqual(['artifact/body-hash-mismatch']);
      const removed = cat(artifact.subarray(0, s.start), artifact.subarray(s.end));
      expect(errors(verifyArtifact(removed)), `${name} removed`).toEqual(['artifact/body-hash-mismatch']);
    }
    const added = insert(artifact, 8, encodeCustomSection('metadata.code.branch_hint', cat([0])));
    expect(errors(verifyArtifact(added))).toEqual(['artifact/body-hash-mismatch']);
  });

  it('does not mistake a look-alike section name for its own: such a section is code, and covered', () => {
    for (const name of ['wsbc.vetted ', 'WSBC.vetted', '\ufeffwsbc.vetted', 'wsbc.vett\u0435d', 'wsbc.vetted\u200b']) {
      const report = verifyArtifact(insert(artifact, frame.start, encodeCustomSection(name, cat([1]))));
      expect(errors(report), JSON.stringify(name)).toEqual(['artifact/body-hash-mismatch']);
    }
    // Carrying only a look-alike, a module is not vetted at all.
    const content = artifact.subarray(frame.contentStart!, frame.end);
    expect(errors(verifyArtifact(cat(richModule, encodeCustomSection('wsbc.vetted\u0000', content))))).toEqual(['artifact/not-vetted']);
  });

  it('does not count a copy of the section hidden inside a data segment', () => {
    const section = seal().subarray(vettedFrame(seal()).start);
    const hex = [...section].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
    const smuggler = wat(`(module (memory 1) (data (i32.const 0) "${hex}"))`);
    expect(Buffer.from(smuggler).indexOf(Buffer.from(section))).toBeGreaterThan(0);
    expect(errors(verifyArtifact(smuggler))).toEqual(['artifact/not-vetted']);
  });
});

describe('bytes inside the section', () => {
  it('refuses a flipped low or high bit in any byte of a signed section, with trusted keys', () => {
    const { signing, trusted } = keyPair();
    const artifact = seal(sampleModule, [signing]);
    const frame = vettedFrame(artifact);
    const allowed = [
      'artifact/malformed-module',
      'artifact/not-vetted',
      'artifact/malformed-section',
      'artifact/unsupported-format',
      'artifact/seal-mismatch',
      'artifact/body-hash-mismatch',
      'artifact/signature-invalid',
      'artifact/unsigned',
      'artifact/manifest-invalid',
      'artifact/manifest-not-canonical',
    ];
    for (let at = frame.start; at < frame.end; at++) {
      for (const mask of [0x01, 0x80]) {
        const report = verifyArtifact(flip(artifact, at, mask), { trustedKeys: [trusted] });
        expect(report.ok, `byte ${at} ^ ${mask}`).toBe(false);
        expect(allowed).toEqual(expect.arrayContaining(errors(report)));
      }
    }
  });

  it('sees a second section whose name length is padded as the same section: duplicate', () => {
    const artifact = seal();
    const frame = vettedFrame(artifact);
    const content = artifact.subarray(frame.contentStart!, frame.end);
    const name = utf8(VETTED_SECTION_NAME);
    const payload = cat([name.length | 0x80, 0x80, 0x80, 0x80, 0x00], name, content);
    const padded = cat([0], encodeU32Leb(payload.length), payload);
    const report = verifyArtifact(insert(artifact, 8, padded));
    expect(errors(report)).toEqual(['artifact/duplicate-section']);
    expect(firstError(report).byteOffset).toBe(frame.start + padded.length);
  });

  it('accepts the section anywhere (documented): the body is the file without it, which is what the engine runs', async () => {
    const artifact = seal(richModule);
    const frame = vettedFrame(artifact);
    const section = artifact.subarray(frame.start, frame.end);
    const codeSection = frames(artifact).find((s) => s.id === 10)!;
    for (const at of [8, codeSection.start, codeSection.end]) {
      const moved = insert(artifact.subarray(0, frame.start), at, section);
      const report = verifyArtifact(moved, { expectedManifest: manifest });
      expect(report.ok, `at ${at}`).toBe(true);
      expect(report.body).toEqual(richModule);
      expect(report.artifact?.sectionOffset).toBe(at);
    }
    const { instance } = await WebAssembly.instantiate(new Uint8Array(insert(artifact.subarray(0, frame.start), 8, section)), { wasi_snapshot_preview1: { fd_write: () => 0 } });
    expect((instance.exports.answer as () => number)()).toBe(42);
  });

  it('frames a padded (over-long, still valid) section size as engines do', () => {
    const artifact = seal();
    const frame = vettedFrame(artifact);
    const payload = artifact.subarray(frame.payloadStart, frame.end);
    const sizePadded = (p: Uint8Array) => [0x80 | (p.length & 0x7f), 0x80 | ((p.length >> 7) & 0x7f), 0x80, 0x80, 0x00];
    // Our own section padded: the body is unchanged, so it verifies; the engine agrees on framing.
    const ours = cat(artifact.subarray(0, frame.start), [0], sizePadded(payload), payload);
    expect(WebAssembly.validate(ours)).toBe(true);
    expect(verifyArtifact(ours).ok).toBe(true);
    // Another section padded changes the body bytes, so it is caught.
    const code = frames(artifact).find((s) => s.id === 10)!;
    const codePayload = artifact.subarray(code.payloadStart, code.end);
    const paddedCode = cat(artifact.subarray(0, code.start), [10], sizePadded(codePayload), artifact.subarray(code.payloadStart));
    expect(WebAssembly.validate(paddedCode)).toBe(true);
    expect(errors(verifyArtifact(paddedCode))).toEqual(['artifact/body-hash-mismatch']);
  });

  it('refuses a section size of more than five LEB bytes or with bits beyond 32', () => {
    const artifact = seal();
    const frame = vettedFrame(artifact);
    const payload = artifact.subarray(frame.payloadStart, frame.end);
    const low = [0x80 | (payload.length & 0x7f), 0x80 | ((payload.length >> 7) & 0x7f)];
    for (const size of [[...low, 0x80, 0x80, 0x80, 0x00], [...low, 0x80, 0x80, 0x70]]) {
      const report = verifyArtifact(cat(artifact.subarray(0, frame.start), [0], size, payload));
      expect(errors(report)).toEqual(['artifact/malformed-module']);
    }
  });

  it('refuses a section claiming hundreds of MB at once, without reading or allocating them', () => {
    const started = performance.now();
    const report = verifyArtifact(cat(sampleModule, [0], encodeU32Leb(600 * 1024 * 1024), [11], utf8(VETTED_SECTION_NAME)));
    expect(errors(report)).toEqual(['artifact/malformed-module']);
    expect(firstError(report).byteOffset).toBe(sampleModule.length + 1);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a field claiming hundreds of MB, or a length with bits beyond 32, at the field', () => {
    for (const length of [encodeU32Leb(0xffff_fff0), [0xff, 0xff, 0xff, 0xff, 0x7f]]) {
      const content = cat([1], [Tag.ToolVersion], length, utf8('0.1.0'));
      const artifact = withContent(sampleModule, content);
      const report = verifyArtifact(artifact);
      expect(errors(report)).toEqual(['artifact/malformed-section']);
      const contentStart = vettedFrame(artifact).contentStart!;
      expect([contentStart + 1, contentStart + 2]).toContain(firstError(report).byteOffset);
    }
  });

  it('seals the exact field encoding: a non-minimal length verifies only when the seal was made over it', () => {
    const padded = forge(sampleModule, { manifestLength: [...encodeU32Leb(utf8(canonicalManifestJson(manifest)).length).map((b) => b | 0x80), 0x00] });
    expect(verifyArtifact(padded).ok).toBe(true);
    // Re-encoding a length inside a genuinely sealed section changes the sealed bytes.
    const genuine = decoded(seal());
    const at = genuine.frame.contentStart! + genuine.section.offsets[Tag.Manifest]! + 1;
    const artifact = seal();
    const reencoded = cat(artifact.subarray(0, at), [artifact[at]! | 0x80], [artifact[at + 1]! | 0x80, 0x00], artifact.subarray(at + 2));
    const resized = cat(reencoded.subarray(0, genuine.frame.start), [0], encodeU32Leb(genuine.frame.end - genuine.frame.payloadStart + 1), reencoded.subarray(genuine.frame.payloadStart));
    expect(errors(verifyArtifact(resized))).toEqual(['artifact/seal-mismatch']);
  });

  it('refuses every truncation of a signed artifact', () => {
    const { signing } = keyPair();
    const artifact = seal(richModule, [signing]);
    for (let length = 0; length < artifact.length; length++) {
      const report = verifyArtifact(artifact.subarray(0, length));
      expect(report.ok, `length ${length}`).toBe(false);
      expect(['artifact/malformed-module', 'artifact/not-vetted']).toEqual(expect.arrayContaining(errors(report)));
    }
  });
});

describe('the embedded manifest: the bytes sealed are the bytes enforced', () => {
  const canonical = canonicalManifestJson(manifest);
  const manifestAt = (artifact: Uint8Array) => {
    const { frame, section } = decoded(artifact);
    return frame.contentStart! + section.offsets[Tag.Manifest]!;
  };

  it('refuses a byte-order mark before otherwise canonical JSON', () => {
    const artifact = forge(sampleModule, { manifestBytes: cat([0xef, 0xbb, 0xbf], utf8(canonical)) });
    const report = verifyArtifact(artifact);
    expect(errors(report)).toEqual(['artifact/manifest-not-canonical']);
    expect(firstError(report).byteOffset).toBe(manifestAt(artifact));
    expect(report.artifact?.manifest).toBeUndefined();
  });

  it('refuses duplicate keys, whichever copy a parser would keep', () => {
    for (const text of [canonical.replace('"network": {', '"network": { "mode": "full",'), canonical.replace('{\n  "version": 1,', '{\n  "version": 1,\n  "version": 1,')]) {
      const report = verifyArtifact(forge(sampleModule, { manifestBytes: utf8(text) }));
      expect(errors(report)).toEqual(['artifact/manifest-invalid']);
      expect(report.diagnostics[0]?.message).toMatch(/appears twice/);
    }
  });

  it('refuses a __proto__ key', () => {
    const text = canonical.replace('{\n  "version": 1,', '{\n  "__proto__": {"network": {"mode": "full"}},\n  "version": 1,');
    expect(errors(verifyArtifact(forge(sampleModule, { manifestBytes: utf8(text) })))).toEqual(['artifact/manifest-invalid']);
  });

  it('refuses valid JSON of the same manifest in any other form: reordered keys, escapes, spacing, final newline', () => {
    const parsed = JSON.parse(canonical) as Record<string, unknown>;
    const { version, ...rest } = parsed;
    const variants = {
      reordered: `${JSON.stringify({ ...rest, version }, null, 2)}\n`,
      escaped: canonical.replace('"sweep"', '"\\u0073weep"'),
      spacing: canonical.replace('"version": 1', '"version":  1'),
      'no final newline': canonical.slice(0, -1),
      'CRLF line ends': canonical.replace(/\n/g, '\r\n'),
    };
    for (const [what, text] of Object.entries(variants)) {
      expect(errors(verifyArtifact(forge(sampleModule, { manifestBytes: utf8(text) }))), what).toEqual(['artifact/manifest-not-canonical']);
    }
  });

  it('refuses bytes that are not UTF-8: an over-long encoding and an encoded surrogate', () => {
    const at = canonical.indexOf('sweep');
    for (const bad of [[0xc1, 0xb3], [0xed, 0xa0, 0x80]]) {
      const bytes = cat(utf8(canonical.slice(0, at)), bad, utf8(canonical.slice(at + 1)));
      const artifact = forge(sampleModule, { manifestBytes: bytes });
      const report = verifyArtifact(artifact);
      expect(errors(report)).toEqual(['artifact/manifest-invalid']);
      expect(firstError(report).byteOffset).toBe(manifestAt(artifact));
    }
  });

  it('keeps NFC and NFD apart: an embedded name must equal the expected one code point for code point', () => {
    const nfd = manifestNamed('cafe\u0301');
    const nfc = manifestNamed('caf\u00e9');
    const artifact = forge(sampleModule, { manifestBytes: utf8(canonicalManifestJson(nfd)) });
    expect(verifyArtifact(artifact, { expectedManifest: nfd }).ok).toBe(true);
    const report = verifyArtifact(artifact, { expectedManifest: nfc });
    expect(errors(report)).toEqual(['artifact/manifest-mismatch']);
    expect(report.diagnostics[0]?.message).toContain('name');
    expect(vettedArtifactStep().apply(artifact, nfc).ok).toBe(false);
  });
});

describe('the tool version: shown to people, so it cannot carry hidden or control text', () => {
  it('refuses a byte-order mark, bidi override, C1 control, zero-width or space in it, at the field', () => {
    for (const version of ['\ufeff0.1.0', '0.1.0\u202e', '0.1.0\u009b2J', '0.1\u200b.0', '0.1.0 (signed)']) {
      const artifact = forge(sampleModule, { toolVersion: utf8(version) });
      const report = verifyArtifact(artifact, { toolVersion: '0.1.0' });
      expect(errors(report), JSON.stringify(version)).toEqual(['artifact/malformed-section']);
      const { contentStart } = vettedFrame(artifact);
      expect(firstError(report).byteOffset).toBe(contentStart! + 1);
    }
    expect(verifyArtifact(forge(sampleModule, { toolVersion: utf8('1.2.3-rc.1+build.5') })).ok).toBe(true);
  });

  it('refuses to seal with such a version', () => {
    expect(() => sealArtifact(sampleModule, { manifest, original: sampleModule, toolVersion: '0.1.0\u202e' })).toThrow(RangeError);
  });
});

describe('signatures', () => {
  it('refuses signatures over anything but the domain-separated sealed bytes of this artifact', () => {
    const { signing, trusted } = keyPair();
    const artifact = seal();
    const { frame, section } = decoded(artifact);
    const other = decoded(seal(wat('(module (func (export "answer") (result i32) i32.const 7))'))).section;
    const payloads = {
      'sealed bytes without the domain': section.sealedBytes,
      'the seal domain': cat(utf8(SEAL_DOMAIN), section.sealedBytes),
      'the whole content': cat(utf8(SIGNATURE_DOMAIN), artifact.subarray(frame.contentStart!, frame.end)),
      'the code': cat(utf8(SIGNATURE_DOMAIN), artifact.subarray(0, frame.start)),
      'the seal value': cat(utf8(SIGNATURE_DOMAIN), section.seal),
      'another artifact (replay)': signatureMessage(other.sealedBytes),
    };
    for (const [what, payload] of Object.entries(payloads)) {
      const forged = withContent(sampleModule, encodeSectionContent(section.sealedBytes, section.seal, [{ publicKey: signing.publicKey, signature: signMessage(signing, payload) }]));
      const report = verifyArtifact(forged, { trustedKeys: [trusted] });
      expect(errors(report), what).toEqual(['artifact/signature-invalid', 'artifact/unsigned']);
      const { section: s, frame: f } = decoded(forged);
      expect(firstError(report).byteOffset, what).toBe(f.contentStart! + s.signatures[0]!.offset);
    }
  });

  it('refuses a malleated signature (S + L) by a trusted key', () => {
    const { signing, trusted } = keyPair();
    const artifact = seal(sampleModule, [signing]);
    const { section } = decoded(artifact);
    const sig = section.signatures[0]!.signature;
    // S is the little-endian scalar in bytes 32..63; adding the group order L gives an equivalent
    // scalar that a lax verifier would accept.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
    let sl = s + L;
    const malleated = sig.slice();
    for (let i = 32; i < 64; i++) {
      malleated[i] = Number(sl & 0xffn);
      sl >>= 8n;
    }
    const forged = withContent(sampleModule, encodeSectionContent(section.sealedBytes, section.seal, [{ publicKey: section.signatures[0]!.publicKey, signature: malleated }]));
    expect(errors(verifyArtifact(forged, { trustedKeys: [trusted] }))).toEqual(['artifact/signature-invalid', 'artifact/unsigned']);
  });

  it('gains no trust from duplicated signatures by an untrusted key; a duplicated trusted one stays valid', () => {
    const mine = keyPair();
    const theirs = keyPair();
    const untrusted = forge(sampleModule, { signers: [theirs.signing, theirs.signing] });
    const report = verifyArtifact(untrusted, { trustedKeys: [mine.trusted] });
    expect(errors(report)).toEqual(['artifact/unsigned']);
    expect(report.artifact?.signatures.map((s) => [s.valid, s.trusted])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect(verifyArtifact(forge(sampleModule, { signers: [mine.signing, mine.signing] }), { trustedKeys: [mine.trusted] }).ok).toBe(true);
  });

  it('never trusts a small-order key that "signs" anything, unless it is itself the trusted key', () => {
    // The identity point with R = identity and S = 0 satisfies the (cofactorless) Ed25519 equation
    // for every message: a valid signature that proves nothing, like one by any untrusted key.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const universal = new Uint8Array(64);
    universal[0] = 1;
    const forged = forge(sampleModule, { manifestBytes: utf8(canonicalManifestJson(manifestNamed('sweep', (m) => (m.network.mode = 'full')))), signatures: [{ publicKey: identity, signature: universal }] });
    const { trusted } = keyPair();
    const report = verifyArtifact(forged, { trustedKeys: [trusted] });
    expect(errors(report)).toEqual(['artifact/unsigned']);
    expect(report.artifact?.signatures[0]).toMatchObject({ trusted: false });
  });

  it(`refuses more than ${MAX_SIGNATURES} signatures before checking any, so the work stays bounded`, () => {
    const { signing } = keyPair();
    const base = forge(sampleModule, { signers: [signing] });
    const { frame, section } = decoded(base);
    const one = section.signatures[0]!;
    const content = (n: number) => encodeSectionContent(section.sealedBytes, section.seal, Array.from({ length: n }, () => ({ publicKey: one.publicKey, signature: one.signature })));
    expect(verifyArtifact(withContent(sampleModule, content(MAX_SIGNATURES))).ok).toBe(true);
    expect(() => content(MAX_SIGNATURES + 1)).toThrow(RangeError);
    // A forger writes the fields by hand: 200,000 of them (~20 MB) would take ~25 s to verify.
    const field96 = field(Tag.Signature, cat(one.publicKey, one.signature));
    const many = new Uint8Array(frame.end - frame.contentStart! - field96.length + 200_000 * field96.length);
    const head = base.subarray(frame.contentStart!, frame.end - field96.length);
    many.set(head);
    for (let i = 0; i < 200_000; i++) many.set(field96, head.length + i * field96.length);
    const artifact = withContent(sampleModule, many);
    // Refused at the 17th field (the offset below): nothing after it is read or checked.
    const report = verifyArtifact(artifact);
    expect(errors(report)).toEqual(['artifact/malformed-section']);
    expect(report.diagnostics[0]?.message).toContain(`more than ${MAX_SIGNATURES} signatures`);
    expect(firstError(report).byteOffset).toBe(vettedFrame(artifact).contentStart! + head.length + MAX_SIGNATURES * field96.length);
  });

  it(`signing past ${MAX_SIGNATURES} signatures is a diagnostic, not an exception, when sealing and when adding`, () => {
    const signers = Array.from({ length: MAX_SIGNATURES + 1 }, () => keyPair().signing);
    const sealed = sealArtifact(sampleModule, { manifest, original: sampleModule, toolVersion: '0.1.0', signingKeys: signers });
    expect(sealed.ok).toBe(false);
    expect(sealed.diagnostics.map((d) => d.code)).toEqual(['artifact/too-many-signatures']);
    const full = sealArtifact(sampleModule, { manifest, original: sampleModule, toolVersion: '0.1.0', signingKeys: signers.slice(0, MAX_SIGNATURES) });
    expect(full.ok).toBe(true);
    const added = signArtifact(full.ok ? full.value : new Uint8Array(0), [signers[MAX_SIGNATURES]!]);
    expect(added.ok).toBe(false);
    expect(added.diagnostics.map((d) => d.code)).toEqual(['artifact/too-many-signatures']);
  });

  it('refuses trusted keys of other types, even ones with 32-byte raw keys', () => {
    for (const type of ['x25519', 'ed448'] as const) {
      const { publicKey } = generateKeyPairSync(type as 'x25519');
      const loaded = loadTrustedKey(publicKey.export({ format: 'pem', type: 'spki' }).toString());
      expect(loaded.ok, type).toBe(false);
      expect(loaded.ok ? '' : loaded.message).toContain(type);
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(loadTrustedKey(rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString()).ok).toBe(false);
    // An Ed25519 signature made by node directly is what the format expects: sanity for the above.
    const ed = generateKeyPairSync('ed25519');
    expect(sign(null, utf8('x'), ed.privateKey)).toHaveLength(64);
  });
});

describe('robustness', () => {
  it('never throws on random multi-byte damage, splices and garbage (seeded)', () => {
    const { signing, trusted } = keyPair();
    const artifact = seal(richModule, [signing]);
    let state = 0x2545f491;
    const random = (n: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    for (let i = 0; i < 3000; i++) {
      let bytes = artifact.slice();
      const kind = random(3);
      if (kind === 0) for (let k = 1 + random(8); k > 0; k--) bytes[random(bytes.length)] = random(256);
      else if (kind === 1) bytes = cat(bytes.subarray(0, random(bytes.length)), bytes.subarray(random(bytes.length)));
      else bytes = cat(bytes.subarray(0, 8 + random(bytes.length - 8)), Array.from({ length: random(64) }, () => random(256)));
      let report: ReturnType<typeof verifyArtifact> | undefined;
      expect(() => (report = verifyArtifact(bytes, { trustedKeys: [trusted], expectedManifest: manifest, original: richModule })), `case ${i}`).not.toThrow();
      if (report!.ok) expect(bytes, `case ${i}`).toEqual(artifact);
    }
  });
});
