// Fills ModuleFacts from @wsbc/wasm's lazy reader. Only the sections the rules need are decoded
// (type, import, function, table, memory, global, export, start); the code section is framed
// (every body's size checked against the section, and the body count against the function
// section) but its instructions are not decoded, which keeps `check` far cheaper than validation.
// Section counts are checked against the JS API's limits, as engines do before anything else.
// Malformed input comes back as a value with the reader's byte offset.
import {
  ModuleReader,
  SectionId,
  SECTION_NAMES,
  WasmError,
  catchWasmError,
  checkSectionCounts,
  frameCodeSection,
  readMemoryType,
  sectionReader,
  valTypeName,
  type SubType,
} from '@wsbc/wasm/reader';
import type { Diagnostic } from '@wsbc/diagnostics';
import type { ExportFact, FuncTypeFact, ImportFact, MemoryFact, ModuleFacts, SectionFact, TableFact, GlobalFact } from './module-facts.js';

export type ReadFactsResult =
  | { ok: true; facts: ModuleFacts }
  | { ok: false; message: string; offset: number; code: string; componentBinary: boolean };

export function readModuleFacts(bytes: Uint8Array): ReadFactsResult {
  if (isComponentBinary(bytes)) {
    return { ok: false, message: 'the file is a WebAssembly component (layer 1), not a core module', offset: 4, code: 'wasm/bad-version', componentBinary: true };
  }
  const result = catchWasmError(() => collect(bytes));
  if (result.ok) return { ok: true, ...result.value };
  const e: WasmError = result.error;
  return { ok: false, message: e.message, offset: e.offset, code: e.code, componentBinary: false };
}

/** `\0asm` followed by a component-model version/layer word (layer 1). */
function isComponentBinary(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d && bytes[6] === 1 && bytes[7] === 0;
}

function funcType(types: SubType[], index: number): FuncTypeFact | undefined {
  const composite = types[index]?.composite;
  if (!composite || composite.kind !== 'func') return undefined;
  return { params: composite.params.map(valTypeName), results: composite.results.map(valTypeName) };
}

function collect(bytes: Uint8Array): { facts: ModuleFacts } {
  const reader = new ModuleReader(bytes);
  // Counts no engine accepts (150,000 exports) would otherwise pass `check` and fail every run.
  checkSectionCounts(reader);
  const types = reader.types();
  const rawImports = reader.imports();
  const importSection = reader.section(SectionId.import);

  const imports: ImportFact[] = [];
  const memories: MemoryFact[] = [];
  const tables: TableFact[] = [];
  const globals: GlobalFact[] = [];
  const funcTypeIndices: number[] = [];

  rawImports.forEach((imp, i) => {
    const next = rawImports[i + 1]?.offset ?? importSection!.end;
    const origin = { module: imp.module, name: imp.name };
    let desc: ImportFact['desc'];
    switch (imp.desc.kind) {
      case 'func':
        funcTypeIndices.push(imp.desc.typeIndex);
        desc = { kind: 'func', typeIndex: imp.desc.typeIndex, type: funcType(types, imp.desc.typeIndex) };
        break;
      case 'table': {
        const t = imp.desc.table;
        const table: TableFact = { index: tables.length, elementType: valTypeName(t.elementType), table64: t.table64, min: t.limits.min, max: t.limits.max ?? null, import: origin, offset: imp.offset };
        tables.push(table);
        desc = { kind: 'table', table };
        break;
      }
      case 'memory': {
        const m = imp.desc.memory;
        const memory: MemoryFact = { index: memories.length, min: m.limits.min, max: m.limits.max ?? null, shared: m.shared, memory64: m.memory64, import: origin, offset: imp.offset };
        memories.push(memory);
        desc = { kind: 'memory', memory };
        break;
      }
      case 'global':
        globals.push({ index: globals.length, valType: valTypeName(imp.desc.global.type), mutable: imp.desc.global.mutable, import: origin, offset: imp.offset });
        desc = { kind: 'global', valType: valTypeName(imp.desc.global.type), mutable: imp.desc.global.mutable };
        break;
      case 'tag':
        desc = { kind: 'tag', typeIndex: imp.desc.tag.typeIndex, type: funcType(types, imp.desc.tag.typeIndex) };
        break;
    }
    imports.push({ module: imp.module, name: imp.name, desc, offset: imp.offset, length: next - imp.offset });
  });
  const importedFunctionCount = funcTypeIndices.length;

  const defined = reader.functions();
  // One at a time: spreading a large list into push() overflows the call stack (a valid module
  // may define hundreds of thousands of functions).
  for (const typeIndex of defined) funcTypeIndices.push(typeIndex);

  for (const table of reader.tables()) {
    const t = table.type;
    tables.push({ index: tables.length, elementType: valTypeName(t.elementType), table64: t.table64, min: t.limits.min, max: t.limits.max ?? null, offset: table.offset });
  }

  // The wasm reader's memory list carries no offsets; re-read the (tiny) section with its own
  // primitives to learn where each entry starts.
  const memorySection = reader.section(SectionId.memory);
  if (memorySection) {
    const r = sectionReader(bytes, memorySection);
    const n = r.count('the memory section', 2);
    for (let i = 0; i < n; i++) {
      const offset = r.pos;
      const m = readMemoryType(r);
      memories.push({ index: memories.length, min: m.limits.min, max: m.limits.max ?? null, shared: m.shared, memory64: m.memory64, offset });
    }
  }

  for (const g of reader.globals()) globals.push({ index: globals.length, valType: valTypeName(g.type.type), mutable: g.type.mutable, offset: g.offset });

  const exports: ExportFact[] = reader.exports().map((e) => ({
    name: e.name,
    kind: e.kind,
    index: e.index,
    offset: e.offset,
    ...(e.kind === 'func' ? { type: funcTypeIndices[e.index] === undefined ? undefined : funcType(types, funcTypeIndices[e.index]!) } : {}),
  }));

  const startSection = reader.section(SectionId.start);
  const startIndex = reader.start();
  const start = startIndex === undefined || !startSection ? null : { functionIndex: startIndex, offset: startSection.start };

  // Frame the code section: sizes in bounds and one body per defined function.
  const codeSection = reader.section(SectionId.code);
  const bodies = codeSection ? frameCodeSection(bytes, codeSection) : 0;
  if (bodies !== defined.length) {
    throw new WasmError('wasm/count-mismatch', `the function section declares ${defined.length} functions but the code section has ${bodies} bodies`, codeSection?.start ?? bytes.length);
  }

  const sections: SectionFact[] = reader.sections.map((s) => ({
    id: s.id,
    name: s.id === SectionId.custom ? (s.name ?? '') : (SECTION_NAMES[s.id] ?? String(s.id)),
    custom: s.id === SectionId.custom,
    offset: s.start,
    size: s.end - s.start,
  }));

  return {
    facts: {
      byteLength: bytes.length,
      imports,
      exports,
      memories,
      tables,
      globals,
      importedFunctionCount,
      definedFunctionCount: defined.length,
      start,
      sections,
    },
  };
}

/** The one finding for a module that cannot be read: where reading stopped, and why. */
export function unreadableModuleDiagnostic(read: Extract<ReadFactsResult, { ok: false }>, file: string): Diagnostic {
  if (read.componentBinary) {
    return {
      code: 'check/component-binary',
      severity: 'error',
      message: 'this file is a WebAssembly component, not a core module',
      span: { file, byteOffset: read.offset },
      data: { module: null, name: null, capability: null, offset: read.offset, reason: read.message },
      help: 'wsbc checks and runs core modules (WASI preview1); build for wasm32-wasip1, or run the component with a component-model runtime',
    };
  }
  // Well-formed, but past a count every engine refuses (150,000 exports): not "malformed".
  const overLimit = read.code === 'wasm/too-many';
  return {
    code: 'check/malformed-module',
    severity: 'error',
    message: `${overLimit ? 'module past an engine limit' : 'malformed module'} at byte ${read.offset}: ${read.message}`,
    span: { file, byteOffset: read.offset },
    data: { module: null, name: null, capability: null, offset: read.offset, reason: read.message, wasmCode: read.code },
    ...(overLimit ? { help: 'V8 and the other engines refuse to compile such a module; split it, or build it with fewer of these' } : {}),
  };
}
