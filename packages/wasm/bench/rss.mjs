// Peak resident memory of the binary layer on a large module, each task in a fresh process so
// peaks do not mix. Reported next to the baseline (node holding the module's bytes, nothing else).
//
//   npx tsc -b packages/wasm && node packages/wasm/bench/rss.mjs [path/to/module.wasm]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const file = process.argv[2] ?? join(import.meta.dirname, '../../../node_modules/esbuild-wasm/esbuild.wasm');
const dist = join(import.meta.dirname, '../dist/index.js');

const TASKS = {
  'baseline (bytes loaded)': '',
  'WebAssembly.validate': 'WebAssembly.validate(bytes);',
  'read all sections': 'const m = new w.ModuleReader(bytes); m.types(); m.imports(); m.functions(); m.globals(); m.exports(); m.elements(); m.data(); for (const b of m.functionBodies());',
  'full structural walk': 'if (!w.walkModule(bytes).ok) throw new Error("invalid");',
  're-encode (instruction hook)': 'w.reencode(bytes, { instruction: () => false });',
};

const rows = [];
for (const [task, code] of Object.entries(TASKS)) {
  const script = `
    const w = await import(${JSON.stringify(dist)});
    const bytes = new Uint8Array((await import('node:fs')).readFileSync(${JSON.stringify(file)}));
    ${code}
    console.log(JSON.stringify({ maxRSS: process.resourceUsage().maxRSS }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  rows.push({ task, 'peak RSS MB': JSON.parse(out).maxRSS / 1024 });
}
const base = rows[0]['peak RSS MB'];
console.log(`${file}, node ${process.version}`);
console.table(rows.map((r) => ({ task: r.task, 'peak RSS MB': r['peak RSS MB'].toFixed(1), 'over baseline MB': (r['peak RSS MB'] - base).toFixed(1) })));
