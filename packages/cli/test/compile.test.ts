// `wsbc compile`: the manifest on stdout or in -o, --hash, stdin, diagnostics in every format with
// their exact positions, and exit codes (0 compiled, 1 policy errors, 2 unreadable or usage).
import { execFileSync } from 'node:child_process';
import { closeSync, constants, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestHash } from '@wsbc/manifest';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const examples = join(import.meta.dirname, '../../../examples');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wsbc-compile-'));
  writeFileSync(join(dir, 'base.wsp'), 'policy "base" extends development {\n  limits {\n    fuel 5M\n  }\n}\n');
  writeFileSync(join(dir, 'child.wsp'), 'policy "child" extends "./base.wsp" {\n  network none\n}\n');
  writeFileSync(join(dir, 'same-meaning.wsp'), '# other layout, same meaning\npolicy   "child"  extends "./base.wsp" { network none }\n');
  writeFileSync(join(dir, 'broken.wsp'), 'policy "broken" {\n  filesytem {\n  }\n  limits {\n    memory max 0 pages\n  }\n}\n');
});

describe('wsbc compile', () => {
  it('prints the canonical manifest of an example', async () => {
    const r = await runCli(['compile', 'edge-function.wsp'], { cwd: examples });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const manifest = JSON.parse(r.stdout);
    expect(manifest).toMatchObject({ version: 1, name: 'edge-function', random: { mode: 'secure' }, limits: { fuel: 20_000_000 } });
  });

  it('every example compiles', async () => {
    for (const name of ['plugin-host.wsp', 'ci-tool-runner.wsp', 'edge-function.wsp', 'data-pipeline.wsp', 'local-development.wsp']) {
      const r = await runCli(['compile', name], { cwd: examples });
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
    }
  });

  it('resolves extends relative to the file, and equal meanings give equal bytes and hashes', async () => {
    const a = await runCli(['compile', 'child.wsp'], { cwd: dir });
    const b = await runCli(['compile', 'same-meaning.wsp'], { cwd: dir });
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const manifest = JSON.parse(a.stdout);
    expect(manifest).toMatchObject({ name: 'child', network: { mode: 'none' }, random: { mode: 'secure' }, limits: { fuel: 5_000_000 } });
    const hash = await runCli(['compile', '--hash', 'child.wsp'], { cwd: dir });
    expect(hash.stdout).toBe(`${manifestHash(manifest)}\n`);
  });

  it('-o writes the manifest to a file', async () => {
    const r = await runCli(['compile', 'child.wsp', '-o', 'out.json'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).name).toBe('child');
  });

  it('- reads the policy from stdin, resolving paths against the working directory', async () => {
    const r = await runCli(['compile', '-'], { cwd: dir, stdin: 'policy "s" extends "./base.wsp" {\n  filesystem {\n    read "./data" as "/data"\n  }\n}\n' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).filesystem.preopens).toEqual([{ hostPath: join(dir, 'data'), guestPath: '/data', read: true, write: false, create: false, delete: false, maxFileSize: null }]);
  });

  it('reports every error with a code frame and help, exit 1', async () => {
    const r = await runCli(['compile', 'broken.wsp'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('policy/unknown-block');
    expect(r.stderr).toContain('broken.wsp:2:3');
    expect(r.stderr).toContain('did you mean `filesystem`?');
    expect(r.stderr).toContain('policy/value-out-of-range');
    expect(r.stderr).toContain('broken.wsp:5:16');
  });

  it('--format json carries codes and exact spans', async () => {
    const r = await runCli(['compile', '--format', 'json', 'broken.wsp'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const codes = report.diagnostics.map((d: { code: string; span: { line: number; column: number; endLine: number; endColumn: number } }) => [d.code, d.span.line, d.span.column, d.span.endLine, d.span.endColumn]);
    expect(codes).toEqual([
      ['policy/unknown-block', 2, 3, 2, 12],
      ['policy/value-out-of-range', 5, 16, 5, 23],
    ]);
  });

  it('--format sarif names each code as a rule', async () => {
    const r = await runCli(['compile', '--format', 'sarif', 'broken.wsp'], { cwd: dir });
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toEqual(['policy/unknown-block', 'policy/value-out-of-range']);
  });

  it('a missing extended file and a cycle are policy errors (exit 1); a missing policy file is bad input (exit 2)', async () => {
    writeFileSync(join(dir, 'orphan.wsp'), 'policy "o" extends "./nowhere.wsp" {}\n');
    writeFileSync(join(dir, 'loop-a.wsp'), 'policy "a" extends "./loop-b.wsp" {}\n');
    writeFileSync(join(dir, 'loop-b.wsp'), 'policy "b" extends "./loop-a.wsp" {}\n');
    const orphan = await runCli(['compile', 'orphan.wsp'], { cwd: dir });
    expect(orphan.code).toBe(1);
    expect(orphan.stderr).toContain('policy/extends-not-found');
    const loop = await runCli(['compile', 'loop-a.wsp'], { cwd: dir });
    expect(loop.code).toBe(1);
    expect(loop.stderr).toContain('policy/extends-cycle');
    // The chain names files as the user gave them, not as absolute host paths (docs/policy-language.md).
    expect(loop.stderr).toContain('policies extend each other in a cycle: loop-a.wsp -> loop-b.wsp -> loop-a.wsp\n');
    const missing = await runCli(['compile', 'nope.wsp'], { cwd: dir });
    expect(missing.code).toBe(2);
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await runCli(['compile'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['compile', 'a.wsp', 'b.wsp'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['compile', '--format', 'xml', 'child.wsp'], { cwd: dir })).code).toBe(2);
  });

  it('refuses -o pointing at its input and leaves the policy intact', async () => {
    const before = readFileSync(join(dir, 'child.wsp'), 'utf8');
    const r = await runCli(['compile', 'child.wsp', '-o', './child.wsp'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the output ./child.wsp would overwrite the input child.wsp');
    expect(readFileSync(join(dir, 'child.wsp'), 'utf8')).toBe(before);
  });

  it('-o at a directory or in a missing directory is bad input (exit 2), not an internal error', async () => {
    mkdirSync(join(dir, 'out-dir'), { recursive: true });
    const toDir = await runCli(['compile', 'child.wsp', '-o', 'out-dir'], { cwd: dir });
    expect(toDir.code).toBe(2);
    expect(toDir.stderr).toBe('wsbc compile: cannot write out-dir: is a directory\n');
    const missing = await runCli(['compile', 'child.wsp', '-o', 'no-such-dir/m.json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('wsbc compile: cannot write no-such-dir/m.json: no such directory\n');
    expect(readdirSync(join(dir, 'out-dir'))).toEqual([]);
  });

  it('-o at a FIFO (as at /dev/stdout) writes into it and leaves the FIFO in place', async () => {
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader that does not block on open, so the command's open for writing finds it there.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const r = await runCli(['compile', 'child.wsp', '-o', 'out.fifo'], { cwd: dir });
      expect(r.code).toBe(0);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      const buffer = Buffer.alloc(1 << 16);
      const n = readSync(reader, buffer);
      expect(JSON.parse(buffer.subarray(0, n).toString())).toMatchObject({ name: 'child' });
    } finally {
      closeSync(reader);
    }
  });

  it('a missing or directory policy is reported as given, with the reason, like every other unreadable input', async () => {
    const missing = await runCli(['compile', 'nope.wsp'], { cwd: dir });
    expect(missing.stderr).toContain('cannot read nope.wsp: no such file');
    mkdirSync(join(dir, 'a-dir.wsp'), { recursive: true });
    const directory = await runCli(['compile', 'a-dir.wsp'], { cwd: dir });
    expect(directory.code).toBe(2);
    expect(directory.stderr).toContain('cannot read a-dir.wsp: is a directory');
  });
});
