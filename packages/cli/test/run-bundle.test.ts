// `wsbc run` from the shipped bundle (what `bin` points at): the runtime is inlined, its sandbox
// worker sits next to the chunks, and nothing of `wsbc run` needs the workspace's node_modules.
// A copy of the bundle outside the repository proves the last point; a copy without the worker
// proves there is no fallback to some other worker.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { assembleWat } from '@wsbc/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath } from './run-cli.js';

const bundleDir = dirname(binPath);
let dir: string;

// Prints its arguments after argv[0], one per line, then exits with argc.
const echoArgs = `(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $args (i32.const 100) (i32.const 1000)))
    ;; the argument bytes after argv[0]: from argv[1] to the end of the buffer
    (i32.store (i32.const 16) (i32.load (i32.const 104)))
    (i32.store (i32.const 20) (i32.sub (i32.add (i32.const 1000) (i32.load (i32.const 4))) (i32.load (i32.const 104))))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 32)))
    (call $exit (i32.load (i32.const 0)))))`;

const spin = '(module (func (export "_start") (loop $l (br $l))))';

function spawnBin(bin: string, argv: string[], cwd = dir) {
  const r = spawnSync(process.execPath, [bin, ...argv], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** dist/bundle and dist/generated copied outside the repository, with or without the worker. */
function copyBundle(withWorker: boolean): string {
  const root = mkdtempSync(join(dir, 'copy-'));
  cpSync(bundleDir, join(root, 'bundle'), { recursive: true, filter: (source) => withWorker || basename(source) !== 'sandbox-worker.cjs' });
  cpSync(join(bundleDir, '..', 'generated'), join(root, 'generated'), { recursive: true });
  return join(root, 'bundle', basename(binPath));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsbc-run-bundle-'));
  writeFileSync(join(dir, 'echo.wasm'), await assembleWat(echoArgs));
  writeFileSync(join(dir, 'spin.wasm'), await assembleWat(spin));
  writeFileSync(join(dir, 'policy.wsp'), 'policy "echo" extends minimal {\n}\n');
  writeFileSync(join(dir, 'short.wsp'), 'policy "short" extends minimal {\n  limits {\n    time total 300ms\n    fuel unlimited\n  }\n}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wsbc run from the bundle', () => {
  it('has the runtime inlined and its sandbox worker next to the chunks', () => {
    expect(existsSync(join(bundleDir, 'sandbox-worker.cjs'))).toBe(true);
    const chunks = readdirSync(bundleDir).filter((name) => name.endsWith('.js') || name.endsWith('.cjs'));
    const text = chunks.map((name) => readFileSync(join(bundleDir, name), 'utf8')).join('\n');
    expect(text).not.toMatch(/^(?:import|export)\b[^;]*?\bfrom\s*"(?:@wsbc\/[^"]+|wsbc)";/m);
    expect(text).not.toMatch(/\brequire\("(?:@wsbc\/[^"]+|wsbc)"\)/);
    // The pool of `wsbc run` is CommonJS, where import.meta.url is the file's own URL.
    expect(readFileSync(join(bundleDir, 'run-pool.cjs'), 'utf8')).toContain('new URL("./sandbox-worker.cjs", __wsbcImportMetaUrl)');
  });

  it('compiles the run command through its code cache, which this node accepts', () => {
    const script = `import { loadCommonJsWithCodeCache } from '@wsbc/manifest';
      const loaded = loadCommonJsWithCodeCache(${JSON.stringify(join(bundleDir, 'run-command.cjs'))});
      console.log(JSON.stringify({ cache: loaded?.cache, name: loaded?.exports.default.name }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dirname(bundleDir), encoding: 'utf8' });
    expect(JSON.parse(child.stdout.trim() || '{}'), child.stderr).toEqual({ cache: 'accepted', name: 'run' });
  });

  it('loads `wsbc run` as one file beside the dispatcher, and starts one worker: the prewarmed one is the one the run takes', () => {
    // Counts Worker constructions in the CLI's process (the preload runs before the bundle loads).
    const counter = join(dir, 'count-workers.cjs');
    writeFileSync(counter, `const wt = require('node:worker_threads');
const Original = wt.Worker;
let started = 0;
wt.Worker = class extends Original { constructor(...args) { super(...args); started++; } };
process.on('exit', () => process.stderr.write('workers started: ' + started + '\\n'));
`);
    const r = spawnSync(process.execPath, ['-r', counter, binPath, 'run', 'echo.wasm', '--policy', 'policy.wsp', '--allow-unvetted', '--', 'a'], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout).toBe('a\0');
    expect(r.stderr).toMatch(/^workers started: 1$/m);
    expect(readFileSync(binPath, 'utf8')).toContain('import("./run-command.js")');
    expect(readFileSync(join(bundleDir, 'run-command.js'), 'utf8')).toContain('./run-command.cjs');
    expect(readFileSync(join(bundleDir, 'run-pool.js'), 'utf8')).toContain('./run-pool.cjs');
  });

  it('runs a plain module with guest arguments and its exit code', () => {
    const r = spawnBin(binPath, ['run', 'echo.wasm', '--policy', 'policy.wsp', '--allow-unvetted', '--', 'one', 'two']);
    expect(r.stderr).toMatch(/^wsbc: WARNING: running echo\.wasm UNVETTED/);
    expect(r.stdout).toBe('one\0two\0');
    expect(r.code).toBe(3);
  });

  it('runs from a copy outside the repository: wsbc run needs nothing from node_modules', () => {
    const bin = copyBundle(true);
    const built = spawnBin(bin, ['build', 'echo.wasm', '--policy', 'policy.wsp', '-o', 'echo.vetted.wasm']);
    expect(built.code).toBe(0);
    const vetted = spawnBin(bin, ['run', 'echo.vetted.wasm', '--', 'x']);
    expect(vetted.stdout).toBe('x\0');
    expect(vetted.code).toBe(2);
    const instrumented = spawnBin(bin, ['run', 'echo.wasm', '--policy', 'policy.wsp', '--instrument', '--', 'y', 'z']);
    expect(instrumented.stdout).toBe('y\0z\0');
    expect(instrumented.code).toBe(3);
  });

  it('ends a runaway guest at the total time limit from the bundle (the worker is terminated, not the CLI)', () => {
    const r = spawnBin(binPath, ['run', 'spin.wasm', '--policy', 'short.wsp', '--allow-unvetted']);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/wsbc: guest terminated: total time limit of 300 ms exceeded \(status 124\)/);
  });

  it('refuses to run with 125, naming the build, when the bundle lacks its sandbox worker', () => {
    const r = spawnBin(copyBundle(false), ['run', 'echo.wasm', '--policy', 'policy.wsp', '--allow-unvetted', '--', 'one']);
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/wsbc: run refused: the sandbox worker .*sandbox-worker\.cjs is missing/);
  });
});
