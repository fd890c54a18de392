// The AST contract the linter relies on: every node has a span inside the file, children lie
// within their parent, visitAst reaches every node in source order, and spans cover the text of
// the node (a Keyword's span is exactly its word).
import fc from 'fast-check';
import { parsePolicy, visitAst, type AstNode } from '@wsbc/policy-dsl';
import { describe, expect, it } from 'vitest';
import { arbPolicy } from './generate.js';

describe('AST', () => {
  it('spans nest and lie inside the file, on generated policies', () => {
    fc.assert(
      fc.property(arbPolicy, (text) => {
        const { ast } = parsePolicy(text, 'p.wsp');
        visitAst(ast, (node, parent) => {
          const s = node.span;
          expect(s.file).toBe('p.wsp');
          expect(s.startOffset).toBeGreaterThanOrEqual(0);
          expect(s.endOffset).toBeLessThanOrEqual(text.length);
          expect(s.startOffset).toBeLessThanOrEqual(s.endOffset);
          if (parent && parent.kind !== 'PolicyFile') {
            expect(s.startOffset).toBeGreaterThanOrEqual(parent.span.startOffset);
            expect(s.endOffset).toBeLessThanOrEqual(parent.span.endOffset);
          }
          if (node.kind === 'Keyword') expect(text.slice(s.startOffset, s.endOffset)).toBe(node.value);
          if (node.kind === 'Comment') expect(text.slice(s.startOffset, s.endOffset)).toBe(`#${node.text}`);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('visits every node once, depth first in source order, and can skip subtrees', () => {
    const text = 'policy "p" extends minimal {\n  network {\n    allow host "a.example" ports [1..2, 3] secure\n  }\n  limits {\n    fuel 5M\n  }\n}\n';
    const { ast } = parsePolicy(text, 'p.wsp');
    const kinds: string[] = [];
    visitAst(ast, (n) => {
      kinds.push(n.kind === 'Keyword' ? `Keyword:${n.value}` : n.kind);
    });
    expect(kinds).toEqual([
      'PolicyFile',
      'Policy',
      'Keyword:policy',
      'String',
      'Extends',
      'Keyword:extends',
      'PresetRef',
      'Network',
      'Keyword:network',
      'AllowHost',
      'String',
      'PortRange',
      'Number',
      'Number',
      'PortRange',
      'Number',
      'Keyword:secure',
      'Limits',
      'Keyword:limits',
      'LimitEntry',
      'Keyword:fuel',
      'LimitSetting',
      'Quantity',
    ]);
    const shallow: AstNode[] = [];
    visitAst(ast, (n) => {
      shallow.push(n);
      return n.kind !== 'Policy';
    });
    expect(shallow.map((n) => n.kind)).toEqual(['PolicyFile', 'Policy']);
  });

  it('a quantity keeps its amount, unit and the unit span', () => {
    const { ast } = parsePolicy('policy {\n  limits {\n    memory max 64MiB growth 16 pages\n  }\n}\n', 'p.wsp');
    const quantities: AstNode[] = [];
    visitAst(ast, (n) => void (n.kind === 'Quantity' && quantities.push(n)));
    expect(quantities).toMatchObject([
      { amount: 64, unit: 'MiB', raw: '64MiB', dimension: 'pages', unitSpan: { column: 18, endColumn: 21 } },
      { amount: 16, unit: 'pages', raw: '16 pages', dimension: 'pages', unitSpan: { column: 32, endColumn: 37 } },
    ]);
  });
});
