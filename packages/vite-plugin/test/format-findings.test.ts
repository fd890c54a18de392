// formatFindings: the text a bundler prints when a build stops on wsbc findings.
import type { Diagnostic } from '@wsbc/diagnostics';
import { describe, expect, it } from 'vitest';
import { formatFindings } from '../src/format-findings.js';

describe('formatFindings', () => {
  it('frames each policy finding with its line', () => {
    const sources = new Map([['p.wsp', 'policy "p" {\n  netwrok none\n}\n']]);
    const d: Diagnostic = { code: 'policy/unknown-block', severity: 'error', message: 'unknown block', span: { file: 'p.wsp', line: 2, column: 3, endLine: 2, endColumn: 10, startOffset: 15, endOffset: 22 } };
    expect(formatFindings([d], sources)).toBe('  p.wsp:2:3: error[policy/unknown-block]: unknown block\n    |   netwrok none\n    |   ^^^^^^^');
  });

  // Before, the source was split into lines again for every finding: quadratic, minutes here.
  it('formats 100,000 findings in one 100,000-line source', { timeout: 60_000 }, () => {
    const n = 100_000;
    const lineText = '  env allow ["A"]\n';
    const sources = new Map([['p.wsp', lineText.repeat(n)]]);
    const findings: Diagnostic[] = [];
    for (let line = 1; line <= n; line++) {
      const lineStart = (line - 1) * lineText.length;
      findings.push({ code: 'policy/duplicate-block', severity: 'error', message: 'twice', span: { file: 'p.wsp', line, column: 3, endLine: line, endColumn: 6, startOffset: lineStart + 2, endOffset: lineStart + 5 } });
    }
    const text = formatFindings(findings, sources);
    expect(text.split('\n')).toHaveLength(3 * n);
    expect(text.endsWith(`p.wsp:${n}:3: error[policy/duplicate-block]: twice\n    |   env allow ["A"]\n    |   ^^^`)).toBe(true);
  });
});

describe('scale', () => {
  // Before, every finding repeated the whole line: 20,000 findings on the one line of a 400 KB
  // minified manifest made a message of 8 GB (a crash: "Invalid string length").
  it('frames many findings on one long line with a window around each span', { timeout: 60_000 }, () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `"bad name=${i}"`);
    const line = `{"environment":{"names":[${names.join(',')}]}}`;
    let at = line.indexOf('[') + 1;
    const findings: Diagnostic[] = names.map((name) => {
      const column = at + 1;
      at += name.length + 1;
      return { code: 'manifest/invalid-name', severity: 'error', message: 'bad', span: { file: 'm.json', line: 1, column, endLine: 1, endColumn: column + name.length, startOffset: column - 1, endOffset: column - 1 + name.length } };
    });
    const lines = formatFindings(findings, new Map([['m.json', line]])).split('\n');
    expect(lines).toHaveLength(3 * findings.length);
    for (const l of lines) expect(l.length).toBeLessThan(200);
    const [source, caret] = lines.slice(-2) as [string, string];
    expect(source.slice(caret.indexOf('^'), caret.lastIndexOf('^') + 1)).toBe('"bad name=19999"');
    expect(source.startsWith('    | ...')).toBe(true);
  });
});
