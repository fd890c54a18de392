// The part of a module that its JavaScript users see: imports and exports with their types, and
// the debug names of exported functions' parameters when the name section carries them. Read with
// @wsbc/wasm's reader; a malformed module becomes a diagnostic with its byte offset.
import type { Diagnostic, Result } from '@wsbc/diagnostics';
import {
  SectionId,
  WasmError,
  catchWasmError,
  readExportSection,
  readFunctionSection,
  readGlobalSection,
  readImportSection,
  readNameSection,
  readTypeSection,
  sections,
  valTypeName,
  wasmErrorToDiagnostic,
  type CompositeType,
  type Export,
  type ExternalKind,
  type GlobalType,
} from '@wsbc/wasm';

export interface FuncSignature {
  params: string[];
  results: string[];
  /** Parameter names from the name section, when present and valid identifiers. */
  paramNames?: Array<string | undefined>;
}

export type ItemType =
  | { kind: 'func'; signature: FuncSignature | undefined }
  | { kind: 'global'; type: string; mutable: boolean }
  | { kind: 'memory' }
  | { kind: 'table' }
  | { kind: 'tag' };

export interface ModuleInterface {
  imports: Array<{ module: string; name: string; type: ItemType }>;
  exports: Array<{ name: string; type: ItemType }>;
}

export function readModuleInterface(bytes: Uint8Array, file = 'module.wasm'): Result<ModuleInterface> {
  const read = catchWasmError(() => readInterface(bytes));
  if (!read.ok) return { ok: false, diagnostics: [wasmErrorToDiagnostic(read.error, file)] };
  return { ok: true, value: read.value, diagnostics: [] };
}

function readInterface(bytes: Uint8Array): ModuleInterface {
  const types: Array<CompositeType | undefined> = [];
  const funcTypeIndices: number[] = [];
  const globalTypes: GlobalType[] = [];
  const kindCounts: Record<ExternalKind, number> = { func: 0, table: 0, memory: 0, global: 0, tag: 0 };
  const imports: ModuleInterface['imports'] = [];
  let exportsRaw: Export[] = [];
  let functionNames: Map<number, Map<number, string>> | undefined;

  const signatureOf = (typeIndex: number): FuncSignature | undefined => {
    const t = types[typeIndex];
    if (!t || t.kind !== 'func') return undefined;
    return { params: t.params.map(valTypeName), results: t.results.map(valTypeName) };
  };

  for (const section of sections(bytes)) {
    switch (section.id) {
      case SectionId.type:
        for (const group of readTypeSection(bytes, section)) for (const sub of group.types) types.push(sub.composite);
        break;
      case SectionId.import:
        for (const entry of readImportSection(bytes, section)) {
          const desc = entry.desc;
          kindCounts[desc.kind]++;
          if (desc.kind === 'func') funcTypeIndices.push(desc.typeIndex);
          if (desc.kind === 'global') globalTypes.push(desc.global);
          const type: ItemType =
            desc.kind === 'func'
              ? { kind: 'func', signature: signatureOf(desc.typeIndex) }
              : desc.kind === 'global'
                ? { kind: 'global', type: valTypeName(desc.global.type), mutable: desc.global.mutable }
                : { kind: desc.kind };
          imports.push({ module: entry.module, name: entry.name, type });
        }
        break;
      case SectionId.function:
        // One at a time: a valid module may define hundreds of thousands of functions, too many
        // to spread into one push() call.
        for (const typeIndex of readFunctionSection(bytes, section)) funcTypeIndices.push(typeIndex);
        break;
      case SectionId.global:
        for (const g of readGlobalSection(bytes, section)) globalTypes.push(g.type);
        break;
      case SectionId.export:
        exportsRaw = readExportSection(bytes, section);
        break;
      case SectionId.custom:
        if (section.name === 'name') {
          // Debug names are a convenience: a broken name section must not stop type generation.
          const names = catchWasmError(() => readNameSection(bytes, section.contentStart!, section.end));
          if (names.ok) functionNames = names.value.locals;
        }
        break;
      default:
        break;
    }
  }

  // Engines reject a module with two exports of one name, and the declarations of both would
  // merge into one member that describes neither.
  const exportNames = new Set<string>();
  for (const e of exportsRaw) {
    if (exportNames.has(e.name)) throw new WasmError('wasm/duplicate-export', `duplicate export name ${JSON.stringify(e.name)}`, e.offset);
    exportNames.add(e.name);
  }

  const exports = exportsRaw.map((e): ModuleInterface['exports'][number] => {
    switch (e.kind) {
      case 'func': {
        const typeIndex = funcTypeIndices[e.index];
        const signature = typeIndex === undefined ? undefined : signatureOf(typeIndex);
        const locals = functionNames?.get(e.index);
        if (signature && locals) signature.paramNames = signature.params.map((_, i) => locals.get(i));
        return { name: e.name, type: { kind: 'func', signature } };
      }
      case 'global': {
        const g = globalTypes[e.index];
        return { name: e.name, type: g ? { kind: 'global', type: valTypeName(g.type), mutable: g.mutable } : { kind: 'global', type: 'unknown', mutable: false } };
      }
      default:
        return { name: e.name, type: { kind: e.kind } };
    }
  });
  return { imports, exports };
}

export type { Diagnostic };
