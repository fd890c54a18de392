// inferPolicy on hand-written modules: which grants appear, in which form, with which comments.
// The round trip through the policy compiler is tested in packages/cli/test/infer.test.ts.
import { describe, expect, it } from 'vitest';
import { inferPolicy } from '../src/index.js';
import { fixture, wat } from './helpers.js';

function policyOf(result: ReturnType<typeof inferPolicy>): string {
  if (!result.ok) throw new Error(result.diagnostics[0]!.message);
  return result.policy;
}

describe('inferPolicy', () => {
  it('names the policy after the file and extends minimal', async () => {
    const text = policyOf(inferPolicy(await fixture('hello-stdio'), { file: 'dir/hello.wasm' }));
    expect(text).toContain('policy "hello" extends minimal {');
    expect(text).toContain('# memory 0 starts at 1 pages and declares no maximum; this policy caps it at 160 pages');
  });

  it('says nothing about memory growth within the limit', async () => {
    const text = policyOf(inferPolicy(await wat('(module (memory 1 100))')));
    expect(text).not.toContain('# memory');
    expect(text).toBe('# Least-privilege policy for module.wasm, inferred by `wsbc infer` from its imports,\n# memories and tables. Review each grant; paths, names and hosts are placeholders to narrow.\npolicy "module" extends minimal {\n}\n');
  });

  it('grants read for preopen discovery alone, read-write when both are needed', async () => {
    const discovery = policyOf(inferPolicy(await wat(`(module (import "wasi_snapshot_preview1" "fd_prestat_get" (func (param i32 i32) (result i32))))`)));
    expect(discovery).toMatch(/\n {4}read "\.\/data" as "\/data"\n/);
    const both = policyOf(
      inferPolicy(
        await wat(`(module (import "wasi_snapshot_preview1" "fd_pread" (func (param i32 i32 i32 i64 i32) (result i32)))
                           (import "wasi_snapshot_preview1" "fd_pwrite" (func (param i32 i32 i32 i64 i32) (result i32))))`),
      ),
    );
    expect(both).toMatch(/\n {4}read-write "\.\/data" as "\/data"\n/);
  });

  it('lists each distinct host function import once, and never a memory or another extern', async () => {
    const text = policyOf(inferPolicy(await wat(`(module (import "env" "log" (func)) (import "env" "log" (func)) (import "env" "memory" (memory 1)) (import "env" "t" (table 1 funcref)))`)));
    expect(text.match(/allow "env" "log"/g)).toHaveLength(1);
    expect(text).not.toContain('allow "env" "t"');
    expect(text).toContain('# cannot be granted (check/host-import-not-allowed): `env` `t`');
    expect(text).not.toContain('"memory"');
  });

  it('lists WASIX imports as host imports and grants their families; WasmEdge sockets cannot be granted', async () => {
    const result = inferPolicy(
      await wat(`(module (import "wasix_32v1" "sock_open" (func (param i32) (result i32))) (import "wasi_snapshot_preview1" "sock_connect" (func (param i32 i32 i32) (result i32))))`),
    );
    if (!result.ok) throw new Error('expected ok');
    expect(result.policy).toContain('allow "wasix_32v1" "sock_open"');
    expect(result.policy).toMatch(/# use sockets .*: sock_open\n/);
    expect(result.unfixable.map((d) => [d.code, d.data?.name])).toEqual([['check/nonstandard-wasi-import', 'sock_connect']]);
  });

  it('reports what no policy can grant, and still writes the rest', async () => {
    const result = inferPolicy(await wat(`(module (import "wsbc" "out_of_fuel" (func)) (import "wasi:io/streams@0.2.0" "read" (func)) (import "wasi_snapshot_preview1" "fd_wrtie" (func)) (memory i64 1))`));
    if (!result.ok) throw new Error('expected ok');
    expect(result.unfixable.map((d) => d.code)).toEqual(['check/reserved-import', 'check/component-model-import', 'check/unknown-import', 'check/memory64']);
    expect(result.policy.match(/^# cannot be granted/gm)).toHaveLength(4);
  });

  it('returns the malformed-module finding for unreadable input', () => {
    const result = inferPolicy(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), { file: 'x.wasm' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics[0]).toMatchObject({ code: 'check/malformed-module', span: { file: 'x.wasm', byteOffset: 4 } });
  });
});
