// One test per language construct: the policy text and the manifest fields it compiles to.
import { describe, expect, it } from 'vitest';
import { compileVirtual, errors, inPolicy } from './helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function compileBody(body: string) {
  const result = compileVirtual({ '/v/p.wsp': inPolicy(body) }, '/v/p.wsp');
  expect(errors(result), JSON.stringify(result.diagnostics, null, 1)).toEqual([]);
  expect(result.ok).toBe(true);
  return result.manifest!;
}

const cases: Array<[string, string, Record<string, unknown>]> = [
  ['network none', 'network none', { network: { mode: 'none', loopback: false, hosts: [], ports: [] } }],
  ['network full', 'network full', { network: { mode: 'full' } }],
  ['allow loopback', 'network {\n  allow loopback\n}', { network: { mode: 'restricted', loopback: true, hosts: [], ports: [] } }],
  [
    'a host with one port, secure',
    'network {\n  allow host "API.Example.com" ports 443 secure\n}',
    { network: { mode: 'restricted', hosts: [{ host: 'api.example.com', ports: [{ from: 443, to: 443 }], secure: true }] } },
  ],
  [
    'a wildcard host with a port list and ranges',
    'network {\n  allow host "*.example.com" ports [8000..8080, 443, 8081]\n}',
    { network: { hosts: [{ host: '*.example.com', ports: [{ from: 443, to: 443 }, { from: 8000, to: 8081 }], secure: false }] } },
  ],
  ['a host on every port', 'network {\n  allow host "10.0.0.1"\n}', { network: { hosts: [{ host: '10.0.0.1', ports: [], secure: false }] } }],
  ['ports on any host', 'network {\n  allow ports [53, 8000..8100]\n}', { network: { ports: [{ from: 53, to: 53 }, { from: 8000, to: 8100 }] } }],
  [
    'read, write and read-write directories with guest paths',
    'filesystem {\n  read "./in" as "/in"\n  write "out" as "/out"\n  read-write "/srv/data"\n}',
    {
      filesystem: {
        preopens: [
          { hostPath: '/v/in', guestPath: '/in', read: true, write: false, create: false, delete: false, maxFileSize: null },
          { hostPath: '/v/out', guestPath: '/out', read: false, write: true, create: false, delete: false, maxFileSize: null },
          { hostPath: '/srv/data', guestPath: '/srv/data', read: true, write: true },
        ],
      },
    },
  ],
  [
    'per-directory create, delete and max-file-size',
    'filesystem {\n  write "./out" as "/out" max-file-size 10MiB create delete\n}',
    { filesystem: { preopens: [{ guestPath: '/out', write: true, create: true, delete: true, maxFileSize: 10 * MiB }] } },
  ],
  [
    'block-level allow create / allow delete / max-file-size apply to writable directories only',
    'filesystem {\n  read "./in" as "/in"\n  write "./out" as "/out"\n  write "./big" as "/big" max-file-size unlimited\n  allow create\n  allow delete\n  max-file-size 1MB\n}',
    {
      filesystem: {
        preopens: [
          { guestPath: '/big', create: true, delete: true, maxFileSize: null },
          { guestPath: '/in', create: false, delete: false, maxFileSize: null },
          { guestPath: '/out', create: true, delete: true, maxFileSize: 1_000_000 },
        ],
      },
    },
  ],
  ['read and write of one directory merge', 'filesystem {\n  read "./d" as "/d"\n  write "./d" as "/d"\n}', { filesystem: { preopens: [{ guestPath: '/d', read: true, write: true }] } }],
  ['$TMPDIR names the host temp directory', 'filesystem {\n  write "$TMPDIR/job" as "/tmp"\n}', { filesystem: { preopens: [{ hostPath: '/tmp/wsbc-test/job', guestPath: '/tmp' }] } }],
  ['env none', 'env none', { environment: { mode: 'none', names: [] } }],
  ['env full', 'env full', { environment: { mode: 'full', names: [] } }],
  ['env allow', 'env allow ["TZ", "LANG", "TZ"]', { environment: { mode: 'allow', names: ['LANG', 'TZ'] } }],
  ['env deny', 'env deny ["AWS_SECRET_ACCESS_KEY"]', { environment: { mode: 'deny', names: ['AWS_SECRET_ACCESS_KEY'] } }],
  ['process none', 'process none', { process: { mode: 'none', commands: [] } }],
  ['process full', 'process full', { process: { mode: 'full', commands: [] } }],
  ['process allow', 'process allow ["make", "git"]', { process: { mode: 'allow', commands: ['git', 'make'] } }],
  ['time read-only', 'time read-only', { time: { mode: 'read-only', deterministic: null } }],
  ['time full', 'time full', { time: { mode: 'full', deterministic: null } }],
  ['deterministic clock with defaults', 'time read-only deterministic', { time: { deterministic: { startMs: 0, stepNs: 1_000_000 } } }],
  [
    'deterministic clock with an RFC 3339 start and a step',
    'time full deterministic start "2024-01-01T00:00:00Z" step 250us',
    { time: { mode: 'full', deterministic: { startMs: 1_704_067_200_000, stepNs: 250_000 } } },
  ],
  ['deterministic clock with a numeric start', 'time read-only deterministic step 1ns start 1000', { time: { deterministic: { startMs: 1000, stepNs: 1 } } }],
  ['random none', 'random none', { random: { mode: 'none', seed: null } }],
  ['random pseudo', 'random pseudo', { random: { mode: 'pseudo', seed: null } }],
  ['random pseudo with a seed', 'random pseudo seed 4294967295', { random: { mode: 'pseudo', seed: 4294967295 } }],
  ['random secure', 'random secure', { random: { mode: 'secure', seed: null } }],
  [
    'imports, with a wildcard and requires',
    'imports {\n  allow "env" "log"\n  allow "host" "*" requires "flag"\n}\ncustom "flag" = true',
    {
      imports: [
        { module: 'env', name: 'log', requires: null },
        { module: 'host', name: '*', requires: 'flag' },
      ],
    },
  ],
  [
    'custom values of every type',
    'custom "b" = false\ncustom "n" = -2.5 in -10..10\ncustom "u" = 7\ncustom "s" = "eu-west-1"\ncustom "l" = ["a", "b"]',
    {
      custom: [
        { name: 'b', type: 'boolean', value: false },
        { name: 'l', type: 'string-list', value: ['a', 'b'] },
        { name: 'n', type: 'number', value: -2.5, min: -10, max: 10 },
        { name: 's', type: 'string', value: 'eu-west-1' },
        { name: 'u', type: 'number', value: 7, min: null, max: null },
      ],
    },
  ],
  [
    'memory limits in bytes and pages',
    'limits {\n  memory max 64MiB reserved 2 pages growth 1 page tables 2 table-elements 10K grow-failure trap\n}',
    { limits: { memory: { maxPages: 1024, reservedPages: 2, maxGrowthPages: 1, maxTables: 2, maxTableElements: 10_000, trapOnGrowFailure: true } } },
  ],
  ['memory units with a space', 'limits {\n  memory max 1 GiB\n}', { limits: { memory: { maxPages: 16384 } } }],
  ['grow-failure fail', 'limits {\n  memory grow-failure fail table-elements unlimited\n}', { limits: { memory: { trapOnGrowFailure: false, maxTableElements: null } } }],
  ['cpu limits', 'limits {\n  cpu time 1.5s usage 25% threads 4\n}', { limits: { cpu: { maxExecutionMs: 1500, usagePercent: 25, maxThreads: 4 } } }],
  [
    'io limits with rates, totals and unlimited',
    'limits {\n  io open-files 3 read 2KiB/s write unlimited total-read 1GB total-write unlimited\n}',
    { limits: { io: { maxOpenFiles: 3, readBytesPerSecond: 2048, writeBytesPerSecond: null, maxReadBytes: 1_000_000_000, maxWriteBytes: null } } },
  ],
  ['time limits in minutes and hours', 'limits {\n  time total 1h idle 2m\n}', { limits: { time: { maxTotalMs: 3_600_000, maxIdleMs: 120_000 } } }],
  ['fuel with a count unit', 'limits {\n  fuel 2G\n}', { limits: { fuel: 2_000_000_000 } }],
  ['fuel unlimited', 'limits {\n  fuel unlimited\n}', { limits: { fuel: null } }],
  ['fuel with digit separators', 'limits {\n  fuel 1_500_000\n}', { limits: { fuel: 1_500_000 } }],
  ['stack depth', 'limits {\n  stack depth 512\n}', { limits: { stack: { maxDepth: 512 } } }],
  ['audit all', 'audit all', { audit: { decisions: 'all' } }],
  ['audit denied', 'audit denied', { audit: { decisions: 'denied' } }],
  ['audit none', 'audit none', { audit: { decisions: 'none' } }],
  ['one-line blocks', 'imports { allow "env" "log" }', { imports: [{ module: 'env', name: 'log', requires: null }] }],
  ['comments anywhere', '# leading\nenv allow [ # open\n  "A", # item\n  # own line\n  "B"\n] # end', { environment: { mode: 'allow', names: ['A', 'B'] } }],
  ['string escapes', 'env allow ["A\\u{42}\\"C\\\\"]', { environment: { names: ['AB"C\\'] } }],
];

describe('constructs', () => {
  for (const [name, body, expected] of cases) {
    it(name, () => {
      expect(compileBody(body)).toMatchObject(expected);
    });
  }

  it('an empty policy is the minimal preset', () => {
    const m = compileBody('');
    expect(m.name).toBe('t');
    expect(m.limits.memory.maxPages).toBe(160);
    expect(m.limits.fuel).toBe(10_000_000);
    expect(m.random.mode).toBe('pseudo');
  });

  it('an anonymous policy has an empty name', () => {
    const result = compileVirtual({ '/v/p.wsp': 'policy {\n}\n' }, '/v/p.wsp');
    expect(result.manifest?.name).toBe('');
  });

  it('units convert exactly, without floating-point rounding', () => {
    expect(compileBody('limits {\n  time total 0.7s idle 0.1s\n}').limits.time).toEqual({ maxTotalMs: 700, maxIdleMs: 100 });
    expect(compileBody('limits {\n  io total-read 1.5MiB\n}').limits.io.maxReadBytes).toBe(1_572_864);
  });

  it('units are case-sensitive: `m` is minutes and `M` a million', () => {
    expect(compileBody('limits {\n  time total 2m\n  fuel 2M\n}').limits).toMatchObject({ time: { maxTotalMs: 120_000 }, fuel: 2_000_000 });
  });
});
