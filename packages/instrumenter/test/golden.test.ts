// Golden tests: each fixtures/golden/<name>.wat (first line: `;; options: {json}`) is instrumented,
// validated by V8 (by wabt, all features on, when the options say `"validate": false`, for
// proposals Node 20's V8 lacks such as try_table) and printed back to text; the text must equal
// <name>.expected.wat. Run with WSBC_BLESS=1 to rewrite the expectations after an intended change,
// then review the diff.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstrumentOptions } from '../src/instrument.js';
import { mustInstrument, wabtValidates, wat, watToText } from './harness.js';

const dir = join(import.meta.dirname, 'fixtures/golden');
const bless = process.env['WSBC_BLESS'] === '1';

describe('golden instrumented output', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.wat') && !f.endsWith('.expected.wat')).sort()) {
    it(file, async () => {
      const source = readFileSync(join(dir, file), 'utf8');
      const header = /^;; options: (.*)$/m.exec(source);
      const options = JSON.parse(header?.[1] ?? '{}') as InstrumentOptions;
      const out = mustInstrument(await wat(source), options);
      expect(options.validate === false ? wabtValidates(out) : WebAssembly.validate(out)).toBe(true);
      const text = await watToText(out);
      const expectedFile = join(dir, file.replace(/\.wat$/, '.expected.wat'));
      if (bless) writeFileSync(expectedFile, text);
      expect(text).toBe(readFileSync(expectedFile, 'utf8'));
      // Determinism: a second run gives the same bytes.
      expect(Buffer.from(mustInstrument(await wat(source), options)).equals(Buffer.from(out))).toBe(true);
    });
  }
});
