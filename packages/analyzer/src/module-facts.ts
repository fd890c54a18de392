// What the checker, the inspector and the policy inference need to know about a module, in one
// plain shape with byte offsets. It is filled by read-module.ts from @wsbc/wasm's reader, so the
// rules never depend on how the binary is decoded.

export type ValTypeName = string;

export interface FuncTypeFact {
  params: ValTypeName[];
  results: ValTypeName[];
}

export interface LimitsFact {
  /** Initial size (pages for memories, elements for tables). */
  min: number;
  /** Declared maximum, or null when absent. */
  max: number | null;
}

export interface MemoryFact extends LimitsFact {
  /** Index in the module's memory index space (imports first). */
  index: number;
  shared: boolean;
  memory64: boolean;
  /** Set when the memory is imported. */
  import?: { module: string; name: string };
  /** Byte offset of the memory's declaration (its import entry, or its memory-section entry). */
  offset: number;
}

export interface TableFact extends LimitsFact {
  index: number;
  elementType: string;
  table64: boolean;
  import?: { module: string; name: string };
  offset: number;
}

export type ImportDescFact =
  | { kind: 'func'; typeIndex: number; type: FuncTypeFact | undefined }
  | { kind: 'table'; table: TableFact }
  | { kind: 'memory'; memory: MemoryFact }
  | { kind: 'global'; valType: ValTypeName; mutable: boolean }
  | { kind: 'tag'; typeIndex: number; type: FuncTypeFact | undefined };

export interface ImportFact {
  module: string;
  name: string;
  desc: ImportDescFact;
  /** Byte offset of the import entry (its module name's length prefix) and its length. */
  offset: number;
  length: number;
}

export interface ExportFact {
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global' | 'tag';
  index: number;
  /** Function type for function exports. */
  type?: FuncTypeFact | undefined;
  offset: number;
}

export interface GlobalFact {
  index: number;
  valType: ValTypeName;
  mutable: boolean;
  import?: { module: string; name: string };
  offset: number;
}

export interface SectionFact {
  /** Section id (0 = custom). */
  id: number;
  /** Section name (`type`, `import`, ..., or the custom section's own name). */
  name: string;
  custom: boolean;
  /** Offset of the section's id byte, and the whole section's size including its header. */
  offset: number;
  size: number;
}

export interface ModuleFacts {
  byteLength: number;
  imports: ImportFact[];
  exports: ExportFact[];
  memories: MemoryFact[];
  tables: TableFact[];
  globals: GlobalFact[];
  /** Number of functions: imported and defined. */
  importedFunctionCount: number;
  definedFunctionCount: number;
  start: { functionIndex: number; offset: number } | null;
  sections: SectionFact[];
}
