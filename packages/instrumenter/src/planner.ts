// Pass 1 of the body rewrite: finds the metered blocks of one function body, their costs, and
// the instructions pass 2 must touch (see body-rewriter.ts for the metering algorithm the plan
// implements). Built for speed on 10 MB code sections: runs of instructions that matter only for
// their price go through skipRun (instruction-scanner.ts), which sums them in a local; the plan
// loop decodes the short forms of the most frequent control instructions itself (end, block,
// loop, if, br, br_if, call, return, unreachable) and InstructionScanner everything else, so only
// control flow, calls, sized operands and function/global references reach the (method-based)
// state machine. Frames live in one typed-array stack and charges in typed arrays, all reused
// across bodies, as is the returned Plan: nothing is allocated per instruction or per body.
import { ImmLayout, OPCODES, WasmError, opByName, type OpInfo } from '@wsbc/wasm';
import { InstructionScanner, runTable, skipRun } from './instruction-scanner.js';

/** Numeric control-flow classes, precomputed per opcode id for the hot loop. */
export const enum Flow {
  Plain,
  Block,
  Loop,
  If,
  Else,
  Try,
  TryTable,
  Catch,
  Delegate,
  End,
  Br,
  BrIf,
  BrTable,
  Exit,
  Call,
}

const FLOW_BY_NAME: Record<OpInfo['flow'], Flow> = {
  plain: Flow.Plain,
  block: Flow.Block,
  loop: Flow.Loop,
  if: Flow.If,
  else: Flow.Else,
  try: Flow.Try,
  try_table: Flow.TryTable,
  catch: Flow.Catch,
  catch_all: Flow.Catch,
  delegate: Flow.Delegate,
  end: Flow.End,
  br: Flow.Br,
  br_if: Flow.BrIf,
  br_table: Flow.BrTable,
  return: Flow.Exit,
  call: Flow.Call,
  return_call: Flow.Exit,
  throw: Flow.Exit,
  unreachable: Flow.Exit,
};

// Dense by OpInfo.id: the hot loops index an array instead of hashing a string per instruction.
export const FLOW_BY_ID = new Uint8Array(OPCODES.length);
for (const op of OPCODES) FLOW_BY_ID[op.id] = FLOW_BY_NAME[op.flow];

// Whether an opcode's only immediate is a function index (call, return_call, ref.func) or a global
// index (global.get/set): both are checked against the original counts and the former renumbered.
export const FUNC_IMM_BY_ID = new Uint8Array(OPCODES.length);
const GLOBAL_IMM_BY_ID = new Uint8Array(OPCODES.length);
for (const op of OPCODES) {
  if (op.imms.length === 1 && op.imms[0] === 'func') FUNC_IMM_BY_ID[op.id] = 1;
  if (op.imms.length === 1 && op.imms[0] === 'global') GLOBAL_IMM_BY_ID[op.id] = 1;
}

// Whether the planner has anything to do for an opcode beyond adding its price (and, for
// global.get/set, checking the index: skipRun does that for the short forms).
const NOTABLE_BY_ID = new Uint8Array(OPCODES.length);
for (const op of OPCODES) {
  if (FLOW_BY_ID[op.id] !== Flow.Plain || FUNC_IMM_BY_ID[op.id] === 1 || GLOBAL_IMM_BY_ID[op.id] === 1 || op.sizedOperand) NOTABLE_BY_ID[op.id] = 1;
}
// Whether notable() must check an index or price a sized operand before the control flow.
const IMM_CHECK_BY_ID = new Uint8Array(OPCODES.length);
for (const op of OPCODES) {
  if (FUNC_IMM_BY_ID[op.id] === 1 || GLOBAL_IMM_BY_ID[op.id] === 1 || op.sizedOperand) IMM_CHECK_BY_ID[op.id] = 1;
}
const RUNNABLE_BY_ID = new Uint8Array(OPCODES.length);
for (const op of OPCODES) {
  if (NOTABLE_BY_ID[op.id] === 0 || (op.prefix === 0 && (op.code === 0x23 || op.code === 0x24))) RUNNABLE_BY_ID[op.id] = 1;
}

/** How each sized instruction's length operand is typed and charged. */
export const enum Sized {
  None,
  /** Length operand on top of the stack, i32. */
  LenI32,
  /** Length operand on top of the stack, i64 (memory64/table64 forms). */
  LenI64,
  /** memory.grow: replaced by the grow helper of its memory. */
  Grow,
  /** array.new_fixed: the count is an immediate, charged statically. */
  Static,
}

/** What both passes need to know about the module. */
export interface PlanContext {
  /** Dense prices by OpInfo.id. */
  prices: Uint32Array;
  checkCost: number;
  perUnit: number;
  fuel: boolean;
  stackGuard: boolean;
  /** Added to every original defined-function index (1 when the fuel hook import is added). */
  funcShift: number;
  /** Number of imported functions in the original module (indices below are unchanged). */
  importedFuncs: number;
  /** Test the counter only at function entries and loop headers (other blocks just subtract). */
  checkLoopsOnly: boolean;
  /** Function and global counts of the original module: references at or past them are refused. */
  originalFuncs: number;
  originalGlobals: number;
  /** Whether each memory / table uses 64-bit indices. */
  memory64: boolean[];
  table64: boolean[];
  /** Whether memory.grow goes through a helper at all (fuel or growth limits). */
  guardGrow: boolean;
}

/**
 * The sized kind of `op`. `a` and `b` are its first two immediates as OperatorReader decodes
 * them: only prefixed opcodes read them, and the scanner always decodes those with the general
 * reader.
 */
export function sizedKind(op: OpInfo, a: number, b: number, ctx: PlanContext): Sized {
  if (!op.sizedOperand) return Sized.None;
  switch (op.name) {
    case 'memory.grow':
      return Sized.Grow;
    case 'memory.fill':
      return ctx.memory64[a] ? Sized.LenI64 : Sized.LenI32;
    case 'memory.copy':
      return ctx.memory64[a] && ctx.memory64[b] ? Sized.LenI64 : Sized.LenI32;
    case 'table.fill':
    case 'table.grow':
      return ctx.table64[a] ? Sized.LenI64 : Sized.LenI32;
    case 'table.copy':
      return ctx.table64[a] && ctx.table64[b] ? Sized.LenI64 : Sized.LenI32;
    case 'array.new_fixed':
      return Sized.Static;
    default:
      // memory.init, table.init and the GC array operations take an i32 count on top of the stack.
      return Sized.LenI32;
  }
}

/**
 * The plan of one body. The object and its typed arrays belong to the Planner and are overwritten
 * by its next plan() call; `charges`, `specials` and `restores` say how much of each is this
 * body's.
 */
export interface Plan {
  /** Charges, in offset order: where (input offset), how much, and whether the charge tests the counter. */
  charges: number;
  chargeAt: Int32Array;
  chargeCost: Float64Array;
  chargeChecked: Uint8Array;
  /**
   * Instructions pass 2 must decode again (calls, sized operands, function references and, for
   * the cached counter, exits from the function), in offset order, and whether each leaves the
   * function (return, throw, branch to the function's label, final end).
   */
  specials: number;
  specialAt: Int32Array;
  specialLeaves: Uint8Array;
  /** Each special instruction's OpInfo.id, end offset and first two immediates (2 per special). */
  specialId: Uint16Array;
  specialEnd: Int32Array;
  specialImm: Float64Array;
  /** Offsets (sorted) where a handler or catch target starts: saved state is restored there. */
  restores: number;
  restoreAt: Int32Array;
  /** Largest sum of untested charges between two tests (checkLoopsOnly), the overrun bound. */
  unchecked: number;
  hasHandlers: boolean;
  /**
   * A try_table catch clause targets a label: its handler code starts where normal paths also
   * arrive (a block's end, a loop's start), so state restored there would be restored on those
   * paths too.
   */
  catchJoins: boolean;
  /**
   * A try_table catch clause names the function's own label: an exception it catches returns to
   * the caller with no code on the way. Each such try_table is a special (its OpInfo.id, with the
   * offset of its first catch clause and the label that names the function as immediates), so
   * pass 2 can send those clauses to a landing block instead (see body-rewriter.ts).
   */
  catchLeaves: boolean;
  /** Sum of the lengths of those try_tables: retargeting a clause adds at most one byte to its label. */
  retargetBytes: number;
  hasLoops: boolean;
  calls: number;
}

/**
 * Most fuel that untested charges may take between two tests with checkLoopsOnly. Charges past
 * it test the counter, so a run goes at most this far past its budget before it stops.
 */
export const MAX_UNTESTED_FUEL = 1000;
/** No path reaches this point. */
const NONE = -1;

const END_OP = opByName('end')!;
const BLOCK_OP = opByName('block')!;
const CALL_OP = opByName('call')!;
const RETURN_OP = opByName('return')!;
const UNREACHABLE_OP = opByName('unreachable')!;
const RETURN_CALL_OP = opByName('return_call')!;
/** Tail calls whose callee is not known statically (it may be an imported function). */
const TAIL_CALL_BY_ID = new Uint8Array(OPCODES.length);
for (const n of ['return_call_indirect', 'return_call_ref']) TAIL_CALL_BY_ID[opByName(n)!.id] = 1;

/**
 * OpInfo.id of the control opcodes the plan loop decodes itself in their short forms (br, br_if,
 * call, return_call with a label or function index of 1-3 or 5 LEB bytes; block, loop, if with a
 * one-byte block type), 0 for other bytes.
 */
const SHORT_CONTROL_ID = new Uint16Array(256);
for (const name of ['br', 'br_if', 'call', 'return_call', 'block', 'loop', 'if']) {
  const op = opByName(name)!;
  SHORT_CONTROL_ID[op.code] = op.id;
}

const KIND_FUNC = 0;
const KIND_BLOCK = 1;
const KIND_LOOP = 2;
const KIND_IF = 3;
const KIND_TRY = 4;

// Per-frame flags.
const TARGETED = 1;
const CATCH_TARGET = 2;
const LIVE_AT_ENTRY = 4;
/** A path that owes a test (see Planner.pending) enters the frame's else arm (checkLoopsOnly). */
const PENDING_AT_ENTRY = 8;
/** ... or reaches its end: the next charge on such a path tests the counter. */
const PENDING_AT_END = 16;

// Fields of a frame in Planner.frames.
const FRAME = 8;
const F_KIND = 0;
const F_FLAGS = 1;
/** Where the frame's instructions start (a loop's branch target). */
const F_BODY_START = 2;
/** The charge slot running when the frame was entered (folding resumes it after the frame). */
const F_ENTRY_SLOT = 3;
/**
 * The outermost frame index that a branch or exit inside the frame reaches: the frame's end
 * always follows its entry (bar traps and exceptions) when this is not below its own index.
 */
const F_MIN_TARGET = 4;
/**
 * checkLoopsOnly: the most fuel charged without a test on any path from the last test to the
 * frame's entry (its else arm) and to its end (NONE: no path). At most MAX_UNTESTED_FUEL, so
 * they fit the Int32Array.
 */
const F_ENTRY_ACC = 5;
const F_END_ACC = 6;

type GrowableArray = Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer> | Uint16Array<ArrayBuffer> | Float64Array<ArrayBuffer>;

/** A copy of `a` with room for at least `min` elements (twice its length, or more). */
function grown<T extends GrowableArray>(a: T, min: number): T {
  const b = new (a.constructor as new (length: number) => T)(Math.max(min, a.length * 2));
  // Every member's set() takes an ArrayLike<number>; the union's signature does not say so.
  (b as { set(source: ArrayLike<number>): void }).set(a);
  return b;
}

/** Plans bodies of one module, one after another; reuses its buffers across bodies. */
export class Planner {
  private readonly scanner: InstructionScanner;
  /** Prices and immediate forms of the opcode bytes skipRun may skip (see runTable). */
  private readonly runPrice: Int32Array;
  private readonly runCost = new Float64Array(1);

  // Charges (slots until compacted at the end of plan()).
  private chargeAt = new Int32Array(1024);
  private chargeCost = new Float64Array(1024);
  private chargeChecked = new Uint8Array(1024);
  /**
   * Slots kept even when empty: the test at a function exit (checkLoopsOnly), and function entries
   * and loop headers, so that every call and every iteration pays at least the check's price even
   * when a cost table makes the instructions of a loop or a (tail-)recursive function free.
   */
  private chargeKept = new Uint8Array(1024);
  /**
   * Slots in which a direct call of a defined function ran: the callee's entry test covered the
   * slot's charge (made at the slot's start) and everything charged before it, and the callee's
   * exit test what the callee charged, so none of it counts as untested after the call.
   */
  private chargeCovered = new Uint8Array(1024);
  private specialAt = new Int32Array(1024);
  private specialLeaves = new Uint8Array(1024);
  private specialId = new Uint16Array(1024);
  private specialEnd = new Int32Array(1024);
  private specialImm = new Float64Array(2048);
  private restoreAt = new Int32Array(64);
  /** What plan() returns (see Plan). */
  private readonly result: Plan = {
    charges: 0,
    chargeAt: this.chargeAt,
    chargeCost: this.chargeCost,
    chargeChecked: this.chargeChecked,
    specials: 0,
    specialAt: this.specialAt,
    specialLeaves: this.specialLeaves,
    specialId: this.specialId,
    specialEnd: this.specialEnd,
    specialImm: this.specialImm,
    restores: 0,
    restoreAt: this.restoreAt,
    unchecked: 0,
    hasHandlers: false,
    catchJoins: false,
    catchLeaves: false,
    retargetBytes: 0,
    hasLoops: false,
    calls: 0,
  };

  // The frame stack, FRAME slots per frame (field offsets F_*); frame 0 is the function's, `top`
  // the innermost (-1: none open). One Int32Array: a frame's fields share one bounds check.
  private frames = new Int32Array(64 * FRAME);
  private top = -1;

  // The state of the walk (see plan()).
  private slots = 0;
  private specials = 0;
  private restores = 0;
  /** The slot being charged (-1 in dead code) and the cost not yet added to it. */
  private cur = -1;
  private segCost = 0;
  private live = true;
  /**
   * The next charge on the current path owes a test (checkLoopsOnly): a tested slot ended empty
   * and was dropped with its test, or an exception landed here from callees that may have run over.
   */
  private pending = false;
  /** Untested fuel charged on paths to the current slot's start (0 once the slot tests). */
  private base = 0;
  private worst = 0;
  private hasHandlers = false;
  private catchJoins = false;
  private catchLeaves = false;
  private retargetBytes = 0;
  private hasLoops = false;
  private calls = 0;
  /** Set by mark() when a branch targets the function frame (it returns). */
  private branchLeaves = false;
  private track = false;
  /** Where the function's final `end` ended (-1 before it). */
  private endedAt = -1;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly ctx: PlanContext,
  ) {
    this.scanner = new InstructionScanner(bytes, 0, 0);
    this.runPrice = runTable(ctx.prices, (id) => RUNNABLE_BY_ID[id] === 1, ctx.originalGlobals);
  }

  /** Plans the instructions in [codeStart, end). Throws WasmError on malformed or unbalanced code. */
  plan(codeStart: number, end: number): Plan {
    const ctx = this.ctx;
    const s = this.scanner.reset(codeStart, end);
    const prices = ctx.prices;
    this.slots = 0;
    this.specials = 0;
    this.restores = 0;
    this.cur = -1;
    this.segCost = 0;
    this.live = true;
    this.pending = false;
    this.base = 0;
    this.worst = 0;
    this.hasHandlers = false;
    this.catchJoins = false;
    this.catchLeaves = false;
    this.retargetBytes = 0;
    this.hasLoops = false;
    this.calls = 0;
    this.track = ctx.checkLoopsOnly && ctx.fuel;
    this.top = -1;
    this.endedAt = -1;
    this.push(KIND_FUNC, codeStart, NONE);
    this.frames[F_ENTRY_SLOT] = 0;
    // Function entry: always tests the counter.
    this.openSlot(codeStart, true, 0);
    this.chargeKept[this.cur] = 1;

    const bytes = this.bytes;
    const runPrice = this.runPrice;
    const runCost = this.runCost;
    const globalLimit = ctx.originalGlobals;
    const endPrice = prices[END_OP.id]!;
    const blockPrice = prices[BLOCK_OP.id]!;
    let pos = codeStart;
    for (;;) {
      // Runs of instructions that matter only for their price (most of them) go through skipRun;
      // the scanner decodes the rest, one at a time.
      pos = skipRun(bytes, pos, end, runPrice, runCost, globalLimit);
      this.segCost += runCost[0]!;
      if (pos >= end) break;
      // The most frequent control instructions in their short forms skip the scanner and the
      // generic prologue of notable().
      const byte = bytes[pos]!;
      if (byte === 0x0b) {
        this.segCost += endPrice;
        this.end(pos, pos + 1, END_OP);
        pos++;
        continue;
      }
      if (byte === 0x00 || byte === 0x0f) {
        // unreachable, return: no immediates (neither pass reads a or b for them).
        const id = byte === 0x00 ? UNREACHABLE_OP.id : RETURN_OP.id;
        this.segCost += prices[id]!;
        this.exit(id, pos, pos + 1, 0, 0);
        pos++;
        continue;
      }
      if (byte === 0x02 && pos + 1 < end) {
        const t = bytes[pos + 1]!;
        if (t === 0x40 || (t >= 0x7b && t <= 0x7f)) {
          this.segCost += blockPrice;
          this.push(KIND_BLOCK, pos + 2, NONE);
          pos += 2;
          continue;
        }
      }
      const control = SHORT_CONTROL_ID[byte]!;
      if (control !== 0 && pos + 1 < end) {
        const b1 = bytes[pos + 1]!;
        let after = -1;
        let a = 0;
        if (byte >= 0x02 && byte <= 0x04) {
          // block, loop, if with the empty block type or a value type.
          if (b1 === 0x40 || (b1 >= 0x7b && b1 <= 0x7f)) {
            after = pos + 2;
            a = b1;
          }
        } else if (b1 < 0x80) {
          // A label or function index of one to three LEB bytes (or five, below).
          after = pos + 2;
          a = b1;
        } else if (pos + 4 < end && bytes[pos + 2]! < 0x80) {
          after = pos + 3;
          a = (b1 & 0x7f) | (bytes[pos + 2]! << 7);
        } else if (pos + 4 < end && bytes[pos + 3]! < 0x80) {
          after = pos + 4;
          a = (b1 & 0x7f) | ((bytes[pos + 2]! & 0x7f) << 7) | (bytes[pos + 3]! << 14);
        } else if (pos + 6 < end && bytes[pos + 4]! >= 0x80 && bytes[pos + 5]! < 0x10) {
          // Five bytes: function indices padded for relocation (LLVM's output keeps them).
          after = pos + 6;
          a = (b1 & 0x7f) + (bytes[pos + 2]! & 0x7f) * 0x80 + (bytes[pos + 3]! & 0x7f) * 0x4000 + (bytes[pos + 4]! & 0x7f) * 0x200000 + bytes[pos + 5]! * 0x10000000;
        }
        if (after > 0) {
          this.segCost += prices[control]!;
          // The most frequent skip notable()'s generic prologue and dispatch.
          if (byte === 0x0d) this.brIf(control, pos, after, a);
          else if (byte === 0x10) this.call(control, pos, after, a);
          else if (byte === 0x0c) this.br(control, pos, after, a, 0);
          else if (byte === 0x04) this.ifOp(after);
          else this.notable(s, control, pos, after, a, 0);
          pos = after;
          continue;
        }
      }
      s.pos = pos;
      s.next();
      const id = s.id;
      this.segCost += prices[id]!;
      if (NOTABLE_BY_ID[id] === 1) this.notable(s, id, s.offset, s.pos, s.a, s.b);
      pos = s.pos;
    }
    // Unbalanced code is refused here rather than rewritten into a broken module (validation off).
    if (this.top >= 0) throw new WasmError('wasm/unexpected-end', 'the function body ends before its final end', end);
    if (this.endedAt !== end) throw new WasmError('wasm/bad-block-structure', 'instructions after the end of the function body', this.endedAt);
    this.commit();
    // Drop empty slots (blocks of only `end`/`else`, or dead code) and add the test's price.
    const chargeAt = this.chargeAt;
    const chargeCost = this.chargeCost;
    const chargeChecked = this.chargeChecked;
    const chargeKept = this.chargeKept;
    let charges = 0;
    for (let i = 0; i < this.slots; i++) {
      if (chargeCost[i] === 0 && chargeKept[i] === 0) continue;
      chargeAt[charges] = chargeAt[i]!;
      chargeCost[charges] = chargeCost[i]! + ctx.checkCost;
      chargeChecked[charges] = chargeChecked[i]!;
      charges++;
    }
    const restoreAt = this.restoreAt;
    if (this.restores > 1) restoreAt.subarray(0, this.restores).sort();
    // One Plan object per Planner, updated in place: a new one per body was 19 fields of garbage
    // for each of yosys.core.wasm's 34,000 bodies.
    const r = this.result;
    r.charges = charges;
    r.chargeAt = chargeAt;
    r.chargeCost = chargeCost;
    r.chargeChecked = chargeChecked;
    r.specials = this.specials;
    r.specialAt = this.specialAt;
    r.specialLeaves = this.specialLeaves;
    r.specialId = this.specialId;
    r.specialEnd = this.specialEnd;
    r.specialImm = this.specialImm;
    r.restores = this.restores;
    r.restoreAt = restoreAt;
    r.unchecked = this.worst;
    r.hasHandlers = this.hasHandlers;
    r.catchJoins = this.catchJoins;
    r.catchLeaves = this.catchLeaves;
    r.retargetBytes = this.retargetBytes;
    r.hasLoops = this.hasLoops;
    r.calls = this.calls;
    return r;
  }

  /**
   * Everything an instruction does to the plan beyond its price (already added to segCost): it
   * spans [at, after) and `a`, `b` are its first index immediates. `s` holds it when the scanner
   * decoded it (always so for br_table, try_table and prefixed opcodes).
   */
  private notable(s: InstructionScanner, id: number, at: number, after: number, a: number, b: number): void {
    const ctx = this.ctx;
    const op = OPCODES[id]!;
    if (IMM_CHECK_BY_ID[id] === 1) this.checkImmediates(op, id, at, after, a, b);
    switch (FLOW_BY_ID[id] as Flow) {
      case Flow.Plain:
        break;
      case Flow.Call:
        this.calls++;
        if (ctx.stackGuard) this.segCost += ctx.checkCost;
        this.addSpecial(at, true, id, after, a, b);
        if (id === CALL_OP.id) this.called(a);
        break;
      case Flow.Block:
        this.push(KIND_BLOCK, after, NONE);
        break;
      case Flow.TryTable: {
        // INVARIANT: the scanner decodes try_table with the general reader (its catch clauses).
        const r = s.general;
        let p = r.c;
        // The catch labels count from outside the try_table: `top` names the function.
        let leaves = false;
        for (let i = 0; i < r.b; i++) {
          const kind = this.bytes[p++]!;
          if (kind < 2) p = skipU32(this.bytes, p);
          const label = readU32At(this.bytes, p);
          p = skipU32(this.bytes, p);
          if (label === this.top) leaves = true;
          this.mark(label, true, NONE);
        }
        if (leaves) {
          this.catchLeaves = true;
          this.retargetBytes += after - at;
          this.addSpecial(at, false, id, after, r.c, this.top);
        }
        this.hasHandlers = true;
        if (r.b > 0) this.catchJoins = true;
        this.push(KIND_BLOCK, after, NONE);
        break;
      }
      case Flow.Loop:
        this.hasLoops = true;
        this.flowAcc();
        this.push(KIND_LOOP, after, NONE);
        this.startSegment(after, this.live, true, 0);
        if (this.live) this.chargeKept[this.cur] = 1;
        break;
      case Flow.If:
        this.ifOp(after);
        break;
      case Flow.Try:
        this.hasHandlers = true;
        this.push(KIND_TRY, after, NONE);
        break;
      case Flow.Else: {
        const top = this.openFrame(at, op);
        this.fallThrough(this.flowAcc());
        // The else arm consumes the path that skipped the then arm.
        const f = this.frames;
        const ft = top * FRAME;
        const flags = f[ft + F_FLAGS]!;
        this.pending = (flags & PENDING_AT_ENTRY) !== 0;
        f[ft + F_FLAGS] = flags & ~PENDING_AT_ENTRY;
        const acc = f[ft + F_ENTRY_ACC]!;
        f[ft + F_ENTRY_ACC] = NONE;
        this.startSegment(after, (flags & LIVE_AT_ENTRY) !== 0, false, acc);
        break;
      }
      case Flow.Catch: {
        const top = this.openFrame(at, op);
        this.fallThrough(this.flowAcc());
        // A handler can be reached from any depth of callees: it tests the counter.
        this.startSegment(after, (this.frames[top * FRAME + F_FLAGS]! & LIVE_AT_ENTRY) !== 0, true, 0);
        this.addRestore(after);
        break;
      }
      case Flow.Delegate:
      case Flow.End:
        this.end(at, after, op);
        break;
      case Flow.Br:
        this.br(id, at, after, a, b);
        break;
      case Flow.BrIf: {
        this.branchLeaves = false;
        const acc = this.flowAcc();
        this.mark(op.layout === ImmLayout.BrOnCast ? b : a, false, acc);
        if (this.branchLeaves) this.leaving(at, id, after, a, b);
        this.startSegment(after, this.live, false, acc);
        break;
      }
      case Flow.BrTable: {
        // INVARIANT: the scanner decodes br_table with the general reader (a = count, b = default,
        // c = offset of the first target).
        const r = s.general;
        this.branchLeaves = false;
        const acc = this.flowAcc();
        let p = r.c;
        for (let i = 0; i < r.a; i++) {
          this.mark(readU32At(this.bytes, p), false, acc);
          p = skipU32(this.bytes, p);
        }
        this.mark(r.b, false, acc);
        if (this.branchLeaves) this.leaving(at, id, after, a, b);
        this.startSegment(after, false, false, 0);
        break;
      }
      case Flow.Exit:
        this.exit(id, at, after, a, b);
        break;
    }
  }

  /** notable() for the unconditional exits (Flow.Exit). */
  private exit(id: number, at: number, after: number, a: number, b: number): void {
    // A return, and a tail call that may reach an imported function (which does not test),
    // test the counter: the caller goes on as if nothing charged here were untested.
    if (id === RETURN_OP.id || (id === RETURN_CALL_OP.id ? a < this.ctx.importedFuncs : TAIL_CALL_BY_ID[id] === 1)) this.testHere(at);
    this.flowAcc();
    this.escape(0);
    // return_call* also names a function: pass 2 renumbers it while it is there.
    this.addSpecial(at, true, id, after, a, b);
    this.startSegment(after, false, false, 0);
  }

  /** notable() for `br` (`b`: as the general reader decodes it, 0 in the short form). */
  private br(id: number, at: number, after: number, label: number, b: number): void {
    this.branchLeaves = false;
    this.mark(label, false, this.flowAcc());
    if (this.branchLeaves) this.leaving(at, id, after, label, b);
    this.startSegment(after, false, false, 0);
  }

  /** notable() for `if`. */
  private ifOp(after: number): void {
    const acc = this.flowAcc();
    this.push(KIND_IF, after, acc);
    this.startSegment(after, this.live, false, acc);
  }

  /** notable() for `br_if` (one label immediate). */
  private brIf(id: number, at: number, after: number, label: number): void {
    this.branchLeaves = false;
    const acc = this.flowAcc();
    this.mark(label, false, acc);
    if (this.branchLeaves) this.leaving(at, id, after, label, 0);
    this.startSegment(after, this.live, false, acc);
  }

  /** notable() for `call` (one function index immediate). */
  private call(id: number, at: number, after: number, f: number): void {
    const ctx = this.ctx;
    // INVARIANT: as in checkImmediates: no original call may name an appended function.
    if (f >= ctx.originalFuncs) throw new WasmError('wasm/index-out-of-range', `function index ${f} is out of bounds`, at);
    this.calls++;
    if (ctx.stackGuard) this.segCost += ctx.checkCost;
    this.addSpecial(at, true, id, after, f, 0);
    this.called(f);
  }

  /**
   * checkLoopsOnly, after a direct call of function `f`: when `f` is defined here, nothing charged
   * so far is untested (its entry and exit tests; see chargeCovered). An imported function charges
   * nothing, and call_indirect/call_ref may reach one, so after those the untested total goes on.
   */
  private called(f: number): void {
    if (this.live && this.cur >= 0 && f >= this.ctx.importedFuncs) {
      this.chargeCovered[this.cur] = 1;
      this.base = 0;
    }
  }

  /** Index checks and sized-operand pricing (ids with IMM_CHECK_BY_ID set). */
  private checkImmediates(op: OpInfo, id: number, at: number, after: number, a: number, b: number): void {
    const ctx = this.ctx;
    // INVARIANT: no original instruction may name an appended function or global. Validation
    // refuses such input already; this keeps the guarantee when validation is turned off.
    if (FUNC_IMM_BY_ID[id] === 1) {
      if (a >= ctx.originalFuncs) throw new WasmError('wasm/index-out-of-range', `function index ${a} is out of bounds`, at);
      if (ctx.funcShift !== 0 && FLOW_BY_ID[id] !== Flow.Call && FLOW_BY_ID[id] !== Flow.Exit) this.addSpecial(at, false, id, after, a, b);
    } else if (GLOBAL_IMM_BY_ID[id] === 1 && a >= ctx.originalGlobals) {
      throw new WasmError('wasm/index-out-of-range', `global index ${a} is out of bounds`, at);
    }
    if (op.sizedOperand) {
      const sized = sizedKind(op, a, b, ctx);
      if (sized === Sized.Static) this.segCost += ctx.perUnit * b;
      else {
        if (ctx.fuel) this.segCost += ctx.checkCost;
        if (sized === Sized.Grow ? ctx.guardGrow : ctx.fuel) this.addSpecial(at, false, id, after, a, b);
      }
    }
  }

  /** The innermost open frame, for `else`/`catch`; code past the function's end is refused. */
  private openFrame(at: number, op: OpInfo): number {
    if (this.top < 0) throw new WasmError('wasm/bad-block-structure', `${op.name} after the end of the function body`, at);
    return this.top;
  }

  private end(at: number, after: number, op: OpInfo): void {
    const j = this.openFrame(at, op);
    const f = this.frames;
    const fj = j * FRAME;
    const kind = f[fj + F_KIND]!;
    const flags = f[fj + F_FLAGS]!;
    const resume = f[fj + F_ENTRY_SLOT]!;
    const reach = f[fj + F_MIN_TARGET]!;
    const entered = f[fj + F_ENTRY_ACC]!;
    const reached = f[fj + F_END_ACC]!;
    this.top = j - 1;
    if (kind === KIND_FUNC) {
      this.endedAt = after;
      this.testHere(at);
      this.flowAcc();
      this.addSpecial(at, true, op.id, after, 0, 0);
      this.startSegment(after, false, false, 0);
      return;
    }
    const outerMin = fj - FRAME + F_MIN_TARGET;
    if (reach < f[outerMin]!) f[outerMin] = reach;
    const entryLive = (flags & LIVE_AT_ENTRY) !== 0;
    this.pending = (flags & PENDING_AT_END) !== 0 || (this.live && this.pending) || (kind === KIND_IF && (flags & PENDING_AT_ENTRY) !== 0);
    if (flags & CATCH_TARGET) this.addRestore(after);
    if (kind === KIND_IF || kind === KIND_TRY || (flags & TARGETED) !== 0) {
      const merged = Math.max(reached, this.flowAcc(), kind === KIND_IF ? entered : NONE);
      // With checkLoopsOnly, only a tested slot takes folded code: an untested slot's cost
      // must be final when it ends, for flowAcc.
      if (reach >= j && (!this.track || resume < 0 || this.chargeChecked[resume] === 1)) {
        // Nothing inside leaves the frame: whenever it was entered, its end is reached. The
        // code after it joins the metered block that was running at its entry, which pays
        // for it up front (folding removes one charge per such join).
        this.commit();
        this.cur = resume;
        this.live = entryLive;
        this.base = Math.max(0, merged);
      } else this.startSegment(after, entryLive, false, merged);
    }
  }

  private commit(): void {
    if (this.cur >= 0) this.chargeCost[this.cur] = this.chargeCost[this.cur]! + this.segCost;
    this.segCost = 0;
  }

  private openSlot(at: number, checked: boolean, inAcc: number): void {
    const i = this.slots;
    if (i === this.chargeAt.length) {
      this.chargeAt = grown(this.chargeAt, i + 1);
      this.chargeCost = grown(this.chargeCost, i + 1);
      this.chargeChecked = grown(this.chargeChecked, i + 1);
      this.chargeKept = grown(this.chargeKept, i + 1);
      this.chargeCovered = grown(this.chargeCovered, i + 1);
    }
    this.chargeAt[i] = at;
    this.chargeCost[i] = 0;
    this.chargeKept[i] = 0;
    this.chargeCovered[i] = 0;
    const tests = !this.ctx.checkLoopsOnly || checked || this.pending;
    this.chargeChecked[i] = tests ? 1 : 0;
    this.pending = false;
    this.cur = i;
    this.slots = i + 1;
    this.base = tests ? 0 : Math.max(0, inAcc);
  }

  /** Ends the current metered block; a new one starts at `at` unless the code there is dead. */
  private startSegment(at: number, nowLive: boolean, checked: boolean, inAcc: number): void {
    this.commit();
    this.live = nowLive;
    if (nowLive) this.openSlot(at, checked, inAcc);
    else this.cur = -1;
  }

  /**
   * Called where the current slot ends (its cost is final: with checkLoopsOnly nothing folds into
   * an untested slot): the most fuel charged without a test on a path leaving it. An untested slot
   * that would take that past MAX_UNTESTED_FUEL tests instead; a tested slot left empty is dropped
   * with its test, so the next charge on these paths tests in its place.
   */
  private flowAcc(): number {
    const cur = this.cur;
    if (!this.track || cur < 0 || !this.live) return NONE;
    const cost = this.chargeCost[cur]! + this.segCost;
    if (this.chargeChecked[cur] === 1) {
      if (cost === 0 && this.chargeKept[cur] === 0) this.pending = true;
      return this.base;
    }
    const total = this.chargeCovered[cur] === 1 ? this.base : this.base + cost + this.ctx.checkCost;
    if (total > MAX_UNTESTED_FUEL) {
      this.chargeChecked[cur] = 1;
      return 0;
    }
    if (total > this.worst) this.worst = total;
    return total;
  }

  /**
   * checkLoopsOnly: the current slot tests the counter, and is kept even if empty (it then charges
   * the test's price alone). Every way out of a function back to its caller tests, so a caller
   * never goes on past the budget with a callee's untested charges behind it.
   */
  private testHere(at: number): void {
    const cur = this.cur;
    if (!this.track || cur < 0 || !this.live) return;
    if (this.chargeChecked[cur] === 1 && (this.base > 0 || this.pending)) {
      // The slot tested at its start, but code folded into it runs after untested charges
      // (inside the frame it resumed after), or after a path that owes a test joined it (an
      // exception landing from code that ran untested, an empty handler): a test of its own goes
      // right before the exit, or callers would chain such returns, each bringing its untested
      // charges.
      this.startSegment(at, true, true, 0);
    }
    this.chargeChecked[this.cur] = 1;
    this.chargeKept[this.cur] = 1;
  }

  /** A branch to the function's label: a return. */
  private leaving(at: number, id: number, after: number, a: number, b: number): void {
    this.testHere(at);
    this.addSpecial(at, true, id, after, a, b);
  }

  private addSpecial(at: number, leavesFunction: boolean, id: number, after: number, a: number, b: number): void {
    const i = this.specials;
    if (i === this.specialAt.length) {
      this.specialAt = grown(this.specialAt, i + 1);
      this.specialLeaves = grown(this.specialLeaves, i + 1);
      this.specialId = grown(this.specialId, i + 1);
      this.specialEnd = grown(this.specialEnd, i + 1);
      this.specialImm = grown(this.specialImm, 2 * (i + 1));
    }
    this.specialAt[i] = at;
    this.specialLeaves[i] = leavesFunction ? 1 : 0;
    this.specialId[i] = id;
    this.specialEnd[i] = after;
    this.specialImm[2 * i] = a;
    this.specialImm[2 * i + 1] = b;
    this.specials = i + 1;
  }

  private addRestore(at: number): void {
    if (this.restores === this.restoreAt.length) this.restoreAt = grown(this.restoreAt, this.restores + 1);
    this.restoreAt[this.restores++] = at;
  }

  private escape(i: number): void {
    const top = this.top;
    const at = top * FRAME + F_MIN_TARGET;
    if (top >= 0 && i < this.frames[at]!) this.frames[at] = i;
  }

  private mark(depth: number, isCatch: boolean, acc: number): void {
    const i = this.top - depth;
    this.escape(i < 0 ? 0 : i);
    if (i <= 0) {
      // the function frame: a branch there is a return
      this.branchLeaves = true;
      return;
    }
    const f = this.frames;
    const fi = i * FRAME;
    if (f[fi + F_KIND] === KIND_LOOP) {
      if (isCatch) this.addRestore(f[fi + F_BODY_START]!);
      return;
    }
    let flags = f[fi + F_FLAGS]! | TARGETED;
    if (isCatch) {
      // An exception landing here may come from callees that ran over: the next charge tests.
      flags |= CATCH_TARGET | PENDING_AT_END;
    } else if (this.live) {
      if (this.pending) flags |= PENDING_AT_END;
      if (acc > f[fi + F_END_ACC]!) f[fi + F_END_ACC] = acc;
    }
    f[fi + F_FLAGS] = flags;
  }

  private push(kind: number, bodyStart: number, acc: number): void {
    const i = this.top + 1;
    const fi = i * FRAME;
    if (fi === this.frames.length) this.frames = grown(this.frames, fi + FRAME);
    const f = this.frames;
    f[fi + F_KIND] = kind;
    f[fi + F_FLAGS] = (this.live ? LIVE_AT_ENTRY : 0) | (this.pending ? PENDING_AT_ENTRY : 0);
    f[fi + F_BODY_START] = bodyStart;
    f[fi + F_ENTRY_SLOT] = this.cur;
    f[fi + F_MIN_TARGET] = i;
    f[fi + F_ENTRY_ACC] = acc;
    f[fi + F_END_ACC] = NONE;
    this.top = i;
  }

  /** The arm that ends here falls through to the frame's end. */
  private fallThrough(acc: number): void {
    if (!this.live) return;
    const top = this.top;
    const f = this.frames;
    const ft = top * FRAME;
    if (this.pending) f[ft + F_FLAGS] = f[ft + F_FLAGS]! | PENDING_AT_END;
    if (acc > f[ft + F_END_ACC]!) f[ft + F_END_ACC] = acc;
  }
}

/** A u32 LEB the general reader has already validated (br_table targets, catch clauses). */
function readU32At(bytes: Uint8Array, p: number): number {
  let value = 0;
  let mul = 1;
  for (;;) {
    const byte = bytes[p++]!;
    value += (byte & 0x7f) * mul;
    if (byte < 0x80) return value;
    mul *= 128;
  }
}

function skipU32(bytes: Uint8Array, p: number): number {
  while (bytes[p++]! >= 0x80);
  return p;
}
