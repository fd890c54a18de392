// Runtime benchmarks: WASI-call-heavy programs and start-up under wsbc's run() vs Node's
// node:wasi on the same module, in the same process, alternating, with tinybench.
// Build first: `npx tsc -b packages/runtime`; run: `node packages/runtime/bench/wasi-bench.mjs [iterations]`.
// node:wasi is the baseline only here; it is never used by the product (not a security boundary).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WASI } from 'node:wasi';
import { Bench } from 'tinybench';
import { run } from '../dist/index.js';
import { normalize } from '../../manifest/dist/index.js';

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

const compiled = new Map();
async function viaNodeWasi(module, args, dir) {
  if (!compiled.has(module)) compiled.set(module, await WebAssembly.compile(fs.readFileSync(module)));
  const wasi = new WASI({ version: 'preview1', args: [path.basename(module), ...args], env: {}, preopens: { '/data': dir }, stdout: devNull, stderr: devNull, returnOnExit: true });
  const instance = await WebAssembly.instantiate(compiled.get(module), wasi.getImportObject());
  const code = wasi.start(instance);
  if (code !== 0) throw new Error(`node:wasi run failed: ${code}`);
}

const cases = [
  { name: 'many small writes (20,000 x 16 B to a file)', module: 'writer', args: ['20000', '16'] },
  { name: 'many opens and closes (3,000 open+fstat+close)', module: 'openclose', args: ['3000'] },
  { name: 'directory walk (20 dirs x 20 files, 5 walks)', module: 'walk', args: ['20', '20', '5'] },
  { name: 'start-up (hello: worker start, instantiate, first output)', module: 'hello', args: [] },
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
console.table(rows);
console.log(`load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; node ${process.version}`);
