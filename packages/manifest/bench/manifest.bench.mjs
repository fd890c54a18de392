// Benchmark: normalize(), canonical JSON + hash and loadManifest() on a large manifest
// (10,000 host grants, 10,000 port ranges, 2,000 preopens, 5,000 environment names, ~2.3 MiB of
// JSON), reported as ratios to JSON.parse of the same text measured in the same run.
//   pnpm --filter @wsbc/manifest build && node packages/manifest/bench/manifest.bench.mjs
import { Bench } from 'tinybench';
import { canonicalManifestJson, loadManifest, manifestHash, normalize, parseJsonSource } from '../dist/index.js';

const input = {
  network: {
    hosts: Array.from({ length: 10_000 }, (_, i) => ({ host: `h${i % 7000}.example.com`, ports: [{ from: i % 60_000, to: (i % 60_000) + 3 }], secure: i % 2 === 0 })),
    ports: Array.from({ length: 10_000 }, (_, i) => ({ from: (i * 7) % 65_000, to: ((i * 7) % 65_000) + 2 })),
  },
  filesystem: { preopens: Array.from({ length: 2000 }, (_, i) => ({ hostPath: `dir${i % 1500}`, read: true, write: i % 3 === 0 })) },
  environment: { names: Array.from({ length: 5000 }, (_, i) => `VAR_${i % 4000}`) },
};
const normalized = normalize(input, { baseDir: '/base' });
if (!normalized.ok) throw new Error('benchmark input does not normalize');
const text = canonicalManifestJson(normalized.value);

const bench = new Bench({ iterations: 20, warmupIterations: 3 });
bench
  .add('JSON.parse (baseline)', () => JSON.parse(text))
  .add('parseJsonSource', () => parseJsonSource(text, 'big.json'))
  .add('loadManifest (parse + schema + rules + normal-form check)', () => loadManifest(text, 'big.json'))
  .add('normalize', () => normalize(input, { baseDir: '/base' }))
  .add('canonicalManifestJson + manifestHash', () => {
    canonicalManifestJson(normalized.value);
    manifestHash(normalized.value);
  });
await bench.run();

const mean = (task) => task.result.latency?.mean ?? task.result.mean;
const baseline = mean(bench.tasks[0]);
process.stdout.write(`manifest of ${(text.length / 1024).toFixed(0)} KiB\n`);
for (const task of bench.tasks) {
  process.stdout.write(`${task.name.padEnd(58)} ${mean(task).toFixed(1).padStart(8)} ms  ${(mean(task) / baseline).toFixed(2)}x JSON.parse\n`);
}
