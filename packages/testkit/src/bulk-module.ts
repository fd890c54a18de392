// Modules of a size no .wat fixture should spell out (100,000 imports, 300,000 functions), built
// byte by byte, for tests at the scale the binary format allows: stack overflows from spreading
// huge lists, and quadratic scans, only show there.

export interface BulkModuleOptions {
  /** Function imports `env` `f0`, `env` `f1`, ..., all of type () -> (). */
  imports?: number;
  /** Defined functions of type () -> () with empty bodies, after the imports in the index space. */
  functions?: number;
  /** Function exports: a name and a function index (imports count first). */
  exports?: ReadonlyArray<readonly [name: string, funcIndex: number]>;
}

export function bulkModule(options: BulkModuleOptions): Uint8Array<ArrayBuffer> {
  const { imports = 0, functions = 0, exports = [] } = options;
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const u32 = (to: number[], value: number): void => {
    let v = value >>> 0;
    do {
      const byte = v & 0x7f;
      v >>>= 7;
      to.push(v === 0 ? byte : byte | 0x80);
    } while (v !== 0);
  };
  const name = (to: number[], text: string): void => {
    const bytes = new TextEncoder().encode(text);
    u32(to, bytes.length);
    for (const b of bytes) to.push(b);
  };
  const section = (id: number, fill: (body: number[]) => void): void => {
    const body: number[] = [];
    fill(body);
    out.push(id);
    u32(out, body.length);
    for (const b of body) out.push(b);
  };
  section(1, (b) => b.push(0x01, 0x60, 0x00, 0x00));
  if (imports > 0) {
    section(2, (b) => {
      u32(b, imports);
      for (let i = 0; i < imports; i++) {
        name(b, 'env');
        name(b, `f${i}`);
        b.push(0x00, 0x00);
      }
    });
  }
  if (functions > 0) {
    section(3, (b) => {
      u32(b, functions);
      for (let i = 0; i < functions; i++) b.push(0x00);
    });
  }
  if (exports.length > 0) {
    section(7, (b) => {
      u32(b, exports.length);
      for (const [exportName, index] of exports) {
        name(b, exportName);
        b.push(0x00);
        u32(b, index);
      }
    });
  }
  if (functions > 0) {
    section(10, (b) => {
      u32(b, functions);
      for (let i = 0; i < functions; i++) b.push(0x02, 0x00, 0x0b);
    });
  }
  return Uint8Array.from(out);
}
