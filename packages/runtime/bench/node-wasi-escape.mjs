// Runs the escape suite's C program (test/conformance/c/escape.c) under Node's node:wasi with the
// same directory layout as the escape test, to show why wsbc has its own WASI. node:wasi has no
// read-only preopens, so the read-only lines only show that it cannot express them; the symlink
// lines are real escapes. Run: `node packages/runtime/bench/node-wasi-escape.mjs`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WASI } from 'node:wasi';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wsbc-node-wasi-'));
for (const d of ['data/a', 'ro', 'outside', 'data2']) fs.mkdirSync(path.join(root, d), { recursive: true });
fs.writeFileSync(path.join(root, 'outside/secret'), 'OUTSIDE');
fs.writeFileSync(path.join(root, 'ro/file'), 'read-only content\n');
fs.symlinkSync(path.join(root, 'outside'), path.join(root, 'data/hostlink'));
fs.symlinkSync('../outside', path.join(root, 'data/rel'));
const wasi = new WASI({
  version: 'preview1',
  preopens: { '/data': path.join(root, 'data'), '/ro': path.join(root, 'ro'), '/data2': path.join(root, 'data2') },
  returnOnExit: true,
});
const module = await WebAssembly.compile(fs.readFileSync(new URL('../test/conformance/wasm/escape.wasm', import.meta.url)));
wasi.start(await WebAssembly.instantiate(module, wasi.getImportObject()));
console.log(`outside directory now holds: ${fs.readdirSync(path.join(root, 'outside')).join(', ')}`);
