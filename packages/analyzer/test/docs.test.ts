// docs/analyzer.md lists every WASI preview1 function with the capabilities and signature the
// code uses: the doc cannot drift from the table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PREVIEW1_FUNCTIONS, WASMEDGE_SOCKET_FUNCTIONS, formatSignature } from '../src/index.js';

const doc = readFileSync(join(import.meta.dirname, '../../../docs/analyzer.md'), 'utf8');

describe('docs/analyzer.md', () => {
  for (const fn of PREVIEW1_FUNCTIONS) {
    it(`documents ${fn.name}`, () => {
      const needs = fn.needs.length ? fn.needs.map((n) => `\`${n}\``).join(', ') : 'always';
      expect(doc).toContain(`| \`${fn.name}\` | ${needs} | \`${fn.signatures.map(formatSignature).join('` or `')}\` |`);
    });
  }
  it('documents every WasmEdge socket function', () => {
    for (const fn of WASMEDGE_SOCKET_FUNCTIONS) expect(doc).toContain(`| \`${fn.name}\` | ${fn.needs.join(', ')} |`);
  });
});
