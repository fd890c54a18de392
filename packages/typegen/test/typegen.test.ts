// Type generation end to end: the declarations for a module with every kind of export are
// printed, type-checked with the TypeScript compiler API together with code that uses them (and
// code that misuses them, which must fail), and the generated loader really instantiates the module.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { assembleWat } from '@wsbc/testkit';
import { describe, expect, it } from 'vitest';
import { generateTypes } from '../src/index.js';
import { compilerOptions, generate as generateFor } from './helpers.js';

function wat(source: string): Uint8Array {
  return assembleWat(source, { names: true });
}

const sample = wat(`(module
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "now" (func $now (result f64)))
  (import "host-fns" "seed" (global $seed i64))
  (memory (export "memory") 1)
  (table (export "table") 1 funcref)
  (global $count (export "count") (mut i32) (i32.const 0))
  (func (export "add") (param $left i32) (param $right i32) (result i32)
    local.get $left local.get $right i32.add)
  (func (export "wide") (param i64) (result i64) local.get 0)
  (func (export "pair") (result i32 f64) i32.const 1 f64.const 2.5)
  (func (export "kebab-name") (param $default f32))
  (func (export "identity") (param funcref) (result externref) ref.null extern)
  (func (export "bump") global.get $count i32.const 1 i32.add global.set $count))`);

function generate(bytes = sample) {
  return generateFor(bytes, 'sample.wasm');
}

/**
 * Writes the generated files and the consumers, and type-checks them together with the compiler
 * API (one program: checking the DOM lib dominates the cost). Returns each consumer's errors.
 */
function typeCheck(consumers: Record<string, string>): Record<string, string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wsbc-typegen-'));
  const generated = generate();
  writeFileSync(join(dir, 'sample.d.ts'), generated.declarations);
  writeFileSync(join(dir, 'sample.js'), generated.loader);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  for (const [name, code] of Object.entries(consumers)) writeFileSync(join(dir, `${name}.ts`), code);
  const program = ts.createProgram(Object.keys(consumers).map((name) => join(dir, `${name}.ts`)), compilerOptions);
  const out: Record<string, string[]> = Object.fromEntries(Object.keys(consumers).map((name) => [name, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const name = d.file ? d.file.fileName.slice(dir.length + 1).replace(/\.ts$/, '') : 'global';
    (out[name] ??= []).push(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }
  return out;
}

const correctUse = `import { instantiate, moduleUrl, type Exports, type Imports } from './sample.js';
const imports: Imports = {
  env: { log: (ptr: number, len: number) => { void ptr; void len; }, now: () => Date.now() },
  'host-fns': { seed: new WebAssembly.Global({ value: 'i64' }, 1n) },
};
const { exports } = await instantiate(imports);
const sum: number = exports.add(1, 2);
const big: bigint = exports.wide(5n);
const [a, b]: [number, number] = exports.pair();
exports['kebab-name'](1.5);
exports.bump();
const pages: number = exports.memory.buffer.byteLength / 65536;
const e: Exports = exports;
const url: URL = moduleUrl;
void [sum, big, a, b, pages, e, url];
export {};
`;

const misuse = `import { instantiate } from './sample.js';
const { exports } = await instantiate({ env: { log: () => {}, now: () => 0 }, 'host-fns': { seed: new WebAssembly.Global({ value: 'i64' }, 1n) } });
exports.add('1', 2);
exports.wide(5);
const s: string = exports.add(1, 2);
exports.missing();
await instantiate();
void s;
export {};
`;

let checked: Record<string, string[]> | undefined;
const checkedOnce = () => (checked ??= typeCheck({ correctUse, misuse }));

describe('generateTypes', () => {
  it('prints declarations for every kind of export and import', () => {
    const { declarations } = generate();
    expect(declarations).toContain('add(left: number, right: number): number;');
    expect(declarations).toContain('wide(p0: bigint): bigint;');
    expect(declarations).toContain('pair(): [\n        number,\n        number\n    ];');
    expect(declarations).toContain('"kebab-name"(p0: number): void;');
    expect(declarations).toContain('identity(p0: Function | null): unknown;');
    expect(declarations).toContain('readonly memory: WebAssembly.Memory;');
    expect(declarations).toContain('readonly count: WebAssembly.Global;');
    expect(declarations).toContain('"host-fns": {');
    expect(declarations).toMatch(/sha256 [0-9a-f]{64}/);
  });

  it('produces declarations that type-check with code using them correctly', () => {
    const problems = checkedOnce();
    expect(problems.global ?? []).toEqual([]);
    expect(problems.correctUse).toEqual([]);
  });

  it('produces declarations that reject misuse', () => {
    const problems = checkedOnce().misuse!;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/'missing' does not exist/);
  });

  it('makes imports optional for a module without imports, and its loader instantiates the module', async () => {
    const bytes = wat('(module (func (export "answer") (result i32) i32.const 42))');
    const result = generateTypes(bytes, { wasmFileName: 'answer.wasm' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.declarations).toContain('instantiate(imports?: Imports');
    const dir = mkdtempSync(join(tmpdir(), 'wsbc-typegen-'));
    writeFileSync(join(dir, 'answer.wasm'), bytes);
    writeFileSync(join(dir, 'answer.mjs'), result.value.loader);
    const loader = (await import(pathToFileURL(join(dir, 'answer.mjs')).href)) as { instantiate: () => Promise<{ exports: { answer(): number } }> };
    expect((await loader.instantiate()).exports.answer()).toBe(42);
  });

  it('reports a malformed module with its byte offset instead of throwing', () => {
    const result = generateTypes(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 7, 0x05, 1]), { wasmFileName: 'bad.wasm' });
    expect(result.ok).toBe(false);
    expect(result.diagnostics[0]).toMatchObject({ code: 'wasm/length-out-of-bounds', severity: 'error', span: { file: 'bad.wasm' } });
  });

  it('keeps hostile export and import names inside string literals', () => {
    const hostile = '*/ export declare const pwned: 1; /*\n"`${x}';
    const bytes = wat(`(module
      (import "evil\\"module" "x*/y" (func))
      (func (export ${JSON.stringify(hostile)}) (param i32))
      (func (export "constructor"))
      (func (export "__proto__")))`);
    const result = generateTypes(bytes, { wasmFileName: 'evil.wasm' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const text = result.value.declarations;
    const file = ts.createSourceFile('evil.d.ts', text, ts.ScriptTarget.ES2022, true);
    const statements = file.statements.map((st) => (ts.isInterfaceDeclaration(st) || ts.isFunctionDeclaration(st) ? st.name?.text : ts.isVariableStatement(st) ? 'moduleUrl' : '?'));
    expect(statements).toEqual(['Exports', 'Imports', 'moduleUrl', 'instantiate']);
    const exportsInterface = file.statements[0] as ts.InterfaceDeclaration;
    const names = exportsInterface.members.map((m) => (m.name && (ts.isStringLiteral(m.name) || ts.isIdentifier(m.name)) ? m.name.text : '?'));
    expect(names).toEqual([hostile, 'constructor', '__proto__']);
  });
});
