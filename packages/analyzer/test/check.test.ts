// checkModule, one rule at a time: each case is a hand-written module, a policy, and the exact
// list of findings (code, module, name, capability) it must produce, in byte order.
import { describe, expect, it } from 'vitest';
import { allCodes, type ByteSpan, type Diagnostic } from '@wsbc/diagnostics';
import type { ManifestInput } from '@wsbc/manifest';
import { checkModule } from '../src/index.js';
import { fixture, manifest, wat } from './helpers.js';

type Expected = { code: string; module?: string | null; name?: string | null; capability?: string | null; severity?: string };

interface Case {
  title: string;
  wat: string;
  policy?: ManifestInput;
  findings: Expected[];
}

const p1 = (name: string, sig: string) => `(import "wasi_snapshot_preview1" "${name}" (func ${sig}))`;
const mod = (...items: string[]) => `(module ${items.join('\n')})`;

function project(findings: Diagnostic[]): Expected[] {
  return findings.map((f) => {
    const data = f.data ?? {};
    return { code: f.code, severity: f.severity, module: (data.module as string | null) ?? null, name: (data.name as string | null) ?? null, capability: (data.capability as string | null) ?? null };
  });
}

function normalizeExpected(e: Expected): Expected {
  return { code: e.code, severity: e.severity ?? 'error', module: e.module ?? null, name: e.name ?? null, capability: e.capability ?? null };
}

const notAllowed = (name: string, capability: string, module = 'wasi_snapshot_preview1'): Expected => ({ code: 'check/import-not-allowed', module, name, capability });

const envHidden = (name: string): Expected => ({ code: 'check/environment-not-granted', severity: 'warning', module: 'wasi_snapshot_preview1', name, capability: 'environment' });

const cases: Case[] = [
  // ---------------------------------------------------------------- capability families
  {
    title: 'allows stdio, args, exit and sched_yield under the minimal policy',
    wat: mod(p1('fd_write', '(param i32 i32 i32 i32) (result i32)'), p1('fd_read', '(param i32 i32 i32 i32) (result i32)'), p1('args_get', '(param i32 i32) (result i32)'), p1('proc_exit', '(param i32)'), p1('sched_yield', '(result i32)')),
    findings: [],
  },
  {
    title: 'refuses filesystem reads without a readable directory',
    wat: mod(p1('path_open', '(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)'), p1('fd_readdir', '(param i32 i32 i32 i64 i32) (result i32)'), p1('fd_prestat_get', '(param i32 i32) (result i32)'), p1('path_readlink', '(param i32 i32 i32 i32 i32 i32) (result i32)')),
    findings: [notAllowed('path_open', 'filesystem.any'), notAllowed('fd_readdir', 'filesystem.read'), notAllowed('fd_prestat_get', 'filesystem.any'), notAllowed('path_readlink', 'filesystem.read')],
  },
  {
    title: 'allows filesystem reads with a readable directory',
    wat: mod(p1('path_open', '(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)'), p1('fd_readdir', '(param i32 i32 i32 i64 i32) (result i32)')),
    policy: { filesystem: { preopens: [{ hostPath: './data', read: true }] } },
    findings: [],
  },
  {
    title: 'a readable directory does not grant writes, create or delete',
    wat: mod(p1('fd_pwrite', '(param i32 i32 i32 i64 i32) (result i32)'), p1('path_create_directory', '(param i32 i32 i32) (result i32)'), p1('path_unlink_file', '(param i32 i32 i32) (result i32)'), p1('fd_pread', '(param i32 i32 i32 i64 i32) (result i32)')),
    policy: { filesystem: { preopens: [{ hostPath: './data', read: true }] } },
    findings: [notAllowed('fd_pwrite', 'filesystem.write'), notAllowed('path_create_directory', 'filesystem.create'), notAllowed('path_unlink_file', 'filesystem.delete')],
  },
  {
    title: 'a writable directory does not grant reads (write never implies read)',
    wat: mod(p1('fd_pwrite', '(param i32 i32 i32 i64 i32) (result i32)'), p1('fd_pread', '(param i32 i32 i32 i64 i32) (result i32)'), p1('path_rename', '(param i32 i32 i32 i32 i32 i32) (result i32)')),
    policy: { filesystem: { preopens: [{ hostPath: './out', write: true, create: true }] } },
    findings: [notAllowed('fd_pread', 'filesystem.read'), notAllowed('path_rename', 'filesystem.delete')],
  },
  {
    title: 'warns that environment access under minimal sees an empty environment',
    wat: mod(p1('environ_get', '(param i32 i32) (result i32)'), p1('environ_sizes_get', '(param i32 i32) (result i32)')),
    findings: [envHidden('environ_get'), envHidden('environ_sizes_get')],
  },
  {
    title: 'allows environment access with an allowlist',
    wat: mod(p1('environ_get', '(param i32 i32) (result i32)')),
    policy: { environment: { mode: 'allow', names: ['LANG'] } },
    findings: [],
  },
  {
    title: 'reading clocks and polling are always allowed; setting timestamps needs time full and write',
    wat: mod(p1('clock_time_get', '(param i32 i64 i32) (result i32)'), p1('clock_res_get', '(param i32 i32) (result i32)'), p1('poll_oneoff', '(param i32 i32 i32 i32) (result i32)'), p1('fd_filestat_set_times', '(param i32 i64 i64 i32) (result i32)')),
    findings: [notAllowed('fd_filestat_set_times', 'filesystem.write'), notAllowed('fd_filestat_set_times', 'time.set')],
  },
  {
    title: 'time full and a writable directory allow setting timestamps',
    wat: mod(p1('path_filestat_set_times', '(param i32 i32 i32 i32 i64 i64 i32) (result i32)')),
    policy: { time: { mode: 'full' }, filesystem: { preopens: [{ hostPath: './out', write: true }] } },
    findings: [],
  },
  {
    title: 'random_get is allowed by the pseudo default and refused by random none',
    wat: mod(p1('random_get', '(param i32 i32) (result i32)')),
    policy: { random: { mode: 'none' } },
    findings: [notAllowed('random_get', 'random')],
  },
  {
    title: 'refuses sockets without network access',
    wat: mod(p1('sock_accept', '(param i32 i32 i32) (result i32)'), p1('sock_recv', '(param i32 i32 i32 i32 i32 i32) (result i32)'), p1('sock_send', '(param i32 i32 i32 i32 i32) (result i32)'), p1('sock_shutdown', '(param i32 i32) (result i32)')),
    findings: [notAllowed('sock_accept', 'network'), notAllowed('sock_recv', 'network'), notAllowed('sock_send', 'network'), notAllowed('sock_shutdown', 'network')],
  },
  {
    title: 'loopback access allows sockets',
    wat: mod(p1('sock_recv', '(param i32 i32 i32 i32 i32 i32) (result i32)')),
    policy: { network: { mode: 'restricted', loopback: true } },
    findings: [],
  },
  {
    title: 'refuses proc_raise without process access',
    wat: mod(p1('proc_raise', '(param i32) (result i32)')),
    findings: [notAllowed('proc_raise', 'process')],
  },
  {
    title: 'maps wasi_unstable names like preview1',
    wat: `(module (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32))) (import "wasi_unstable" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32))) (import "wasi_unstable" "random_get" (func (param i32 i32) (result i32))))`,
    findings: [notAllowed('path_open', 'filesystem.any', 'wasi_unstable')],
  },
  {
    title: 'wasi_unstable has no sock_accept',
    wat: `(module (import "wasi_unstable" "sock_accept" (func (param i32 i32 i32) (result i32))))`,
    findings: [{ code: 'check/unknown-import', module: 'wasi_unstable', name: 'sock_accept' }],
  },
  // ---------------------------------------------------------------- threads
  {
    title: 'refuses wasi-threads thread-spawn with one thread',
    wat: `(module (import "wasi" "thread-spawn" (func (param i32) (result i32))))`,
    findings: [{ code: 'check/thread-spawn-not-allowed', module: 'wasi', name: 'thread-spawn', capability: 'threads' }],
  },
  {
    title: 'allows thread-spawn when the policy allows several threads',
    wat: `(module (import "wasi" "thread-spawn" (func (param i32) (result i32))) (import "env" "memory" (memory 1 10 shared))
      (func (export "wasi_thread_start") (param i32 i32)))`,
    policy: { limits: { cpu: { maxThreads: 4 } }, imports: [{ module: 'env', name: 'memory' }] },
    findings: [],
  },
  {
    title: 'warns that threads cannot start without wasi_thread_start, or with the wrong type for it',
    wat: `(module (import "wasi" "thread-spawn" (func (param i32) (result i32))) (import "env" "memory" (memory 1 10 shared))
      (func (export "wasi_thread_start") (param i32)))`,
    policy: { limits: { cpu: { maxThreads: 4 } } },
    findings: [{ code: 'check/threads-unusable', severity: 'warning', module: 'wasi', name: 'thread-spawn', capability: 'threads' }],
  },
  {
    title: 'warns that threads cannot start on a memory the module defines (each instance would get its own)',
    wat: `(module (import "wasi" "thread-spawn" (func (param i32) (result i32))) (memory 1 10 shared)
      (func (export "wasi_thread_start") (param i32 i32)))`,
    policy: { limits: { cpu: { maxThreads: 4 } } },
    findings: [{ code: 'check/threads-unusable', severity: 'warning', module: 'wasi', name: 'thread-spawn', capability: 'threads' }],
  },
  {
    title: 'warns about a shared memory under a single thread',
    wat: `(module (memory 1 2 shared))`,
    findings: [{ code: 'check/shared-memory-without-threads', severity: 'warning' }],
  },
  // ---------------------------------------------------------------- extensions
  {
    title: 'maps WasmEdge sockets (both versions) to network and refuses them: the runtime has no WasmEdge sockets',
    wat: mod(p1('sock_open', '(param i32 i32 i32) (result i32)'), p1('sock_accept', '(param i32 i32) (result i32)'), p1('sock_getaddrinfo', '(param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)')),
    policy: { network: { mode: 'full' } },
    findings: [
      { code: 'check/nonstandard-wasi-import', module: 'wasi_snapshot_preview1', name: 'sock_open', capability: 'network' },
      { code: 'check/nonstandard-wasi-import', module: 'wasi_snapshot_preview1', name: 'sock_getaddrinfo', capability: 'network' },
    ],
  },
  {
    title: 'maps WASIX functions by family and refuses those the policy does not list',
    wat: `(module
      (import "wasix_32v1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "wasix_32v1" "proc_spawn" (func (param i32) (result i32)))
      (import "wasix_64v1" "sock_open" (func (param i32) (result i32)))
      (import "wasix_32v1" "futex_wait" (func (param i32) (result i32))))`,
    findings: [
      { code: 'check/nonstandard-wasi-import', module: 'wasix_32v1', name: 'fd_write' },
      { code: 'check/nonstandard-wasi-import', module: 'wasix_32v1', name: 'proc_spawn', capability: 'process' },
      notAllowed('proc_spawn', 'process', 'wasix_32v1'),
      { code: 'check/nonstandard-wasi-import', module: 'wasix_64v1', name: 'sock_open', capability: 'network' },
      notAllowed('sock_open', 'network', 'wasix_64v1'),
      { code: 'check/nonstandard-wasi-import', module: 'wasix_32v1', name: 'futex_wait' },
    ],
  },
  {
    title: 'a listed WASIX import is a warning (the embedder provides it) but still needs its capability',
    wat: `(module (import "wasix_32v1" "proc_spawn" (func (param i32) (result i32))) (import "wasix_32v1" "futex_wait" (func (param i32) (result i32))))`,
    policy: { imports: [{ module: 'wasix_32v1', name: '*' }] },
    findings: [
      { code: 'check/nonstandard-wasi-import', severity: 'warning', module: 'wasix_32v1', name: 'proc_spawn', capability: 'process' },
      notAllowed('proc_spawn', 'process', 'wasix_32v1'),
      { code: 'check/nonstandard-wasi-import', severity: 'warning', module: 'wasix_32v1', name: 'futex_wait' },
    ],
  },
  {
    title: 'reports component-model imports as unsupported, not unknown',
    wat: `(module (import "wasi:cli/environment@0.2.0" "get-environment" (func (param i32))))`,
    findings: [{ code: 'check/component-model-import', module: 'wasi:cli/environment@0.2.0', name: 'get-environment' }],
  },
  // ---------------------------------------------------------------- unknown and mistyped WASI
  {
    title: 'reports a misspelt WASI function as unknown',
    wat: mod(p1('fd_wrtie', '(param i32 i32 i32 i32) (result i32)')),
    findings: [{ code: 'check/unknown-import', module: 'wasi_snapshot_preview1', name: 'fd_wrtie' }],
  },
  {
    title: 'reports a WASI import whose type differs from the WASI signature',
    wat: mod(p1('fd_write', '(param i32 i32 i32) (result i32)'), p1('proc_exit', '(param i32) (result i32)')),
    findings: [
      { code: 'check/wasi-signature-mismatch', module: 'wasi_snapshot_preview1', name: 'fd_write' },
      { code: 'check/wasi-signature-mismatch', module: 'wasi_snapshot_preview1', name: 'proc_exit' },
    ],
  },
  {
    title: 'reports a WASI name imported as a global or memory',
    wat: `(module (import "wasi_snapshot_preview1" "random_get" (global i32)) (import "wasi_snapshot_preview1" "memory" (memory 1)))`,
    findings: [
      { code: 'check/wasi-signature-mismatch', module: 'wasi_snapshot_preview1', name: 'random_get' },
      { code: 'check/unknown-import', module: 'wasi_snapshot_preview1', name: 'memory' },
    ],
  },
  // ---------------------------------------------------------------- host imports
  {
    title: 'refuses host imports the policy does not list, of every kind but memory',
    wat: `(module (import "env" "log" (func (param i32 i32))) (import "env" "memory" (memory 1)) (import "env" "table" (table 1 funcref)) (import "env" "g" (global i32)))`,
    findings: [
      { code: 'check/host-import-not-allowed', module: 'env', name: 'log' },
      { code: 'check/host-import-not-allowed', module: 'env', name: 'table' },
      { code: 'check/host-import-not-allowed', module: 'env', name: 'g' },
    ],
  },
  {
    title: 'allows host imports by exact name and by `*`',
    wat: `(module (import "env" "log" (func (param i32 i32))) (import "my_host" "a" (func)) (import "my_host" "b" (func)))`,
    policy: { imports: [{ module: 'env', name: 'log' }, { module: 'my_host', name: '*' }] },
    findings: [],
  },
  {
    title: 'a grant for one name does not allow another name of the same module',
    wat: `(module (import "env" "log" (func (param i32 i32))) (import "env" "abort" (func)))`,
    policy: { imports: [{ module: 'env', name: 'log' }] },
    findings: [{ code: 'check/host-import-not-allowed', module: 'env', name: 'abort' }],
  },
  {
    title: 'a grant that requires a custom capability needs it granted and truthy',
    wat: `(module (import "my_host" "get_config" (func)) (import "other" "x" (func)))`,
    policy: {
      imports: [{ module: 'my_host', name: '*', requires: 'plugin-config' }, { module: 'other', name: 'x', requires: 'off' }],
      custom: [
        { name: 'plugin-config', type: 'string', value: '' },
        { name: 'off', type: 'boolean', value: false },
      ],
    },
    findings: [
      { code: 'check/host-import-not-allowed', module: 'my_host', name: 'get_config' },
      { code: 'check/host-import-not-allowed', module: 'other', name: 'x' },
    ],
  },
  {
    title: 'a granted custom capability admits the import',
    wat: `(module (import "my_host" "get_config" (func)))`,
    policy: { imports: [{ module: 'my_host', name: '*', requires: 'plugin-config' }], custom: [{ name: 'plugin-config', type: 'boolean', value: true }] },
    findings: [],
  },
  {
    title: 'WASI look-alike module names are host imports, not WASI',
    wat: `(module
      (import "wasi_snapshot_preview2" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "WASI_snapshot_preview1" "path_open" (func))
      (import "wasi_snapshot_preview1 " "random_get" (func (param i32 i32) (result i32))))`,
    findings: [
      { code: 'check/host-import-not-allowed', module: 'wasi_snapshot_preview2', name: 'fd_write' },
      { code: 'check/host-import-not-allowed', module: 'WASI_snapshot_preview1', name: 'path_open' },
      { code: 'check/host-import-not-allowed', module: 'wasi_snapshot_preview1 ', name: 'random_get' },
    ],
  },
  {
    title: 'an imports grant for a WASI module name does not bypass the capability check',
    wat: mod(p1('path_open', '(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)'), p1('proc_raise', '(param i32) (result i32)')),
    policy: { imports: [{ module: 'wasi_snapshot_preview1', name: '*' }, { module: 'wasi_snapshot_preview1', name: 'proc_raise' }] },
    findings: [notAllowed('path_open', 'filesystem.any'), notAllowed('proc_raise', 'process')],
  },
  {
    title: 'a WASI module name with a Cyrillic look-alike letter is a host import',
    wat: `(module (import "w\\u{430}si_snapshot_preview1" "random_get" (func (param i32 i32) (result i32))))`,
    findings: [{ code: 'check/host-import-not-allowed', module: 'w\u{0430}si_snapshot_preview1', name: 'random_get' }],
  },
  {
    title: 'a WASI function name with a trailing NUL is unknown, not the function',
    wat: `(module (import "wasi_snapshot_preview1" "fd_write\\00" (func (param i32 i32 i32 i32) (result i32))))`,
    findings: [{ code: 'check/unknown-import', module: 'wasi_snapshot_preview1', name: 'fd_write\u0000' }],
  },
  {
    title: 'the reserved module name is matched exactly: `WSBC` is an ordinary host import',
    wat: `(module (import "WSBC" "out_of_fuel" (func)))`,
    policy: { imports: [{ module: 'WSBC', name: 'out_of_fuel' }] },
    findings: [],
  },
  // ---------------------------------------------------------------- reserved names
  {
    title: 'refuses the instrumentation module name even when the policy lists it',
    wat: `(module (import "wsbc" "out_of_fuel" (func)))`,
    policy: { imports: [{ module: 'wsbc', name: '*' }] },
    findings: [{ code: 'check/reserved-import', module: 'wsbc', name: 'out_of_fuel' }],
  },
  {
    title: 'refuses exports that spoof the instrumentation globals',
    wat: `(module (global (export "__wsbc_fuel") (mut i64) (i64.const 1000000)))`,
    findings: [{ code: 'check/reserved-import', name: '__wsbc_fuel' }],
  },
  {
    title: 'warns about custom sections named like wsbc records',
    wat: `(module (@custom "wsbc.vetted" "fake") (@custom "wsbcx" "fine"))`,
    findings: [{ code: 'check/reserved-section', severity: 'warning', name: 'wsbc.vetted' }],
  },
  // ---------------------------------------------------------------- memories and tables
  {
    title: 'refuses a memory that starts above max pages',
    wat: `(module (memory 161))`,
    findings: [{ code: 'check/memory-too-large' }],
  },
  {
    title: 'accepts a memory at exactly max pages, whatever its declared maximum',
    wat: `(module (memory 160 65536))`,
    findings: [],
  },
  {
    title: 'checks imported memories too',
    wat: `(module (import "env" "memory" (memory 300)))`,
    policy: { imports: [{ module: 'env', name: 'memory' }] },
    findings: [{ code: 'check/memory-too-large', module: 'env', name: 'memory' }],
  },
  {
    title: 'checks every memory when a module imports one and defines another',
    wat: `(module (import "env" "memory" (memory 1)) (memory 500))`,
    policy: { imports: [{ module: 'env', name: 'memory' }] },
    findings: [{ code: 'check/memory-too-large' }],
  },
  {
    title: 'refuses memory64',
    wat: `(module (memory i64 1))`,
    findings: [{ code: 'check/memory64' }],
  },
  {
    title: 'refuses more tables than max tables',
    wat: `(module (import "env" "t" (table 1 funcref)) (table 1 funcref) (table 1 externref))`,
    policy: { imports: [{ module: 'env', name: 't' }], limits: { memory: { maxTables: 2 } } },
    // An imported table counts, though the runtime links no table import (parity-sweep.test.ts).
    findings: [{ code: 'check/host-import-not-allowed', module: 'env', name: 't' }, { code: 'check/too-many-tables' }],
  },
  {
    title: 'refuses a table larger than max table elements',
    wat: `(module (table 5000 funcref))`,
    policy: { limits: { memory: { maxTableElements: 1000 } } },
    findings: [{ code: 'check/table-too-large' }],
  },
  {
    title: 'reports the start function as information',
    wat: `(module (func $init) (start $init))`,
    findings: [{ code: 'check/start-function', severity: 'info' }],
  },
  // ---------------------------------------------------------------- adversarial duplicates
  {
    title: 'checks each of duplicated imports: a correct fd_write does not hide a mistyped one',
    wat: mod(p1('fd_write', '(param i32 i32 i32 i32) (result i32)'), p1('fd_write', '(param i32) (result i32)')),
    findings: [{ code: 'check/wasi-signature-mismatch', module: 'wasi_snapshot_preview1', name: 'fd_write' }],
  },
  {
    title: 'duplicated imports are each reported',
    wat: mod(p1('environ_get', '(param i32 i32) (result i32)'), p1('environ_get', '(param i32 i32) (result i32)')),
    findings: [envHidden('environ_get'), envHidden('environ_get')],
  },
];

describe('checkModule rules', () => {
  for (const c of cases) {
    it(c.title, async () => {
      const bytes = await wat(c.wat);
      const result = checkModule(bytes, manifest(c.policy ?? {}), { file: 'm.wasm' });
      expect(project(result.findings)).toEqual(c.findings.map(normalizeExpected));
      expect(result.allowed).toBe(!c.findings.some((f) => (f.severity ?? 'error') === 'error'));
    });
  }
});

describe('check/ codes', () => {
  it('every check/ code of the registry has a rule case above (or a malformed-input case below)', () => {
    const covered = new Set([...cases.flatMap((c) => c.findings.map((f) => f.code)), 'check/malformed-module', 'check/component-binary']);
    const registered = allCodes().map((c) => c.code).filter((c) => c.startsWith('check/'));
    expect(registered.filter((c) => !covered.has(c))).toEqual([]);
    expect([...covered].filter((c) => !registered.includes(c))).toEqual([]);
  });
});

describe('checkModule findings', () => {
  it('points at the byte offset of the import entry', async () => {
    const bytes = await wat(mod(p1('fd_write', '(param i32 i32 i32 i32) (result i32)'), p1('environ_get', '(param i32 i32) (result i32)')));
    const [finding] = checkModule(bytes, manifest(), { file: 'm.wasm' }).findings;
    const span = finding!.span as ByteSpan;
    expect(span.file).toBe('m.wasm');
    // The entry starts with the module name's length byte, followed by the name itself.
    const text = new TextDecoder().decode(bytes.subarray(span.byteOffset + 1, span.byteOffset + 1 + 22));
    expect(text).toBe('wasi_snapshot_preview1');
    const entry = new TextDecoder().decode(bytes.subarray(span.byteOffset, span.byteOffset + span.byteLength!));
    expect(entry).toContain('environ_get');
  });

  it('says which grant would allow a refused import', async () => {
    const bytes = await wat(mod(p1('fd_readdir', '(param i32 i32 i32 i64 i32) (result i32)')));
    const [finding] = checkModule(bytes, manifest()).findings;
    expect(finding!.message).toBe('import `wasi_snapshot_preview1` `fd_readdir` needs filesystem read, which the policy does not grant');
    expect(finding!.help).toMatch(/^granting `filesystem read` would allow this/);
  });

  it('every finding carries module, name and capability in its data', async () => {
    const bytes = await wat(`(module (import "env" "log" (func)) (import "wasi_snapshot_preview1" "environ_get" (func (param i32 i32) (result i32)))
      (memory 500 600 shared) (table 1 funcref) (table 1 funcref) (func $s) (start $s) (export "__wsbc_status" (func $s)))`);
    const findings = checkModule(bytes, manifest()).findings;
    expect(findings.length).toBeGreaterThanOrEqual(6);
    for (const f of findings) expect(Object.keys(f.data ?? {})).toEqual(expect.arrayContaining(['module', 'name', 'capability']));
  });

  it('suggests the policy line for a host import', async () => {
    const bytes = await wat(`(module (import "env" "log" (func)))`);
    const [finding] = checkModule(bytes, manifest()).findings;
    expect(finding!.help).toBe('add `imports { allow "env" "log" }` to the policy if the host provides it');
  });

  it('suggests the closest WASI name for a typo', async () => {
    const bytes = await wat(mod(p1('path_opne', '(param i32) (result i32)')));
    expect(checkModule(bytes, manifest()).findings[0]!.help).toBe('did you mean `path_open`?');
  });

  it('says when a host module name resembles WASI', async () => {
    const bytes = await wat(`(module (import "wasi_snapshot_preview2" "fd_write" (func)))`);
    expect(checkModule(bytes, manifest()).findings[0]!.message).toContain('resembles `wasi_snapshot_preview1`');
  });

  it('summarizes the capabilities a module needs', async () => {
    const result = checkModule(await fixture('everything'), manifest());
    expect(result.summary.capabilities).toEqual([
      'filesystem.any',
      'filesystem.read',
      'filesystem.write',
      'filesystem.create',
      'filesystem.delete',
      'environment',
      'time.read',
      'time.set',
      'random',
      'network',
      'process',
      'threads',
    ]);
    expect(result.summary.imports).toBe(17);
    expect(result.summary.hostImports).toBe(2);
    expect(result.summary.wasiImports).toBe(15);
    expect(result.allowed).toBe(false);
  });

  it('allows the stdio fixture under the minimal policy', async () => {
    const result = checkModule(await fixture('hello-stdio'), manifest());
    expect(result).toMatchObject({ allowed: true, findings: [] });
  });
});

describe('checkModule on malformed input', () => {
  const cases: Array<[string, Uint8Array, number]> = [
    ['an empty file', new Uint8Array([]), 0],
    ['a bad magic number', new Uint8Array([0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0]), 0],
    ['a truncated import section', new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 2, 10, 1, 3, 0x65]), 11],
  ];
  for (const [title, bytes] of cases) {
    it(`reports ${title} as check/malformed-module with its offset, never a crash`, () => {
      const result = checkModule(bytes, manifest(), { file: 'bad.wasm' });
      expect(result.allowed).toBe(false);
      expect(result.findings).toHaveLength(1);
      expect(result.findings[0]!.code).toBe('check/malformed-module');
      expect(result.findings[0]!.message).toMatch(/^malformed module at byte \d+: /);
      expect((result.findings[0]!.span as ByteSpan).byteOffset).toBeGreaterThanOrEqual(0);
    });
  }

  it('reports a malformed function body only when asked to walk the code', async () => {
    const bytes = await wat('(module (func (nop)))');
    const at = bytes.lastIndexOf(0x01);
    bytes[at] = 0xff;
    expect(checkModule(bytes, manifest()).allowed).toBe(true);
    const walked = checkModule(bytes, manifest(), { walkCode: true });
    expect(walked.allowed).toBe(false);
    expect(walked.findings).toMatchObject([{ code: 'check/malformed-module', span: { byteOffset: at } }]);
    expect(walked.findings[0]!.message).toContain('in function 0');
  });

  it('recognizes a component binary', () => {
    const component = new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]);
    const result = checkModule(component, manifest());
    expect(result.findings.map((f) => f.code)).toEqual(['check/component-binary']);
  });
});
