// Cold start-up of a small module: wsbc against Node's node:wasi, every sample a fresh process.
// Four pairs, alternated sample by sample so that both sides of a pair see the same load:
//   api:     a node script running hello.wasm with node:wasi  vs  the same with @wsbc/runtime's run(),
//            and vs a script that calls prewarm() from @wsbc/runtime/prewarm before loading run()
//   cli:     `node <script> hello.wasm` doing node:wasi       vs  `wsbc run hello.wasm --allow-unvetted`
//   vetted:  the same node:wasi script                         vs  `wsbc run hello.vetted.wasm` (the
//            artifact `wsbc build` makes: verified, instrumented, manifest embedded)
// A fifth contender, node:wasi run inside a new worker thread, is the floor of any design that
// runs the guest in a worker (as wsbc must, so that a timeout can end it).
// For the api pair the child also reports, from its own clock (performance.now() counts from
// process start), when its imports were done and when the run was done; the parent measures
// spawn to exit. Every child also reports the CPU time (user + system, all threads) it used up
// to its exit event, through a preloaded script: on a shared machine that moves less with the
// load than wall time does. node:wasi is the baseline only; wsbc never uses it (not a security boundary).
//
// With `--against DIR` (another checkout of the repository, built), its run() and `wsbc run` are
// alternated with this checkout's too: before/after figures of a change, side by side.
//
// Build first (`pnpm build`), then:
//   node packages/runtime/bench/cold-start.mjs [samples per side, default 15] [--against DIR]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const hello = path.join(here, '../test/conformance/wasm/hello.wasm');

// ------------------------------------------------------------------ child modes
// Each child runs hello once and, for the in-process modes, prints one JSON line on stderr.
const [, , flag, mode, ...rest] = process.argv;
if (flag === '--child') {
  if (mode === 'node-wasi') {
    const { WASI } = await import('node:wasi');
    const imported = performance.now();
    const wasi = new WASI({ version: 'preview1', args: ['hello.wasm'], env: {}, returnOnExit: true });
    const compiled = await WebAssembly.compile(fs.readFileSync(hello));
    const code = wasi.start(await WebAssembly.instantiate(compiled, wasi.getImportObject()));
    process.stderr.write(`${JSON.stringify({ imported, done: performance.now(), code })}\n`);
  } else if (mode === 'node-wasi-worker') {
    // The floor of any design that runs the guest in a worker thread: node:wasi on hello, as in
    // `node-wasi`, but inside a new worker thread.
    const { Worker } = await import('node:worker_threads');
    const imported = performance.now();
    const code = `const { WASI } = require('node:wasi'); const fs = require('node:fs');
      const wasi = new WASI({ version: 'preview1', args: ['hello.wasm'], env: {}, returnOnExit: true });
      WebAssembly.compile(fs.readFileSync(${JSON.stringify(hello)})).then((m) => WebAssembly.instantiate(m, wasi.getImportObject()))
        .then((instance) => require('node:worker_threads').parentPort.postMessage(wasi.start(instance)));`;
    const worker = new Worker(code, { eval: true, execArgv: [] });
    const code2 = await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    process.stderr.write(`${JSON.stringify({ imported, done: performance.now(), code: code2 })}\n`);
  } else if (mode === 'wsbc-run') {
    // rest[1]: the runtime of another checkout (--against); this checkout's by default.
    const { run } = await import(rest[1] ? pathToFileURL(rest[1]).href : '@wsbc/runtime');
    const imported = performance.now();
    // The normalized `minimal` manifest, written by the parent: what `wsbc compile` produces.
    const r = await run(hello, { policy: rest[0], env: {}, audit: 'off' });
    process.stderr.write(`${JSON.stringify({ imported, done: performance.now(), code: r.status })}\n`);
  } else if (mode === 'wsbc-prewarm-first') {
    // What an embedder can do: start the worker from @wsbc/runtime/prewarm (the worker pool
    // alone), then load the rest of the runtime while it boots.
    const { prewarm } = await import(rest[1] ? pathToFileURL(rest[1].replace(/index\.js$/, 'prewarm.js')).href : '@wsbc/runtime/prewarm');
    void prewarm();
    const { run } = await import(rest[1] ? pathToFileURL(rest[1]).href : '@wsbc/runtime');
    const imported = performance.now();
    const r = await run(hello, { policy: rest[0], env: {}, audit: 'off' });
    process.stderr.write(`${JSON.stringify({ imported, done: performance.now(), code: r.status })}\n`);
  } else if (mode === 'node-wasi-cli') {
    // What a user's own node:wasi command line would do: the module from argv, stdio inherited.
    const { WASI } = await import('node:wasi');
    const wasi = new WASI({ version: 'preview1', args: [path.basename(rest[0])], env: {}, returnOnExit: true });
    const compiled = await WebAssembly.compile(fs.readFileSync(rest[0]));
    process.exitCode = wasi.start(await WebAssembly.instantiate(compiled, wasi.getImportObject()));
  } else throw new Error(`unknown child mode ${mode}`);
} else {
  const args = process.argv.slice(2);
  const against = args.indexOf('--against');
  const other = against === -1 ? null : path.resolve(args.splice(against, 2)[1]);
  await parent(Number(args[0] ?? 15), other);
}

// ------------------------------------------------------------------ parent
async function parent(samples, other) {
  const binOf = (root) => {
    const cliPackage = path.join(root, 'packages/cli');
    const bin = path.join(cliPackage, JSON.parse(fs.readFileSync(path.join(cliPackage, 'package.json'), 'utf8')).bin.wsbc);
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build the CLI first (pnpm build)`);
    return bin;
  };
  const bin = binOf(path.join(here, '../../..'));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wsbc-cold-'));
  const wsp = path.join(work, 'minimal.wsp');
  fs.writeFileSync(wsp, 'policy "hello" extends minimal {\n}\n');
  const manifest = path.join(work, 'minimal.json');
  const vetted = path.join(work, 'hello.vetted.wasm');
  for (const argv of [['compile', wsp, '-o', manifest], ['build', hello, '--policy', wsp, '-o', vetted]]) {
    const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`wsbc ${argv.join(' ')} failed: ${r.stderr}`);
  }

  const self = fileURLToPath(import.meta.url);
  const cpuProbe = path.join(work, 'cpu-probe.cjs');
  fs.writeFileSync(cpuProbe, "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\ncold-start-cpu ' + (u.user + u.system) / 1000 + '\\n'); });\n");
  const sides = {
    'api/node:wasi': [self, '--child', 'node-wasi'],
    'api/node:wasi in a worker': [self, '--child', 'node-wasi-worker'],
    'api/wsbc run()': [self, '--child', 'wsbc-run', manifest],
    'api/wsbc prewarm first': [self, '--child', 'wsbc-prewarm-first', manifest],
    'cli/node:wasi': [self, '--child', 'node-wasi-cli', hello],
    'cli/wsbc run --allow-unvetted': [bin, 'run', hello, '--policy', manifest, '--allow-unvetted'],
    'cli/wsbc run vetted': [bin, 'run', vetted],
  };
  const pairs = [
    ['api/node:wasi', 'api/node:wasi in a worker'],
    ['api/node:wasi', 'api/wsbc run()'],
    ['api/node:wasi', 'api/wsbc prewarm first'],
    ['cli/node:wasi', 'cli/wsbc run --allow-unvetted'],
    ['cli/node:wasi', 'cli/wsbc run vetted'],
    // How far wsbc is from the floor of a worker-based design.
    ['api/node:wasi in a worker', 'api/wsbc run()'],
    ['api/node:wasi in a worker', 'cli/wsbc run vetted'],
  ];
  const inner = { 'api/node:wasi': { imported: [], done: [] }, 'api/node:wasi in a worker': { imported: [], done: [] }, 'api/wsbc run()': { imported: [], done: [] }, 'api/wsbc prewarm first': { imported: [], done: [] } };
  if (other) {
    const otherBin = binOf(other);
    // What `import '@wsbc/runtime'` loads in that checkout: its bundle when it has one (since
    // round 4), else tsc's output.
    const otherBundle = path.join(other, 'packages/runtime/dist/bundle/index.js');
    sides['other: api/wsbc run()'] = [self, '--child', 'wsbc-run', manifest, fs.existsSync(otherBundle) ? otherBundle : path.join(other, 'packages/runtime/dist/index.js')];
    sides['other: cli/wsbc run --allow-unvetted'] = [otherBin, 'run', hello, '--policy', manifest, '--allow-unvetted'];
    sides['other: cli/wsbc run vetted'] = [otherBin, 'run', vetted];
    pairs.push(
      ['api/node:wasi', 'other: api/wsbc run()'],
      ['cli/node:wasi', 'other: cli/wsbc run --allow-unvetted'],
      ['cli/node:wasi', 'other: cli/wsbc run vetted'],
      ['other: api/wsbc run()', 'api/wsbc run()'],
      ['other: cli/wsbc run --allow-unvetted', 'cli/wsbc run --allow-unvetted'],
      ['other: cli/wsbc run vetted', 'cli/wsbc run vetted'],
    );
    inner['other: api/wsbc run()'] = { imported: [], done: [] };
  }
  const wall = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  const loads = [];
  const once = (name) => {
    const started = performance.now();
    const r = spawnSync(process.execPath, ['-r', cpuProbe, ...sides[name]], { encoding: 'utf8', cwd: work });
    const elapsed = performance.now() - started;
    // Every sample must really have run the guest: hello prints argc=1 and exits with 0.
    if (r.status !== 0 || !r.stdout.includes('argc=1')) throw new Error(`${name}: status ${r.status}\n${r.stdout}\n${r.stderr}`);
    wall[name].push(elapsed);
    const lines = r.stderr.trim().split('\n');
    cpu[name].push(Number(lines.at(-1).replace('cold-start-cpu ', '')));
    if (inner[name]) {
      const line = JSON.parse(lines.filter((l) => l.startsWith('{')).at(-1));
      inner[name].imported.push(line.imported);
      inner[name].done.push(line.done);
    }
  };
  // One warm-up round (file cache, the esbuild-free paths of the bundle), not counted.
  for (const name of Object.keys(sides)) spawnSync(process.execPath, sides[name], { cwd: work });
  for (let i = 0; i < samples; i++) {
    loads.push(os.loadavg()[0]);
    for (const name of Object.keys(sides)) once(name);
  }

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const ms = (x) => `${x.toFixed(1)} ms`;
  console.log(`cold start-up of hello.wasm, ${samples} fresh processes per side, alternated; node ${process.version}, ${os.cpus().length} cores, load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`);
  if (other) console.log(`"other:" rows are ${other}`);
  console.log('\nspawn to exit (median, min-max):');
  for (const [name, xs] of Object.entries(wall)) console.log(`  ${name.padEnd(40)} ${ms(median(xs))}  (${ms(Math.min(...xs))}-${ms(Math.max(...xs))})`);
  console.log('\nratios of medians, spawn to exit:');
  for (const [base, ours] of pairs) console.log(`  ${ours.padEnd(40)} / ${base.padEnd(40)} ${(median(wall[ours]) / median(wall[base])).toFixed(2)}x`);
  console.log('\nCPU time to exit, user + system, all threads (median, min-max):');
  for (const [name, xs] of Object.entries(cpu)) console.log(`  ${name.padEnd(40)} ${ms(median(xs))}  (${ms(Math.min(...xs))}-${ms(Math.max(...xs))})`);
  console.log('\nratios of medians, CPU time:');
  for (const [base, ours] of pairs) console.log(`  ${ours.padEnd(40)} / ${base.padEnd(40)} ${(median(cpu[ours]) / median(cpu[base])).toFixed(2)}x`);
  console.log('\nin-process, from process start (median):');
  for (const [name, t] of Object.entries(inner)) {
    const run = t.done.map((d, i) => d - t.imported[i]);
    console.log(`  ${name.padEnd(40)} imports done ${ms(median(t.imported))}, run done ${ms(median(t.done))}, run alone ${ms(median(run))}`);
  }
  const runAlone = (name) => median(inner[name].done.map((d, i) => d - inner[name].imported[i]));
  console.log('\nratios of medians, in-process, to api/node:wasi:');
  for (const name of Object.keys(inner).filter((n) => n !== 'api/node:wasi')) {
    console.log(`  ${name.padEnd(40)} process start to run done ${(median(inner[name].done) / median(inner['api/node:wasi'].done)).toFixed(2)}x, run alone (imports excluded) ${(runAlone(name) / runAlone('api/node:wasi')).toFixed(2)}x`);
  }
  fs.rmSync(work, { recursive: true, force: true });
}
