// Worker-thread entry of instrumentAsync (rewrite-pool.ts): claims chunks of a module's function
// bodies (chunks.ts) and rewrites them with the same BodyRewriter the one-thread path uses,
// posting each chunk on the job's port as soon as it is done. The module bytes and the claim
// counter arrive in SharedArrayBuffers (no copy per worker); each chunk's buffers are transferred
// (no copy back).
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { RewriteContext } from './body-rewriter.js';
import { rewriteClaimedChunks, toReply } from './chunks.js';

/** A request: rewrite claimed chunks of `bodies` (see BODY_FIELDS) under `ctx`. */
export interface RewriteJob {
  ctx: RewriteContext;
  bodies: Int32Array;
  /** Chunk boundaries (planChunks). */
  chunks: Int32Array;
  /**
   * Slot 0: the next chunk to claim, shared by every thread of this rewrite. Slot 1: the workers
   * of this rewrite still reading its input (counted up when the job is posted, down here when
   * it is over), so that the input's shared copy is reused only when nobody reads it.
   */
  claims: Int32Array;
  /** Where each rewritten chunk goes (a ChunkReply per message). */
  port: MessagePort;
}

/** Sent on parentPort once the job is over (the worker is free again). */
export type RewriteReply = { ok: true } | { ok: false; bug: string };

parentPort?.on('message', (job: RewriteJob) => {
  let reply: RewriteReply = { ok: true };
  try {
    rewriteClaimedChunks(job.ctx, job.bodies, job.chunks, job.claims, (r) => {
      const m = toReply(r);
      job.port.postMessage(m, m.ok ? [m.code, m.hints] : []);
    });
  } catch (e) {
    reply = { ok: false, bug: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  job.port.close();
  Atomics.sub(job.claims, 1, 1);
  parentPort!.postMessage(reply);
});
