// Decoded shapes of the module's sections and the compact numeric encoding of types.
//
// Value, heap and block types are plain numbers so that decoding locals, signatures and block types
// never allocates, and so that each number remembers which of the equivalent binary forms was
// written (`funcref` as 0x70 or as 0x63 0x70), which keeps decode-then-encode byte-identical.
//
//   ValType  < 0x100            the single-byte form as written (i32 0x7F ... v128 0x7B, i8 0x78,
//                               i16 0x77, abstract reference shorthands 0x69..0x74)
//            0x100 | h          (ref h)       written 0x64 h, h an abstract heap type byte
//            0x200 | h          (ref null h)  written 0x63 h
//            CONCRETE + 2i + n  (ref null? i) for type index i, n = 1 when nullable
//   HeapType < 0x100            abstract heap type byte; CONCRETE + i for type index i
//   BlockType 0x40 empty; a ValType; or -(i + 1) for type index i (multi-value)

export type ValType = number;
export type HeapType = number;
export type BlockType = number;

export const CONCRETE = 0x400;
export const BLOCK_EMPTY = 0x40;

export const ValTypes = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  i8: 0x78,
  i16: 0x77,
  funcref: 0x70,
  externref: 0x6f,
  anyref: 0x6e,
  eqref: 0x6d,
  i31ref: 0x6c,
  structref: 0x6b,
  arrayref: 0x6a,
  exnref: 0x69,
  nullexnref: 0x74,
  nullfuncref: 0x73,
  nullexternref: 0x72,
  nullref: 0x71,
} as const;

const ABSTRACT_HEAP_NAMES: Record<number, string> = {
  0x70: 'func',
  0x6f: 'extern',
  0x6e: 'any',
  0x6d: 'eq',
  0x6c: 'i31',
  0x6b: 'struct',
  0x6a: 'array',
  0x69: 'exn',
  0x74: 'noexn',
  0x73: 'nofunc',
  0x72: 'noextern',
  0x71: 'none',
};

const NUM_NAMES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x78: 'i8', 0x77: 'i16' };

export function isAbstractHeapByte(b: number): boolean {
  return ABSTRACT_HEAP_NAMES[b] !== undefined;
}

export function isReferenceType(t: ValType): boolean {
  return t >= 0x100 || isAbstractHeapByte(t);
}

/** Whether a reference type admits null. */
export function isNullable(t: ValType): boolean {
  if (t >= CONCRETE) return ((t - CONCRETE) & 1) === 1;
  if (t >= 0x200) return true;
  if (t >= 0x100) return false;
  return isAbstractHeapByte(t);
}

/** The heap type of a reference type (undefined for numeric and vector types). */
export function heapTypeOf(t: ValType): HeapType | undefined {
  if (t >= CONCRETE) return CONCRETE + Math.floor((t - CONCRETE) / 2);
  if (t >= 0x100) return t & 0xff;
  return isAbstractHeapByte(t) ? t : undefined;
}

/** The type index a ValType or HeapType refers to, if concrete. */
export function typeIndexOfHeap(h: HeapType): number | undefined {
  return h >= CONCRETE ? h - CONCRETE : undefined;
}

export function concreteRef(typeIndex: number, nullable: boolean): ValType {
  return CONCRETE + typeIndex * 2 + (nullable ? 1 : 0);
}

export function heapTypeName(h: HeapType): string {
  return h >= CONCRETE ? String(h - CONCRETE) : (ABSTRACT_HEAP_NAMES[h] ?? `?0x${h.toString(16)}`);
}

/** Text-format rendering: `i32`, `funcref`, `(ref null 3)`, `(ref any)`. */
export function valTypeName(t: ValType): string {
  if (t < 0x100) {
    const n = NUM_NAMES[t];
    if (n) return n;
    const h = ABSTRACT_HEAP_NAMES[t];
    if (h) return h === 'noexn' || h === 'nofunc' || h === 'noextern' || h === 'none' ? `null${h === 'none' ? '' : h.slice(2)}ref` : `${h}ref`;
    return `?0x${t.toString(16)}`;
  }
  const nullable = isNullable(t);
  return `(ref ${nullable ? 'null ' : ''}${heapTypeName(heapTypeOf(t)!)})`;
}

export function blockTypeName(bt: BlockType): string {
  if (bt === BLOCK_EMPTY) return '';
  if (bt < 0) return `(type ${-bt - 1})`;
  return `(result ${valTypeName(bt)})`;
}

// ---- Type section ----

export interface FieldType {
  /** A ValType, or i8 (0x78) / i16 (0x77) packed storage. */
  type: ValType;
  mutable: boolean;
}

export type CompositeType =
  | { kind: 'func'; params: ValType[]; results: ValType[] }
  | { kind: 'struct'; fields: FieldType[] }
  | { kind: 'array'; field: FieldType };

export type FuncType = Extract<CompositeType, { kind: 'func' }>;

export interface SubType {
  /** How it was written: bare composite type, `sub` (0x50) or `sub final` (0x4F). */
  form: 'plain' | 'sub' | 'sub_final';
  /** Final unless written with 0x50 (a bare composite type is final). */
  final: boolean;
  supertypes: number[];
  composite: CompositeType;
}

export interface RecGroup {
  /** Written with the explicit `rec` prefix 0x4E (a bare subtype is a group of one). */
  explicit: boolean;
  types: SubType[];
  offset: number;
}

// ---- Limits, tables, memories, globals, tags ----

export interface Limits {
  /** The flags byte as written: bit 0 has max, bit 1 shared, bit 2 64-bit indices, bit 3 custom page size. */
  flags: number;
  /** Exact below 2^53 (memory64 limits beyond that are rounded). */
  min: number;
  max?: number;
  /** log2 of the page size (custom-page-sizes proposal), when bit 3 is set. */
  pageSizeLog2?: number;
}

export interface MemoryType {
  limits: Limits;
  shared: boolean;
  memory64: boolean;
}

export interface TableType {
  elementType: ValType;
  limits: Limits;
  table64: boolean;
}

export interface GlobalType {
  type: ValType;
  mutable: boolean;
}

export interface TagType {
  /** Always 0 (exception) in the current proposal. */
  attribute: number;
  typeIndex: number;
}

/**
 * A constant expression: its encoded instructions including the final `end` (a zero-copy view into
 * the module), and where they sit in the module (start = end = -1 for expressions built in code).
 */
export interface ConstExpr {
  readonly start: number;
  readonly end: number;
  readonly bytes: Uint8Array;
}

export type ExternalKind = 'func' | 'table' | 'memory' | 'global' | 'tag';
export const EXTERNAL_KINDS: readonly ExternalKind[] = ['func', 'table', 'memory', 'global', 'tag'];

export type ImportDesc =
  | { kind: 'func'; typeIndex: number }
  | { kind: 'table'; table: TableType }
  | { kind: 'memory'; memory: MemoryType }
  | { kind: 'global'; global: GlobalType }
  | { kind: 'tag'; tag: TagType };

export interface Import {
  module: string;
  name: string;
  desc: ImportDesc;
  /** Byte offset of the entry (its module name length field). */
  offset: number;
}

export interface Export {
  name: string;
  kind: ExternalKind;
  index: number;
  offset: number;
}

export interface Table {
  type: TableType;
  /** Initializer (the 0x40 0x00 form of the function-references proposal). */
  init?: ConstExpr;
  offset: number;
}

export interface Global {
  type: GlobalType;
  init: ConstExpr;
  offset: number;
}

export interface ElementSegment {
  /** The segment flags (0..7) as written. */
  flags: number;
  mode: 'active' | 'passive' | 'declarative';
  /** Table index of an active segment (0 when implicit). */
  table: number;
  offsetExpr?: ConstExpr;
  /** Element type: funcref for the `elemkind 0x00` forms. */
  elementType: ValType;
  /** Function indices (flags 0..3) or constant expressions (flags 4..7). */
  items: { kind: 'functions'; indices: number[] } | { kind: 'expressions'; exprs: ConstExpr[] };
  offset: number;
}

export interface DataSegment {
  flags: number;
  mode: 'active' | 'passive';
  memory: number;
  offsetExpr?: ConstExpr;
  /** Zero-copy view into the module bytes. */
  readonly data: Uint8Array;
  /** Absolute offset of the first data byte. */
  dataOffset: number;
  offset: number;
}

/** A run of locals of one type, as written (`count` is how many). */
export interface LocalDecl {
  count: number;
  type: ValType;
}
