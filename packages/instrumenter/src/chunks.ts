// The code section's bodies cut into chunks that threads claim one at a time (instrumentAsync).
//
// Claiming instead of fixed ranges: a thread that starts late (a worker still booting, or one the
// machine's other processes hold off a core) simply claims fewer chunks. Chunk sizes shrink as the
// work runs out (guided self-scheduling: each chunk is a share of what is left), so the last
// chunks are small.
//
// The calling thread writes the output as it goes: between its own chunks it takes the chunks the
// workers have finished (each posted on its own, read with receiveMessageOnPort, without waiting
// for the event loop) and appends every chunk that is next in order; a chunk it claims when every
// chunk before it is appended, it rewrites straight into the output. Copying the workers' chunks
// thus shares the calling thread's time with rewriting, and the workers claim more chunks to make
// up for it. Once nothing is left to claim, the calling thread does not wait for a worker: it
// rewrites the next missing chunk itself (whoever finishes first wins; the bytes are the same), so
// a worker that is slow or dead costs at most the chunks it had claimed.
//
// A chunk's output depends only on its bodies and the context (see rewriteBodies), so joining the
// chunks in index order gives the bytes a one-thread rewrite gives, whoever rewrote each.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { WasmError, isWasmError, type WasmErrorCode } from '@wsbc/wasm';
import { BODY_FIELDS, BodyRewriter, rewriteBodies, type RewriteContext } from './body-rewriter.js';
import { ByteSink } from './byte-sink.js';

/** Smallest chunk, in input bytes of code (a chunk's fixed cost is a buffer and a reply entry). */
export const MIN_CHUNK_BYTES = 64 << 10;

/** Each chunk is this share of the input left, divided by the thread count. */
const SHARE = 4;

/**
 * Chunk boundaries of a body table for `threads` threads: body indices b[0] = 0 < b[1] < ... <
 * b[n] = body count; chunk k is bodies [b[k], b[k+1]).
 */
export function planChunks(bodies: Int32Array, threads: number): Int32Array {
  const count = bodies.length / BODY_FIELDS;
  const bounds = [0];
  if (count === 0) return Int32Array.from(bounds);
  const end = bodies[(count - 1) * BODY_FIELDS + 4]!;
  let i = 0;
  while (i < count) {
    const start = bodies[i * BODY_FIELDS]!;
    const size = Math.max(MIN_CHUNK_BYTES, Math.ceil((end - start) / (threads * SHARE)));
    const limit = start + size;
    i++; // at least one body per chunk
    while (i < count && bodies[i * BODY_FIELDS + 4]! <= limit) i++;
    bounds.push(i);
  }
  return Int32Array.from(bounds);
}

/** One chunk, rewritten: its part of the code section, its branch-hint entries and stats. */
export type ChunkResult =
  | {
      index: number;
      ok: true;
      code: Uint8Array;
      hints: Uint8Array;
      hintedFunctions: number;
      charges: number;
      maxOverrun: number;
    }
  | { index: number; ok: false; error: unknown };

/** Bytes of input code in chunk `k`. */
export function chunkInputBytes(bodies: Int32Array, chunks: Int32Array, k: number): number {
  const from = chunks[k]!;
  const to = chunks[k + 1]!;
  return to > from ? bodies[(to - 1) * BODY_FIELDS + 4]! - bodies[from * BODY_FIELDS]! : 0;
}

/** Rewrites chunk `k` on this thread with `rewriter` (whose hint entries it takes and clears). */
export function rewriteChunk(rewriter: BodyRewriter, bodies: Int32Array, chunks: Int32Array, k: number): ChunkResult {
  const sink = new ByteSink(Math.ceil(chunkInputBytes(bodies, chunks, k) * 1.5) + 1024);
  const stats = rewriteBodies(sink, rewriter, bodies, chunks[k]!, chunks[k + 1]!);
  const hints = rewriter.hintBytes().slice();
  const hintedFunctions = rewriter.hintedFunctions;
  rewriter.clearHints();
  return { index: k, ok: true, code: sink.buf.subarray(0, sink.len), hints, hintedFunctions, charges: stats.charges, maxOverrun: stats.maxOverrun };
}

/**
 * A worker's share: claims chunks (slot 0 of `claims`, shared by every thread of the rewrite) and
 * rewrites them until none is left, handing each to `send` as soon as it is done. Stops after a
 * failed chunk: the failure ends the rewrite, and the chunks before it are done by others.
 */
export function rewriteClaimedChunks(ctx: RewriteContext, bodies: Int32Array, chunks: Int32Array, claims: Int32Array, send: (r: ChunkResult) => void): void {
  const n = chunks.length - 1;
  const rewriter = new BodyRewriter(ctx);
  for (;;) {
    const k = Atomics.add(claims, 0, 1);
    if (k >= n) return;
    let r: ChunkResult;
    try {
      r = rewriteChunk(rewriter, bodies, chunks, k);
    } catch (error) {
      r = { index: k, ok: false, error };
    }
    send(r);
    if (!r.ok) return;
  }
}

/** The bodies of a code section as written: their stats and branch-hint entries, in order. */
export interface WrittenBodies {
  charges: number;
  maxOverrun: number;
  hints: Uint8Array[];
  hintedFunctions: number;
}

/**
 * Unclaimed input per worker below which the calling thread stops to fault in the pages the rest
 * of the output will take (see writeClaimedChunks): about what a worker rewrites while the calling
 * thread faults in the 4-5 MB that esbuild.wasm's last chunks and data section take.
 */
const PREFAULT_LEAD_BYTES = 256 << 10;

/**
 * The calling thread's share, and the join: writes every body of `bodies` into `out` (sizes
 * included, in order), rewriting the chunks it claims and appending those the workers post on
 * `ports` (see the top of this file). Throws the first failing chunk's error in order.
 *
 * `tailBytes` is about how much the module's output holds after the code section. Fresh memory
 * costs a page fault per 4 KiB page when first written (0.5 ms a megabyte on the VM of
 * docs/benchmarks.md), and what follows the code section (esbuild.wasm's 3.9 MB data section) is
 * written after every chunk is in, by this thread alone. So when little is left to claim, this
 * thread faults in the pages the rest of the output will take, by its estimate, while the workers
 * rewrite the last chunks (it claims fewer of them); the tail then writes into touched pages. The
 * estimate is a hint only: pages it misses fault in later, pages it overshoots are cut off at the
 * end.
 */
export function writeClaimedChunks(out: ByteSink, ctx: RewriteContext, bodies: Int32Array, chunks: Int32Array, claims: Int32Array, ports: MessagePort[], tailBytes = 0): WrittenBodies {
  const n = chunks.length - 1;
  const codeStart = out.len;
  // unclaimed[k]: input bytes of chunks k and after.
  const unclaimed = new Float64Array(n + 1);
  for (let k = n - 1; k >= 0; k--) unclaimed[k] = unclaimed[k + 1]! + chunkInputBytes(bodies, chunks, k);
  let prefaulted = tailBytes <= 0 || ports.length === 0 || !out.isResizable;
  const results: Array<ChunkResult | null | undefined> = new Array(n);
  const written: WrittenBodies = { charges: 0, maxOverrun: 0, hints: [], hintedFunctions: 0 };
  const rewriter = new BodyRewriter(ctx);
  let next = 0; // the first chunk not yet in `out`
  const take = (r: ChunkResult): void => {
    if (!r.ok) throw r.error;
    out.bytes(r.code);
    written.hints.push(r.hints);
    written.hintedFunctions += r.hintedFunctions;
    written.charges += r.charges;
    if (r.maxOverrun > written.maxOverrun) written.maxOverrun = r.maxOverrun;
  };
  const appendReady = (): void => {
    for (const port of ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const r = fromReply(m.message as ChunkReply);
        if (r && results[r.index] === undefined) results[r.index] = r;
      }
    }
    for (let r = results[next]; r; r = results[next]) {
      take(r);
      results[next++] = null; // appended: its buffers can go
    }
  };
  /** Rewrites chunk k here: into `out` when it is next, else into a buffer of its own. */
  const here = (k: number): void => {
    if (k !== next) {
      try {
        results[k] = rewriteChunk(rewriter, bodies, chunks, k);
      } catch (error) {
        results[k] = { index: k, ok: false, error };
      }
      return;
    }
    const stats = rewriteBodies(out, rewriter, bodies, chunks[k]!, chunks[k + 1]!);
    take({ index: k, ok: true, code: EMPTY, hints: rewriter.hintBytes().slice(), hintedFunctions: rewriter.hintedFunctions, ...stats });
    rewriter.clearHints();
    results[next++] = null;
  };
  /** Faults in the pages from out.len to the estimated end of the output (see above). */
  const prefault = (): void => {
    let outBytes = out.len - codeStart;
    let inBytes = n > 0 ? unclaimed[0]! - unclaimed[next]! : 0;
    let hintBytes = 0;
    for (const h of written.hints) hintBytes += h.length;
    for (let i = next; i < n; i++) {
      const r = results[i];
      if (!r?.ok) continue;
      outBytes += r.code.length;
      inBytes += chunkInputBytes(bodies, chunks, i);
      hintBytes += r.hints.length;
    }
    if (inBytes <= 0) return;
    const scale = unclaimed[0]! / inBytes;
    // At most what the output can take (4 bytes per input byte, see Rewriter.write).
    const code = Math.min((outBytes + hintBytes) * scale, 4 * unclaimed[0]!);
    out.prefault(codeStart + Math.ceil(code) + tailBytes + (64 << 10));
  };
  try {
    for (let k = Atomics.add(claims, 0, 1); k < n; k = Atomics.add(claims, 0, 1)) {
      here(k);
      appendReady();
      if (results[k]?.ok === false) break; // fails once the chunks before it are in
      if (!prefaulted && unclaimed[Math.min(Atomics.load(claims, 0), n)]! <= PREFAULT_LEAD_BYTES * ports.length) {
        prefaulted = true;
        prefault();
      }
    }
    // Nothing left to claim (or a chunk failed): the missing chunks in order, from the workers
    // if they have posted them by then, else rewritten here.
    while (next < n) {
      appendReady();
      if (next < n && results[next] === undefined) here(next);
    }
    return written;
  } finally {
    Atomics.store(claims, 0, n); // the workers stop claiming
    for (const port of ports) port.close();
  }
}

const EMPTY = new Uint8Array(0);

/** A ChunkResult as a worker sends it: buffers transferred, errors as plain data. */
export type ChunkReply =
  | {
      index: number;
      ok: true;
      code: ArrayBuffer;
      codeLength: number;
      hints: ArrayBuffer;
      hintsLength: number;
      hintedFunctions: number;
      charges: number;
      maxOverrun: number;
    }
  | { index: number; ok: false; wasmError?: { code: string; message: string; offset: number }; bug?: string };

export function toReply(r: ChunkResult): ChunkReply {
  if (r.ok) {
    return {
      index: r.index,
      ok: true,
      code: r.code.buffer as ArrayBuffer,
      codeLength: r.code.length,
      hints: r.hints.buffer as ArrayBuffer,
      hintsLength: r.hints.length,
      hintedFunctions: r.hintedFunctions,
      charges: r.charges,
      maxOverrun: r.maxOverrun,
    };
  }
  const e = r.error;
  return isWasmError(e)
    ? { index: r.index, ok: false, wasmError: { code: e.code, message: e.message, offset: e.offset } }
    : { index: r.index, ok: false, bug: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}

/** The ChunkResult a worker's reply stands for; undefined for a bug in the worker (redo the chunk). */
export function fromReply(r: ChunkReply): ChunkResult | undefined {
  if (r.ok) {
    return {
      index: r.index,
      ok: true,
      code: new Uint8Array(r.code, 0, r.codeLength),
      hints: new Uint8Array(r.hints, 0, r.hintsLength),
      hintedFunctions: r.hintedFunctions,
      charges: r.charges,
      maxOverrun: r.maxOverrun,
    };
  }
  if (!r.wasmError) return undefined;
  return { index: r.index, ok: false, error: new WasmError(r.wasmError.code as WasmErrorCode, r.wasmError.message, r.wasmError.offset) };
}
