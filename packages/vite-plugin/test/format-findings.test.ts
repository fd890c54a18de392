// formatFindings: the text a bundler prints when a build stops on wsbc findings.
import type { Diagnostic } from '@wsbc/diagnostics';
import { describe, expect, it } from 'vitest';
import { formatFindings } from '../src/format-findings.js';

describe('formatFindings', () => {
  it('frames each policy finding with its line', () => {
    const sources = new Map([['p.wsp', 'policy "p" {\n  netwrok none\n}\n']]);
    const d: Diagnostic = { code: 'policy/unknown-block', severity: 'error', message: 'unknown block', span: { file: 'p.wsp', line: 2, column: 3, endLine: 2, endColumn: 10 } };
    expect(formatFindings([d], sources)).toBe('  p.wsp:2:3: error[policy/unknown-block]: unknown block\n    |   netwrok none\n    |   ^^^^^^^');
  });

  // Before, the source was split into lines again for every finding: quadratic, minutes here.
  it('formats 100,000 findings in one 100,000-line source', { timeout: 60_000 }, () => {
    const n = 100_000;
    const sources = new Map([['p.wsp', '  env allow ["A"]\n'.repeat(n)]]);
    const findings: Diagnostic[] = [];
    for (let line = 1; line <= n; line++) {
      findings.push({ code: 'policy/duplicate-block', severity: 'error', message: 'twice', span: { file: 'p.wsp', line, column: 3, endLine: line, endColumn: 6 } });
    }
    const text = formatFindings(findings, sources);
    expect(text.split('\n')).toHaveLength(3 * n);
    expect(text.endsWith(`p.wsp:${n}:3: error[policy/duplicate-block]: twice\n    |   env allow ["A"]\n    |   ^^^`)).toBe(true);
  });
});
