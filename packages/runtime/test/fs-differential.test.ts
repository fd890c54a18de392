// A differential fuzzer of file-system semantics: random sequences of file-system operations run
// natively on Linux and under wsbc, with the same starting tree, compared operation by operation
// (return value or errno name, and what the operation observes: bytes read, offsets, stat type,
// size, link count and times set by the sequence, directory listings, link targets) and by the
// tree each run leaves behind.
//
// The program is test/conformance/native/fsops.c: built for wasm32-wasi by conformance/build.sh
// (wasm/native-fsops.wasm, committed) and natively with the system `cc` when this test starts
// (the test is skipped, saying so, when there is no `cc`, or when it runs as root without
// setpriv). It reads the operations on stdin and applies them with the *at() calls relative to
// one directory: natively a fresh `w/root` (run as uid 65534 when the test runs as root, so
// that nothing it could reach by mistake is writable), under wsbc the same tree as the
// read-write, create and delete preopen /data, through the preopen's own descriptor (no libc
// path handling between the program and WASI). Beside `w/root`, `w/x` and `w/xd/` stand for
// the world outside, reached by host-planted symlinks in the tree (`up -> ../x`, `abs -> /etc`,
// ...) and by `..`.
//
// The sandbox's confinement rule is checked exactly: natively, fsops.c decides with a component
// walk of its own whether an operation's path would leave the root (docs/runtime.md, Filesystem:
// confinement) and then does not run it, printing ESCAPE; wsbc must answer exactly those with
// ENOTCAPABLE. Anything else must match, except the differences listed in EXPECTED_DIFFERENCES,
// each matched narrowly and with its reason (never by the operation alone). A run also fails,
// with the failure marked SECURITY and reported first, when wsbc lets an operation succeed that
// Linux refuses or whose path leaves the preopen, or changes anything outside the preopen.
//
// The default run is a fixed number of sequences from a fixed seed (about 25 s on an idle
// two-core machine). A longer campaign, or another seed:
//
//   cd packages/runtime && WSBC_FSDIFF_RUNS=5000 WSBC_FSDIFF_SEED=7 npx vitest run test/fs-differential.test.ts
//
// A failure prints fast-check's seed and path (replay with WSBC_FSDIFF_SEED and
// WSBC_FSDIFF_PATH), the shrunk sequence as fsops.c input, and the differing lines. With
// WSBC_FSDIFF_SURVEY=<file>, every differing sequence is appended to the file instead (one JSON
// object a line, unshrunk) and the run goes on: a survey of the kinds of differences.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifest, runCaptured, tempDir } from './helpers.js';
import { listTree } from './host-tree.js';

const SOURCE = path.join(import.meta.dirname, 'conformance/native/fsops.c');
const WASM = path.join(import.meta.dirname, 'conformance/wasm/native-fsops.wasm');
const RUNS = Number(process.env.WSBC_FSDIFF_RUNS ?? 1500);
const SEED = Number(process.env.WSBC_FSDIFF_SEED ?? 20_251_125);
const REPLAY_PATH = process.env.WSBC_FSDIFF_PATH;
/** A file to which a survey appends every differing sequence (one JSON object a line) instead of stopping at the first. */
const SURVEY = process.env.WSBC_FSDIFF_SURVEY;
const HAVE_CC = spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;
const AS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
/** What the native run is started with: as root, setpriv to uid 65534 (null when there is none). */
const NATIVE_USER = !AS_ROOT ? [] : spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0
  ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'] : null;
const SKIP = !HAVE_CC ? 'there is no native `cc` to build fsops.c with' : NATIVE_USER === null ? 'running as root without setpriv to drop to uid 65534' : null;
if (SKIP) console.warn(`fs-differential.test.ts: skipped, ${SKIP}`);

// ---------------------------------------------------------------- the starting tree

/** Created in this order below the workspace's `w/`: [path, kind, content or target]. */
const TREE: Array<[string, 'dir' | 'file' | 'symlink', string?]> = [
  ['root', 'dir'],
  ['root/a', 'dir'],
  ['root/a/b', 'file', 'ab\n'],
  ['root/b', 'file', 'hello\n'],
  ['root/.h', 'file', ''],
  ['root/c', 'symlink', 'a'],
  ['root/d', 'symlink', 'b/'],
  ['root/e', 'symlink', 'nowhere'],
  ['root/loop', 'symlink', 'loop'],
  ['root/a/up', 'symlink', '../b'],
  // Planted by the host, out of the root: every use of them is refused.
  ['root/up', 'symlink', '../x'],
  ['root/updir', 'symlink', '../xd'],
  ['root/abs', 'symlink', '/etc'],
  ['root/a/out', 'symlink', '../../x'],
  // The world outside.
  ['x', 'file', 'outside\n'],
  ['xd', 'dir'],
  ['xd/y', 'file', 'outside too\n'],
];

function createTree(workspace: string): void {
  const w = path.join(workspace, 'w');
  fs.mkdirSync(w);
  for (const [p, kind, value] of TREE) {
    const at = path.join(w, p);
    if (kind === 'dir') fs.mkdirSync(at, { mode: 0o755 });
    else if (kind === 'file') fs.writeFileSync(at, value!, { mode: 0o644 });
    else fs.symlinkSync(value!, at);
  }
}

/** The workspace's tree but for the root: what lies outside the preopen. */
function listOutside(workspace: string): string[] {
  return listTree(workspace, ['w']).filter((l) => !/^. w\/root(\/| |$)/.test(l));
}

// ---------------------------------------------------------------- operations

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'n', 'x', 'y', 'up', 'updir', 'abs', 'loop', '.h', 'é'];
const LONG_NAMES = ['L'.repeat(255), 'M'.repeat(256)];

const component = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 3, arbitrary: fc.constantFrom('.', '..') },
  { weight: 1, arbitrary: fc.constantFrom(...LONG_NAMES) },
);
/** Any relative path over the names above: `a`, `a/b/`, `./c//..`, ... */
const wildPath = fc
  .tuple(fc.array(component, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '', '', '', '/', '//'), fc.constantFrom('', '', '', './'), fc.nat(9))
  .map(([parts, end, start, double]) => start + parts.join(double === 0 ? '//' : '/') + end);
/** Paths that often exist or can be made, so that sequences get past their first errors. */
const plainPath = fc.constantFrom('f', 'g', 'n', 'a', 'b', 'c', 'd', 'a/f', 'a/g', 'a/b', 'n/f', 'n/g', 'c/f', 'f/', 'n/', 'a/..', 'c/..');
const anyPath = fc.oneof(
  { weight: 16, arbitrary: plainPath },
  { weight: 12, arbitrary: wildPath },
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..', './', '/', '/etc', '/tmp', '..//', '../w/root/b') },
);
const linkTarget = fc.oneof(
  { weight: 3, arbitrary: plainPath },
  { weight: 3, arbitrary: wildPath },
  { weight: 2, arbitrary: fc.constantFrom('../x', '../../x', '/etc', '/', '..', '.', '', 'a/../..', 'b/', 'nowhere', '../root/b') },
);
/** A descriptor slot: mostly the first few (reused as they are closed), sometimes one never opened. */
const slot = fc.oneof(
  { weight: 8, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.constant(1) },
  { weight: 2, arbitrary: fc.constant(2) },
  { weight: 1, arbitrary: fc.constantFrom(3, 9) },
).map(String);
/** The directory a path is relative to: the root, or a slot. */
const dir = fc.oneof({ weight: 8, arbitrary: fc.constant('.') }, { weight: 2, arbitrary: slot });
const size = fc.constantFrom(0, 1, 3, 16, 100, 4096, 70_000).map(String);
const offset = fc.constantFrom(0, 1, 3, 10, 100, 5000, 1 << 20, -1, -10).map(String);
const truncateSize = fc.constantFrom(0, 1, 3, 10, 5000, -1).map(String);
const time = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 99_999 }).map((k) => String(1_000_000_000 + k)) },
  { weight: 1, arbitrary: fc.constantFrom('o', 'n') },
);
const openFlags = fc
  .tuple(
    fc.constantFrom('r', 'r', 'w', 'rw', 'rw'),
    ...['c', 'x', 't', 'a', 'd', 'n'].map((letter) => fc.oneof({ weight: letter === 'c' ? 4 : 1, arbitrary: fc.constant(letter) }, { weight: 4, arbitrary: fc.constant('') })),
  )
  .map((letters) => letters.join(''));
const follow = fc.constantFrom('f', 'n');

const token = (s: string): string => (s === '' ? "''" : s);
const line = (...tokens: string[]): string => tokens.map(token).join(' ');

/** Opens that usually succeed, so that the descriptor operations have files to work on. */
const plainOpen = fc
  .tuple(fc.constantFrom('f', 'g', 'b', 'a/b', 'a/f', 'c/f', 'n/f', 'a', '.', 'n', 'a/n'), fc.constantFrom('rwc', 'wc', 'rc', 'rwct', 'rwca', 'wca', 'r', 'rw', 'rd'))
  .map(([p, f]) => line('open', '.', p, f));

/** Names that are often free, and entries that often exist, for the operations that move and remove. */
const newName = fc.constantFrom('g', 'h', 'n', 'n/h', 'a/h', 'a/n', 'c/h', 'f', 'n/a', 'a/n/h');
const oldName = fc.constantFrom('b', 'a/b', 'f', 'g', 'h', 'n', 'a/n', 'c', 'e', 'a/up', 'a', 'n/h');
const plainChange = fc.oneof(
  fc.tuple(oldName, newName).map(([a, b]) => line('rename', '.', a, '.', b)),
  fc.tuple(oldName, newName, follow).map(([a, b, f]) => line('link', '.', a, '.', b, f)),
  newName.map((p) => line('mkdir', '.', p)),
  oldName.map((p) => line('rmdir', '.', p)),
  oldName.map((p) => line('unlink', '.', p)),
);

/** One line of fsops.c input. */
const operation: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(dir, anyPath, openFlags).map(([d, p, f]) => line('open', d, p, f)) },
  { weight: 6, arbitrary: plainOpen },
  { weight: 6, arbitrary: plainChange },
  { weight: 2, arbitrary: slot.map((l) => line('close', l)) },
  { weight: 4, arbitrary: fc.tuple(slot, size).map(([l, n]) => line('read', l, n)) },
  { weight: 5, arbitrary: fc.tuple(slot, size).map(([l, n]) => line('write', l, n)) },
  { weight: 2, arbitrary: fc.tuple(slot, size, offset).map(([l, n, o]) => line('pread', l, n, o)) },
  { weight: 2, arbitrary: fc.tuple(slot, size, offset).map(([l, n, o]) => line('pwrite', l, n, o)) },
  { weight: 2, arbitrary: fc.tuple(slot, offset, fc.constantFrom('s', 'c', 'e')).map(([l, o, w]) => line('seek', l, o, w)) },
  { weight: 1, arbitrary: fc.tuple(slot, size, size).map(([l, n, m]) => line('readv', l, n, m)) },
  { weight: 1, arbitrary: fc.tuple(slot, size, size).map(([l, n, m]) => line('writev', l, n, m)) },
  { weight: 1, arbitrary: slot.map((l) => line('fsync', l)) },
  { weight: 1, arbitrary: fc.tuple(slot, fc.constantFrom('0', '1')).map(([l, on]) => line('append', l, on)) },
  { weight: 1, arbitrary: fc.tuple(slot, offset, fc.constantFrom(0, 1, 100, 5000, -1).map(String)).map(([l, o, n]) => line('allocate', l, o, n)) },
  { weight: 2, arbitrary: slot.map((l) => line('fstat', l)) },
  { weight: 2, arbitrary: fc.tuple(slot, truncateSize).map(([l, n]) => line('ftruncate', l, n)) },
  { weight: 1, arbitrary: fc.tuple(slot, time, time).map(([l, a, m]) => line('futimes', l, a, m)) },
  { weight: 6, arbitrary: fc.tuple(dir, anyPath, follow).map(([d, p, f]) => line('stat', d, p, f)) },
  { weight: 2, arbitrary: fc.tuple(dir, anyPath, fc.constantFrom('f', 'r', 'w', 'rw')).map(([d, p, m]) => line('access', d, p, m)) },
  { weight: 3, arbitrary: fc.tuple(dir, anyPath).map(([d, p]) => line('readdir', d, p)) },
  { weight: 2, arbitrary: fc.tuple(dir, anyPath).map(([d, p]) => line('readlink', d, p)) },
  { weight: 4, arbitrary: fc.tuple(dir, anyPath).map(([d, p]) => line('mkdir', d, p)) },
  { weight: 3, arbitrary: fc.tuple(dir, anyPath).map(([d, p]) => line('rmdir', d, p)) },
  { weight: 3, arbitrary: fc.tuple(dir, anyPath).map(([d, p]) => line('unlink', d, p)) },
  { weight: 2, arbitrary: fc.tuple(dir, anyPath, truncateSize).map(([d, p, n]) => line('truncate', d, p, n)) },
  { weight: 4, arbitrary: fc.tuple(linkTarget, dir, anyPath).map(([t, d, p]) => line('symlink', t, d, p)) },
  { weight: 4, arbitrary: fc.tuple(dir, anyPath, dir, anyPath).map(([d1, a, d2, b]) => line('rename', d1, a, d2, b)) },
  { weight: 3, arbitrary: fc.tuple(dir, anyPath, dir, anyPath, follow).map(([d1, a, d2, b, f]) => line('link', d1, a, d2, b, f)) },
  { weight: 2, arbitrary: fc.tuple(dir, anyPath, time, time, follow).map(([d, p, a, m, f]) => line('utimes', d, p, a, m, f)) },
);
const sequence = fc.array(operation, { minLength: 1, maxLength: 50, size: 'max' });

// ---------------------------------------------------------------- expected differences

/** One operation, with its line's result on each side. */
interface Step {
  /** The operation's tokens: its name, then its arguments. */
  tokens: string[];
  native: string;
  wsbc: string;
  /** The slots open before the operation, as the native run opened them. */
  slots: ReadonlyMap<string, Slot>;
}

interface Slot {
  /** What was opened: `d`, `f`, ... */
  kind: string;
  /** The open's FLAGS letters. */
  flags: string;
  /** The native run moved its offset (lseek succeeded). */
  seeked: boolean;
}

interface ExpectedDifference {
  id: string;
  reason: string;
  matches(step: Step): boolean;
}

const PATH_OPERATIONS = new Set(['open', 'stat', 'access', 'readdir', 'readlink', 'mkdir', 'rmdir', 'unlink', 'truncate', 'utimes']);
/** The paths an operation looks up (not a new symlink's target). */
function pathArguments({ tokens: [op, ...args] }: Step): string[] {
  if (PATH_OPERATIONS.has(op!)) return [args[1]!];
  if (op === 'symlink') return [args[2]!];
  if (op === 'rename' || op === 'link') return [args[1]!, args[3]!];
  return [];
}
const ok = (result: string): boolean => result.startsWith('ok');
const longComponent = (p: string): boolean => p.split('/').some((c) => Buffer.byteLength(c) > 255);

// Each is matched narrowly: by the operation, its arguments and both answers.
const EXPECTED_DIFFERENCES: ExpectedDifference[] = [
  {
    id: 'name-too-long-first',
    reason: 'a path component of more than 255 bytes is ENAMETOOLONG before the path is looked up (docs, WASI preview1); Linux says so when its walk reaches the component, so an error met before it (ENOENT, ENOTDIR, ELOOP, a symlink out of the preopen) is its answer',
    matches: (s) => s.wsbc === '-1 ENAMETOOLONG' && !ok(s.native) && pathArguments(s).some(longComponent),
  },
  {
    id: 'descriptors-first',
    reason: 'a WASI call checks its directory descriptors before it looks at a path (one not open is EBADF, one that is not a directory ENOTDIR); Linux looks at an empty path first (ENOENT), ignores the descriptor of an absolute path (which leaves the preopen), and looks the first path of a rename or link up before the second descriptor, so an error of that path is its answer',
    matches: (s) => {
      if (ok(s.native)) return false;
      const [op, ...args] = s.tokens;
      const wrongDescriptor = (token: string | undefined): boolean => {
        if (token === undefined || token === '.') return false;
        const kind = s.slots.get(token)?.kind;
        return kind === undefined ? s.wsbc === '-1 EBADF' : kind !== 'd' && s.wsbc === '-1 ENOTDIR';
      };
      if (op === 'rename' || op === 'link') return wrongDescriptor(args[2]) || (wrongDescriptor(args[0]) && (args[1] === '' || args[1]!.startsWith('/')));
      const [p] = pathArguments(s);
      const descriptor = op === 'symlink' ? args[1] : args[0];
      return p !== undefined && (p === '' ? s.native === '-1 ENOENT' : p.startsWith('/') && s.native === 'ESCAPE') && wrongDescriptor(descriptor);
    },
  },
  {
    id: 'libc-open-rights-first',
    reason: "wasi-libc's openat() asks fd_fdstat_get for the directory's rights before it calls path_open, so a descriptor that is not open is EBADF before path_open judges the flags; Linux refuses O_CREAT|O_DIRECTORY (EINVAL) first",
    matches: (s) => {
      const [op, d, , flags] = s.tokens;
      return op === 'open' && /c/.test(flags!) && /d/.test(flags!) && d !== '.' && !s.slots.has(d!) && s.native === '-1 EINVAL' && s.wsbc === '-1 EBADF';
    },
  },
  {
    id: 'directory-seek',
    reason: 'a directory descriptor cannot seek: EBADF (docs, WASI preview1: WASI reads directories by cookie); Linux seeks it (EINVAL for an offset its directory format does not have), and a read (read, readv) of a directory it moved to its end (ext4 puts that at 2^63 - 1) is EINVAL there, the read crossing the largest offset, where it is EISDIR',
    matches: (s) => {
      const [op, slot] = s.tokens;
      const d = s.slots.get(slot!);
      if (d?.kind !== 'd') return false;
      if (op === 'seek') return (ok(s.native) || s.native === '-1 EINVAL') && s.wsbc === '-1 EBADF';
      return (op === 'read' || op === 'readv') && d.seeked && s.native === '-1 EINVAL' && s.wsbc === '-1 EISDIR';
    },
  },
  {
    id: 'rights-errno',
    reason: "a file descriptor opened without read access has no fd_read right, one without write access no fd_write, fd_allocate or fd_filestat_set_size right, and a call without its right is ENOTCAPABLE (docs, Filesystem: rights), which wasi-libc passes on for readv, writev, ftruncate and posix_fallocate (read and write turn it into EBADF); Linux says EBADF (EINVAL for ftruncate)",
    matches: (s) => {
      const [op, slot, size] = s.tokens;
      const file = s.slots.get(slot!);
      if (file?.kind !== 'f' || s.wsbc !== '-1 ENOTCAPABLE') return false;
      const writable = file.flags.includes('w');
      const readable = file.flags.includes('r') || !writable;
      if (op === 'readv') return !readable && s.native === '-1 EBADF';
      if (op === 'writev' || op === 'allocate') return !writable && s.native === '-1 EBADF';
      return op === 'ftruncate' && !writable && Number(size) >= 0 && s.native === '-1 EINVAL';
    },
  },
  {
    id: 'append-needs-write',
    reason: 'fd_fdstat_set_flags refuses `append` on a descriptor without the fd_write right (ENOTCAPABLE, audited: attack-sweep.test.ts; as path_open refuses append without write access, docs, Filesystem: rights); Linux lets fcntl(F_SETFL) set O_APPEND on a read-only descriptor, where it changes nothing',
    matches: (s) => {
      const [op, slot, on] = s.tokens;
      const d = s.slots.get(slot!);
      return op === 'append' && on === '1' && d !== undefined && (d.kind === 'd' || !d.flags.includes('w')) && ok(s.native) && s.wsbc === '-1 ENOTCAPABLE';
    },
  },
  {
    id: 'libc-allocate-arguments',
    reason: "wasi-libc's posix_fallocate() refuses a negative offset or length (EINVAL) before it calls WASI; Linux looks at the descriptor first (EBADF)",
    matches: (s) => {
      const [op, , offset, length] = s.tokens;
      return op === 'allocate' && (Number(offset) < 0 || Number(length) < 0) && s.native === '-1 EBADF' && s.wsbc === '-1 EINVAL';
    },
  },
  {
    id: 'readv-nothing-from-directory',
    reason: "read() and readv() are one fd_read in WASI, which answers as read(2) does for a directory (EISDIR), even for no bytes; Linux's readv() of no bytes returns 0 before it looks at the file",
    matches: (s) => {
      const [op, slot, n, m] = s.tokens;
      return op === 'readv' && n === '0' && m === '0' && s.slots.get(slot!)?.kind === 'd' && s.native.startsWith('ok n=0 ') && s.wsbc === '-1 EISDIR';
    },
  },
  {
    id: 'utimes-omit-both',
    reason: "Linux's utimensat() with both times UTIME_OMIT returns 0 at once, without looking at the descriptor or the path; WASI's set_times with neither time to set still checks them (the descriptor, its rights, the path)",
    matches: (s) => {
      const [op, ...args] = s.tokens;
      const times = op === 'futimes' ? args.slice(1, 3) : op === 'utimes' ? args.slice(2, 4) : [];
      return times.length === 2 && times.every((t) => t === 'o') && (ok(s.native) || s.native === 'ESCAPE') && s.wsbc.startsWith('-1 ');
    },
  },
  {
    id: 'libc-absolute-path',
    reason: "wasi-libc's *at() functions look an absolute path up among the preopens (an absolute path ignores the directory descriptor) and say ENOTCAPABLE for one under none of them before calling WASI, so before the other path of a rename or link is looked up; Linux reports that other path's error first",
    matches: (s) => s.wsbc === '-1 ENOTCAPABLE' && !ok(s.native) && pathArguments(s).some((p) => p.startsWith('/')),
  },
];

// ---------------------------------------------------------------- runs

interface Outcome {
  /** One line per operation, the last `end`. */
  lines: string[];
  status: number | null;
  tree: string[];
  outside: string[];
}

function runNative(binary: string, operations: string): Outcome {
  const workspace = tempDir('wsbc-fsdiff-native-');
  try {
    createTree(workspace);
    const root = path.join(workspace, 'w', 'root');
    if (AS_ROOT) chownTree(workspace, NOBODY);
    const [command, ...args] = [...NATIVE_USER!, binary, root];
    const run = spawnSync(command!, args, { cwd: workspace, input: operations, maxBuffer: 1 << 26 });
    if (run.error) throw run.error;
    return {
      lines: run.stdout.toString().split('\n').slice(0, -1),
      status: run.status,
      tree: listTree(path.join(workspace, 'w'), ['root']),
      outside: listOutside(workspace),
    };
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

function chownTree(p: string, uid: number): void {
  fs.lchownSync(p, uid, uid);
  if (fs.lstatSync(p).isDirectory()) for (const name of fs.readdirSync(p)) chownTree(path.join(p, name), uid);
}

async function runWsbc(operations: string): Promise<Outcome> {
  const workspace = tempDir('wsbc-fsdiff-');
  try {
    createTree(workspace);
    const root = path.join(workspace, 'w', 'root');
    const policy = manifest({
      filesystem: { preopens: [{ hostPath: root, guestPath: '/data', read: true, write: true, create: true, delete: true }] },
      time: { mode: 'full' },
      limits: {
        io: { maxOpenFiles: 1000, readBytesPerSecond: null, writeBytesPerSecond: null, maxReadBytes: null, maxWriteBytes: null },
        cpu: { usagePercent: 100, maxExecutionMs: 60_000 },
        time: { maxTotalMs: 60_000, maxIdleMs: 60_000 },
        fuel: null,
      },
      audit: { decisions: 'none' },
    });
    const { result, stdout } = await runCaptured(WASM, policy, { args: ['/data'], stdin: operations, audit: 'off' });
    return {
      lines: stdout.split('\n').slice(0, -1),
      status: result.status,
      tree: listTree(path.join(workspace, 'w'), ['root']),
      outside: listOutside(workspace),
    };
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** An output line: `<n> <operation>: <result>`. */
function parse(lineText: string): { operation: string; result: string } {
  const at = lineText.indexOf(': ');
  return at < 0 ? { operation: lineText, result: '' } : { operation: lineText.slice(lineText.indexOf(' ') + 1, at), result: lineText.slice(at + 2) };
}

interface Verdict {
  /** wsbc allowed an operation that leaves the preopen, or changed something outside it. */
  security: string[];
  differences: string[];
  /** Expected differences seen, by id. */
  expected: Map<string, number>;
  /** Operations that leave the preopen, refused with ENOTCAPABLE. */
  escapes: number;
}

function compare(native: Outcome, wsbc: Outcome): Verdict {
  const verdict: Verdict = { security: [], differences: [], expected: new Map(), escapes: 0 };
  const slots = new Map<string, Slot>();
  const count = Math.max(native.lines.length, wsbc.lines.length);
  for (let i = 0; i < count; i++) {
    const n = native.lines[i];
    const w = wsbc.lines[i];
    if (n === undefined || w === undefined) {
      verdict.differences.push(`line ${i}: native ${JSON.stringify(n ?? null)}, wsbc ${JSON.stringify(w ?? null)}`);
      continue;
    }
    const ns = parse(n);
    const ws = parse(w);
    const step: Step = { tokens: ns.operation.split(' ').map((t) => (t === "''" ? '' : t)), native: ns.result, wsbc: ws.result, slots };
    if (n !== w) {
      const known = () => {
        const match = EXPECTED_DIFFERENCES.find((d) => d.matches(step));
        if (match) verdict.expected.set(match.id, (verdict.expected.get(match.id) ?? 0) + 1);
        return match !== undefined;
      };
      if (ns.operation !== ws.operation) verdict.differences.push(`line ${i}: the outputs went out of step: native ${n}, wsbc ${w}`);
      else if (ok(step.wsbc) && !ok(step.native)) {
        const why = step.native === 'ESCAPE' ? 'its path leaves the preopen' : `Linux says ${step.native}`;
        verdict.security.push(`${i} ${ns.operation}: wsbc allowed it (${step.wsbc}), but ${why}`);
      } else if (step.native === 'ESCAPE' && step.wsbc === '-1 ENOTCAPABLE') verdict.escapes++;
      else if (!known()) verdict.differences.push(`${i} ${ns.operation}: native ${step.native} | wsbc ${step.wsbc}`);
    }
    // The slots the native run holds after the operation.
    const [op, first] = step.tokens;
    const opened = /^ok fd=(\d+) t=(.)/.exec(step.native);
    if (op === 'open' && opened) slots.set(opened[1]!, { kind: opened[2]!, flags: step.tokens[3]!, seeked: false });
    if (op === 'close' && ok(step.native)) slots.delete(first!);
    if (op === 'seek' && ok(step.native)) slots.get(first!)!.seeked = true;
  }
  if (native.status !== 0 || wsbc.status !== 0) verdict.differences.push(`exit status: native ${native.status}, wsbc ${wsbc.status}`);
  if (native.tree.join('\n') !== wsbc.tree.join('\n')) {
    const onlyNative = native.tree.filter((l) => !wsbc.tree.includes(l));
    const onlyWsbc = wsbc.tree.filter((l) => !native.tree.includes(l));
    verdict.differences.push(`tree: native only [${onlyNative.join('; ')}], wsbc only [${onlyWsbc.join('; ')}]`);
  }
  const before = listOutsideOfFreshTree();
  if (wsbc.outside.join('\n') !== before.join('\n')) verdict.security.push(`wsbc changed what lies outside the preopen: ${wsbc.outside.join('; ')}`);
  if (native.outside.join('\n') !== before.join('\n')) verdict.differences.push(`the native run changed what lies outside (fsops.c's escape walk missed it): ${native.outside.join('; ')}`);
  return verdict;
}

let freshOutside: string[] | undefined;
function listOutsideOfFreshTree(): string[] {
  if (!freshOutside) {
    const workspace = tempDir('wsbc-fsdiff-');
    try {
      createTree(workspace);
      freshOutside = listOutside(workspace);
    } finally {
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  }
  return freshOutside;
}

// ---------------------------------------------------------------- the test

describe.skipIf(SKIP !== null)('file-system operations under wsbc match Linux (differential fuzzer; needs a native `cc`)', () => {
  let binDir = '';
  let binary = '';
  const totals = { sequences: 0, operations: 0, escapes: 0, expected: new Map<string, number>() };

  beforeAll(() => {
    binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsbc-fsdiff-bin-'));
    fs.chmodSync(binDir, 0o755);
    binary = path.join(binDir, 'fsops');
    const build = spawnSync('cc', ['-O1', '-o', binary, SOURCE], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`cc could not build ${SOURCE}:\n${build.stderr}`);
  });
  afterAll(() => {
    if (binDir) fs.rmSync(binDir, { recursive: true, force: true });
    const expected = [...totals.expected].map(([id, n]) => `${id} ${n}`).join(', ');
    console.log(`fs-differential: ${totals.sequences} sequences, ${totals.operations} operations, ${totals.escapes} escapes refused${expected ? `, expected differences: ${expected}` : ''}`);
  });

  it(`${RUNS} random sequences give the same results and trees (seed ${SEED})`, { timeout: Math.max(300_000, RUNS * 2_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(sequence, async (ops) => {
        const input = `${ops.join('\n')}\n`;
        const native = runNative(binary, input);
        const wsbc = await runWsbc(input);
        const verdict = compare(native, wsbc);
        totals.sequences++;
        totals.operations += ops.length;
        totals.escapes += verdict.escapes;
        for (const [id, n] of verdict.expected) totals.expected.set(id, (totals.expected.get(id) ?? 0) + n);
        if (verdict.security.length + verdict.differences.length > 0) {
          if (SURVEY) {
            fs.appendFileSync(SURVEY, `${JSON.stringify({ ...verdict, expected: undefined, ops })}\n`);
            return;
          }
          const report = [
            ...verdict.security.map((s) => `SECURITY: ${s}`),
            ...verdict.differences,
            'sequence (fsops.c input):',
            ...ops.map((op, i) => `  ${i} ${op}`),
          ];
          throw new Error(report.join('\n'));
        }
      }),
      { numRuns: RUNS, seed: SEED, ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}) },
    );
  });

  it('lists expected differences with their reasons, each under its own id', () => {
    const ids = EXPECTED_DIFFERENCES.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of EXPECTED_DIFFERENCES) expect(d.reason.length, d.id).toBeGreaterThan(20);
  });
});

