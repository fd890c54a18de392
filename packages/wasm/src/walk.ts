// The structural walk: decodes every section and every instruction of every body and checks what
// can be checked without a type checker, which is what the instrumenter needs to trust its input.
//
// Checked: section framing, order and sizes; counts that must agree (functions/bodies, data count);
// every index immediate against its index space (functions, types, tables, memories, globals,
// locals, tags, data and element segments, labels against the block depth); block structure
// (`else` only in `if`, `catch`/`catch_all`/`delegate` only in legacy `try`, every block closed,
// nothing after the final `end`); memarg alignment against natural alignment; lane indices;
// constant expressions use constant instructions only; export names unique; limits consistent;
// the JS API's implementation limits as V8 applies them (counts of types, functions, imports,
// exports, globals, tables, tags, data and element segments, elements per segment; locals,
// parameters, results, br_table size, body size).
// Not checked: operand types (a validator's job; out of scope). Features used are collected on the
// way, from the opcode table and from module-level constructs.
import { BinaryReader } from './binary-reader.js';
import { WasmError, catchWasmError } from './errors.js';
import { ModuleReader } from './module.js';
import { SectionId, codeSectionCount, sectionReader, skipLocals, type FunctionBody } from './module-reader.js';
import { FEATURES, ImmLayout, OPCODES, type Feature, type OpInfo } from './opcodes.js';
import { OperatorReader } from './operator-reader.js';
import { CONCRETE, heapTypeOf, type Limits, type SubType, type ValType } from './types.js';

export interface WalkSummary {
  functions: number;
  instructions: number;
  /** Features the module uses (instructions, types and module-level constructs). */
  features: Set<Feature>;
}

export type WalkResult = { ok: true; summary: WalkSummary } | { ok: false; error: WasmError };

export interface WalkOptions {
  /**
   * Accept the Wasm 3.0 relaxations the V8 of Node 20 lacks: multi-memory (several memories,
   * memory index immediates as full LEBs, memarg flag bit 6), extended constant expressions
   * (i32/i64 add, sub, mul), and constant expressions reading defined immutable globals (not only
   * imported ones). Off by default: Wasm 2.0 rules, where a memory immediate is a reserved zero byte.
   */
  wasm3?: boolean;
}

// Implementation limits from the WebAssembly JS API (shared by all web engines). Counts of
// globals, tables and tags are of those a module defines: V8 does not count imported ones.
export const LIMITS = {
  types: 1_000_000,
  functions: 1_000_000,
  imports: 100_000,
  exports: 100_000,
  globals: 1_000_000,
  tags: 1_000_000,
  dataSegments: 100_000,
  elementSegments: 10_000_000,
  segmentElements: 10_000_000,
  tables: 100_000,
  memories: 100,
  params: 1_000,
  results: 1_000,
  bodySize: 7_654_321,
  brTableSize: 65_520,
  memoryPages32: 65_536,
  tableSize: 10_000_000,
} as const;

const FEATURE_INDEX = new Map(FEATURES.map((f, i) => [f, i]));
const OP_FEATURE = new Uint8Array(OPCODES.map((op) => FEATURE_INDEX.get(op.feature)!));

/** Lanes addressed by each lane-taking instruction (0 when it takes no lane). */
const LANES = new Uint8Array(
  OPCODES.map((op) => {
    if (!op.imms.includes('lane')) return 0;
    const m = /^v128\.(?:load|store)(8|16|32|64)_lane$/.exec(op.name);
    if (m) return 128 / Number(m[1]);
    const shape = op.name.slice(0, op.name.indexOf('.'));
    return { i8x16: 16, i16x8: 8, i32x4: 4, f32x4: 4, i64x2: 2, f64x2: 2 }[shape] ?? 0;
  }),
);

const CONST_OPS = new Set([
  'i32.const', 'i64.const', 'f32.const', 'f64.const', 'v128.const', 'ref.null', 'ref.func', 'global.get', 'end',
  'i32.add', 'i32.sub', 'i32.mul', 'i64.add', 'i64.sub', 'i64.mul',
  'struct.new', 'struct.new_default', 'array.new', 'array.new_default', 'array.new_fixed', 'ref.i31', 'any.convert_extern', 'extern.convert_any',
]);
/**
 * Fast-path class per instruction, so the hot loop handles the most frequent instructions with one
 * array load: 1 nothing to check, 2 a local index, 3 a global index read, 0 the general path.
 */
/** Numeric control-flow class per instruction (a number switch beats a string switch here). */
const FLOW_CODES: Record<string, number> = {
  plain: 0, block: 1, loop: 1, if: 1, try: 1, try_table: 1, else: 2, catch: 3, catch_all: 3, delegate: 4, end: 5,
  br: 6, br_if: 6, br_table: 7, throw: 8, call: 9, return_call: 9, return: 10, unreachable: 10,
};
const FLOW = new Uint8Array(OPCODES.map((op) => FLOW_CODES[op.flow]!));

const FAST = new Uint8Array(
  OPCODES.map((op) => {
    if (op.flow !== 'plain') return 0;
    if (op.layout === ImmLayout.None || op.layout === ImmLayout.I32 || op.layout === ImmLayout.I64 || op.layout === ImmLayout.F32 || op.layout === ImmLayout.F64) return 1;
    if (op.imms.length === 1 && op.imms[0] === 'local') return 2;
    if (op.name === 'global.get') return 3;
    return 0;
  }),
);

/** Per instruction: bit 0 when its first immediate is a memory index, bit 1 when its second is. */
const MEMORY_IMMS = new Uint8Array(OPCODES.map((op) => (op.imms[0] === 'memory' ? 1 : 0) | (op.imms[1] === 'memory' ? 2 : 0)));

const EXTENDED_CONST = new Set(['i32.add', 'i32.sub', 'i32.mul', 'i64.add', 'i64.sub', 'i64.mul']);
/** Per instruction, in a constant expression: 0 not allowed, 1 allowed, 2 extended-const, 3 global.get, 4 ref.func, 5 end. */
const CONST_KIND = new Uint8Array(
  OPCODES.map((op) => {
    if (!CONST_OPS.has(op.name)) return 0;
    if (op.name === 'end') return 5;
    if (EXTENDED_CONST.has(op.name)) return 2;
    if (op.name === 'global.get') return 3;
    if (op.name === 'ref.func') return 4;
    return 1;
  }),
);

const enum Frame {
  Block,
  Loop,
  If,
  Else,
  Try,
  Catch,
  CatchAll,
  TryTable,
}

interface Spaces {
  types: SubType[];
  funcTypes: number[];
  funcs: number;
  tables: number;
  memories: number;
  globals: number;
  /** Globals a constant expression may read. */
  constGlobals: number;
  tags: number;
  elems: number;
  datas: number;
  dataCount: number | undefined;
  /** 1 for each 64-bit memory, by memory index. */
  memory64: Uint8Array;
  /** 1 for each mutable global, by global index (filled as globals are declared). */
  mutableGlobals: number[];
  /** Functions a `ref.func` in a body may name (declared in segments, exports or initializers). */
  declaredFuncs: Set<number>;
  wasm3: boolean;
}

/** Walks the whole module; malformed input comes back as a WasmError value. */
export function walkModule(bytes: Uint8Array, options: WalkOptions = {}): WalkResult {
  const r = catchWasmError(() => walk(bytes, options));
  return r.ok ? { ok: true, summary: r.value } : r;
}

function walk(bytes: Uint8Array, options: WalkOptions): WalkSummary {
  const m = new ModuleReader(bytes);
  const seen = new Uint8Array(FEATURES.length);
  const mark = (f: Feature): void => {
    seen[FEATURE_INDEX.get(f)!] = 1;
  };
  seen[0] = 1;

  checkSectionCounts(m);
  const groups = m.recGroups();
  const types = m.types();
  if (types.length > LIMITS.types) throw new WasmError('wasm/too-many', `${types.length} types exceed the limit of ${LIMITS.types}`, m.section(SectionId.type)!.payloadStart);
  for (const g of groups) {
    if (g.explicit) mark('gc');
    for (const t of g.types) {
      if (t.form !== 'plain' || t.composite.kind !== 'func') mark('gc');
      for (const s of t.supertypes) if (s >= types.length) throw new WasmError('wasm/index-out-of-range', `unknown supertype ${s}`, g.offset);
      if (t.composite.kind === 'func') {
        if (t.composite.params.length > LIMITS.params) throw new WasmError('wasm/too-many', `a function type has ${t.composite.params.length} parameters (limit ${LIMITS.params})`, g.offset);
        if (t.composite.results.length > LIMITS.results) throw new WasmError('wasm/too-many', `a function type has ${t.composite.results.length} results (limit ${LIMITS.results})`, g.offset);
        if (t.composite.results.length > 1) mark('multi-value');
        for (const v of [...t.composite.params, ...t.composite.results]) checkValType(v, types.length, g.offset, mark);
      } else if (t.composite.kind === 'struct') {
        for (const f of t.composite.fields) checkValType(f.type, types.length, g.offset, mark);
      } else checkValType(t.composite.field.type, types.length, g.offset, mark);
    }
  }
  const isFuncType = (i: number): boolean => types[i]?.composite.kind === 'func';

  const imports = m.imports();
  const funcTypes: number[] = [];
  const memory64: number[] = [];
  const mutable: number[] = [];
  let tables = 0;
  let memories = 0;
  let globals = 0;
  let tags = 0;
  for (const i of imports) {
    switch (i.desc.kind) {
      case 'func':
        if (!isFuncType(i.desc.typeIndex)) throw new WasmError('wasm/index-out-of-range', `import ${i.module}.${i.name} uses unknown function type ${i.desc.typeIndex}`, i.offset);
        funcTypes.push(i.desc.typeIndex);
        break;
      case 'table':
        checkTable(i.desc.table.elementType, i.desc.table.limits, types.length, i.offset, mark);
        tables++;
        break;
      case 'memory':
        checkMemory(i.desc.memory.limits, i.offset, mark);
        memory64.push(i.desc.memory.memory64 ? 1 : 0);
        memories++;
        break;
      case 'global':
        checkValType(i.desc.global.type, types.length, i.offset, mark);
        mutable.push(i.desc.global.mutable ? 1 : 0);
        globals++;
        break;
      case 'tag':
        if (!isFuncType(i.desc.tag.typeIndex)) throw new WasmError('wasm/index-out-of-range', `import ${i.module}.${i.name} uses unknown tag type ${i.desc.tag.typeIndex}`, i.offset);
        tags++;
        // Tags serve both exception proposals; the instructions tell legacy from exnref.
        mark('exceptions');
        break;
    }
  }
  const importedFuncs = funcTypes.length;
  const importedGlobals = globals;
  const fsec = m.section(SectionId.function);
  for (const t of m.functions()) {
    if (!isFuncType(t)) throw new WasmError('wasm/index-out-of-range', `function ${funcTypes.length} uses unknown function type ${t}`, fsec!.payloadStart);
    funcTypes.push(t);
  }
  if (funcTypes.length > LIMITS.functions) throw new WasmError('wasm/too-many', `${funcTypes.length} functions exceed the limit of ${LIMITS.functions}`, fsec!.payloadStart);

  const elements = m.elements();
  const spaces: Spaces = {
    types,
    funcTypes,
    funcs: funcTypes.length,
    tables,
    memories,
    globals,
    constGlobals: globals,
    tags,
    elems: elements.length,
    datas: 0,
    dataCount: m.dataCount(),
    memory64: new Uint8Array(0),
    mutableGlobals: mutable,
    declaredFuncs: new Set(),
    wasm3: options.wasm3 ?? false,
  };

  for (const t of m.tables()) {
    checkTable(t.type.elementType, t.type.limits, types.length, t.offset, mark);
    if (t.init) checkConstExpr(bytes, t.init, spaces, mark);
    spaces.tables++;
  }
  if (spaces.tables > 1) mark('reference-types');
  const msec = m.section(SectionId.memory);
  for (const mem of m.memories()) {
    checkMemory(mem.limits, msec!.payloadStart, mark);
    memory64.push(mem.memory64 ? 1 : 0);
    spaces.memories++;
  }
  spaces.memory64 = Uint8Array.from(memory64);
  if (spaces.memories > 1) {
    if (!spaces.wasm3) throw new WasmError('wasm/too-many', 'more than one memory needs multi-memory (Wasm 3.0)', msec?.payloadStart ?? 8);
    mark('multi-memory');
  }
  for (const t of m.tags()) {
    if (!isFuncType(t.typeIndex)) throw new WasmError('wasm/index-out-of-range', `tag uses unknown type ${t.typeIndex}`, m.section(SectionId.tag)!.payloadStart);
    spaces.tags++;
  }
  if (m.tags().length > 0) mark('exceptions');
  // A global initializer sees imported globals only (Wasm 2.0), or also earlier ones (Wasm 3.0).
  for (const g of m.globals()) {
    checkValType(g.type.type, types.length, g.offset, mark);
    checkConstExpr(bytes, g.init, spaces, mark);
    mutable.push(g.type.mutable ? 1 : 0);
    if (spaces.wasm3) spaces.constGlobals++;
  }
  spaces.globals = importedGlobals + m.globals().length;
  spaces.constGlobals = spaces.wasm3 ? spaces.globals : importedGlobals;
  const exports = m.exports();
  const names = new Set<string>();
  for (const e of exports) {
    if (names.has(e.name)) throw new WasmError('wasm/duplicate-export', `duplicate export name "${e.name}"`, e.offset);
    names.add(e.name);
    const limit = { func: spaces.funcs, table: spaces.tables, memory: spaces.memories, global: spaces.globals, tag: spaces.tags }[e.kind];
    if (e.index >= limit) throw new WasmError('wasm/index-out-of-range', `export "${e.name}" refers to unknown ${e.kind} ${e.index}`, e.offset);
    if (e.kind === 'func') spaces.declaredFuncs.add(e.index);
  }
  const start = m.start();
  if (start !== undefined) {
    const at = m.section(SectionId.start)!.payloadStart;
    if (start >= spaces.funcs) throw new WasmError('wasm/index-out-of-range', `start function ${start} does not exist`, at);
    const sig = types[funcTypes[start]!]!.composite;
    if (sig.kind === 'func' && (sig.params.length > 0 || sig.results.length > 0)) {
      throw new WasmError('wasm/bad-type', `start function ${start} must take no parameters and return nothing`, at);
    }
  }
  for (const e of elements) {
    const entries = e.items.kind === 'functions' ? e.items.indices.length : e.items.exprs.length;
    if (entries > LIMITS.segmentElements) throw new WasmError('wasm/too-many', `an element segment has ${entries} elements, more than the limit of ${LIMITS.segmentElements}`, e.offset);
    if (e.mode === 'active') {
      if (e.table >= spaces.tables) throw new WasmError('wasm/index-out-of-range', `element segment refers to unknown table ${e.table}`, e.offset);
      checkConstExpr(bytes, e.offsetExpr!, spaces, mark);
    }
    if (e.flags !== 0) mark(e.flags === 2 ? 'reference-types' : 'bulk-memory');
    checkValType(e.elementType, types.length, e.offset, mark);
    if (e.items.kind === 'functions') {
      for (const f of e.items.indices) {
        if (f >= spaces.funcs) throw new WasmError('wasm/index-out-of-range', `element segment refers to unknown function ${f}`, e.offset);
        spaces.declaredFuncs.add(f);
      }
    } else for (const x of e.items.exprs) checkConstExpr(bytes, x, spaces, mark);
  }
  // Data segments are scanned in place rather than materialized: some modules have 100k of them.
  const dsec = m.section(SectionId.data);
  spaces.datas = 0;
  if (dsec) {
    const r = new BinaryReader(bytes, dsec.payloadStart, dsec.end);
    const n = r.count('the data section');
    for (let i = 0; i < n; i++) {
      const offset = r.pos;
      const flags = r.u32('data segment flags');
      if (flags > 2) throw new WasmError('wasm/bad-kind', `invalid data segment flags ${flags}`, offset);
      if (flags === 1) mark('bulk-memory');
      else {
        const memory = flags === 2 ? r.u32('a memory index') : 0;
        if (memory >= spaces.memories) throw new WasmError('wasm/index-out-of-range', `data segment refers to unknown memory ${memory}`, offset);
        r.pos = checkConstExprAt(bytes, r.pos, r.end, spaces, mark);
      }
      const at = r.pos;
      const len = r.u32('a data segment length');
      if (len > r.remaining) throw new WasmError('wasm/length-out-of-bounds', `a data segment declares ${len} bytes but only ${r.remaining} remain`, at);
      r.pos += len;
      spaces.datas++;
    }
    if (r.pos !== dsec.end) throw new WasmError('wasm/section-size-mismatch', `data section has ${dsec.end - r.pos} unexpected bytes at its end`, r.pos);
  }
  if (spaces.dataCount !== undefined) {
    mark('bulk-memory');
    if (spaces.dataCount !== spaces.datas) {
      throw new WasmError('wasm/count-mismatch', `data count section says ${spaces.dataCount} segments but the data section has ${spaces.datas}`, m.section(SectionId.dataCount)!.payloadStart);
    }
  }

  const defined = m.functions().length;
  const code = m.section(SectionId.code);
  const bodies = code ? codeSectionCount(bytes, code) : 0;
  if (bodies !== defined) {
    throw new WasmError('wasm/count-mismatch', `the function section declares ${defined} functions but the code section has ${bodies} bodies`, code?.payloadStart ?? fsec?.payloadStart ?? bytes.length);
  }
  // Later sections (data) were read above; this is the only pass over instructions.
  let instructions = 0;
  const walker = new BodyWalker(bytes, spaces, seen);
  for (const body of m.functionBodies()) {
    try {
      instructions += walker.walkBody(body, funcTypes[body.functionIndex]!);
    } catch (e) {
      if (e instanceof WasmError) throw e.inFunction(body.functionIndex);
      throw e;
    }
  }
  walker.opSeen.forEach((v, id) => {
    if (v) seen[OP_FEATURE[id]!] = 1;
  });
  const features = new Set<Feature>();
  seen.forEach((v, i) => {
    if (v) features.add(FEATURES[i]!);
  });
  return { functions: spaces.funcs, instructions, features };
}

/** Vector sections whose count alone can pass an engine limit; checked before anything is read. */
const COUNTED: ReadonlyArray<[id: number, limit: number, what: string]> = [
  [SectionId.type, LIMITS.types, 'types'],
  [SectionId.import, LIMITS.imports, 'imports'],
  [SectionId.function, LIMITS.functions, 'functions'],
  [SectionId.table, LIMITS.tables, 'tables'],
  [SectionId.memory, LIMITS.memories, 'memories'],
  [SectionId.global, LIMITS.globals, 'globals'],
  [SectionId.export, LIMITS.exports, 'exports'],
  [SectionId.element, LIMITS.elementSegments, 'element segments'],
  [SectionId.dataCount, LIMITS.dataSegments, 'data segments'],
  [SectionId.data, LIMITS.dataSegments, 'data segments'],
  [SectionId.tag, LIMITS.tags, 'tags'],
];

/**
 * Refuses a module whose section counts pass the JS API's limits, reading only the counts, so
 * that nothing is materialized for a module no engine would accept (10 million element segments
 * would otherwise be 10 million objects). Cheap enough for readers that decode no code.
 */
export function checkSectionCounts(m: ModuleReader): void {
  for (const [id, limit, what] of COUNTED) {
    const s = m.section(id);
    if (!s) continue;
    // A count the section's bytes cannot hold is malformed first (wasm/length-out-of-bounds). The
    // type section counts recursion groups; each holds at least one type.
    const count = id === SectionId.dataCount ? sectionReader(m.bytes, s).u32('the data count') : sectionReader(m.bytes, s).count(`the ${what} count`);
    if (count > limit) throw new WasmError('wasm/too-many', `${count} ${what} exceed the limit of ${limit} (a JS API implementation limit: engines refuse the module)`, s.payloadStart);
  }
}

function checkValType(t: ValType, typeCount: number, at: number, mark: (f: Feature) => void): void {
  if (t === 0x7b) mark('simd');
  if (t < 0x100) {
    if (t === 0x6f) mark('reference-types');
    else if (t !== 0x70 && t <= 0x74 && t >= 0x69) mark(t === 0x69 || t === 0x74 ? 'exceptions' : 'gc');
    return;
  }
  mark('function-references');
  const h = heapTypeOf(t)!;
  if (h >= CONCRETE && h - CONCRETE >= typeCount) throw new WasmError('wasm/index-out-of-range', `reference to unknown type ${h - CONCRETE}`, at);
}

function checkLimits(l: Limits, what: string, hardMax: number, at: number): void {
  if (l.max !== undefined && l.max < l.min) throw new WasmError('wasm/bad-limits', `${what} minimum ${l.min} is above its maximum ${l.max}`, at);
  if (l.min > hardMax || (l.max !== undefined && l.max > hardMax)) throw new WasmError('wasm/bad-limits', `${what} size exceeds ${hardMax}`, at);
}

function checkMemory(l: Limits, at: number, mark: (f: Feature) => void): void {
  const wide = (l.flags & 0x04) !== 0;
  if (wide) mark('memory64');
  if (l.flags & 0x02) {
    mark('threads');
    if (l.max === undefined) throw new WasmError('wasm/bad-limits', 'a shared memory must declare a maximum', at);
  }
  checkLimits(l, 'memory', wide ? 2 ** 48 : LIMITS.memoryPages32, at);
}

function checkTable(elem: ValType, l: Limits, typeCount: number, at: number, mark: (f: Feature) => void): void {
  checkValType(elem, typeCount, at, mark);
  if (l.flags & 0x04) mark('memory64');
  if (l.max !== undefined && l.max < l.min) throw new WasmError('wasm/bad-limits', `table minimum ${l.min} is above its maximum ${l.max}`, at);
  if (l.min > LIMITS.tableSize) throw new WasmError('wasm/bad-limits', `table size ${l.min} exceeds ${LIMITS.tableSize}`, at);
}

let constCursor: OperatorReader | undefined;

function checkConstExpr(bytes: Uint8Array, e: { start: number; end: number }, s: Spaces, mark: (f: Feature) => void): void {
  checkConstExprAt(bytes, e.start, e.end, s, mark);
}

/**
 * Checks the constant expression starting at `start` (reading at most to `limit`) and returns the
 * offset after its `end`. One cursor is reused for every expression of a module.
 */
function checkConstExprAt(bytes: Uint8Array, start: number, limit: number, s: Spaces, mark: (f: Feature) => void): number {
  const r = constCursor && constCursor.bytes === bytes ? constCursor.reset(start, limit) : (constCursor = new OperatorReader(bytes, start, limit));
  while (r.next()) {
    const op = r.op;
    const kind = CONST_KIND[op.id]!;
    if (kind === 0) throw new WasmError('wasm/bad-const-expr', `${op.name} is not allowed in a constant expression`, r.offset);
    if (kind === 5) return r.pos;
    if (kind === 2) {
      if (!s.wasm3) throw new WasmError('wasm/bad-const-expr', `${op.name} in a constant expression needs extended-const (Wasm 3.0)`, r.offset);
      mark('extended-const');
    } else if (op.feature !== 'mvp') mark(op.feature);
    if (kind === 3) {
      if (r.a >= s.constGlobals) throw new WasmError('wasm/index-out-of-range', `constant expression reads unknown global ${r.a}`, r.offset);
      if (s.mutableGlobals[r.a]) throw new WasmError('wasm/bad-const-expr', `constant expression reads mutable global ${r.a}`, r.offset);
    } else if (kind === 4) {
      if (r.a >= s.funcs) throw new WasmError('wasm/index-out-of-range', `constant expression refers to unknown function ${r.a}`, r.offset);
      s.declaredFuncs.add(r.a);
    }
  }
  throw new WasmError('wasm/unexpected-end', 'constant expression has no end', r.pos);
}

/** Reused across bodies so the control stack is allocated once. */
class BodyWalker {
  private frames = new Uint8Array(1024);
  /** Which instructions occurred (features are derived from it once, at the end). */
  readonly opSeen = new Uint8Array(OPCODES.length);

  constructor(
    private readonly bytes: Uint8Array,
    private readonly s: Spaces,
    private readonly seen: Uint8Array,
  ) {}

  private push(depth: number, kind: Frame): void {
    if (depth >= this.frames.length) {
      const next = new Uint8Array(this.frames.length * 2);
      next.set(this.frames);
      this.frames = next;
    }
    this.frames[depth] = kind;
  }

  /** Returns the number of instructions. Throws WasmError. */
  walkBody(body: FunctionBody, typeIndex: number): number {
    const s = this.s;
    if (body.end - body.bodyStart > LIMITS.bodySize) throw new WasmError('wasm/too-many', `function body of ${body.end - body.bodyStart} bytes exceeds ${LIMITS.bodySize}`, body.start);
    const { total, codeStart } = skipLocals(this.bytes, body);
    const fn = s.types[typeIndex]!.composite as { params: ValType[] };
    const localCount = fn.params.length + total;
    const r = new OperatorReader(this.bytes, codeStart, body.end);
    const opSeen = this.opSeen;
    const frames = this.frames;
    let depth = 1; // the function's own block
    frames[0] = Frame.Block;
    let n = 0;
    while (r.next()) {
      n++;
      const op = r.op;
      const id = op.id;
      opSeen[id] = 1;
      const fast = FAST[id]!;
      if (fast === 1) continue;
      if (fast === 2) {
        if (r.a >= localCount) throw new WasmError('wasm/index-out-of-range', `${op.name} refers to unknown local ${r.a}`, r.offset);
        continue;
      }
      if (fast === 3) {
        if (r.a >= s.globals) throw new WasmError('wasm/index-out-of-range', `global.get refers to unknown global ${r.a}`, r.offset);
        continue;
      }
      switch (FLOW[id]) {
        case 0:
          if (op.layout !== ImmLayout.None) this.checkImmediates(r, op, localCount);
          break;
        case 1:
          if (r.a < 0) {
            this.seen[FEATURE_INDEX.get('multi-value')!] = 1;
            if (s.types[-r.a - 1]?.composite.kind !== 'func') throw new WasmError('wasm/index-out-of-range', `block type refers to unknown function type ${-r.a - 1}`, r.offset);
          }
          if (op.flow === 'try_table') this.checkCatches(r, depth);
          this.push(depth, op.flow === 'block' ? Frame.Block : op.flow === 'loop' ? Frame.Loop : op.flow === 'if' ? Frame.If : op.flow === 'try' ? Frame.Try : Frame.TryTable);
          depth++;
          break;
        case 2:
          if (depth <= 1 || this.frames[depth - 1] !== Frame.If) throw new WasmError('wasm/bad-block-structure', 'else without a matching if', r.offset);
          this.frames[depth - 1] = Frame.Else;
          break;
        case 3: {
          const f = this.frames[depth - 1];
          if (depth <= 1 || (f !== Frame.Try && f !== Frame.Catch)) {
            throw new WasmError('wasm/bad-block-structure', `${op.name} without a matching try`, r.offset);
          }
          if (op.flow === 'catch' && r.a >= s.tags) throw new WasmError('wasm/index-out-of-range', `unknown tag ${r.a}`, r.offset);
          this.frames[depth - 1] = op.flow === 'catch' ? Frame.Catch : Frame.CatchAll;
          break;
        }
        case 4:
          if (depth <= 1 || this.frames[depth - 1] !== Frame.Try) throw new WasmError('wasm/bad-block-structure', 'delegate without a matching try', r.offset);
          depth--;
          if (r.a >= depth) throw new WasmError('wasm/index-out-of-range', `delegate to unknown label ${r.a}`, r.offset);
          break;
        case 5:
          depth--;
          if (depth === 0) {
            if (r.pos !== body.end) throw new WasmError('wasm/bad-block-structure', 'instructions after the final end of the function', r.pos);
            return n;
          }
          break;
        case 6:
          if (op.layout === ImmLayout.BrOnCast) {
            if (r.b >= depth) throw new WasmError('wasm/index-out-of-range', `unknown label ${r.b}`, r.offset);
            this.checkHeap(r.c, r.offset);
            this.checkHeap(r.d, r.offset);
          } else if (r.a >= depth) throw new WasmError('wasm/index-out-of-range', `unknown label ${r.a}`, r.offset);
          break;
        case 7: {
          if (r.a > LIMITS.brTableSize) throw new WasmError('wasm/too-many', `br_table with ${r.a} targets exceeds ${LIMITS.brTableSize}`, r.offset);
          if (r.b >= depth) throw new WasmError('wasm/index-out-of-range', `unknown label ${r.b}`, r.offset);
          const d = depth;
          const at = r.offset;
          r.forEachBrTableTarget((l) => {
            if (l >= d) throw new WasmError('wasm/index-out-of-range', `unknown label ${l}`, at);
          });
          break;
        }
        case 8:
          if (op.name === 'rethrow') {
            if (r.a >= depth) throw new WasmError('wasm/index-out-of-range', `unknown label ${r.a}`, r.offset);
            const f = this.frames[depth - 1 - r.a];
            if (f !== Frame.Catch && f !== Frame.CatchAll) throw new WasmError('wasm/bad-block-structure', 'rethrow must target a catch block', r.offset);
          } else if (op.name === 'throw' && r.a >= s.tags) throw new WasmError('wasm/index-out-of-range', `unknown tag ${r.a}`, r.offset);
          break;
        case 9:
          if (op.name === 'call' || op.name === 'return_call') {
            if (r.a >= s.funcs) throw new WasmError('wasm/index-out-of-range', `call to unknown function ${r.a}`, r.offset);
          } else {
            if (s.types[r.a]?.composite.kind !== 'func') throw new WasmError('wasm/index-out-of-range', `${op.name} uses unknown function type ${r.a}`, r.offset);
            if (op.layout === ImmLayout.U32U32 && r.b >= s.tables) throw new WasmError('wasm/index-out-of-range', `${op.name} uses unknown table ${r.b}`, r.offset);
          }
          break;
        default:
          break;
      }
    }
    throw new WasmError('wasm/bad-block-structure', `function body ends without closing ${depth} block${depth === 1 ? '' : 's'}`, body.end);
  }

  private checkHeap(h: number, at: number): void {
    if (h >= CONCRETE && h - CONCRETE >= this.s.types.length) throw new WasmError('wasm/index-out-of-range', `unknown type ${h - CONCRETE}`, at);
  }

  private checkCatches(r: OperatorReader, depth: number): void {
    for (const c of r.catches()) {
      if (c.tag !== undefined && c.tag >= this.s.tags) throw new WasmError('wasm/index-out-of-range', `unknown tag ${c.tag}`, r.offset);
      if (c.label >= depth) throw new WasmError('wasm/index-out-of-range', `unknown label ${c.label}`, r.offset);
    }
  }

  private checkImmediates(r: OperatorReader, op: OpInfo, localCount: number): void {
    const s = this.s;
    switch (op.layout) {
      case ImmLayout.MemArg:
      case ImmLayout.MemArgLane: {
        if (r.d && !s.wasm3) throw new WasmError('wasm/bad-alignment', `${op.name} memarg flags set bit 6 (an explicit memory index needs multi-memory)`, r.offset);
        if (r.b >= s.memories) throw new WasmError('wasm/index-out-of-range', `${op.name} uses unknown memory ${r.b}`, r.offset);
        const natural = op.naturalAlign!;
        if (op.feature === 'threads' ? r.a !== natural : r.a > natural) {
          throw new WasmError('wasm/bad-alignment', `${op.name} alignment 2^${r.a} ${op.feature === 'threads' ? 'must equal' : 'exceeds'} its natural alignment 2^${natural}`, r.offset);
        }
        if (r.d) this.seen[FEATURE_INDEX.get('multi-memory')!] = 1;
        // A 32-bit memory's offset is a u32: re-read it strictly when it might not be one.
        if (!s.memory64[r.b] && (r.c > 0xffffffff || r.pos - r.immStart > (op.layout === ImmLayout.MemArgLane ? 7 : 6))) {
          const br = new BinaryReader(this.bytes, r.immStart, r.end);
          if (br.u32() & 0x40) br.u32();
          br.u32('the memarg offset of a 32-bit memory');
        }
        if (op.layout === ImmLayout.MemArgLane && r.e >= LANES[op.id]!) throw new WasmError('wasm/bad-immediate', `lane index ${r.e} out of range for ${op.name}`, r.offset);
        return;
      }
      case ImmLayout.Lane:
        if (r.a >= LANES[op.id]!) throw new WasmError('wasm/bad-immediate', `lane index ${r.a} out of range for ${op.name}`, r.offset);
        return;
      case ImmLayout.V128:
        if (op.name === 'i8x16.shuffle') {
          for (let i = 0; i < 16; i++) {
            if (this.bytes[r.immStart + i]! >= 32) throw new WasmError('wasm/bad-immediate', `shuffle lane index ${this.bytes[r.immStart + i]} out of range`, r.offset);
          }
        }
        return;
      case ImmLayout.SelectTypes:
        if (r.a !== 1) throw new WasmError('wasm/bad-immediate', `select takes exactly one type, got ${r.a}`, r.offset);
        return;
      case ImmLayout.HeapType:
        this.checkHeap(r.a, r.offset);
        return;
      case ImmLayout.U32:
      case ImmLayout.U32U32: {
        const mem = MEMORY_IMMS[op.id]!;
        if (mem !== 0 && !s.wasm3) this.checkReservedMemoryBytes(r, op, mem);
        for (let i = 0; i < op.imms.length; i++) this.checkIndex(r, op, op.imms[i]!, i === 0 ? r.a : r.b, localCount);
        if (op.name === 'global.set' && !s.mutableGlobals[r.a]) throw new WasmError('wasm/immutable-global', `global.set of immutable global ${r.a}`, r.offset);
        if (op.name === 'ref.func' && !s.declaredFuncs.has(r.a)) {
          throw new WasmError('wasm/undeclared-function-reference', `ref.func ${r.a} names a function not declared in an element segment, export or initializer`, r.offset);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Without multi-memory, a memory immediate is a reserved zero byte (exactly one byte). */
  private checkReservedMemoryBytes(r: OperatorReader, op: OpInfo, mem: number): void {
    const b = this.bytes;
    let ok: boolean;
    if (op.layout === ImmLayout.U32) ok = r.pos - r.immStart === 1 && r.a === 0;
    else if (mem === 3) ok = r.pos - r.immStart === 2 && r.a === 0 && r.b === 0;
    else ok = b[r.pos - 1] === 0 && (b[r.pos - 2]! & 0x80) === 0;
    if (!ok) throw new WasmError('wasm/bad-immediate', `${op.name}: zero byte expected for the memory index`, r.offset);
  }

  private checkIndex(r: OperatorReader, op: OpInfo, kind: string, v: number, localCount: number): void {
    const s = this.s;
    let limit: number;
    switch (kind) {
      case 'local':
        limit = localCount;
        break;
      case 'global':
        limit = s.globals;
        break;
      case 'func':
        limit = s.funcs;
        break;
      case 'table':
        limit = s.tables;
        break;
      case 'memory':
        limit = s.memories;
        break;
      case 'type':
        limit = s.types.length;
        break;
      case 'tag':
        limit = s.tags;
        break;
      case 'elem':
        limit = s.elems;
        break;
      case 'data':
        if (s.dataCount === undefined && (op.name === 'memory.init' || op.name === 'data.drop')) {
          throw new WasmError('wasm/missing-data-count', `${op.name} requires a data count section`, r.offset);
        }
        limit = s.dataCount ?? s.datas;
        break;
      default:
        return;
    }
    if (v >= limit) throw new WasmError('wasm/index-out-of-range', `${op.name} refers to unknown ${kind} ${v}`, r.offset);
  }
}
