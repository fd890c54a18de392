// frameCodeSection is the non-generator twin of codeSection, used by `wsbc check` to frame a
// module's function bodies cheaply. It must agree with iterating codeSection to the end on every
// input: the same body count, or the same WasmError (code, message, offset).
import { describe, expect, test } from 'vitest';
import { ModuleReader, SectionId, WasmError, codeSection, frameCodeSection, type SectionHeader } from '../src/index.js';
import { wat } from './wat.js';

const MODULE = wat(`(module
  (func $a (result i32) i32.const 1)
  (func $b (param i32) (result i32) (local i64 f32) local.get 0 i32.const 300 i32.add)
  (func $c)
  (func $d (result i32) block (result i32) i32.const 7 end))`);

type Outcome = { count: number } | { code: string; message: string; offset: number };

function outcome(run: () => number): Outcome {
  try {
    return { count: run() };
  } catch (error) {
    if (!(error instanceof WasmError)) throw error;
    return { code: error.code, message: error.message, offset: error.offset };
  }
}

function byGenerator(bytes: Uint8Array, s: SectionHeader): number {
  let n = 0;
  for (const body of codeSection(bytes, s)) {
    expect(body.end).toBeLessThanOrEqual(s.end);
    n++;
  }
  return n;
}

const code = new ModuleReader(MODULE).section(SectionId.code)!;

describe('frameCodeSection', () => {
  test('counts the bodies of a valid code section', () => {
    expect(frameCodeSection(MODULE, code)).toBe(4);
    expect(byGenerator(MODULE, code)).toBe(4);
  });

  test('agrees with codeSection when the section ends early or late (every end offset)', () => {
    for (let end = code.payloadStart; end <= MODULE.length; end++) {
      const s = { ...code, end };
      expect(outcome(() => frameCodeSection(MODULE, s)), `end ${end}`).toEqual(outcome(() => byGenerator(MODULE, s)));
    }
  });

  test('agrees with codeSection when any byte of the section is replaced (count, sizes, over-long LEBs)', () => {
    let rejected = 0;
    for (let at = code.payloadStart; at < code.end; at++) {
      for (const value of [0x00, 0x01, 0x05, 0x7f, 0x80, 0xff]) {
        const bytes = MODULE.slice();
        bytes[at] = value;
        const framed = outcome(() => frameCodeSection(bytes, code));
        expect(framed, `byte ${at} = ${value}`).toEqual(outcome(() => byGenerator(bytes, code)));
        if (!('count' in framed)) rejected++;
      }
    }
    // The mutations reach the error paths, not only the valid one.
    expect(rejected).toBeGreaterThan(10);
  });
});
