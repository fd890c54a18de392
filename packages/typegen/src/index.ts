// @wsbc/typegen: TypeScript declarations for a wasm module's imports and exports and a typed
// loader (`wsbc types module.wasm -o module.d.ts`). Declarations are built with the TypeScript
// compiler API; the loader is a fixed ES module that reads the .wasm file next to it.
import { createHash } from 'node:crypto';
import type { Result } from '@wsbc/diagnostics';
import { printDeclarations } from './declarations.js';
import { printLoader } from './loader.js';
import { readModuleInterface, type ModuleInterface } from './module-interface.js';

export interface GenerateTypesOptions {
  /** Name of the module file as the loader will find it (next to the loader), e.g. `module.wasm`. */
  wasmFileName: string;
  /** File name used in diagnostics and the header comment (default: wasmFileName). */
  file?: string;
}

export interface GeneratedTypes {
  /** The `.d.ts` text. */
  declarations: string;
  /** The loader `.js` text the declarations describe. */
  loader: string;
  interface: ModuleInterface;
}

export function generateTypes(bytes: Uint8Array, options: GenerateTypesOptions): Result<GeneratedTypes> {
  const file = options.file ?? options.wasmFileName;
  const read = readModuleInterface(bytes, file);
  if (!read.ok) return read;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    ok: true,
    value: {
      declarations: printDeclarations(read.value, { source: options.wasmFileName, sha256 }),
      loader: printLoader(options.wasmFileName, options.wasmFileName),
      interface: read.value,
    },
    diagnostics: [],
  };
}

export { printDeclarations, type DeclarationOptions } from './declarations.js';
export { printLoader } from './loader.js';
export { readModuleInterface, type FuncSignature, type ItemType, type ModuleInterface } from './module-interface.js';
