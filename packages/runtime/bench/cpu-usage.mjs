// CPU usage cap: runs an instrumented infinite loop for 2 s at usage 25 %, 50 % and 100 % and
// prints the share of wall time the runtime counted as compute, and the process's own CPU time
// (process.cpuUsage, all threads) as an independent measure.
// Build first: `npx tsc -b packages/runtime`; run: `node packages/runtime/bench/cpu-usage.mjs`.
import path from 'node:path';
import { instrumentStep, run } from '@wsbc/runtime';
import { normalize } from '@wsbc/manifest';

const spin = path.join(path.dirname(new URL(import.meta.url).pathname), '../test/conformance/wasm/spin.wasm');
for (const percent of [25, 50, 100]) {
  const policy = normalize({ limits: { fuel: null, cpu: { usagePercent: percent, maxExecutionMs: 60_000 }, time: { maxTotalMs: 2000 } } }, { baseDir: '/' }).value;
  const before = process.cpuUsage();
  const r = await run(spin, { policy, env: {}, prepare: [instrumentStep()], fuelSlice: 100_000, audit: 'off', stderr: { write() {} } });
  const cpu = process.cpuUsage(before);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`usage ${percent}%: counted compute ${(100 * r.stats.computeMs / r.stats.wallMs).toFixed(1)}% of ${r.stats.wallMs.toFixed(0)} ms wall; process CPU ${(100 * cpuMs / r.stats.wallMs).toFixed(1)}%`);
}
