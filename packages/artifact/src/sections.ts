// Top-level section framing of a wasm binary: just enough structure to find, cut out and append
// custom sections without decoding anything inside them. The artifact layer needs nothing deeper
// (the body of a vetted artifact is hashed as opaque bytes). Also the LEB128 helpers the
// wsbc.vetted content format uses. Malformed framing is reported as a value with its byte offset.
import { catchWasmError, sections } from '@wsbc/wasm';

/** Section id of custom sections. */
const CUSTOM_SECTION_ID = 0;

export interface SectionFrame {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  /** Offset one past the last payload byte. */
  end: number;
  /** Offset of the first payload byte (after the size LEB). */
  payloadStart: number;
  /** For custom sections: the decoded name and where its content begins. */
  customName?: string;
  contentStart?: number;
}

export type FramingResult = { ok: true; sections: SectionFrame[] } | { ok: false; message: string; byteOffset: number };

/** Reads an unsigned LEB128 u32; returns undefined when it runs past `limit` or is over-long. */
export function readU32Leb(bytes: Uint8Array, offset: number, limit: number): { value: number; next: number } | undefined {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    const at = offset + i;
    if (at >= limit) return undefined;
    const byte = bytes[at]!;
    // The fifth byte may only carry the top 4 bits of a u32.
    if (i === 4 && (byte & 0x70) !== 0) return undefined;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: result >>> 0, next: at + 1 };
    shift += 7;
  }
  return undefined;
}

export function encodeU32Leb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Splits a module into its top-level sections (header, sizes, order and duplicates checked by @wsbc/wasm). */
export function frameSections(bytes: Uint8Array): FramingResult {
  const read = catchWasmError(() => {
    const frames: SectionFrame[] = [];
    for (const s of sections(bytes)) {
      const frame: SectionFrame = { id: s.id, start: s.start, end: s.end, payloadStart: s.payloadStart };
      if (s.id === CUSTOM_SECTION_ID) {
        frame.customName = s.name;
        frame.contentStart = s.contentStart;
      }
      frames.push(frame);
    }
    return frames;
  });
  if (!read.ok) return { ok: false, message: read.error.message, byteOffset: read.error.offset };
  return { ok: true, sections: read.value };
}

/** Encodes a complete custom section (id, size, name, content). */
export function encodeCustomSection(name: string, content: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const nameLength = encodeU32Leb(nameBytes.length);
  const payloadLength = nameLength.length + nameBytes.length + content.length;
  const size = encodeU32Leb(payloadLength);
  const out = new Uint8Array(1 + size.length + payloadLength);
  let at = 0;
  out[at++] = CUSTOM_SECTION_ID;
  out.set(size, at);
  at += size.length;
  out.set(nameLength, at);
  at += nameLength.length;
  out.set(nameBytes, at);
  at += nameBytes.length;
  out.set(content, at);
  return out;
}

/** The module with the given sections cut out (non-overlapping). May share memory with `bytes`. */
export function withoutSections(bytes: Uint8Array, cut: SectionFrame[]): Uint8Array {
  // The usual artifact has its one section last (sealArtifact appends it): no copy needed.
  if (cut.length === 1 && cut[0]!.end === bytes.length) return bytes.subarray(0, cut[0]!.start);
  const kept: Uint8Array[] = [];
  let from = 0;
  for (const frame of [...cut].sort((a, b) => a.start - b.start)) {
    kept.push(bytes.subarray(from, frame.start));
    from = frame.end;
  }
  kept.push(bytes.subarray(from));
  const total = kept.reduce((n, part) => n + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of kept) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
