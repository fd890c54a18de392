// The import tables the analyzer knows: every function of WASI preview1 (`wasi_snapshot_preview1`
// and its older name `wasi_unstable`), wasi-threads, and the socket/process extensions of WasmEdge
// and WASIX, each with the capability it needs and, where the ABI is fixed, its core wasm signature.
//
// Signatures are the lowered core types from the witx definitions (WebAssembly/WASI
// phases/snapshot/witx/wasi_snapshot_preview1.witx and phases/old/snapshot_0/witx/wasi_unstable.witx):
// pointers, sizes, fds, flags and enums are i32; filesize, timestamp, rights, dircookie and
// filedelta are i64; a `string` or array parameter is a (pointer, length) pair; every result but the
// errno is returned through a pointer parameter. The two versions have the same core signatures
// for every function they share; wasi_unstable lacks `sock_accept`.
//
// Capability choices (documented in docs/analyzer.md):
// - descriptor operations (`fd_read`, `fd_write`, `fd_seek`, `fd_close`, `fd_fdstat_get`, ...) need
//   nothing: stdio exists under every policy and the runtime decides per descriptor;
// - operations that only make sense on a file or directory opened from a preopen (`fd_pread`,
//   `fd_readdir`, `fd_allocate`, `fd_filestat_set_size`, ...) need the filesystem access they use;
// - `path_open` can open for reading or writing, so it needs some directory (`filesystem.any`);
//   whether it may write or create is decided per call;
// - setting timestamps needs write access and `time full`.
import type { Capability } from './capabilities.js';

export type WasiValType = 'i32' | 'i64';

export interface WasiSignature {
  params: readonly WasiValType[];
  results: readonly WasiValType[];
}

export interface WasiFunction {
  name: string;
  /** Accepted core signatures. Most functions have one; WasmEdge revised some of its own. */
  signatures: readonly WasiSignature[];
  /** Every capability the function needs; empty when any policy allows it. */
  needs: readonly Capability[];
  /** Where the function comes from. */
  origin: 'preview1' | 'wasmedge' | 'wasi-threads';
}

function sig(params: string, results = 'i32'): WasiSignature {
  const split = (s: string) => (s === '' ? [] : (s.split(' ') as WasiValType[]));
  return { params: split(params), results: split(results) };
}

function fn(name: string, signature: WasiSignature | WasiSignature[], needs: Capability[] = []): WasiFunction {
  return { name, signatures: Array.isArray(signature) ? signature : [signature], needs, origin: 'preview1' };
}

/** All 46 functions of wasi_snapshot_preview1, in witx order. */
export const PREVIEW1_FUNCTIONS: readonly WasiFunction[] = [
  fn('args_get', sig('i32 i32')),
  fn('args_sizes_get', sig('i32 i32')),
  fn('environ_get', sig('i32 i32'), ['environment']),
  fn('environ_sizes_get', sig('i32 i32'), ['environment']),
  fn('clock_res_get', sig('i32 i32'), ['time.read']),
  fn('clock_time_get', sig('i32 i64 i32'), ['time.read']),
  fn('fd_advise', sig('i32 i64 i64 i32')),
  fn('fd_allocate', sig('i32 i64 i64'), ['filesystem.write']),
  fn('fd_close', sig('i32')),
  fn('fd_datasync', sig('i32')),
  fn('fd_fdstat_get', sig('i32 i32')),
  fn('fd_fdstat_set_flags', sig('i32 i32')),
  fn('fd_fdstat_set_rights', sig('i32 i64 i64')),
  fn('fd_filestat_get', sig('i32 i32')),
  fn('fd_filestat_set_size', sig('i32 i64'), ['filesystem.write']),
  fn('fd_filestat_set_times', sig('i32 i64 i64 i32'), ['filesystem.write', 'time.set']),
  fn('fd_pread', sig('i32 i32 i32 i64 i32'), ['filesystem.read']),
  fn('fd_prestat_get', sig('i32 i32'), ['filesystem.any']),
  fn('fd_prestat_dir_name', sig('i32 i32 i32'), ['filesystem.any']),
  fn('fd_pwrite', sig('i32 i32 i32 i64 i32'), ['filesystem.write']),
  fn('fd_read', sig('i32 i32 i32 i32')),
  fn('fd_readdir', sig('i32 i32 i32 i64 i32'), ['filesystem.read']),
  fn('fd_renumber', sig('i32 i32')),
  fn('fd_seek', sig('i32 i64 i32 i32')),
  fn('fd_sync', sig('i32')),
  fn('fd_tell', sig('i32 i32')),
  fn('fd_write', sig('i32 i32 i32 i32')),
  fn('path_create_directory', sig('i32 i32 i32'), ['filesystem.create']),
  fn('path_filestat_get', sig('i32 i32 i32 i32 i32'), ['filesystem.read']),
  fn('path_filestat_set_times', sig('i32 i32 i32 i32 i64 i64 i32'), ['filesystem.write', 'time.set']),
  // Linking gives an existing file a second name, so the runtime grants the link source only
  // where it may read the file too (read, write and create on one preopen).
  fn('path_link', sig('i32 i32 i32 i32 i32 i32 i32'), ['filesystem.read', 'filesystem.create']),
  fn('path_open', sig('i32 i32 i32 i32 i32 i64 i64 i32 i32'), ['filesystem.any']),
  fn('path_readlink', sig('i32 i32 i32 i32 i32 i32'), ['filesystem.read']),
  fn('path_remove_directory', sig('i32 i32 i32'), ['filesystem.delete']),
  fn('path_rename', sig('i32 i32 i32 i32 i32 i32'), ['filesystem.create', 'filesystem.delete']),
  fn('path_symlink', sig('i32 i32 i32 i32 i32'), ['filesystem.create']),
  fn('path_unlink_file', sig('i32 i32 i32'), ['filesystem.delete']),
  // Clock subscriptions read time (always granted); fd subscriptions follow the descriptors.
  fn('poll_oneoff', sig('i32 i32 i32 i32'), ['time.read']),
  fn('proc_exit', sig('i32', '')),
  fn('proc_raise', sig('i32'), ['process']),
  fn('sched_yield', sig('')),
  fn('random_get', sig('i32 i32'), ['random']),
  fn('sock_accept', sig('i32 i32 i32'), ['network']),
  fn('sock_recv', sig('i32 i32 i32 i32 i32 i32'), ['network']),
  fn('sock_send', sig('i32 i32 i32 i32 i32'), ['network']),
  fn('sock_shutdown', sig('i32 i32'), ['network']),
];

/** wasi_unstable (snapshot 0): the same functions and core signatures, minus sock_accept. */
export const UNSTABLE_FUNCTIONS: readonly WasiFunction[] = PREVIEW1_FUNCTIONS.filter((f) => f.name !== 'sock_accept');

function wasmedge(name: string, signatures: WasiSignature[]): WasiFunction {
  return { name, signatures, needs: ['network'], origin: 'wasmedge' };
}

/**
 * WasmEdge's socket extension, imported from `wasi_snapshot_preview1` itself. Version 1 and 2 of
 * the extension differ in a few signatures (v1 `sock_accept` lacked the fdflags parameter, v2
 * widened address out-parameters); both are accepted.
 */
export const WASMEDGE_SOCKET_FUNCTIONS: readonly WasiFunction[] = [
  wasmedge('sock_open', [sig('i32 i32 i32')]),
  wasmedge('sock_bind', [sig('i32 i32 i32')]),
  wasmedge('sock_connect', [sig('i32 i32 i32')]),
  wasmedge('sock_listen', [sig('i32 i32')]),
  wasmedge('sock_recv_from', [sig('i32 i32 i32 i32 i32 i32 i32'), sig('i32 i32 i32 i32 i32 i32 i32 i32')]),
  wasmedge('sock_send_to', [sig('i32 i32 i32 i32 i32 i32 i32')]),
  wasmedge('sock_getsockopt', [sig('i32 i32 i32 i32 i32')]),
  wasmedge('sock_setsockopt', [sig('i32 i32 i32 i32 i32')]),
  wasmedge('sock_getlocaladdr', [sig('i32 i32 i32 i32'), sig('i32 i32 i32')]),
  wasmedge('sock_getpeeraddr', [sig('i32 i32 i32 i32'), sig('i32 i32 i32')]),
  wasmedge('sock_getaddrinfo', [sig('i32 i32 i32 i32 i32 i32 i32 i32')]),
];

/** WasmEdge v1 `sock_accept(fd, ro_fd_ptr)`, accepted beside the preview1 signature. */
export const WASMEDGE_V1_SOCK_ACCEPT: WasiSignature = sig('i32 i32');

/** wasi-threads: `(import "wasi" "thread-spawn" (func (param i32) (result i32)))`. */
export const WASI_THREADS_FUNCTIONS: readonly WasiFunction[] = [
  { name: 'thread-spawn', signatures: [sig('i32')], needs: ['threads'], origin: 'wasi-threads' },
];

/** Import module names and what they hold. */
export const WASI_PREVIEW1_MODULE = 'wasi_snapshot_preview1';
export const WASI_UNSTABLE_MODULE = 'wasi_unstable';
export const WASI_THREADS_MODULE = 'wasi';
export const WASIX_MODULES: readonly string[] = ['wasix_32v1', 'wasix_64v1'];

/**
 * WASIX (Wasmer) functions beyond preview1, mapped by family. WASIX re-exports the preview1
 * functions under its own module names too; those are mapped through the preview1 table. WASIX
 * signatures are not checked: wasix_64v1 widens every pointer to i64 and the ABI has been revised
 * several times.
 */
export function wasixFamily(name: string): { needs: Capability[] } | undefined {
  // A Map, not an object literal: an import named `constructor` or `__proto__` must not find
  // Object.prototype's members.
  const known = WASIX_EXACT.get(name);
  if (known) return { needs: [...known] };
  for (const [prefix, needs] of WASIX_PREFIXES) if (name.startsWith(prefix)) return { needs: [...needs] };
  return undefined;
}

const WASIX_EXACT: ReadonlyMap<string, readonly Capability[]> = new Map<string, readonly Capability[]>([
  ['clock_time_set', ['time.set']],
  ['fd_dup', []],
  ['fd_dup2', []],
  ['fd_event', []],
  ['fd_pipe', []],
  ['fd_fdflags_get', []],
  ['fd_fdflags_set', []],
  ['getcwd', ['filesystem.any']],
  ['chdir', ['filesystem.any']],
  ['tty_get', []],
  ['tty_set', ['process']],
  ['resolve', ['network']],
  ['proc_id', []],
  ['proc_parent', []],
  ['proc_raise_interval', ['process']],
  ['path_open2', ['filesystem.any']],
]);

const WASIX_PREFIXES: ReadonlyArray<readonly [string, readonly Capability[]]> = [
  ['sock_', ['network']],
  ['port_', ['network']],
  ['http_', ['network']],
  ['ws_', ['network']],
  ['proc_', ['process']],
  ['bus_', ['process']],
  ['call_', ['process']],
  ['thread_spawn', ['threads']],
  ['thread_', []],
  ['futex_', []],
  ['callback_', []],
  ['stack_', []],
  ['closure_', []],
  ['context_', []],
  ['reflect_', []],
  ['epoll_', []],
  ['dl_', ['filesystem.read']],
];

const preview1ByName = new Map(PREVIEW1_FUNCTIONS.map((f) => [f.name, f]));
const unstableByName = new Map(UNSTABLE_FUNCTIONS.map((f) => [f.name, f]));
const wasmedgeByName = new Map(WASMEDGE_SOCKET_FUNCTIONS.map((f) => [f.name, f]));
const threadsByName = new Map(WASI_THREADS_FUNCTIONS.map((f) => [f.name, f]));

export function lookupPreview1(name: string): WasiFunction | undefined {
  return preview1ByName.get(name);
}
export function lookupUnstable(name: string): WasiFunction | undefined {
  return unstableByName.get(name);
}
export function lookupWasmEdge(name: string): WasiFunction | undefined {
  return wasmedgeByName.get(name);
}
export function lookupWasiThreads(name: string): WasiFunction | undefined {
  return threadsByName.get(name);
}

/** Whether a function type (value type names) is exactly `expected`. */
export function sameSignature(expected: WasiSignature, actual: { readonly params: readonly string[]; readonly results: readonly string[] }): boolean {
  return (
    expected.params.length === actual.params.length &&
    expected.results.length === actual.results.length &&
    expected.params.every((p, i) => p === actual.params[i]) &&
    expected.results.every((r, i) => r === actual.results[i])
  );
}

/** Text-format rendering of a function type: `(func (param i32 i64) (result i32))`. */
export function formatSignature(signature: { readonly params: readonly string[]; readonly results: readonly string[] }): string {
  const params = signature.params.length ? ` (param ${signature.params.join(' ')})` : '';
  const results = signature.results.length ? ` (result ${signature.results.join(' ')})` : '';
  return `(func${params}${results})`;
}
