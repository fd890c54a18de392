// Manifest JSON and inputs written to attack the reader and normalize(): hostile nesting,
// numbers, keys, names, paths and hosts must end in diagnostics (never an exception, a hang or a
// prototype), and two inputs that mean different things must never share a hash.
import { describe, expect, test } from 'vitest';
import {
  DEFAULT_MANIFEST,
  canonicalManifestJson,
  loadManifest,
  manifestHash,
  mergeManifestInputs,
  normalize,
  type ManifestInput,
} from '@wsbc/manifest';
import { ok, options } from './helpers.js';


function codes(input: unknown): Array<{ code: string; path: unknown }> {
  return normalize(input as ManifestInput, options).diagnostics.map((d) => ({ code: d.code, path: d.data?.path }));
}

/** The default manifest's JSON with one `"key":value` replaced, as a hand-edited file would be. */
function editedDefault(search: string, replacement: string): string {
  const text = JSON.stringify(JSON.parse(canonicalManifestJson(DEFAULT_MANIFEST)));
  expect(text).toContain(search);
  return text.replace(search, replacement);
}

describe('the JSON reader', () => {
  test.each([
    ['a million nested lists', '['.repeat(1_000_000)],
    ['a hundred thousand nested objects', '{"a":'.repeat(100_000)],
  ])('refuses %s with a diagnostic instead of overflowing the stack', (_, text) => {
    const result = loadManifest(text, 'deep.json');
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['manifest/invalid-json']);
  });

  test('refuses a key spelled twice, once with an escape', () => {
    const result = loadManifest('{"version":1,"ver\\u0073ion":1}', 'dup.json');
    expect(result.diagnostics.map((d) => d.code)).toEqual(['manifest/duplicate-key']);
  });

  test.each(['1e309', '-1e309', '160.5', '9007199254740993', '-0', '1e-400'])('refuses maxPages %s', (number) => {
    const result = loadManifest(editedDefault('"maxPages":160', `"maxPages":${number}`), 'n.json');
    expect(result.ok).toBe(false);
    expect(result.diagnostics[0]).toMatchObject({ code: 'manifest/schema-violation', data: { path: '/limits/memory/maxPages' } });
  });

  test('never turns a __proto__ key into a prototype', () => {
    const result = loadManifest(editedDefault('{"version":1', '{"__proto__":{"network":{"mode":"full"}},"version":1'), 'proto.json');
    expect(result.ok).toBe(false);
    expect(result.diagnostics[0]).toMatchObject({ code: 'manifest/schema-violation', data: { path: '/__proto__' } });
    expect(codes(JSON.parse('{"limits":{"memory":{"__proto__":{"maxPages":1}}}}'))).toEqual([{ code: 'manifest/unknown-field', path: '/limits/memory/__proto__' }]);
    expect(({} as Record<string, unknown>).network).toBeUndefined();
  });
});

describe('hashes', () => {
  test('keep names with different lone surrogates apart', () => {
    const a = ok({ name: '\ud800' });
    const b = ok({ name: '\udbff' });
    expect(manifestHash(a)).not.toBe(manifestHash(b));
    expect(canonicalManifestJson(a)).toContain('"\\ud800"');
  });

  test('keep imports apart whose module and name differ only in where a NUL falls', () => {
    const one = { module: 'a\u0000b', name: 'c' };
    const other = { module: 'a', name: 'b\u0000c' };
    const both = ok({ imports: [one, other] });
    expect(both.imports).toEqual([
      { ...other, requires: null },
      { ...one, requires: null },
    ]);
    expect(manifestHash(both)).not.toBe(manifestHash(ok({ imports: [one] })));
    expect(mergeManifestInputs({ imports: [one] }, { imports: [other] }).imports).toEqual([one, other]);
  });
});

describe('hosts', () => {
  test('refuses a non-ASCII name that lower-cases to ASCII (the Kelvin sign)', () => {
    expect(codes({ network: { hosts: [{ host: '\u212Aexample.com' }] } })).toEqual([{ code: 'manifest/invalid-host', path: '/network/hosts/0/host' }]);
  });

  test.each(['*.0.0.1', '*.1', 'a.1', '0x7f.1', '0x7f', 'example.0x1f'])('refuses %j, whose last label URL parsers read as an IPv4 number', (host) => {
    expect(codes({ network: { hosts: [{ host }] } })).toEqual([{ code: 'manifest/invalid-host', path: '/network/hosts/0/host' }]);
  });

  test.each(['10.0.0.1:8080', ':', ':::', '1:2', 'fffff::1', '::1.2.3.4.5', '1.2.3.4::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', 'g::1'])(
    'refuses %j, which is not an IPv6 address',
    (host) => {
      expect(codes({ network: { hosts: [{ host }] } })).toEqual([{ code: 'manifest/invalid-host', path: '/network/hosts/0/host' }]);
    },
  );

  test('accepts IPv6 addresses in every text form, and host names ending in a letter label', () => {
    const hosts = ['::', '::1', '[::1]', '::ffff:1.2.3.4', '2001:db8::8a2e:370:7334', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '1:2:3:4:5:6:1.2.3.4', 'a1.example.com', '*.0x.example', '1.2.3.4', 'EXAMPLE.com.'];
    const granted = ok({ network: { hosts: hosts.map((host) => ({ host })) } }).network.hosts.map((h) => h.host);
    // Each as written (lower case, no brackets or trailing dot), IPv6 in its RFC 5952 form.
    expect(new Set(granted)).toEqual(new Set(['::', '::1', '::ffff:1.2.3.4', '2001:db8::8a2e:370:7334', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:0', '1:2:3:4:5:6:1.2.3.4', 'a1.example.com', '*.0x.example', '1.2.3.4', 'example.com']));
  });
});

describe('paths', () => {
  test.each([
    ['a host path', { hostPath: '/srv/a\u0000/../../etc', read: true }, '/filesystem/preopens/0/hostPath'],
    ['a guest path', { hostPath: 'data', guestPath: '/data\u0000x', read: true }, '/filesystem/preopens/0/guestPath'],
  ])('refuses a NUL in %s', (_, preopen, path) => {
    expect(codes({ filesystem: { preopens: [preopen] } })).toEqual([{ code: 'manifest/unclean-path', path }]);
  });

  test('keeps `..`, trailing slashes and $TMPDIR forms to their documented meaning', () => {
    const m = ok({
      filesystem: {
        preopens: [
          { hostPath: '../../..//x/', read: true },
          { hostPath: '$TMPDIR/', guestPath: '/../t//', write: true },
          { hostPath: '$TMPDIRx', guestPath: '/literal', read: true },
        ],
      },
    });
    expect(m.filesystem.preopens.map((p) => [p.hostPath, p.guestPath])).toEqual([
      ['/home/user/project/$TMPDIRx', '/literal'],
      ['/var/tmp', '/t'],
      ['/x', '/x'],
    ]);
  });
});

describe('suggestions', () => {
  test('stay cheap for long unknown requirements against long custom names', () => {
    const started = performance.now();
    const result = normalize({ custom: [{ name: 'a'.repeat(30_000), type: 'boolean', value: true }], imports: [{ module: 'm', name: 'n', requires: 'b'.repeat(30_000) }] }, options);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['manifest/unknown-requirement']);
  });

  test('stay cheap for many unknown requirements, and the first still gets one', () => {
    const custom = Array.from({ length: 200 }, (_, i) => ({ name: `cap${i}`.padEnd(50, 'x'), type: 'boolean' as const, value: true }));
    const imports = [{ module: 'm', name: 'first', requires: `${'cap7'.padEnd(49, 'x')}y` }, ...Array.from({ length: 20_000 }, (_, i) => ({ module: 'm', name: `n${i}`, requires: 'z' }))];
    const started = performance.now();
    const result = normalize({ custom, imports }, options);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(result.diagnostics).toHaveLength(imports.length);
    expect(result.diagnostics[0]!.help).toBe(`did you mean "${'cap7'.padEnd(50, 'x')}"?`);
  });
});
