// The re-encoder: rewrites a module through hooks that override only what a transformation changes.
//
// Guarantee: with no hooks, the output is the input, byte for byte (every section is copied raw).
// A section is decoded and re-encoded by the writer only when a typed hook for it is given; a
// function body is re-emitted instruction by instruction only when an instruction/locals hook is
// given, and every instruction the hook declines is copied as its original bytes. So a pass pays
// (in time and in byte changes) only for what it touches. Typed hooks for sections the module lacks
// are still called (with an empty value), so a pass can add a global or a memory to a module that
// had none; a non-empty result is inserted at the section's required position.
import { ByteWriter } from './binary-writer.js';
import { WasmError } from './errors.js';
import { ModuleReader } from './module.js';
import {
  SectionId,
  codeSection,
  readLocals,
  type FunctionBody,
  type SectionHeader,
} from './module-reader.js';
import { OperatorReader } from './operator-reader.js';
import {
  WASM_HEADER,
  writeCustomSection,
  writeDataCountPayload,
  writeDataPayload,
  writeElementPayload,
  writeExportPayload,
  writeFunctionPayload,
  writeGlobalPayload,
  writeImportPayload,
  writeLocals,
  writeMemoryPayload,
  writeStartPayload,
  writeTablePayload,
  writeTagPayload,
  writeTypePayload,
  type EncodedBody,
} from './section-writer.js';
import type { DataSegment, ElementSegment, Export, Global, Import, LocalDecl, MemoryType, RecGroup, Table, TagType } from './types.js';

export interface BodyContext {
  module: ModuleReader;
  body: FunctionBody;
  /** Local declarations as read (before any locals hook). */
  locals: LocalDecl[];
  /** Number of declared locals (parameters not included). */
  localCount: number;
  /** Number of parameters: the first new local a locals hook adds has index paramCount + localCount. */
  paramCount: number;
}

export interface ReencodeHooks {
  /** First say on every section: a replacement payload, 'drop', or undefined for default handling. */
  section?(s: SectionHeader, m: ModuleReader): Uint8Array | 'drop' | undefined;
  types?(v: RecGroup[], m: ModuleReader): RecGroup[];
  imports?(v: Import[], m: ModuleReader): Import[];
  functions?(v: number[], m: ModuleReader): number[];
  tables?(v: Table[], m: ModuleReader): Table[];
  memories?(v: MemoryType[], m: ModuleReader): MemoryType[];
  tags?(v: TagType[], m: ModuleReader): TagType[];
  globals?(v: Global[], m: ModuleReader): Global[];
  exports?(v: Export[], m: ModuleReader): Export[];
  start?(v: number | undefined, m: ModuleReader): number | undefined;
  elements?(v: ElementSegment[], m: ModuleReader): ElementSegment[];
  dataCount?(v: number | undefined, m: ModuleReader): number | undefined;
  data?(v: DataSegment[], m: ModuleReader): DataSegment[];
  /** Replaces a whole body (locals + instructions, no size prefix); undefined to go on. */
  body?(body: FunctionBody, m: ModuleReader): EncodedBody | undefined;
  /** Rewrites a body's local declarations. */
  locals?(ctx: BodyContext): LocalDecl[];
  /**
   * Called for each instruction of each body (the cursor `r` is positioned on it). Write a
   * replacement into `out` and return true, or return false to copy the instruction unchanged.
   */
  instruction?(r: OperatorReader, out: ByteWriter, ctx: BodyContext): boolean;
  /** Bodies appended after the module's own (their types must be appended by the `functions` hook). */
  appendBodies?(m: ModuleReader): EncodedBody[];
  /** Custom sections appended at the end of the module. */
  appendCustom?(m: ModuleReader): Array<{ name: string; content: Uint8Array }>;
}

type TypedKey = 'types' | 'imports' | 'functions' | 'tables' | 'memories' | 'tags' | 'globals' | 'exports' | 'start' | 'elements' | 'dataCount' | 'data';

/** Known sections in required order, with their hook and how to read and write them. */
const KNOWN: Array<{ id: number; key: TypedKey; read: (m: ModuleReader) => unknown; write: (w: ByteWriter, v: never) => void; empty: (v: unknown) => boolean }> = [
  { id: SectionId.type, key: 'types', read: (m) => m.recGroups(), write: writeTypePayload, empty: isEmptyList },
  { id: SectionId.import, key: 'imports', read: (m) => m.imports(), write: writeImportPayload, empty: isEmptyList },
  { id: SectionId.function, key: 'functions', read: (m) => m.functions(), write: writeFunctionPayload, empty: isEmptyList },
  { id: SectionId.table, key: 'tables', read: (m) => m.tables(), write: writeTablePayload, empty: isEmptyList },
  { id: SectionId.memory, key: 'memories', read: (m) => m.memories(), write: writeMemoryPayload, empty: isEmptyList },
  { id: SectionId.tag, key: 'tags', read: (m) => m.tags(), write: writeTagPayload, empty: isEmptyList },
  { id: SectionId.global, key: 'globals', read: (m) => m.globals(), write: writeGlobalPayload, empty: isEmptyList },
  { id: SectionId.export, key: 'exports', read: (m) => m.exports(), write: writeExportPayload, empty: isEmptyList },
  { id: SectionId.start, key: 'start', read: (m) => m.start(), write: writeStartPayload, empty: (v) => v === undefined },
  { id: SectionId.element, key: 'elements', read: (m) => m.elements(), write: writeElementPayload, empty: isEmptyList },
  { id: SectionId.dataCount, key: 'dataCount', read: (m) => m.dataCount(), write: writeDataCountPayload, empty: (v) => v === undefined },
  { id: SectionId.code, key: 'functions', read: () => undefined, write: () => undefined, empty: () => false },
  { id: SectionId.data, key: 'data', read: (m) => m.data(), write: writeDataPayload, empty: isEmptyList },
];
const ORDER = new Map(KNOWN.map((k, i) => [k.id, i]));

function isEmptyList(v: unknown): boolean {
  return Array.isArray(v) && v.length === 0;
}

/**
 * Re-encodes `bytes` through `hooks`. Throws WasmError if the input is malformed in a part the
 * hooks make it decode; a hook's own exceptions propagate unchanged.
 */
export function reencode(bytes: Uint8Array, hooks: ReencodeHooks = {}): Uint8Array<ArrayBuffer> {
  const m = new ModuleReader(bytes);
  const out = new ByteWriter(bytes.length + 1024);
  out.bytes(WASM_HEADER);

  const present = new Set(m.sections.filter((s) => s.id !== SectionId.custom).map((s) => s.id));
  const codeHooked = !!(hooks.body || hooks.instruction || hooks.locals || hooks.appendBodies);
  // Sections the module lacks but a hook may want to add, emitted before the next present known section.
  const pending = KNOWN.filter((k) => !present.has(k.id) && k.id !== SectionId.code && hooks[k.key] !== undefined);
  const missingCode = !present.has(SectionId.code) && !!hooks.appendBodies;

  let codeDone = false;
  const emitMissingBefore = (order: number): void => {
    while (pending.length > 0 && ORDER.get(pending[0]!.id)! < order) {
      const k = pending.shift()!;
      const v = (hooks[k.key] as (v: unknown, m: ModuleReader) => unknown)(k.read(m), m);
      if (!k.empty(v)) out.u8(k.id).sized((w) => k.write(w, v as never));
    }
    if (missingCode && order > ORDER.get(SectionId.code)! && !codeDone) {
      codeDone = true;
      const extra = hooks.appendBodies!(m);
      if (extra.length > 0) {
        out.u8(SectionId.code).sized((w) => {
          w.u32(extra.length);
          for (const b of extra) w.u32(b.length).bytes(b);
        });
      }
    }
  };

  for (const s of m.sections) {
    if (s.id !== SectionId.custom) emitMissingBefore(ORDER.get(s.id)!);
    const replaced = hooks.section?.(s, m);
    if (replaced === 'drop') continue;
    if (replaced !== undefined) {
      writeSectionKeepingHeader(out, bytes, s, replaced);
      continue;
    }
    if (s.id === SectionId.code) {
      if (codeHooked) {
        const payload = new ByteWriter(s.end - s.payloadStart + 1024);
        writeCode(payload, m, s, hooks);
        writeSectionKeepingHeader(out, bytes, s, payload.view());
      } else out.copyFrom(bytes, s.start, s.end);
      continue;
    }
    const k = s.id === SectionId.custom ? undefined : KNOWN[ORDER.get(s.id)!]!;
    const hook = k ? (hooks[k.key] as ((v: unknown, m: ModuleReader) => unknown) | undefined) : undefined;
    if (k && hook) {
      // A present section is kept even when the hook empties it (start/datacount: undefined drops it).
      const v = hook(k.read(m), m);
      if (v !== undefined) {
        const payload = new ByteWriter(s.end - s.payloadStart + 64);
        k.write(payload, v as never);
        writeSectionKeepingHeader(out, bytes, s, payload.view());
      }
      continue;
    }
    out.copyFrom(bytes, s.start, s.end);
  }
  emitMissingBefore(Number.MAX_SAFE_INTEGER);
  for (const c of hooks.appendCustom?.(m) ?? []) writeCustomSection(out, c.name, c.content);
  return out.finish();
}

/** Writes a section; when the payload keeps its size, the original (possibly padded) header is reused. */
function writeSectionKeepingHeader(out: ByteWriter, bytes: Uint8Array, s: SectionHeader, payload: Uint8Array): void {
  if (payload.length === s.end - s.payloadStart) out.copyFrom(bytes, s.start, s.payloadStart);
  else out.u8(s.id).u32(payload.length);
  out.bytes(payload);
}

function writeCode(w: ByteWriter, m: ModuleReader, s: SectionHeader, hooks: ReencodeHooks): void {
  const bytes = m.bytes;
  const bodies = [...codeSection(bytes, s, m.importedCount('func'))];
  const extra = hooks.appendBodies?.(m) ?? [];
  // An unchanged count keeps its original (possibly padded) encoding.
  if (extra.length === 0) w.copyFrom(bytes, s.payloadStart, bodies[0]?.start ?? s.end);
  else w.u32(bodies.length + extra.length);
  const scratch = new ByteWriter(4096);
  const imported = m.importedCount('func');
  for (const body of bodies) {
    const replaced = hooks.body?.(body, m);
    if (replaced !== undefined) {
      w.u32(replaced.length).bytes(replaced);
      continue;
    }
    if (!hooks.instruction && !hooks.locals) {
      w.copyFrom(bytes, body.start, body.end);
      continue;
    }
    scratch.length = 0;
    const { locals, total, codeStart } = readLocals(bytes, body);
    const sig = m.types()[m.functions()[body.functionIndex - imported]!]?.composite;
    const ctx: BodyContext = { module: m, body, locals, localCount: total, paramCount: sig?.kind === 'func' ? sig.params.length : 0 };
    if (hooks.locals) writeLocals(scratch, hooks.locals(ctx));
    else scratch.copyFrom(bytes, body.bodyStart, codeStart);
    const r = new OperatorReader(bytes, codeStart, body.end);
    const hook = hooks.instruction;
    try {
      while (r.next()) {
        if (!hook || !hook(r, scratch, ctx)) scratch.copyFrom(bytes, r.offset, r.pos);
      }
    } catch (e) {
      if (e instanceof WasmError) throw e.inFunction(body.functionIndex);
      throw e;
    }
    const enc = scratch.view();
    // Same size: keep the original size field, which producers sometimes pad.
    if (enc.length === body.end - body.bodyStart) w.copyFrom(bytes, body.start, body.bodyStart);
    else w.u32(enc.length);
    w.bytes(enc);
  }
  for (const b of extra) w.u32(b.length).bytes(b);
}
