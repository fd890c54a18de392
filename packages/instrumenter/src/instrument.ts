// The instrument pass: one module in, one module out, in one front-to-back rewrite.
//
// Algorithm.
//  1. Read the module lazily (@wsbc/wasm). Refuse input that is not valid (WebAssembly.validate
//     unless told otherwise), that imports from the reserved module "wsbc" or exports a
//     "__wsbc_" name, or whose memories start above the policy's max pages.
//  2. Append, never insert: types for the hook, the helpers and the landing wrappers of catches
//     that return (body-rewriter.ts) at the end of the type section; the hook import
//     `wsbc.out_of_fuel` after the last import; the fuel, status and depth globals
//     after the last global; helper functions after the last function; the ABI exports after the
//     last export. Appending the import shifts every defined function index by one, so every
//     function reference is renumbered: call, return_call, ref.func (in code, global initialisers
//     and element expressions), element function lists, exports, the start function and the name
//     section. No original instruction names an appended global or function: original global
//     indices are unchanged and every renumbered index points to an original function.
//  3. Rewrite each body (body-rewriter.ts): a charge at the start of each metered block,
//     helper calls before operand-sized instructions, memory.grow through its memory's guard, and
//     depth accounting around calls when the stack guard is on.
//  4. Tighten memory maxima (defined and imported) to the policy's max pages.
//
// Guarantee. Every instruction the instrumented function executes belongs to a metered block
// whose charge ran before the block's first instruction, and a charge that leaves the counter
// negative calls the host before the block runs; the host must refill or the module traps with
// STATUS_FUEL_EXHAUSTED. So with a budget B and `checks: 'block'`, fuel spent on original
// instructions never exceeds B: the only work done past the budget is the injected test and the
// out-of-fuel slow path (under 25 instructions together). With `checks: 'loop'` (the default) only function entries, loop
// headers, handlers, the blocks that return to the caller and charges that would take the untested total
// past MAX_UNTESTED_FUEL test the counter; the work run past the budget is then at most
// MAX_UNTESTED_FUEL (1000) units, and the module's largest such sum is recorded as `maxOverrun`
// (see body-rewriter.ts). Operand-sized work is charged before
// it starts, with its full length, so a 4 GiB memory.fill with too little fuel never begins.
// Charges are exact: a block is charged only when its first instruction runs, and all of it runs
// unless a trap, an exception thrown by a callee or the fuel running out in a frame nested in it
// stops it mid-way (then the rest of that block was paid for but not run: the only over-charge). A memory.grow past max pages or by more than
// the growth rate returns -1 (or traps with STATUS_MEMORY_LIMIT) without growing. With a depth
// limit D, a call made at depth D traps with STATUS_STACK_OVERFLOW before the callee runs.
import type { Diagnostic, Result } from '@wsbc/diagnostics';
import { LIMITS, type Manifest } from '@wsbc/manifest';
import {
  BinaryReader,
  ByteWriter,
  OperatorReader,
  SectionId,
  isWasmError,
  readElementSection,
  readExportSection,
  readFunctionSection,
  readGlobalSection,
  readImportSection,
  readMemorySection,
  readNameSection,
  readStartSection,
  readTableSection,
  readTypeSection,
  readValType,
  sections,
  frameCodeSection,
  MAX_LOCALS,
  LIMITS as WASM_LIMITS,
  skipLocals,
  type Import,
  type MemoryType,
  type SectionHeader,
  type ValType,
  WasmError,
  writeValType,
} from '@wsbc/wasm';
import {
  ABI_VERSION,
  BRANCH_HINT_SECTION,
  DEPTH_EXPORT,
  FUEL_EXPORT,
  HOOK_MODULE,
  OUT_OF_FUEL_HOOK,
  RECORD_SECTION,
  RESERVED_EXPORT_PREFIX,
  STATUS_EXPORT,
  STATUS_FUEL_EXHAUSTED,
  STATUS_MEMORY_LIMIT,
  STATUS_STACK_OVERFLOW,
  type InstrumentationRecord,
} from './abi.js';
import { ByteSink } from './byte-sink.js';
import { BODY_FIELDS, BodyRewriter, UNSUPPORTED_PREFIX, rewriteBodies, type RewriteContext } from './body-rewriter.js';
import type { WrittenBodies } from './chunks.js';
import { DEFAULT_COST_TABLE, compileCostTable, costTableProblems, type CostTable } from './cost-table.js';
import { Planner } from './planner.js';

/** Growth limits the memory guard enforces. */
export interface MemoryGuard {
  /** Most 64 KiB pages any memory may reach (1..65536 for 32-bit memories). */
  maxPages: number;
  /** Most pages one memory.grow may add. */
  maxGrowthPages: number;
  /** Trap (STATUS_MEMORY_LIMIT) instead of returning -1 when a grow is refused. */
  trapOnGrowFailure: boolean;
}

export interface InstrumentOptions {
  /** Source of defaults: limits.fuel (null turns metering off), limits.memory, limits.stack. */
  manifest?: Manifest;
  /** Inject fuel metering. Default: on, unless the manifest says fuel is unlimited. */
  fuel?: boolean;
  /** Prices; default DEFAULT_COST_TABLE. */
  costTable?: CostTable;
  /** Call-depth limit; null = no guard. Default: manifest.limits.stack.maxDepth, else null. */
  stackDepth?: number | null;
  /** Memory growth limits; null = no limits (grow is still charged). Default: from the manifest. */
  memory?: MemoryGuard | null;
  /**
   * Where functions keep the fuel counter while they run: 'local' (default) caches it in a local
   * in functions with at least three charges that outnumber their call sites two to one, syncing the
   * global at calls, exits and hook calls (other functions update the global); 'global' updates
   * the global at every charge everywhere. Both charge the same amounts.
   */
  counter?: 'local' | 'global';
  /**
   * Where charges test the counter: 'loop' (default) only at function entries, loop headers,
   * exception handlers, the blocks that return to the caller and where the untested total
   * would pass MAX_UNTESTED_FUEL; other blocks just subtract, so the run stops at the next loop
   * iteration, call or return to a caller that goes on after the budget is spent, at most
   * MAX_UNTESTED_FUEL = 1000 units of original work past it (the module's largest is recorded as
   * `maxOverrun`). A run may therefore return with the counter below zero: hosts read the fuel
   * used after each call (the runtime does). 'block' tests at every metered block, so no block
   * starts without fuel; it costs more time and size. Charges are exact in both.
   */
  checks?: 'block' | 'loop';
  /**
   * Add a `metadata.code.branch_hint` section (the WebAssembly branch-hinting format) marking
   * every injected test (the fuel counter's, the stack guard's) as unlikely to be taken (default
   * true). Engines that read it compile the hook call and the trap as cold code: V8 does from 13.7 (Chrome 137), and before that
   * with --experimental-wasm-branch-hinting, which the wsbc runtime turns on. Others ignore it.
   */
  branchHints?: boolean;
  /** Check the input with WebAssembly.validate first (default true). */
  validate?: boolean;
  /** File name used in diagnostics. */
  file?: string;
}

export interface InstrumentStats {
  functions: number;
  /** Metered blocks that received a charge. */
  charges: number;
  inputBytes: number;
  outputBytes: number;
}

export interface InstrumentOutput {
  /** The instrumented module, in an ArrayBuffer of its own (WebAssembly.Module takes it as is). */
  bytes: Uint8Array<ArrayBuffer>;
  record: InstrumentationRecord;
  stats: InstrumentStats;
}

/** Most call depth the guard accepts (beyond it every engine overflows first anyway). */
export const MAX_STACK_DEPTH = LIMITS.maxStackDepth;

// Value types and opcodes used in emitted code.
const I32 = 0x7f;
const I64 = 0x7e;

function diag(code: string, message: string, file: string, byteOffset = 0, help?: string): Diagnostic {
  return { code, severity: 'error', message, span: { file, byteOffset }, ...(help ? { help } : {}) };
}

function fromWasmError(e: WasmError, file: string): Diagnostic {
  // A valid body the rewrite cannot instrument within the engines' limits: not an invalid module.
  if (e.message.startsWith(UNSUPPORTED_PREFIX)) return diag('instrument/unsupported-feature', e.message.slice(UNSUPPORTED_PREFIX.length), file, e.offset);
  return diag('instrument/invalid-module', `invalid module: ${e.message}`, file, e.offset);
}

function resolveMemoryGuard(options: InstrumentOptions): MemoryGuard | null {
  if (options.memory !== undefined) return options.memory;
  const m = options.manifest?.limits.memory;
  return m ? { maxPages: m.maxPages, maxGrowthPages: m.maxGrowthPages, trapOnGrowFailure: m.trapOnGrowFailure } : null;
}

/**
 * Instruments a module: fuel metering, memory-growth guard and stack-depth guard as the options
 * say. Returns the new bytes, or diagnostics explaining why the input was refused.
 */
export function instrument(input: Uint8Array, options: InstrumentOptions = {}): Result<InstrumentOutput> {
  const prepared = prepareRewriter(input, options);
  if (!prepared.ok) return prepared;
  const { rewriter, file } = prepared.value;
  try {
    return rewriter.run();
  } catch (e) {
    if (isWasmError(e)) return { ok: false, diagnostics: [fromWasmError(e, file)] };
    throw e;
  }
}

/** Checks the options and the input, and builds the rewriter; shared by both entry points. */
function prepareRewriter(input: Uint8Array, options: InstrumentOptions): Result<{ rewriter: Rewriter; file: string }> {
  const file = options.file ?? '<module>';
  const fuel = options.fuel ?? (options.manifest ? options.manifest.limits.fuel !== null : true);
  const costTable = options.costTable ?? DEFAULT_COST_TABLE;
  const stackDepth = options.stackDepth !== undefined ? options.stackDepth : (options.manifest?.limits.stack.maxDepth ?? null);
  const guard = resolveMemoryGuard(options);
  const problems: Diagnostic[] = [];
  if (stackDepth !== null && (!Number.isInteger(stackDepth) || stackDepth < 1 || stackDepth > MAX_STACK_DEPTH)) {
    problems.push(diag('instrument/invalid-options', `stack depth must be an integer from 1 to ${MAX_STACK_DEPTH}, got ${stackDepth}`, file));
  }
  // A table from JavaScript may be anything: a missing field or a price out of range would
  // otherwise throw mid-rewrite or emit charges that wrap.
  if (options.costTable !== undefined) {
    for (const problem of costTableProblems(options.costTable)) problems.push(diag('instrument/invalid-options', problem, file));
  }
  if (guard && (!Number.isInteger(guard.maxPages) || guard.maxPages < 0 || !Number.isInteger(guard.maxGrowthPages) || guard.maxGrowthPages < 0)) {
    problems.push(diag('instrument/invalid-options', 'memory limits must be non-negative integers of pages', file));
  }
  if (problems.length > 0) return { ok: false, diagnostics: problems };
  if ((options.validate ?? true) && !engineValidate(input)) {
    return { ok: false, diagnostics: [diag('instrument/invalid-module', 'the input is not a valid WebAssembly module (WebAssembly.validate refused it)', file, 0, 'run `wasm-validate` or `wsbc check` on it to see where')] };
  }
  // A plain Uint8Array view: subarrays of a Node Buffer are slower to make and to copy from.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const rewriter = new Rewriter(bytes, file, {
    fuel,
    costTable,
    stackDepth,
    guard,
    cachedCounter: (options.counter ?? 'local') === 'local',
    checkLoopsOnly: options.checks !== 'block',
    branchHints: options.branchHints ?? true,
  });
  return { ok: true, value: { rewriter, file }, diagnostics: [] };
}

/** Options of instrumentAsync: those of instrument(), and how many threads may rewrite bodies. */
export interface InstrumentAsyncOptions extends InstrumentOptions {
  /**
   * Threads (the calling one included) that rewrite function bodies, at most MAX_THREADS; default
   * the CPUs the machine's load average leaves idle less one, 1 to 4 (see defaultThreads in
   * rewrite-pool.ts). Modules whose code section is under PARALLEL_MIN_CODE_BYTES use one.
   */
  threads?: number;
}

/**
 * Most threads one rewrite uses, whatever is asked: each worker is a thread with its own copy of
 * the instrumenter, and a count such as `wsbc instrument --jobs 9999` would otherwise start one
 * per chunk (about 150 for esbuild.wasm).
 */
export const MAX_THREADS = 16;

/** Code sections smaller than this are rewritten on the calling thread (workers cost more). */
export const PARALLEL_MIN_CODE_BYTES = 2 << 20;

/**
 * instrument() with the function bodies split across worker threads: the same checks and
 * diagnostics, and byte-identical output for any number of threads (each body's rewrite depends
 * only on the body and the module, and the parts are joined in order). Falls back to the calling
 * thread alone where workers are unavailable (see rewrite-pool.ts) or fail.
 */
export async function instrumentAsync(input: Uint8Array, options: InstrumentAsyncOptions = {}): Promise<Result<InstrumentOutput>> {
  const prepared = prepareRewriter(input, options);
  if (!prepared.ok) return prepared;
  const { rewriter, file } = prepared.value;
  // Loaded on demand: callers of instrument() alone never load worker_threads.
  const pool = await import('./rewrite-pool.js');
  const threads = options.threads ?? pool.defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    return { ok: false, diagnostics: [diag('instrument/invalid-options', `threads must be a positive integer, got ${threads}`, file)] };
  }
  try {
    const refused = rewriter.prepare();
    if (refused) return { ok: false, diagnostics: refused };
    const codeBytes = rewriter.codeBytes();
    if (threads === 1 || codeBytes < PARALLEL_MIN_CODE_BYTES || !pool.workersAvailable()) return rewriter.write(null);
    return rewriter.write(pool.sharedWriter(Math.min(threads, MAX_THREADS), rewriter.input, rewriter.codeRange()));
  } catch (e) {
    if (isWasmError(e)) return { ok: false, diagnostics: [fromWasmError(e, file)] };
    throw e;
  }
}

/**
 * instrument() with the code section's bodies written by `writer` instead of on this thread alone:
 * instrumentAsync's seam, for tests that stand in for workers (slow, dead or misbehaving ones).
 * Not part of the package's API (index.ts does not export it).
 */
export function instrumentWithWriter(input: Uint8Array, options: InstrumentOptions, writer: SharedWriter): Result<InstrumentOutput> {
  const prepared = prepareRewriter(input, options);
  if (!prepared.ok) return prepared;
  const { rewriter, file } = prepared.value;
  try {
    const refused = rewriter.prepare();
    return refused ? { ok: false, diagnostics: refused } : rewriter.write(writer);
  } catch (e) {
    if (isWasmError(e)) return { ok: false, diagnostics: [fromWasmError(e, file)] };
    throw e;
  }
}

/** V8's validator (the library targets Node, whose global WebAssembly the TS lib set omits). */
function engineValidate(bytes: Uint8Array): boolean {
  const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
  return wasm.validate(bytes);
}

interface Settings {
  fuel: boolean;
  costTable: CostTable;
  stackDepth: number | null;
  guard: MemoryGuard | null;
  cachedCounter: boolean;
  checkLoopsOnly: boolean;
  branchHints: boolean;
}

/**
 * How write() shares the bodies with workers (instrumentAsync; rewrite-pool.ts): writes every
 * body into `out` in order, from the body table, under `ctx`.
 */
export type SharedWriter = (out: ByteSink, ctx: RewriteContext, bodies: Int32Array) => WrittenBodies;

/** Section order for placing sections the input lacks (index = section id). */
const ORDER: readonly number[] = [-1, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6];

class Rewriter {
  private readonly headers: SectionHeader[] = [];
  private readonly byId = new Map<number, SectionHeader>();
  private imports: Import[] = [];
  private importedFuncs = 0;
  private importedGlobals = 0;
  private definedFuncs = 0;
  private definedGlobals = 0;
  private typeCount = 0;
  /** Parameter count of each type (0 for non-function types) and the type of each defined function. */
  private readonly paramCounts: number[] = [];
  /** Results of each function type (null for other types). */
  private readonly typeResults: Array<ValType[] | null> = [];
  /** See RewriteContext.resultBlockTypes. */
  private resultBlockTypes: Array<Uint8Array | null> = [];
  private funcTypes: number[] = [];
  private memories: MemoryType[] = [];
  private importedMemories = 0;
  private table64: boolean[] = [];
  private readonly diagnostics: Diagnostic[] = [];

  // Appended items (indices in the output module).
  private funcShift = 0;
  private hookFunc = -1;
  private fuelGlobal = -1;
  private statusGlobal = -1;
  private depthGlobal = -1;
  private readonly newTypes: Array<{ params: ValType[]; results: ValType[] }> = [];
  private readonly helpers: Array<{ type: number; body: (out: ByteSink) => void }> = [];
  private slowFunc = -1;
  private slowLocalFunc = -1;
  private chargeI32Func = -1;
  private chargeI64Func = -1;
  private readonly growFuncs: number[] = [];
  private charges = 0;
  /** Largest sum of untested charges in one function (the overrun bound of checks: 'loop'). */
  private maxOverrun = 0;
  private hookType = -1;
  /** Set while write() shares the bodies with workers. */
  private sharing: SharedWriter | null = null;
  /** Branch-hint entries of the rewritten bodies and the number of functions they cover. */
  private hints: Uint8Array[] = [];
  private hintedFunctions = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
    private readonly settings: Settings,
  ) {}

  run(): Result<InstrumentOutput> {
    const refused = this.prepare();
    if (refused) return { ok: false, diagnostics: refused };
    return this.write(null);
  }

  /** Reads what the rewrite needs and decides every appended index; diagnostics if refused. */
  prepare(): Diagnostic[] | null {
    for (const s of sections(this.bytes)) {
      this.headers.push(s);
      if (s.id !== SectionId.custom) this.byId.set(s.id, s);
    }
    this.survey();
    if (this.diagnostics.length > 0) return this.diagnostics;
    this.plan();
    return null;
  }

  /** Size of the input's code section. */
  codeBytes(): number {
    const s = this.byId.get(SectionId.code);
    return s ? s.end - s.payloadStart : 0;
  }

  /** Where the input's code section's payload starts and ends (0, 0 without one). */
  codeRange(): [number, number] {
    const s = this.byId.get(SectionId.code);
    return s ? [s.payloadStart, s.end] : [0, 0];
  }

  /** The module being rewritten. */
  get input(): Uint8Array {
    return this.bytes;
  }

  /** Writes the output module, rewriting the bodies on this thread alone or shared with workers. */
  write(sharing: SharedWriter | null): Result<InstrumentOutput> {
    // INVARIANT: the output is at most 4x the input plus a fixed part: each rewritten instruction
    // gains at most a bounded amount of code (charges go per block, helper calls per instruction).
    // The reservation is address space only; memory is committed as the sink grows, from a small
    // start: the final shrink zeroes what was committed and not written (for a module that grows
    // little, such as flite.wasm, a quarter of its size at 0.6 ms a megabyte).
    const out = new ByteSink(1 << 16, this.bytes.length * 8 + (1 << 20), Math.ceil(this.bytes.length * 1.25) + 1024);
    out.copy(this.bytes, 0, 8);
    this.sharing = sharing;
    const present = new Set(this.byId.keys());
    const needed = [SectionId.type, SectionId.import, SectionId.function, SectionId.global, SectionId.export, SectionId.code].filter(
      (id) => !present.has(id) && this.mustCreate(id),
    );
    const emitted = new Set<number>();
    const emitMissingBefore = (order: number): void => {
      for (const id of needed) {
        if (!emitted.has(id) && ORDER[id]! < order) {
          emitted.add(id);
          this.section(out, id, null);
        }
      }
    };
    for (const s of this.headers) {
      if (s.id !== SectionId.custom) emitMissingBefore(ORDER[s.id]!);
      this.section(out, s.id, s);
    }
    emitMissingBefore(Infinity);
    const record = this.record();
    this.writeRecord(out, record);
    const result = out.result();
    return {
      ok: true,
      value: {
        bytes: result,
        record,
        stats: { functions: this.definedFuncs, charges: this.charges, inputBytes: this.bytes.length, outputBytes: result.length },
      },
      diagnostics: [],
    };
  }

  /** The body table of the code section (BODY_FIELDS numbers per body). */
  private bodyTable(): Int32Array {
    const b = this.bytes;
    const s = this.byId.get(SectionId.code);
    if (!s) return new Int32Array(0);
    return this.quickBodyTable(s) ?? this.checkedBodyTable(s);
  }

  /**
   * The body table read in one pass over the section, with the LEBs decoded inline (yosys.core.wasm
   * has 34,000 bodies: the checked reading took 3.5 ms of the calling thread before any worker
   * could start). Null as soon as anything is unusual (a LEB of 5 bytes, a reference-typed local,
   * a malformed section): checkedBodyTable then gives the same table, or the error, with the
   * offset and order of the general readers.
   */
  private quickBodyTable(s: SectionHeader): Int32Array | null {
    const b = this.bytes;
    const end = s.end;
    let p = s.payloadStart;
    const n = quickLeb(b, p, end);
    if (n < 0) return null;
    p = quickLebEnd;
    if (n * 2 > end - p) return null;
    const table = new Int32Array(n * BODY_FIELDS);
    const paramCounts = this.paramCounts;
    const funcTypes = this.funcTypes;
    for (let i = 0; i < n; i++) {
      const size = quickLeb(b, p, end);
      if (size < 0) return null;
      const bodyStart = quickLebEnd;
      const bodyEnd = bodyStart + size;
      if (bodyEnd > end) return null;
      const groups = quickLeb(b, bodyStart, bodyEnd);
      if (groups < 0) return null;
      p = quickLebEnd;
      if (groups * 2 > bodyEnd - p) return null;
      let total = 0;
      for (let g = 0; g < groups; g++) {
        const count = quickLeb(b, p, bodyEnd);
        if (count < 0) return null;
        total += count;
        p = quickLebEnd;
        if (total > MAX_LOCALS || p >= bodyEnd) return null;
        const t = b[p++]!;
        // Numeric and vector types, funcref and externref; anything else goes the checked way.
        if (!((t >= 0x7b && t <= 0x7f) || t === 0x70 || t === 0x6f)) return null;
      }
      const k = i * BODY_FIELDS;
      table[k] = bodyStart;
      // With validation off the section may hold more bodies than the function section declares.
      table[k + 1] = (paramCounts[funcTypes[i]!] ?? 0) + total;
      table[k + 2] = groups;
      table[k + 3] = p;
      table[k + 4] = bodyEnd;
      p = bodyEnd;
    }
    return p === end ? table : null;
  }

  /** The body table read with the general readers (their checks, errors and offsets). */
  private checkedBodyTable(s: SectionHeader): Int32Array {
    const b = this.bytes;
    // The framing checks (and errors) of the code section first; then a plain loop over the
    // body sizes, cheaper than the body generator on modules of tens of thousands of functions.
    const n = frameCodeSection(b, s);
    const table = new Int32Array(n * BODY_FIELDS);
    const r = new BinaryReader(b, s.payloadStart, s.end);
    r.u32();
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      const size = r.u32();
      const bodyStart = r.pos;
      r.pos = bodyStart + size;
      const functionIndex = this.importedFuncs + i;
      const { total, codeStart } = skipLocals(b, { functionIndex, start, bodyStart, end: r.pos });
      // With validation off the section may hold more bodies than the function section declares.
      const params = this.paramCounts[this.funcTypes[i]!] ?? 0;
      const k = i * BODY_FIELDS;
      table[k] = bodyStart;
      table[k + 1] = params + total;
      table[k + 2] = new BinaryReader(b, bodyStart, codeStart).u32();
      table[k + 3] = codeStart;
      table[k + 4] = r.pos;
    }
    return table;
  }

  private mustCreate(id: number): boolean {
    switch (id) {
      case SectionId.type:
        return this.newTypes.length > 0;
      case SectionId.import:
        return this.hookFunc >= 0;
      case SectionId.function:
      case SectionId.code:
        return this.helpers.length > 0;
      case SectionId.global:
      case SectionId.export:
        return true;
      default:
        return false;
    }
  }

  /** Reads what the rewrite depends on and checks the reserved names and memory limits. */
  private survey(): void {
    const bytes = this.bytes;
    const types = this.byId.get(SectionId.type);
    if (types) {
      for (const group of readTypeSection(bytes, types)) {
        for (const t of group.types) {
          this.paramCounts.push(t.composite.kind === 'func' ? t.composite.params.length : 0);
          this.typeResults.push(t.composite.kind === 'func' ? t.composite.results : null);
        }
      }
      this.typeCount = this.paramCounts.length;
    }
    const imp = this.byId.get(SectionId.import);
    this.imports = imp ? readImportSection(bytes, imp) : [];
    for (const i of this.imports) {
      if (i.module === HOOK_MODULE) {
        this.diagnostics.push(diag('instrument/reserved-name', `the module imports "${i.module}" "${i.name}", but import module "${HOOK_MODULE}" is reserved for the sandbox`, this.file, i.offset, 'rename the import module; wsbc adds its own imports from "wsbc"'));
      }
      if (i.desc.kind === 'func') this.importedFuncs++;
      else if (i.desc.kind === 'global') this.importedGlobals++;
      else if (i.desc.kind === 'memory') {
        this.memories.push(i.desc.memory);
        this.importedMemories++;
      } else if (i.desc.kind === 'table') this.table64.push(i.desc.table.table64);
    }
    const fn = this.byId.get(SectionId.function);
    this.funcTypes = fn ? readFunctionSection(bytes, fn) : [];
    this.definedFuncs = this.funcTypes.length;
    const tab = this.byId.get(SectionId.table);
    if (tab) for (const t of readTableSection(bytes, tab)) this.table64.push(t.type.table64);
    const mem = this.byId.get(SectionId.memory);
    // One at a time: a module may declare more memories than fit in one push() call's arguments.
    if (mem) for (const memory of readMemorySection(bytes, mem)) this.memories.push(memory);
    const glob = this.byId.get(SectionId.global);
    this.definedGlobals = glob ? readGlobalSection(bytes, glob).length : 0;
    const exp = this.byId.get(SectionId.export);
    const exports = exp ? readExportSection(bytes, exp) : [];
    for (const e of exports) {
      if (e.name.startsWith(RESERVED_EXPORT_PREFIX)) {
        this.diagnostics.push(diag('instrument/reserved-name', `the module exports "${e.name}", but export names starting with "${RESERVED_EXPORT_PREFIX}" are reserved for the sandbox`, this.file, e.offset, 'was this module instrumented already?'));
      }
    }
    // What plan() appends (the fuel hook import; the fuel, status and depth exports) must keep
    // the module within the JS API's limits, or the output is valid wasm no engine instantiates:
    // a module at 99,999 exports was built into an artifact V8 refused on every run.
    const { fuel, stackDepth } = this.settings;
    const counts: Array<[what: string, count: number, added: number, limit: number]> = [
      ['imports', this.imports.length, fuel ? 1 : 0, WASM_LIMITS.imports],
      ['exports', exports.length, (fuel ? 1 : 0) + 1 + (stackDepth !== null ? 1 : 0), WASM_LIMITS.exports],
    ];
    for (const [what, count, added, limit] of counts) {
      if (count + added > limit) {
        this.diagnostics.push(diag('instrument/unsupported-feature', `the module has ${count} ${what}, and the instrumented module would have ${count + added}, more than the ${limit} engines accept (the JS API's limit): no engine would run it`, this.file, (what === 'imports' ? imp : exp)?.start ?? 0));
      }
    }
    const guard = this.settings.guard;
    this.memories.forEach((m, i) => {
      if (m.limits.pageSizeLog2 !== undefined && m.limits.pageSizeLog2 !== 16) {
        this.diagnostics.push(diag('instrument/unsupported-feature', `memory ${i} uses a custom page size, which the memory guard cannot limit in 64 KiB pages`, this.file));
      }
      if (guard && m.limits.min > guard.maxPages) {
        this.diagnostics.push(diag('instrument/memory-exceeds-limit', `memory ${i} starts with ${m.limits.min} pages, above the policy's maximum of ${guard.maxPages}`, this.file, 0, 'raise limits.memory max in the policy, or build the module with a smaller initial memory'));
      }
    });
  }

  private addType(params: ValType[], results: ValType[]): number {
    this.newTypes.push({ params, results });
    return this.typeCount + this.newTypes.length - 1;
  }

  private addHelper(type: number, body: (out: ByteSink) => void): number {
    this.helpers.push({ type, body });
    return this.importedFuncs + this.funcShift + this.definedFuncs + this.helpers.length - 1;
  }

  /** Decides every appended index before anything is written. */
  private plan(): void {
    const { fuel, stackDepth, guard, costTable } = this.settings;
    const any64 = this.memories.some((m) => m.memory64) || this.table64.some((t) => t);
    const anyGrow = this.memories.length > 0 && (fuel || guard !== null);
    const tVoid = fuel ? this.addType([], []) : -1;
    const tI32 = fuel || (anyGrow && this.memories.some((m) => !m.memory64)) ? this.addType([I32], [I32]) : -1;
    // [i64] -> [i64] is both the hook's type and the 64-bit helpers' type.
    const tI64 = fuel || (anyGrow && this.memories.some((m) => m.memory64)) ? this.addType([I64], [I64]) : -1;
    this.hookType = fuel ? tI64 : -1;
    if (fuel) {
      this.hookFunc = this.importedFuncs;
      this.funcShift = 1;
    }
    const g0 = this.importedGlobals + this.definedGlobals;
    let g = g0;
    if (fuel) this.fuelGlobal = g++;
    this.statusGlobal = g++;
    if (stackDepth !== null) this.depthGlobal = g++;

    const fuelG = this.fuelGlobal;
    const statusG = this.statusGlobal;
    const trap = (out: ByteSink, status: number): void => {
      out.u8(0x41); // i32.const status
      out.s32(status);
      out.u8(0x24); // global.set $status
      out.u32(statusG);
      out.u8(0x00); // unreachable
    };
    if (fuel) {
      const hook = this.hookFunc;
      this.slowFunc = this.addHelper(tVoid, (out) => {
        out.u8(0x23); // global.get $fuel
        out.u32(fuelG);
        out.u8(0x10); // call $out_of_fuel
        out.u32(hook);
        out.u8(0x24); // global.set $fuel
        out.u32(fuelG);
        checkNegative(out, fuelG);
        out.u8(0x04); // if
        out.u8(0x40);
        trap(out, STATUS_FUEL_EXHAUSTED);
        out.u8(0x0b);
      });
      const slow = this.slowFunc;
      if (this.settings.cachedCounter) {
        // (param $counter i64) (result i64): hook, sync the global, trap if still negative.
        this.slowLocalFunc = this.addHelper(tI64, (out) => {
          // The deficit goes to the global before the hook runs: a hook that stops the guest by
          // throwing leaves it there, so a guest handler that catches the host's exception reloads
          // a negative counter and asks again, instead of the last (positive) write-back, which
          // would let it run another slice after every refusal.
          out.u8(0x20); // local.get 0
          out.u8(0);
          out.u8(0x24); // global.set $fuel
          out.u32(fuelG);
          out.u8(0x20); // local.get 0
          out.u8(0);
          out.u8(0x10); // call $out_of_fuel
          out.u32(hook);
          out.u8(0x22); // local.tee 0
          out.u8(0);
          out.u8(0x24); // global.set $fuel
          out.u32(fuelG);
          out.u8(0x20);
          out.u8(0);
          out.u8(0x42);
          out.u8(0);
          out.u8(0x53); // i64.lt_s
          out.u8(0x04);
          out.u8(0x40);
          trap(out, STATUS_FUEL_EXHAUSTED);
          out.u8(0x0b);
          out.u8(0x20);
          out.u8(0);
        });
      }
      const perUnit = costTable.perUnit;
      this.chargeI32Func = this.addHelper(tI32, (out) => {
        out.u8(0x23);
        out.u32(fuelG);
        out.u8(0x20); // local.get 0
        out.u8(0);
        out.u8(0xad); // i64.extend_i32_u
        chargeScaled(out, fuelG, perUnit, slow);
        out.u8(0x20);
        out.u8(0);
      });
      if (tI64 >= 0 && any64) {
        this.chargeI64Func = this.addHelper(tI64, (out) => {
          out.u8(0x23);
          out.u32(fuelG);
          clampedI64Param(out);
          chargeScaled(out, fuelG, perUnit, slow);
          out.u8(0x20);
          out.u8(0);
        });
      }
    }
    if (anyGrow) {
      this.memories.forEach((m, index) => {
        this.growFuncs.push(this.addHelper(m.memory64 ? tI64 : tI32, (out) => this.growBody(out, index, m.memory64, trap)));
      });
    }
    this.resultBlockTypes = this.landingBlockTypes();
  }

  /**
   * The block type `[] -> results` of each function type, for the landing wrapper of functions
   * whose try_table catches return straight to the caller (body-rewriter.ts). Several results
   * take a type index: the function's own type when it has no parameters, else a `[] -> results`
   * type appended here. That must happen before the type section is written, so the bodies of
   * such types are planned ahead, and the type is appended only when one of them needs the
   * wrapper: other modules keep their type section as it was (real modules seldom have any such
   * body, and then plan nothing twice). Empty when no landing would have work to do.
   */
  private landingBlockTypes(): Array<Uint8Array | null> {
    const { fuel, checkLoopsOnly, stackDepth } = this.settings;
    if (!((fuel && checkLoopsOnly) || stackDepth !== null)) return [];
    const encode = (write: (w: ByteWriter) => void): Uint8Array => {
      const w = new ByteWriter(8);
      write(w);
      return w.finish();
    };
    const types = this.typeResults.map((results, i): Uint8Array | null => {
      if (results === null) return null;
      if (results.length === 0) return Uint8Array.of(0x40);
      if (results.length === 1) return encode((w) => writeValType(w, results[0]!));
      return this.paramCounts[i] === 0 ? encode((w) => w.s33(i)) : null;
    });
    const pending = (t: number | undefined): boolean => t !== undefined && types[t] === null && this.typeResults[t] !== null;
    if (!this.funcTypes.some(pending)) return types;
    let bodies: Int32Array;
    try {
      bodies = this.bodyTable();
    } catch (e) {
      // The rewrite meets the same error where it would have without this look-ahead.
      if (isWasmError(e)) return types;
      throw e;
    }
    const planner = new Planner(this.bytes, this.context());
    const added = new Map<string, number>();
    for (let i = 0; i * BODY_FIELDS < bodies.length; i++) {
      const t = this.funcTypes[i];
      if (!pending(t)) continue;
      let leaves: boolean;
      try {
        leaves = planner.plan(bodies[i * BODY_FIELDS + 3]!, bodies[i * BODY_FIELDS + 4]!).catchLeaves;
      } catch (e) {
        if (isWasmError(e)) continue;
        throw e;
      }
      if (!leaves) continue;
      const results = this.typeResults[t!]!;
      const key = results.join(',');
      let index = added.get(key);
      if (index === undefined) {
        index = this.addType([], results);
        added.set(key, index);
      }
      types[t!] = encode((w) => w.s33(index));
    }
    return types;
  }

  /** The grow guard of one memory: refuse past the limits, charge pages, then grow. */
  private growBody(out: ByteSink, memory: number, is64: boolean, trap: (out: ByteSink, status: number) => void): void {
    const guard = this.settings.guard;
    const refuse = (): void => {
      out.u8(0x04); // if
      out.u8(0x40);
      if (guard!.trapOnGrowFailure) trap(out, STATUS_MEMORY_LIMIT);
      else {
        constant(out, is64, -1);
        out.u8(0x0f); // return
      }
      out.u8(0x0b);
    };
    if (guard) {
      // delta > maxGrowthPages (unsigned). A rate above the page limit refuses nothing more (such
      // a delta takes any memory past the limit) and must not wrap in the constant.
      out.u8(0x20);
      out.u8(0);
      constant(out, is64, Math.min(guard.maxGrowthPages, pageLimit(guard, is64)));
      out.u8(is64 ? 0x56 : 0x4b); // iN.gt_u
      refuse();
      // memory.size + delta > maxPages; no overflow: size <= maxPages and delta <= maxGrowthPages.
      out.u8(0x3f); // memory.size m
      out.u32(memory);
      out.u8(0x20);
      out.u8(0);
      out.u8(is64 ? 0x7c : 0x6a); // iN.add
      constant(out, is64, pageLimit(guard, is64));
      out.u8(is64 ? 0x56 : 0x4b);
      refuse();
    }
    if (this.settings.fuel) {
      out.u8(0x23);
      out.u32(this.fuelGlobal);
      if (is64) clampedI64Param(out);
      else {
        out.u8(0x20);
        out.u8(0);
        out.u8(0xad);
      }
      chargeScaled(out, this.fuelGlobal, this.settings.costTable.perPage, this.slowFunc);
    }
    out.u8(0x20);
    out.u8(0);
    out.u8(0x40); // memory.grow m
    out.u32(memory);
  }

  private context(): RewriteContext {
    const { fuel, stackDepth, guard, costTable } = this.settings;
    return {
      bytes: this.bytes,
      prices: compileCostTable(costTable),
      checkCost: costTable.check,
      perUnit: costTable.perUnit,
      fuel,
      stackGuard: stackDepth !== null,
      importedFuncs: this.importedFuncs,
      funcShift: this.funcShift,
      fuelGlobal: this.fuelGlobal,
      cachedCounter: this.settings.cachedCounter,
      branchHints: (fuel || stackDepth !== null) && this.settings.branchHints,
      checkLoopsOnly: this.settings.checkLoopsOnly,
      slowFunc: this.slowFunc,
      slowLocalFunc: this.slowLocalFunc,
      chargeI32Func: this.chargeI32Func,
      chargeI64Func: this.chargeI64Func,
      depthGlobal: this.depthGlobal,
      stackDepth: stackDepth ?? 0,
      statusGlobal: this.statusGlobal,
      originalFuncs: this.importedFuncs + this.definedFuncs,
      originalGlobals: this.importedGlobals + this.definedGlobals,
      growFuncs: this.growFuncs,
      memory64: this.memories.map((m) => m.memory64),
      table64: this.table64,
      guardGrow: this.memories.length > 0 && (fuel || guard !== null),
      // A typed array: the context is copied to every worker, and a plain array of 34,000
      // numbers (yosys) took 1.5-4 ms to post, element by element.
      funcTypes: Uint32Array.from(this.funcTypes),
      resultBlockTypes: this.resultBlockTypes,
    };
  }

  private remap(f: number): number {
    if (f >= this.importedFuncs + this.definedFuncs) throw new WasmError('wasm/index-out-of-range', `function index ${f} is out of bounds`, 0);
    return f < this.importedFuncs ? f : f + this.funcShift;
  }

  /** Writes one output section: the input section `s` rewritten, or a new one when s is null. */
  private section(out: ByteSink, id: number, s: SectionHeader | null): void {
    if (id === SectionId.custom) {
      this.customSection(out, s!);
      return;
    }
    const simpleCopy = (): void => out.copy(this.bytes, s!.start, s!.end);
    const framed = (write: () => void): void => {
      out.u8(id);
      const at = out.reserveU32();
      const start = out.len;
      write();
      out.patchU32(at, out.len - start);
    };
    const b = this.bytes;
    switch (id) {
      case SectionId.type:
        if (this.newTypes.length === 0) return simpleCopy();
        return framed(() => {
          const r = s ? new BinaryReader(b, s.payloadStart, s.end) : null;
          const n = r ? r.u32() : 0;
          out.u32(n + this.newTypes.length);
          if (r) out.copy(b, r.pos, s!.end);
          const valType = new ByteWriter(16);
          const put = (types: ValType[]): void => {
            out.u32(types.length);
            for (const v of types) {
              valType.length = 0;
              writeValType(valType, v);
              out.bytes(valType.view());
            }
          };
          for (const t of this.newTypes) {
            out.u8(0x60);
            put(t.params);
            put(t.results);
          }
        });
      case SectionId.import:
        return framed(() => {
          out.u32(this.imports.length + (this.hookFunc >= 0 ? 1 : 0));
          this.imports.forEach((imp, i) => {
            const next = i + 1 < this.imports.length ? this.imports[i + 1]!.offset : s!.end;
            if (imp.desc.kind === 'memory' && this.settings.guard) {
              out.name(imp.module);
              out.name(imp.name);
              out.u8(0x02);
              this.writeMemoryType(out, imp.desc.memory);
            } else out.copy(b, imp.offset, next);
          });
          if (this.hookFunc >= 0) {
            out.name(HOOK_MODULE);
            out.name(OUT_OF_FUEL_HOOK);
            out.u8(0x00);
            out.u32(this.hookType);
          }
        });
      case SectionId.function:
        if (this.helpers.length === 0) return simpleCopy();
        return framed(() => {
          const r = s ? new BinaryReader(b, s.payloadStart, s.end) : null;
          const n = r ? r.u32() : 0;
          out.u32(n + this.helpers.length);
          if (r) out.copy(b, r.pos, s!.end);
          for (const h of this.helpers) out.u32(h.type);
        });
      case SectionId.memory:
        if (!this.settings.guard) return simpleCopy();
        return framed(() => {
          const mems = readMemorySection(b, s!);
          out.u32(mems.length);
          for (const m of mems) this.writeMemoryType(out, m);
        });
      case SectionId.global:
        return framed(() => {
          const globals = s ? readGlobalSection(b, s) : [];
          const added = (this.fuelGlobal >= 0 ? 1 : 0) + 1 + (this.depthGlobal >= 0 ? 1 : 0);
          out.u32(globals.length + added);
          for (const g of globals) {
            out.copy(b, g.offset, g.init.start);
            this.constExpr(out, g.init.start, g.init.end);
          }
          if (this.fuelGlobal >= 0) {
            out.u8(I64);
            out.u8(1);
            out.u8(0x42);
            out.u8(0);
            out.u8(0x0b);
          }
          for (let i = this.depthGlobal >= 0 ? 2 : 1; i > 0; i--) {
            out.u8(I32);
            out.u8(1);
            out.u8(0x41);
            out.u8(0);
            out.u8(0x0b);
          }
        });
      case SectionId.export:
        return framed(() => {
          const exports = s ? readExportSection(b, s) : [];
          const added: Array<[string, number]> = [];
          if (this.fuelGlobal >= 0) added.push([FUEL_EXPORT, this.fuelGlobal]);
          added.push([STATUS_EXPORT, this.statusGlobal]);
          if (this.depthGlobal >= 0) added.push([DEPTH_EXPORT, this.depthGlobal]);
          out.u32(exports.length + added.length);
          for (const e of exports) {
            out.name(e.name);
            const kind = ['func', 'table', 'memory', 'global', 'tag'].indexOf(e.kind);
            out.u8(kind);
            out.u32(e.kind === 'func' ? this.remap(e.index) : e.index);
          }
          for (const [name, index] of added) {
            out.name(name);
            out.u8(0x03);
            out.u32(index);
          }
        });
      case SectionId.start:
        if (this.funcShift === 0) return simpleCopy();
        return framed(() => out.u32(this.remap(readStartSection(b, s!))));
      case SectionId.element:
        if (this.funcShift === 0) return simpleCopy();
        return framed(() => this.elementSection(out, s!));
      case SectionId.code: {
        const at = out.len;
        framed(() => this.codeSection(out, s));
        // The hints' offsets are known once the bodies are written: the section goes in before them.
        const hints = this.branchHintSection();
        if (hints) out.insert(at, hints);
        return;
      }
      default:
        return simpleCopy();
    }
  }

  private writeMemoryType(out: ByteSink, m: MemoryType): void {
    const guard = this.settings.guard!;
    const limit = pageLimit(guard, m.memory64);
    const max = m.limits.max === undefined ? limit : Math.min(m.limits.max, limit);
    out.u8(m.limits.flags | 0x01);
    if (m.memory64) {
      out.u64(m.limits.min);
      out.u64(max);
    } else {
      out.u32(m.limits.min);
      out.u32(max);
    }
    if (m.limits.pageSizeLog2 !== undefined) out.u32(m.limits.pageSizeLog2);
  }

  /** Copies a constant expression, renumbering ref.func. */
  private constExpr(out: ByteSink, start: number, end: number): void {
    const r = new OperatorReader(this.bytes, start, end);
    let from = start;
    while (r.next()) {
      if (r.op.prefix === 0 && r.op.code === 0xd2) {
        out.copy(this.bytes, from, r.immStart);
        out.u32(this.remap(r.a));
        from = r.pos;
      }
    }
    out.copy(this.bytes, from, end);
  }

  private elementSection(out: ByteSink, s: SectionHeader): void {
    const b = this.bytes;
    const segments = readElementSection(b, s);
    out.u32(segments.length);
    for (const seg of segments) {
      // Everything before the item vector is copied as written; find where the vector starts.
      const r = new BinaryReader(b, seg.offset, s.end);
      r.u32();
      if (seg.mode === 'active' && seg.flags & 2) r.u32();
      if (seg.offsetExpr) r.pos = seg.offsetExpr.end;
      if (seg.flags & 3) {
        if (seg.flags & 4) readValType(r);
        else r.u8();
      }
      out.copy(b, seg.offset, r.pos);
      if (seg.items.kind === 'functions') {
        out.u32(seg.items.indices.length);
        for (const f of seg.items.indices) out.u32(this.remap(f));
      } else {
        out.u32(seg.items.exprs.length);
        for (const e of seg.items.exprs) this.constExpr(out, e.start, e.end);
      }
    }
  }

  private codeSection(out: ByteSink, s: SectionHeader | null): void {
    out.u32(this.definedFuncs + this.helpers.length);
    if (s) {
      const bodies = this.bodyTable();
      const ctx = this.context();
      if (this.sharing) {
        this.takeStats(this.sharing(out, ctx, bodies));
      } else {
        const rewriter = new BodyRewriter(ctx);
        const stats = rewriteBodies(out, rewriter, bodies, 0, bodies.length / BODY_FIELDS);
        this.takeStats({ ...stats, hints: [rewriter.hintBytes()], hintedFunctions: rewriter.hintedFunctions });
      }
    }
    const scratch = new ByteSink(256);
    for (const h of this.helpers) {
      scratch.len = 0;
      scratch.u8(0); // no locals
      h.body(scratch);
      scratch.u8(0x0b);
      out.u32(scratch.len);
      out.copy(scratch.buf, 0, scratch.len);
    }
  }

  /** Takes the stats and branch-hint entries of the rewritten bodies. */
  private takeStats(w: WrittenBodies): void {
    this.charges += w.charges;
    if (w.maxOverrun > this.maxOverrun) this.maxOverrun = w.maxOverrun;
    this.hints = w.hints;
    this.hintedFunctions = w.hintedFunctions;
  }

  /**
   * The branch-hint section (see InstrumentOptions.branchHints), null without hints. The format
   * puts it right before the code section.
   */
  private branchHintSection(): Uint8Array | null {
    if (this.hintedFunctions === 0) return null;
    const section = new ByteSink(1024);
    section.u8(SectionId.custom);
    const at = section.reserveU32();
    const start = section.len;
    section.name(BRANCH_HINT_SECTION);
    section.u32(this.hintedFunctions);
    for (const part of this.hints) section.bytes(part);
    section.patchU32(at, section.len - start);
    return section.buf.subarray(0, section.len);
  }

  private customSection(out: ByteSink, s: SectionHeader): void {
    if (s.name === RECORD_SECTION) return; // replaced by this run's record
    if (s.name?.startsWith('metadata.code.')) return; // per-instruction hints; offsets no longer hold
    if (s.name !== 'name' || this.funcShift === 0) {
      out.copy(this.bytes, s.start, s.end);
      return;
    }
    let names;
    try {
      names = readNameSection(this.bytes, s.contentStart!, s.end);
    } catch (e) {
      if (isWasmError(e)) return; // a malformed name section is dropped rather than mis-numbered
      throw e;
    }
    out.u8(0);
    const at = out.reserveU32();
    const start = out.len;
    out.name('name');
    const sub = (id: number, write: () => void): void => {
      out.u8(id);
      const sat = out.reserveU32();
      const sstart = out.len;
      write();
      out.patchU32(sat, out.len - sstart);
    };
    const nameMap = (map: Map<number, string>, remap: boolean): void => {
      out.u32(map.size);
      for (const [i, n] of map) {
        out.u32(remap ? this.remap(i) : i);
        out.name(n);
      }
    };
    const indirect = (map: Map<number, Map<number, string>>, remap: boolean): void => {
      out.u32(map.size);
      for (const [i, m] of map) {
        out.u32(remap ? this.remap(i) : i);
        nameMap(m, false);
      }
    };
    if (names.module !== undefined) sub(0, () => out.name(names.module!));
    if (names.functions.size > 0) sub(1, () => nameMap(names.functions, true));
    if (names.locals.size > 0) sub(2, () => indirect(names.locals, true));
    for (const [id, map] of [...names.other.entries()].sort((x, y) => x[0] - y[0])) {
      sub(id, () => {
        const first = map.values().next().value;
        if (first instanceof Map) indirect(map as Map<number, Map<number, string>>, id === 3);
        else nameMap(map as Map<number, string>, false);
      });
    }
    out.patchU32(at, out.len - start);
  }

  private record(): InstrumentationRecord {
    return {
      abi: ABI_VERSION,
      fuel: this.settings.fuel,
      memory: this.settings.guard ? { ...this.settings.guard } : null,
      stackDepth: this.settings.stackDepth,
      checkCost: this.settings.costTable.check,
      checks: this.settings.checkLoopsOnly ? 'loop' : 'block',
      maxOverrun: this.maxOverrun,
    };
  }

  private writeRecord(out: ByteSink, record: InstrumentationRecord): void {
    out.u8(0);
    const at = out.reserveU32();
    const start = out.len;
    out.name(RECORD_SECTION);
    out.bytes(new TextEncoder().encode(JSON.stringify(record)));
    out.patchU32(at, out.len - start);
  }
}


/**
 * The value of the u32 LEB of 1 to 4 bytes at `p` (quickLebEnd: where it ends), or -1 when it is
 * longer or reaches `end` (the caller then reads the checked way).
 */
function quickLeb(b: Uint8Array, p: number, end: number): number {
  let value = 0;
  for (let shift = 0; shift < 28 && p < end; shift += 7) {
    const byte = b[p++]!;
    value |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      quickLebEnd = p;
      return value;
    }
  }
  return -1;
}
let quickLebEnd = 0;

/**
 * A 32-bit memory cannot declare more than 65536 pages (4 GiB), nor a 64-bit one more than 2^48
 * (2^64 bytes), whatever the policy allows.
 */
function pageLimit(guard: MemoryGuard, is64: boolean): number {
  return Math.min(guard.maxPages, is64 ? 2 ** 48 : 65536);
}

/** Pushes an iN constant. */
function constant(out: ByteSink, is64: boolean, value: number): void {
  if (is64) {
    out.u8(0x42);
    out.s64(value);
  } else {
    out.u8(0x41);
    out.s32(value);
  }
}

/** global.get $fuel; i64.const 0; i64.lt_s */
function checkNegative(out: ByteSink, fuelG: number): void {
  out.u8(0x23);
  out.u32(fuelG);
  out.u8(0x42);
  out.u8(0);
  out.u8(0x53);
}

/**
 * Expects [fuel, units(i64)] on the stack: fuel -= units * price; calls the slow path when the
 * counter went negative.
 */
function chargeScaled(out: ByteSink, fuelG: number, price: number, slow: number): void {
  out.u8(0x42);
  out.s64(price);
  out.u8(0x7e); // i64.mul
  out.u8(0x7d); // i64.sub
  out.u8(0x24);
  out.u32(fuelG);
  checkNegative(out, fuelG);
  out.u8(0x04);
  out.u8(0x40);
  out.u8(0x10);
  out.u32(slow);
  out.u8(0x0b);
}

/**
 * Pushes min(param0, 2^40) as i64: a 64-bit length above 2^40 cannot succeed on any engine (it
 * exceeds every memory), and clamping keeps units * price (price <= 10^6 < 2^20) below 2^63.
 */
function clampedI64Param(out: ByteSink): void {
  const cap = 2 ** 40;
  out.u8(0x42); // select's first operand, chosen when the condition is nonzero
  out.s64(cap);
  out.u8(0x20);
  out.u8(0);
  out.u8(0x20);
  out.u8(0);
  out.u8(0x42);
  out.s64(cap);
  out.u8(0x56); // i64.gt_u
  out.u8(0x1b); // select: param > cap ? cap : param
}
