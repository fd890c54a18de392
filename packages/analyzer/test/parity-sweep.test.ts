// Parity between the analyzer's verdict and what the runtime enforces: each case is a module the
// analyzer used to judge differently from the runtime (packages/runtime/src/guest.ts links the
// imports, packages/runtime/src/wasi/preview1.ts grants descriptor rights), or a finding that
// lost its import's module and name.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '@wsbc/diagnostics';
import type { ManifestInput } from '@wsbc/manifest';
import { checkModule, inferPolicy, PREVIEW1_FUNCTIONS, UNSTABLE_FUNCTIONS } from '../src/index.js';
import { manifest, wat } from './helpers.js';

async function check(text: string, policy: ManifestInput = {}) {
  return checkModule(await wat(text), manifest(policy));
}

const codes = (findings: Diagnostic[]) => findings.filter((f) => f.severity === 'error').map((f) => `${f.code} ${String(f.data?.module)}.${String(f.data?.name)}`);

const PATH_LINK = '(import "wasi_snapshot_preview1" "path_link" (func (param i32 i32 i32 i32 i32 i32 i32) (result i32)))';

describe('host import grants with requires', () => {
  // The policy-language example: publish needs publish-enabled, everything else of media_host is free.
  const policy: ManifestInput = {
    imports: [
      { module: 'media_host', name: '*' },
      { module: 'media_host', name: 'publish', requires: 'publish-enabled' },
    ],
    custom: [{ name: 'publish-enabled', type: 'boolean', value: false }],
  };

  it('a `*` grant does not waive the custom capability an exact grant requires', async () => {
    const result = await check('(module (import "media_host" "publish" (func)) (import "media_host" "thumbnail" (func)))', policy);
    expect(codes(result.findings)).toEqual(['check/host-import-not-allowed media_host.publish']);
    expect(result.findings[0]!.data).toMatchObject({ requires: 'publish-enabled' });
  });

  it('an exact grant does not waive the custom capability a `*` grant requires', async () => {
    const result = await check('(module (import "env" "log" (func)))', {
      imports: [
        { module: 'env', name: '*', requires: 'plugins' },
        { module: 'env', name: 'log' },
      ],
      custom: [{ name: 'plugins', type: 'boolean', value: false }],
    });
    expect(codes(result.findings)).toEqual(['check/host-import-not-allowed env.log']);
  });

  it('admits the import once every matching grant is satisfied', async () => {
    const result = await check('(module (import "media_host" "publish" (func)))', {
      ...policy,
      custom: [{ name: 'publish-enabled', type: 'boolean', value: true }],
    });
    expect(result.allowed).toBe(true);
  });
});

describe('host imports the runtime cannot link', () => {
  it('refuses a granted table, global or tag import: embedders provide functions only', async () => {
    const result = await check(
      '(module (import "env" "t" (table 1 funcref)) (import "env" "g" (global i32)) (import "env" "e" (tag (param i32))) (import "env" "memory" (memory 1)) (import "env" "f" (func)))',
      { imports: [{ module: 'env', name: '*' }] },
    );
    expect(codes(result.findings)).toEqual(['check/host-import-not-allowed env.t', 'check/host-import-not-allowed env.g', 'check/host-import-not-allowed env.e']);
    for (const finding of result.findings) expect(finding.span).toMatchObject({ byteOffset: expect.any(Number) });
  });

  it('refuses a WASIX import that is not a function, even when the policy lists it', async () => {
    const result = await check('(module (import "wasix_32v1" "fd_dup" (global i32)))', { imports: [{ module: 'wasix_32v1', name: '*' }] });
    expect(result.findings.map((f) => [f.code, f.severity])).toEqual([['check/nonstandard-wasi-import', 'error']]);
  });

  it('infer lists such imports as unfixable instead of granting them', async () => {
    const result = inferPolicy(await wat('(module (import "env" "g" (global i32)) (import "env" "f" (func)) (import "wasix_32v1" "fd_dup" (global i32)))'));
    if (!result.ok) throw new Error('unreadable');
    expect(result.policy).not.toContain('allow "env" "g"');
    expect(result.policy).not.toContain('allow "wasix_32v1" "fd_dup"');
    expect(result.policy).toContain('allow "env" "f"');
    expect(result.unfixable.map((d) => `${d.code} ${String(d.data?.module)}.${String(d.data?.name)}`)).toEqual([
      'check/host-import-not-allowed env.g',
      'check/nonstandard-wasi-import wasix_32v1.fd_dup',
    ]);
  });
});

describe('path_link needs what the runtime grants the link source', () => {
  // preopenRights: PATH_LINK_SOURCE only when a preopen is readable, writable and allows create.
  it('is refused under a write-and-create directory that is not readable', async () => {
    const result = await check(`(module ${PATH_LINK})`, { filesystem: { preopens: [{ hostPath: './out', write: true, create: true }] } });
    expect(result.findings.map((f) => [f.code, f.data?.capability])).toEqual([['check/import-not-allowed', 'filesystem.read']]);
  });

  it('is allowed under a read-write directory that allows create', async () => {
    const result = await check(`(module ${PATH_LINK})`, { filesystem: { preopens: [{ hostPath: './data', read: true, write: true, create: true }] } });
    expect(result.allowed).toBe(true);
  });

  it('has the same needs under wasi_unstable', () => {
    const needs = (table: typeof PREVIEW1_FUNCTIONS) => table.find((f) => f.name === 'path_link')!.needs;
    expect(needs(UNSTABLE_FUNCTIONS)).toEqual(needs(PREVIEW1_FUNCTIONS));
    expect(needs(PREVIEW1_FUNCTIONS)).toEqual(['filesystem.read', 'filesystem.create']);
  });

  it('infer grants read-write and create for it', async () => {
    const result = inferPolicy(await wat(`(module ${PATH_LINK})`));
    if (!result.ok) throw new Error('unreadable');
    expect(result.policy).toMatch(/\n {4}read-write "\.\/data" as "\/data"\n/);
    expect(result.policy).toContain('allow create');
  });
});

describe('infer lists what no policy can fix', () => {
  it('a WASI import with the wrong type is unfixable', async () => {
    const result = inferPolicy(
      await wat('(module (import "wasi_snapshot_preview1" "random_get" (func (param i32) (result i32))) (import "wasi_unstable" "fd_write" (global i32)))'),
    );
    if (!result.ok) throw new Error('unreadable');
    expect(result.unfixable.map((d) => `${d.code} ${String(d.data?.module)}.${String(d.data?.name)}`)).toEqual([
      'check/wasi-signature-mismatch wasi_snapshot_preview1.random_get',
      'check/wasi-signature-mismatch wasi_unstable.fd_write',
    ]);
    expect(result.policy).toContain('# cannot be granted (check/wasi-signature-mismatch)');
  });

  it('an imported memory64 names its import', async () => {
    const result = inferPolicy(await wat('(module (import "env" "memory" (memory i64 1)))'));
    if (!result.ok) throw new Error('unreadable');
    expect(result.unfixable).toHaveLength(1);
    expect(result.unfixable[0]!.data).toMatchObject({ module: 'env', name: 'memory' });
    expect(result.unfixable[0]!.message).toContain('`env` `memory`');
  });
});

describe('every finding carries module, name and capability', () => {
  it('a malformed module and a component binary too', () => {
    const malformed = checkModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 2, 0x10]), manifest());
    const component = checkModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), manifest());
    for (const result of [malformed, component]) {
      expect(result.findings).toHaveLength(1);
      expect(result.findings[0]!.data).toMatchObject({ module: null, name: null, capability: null });
      expect(result.findings[0]!.span).toMatchObject({ byteOffset: expect.any(Number) });
    }
  });
});
