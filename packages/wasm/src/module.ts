// ModuleReader: the convenient face of the lazy reader. Construction scans section headers only
// (one pass that skips payloads); each accessor decodes its section the first time it is called and
// memoizes the result. Function bodies stay lazy ranges. Accessors throw WasmError on malformed
// input; readModule() returns the reader or the error as a value.
import { catchWasmError, WasmError } from './errors.js';
import {
  SectionId,
  codeSection,
  readDataCountSection,
  readDataSection,
  readElementSection,
  readExportSection,
  readFunctionSection,
  readGlobalSection,
  readImportSection,
  readMemorySection,
  readStartSection,
  readTableSection,
  readTagSection,
  readTypeSection,
  sections,
  type FunctionBody,
  type SectionHeader,
} from './module-reader.js';
import { readNameSection, type NameSection } from './names.js';
import type { DataSegment, ElementSegment, Export, ExternalKind, Global, Import, MemoryType, RecGroup, SubType, Table, TagType } from './types.js';

export class ModuleReader {
  /** Every section header, in file order. */
  readonly sections: readonly SectionHeader[];
  private readonly byId = new Map<number, SectionHeader>();
  private memo = new Map<string, unknown>();

  constructor(readonly bytes: Uint8Array) {
    const list: SectionHeader[] = [];
    for (const s of sections(bytes)) {
      list.push(s);
      if (s.id !== SectionId.custom) this.byId.set(s.id, s);
    }
    this.sections = list;
  }

  section(id: number): SectionHeader | undefined {
    return this.byId.get(id);
  }

  customSections(name?: string): SectionHeader[] {
    return this.sections.filter((s) => s.id === SectionId.custom && (name === undefined || s.name === name));
  }

  /** Raw bytes of a section's payload (zero-copy). */
  payload(s: SectionHeader): Uint8Array {
    return this.bytes.subarray(s.payloadStart, s.end);
  }

  private cached<T>(key: string, read: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const v = read();
    this.memo.set(key, v);
    return v;
  }

  private list<T>(id: number, read: (b: Uint8Array, s: SectionHeader) => T[]): T[] {
    return this.cached(`s${id}`, () => {
      const s = this.byId.get(id);
      return s ? read(this.bytes, s) : [];
    });
  }

  recGroups(): RecGroup[] {
    return this.list(SectionId.type, readTypeSection);
  }

  /** The type index space, flattened out of recursion groups. */
  types(): SubType[] {
    return this.cached('types', () => this.recGroups().flatMap((g) => g.types));
  }

  imports(): Import[] {
    return this.list(SectionId.import, readImportSection);
  }

  /** Type index of each defined (non-imported) function. */
  functions(): number[] {
    return this.list(SectionId.function, readFunctionSection);
  }

  tables(): Table[] {
    return this.list(SectionId.table, readTableSection);
  }

  memories(): MemoryType[] {
    return this.list(SectionId.memory, readMemorySection);
  }

  globals(): Global[] {
    return this.list(SectionId.global, readGlobalSection);
  }

  exports(): Export[] {
    return this.list(SectionId.export, readExportSection);
  }

  start(): number | undefined {
    const s = this.byId.get(SectionId.start);
    return s ? this.cached('start', () => readStartSection(this.bytes, s)) : undefined;
  }

  elements(): ElementSegment[] {
    return this.list(SectionId.element, readElementSection);
  }

  dataCount(): number | undefined {
    const s = this.byId.get(SectionId.dataCount);
    return s ? this.cached('datacount', () => readDataCountSection(this.bytes, s)) : undefined;
  }

  data(): DataSegment[] {
    return this.list(SectionId.data, readDataSection);
  }

  tags(): TagType[] {
    return this.list(SectionId.tag, readTagSection);
  }

  /** How many imports of a kind precede the module's own definitions in that index space. */
  importedCount(kind: ExternalKind): number {
    return this.cached(`imported-${kind}`, () => this.imports().filter((i) => i.desc.kind === kind).length);
  }

  /** Function bodies, lazily, as byte ranges (function indices count imported functions first). */
  functionBodies(): Generator<FunctionBody> {
    const s = this.byId.get(SectionId.code);
    if (!s) return (function* () {})();
    return codeSection(this.bytes, s, this.importedCount('func'));
  }

  /** The `name` section, parsed on demand; undefined when absent. Throws WasmError if malformed. */
  names(): NameSection | undefined {
    return this.cached('names', () => {
      const s = this.customSections('name')[0];
      return s ? readNameSection(this.bytes, s.contentStart!, s.end) : undefined;
    });
  }
}

/** Opens a module, scanning its section headers. Malformed headers come back as a WasmError value. */
export function readModule(bytes: Uint8Array): { ok: true; module: ModuleReader } | { ok: false; error: WasmError } {
  const r = catchWasmError(() => new ModuleReader(bytes));
  return r.ok ? { ok: true, module: r.value } : r;
}
