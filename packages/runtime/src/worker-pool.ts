// The pool of sandbox worker threads that run() hands guests to, apart from run.ts so that a
// caller can start a worker (prewarm(), also as the subpath `@wsbc/runtime/prewarm`) without
// loading the rest of the runtime: `wsbc run` boots its worker while its own modules load.
//
// Starting a worker thread costs tens of milliseconds (a new V8 isolate plus loading the worker's
// modules), and a fresh isolate runs the WASI code unoptimised, which dominates short runs. So:
//   - a run takes an idle worker, else the one started ahead of time (by prewarm(), or by run()
//     itself as it begins, so that the worker boots while the module is read, checked, prepared
//     and compiled). A replacement is started only when a run ends without giving its worker
//     back, never while a run waits for its own: two isolates booting at once on a busy machine
//     made the first run of a process wait for both;
//   - a worker whose guest ended by itself (exit or refusal, no embedder host functions loaded)
//     goes back to an idle list and serves a later run. Every run gets a new WASI instance, new
//     descriptors, a new guest instance and memory; nothing of a guest survives its run. A worker
//     that was terminated (timeouts), failed, or loaded host functions is never reused.
// Waiting workers are unref'd so that they never keep the process alive.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bootSource, CODE_CACHE_SUFFIX, type BootData } from './worker-boot.js';
import { workerScriptUrl, WorkerScriptError } from './worker-script.js';

let spare: Worker | undefined;
const idle: Worker[] = [];
const MAX_IDLE = 2;
/**
 * Settles once a worker has compiled and run the worker file, and says so (or failed to start):
 * what prewarm() and whenNextWorkerReady() wait for.
 */
const ready = new WeakMap<Worker, Promise<void>>();

export function release(worker: Worker): void {
  if (idle.length >= MAX_IDLE) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle.push(worker);
}

/** Set by build-code-cache.ts (build time): the next worker writes its code cache after its first run. */
let writeCodeCache = false;

/** Makes the next worker started write the worker file's code cache (see worker-boot.ts). Build time only. */
export function writeCodeCacheWithNextWorker(): void {
  writeCodeCache = true;
}

/** Starts a worker thread. Synchronous; throws WorkerScriptError when the worker file is missing. */
function startWorker(): Worker {
  const script = fileURLToPath(workerScriptUrl());
  const boot: BootData = { script, cache: `${script}${CODE_CACHE_SUFFIX}`, writeCache: writeCodeCache };
  writeCodeCache = false;
  // No execArgv: flags of the host process (`--input-type`, loaders, `--eval`, `--cpu-prof`)
  // must not leak into the worker. The boot code compiles the worker file (worker-boot.ts).
  const worker = new Worker(bootSource(), { eval: true, workerData: boot, stdout: false, stderr: false, execArgv: [] });
  worker.unref();
  // A spare that dies before use (it should not) is replaced on the next acquire; the run that
  // takes it sees the failure through its own listeners.
  worker.on('error', () => undefined);
  ready.set(worker, new Promise<void>((resolve) => {
    // Whichever comes first: its `ready` message (always its first), failing, or ending before
    // it ran (the run reports why).
    worker.once('message', () => resolve());
    worker.once('error', () => resolve());
    worker.once('exit', () => resolve());
  }));
  return worker;
}

/** The worker for a run: an idle one, else the spare, else a new one. Throws WorkerScriptError. */
export function acquireWorker(): Worker {
  const worker = idle.pop() ?? spare ?? startWorker();
  if (worker === spare) spare = undefined;
  worker.ref();
  return worker;
}

/**
 * Starts the spare unless an idle worker or a spare is already there for the next acquire. A
 * missing worker file is reported by the run that needs a worker, as a refusal.
 */
export function startWorkerAhead(): void {
  if (idle.length > 0 || spare !== undefined) return;
  try {
    spare = startWorker();
  } catch (error) {
    if (!(error instanceof WorkerScriptError)) throw error;
  }
}

/**
 * Resolves once the worker the next run takes (an idle one, else the spare, started here if
 * need be) is ready, keeping the process alive meanwhile (prewarm()); a missing worker file is
 * left for the run to report. run() waits for it before it changes V8's flags (run.ts,
 * readBranchHints): what a thread compiles after a flag change cannot use V8's code caches,
 * Node's own included.
 */
export function whenNextWorkerReady(): Promise<void> {
  return prewarm().catch(() => undefined);
}

/**
 * Starts the spare worker now, so that the first run() does not pay for it, and resolves once
 * that worker runs. Optional: embedders that start many short runs call it once at start-up.
 * Rejects with WorkerScriptError when the runtime's worker file is missing (a broken build).
 */
export function prewarm(): Promise<void> {
  let worker: Worker;
  try {
    worker = idle.at(-1) ?? (spare ??= startWorker());
  } catch (error) {
    return Promise.reject(error);
  }
  // Waiting workers are unref'd; one that is still booting must keep the process alive for the
  // caller who awaits it. Unref'd again unless a run has taken it meanwhile.
  worker.ref();
  return (ready.get(worker) ?? Promise.resolve()).finally(() => {
    if (worker === spare || idle.includes(worker)) worker.unref();
  });
}

