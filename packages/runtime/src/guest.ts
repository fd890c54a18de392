/// <reference lib="dom" />
// Runs one guest to completion in the current thread: builds its imports (our WASI, the fuel
// hook of the instrumenter ABI, granted host functions, an imported memory), instantiates it,
// calls its entry point and classifies how it ended. Used by the worker (worker.ts) for every
// `run`, and directly by level-3 embedders who accept running the guest in their own thread.
import type { Manifest } from '@wsbc/manifest';
import type { AuditDraft, LimitName } from './audit.js';
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
import { ThreadHub } from './threads.js';
import { THREAD_START_EXPORT, THREAD_START_TYPE } from './thread-start.js';
import { Errno } from './wasi/errno.js';

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
  onEnd?: (outcome: Pick<GuestOutcome, 'kind' | 'exitCode' | 'reason' | 'limit'>) => void;
}

export interface GuestOutcome {
  kind: TerminationKind;
  /** The guest's exit code when kind is `exit`. */
  exitCode: number | null;
  reason: string | null;
  /** The limit that ended the run, when one did (its audit name). */
  limit?: LimitName | null;
  fuelUsed: number | null;
  readBytes: number;
  writtenBytes: number;
  /** Problems that prevented the guest from starting (kind `refused`). */
  refusals: Array<{ code: string; message: string; data?: Record<string, unknown> }>;
  /** The status of an `interrupted` run when its abort reason names one (see RunOptions.signal). */
  status?: number;
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
  // A grow refused at the module's own declared maximum is the module's limit, not the sandbox's:
  // only a memory whose maximum the policy lowered can trap "at the memory limit".
  const declaredMemory = config.shape.imports.find((imp) => imp.kind === 'memory')?.memory ?? config.shape.memories[0];
  // The instrumenter writes the policy's limit into the module as its declared maximum, so for an
  // instrumented module a maximum equal to the limit is taken as the policy's (a module that
  // declared exactly that much itself is then reported at the memory limit too).
  const instrumented = config.shape.exports.some((e) => e.name === config.abi.statusExport);
  const policyCapsMemory = declaredMemory !== undefined
    && (declaredMemory.max === null || declaredMemory.max > manifest.limits.memory.maxPages
      || (instrumented && declaredMemory.max === manifest.limits.memory.maxPages));
  const fuelReason = `fuel budget of ${manifest.limits.fuel} exhausted`;
  let wasi: WasiPreview1;
  try {
    wasi = new WasiPreview1({
      manifest, args: config.args, env: config.env, stdio: config.stdio, meter, clock, random, audit, sockets: config.sockets ?? null,
      onEnd: (end) => config.onEnd?.(end instanceof GuestExit
        ? fuel?.overBudget() !== undefined
          ? { kind: 'fuel', exitCode: null, reason: fuelReason, limit: 'fuel' }
          : { kind: 'exit', exitCode: end.code, reason: null }
        : { kind: end.kind, exitCode: null, reason: end.reason, limit: end.limit }),
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
  let fuel: FuelPool | undefined;
  let importedMemory: WebAssembly.Memory | undefined;
  // wasi-threads (threads.ts): threads need the policy's leave, a shared memory every thread's
  // instance can import and the export new threads start in.
  const sharedMemory = config.shape.imports.find((imp) => imp.kind === 'memory' && imp.memory?.shared);
  const threadsWithheld = manifest.limits.cpu.maxThreads <= 1 ? null
    : !sharedMemory ? 'the module imports no shared memory'
    : !config.shape.exports.some((e) => e.name === THREAD_START_EXPORT && e.kind === 0) ? `the module exports no function "${THREAD_START_EXPORT}"`
    // Called with another type, a thread would fail converting its arguments (a host error, not the guest's trap).
    : config.shape.threadStartType !== undefined && config.shape.threadStartType !== THREAD_START_TYPE
      ? `"${THREAD_START_EXPORT}" has type ${config.shape.threadStartType}, not ${THREAD_START_TYPE}`
    : undefined;
  let hub: ThreadHub<FuelMeter | null> | undefined;
  const fuelHook = (meter: FuelMeter, counter: bigint): bigint => {
    // A guest that caught its own end gets no further slices: it would compute on until the host cuts it off.
    if (wasi.endedBy) throw wasi.endedBy;
    try {
      return meter.outOfFuel(BigInt.asIntN(64, counter));
    } catch (error) {
      if (error instanceof SandboxTermination) wasi.end(error);
      throw error;
    }
  };
  const ctx: HostCallContext = {
    memory: wasi.memory,
    manifest,
    custom: (name) => manifest.custom.find((c) => c.name === name)?.value,
    audit: (draft) => audit?.(draft),
  };
  // Grants and host functions by module and name, built once: scanning every grant for every
  // import was quadratic (100,000 imports against as many grants took minutes before the run).
  const grantsOf = indexByName(manifest.imports);
  const hostOf = indexByName(config.hostFunctions);
  for (const imp of config.shape.imports) {
    const ns = (imports[imp.module] ??= {});
    if (imp.kind === 'func' && WASI_NAMESPACES.has(imp.module as 'wasi_unstable')) {
      const fn = wasiImports[imp.module as 'wasi_unstable'][imp.name];
      if (!fn) return refused('run/import-not-provided', `unknown WASI function ${imp.module}.${imp.name}`, { module: imp.module, name: imp.name });
      ns[imp.name] = fn;
    } else if (imp.kind === 'func' && imp.module === config.abi.hookModule && imp.name === config.abi.outOfFuel) {
      fuel = new FuelPool(manifest.limits.fuel, config.fuelSlice, meter, audit);
      const main = fuel.add();
      ns[imp.name] = (counter: bigint) => fuelHook(main, counter);
    } else if (imp.kind === 'func' && imp.module === 'wasi' && imp.name === 'thread-spawn') {
      const op = 'wasi.thread-spawn';
      const maxThreads = manifest.limits.cpu.maxThreads;
      if (threadsWithheld !== undefined) {
        // The guest runs single-threaded: every spawn fails, as wasi-threads allows (a negative result).
        ns[imp.name] = () => {
          if (threadsWithheld === null) audit?.({ type: 'limit', limit: 'threads', action: 'refused', max: maxThreads, value: 2, op });
          else if (audit && manifest.audit.decisions !== 'none') {
            audit({ type: 'decision', capability: 'threads', op, outcome: 'denied', errno: 'again', reason: `threads need a shared imported memory and ${THREAD_START_EXPORT}: ${threadsWithheld}` });
          }
          return -Errno.AGAIN;
        };
      } else {
        ns[imp.name] = (startArg: number) => hub!.spawn(startArg);
      }
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
      // Every grant that names the import counts, the exact one and a `*` one alike: `allow "m" "*"`
      // beside `allow "m" "f" requires "x"` means f needs x (the analyzer's hostImportVerdict reads
      // grants the same way). Taking the first match let the `*` grant, which sorts first, waive it.
      const names = grantsOf.get(imp.module);
      // In manifest order, so that the first unmet requirement named is the one a scan finds.
      const grants = [...(names?.get(imp.name) ?? []), ...(imp.name === '*' ? [] : (names?.get('*') ?? []))].sort((a, b) => a.at - b.at).map((g) => g.entry);
      const host = hostOf.get(imp.module)?.get(imp.name)?.[0]?.entry;
      const op = `${imp.module}.${imp.name}`;
      const detail = { module: imp.module, name: imp.name };
      if (grants.length === 0) {
        audit?.({ type: 'decision', capability: 'import', op, outcome: 'denied', reason: 'import not granted by the policy', detail });
        return refused('run/import-not-allowed', `the policy does not allow the import ${op}`, detail);
      }
      const needed = [...grants.map((g) => g.requires), host?.capability ?? null].filter((c): c is string => c !== null);
      const missing = needed.find((name) => !isGranted(manifest, name));
      if (missing !== undefined) {
        audit?.({ type: 'decision', capability: 'import', op, outcome: 'denied', reason: `custom capability "${missing}" not granted`, detail });
        return refused('run/import-not-allowed', `the import ${op} needs the custom capability "${missing}", which the policy does not grant`, detail);
      }
      if (!host) return refused('run/import-not-provided', `no host function provides the import ${op}`, detail);
      const logCalls = manifest.audit.decisions === 'all' && audit !== null;
      ns[imp.name] = (...args: Array<number | bigint>) => {
        // As for WASI calls: a guest that caught its own end may not act through the embedder's functions.
        if (wasi.endedBy) throw wasi.endedBy;
        wasi.memory.refresh();
        if (logCalls) audit!({ type: 'decision', capability: 'import', op, outcome: 'allowed', detail });
        return host.fn(ctx, ...args);
      };
    } else {
      return refused('run/import-not-provided', `the runtime provides no ${imp.kind} import ${imp.module}.${imp.name}`, { module: imp.module, name: imp.name });
    }
  }

  // ---- threaded run: every guest thread in a worker of its own, served from here (threads.ts)
  let instance: WebAssembly.Instance | undefined;
  let memory: WebAssembly.Memory | undefined;
  const spawns = config.shape.imports.some((imp) => imp.kind === 'func' && imp.module === 'wasi' && imp.name === 'thread-spawn');
  if (spawns && threadsWithheld === undefined && importedMemory && sharedMemory) {
    memory = importedMemory;
    wasi.memory.attach(memory);
    const funcs = config.shape.imports.filter((imp) => imp.kind === 'func')
      .map((imp) => ({ module: imp.module, name: imp.name, fn: imports[imp.module]![imp.name] as (...args: unknown[]) => unknown }));
    const pool = fuel;
    const threads: ThreadHub<FuelMeter | null> = new ThreadHub<FuelMeter | null>({
      module: config.module, memory, memoryImport: { module: sharedMemory.module, name: sharedMemory.name }, funcs,
      fuelHookIndex: funcs.findIndex((f) => f.module === config.abi.hookModule && f.name === config.abi.outOfFuel),
      fuelHook: (m, counter) => fuelHook(m!, counter),
      // The first thread (`_start`) takes the meter made with the imports; later ones a new one.
      newMeter: () => (pool ? (threads.threads.length === 0 ? pool.meters[0]! : pool.add()) : null),
      maxThreads: manifest.limits.cpu.maxThreads,
      statusExport: config.abi.statusExport,
      fuelExport: config.abi.fuelExport,
      tick: () => meter.onTick(),
      onSpawn: (o) => {
        const op = 'wasi.thread-spawn';
        if (o.ok) {
          if (manifest.audit.decisions === 'all') audit?.({ type: 'decision', capability: 'threads', op, outcome: 'allowed', detail: { tid: o.tid, threads: o.live } });
        } else if (o.reason === 'limit') {
          audit?.({ type: 'limit', limit: 'threads', action: 'refused', max: manifest.limits.cpu.maxThreads, value: o.live + 1, op });
        } else if (audit && manifest.audit.decisions !== 'none') {
          audit({ type: 'decision', capability: 'threads', op, outcome: 'denied', errno: 'again', reason: o.reason });
        }
      },
    });
    hub = threads;
    meter.waits = threads;
    if (pool) {
      pool.liveThreads = () => threads.live;
      pool.metered = config.shape.exports.some((e) => e.name === config.abi.fuelExport);
    }
    meter.start();
    audit?.({ type: 'lifecycle', event: 'instantiated', detail: { fuelMetered: fuel !== undefined, memoryPages: memory.buffer.byteLength / 65536, threads: true } });
    const end = threads.run();
    for (const t of threads.threads) t.meter?.settle(t.finalCounter);
    return finish(end.error ?? new GuestExit(0), end.status);
  }

  // ---- instantiate
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
  if (fuel && fuelGlobal instanceof WebAssembly.Global) fuel.meters[0]!.attach(fuelGlobal);
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

  function finish(thrown: unknown, status = readStatus(instance, config.abi.statusExport)): GuestOutcome {
    // The first end wins: a guest that caught its proc_exit or a limit's termination and then
    // returned (or trapped) does not get to choose another outcome.
    const error = wasi.endedBy ?? thrown;
    wasi.close();
    const base = { fuelUsed: fuel?.used ?? null, ...totals(), refusals: [] };
    const fuelExhausted = (value: number | null): GuestOutcome => {
      audit?.({ type: 'limit', limit: 'fuel', action: 'terminated', max: manifest.limits.fuel, value });
      return { ...base, kind: 'fuel', exitCode: null, reason: fuelReason, limit: 'fuel' };
    };
    if (error instanceof GuestExit) {
      // With the instrumenter's default `checks: 'loop'`, the last charges of a run need not test
      // the counter: a guest can return or exit up to its module's `maxOverrun` past the budget
      // without reaching the hook. Reading the counter here makes that run a fuel exhaustion, the
      // same outcome as when a test catches it.
      const over = fuel?.overBudget();
      return over !== undefined ? fuelExhausted(over) : { ...base, kind: 'exit', exitCode: error.code, reason: null };
    }
    if (error instanceof SandboxTermination) return { ...base, kind: error.kind, exitCode: null, reason: error.reason, limit: error.limit };
    if (status === config.abi.statusFuelExhausted) return fuelExhausted(fuel?.used ?? null);
    if (status === config.abi.statusMemoryLimit) {
      audit?.({ type: 'limit', limit: 'memory', action: 'terminated', max: manifest.limits.memory.maxPages, value: null });
      return { ...base, kind: 'memory', exitCode: null, reason: `memory limit of ${manifest.limits.memory.maxPages} pages reached`, limit: 'memory' };
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
      return { ...base, kind: 'memory', exitCode: null, reason: `could not allocate memory: ${message}`, limit: 'memory' };
    }
    if (error instanceof RangeError && /call stack/i.test(message)) {
      return { ...base, kind: 'trap', exitCode: null, reason: 'trap: call stack exhausted' };
    }
    if (error instanceof WebAssembly.RuntimeError) {
      // A guest that traps right after the engine refused to grow its memory past the limit ran
      // out of memory (typically malloc failing into abort()): report the limit, not a bare trap.
      const pages = memory ? memory.buffer.byteLength / 65536 : 0;
      if (pages >= manifest.limits.memory.maxPages && policyCapsMemory) {
        audit?.({ type: 'limit', limit: 'memory', action: 'terminated', max: manifest.limits.memory.maxPages, value: pages });
        return { ...base, kind: 'memory', exitCode: null, reason: `memory limit of ${manifest.limits.memory.maxPages} pages reached (${message})`, limit: 'memory' };
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

/** Entries by module, then by name, with their positions (a grant of `*` is listed under `*`). */
function indexByName<T extends { module: string; name: string }>(entries: readonly T[]): Map<string, Map<string, Array<{ entry: T; at: number }>>> {
  const index = new Map<string, Map<string, Array<{ entry: T; at: number }>>>();
  entries.forEach((entry, at) => {
    let names = index.get(entry.module);
    if (!names) index.set(entry.module, (names = new Map()));
    const list = names.get(entry.name);
    if (list) list.push({ entry, at });
    else names.set(entry.name, [{ entry, at }]);
  });
  return index;
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
 *
 * A run's budget is one pool; each instance (one per guest thread, see threads.ts) has a meter
 * of its own. A meter's hook call sees its own counter only, so it counts what the other threads
 * were granted as used: the budget is never over-granted, and with one thread this is exact. With
 * several, a slice is at most the remaining budget divided among the running threads, so that
 * little granted fuel is left unused when a thread finds the budget spent (the run then ends,
 * like a single-threaded run, while other threads may hold up to their last share).
 */
class FuelPool {
  /** Sum of every meter's grants. */
  granted = 0n;
  readonly meters: FuelMeter[] = [];
  /** Threads running now (set by the thread hub). */
  liveThreads: () => number = () => 1;
  /** Whether the counters can be read back (the module exports its fuel counter). */
  metered = false;

  constructor(
    readonly budget: number | null,
    readonly slice: number,
    readonly meter: RunMeter,
    readonly audit: ((draft: AuditDraft) => void) | null,
  ) {}

  add(): FuelMeter {
    const m = new FuelMeter(this);
    this.meters.push(m);
    return m;
  }

  /** Fuel used by every instance. */
  get used(): number {
    return this.meters.reduce((sum, m) => sum + m.used, 0);
  }

  /** The fuel used when it is past the budget (read after the run), else undefined. */
  overBudget(): number | undefined {
    if (this.budget === null || !this.metered) return undefined;
    const used = this.used;
    return used > this.budget ? used : undefined;
  }
}

/** The fuel of one instance (see FuelPool). */
class FuelMeter {
  private granted = 0n;
  /** Reads the instance's counter: its exported global, or the value its thread reported last. */
  private counter: () => bigint = () => 0n;
  /** Fuel used when the budget ran out (the counter is not stored back when the hook throws). */
  private exhausted: number | undefined;

  constructor(private readonly pool: FuelPool) {}

  /** The exported counter, read at the end to compute the fuel used. */
  attach(global: WebAssembly.Global): void {
    this.counter = () => BigInt(global.value as bigint);
    this.pool.metered = true;
  }

  /**
   * The counter a guest thread's instance held when it finished; undefined when it was still
   * running at the end of the run (its whole grant then counts as used).
   */
  settle(counter: bigint | undefined): void {
    this.counter = () => counter ?? 0n;
  }

  get used(): number {
    if (this.exhausted !== undefined) return this.exhausted;
    return Number(this.granted - this.counter());
  }

  outOfFuel(counter: bigint): bigint {
    const pool = this.pool;
    // This instance's use plus every other instance's grants (all of it, with one thread).
    const committed = pool.granted - counter;
    pool.meter.checkCpu('fuel');
    if (pool.budget !== null && committed > BigInt(pool.budget)) {
      this.exhausted = Number(this.granted - counter);
      pool.audit?.({ type: 'limit', limit: 'fuel', action: 'terminated', max: pool.budget, value: Number(committed) });
      throw new SandboxTermination('fuel', `fuel budget of ${pool.budget} exhausted`, 'fuel');
    }
    let next = BigInt(pool.slice);
    if (pool.budget !== null) {
      const left = BigInt(pool.budget) - committed;
      const live = BigInt(Math.max(1, pool.liveThreads()));
      next = minBig(next, (left + live - 1n) / live);
    }
    this.granted += next - counter;
    pool.granted += next - counter;
    return next;
  }
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
