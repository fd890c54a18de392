// Runtime benchmarks: WASI-call-heavy programs and start-up under wsbc's run() vs Node's
// node:wasi on the same module, in the same process, alternating, with tinybench.
// Build first: `npx tsc -b packages/runtime` (the packages are imported from their dist);
// run: `node packages/runtime/bench/wasi-bench.mjs [iterations]`.
// node:wasi is the baseline only here; it is never used by the product (not a security boundary).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WASI } from 'node:wasi';
import { Bench } from 'tinybench';
import { run } from '@wsbc/runtime';
import { normalize } from '@wsbc/manifest';

const here = path.dirname(new URL(import.meta.url).pathname);
const wasmDir = path.join(here, '../test/conformance/wasm');
const iterations = Number(process.argv[2] ?? 10);
const devNull = fs.openSync('/dev/null', 'w');
const sink = { write: () => true };

function policyFor(dir) {
  const result = normalize({
    filesystem: { preopens: [{ hostPath: dir, guestPath: '/data', read: true, write: true, create: true, delete: true }] },
    limits: {
      io: { readBytesPerSecond: null, writeBytesPerSecond: null, maxReadBytes: null, maxWriteBytes: null, maxOpenFiles: 64 },
      cpu: { usagePercent: 100, maxExecutionMs: 600_000 },
      time: { maxTotalMs: 600_000, maxIdleMs: 600_000 },
      memory: { maxPages: 1024 },
    },
  }, { baseDir: '/' });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.value;
}

async function viaWsbc(module, args, dir) {
  const r = await run(module, { policy: policyFor(dir), args, env: {}, stdout: sink, stderr: sink, audit: 'off' });
  if (r.status !== 0) throw new Error(`wsbc run failed: ${r.status} ${r.reason}`);
}

// Same work as run() does per run: read the file, compile, instantiate, start.
async function viaNodeWasi(module, args, dir) {
  const compiled = await WebAssembly.compile(fs.readFileSync(module));
  const wasi = new WASI({ version: 'preview1', args: [path.basename(module), ...args], env: {}, preopens: { '/data': dir }, stdout: devNull, stderr: devNull, returnOnExit: true });
  const instance = await WebAssembly.instantiate(compiled, wasi.getImportObject());
  const code = wasi.start(instance);
  if (code !== 0) throw new Error(`node:wasi run failed: ${code}`);
}

const cases = [
  { name: 'many small writes (20,000 x 16 B to a file)', module: 'writer', args: ['20000', '16'] },
  { name: 'many opens and closes (3,000 open+fstat+close)', module: 'openclose', args: ['3000'] },
  { name: 'directory walk (20 dirs x 20 files, 5 walks)', module: 'walk', args: ['20', '20', '5'] },
  { name: 'start-up, warm (hello: compile, instantiate, run to exit; pooled worker)', module: 'hello', args: [] },
];

const rows = [];
for (const c of cases) {
  const module = path.join(wasmDir, `${c.module}.wasm`);
  const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'wsbc-bench-'));
  const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'wsbc-bench-'));
  const bench = new Bench({ iterations, time: 0, warmupIterations: 2 });
  bench.add('node:wasi', () => viaNodeWasi(module, c.args, dirB));
  bench.add('wsbc', () => viaWsbc(module, c.args, dirA));
  await bench.run();
  const [base, ours] = bench.tasks.map((t) => t.result);
  const mean = (r) => (r.latency?.mean ?? r.mean);
  const ratio = mean(ours) / mean(base);
  rows.push({ case: c.name, 'node:wasi mean ms': mean(base).toFixed(2), 'wsbc mean ms': mean(ours).toFixed(2), ratio: `${ratio.toFixed(2)}x` });
  console.log(JSON.stringify(rows.at(-1)));
}
// Start-up, cold: the first run() in a fresh process (worker start included) vs node:wasi's first
// run, each in its own child process so neither benefits from a warm cache.
const hello = path.join(wasmDir, 'hello.wasm');
const coldScript = (which) => `
  const t0 = performance.now();
  ${which === 'wsbc'
    ? `const { run } = await import('@wsbc/runtime');
       const { normalize } = await import('@wsbc/manifest');
       const t1 = performance.now();
       await run(${JSON.stringify(hello)}, { policy: normalize({}, { baseDir: '/' }).value, env: {}, stdout: { write() {} }, audit: 'off' });`
    : `const { WASI } = await import('node:wasi'); const fs = await import('node:fs');
       const t1 = performance.now();
       const w = new WASI({ version: 'preview1', args: ['hello'], env: {}, stdout: fs.openSync('/dev/null', 'w'), returnOnExit: true });
       const i = await WebAssembly.instantiate(await WebAssembly.compile(fs.readFileSync(${JSON.stringify(hello)})), w.getImportObject());
       w.start(i);`}
  console.log(JSON.stringify({ run: performance.now() - t1 }));`;
const cold = { wsbc: [], 'node:wasi': [] };
for (let i = 0; i < Math.max(3, Math.floor(iterations / 2)); i++) {
  for (const which of ['node:wasi', 'wsbc']) {
    const out = execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', coldScript(which)], { encoding: 'utf8', cwd: path.join(here, '..') });
    cold[which].push(JSON.parse(out.trim().split('\n').at(-1)).run);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
rows.push({ case: 'start-up, cold (first run in a fresh process, median)', 'node:wasi mean ms': median(cold['node:wasi']).toFixed(2), 'wsbc mean ms': median(cold.wsbc).toFixed(2), ratio: `${(median(cold.wsbc) / median(cold['node:wasi'])).toFixed(2)}x` });
console.table(rows);
console.log(`load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; node ${process.version}`);
