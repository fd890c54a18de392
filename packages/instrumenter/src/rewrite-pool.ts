// The worker threads behind instrumentAsync: a small pool, started on first use and kept for
// later calls (a thread and its module loading cost tens of milliseconds, more than rewriting a
// mid-sized module), unreferenced while idle so it never keeps a process alive. Workers exist only
// where the compiled worker script sits next to this module (the package's dist/); run from the
// TypeScript sources or from a bundle without it, instrumentAsync uses the calling thread alone.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RewriteJob, RewriteReply } from './rewrite-worker.js';

const WORKER_URL = new URL('./rewrite-worker.js', import.meta.url);
let available: boolean | undefined;
const idle: Worker[] = [];
let nextJob = 0;

/**
 * Threads instrumentAsync uses by default: the CPUs the machine's load leaves idle (the 1-minute
 * load average, rounded down, taken from the CPU count) less one, at least 1 and at most 4. The
 * CPU kept free is V8's: every thread runs the rewrite cold at first, until the engine's
 * background threads have compiled its hot functions, and a rewrite that takes every CPU delays
 * that. Measured on 2 idle CPUs, esbuild.wasm (14 MB) in a fresh process (what `wsbc instrument`
 * is): 2 threads 320-365 ms, 1 thread 227-296 ms; 2 threads only win from the third call in one
 * process. Callers that instrument many modules in one process can ask for more threads.
 */
export function defaultThreads(): number {
  const idle = availableParallelism() - Math.floor(loadavg()[0] ?? 0) - 1;
  return Math.max(1, Math.min(4, idle));
}

/** Whether worker threads can be started (the compiled worker script is present). */
export function workersAvailable(): boolean {
  available ??= WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));
  return available;
}

function spawn(): Worker {
  // No execArgv: flags of the host process (--cpu-prof, loaders, --eval) are not the worker's.
  const worker = new Worker(WORKER_URL, { execArgv: [] });
  worker.unref();
  return worker;
}

/** Runs one job on a pooled worker. Rejects if the worker dies; the caller then does the job itself. */
export function runOnWorker(job: Omit<RewriteJob, 'id'>): Promise<RewriteReply> {
  const worker = idle.pop() ?? spawn();
  const id = ++nextJob;
  return new Promise<RewriteReply>((resolve, reject) => {
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      worker.unref();
    };
    const onMessage = (reply: RewriteReply): void => {
      if (reply.id !== id) return;
      cleanup();
      idle.push(worker);
      resolve(reply);
    };
    const onError = (error: Error): void => {
      cleanup();
      void worker.terminate();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`the rewrite worker exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    // Referenced while a job runs, so that awaiting it keeps the process alive.
    worker.ref();
    worker.postMessage({ id, ...job });
  });
}
