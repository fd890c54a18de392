// `wsbc fmt`: stdout by default, --check lists files to change (exit 1), --write rewrites them,
// `-` reads stdin, and files with syntax errors are reported and never rewritten (exit 2).
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const MESSY = 'policy  "p" {\n    network none # no sockets\n  limits { fuel 1M }\n}';
const CANONICAL = 'policy "p" {\n  network none # no sockets\n  limits {\n    fuel 1M\n  }\n}\n';
const BROKEN = 'policy "p" {\n  env allow ["A\n}\n';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wsbc-fmt-'));
  writeFileSync(join(dir, 'messy.wsp'), MESSY);
  writeFileSync(join(dir, 'canonical.wsp'), CANONICAL);
  writeFileSync(join(dir, 'broken.wsp'), BROKEN);
});

describe('wsbc fmt', () => {
  it('prints the canonical form to stdout and leaves the file alone', async () => {
    const r = await runCli(['fmt', 'messy.wsp'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: CANONICAL, stderr: '' });
    expect(readFileSync(join(dir, 'messy.wsp'), 'utf8')).toBe(MESSY);
  });

  it('reads stdin for -', async () => {
    const r = await runCli(['fmt', '-'], { cwd: dir, stdin: MESSY });
    expect(r).toMatchObject({ code: 0, stdout: CANONICAL });
  });

  it('--check lists the files that would change and exits 1', async () => {
    const r = await runCli(['fmt', '--check', 'canonical.wsp', 'messy.wsp'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stdout: 'messy.wsp\n', stderr: '' });
    expect(await runCli(['fmt', '--check', 'canonical.wsp'], { cwd: dir })).toMatchObject({ code: 0, stdout: '' });
    expect(await runCli(['fmt', '--check', '-'], { cwd: dir, stdin: MESSY })).toMatchObject({ code: 1, stdout: '<stdin>\n' });
  });

  it('--write rewrites only the files that change, and a second run changes nothing', async () => {
    const r = await runCli(['fmt', '--write', 'canonical.wsp', 'messy.wsp'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: 'messy.wsp\n' });
    expect(readFileSync(join(dir, 'messy.wsp'), 'utf8')).toBe(CANONICAL);
    expect(await runCli(['fmt', '--check', 'messy.wsp'], { cwd: dir })).toMatchObject({ code: 0, stdout: '' });
  });

  it('reports syntax errors with a code frame, exits 2, never rewrites the file, and still formats the others', async () => {
    const r = await runCli(['fmt', '--write', 'broken.wsp', 'messy.wsp'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('parse/unterminated-string');
    expect(r.stderr).toContain('broken.wsp:2:14');
    expect(readFileSync(join(dir, 'broken.wsp'), 'utf8')).toBe(BROKEN);
    expect(readFileSync(join(dir, 'messy.wsp'), 'utf8')).toBe(CANONICAL);
  });

  it('an unreadable file is bad input', async () => {
    const r = await runCli(['fmt', 'missing.wsp'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read missing.wsp');
  });

  it('rejects bad usage with exit 2', async () => {
    for (const argv of [['fmt'], ['fmt', '--check', '--write', 'messy.wsp'], ['fmt', '--write', '-'], ['fmt', '--bogus', 'messy.wsp'], ['fmt', '-', '-']]) {
      const r = await runCli(argv, { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^wsbc fmt: /);
    }
  });

  it('the examples are already formatted', async () => {
    const examples = join(import.meta.dirname, '../../../examples');
    const r = await runCli(['fmt', '--check', 'plugin-host.wsp', 'ci-tool-runner.wsp', 'edge-function.wsp', 'data-pipeline.wsp', 'local-development.wsp'], { cwd: examples });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('takes a directory for the .wsp files below it, as lint does', async () => {
    mkdirSync(join(dir, 'tree/sub'), { recursive: true });
    mkdirSync(join(dir, 'tree/node_modules'), { recursive: true });
    writeFileSync(join(dir, 'tree/sub/b.wsp'), MESSY);
    writeFileSync(join(dir, 'tree/a.wsp'), CANONICAL);
    writeFileSync(join(dir, 'tree/node_modules/c.wsp'), MESSY);
    writeFileSync(join(dir, 'tree/notes.txt'), 'not a policy');
    const r = await runCli(['fmt', '--check', 'tree'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stdout: 'tree/sub/b.wsp\n', stderr: '' });
  });

  it('a directory with no policy in it is bad input, not a silent pass', async () => {
    mkdirSync(join(dir, 'empty-tree/node_modules'), { recursive: true });
    writeFileSync(join(dir, 'empty-tree/node_modules/c.wsp'), MESSY);
    const r = await runCli(['fmt', '--check', 'empty-tree', 'messy.wsp'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('messy.wsp\n');
    expect(r.stderr).toContain('error[input/unreadable]: no .wsp files in directory empty-tree');
  });

  it('--write through a symbolic link rewrites its target and keeps the link', async () => {
    symlinkSync(join(dir, 'messy.wsp'), join(dir, 'link.wsp'));
    const r = await runCli(['fmt', '--write', 'link.wsp'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: 'link.wsp\n' });
    expect(lstatSync(join(dir, 'link.wsp')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'messy.wsp'), 'utf8')).toBe(CANONICAL);
  });
});
