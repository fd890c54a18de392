// The WASI table against the witx: every function of wasi_snapshot_preview1 is present with its
// lowered core signature, wasi_unstable has the same functions minus sock_accept, and every
// function is mapped to the capability family the docs promise.
import { describe, expect, it } from 'vitest';
import { classifyImport, PREVIEW1_FUNCTIONS, UNSTABLE_FUNCTIONS, formatSignature } from '../src/index.js';

// Function names in the order of phases/snapshot/witx/wasi_snapshot_preview1.witx.
const WITX_PREVIEW1 = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
];

describe('WASI preview1 table', () => {
  it('lists every function of the witx, in order', () => {
    expect(PREVIEW1_FUNCTIONS.map((f) => f.name)).toEqual(WITX_PREVIEW1);
    expect(PREVIEW1_FUNCTIONS).toHaveLength(46);
  });

  it('wasi_unstable has the same functions except sock_accept', () => {
    expect(UNSTABLE_FUNCTIONS.map((f) => f.name)).toEqual(WITX_PREVIEW1.filter((n) => n !== 'sock_accept'));
  });

  // Lowering by hand from the witx parameter types: strings and arrays are (ptr, len), results
  // other than errno are out-pointers, 64-bit types are i64.
  const signatures: Record<string, string> = {
    clock_time_get: '(func (param i32 i64 i32) (result i32))',
    fd_seek: '(func (param i32 i64 i32 i32) (result i32))',
    fd_pread: '(func (param i32 i32 i32 i64 i32) (result i32))',
    fd_readdir: '(func (param i32 i32 i32 i64 i32) (result i32))',
    path_open: '(func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32))',
    path_filestat_set_times: '(func (param i32 i32 i32 i32 i64 i64 i32) (result i32))',
    path_link: '(func (param i32 i32 i32 i32 i32 i32 i32) (result i32))',
    path_symlink: '(func (param i32 i32 i32 i32 i32) (result i32))',
    sock_recv: '(func (param i32 i32 i32 i32 i32 i32) (result i32))',
    proc_exit: '(func (param i32))',
    sched_yield: '(func (result i32))',
    fd_fdstat_set_rights: '(func (param i32 i64 i64) (result i32))',
  };
  for (const [name, expected] of Object.entries(signatures)) {
    it(`lowers ${name} to ${expected}`, () => {
      const fn = PREVIEW1_FUNCTIONS.find((f) => f.name === name)!;
      expect(fn.signatures.map(formatSignature)).toEqual([expected]);
    });
  }

  it('maps every function to the family the docs give', () => {
    const family = (name: string) => {
      const c = classifyImport('wasi_snapshot_preview1', name);
      if (c.kind !== 'wasi') throw new Error(name);
      return [...new Set(c.needs.map((n) => n.split('.')[0]))].join('+') || 'always';
    };
    const table = Object.fromEntries(WITX_PREVIEW1.map((n) => [n, family(n)]));
    for (const n of ['args_get', 'args_sizes_get', 'proc_exit', 'sched_yield', 'fd_write', 'fd_read', 'fd_close', 'fd_seek', 'fd_fdstat_get']) expect(table[n]).toBe('always');
    for (const n of WITX_PREVIEW1.filter((n) => n.startsWith('path_') || n.startsWith('fd_prestat_') || n === 'fd_readdir' || n === 'fd_allocate'))
      expect(table[n]).toMatch(/^filesystem/);
    expect(table.fd_filestat_set_times).toBe('filesystem+time');
    expect(table.environ_get).toBe('environment');
    expect(table.clock_time_get).toBe('time');
    expect(table.random_get).toBe('random');
    expect(table.proc_raise).toBe('process');
    for (const n of WITX_PREVIEW1.filter((n) => n.startsWith('sock_'))) expect(table[n]).toBe('network');
  });
});
