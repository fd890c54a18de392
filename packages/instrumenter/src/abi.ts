// The reserved interface between an instrumented module and the host (the wsbc runtime, or any
// embedder). This file is the contract: the instrumenter emits exactly these names, and the
// runtime programs against them. Changing a name or a code is a breaking change of ABI_VERSION.
//
// What an instrumented module adds (always appended, so no original index or name refers to it):
//
//   import  "wsbc" "out_of_fuel"  (func (param i64) (result i64))   only when fuel metering is on
//   global  $fuel   (mut i64)   export "__wsbc_fuel"    only when fuel metering is on; starts at 0
//   global  $status (mut i32)   export "__wsbc_status"  always
//   global  $depth  (mut i32)   export "__wsbc_depth"   only when the stack-depth guard is on
//   custom section "wsbc.instrumented" (JSON, see InstrumentationRecord)
//
// Fuel protocol (slices). `__wsbc_fuel` holds the fuel left in the current slice. Before a metered
// block runs, injected code subtracts the block's cost; if the result is negative it calls
// `wsbc.out_of_fuel(counter)` with the (negative) counter, i.e. minus the deficit, and stores the
// hook's result back into the counter. The hook
//   - refills by returning counter + grant, with grant >= deficit (typically the next slice), so
//     the result is >= 0 and execution continues; or
//   - stops by throwing (its own error propagates to whoever called into the guest), or by
//     returning a negative value, in which case the module sets `__wsbc_status` to
//     STATUS_FUEL_EXHAUSTED and executes `unreachable`.
// The counter starts at 0, so the first charge asks the host for the first slice; the hook needs
// no handle on the instance (it works during the start function). The host knows the fuel used:
// the sum of its grants minus what `__wsbc_fuel` holds at the end. Between slices the host may
// check wall-clock time, CPU usage or a cancellation flag. The host may also write the exported
// counter directly (for example to 0, so the next charge calls the hook).
//
// Traps raised by a guard set `__wsbc_status` to a nonzero STATUS_* code just before executing
// `unreachable`, so a host that catches a WebAssembly.RuntimeError reads the status global to
// tell a guard trap from the module's own traps (status 0). The host should reset the status to 0
// (and `__wsbc_depth` to 0) before calling into an instance again after a trap.
//
// Reserved names: the instrumenter refuses input that already imports from module "wsbc" or
// exports any name beginning with "__wsbc_", so the original code cannot reach these items.

/** Version of this interface; recorded in the custom section. */
export const ABI_VERSION = 1;

/** Import module of every host hook the instrumenter adds. Input modules may not import from it. */
export const HOOK_MODULE = 'wsbc';
/** Hook `(param i64) (result i64)` called when a charge makes the fuel counter negative. */
export const OUT_OF_FUEL_HOOK = 'out_of_fuel';

/** Prefix of every export the instrumenter adds. Input modules may not export names with it. */
export const RESERVED_EXPORT_PREFIX = '__wsbc_';
/** Mutable i64 global: fuel left in the current slice. */
export const FUEL_EXPORT = '__wsbc_fuel';
/** Mutable i32 global: 0 while running normally, a STATUS_* code once a guard has trapped. */
export const STATUS_EXPORT = '__wsbc_status';
/** Mutable i32 global: current guest call depth (only with the stack-depth guard). */
export const DEPTH_EXPORT = '__wsbc_depth';

/** Custom section recording how the module was instrumented (UTF-8 JSON of InstrumentationRecord). */
export const RECORD_SECTION = 'wsbc.instrumented';

/** `__wsbc_status` values. */
export const STATUS_RUNNING = 0;
/** The fuel hook returned with the counter still negative. */
export const STATUS_FUEL_EXHAUSTED = 1;
/** A memory.grow went past max pages or the growth rate and the policy asks for a trap. */
export const STATUS_MEMORY_LIMIT = 2;
/** A call went deeper than the configured stack depth. */
export const STATUS_STACK_OVERFLOW = 3;

export type GuardStatus =
  | typeof STATUS_RUNNING
  | typeof STATUS_FUEL_EXHAUSTED
  | typeof STATUS_MEMORY_LIMIT
  | typeof STATUS_STACK_OVERFLOW;

/** Human names of the status codes, for messages and audit logs. */
export const STATUS_NAMES: Readonly<Record<GuardStatus, string>> = {
  [STATUS_RUNNING]: 'running',
  [STATUS_FUEL_EXHAUSTED]: 'fuel exhausted',
  [STATUS_MEMORY_LIMIT]: 'memory limit',
  [STATUS_STACK_OVERFLOW]: 'stack overflow',
};

/** Contents of the `wsbc.instrumented` custom section. */
export interface InstrumentationRecord {
  abi: number;
  /** Fuel metering injected. */
  fuel: boolean;
  /** Memory-growth guard: the limits enforced, or null when not applied. */
  memory: { maxPages: number; maxGrowthPages: number; trapOnGrowFailure: boolean } | null;
  /** Stack-depth guard: the maximum depth, or null when not applied. */
  stackDepth: number | null;
  /** Fuel charged by the injected check of each metered block (part of that block's cost). */
  checkCost: number;
  /** Where charges test the counter: every metered block, or only entries, loop headers, handlers and exits. */
  checks: 'block' | 'loop';
  /**
   * Most fuel a run can be charged past its budget before a test stops it, beyond the cost of the
   * block whose test traps: 0 with checks 'block'; with 'loop', the largest fuel charged without a
   * test on any path between two tests (at most 1000, MAX_UNTESTED_FUEL).
   */
  maxOverrun: number;
}

/** Name of the branch-hint section (WebAssembly branch hinting) marking the counter tests unlikely. */
export const BRANCH_HINT_SECTION = 'metadata.code.branch_hint';

/** The V8 flag under which V8 before 13.7 reads branch hints (13.7 and later read them by default). */
export const V8_BRANCH_HINT_FLAG = '--experimental-wasm-branch-hinting';

/**
 * Whether a V8 of this version (`process.versions.v8`) reads the branch-hint section only with
 * V8_BRANCH_HINT_FLAG. A host sets the flag (process-wide, e.g. with node:v8 setFlagsFromString)
 * before compiling instrumented modules; on newer versions the flag is not needed.
 */
export function v8NeedsBranchHintFlag(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 13 || (major === 13 && minor < 7);
}
