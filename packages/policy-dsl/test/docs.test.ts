// docs/policy-language.md stays true: every `wsp` example in it compiles without errors, and it
// names every diagnostic code, every block and every limit setting.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allCodes } from '@wsbc/diagnostics';
import { BLOCK_NAMES, compilePolicySource, LIMIT_SETTINGS } from '@wsbc/policy-dsl';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/policy-language.md'), 'utf8');
const examples = [...doc.matchAll(/```wsp\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/policy-language.md', () => {
  it('has an example for every block', () => {
    for (const block of BLOCK_NAMES) expect(examples.some((e) => new RegExp(`^\\s+${block}\\b`, 'm').test(e)), block).toBe(true);
  });

  examples.forEach((text, i) => {
    it(`example ${i + 1} compiles without errors`, () => {
      const files: Record<string, string> = { '/d/org-baseline.wsp': 'policy "base" {\n}\n' };
      const r = compilePolicySource(text, { file: '/d/example.wsp', tmpDir: '/tmp', readFile: (p) => files[p] });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    });
  });

  it('lists every parse/ and policy/ code', () => {
    for (const { code } of allCodes().filter((c) => c.code.startsWith('parse/') || c.code.startsWith('policy/'))) {
      expect(doc, code).toContain(`| \`${code}\``);
    }
  });

  it('documents every limit setting in the limits table', () => {
    for (const [category, settings] of Object.entries(LIMIT_SETTINGS)) {
      for (const name of Object.keys(settings)) expect(doc, `${category} ${name}`).toContain(`| \`${name ? `${category} ${name}` : category}\` |`);
    }
  });
});
