// The vetted-artifact format end to end: sealing, verifying, explaining, and detecting tampering
// with every field of the section, the code, and the section's presence and count.
import { describe, expect, it } from 'vitest';
import { canonicalManifestJson } from '@wsbc/manifest';
import {
  VETTED_SECTION_NAME,
  describeGrants,
  embeddedManifest,
  generateSigningKeyPair,
  loadSigningKey,
  loadTrustedKey,
  sealArtifact,
  signArtifact,
  stripVettedSection,
  verifyArtifact,
  vettedArtifactStep,
  type SigningKey,
} from '../src/index.js';
import { encodeCustomSection, frameSections } from '../src/sections.js';
import { SEAL_DOMAIN, Tag, decodeSectionContent, encodeSectionContent } from '../src/format.js';
import { sealDigest } from '../src/seal.js';
import { keyPair, manifestNamed, sampleModule, wat } from './helpers.js';

const manifest = manifestNamed('sample');

function seal(signingKeys: SigningKey[] = []): Uint8Array<ArrayBuffer> {
  const result = sealArtifact(sampleModule, { manifest, original: sampleModule, toolVersion: '0.1.0', signingKeys });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.value;
}

/** Location of the section content and of each field's value inside the artifact. */
function layout(artifact: Uint8Array) {
  const framing = frameSections(artifact);
  if (!framing.ok) throw new Error(framing.message);
  const frame = framing.sections.find((s) => s.customName === VETTED_SECTION_NAME)!;
  const content = artifact.subarray(frame.contentStart!, frame.end);
  const decoded = decodeSectionContent(content);
  if (!decoded.ok) throw new Error(decoded.message);
  const valueOffset = (tag: number, nth = 0): number => {
    // Field = tag (1) + length LEB + value; every length here fits in one or two LEB bytes.
    const at = tag === Tag.Signature ? decoded.value.signatures[nth]!.offset : decoded.value.offsets[tag]!;
    let p = at + 1;
    while (content[p]! & 0x80) p++;
    return frame.contentStart! + p + 1;
  };
  return { frame, decoded: decoded.value, valueOffset };
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

function codes(report: { diagnostics: Array<{ code: string; severity: string }> }): string[] {
  return report.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
}

/** Rewrites the section content as a forger who knows the format would: recomputing the seal. */
function reseal(artifact: Uint8Array, edit: (sealed: Uint8Array) => Uint8Array, keepSignatures = true): Uint8Array {
  const { frame, decoded } = layout(artifact);
  const sealed = edit(decoded.sealedBytes.slice());
  const content = encodeSectionContent(sealed, sealDigest(sealed), keepSignatures ? decoded.signatures : []);
  const section = encodeCustomSection(VETTED_SECTION_NAME, content);
  const out = new Uint8Array(frame.start + section.length);
  out.set(artifact.subarray(0, frame.start));
  out.set(section, frame.start);
  return out;
}

/** Replaces the manifest field's bytes with `text` and reseals (a forger's edit). */
function withManifest(artifact: Uint8Array, text: string, keepSignatures = true): Uint8Array {
  const manifestField = layout(artifact).decoded.offsets[Tag.Manifest]!;
  return reseal(
    artifact,
    (sealed) => {
      const bytes = new TextEncoder().encode(text);
      const length: number[] = [];
      for (let v = bytes.length; ; ) {
        const low = v & 0x7f;
        v >>>= 7;
        length.push(v ? low | 0x80 : low);
        if (!v) break;
      }
      return new Uint8Array([...sealed.subarray(0, manifestField), Tag.Manifest, ...length, ...bytes]);
    },
    keepSignatures,
  );
}

describe('sealing and verifying', () => {
  it('verifies an artifact it sealed and explains every check', () => {
    const report = verifyArtifact(seal(), { original: sampleModule, expectedManifest: manifest, toolVersion: '0.1.0' });
    expect(report.ok).toBe(true);
    expect(report.vetted).toBe(true);
    expect(report.diagnostics).toEqual([]);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['module', 'pass'],
      ['section', 'pass'],
      ['format', 'pass'],
      ['seal', 'pass'],
      ['body', 'pass'],
      ['manifest', 'pass'],
      ['signatures', 'skip'],
      ['trust', 'skip'],
      ['original', 'pass'],
      ['policy', 'pass'],
    ]);
    expect(report.artifact?.manifest).toEqual(manifest);
    expect(report.artifact?.toolVersion).toBe('0.1.0');
    expect(report.body).toEqual(sampleModule);
  });

  it('leaves the module runnable: engines ignore the section and the exports behave the same', async () => {
    const { instance } = await WebAssembly.instantiate(seal());
    expect((instance.exports.answer as () => number)()).toBe(42);
  });

  it('is deterministic: the same inputs give the same bytes', () => {
    expect(seal()).toEqual(seal());
  });

  it('strips back to exactly the vetted code', () => {
    const stripped = stripVettedSection(seal());
    expect(stripped.ok && stripped.value).toEqual(sampleModule);
  });

  it('strips to a copy, also from a Buffer (whose slice() shares memory)', () => {
    const artifact = Buffer.from(seal());
    const stripped = stripVettedSection(artifact);
    if (!stripped.ok) throw new Error(JSON.stringify(stripped.diagnostics));
    expect(stripped.value).toEqual(sampleModule);
    expect(stripped.value.buffer).not.toBe(artifact.buffer);
    artifact[8] = artifact[8]! ^ 0xff;
    expect(stripped.value).toEqual(sampleModule);
  });

  it('refuses to seal a module that already carries the section', () => {
    const result = sealArtifact(seal(), { manifest, original: sampleModule, toolVersion: '0.1.0' });
    expect(result.ok).toBe(false);
    expect(result.diagnostics[0]?.code).toBe('artifact/already-vetted');
  });

  it('refuses to seal bytes that are not a module, with the offset', () => {
    const result = sealArtifact(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0x80]), { manifest, original: sampleModule, toolVersion: '0.1.0' });
    expect(result.ok).toBe(false);
    expect(result.diagnostics[0]?.code).toBe('artifact/malformed-module');
    // The truncated size LEB starts at byte 9 and the input ends at byte 10.
    expect([9, 10]).toContain((result.diagnostics[0]?.span as { byteOffset: number }).byteOffset);
  });
});

describe('tampering without recomputing the seal', () => {
  const artifact = seal();
  const { valueOffset } = layout(artifact);

  it('detects an altered tool version', () => {
    expect(codes(verifyArtifact(flip(artifact, valueOffset(Tag.ToolVersion))))).toContain('artifact/seal-mismatch');
  });
  it('detects an altered original hash', () => {
    expect(codes(verifyArtifact(flip(artifact, valueOffset(Tag.OriginalSha256))))).toEqual(['artifact/seal-mismatch']);
  });
  it('detects an altered body hash', () => {
    expect(codes(verifyArtifact(flip(artifact, valueOffset(Tag.BodySha256))))).toEqual(['artifact/seal-mismatch', 'artifact/body-hash-mismatch']);
  });
  it('detects an altered seal', () => {
    expect(codes(verifyArtifact(flip(artifact, valueOffset(Tag.Seal) + 31)))).toEqual(['artifact/seal-mismatch']);
  });
  it('detects altered manifest bytes, even when the edit keeps the manifest valid', () => {
    const at = Buffer.from(artifact).indexOf('"maxPages": 160');
    expect(at).toBeGreaterThan(0);
    const edited = artifact.slice();
    edited.set(new TextEncoder().encode('"maxPages": 150'), at); // same length, still a valid manifest
    const report = verifyArtifact(edited);
    expect(codes(report)).toEqual(['artifact/seal-mismatch']);
    expect(report.ok).toBe(false);
    expect(report.body).toBeUndefined();
  });
  it('detects altered code (a flipped byte in the function body)', () => {
    const report = verifyArtifact(flip(artifact, artifact.indexOf(42)));
    expect(codes(report)).toEqual(['artifact/body-hash-mismatch']);
    expect(report.checks.find((c) => c.id === 'body')?.status).toBe('fail');
  });
  it('detects a section added after vetting (code is everything but the vetted section)', () => {
    const extra = encodeCustomSection('name', new Uint8Array([0]));
    const { frame } = layout(artifact);
    const edited = new Uint8Array(artifact.length + extra.length);
    edited.set(artifact.subarray(0, frame.start));
    edited.set(extra, frame.start);
    edited.set(artifact.subarray(frame.start), frame.start + extra.length);
    expect(codes(verifyArtifact(edited))).toEqual(['artifact/body-hash-mismatch']);
  });
  it('detects a removed section', () => {
    const report = verifyArtifact(sampleModule);
    expect(report.vetted).toBe(false);
    expect(codes(report)).toEqual(['artifact/not-vetted']);
    expect(report.diagnostics[0]?.help).toContain('wsbc build');
  });
  it('detects a duplicated section, wherever the copy sits', () => {
    const { frame } = layout(artifact);
    const section = artifact.subarray(frame.start, frame.end);
    const appended = new Uint8Array([...artifact, ...section]);
    expect(codes(verifyArtifact(appended))).toEqual(['artifact/duplicate-section']);
    const prepended = new Uint8Array([...artifact.subarray(0, 8), ...section, ...artifact.subarray(8)]);
    expect(codes(verifyArtifact(prepended))).toEqual(['artifact/duplicate-section']);
  });
  it('detects a signed section transplanted from another artifact onto a different module', () => {
    const { signing, trusted } = keyPair();
    const donor = seal([signing]);
    const { frame } = layout(donor);
    const other = wat('(module (memory (export "memory") 1) (func (export "answer") (result i32) i32.const 7))');
    const transplanted = new Uint8Array([...other, ...donor.subarray(frame.start, frame.end)]);
    const report = verifyArtifact(transplanted, { trustedKeys: [trusted] });
    expect(codes(report)).toEqual(['artifact/body-hash-mismatch']);
    // The signature itself is genuine; it is the code that does not match what was signed.
    expect(report.artifact?.signatures[0]).toMatchObject({ valid: true, trusted: true });
  });
  it('detects a truncated file', () => {
    expect(codes(verifyArtifact(artifact.subarray(0, artifact.length - 3)))).toEqual(['artifact/malformed-module']);
  });
});

describe('malformed sections', () => {
  const artifact = seal();
  const { frame, decoded } = layout(artifact);
  const withContent = (content: Uint8Array) => {
    const section = encodeCustomSection(VETTED_SECTION_NAME, content);
    return new Uint8Array([...artifact.subarray(0, frame.start), ...section]);
  };
  const content = artifact.subarray(frame.contentStart!, frame.end);

  it('rejects an unknown format version as unsupported', () => {
    const edited = content.slice();
    edited[0] = 2;
    expect(codes(verifyArtifact(withContent(edited)))).toEqual(['artifact/unsupported-format']);
  });
  it('rejects an empty section', () => {
    expect(codes(verifyArtifact(withContent(new Uint8Array())))).toEqual(['artifact/malformed-section']);
  });
  it('rejects trailing garbage and unknown tags', () => {
    const report = verifyArtifact(withContent(new Uint8Array([...content, 0x7f, 0])));
    expect(codes(report)).toEqual(['artifact/malformed-section']);
    expect(report.diagnostics[0]?.message).toContain('unknown field tag 0x7f');
  });
  it('rejects a repeated field', () => {
    const versionField = content.subarray(decoded.offsets[Tag.ToolVersion]!, decoded.offsets[Tag.OriginalSha256]!);
    const edited = new Uint8Array([...content.subarray(0, decoded.offsets[Tag.OriginalSha256]!), ...versionField, ...content.subarray(decoded.offsets[Tag.OriginalSha256]!)]);
    const report = verifyArtifact(withContent(edited));
    expect(report.diagnostics[0]?.message).toContain('appears twice');
  });
  it('rejects a missing seal', () => {
    const report = verifyArtifact(withContent(content.subarray(0, decoded.offsets[Tag.Seal]!)));
    expect(report.diagnostics[0]?.message).toBe('the seal field is missing');
  });
  it('rejects a field whose length runs past the section', () => {
    const edited = content.slice();
    edited[decoded.offsets[Tag.ToolVersion]! + 1] = 0x7f;
    expect(codes(verifyArtifact(withContent(edited)))).toEqual(['artifact/malformed-section']);
  });
});

describe('tampering by a forger who recomputes the seal', () => {
  const forgedManifest = canonicalManifestJson(manifestNamed('sample', (m) => (m.network.mode = 'full')));

  const swapManifest = (artifact: Uint8Array, keepSignatures = true) => withManifest(artifact, forgedManifest, keepSignatures);

  it('goes unnoticed by the seal alone (documented limit), but not by --policy', () => {
    const forged = swapManifest(seal());
    expect(verifyArtifact(forged).ok).toBe(true);
    const report = verifyArtifact(forged, { expectedManifest: manifest });
    expect(codes(report)).toEqual(['artifact/manifest-mismatch']);
    expect(report.diagnostics[0]?.message).toContain('network');
  });

  it('breaks every signature', () => {
    const { signing, trusted } = keyPair();
    const forged = swapManifest(seal([signing]));
    const report = verifyArtifact(forged, { trustedKeys: [trusted] });
    expect(codes(report)).toEqual(['artifact/signature-invalid', 'artifact/unsigned']);
  });

  it('cannot pass trust by dropping the signatures', () => {
    const { signing, trusted } = keyPair();
    const forged = swapManifest(seal([signing]), false);
    expect(codes(verifyArtifact(forged, { trustedKeys: [trusted] }))).toEqual(['artifact/unsigned']);
  });

  it('cannot pass trust by signing with its own key', () => {
    const { signing: ours, trusted } = keyPair();
    const { signing: theirs } = keyPair();
    const forged = swapManifest(seal([ours]), false);
    const resigned = signArtifact(forged, [theirs]);
    expect(resigned.ok).toBe(true);
    const report = verifyArtifact(resigned.ok ? resigned.value : forged, { trustedKeys: [trusted] });
    expect(codes(report)).toEqual(['artifact/unsigned']);
    expect(report.diagnostics.map((d) => d.code)).toContain('artifact/untrusted-signer');
  });
});

describe('signatures', () => {
  it('verifies a signature by a trusted key and names the key', () => {
    const { signing, trusted } = keyPair();
    const report = verifyArtifact(seal([signing]), { trustedKeys: [trusted] });
    expect(report.ok).toBe(true);
    expect(report.artifact?.signatures).toHaveLength(1);
    expect(report.artifact?.signatures[0]).toMatchObject({ valid: true, trusted: true });
    expect(report.checks.find((c) => c.id === 'trust')?.status).toBe('pass');
  });

  it('refuses an unsigned artifact when keys are trusted', () => {
    const { trusted } = keyPair();
    expect(codes(verifyArtifact(seal(), { trustedKeys: [trusted] }))).toEqual(['artifact/unsigned']);
  });

  it('detects an altered signature byte and an altered public key', () => {
    const { signing, trusted } = keyPair();
    const artifact = seal([signing]);
    const { valueOffset } = layout(artifact);
    const sigAt = valueOffset(Tag.Signature);
    expect(codes(verifyArtifact(flip(artifact, sigAt + 40), { trustedKeys: [trusted] }))).toEqual(['artifact/signature-invalid', 'artifact/unsigned']);
    expect(codes(verifyArtifact(flip(artifact, sigAt + 3), { trustedKeys: [trusted] }))).toEqual(['artifact/signature-invalid', 'artifact/unsigned']);
    // Without trusted keys an invalid signature is still an error: someone altered the artifact.
    expect(codes(verifyArtifact(flip(artifact, sigAt + 40)))).toEqual(['artifact/signature-invalid']);
  });

  it('signs later without changing the sealed fields, and refuses to sign tampered artifacts', () => {
    const { signing, trusted } = keyPair();
    const unsigned = seal();
    const signed = signArtifact(unsigned, [signing]);
    expect(signed.ok).toBe(true);
    if (!signed.ok) return;
    expect(verifyArtifact(signed.value, { trustedKeys: [trusted] }).ok).toBe(true);
    expect(layout(signed.value).decoded.sealedBytes).toEqual(layout(unsigned).decoded.sealedBytes);
    const again = signArtifact(signed.value, [signing]);
    expect(again.ok && layout(again.value).decoded.signatures).toHaveLength(1);
    const tampered = signArtifact(flip(unsigned, unsigned.indexOf(42)), [signing]);
    expect(tampered.ok).toBe(false);
    expect(tampered.diagnostics.map((d) => d.code)).toEqual(['artifact/body-hash-mismatch']);
  });

  it('accepts several signers and trusts any one of them', () => {
    const a = keyPair();
    const b = keyPair();
    const report = verifyArtifact(seal([a.signing, b.signing]), { trustedKeys: [b.trusted] });
    expect(report.ok).toBe(true);
    expect(report.artifact?.signatures.map((s) => s.trusted)).toEqual([false, true]);
    expect(report.diagnostics.map((d) => d.code)).toEqual(['artifact/untrusted-signer']);
  });

  it('reads keys as values: wrong type, garbage, and a private key as a trusted key', () => {
    expect(loadSigningKey('not a key').ok).toBe(false);
    expect(loadTrustedKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n').ok).toBe(false);
    const pair = generateSigningKeyPair();
    const fromPrivate = loadTrustedKey(pair.privateKeyPem);
    const fromPublic = loadTrustedKey(pair.publicKeyPem);
    expect(fromPrivate.ok && fromPublic.ok && Buffer.from(fromPrivate.key).equals(Buffer.from(fromPublic.key))).toBe(true);
    expect(loadSigningKey(pair.publicKeyPem).ok).toBe(false);
  });
});

describe('other checks', () => {
  it('reports a different original module', () => {
    const other = wat('(module (func (export "answer") (result i32) i32.const 7))');
    expect(codes(verifyArtifact(seal(), { original: other }))).toEqual(['artifact/original-hash-mismatch']);
  });

  it('reports (info) that a different wsbc version built it', () => {
    const report = verifyArtifact(seal(), { toolVersion: '9.9.9' });
    expect(report.ok).toBe(true);
    expect(report.diagnostics).toMatchObject([{ code: 'artifact/version-differs', severity: 'info' }]);
  });

  it('rejects a non-canonical or invalid embedded manifest even with a valid seal', () => {
    const artifact = seal();
    const rewrite = (text: string) => withManifest(artifact, text);
    const compact = JSON.stringify(JSON.parse(canonicalManifestJson(manifest)));
    expect(codes(verifyArtifact(rewrite(compact)))).toEqual(['artifact/manifest-not-canonical']);
    const invalid = JSON.stringify({ ...JSON.parse(compact), version: 99 }, null, 2);
    expect(codes(verifyArtifact(rewrite(invalid)))).toEqual(['artifact/manifest-invalid']);
  });

  it('uses the documented seal domain', () => {
    const { decoded } = layout(seal());
    expect(SEAL_DOMAIN).toBe('wsbc.vetted seal v1\0');
    expect(decoded.seal).toEqual(sealDigest(decoded.sealedBytes));
  });
});

describe('the runtime prepare step', () => {
  it('passes the artifact through when it verifies against the manifest the run enforces', () => {
    const artifact = seal();
    const result = vettedArtifactStep().apply(artifact, manifest);
    expect(result.ok && result.bytes).toBe(artifact);
  });

  it('refuses a run under a manifest other than the embedded one', () => {
    const result = vettedArtifactStep().apply(seal(), manifestNamed('sample', (m) => (m.random.mode = 'secure')));
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.diagnostics.map((d) => d.code)).toEqual(['artifact/manifest-mismatch']);
  });

  it('refuses an unvetted module, a tampered artifact and, with trusted keys, an unsigned one', () => {
    const step = vettedArtifactStep();
    expect(step.apply(sampleModule, manifest).ok).toBe(false);
    expect(step.apply(flip(seal(), seal().indexOf(42)), manifest).ok).toBe(false);
    const { trusted } = keyPair();
    expect(vettedArtifactStep({ trustedKeys: [trusted] }).apply(seal(), manifest).ok).toBe(false);
  });

  it('reads the embedded manifest, and refuses to read one from a tampered artifact', () => {
    const read = embeddedManifest(seal());
    expect(read.ok && read.manifest).toEqual(manifest);
    const tampered = embeddedManifest(flip(seal(), layout(seal()).valueOffset(Tag.Seal)));
    expect(tampered.ok).toBe(false);
    expect(embeddedManifest(sampleModule)).toMatchObject({ ok: false, vetted: false });
  });
});

describe('host directories chosen at run time', () => {
  const withData = (hostPath: string, read = true) =>
    manifestNamed('sample', (m) => {
      m.filesystem.preopens = [{ hostPath, guestPath: '/data', read, write: !read, create: false, delete: false, maxFileSize: null }];
    });

  it('accepts another host directory for the same guest path and rights only when asked to', () => {
    const artifact = sealArtifact(sampleModule, { manifest: withData('/build/machine/data'), original: sampleModule, toolVersion: '0.1.0' });
    if (!artifact.ok) throw new Error('seal failed');
    expect(verifyArtifact(artifact.value, { expectedManifest: withData('/srv/plugin/data') }).ok).toBe(false);
    expect(verifyArtifact(artifact.value, { expectedManifest: withData('/srv/plugin/data'), hostPathsMayDiffer: true }).ok).toBe(true);
    expect(vettedArtifactStep({ hostPathsMayDiffer: true }).apply(artifact.value, withData('/srv/plugin/data')).ok).toBe(true);
  });

  it('still refuses different rights or guest paths', () => {
    const artifact = sealArtifact(sampleModule, { manifest: withData('/build/data', false), original: sampleModule, toolVersion: '0.1.0' });
    if (!artifact.ok) throw new Error('seal failed');
    const report = verifyArtifact(artifact.value, { expectedManifest: withData('/srv/data', true), hostPathsMayDiffer: true });
    expect(codes(report)).toEqual(['artifact/manifest-mismatch']);
    expect(report.diagnostics[0]?.message).toContain('filesystem');
    const moved = manifestNamed('sample', (m) => {
      m.filesystem.preopens = [{ hostPath: '/build/data', guestPath: '/elsewhere', read: false, write: true, create: false, delete: false, maxFileSize: null }];
    });
    expect(verifyArtifact(artifact.value, { expectedManifest: moved, hostPathsMayDiffer: true }).ok).toBe(false);
  });
});

describe('describeGrants', () => {
  it('lists every area, absent ones included, with units', () => {
    const lines = Object.fromEntries(describeGrants(manifest).map((g) => [g.area, g.text]));
    expect(lines).toEqual({
      filesystem: 'none',
      network: 'none',
      environment: 'none',
      process: 'none',
      time: 'read-only',
      random: 'pseudo (fresh seed per run)',
      imports: 'WASI only',
      custom: 'none',
      limits: 'fuel 10,000,000; memory 160 pages (10 MiB), +10 per grow; cpu 5 s at 50%; total 30 s, idle 5 s; io 10 MiB read / 5 MiB written',
    });
  });

  it('describes grants', () => {
    const m = manifestNamed('wide', (x) => {
      x.filesystem.preopens = [{ hostPath: '/srv/out', guestPath: '/out', read: false, write: true, create: true, delete: false, maxFileSize: 10 * 1024 * 1024 }];
      x.network = { mode: 'restricted', loopback: true, hosts: [{ host: 'api.example.com', ports: [{ from: 443, to: 443 }], secure: true }], ports: [] };
      x.environment = { mode: 'allow', names: ['LANG', 'TZ'] };
      x.imports = [{ module: 'env', name: 'log', requires: 'logging' }];
      x.custom = [{ name: 'logging', type: 'boolean', value: true }];
      x.limits.fuel = null;
    });
    const lines = Object.fromEntries(describeGrants(m).map((g) => [g.area, g.text]));
    expect(lines.filesystem).toBe('/out write+create (host /srv/out, files up to 10 MiB)');
    expect(lines.network).toBe('loopback; api.example.com 443 (TLS)');
    expect(lines.environment).toBe('only LANG, TZ');
    expect(lines.imports).toBe('env.log (requires logging)');
    expect(lines.custom).toBe('logging = true');
    expect(lines.limits).toMatch(/^fuel UNLIMITED;/);
  });
});
