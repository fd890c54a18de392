// Properties of the linter over generated and mutated policies (the compiler's fuzz inputs):
// it never throws, every diagnostic has a registered code and a span inside the linted text, and
// a file-wide suppression naming every reported rule silences exactly those findings.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeCode, type TextSpan } from '@wsbc/diagnostics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbFuzzText } from '../../test/fuzz-core.js';
import { arbPolicy } from '../../test/generate.js';
import { lintPolicySource } from './lint-source.js';

const FILE = '/policies/gen/policy.wsp';
const lint = (text: string) => lintPolicySource(text, { file: FILE, cwd: '/srv/run', readFile: () => undefined, tmpDir: '/tmp' });

function checkSpans(text: string, result: ReturnType<typeof lint>, file = FILE): void {
  for (const d of result.diagnostics) {
    expect(describeCode(d.code), d.code).toBeDefined();
    if (!d.code.startsWith('lint/')) continue;
    const span = d.span as TextSpan;
    expect(span.file).toBe(file);
    expect(span.startOffset).toBeGreaterThanOrEqual(0);
    expect(span.endOffset).toBeLessThanOrEqual(text.length);
    expect(span.startOffset).toBeLessThanOrEqual(span.endOffset);
  }
}

describe('linter robustness', () => {
  it('lints every example policy and finds no error-level problem in them', () => {
    const dir = path.resolve(import.meta.dirname, '../../../../examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.wsp'));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) {
      const file = path.join(dir, name);
      const text = readFileSync(file, 'utf8');
      // Examples extend each other, so they are read from disk. The temp dir is pinned to a path
      // no checkout can live under, so the verdict does not depend on where the repo was cloned.
      const result = lintPolicySource(text, { file, cwd: '/srv/run', tmpDir: '/nonexistent-wsbc-tmp' });
      expect(result.ok, name).toBe(true);
      checkSpans(text, result, file);
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    }
  });

  it('never throws on generated policies, and reports spans inside the text', () => {
    fc.assert(
      fc.property(arbPolicy, (text) => {
        const result = lint(text);
        expect(result.ok).toBe(true);
        checkSpans(text, result);
      }),
      { numRuns: 150, seed: 20261124 },
    );
  });

  it('never throws on mutated and random text', () => {
    fc.assert(
      fc.property(arbFuzzText, (text) => {
        checkSpans(text, lint(text));
      }),
      { numRuns: 200, seed: 424242 },
    );
  });

  it('a file-wide suppression of every reported rule silences exactly those findings', () => {
    fc.assert(
      fc.property(arbPolicy, (text) => {
        const before = lint(text).diagnostics.filter((d) => d.code.startsWith('lint/'));
        const rules = [...new Set(before.map((d) => d.code.slice('lint/'.length)))];
        fc.pre(rules.length > 0);
        const after = lint(`# wsbc-lint-disable-file ${rules.join(', ')}: generated test\n${text}`);
        expect(after.diagnostics.filter((d) => d.code.startsWith('lint/'))).toEqual([]);
        expect(after.suppressed.map((s) => s.diagnostic.code).sort()).toEqual(before.map((d) => d.code).sort());
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});

describe('scale', () => {
  // Each rule below looked a finding's node up by scanning every list item (or every wildcard)
  // again, so tens of thousands of findings took from half a minute to minutes.
  const lines = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join('\n');
  const count = (text: string, code: string) => lint(text).diagnostics.filter((d) => d.code === code);

  it('reports 30,000 credential-like environment names', { timeout: 30_000 }, () => {
    const found = count(`policy "p" {\n  env allow [\n${lines(30_000, (i) => `    "TOKEN_${i}",`)}\n  ]\n}\n`, 'lint/env-allows-secret');
    expect(found).toHaveLength(30_000);
    expect(found.at(-1)!.span).toMatchObject({ line: 30_002, column: 5 });
  });

  it('reports 30,000 shells in the process allowlist', { timeout: 30_000 }, () => {
    const found = count(`policy "p" {\n  process allow [\n${lines(30_000, (i) => `    "bash${i}",`)}\n  ]\n}\n`, 'lint/process-allows-shell');
    expect(found).toHaveLength(30_000);
    expect(found.at(-1)!.span).toMatchObject({ line: 30_002, column: 5 });
  });

  it('reports 30,000 wildcard host imports', { timeout: 30_000 }, () => {
    const found = count(`policy "p" {\n  imports {\n${lines(30_000, (i) => `    allow "m${i}" "*"`)}\n  }\n}\n`, 'lint/wildcard-host-import');
    expect(found).toHaveLength(30_000);
  });

  it('reports 100,000 unused custom flags', { timeout: 30_000 }, () => {
    const found = count(`policy "p" {\n${lines(100_000, (i) => `  custom "c${i}" = true`)}\n}\n`, 'lint/unused-custom-capability');
    expect(found).toHaveLength(100_000);
    expect(found.at(-1)!.span).toMatchObject({ line: 100_001, column: 10 });
  });

  it('checks 20,000 rules of one host for repeats', { timeout: 30_000 }, () => {
    const text = `policy "p" {\n  network {\n${lines(20_000, (i) => `    allow host "a.example.com" ports ${2 + i} secure`)}\n    allow host "a.example.com" ports 2..3 secure\n  }\n}\n`;
    const found = count(text, 'lint/redundant-host');
    expect(found.map((d) => [(d.span as TextSpan).line, d.message])).toEqual([[20_003, 'host "a.example.com" is already allowed with these ports on line 3']]);
  });

  it('checks 15,000 hosts against 15,000 wildcards', { timeout: 30_000 }, () => {
    const text = `policy "p" {\n  network {\n${lines(15_000, (i) => `    allow host "*.d${i}.example.com" secure\n    allow host "x.d${i}.example.com" secure`)}\n  }\n}\n`;
    const found = count(text, 'lint/redundant-host');
    expect(found).toHaveLength(15_000);
    expect(found.at(-1)!.message).toBe('host "x.d14999.example.com" is already allowed by "*.d14999.example.com" on line 30001');
  });
});
