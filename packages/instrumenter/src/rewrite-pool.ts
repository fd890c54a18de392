// The worker threads behind instrumentAsync: a small pool, started on first use and kept for
// later calls (a thread and its module loading cost tens of milliseconds, more than rewriting a
// mid-sized module), unreferenced while idle so it never keeps a process alive. Workers exist only
// where the compiled worker script sits next to this module (the package's dist/); run from the
// TypeScript sources or from a bundle without it, instrumentAsync uses the calling thread alone.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { RewriteContext } from './body-rewriter.js';
import type { ByteSink } from './byte-sink.js';
import { planChunks, writeClaimedChunks, type WrittenBodies } from './chunks.js';
import type { RewriteJob, RewriteReply } from './rewrite-worker.js';

const WORKER_URL = new URL('./rewrite-worker.js', import.meta.url);
let available: boolean | undefined;
/** The pool: each worker with the number of jobs posted to it and not yet reported over. */
const pool: Array<{ worker: Worker; jobs: number }> = [];

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

function spawn(): { worker: Worker; jobs: number } {
  // No execArgv: flags of the host process (--cpu-prof, loaders, --eval) are not the worker's.
  const worker = new Worker(WORKER_URL, { execArgv: [] });
  worker.unref();
  const entry = { worker, jobs: 0 };
  const drop = (): void => {
    const at = pool.indexOf(entry);
    if (at >= 0) pool.splice(at, 1);
  };
  worker.on('message', (reply: RewriteReply) => {
    // Referenced while it has jobs: a job's last chunk ends before the process does.
    if (--entry.jobs === 0) worker.unref();
    if (!reply.ok) {
      drop();
      void worker.terminate();
    }
  });
  worker.on('error', () => {
    drop();
    void worker.terminate();
  });
  worker.on('exit', drop);
  pool.push(entry);
  return entry;
}

/**
 * The last shared copy of an input (sharedInput), the claims of the rewrite that read it (slot 1:
 * workers still reading), and the timer that lets it go.
 */
let inputCopy: { buffer: SharedArrayBuffer; claims: Int32Array; release: ReturnType<typeof setTimeout> } | null = null;
/** How long an input copy is kept for the next call. */
const INPUT_COPY_KEEP_MS = 2000;

/**
 * The module as the workers of the rewrite with `claims` read it: in shared memory (the
 * caller's, when it is shared already), where only bytes [from, to) (the code section, all the
 * workers read) are copied. The last copy's memory is reused by a call within
 * INPUT_COPY_KEEP_MS once no worker reads it any more (a worker may still be finishing a chunk its
 * caller no longer needs): copying 14 MB into fresh pages took 4-7 ms on the calling thread, most
 * of it page faults.
 */
function sharedInput(bytes: Uint8Array, claims: Int32Array, from: number, to: number): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const last = inputCopy;
  let buffer: SharedArrayBuffer;
  if (last !== null && last.buffer.byteLength >= bytes.length && Atomics.load(last.claims, 1) === 0) {
    clearTimeout(last.release);
    buffer = last.buffer;
  } else {
    if (last !== null) clearTimeout(last.release);
    buffer = new SharedArrayBuffer(bytes.length);
  }
  const release = setTimeout(() => (inputCopy = null), INPUT_COPY_KEEP_MS);
  release.unref();
  inputCopy = { buffer, claims, release };
  const view = new Uint8Array(buffer, 0, bytes.length);
  // Only the code section: the workers read nothing else (10 of esbuild.wasm's 14 MB).
  view.set(bytes.subarray(from, to), from);
  return view;
}

/**
 * The `count` least busy workers of the pool, started as needed. A worker still busy is one
 * finishing the last chunk of a rewrite its caller has already completed (see chunks.ts): it
 * takes the next job after that chunk, sooner than a new thread would start.
 */
function pick(count: number): Worker[] {
  while (pool.length < count) spawn();
  return [...pool]
    .sort((a, b) => a.jobs - b.jobs)
    .slice(0, count)
    .map((entry) => {
      entry.jobs++;
      entry.worker.ref();
      return entry.worker;
    });
}

/**
 * Writes a code section's bodies (the body table `bodies`, under `ctx`) into `out` on the calling
 * thread and up to `threads - 1` pooled workers, which claim chunks of them as they get to it
 * (chunks.ts). The workers' copy of the module's code section, `input[code[0], code[1])`, is made
 * here, before the writer runs: the rewrite reads the body table from the input next, and after
 * the copy's sequential pass over the section that took less than half the time (0.3-0.4 against
 * 0.8-0.9 ms for esbuild.wasm in a benchmark loop, whose other work leaves the input out of the
 * caches). The writer also tells writeClaimedChunks how much output follows the code section.
 */
export function sharedWriter(threads: number, input: Uint8Array, code: readonly [number, number]): (out: ByteSink, ctx: RewriteContext, bodies: Int32Array) => WrittenBodies {
  const claims = new Int32Array(new SharedArrayBuffer(8));
  const shared = sharedInput(input, claims, code[0], code[1]);
  return (out, ctx, bodies) => {
    const chunks = planChunks(bodies, threads);
    const sharedCtx = { ...ctx, bytes: shared };
    // Results come back on a port per worker; the worker reports the job over on its parentPort.
    const ports: MessagePort[] = [];
    for (const worker of pick(Math.min(threads, chunks.length - 1) - 1)) {
      const { port1, port2 } = new MessageChannel();
      ports.push(port1);
      const job: RewriteJob = { ctx: sharedCtx, bodies, chunks, claims, port: port2 };
      Atomics.add(claims, 1, 1);
      worker.postMessage(job, [port2]);
    }
    // What follows the code section: the input's next sections, about as long in the output.
    return writeClaimedChunks(out, ctx, bodies, chunks, claims, ports, input.length - code[1]);
  };
}
