// Runtime benchmarks: WASI-call-heavy programs and start-up under wsbc's run() vs Node's
// node:wasi on the same module, in the same process, in interleaved rounds; then the CPU
// time of the WASI work alone: each program run in this thread with runGuest() (no worker) and
// with node:wasi, alternating, `process.cpuUsage()` per run.
// Build first: `pnpm --filter @wsbc/runtime build` (the packages are imported from their dist);
// run: `node packages/runtime/bench/wasi-bench.mjs [iterations] [--cpu-only] [--baseline <dist/index.js>]`.
// --baseline adds a third contender to every comparison: the @wsbc/runtime entry point of
// another build, measured in the same runs. An older commit's runtime, built inside the package
// so that its imports resolve (.cache/ is ignored by git):
//   B=.cache/base-<commit>; mkdir -p $B/scripts && git archive <commit> src | tar -x -C $B
//   echo '{"type":"module"}' > $B/package.json; cp scripts/bundle-worker.cjs $B/scripts/
//   echo '{"extends":"../../../../tsconfig.base.json","compilerOptions":{"rootDir":"src","outDir":"dist",
//     "composite":false,"declaration":false,"declarationMap":false},"include":["src"]}' > $B/tsconfig.json
//   npx tsc -p $B/tsconfig.json && (cd $B && node scripts/bundle-worker.cjs)   # then --baseline $B/dist/index.js
// node:wasi is the baseline only here; it is never used by the product (not a security boundary).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WASI } from 'node:wasi';
import * as runtime from '@wsbc/runtime';
import { normalize } from '@wsbc/manifest';
import * as fuelAbi from '@wsbc/instrumenter';

const here = path.dirname(new URL(import.meta.url).pathname);
const wasmDir = path.join(here, '../test/conformance/wasm');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const argv = process.argv.slice(2);
const baselineAt = argv.indexOf('--baseline');
const baselinePath = baselineAt >= 0 ? path.resolve(argv.splice(baselineAt, 2)[1]) : null;
const baseline = baselinePath ? await import(baselinePath) : null;
// --cpu-only: only the in-thread CPU comparison (quick, and free of worker scheduling noise).
const cpuOnlyAt = argv.indexOf('--cpu-only');
const cpuOnly = cpuOnlyAt >= 0 && argv.splice(cpuOnlyAt, 1).length === 1;
const iterations = Number(argv[0] ?? 10);
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

async function viaWsbc(impl, module, args, dir) {
  const r = await impl.run(module, { policy: policyFor(dir), args, env: {}, stdout: sink, stderr: sink, audit: 'off' });
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

// Interleaved rounds rather than tinybench's one task after the other: the machine's load
// changes within seconds, and a contender measured during a busy spell would carry it whole.
// Each round runs every contender once, in an order that rotates from round to round.
async function interleaved(contenders, rounds, warmup = 2) {
  const times = contenders.map(() => []);
  for (let round = 0; round < rounds + warmup; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (round + k) % contenders.length;
      const began = performance.now();
      await contenders[i]();
      if (round >= warmup) times[i].push(performance.now() - began);
    }
  }
  return times;
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const rows = [];
for (const c of cpuOnly ? [] : cases) {
  const module = path.join(wasmDir, `${c.module}.wasm`);
  const [dirA, dirB, dirC] = [0, 1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'wsbc-bench-')));
  const contenders = [() => viaNodeWasi(module, c.args, dirB), () => viaWsbc(runtime, module, c.args, dirA)];
  if (baseline) contenders.push(() => viaWsbc(baseline, module, c.args, dirC));
  const [base, ours, other] = await interleaved(contenders, iterations);
  rows.push({
    case: c.name, 'node:wasi mean ms': mean(base).toFixed(2), 'wsbc mean ms': mean(ours).toFixed(2),
    ratio: `${(mean(ours) / mean(base)).toFixed(2)}x`,
    // Medians too: on a shared machine a few runs that waited for a core make the mean.
    'median ratio': `${(median(ours) / median(base)).toFixed(2)}x`,
    ...(other ? {
      'baseline mean ms': mean(other).toFixed(2), 'baseline ratio': `${(mean(other) / mean(base)).toFixed(2)}x`,
      'baseline median ratio': `${(median(other) / median(base)).toFixed(2)}x`,
    } : {}),
  });
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
for (let i = 0; i < (cpuOnly ? 0 : Math.max(3, Math.floor(iterations / 2))); i++) {
  for (const which of ['node:wasi', 'wsbc']) {
    const out = execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', coldScript(which)], { encoding: 'utf8', cwd: path.join(here, '..') });
    cold[which].push(JSON.parse(out.trim().split('\n').at(-1)).run);
  }
}
if (!cpuOnly) rows.push({ case: 'start-up, cold (first run in a fresh process, median)', 'node:wasi mean ms': median(cold['node:wasi']).toFixed(2), 'wsbc mean ms': median(cold.wsbc).toFixed(2), ratio: `${(median(cold.wsbc) / median(cold['node:wasi'])).toFixed(2)}x` });
if (!cpuOnly) console.table(rows);

// CPU time of the WASI work alone: the guest in this thread (runGuest, no worker, no
// messaging), against node:wasi on the same compiled module, alternating, 3 warm-up rounds.
const FUEL_ABI = {
  hookModule: fuelAbi.HOOK_MODULE, outOfFuel: fuelAbi.OUT_OF_FUEL_HOOK, fuelExport: fuelAbi.FUEL_EXPORT,
  statusExport: fuelAbi.STATUS_EXPORT, depthExport: fuelAbi.DEPTH_EXPORT, statusFuelExhausted: fuelAbi.STATUS_FUEL_EXHAUSTED,
  statusMemoryLimit: fuelAbi.STATUS_MEMORY_LIMIT, statusStackOverflow: fuelAbi.STATUS_STACK_OVERFLOW,
};
const quietStdio = { readStdin: () => new Uint8Array(0), waitStdin: () => true, write() {} };
function cpuMs(fn) {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
function inThread(impl, compiled, shape, name, args, dir) {
  const manifest = policyFor(dir);
  return cpuMs(() => {
    const out = impl.runGuest({
      module: compiled, shape, manifest, args: [name, ...args], env: [], entry: '_start', stdio: quietStdio,
      meter: new impl.RunMeter(manifest.limits, () => undefined), audit: null, abi: FUEL_ABI, fuelSlice: 1_000_000,
      hostFunctions: [], randomSeed: 1,
    });
    if (out.exitCode !== 0) throw new Error(`runGuest failed: ${out.kind} ${out.reason}`);
  });
}
function nodeWasiInThread(compiled, name, args, dir) {
  return cpuMs(() => {
    const wasi = new WASI({ version: 'preview1', args: [name, ...args], env: {}, preopens: { '/data': dir }, stdout: devNull, stderr: devNull, returnOnExit: true });
    const code = wasi.start(new WebAssembly.Instance(compiled, wasi.getImportObject()));
    if (code !== 0) throw new Error(`node:wasi run failed: ${code}`);
  });
}
const cpuRows = [];
const rounds = Math.max(6, iterations * 2);
for (const c of cases.slice(0, 3)) {
  const bytes = fs.readFileSync(path.join(wasmDir, `${c.module}.wasm`));
  const compiled = new WebAssembly.Module(bytes);
  const shape = runtime.readModuleShape(bytes);
  const dirs = [0, 1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'wsbc-bench-')));
  const times = { node: [], wsbc: [], baseline: [] };
  for (let i = 0; i < rounds + 3; i++) {
    const n = nodeWasiInThread(compiled, c.module, c.args, dirs[0]);
    const w = inThread(runtime, compiled, shape, c.module, c.args, dirs[1]);
    const b = baseline ? inThread(baseline, compiled, baseline.readModuleShape(bytes), c.module, c.args, dirs[2]) : 0;
    if (i < 3) continue;
    times.node.push(n);
    times.wsbc.push(w);
    times.baseline.push(b);
  }
  const m = { node: median(times.node), wsbc: median(times.wsbc), baseline: median(times.baseline) };
  cpuRows.push({
    case: c.name, 'node:wasi CPU ms': m.node.toFixed(1), 'wsbc CPU ms': m.wsbc.toFixed(1), ratio: `${(m.wsbc / m.node).toFixed(2)}x`,
    ...(baseline ? { 'baseline CPU ms': m.baseline.toFixed(1), 'baseline ratio': `${(m.baseline / m.node).toFixed(2)}x` } : {}),
  });
}
console.log(`CPU time in this thread (runGuest vs node:wasi), median of ${rounds}:`);
console.table(cpuRows);
console.log(`load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; node ${process.version}`);
