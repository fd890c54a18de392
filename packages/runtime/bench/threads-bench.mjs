// What a WASI call costs from a guest thread (wasi-threads, src/threads.ts): the same loop of
// 16-byte fd_writes to stdout run by `_start` of a single-threaded module (the call goes straight
// to our WASI) and of a threaded one (`_start` runs in a worker of its own and each call is a
// round trip to the hub through shared memory), through run(), alternating, 10 rounds after 2
// warm-up rounds, each at two sizes. Prints the medians, the time per call (the slope between the
// sizes) and the threaded run's fixed cost.
// Build first (`pnpm build`); run: `node packages/runtime/bench/threads-bench.mjs [calls]`.
import os from 'node:os';
import { run } from '@wsbc/runtime';
import { normalize } from '@wsbc/manifest';
import { assembleWat } from '@wsbc/testkit';

const calls = Number(process.argv[2] ?? 20_000);
const few = Math.max(1, Math.floor(calls / 10));
const module = (threaded, n) => assembleWat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  ${threaded
    ? `(import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
       (import "env" "memory" (memory 1 1 shared))
       (func (export "wasi_thread_start") (param i32 i32))`
    : '(memory (export "memory") 1)'}
  (func (export "_start") (local $i i32)
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 16))
    (loop $l
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const ${n}))))))`);
const normalized = normalize({
  limits: { cpu: { maxThreads: 2, usagePercent: 100 }, io: { writeBytesPerSecond: null, maxWriteBytes: null } },
}, { baseDir: '/' });
if (!normalized.ok) throw new Error(JSON.stringify(normalized.diagnostics));
const modules = { single: module(false, calls), threaded: module(true, calls), singleFew: module(false, few), threadedFew: module(true, few) };
const times = { single: [], threaded: [], singleFew: [], threadedFew: [] };
const kinds = Object.keys(modules);
for (let round = 0; round < 12; round++) {
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[(k + round) % kinds.length];
    const began = performance.now();
    const result = await run(modules[kind], { policy: normalized.value, stdout: { write() {} }, audit: 'off', env: {} });
    if (result.status !== 0) throw new Error(`${kind}: status ${result.status} ${result.reason ?? ''}`);
    if (round >= 2) times[kind].push(performance.now() - began);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const m = Object.fromEntries(kinds.map((k) => [k, median(times[k])]));
console.log(`run() with ${calls} / ${few} fd_write calls, median of 10: single-threaded ${m.single.toFixed(1)} / ${m.singleFew.toFixed(1)} ms, from a guest thread ${m.threaded.toFixed(1)} / ${m.threadedFew.toFixed(1)} ms`);
// Per call: the slope between the two sizes; fixed: what the threaded run costs beyond it.
const perCall = (a, b) => ((a - b) / (calls - few)) * 1000;
console.log(`per call: single-threaded ${perCall(m.single, m.singleFew).toFixed(2)} us, from a guest thread ${perCall(m.threaded, m.threadedFew).toFixed(2)} us`);
console.log(`fixed cost of the threaded run (its _start worker): ${(m.threadedFew - m.singleFew - (perCall(m.threaded, m.threadedFew) - perCall(m.single, m.singleFew)) * few / 1000).toFixed(1)} ms`);
console.log(`load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; node ${process.version}; ${os.cpus().length} cores`);
