// A small reader and patcher for the parts of a wasm binary the runtime must see before it
// instantiates: imports (to decide which to provide), memories and tables (to apply the memory
// and table limits). Memory maxima are tightened in the binary itself so that `memory.grow`
// past the policy's max pages fails in the engine (returns -1), whether or not the module was
// instrumented. Malformed input is a typed error with a byte offset, never an exception.

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
}

export interface ModuleShape {
  imports: ImportEntry[];
  /** Memories defined by the module (not imported). */
  memories: Limits[];
  /** Tables defined plus imported. */
  tableCount: number;
  exports: Array<{ name: string; kind: number }>;
  customSections: string[];
}

export class ModuleFormatError extends Error {
  constructor(message: string, readonly byteOffset: number) {
    super(message);
  }
}

class Reader {
  constructor(readonly bytes: Uint8Array, public pos = 0) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new ModuleFormatError('unexpected end of module', this.pos);
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
      shift += 7;
      if (shift > 35) throw new ModuleFormatError('LEB128 integer too long', this.pos);
    }
    return result;
  }
  u64(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
      shift += 7;
      if (shift > 70) throw new ModuleFormatError('LEB128 integer too long', this.pos);
    }
    return result;
  }
  name(): string {
    const len = this.u32();
    if (this.pos + len > this.bytes.length) throw new ModuleFormatError('name runs past the end', this.pos);
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
  limits(): Limits {
    const flags = this.byte();
    const memory64 = (flags & 0x04) !== 0;
    const min = memory64 ? this.u64() : this.u32();
    const max = flags & 0x01 ? (memory64 ? this.u64() : this.u32()) : null;
    return { min, max, shared: (flags & 0x02) !== 0, memory64 };
  }
  skipValType(): void {
    const t = this.byte();
    // Reference types with a heap type (GC proposal) carry a signed LEB heap type.
    if (t === 0x63 || t === 0x64) this.u64();
  }
}

interface Section {
  id: number;
  start: number;
  /** Offset of the section's payload. */
  payload: number;
  end: number;
}

function sections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new ModuleFormatError('not a WebAssembly module (bad magic)', 0);
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new ModuleFormatError('unsupported WebAssembly version (components are not modules)', 4);
  }
  const r = new Reader(bytes, 8);
  const out: Section[] = [];
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    const payload = r.pos;
    if (payload + size > bytes.length) throw new ModuleFormatError(`section ${id} runs past the end`, start);
    out.push({ id, start, payload, end: payload + size });
    r.pos = payload + size;
  }
  return out;
}

export function readModuleShape(bytes: Uint8Array): ModuleShape {
  const shape: ModuleShape = { imports: [], memories: [], tableCount: 0, exports: [], customSections: [] };
  for (const s of sections(bytes)) {
    const r = new Reader(bytes, s.payload);
    if (s.id === 0) shape.customSections.push(r.name());
    else if (s.id === 2) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0) {
          r.u32();
          shape.imports.push({ module, name, kind: 'func' });
        } else if (kind === 1) {
          r.skipValType();
          r.limits();
          shape.tableCount++;
          shape.imports.push({ module, name, kind: 'table' });
        } else if (kind === 2) {
          shape.imports.push({ module, name, kind: 'memory', memory: r.limits() });
        } else if (kind === 3) {
          r.skipValType();
          r.byte();
          shape.imports.push({ module, name, kind: 'global' });
        } else if (kind === 4) {
          r.byte();
          r.u32();
          shape.imports.push({ module, name, kind: 'tag' });
        } else throw new ModuleFormatError(`unknown import kind ${kind}`, r.pos - 1);
      }
    } else if (s.id === 4) {
      shape.tableCount += r.u32();
    } else if (s.id === 5) {
      const n = r.u32();
      for (let i = 0; i < n; i++) shape.memories.push(r.limits());
    } else if (s.id === 7) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const name = r.name();
        const kind = r.byte();
        r.u32();
        shape.exports.push({ name, kind });
      }
    }
  }
  return shape;
}

function encodeU32(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

/**
 * Returns the module with every defined 32-bit memory's maximum lowered to `maxPages` (added
 * when absent). Imported memories are bounded by the memory object the runtime provides.
 */
export function tightenMemoryMaxima(bytes: Uint8Array, maxPages: number): Uint8Array {
  const memorySection = sections(bytes).find((s) => s.id === 5);
  if (!memorySection) return bytes;
  const r = new Reader(bytes, memorySection.payload);
  const n = r.u32();
  const payload: number[] = encodeU32(n);
  for (let i = 0; i < n; i++) {
    const limits = r.limits();
    if (limits.memory64) return bytes; // memory64 is refused by the engine on Node 20; leave it untouched.
    const max = Math.min(limits.max ?? maxPages, maxPages);
    payload.push(0x01 | (limits.shared ? 0x02 : 0), ...encodeU32(limits.min), ...encodeU32(max));
  }
  const header = [5, ...encodeU32(payload.length)];
  const out = new Uint8Array(bytes.length - (memorySection.end - memorySection.start) + header.length + payload.length);
  out.set(bytes.subarray(0, memorySection.start), 0);
  out.set(header, memorySection.start);
  out.set(payload, memorySection.start + header.length);
  out.set(bytes.subarray(memorySection.end), memorySection.start + header.length + payload.length);
  return out;
}
