// Binary layer benchmarks on the largest npm module (esbuild.wasm, 14 MB): every figure is a
// ratio to WebAssembly.validate on the same bytes, measured in the same run (tinybench).
//
//   npx tsc -b packages/wasm && node packages/wasm/bench/walk-bench.mjs [path/to/module.wasm]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { ModuleReader, OperatorReader, SectionId, reencode, skipLocals, walkModule } from '../dist/index.js';

const file = process.argv[2] ?? join(import.meta.dirname, '../../../node_modules/esbuild-wasm/esbuild.wasm');
const bytes = new Uint8Array(readFileSync(file));

/** Decodes every section except instructions: all entries, and the frame of every body. */
function readSections() {
  const m = new ModuleReader(bytes);
  m.types();
  m.imports();
  m.functions();
  m.tables();
  m.memories();
  m.tags();
  m.globals();
  m.exports();
  m.start();
  m.elements();
  m.dataCount();
  m.data();
  let n = 0;
  for (const b of m.functionBodies()) n += b.end - b.bodyStart;
  return n;
}

/** Decodes every instruction with the zero-allocation cursor, nothing else. */
function iterateOperators() {
  const m = new ModuleReader(bytes);
  let n = 0;
  for (const body of m.functionBodies()) {
    const { codeStart } = skipLocals(bytes, body);
    const r = new OperatorReader(bytes, codeStart, body.end);
    while (r.next()) n++;
  }
  return n;
}

const TASKS = {
  'WebAssembly.validate': () => {
    if (!WebAssembly.validate(bytes)) throw new Error('invalid');
  },
  'read all sections (ModuleReader)': () => {
    readSections();
  },
  'instruction iteration (OperatorReader)': () => {
    iterateOperators();
  },
  'full structural walk (walkModule)': () => {
    const r = walkModule(bytes);
    if (!r.ok) throw new Error(r.error.message);
  },
  're-encode, instruction hook declining every instruction': () => {
    reencode(bytes, { instruction: () => false });
  },
};

const bench = new Bench({ time: Number(process.env.BENCH_TIME ?? 4000), warmupTime: 1000 });
for (const [name, fn] of Object.entries(TASKS)) bench.add(name, fn);
await bench.run();

const mean = (name) => bench.tasks.find((t) => t.name === name).result.latency.mean;
const validate = mean('WebAssembly.validate');
const validateMin = bench.tasks.find((t) => t.name === 'WebAssembly.validate').result.latency.min;
console.log(`${file} (${(bytes.length / 1e6).toFixed(1)} MB), node ${process.version}`);
console.table(
  bench.tasks.map((t) => ({
    task: t.name,
    'mean ms': t.result.latency.mean.toFixed(1),
    'min ms': t.result.latency.min.toFixed(1),
    samples: t.result.latency.samplesCount ?? Math.round(t.result.totalTime / t.result.latency.mean),
    'x validate (mean)': (t.result.latency.mean / validate).toFixed(2),
    // Minimums are the least disturbed by other processes on a shared machine.
    'x validate (min)': (t.result.latency.min / validateMin).toFixed(2),
  })),
);

// CPU time (process.cpuUsage, all threads) per call, median of RUNS: on a shared machine a process
// that is descheduled accrues wall time but not CPU time, so these ratios are the steadier ones.
const RUNS = Number(process.env.CPU_RUNS ?? 25);
const cpuMedian = (fn) => {
  const xs = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    xs.push((c.user + c.system) / 1000);
  }
  return xs.sort((a, b) => a - b)[RUNS >> 1];
};
const tasks = TASKS;
const cpuValidate = cpuMedian(tasks['WebAssembly.validate']);
console.table(
  Object.entries(tasks).map(([task, fn]) => {
    const ms = task === 'WebAssembly.validate' ? cpuValidate : cpuMedian(fn);
    return { task, 'CPU ms (median)': ms.toFixed(1), 'x validate (CPU)': (ms / cpuValidate).toFixed(2) };
  }),
);
