/// <reference lib="dom" />
// The host side of a sandboxed run. run() is a pipeline of steps, each of which may refuse:
//   load the manifest → read the module → prepare steps (instrument on the fly, verify a vetted
//   artifact: supplied by the caller) → check the module's shape against the limits (memory,
//   tables) → tighten memory maxima → compile → run the guest in a worker while enforcing the
//   wall-clock limits from this thread → report the status.
// The guest runs in a worker thread so that a timeout ends the guest with worker.terminate(),
// never the host. Time limits the guest cannot be trusted to check (total, idle, CPU time) are
// watched from here through counters the worker shares; I/O, fuel and CPU-usage limits are
// applied inside the worker on every host call and fuel slice.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { classifyImport, formatSignature, sameSignature } from '@wsbc/analyzer/classify';
import type { Diagnostic } from '@wsbc/diagnostics';
import { loadManifest, validateManifest, type Manifest } from '@wsbc/manifest';
// The ABI constants alone: a run of a vetted artifact never loads the instrumenter itself.
import * as abi from '@wsbc/instrumenter/abi';
import { AuditStamper, openAuditSink, type AuditDraft, type AuditOption, type AuditRecord, type AuditSink, type LimitName } from './audit.js';
import type { FuelAbi, GuestOutcome } from './guest.js';
import { ModuleFormatError, readModuleShape, tightenMemoryMaxima, type ModuleShape } from './module-shape.js';
import { atomicWaitGuardPending, guardAtomicWaits } from './atomic-wait-probe.js';
import { AUDIT_RECORD_WEIGHT, createStdinChannel, StdinWriter } from './stdio-channel.js';
import { createSocketChannel, type SocketChannel } from './socket-channel.js';
import { SocketHost, listenAllowed } from './socket-host.js';
import { RunStatus, STATUS_OF_KIND, type TerminationKind } from './termination.js';
import { terminationLine } from './termination-line.js';
import { METER_LENGTH, METER_SLOTS, wallNow } from './wasi/services.js';
import { errnoFromHostError } from './wasi/errno.js';
import type { WorkerConfig, WorkerMessage } from './worker.js';
import { acquireWorker, release, startWorkerAhead, whenNextWorkerReady } from './worker-pool.js';
import { WorkerScriptError } from './worker-script.js';

let branchHintsRead: Promise<void> | undefined;
/**
 * Instrumented modules mark their counter tests unlikely in a branch-hint section, and V8 then
 * compiles the out-of-fuel path as cold code (measured: the sql.js query mix 1.38x -> 1.32x of
 * the uninstrumented time). V8 before 13.7 reads hints only under a flag, which is process-wide:
 * it is set once, before the first compile of a module that carries hints, and changes nothing
 * but the code V8 generates for such modules. node:v8 is loaded only then (about 1.5 ms).
 *
 * Changing a V8 flag also changes the flag hash that V8's code caches are checked against: every
 * script a thread compiles afterwards, Node's own built-in modules included, is compiled from
 * source. A worker that boots across the change costs about 25 ms more CPU (an empty worker 89.7
 * -> 114.7 ms of process CPU; 93.4 when the flag is set once the worker is ready), so the flag is
 * set only for modules with hints and only once the worker the run takes is ready.
 */
function readBranchHints(): Promise<void> {
  branchHintsRead ??= abi.v8NeedsBranchHintFlag(process.versions.v8)
    ? whenNextWorkerReady().then(() => {
        const v8 = createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
        v8.setFlagsFromString(abi.V8_BRANCH_HINT_FLAG);
      })
    : Promise.resolve();
  return branchHintsRead;
}

export interface OutputSink {
  write(chunk: Uint8Array): unknown;
}

/** A step that transforms or verifies the module bytes before they run (instrument, verify, ...). */
export interface PrepareStep {
  name: string;
  apply(bytes: Uint8Array, manifest: Manifest): Promise<PrepareResult> | PrepareResult;
}
export type PrepareResult = { ok: true; bytes: Uint8Array; diagnostics?: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Default bound on the audit records of one run: about 150 MB of JSON lines, far more than a
 * well-behaved module writes, and reached in seconds by one looping on a denied call.
 */
export const DEFAULT_AUDIT_MAX_RECORDS = 1_000_000;

export interface RunOptions {
  /** The normalized manifest, or the path of a manifest.json. (.wsp policies are compiled by the CLI or @wsbc/cli's helpers.) */
  policy: Manifest | string;
  /** Guest arguments after argv[0]. */
  args?: string[];
  /** argv[0] the guest sees; the module's file name by default. */
  argv0?: string;
  /** Values for environment variables; the manifest decides which names the guest sees. Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Extra NAME=VALUE pairs that override `env` (the CLI's --env). */
  envOverrides?: Record<string, string>;
  /** Guest stdin: a readable stream, bytes, or nothing (end of file at once). */
  stdin?: NodeJS.ReadableStream | Uint8Array | string;
  stdout?: OutputSink;
  stderr?: OutputSink;
  audit?: AuditOption;
  /** Steps run on the module bytes before the shape check, in order. */
  prepare?: PrepareStep[];
  /** Exported function to call (default `_start`). */
  entry?: string;
  /** URL or path of an ES module whose default export is an array of HostFunction (level 3). */
  hostFunctions?: string | URL;
  /** Write the one-line termination reason to stderr (default true). */
  reportTermination?: boolean;
  /** Instructions per fuel slice (default 1e6): how often an instrumented guest returns to the host. */
  fuelSlice?: number;
  /**
   * Most audit records the guest's calls may produce (default DEFAULT_AUDIT_MAX_RECORDS; null: no
   * bound). Every decision is logged, so a guest looping on a denied call would otherwise fill
   * the host's disk; past the bound the run ends as an I/O quota (status 138), with every record
   * up to it in the log.
   */
  auditMaxRecords?: number | null;
  /**
   * Ends the run from outside when aborted (a Ctrl-C, a caller's own deadline): the guest is
   * stopped at once, and the run ends as `interrupted`, status 130, with its final audit record
   * and the sink closed, like any other termination. The abort reason may be a string (the
   * reason reported) or `{ status, reason }` to report another status (143 for SIGTERM).
   */
  signal?: AbortSignal;
  /** Label of the module in audit records and messages (default: the path, or "module"). */
  label?: string;
  /**
   * Addresses the host listens on and hands to the guest as preopened listening sockets (after
   * the preopened directories, in this order). Each must be allowed by the manifest's network
   * grants; port 0 picks a free port and needs a grant for every port of that host.
   */
  listen?: Array<{ host: string; port: number }>;
  /** Called with the bound addresses once the host listens (before the guest starts). */
  onListen?: (addresses: Array<{ host: string; port: number }>) => void;
}

export interface RunResult {
  /** The process exit status: the guest's exit code, or a RunStatus for sandbox terminations. */
  status: number;
  termination: TerminationKind;
  /** The guest's own exit code when termination is `exit`. */
  exitCode: number | null;
  /** One-line human reason for any termination other than a guest exit. */
  reason: string | null;
  /** The limit that ended the run (its name in the audit log), or null when no limit did. */
  limit: LimitName | null;
  /** Fuel used, for instrumented modules. */
  fuelUsed: number | null;
  stats: { wallMs: number; computeMs: number; idleMs: number; readBytes: number; writtenBytes: number };
  /** Why the run was refused, and warnings from preparation. */
  diagnostics: Diagnostic[];
  /** The pseudo-random seed used (replay it with `random pseudo seed N`), null otherwise. */
  randomSeed: number | null;
}

const FUEL_ABI: FuelAbi = {
  hookModule: abi.HOOK_MODULE,
  outOfFuel: abi.OUT_OF_FUEL_HOOK,
  fuelExport: abi.FUEL_EXPORT,
  statusExport: abi.STATUS_EXPORT,
  depthExport: abi.DEPTH_EXPORT,
  statusFuelExhausted: abi.STATUS_FUEL_EXHAUSTED,
  statusMemoryLimit: abi.STATUS_MEMORY_LIMIT,
  statusStackOverflow: abi.STATUS_STACK_OVERFLOW,
};

/** Level 1: runs a module (path or bytes) under a manifest. Never throws for guest or input problems. */
export async function run(module: string | Uint8Array, options: RunOptions): Promise<RunResult> {
  const startedAt = wallNow();
  // A worker thread boots while the manifest, the module and the prepare steps are dealt with,
  // instead of after them. A run refused before it needs the worker leaves it for the next run.
  startWorkerAhead();
  const label = options.label ?? (typeof module === 'string' ? module : 'module');
  const stderr = options.stderr ?? process.stderr;
  let sink: AuditSink | undefined;
  const manifestResult = resolveManifest(options.policy);
  const timestamps = manifestResult.ok ? manifestResult.manifest.time.deterministic === null : true;
  const stamper = new AuditStamper(startedAt, timestamps);
  const emit = (draft: AuditDraft, at = wallNow()): void => {
    sink?.write(stamper.stamp(draft, at));
  };
  const diagnostics: Diagnostic[] = [];
  // Diagnostics are appended one by one, never with push(...list): a manifest file can hold more
  // problems than a call can take arguments (150,000 bad names overflowed the stack).
  const refuse = async (kind: 'refused' | 'memory', found: Diagnostic[]): Promise<RunResult> => {
    for (const d of found) diagnostics.push(d);
    const reason = found.find((d) => d.severity === 'error')?.message ?? 'run refused';
    emit({ type: 'lifecycle', event: 'refused', status: STATUS_OF_KIND[kind], reason });
    await sink?.close?.();
    if (options.reportTermination !== false) stderr.write(Buffer.from(terminationLine({ refused: true, reason, status: STATUS_OF_KIND[kind], limit: null })));
    return {
      status: STATUS_OF_KIND[kind], termination: kind, exitCode: null, reason, limit: null, fuelUsed: null,
      stats: { wallMs: wallNow() - startedAt, computeMs: 0, idleMs: 0, readBytes: 0, writtenBytes: 0 }, diagnostics, randomSeed: null,
    };
  };

  const hostFunctions = options.hostFunctions;
  if (hostFunctions !== undefined && typeof hostFunctions !== 'string' && !(hostFunctions instanceof URL)) {
    return refuse('refused', [diag('run/invalid-options', `\`hostFunctions\` must be a path or a URL of an ES module, got ${hostFunctions === null ? 'null' : `a ${typeof hostFunctions}`}`)]);
  }
  try {
    sink = openAuditSink(options.audit);
  } catch (error) {
    return refuse('refused', [diag('run/audit-open-failed', `cannot open the audit log: ${(error as Error).message}`)]);
  }
  if (!manifestResult.ok) return refuse('refused', manifestResult.diagnostics);
  const manifest = manifestResult.manifest;

  // ---- module bytes and preparation steps
  let bytes: Uint8Array;
  if (typeof module === 'string') {
    try {
      bytes = fs.readFileSync(module);
    } catch (error) {
      return refuse('refused', [diag('run/module-unreadable', `cannot read ${module}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { file: module })]);
    }
  } else bytes = module;
  for (const step of options.prepare ?? []) {
    const result = await step.apply(bytes, manifest);
    if (!result.ok) {
      // The instrument step meets a memory that starts above the limit before the shape check
      // below would: the same refusal, the memory status (137), whichever sees it first.
      const memory = result.diagnostics.some((d) => d.code === 'instrument/memory-exceeds-limit');
      if (memory) emit({ type: 'limit', limit: 'memory', action: 'refused', max: manifest.limits.memory.maxPages, value: null });
      return refuse(memory ? 'memory' : 'refused', result.diagnostics);
    }
    for (const d of result.diagnostics ?? []) diagnostics.push(d);
    bytes = result.bytes;
  }

  // ---- shape against limits
  let shape: ModuleShape;
  try {
    shape = readModuleShape(bytes);
  } catch (error) {
    if (error instanceof ModuleFormatError) {
      return refuse('refused', [{ ...diag('run/module-invalid', `${label} is not a valid module: ${error.message}`), span: { file: label, byteOffset: error.byteOffset } }]);
    }
    throw error;
  }
  const limits = manifest.limits.memory;
  const tooBig = [...shape.memories, ...shape.imports.flatMap((i) => (i.memory ? [i.memory] : []))].find((m) => m.min > limits.maxPages);
  if (tooBig) {
    emit({ type: 'limit', limit: 'memory', action: 'refused', max: limits.maxPages, value: tooBig.min });
    return refuse('memory', [diag('run/memory-over-limit', `the module's memory starts at ${tooBig.min} pages; the limit is ${limits.maxPages}`)]);
  }
  if (shape.tableCount > limits.maxTables) {
    return refuse('refused', [diag('run/too-many-tables', `the module has ${shape.tableCount} tables; the limit is ${limits.maxTables}`)]);
  }
  const mistyped = wasiSignatureMismatch(shape);
  if (mistyped) return refuse('refused', [mistyped]);
  bytes = tightenMemoryMaxima(bytes, limits.maxPages);
  if (shape.customSections.includes(abi.BRANCH_HINT_SECTION)) await readBranchHints();
  // Atomic waits (shared memories only) need an engine that keeps locals across them
  // (atomic-wait-probe.ts). Like the branch-hint flag, a change of flag waits for the worker.
  if (shape.memories.some((m) => m.shared) || shape.imports.some((i) => i.memory?.shared)) {
    if (atomicWaitGuardPending()) await whenNextWorkerReady();
    guardAtomicWaits();
  }
  let compiled: WebAssembly.Module;
  try {
    compiled = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (error) {
    return refuse('refused', [diag('run/module-invalid', `${label} does not compile: ${(error as Error).message}`)]);
  }

  // ---- listening sockets, checked against the network grants
  for (const address of options.listen ?? []) {
    const problem = listenAllowed(manifest, address.host, address.port);
    if (problem !== null) {
      emit({ type: 'decision', capability: 'network', op: 'listen', outcome: 'denied', errno: 'notcapable', reason: problem, detail: { host: address.host, port: address.port } });
      return refuse('refused', [diag('run/listen-not-allowed', `cannot listen on ${address.host}:${address.port} for the guest: ${problem}`, { host: address.host, port: address.port })]);
    }
  }
  let sockets: { host: SocketHost; channel: SocketChannel; listeners: Array<{ id: number; address: string }> } | undefined;
  if (options.listen && options.listen.length > 0) {
    const channel = createSocketChannel();
    const host = new SocketHost(channel);
    try {
      const bound = await host.listen(options.listen);
      sockets = { host, channel, listeners: bound.map((b, id) => ({ id, address: `${b.host}:${b.port}` })) };
      for (const b of bound) {
        if (manifest.audit.decisions === 'all') emit({ type: 'decision', capability: 'network', op: 'listen', outcome: 'allowed', detail: { host: b.host, port: b.port } });
      }
      options.onListen?.(bound);
    } catch (error) {
      host.close();
      return refuse('refused', [diag('run/listen-failed', `cannot listen for the guest: ${(error as Error).message}`)]);
    }
  }

  // ---- run in a worker
  let worker: Worker;
  try {
    worker = acquireWorker();
  } catch (error) {
    if (!(error instanceof WorkerScriptError)) throw error;
    sockets?.host.close();
    return refuse('refused', [diag('run/worker-failed', error.message)]);
  }
  const randomSeed = manifest.random.mode === 'pseudo' ? manifest.random.seed ?? unpredictableSeed() : null;
  emit({
    type: 'lifecycle', event: 'start',
    detail: { module: label, policy: manifest.name, randomSeed, fuel: manifest.limits.fuel },
  });
  const env = visibleEnvironment(manifest, options.env ?? process.env, options.envOverrides ?? {}, emit);
  const argv0 = options.argv0 ?? (typeof module === 'string' ? path.basename(module) : 'module');
  const outcome = await runInWorker({
    worker, compiled, shape, manifest, args: [argv0, ...(options.args ?? [])], env, options, emit,
    auditOn: sink !== undefined, randomSeed: randomSeed ?? 0, startedAt, sockets,
  });
  sockets?.host.close();
  const kind = outcome.kind;
  let status: number;
  // An exit code a process cannot carry (above 255) must not wrap around to success.
  if (kind === 'exit') status = (outcome.exitCode ?? 0) > 255 ? 1 : outcome.exitCode ?? 0;
  else status = outcome.status ?? STATUS_OF_KIND[kind];
  for (const r of outcome.refusals) diagnostics.push(diag(r.code, r.message, r.data));
  const { stats } = outcome;
  emit({
    type: 'lifecycle', event: kind === 'exit' ? 'exit' : kind === 'refused' ? 'refused' : 'terminated', status,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    detail: {
      fuelUsed: outcome.fuelUsed, readBytes: stats.readBytes, writtenBytes: stats.writtenBytes,
      ...(timestamps ? { wallMs: Math.round(stats.wallMs), computeMs: Math.round(stats.computeMs), idleMs: Math.round(stats.idleMs) } : {}),
    },
  });
  await sink?.close?.();
  const limit = kind === 'exit' ? null : outcome.limit ?? null;
  if (kind !== 'exit' && options.reportTermination !== false) {
    stderr.write(Buffer.from(terminationLine({ refused: kind === 'refused', reason: outcome.reason ?? kind, status, limit })));
  }
  return {
    status, termination: kind, exitCode: kind === 'exit' ? outcome.exitCode : null, reason: outcome.reason, limit,
    fuelUsed: outcome.fuelUsed, stats, diagnostics, randomSeed,
  };
}

/** A Node writable stream (write with a callback), as opposed to a plain `{ write(bytes) }` sink. */
function isStream(sink: OutputSink): sink is OutputSink & NodeJS.WritableStream {
  return typeof (sink as unknown as NodeJS.WritableStream).once === 'function' && 'writableLength' in sink;
}

/** The reason and status of a run ended through RunOptions.signal, from the abort reason. */
function interruption(abortReason: unknown): { reason: string; status: number } {
  const given = typeof abortReason === 'object' && abortReason !== null ? (abortReason as { status?: unknown; reason?: unknown }) : {};
  const status = typeof given.status === 'number' && Number.isInteger(given.status) && given.status >= 1 && given.status <= 255 ? given.status : RunStatus.Interrupted;
  // A bare abort() gives a DOMException named AbortError, whose message says nothing more.
  const reason = typeof abortReason === 'string' ? abortReason
    : typeof given.reason === 'string' ? given.reason
    : abortReason instanceof Error && abortReason.name !== 'AbortError' ? abortReason.message
    : 'interrupted';
  return { reason, status };
}

/**
 * A seed for a run whose pseudo-random policy names none (it is logged and returned for replay,
 * so it needs variety, not secrecy): four bytes of the kernel's random source, read with node:fs,
 * which is loaded anyway. Loading node:crypto for it cost a cold run about 3 ms (measured in an
 * ES module process: 3.2-3.5 ms against 0.8-0.9 ms for the read); it is the fallback where
 * /dev/urandom cannot be read.
 */
function unpredictableSeed(): number {
  try {
    const fd = fs.openSync('/dev/urandom', 'r');
    try {
      const bytes = Buffer.alloc(4);
      if (fs.readSync(fd, bytes, 0, 4, null) === 4) return bytes.readUInt32LE(0);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // No /dev/urandom here: the host's cryptographic source below.
  }
  const { randomInt } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return randomInt(0, 2 ** 32 - 1);
}

function diag(code: string, message: string, data?: Record<string, unknown>): Diagnostic {
  return { code, severity: 'error', message, ...(data ? { data } : {}) };
}

/**
 * The URL the worker imports host functions from: a URL as given, a string with a URL scheme
 * (`file:`, `data:`, ...) as it is, any other string as a file path relative to `base`
 * (pathToFileURL: a `#`, `?` or `%` in it is part of the name, not URL syntax). The one rule for
 * the option: the `wsbc` facade resolves its `cwd`-relative paths through it too.
 */
export function hostFunctionsUrl(option: string | URL, base = process.cwd()): string {
  if (option instanceof URL) return option.href;
  return /^[a-z][a-z0-9+.-]+:/i.test(option) ? option : pathToFileURL(path.resolve(base, option)).href;
}

function resolveManifest(policy: Manifest | string): { ok: true; manifest: Manifest } | { ok: false; diagnostics: Diagnostic[] } {
  if (typeof policy !== 'string') {
    // An object may come from anywhere (hand-built, parsed from a configuration): it is checked
    // against the schema as a file's manifest is, rather than trusted and failing mid-run.
    const checked = validateManifest(policy, '<manifest>');
    return checked.ok ? { ok: true, manifest: checked.value } : { ok: false, diagnostics: checked.diagnostics };
  }
  if (policy.endsWith('.wsp')) {
    return { ok: false, diagnostics: [diag('run/policy-not-compiled', `${policy} is a policy source; compile it first (wsbc compile) or pass it to \`wsbc run\`, which compiles it`)] };
  }
  let text: string;
  try {
    text = fs.readFileSync(policy, 'utf8');
  } catch (error) {
    return { ok: false, diagnostics: [diag('run/policy-unreadable', `cannot read ${policy}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)] };
  }
  const loaded = loadManifest(text, policy);
  return loaded.ok ? { ok: true, manifest: loaded.value } : { ok: false, diagnostics: loaded.diagnostics };
}

/**
 * The variables the guest sees: host values overlaid with explicit overrides, filtered by the
 * manifest, sorted by name. Allowed names and explicitly passed but hidden names are audited one
 * by one; hidden host variables are counted in one record (their names are not logged).
 */
export function visibleEnvironment(
  manifest: Manifest, hostEnv: Record<string, string | undefined>, overrides: Record<string, string>,
  emit?: (draft: AuditDraft) => void,
): Array<[string, string]> {
  const { mode, names } = manifest.environment;
  const listed = new Set(names);
  // A name holding `=` or NUL is not a variable's name (the manifest refuses such names too), and
  // the guest would read it as another: `SECRET=x` with value v is the string `SECRET=x=v`, which
  // getenv("SECRET") reads as `x=v`, past a denylist naming SECRET. Never shown, in any mode.
  const malformed = (name: string) => name.includes('=') || name.includes('\0');
  const visible = (name: string) =>
    !malformed(name) && (mode === 'full' || (mode === 'allow' && listed.has(name)) || (mode === 'deny' && !listed.has(name)));
  const merged = new Map<string, string>();
  for (const [k, v] of Object.entries(hostEnv)) if (v !== undefined) merged.set(k, v);
  for (const [k, v] of Object.entries(overrides)) merged.set(k, v);
  const out: Array<[string, string]> = [];
  let hidden = 0;
  const decisions = manifest.audit.decisions;
  for (const [name, value] of [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (visible(name)) {
      out.push([name, value]);
      if (decisions === 'all') emit?.({ type: 'decision', capability: 'environment', op: 'environ', outcome: 'allowed', detail: { name } });
    } else if (name in overrides) {
      if (decisions !== 'none') {
        const reason = malformed(name) ? 'not a variable name (holds = or NUL)' : `environment mode ${mode} hides it`;
        emit?.({ type: 'decision', capability: 'environment', op: 'environ', outcome: 'denied', reason, detail: { name } });
      }
    } else hidden++;
  }
  if (hidden > 0 && decisions !== 'none') {
    emit?.({ type: 'decision', capability: 'environment', op: 'environ', outcome: 'denied', reason: `environment mode ${mode} hides host variables`, detail: { hiddenCount: hidden } });
  }
  return out;
}

interface WorkerRun {
  worker: Worker;
  compiled: WebAssembly.Module;
  shape: ModuleShape;
  manifest: Manifest;
  args: string[];
  env: Array<[string, string]>;
  options: RunOptions;
  emit: (draft: AuditDraft, at?: number) => void;
  auditOn: boolean;
  randomSeed: number;
  startedAt: number;
  sockets: { host: SocketHost; channel: SocketChannel; listeners: Array<{ id: number; address: string }> } | undefined;
}

type Outcome = GuestOutcome & { stats: RunResult['stats'] };

/** Whether a stdio source or sink is a host terminal (a TTY stream, as process.stdout may be). */
function isTerminal(stream: unknown): boolean {
  return typeof stream === 'object' && stream !== null && (stream as { isTTY?: unknown }).isTTY === true;
}

async function runInWorker(r: WorkerRun): Promise<Outcome> {
  const meterBuffer = new SharedArrayBuffer(METER_LENGTH * 8);
  const meter = new Float64Array(meterBuffer);
  const stdinChannel = createStdinChannel();
  const stdinWriter = new StdinWriter(stdinChannel);
  const stdout = r.options.stdout ?? process.stdout;
  const stderr = r.options.stderr ?? process.stderr;
  const hostFunctions = r.options.hostFunctions === undefined ? null : hostFunctionsUrl(r.options.hostFunctions);
  // Backpressure: the worker counts bytes it sent; they are subtracted once the destination
  // took them (a Node stream's write callback, or at once for other sinks). Slots 1 and 2 hold
  // the WASI errno of a failed write to stdout and stderr (a closed pipe, a full disk): the
  // guest's next write there gets it, as write(2) would give EPIPE, instead of writing on into
  // nothing. OUTPUT_SLOTS in worker.ts.
  const outputPending = new SharedArrayBuffer(12);
  const pending = new Int32Array(outputPending);
  let runEnded = false;
  const drained = (n: number) => {
    Atomics.sub(pending, 0, n);
    Atomics.notify(pending, 0);
    if (runEnded && Atomics.load(pending, 0) <= 0) unlistenStreams();
  };
  const failed = (fd: 1 | 2, error: unknown) => {
    if (Atomics.load(pending, fd) === 0) Atomics.store(pending, fd, errnoFromHostError(error));
    Atomics.notify(pending, 0);
  };
  // A stream that fails also emits 'error', which without a listener is an uncaught exception:
  // the guest's output must never end the host. Listened to until the run's last write is done.
  const ignoreError = () => {};
  const streams = [stdout, stderr].filter((sink): sink is OutputSink & NodeJS.WritableStream => isStream(sink));
  for (const stream of streams) stream.on('error', ignoreError);
  const unlistenStreams = () => {
    for (const stream of streams) stream.removeListener('error', ignoreError);
    streams.length = 0;
  };
  const writeOut = (sink: OutputSink, fd: 1 | 2, data: Uint8Array): void => {
    if (isStream(sink)) {
      sink.write(data, (error) => {
        if (error) failed(fd, error);
        drained(data.byteLength);
      });
    } else {
      try {
        sink.write(data);
      } catch (error) {
        failed(fd, error);
      }
      drained(data.byteLength);
    }
  };
  const config: WorkerConfig = {
    module: r.compiled, shape: r.shape, manifest: r.manifest, args: r.args, env: r.env, entry: r.options.entry ?? '_start',
    audit: r.auditOn, meter: meterBuffer, stdin: stdinChannel, abi: FUEL_ABI, fuelSlice: r.options.fuelSlice ?? 1_000_000,
    hostFunctions, randomSeed: r.randomSeed,
    sockets: r.sockets ? { channel: r.sockets.channel, listeners: r.sockets.listeners } : null,
    outputPending,
    terminals: [isTerminal(r.options.stdin), isTerminal(stdout), isTerminal(stderr)],
  };
  const worker = r.worker;
  worker.postMessage(config);

  // stdin: pumped only once the guest asks, so a guest that never reads leaves the host's stdin alone.
  const source = r.options.stdin;
  let streamStarted = false;
  const startStdin = (): void => {
    if (streamStarted) return;
    streamStarted = true;
    if (source === undefined) stdinWriter.end();
    else if (typeof source === 'string' || source instanceof Uint8Array) {
      stdinWriter.push(typeof source === 'string' ? Buffer.from(source) : source);
      stdinWriter.end();
    } else {
      source.on('data', (chunk: Buffer | string) => stdinWriter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
      source.on('end', () => stdinWriter.end());
      source.on('error', (error) => stdinWriter.fail(errnoFromHostError(error)));
    }
  };

  const limits = r.manifest.limits;
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const stats = (outcome?: GuestOutcome): RunResult['stats'] => {
      const started = meter[METER_SLOTS.startedAt]!;
      const now = wallNow();
      // A blocked-since time outside the run so far is a reading torn by the worker's write (see
      // the watch below), not a wait: counted as none.
      const since = meter[METER_SLOTS.blockedSince]!;
      const idle = meter[METER_SLOTS.idleMs]! + (since >= r.startedAt && since <= now ? now - since : 0);
      const elapsed = started > 0 ? now - started : 0;
      return {
        wallMs: now - r.startedAt,
        computeMs: Math.max(0, elapsed - idle - meter[METER_SLOTS.throttledMs]!),
        idleMs: idle,
        readBytes: outcome?.readBytes ?? 0,
        writtenBytes: outcome?.writtenBytes ?? 0,
      };
    };
    let stopListening = (): void => {};
    /**
     * The byte totals the worker last published (METER_SLOTS), for a run ended from here: the
     * worker cannot report them any more. Read until two readings agree, as a Float64Array on
     * shared memory may be read torn.
     */
    const publishedTotals = (): { readBytes: number; writtenBytes: number } => {
      for (;;) {
        const readBytes = meter[METER_SLOTS.readBytes]!;
        const writtenBytes = meter[METER_SLOTS.writtenBytes]!;
        if (readBytes === meter[METER_SLOTS.readBytes] && writtenBytes === meter[METER_SLOTS.writtenBytes]) return { readBytes, writtenBytes };
      }
    };
    const settle = (outcome: GuestOutcome): void => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      stopListening();
      runEnded = true;
      if (Atomics.load(pending, 0) <= 0) unlistenStreams();
      const s = stats(outcome);
      // Every message the worker sent before `done` has been handled (one ordered port). The
      // result does not wait for the thread to wind down; terminate() only reclaims it.
      worker.removeAllListeners('message');
      worker.removeAllListeners('error');
      worker.removeAllListeners('exit');
      // A worker whose guest ended by itself is idle and clean (its WASI state is per run); one
      // that was terminated, failed or loaded embedder host functions is never handed another run.
      const clean = (outcome.kind === 'exit' || outcome.kind === 'refused') && hostFunctions === null && !killed;
      if (clean) release(worker);
      else {
        void worker.terminate();
        // This worker cannot serve again: have a replacement booting before the next run asks.
        startWorkerAhead();
      }
      if (source && typeof source === 'object' && 'pause' in source && streamStarted) (source as NodeJS.ReadableStream).pause();
      resolve({ ...outcome, stats: s });
    };
    let killed = false;
    // Records from the worker (the guest's calls and what they hit); the host's own do not count.
    const auditMax = r.options.auditMaxRecords === undefined ? DEFAULT_AUDIT_MAX_RECORDS : r.options.auditMaxRecords;
    let auditRecords = 0;
    let ending: { outcome: Pick<GuestOutcome, 'kind' | 'exitCode' | 'reason' | 'limit'>; at: number } | undefined;
    const kill = (kind: Exclude<TerminationKind, 'exit' | 'refused'>, limit: 'total-time' | 'idle-time' | 'cpu-time' | 'audit-records', max: number, value: number, reason: string): void => {
      if (settled) return;
      killed = true;
      r.emit({ type: 'limit', limit, action: 'terminated', max, value: Math.round(value) });
      settle({ kind, exitCode: null, reason, limit, fuelUsed: null, ...publishedTotals(), refusals: [] });
    };
    const signal = r.options.signal;
    if (signal) {
      const interrupt = (): void => {
        if (settled) return;
        killed = true;
        settle({ kind: 'interrupted', exitCode: null, fuelUsed: null, ...publishedTotals(), refusals: [], ...interruption(signal.reason) });
      };
      signal.addEventListener('abort', interrupt, { once: true });
      stopListening = () => signal.removeEventListener('abort', interrupt);
      if (signal.aborted) queueMicrotask(interrupt);
    }
    /** Ends the run when it has passed its total time limit; true when it did. */
    const totalTimeOver = (): boolean => {
      const total = wallNow() - r.startedAt;
      if (total <= limits.time.maxTotalMs) return false;
      kill('total-timeout', 'total-time', limits.time.maxTotalMs, total, `total time limit of ${limits.time.maxTotalMs} ms exceeded`);
      return true;
    };
    let overBefore: 'cpu' | 'idle' | null = null;
    // Limits the guest cannot be trusted to check are watched from here.
    const watch = setInterval(() => {
      if (ending && wallNow() - ending.at > ENDING_GRACE_MS && !settled) {
        killed = true;
        settle({ ...ending.outcome, fuelUsed: null, ...publishedTotals(), refusals: [] });
        return;
      }
      if (totalTimeOver()) return;
      if (meter[METER_SLOTS.finished] === 1) return;
      const s = stats();
      // A little grace: the worker enforces these itself at its next host call or fuel slice.
      // INVARIANT: a limit is taken as passed only when two readings in a row say so. The
      // worker writes the meter's slots as it runs, and a Float64Array on shared memory may be
      // read torn (half of a new value): one such reading of the blocked-since slot once put a
      // run 58 ms old at 10 s of idle time. A real overrun stays for the next reading, 10 ms on.
      const cpuOver = s.computeMs > limits.cpu.maxExecutionMs + 50;
      const idleOver = !cpuOver && s.idleMs > limits.time.maxIdleMs + 50;
      if (cpuOver && overBefore === 'cpu') {
        kill('cpu-time', 'cpu-time', limits.cpu.maxExecutionMs, s.computeMs, `CPU time limit of ${limits.cpu.maxExecutionMs} ms exceeded`);
      } else if (idleOver && overBefore === 'idle') {
        kill('idle-timeout', 'idle-time', limits.time.maxIdleMs, s.idleMs, `idle time limit of ${limits.time.maxIdleMs} ms exceeded`);
      }
      overBefore = cpuOver ? 'cpu' : idleOver ? 'idle' : null;
    }, 10);

    worker.on('message', (message: WorkerMessage) => {
      if (settled) return;
      // The watch timer's check, made here too: a turn of the event loop delivers every message
      // queued on the port before any timer runs, so a busy guest must not delay its own end.
      if (totalTimeOver()) return;
      switch (message.t) {
        case 'out':
          for (const chunk of message.chunks) writeOut(chunk.fd === 1 ? stdout : stderr, chunk.fd, chunk.data);
          for (const { draft, at } of message.records) {
            r.emit(draft, at);
            if (auditMax !== null && ++auditRecords >= auditMax) {
              kill('io-quota', 'audit-records', auditMax, auditRecords, `audit log limit of ${auditMax} records reached`);
              return;
            }
          }
          if (message.records.length > 0) drained(message.records.length * AUDIT_RECORD_WEIGHT);
          break;
        case 'stdin':
          startStdin();
          stdinWriter.request();
          break;
        case 'sock':
          r.sockets?.host.handle(message.request);
          break;
        case 'ending':
          // The guest has exited (or was terminated from inside); it normally unwinds at once and
          // `done` follows. A guest that catches the unwinding and keeps running is cut off.
          ending ??= { outcome: message.outcome, at: wallNow() };
          break;
        case 'done':
          settle(message.outcome);
          break;
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      killed = true;
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const started = meter[METER_SLOTS.startedAt]! > 0;
      if (outOfMemory) r.emit({ type: 'limit', limit: 'memory', action: 'terminated', max: limits.memory.maxPages, value: null });
      settle({
        kind: outOfMemory ? 'memory' : started ? 'trap' : 'refused', exitCode: null,
        reason: outOfMemory ? 'the guest exhausted the worker heap' : `the sandbox failed: ${error.message}`,
        limit: outOfMemory ? 'memory' : null,
        fuelUsed: null, ...publishedTotals(),
        refusals: started ? [] : [{ code: 'run/worker-failed', message: error.message }],
      });
    });
    worker.on('exit', () => {
      killed = true;
      settle({ kind: 'trap', exitCode: null, reason: 'the sandbox worker stopped unexpectedly', fuelUsed: null, ...publishedTotals(), refusals: [] });
    });
  });
}

/**
 * How long a guest that has exited may take to unwind before it is cut off. Unwinding takes
 * microseconds, but a worker descheduled on a loaded machine can take much longer; cutting it off
 * then costs the worker (it is terminated and a new one started), so the grace is generous. Only
 * a guest that catches its own end and spins without a call or a fuel slice uses all of it.
 */
const ENDING_GRACE_MS = 1000;

export type { AuditRecord };
export { RunStatus };

/**
 * The first WASI import (preview1, wasi_unstable, wasi-threads) whose type is none WASI defines
 * for it, as a refusal: the host functions take and return what the WASI ABI says, so such an
 * import could only fail when called (a BigInt where a number is due, a result of the wrong
 * type). The analyzer reports the same as check/wasi-signature-mismatch.
 */
function wasiSignatureMismatch(shape: ModuleShape): Diagnostic | undefined {
  for (const imp of shape.imports) {
    if (imp.kind !== 'func') continue;
    const cls = classifyImport(imp.module, imp.name);
    if (cls.kind !== 'wasi') continue;
    const actual = imp.type;
    if (actual && cls.signatures.some((s) => sameSignature(s, actual))) continue;
    const expected = cls.signatures.map(formatSignature).join(' or ');
    const actualText = actual ? formatSignature(actual) : 'a type that is not a function type';
    return diag('run/wasi-signature-mismatch', `the import ${imp.module}.${imp.name} has type ${actualText}, but WASI defines ${expected}`, { module: imp.module, name: imp.name, expected, actual: actualText });
  }
  return undefined;
}
