// Worker-thread entry of instrumentAsync (rewrite-pool.ts): claims chunks of a module's function
// bodies (chunks.ts) and rewrites them with the same BodyRewriter the one-thread path uses, then
// sends back the parts of the code section it wrote. The module bytes and the claim counter arrive
// in SharedArrayBuffers (no copy per worker); the parts' buffers are transferred (no copy back).
import { parentPort } from 'node:worker_threads';
import type { RewriteContext } from './body-rewriter.js';
import { rewriteClaimedChunks, toReply, type ChunkReply } from './chunks.js';

/** A request: rewrite claimed chunks of `bodies` (see BODY_FIELDS) under `ctx`. */
export interface RewriteJob {
  id: number;
  ctx: RewriteContext;
  bodies: Int32Array;
  /** Chunk boundaries (planChunks). */
  chunks: Int32Array;
  /** Slot 0: the next chunk to claim, shared by every thread of this rewrite. */
  claims: Int32Array;
}

export type RewriteReply = { id: number; ok: true; chunks: ChunkReply[] } | { id: number; ok: false; bug: string };

parentPort?.on('message', (job: RewriteJob) => {
  let reply: RewriteReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const chunks = rewriteClaimedChunks(job.ctx, job.bodies, job.chunks, job.claims).map(toReply);
    for (const c of chunks) if (c.ok) transfer.push(c.code, c.hints);
    reply = { id: job.id, ok: true, chunks };
  } catch (e) {
    reply = { id: job.id, ok: false, bug: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  parentPort!.postMessage(reply, transfer);
});
