// instrumentAsync splits the function bodies across worker threads. Its output must not depend on
// the split: byte-identical to instrument() for any thread count, with the same stats, record and
// errors. Worker threads need the compiled worker script, so this test runs the package's build
// (dist/, which `pnpm test` builds first through turbo) and skips when there is none.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { SectionId, codeSection, sections, skipLocals } from '@wsbc/wasm';
import { locateRealModules } from '@wsbc/testkit';
import { describe, expect, it } from 'vitest';
import type * as Api from '../src/index.js';
import { BODY_FIELDS, BodyRewriter, type RewriteContext } from '../src/body-rewriter.js';
import { MIN_CHUNK_BYTES, chunkInputBytes, planChunks, rewriteChunk, toReply, writeClaimedChunks, type ChunkReply } from '../src/chunks.js';
import { instrument, instrumentWithWriter, type SharedWriter } from '../src/instrument.js';

const dist = resolve(import.meta.dirname, '../dist');
const built = existsSync(join(dist, 'rewrite-worker.js')) && existsSync(join(dist, 'index.js'));
if (!built) console.log(`parallel rewrite: skipped, no build in ${dist} (run \`npx tsc -b packages/instrumenter\`)`);

const api = built ? ((await import(pathToFileURL(join(dist, 'index.js')).href)) as typeof Api) : undefined;
const pool = built ? ((await import(pathToFileURL(join(dist, 'rewrite-pool.js')).href)) as { workersAvailable(): boolean }) : undefined;

/** A copy of `module` whose last body starts with an unknown opcode; `last` is where. */
function breakLastBody(module: Uint8Array): { bytes: Uint8Array; last: number } {
  const bytes = module.slice();
  let last = -1;
  for (const s of sections(bytes)) {
    if (s.id !== SectionId.code) continue;
    for (const body of codeSection(bytes, s, 0)) last = skipLocals(bytes, body).codeStart;
  }
  bytes[last] = 0xc5;
  return { bytes, last };
}

function realModule(pkg: string, name: string): Uint8Array {
  const m = locateRealModules({ packages: [pkg] }).modules.find((x) => x.name.endsWith(name));
  expect(m, `${pkg} ${name} is installed`).toBeDefined();
  return new Uint8Array(readFileSync(m!.path));
}

describe.skipIf(!built)('instrumentAsync (worker threads, from dist/)', () => {
  const { instrument, instrumentAsync, PARALLEL_MIN_CODE_BYTES } = api!;
  const esbuild = built ? realModule('esbuild-wasm', 'esbuild.wasm') : new Uint8Array();

  it('can start workers from the build', () => {
    expect(pool!.workersAvailable()).toBe(true);
  });

  it('gives byte-identical output, stats and record for 1 to 5 threads (esbuild.wasm, two option sets)', async () => {
    expect(esbuild.length).toBeGreaterThan(PARALLEL_MIN_CODE_BYTES);
    for (const options of [{}, { checks: 'block', counter: 'global', stackDepth: 500, memory: { maxPages: 1000, maxGrowthPages: 10, trapOnGrowFailure: true } }] as const) {
      const one = instrument(esbuild, { validate: false, ...options });
      expect(one.ok).toBe(true);
      for (const threads of [1, 2, 3, 5]) {
        const many = await instrumentAsync(esbuild, { validate: false, threads, ...options });
        expect(many.ok).toBe(true);
        if (!one.ok || !many.ok) return;
        expect(Buffer.compare(many.value.bytes, one.value.bytes), `${threads} threads, ${JSON.stringify(options)}`).toBe(0);
        expect(many.value.stats).toEqual(one.value.stats);
        expect(many.value.record).toEqual(one.value.record);
      }
    }
  }, 120_000);

  it('gives each of back-to-back calls on different modules its own output (the input copy reused)', async () => {
    // yosys first: esbuild.wasm then fits the shared copy yosys left, which the next call reuses
    // once no worker reads it; a worker may still be finishing a chunk of the call before.
    const yosys = realModule('@yowasp/yosys', 'yosys.core.wasm');
    const expected = new Map<Uint8Array, Uint8Array>();
    for (const module of [yosys, esbuild]) {
      const r = instrument(module, { validate: false });
      expect(r.ok).toBe(true);
      if (r.ok) expected.set(module, r.value.bytes);
    }
    for (const module of [yosys, esbuild, yosys, esbuild, esbuild]) {
      const r = await instrumentAsync(module, { validate: false, threads: 2 });
      expect(r.ok).toBe(true);
      if (r.ok) expect(Buffer.compare(r.value.bytes, expected.get(module)!)).toBe(0);
    }
  }, 120_000);

  it('rewrites a small module on the calling thread, with the same output', async () => {
    const sql = realModule('sql.js', 'sql-wasm.wasm');
    const one = instrument(sql);
    const many = await instrumentAsync(sql, { threads: 4 });
    expect(one.ok && many.ok).toBe(true);
    if (one.ok && many.ok) expect(Buffer.compare(many.value.bytes, one.value.bytes)).toBe(0);
  });

  it('reports a broken body in a worker\'s range exactly as instrument() does', async () => {
    // The last body (in the last thread's range) broken.
    const { bytes, last } = breakLastBody(esbuild);
    const one = instrument(bytes, { validate: false });
    const many = await instrumentAsync(bytes, { validate: false, threads: 3 });
    expect(one.ok).toBe(false);
    expect(many).toEqual(one);
    if (!one.ok) expect(one.diagnostics[0]!.span).toMatchObject({ byteOffset: last });
  }, 60_000);

  it.skipIf(process.platform !== 'linux')('starts at most MAX_THREADS - 1 workers however many threads are asked for', async () => {
    const osThreads = (): number => readdirSync('/proc/self/task').length;
    const before = osThreads();
    const many = await instrumentAsync(esbuild, { validate: false, threads: 9999 });
    const one = instrument(esbuild, { validate: false });
    expect(many.ok && one.ok).toBe(true);
    if (many.ok && one.ok) expect(Buffer.compare(many.value.bytes, one.value.bytes)).toBe(0);
    // A worker per chunk would be about 150 threads for esbuild.wasm.
    expect(osThreads() - before).toBeLessThanOrEqual(api!.MAX_THREADS - 1);
  }, 60_000);

  it('refuses a thread count that is not a positive integer', async () => {
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      const r = await instrumentAsync(esbuild, { validate: false, threads });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.diagnostics[0]!.code).toBe('instrument/invalid-options');
    }
  });

  it('refuses invalid input before starting any work, like instrument()', async () => {
    const broken = esbuild.slice(0, 1000);
    const r = await instrumentAsync(broken);
    expect(r).toEqual(instrument(broken));
    expect(r.ok).toBe(false);
  });
});

describe('chunks of the code section (chunks.ts)', () => {
  // A body table (BODY_FIELDS = 5 numbers per body) of bodies of the given sizes, back to back.
  function table(sizes: number[]): Int32Array {
    const t = new Int32Array(sizes.length * BODY_FIELDS);
    let at = 100;
    sizes.forEach((size, i) => {
      t[i * BODY_FIELDS] = at;
      at += size;
      t[i * BODY_FIELDS + 4] = at;
    });
    return t;
  }

  it('covers every body once, in order, with chunks that shrink as the work runs out', () => {
    const bodies = table(Array.from({ length: 5000 }, (_, i) => 500 + ((i * 7919) % 3000)));
    const chunks = planChunks(bodies, 2);
    expect(chunks[0]).toBe(0);
    expect(chunks[chunks.length - 1]).toBe(5000);
    const sizes: number[] = [];
    for (let k = 0; k + 1 < chunks.length; k++) {
      expect(chunks[k + 1]!).toBeGreaterThan(chunks[k]!);
      sizes.push(chunkInputBytes(bodies, chunks, k));
    }
    // The first chunk is about an eighth of the work for 2 threads; the last ones are small.
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(sizes[0]! / total).toBeGreaterThan(0.1);
    expect(sizes[0]! / total).toBeLessThan(0.15);
    expect(sizes[sizes.length - 2]!).toBeLessThan(MIN_CHUNK_BYTES + 4000);
    for (let k = 1; k < sizes.length - 1; k++) expect(sizes[k]!).toBeLessThanOrEqual(sizes[k - 1]! + 4000);
  });

  it('gives a body larger than a chunk a chunk of its own, and an empty table no chunk', () => {
    expect([...planChunks(table([10, 5_000_000, 10]), 2)]).toEqual([0, 1, 2, 3]);
    expect([...planChunks(table([10, 20, 30]), 2)]).toEqual([0, 3]);
    expect([...planChunks(new Int32Array(0), 4)]).toEqual([0]);
  });
});

// The calling thread's side of a shared rewrite (writeClaimedChunks), with the workers played by
// the test: it must give instrument()'s bytes whatever they do, and never wait for them.
describe('the calling thread never depends on a worker (chunks.ts)', () => {
  const esbuild = (() => {
    const m = locateRealModules({ packages: ['esbuild-wasm'] }).modules.find((x) => x.name.endsWith('esbuild.wasm'));
    return m ? new Uint8Array(readFileSync(m.path)) : null;
  })();
  const expected = esbuild ? instrument(esbuild, { validate: false }) : null;

  /** A writer whose "workers" are `play(chunks, claims, port)` run before the calling thread starts. */
  function writerPlaying(play: (chunks: Int32Array, claims: Int32Array, post: (r: ChunkReply) => void, ctx: RewriteContext, bodies: Int32Array) => void): SharedWriter {
    return (out, ctx, bodies) => {
      const chunks = planChunks(bodies, 2);
      const claims = new Int32Array(new SharedArrayBuffer(4));
      const { port1, port2 } = new MessageChannel();
      play(chunks, claims, (r) => port2.postMessage(r), ctx, bodies);
      const written = writeClaimedChunks(out, ctx, bodies, chunks, claims, [port1]);
      port2.close();
      return written;
    };
  }

  function expectSameAsInstrument(r: ReturnType<typeof instrument>): void {
    expect(r.ok && expected?.ok).toBe(true);
    if (r.ok && expected?.ok) {
      expect(Buffer.compare(r.value.bytes, expected.value.bytes)).toBe(0);
      expect(r.value.stats).toEqual(expected.value.stats);
    }
  }

  it.skipIf(!esbuild)('redoes the chunks a worker claimed and never delivered (a dead worker)', () => {
    // The "worker" claims the first three chunks and dies.
    const r = instrumentWithWriter(esbuild!, { validate: false }, writerPlaying((_chunks, claims) => void Atomics.add(claims, 0, 3)));
    expectSameAsInstrument(r);
  });

  it.skipIf(!esbuild)('takes chunks a worker delivered, out of order and twice, and redoes those it botched', () => {
    const r = instrumentWithWriter(
      esbuild!,
      { validate: false },
      writerPlaying((chunks, claims, post, ctx, bodies) => {
        Atomics.add(claims, 0, 4); // chunks 0-3 are the worker's
        const rewriter = new BodyRewriter(ctx);
        const three = toReply(rewriteChunk(rewriter, bodies, chunks, 3));
        post(three);
        post(toReply(rewriteChunk(rewriter, bodies, chunks, 3))); // a duplicate is ignored
        post(toReply(rewriteChunk(rewriter, bodies, chunks, 0)));
        post({ index: 1, ok: false, bug: 'TypeError: a bug in the worker' }); // redone here
        // chunk 2 never comes
      }),
    );
    expectSameAsInstrument(r);
  });

  it('joins any mix of delivered, duplicated, botched and missing chunks into instrument()\'s bytes (20 seeds)', () => {
    const sql = realModule('sql.js', 'sql-wasm.wasm');
    const want = instrument(sql, { validate: false });
    expect(want.ok).toBe(true);
    for (let seed = 1; seed <= 20; seed++) {
      let state = seed * 0x9e3779b1;
      const rand = (): number => {
        state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
        return ((state ^ (state >>> 13)) >>> 0) / 2 ** 32;
      };
      const writer: SharedWriter = (out, ctx, bodies) => {
        // Chunks of 1 to 200 bodies; the "worker" claims the first `taken` and delivers each
        // (60 %), twice (10 %), as a bug (10 %) or not at all, all in a shuffled order.
        const count = bodies.length / BODY_FIELDS;
        const bounds = [0];
        while (bounds[bounds.length - 1]! < count) bounds.push(Math.min(count, bounds[bounds.length - 1]! + 1 + Math.floor(rand() * 200)));
        const chunks = Int32Array.from(bounds);
        const n = chunks.length - 1;
        const claims = new Int32Array(new SharedArrayBuffer(4));
        const taken = Math.floor(rand() * (n + 1));
        Atomics.add(claims, 0, taken);
        const rewriter = new BodyRewriter(ctx);
        const replies: ChunkReply[] = [];
        for (let k = 0; k < taken; k++) {
          const x = rand();
          if (x < 0.7) replies.push(toReply(rewriteChunk(rewriter, bodies, chunks, k)));
          if (x >= 0.6 && x < 0.7) replies.push(toReply(rewriteChunk(rewriter, bodies, chunks, k)));
          else if (x >= 0.7 && x < 0.8) replies.push({ index: k, ok: false, bug: 'a bug in the worker' });
        }
        for (let i = replies.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [replies[i], replies[j]] = [replies[j]!, replies[i]!];
        }
        const { port1, port2 } = new MessageChannel();
        for (const r of replies) port2.postMessage(r);
        const written = writeClaimedChunks(out, ctx, bodies, chunks, claims, [port1]);
        port2.close();
        return written;
      };
      const got = instrumentWithWriter(sql, { validate: false }, writer);
      expect(got.ok, `seed ${seed}`).toBe(true);
      if (got.ok && want.ok) {
        expect(Buffer.compare(got.value.bytes, want.value.bytes), `seed ${seed}`).toBe(0);
        expect(got.value.stats).toEqual(want.value.stats);
      }
    }
  });

  it.skipIf(!esbuild)('gives the same bytes whatever it faults in ahead for the tail, too little or far too much', () => {
    for (const tailBytes of [1, 4 << 20, 64 << 20]) {
      const r = instrumentWithWriter(esbuild!, { validate: false }, (out, ctx, bodies) => {
        const chunks = planChunks(bodies, 2);
        const claims = new Int32Array(new SharedArrayBuffer(4));
        const { port1, port2 } = new MessageChannel();
        // A "worker" that delivers every other chunk of the second half, in order.
        const rewriter = new BodyRewriter(ctx);
        const n = chunks.length - 1;
        for (let k = n >> 1; k < n; k += 2) port2.postMessage(toReply(rewriteChunk(rewriter, bodies, chunks, k)));
        const written = writeClaimedChunks(out, ctx, bodies, chunks, claims, [port1], tailBytes);
        port2.close();
        return written;
      });
      expectSameAsInstrument(r);
    }
  });

  it.skipIf(!esbuild)('fails with the first broken body in order, whichever thread found it', () => {
    // A broken body in the last chunk; the "worker" reports chunk 0 broken (a made-up error).
    const { bytes } = breakLastBody(esbuild!);
    const one = instrument(bytes, { validate: false });
    expect(one.ok).toBe(false);
    const r = instrumentWithWriter(
      bytes,
      { validate: false },
      writerPlaying((_chunks, claims, post) => {
        Atomics.add(claims, 0, 1); // chunk 0 is the worker's
        post({ index: 0, ok: false, wasmError: { code: 'wasm/unknown-opcode', message: 'made up', offset: 1234 } });
      }),
    );
    // Chunk 0's (made-up) error comes first in order.
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]!.span).toMatchObject({ byteOffset: 1234 });
    // Without it, the real one in the last chunk.
    const real = instrumentWithWriter(bytes, { validate: false }, writerPlaying(() => {}));
    expect(real).toEqual(one);
  });
});
