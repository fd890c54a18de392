// Checking many modules across cores: a pool of worker_threads plus the main thread, all pulling
// from one queue of file paths.
//
// Why this shape:
// - The work is streamed: a job is a path, and whoever takes it reads the file, checks it and
//   keeps only the small outcome, so memory stays at a few modules whatever the number of files.
//   Each worker has at most PREFETCH jobs queued, so a slow module cannot pile up work behind it.
// - The main thread checks modules too. It already has the analyzer loaded, so with a small
//   batch it finishes most of the work while the workers are still starting, and the pool is never
//   slower than checking in sequence by more than the cost of starting the workers.
// - Outcomes are reported with their job index; callers order output by index, so what is printed
//   does not depend on which thread finished first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Manifest } from '@wsbc/manifest';
import { runCheckJob, type CheckJob, type CheckJobOptions, type ModuleOutcome } from './job.js';
import type { WorkerInit, WorkerRequest } from './worker.js';

/** Jobs queued per worker beyond the one it is running, so it never waits on the main thread. */
const PREFETCH = 2;

export interface PoolOptions extends CheckJobOptions {
  /** Threads to use, the main thread included (1 = check in sequence on the main thread). */
  threads: number;
  /** Called once per job as soon as its outcome is known, in completion order. */
  onOutcome?: (index: number, outcome: ModuleOutcome) => void;
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
  const workers: Worker[] = [];
  let failure: Error | undefined;

  const workersDone = new Promise<void>((resolveAll, rejectAll) => {
    if (workerCount === 0) {
      resolveAll();
      return;
    }
    let running = workerCount;
    const finishOne = () => {
      running--;
      if (running === 0) resolveAll();
    };
    for (let w = 0; w < workerCount; w++) {
      const init: WorkerInit = { manifest, options: jobOptions };
      const worker = new Worker(workerUrl!, { workerData: init });
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
  // Keep the rejection from being reported as unhandled while the main thread is still busy.
  workersDone.catch(() => undefined);

  try {
    while (next < jobs.length && !failure) {
      const index = next++;
      settle(index, runCheckJob(jobs[index]!, manifest, jobOptions));
      // Let worker messages (outcomes, requests for more work) through between modules.
      if (workerCount > 0) await new Promise<void>((resolve) => setImmediate(resolve));
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
