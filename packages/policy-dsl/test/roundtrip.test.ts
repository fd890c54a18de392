// Round trips on the examples and on generated policies: every example compiles cleanly,
// formatting is idempotent, keeps every comment, and never changes what a policy compiles to.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { compilePolicySource, formatPolicy, parseCst } from '@wsbc/policy-dsl';
import { describe, expect, it } from 'vitest';
import { arbPolicy } from './generate.js';

const examplesDir = path.resolve(import.meta.dirname, '../../../examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.wsp'));

function compile(text: string, file = '/v/p.wsp') {
  return compilePolicySource(text, { file, tmpDir: '/tmp/wsbc-test', readFile: (p) => (p.startsWith(examplesDir) ? readFileSync(p, 'utf8') : undefined) });
}

function comments(text: string): string[] {
  return parseCst(text, 'x').cst.comments.map((c) => c.text);
}

function checkRoundTrip(text: string, file: string): void {
  const original = compile(text, file);
  const formatted = formatPolicy(text, file);
  if (!formatted.ok) throw new Error(`format refused: ${JSON.stringify(formatted.diagnostics)}`);
  const again = formatPolicy(formatted.value, file);
  expect(again.ok && again.value).toBe(formatted.value);
  expect(comments(formatted.value)).toEqual(comments(text));
  const recompiled = compile(formatted.value, file);
  expect(recompiled.manifest).toEqual(original.manifest);
  expect(recompiled.diagnostics.map((d) => d.code)).toEqual(original.diagnostics.map((d) => d.code));
}

describe('examples', () => {
  it('there are at least five', () => {
    expect(examples).toEqual(expect.arrayContaining(['plugin-host.wsp', 'ci-tool-runner.wsp', 'edge-function.wsp', 'data-pipeline.wsp', 'local-development.wsp']));
  });
  for (const name of examples) {
    const file = path.join(examplesDir, name);
    const text = readFileSync(file, 'utf8');
    it(`${name} compiles without any diagnostic`, () => {
      const r = compile(text, file);
      expect(r.diagnostics).toEqual([]);
      expect(r.ok).toBe(true);
    });
    it(`${name} is in canonical form and round-trips`, () => {
      const f = formatPolicy(text, file);
      expect(f.ok && f.value).toBe(text);
      checkRoundTrip(text, file);
    });
  }
});

describe('generated policies', () => {
  it('compile cleanly', () => {
    fc.assert(
      fc.property(arbPolicy, (text) => {
        const r = compile(text);
        expect(r.diagnostics.filter((d) => d.severity === 'error'), text).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('fmt is idempotent, keeps comments, and compile(fmt(p)) == compile(p)', () => {
    fc.assert(
      fc.property(arbPolicy, (text) => checkRoundTrip(text, '/v/p.wsp')),
      { numRuns: 300 },
    );
  });
});
