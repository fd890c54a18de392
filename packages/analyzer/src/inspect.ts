// inspectModule: the summary a person asks for before trusting a module: what it imports (and
// what each import would need from a policy), what it exports (with function types), its
// memories, tables, globals, start function, custom sections, section sizes, and the WebAssembly
// features it uses. Features come from @wsbc/wasm's structural walk, which decodes every function
// body with the opcode table (no per-instruction allocation), plus what declarations reveal
// (shared or 64-bit memories, several memories).
import type { Diagnostic } from '@wsbc/diagnostics';
import { FEATURES, walkModule, type Feature } from '@wsbc/wasm/reader';
import type { Capability } from './capabilities.js';
import { classifyImport } from './classify.js';
import type { ExportFact, FuncTypeFact, GlobalFact, ImportFact, MemoryFact, ModuleFacts, SectionFact, TableFact } from './module-facts.js';
import { readModuleFacts, unreadableModuleDiagnostic } from './read-module.js';
import { formatSignature } from './wasi-table.js';

export interface InspectedImport {
  module: string;
  name: string;
  kind: ImportFact['desc']['kind'];
  /** Function (or tag) type, `(func (param i32) (result i32))` style; null for other kinds. */
  type: string | null;
  /** How the analyzer classifies it: WASI, an extension, a host import, ... */
  class: 'wasi' | 'wasix' | 'unknown-wasi' | 'component-model' | 'reserved' | 'host';
  /** Capabilities a policy must grant for it (empty for host imports: they need an `imports` grant). */
  needs: Capability[];
  offset: number;
}

export interface InspectedExport {
  name: string;
  kind: ExportFact['kind'];
  index: number;
  type: string | null;
  offset: number;
}

export interface ModuleInspection {
  file: string;
  byteLength: number;
  imports: InspectedImport[];
  exports: InspectedExport[];
  memories: MemoryFact[];
  tables: TableFact[];
  globals: GlobalFact[];
  functions: { imported: number; defined: number };
  start: number | null;
  customSections: Array<{ name: string; offset: number; size: number }>;
  /** Every section in file order with its total size (header included). */
  sections: SectionFact[];
  /** Features used, in the order of @wsbc/wasm's FEATURES (`mvp` first). */
  features: Feature[];
  /** Instructions in all function bodies. */
  instructionCount: number;
}

export type InspectResult = { ok: true; inspection: ModuleInspection } | { ok: false; diagnostics: Diagnostic[] };

export function inspectModule(bytes: Uint8Array, options: { file?: string } = {}): InspectResult {
  const file = options.file ?? 'module.wasm';
  const read = readModuleFacts(bytes);
  if (!read.ok) return { ok: false, diagnostics: [unreadableModuleDiagnostic(read, file)] };
  const walked = walkFeatures(read.facts, bytes);
  if (!walked.ok) return { ok: false, diagnostics: [unreadableModuleDiagnostic({ ...walked, componentBinary: false }, file)] };
  const facts = read.facts;
  return {
    ok: true,
    inspection: {
      file,
      byteLength: facts.byteLength,
      imports: facts.imports.map(inspectImport),
      exports: facts.exports.map((e) => ({ name: e.name, kind: e.kind, index: e.index, type: e.type ? formatFuncType(e.type) : null, offset: e.offset })),
      memories: facts.memories,
      tables: facts.tables,
      globals: facts.globals,
      functions: { imported: facts.importedFunctionCount, defined: facts.definedFunctionCount },
      start: facts.start?.functionIndex ?? null,
      customSections: facts.sections.filter((s) => s.custom).map((s) => ({ name: s.name, offset: s.offset, size: s.size })),
      sections: facts.sections,
      features: walked.features,
      instructionCount: walked.instructions,
    },
  };
}

function inspectImport(imp: ImportFact): InspectedImport {
  const cls = classifyImport(imp.module, imp.name);
  const type = imp.desc.kind === 'func' || imp.desc.kind === 'tag' ? (imp.desc.type ? formatFuncType(imp.desc.type) : null) : null;
  const needs = cls.kind === 'wasi' || cls.kind === 'wasix' ? [...cls.needs] : [];
  return { module: imp.module, name: imp.name, kind: imp.desc.kind, type, class: cls.kind, needs, offset: imp.offset };
}

export function formatFuncType(type: FuncTypeFact): string {
  return formatSignature(type);
}

type FeatureWalk = { ok: true; features: Feature[]; instructions: number } | { ok: false; message: string; offset: number; code: string };

/**
 * The structural walk of @wsbc/wasm (every instruction decoded and its immediates checked, features
 * collected from the opcode table) with Wasm 3.0 rules, so multi-memory and extended-const modules
 * are read; plus the few features inspection also reports from declarations.
 */
function walkFeatures(facts: ModuleFacts, bytes: Uint8Array): FeatureWalk {
  const walked = walkModule(bytes, { wasm3: true });
  if (!walked.ok) {
    const where = walked.error.functionIndex === undefined ? '' : ` (in function ${walked.error.functionIndex})`;
    return { ok: false, message: `${walked.error.message}${where}`, offset: walked.error.offset, code: walked.error.code };
  }
  const seen = new Set<Feature>(walked.summary.features);
  seen.add('mvp');
  if (facts.memories.some((m) => m.shared)) seen.add('threads');
  if (facts.memories.some((m) => m.memory64) || facts.tables.some((t) => t.table64)) seen.add('memory64');
  if (facts.memories.length > 1) seen.add('multi-memory');
  return { ok: true, features: FEATURES.filter((f) => seen.has(f)), instructions: walked.summary.instructions };
}
