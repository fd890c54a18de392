// The JS API's implementation limits on counts: at each limit the walk accepts what V8 compiles,
// and one past it the walk refuses what V8 refuses, naming the count, before it materializes the
// section (a module of 10 million element segments would otherwise build 10 million objects).
import { describe, expect, test } from 'vitest';
import { ByteWriter, LIMITS, ModuleReader, WASM_HEADER, checkSectionCounts, walkModule } from '../src/index.js';

type Section = [id: number, fill: (w: ByteWriter) => void];

function moduleOf(...sections: Section[]): Uint8Array<ArrayBuffer> {
  const w = new ByteWriter();
  w.bytes(WASM_HEADER);
  for (const [id, fill] of sections) {
    const body = new ByteWriter();
    fill(body);
    const payload = body.finish();
    w.u8(id).u32(payload.length).bytes(payload);
  }
  return w.finish();
}

const name = (w: ByteWriter, text: string): void => {
  const bytes = new TextEncoder().encode(text);
  w.u32(bytes.length).bytes(bytes);
};
const voidType: Section = [1, (w) => w.bytes(Uint8Array.of(1, 0x60, 0, 0))];
const oneFunction: Section = [3, (w) => w.bytes(Uint8Array.of(1, 0))];
const emptyBody: Section = [10, (w) => w.bytes(Uint8Array.of(1, 2, 0, 0x0b))];

/** A module with `n` of one kind of entry, for each limit the walk checks by count. */
const builders: Record<string, { limit: number; build: (n: number) => Uint8Array<ArrayBuffer> }> = {
  exports: {
    limit: LIMITS.exports,
    build: (n) =>
      moduleOf(voidType, oneFunction, [7, (w) => {
        w.u32(n);
        for (let i = 0; i < n; i++) {
          name(w, `e${i}`);
          w.u8(0).u32(0);
        }
      }], emptyBody),
  },
  'data segments': {
    limit: LIMITS.dataSegments,
    build: (n) => moduleOf([5, (w) => w.bytes(Uint8Array.of(1, 0, 0))], [11, (w) => {
      w.u32(n);
      for (let i = 0; i < n; i++) w.u8(1).u32(0);
    }]),
  },
  tables: {
    limit: LIMITS.tables,
    build: (n) => moduleOf([4, (w) => {
      w.u32(n);
      for (let i = 0; i < n; i++) w.bytes(Uint8Array.of(0x70, 0, 0));
    }]),
  },
  globals: {
    limit: LIMITS.globals,
    build: (n) => moduleOf([6, (w) => {
      w.u32(n);
      for (let i = 0; i < n; i++) w.bytes(Uint8Array.of(0x7f, 0, 0x41, 0, 0x0b));
    }]),
  },
  tags: {
    limit: LIMITS.tags,
    build: (n) => moduleOf(voidType, [13, (w) => {
      w.u32(n);
      for (let i = 0; i < n; i++) w.bytes(Uint8Array.of(0, 0));
    }]),
  },
  'element segments': {
    limit: LIMITS.elementSegments,
    build: (n) => moduleOf([9, (w) => {
      w.u32(n);
      for (let i = 0; i < n; i++) w.bytes(Uint8Array.of(1, 0, 0));
    }]),
  },
  'elements in one segment': {
    limit: LIMITS.segmentElements,
    build: (n) => moduleOf(voidType, oneFunction, [9, (w) => {
      w.bytes(Uint8Array.of(1, 1, 0)).u32(n);
      w.bytes(new Uint8Array(n));
    }], emptyBody),
  },
};

describe('count limits', () => {
  for (const [what, { limit, build }] of Object.entries(builders)) {
    test(`${what}: ${limit} pass, ${limit + 1} are refused, as V8 does`, { timeout: 60_000 }, () => {
      const at = build(limit);
      expect(WebAssembly.validate(at)).toBe(true);
      expect(walkModule(at, { wasm3: true }).ok).toBe(true);

      const past = build(limit + 1);
      expect(WebAssembly.validate(past)).toBe(false);
      const r = walkModule(past, { wasm3: true });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('wasm/too-many');
      expect(r.error.message).toContain(`${limit + 1}`);
      expect(r.error.message).toContain(String(limit));
      expect(r.error.offset).toBeGreaterThan(8);
      expect(r.error.offset).toBeLessThan(past.length);
    });
  }

  test('imported tables, globals and tags do not count toward the limits, as in V8', () => {
    const imported = (kind: number[]): Section => [2, (w) => {
      w.u32(1);
      name(w, 'a');
      name(w, 'b');
      w.bytes(Uint8Array.from(kind));
    }];
    const globals = moduleOf(imported([3, 0x7f, 0]), [6, (w) => {
      w.u32(LIMITS.globals);
      for (let i = 0; i < LIMITS.globals; i++) w.bytes(Uint8Array.of(0x7f, 0, 0x41, 0, 0x0b));
    }]);
    expect(WebAssembly.validate(globals)).toBe(true);
    expect(walkModule(globals).ok).toBe(true);
    const tables = moduleOf(imported([1, 0x70, 0, 0]), [4, (w) => {
      w.u32(LIMITS.tables);
      for (let i = 0; i < LIMITS.tables; i++) w.bytes(Uint8Array.of(0x70, 0, 0));
    }]);
    expect(WebAssembly.validate(tables)).toBe(true);
    expect(walkModule(tables, { wasm3: true }).ok).toBe(true);
  });

  test('a count past the limit is refused from the count alone: a data count section, and the check of a module', () => {
    const counted = moduleOf([5, (w) => w.bytes(Uint8Array.of(1, 0, 0))], [12, (w) => w.u32(LIMITS.dataSegments + 1)]);
    expect(WebAssembly.validate(counted)).toBe(false);
    const r = walkModule(counted);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'wasm/too-many', message: expect.stringContaining(`${LIMITS.dataSegments + 1} data segments exceed the limit of ${LIMITS.dataSegments}`) });
    // Readers that decode no code (the analyzer's check) call the same check.
    expect(() => checkSectionCounts(new ModuleReader(builders.exports!.build(LIMITS.exports + 1)))).toThrow(/100001 exports exceed the limit of 100000/);
  });
});
