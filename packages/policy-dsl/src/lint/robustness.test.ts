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
