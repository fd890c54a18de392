import { readFileSync, writeFileSync } from 'node:fs';
import { docsLink } from '@wsbc/diagnostics';
import { describe, expect, test } from 'vitest';
import { anchorFor, collectCodes, docPath, renderDiagnosticsDoc } from '../scripts/generate-diagnostics-doc.mjs';

describe('docs/diagnostics.md', () => {
  // Regenerate with `WSBC_BLESS=1 npx vitest run test/diagnostics-doc.test.ts` (from source), or
  // `pnpm build && node packages/cli/scripts/generate-diagnostics-doc.mjs` (from dist).
  test('documents every registered code', async () => {
    const codes = await collectCodes();
    expect(codes.length).toBeGreaterThan(0);
    if (process.env.WSBC_BLESS === '1') writeFileSync(docPath, renderDiagnosticsDoc(codes));
    const doc = readFileSync(docPath, 'utf8');
    const missing = codes.filter((c) => !doc.includes(`<a id="${anchorFor(c.code)}"></a>\n\n### \`${c.code}\``)).map((c) => c.code);
    expect(missing).toEqual([]);
  });

  test('anchors are the ones docsLink() points at', () => {
    for (const code of ['manifest/schema-violation', 'lint/no-full-network', 'run/fuel_exhausted']) {
      expect(docsLink(code).endsWith(`#${anchorFor(code)}`)).toBe(true);
    }
  });

  test('renders one section per code, grouped by domain, with its severity and summary', () => {
    const doc = renderDiagnosticsDoc([
      { code: 'zeta/b', severity: 'warning', summary: 'Second.' },
      { code: 'manifest/a', severity: 'error', summary: 'First.' },
    ]);
    expect(doc).toContain('| [`manifest/`](#domain-manifest) | 1 |');
    expect(doc.indexOf('## `manifest/`')).toBeLessThan(doc.indexOf('## `zeta/`'));
    expect(doc).toContain('<a id="manifest-a"></a>\n\n### `manifest/a`\n\n**error**: First.');
    expect(doc).toContain('<a id="zeta-b"></a>\n\n### `zeta/b`\n\n**warning**: Second.');
  });

  test('a doc missing a code is detected', async () => {
    const codes = await collectCodes();
    const doc = renderDiagnosticsDoc(codes.slice(1));
    expect(doc.includes(`<a id="${anchorFor(codes[0]!.code)}"></a>`)).toBe(false);
  });
});
