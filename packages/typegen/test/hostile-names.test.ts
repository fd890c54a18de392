// A module and its file are untrusted: whatever its import and export names (any UTF-8) and
// whatever its file is called, the generated declarations must type-check and declare exactly the
// module's exports, and importing the generated loader must run nothing but the loader.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { assembleWat, bulkModule } from '@wsbc/testkit';
import { describe, expect, it } from 'vitest';
import { generateTypes, type GeneratedTypes } from '../src/index.js';
import { compilerOptions, generate as generateFor } from './helpers.js';

/** A WAT string literal holding exactly `text`: every byte outside printable ASCII as \hh. */
function watString(text: string): string {
  const bytes = [...new TextEncoder().encode(text)];
  return `"${bytes.map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString(16).padStart(2, '0')}`)).join('')}"`;
}

function generate(bytes: Uint8Array, wasmFileName = 'hostile.wasm'): GeneratedTypes {
  return generateFor(bytes, wasmFileName);
}

/** Type-checks the generated files with a consumer; returns every diagnostic, the .d.ts's included. */
function typeCheck(generated: GeneratedTypes, consumer: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-typegen-hostile-'));
  writeFileSync(join(dir, 'hostile.d.ts'), generated.declarations);
  writeFileSync(join(dir, 'hostile.js'), generated.loader);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  writeFileSync(join(dir, 'consumer.ts'), consumer);
  const program = ts.createProgram([join(dir, 'consumer.ts')], compilerOptions);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName.slice(dir.length + 1) ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** Writes the module at `wasmFileName` (relative to the loader) and the loader, and imports the loader. */
async function importLoader(bytes: Uint8Array, generated: GeneratedTypes, wasmFileName: string) {
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-typegen-hostile-'));
  mkdirSync(dirname(join(dir, wasmFileName)), { recursive: true });
  writeFileSync(join(dir, wasmFileName), bytes);
  writeFileSync(join(dir, 'hostile.mjs'), generated.loader);
  return (await import(pathToFileURL(join(dir, 'hostile.mjs')).href)) as { instantiate: (imports?: object) => Promise<{ exports: Record<string, () => number> }> };
}

const hostileNames = [
  'a"b',
  'a\\b',
  '*/ export declare const pwned: 1; /*',
  '// x',
  '`${globalThis.pwned = 1}`',
  'a\nb',
  'a\r\nb',
  'a\u2028b',
  'a\u2029b',
  'a\0b',
  'a\u202eb\u202c',
  '\u{1f600}',
  '\ufeffx',
  'x',
  'é',
  'e\u0301',
  '\x1b[31m',
  '',
  '__proto__',
  'constructor',
  'then',
  'toString',
  'new',
  'class',
  'this',
  'typeof',
  'get',
  'readonly',
  '0',
  '00',
  '1e3',
  '1000',
  '-1',
  'instance',
  'exports',
  'x'.repeat(10_000),
];

describe('hostile export names', () => {
  const bytes = assembleWat(`(module
    (func $f (result i32) i32.const 7)
    ${hostileNames.map((name) => `(export ${watString(name)} (func $f))`).join('\n    ')})`);

  it('declares exactly the names the engine exports, in order', () => {
    const { declarations } = generate(bytes);
    const file = ts.createSourceFile('hostile.d.ts', declarations, ts.ScriptTarget.ES2022, true);
    expect(file.statements).toHaveLength(4);
    const exportsInterface = file.statements[0] as ts.InterfaceDeclaration;
    const declared = exportsInterface.members.map((m) => (m.name && (ts.isStringLiteral(m.name) || ts.isIdentifier(m.name)) ? m.name.text : undefined));
    expect(declared).toEqual(WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name));
    expect(declared).toEqual(hostileNames);
  });

  it('type-checks each name as a distinct function, and the loader calls each', async () => {
    const generated = generate(bytes);
    const uses = hostileNames.map((name, i) => `const v${i}: number = exports[${JSON.stringify(name)}]();`).join('\n');
    const consumer = `import { instantiate } from './hostile.js';\nconst { exports } = await instantiate();\n${uses}\n// @ts-expect-error not exported\nexports.pwned;\nexport {};\n`;
    expect(typeCheck(generated, consumer)).toEqual([]);
    const { exports } = await (await importLoader(bytes, generated, 'hostile.wasm')).instantiate();
    for (const name of hostileNames) expect(Object.hasOwn(exports, name) && exports[name]!()).toBe(7);
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });
});

describe('duplicate names', () => {
  it('gives an import that the module imports twice with different types one member of both types', () => {
    const bytes = assembleWat(`(module
      (import "env" "f" (func (param i32)))
      (import "env" "f" (func (param i64)))
      (import "env" "g" (func (param i32)))
      (import "env" "g" (func (param i32)))
      (import "env" "v" (func))
      (import "env" "v" (global i32)))`);
    expect(WebAssembly.Module.imports(new WebAssembly.Module(bytes))).toHaveLength(6);
    const generated = generate(bytes);
    expect(generated.declarations).toContain('f: ((p0: number) => void) & ((p0: bigint) => void);');
    expect(generated.declarations).toContain('g: (p0: number) => void;');
    expect(generated.declarations).toContain('v: (() => void) & WebAssembly.Global;');
    const consumer = `import { instantiate } from './hostile.js';
await instantiate({ env: { f: (x: number | bigint) => void x, g: (x: number) => void x, v: Object.assign(() => {}, new WebAssembly.Global({ value: 'i32' })) } });
// @ts-expect-error f must also accept a bigint
await instantiate({ env: { f: (x: number) => void x, g: (x: number) => void x, v: Object.assign(() => {}, new WebAssembly.Global({ value: 'i32' })) } });
export {};
`;
    expect(typeCheck(generated, consumer)).toEqual([]);
  });

  it('reports two exports of one name (engines reject the module) instead of merging their declarations', () => {
    const bytes = assembleWat('(module (func (export "f") (param i32)) (global (export "f") i32 (i32.const 0)))');
    expect(() => new WebAssembly.Module(bytes)).toThrow(/Duplicate export/);
    const result = generateTypes(bytes, { wasmFileName: 'dup.wasm' });
    expect(result.ok).toBe(false);
    expect(result.diagnostics[0]).toMatchObject({ code: 'wasm/duplicate-export', severity: 'error', span: { file: 'dup.wasm' } });
  });
});

describe('hostile module file names', () => {
  const bytes = assembleWat('(module (func (export "answer") (result i32) i32.const 42))');

  it.each([
    ['a line feed', 'x\nglobalThis.pwnedLf = 1;//.wasm', 'pwnedLf'],
    ['a carriage return', 'x\rglobalThis.pwnedCr = 1;//.wasm', 'pwnedCr'],
    ['U+2028', 'x\u2028globalThis.pwnedLs = 1;//.wasm', 'pwnedLs'],
    ['U+2029', 'x\u2029globalThis.pwnedPs = 1;//.wasm', 'pwnedPs'],
  ])('keeps a file name with %s inside the loader comment and still loads the file', async (_, wasmFileName, flag) => {
    const generated = generate(bytes, wasmFileName);
    const loader = await importLoader(bytes, generated, wasmFileName);
    expect((globalThis as Record<string, unknown>)[flag]).toBeUndefined();
    expect((await loader.instantiate()).exports.answer!()).toBe(42);
  });

  it('keeps a file name with line terminators inside the declaration comments', () => {
    const generated = generate(bytes, 'x\nexport declare const pwned: 1;\u2028*/ declare const more: 2; /*.wasm');
    const file = ts.createSourceFile('hostile.d.ts', generated.declarations, ts.ScriptTarget.ES2022, true);
    expect(file.statements).toHaveLength(4);
    expect(typeCheck(generated, `import { instantiate } from './hostile.js';\nvoid instantiate;\nexport {};\n`)).toEqual([]);
  });

  it.each(['a#b.wasm', 'a?b.wasm', 'a%41.wasm', 'a%2fb.wasm', 'a\\b.wasm', 'sub dir/x#1.wasm', 'ünï.wasm'])('loads %j, not a file its name reads as a URL', async (wasmFileName) => {
    const loader = await importLoader(bytes, generate(bytes, wasmFileName), wasmFileName);
    expect((await loader.instantiate()).exports.answer!()).toBe(42);
  });
});

describe('large modules', () => {
  it('types a module of 300,000 functions (the function list was spread into one push call)', () => {
    const n = 300_000;
    const result = generateTypes(bulkModule({ functions: n, exports: [['last', n - 1]] }), { wasmFileName: 'big.wasm' });
    expect(result.ok, JSON.stringify(result.ok ? '' : result.diagnostics)).toBe(true);
    if (result.ok) expect(result.value.declarations).toContain('last(): void');
  });
});
