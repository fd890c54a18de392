// Shared by the type generation tests: generating for a module (failing the test on diagnostics)
// and the compiler options the generated declarations must type-check under.
import ts from 'typescript';
import { generateTypes, type GeneratedTypes } from '../src/index.js';

export function generate(bytes: Uint8Array, wasmFileName: string): GeneratedTypes {
  const result = generateTypes(bytes, { wasmFileName });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.value;
}

/** What a consumer of the generated files compiles with: strict, ES modules, the DOM's WebAssembly types. */
export const compilerOptions: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: [],
};
