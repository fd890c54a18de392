/// <reference lib="dom" />
// Runs one guest to completion in the current thread: builds its imports (our WASI, the fuel
// hook of the instrumenter ABI, granted host functions, an imported memory), instantiates it,
// calls its entry point and classifies how it ended. Used by the worker (worker.ts) for every
// `run`, and directly by level-3 embedders who accept running the guest in their own thread.
import type { Manifest } from '@wsbc/manifest';
import type { AuditDraft } from './audit.js';
import { GuestExit, SandboxTermination, type TerminationKind } from './termination.js';
import type { ModuleShape } from './module-shape.js';
import {
  DeterministicGuestClock, HostClock, RunMeter, SecureRandom, SeededRandom, type GuestClock, type RandomSource,
  type StdioBridge,
} from './wasi/services.js';
import { WasiPreview1 } from './wasi/preview1.js';
import { PREVIEW1, SNAPSHOT0 } from './wasi/abi.js';
import type { GuestMemory } from './wasi/memory.js';
import type { SocketBridge } from './socket-channel.js';

/** The names of the instrumenter ABI (passed in by the host so this module imports no other package). */
export interface FuelAbi {
  hookModule: string;
  outOfFuel: string;
  fuelExport: string;
  statusExport: string;
  depthExport: string;
  statusFuelExhausted: number;
  statusMemoryLimit: number;
  statusStackOverflow: number;
}

/** What a host function sees of the guest and the run. */
export interface HostCallContext {
  readonly memory: GuestMemory;
  readonly manifest: Manifest;
  /** Value of a custom capability, or undefined when the manifest does not declare it. */
  custom(name: string): boolean | number | string | string[] | undefined;
  /** Adds a record to the audit log (a decision of the host function's own). */
  audit(draft: AuditDraft): void;
}

/** A host function a plugin host offers to guests, with the capability it needs. */
export interface HostFunction {
  module: string;
  name: string;
  /** Custom capability that must be granted (truthy in the manifest), or null when the import grant suffices. */
  capability: string | null;
  fn: (ctx: HostCallContext, ...args: Array<number | bigint>) => number | bigint | void;
}

export interface GuestConfig {
  module: WebAssembly.Module;
  shape: ModuleShape;
  manifest: Manifest;
  args: string[];
  env: Array<[string, string]>;
  /** Export to call; `_start` for commands. */
  entry: string;
  stdio: StdioBridge;
  meter: RunMeter;
  audit: ((draft: AuditDraft) => void) | null;
  abi: FuelAbi;
  /** Instructions per fuel slice: the host checks time and CPU usage between slices. */
  fuelSlice: number;
  hostFunctions: HostFunction[];
  /** Seed actually used when random is pseudo (resolved by the host so it can be logged). */
  randomSeed: number;
  /** Listening sockets the host preopened for the guest. */
  sockets?: SocketBridge | null;
  /** Told as soon as the guest exits or is terminated from inside (see WasiOptions.onEnd). */
  onEnd?: (outcome: Pick<GuestOutcome, 'kind' | 'exitCode' | 'reason'>) => void;
}

export interface GuestOutcome {
  kind: TerminationKind;
  /** The guest's exit code when kind is `exit`. */
  exitCode: number | null;
  reason: string | null;
  fuelUsed: number | null;
  readBytes: number;
  writtenBytes: number;
  /** Problems that prevented the guest from starting (kind `refused`). */
  refusals: Array<{ code: string; message: string; data?: Record<string, unknown> }>;
}

const WASI_NAMESPACES = new Set([PREVIEW1.namespace, SNAPSHOT0.namespace]);

export function runGuest(config: GuestConfig): GuestOutcome {
  const { manifest, meter } = config;
  const audit = config.audit;
  const clock: GuestClock = manifest.time.deterministic
    ? new DeterministicGuestClock(manifest.time.deterministic)
    : new HostClock(meter);
  const random: RandomSource | null = manifest.random.mode === 'none'
    ? null
    : manifest.random.mode === 'secure' ? new SecureRandom() : new SeededRandom(config.randomSeed);
  const totals = () => meter.totals;
  const fuelReason = `fuel budget of ${manifest.limits.fuel} exhausted`;
  let wasi: WasiPreview1;
  try {
    wasi = new WasiPreview1({
      manifest, args: config.args, env: config.env, stdio: config.stdio, meter, clock, random, audit, sockets: config.sockets ?? null,
      onEnd: (end) => config.onEnd?.(end instanceof GuestExit
        ? fuel?.overBudget() !== undefined
          ? { kind: 'fuel', exitCode: null, reason: fuelReason }
          : { kind: 'exit', exitCode: end.code, reason: null }
        : { kind: end.kind, exitCode: null, reason: end.reason }),
    });
  } catch (error) {
    // A preopened directory that does not exist (or is not a directory) cannot be granted.
    const e = error as NodeJS.ErrnoException;
    const message = `cannot open a preopened directory: ${e.code ?? ''} ${e.path ?? e.message}`.replace(/\s+/g, ' ').trim();
    return { kind: 'refused', exitCode: null, reason: message, fuelUsed: null, ...totals(), refusals: [{ code: 'run/preopen-unavailable', message, ...(e.path ? { data: { path: e.path } } : {}) }] };
  }
  const refused = (code: string, message: string, data?: Record<string, unknown>): GuestOutcome => {
    wasi.close();
    return { kind: 'refused', exitCode: null, reason: message, fuelUsed: null, ...totals(), refusals: [{ code, message, ...(data ? { data } : {}) }] };
  };

  // ---- imports
  const wasiImports = wasi.imports();
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  let fuel: FuelMeter | undefined;
  let importedMemory: WebAssembly.Memory | undefined;
  const ctx: HostCallContext = {
    memory: wasi.memory,
    manifest,
    custom: (name) => manifest.custom.find((c) => c.name === name)?.value,
    audit: (draft) => audit?.(draft),
  };
  for (const imp of config.shape.imports) {
    const ns = (imports[imp.module] ??= {});
    if (imp.kind === 'func' && WASI_NAMESPACES.has(imp.module as 'wasi_unstable')) {
      const fn = wasiImports[imp.module as 'wasi_unstable'][imp.name];
      if (!fn) return refused('run/import-not-provided', `unknown WASI function ${imp.module}.${imp.name}`, { module: imp.module, name: imp.name });
      ns[imp.name] = fn;
    } else if (imp.kind === 'func' && imp.module === config.abi.hookModule && imp.name === config.abi.outOfFuel) {
      fuel = new FuelMeter(manifest.limits.fuel, config.fuelSlice, meter, audit);
      ns[imp.name] = (counter: bigint) => {
        try {
          return fuel!.outOfFuel(BigInt.asIntN(64, counter));
        } catch (error) {
          if (error instanceof SandboxTermination) wasi.end(error);
          throw error;
        }
      };
    } else if (imp.kind === 'func' && imp.module === 'wasi' && imp.name === 'thread-spawn') {
      // Guests run single-threaded here: spawning always fails, as wasi-threads allows (negative result).
      ns[imp.name] = () => {
        audit?.({ type: 'limit', limit: 'threads', action: 'refused', max: manifest.limits.cpu.maxThreads, value: 2, op: 'wasi.thread-spawn' });
        return -1;
      };
    } else if (imp.kind === 'memory') {
      const limits = imp.memory!;
      const max = manifest.limits.memory.maxPages;
      if (limits.min > max) {
        return { ...refused('run/memory-over-limit', `imported memory needs ${limits.min} pages; the limit is ${max}`), kind: 'memory' };
      }
      const initial = Math.min(Math.max(limits.min, manifest.limits.memory.reservedPages), max, limits.max ?? max);
      const maximum = Math.min(limits.max ?? max, max);
      try {
        importedMemory = new WebAssembly.Memory({ initial, maximum, ...(limits.shared ? { shared: true } : {}) } as WebAssembly.MemoryDescriptor);
      } catch {
        return { ...refused('run/memory-over-limit', `could not reserve ${initial} pages of memory`), kind: 'memory' };
      }
      ns[imp.name] = importedMemory;
    } else if (imp.kind === 'func') {
      const grant = manifest.imports.find((g) => g.module === imp.module && (g.name === imp.name || g.name === '*'));
      const host = config.hostFunctions.find((h) => h.module === imp.module && h.name === imp.name);
      const op = `${imp.module}.${imp.name}`;
      const detail = { module: imp.module, name: imp.name };
      if (!grant) {
        audit?.({ type: 'decision', capability: 'import', op, outcome: 'denied', reason: 'import not granted by the policy', detail });
        return refused('run/import-not-allowed', `the policy does not allow the import ${op}`, detail);
      }
      const needed = [grant.requires, host?.capability ?? null].filter((c): c is string => c !== null);
      const missing = needed.find((name) => !isGranted(manifest, name));
      if (missing !== undefined) {
        audit?.({ type: 'decision', capability: 'import', op, outcome: 'denied', reason: `custom capability "${missing}" not granted`, detail });
        return refused('run/import-not-allowed', `the import ${op} needs the custom capability "${missing}", which the policy does not grant`, detail);
      }
      if (!host) return refused('run/import-not-provided', `no host function provides the import ${op}`, detail);
      const logCalls = manifest.audit.decisions === 'all' && audit !== null;
      ns[imp.name] = (...args: Array<number | bigint>) => {
        wasi.memory.refresh();
        if (logCalls) audit!({ type: 'decision', capability: 'import', op, outcome: 'allowed', detail });
        return host.fn(ctx, ...args);
      };
    } else {
      return refused('run/import-not-provided', `the runtime provides no ${imp.kind} import ${imp.module}.${imp.name}`, { module: imp.module, name: imp.name });
    }
  }

  // ---- instantiate
  let instance: WebAssembly.Instance | undefined;
  let memory: WebAssembly.Memory | undefined;
  meter.start();
  try {
    instance = new WebAssembly.Instance(config.module, imports as WebAssembly.Imports);
  } catch (error) {
    return finish(error);
  }
  const exports = instance.exports;
  memory = importedMemory ?? (exports.memory instanceof WebAssembly.Memory ? exports.memory : undefined);
  if (memory) wasi.memory.attach(memory);
  const fuelGlobal = exports[config.abi.fuelExport];
  if (fuel && fuelGlobal instanceof WebAssembly.Global) fuel.attach(fuelGlobal);
  audit?.({
    type: 'lifecycle', event: 'instantiated',
    detail: { fuelMetered: fuel !== undefined, memoryPages: memory ? memory.buffer.byteLength / 65536 : 0 },
  });
  const entry = exports[config.entry];
  if (typeof entry !== 'function') {
    return refused('run/no-entry-point', `the module exports no function "${config.entry}"`, { entry: config.entry });
  }
  try {
    (entry as () => unknown)();
    return finish(new GuestExit(0));
  } catch (error) {
    return finish(error);
  }

  function finish(error: unknown): GuestOutcome {
    wasi.close();
    const base = { fuelUsed: fuel?.used ?? null, ...totals(), refusals: [] };
    const fuelExhausted = (value: number | null): GuestOutcome => {
      audit?.({ type: 'limit', limit: 'fuel', action: 'terminated', max: manifest.limits.fuel, value });
      return { ...base, kind: 'fuel', exitCode: null, reason: fuelReason };
    };
    if (error instanceof GuestExit) {
      // With the instrumenter's default `checks: 'loop'`, the last charges of a run need not test
      // the counter: a guest can return or exit up to its module's `maxOverrun` past the budget
      // without reaching the hook. Reading the counter here makes that run a fuel exhaustion, the
      // same outcome as when a test catches it.
      const over = fuel?.overBudget();
      return over !== undefined ? fuelExhausted(over) : { ...base, kind: 'exit', exitCode: error.code, reason: null };
    }
    if (error instanceof SandboxTermination) return { ...base, kind: error.kind, exitCode: null, reason: error.reason };
    const status = readStatus(instance, config.abi.statusExport);
    if (status === config.abi.statusFuelExhausted) return fuelExhausted(fuel?.used ?? null);
    if (status === config.abi.statusMemoryLimit) {
      audit?.({ type: 'limit', limit: 'memory', action: 'terminated', max: manifest.limits.memory.maxPages, value: null });
      return { ...base, kind: 'memory', exitCode: null, reason: `memory limit of ${manifest.limits.memory.maxPages} pages reached` };
    }
    if (status === config.abi.statusStackOverflow) {
      return { ...base, kind: 'trap', exitCode: null, reason: 'trap: call stack depth limit reached' };
    }
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof WebAssembly.LinkError || error instanceof WebAssembly.CompileError) {
      return { ...refused('run/instantiate-failed', message), ...{ fuelUsed: base.fuelUsed } };
    }
    if (error instanceof RangeError && /memory/i.test(message)) {
      audit?.({ type: 'limit', limit: 'memory', action: 'terminated', max: manifest.limits.memory.maxPages, value: null });
      return { ...base, kind: 'memory', exitCode: null, reason: `could not allocate memory: ${message}` };
    }
    if (error instanceof RangeError && /call stack/i.test(message)) {
      return { ...base, kind: 'trap', exitCode: null, reason: 'trap: call stack exhausted' };
    }
    if (error instanceof WebAssembly.RuntimeError) {
      // A guest that traps right after the engine refused to grow its memory past the limit ran
      // out of memory (typically malloc failing into abort()): report the limit, not a bare trap.
      const pages = memory ? memory.buffer.byteLength / 65536 : 0;
      if (pages >= manifest.limits.memory.maxPages) {
        audit?.({ type: 'limit', limit: 'memory', action: 'terminated', max: manifest.limits.memory.maxPages, value: pages });
        return { ...base, kind: 'memory', exitCode: null, reason: `memory limit of ${manifest.limits.memory.maxPages} pages reached (${message})` };
      }
      return { ...base, kind: 'trap', exitCode: null, reason: `trap: ${message}` };
    }
    // A host function threw: the guest cannot continue, and it is reported like a trap.
    return { ...base, kind: 'trap', exitCode: null, reason: `host function failed: ${message}` };
  }
}

function readStatus(instance: WebAssembly.Instance | undefined, name: string): number {
  const g = instance?.exports[name];
  return g instanceof WebAssembly.Global ? Number(g.value) : 0;
}

function isGranted(manifest: Manifest, name: string): boolean {
  const c = manifest.custom.find((x) => x.name === name);
  if (!c) return false;
  if (c.type === 'boolean') return c.value;
  if (c.type === 'number') return c.value !== 0;
  return c.value.length > 0;
}

/**
 * Fuel slices (instrumenter ABI): the counter holds the fuel left in the current slice and starts
 * at 0; when a charge makes it negative the module calls the hook with the counter and stores the
 * result back. The hook checks the CPU limits, then returns the next slice (so the grant is
 * `slice - counter`) or ends the run when the budget is spent. Fuel used = sum of grants minus the
 * counter.
 */
class FuelMeter {
  private global: WebAssembly.Global | undefined;
  private granted = 0n;
  /** Fuel used when the budget ran out (the counter is not stored back when the hook throws). */
  private exhausted: number | undefined;

  constructor(
    private readonly budget: number | null,
    private readonly slice: number,
    private readonly meter: RunMeter,
    private readonly audit: ((draft: AuditDraft) => void) | null,
  ) {}

  /** The exported counter, read at the end to compute the fuel used. */
  attach(global: WebAssembly.Global): void {
    this.global = global;
  }

  get attached(): boolean {
    return this.global !== undefined;
  }

  get used(): number {
    if (this.exhausted !== undefined) return this.exhausted;
    const counter = this.global ? BigInt(this.global.value as bigint) : 0n;
    return Number(this.granted - counter);
  }

  /** The fuel used when it is past the budget (read after the run), else undefined. */
  overBudget(): number | undefined {
    if (this.budget === null || this.global === undefined) return undefined;
    const used = this.used;
    return used > this.budget ? used : undefined;
  }

  outOfFuel(counter: bigint): bigint {
    const used = this.granted - counter;
    this.meter.checkCpu('fuel');
    if (this.budget !== null && used > BigInt(this.budget)) {
      this.exhausted = Number(used);
      this.audit?.({ type: 'limit', limit: 'fuel', action: 'terminated', max: this.budget, value: Number(used) });
      throw new SandboxTermination('fuel', `fuel budget of ${this.budget} exhausted`);
    }
    const next = this.budget === null ? BigInt(this.slice) : minBig(BigInt(this.slice), BigInt(this.budget) - used);
    this.granted += next - counter;
    return next;
  }
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
