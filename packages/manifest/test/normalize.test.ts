import { describe, expect, test } from 'vitest';
import {
  DEFAULT_MANIFEST,
  canonicalManifestJson,
  manifestHash,
  normalize,
  type ManifestInput,
} from '@wsbc/manifest';
import { ok, options } from './helpers.js';


function problems(input: unknown): Array<{ code: string; path: unknown; severity: string }> {
  const result = normalize(input as ManifestInput, options);
  return result.diagnostics.map((d) => ({ code: d.code, path: d.data?.path, severity: d.severity }));
}

describe('equivalent inputs give byte-identical manifests and hashes', () => {
  const equivalences: Array<[string, ManifestInput, ManifestInput]> = [
    ['the empty input and the explicit minimal preset', {}, { preset: 'minimal' }],
    [
      'port lists in any order, overlapping and adjacent ranges',
      { network: { ports: [{ from: 8080, to: 8090 }, { from: 80, to: 80 }, { from: 81, to: 82 }, { from: 8085, to: 8100 }] } },
      { network: { mode: 'restricted', ports: [{ from: 80, to: 82 }, { from: 8080, to: 8100 }] } },
    ],
    ['a single port written with and without `to`', { network: { ports: [{ from: 443 }] as never } }, { network: { ports: [{ from: 443, to: 443 }] } }],
    [
      'host names in any case, with a trailing dot, listed twice',
      { network: { hosts: [{ host: 'API.Example.com.', ports: [{ from: 443, to: 443 }], secure: true }, { host: 'api.example.com', ports: [{ from: 443, to: 443 }], secure: true }] } },
      { network: { mode: 'restricted', hosts: [{ host: 'api.example.com', ports: [{ from: 443, to: 443 }], secure: true }] } },
    ],
    [
      'an IPv6 address in any of its spellings (RFC 5952 canonical form)',
      { network: { hosts: [{ host: '[2001:DB8:0:0:0:0:0:1]', ports: [{ from: 443, to: 443 }] }, { host: '0::1', ports: [{ from: 80, to: 80 }] }] } },
      { network: { hosts: [{ host: '2001:db8::1', ports: [{ from: 443, to: 443 }] }, { host: '::1', ports: [{ from: 80, to: 80 }] }] } },
    ],
    [
      'host grants for one host merge their ports; an empty list (every port) absorbs others',
      { network: { hosts: [{ host: 'a.test', ports: [{ from: 1, to: 2 }] }, { host: 'a.test' }] } },
      { network: { hosts: [{ host: 'a.test', ports: [], secure: false }] } },
    ],
    [
      'a host grant of every port, spelled as a range or as halves, is the empty list',
      { network: { hosts: [{ host: 'a.test', ports: [{ from: 0, to: 100 }] }, { host: 'a.test', ports: [{ from: 101, to: 65535 }] }, { host: 'b.test', ports: [{ from: 0, to: 65535 }] }] } },
      { network: { hosts: [{ host: 'a.test' }, { host: 'b.test', ports: [] }] } },
    ],
    ['restricted without grants is none', { network: { mode: 'restricted' } }, { network: { mode: 'none' } }],
    ['full network ignores its lists', { network: { mode: 'full', loopback: false } }, { network: { mode: 'full', loopback: true } }],
    [
      'relative, dotted and absolute spellings of one host directory',
      { filesystem: { preopens: [{ hostPath: './data/../data/', read: true }] } },
      { filesystem: { preopens: [{ hostPath: '/home/user/project/data', guestPath: '/home/user/project/data', read: true }] } },
    ],
    [
      'read and write of one directory in two entries is one read-write preopen',
      { filesystem: { preopens: [{ hostPath: 'out', guestPath: '/out', read: true }, { hostPath: './out', guestPath: '/out/', write: true, create: true }] } },
      { filesystem: { preopens: [{ hostPath: '/home/user/project/out', guestPath: '/out', read: true, write: true, create: true }] } },
    ],
    [
      'the tightest of two file size caps applies',
      { filesystem: { preopens: [{ hostPath: 'o', guestPath: '/o', write: true, maxFileSize: 100 }, { hostPath: 'o', guestPath: '/o', write: true, maxFileSize: 50 }] } },
      { filesystem: { preopens: [{ hostPath: 'o', guestPath: '/o', write: true, maxFileSize: 50 }] } },
    ],
    [
      'a file size cap on a read-only directory means nothing',
      { filesystem: { preopens: [{ hostPath: 'o', read: true, maxFileSize: 100 }] } },
      { filesystem: { preopens: [{ hostPath: 'o', read: true }] } },
    ],
    ['$TMPDIR names the temp directory', { filesystem: { preopens: [{ hostPath: '$TMPDIR/x', write: true }] } }, { filesystem: { preopens: [{ hostPath: '/var/tmp/x', write: true }] } }],
    ['preopens in any order', {
      filesystem: { preopens: [{ hostPath: '/b', read: true }, { hostPath: '/a', read: true }] },
    }, { filesystem: { preopens: [{ hostPath: '/a', read: true }, { hostPath: '/b', read: true }] } }],
    ['environment names sorted and de-duplicated', { environment: { names: ['TZ', 'LANG', 'TZ'] } }, { environment: { mode: 'allow', names: ['LANG', 'TZ'] } }],
    ['an allowlist of nothing is none', { environment: { mode: 'allow', names: [] } }, { environment: { mode: 'none' } }],
    ['a denylist of nothing is full', { environment: { mode: 'deny', names: [] } }, { environment: { mode: 'full' } }],
    ['process commands sorted', { process: { commands: ['ls', 'git', 'ls'] } }, { process: { mode: 'allow', commands: ['git', 'ls'] } }],
    ['an explicit null seed and no seed', { random: { mode: 'pseudo', seed: null } }, { random: {} }],
    [
      'imports sorted and de-duplicated, requires defaulting to null',
      { imports: [{ module: 'env', name: 'log' }, { module: 'a', name: 'b', requires: null }, { module: 'env', name: 'log', requires: null }] },
      { imports: [{ module: 'a', name: 'b' }, { module: 'env', name: 'log' }] },
    ],
    [
      'custom capabilities sorted by name, number bounds defaulting to null',
      { custom: [{ name: 'z', type: 'boolean', value: true }, { name: 'a', type: 'number', value: 3 } as never] },
      { custom: [{ name: 'a', type: 'number', value: 3, min: null, max: null }, { name: 'z', type: 'boolean', value: true }] },
    ],
    ['limits given partially keep every other default', { limits: { memory: { maxPages: 160 }, fuel: 10_000_000 } }, {}],
    ['-0 and 0', { limits: { io: { maxOpenFiles: -0 } } }, { limits: { io: { maxOpenFiles: 0 } } }],
    ['development preset spelled out', { preset: 'development' }, {
      network: { loopback: true },
      filesystem: { preopens: [{ hostPath: '/var/tmp', write: true, create: true, maxFileSize: 10 * 1024 * 1024 }, { hostPath: '.', read: true }] },
      environment: { names: ['TMP', 'TEMP', 'PATH'] },
      random: { mode: 'secure' },
    }],
  ];
  test.each(equivalences)('%s', (_, a, b) => {
    const left = ok(a);
    const right = ok(b);
    expect(canonicalManifestJson(left)).toBe(canonicalManifestJson(right));
    expect(manifestHash(left)).toBe(manifestHash(right));
  });

  test('different meanings give different hashes', () => {
    expect(manifestHash(ok({ limits: { fuel: null } }))).not.toBe(manifestHash(DEFAULT_MANIFEST));
    expect(manifestHash(ok({ network: { hosts: [{ host: 'a.test', secure: true }] } }))).not.toBe(
      manifestHash(ok({ network: { hosts: [{ host: 'a.test', secure: false }] } })),
    );
  });

  test('normalizing is idempotent: a normalized manifest normalizes to itself', () => {
    const m = ok({
      preset: 'development',
      network: { hosts: [{ host: 'b.test', ports: [{ from: 1, to: 5 }] }], ports: [{ from: 9, to: 9 }] },
      imports: [{ module: 'env', name: 'log', requires: 'logging' }],
      custom: [{ name: 'logging', type: 'boolean', value: true }],
      time: { deterministic: { startMs: 0, stepNs: 1000 } },
    });
    const again = normalize(m as ManifestInput, options);
    expect(again.ok && canonicalManifestJson(again.value)).toBe(canonicalManifestJson(m));
  });
});

describe('normal form', () => {
  test('fills every default of the minimal preset', () => {
    expect(DEFAULT_MANIFEST.limits.memory).toEqual({
      maxPages: 160, reservedPages: 16, maxGrowthPages: 10, maxTables: 1, maxTableElements: null, trapOnGrowFailure: false,
    });
    expect(DEFAULT_MANIFEST.limits.cpu).toEqual({ maxExecutionMs: 5000, usagePercent: 50, maxThreads: 1 });
    expect(DEFAULT_MANIFEST.limits.io).toEqual({
      maxOpenFiles: 10, readBytesPerSecond: 1048576, writeBytesPerSecond: 1048576, maxReadBytes: 10485760, maxWriteBytes: 5242880,
    });
    expect(DEFAULT_MANIFEST.limits.time).toEqual({ maxTotalMs: 30000, maxIdleMs: 5000 });
    expect(DEFAULT_MANIFEST.limits.fuel).toBe(10_000_000);
    expect(DEFAULT_MANIFEST.random).toEqual({ mode: 'pseudo', seed: null });
    expect(DEFAULT_MANIFEST.time).toEqual({ mode: 'read-only', deterministic: null });
    expect(DEFAULT_MANIFEST.network.mode).toBe('none');
    expect(Object.isFrozen(DEFAULT_MANIFEST.limits)).toBe(true);
  });

  test('guest path defaults to the cleaned absolute host path', () => {
    const m = ok({ filesystem: { preopens: [{ hostPath: 'assets//img/./', read: true }] } });
    expect(m.filesystem.preopens).toEqual([
      { hostPath: '/home/user/project/assets/img', guestPath: '/home/user/project/assets/img', read: true, write: false, create: false, delete: false, maxFileSize: null },
    ]);
  });

  test('`..` in a guest path cannot climb above the guest root', () => {
    const m = ok({ filesystem: { preopens: [{ hostPath: '/srv', guestPath: '/../../etc/..', read: true }] } });
    expect(m.filesystem.preopens[0]!.guestPath).toBe('/');
  });

  test('tmpDir defaults to the operating system temp directory', async () => {
    const os = await import('node:os');
    const result = normalize({ filesystem: { preopens: [{ hostPath: '$TMPDIR', write: true }] } }, { baseDir: '/' });
    expect(result.ok && result.value.filesystem.preopens[0]!.hostPath).toBe(os.tmpdir());
  });

  test('a `$TMPDIR` that is not a whole path component stays a relative name', () => {
    const m = ok({ filesystem: { preopens: [{ hostPath: '$TMPDIRX', read: true }] } });
    expect(m.filesystem.preopens[0]!.hostPath).toBe('/home/user/project/$TMPDIRX');
  });

  test('seeds are kept for pseudo random', () => {
    expect(ok({ random: { seed: 42 } }).random).toEqual({ mode: 'pseudo', seed: 42 });
  });

  test('IPv6 brackets are removed and wildcard hosts kept', () => {
    const m = ok({ network: { hosts: [{ host: '[::1]' }, { host: '*.Example.com' }] } });
    expect(m.network.hosts.map((h) => h.host)).toEqual(['*.example.com', '::1']);
  });

  test('custom string lists keep their order', () => {
    expect(ok({ custom: [{ name: 'path', type: 'string-list', value: ['b', 'a'] }] }).custom[0]).toEqual({
      name: 'path', type: 'string-list', value: ['b', 'a'],
    });
  });

  test('does not modify its input', () => {
    const input: ManifestInput = { network: { ports: [{ from: 2, to: 3 }, { from: 1, to: 1 }] }, environment: { names: ['B', 'A'] } };
    const copy = structuredClone(input);
    ok(input);
    expect(input).toEqual(copy);
  });
});

describe('diagnostics carry their code and JSON path, never an exception', () => {
  const cases: Array<[string, unknown, Array<{ code: string; path: string }>]> = [
    ['port above 65535', { network: { ports: [{ from: 70000, to: 70000 }] } }, [
      { code: 'manifest/out-of-range', path: '/network/ports/0/from' },
      { code: 'manifest/out-of-range', path: '/network/ports/0/to' },
    ]],
    ['negative port', { network: { hosts: [{ host: 'a.test', ports: [{ from: -1, to: 5 }] }] } }, [{ code: 'manifest/out-of-range', path: '/network/hosts/0/ports/0/from' }]],
    ['port range start after end', { network: { ports: [{ from: 90, to: 80 }] } }, [{ code: 'manifest/port-range-reversed', path: '/network/ports/0' }]],
    ['zero pages', { limits: { memory: { maxPages: 0 } } }, [{ code: 'manifest/out-of-range', path: '/limits/memory/maxPages' }]],
    ['more pages than wasm32 addresses', { limits: { memory: { maxPages: 65537, reservedPages: 0 } } }, [{ code: 'manifest/out-of-range', path: '/limits/memory/maxPages' }]],
    ['fractional pages', { limits: { memory: { maxGrowthPages: 1.5 } } }, [{ code: 'manifest/out-of-range', path: '/limits/memory/maxGrowthPages' }]],
    ['percent above 100', { limits: { cpu: { usagePercent: 101 } } }, [{ code: 'manifest/out-of-range', path: '/limits/cpu/usagePercent' }]],
    ['percent 0', { limits: { cpu: { usagePercent: 0 } } }, [{ code: 'manifest/out-of-range', path: '/limits/cpu/usagePercent' }]],
    ['zero fuel', { limits: { fuel: 0 } }, [{ code: 'manifest/out-of-range', path: '/limits/fuel' }]],
    ['fuel beyond exact integers', { limits: { fuel: 2 ** 60 } }, [{ code: 'manifest/out-of-range', path: '/limits/fuel' }]],
    ['NaN total time', { limits: { time: { maxTotalMs: Number.NaN } } }, [{ code: 'manifest/out-of-range', path: '/limits/time/maxTotalMs' }]],
    ['string where a number belongs', { limits: { io: { maxOpenFiles: '10' } } }, [{ code: 'manifest/invalid-type', path: '/limits/io/maxOpenFiles' }]],
    ['seed above 2^32-1', { random: { seed: 2 ** 32 } }, [{ code: 'manifest/out-of-range', path: '/random/seed' }]],
    ['reserved above max', { limits: { memory: { maxPages: 8, reservedPages: 16 } } }, [{ code: 'manifest/reserved-exceeds-max', path: '/limits/memory/reservedPages' }]],
    ['create without write', { filesystem: { preopens: [{ hostPath: 'a', read: true, create: true }] } }, [{ code: 'manifest/create-without-write', path: '/filesystem/preopens/0/create' }]],
    ['delete without write', { filesystem: { preopens: [{ hostPath: 'a', read: true, delete: true }] } }, [{ code: 'manifest/delete-without-write', path: '/filesystem/preopens/0/delete' }]],
    ['create granted in a second entry still needs write', {
      filesystem: { preopens: [{ hostPath: 'a', guestPath: '/a', read: true }, { hostPath: 'a', guestPath: '/a', read: true, create: true }] },
    }, [{ code: 'manifest/create-without-write', path: '/filesystem/preopens/1/create' }]],
    ['neither read nor write', { filesystem: { preopens: [{ hostPath: 'a' }] } }, [{ code: 'manifest/preopen-without-access', path: '/filesystem/preopens/0' }]],
    ['one guest path, two host directories', {
      filesystem: { preopens: [{ hostPath: 'a', guestPath: '/data', read: true }, { hostPath: 'b', guestPath: '/data', read: true }] },
    }, [{ code: 'manifest/preopen-conflict', path: '/filesystem/preopens/1/hostPath' }]],
    ['guest path spelled differently still conflicts', {
      filesystem: { preopens: [{ hostPath: 'a', guestPath: '/data', read: true }, { hostPath: 'b', guestPath: '/x/../data/', read: true }] },
    }, [{ code: 'manifest/preopen-conflict', path: '/filesystem/preopens/1/hostPath' }]],
    ['relative guest path', { filesystem: { preopens: [{ hostPath: 'a', guestPath: 'data', read: true }] } }, [{ code: 'manifest/invalid-guest-path', path: '/filesystem/preopens/0/guestPath' }]],
    ['empty host path', { filesystem: { preopens: [{ hostPath: '', read: true }] } }, [{ code: 'manifest/unclean-path', path: '/filesystem/preopens/0/hostPath' }]],
    ['seed without pseudo', { random: { mode: 'secure', seed: 1 } }, [{ code: 'manifest/seed-without-pseudo', path: '/random/seed' }]],
    ['bare wildcard host', { network: { hosts: [{ host: '*' }] } }, [{ code: 'manifest/invalid-host', path: '/network/hosts/0/host' }]],
    ['wildcard in the middle', { network: { hosts: [{ host: 'a.*.com' }] } }, [{ code: 'manifest/invalid-host', path: '/network/hosts/0/host' }]],
    ['host with a space', { network: { hosts: [{ host: 'a b.com' }] } }, [{ code: 'manifest/invalid-host', path: '/network/hosts/0/host' }]],
    ['IPv4 octet above 255', { network: { hosts: [{ host: '10.0.0.256' }] } }, [{ code: 'manifest/invalid-host', path: '/network/hosts/0/host' }]],
    ['environment name with =', { environment: { names: ['A=B'] } }, [{ code: 'manifest/invalid-name', path: '/environment/names/0' }]],
    ['empty command', { process: { commands: [''] } }, [{ code: 'manifest/invalid-name', path: '/process/commands/0' }]],
    ['empty import name', { imports: [{ module: 'env', name: '' }] }, [{ code: 'manifest/invalid-name', path: '/imports/0/name' }]],
    ['import requiring an undeclared capability', { imports: [{ module: 'env', name: 'log', requires: 'loging' }], custom: [{ name: 'logging', type: 'boolean', value: true }] },
      [{ code: 'manifest/unknown-requirement', path: '/imports/0/requires' }]],
    ['conflicting import grants', {
      imports: [{ module: 'env', name: 'log', requires: 'a' }, { module: 'env', name: 'log' }],
      custom: [{ name: 'a', type: 'boolean', value: true }],
    }, [{ code: 'manifest/conflicting-import', path: '/imports/1' }]],
    ['duplicate custom', { custom: [{ name: 'a', type: 'boolean', value: true }, { name: 'a', type: 'string', value: 'x' }] }, [{ code: 'manifest/duplicate-custom', path: '/custom/1/name' }]],
    ['custom value outside its own range', { custom: [{ name: 'n', type: 'number', value: 200, min: 1, max: 100 }] }, [{ code: 'manifest/custom-out-of-range', path: '/custom/0/value' }]],
    ['custom min above max', { custom: [{ name: 'n', type: 'number', value: 5, min: 10, max: 1 }] }, [{ code: 'manifest/custom-bounds-reversed', path: '/custom/0/min' }]],
    ['custom bounds on a boolean', { custom: [{ name: 'b', type: 'boolean', value: true, min: 1 }] }, [{ code: 'manifest/unknown-field', path: '/custom/0/min' }]],
    ['custom of unknown type', { custom: [{ name: 'b', type: 'bool', value: true }] }, [{ code: 'manifest/unknown-value', path: '/custom/0/type' }]],
    ['unknown network mode', { network: { mode: 'restricetd' } }, [{ code: 'manifest/unknown-value', path: '/network/mode' }]],
    ['unknown audit setting', { audit: { decisions: 'some' } }, [{ code: 'manifest/unknown-value', path: '/audit/decisions' }]],
    ['a manifest of another format version', { version: 2 }, [{ code: 'manifest/unsupported-version', path: '/version' }]],
    ['unknown preset', { preset: 'develop' }, [{ code: 'manifest/unknown-preset', path: '/preset' }]],
    ['typo in an area name', { filesytem: {} }, [{ code: 'manifest/unknown-field', path: '/filesytem' }]],
    ['typo in a limit name', { limits: { memory: { maxPage: 10 } } }, [{ code: 'manifest/unknown-field', path: '/limits/memory/maxPage' }]],
    ['an area that is not an object', { network: 'full' }, [{ code: 'manifest/invalid-type', path: '/network' }]],
    ['a list that is not a list', { environment: { names: 'PATH' } }, [{ code: 'manifest/invalid-type', path: '/environment/names' }]],
    ['an input that is not an object', [], [{ code: 'manifest/invalid-type', path: '' }]],
    ['a typo inside the deterministic clock', { time: { deterministic: { startMs: 0, stepNS: 1 } } }, [{ code: 'manifest/unknown-field', path: '/time/deterministic/stepNS' }]],
    ['a deterministic clock that is not an object', { time: { deterministic: 5 } }, [{ code: 'manifest/invalid-type', path: '/time/deterministic' }]],
    ['a boolean that is a string', { network: { loopback: 'yes' } }, [{ code: 'manifest/invalid-type', path: '/network/loopback' }]],
    // Past the instrumenter's guard (LIMITS.maxStackDepth): such a manifest could never be built.
    ['a stack depth no guard can enforce', { limits: { stack: { maxDepth: 2_000_000 } } }, [{ code: 'manifest/out-of-range', path: '/limits/stack/maxDepth' }]],
  ];
  test.each(cases)('%s', (_, input, expected) => {
    const result = normalize(input as ManifestInput, options);
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => ({ code: d.code, path: d.data?.path }))).toEqual(expected);
    for (const d of result.diagnostics) expect(d.message.length).toBeGreaterThan(10);
  });

  test('reports every problem in one run', () => {
    const found = problems({ network: { ports: [{ from: 9, to: 1 }] }, limits: { memory: { maxPages: 0 }, cpu: { usagePercent: 500 } } });
    expect(found.map((p) => p.path)).toEqual(['/network/ports/0', '/limits/memory/maxPages', '/limits/cpu/usagePercent']);
  });

  test('did-you-mean help for typos', () => {
    const result = normalize({ filesytem: {} } as ManifestInput, options);
    expect(result.diagnostics[0]!.help).toBe('did you mean "filesystem"?');
    const mode = normalize({ network: { mode: 'restricetd' } } as never, options);
    expect(mode.diagnostics[0]!.help).toBe('did you mean "restricted"?');
  });

  test('grant lists under mode none or full are dropped with a warning', () => {
    const result = normalize({ network: { mode: 'none', hosts: [{ host: 'a.test' }] }, environment: { mode: 'full', names: ['A'] } }, options);
    expect(result.ok).toBe(true);
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.data?.path])).toEqual([
      ['manifest/ignored-grant', 'warning', '/network'],
      ['manifest/ignored-grant', 'warning', '/environment'],
    ]);
    expect(result.ok && result.value.network).toEqual({ mode: 'none', loopback: false, hosts: [], ports: [] });
  });

  test('a `__proto__` key is an unknown field, not a prototype change', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "limits": {"__proto__": {"fuel": null}}}');
    const result = normalize(input, options);
    expect(result.diagnostics.map((d) => d.data?.path)).toEqual(['/__proto__', '/limits/__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('keys needing escape in JSON pointers are escaped', () => {
    const result = normalize({ 'a/b~c': 1 } as never, options);
    expect(result.diagnostics[0]!.data?.path).toBe('/a~1b~0c');
  });
});
