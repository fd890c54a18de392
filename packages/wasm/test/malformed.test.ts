// Malformed input: every problem is a WasmError with a code from the registry, a message and an
// offset inside the input; never another exception, never a hang, never an allocation sized by an
// untrusted length.
import { describeCode } from '@wsbc/diagnostics';
import { describe, expect, test } from 'vitest';
import {
  ModuleReader,
  WASM_HEADER,
  WasmError,
  readModule,
  rebuildModule,
  walkModule,
  wasmErrorToDiagnostic,
  type WalkResult,
} from '../src/index.js';
import { moduleOf } from './sections.js';
import { wat } from './wat.js';


/** A module with one function [] -> [] whose body is `code` (locals: none). */
function withBody(code: number[], extra: Array<[number, number[]]> = []): Uint8Array {
  const body = [0x00, ...code];
  return moduleOf([1, [1, 0x60, 0, 0]], [3, [1, 0]], ...extra, [10, [1, body.length, ...body]]);
}

function rejected(r: WalkResult): WasmError {
  if (r.ok) throw new Error('expected the walk to reject the module');
  return r.error;
}

const SAMPLE = wat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 2)
  (global $g (mut i32) (i32.const 42))
  (table 1 funcref)
  (elem (i32.const 0) $f)
  (data (i32.const 8) "abc")
  (func $f (export "f") (param i32) (result i32) (local i64)
    block (result i32)
      i32.const 5
      local.get 0
      br_table 0 0 0
    end
    i32.const 1
    i32.add
    global.get $g
    i32.load offset=4
    i32.add))`);

describe('malformed input', () => {
  test('every truncation of a valid module is a typed error inside the input (or, at a section boundary, a module V8 accepts too)', () => {
    expect(walkModule(SAMPLE).ok).toBe(true);
    expect(WebAssembly.validate(SAMPLE)).toBe(true);
    let rejectedCount = 0;
    for (let n = 0; n < SAMPLE.length; n++) {
      const cut = SAMPLE.slice(0, n);
      const r = walkModule(cut);
      expect(r.ok, `prefix of ${n} bytes`).toBe(WebAssembly.validate(cut));
      if (r.ok) continue;
      rejectedCount++;
      const e = r.error;
      expect(e).toBeInstanceOf(WasmError);
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.offset).toBeLessThanOrEqual(n);
      expect(describeCode(e.code), e.code).toBeDefined();
    }
    expect(rejectedCount).toBeGreaterThan(SAMPLE.length - 10);
  });

  test('bad magic, bad version and component binaries are named as such', () => {
    expect(rejected(walkModule(new Uint8Array([0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0])))).toMatchObject({ code: 'wasm/bad-magic', offset: 0 });
    expect(rejected(walkModule(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0])))).toMatchObject({ code: 'wasm/bad-version', offset: 4 });
    const component = rejected(walkModule(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00])));
    expect(component.code).toBe('wasm/bad-version');
    expect(component.message).toMatch(/component/);
    expect(readModule(new Uint8Array([1, 2]))).toMatchObject({ ok: false, error: { code: 'wasm/unexpected-end' } });
  });

  test('over-long and over-large LEBs are rejected where they start', () => {
    // Section size as a 6-byte LEB.
    const long = new Uint8Array([...WASM_HEADER, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
    expect(rejected(walkModule(long))).toMatchObject({ code: 'wasm/bad-leb', offset: 9 });
    // u32 with bits above 32 set in the fifth byte.
    const large = new Uint8Array([...WASM_HEADER, 1, 0xff, 0xff, 0xff, 0xff, 0x1f]);
    expect(rejected(walkModule(large))).toMatchObject({ code: 'wasm/bad-leb', offset: 9 });
    // i32.const whose fifth byte's unused bits disagree with the sign.
    const e = rejected(walkModule(withBody([0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x1a, 0x0b])));
    expect(e.code).toBe('wasm/bad-leb');
    expect(e.functionIndex).toBe(0);
  });

  test('huge length fields fail before anything is allocated or looped over', () => {
    const huge = [0xff, 0xff, 0xff, 0xff, 0x0f];
    // Section size beyond the input.
    expect(rejected(walkModule(new Uint8Array([...WASM_HEADER, 1, ...huge])))).toMatchObject({ code: 'wasm/length-out-of-bounds', offset: 9 });
    // Vector counts (types, imports, functions, data, locals) beyond the section.
    for (const id of [1, 2, 3, 5, 6, 7, 9, 11]) {
      expect(rejected(walkModule(moduleOf([id, huge]))).code, `section ${id}`).toBe('wasm/length-out-of-bounds');
    }
    // A name length, a data segment length, a br_table count, a locals count.
    expect(rejected(walkModule(moduleOf([2, [1, ...huge]]))).code).toBe('wasm/length-out-of-bounds');
    expect(rejected(walkModule(moduleOf([5, [1, 0, 1]], [11, [1, 0, 0x41, 0, 0x0b, ...huge]]))).code).toBe('wasm/length-out-of-bounds');
    expect(rejected(walkModule(withBody([0x0e, ...huge, 0x0b]))).code).toBe('wasm/length-out-of-bounds');
    const locals = moduleOf([1, [1, 0x60, 0, 0]], [3, [1, 0]], [10, [1, 8, 2, 0xff, 0xff, 0x03, 0x7f, 0x01, 0x7f, 0x0b]]);
    expect(rejected(walkModule(locals)).code).toBe('wasm/too-many');
  });

  test('unknown opcodes, including unknown prefixed sub-opcodes, point at the opcode', () => {
    const single = withBody([0x01, 0xff, 0x0b]);
    const e = rejected(walkModule(single));
    expect(e).toMatchObject({ code: 'wasm/unknown-opcode', functionIndex: 0 });
    expect(single[e.offset]).toBe(0xff);
    const prefixed = withBody([0xfc, 0x63, 0x0b]);
    const p = rejected(walkModule(prefixed));
    expect(p.code).toBe('wasm/unknown-opcode');
    expect(prefixed[p.offset]).toBe(0xfc);
  });

  test('block structure: unbalanced ends, stray else, code after the final end, bad labels', () => {
    expect(rejected(walkModule(withBody([0x02, 0x40, 0x0b])))).toMatchObject({ code: 'wasm/bad-block-structure' });
    expect(rejected(walkModule(withBody([0x05, 0x0b])))).toMatchObject({ code: 'wasm/bad-block-structure' });
    expect(rejected(walkModule(withBody([0x0b, 0x01])))).toMatchObject({ code: 'wasm/bad-block-structure' });
    expect(rejected(walkModule(withBody([0x07, 0x00, 0x0b])))).toMatchObject({ code: 'wasm/bad-block-structure' });
    expect(rejected(walkModule(withBody([0x0c, 0x01, 0x0b])))).toMatchObject({ code: 'wasm/index-out-of-range' });
  });

  test('sections out of order, duplicated, unknown, or with trailing bytes', () => {
    expect(rejected(walkModule(moduleOf([3, [0]], [1, [0]])))).toMatchObject({ code: 'wasm/section-order' });
    expect(rejected(walkModule(moduleOf([1, [0]], [1, [0]])))).toMatchObject({ code: 'wasm/duplicate-section' });
    expect(rejected(walkModule(moduleOf([42, [0]])))).toMatchObject({ code: 'wasm/unknown-section', offset: 8 });
    expect(rejected(walkModule(moduleOf([1, [0, 0]])))).toMatchObject({ code: 'wasm/section-size-mismatch', offset: 11 });
  });

  test('count mismatches between sections', () => {
    expect(rejected(walkModule(moduleOf([1, [1, 0x60, 0, 0]], [3, [1, 0]])))).toMatchObject({ code: 'wasm/count-mismatch' });
    const dataCount = moduleOf([5, [1, 0, 1]], [12, [2]], [11, [1, 1, 0]]);
    expect(rejected(walkModule(dataCount))).toMatchObject({ code: 'wasm/count-mismatch' });
  });

  test('indices past their index space', () => {
    expect(rejected(walkModule(withBody([0x10, 0x05, 0x0b])))).toMatchObject({ code: 'wasm/index-out-of-range' });
    expect(rejected(walkModule(withBody([0x20, 0x00, 0x1a, 0x0b])))).toMatchObject({ code: 'wasm/index-out-of-range' });
    expect(rejected(walkModule(withBody([0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x0b])))).toMatchObject({ code: 'wasm/index-out-of-range' });
    expect(rejected(walkModule(withBody([0xfc, 0x09, 0x00, 0x0b], [[5, [1, 0, 1]]])))).toMatchObject({ code: 'wasm/missing-data-count' });
  });

  test('errors render as Diagnostics with the byte offset', () => {
    const e = rejected(walkModule(withBody([0x01, 0xff, 0x0b])));
    const d = wasmErrorToDiagnostic(e, 'plugin.wasm');
    expect(d).toMatchObject({ code: 'wasm/unknown-opcode', severity: 'error', span: { file: 'plugin.wasm', byteOffset: e.offset } });
    expect(d.message).toMatch(/in function 0/);
  });

  test('the rebuild and the reader throw only WasmError on the same inputs', () => {
    for (let n = 8; n < SAMPLE.length; n += 3) {
      const cut = SAMPLE.subarray(0, n);
      try {
        rebuildModule(cut);
      } catch (e) {
        expect(e).toBeInstanceOf(WasmError);
      }
      try {
        const m = new ModuleReader(cut);
        m.imports();
        m.exports();
        m.data();
      } catch (e) {
        expect(e).toBeInstanceOf(WasmError);
      }
    }
  });
});
