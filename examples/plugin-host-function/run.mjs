#!/usr/bin/env node
// Runs the metrics plugin under its policy with the host function it needs, then shows the same
// plugin refused when the policy switches the "metrics" capability off. Needs the packages built
// (`pnpm build` at the repository root).
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const { build, run } = await import(pathToFileURL(here('../../packages/wsbc/dist/index.js')).href);
const plugin = readFileSync(here('plugin-host-function.wasm'));

const built = await build(plugin, { policy: here('policy.wsp'), file: 'plugin-host-function.wasm' });
if (!built.ok) {
  console.error(`unexpected: the plugin was refused at the ${built.stage} stage`);
  process.exit(1);
}
const metrics = [];
const result = await run(built.artifact, {
  hostFunctions: here('host-functions.mjs'),
  audit: { write: (record) => { if (record.detail?.metric) metrics.push(record.detail); } },
});
console.log(`plugin exited with status ${result.status}; metrics it reported:`);
for (const m of metrics) console.log(`  ${m.metric} = ${m.value}`);

const off = await build(plugin, { policy: here('metrics-off.wsp'), file: 'plugin-host-function.wasm' });
console.log(`\nwith metrics-off.wsp: ${off.ok ? 'UNEXPECTEDLY built' : `refused at the ${off.stage} stage`}`);
for (const d of off.ok ? [] : off.diagnostics) console.log(`  ${d.code}: ${d.message}`);
process.exit(result.status === 0 && metrics.length === 2 && !off.ok ? 0 : 1);
