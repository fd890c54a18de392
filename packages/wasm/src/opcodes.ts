// The one opcode table: every instruction of the core spec through Wasm 3.0 and the proposals V8
// ships. Decoding (operator-reader), encoding (instruction-writer), the structural walk, the
// instrumenter's cost table and the analyzer's feature detection all derive from it, so an
// instruction is described exactly once: name, prefix + opcode, immediate kinds, feature and
// control-flow class.
//
// Names follow the text format. Where one text name covers two encodings (GC `ref.test`/`ref.cast`
// with a nullable heap type) the nullable encoding gets a `_null` suffix, so names stay unique keys.

/** The proposal (or core version) an instruction comes from. */
export type Feature =
  | 'mvp'
  | 'sign-extension'
  | 'saturating-conversions'
  | 'bulk-memory'
  | 'reference-types'
  | 'multi-value'
  | 'simd'
  | 'relaxed-simd'
  | 'threads'
  | 'exceptions-legacy'
  | 'exceptions'
  | 'tail-calls'
  | 'extended-const'
  | 'function-references'
  | 'gc'
  | 'memory64'
  | 'multi-memory';

export const FEATURES: readonly Feature[] = [
  'mvp',
  'sign-extension',
  'saturating-conversions',
  'bulk-memory',
  'reference-types',
  'multi-value',
  'simd',
  'relaxed-simd',
  'threads',
  'exceptions-legacy',
  'exceptions',
  'tail-calls',
  'extended-const',
  'function-references',
  'gc',
  'memory64',
  'multi-memory',
];

/**
 * Immediate kinds, in encoding order. Index kinds are u32 LEBs; `blocktype` and `heaptype` are s33;
 * `memarg` is flags (bit 6 = explicit memory index), optional memory index, u64 offset.
 */
export type ImmKind =
  | 'blocktype'
  | 'label'
  | 'br_table'
  | 'func'
  | 'type'
  | 'table'
  | 'local'
  | 'global'
  | 'memory'
  | 'data'
  | 'elem'
  | 'tag'
  | 'field'
  | 'u32'
  | 'memarg'
  | 'i32'
  | 'i64'
  | 'f32'
  | 'f64'
  | 'v128'
  | 'lane'
  | 'shuffle'
  | 'select_types'
  | 'heaptype'
  | 'cast_flags'
  | 'catches'
  | 'zero_byte';

/**
 * Control-flow class. `block`/`loop`/`if`/`try`/`try_table` open a frame closed by `end` (or, for
 * legacy `try`, by `delegate`); `else`/`catch`/`catch_all` switch arms inside a frame. `br_if` covers
 * every conditional branch (`br_if`, `br_on_null`, `br_on_non_null`, `br_on_cast`, `br_on_cast_fail`).
 * `call` covers direct, indirect and reference calls; `return_call` the tail-call forms; `throw`
 * every instruction that unconditionally leaves by exception.
 */
export type ControlFlow =
  | 'plain'
  | 'block'
  | 'loop'
  | 'if'
  | 'else'
  | 'try'
  | 'try_table'
  | 'catch'
  | 'catch_all'
  | 'delegate'
  | 'end'
  | 'br'
  | 'br_if'
  | 'br_table'
  | 'return'
  | 'call'
  | 'return_call'
  | 'throw'
  | 'unreachable';

export type Prefix = 0 | 0xfb | 0xfc | 0xfd | 0xfe;

export interface OpInfo {
  /** Dense index into OPCODES; stable within a version of this package. */
  readonly id: number;
  readonly name: string;
  /** 0 for single-byte opcodes, else the prefix byte (0xFB GC, 0xFC misc, 0xFD SIMD, 0xFE atomics). */
  readonly prefix: Prefix;
  /** The opcode byte, or the u32 sub-opcode after the prefix. */
  readonly code: number;
  readonly imms: readonly ImmKind[];
  readonly feature: Feature;
  readonly flow: ControlFlow;
  /** log2 of the natural alignment, for instructions with a memarg. */
  readonly naturalAlign?: number;
  /**
   * True when the work done is proportional to an operand (bulk memory/table ops, memory.grow,
   * table.grow, GC array constructors and copies): a fuel charge must scale with that operand.
   */
  readonly sizedOperand: boolean;
  /** Internal: the compiled immediate layout the decoder switches on. */
  readonly layout: ImmLayout;
}

/** Compiled immediate layouts, one per distinct `imms` signature (the decoder's switch key). */
export enum ImmLayout {
  None,
  U32,
  U32U32,
  BlockType,
  BrTable,
  MemArg,
  MemArgLane,
  I32,
  I64,
  F32,
  F64,
  V128,
  Lane,
  SelectTypes,
  HeapType,
  BrOnCast,
  TryTable,
  ZeroByte,
}

function layoutOf(imms: readonly ImmKind[]): ImmLayout {
  const key = imms.join(',');
  switch (key) {
    case '':
      return ImmLayout.None;
    case 'blocktype':
      return ImmLayout.BlockType;
    case 'br_table':
      return ImmLayout.BrTable;
    case 'memarg':
      return ImmLayout.MemArg;
    case 'memarg,lane':
      return ImmLayout.MemArgLane;
    case 'i32':
      return ImmLayout.I32;
    case 'i64':
      return ImmLayout.I64;
    case 'f32':
      return ImmLayout.F32;
    case 'f64':
      return ImmLayout.F64;
    case 'v128':
    case 'shuffle':
      return ImmLayout.V128;
    case 'lane':
      return ImmLayout.Lane;
    case 'select_types':
      return ImmLayout.SelectTypes;
    case 'heaptype':
      return ImmLayout.HeapType;
    case 'cast_flags,label,heaptype,heaptype':
      return ImmLayout.BrOnCast;
    case 'blocktype,catches':
      return ImmLayout.TryTable;
    case 'zero_byte':
      return ImmLayout.ZeroByte;
  }
  if (imms.length === 1) return ImmLayout.U32;
  if (imms.length === 2) return ImmLayout.U32U32;
  throw new Error(`opcode table: no decoder layout for immediates [${key}]`);
}

type Row = [name: string, code: number, imms?: readonly ImmKind[], flow?: ControlFlow, align?: number];

const ALL: OpInfo[] = [];

function group(prefix: Prefix, feature: Feature, rows: readonly Row[], sized: readonly string[] = []): void {
  for (const [name, code, imms = [], flow = 'plain', align] of rows) {
    // Every entry has the same properties in the same order (naturalAlign undefined when absent),
    // so property loads in the decoder's hot loop see one object shape.
    const info: OpInfo = {
      id: ALL.length,
      name,
      prefix,
      code,
      imms,
      feature,
      flow,
      naturalAlign: align,
      sizedOperand: sized.includes(name),
      layout: layoutOf(imms),
    };
    ALL.push(info);
  }
}

/** Rows of instructions with no immediates and plain control flow, numbered from `first`. */
function plain(first: number, names: readonly (string | null)[]): Row[] {
  const rows: Row[] = [];
  names.forEach((name, i) => {
    if (name !== null) rows.push([name, first + i]);
  });
  return rows;
}

const M: readonly ImmKind[] = ['memarg'];
const ML: readonly ImmKind[] = ['memarg', 'lane'];

// ---- Core (MVP) ----
group(0, 'mvp', [
  ['unreachable', 0x00, [], 'unreachable'],
  ['nop', 0x01],
  ['block', 0x02, ['blocktype'], 'block'],
  ['loop', 0x03, ['blocktype'], 'loop'],
  ['if', 0x04, ['blocktype'], 'if'],
  ['else', 0x05, [], 'else'],
  ['end', 0x0b, [], 'end'],
  ['br', 0x0c, ['label'], 'br'],
  ['br_if', 0x0d, ['label'], 'br_if'],
  ['br_table', 0x0e, ['br_table'], 'br_table'],
  ['return', 0x0f, [], 'return'],
  ['call', 0x10, ['func'], 'call'],
  ['call_indirect', 0x11, ['type', 'table'], 'call'],
  ['drop', 0x1a],
  ['select', 0x1b],
  ['local.get', 0x20, ['local']],
  ['local.set', 0x21, ['local']],
  ['local.tee', 0x22, ['local']],
  ['global.get', 0x23, ['global']],
  ['global.set', 0x24, ['global']],
  ['i32.load', 0x28, M, 'plain', 2],
  ['i64.load', 0x29, M, 'plain', 3],
  ['f32.load', 0x2a, M, 'plain', 2],
  ['f64.load', 0x2b, M, 'plain', 3],
  ['i32.load8_s', 0x2c, M, 'plain', 0],
  ['i32.load8_u', 0x2d, M, 'plain', 0],
  ['i32.load16_s', 0x2e, M, 'plain', 1],
  ['i32.load16_u', 0x2f, M, 'plain', 1],
  ['i64.load8_s', 0x30, M, 'plain', 0],
  ['i64.load8_u', 0x31, M, 'plain', 0],
  ['i64.load16_s', 0x32, M, 'plain', 1],
  ['i64.load16_u', 0x33, M, 'plain', 1],
  ['i64.load32_s', 0x34, M, 'plain', 2],
  ['i64.load32_u', 0x35, M, 'plain', 2],
  ['i32.store', 0x36, M, 'plain', 2],
  ['i64.store', 0x37, M, 'plain', 3],
  ['f32.store', 0x38, M, 'plain', 2],
  ['f64.store', 0x39, M, 'plain', 3],
  ['i32.store8', 0x3a, M, 'plain', 0],
  ['i32.store16', 0x3b, M, 'plain', 1],
  ['i64.store8', 0x3c, M, 'plain', 0],
  ['i64.store16', 0x3d, M, 'plain', 1],
  ['i64.store32', 0x3e, M, 'plain', 2],
  ['memory.size', 0x3f, ['memory']],
  ['memory.grow', 0x40, ['memory']],
  ['i32.const', 0x41, ['i32']],
  ['i64.const', 0x42, ['i64']],
  ['f32.const', 0x43, ['f32']],
  ['f64.const', 0x44, ['f64']],
  ...plain(0x45, [
    'i32.eqz', 'i32.eq', 'i32.ne', 'i32.lt_s', 'i32.lt_u', 'i32.gt_s', 'i32.gt_u', 'i32.le_s', 'i32.le_u', 'i32.ge_s', 'i32.ge_u',
    'i64.eqz', 'i64.eq', 'i64.ne', 'i64.lt_s', 'i64.lt_u', 'i64.gt_s', 'i64.gt_u', 'i64.le_s', 'i64.le_u', 'i64.ge_s', 'i64.ge_u',
    'f32.eq', 'f32.ne', 'f32.lt', 'f32.gt', 'f32.le', 'f32.ge',
    'f64.eq', 'f64.ne', 'f64.lt', 'f64.gt', 'f64.le', 'f64.ge',
    'i32.clz', 'i32.ctz', 'i32.popcnt', 'i32.add', 'i32.sub', 'i32.mul', 'i32.div_s', 'i32.div_u', 'i32.rem_s', 'i32.rem_u',
    'i32.and', 'i32.or', 'i32.xor', 'i32.shl', 'i32.shr_s', 'i32.shr_u', 'i32.rotl', 'i32.rotr',
    'i64.clz', 'i64.ctz', 'i64.popcnt', 'i64.add', 'i64.sub', 'i64.mul', 'i64.div_s', 'i64.div_u', 'i64.rem_s', 'i64.rem_u',
    'i64.and', 'i64.or', 'i64.xor', 'i64.shl', 'i64.shr_s', 'i64.shr_u', 'i64.rotl', 'i64.rotr',
    'f32.abs', 'f32.neg', 'f32.ceil', 'f32.floor', 'f32.trunc', 'f32.nearest', 'f32.sqrt',
    'f32.add', 'f32.sub', 'f32.mul', 'f32.div', 'f32.min', 'f32.max', 'f32.copysign',
    'f64.abs', 'f64.neg', 'f64.ceil', 'f64.floor', 'f64.trunc', 'f64.nearest', 'f64.sqrt',
    'f64.add', 'f64.sub', 'f64.mul', 'f64.div', 'f64.min', 'f64.max', 'f64.copysign',
    'i32.wrap_i64', 'i32.trunc_f32_s', 'i32.trunc_f32_u', 'i32.trunc_f64_s', 'i32.trunc_f64_u',
    'i64.extend_i32_s', 'i64.extend_i32_u', 'i64.trunc_f32_s', 'i64.trunc_f32_u', 'i64.trunc_f64_s', 'i64.trunc_f64_u',
    'f32.convert_i32_s', 'f32.convert_i32_u', 'f32.convert_i64_s', 'f32.convert_i64_u', 'f32.demote_f64',
    'f64.convert_i32_s', 'f64.convert_i32_u', 'f64.convert_i64_s', 'f64.convert_i64_u', 'f64.promote_f32',
    'i32.reinterpret_f32', 'i64.reinterpret_f64', 'f32.reinterpret_i32', 'f64.reinterpret_i64',
  ]),
], ['memory.grow']);

group(0, 'sign-extension', plain(0xc0, ['i32.extend8_s', 'i32.extend16_s', 'i64.extend8_s', 'i64.extend16_s', 'i64.extend32_s']));

group(0xfc, 'saturating-conversions', plain(0, [
  'i32.trunc_sat_f32_s', 'i32.trunc_sat_f32_u', 'i32.trunc_sat_f64_s', 'i32.trunc_sat_f64_u',
  'i64.trunc_sat_f32_s', 'i64.trunc_sat_f32_u', 'i64.trunc_sat_f64_s', 'i64.trunc_sat_f64_u',
]));

group(0xfc, 'bulk-memory', [
  ['memory.init', 8, ['data', 'memory']],
  ['data.drop', 9, ['data']],
  ['memory.copy', 10, ['memory', 'memory']],
  ['memory.fill', 11, ['memory']],
  ['table.init', 12, ['elem', 'table']],
  ['elem.drop', 13, ['elem']],
  ['table.copy', 14, ['table', 'table']],
], ['memory.init', 'memory.copy', 'memory.fill', 'table.init', 'table.copy']);

group(0, 'reference-types', [
  ['select_t', 0x1c, ['select_types']],
  ['table.get', 0x25, ['table']],
  ['table.set', 0x26, ['table']],
  ['ref.null', 0xd0, ['heaptype']],
  ['ref.is_null', 0xd1],
  ['ref.func', 0xd2, ['func']],
]);
group(0xfc, 'reference-types', [
  ['table.grow', 15, ['table']],
  ['table.size', 16, ['table']],
  ['table.fill', 17, ['table']],
], ['table.grow', 'table.fill']);

group(0, 'exceptions-legacy', [
  ['try', 0x06, ['blocktype'], 'try'],
  ['catch', 0x07, ['tag'], 'catch'],
  ['rethrow', 0x09, ['label'], 'throw'],
  ['delegate', 0x18, ['label'], 'delegate'],
  ['catch_all', 0x19, [], 'catch_all'],
]);
group(0, 'exceptions', [
  ['throw', 0x08, ['tag'], 'throw'],
  ['throw_ref', 0x0a, [], 'throw'],
  ['try_table', 0x1f, ['blocktype', 'catches'], 'try_table'],
]);

group(0, 'tail-calls', [
  ['return_call', 0x12, ['func'], 'return_call'],
  ['return_call_indirect', 0x13, ['type', 'table'], 'return_call'],
]);

group(0, 'function-references', [
  ['call_ref', 0x14, ['type'], 'call'],
  ['return_call_ref', 0x15, ['type'], 'return_call'],
  ['ref.as_non_null', 0xd4],
  ['br_on_null', 0xd5, ['label'], 'br_if'],
  ['br_on_non_null', 0xd6, ['label'], 'br_if'],
]);

group(0, 'gc', [['ref.eq', 0xd3]]);
group(0xfb, 'gc', [
  ['struct.new', 0, ['type']],
  ['struct.new_default', 1, ['type']],
  ['struct.get', 2, ['type', 'field']],
  ['struct.get_s', 3, ['type', 'field']],
  ['struct.get_u', 4, ['type', 'field']],
  ['struct.set', 5, ['type', 'field']],
  ['array.new', 6, ['type']],
  ['array.new_default', 7, ['type']],
  ['array.new_fixed', 8, ['type', 'u32']],
  ['array.new_data', 9, ['type', 'data']],
  ['array.new_elem', 10, ['type', 'elem']],
  ['array.get', 11, ['type']],
  ['array.get_s', 12, ['type']],
  ['array.get_u', 13, ['type']],
  ['array.set', 14, ['type']],
  ['array.len', 15],
  ['array.fill', 16, ['type']],
  ['array.copy', 17, ['type', 'type']],
  ['array.init_data', 18, ['type', 'data']],
  ['array.init_elem', 19, ['type', 'elem']],
  ['ref.test', 20, ['heaptype']],
  ['ref.test_null', 21, ['heaptype']],
  ['ref.cast', 22, ['heaptype']],
  ['ref.cast_null', 23, ['heaptype']],
  ['br_on_cast', 24, ['cast_flags', 'label', 'heaptype', 'heaptype'], 'br_if'],
  ['br_on_cast_fail', 25, ['cast_flags', 'label', 'heaptype', 'heaptype'], 'br_if'],
  ['any.convert_extern', 26],
  ['extern.convert_any', 27],
  ['ref.i31', 28],
  ['i31.get_s', 29],
  ['i31.get_u', 30],
], ['array.new', 'array.new_default', 'array.new_fixed', 'array.new_data', 'array.new_elem', 'array.fill', 'array.copy', 'array.init_data', 'array.init_elem']);

group(0xfd, 'simd', [
  ['v128.load', 0, M, 'plain', 4],
  ['v128.load8x8_s', 1, M, 'plain', 3],
  ['v128.load8x8_u', 2, M, 'plain', 3],
  ['v128.load16x4_s', 3, M, 'plain', 3],
  ['v128.load16x4_u', 4, M, 'plain', 3],
  ['v128.load32x2_s', 5, M, 'plain', 3],
  ['v128.load32x2_u', 6, M, 'plain', 3],
  ['v128.load8_splat', 7, M, 'plain', 0],
  ['v128.load16_splat', 8, M, 'plain', 1],
  ['v128.load32_splat', 9, M, 'plain', 2],
  ['v128.load64_splat', 10, M, 'plain', 3],
  ['v128.store', 11, M, 'plain', 4],
  ['v128.const', 12, ['v128']],
  ['i8x16.shuffle', 13, ['shuffle']],
  ...plain(14, ['i8x16.swizzle', 'i8x16.splat', 'i16x8.splat', 'i32x4.splat', 'i64x2.splat', 'f32x4.splat', 'f64x2.splat']),
  ['i8x16.extract_lane_s', 21, ['lane']],
  ['i8x16.extract_lane_u', 22, ['lane']],
  ['i8x16.replace_lane', 23, ['lane']],
  ['i16x8.extract_lane_s', 24, ['lane']],
  ['i16x8.extract_lane_u', 25, ['lane']],
  ['i16x8.replace_lane', 26, ['lane']],
  ['i32x4.extract_lane', 27, ['lane']],
  ['i32x4.replace_lane', 28, ['lane']],
  ['i64x2.extract_lane', 29, ['lane']],
  ['i64x2.replace_lane', 30, ['lane']],
  ['f32x4.extract_lane', 31, ['lane']],
  ['f32x4.replace_lane', 32, ['lane']],
  ['f64x2.extract_lane', 33, ['lane']],
  ['f64x2.replace_lane', 34, ['lane']],
  ...plain(35, [
    'i8x16.eq', 'i8x16.ne', 'i8x16.lt_s', 'i8x16.lt_u', 'i8x16.gt_s', 'i8x16.gt_u', 'i8x16.le_s', 'i8x16.le_u', 'i8x16.ge_s', 'i8x16.ge_u',
    'i16x8.eq', 'i16x8.ne', 'i16x8.lt_s', 'i16x8.lt_u', 'i16x8.gt_s', 'i16x8.gt_u', 'i16x8.le_s', 'i16x8.le_u', 'i16x8.ge_s', 'i16x8.ge_u',
    'i32x4.eq', 'i32x4.ne', 'i32x4.lt_s', 'i32x4.lt_u', 'i32x4.gt_s', 'i32x4.gt_u', 'i32x4.le_s', 'i32x4.le_u', 'i32x4.ge_s', 'i32x4.ge_u',
    'f32x4.eq', 'f32x4.ne', 'f32x4.lt', 'f32x4.gt', 'f32x4.le', 'f32x4.ge',
    'f64x2.eq', 'f64x2.ne', 'f64x2.lt', 'f64x2.gt', 'f64x2.le', 'f64x2.ge',
    'v128.not', 'v128.and', 'v128.andnot', 'v128.or', 'v128.xor', 'v128.bitselect', 'v128.any_true',
  ]),
  ['v128.load8_lane', 84, ML, 'plain', 0],
  ['v128.load16_lane', 85, ML, 'plain', 1],
  ['v128.load32_lane', 86, ML, 'plain', 2],
  ['v128.load64_lane', 87, ML, 'plain', 3],
  ['v128.store8_lane', 88, ML, 'plain', 0],
  ['v128.store16_lane', 89, ML, 'plain', 1],
  ['v128.store32_lane', 90, ML, 'plain', 2],
  ['v128.store64_lane', 91, ML, 'plain', 3],
  ['v128.load32_zero', 92, M, 'plain', 2],
  ['v128.load64_zero', 93, M, 'plain', 3],
  ...plain(94, [
    'f32x4.demote_f64x2_zero', 'f64x2.promote_low_f32x4',
    'i8x16.abs', 'i8x16.neg', 'i8x16.popcnt', 'i8x16.all_true', 'i8x16.bitmask', 'i8x16.narrow_i16x8_s', 'i8x16.narrow_i16x8_u',
    'f32x4.ceil', 'f32x4.floor', 'f32x4.trunc', 'f32x4.nearest',
    'i8x16.shl', 'i8x16.shr_s', 'i8x16.shr_u', 'i8x16.add', 'i8x16.add_sat_s', 'i8x16.add_sat_u', 'i8x16.sub', 'i8x16.sub_sat_s', 'i8x16.sub_sat_u',
    'f64x2.ceil', 'f64x2.floor', 'i8x16.min_s', 'i8x16.min_u', 'i8x16.max_s', 'i8x16.max_u', 'f64x2.trunc', 'i8x16.avgr_u',
    'i16x8.extadd_pairwise_i8x16_s', 'i16x8.extadd_pairwise_i8x16_u', 'i32x4.extadd_pairwise_i16x8_s', 'i32x4.extadd_pairwise_i16x8_u',
    // 128 (0x80)
    'i16x8.abs', 'i16x8.neg', 'i16x8.q15mulr_sat_s', 'i16x8.all_true', 'i16x8.bitmask', 'i16x8.narrow_i32x4_s', 'i16x8.narrow_i32x4_u',
    'i16x8.extend_low_i8x16_s', 'i16x8.extend_high_i8x16_s', 'i16x8.extend_low_i8x16_u', 'i16x8.extend_high_i8x16_u',
    'i16x8.shl', 'i16x8.shr_s', 'i16x8.shr_u', 'i16x8.add', 'i16x8.add_sat_s', 'i16x8.add_sat_u', 'i16x8.sub', 'i16x8.sub_sat_s', 'i16x8.sub_sat_u',
    'f64x2.nearest', 'i16x8.mul', 'i16x8.min_s', 'i16x8.min_u', 'i16x8.max_s', 'i16x8.max_u', null, 'i16x8.avgr_u',
    'i16x8.extmul_low_i8x16_s', 'i16x8.extmul_high_i8x16_s', 'i16x8.extmul_low_i8x16_u', 'i16x8.extmul_high_i8x16_u',
    // 160 (0xA0)
    'i32x4.abs', 'i32x4.neg', null, 'i32x4.all_true', 'i32x4.bitmask', null, null,
    'i32x4.extend_low_i16x8_s', 'i32x4.extend_high_i16x8_s', 'i32x4.extend_low_i16x8_u', 'i32x4.extend_high_i16x8_u',
    'i32x4.shl', 'i32x4.shr_s', 'i32x4.shr_u', 'i32x4.add', null, null, 'i32x4.sub', null, null, null,
    'i32x4.mul', 'i32x4.min_s', 'i32x4.min_u', 'i32x4.max_s', 'i32x4.max_u', 'i32x4.dot_i16x8_s', null,
    'i32x4.extmul_low_i16x8_s', 'i32x4.extmul_high_i16x8_s', 'i32x4.extmul_low_i16x8_u', 'i32x4.extmul_high_i16x8_u',
    // 192 (0xC0)
    'i64x2.abs', 'i64x2.neg', null, 'i64x2.all_true', 'i64x2.bitmask', null, null,
    'i64x2.extend_low_i32x4_s', 'i64x2.extend_high_i32x4_s', 'i64x2.extend_low_i32x4_u', 'i64x2.extend_high_i32x4_u',
    'i64x2.shl', 'i64x2.shr_s', 'i64x2.shr_u', 'i64x2.add', null, null, 'i64x2.sub', null, null, null,
    'i64x2.mul', 'i64x2.eq', 'i64x2.ne', 'i64x2.lt_s', 'i64x2.gt_s', 'i64x2.le_s', 'i64x2.ge_s',
    'i64x2.extmul_low_i32x4_s', 'i64x2.extmul_high_i32x4_s', 'i64x2.extmul_low_i32x4_u', 'i64x2.extmul_high_i32x4_u',
    // 224 (0xE0)
    'f32x4.abs', 'f32x4.neg', null, 'f32x4.sqrt', 'f32x4.add', 'f32x4.sub', 'f32x4.mul', 'f32x4.div', 'f32x4.min', 'f32x4.max', 'f32x4.pmin', 'f32x4.pmax',
    'f64x2.abs', 'f64x2.neg', null, 'f64x2.sqrt', 'f64x2.add', 'f64x2.sub', 'f64x2.mul', 'f64x2.div', 'f64x2.min', 'f64x2.max', 'f64x2.pmin', 'f64x2.pmax',
    'i32x4.trunc_sat_f32x4_s', 'i32x4.trunc_sat_f32x4_u', 'f32x4.convert_i32x4_s', 'f32x4.convert_i32x4_u',
    'i32x4.trunc_sat_f64x2_s_zero', 'i32x4.trunc_sat_f64x2_u_zero', 'f64x2.convert_low_i32x4_s', 'f64x2.convert_low_i32x4_u',
  ]),
]);

group(0xfd, 'relaxed-simd', plain(0x100, [
  'i8x16.relaxed_swizzle',
  'i32x4.relaxed_trunc_f32x4_s', 'i32x4.relaxed_trunc_f32x4_u', 'i32x4.relaxed_trunc_f64x2_s_zero', 'i32x4.relaxed_trunc_f64x2_u_zero',
  'f32x4.relaxed_madd', 'f32x4.relaxed_nmadd', 'f64x2.relaxed_madd', 'f64x2.relaxed_nmadd',
  'i8x16.relaxed_laneselect', 'i16x8.relaxed_laneselect', 'i32x4.relaxed_laneselect', 'i64x2.relaxed_laneselect',
  'f32x4.relaxed_min', 'f32x4.relaxed_max', 'f64x2.relaxed_min', 'f64x2.relaxed_max',
  'i16x8.relaxed_q15mulr_s', 'i16x8.relaxed_dot_i8x16_i7x16_s', 'i32x4.relaxed_dot_i8x16_i7x16_add_s',
]));

function atomicRows(): Row[] {
  const rows: Row[] = [
    ['memory.atomic.notify', 0x00, M, 'plain', 2],
    ['memory.atomic.wait32', 0x01, M, 'plain', 2],
    ['memory.atomic.wait64', 0x02, M, 'plain', 3],
    ['atomic.fence', 0x03, ['zero_byte']],
    ['i32.atomic.load', 0x10, M, 'plain', 2],
    ['i64.atomic.load', 0x11, M, 'plain', 3],
    ['i32.atomic.load8_u', 0x12, M, 'plain', 0],
    ['i32.atomic.load16_u', 0x13, M, 'plain', 1],
    ['i64.atomic.load8_u', 0x14, M, 'plain', 0],
    ['i64.atomic.load16_u', 0x15, M, 'plain', 1],
    ['i64.atomic.load32_u', 0x16, M, 'plain', 2],
    ['i32.atomic.store', 0x17, M, 'plain', 2],
    ['i64.atomic.store', 0x18, M, 'plain', 3],
    ['i32.atomic.store8', 0x19, M, 'plain', 0],
    ['i32.atomic.store16', 0x1a, M, 'plain', 1],
    ['i64.atomic.store8', 0x1b, M, 'plain', 0],
    ['i64.atomic.store16', 0x1c, M, 'plain', 1],
    ['i64.atomic.store32', 0x1d, M, 'plain', 2],
  ];
  // Read-modify-write ops come in runs of seven widths, in this order.
  const widths: Array<[prefix: string, suffix: string, align: number]> = [
    ['i32.atomic.rmw', '', 2],
    ['i64.atomic.rmw', '', 3],
    ['i32.atomic.rmw8', '_u', 0],
    ['i32.atomic.rmw16', '_u', 1],
    ['i64.atomic.rmw8', '_u', 0],
    ['i64.atomic.rmw16', '_u', 1],
    ['i64.atomic.rmw32', '_u', 2],
  ];
  ['add', 'sub', 'and', 'or', 'xor', 'xchg', 'cmpxchg'].forEach((op, k) => {
    widths.forEach(([p, s, align], w) => rows.push([`${p}.${op}${s}`, 0x1e + k * 7 + w, M, 'plain', align]));
  });
  return rows;
}
group(0xfe, 'threads', atomicRows());

/** Every instruction, in table order (`OPCODES[op.id] === op`). */
export const OPCODES: readonly OpInfo[] = ALL;

// Dense lookup tables for the decoder. INVARIANT: sub-opcodes are small (max 0x113), so arrays
// indexed by code are compact and lookups never hash.
const SINGLE: Array<OpInfo | undefined> = new Array(256).fill(undefined);
const PREFIXED: Record<number, Array<OpInfo | undefined>> = { 0xfb: [], 0xfc: [], 0xfd: [], 0xfe: [] };
const BY_NAME = new Map<string, OpInfo>();
for (const op of ALL) {
  const table = op.prefix === 0 ? SINGLE : PREFIXED[op.prefix]!;
  if (table[op.code] !== undefined) throw new Error(`opcode table: duplicate encoding for ${op.name}`);
  if (BY_NAME.has(op.name)) throw new Error(`opcode table: duplicate name ${op.name}`);
  table[op.code] = op;
  BY_NAME.set(op.name, op);
}

/** The single-byte opcode table (index = byte). Prefix bytes map to undefined. */
export const SINGLE_BYTE_OPS: readonly (OpInfo | undefined)[] = SINGLE;
/** Sub-opcode tables per prefix byte (index = sub-opcode). */
export const PREFIXED_OPS: Readonly<Record<number, readonly (OpInfo | undefined)[]>> = PREFIXED;

export const PREFIX_BYTES: readonly Prefix[] = [0xfb, 0xfc, 0xfd, 0xfe];

export function isPrefixByte(b: number): b is 0xfb | 0xfc | 0xfd | 0xfe {
  return b === 0xfb || b === 0xfc || b === 0xfd || b === 0xfe;
}

/** Looks up an instruction by its text-format name (GC nullable casts: `ref.test_null`, `ref.cast_null`). */
export function opByName(name: string): OpInfo | undefined {
  return BY_NAME.get(name);
}

/** Looks up an instruction by prefix (0 for none) and code. */
export function opByCode(prefix: number, code: number): OpInfo | undefined {
  if (prefix === 0) return SINGLE[code];
  return PREFIXED[prefix]?.[code];
}
