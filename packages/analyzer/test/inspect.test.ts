// inspectModule: imports with their classification and needs, exports with function types,
// memories/tables/globals, custom sections, section sizes and the features a walk finds.
import { describe, expect, it } from 'vitest';
import { inspectModule } from '../src/index.js';
import { fixture, wat } from './helpers.js';

describe('inspectModule', () => {
  it('describes imports, exports, memories and tables', async () => {
    const result = inspectModule(await fixture('everything'), { file: 'everything.wasm' });
    if (!result.ok) throw new Error('expected ok');
    const i = result.inspection;
    expect(i.imports[0]).toMatchObject({ module: 'wasi_snapshot_preview1', name: 'fd_write', kind: 'func', class: 'wasi', needs: [], type: '(func (param i32 i32 i32 i32) (result i32))' });
    expect(i.imports.find((x) => x.name === 'path_open')).toMatchObject({ needs: ['filesystem.any'] });
    expect(i.imports.find((x) => x.name === 'log')).toMatchObject({ class: 'host', module: 'env' });
    expect(i.imports.find((x) => x.name === 'table')).toMatchObject({ kind: 'table', type: null });
    expect(i.exports).toEqual([
      expect.objectContaining({ name: 'memory', kind: 'memory', type: null }),
      expect.objectContaining({ name: '_start', kind: 'func', type: '(func)' }),
    ]);
    expect(i.memories).toEqual([expect.objectContaining({ index: 0, min: 200, max: 300, shared: true, memory64: false })]);
    expect(i.tables.map((t) => [t.index, t.min, t.import?.name ?? null])).toEqual([[0, 4, 'table'], [1, 1, null]]);
    expect(i.functions).toEqual({ imported: 16, defined: 1 });
    expect(i.features).toEqual(['mvp', 'reference-types', 'threads']);
  });

  it('sums section sizes to the file size', async () => {
    const bytes = await fixture('hello-stdio');
    const result = inspectModule(bytes);
    if (!result.ok) throw new Error('expected ok');
    const total = result.inspection.sections.reduce((n, s) => n + s.size, 0);
    expect(total + 8).toBe(bytes.length);
    expect(result.inspection.sections.map((s) => s.name)).toEqual(['type', 'import', 'function', 'memory', 'export', 'code', 'data']);
  });

  it('finds post-MVP features from the opcode table', async () => {
    const bytes = await wat(`(module
      (memory 1)
      (func (param i32) (result i32) (i32.extend8_s (local.get 0)))
      (func (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
      (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 1)))
      (func (result v128) (v128.const i32x4 1 2 3 4))
      (func (param i32) (result i32) (return_call 0 (local.get 0))))`);
    const result = inspectModule(bytes);
    if (!result.ok) throw new Error('expected ok');
    expect(result.inspection.features).toEqual(['mvp', 'sign-extension', 'saturating-conversions', 'bulk-memory', 'simd', 'tail-calls']);
    expect(result.inspection.instructionCount).toBeGreaterThan(10);
  });

  it('lists custom sections', async () => {
    const base = await wat('(module)');
    // Append a custom section "producers-like" with 3 content bytes.
    const name = new TextEncoder().encode('meta');
    const custom = new Uint8Array([0, 1 + name.length + 3, name.length, ...name, 1, 2, 3]);
    const bytes = new Uint8Array([...base, ...custom]);
    const result = inspectModule(bytes);
    if (!result.ok) throw new Error('expected ok');
    expect(result.inspection.customSections).toEqual([{ name: 'meta', offset: base.length, size: custom.length }]);
  });

  it('reports a malformed function body with its offset instead of throwing', async () => {
    const bytes = await wat('(module (func (nop)))');
    // The body is `size 0x02, locals 0x00, nop 0x01, end 0x0b`: turn the nop into an unknown opcode.
    const at = bytes.lastIndexOf(0x01);
    bytes[at] = 0xff;
    const result = inspectModule(bytes, { file: 'bad.wasm' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics[0]).toMatchObject({ code: 'check/malformed-module', span: { file: 'bad.wasm', byteOffset: at } });
  });
});
