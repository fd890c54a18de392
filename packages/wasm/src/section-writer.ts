// Section encoders; the mirror of module-reader.ts. Each `write*Payload` writes exactly what the
// matching `read*Section` reads (the section payload, without id and size), from the same decoded
// shapes, so `write(read(x))` reproduces x whenever x used minimal LEB encodings.
import { ByteWriter } from './binary-writer.js';
import { writeHeapType, writeValType } from './instruction-writer.js';
import type { FunctionBody } from './module-reader.js';
import type {
  CompositeType,
  ConstExpr,
  DataSegment,
  ElementSegment,
  Export,
  FieldType,
  Global,
  GlobalType,
  Import,
  ImportDesc,
  Limits,
  LocalDecl,
  MemoryType,
  RecGroup,
  SubType,
  Table,
  TableType,
  TagType,
} from './types.js';
import { EXTERNAL_KINDS } from './types.js';

export const WASM_HEADER = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** Writes a whole section: id, size, payload. */
export function writeSection(w: ByteWriter, id: number, payload: (w: ByteWriter) => void): void {
  w.u8(id).sized(payload);
}

export function writeCustomSection(w: ByteWriter, name: string, content: Uint8Array): void {
  w.u8(0).sized((p) => p.name(name).bytes(content));
}

export function writeLimits(w: ByteWriter, l: Limits): void {
  w.u8(l.flags);
  const wide = (l.flags & 0x04) !== 0;
  if (wide) w.u64(l.min);
  else w.u32(l.min);
  if (l.flags & 0x01) {
    if (l.max === undefined) throw new TypeError('limits flags say a maximum is present but none is given');
    if (wide) w.u64(l.max);
    else w.u32(l.max);
  }
  if (l.flags & 0x08) w.u32(l.pageSizeLog2 ?? 16);
}

export function writeMemoryType(w: ByteWriter, m: MemoryType): void {
  writeLimits(w, m.limits);
}

export function writeTableType(w: ByteWriter, t: TableType): void {
  writeValType(w, t.elementType);
  writeLimits(w, t.limits);
}

export function writeGlobalType(w: ByteWriter, g: GlobalType): void {
  writeValType(w, g.type);
  w.u8(g.mutable ? 1 : 0);
}

export function writeTagType(w: ByteWriter, t: TagType): void {
  w.u8(t.attribute).u32(t.typeIndex);
}

export function writeConstExpr(w: ByteWriter, e: ConstExpr): void {
  w.bytes(e.bytes);
}

function writeFieldType(w: ByteWriter, f: FieldType): void {
  writeValType(w, f.type);
  w.u8(f.mutable ? 1 : 0);
}

function writeCompositeType(w: ByteWriter, c: CompositeType): void {
  switch (c.kind) {
    case 'func':
      w.u8(0x60).u32(c.params.length);
      for (const t of c.params) writeValType(w, t);
      w.u32(c.results.length);
      for (const t of c.results) writeValType(w, t);
      break;
    case 'struct':
      w.u8(0x5f).u32(c.fields.length);
      for (const f of c.fields) writeFieldType(w, f);
      break;
    case 'array':
      w.u8(0x5e);
      writeFieldType(w, c.field);
      break;
  }
}

export function writeSubType(w: ByteWriter, s: SubType): void {
  if (s.form !== 'plain' || !s.final || s.supertypes.length > 0) {
    w.u8(s.final ? 0x4f : 0x50).u32(s.supertypes.length);
    for (const t of s.supertypes) w.u32(t);
  }
  writeCompositeType(w, s.composite);
}

export function writeTypePayload(w: ByteWriter, groups: readonly RecGroup[]): void {
  w.u32(groups.length);
  for (const g of groups) {
    if (g.explicit || g.types.length !== 1) {
      w.u8(0x4e).u32(g.types.length);
    }
    for (const t of g.types) writeSubType(w, t);
  }
}

export function writeImportDesc(w: ByteWriter, d: ImportDesc): void {
  switch (d.kind) {
    case 'func':
      w.u8(0).u32(d.typeIndex);
      break;
    case 'table':
      w.u8(1);
      writeTableType(w, d.table);
      break;
    case 'memory':
      w.u8(2);
      writeMemoryType(w, d.memory);
      break;
    case 'global':
      w.u8(3);
      writeGlobalType(w, d.global);
      break;
    case 'tag':
      w.u8(4);
      writeTagType(w, d.tag);
      break;
  }
}

export function writeImportPayload(w: ByteWriter, imports: readonly Import[]): void {
  w.u32(imports.length);
  for (const i of imports) {
    w.name(i.module).name(i.name);
    writeImportDesc(w, i.desc);
  }
}

export function writeFunctionPayload(w: ByteWriter, typeIndices: readonly number[]): void {
  w.u32(typeIndices.length);
  for (const t of typeIndices) w.u32(t);
}

export function writeTablePayload(w: ByteWriter, tables: readonly Table[]): void {
  w.u32(tables.length);
  for (const t of tables) {
    if (t.init) {
      w.u8(0x40).u8(0);
      writeTableType(w, t.type);
      writeConstExpr(w, t.init);
    } else writeTableType(w, t.type);
  }
}

export function writeMemoryPayload(w: ByteWriter, memories: readonly MemoryType[]): void {
  w.u32(memories.length);
  for (const m of memories) writeMemoryType(w, m);
}

export function writeGlobalPayload(w: ByteWriter, globals: readonly Global[]): void {
  w.u32(globals.length);
  for (const g of globals) {
    writeGlobalType(w, g.type);
    writeConstExpr(w, g.init);
  }
}

export function writeExportPayload(w: ByteWriter, exports: readonly Export[]): void {
  w.u32(exports.length);
  for (const e of exports) w.name(e.name).u8(EXTERNAL_KINDS.indexOf(e.kind)).u32(e.index);
}

export function writeStartPayload(w: ByteWriter, func: number): void {
  w.u32(func);
}

export function writeDataCountPayload(w: ByteWriter, count: number): void {
  w.u32(count);
}

export function writeTagPayload(w: ByteWriter, tags: readonly TagType[]): void {
  w.u32(tags.length);
  for (const t of tags) writeTagType(w, t);
}

export function writeElementPayload(w: ByteWriter, segments: readonly ElementSegment[]): void {
  w.u32(segments.length);
  for (const s of segments) {
    const flags = s.flags;
    w.u32(flags);
    if ((flags & 1) === 0) {
      if (flags & 2) w.u32(s.table);
      if (!s.offsetExpr) throw new TypeError('active element segment without an offset expression');
      writeConstExpr(w, s.offsetExpr);
    }
    if (flags & 3) {
      if (flags & 4) writeValType(w, s.elementType);
      else w.u8(0);
    }
    if (s.items.kind === 'functions') {
      if (flags & 4) throw new TypeError(`element segment flags ${flags} need expressions, got function indices`);
      w.u32(s.items.indices.length);
      for (const f of s.items.indices) w.u32(f);
    } else {
      if (!(flags & 4)) throw new TypeError(`element segment flags ${flags} need function indices, got expressions`);
      w.u32(s.items.exprs.length);
      for (const e of s.items.exprs) writeConstExpr(w, e);
    }
  }
}

export function writeDataPayload(w: ByteWriter, segments: readonly DataSegment[]): void {
  w.u32(segments.length);
  for (const s of segments) {
    w.u32(s.flags);
    if (s.flags === 2) w.u32(s.memory);
    if (s.flags !== 1) {
      if (!s.offsetExpr) throw new TypeError('active data segment without an offset expression');
      writeConstExpr(w, s.offsetExpr);
    }
    w.u32(s.data.length).bytes(s.data);
  }
}

export function writeLocals(w: ByteWriter, locals: readonly LocalDecl[]): void {
  w.u32(locals.length);
  for (const l of locals) {
    w.u32(l.count);
    writeValType(w, l.type);
  }
}

/** A function body for the code section: its encoded locals + instructions (without size prefix). */
export type EncodedBody = Uint8Array;

export function writeCodePayload(w: ByteWriter, bodies: Iterable<EncodedBody>, count: number): void {
  w.u32(count);
  for (const b of bodies) w.u32(b.length).bytes(b);
}

/** Copies a body (locals + code) of the source module as is. */
export function rawBody(bytes: Uint8Array, body: FunctionBody): EncodedBody {
  return bytes.subarray(body.bodyStart, body.end);
}

export { writeHeapType };
