// Properties over generated inputs: normalize() never throws, is idempotent, and gives the same
// bytes for inputs that differ only in spelling (list order, duplicates, split port ranges, host
// case); loadManifest() never throws on arbitrary or mutated text.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalManifestJson, loadManifest, manifestHash, normalize, parseJsonSource, type ManifestInput, type PortRange } from '@wsbc/manifest';

const options = { baseDir: '/base', tmpDir: '/tmp' };
const runs = { numRuns: 300, seed: 20261124 };

const port = fc.integer({ min: 0, max: 65535 });
const portRange = fc.tuple(port, port).map(([a, b]): PortRange => ({ from: Math.min(a, b), to: Math.max(a, b) }));
const label = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const hostName = fc.tuple(label, label).map(([a, b]) => `${a}.${b}`);
const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/);
const dir = fc.constantFrom('a', 'b', 'c/d', '/srv/x', '$TMPDIR', '$TMPDIR/y');

const input: fc.Arbitrary<ManifestInput> = fc.record(
  {
    preset: fc.constantFrom('minimal' as const, 'development' as const),
    network: fc.record(
      {
        loopback: fc.boolean(),
        hosts: fc.array(fc.record({ host: hostName, ports: fc.array(portRange, { maxLength: 3 }), secure: fc.boolean() }), { maxLength: 4 }),
        ports: fc.array(portRange, { maxLength: 5 }),
      },
      { requiredKeys: [] },
    ),
    filesystem: fc.record({
      preopens: fc.array(
        fc.record({ hostPath: dir, read: fc.constant(true), write: fc.boolean(), maxFileSize: fc.option(fc.nat(1 << 20), { nil: undefined }) }),
        { maxLength: 4 },
      ),
    }),
    environment: fc.record({ mode: fc.constantFrom('allow' as const, 'deny' as const), names: fc.array(envName, { maxLength: 4 }) }),
    limits: fc.record({ memory: fc.record({ maxPages: fc.integer({ min: 16, max: 65536 }) }), fuel: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: null }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

/** The same meaning, spelled differently: lists reversed and doubled, hosts upper-cased, port ranges split. */
function respell(i: ManifestInput): ManifestInput {
  const split = (ranges: PortRange[] = []) =>
    ranges.flatMap((r) => (r.to > r.from ? [{ from: r.from, to: r.from }, { from: r.from + 1, to: r.to }] : [r])).reverse();
  const out: ManifestInput = structuredClone(i);
  if (out.network) {
    out.network.ports = split(out.network.ports);
    out.network.hosts = [...(out.network.hosts ?? [])].reverse().flatMap((h) => [
      { ...h, host: h.host.toUpperCase(), ports: split(h.ports) },
      { ...h, host: `${h.host}.` },
    ]);
  }
  if (out.filesystem?.preopens) out.filesystem.preopens = [...out.filesystem.preopens].reverse().flatMap((p) => [p, { ...p, hostPath: `${p.hostPath}/.` }]);
  if (out.environment?.names) out.environment.names = [...out.environment.names, ...out.environment.names].reverse();
  return out;
}

describe('normalize properties', () => {
  test('never throws, and a successful result is idempotent', () => {
    fc.assert(
      fc.property(input, (i) => {
        const result = normalize(i, options);
        if (!result.ok) return;
        const again = normalize(result.value, options);
        expect(again.ok && canonicalManifestJson(again.value)).toBe(canonicalManifestJson(result.value));
      }),
      runs,
    );
  });

  test('inputs that differ only in spelling give the same bytes and hash', () => {
    fc.assert(
      fc.property(input, (i) => {
        const a = normalize(i, options);
        const b = normalize(respell(i), options);
        expect(b.ok).toBe(a.ok);
        if (a.ok && b.ok) {
          expect(canonicalManifestJson(b.value)).toBe(canonicalManifestJson(a.value));
          expect(manifestHash(b.value)).toBe(manifestHash(a.value));
        }
      }),
      runs,
    );
  });

  test('merged port ranges cover exactly the ports of the input ranges', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 })), { maxLength: 8 }), (pairs) => {
        const ranges = pairs.map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) }));
        const result = normalize({ network: { ports: ranges } }, options);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const merged = result.value.network.ports;
        for (let p = 0; p <= 201; p++) {
          expect(merged.some((r) => r.from <= p && p <= r.to)).toBe(ranges.some((r) => r.from <= p && p <= r.to));
        }
        for (let k = 1; k < merged.length; k++) expect(merged[k]!.from).toBeGreaterThan(merged[k - 1]!.to + 1);
      }),
      runs,
    );
  });

  test('arbitrary JSON values never throw: they give a manifest or diagnostics with paths', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.object(), (value, object) => {
        for (const candidate of [value, object, { limits: value }, { network: object }, { filesystem: { preopens: [value] } }]) {
          const result = normalize(candidate as ManifestInput, options);
          for (const d of result.diagnostics) expect(typeof d.data?.path).toBe('string');
        }
      }),
      runs,
    );
  });
});

describe('loadManifest properties', () => {
  const development = normalize({ preset: 'development' }, options);
  if (!development.ok) throw new Error('the development preset does not normalize');
  const valid = canonicalManifestJson(development.value);

  test('never throws on arbitrary text', () => {
    fc.assert(
      // 'binary-ascii' (every control character) and 'grapheme' (any code point): the 'binary'
      // unit costs seconds of set-up in fast-check for no extra coverage of a JSON reader.
      fc.property(fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 200 })), (text) => {
        const result = loadManifest(text, 'x.json');
        expect(result.ok).toBe(false);
      }),
      runs,
    );
  });

  test('never throws on a manifest with random edits, and reports spans for syntax errors', () => {
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.nat(8), fc.string({ maxLength: 4 }), (at, remove, insert) => {
        const text = valid.slice(0, at) + insert + valid.slice(at + remove);
        const result = loadManifest(text, 'x.json');
        for (const d of result.diagnostics) {
          if (d.code === 'manifest/invalid-json') expect(d.span).toBeDefined();
          expect(d.code.startsWith('manifest/')).toBe(true);
        }
      }),
      runs,
    );
  });
});

describe('parseJsonSource agrees with JSON.parse', () => {
  const jsonText = fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(0, 2)).map(([v, indent]) => JSON.stringify(v, null, indent));

  test('on valid JSON: the same value', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const parsed = parseJsonSource(text, 'x.json');
        expect(parsed.ok).toBe(true);
        if (parsed.ok) expect(parsed.source.value).toEqual(JSON.parse(text));
      }),
      runs,
    );
  });

  test('locate() and locateAll() span each value: its text, or for an object member its key (and a scalar value)', () => {
    const pointers = (value: unknown, at = '', out: Array<{ at: string; value: unknown; key?: string }> = [], key?: string) => {
      out.push(key === undefined ? { at, value } : { at, value, key });
      const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
      if (Array.isArray(value)) value.forEach((item, i) => pointers(item, `${at}/${i}`, out));
      else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pointers(v, `${at}/${escape(k)}`, out, k);
      return out;
    };
    const withOddKeys = fc.tuple(fc.dictionary(fc.constantFrom('a/b', '~1', 'x"y', '', 'é', 'z'), fc.jsonValue({ maxDepth: 2 })), fc.jsonValue({ maxDepth: 3 }));
    fc.assert(
      fc.property(withOddKeys, fc.constantFrom(0, 2), ([odd, value], indent) => {
        const text = JSON.stringify({ odd, value }, null, indent);
        const parsed = parseJsonSource(text, 'x.json');
        if (!parsed.ok) throw new Error('valid JSON refused');
        const all = pointers(parsed.source.value);
        const spans = parsed.source.locateAll([...all.map((p) => p.at), '/missing', 'no-slash']);
        expect(spans.size).toBe(all.length);
        for (const { at, value: v, key } of all) {
          const span = spans.get(at)!;
          expect(parsed.source.locate(at)).toEqual(span);
          const covered = text.slice(span.startOffset, span.endOffset);
          if (key === undefined) expect(JSON.parse(covered)).toEqual(v);
          else if (v !== null && typeof v === 'object') expect(JSON.parse(covered)).toBe(key);
          else expect(JSON.parse(`{${covered}}`)).toEqual({ [key]: v });
          const before = text.slice(0, span.startOffset).split('\n');
          expect([span.line, span.column]).toEqual([before.length, before.at(-1)!.length + 1]);
        }
      }),
      runs,
    );
  });

  test('on mutated JSON: accepts exactly what JSON.parse accepts (no duplicate keys involved)', () => {
    fc.assert(
      fc.property(jsonText, fc.nat(), fc.nat(3), fc.constantFrom('', ',', '"', '{', '}', '[', ']', ':', '-', '0', '.', 'e', '\\', ' ', 'tru', 'null'), (text, at, remove, insert) => {
        const i = text.length === 0 ? 0 : at % text.length;
        const mutated = text.slice(0, i) + insert + text.slice(i + remove);
        let expected: { ok: true; value: unknown } | { ok: false };
        try {
          expected = { ok: true, value: JSON.parse(mutated) };
        } catch {
          expected = { ok: false };
        }
        const parsed = parseJsonSource(mutated, 'x.json');
        if (!parsed.ok && parsed.diagnostics[0]!.code === 'manifest/duplicate-key') return;
        expect(parsed.ok).toBe(expected.ok);
        if (parsed.ok && expected.ok) expect(parsed.source.value).toEqual(expected.value);
      }),
      { numRuns: 1000, seed: 20261124 },
    );
  });
});

