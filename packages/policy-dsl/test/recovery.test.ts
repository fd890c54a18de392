// Error recovery: one run reports every error of a file, at the right places, and the parts of
// the file that are fine are still checked.
import { compilePolicySource, formatPolicy, parsePolicy } from '@wsbc/policy-dsl';
import { describe, expect, it } from 'vitest';
import { compileVirtual, spanTuple } from './helpers.js';

describe('recovery', () => {
  it('reports every error of a file in one run', () => {
    const text = [
      'policy "p" extends minimall {', // 1 unknown preset
      '  netwrk none', // 2 unknown block
      '  env allow "A"', // 3 not a list
      '  filesystem {',
      '    read "./a" as "rel"', // 5 guest path not absolute
      '    raed "./b"', // 6 unknown statement
      '  }',
      '  limits {',
      '    memory max 0 pages', // 9 out of range
      '    cpu time 2 usage 150%', // 10 missing unit (first error of the line)
      '    fuel 10Q', // 11 unknown unit
      '  }',
      '  network {',
      '    allow ports 70000..80', // 14 port out of range
      '  }',
      '  random pseudo seed ;', // 16 unexpected character, then missing seed
      '  custom "n" = 5 in 10..1', // 17 empty range
      '}',
    ].join('\n');
    const r = compileVirtual({ '/v/p.wsp': text }, '/v/p.wsp');
    const lines = r.diagnostics.map((d) => [d.code, spanTuple(d)?.[0]]);
    expect(lines).toEqual(
      expect.arrayContaining([
        ['policy/unknown-preset', 1],
        ['policy/unknown-block', 2],
        ['parse/unexpected-token', 3],
        ['policy/invalid-guest-path', 5],
        ['policy/unknown-keyword', 6],
        ['policy/value-out-of-range', 9],
        ['policy/missing-unit', 10],
        ['policy/unknown-unit', 11],
        ['policy/port-out-of-range', 14],
        ['parse/unexpected-character', 16],
        ['parse/missing-token', 16],
        ['policy/empty-range', 17],
      ]),
    );
    expect(r.ok).toBe(false);
  });

  it('an unterminated string costs only its own line', () => {
    const r = parsePolicy('policy {\n  env allow ["A]\n  netwrk none\n}\n', 'p.wsp');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['parse/unclosed-delimiter', 'parse/unterminated-string', 'policy/unknown-block']);
  });

  it('a missing `}` leaves a hole, the statements before it still lower', () => {
    const r = parsePolicy('policy "p" {\n  network none\n  limits {\n    fuel 5\n', 'p.wsp');
    expect(r.diagnostics.map((d) => [d.code, spanTuple(d)])).toEqual([
      ['parse/unclosed-delimiter', [1, 12, 1, 13]],
      ['parse/unclosed-delimiter', [3, 10, 3, 11]],
    ]);
    expect(r.ast.policy?.blocks.map((b) => b.kind)).toEqual(['Network', 'Limits']);
  });

  it('a stray `}` and `]` are reported and skipped', () => {
    const r = parsePolicy('policy {\n  network none ]\n}\n}\n', 'p.wsp');
    expect(r.diagnostics.map((d) => [d.code, spanTuple(d)])).toEqual([
      ['parse/unmatched-delimiter', [2, 16, 2, 17]],
      ['parse/unmatched-delimiter', [4, 1, 4, 2]],
    ]);
  });

  it('a second policy and a block outside the policy are reported', () => {
    const r = parsePolicy('network none\npolicy "a" {}\npolicy "b" {}\n', 'p.wsp');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['parse/unexpected-token', 'parse/unexpected-token']);
    expect(r.diagnostics[0]!.message).toContain('inside the `policy { ... }` block');
    expect(r.ast.policy?.name?.value).toBe('a');
  });

  it('an unquoted path is reported once, with the quoted form as help', () => {
    const r = parsePolicy('policy "p" extends ./base.wsp {\n  filesystem {\n    read ./data as "/data"\n  }\n}\n', 'p.wsp');
    expect(r.diagnostics.map((d) => [d.code, d.help])).toEqual([
      ['parse/unexpected-character', 'paths are strings: write "./base.wsp"'],
      ['parse/unexpected-character', 'paths are strings: write "./data"'],
    ]);
  });

  it('a `{` on the next line is reported with a hint', () => {
    const r = parsePolicy('policy "p"\n{\n}\n', 'p.wsp');
    expect(r.diagnostics).toMatchObject([{ code: 'parse/missing-token', help: expect.stringContaining('same line') }]);
  });

  it('deep nesting and floods of errors are reported without exhausting the stack', () => {
    for (const text of [`policy ${'{'.repeat(100_000)}`, `policy { env allow ${'['.repeat(100_000)} }`, '}'.repeat(100_000), `policy {\n${'"\n'.repeat(50_000)}}`]) {
      const compiled = compilePolicySource(text, { file: '/v/p.wsp', readFile: () => undefined });
      expect(compiled.ok).toBe(false);
      expect(compiled.diagnostics.length).toBeGreaterThan(0);
      expect(formatPolicy(text, 'p.wsp').ok).toBe(false);
    }
  });
});
