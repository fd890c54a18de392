// Rewrites one function body: plans its metered blocks (pass 1, planner.ts), then copies it with
// the charges, guards and renumbered function indices injected (pass 2, here). Pass 1 decodes every
// instruction and records what pass 2 needs of the ones it changes (opcode, end, immediates), so
// pass 2 decodes nothing: it copies the bytes between the recorded points. Nothing is allocated per
// instruction.
//
// Metered blocks. A metered block is a run of instructions that, once its first instruction runs,
// all run unless one of them traps or throws. Its cost is charged once, before its first
// instruction. A new block starts
//   - at function entry;
//   - after `loop` (the header is a branch target: every iteration pays);
//   - after `if`, `else`, `catch`, `catch_all` (each arm pays for itself);
//   - after `end` of an `if` or legacy `try` (paths merge), or of a `block`/`try_table` that some
//     branch targets (paths merge), unless nothing inside the frame branches or exits past its
//     end: then the end is reached whenever the frame was entered (bar traps and exceptions), and
//     the code after it is folded into the metered block that was running at the frame's entry,
//     whose one charge pays for both parts; an untargeted block's end continues the block it is in;
//   - after a conditional branch (`br_if`, `br_on_*`): the rest runs only if it is not taken;
//   - after an unconditional exit (`br`, `br_table`, `return`, `return_call*`, `throw*`,
//     `unreachable`): what follows is dead until the next `else`/`catch`/`end` and is not charged.
// Calls do not end a block: the callee charges itself at its entry.
// With checkLoopsOnly, a charge tests the counter at function entry, loop headers, handlers and
// at every way back to the caller (the block holding a `return`, a branch to the function's label
// or the final `end`, or a tail call that may reach an imported function; kept even when empty,
// and a test of its own when a path an exception landed on joins the block), so frames returning
// over budget cannot chain their untested blocks; the others only subtract. Function entries and
// loop headers are kept even when empty too: each call and iteration pays at least the check.
// A try_table catch clause that names the function's own label would return to the caller with
// no code on the way: such a function is wrapped in two blocks typed as its results, the catch
// clauses that named the function retargeted to the outer one, whose end tests the counter (and
// restores the stack depth), while the body's own branches to the function label and its final
// end reach the inner one and return as before (see rewrite()). So that way back tests too.
// A caller therefore goes on after a direct call of a defined function with nothing untested
// behind it (the callee's entry test covered what the caller charged before the call, its exit
// test what the callee charged). Between two tests a run executes untested charges of one
// function along one forward path (imported functions charge nothing; after call_indirect or
// call_ref the caller's untested total goes on, since the callee may be imported). The plan
// tracks, per path, the fuel charged since the last test and makes a charge test where that would
// pass MAX_UNTESTED_FUEL; Plan.unchecked is the largest such total (the overrun bound). Testing at
// exits instead of after every call site keeps the same number of tests run per call and writes
// fewer: functions have fewer exits than call sites.
// Operand-sized work (sizedOperand in the opcode table) is charged at run time by a helper called
// just before the instruction, which receives the length operand (top of stack) and returns it.
// memory.grow is replaced by a per-memory helper that applies the growth limits and charges pages.
// Branch hints: with ctx.branchHints, the rewrite records where each test's `if` lands, and the
// module gets a `metadata.code.branch_hint` section marking them unlikely (instrument.ts). An
// engine that reads it lays the out-of-fuel call out as cold code, so the register allocator no
// longer keeps the hot path ready for that call (measured on V8: sql.js 1.38x -> 1.31x).
import { BinaryReader, OPCODES, WasmError } from '@wsbc/wasm';
import { STATUS_STACK_OVERFLOW } from './abi.js';
import { ByteSink, uleb32Length } from './byte-sink.js';
import { FLOW_BY_ID, FUNC_IMM_BY_ID, Flow, Planner, Sized, sizedKind, type PlanContext } from './planner.js';

export { MAX_UNTESTED_FUEL } from './planner.js';

export interface RewriteContext extends PlanContext {
  bytes: Uint8Array;
  /** Number of imported functions in the original module (indices below are unchanged). */
  importedFuncs: number;
  fuelGlobal: number;
  /** Keep the counter in a local per function (see rewriteBody) instead of the global. */
  cachedCounter: boolean;
  /** Record where each counter test's `if` lands, for the branch-hint section (see BranchHints). */
  branchHints: boolean;
  slowFunc: number;
  /** Slow path taking and returning the cached counter (cached mode). */
  slowLocalFunc: number;
  chargeI32Func: number;
  chargeI64Func: number;
  /** The stack-depth guard (stackGuard): the depth global, the limit, and the status global its trap sets. */
  depthGlobal: number;
  stackDepth: number;
  statusGlobal: number;
  /** Grow helper per memory index. */
  growFuncs: number[];
  /** Type index of each defined function. */
  funcTypes: Uint32Array;
  /**
   * Per type index, the block type `[] -> results` of a function of that type, encoded (a
   * landing wrapper's type, see rewrite()); null for other types, and for a type with several
   * results and parameters when no function of it needs the wrapper (the `[] -> results` type
   * is then not in the module). Empty when no landing would have work to do (see rewrite()).
   */
  resultBlockTypes: Array<Uint8Array | null>;
}

interface ChargeTemplate {
  /**
   * Bytes before the cost's LEB128 (the counter load and the i64.const opcode), the first preLength
   * of them; the array runs OVERRUN bytes further, for putInput.
   */
  pre: Uint8Array;
  preLength: number;
  /** Bytes after it, the first postLength of them (and OVERRUN more). */
  post: Uint8Array;
  postLength: number;
  /** DataViews of pre and post, for putInput. */
  preView: DataView;
  postView: DataView;
  /** Where in `post` the test's `if` opcode is (-1: the sequence does not test). */
  ifInPost: number;
}

/** A template of the given parts (see ChargeTemplate). */
function chargeTemplate(pre: Uint8Array, post: Uint8Array, ifInPost: number): ChargeTemplate {
  const padded = (part: Uint8Array): Uint8Array => {
    const b = new Uint8Array(part.length + OVERRUN);
    b.set(part);
    return b;
  };
  const preBytes = padded(pre);
  const postBytes = padded(post);
  return { pre: preBytes, preLength: pre.length, post: postBytes, postLength: post.length, preView: new DataView(preBytes.buffer), postView: new DataView(postBytes.buffer), ifInPost };
}

const templateSink = new ByteSink(64);

/**
 * Emits a charge sequence once with cost 0 (one LEB byte) and splits it around that byte, so
 * each charge is two short copies and one LEB write. Every sequence starts with a local.get or
 * global.get of `counter` followed by i64.const.
 */
function template(emit: (out: ByteSink, cost: number) => number, counter: number): ChargeTemplate {
  templateSink.len = 0;
  templateSink.u8(0);
  templateSink.u32(counter);
  const costAt = templateSink.len + 1;
  templateSink.len = 0;
  const ifAt = emit(templateSink, 0);
  const b = templateSink.buf;
  return chargeTemplate(b.slice(0, costAt), b.slice(costAt + 1, templateSink.len), ifAt < 0 ? -1 : ifAt - (costAt + 1));
}

/**
 * Emits the charge of `cost` fuel and the out-of-fuel check on the global counter; returns where
 * the check's `if` is.
 */
function emitGlobalCharge(out: ByteSink, ctx: RewriteContext, cost: number): number {
  out.u8(0x23); // global.get $fuel
  out.u32(ctx.fuelGlobal);
  out.u8(0x42); // i64.const cost
  out.s64(cost);
  out.u8(0x7d); // i64.sub
  out.u8(0x24); // global.set $fuel
  out.u32(ctx.fuelGlobal);
  out.u8(0x23); // global.get $fuel
  out.u32(ctx.fuelGlobal);
  out.u8(0x42); // i64.const 0
  out.u8(0x00);
  out.u8(0x53); // i64.lt_s
  const ifAt = out.len;
  out.u8(0x04); // if
  out.u8(0x40);
  out.u8(0x10); // call $fuel_slow
  out.u32(ctx.slowFunc);
  out.u8(0x0b); // end
  return ifAt;
}

/** A charge without the test (checkLoopsOnly mode, blocks that are not loop headers or entries). */
function emitDecrement(out: ByteSink, ctx: RewriteContext, cost: number, local: number): number {
  out.u8(local >= 0 ? 0x20 : 0x23); // local.get $lf | global.get $fuel
  out.u32(local >= 0 ? local : ctx.fuelGlobal);
  out.u8(0x42); // i64.const cost
  out.s64(cost);
  out.u8(0x7d); // i64.sub
  out.u8(local >= 0 ? 0x21 : 0x24); // local.set $lf | global.set $fuel
  out.u32(local >= 0 ? local : ctx.fuelGlobal);
  return -1;
}

/** The same on the function's cached counter; the slow path syncs the global. */
function emitLocalCharge(out: ByteSink, ctx: RewriteContext, cost: number, local: number): number {
  out.u8(0x20); // local.get $lf
  out.u32(local);
  out.u8(0x42); // i64.const cost
  out.s64(cost);
  out.u8(0x7d); // i64.sub
  out.u8(0x22); // local.tee $lf
  out.u32(local);
  out.u8(0x42); // i64.const 0
  out.u8(0x00);
  out.u8(0x53); // i64.lt_s
  const ifAt = out.len;
  out.u8(0x04); // if
  out.u8(0x40);
  out.u8(0x20); // local.get $lf
  out.u32(local);
  out.u8(0x10); // call $fuel_slow_local
  out.u32(ctx.slowLocalFunc);
  out.u8(0x21); // local.set $lf
  out.u32(local);
  out.u8(0x0b); // end
  return ifAt;
}

/**
 * The stack-depth guard before a call, inline (a helper call per call site made guarded code
 * 2.35x the original on sql.js, against 1.38x without the guard): depth += 1, and past the limit
 * the status is set to STATUS_STACK_OVERFLOW before `unreachable`. Returns where its `if` is.
 */
function emitDepthEnter(out: ByteSink, ctx: RewriteContext): number {
  emitDepthStep(out, ctx, 0x6a); // i32.add
  out.u8(0x23); // global.get $depth
  out.u32(ctx.depthGlobal);
  out.u8(0x41); // i32.const limit
  out.s32(ctx.stackDepth);
  out.u8(0x4b); // i32.gt_u
  const ifAt = out.len;
  out.u8(0x04); // if
  out.u8(0x40);
  out.u8(0x41); // i32.const STATUS_STACK_OVERFLOW
  out.s32(STATUS_STACK_OVERFLOW);
  out.u8(0x24); // global.set $status
  out.u32(ctx.statusGlobal);
  out.u8(0x00); // unreachable
  out.u8(0x0b); // end
  return ifAt;
}

/** depth += 1 (`op` i32.add, before a call) or depth -= 1 (i32.sub, after it returns). */
function emitDepthStep(out: ByteSink, ctx: RewriteContext, op: 0x6a | 0x6b): void {
  out.u8(0x23); // global.get $depth
  out.u32(ctx.depthGlobal);
  out.u8(0x41); // i32.const 1
  out.s32(1);
  out.u8(op);
  out.u8(0x24); // global.set $depth
  out.u32(ctx.depthGlobal);
}

export interface BodyStats {
  charges: number;
  /** Sum of the costs of the charges that do not test the counter. */
  unchecked: number;
}

/**
 * Rewrites the bodies of one module: plans each (pass 1, planner.ts), then writes it (pass 2).
 * One instance per module and thread; it reuses the planner's buffers and the charge templates
 * across bodies.
 */
export class BodyRewriter {
  private readonly planner: Planner;
  /** Charge templates by counter: key 4 * index + (cached ? 2 : 0) + (tested ? 1 : 0). */
  private readonly templates: Array<ChargeTemplate | undefined> = [];
  /** Offsets (from the body's start) of the test `if`s of the body last rewritten. */
  private hintAt = new Int32Array(256);
  private hintCount = 0;
  /**
   * The entries of the branch-hint section for the bodies rewritten so far, in order (see
   * BranchHints): rewriteBodies appends each body's after rewriting it.
   */
  readonly hints = new ByteSink(1024);
  hintedFunctions = 0;
  /** The stack-depth guard's code around a call (empty without the guard), and where the enter's `if` is. */
  private readonly depthEnter: Uint8Array;
  private readonly depthEnterIfAt: number;
  private readonly depthLeave: Uint8Array;

  /** A DataView of ctx.bytes, for putInput. */
  private readonly input: DataView;

  constructor(readonly ctx: RewriteContext) {
    this.planner = new Planner(ctx.bytes, ctx);
    this.input = new DataView(ctx.bytes.buffer, ctx.bytes.byteOffset, ctx.bytes.byteLength);
    const guard = new ByteSink(64);
    this.depthEnterIfAt = ctx.stackGuard ? emitDepthEnter(guard, ctx) : -1;
    this.depthEnter = guard.buf.slice(0, guard.len);
    guard.len = 0;
    if (ctx.stackGuard) emitDepthStep(guard, ctx, 0x6b); // i32.sub
    this.depthLeave = guard.buf.slice(0, guard.len);
  }

  private template(cached: boolean, tested: boolean, fuelLocal: number): ChargeTemplate {
    const ctx = this.ctx;
    const counter = cached ? fuelLocal : ctx.fuelGlobal;
    const key = counter * 4 + (cached ? 2 : 0) + (tested ? 1 : 0);
    // An array indexed by key (a hole where none was made yet), looked up twice per body.
    let t = this.templates[key];
    if (t === undefined) {
      t = tested
        ? template((o, c) => (cached ? emitLocalCharge(o, ctx, c, fuelLocal) : emitGlobalCharge(o, ctx, c)), counter)
        : template((o, c) => emitDecrement(o, ctx, c, cached ? fuelLocal : -1), counter);
      this.templates[key] = t;
    }
    return t;
  }

  /**
   * Pass 2: writes the rewritten body (locals vector and instructions, without the size prefix).
   * `localsStart` is where the locals vector begins, `codeStart` where instructions begin;
   * `localCount` counts parameters and declared locals (the next free local index).
   *
   * With the cached counter (ctx.cachedCounter), the function keeps the fuel counter in a local
   * (unless a try_table catch lands on one of its labels, or the local would take it past
   * MAX_LOCALS):
   * loaded at entry, written back to the global before anything else can observe or change it
   * (calls, helper calls, returns, throws, traps via `unreachable`, branches to the function label)
   * and reloaded after calls and in exception handlers. Charges then touch only a register.
   *
   * A function with a try_table catch clause that names its own label (Plan.catchLeaves) is
   * wrapped, when a landing has work to do (the counter test of checks: 'loop', the depth the
   * stack guard restores):
   *   block $land (result R)  block $norm (result R)  <body>  return  end  <landing>  end
   * where R is the function's results and <body> ends with the original final `end` (now $norm's).
   * The body's own branches to the function label name $norm at the same depth and leave through
   * the `return` (their blocks tested on the way, as before, so their fuel is unchanged); only the
   * catch clauses that named the function are retargeted, one label further, to $land, whose
   * landing tests the counter (charged at the check price, like every test) and restores the depth.
   */
  rewrite(out: ByteSink, func: number, localsStart: number, localCount: number, localGroups: number, codeStart: number, end: number): BodyStats {
    const ctx = this.ctx;
    const bytes = ctx.bytes;
    // Branch-hint offsets count from the body's first byte (its locals vector), here.
    const bodyStart = out.len;
    this.hintCount = 0;
    const p = this.planner.plan(codeStart, end);
    const saveDepth = ctx.stackGuard && p.hasHandlers;
    const track = ctx.fuel && ctx.checkLoopsOnly;
    // With checks: 'block' every charge tested before it ran, so a catch that returns leaves
    // nothing untested behind it and, without the stack guard, the landing would be empty.
    const wrap = p.catchLeaves && (track || saveDepth);
    const wrapType = wrap ? (ctx.resultBlockTypes[ctx.funcTypes[func] ?? -1] ?? null) : null;
    if (wrap && wrapType === null) throw new WasmError('wasm/index-out-of-range', `function ${func} has no function type for its results`, localsStart);
    // Engines refuse functions with more than MAX_LOCALS locals: the cache is optional and left
    // out where it does not fit; the depth saved for handlers is not, so such a body is refused.
    if (saveDepth && localCount >= MAX_LOCALS) {
      throw new WasmError('wasm/too-many', `${UNSUPPORTED_PREFIX}a function with ${localCount} locals and exception handlers leaves no room for the local the stack-depth guard needs (engines accept at most ${MAX_LOCALS})`, localsStart);
    }
    // Each call site costs a store and a load when cached, each charge a load, a store and a load
    // when not, and caching adds a load at entry and a store at each exit: cache when a body has
    // at least three charges and they outnumber its call sites two to one (loops or not: measured
    // side by side, caching loop-free functions too gave 1.65x -> 1.60x geomean). Not where a
    // try_table catch lands on a label: the reload an exception needs there would also run on the
    // normal paths to that label and throw away what the local charged since its last write-back
    // (in a loop, every iteration's charge).
    const cached = ctx.fuel && ctx.cachedCounter && p.charges >= 3 && p.calls * 2 < p.charges && !p.catchJoins && localCount + (saveDepth ? 1 : 0) < MAX_LOCALS;
    let next = localCount;
    const savedLocal = saveDepth ? next++ : -1;
    const fuelLocal = cached ? next++ : -1;
    const extraGroups = (saveDepth ? 1 : 0) + (cached ? 1 : 0);
    if (extraGroups > 0) {
      out.u32(localGroups + extraGroups);
      const r = new BinaryReader(bytes, localsStart, codeStart);
      r.u32();
      out.copy(bytes, r.pos, codeStart);
      if (saveDepth) {
        // Keeps the depth at entry, restored when a handler catches an exception thrown from
        // deeper frames (whose depth decrements never ran).
        out.u8(1);
        out.u8(0x7f);
      }
      if (cached) {
        out.u8(1);
        out.u8(0x7e);
      }
    } else {
      out.copy(bytes, localsStart, codeStart);
    }
    if (saveDepth) {
      out.u8(0x23); // global.get $depth
      out.u32(ctx.depthGlobal);
      out.u8(0x21); // local.set $saved
      out.u32(savedLocal);
    }
    if (cached) reload(out, ctx, fuelLocal);
    if (wrapType !== null) {
      for (let i = 0; i < 2; i++) {
        out.u8(0x02); // block $land, block $norm
        out.bytes(wrapType);
      }
    }

    let nextCharge = 0;
    let nextRestore = 0;
    let nextSpecial = 0;
    const { chargeAt, chargeCost, chargeChecked, specialAt, specialLeaves, specialId, specialEnd, specialImm, restoreAt } = p;
    const specials = p.specials;
    const charges = ctx.fuel ? p.charges : 0;
    // The charge sequences of this body, split around their cost immediate.
    const tested = charges > 0 ? this.template(cached, true, fuelLocal) : EMPTY_TEMPLATE;
    const untested = charges > 0 && ctx.checkLoopsOnly ? this.template(cached, false, fuelLocal) : EMPTY_TEMPLATE;
    const restoreCount = saveDepth || cached ? p.restores : 0;
    const fuelGlobal = ctx.fuelGlobal;
    const hinting = ctx.branchHints;
    // At most one hinted `if` per charge and per call (the stack guard's), and the landing's.
    if (hinting && this.hintAt.length < charges + specials + 1) this.hintAt = new Int32Array(Math.max(charges + specials + 1, this.hintAt.length * 2));
    const hintAt = this.hintAt;
    let hints = 0;
    // INVARIANT: the body's output fits in its input size plus MAX_INJECTED bytes per point (a
    // charge is at most 48 bytes, a restore 24, the code around a special 52, or 85 with the
    // stack guard's; retargeted catch labels add at most p.retargetBytes; putInput may write
    // OVERRUN bytes past its last run), so one ensure() covers it and the loop writes through a
    // local index without bounds bookkeeping.
    out.ensure(end - codeStart + (ctx.stackGuard ? MAX_INJECTED_GUARDED : MAX_INJECTED) * (charges + specials + restoreCount) + p.retargetBytes + OVERRUN);
    const buf = out.buf;
    const view = out.view();
    const input = this.input;
    let o = out.len;
    let copyFrom = codeStart;
    // Visits, in offset order, only the points where something is injected; the bytes between them
    // are copied as they are, without decoding them a second time.
    for (;;) {
      let at = end;
      if (nextCharge < charges) at = chargeAt[nextCharge]!;
      if (nextRestore < restoreCount && restoreAt[nextRestore]! < at) at = restoreAt[nextRestore]!;
      if (nextSpecial < specials && specialAt[nextSpecial]! < at) at = specialAt[nextSpecial]!;
      if (at >= end) break;
      o = putInput(buf, view, o, bytes, input, copyFrom, at);
      copyFrom = at;
      while (nextRestore < restoreCount && restoreAt[nextRestore] === at) {
        if (saveDepth) o = putPair(buf, o, 0x20, savedLocal, 0x24, ctx.depthGlobal); // local.get $saved; global.set $depth
        if (cached) o = putPair(buf, o, 0x23, fuelGlobal, 0x21, fuelLocal); // reload
        nextRestore++;
      }
      if (nextCharge < charges && chargeAt[nextCharge] === at) {
        const t = chargeChecked[nextCharge] ? tested : untested;
        o = putInput(buf, view, o, t.pre, t.preView, 0, t.preLength);
        o = putCost(buf, o, chargeCost[nextCharge]!);
        if (hinting && t.ifInPost >= 0) hintAt[hints++] = o + t.ifInPost - bodyStart;
        o = putInput(buf, view, o, t.post, t.postView, 0, t.postLength);
        nextCharge++;
      }
      if (nextSpecial >= specials || specialAt[nextSpecial] !== at) continue;
      const leaves = cached && specialLeaves[nextSpecial] === 1;
      // The planner recorded what it decoded: nothing is decoded again here.
      const id = specialId[nextSpecial]!;
      const after = specialEnd[nextSpecial]!;
      const a = specialImm[2 * nextSpecial]!;
      const b = specialImm[2 * nextSpecial + 1]!;
      nextSpecial++;
      const op = OPCODES[id]!;
      const flow = FLOW_BY_ID[id] as Flow;
      if (flow === Flow.TryTable) {
        if (wrap) {
          o = putRetargeted(buf, o, bytes, at, after, a, b);
          copyFrom = after;
        }
        continue;
      }
      if (leaves) o = putPair(buf, o, 0x20, fuelLocal, 0x24, fuelGlobal); // sync
      if (op.sizedOperand) {
        const sized = sizedKind(op, a, b, ctx);
        if (sized === Sized.Grow) {
          if (ctx.guardGrow) {
            const guard = ctx.growFuncs[a];
            if (guard === undefined) throw new WasmError('wasm/index-out-of-range', `memory index ${a} is out of bounds`, at);
            if (cached) o = putPair(buf, o, 0x20, fuelLocal, 0x24, fuelGlobal);
            o = putOp(buf, o, 0x10, guard);
            if (cached) o = putPair(buf, o, 0x23, fuelGlobal, 0x21, fuelLocal);
            copyFrom = after;
          }
          continue;
        }
        if (ctx.fuel && (sized === Sized.LenI32 || sized === Sized.LenI64)) {
          if (cached) o = putPair(buf, o, 0x20, fuelLocal, 0x24, fuelGlobal);
          o = putOp(buf, o, 0x10, sized === Sized.LenI32 ? ctx.chargeI32Func : ctx.chargeI64Func);
          if (cached) o = putPair(buf, o, 0x23, fuelGlobal, 0x21, fuelLocal);
        }
      }
      if (flow === Flow.Call) {
        if (ctx.stackGuard) {
          if (hinting) hintAt[hints++] = o + this.depthEnterIfAt - bodyStart;
          o = putRange(buf, o, this.depthEnter, 0, this.depthEnter.length);
        }
        o = putRemapped(buf, o, ctx, id, at, after, a);
        if (ctx.stackGuard) o = putRange(buf, o, this.depthLeave, 0, this.depthLeave.length);
        if (cached) o = putPair(buf, o, 0x23, fuelGlobal, 0x21, fuelLocal);
        copyFrom = after;
        continue;
      }
      if (ctx.funcShift !== 0 && FUNC_IMM_BY_ID[id] === 1) {
        o = putRemapped(buf, o, ctx, id, at, after, a);
        copyFrom = after;
      }
    }
    o = putInput(buf, view, o, bytes, input, copyFrom, end);
    let landingCharges = 0;
    if (wrap) {
      out.len = o;
      out.ensure(MAX_INJECTED * 2);
      o = out.len;
      buf[o++] = 0x0f; // return: what reached $norm's end tested on the way, as before
      buf[o++] = 0x0b; // end $land: only exceptions caught into a return arrive here
      if (saveDepth) o = putPair(buf, o, 0x20, savedLocal, 0x24, ctx.depthGlobal);
      if (track) {
        // INVARIANT: a function with a catch clause never caches the counter (p.catchJoins), so
        // `tested` is the global counter's sequence.
        o = putRange(buf, o, tested.pre, 0, tested.preLength);
        o = putCost(buf, o, ctx.checkCost);
        if (hinting) hintAt[hints++] = o + tested.ifInPost - bodyStart;
        o = putRange(buf, o, tested.post, 0, tested.postLength);
        landingCharges = 1;
      }
      buf[o++] = 0x0b;
    }
    out.len = o;
    this.hintCount = hints;
    return { charges: charges + landingCharges, unchecked: ctx.fuel ? p.unchecked : 0 };
  }

  /** The branch-hint entries appended so far (a view of `hints`). */
  hintBytes(): Uint8Array {
    return this.hints.buf.subarray(0, this.hints.len);
  }

  /** Forgets the branch-hint entries appended so far (once they were taken from hintBytes()). */
  clearHints(): void {
    this.hints.len = 0;
    this.hintedFunctions = 0;
  }

  /**
   * Appends the branch hints of the body last rewritten, as output function `funcIndex`, to
   * `hints`: its index, their count, and per test the offset of its `if`, the payload size (1)
   * and 0 (unlikely: the counter rarely runs out).
   */
  appendHints(funcIndex: number): void {
    const n = this.hintCount;
    if (n === 0) return;
    const h = this.hints;
    // At most 5 bytes per LEB: the entries fit 10 + 7 * n bytes.
    h.ensure(10 + 7 * n);
    const buf = h.buf;
    const hintAt = this.hintAt;
    let o = putU32(buf, putU32(buf, h.len, funcIndex), n);
    for (let i = 0; i < n; i++) {
      o = putU32(buf, o, hintAt[i]!);
      buf[o++] = 1;
      buf[o++] = 0;
    }
    h.len = o;
    this.hintedFunctions++;
  }
}

/**
 * Starts the message of a WasmError the rewrite raises for a valid body it cannot instrument
 * (instrument() reports it as instrument/unsupported-feature, without the prefix). A prefix, not
 * an error class: the error crosses worker threads as code, message and offset.
 */
export const UNSUPPORTED_PREFIX = 'unsupported: ';
/** Most locals, parameters included, a function may have (the JS API's implementation limit, which V8, SpiderMonkey and JSC enforce). */
const MAX_LOCALS = 50_000;
/** Most bytes pass 2 adds at one point (charge, restore or special); see the INVARIANT in rewrite(). */
const MAX_INJECTED = 64;
/** The same with the stack-depth guard inlined around calls. */
const MAX_INJECTED_GUARDED = 96;
/** How far past a run putInput may read and write. */
const OVERRUN = 3;
const EMPTY_TEMPLATE: ChargeTemplate = chargeTemplate(new Uint8Array(0), new Uint8Array(0), -1);

/**
 * Copies src[start, end) (input bytes or a charge template; `srcView` is a DataView of all of
 * `src`) to buf at o (`view` is a DataView of `buf`): short runs 4 bytes at a time (V8
 * compiles a DataView access to one unaligned load or store), the last word running up to 3
 * bytes past the run where src has room, into bytes the next write replaces; long ones
 * with one memcpy (a subarray view per copy costs more than a short run).
 * INVARIANT: buf has room for the run and OVERRUN more bytes (see the reservation in rewrite()).
 */
function putInput(buf: Uint8Array, view: DataView, o: number, src: Uint8Array, srcView: DataView, start: number, end: number): number {
  const n = end - start;
  if (n > 128) {
    buf.set(src.subarray(start, end), o);
    return o + n;
  }
  const to = o + n;
  // (src.length, not srcView.byteLength: V8 11.3 calls a builtin for the latter.) Up to 128
  // bytes the loop also saves allocating a subarray view per copy.
  if (end + OVERRUN <= src.length) {
    for (let i = start; i < end; i += 4, o += 4) view.setUint32(o, srcView.getUint32(i, true), true);
    return to;
  }
  for (let i = start; i < end; i++) buf[o++] = src[i]!;
  return to;
}

/** Copies src[start, end) to buf at o; short runs byte by byte (a subarray view per copy costs more). */
function putRange(buf: Uint8Array, o: number, src: Uint8Array, start: number, end: number): number {
  if (end - start > 48) {
    buf.set(src.subarray(start, end), o);
    return o + (end - start);
  }
  for (let i = start; i < end; i++) buf[o++] = src[i]!;
  return o;
}

function putU32(buf: Uint8Array, o: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[o++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[o++] = v;
  return o;
}

/** An opcode and its u32 immediate. */
function putOp(buf: Uint8Array, o: number, opcode: number, imm: number): number {
  buf[o++] = opcode;
  return putU32(buf, o, imm);
}

/** Two instructions with one u32 immediate each (a counter or depth load and store). */
function putPair(buf: Uint8Array, o: number, op1: number, imm1: number, op2: number, imm2: number): number {
  return putOp(buf, putOp(buf, o, op1, imm1), op2, imm2);
}

/** A charge's cost as the signed LEB128 of an i64.const (costs are non-negative integers below 2^53). */
function putCost(buf: Uint8Array, o: number, cost: number): number {
  let v = cost;
  if (v < 0x40000000) {
    while (v >= 0x40) {
      buf[o++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
  } else {
    while (v >= 0x40) {
      buf[o++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
  }
  buf[o++] = v;
  return o;
}

/**
 * Writes the instruction [at, after), renumbering its function index `f` if it has one.
 * INVARIANT: the opcodes with a function index (call, return_call, ref.func) are single bytes,
 * so the index starts at at + 1.
 */
function putRemapped(buf: Uint8Array, o: number, ctx: RewriteContext, id: number, at: number, after: number, f: number): number {
  if (FUNC_IMM_BY_ID[id] === 1) {
    buf[o++] = ctx.bytes[at]!;
    return putU32(buf, o, f < ctx.importedFuncs ? f : f + ctx.funcShift);
  }
  return putRange(buf, o, ctx.bytes, at, after);
}

/**
 * Writes the try_table [at, after) with each catch clause whose label is `fnLabel` (the one that
 * named the function) sent one label further, to the landing block around the body; the other
 * clauses are copied as they are. Its catch clauses start at `clauses`. The clauses are read
 * again here: only functions with such a clause take this path.
 */
function putRetargeted(buf: Uint8Array, o: number, bytes: Uint8Array, at: number, after: number, clauses: number, fnLabel: number): number {
  o = putRange(buf, o, bytes, at, clauses);
  let p = clauses;
  while (p < after) {
    const kind = bytes[p]!;
    const labelAt = kind < 2 ? skipLeb(bytes, p + 1) : p + 1;
    o = putRange(buf, o, bytes, p, labelAt);
    p = skipLeb(bytes, labelAt);
    let label = 0;
    for (let q = p - 1; q >= labelAt; q--) label = label * 128 + (bytes[q]! & 0x7f);
    o = label === fnLabel ? putU32(buf, o, label + 1) : putRange(buf, o, bytes, labelAt, p);
  }
  return o;
}

function skipLeb(bytes: Uint8Array, p: number): number {
  while (bytes[p++]! >= 0x80);
  return p;
}

/** Loads the global counter into the cached one. */
function reload(out: ByteSink, ctx: RewriteContext, fuelLocal: number): void {
  out.u8(0x23); // global.get $fuel
  out.u32(ctx.fuelGlobal);
  out.u8(0x21); // local.set $lf
  out.u32(fuelLocal);
}


/** How much rewritten code rewriteBodies gathers in a plain buffer before moving it to a resizable one. */
const FLUSH_BYTES = 1 << 20;
/** That buffer (one per thread; rewriteBodies does not re-enter itself with a resizable sink). */
let flushScratch: ByteSink | undefined;

/** Stride of a body table: [bodyStart, localCount, localGroups, codeStart, end] per body. */
export const BODY_FIELDS = 5;

export interface BodiesStats {
  charges: number;
  /** Largest sum of untested charges in one function (the overrun bound of checks: 'loop'). */
  maxOverrun: number;
}

/**
 * Writes bodies `from` to `to - 1` of a body table, each as its size and its rewritten bytes, as
 * they appear in the code section. The output of a body depends on nothing but the body and the
 * context, so any split of the table into ranges, written by any threads and concatenated in
 * order, gives the same bytes.
 */
export function rewriteBodies(out: ByteSink, rewriter: BodyRewriter, bodies: Int32Array, from: number, to: number): BodiesStats {
  const stats: BodiesStats = { charges: 0, maxOverrun: 0 };
  if (out.isResizable) {
    // Element writes into a view of a resizable ArrayBuffer are markedly slower in V8 (measured:
    // the write pass took ~1.5x as long), so bodies are written to a plain buffer and moved over
    // in large blocks (one memcpy each).
    // Kept for later calls on this thread: fresh pages cost a page fault each (about 0.7 ms for
    // this buffer on the machine of docs/benchmarks.md), touched ones nothing.
    const scratch = (flushScratch ??= new ByteSink(FLUSH_BYTES + (FLUSH_BYTES >> 1)));
    for (let i = from; i < to; ) {
      scratch.len = 0;
      i = writeBodies(scratch, rewriter, bodies, i, to, FLUSH_BYTES, stats);
      out.bytes(scratch.buf.subarray(0, scratch.len));
    }
    return stats;
  }
  writeBodies(out, rewriter, bodies, from, to, Infinity, stats);
  return stats;
}

/**
 * Writes bodies from `from` on, until `to` or until `out` holds `limit` bytes (at least one body),
 * adding their stats to `stats`; returns the next body's index.
 */
function writeBodies(out: ByteSink, rewriter: BodyRewriter, bodies: Int32Array, from: number, to: number, limit: number, stats: BodiesStats): number {
  const funcBase = rewriter.ctx.importedFuncs + rewriter.ctx.funcShift;
  let i = from;
  while (i < to) {
    const k = i * BODY_FIELDS;
    const bodyStart = bodies[k]!;
    const end = bodies[k + 4]!;
    // The body is written in place after room for its size, guessed from the input size (a body
    // only grows); a wrong guess moves the body once when the size is patched in.
    const inputSize = end - bodyStart;
    const sizeAt = out.reserve(uleb32Length(inputSize + (inputSize >> 2) + 16));
    const start = out.len;
    const body = rewriter.rewrite(out, i, bodyStart, bodies[k + 1]!, bodies[k + 2]!, bodies[k + 3]!, end);
    out.patchU32Exact(sizeAt, start - sizeAt, out.len - start);
    rewriter.appendHints(funcBase + i);
    stats.charges += body.charges;
    if (body.unchecked > stats.maxOverrun) stats.maxOverrun = body.unchecked;
    i++;
    if (out.len >= limit) break;
  }
  return i;
}
