// `extends`: presets, files (relative to the extending file, chains, merge rules), cycles and
// missing files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compilePolicyFile, compilePolicySource } from '@wsbc/policy-dsl';
import { describe, expect, it } from 'vitest';
import { compileVirtual, errors } from './helpers.js';

describe('extends', () => {
  it('extends minimal: the defaults of the table', () => {
    const r = compileVirtual({ '/v/p.wsp': 'policy "p" extends minimal {}\n' }, '/v/p.wsp');
    expect(r.manifest).toMatchObject({ network: { mode: 'none' }, environment: { mode: 'none' }, random: { mode: 'pseudo' }, limits: { memory: { maxPages: 160 } } });
  });

  it('extends development: loopback, readable base directory, writable temp dir, PATH/TEMP/TMP, secure random', () => {
    const r = compileVirtual({ '/v/p.wsp': 'policy "p" extends development {}\n' }, '/v/p.wsp');
    expect(r.manifest).toMatchObject({
      network: { mode: 'restricted', loopback: true },
      environment: { mode: 'allow', names: ['PATH', 'TEMP', 'TMP'] },
      random: { mode: 'secure' },
      filesystem: {
        preopens: [
          { hostPath: '/tmp/wsbc-test', write: true, read: false, create: true, delete: false, maxFileSize: 10 * 1024 * 1024 },
          { hostPath: '/v', read: true, write: false },
        ],
      },
    });
  });

  it('a child area replaces the preset area whole, limits merge per field', () => {
    const r = compileVirtual({ '/v/p.wsp': 'policy "p" extends development {\n  network none\n  limits {\n    memory max 1MiB\n  }\n}\n' }, '/v/p.wsp');
    expect(r.manifest?.network.mode).toBe('none');
    expect(r.manifest?.limits.memory).toMatchObject({ maxPages: 16, reservedPages: 16, maxGrowthPages: 10 });
  });

  it('extends a file relative to the extending file, through a chain, with its paths relative to itself', () => {
    const files = {
      '/v/app/p.wsp': 'policy "app" extends "../base/mid.wsp" {\n  limits {\n    cpu threads 2\n  }\n}\n',
      '/v/base/mid.wsp': 'policy "mid" extends "./root.wsp" {\n  filesystem {\n    read "./shared" as "/shared"\n  }\n  limits {\n    cpu time 1s\n  }\n}\n',
      '/v/base/root.wsp': 'policy "root" extends development {\n  env allow ["LANG"]\n  limits {\n    cpu usage 10%\n  }\n  custom "x" = 1\n}\n',
    };
    const r = compileVirtual(files, '/v/app/p.wsp');
    expect(errors(r)).toEqual([]);
    expect(r.manifest).toMatchObject({
      name: 'app',
      environment: { mode: 'allow', names: ['LANG'] },
      random: { mode: 'secure' }, // from development, through two files
      filesystem: { preopens: [{ hostPath: '/v/base/shared', guestPath: '/shared', read: true }] },
      limits: { cpu: { maxExecutionMs: 1000, usagePercent: 10, maxThreads: 2 } },
      custom: [{ name: 'x', value: 1 }],
    });
    expect([...r.sources.keys()]).toEqual(['/v/app/p.wsp', '/v/base/mid.wsp', '/v/base/root.wsp']);
  });

  it('an anonymous child keeps the base name; imports and custom values merge by key', () => {
    const files = {
      '/v/p.wsp': 'policy extends "./b.wsp" {\n  imports {\n    allow "env" "log" requires "on"\n    allow "env" "time"\n  }\n  custom "on" = true\n}\n',
      '/v/b.wsp': 'policy "base" {\n  imports {\n    allow "env" "log"\n    allow "env" "exit"\n  }\n  custom "on" = false\n  custom "keep" = "k"\n}\n',
    };
    const r = compileVirtual(files, '/v/p.wsp');
    expect(r.manifest?.name).toBe('base');
    expect(r.manifest?.imports).toEqual([
      { module: 'env', name: 'exit', requires: null },
      { module: 'env', name: 'log', requires: 'on' },
      { module: 'env', name: 'time', requires: null },
    ]);
    expect(r.manifest?.custom).toEqual([
      { name: 'keep', type: 'string', value: 'k' },
      { name: 'on', type: 'boolean', value: true },
    ]);
  });

  it('an import may require a custom value declared in the base policy', () => {
    const files = {
      '/v/p.wsp': 'policy "p" extends "./b.wsp" {\n  imports {\n    allow "h" "f" requires "flag"\n  }\n}\n',
      '/v/b.wsp': 'policy "b" {\n  custom "flag" = true\n}\n',
    };
    expect(errors(compileVirtual(files, '/v/p.wsp'))).toEqual([]);
  });

  it('reports a cycle with the whole chain and each link', () => {
    const files = {
      '/v/a.wsp': 'policy "a" extends "./b.wsp" {}\n',
      '/v/b.wsp': 'policy "b" extends "./c.wsp" {}\n',
      '/v/c.wsp': 'policy "c" extends "./a.wsp" {}\n',
    };
    const r = compileVirtual(files, '/v/a.wsp');
    expect(r.ok).toBe(false);
    const cycle = r.diagnostics.filter((d) => d.code === 'policy/extends-cycle');
    expect(cycle).toHaveLength(1);
    expect(cycle[0]!.message).toContain('/v/a.wsp -> /v/b.wsp -> /v/c.wsp -> /v/a.wsp');
    expect(cycle[0]!.span).toMatchObject({ file: '/v/c.wsp', line: 1, column: 20 });
    expect(cycle[0]!.related?.map((x) => (x.span as { file: string }).file)).toEqual(['/v/a.wsp', '/v/b.wsp']);
  });

  it('reports a policy that extends itself', () => {
    const r = compileVirtual({ '/v/a.wsp': 'policy "a" extends "a.wsp" {}\n' }, '/v/a.wsp');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['policy/extends-cycle']);
  });

  it('a diamond is not a cycle', () => {
    const files = {
      '/v/a.wsp': 'policy "a" extends "./b.wsp" {}\n',
      '/v/b.wsp': 'policy "b" extends "./c.wsp" {}\n',
      '/v/c.wsp': 'policy "c" {}\n',
      '/v/d.wsp': 'policy "d" extends "./c.wsp" {}\n',
    };
    expect(compileVirtual(files, '/v/a.wsp').ok).toBe(true);
    expect(compileVirtual(files, '/v/d.wsp').ok).toBe(true);
  });

  it('reports a missing file at the path, and errors inside an extended file with that file in the span', () => {
    const missing = compileVirtual({ '/v/a.wsp': 'policy "a" extends "./nope.wsp" {}\n' }, '/v/a.wsp');
    expect(missing.diagnostics).toMatchObject([{ code: 'policy/extends-not-found', span: { file: '/v/a.wsp', line: 1, column: 20 } }]);
    const broken = compileVirtual({ '/v/a.wsp': 'policy "a" extends "./b.wsp" {}\n', '/v/b.wsp': 'policy "b" {\n  netwrok none\n}\n' }, '/v/a.wsp');
    expect(broken.ok).toBe(false);
    expect(broken.diagnostics).toMatchObject([{ code: 'policy/unknown-block', span: { file: '/v/b.wsp', line: 2, column: 3 } }]);
    expect(broken.sources.get('/v/b.wsp')).toContain('netwrok');
  });

  it('a reader that throws, or a directory, is a missing file, not a crash', () => {
    const thrown = compilePolicySource('policy "a" extends "./b.wsp" {}\n', { file: '/v/a.wsp', readFile: () => { throw new Error('EACCES'); } });
    expect(thrown.diagnostics.map((d) => d.code)).toEqual(['policy/extends-not-found']);
    const dir = compilePolicySource('policy "a" extends "." {}\n', { file: `${import.meta.dirname}/a.wsp` });
    expect(dir.diagnostics.map((d) => d.code)).toEqual(['policy/extends-not-found']);
  });

  it('extends of a FIFO, a device or stdin is refused at once, never waited on or read without end', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wsbc-extends-'));
    try {
      const fifo = path.join(dir, 'base.wsp');
      execFileSync('mkfifo', [fifo]);
      // Before, opening the FIFO blocked the compiler until a writer came (for ever, here).
      for (const target of [fifo, '/dev/zero', '/dev/stdin']) {
        const r = compilePolicySource(`policy "a" extends ${JSON.stringify(target)} {}\n`, { file: path.join(dir, 'a.wsp') });
        expect(r.diagnostics.map((d) => d.code), target).toEqual(['policy/extends-not-found']);
      }
      expect(compilePolicyFile(fifo).diagnostics.map((d) => d.code)).toEqual(['input/unreadable']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a relative top file name gives relative names to the files it extends', () => {
    const files: Record<string, string> = { '/v/b.wsp': 'policy "b" {\n  nope\n}\n' };
    const r = compilePolicySource('policy "a" extends "../b.wsp" {\n}\n', { file: 'dir/a.wsp', baseDir: '/v/dir', readFile: (p) => files[p] });
    expect(r.diagnostics[0]).toMatchObject({ code: 'policy/unknown-block', span: { file: 'b.wsp', line: 2 } });
    expect([...r.sources.keys()]).toEqual(['dir/a.wsp', 'b.wsp']);
  });
});
