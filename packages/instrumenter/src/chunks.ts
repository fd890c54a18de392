// The code section's bodies cut into chunks that threads claim one at a time (instrumentAsync).
//
// Claiming instead of fixed ranges: a thread that starts late (a worker still booting, or one the
// machine's other processes hold off a core) simply claims fewer chunks, and the calling thread
// never waits for more than the one chunk each other thread is working on. Chunk sizes shrink as
// the work runs out (guided self-scheduling: each chunk is a share of what is left), so the last
// chunks, the ones whose wait nobody can hide, are small.
//
// A chunk's output depends only on its bodies and the context (see rewriteBodies), so joining the
// chunks in index order gives the bytes a one-thread rewrite gives, whoever rewrote each.
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
 * Claims chunks (slot 0 of `claims`, shared by every thread of the rewrite) and rewrites them
 * until none is left. After a chunk fails, this thread stops claiming: the failure ends the
 * rewrite, and chunks before it are still done by whoever claims them.
 */
export function rewriteClaimedChunks(ctx: RewriteContext, bodies: Int32Array, chunks: Int32Array, claims: Int32Array): ChunkResult[] {
  const results: ChunkResult[] = [];
  const n = chunks.length - 1;
  const rewriter = new BodyRewriter(ctx);
  for (;;) {
    const k = Atomics.add(claims, 0, 1);
    if (k >= n) return results;
    try {
      results.push(rewriteChunk(rewriter, bodies, chunks, k));
    } catch (error) {
      results.push({ index: k, ok: false, error });
      return results;
    }
  }
}

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
