// What the runtime must see of a wasm binary before it instantiates: imports (to decide which to
// provide), memories and tables (to apply the memory and table limits). Read with the shared
// binary layer (@wsbc/wasm); the shape is plain data so it can be posted to the guest's worker.
// Memory maxima are tightened in the binary itself (through the re-encoder, which copies every
// other section as is) so that `memory.grow` past the policy's max pages fails in the engine
// (returns -1), whether or not the module was instrumented. Malformed input is a typed error
// with a byte offset, never another exception.
import { reencode } from '@wsbc/wasm';
import { ModuleReader, SectionId, WasmError, valTypeName, type MemoryType } from '@wsbc/wasm/reader';
import { THREAD_START_EXPORT } from './thread-start.js';

export interface Limits {
  min: number;
  max: number | null;
  shared: boolean;
  memory64: boolean;
}

export interface ImportEntry {
  module: string;
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global' | 'tag';
  memory?: Limits;
  /** A function import's type (value type names), absent when its type index is not a function type. */
  type?: { params: string[]; results: string[] };
}

export interface ModuleShape {
  imports: ImportEntry[];
  /** Memories defined by the module (not imported). */
  memories: Limits[];
  /** Tables defined plus imported. */
  tableCount: number;
  exports: Array<{ name: string; kind: number }>;
  customSections: string[];
  /**
   * Type of the function export `wasi_thread_start` (wasi-threads' entry point, which must be
   * `(i32, i32) -> ()`), written as `(i32, i32) -> ()`; absent when there is no such export.
   */
  threadStartType?: string;
}

export class ModuleFormatError extends Error {
  constructor(message: string, readonly byteOffset: number) {
    super(message);
  }
}

/** Export kinds by their binary code, as the shape has always reported them. */
const KIND_CODE = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;

function limitsOf(memory: MemoryType): Limits {
  return { min: memory.limits.min, max: memory.limits.max ?? null, shared: memory.shared, memory64: memory.memory64 };
}

/** Runs a read of the binary layer, turning its typed error into the runtime's. */
function reading<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof WasmError) throw new ModuleFormatError(error.message, error.offset);
    throw error;
  }
}

export function readModuleShape(bytes: Uint8Array): ModuleShape {
  return reading(() => {
    const m = new ModuleReader(bytes);
    const types = m.types();
    const imports: ImportEntry[] = m.imports().map(({ module, name, desc }): ImportEntry => {
      if (desc.kind === 'memory') return { module, name, kind: 'memory', memory: limitsOf(desc.memory) };
      if (desc.kind !== 'func') return { module, name, kind: desc.kind };
      const composite = types[desc.typeIndex]?.composite;
      if (composite?.kind !== 'func') return { module, name, kind: 'func' };
      return { module, name, kind: 'func', type: { params: composite.params.map(valTypeName), results: composite.results.map(valTypeName) } };
    });
    const exports = m.exports();
    const threadStart = exports.find((e) => e.kind === 'func' && e.name === THREAD_START_EXPORT);
    return {
      imports,
      memories: m.memories().map(limitsOf),
      tableCount: imports.filter((i) => i.kind === 'table').length + m.tables().length,
      exports: exports.map((e) => ({ name: e.name, kind: KIND_CODE[e.kind] })),
      customSections: m.customSections().map((s) => s.name ?? ''),
      ...(threadStart ? { threadStartType: functionTypeText(m, threadStart.index) } : {}),
    };
  });
}

/** The type of function `index` (imports first), as `(i32, i32) -> ()`. */
function functionTypeText(m: ModuleReader, index: number): string {
  const imported = m.imports().filter((i) => i.desc.kind === 'func');
  const typeIndex = index < imported.length
    ? (imported[index]!.desc as { typeIndex: number }).typeIndex
    : m.functions()[index - imported.length];
  const composite = typeIndex === undefined ? undefined : m.types()[typeIndex]?.composite;
  if (composite?.kind !== 'func') return 'not a function type';
  return `(${composite.params.map(valTypeName).join(', ')}) -> (${composite.results.map(valTypeName).join(', ')})`;
}

/**
 * Returns the module with every defined 32-bit memory's maximum lowered to `maxPages` (added
 * when absent). Imported memories are bounded by the memory object the runtime provides.
 */
export function tightenMemoryMaxima(bytes: Uint8Array, maxPages: number): Uint8Array {
  return reading(() => {
    const m = new ModuleReader(bytes);
    if (!m.section(SectionId.memory)) return bytes;
    const memories = m.memories();
    // memory64 is refused by the engine on Node 20; leave such a module untouched.
    if (memories.some((memory) => memory.memory64)) return bytes;
    // Already within the limit (an instrumented artifact's maxima were tightened when it was
    // built): no copy of the module.
    if (memories.every((memory) => memory.limits.max !== undefined && memory.limits.max <= maxPages)) return bytes;
    return reencode(bytes, {
      memories: (memories) =>
        memories.map((memory) => ({
          ...memory,
          limits: { ...memory.limits, flags: memory.limits.flags | 0x01, max: Math.min(memory.limits.max ?? maxPages, maxPages) },
        })),
    });
  });
}
