// Full decode-then-encode through the writer: the evidence that reader and writer mirror each other.
//
// Every known section is decoded into values and encoded again by the section writers; every
// instruction of every body (and of every constant expression) is decoded into an Instruction and
// encoded again by the instruction writer. Where the writer's bytes differ from the input, the
// difference must be an encoding choice only: the writer's bytes are decoded again and must give the
// same values (the input used padded LEBs, which the writer never emits). Such pieces are counted as
// `canonicalized` and the original bytes are kept, so the rebuilt module is byte-identical; any other
// difference is a reader/writer disagreement and is listed in `mismatches`.
import { ByteWriter } from './binary-writer.js';
import { WasmError } from './errors.js';
import { encodeInstructions, writeInstruction } from './instruction-writer.js';
import { ModuleReader } from './module.js';
import {
  ConstExprView,
  SECTION_NAMES,
  SectionId,
  codeSection,
  readDataCountSection,
  readDataSection,
  readElementSection,
  readExportSection,
  readFunctionSection,
  readGlobalSection,
  readImportSection,
  readLocals,
  readMemorySection,
  readStartSection,
  readTableSection,
  readTagSection,
  readTypeSection,
  type SectionHeader,
} from './module-reader.js';
import { OperatorReader, readInstructions } from './operator-reader.js';
import {
  WASM_HEADER,
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
} from './section-writer.js';

export interface RoundTripStats {
  sections: number;
  /** Sections whose writer output equals the input exactly. */
  sectionsIdentical: number;
  /** Sections whose input used non-minimal encodings (values equal, bytes kept). */
  sectionsCanonicalized: number;
  /** Custom sections (copied: their content is opaque). */
  customSections: number;
  instructions: number;
  instructionsIdentical: number;
  instructionsCanonicalized: number;
  constExprs: number;
  constExprsCanonicalized: number;
  bodies: number;
  localsCanonicalized: number;
  /** Section or body size fields, and vector counts, written with padding in the input. */
  headersCanonicalized: number;
  mismatches: Array<{ offset: number; what: string }>;
}

export interface RoundTripResult {
  bytes: Uint8Array<ArrayBuffer>;
  stats: RoundTripStats;
}

type Reader = (b: Uint8Array, s: SectionHeader) => unknown;
type Writer = (w: ByteWriter, v: never) => void;
const CODECS: Record<number, [Reader, Writer]> = {
  [SectionId.type]: [readTypeSection, writeTypePayload],
  [SectionId.import]: [readImportSection, writeImportPayload],
  [SectionId.function]: [readFunctionSection, writeFunctionPayload],
  [SectionId.table]: [readTableSection, writeTablePayload],
  [SectionId.memory]: [readMemorySection, writeMemoryPayload],
  [SectionId.global]: [readGlobalSection, writeGlobalPayload],
  [SectionId.export]: [readExportSection, writeExportPayload],
  [SectionId.start]: [readStartSection, writeStartPayload],
  [SectionId.element]: [readElementSection, writeElementPayload],
  [SectionId.dataCount]: [readDataCountSection, writeDataCountPayload],
  [SectionId.data]: [readDataSection, writeDataPayload],
  [SectionId.tag]: [readTagSection, writeTagPayload],
};

// Positions are where things were, not what they are: a canonical re-encoding moves them.
const POSITION_KEYS = new Set(['offset', 'start', 'end', 'dataOffset']);
const LAZY_KEYS = ['bytes', 'data'];

/** Structural equality over decoded values (bigint, Uint8Array by content; positions ignored). */
export function sameDecoded(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => !POSITION_KEYS.has(k));
  const kb = Object.keys(b as object).filter((k) => !POSITION_KEYS.has(k));
  // Lazily made views (ConstExprView.bytes, DataSegmentView.data) are getters, not own keys.
  for (const k of LAZY_KEYS) if (k in (a as object) && !Object.hasOwn(a as object, k)) ka.push(k);
  for (const k of LAZY_KEYS) if (k in (b as object) && !Object.hasOwn(b as object, k)) kb.push(k);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!sameDecoded((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Re-encodes every piece of the module through the writer; see the module header. Throws WasmError. */
export function rebuildModule(bytes: Uint8Array): RoundTripResult {
  const m = new ModuleReader(bytes);
  const stats: RoundTripStats = {
    sections: 0,
    sectionsIdentical: 0,
    sectionsCanonicalized: 0,
    customSections: 0,
    instructions: 0,
    instructionsIdentical: 0,
    instructionsCanonicalized: 0,
    constExprs: 0,
    constExprsCanonicalized: 0,
    bodies: 0,
    localsCanonicalized: 0,
    headersCanonicalized: 0,
    mismatches: [],
  };
  const out = new ByteWriter(bytes.length + 64);
  out.bytes(WASM_HEADER);
  for (const s of m.sections) {
    stats.sections++;
    if (s.id === SectionId.custom) {
      stats.customSections++;
      out.copyFrom(bytes, s.start, s.end);
      continue;
    }
    const original = bytes.subarray(s.payloadStart, s.end);
    let payload: Uint8Array;
    if (s.id === SectionId.code) {
      payload = rebuildCode(m, s, stats);
    } else {
      const [read, write] = CODECS[s.id]!;
      const value = read(bytes, s);
      checkConstExprs(value, stats);
      const w = new ByteWriter(original.length + 16);
      write(w, value as never);
      const mine = w.finish();
      if (equalBytes(mine, original)) {
        stats.sectionsIdentical++;
        payload = mine;
      } else {
        const again = read(mine, { id: s.id, start: 0, payloadStart: 0, end: mine.length });
        if (sameDecoded(again, value)) stats.sectionsCanonicalized++;
        else stats.mismatches.push({ offset: s.start, what: `${SECTION_NAMES[s.id]} section re-encodes to different values` });
        payload = original;
      }
    }
    // The payload has the input's length (identical, or the input kept), so the input's section
    // header is reused; a padded size field is one more canonicalization.
    if (payload.length !== original.length) {
      stats.mismatches.push({ offset: s.start, what: `${SECTION_NAMES[s.id]} section rebuilt with a different size` });
      payload = original;
    }
    const header = new ByteWriter(8).u8(s.id).u32(payload.length).view();
    if (!equalBytes(header, bytes.subarray(s.start, s.payloadStart))) stats.headersCanonicalized++;
    out.copyFrom(bytes, s.start, s.payloadStart).bytes(payload);
  }
  return { bytes: out.finish(), stats };
}

function checkConstExprs(value: unknown, stats: RoundTripStats): void {
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    const o = v as Record<string, unknown>;
    if (v instanceof ConstExprView) {
      const expr = v.bytes;
      stats.constExprs++;
      const list = readInstructions(expr, 0, expr.length);
      const mine = encodeInstructions(list);
      if (!equalBytes(mine, expr)) {
        if (sameDecoded(readInstructions(mine, 0, mine.length), list)) stats.constExprsCanonicalized++;
        else stats.mismatches.push({ offset: v.start, what: 'constant expression re-encodes to different instructions' });
      }
      return;
    }
    for (const k of Object.keys(o)) visit(o[k]);
  };
  visit(value);
}

function rebuildCode(m: ModuleReader, s: SectionHeader, stats: RoundTripStats): Uint8Array {
  const bytes = m.bytes;
  const original = bytes.subarray(s.payloadStart, s.end);
  const w = new ByteWriter(original.length + 16);
  const bodies = [...codeSection(bytes, s, m.importedCount('func'))];
  const firstBody = bodies[0]?.start ?? s.end;
  const count = new ByteWriter(8).u32(bodies.length).view();
  let canonicalized = false;
  if (equalBytes(count, bytes.subarray(s.payloadStart, firstBody))) w.bytes(count);
  else {
    stats.headersCanonicalized++;
    w.copyFrom(bytes, s.payloadStart, firstBody);
  }
  const body = new ByteWriter(4096);
  const one = new ByteWriter(64);
  for (const b of bodies) {
    stats.bodies++;
    body.length = 0;
    const { locals, codeStart } = readLocals(bytes, b);
    writeLocals(body, locals);
    if (!equalBytes(body.view(), bytes.subarray(b.bodyStart, codeStart))) {
      stats.localsCanonicalized++;
      canonicalized = true;
      body.length = 0;
      body.copyFrom(bytes, b.bodyStart, codeStart);
    }
    const r = new OperatorReader(bytes, codeStart, b.end);
    try {
      while (r.next()) {
        stats.instructions++;
        const ins = r.instruction();
        one.length = 0;
        writeInstruction(one, ins);
        const mine = one.view();
        let same = mine.length === r.pos - r.offset;
        for (let i = 0; same && i < mine.length; i++) if (mine[i] !== bytes[r.offset + i]) same = false;
        if (same) {
          stats.instructionsIdentical++;
          body.bytes(mine);
          continue;
        }
        const again = new OperatorReader(mine, 0, mine.length);
        again.next();
        if (sameDecoded(again.instruction(), ins)) {
          stats.instructionsCanonicalized++;
          canonicalized = true;
        } else stats.mismatches.push({ offset: r.offset, what: `${ins.op.name} re-encodes differently` });
        body.copyFrom(bytes, r.offset, r.pos);
      }
    } catch (e) {
      if (e instanceof WasmError) throw e.inFunction(b.functionIndex);
      throw e;
    }
    const enc = body.view();
    const size = new ByteWriter(8).u32(enc.length).view();
    if (!equalBytes(size, bytes.subarray(b.start, b.bodyStart))) stats.headersCanonicalized++;
    if (enc.length === b.end - b.bodyStart) w.copyFrom(bytes, b.start, b.bodyStart).bytes(enc);
    else {
      stats.mismatches.push({ offset: b.start, what: `function ${b.functionIndex} body rebuilt with a different size` });
      w.copyFrom(bytes, b.start, b.end);
    }
  }
  if (canonicalized) stats.sectionsCanonicalized++;
  else stats.sectionsIdentical++;
  return w.finish();
}
