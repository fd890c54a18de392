// Checking many modules across cores: a pool of worker_threads plus the main thread, all pulling
// from one queue of file paths.
//
// Why this shape:
// - The work is streamed: a job is a path, and whoever takes it reads the file, checks it and
//   keeps only the small outcome, so memory stays at a few modules whatever the number of files.
//   Each worker has at most PREFETCH jobs queued, so a slow module cannot pile up work behind it.
// - The main thread checks modules too, and starts workers only once the work left, at the pace
//   measured so far, outweighs a worker's start-up (loading the analyzer in a fresh isolate with
//   a cold JIT). A batch of small modules is then checked on the main thread alone, and a large
//   one is never slower than in sequence by more than the cost of starting the workers.
// - Outcomes are reported with their job index; callers order output by index, so what is printed
//   does not depend on which thread finished first.
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Manifest } from '@wsbc/manifest';
import { runCheckJob, type CheckJob, type CheckJobOptions, type ModuleOutcome } from './job.js';
import type { WorkerInit, WorkerRequest } from './worker.js';

/** Jobs queued per worker beyond the one it is running, so it never waits on the main thread. */
const PREFETCH = 2;

/** Workers start when the remaining work is estimated to take at least this long (ms) on one thread. */
export const WORKER_START_THRESHOLD_MS = 250;

export interface PoolOptions extends CheckJobOptions {
  /** Threads to use, the main thread included (1 = check in sequence on the main thread). */
  threads: number;
  /** Called once per job as soon as its outcome is known, in completion order. */
  onOutcome?: (index: number, outcome: ModuleOutcome) => void;
  /** Start workers once the remaining work is estimated at this many ms (default WORKER_START_THRESHOLD_MS; 0 starts them at once). */
  startWorkersAfterMs?: number;
  /** Node options for the workers (default: the process's own, as for any worker_threads Worker). */
  execArgv?: string[];
  /** The worker script; defaults to the compiled worker.js beside this file. */
  workerUrl?: URL;
}

/**
 * The compiled worker script, or undefined when it does not exist (running from TypeScript
 * sources, as the in-process tests do; then every job runs on the main thread).
 */
export function defaultWorkerUrl(): URL | undefined {
  const url = new URL('./worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : undefined;
}

/** Checks every job and returns the outcomes in job order. */
export async function checkModulesInPool(jobs: readonly CheckJob[], manifest: Manifest, options: PoolOptions): Promise<ModuleOutcome[]> {
  const outcomes: Array<ModuleOutcome | undefined> = new Array(jobs.length);
  const jobOptions: CheckJobOptions = { walkCode: options.walkCode };
  let next = 0;
  const settle = (index: number, outcome: ModuleOutcome) => {
    outcomes[index] = outcome;
    options.onOutcome?.(index, outcome);
  };

  const workerUrl = options.workerUrl ?? defaultWorkerUrl();
  // One job per thread at least; the main thread is one of the threads.
  const workerCount = workerUrl ? Math.max(0, Math.min(options.threads, jobs.length) - 1) : 0;
  const threshold = options.startWorkersAfterMs ?? WORKER_START_THRESHOLD_MS;
  const workers: Worker[] = [];
  let failure: Error | undefined;
  let workersDone: Promise<void> = Promise.resolve();

  const startWorkers = () =>
    new Promise<void>((resolveAll, rejectAll) => {
      let running = workerCount;
      const finishOne = () => {
        running--;
        if (running === 0) resolveAll();
      };
      for (let w = 0; w < workerCount; w++) {
        const init: WorkerInit = { manifest, options: jobOptions };
        const worker = new Worker(workerUrl!, { workerData: init, ...(options.execArgv ? { execArgv: options.execArgv } : {}) });
        workers.push(worker);
        let inFlight = 0;
        let finished = false;
        const feed = () => {
          while (inFlight < 1 + PREFETCH && next < jobs.length && !failure) {
            const request: WorkerRequest = { id: next, job: jobs[next]! };
            next++;
            inFlight++;
            worker.postMessage(request);
          }
          if (inFlight === 0 && !finished) {
            finished = true;
            finishOne();
          }
        };
        worker.on('online', feed);
        worker.on('message', (message: { id: number; outcome: ModuleOutcome }) => {
          inFlight--;
          settle(message.id, message.outcome);
          feed();
        });
        worker.on('error', (error) => {
          failure ??= new Error(`a check worker failed: ${error.message}`);
          rejectAll(failure);
        });
        worker.on('exit', (code) => {
          if (!finished) {
            failure ??= new Error(`a check worker stopped unexpectedly (exit code ${code})`);
            rejectAll(failure);
          }
        });
      }
    });

  try {
    const startedAt = performance.now();
    let checkedHere = 0;
    while (next < jobs.length && !failure) {
      const index = next++;
      settle(index, runCheckJob(jobs[index]!, manifest, jobOptions));
      checkedHere++;
      if (workerCount > 0 && workers.length === 0) {
        // Start workers only when the rest of the work, at the pace seen so far, would take longer
        // than starting them: a worker must load the analyzer first (about 100 ms of CPU), which a
        // batch of small modules checked without --walk-code never pays back.
        const remainingMs = ((performance.now() - startedAt) / checkedHere) * (jobs.length - next);
        if (remainingMs >= threshold) {
          workersDone = startWorkers();
          // Keep the rejection from being reported as unhandled while the main thread is still busy.
          workersDone.catch(() => undefined);
        }
      }
      // Let worker messages (outcomes, requests for more work) through between modules.
      if (workers.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await workersDone;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure) throw failure;
  return outcomes.map((outcome, index) => {
    // INVARIANT: every index below jobs.length was handed out exactly once and settled.
    if (!outcome) throw new Error(`no outcome for ${jobs[index]!.file}`);
    return outcome;
  });
}
