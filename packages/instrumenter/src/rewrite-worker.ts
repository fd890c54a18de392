// Worker-thread entry of instrumentAsync (rewrite-pool.ts): rewrites one range of a module's
// function bodies with the same BodyRewriter the one-thread path uses, and sends back the bytes
// of that part of the code section. The module bytes arrive in a SharedArrayBuffer (no copy per
// worker); the result's buffer is transferred (no copy back).
import { parentPort } from 'node:worker_threads';
import { isWasmError } from '@wsbc/wasm';
import { BodyRewriter, rewriteBodies, type RewriteContext } from './body-rewriter.js';
import { ByteSink } from './byte-sink.js';

/** A request: rewrite bodies [from, to) of `bodies` (see BODY_FIELDS) under `ctx`. */
export interface RewriteJob {
  id: number;
  ctx: RewriteContext;
  bodies: Int32Array;
  from: number;
  to: number;
  /** Input bytes of the range, to size the output buffer. */
  inputBytes: number;
}

export type RewriteReply =
  | {
      id: number;
      ok: true;
      buffer: ArrayBuffer;
      length: number;
      charges: number;
      maxOverrun: number;
      /** The range's branch-hint entries (BodyRewriter.hints) and how many functions they cover. */
      hints: ArrayBuffer;
      hintsLength: number;
      hintedFunctions: number;
    }
  | { id: number; ok: false; wasmError?: { code: string; message: string; offset: number }; bug?: string };

parentPort?.on('message', (job: RewriteJob) => {
  let reply: RewriteReply;
  try {
    const out = new ByteSink(Math.ceil(job.inputBytes * 1.5) + 1024);
    const rewriter = new BodyRewriter(job.ctx);
    const stats = rewriteBodies(out, rewriter, job.bodies, job.from, job.to);
    const hints = rewriter.hintBytes();
    reply = {
      id: job.id,
      ok: true,
      buffer: out.buf.buffer as ArrayBuffer,
      length: out.len,
      charges: stats.charges,
      maxOverrun: stats.maxOverrun,
      hints: hints.buffer as ArrayBuffer,
      hintsLength: hints.length,
      hintedFunctions: rewriter.hintedFunctions,
    };
  } catch (e) {
    reply = isWasmError(e)
      ? { id: job.id, ok: false, wasmError: { code: e.code, message: e.message, offset: e.offset } }
      : { id: job.id, ok: false, bug: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  parentPort!.postMessage(reply, reply.ok ? [reply.buffer, reply.hints] : []);
});
