import { describe, expect, test } from 'vitest';
import { DEFAULT_MANIFEST, canonicalManifestJson, loadManifest, normalize, validateManifest, type Manifest } from '@wsbc/manifest';
import type { TextSpan } from '@wsbc/diagnostics';
import { maximalInput } from './fixtures/maximal-input.js';

function maximal(): Manifest {
  const result = normalize(maximalInput, { baseDir: '/' });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.value;
}

/** A canonical manifest JSON with one edit applied to a mutable copy. */
function edited(edit: (m: Record<string, any>) => void, base: Manifest = DEFAULT_MANIFEST): Record<string, any> {
  const m = JSON.parse(canonicalManifestJson(base));
  edit(m);
  return m;
}

function found(value: unknown) {
  return validateManifest(value).diagnostics.map((d) => ({ code: d.code, path: d.data?.path }));
}

describe('loadManifest: JSON syntax', () => {
  test.each([
    ['a missing value', '{\n  "version": 1,\n  "name": \n}', 4, 1],
    ['a trailing comma', '{\n  "version": 1,\n}', 2, 15],
    ['single quotes', "{\n  'version': 1\n}", 2, 3],
    ['an unterminated string', '{"name": "abc', 1, 10],
    ['text after the document', '{}\n{}', 2, 1],
    ['a leading zero', '{"version": 01}', 1, 13],
    ['an empty file', '', 1, 1],
    ['a comment', '{ // hi\n}', 1, 3],
  ])('%s gives invalid-json with its line and column', (_, text, line, column) => {
    const result = loadManifest(text, 'm.json');
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toHaveLength(1);
    const [d] = result.diagnostics;
    expect(d!.code).toBe('manifest/invalid-json');
    expect(d!.span).toMatchObject({ file: 'm.json', line, column });
  });

  test('a duplicate key is refused: JSON readers disagree on which one wins', () => {
    const text = '{\n  "version": 1,\n  "limits": {"fuel": 1, "fuel": null}\n}';
    const result = loadManifest(text, 'm.json');
    expect(result.diagnostics.map((d) => [d.code, d.span && 'line' in d.span ? [d.span.line, d.span.column, d.span.endColumn] : null])).toEqual([
      ['manifest/duplicate-key', [3, 25, 31]],
    ]);
    expect(result.diagnostics[0]!.message).toContain('first on line 3');
  });

  test('__proto__ keys become unknown fields and never touch a prototype', () => {
    const text = canonicalManifestJson(DEFAULT_MANIFEST).replace('"version": 1,', '"version": 1, "__proto__": {"polluted": 1},');
    const result = loadManifest(text, 'm.json');
    expect(result.diagnostics.map((d) => [d.code, d.data?.path])).toEqual([['manifest/schema-violation', '/__proto__']]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  test('deep nesting is a diagnostic, not a stack overflow', () => {
    const result = loadManifest('['.repeat(100_000), 'deep.json');
    expect(result.diagnostics.map((d) => d.code)).toEqual(['manifest/invalid-json']);
    expect(result.diagnostics[0]!.message).toContain('nested more than');
  });

  test('escapes and a byte order mark are read as JSON says', () => {
    const text = `\ufeff${canonicalManifestJson(DEFAULT_MANIFEST).replace('"name": ""', '"name": "a\\u0041\\n\\"\\/"')}`;
    const result = loadManifest(text, 'm.json');
    expect(result.ok && result.value.name).toBe('aA\n"/');
  });

  test('the canonical JSON of a manifest loads back to the same manifest, without diagnostics', () => {
    const text = canonicalManifestJson(maximal());
    const result = loadManifest(text, 'm.json');
    expect(result.diagnostics).toEqual([]);
    expect(result.ok && canonicalManifestJson(result.value)).toBe(text);
  });
});

describe('schema violations', () => {
  test('every violation is listed, each with its JSON path and its line', () => {
    const text = canonicalManifestJson(DEFAULT_MANIFEST)
      .replace('"maxPages": 160', '"maxPages": 0')
      .replace('"usagePercent": 50', '"usagePercent": "50"')
      .replace('"mode": "none",\n    "loopback"', '"mode": "off",\n    "loopback"')
      .replace('"decisions": "all"', '"decisions": "all", "extra": true');
    const result = loadManifest(text, 'manifest.json');
    expect(result.ok).toBe(false);
    expect(
      result.diagnostics.map((d) => ({ code: d.code, path: d.data?.path, line: d.span && 'line' in d.span ? d.span.line : undefined })),
    ).toEqual([
      { code: 'manifest/schema-violation', path: '/network/mode', line: 5 },
      { code: 'manifest/schema-violation', path: '/limits/memory/maxPages', line: 33 },
      { code: 'manifest/schema-violation', path: '/limits/cpu/usagePercent', line: 42 },
      { code: 'manifest/schema-violation', path: '/audit/extra', line: 62 },
    ]);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'network.mode must be one of "none", "restricted", "full"',
      'limits.memory.maxPages must be at least 1',
      'limits.cpu.usagePercent must be an integer',
      'unknown field "extra" in audit',
    ]);
    for (const d of result.diagnostics) expect(d.data?.file).toBe('manifest.json');
  });

  test('a missing field points at the object that lacks it, with did-you-mean for a misspelled one', () => {
    const text = canonicalManifestJson(DEFAULT_MANIFEST).replace('"maxThreads"', '"maxThread"');
    const result = loadManifest(text, 'm.json');
    expect(result.diagnostics.map((d) => [d.data?.path, d.message, d.help])).toEqual([
      ['/limits/cpu/maxThreads', 'limits.cpu is missing the field "maxThreads"', undefined],
      ['/limits/cpu/maxThread', 'unknown field "maxThread" in limits.cpu', 'did you mean "maxThreads"?'],
    ]);
    const missing = result.diagnostics[0]!.span;
    expect(missing && 'line' in missing && missing.line).toBe(40); // the line of "cpu": {
  });

  test.each([
    ['a port above 65535', (m: any) => (m.network.ports = [{ from: 1, to: 70000 }]), '/network/ports/0/to'],
    ['a fractional page count', (m: any) => (m.limits.memory.maxPages = 1.5), '/limits/memory/maxPages'],
    ['a relative guest path', (m: any) => m.filesystem.preopens.push({ hostPath: '/a', guestPath: 'a', read: true, write: false, create: false, delete: false, maxFileSize: null }), '/filesystem/preopens/0/guestPath'],
    ['a boolean custom capability with bounds', (m: any) => m.custom.push({ name: 'x', type: 'boolean', value: true, min: 1 }), '/custom/0/min'],
    ['a number custom capability with a string value', (m: any) => m.custom.push({ name: 'x', type: 'number', value: '1', min: null, max: null }), '/custom/0/value'],
    ['a deterministic clock missing its step', (m: any) => (m.time.deterministic = { startMs: 1 }), '/time/deterministic/stepNs'],
    ['a repeated environment name', (m: any) => (m.environment = { mode: 'allow', names: ['A', 'A'] }), '/environment/names'],
    ['an empty import name', (m: any) => m.imports.push({ module: 'env', name: '', requires: null }), '/imports/0/name'],
    ['a missing area', (m: any) => delete m.random, '/random'],
    ['a wrong version type', (m: any) => (m.version = '1'), '/version'],
  ])('%s', (_, edit, path) => {
    expect(found(edited(edit))).toEqual([{ code: 'manifest/schema-violation', path }]);
  });

  test('not an object at all', () => {
    expect(found([])).toEqual([{ code: 'manifest/schema-violation', path: '' }]);
    expect(found(null)).toEqual([{ code: 'manifest/schema-violation', path: '' }]);
  });
});

describe('rules the schema cannot express', () => {
  const preopen = { hostPath: '/data', guestPath: '/data', read: true, write: false, create: false, delete: false, maxFileSize: null };
  test.each([
    ['a port range that starts after it ends', (m: any) => { m.network.mode = 'restricted'; m.network.ports = [{ from: 90, to: 80 }]; }, 'manifest/port-range-reversed', '/network/ports/0'],
    ['create without write', (m: any) => m.filesystem.preopens.push({ ...preopen, create: true }), 'manifest/create-without-write', '/filesystem/preopens/0/create'],
    ['delete without write', (m: any) => m.filesystem.preopens.push({ ...preopen, delete: true }), 'manifest/delete-without-write', '/filesystem/preopens/0/delete'],
    ['a preopen without access', (m: any) => m.filesystem.preopens.push({ ...preopen, read: false }), 'manifest/preopen-without-access', '/filesystem/preopens/0'],
    ['a relative host path', (m: any) => m.filesystem.preopens.push({ ...preopen, hostPath: 'data' }), 'manifest/unclean-path', '/filesystem/preopens/0/hostPath'],
    ['$TMPDIR in a manifest', (m: any) => m.filesystem.preopens.push({ ...preopen, hostPath: '$TMPDIR' }), 'manifest/unclean-path', '/filesystem/preopens/0/hostPath'],
    ['an uncleaned host path', (m: any) => m.filesystem.preopens.push({ ...preopen, hostPath: '/srv/../etc' }), 'manifest/unclean-path', '/filesystem/preopens/0/hostPath'],
    ['an uncleaned guest path', (m: any) => m.filesystem.preopens.push({ ...preopen, guestPath: '/data/' }), 'manifest/unclean-path', '/filesystem/preopens/0/guestPath'],
    ['a seed without pseudo random', (m: any) => (m.random = { mode: 'secure', seed: 7 }), 'manifest/seed-without-pseudo', '/random/seed'],
    ['network none with hosts', (m: any) => (m.network.hosts = [{ host: 'a.test', ports: [], secure: false }]), 'manifest/inconsistent-mode', '/network/mode'],
    ['network none with loopback', (m: any) => (m.network.loopback = true), 'manifest/inconsistent-mode', '/network/mode'],
    ['network restricted without grants', (m: any) => (m.network.mode = 'restricted'), 'manifest/inconsistent-mode', '/network/mode'],
    ['network full with ports', (m: any) => { m.network = { mode: 'full', loopback: true, hosts: [], ports: [{ from: 1, to: 1 }] }; }, 'manifest/inconsistent-mode', '/network/mode'],
    ['environment allow without names', (m: any) => (m.environment.mode = 'allow'), 'manifest/inconsistent-mode', '/environment/names'],
    ['environment full with names', (m: any) => (m.environment = { mode: 'full', names: ['A'] }), 'manifest/inconsistent-mode', '/environment/names'],
    ['process allow without commands', (m: any) => (m.process.mode = 'allow'), 'manifest/inconsistent-mode', '/process/commands'],
    ['process none with commands', (m: any) => (m.process.commands = ['sh']), 'manifest/inconsistent-mode', '/process/commands'],
    ['reserved pages above the maximum', (m: any) => (m.limits.memory.reservedPages = 200), 'manifest/reserved-exceeds-max', '/limits/memory/reservedPages'],
    ['a custom value outside its range', (m: any) => m.custom.push({ name: 'n', type: 'number', value: 0, min: 1, max: 2 }), 'manifest/custom-out-of-range', '/custom/0/value'],
    ['custom bounds reversed', (m: any) => m.custom.push({ name: 'n', type: 'number', value: 1, min: 2, max: 1 }), 'manifest/custom-bounds-reversed', '/custom/0/min'],
    ['duplicate custom names', (m: any) => m.custom.push({ name: 'n', type: 'string', value: '' }, { name: 'n', type: 'string', value: 'x' }), 'manifest/duplicate-custom', '/custom/1/name'],
    ['an import requiring an undeclared capability', (m: any) => m.imports.push({ module: 'env', name: 'log', requires: 'x' }), 'manifest/unknown-requirement', '/imports/0/requires'],
    ['an invalid host', (m: any) => { m.network.mode = 'restricted'; m.network.hosts = [{ host: 'a..b', ports: [], secure: false }]; }, 'manifest/invalid-host', '/network/hosts/0/host'],
    ['one guest path for two host paths', (m: any) => m.filesystem.preopens.push(preopen, { ...preopen, hostPath: '/other' }), 'manifest/preopen-conflict', '/filesystem/preopens/1/hostPath'],
  ])('%s', (_, edit, code, path) => {
    const result = validateManifest(edited(edit));
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => ({ code: d.code, path: d.data?.path }))).toEqual([{ code, path }]);
  });

  test('a future format version gets one clear diagnostic', () => {
    const result = validateManifest(edited((m) => { m.version = 2; m.newArea = {}; }));
    expect(result.diagnostics.map((d) => [d.code, d.data?.path, d.help])).toEqual([
      ['manifest/unsupported-version', '/version', 'upgrade wsbc, or compile the policy with this version'],
    ]);
  });

  test('a valid manifest that is not in normal form is accepted with a warning at the first difference', () => {
    const m = edited((x) => { x.environment = { mode: 'allow', names: ['TZ', 'LANG'] }; });
    const result = validateManifest(m, 'hand-written.json');
    expect(result.ok).toBe(true);
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.data?.path, d.data?.file])).toEqual([
      ['manifest/not-normalized', 'warning', '/environment/names/0', 'hand-written.json'],
    ]);
  });

  test('key order does not matter; $schema is allowed for editors and dropped', () => {
    const m = JSON.parse(canonicalManifestJson(maximal()));
    const reversed = Object.fromEntries(Object.entries({ $schema: 'https://example.test/s.json', ...m }).reverse());
    const result = validateManifest(reversed);
    expect(result.diagnostics).toEqual([]);
    expect(result.ok && canonicalManifestJson(result.value)).toBe(canonicalManifestJson(m));
  });

  test('the validated manifest is a fresh object, not the caller\'s', () => {
    const m = edited(() => {});
    const result = validateManifest(m);
    expect(result.ok && result.value).not.toBe(m);
  });
});

describe('a manifest with many problems', () => {
  /** The default manifest's JSON, pretty-printed, with one edit. */
  function text(edit: (m: Record<string, any>) => void): string {
    return JSON.stringify(edited(edit), null, 2);
  }
  const emptyModules = (count: number) => (m: Record<string, any>) => {
    m.imports = Array.from({ length: count }, (_, i) => ({ module: '', name: `f${i}`, requires: null }));
  };
  const paths = (result: { diagnostics: Array<{ data?: Record<string, unknown> }> }) => result.diagnostics.map((d) => d.data?.path);

  test('lists the first 100 problems, then one diagnostic saying how many more were not reported', () => {
    const json = text(emptyModules(150));
    const result = loadManifest(json, 'broken.json');
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toHaveLength(101);
    expect(paths(result).slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => `/imports/${i}/module`));
    const last = result.diagnostics[99]!;
    expect(last).toMatchObject({ code: 'manifest/schema-violation', message: 'imports[99].module must not be empty' });
    const span = last.span as TextSpan;
    expect(json.slice(span.startOffset, span.endOffset)).toBe('"module": ""');
    expect(json.split('\n')[span.line - 1]).toBe('      "module": "",');
    expect(result.diagnostics[100]).toEqual({
      code: 'manifest/too-many-problems',
      severity: 'error',
      message: '50 more problems not reported: only the first 100 problems of a manifest are listed',
      help: 'fix the problems listed and check again; this many usually share one cause, such as the program that wrote the manifest',
      data: { path: '', listed: 100, unlisted: 50, file: 'broken.json' },
      span: expect.objectContaining({ file: 'broken.json', line: 1, column: 1 }),
    });
  });

  test.each([
    [99, 99],
    [100, 100],
  ])('lists all of %i problems, with nothing about unreported ones', (count, listed) => {
    const result = loadManifest(text(emptyModules(count)), 'm.json');
    expect(paths(result)).toEqual(Array.from({ length: listed }, (_, i) => `/imports/${i}/module`));
  });

  test('says "1 more problem" for 101', () => {
    const result = loadManifest(text(emptyModules(101)), 'm.json');
    expect(result.diagnostics).toHaveLength(101);
    expect(result.diagnostics[100]!.message).toBe('1 more problem not reported: only the first 100 problems of a manifest are listed');
  });

  test('lists all of 99 problems that the schema validator also reports another way (the failed `if` of a custom value)', () => {
    const result = validateManifest(edited((m) => {
      m.custom = Array.from({ length: 99 }, (_, i) => ({ name: `c${String(i).padStart(2, '0')}`, type: 'number', value: 'x', min: null, max: null }));
    }));
    expect(result.diagnostics.map((d) => d.message)).toEqual(Array.from({ length: 99 }, (_, i) => `custom[${i}].value must be a number`));
  });

  test('counts exactly the problems of the rules the schema cannot express, and leaves out ignored grants as before', () => {
    const result = loadManifest(
      text((m) => {
        m.network.hosts = [{ host: 'a.test', ports: [], secure: false }]; // mode none: inconsistent-mode, not also ignored-grant
        m.imports = Array.from({ length: 150 }, (_, i) => ({ module: 'env', name: `f${String(i).padStart(3, '0')}`, requires: 'undeclared' }));
      }),
      'm.json',
    );
    expect(result.diagnostics.map((d) => [d.code, d.data?.path]).slice(0, 2)).toEqual([
      ['manifest/inconsistent-mode', '/network/mode'],
      ['manifest/unknown-requirement', '/imports/0/requires'],
    ]);
    expect(result.diagnostics.slice(1, 100).every((d) => d.code === 'manifest/unknown-requirement')).toBe(true);
    expect(result.diagnostics[100]).toMatchObject({ code: 'manifest/too-many-problems', data: { unlisted: 51 }, message: expect.stringMatching(/^51 more problems not reported/) });
  });

  test.each([
    ['bad imports', (m: Record<string, any>) => (m.imports = Array.from({ length: 100_000 }, (_, i) => ({ module: i, name: '', requires: 7, extra: true })))],
    // Host grants are checked through a `$ref`, whose errors ajv merged by copying all so far.
    ['bad host grants', (m: Record<string, any>) => {
      m.network.mode = 'restricted';
      m.network.hosts = Array.from({ length: 100_000 }, () => ({ host: '', ports: [{ from: -1, to: 70_000 }], secure: 'yes' }));
    }],
  ])('stays fast with 100,000 %s, and says more were not reported without claiming how many', (_, edit) => {
    const json = JSON.stringify(edited(edit));
    const started = performance.now();
    const result = loadManifest(json, 'generated.json');
    // Well under a second here; before the limit, minutes and gigabytes.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toHaveLength(101);
    expect(result.diagnostics.slice(0, 100).every((d) => d.code === 'manifest/schema-violation' && d.span !== undefined)).toBe(true);
    expect(result.diagnostics[100]).toMatchObject({
      code: 'manifest/too-many-problems',
      message: 'more problems not reported: only the first 100 problems of a manifest are listed, and the schema check stopped before counting them all',
      data: { path: '', listed: 100, file: 'generated.json' },
    });
    expect(result.diagnostics[100]!.data).not.toHaveProperty('unlisted');
  });

  test('a large valid manifest is accepted whole, with no diagnostics', () => {
    const m = edited((x) => {
      x.imports = Array.from({ length: 5000 }, (_, i) => ({ module: 'env', name: `f${String(i).padStart(4, '0')}`, requires: null }));
    });
    const result = loadManifest(JSON.stringify(m), 'big.json');
    expect(result.diagnostics).toEqual([]);
    expect(result.ok && result.value.imports).toHaveLength(5000);
  });
});
