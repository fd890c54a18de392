// The `name` custom section (function, local and other debug names), parsed only when asked for.
// A malformed name section is not a malformed module (custom sections are not validated), so
// callers get a WasmError they may choose to ignore.
import { BinaryReader } from './binary-reader.js';
import { WasmError } from './errors.js';

export type NameMap = Map<number, string>;

export interface NameSection {
  module?: string;
  functions: NameMap;
  locals: Map<number, NameMap>;
  /** Other subsections (labels 3, types 4, tables 5, memories 6, globals 7, elements 8, data 9, fields 10, tags 11). */
  other: Map<number, NameMap | Map<number, NameMap>>;
}

const INDIRECT = new Set([2, 3, 10]);

function readNameMap(r: BinaryReader): NameMap {
  const n = r.count('a name map', 2);
  const map: NameMap = new Map();
  for (let i = 0; i < n; i++) {
    const idx = r.u32('a name index');
    map.set(idx, r.name('a debug name'));
  }
  return map;
}

function readIndirectNameMap(r: BinaryReader): Map<number, NameMap> {
  const n = r.count('an indirect name map', 2);
  const map = new Map<number, NameMap>();
  for (let i = 0; i < n; i++) {
    const idx = r.u32('a name index');
    map.set(idx, readNameMap(r));
  }
  return map;
}

/** Parses the content of a `name` custom section (the bytes after the section name). */
export function readNameSection(bytes: Uint8Array, contentStart: number, end: number): NameSection {
  const r = new BinaryReader(bytes, contentStart, end);
  const out: NameSection = { functions: new Map(), locals: new Map(), other: new Map() };
  while (!r.atEnd()) {
    const id = r.u8('a name subsection id');
    const size = r.u32('a name subsection size');
    if (size > r.remaining) throw new WasmError('wasm/length-out-of-bounds', `name subsection ${id} declares ${size} bytes but only ${r.remaining} remain`, r.pos);
    const sub = new BinaryReader(bytes, r.pos, r.pos + size);
    r.pos += size;
    if (id === 0) out.module = sub.name('the module name');
    else if (id === 1) out.functions = readNameMap(sub);
    else if (id === 2) out.locals = readIndirectNameMap(sub);
    else if (id <= 11) out.other.set(id, INDIRECT.has(id) ? readIndirectNameMap(sub) : readNameMap(sub));
    // Unknown subsections are skipped: the format allows future additions.
  }
  return out;
}
