// Native parity: C programs (test/conformance/native/, built against Debian's wasi-libc by
// conformance/build.sh into wasm/native-<program>.wasm) run through run() and are compared, line
// by line, with the same programs built natively and run on the same tree: their stdout, their
// exit status and the tree they leave. Where wsbc (or wasi-libc) deliberately answers otherwise,
// the difference is listed in EXPECTED_DIFFERENCES with its reason, and each case asserts that its
// differences are exactly those: a new difference fails, and so does a listed one that is gone.
//
// How the native side was captured (expected/<case>.native.stdout and .native.result): once, on
// Debian 12.11 (glibc 2.36, clang 14.0.6, wasi-libc 0.0~git20220510), Linux 6.18, /tmp on ext4,
// as root, with:
//
//   cd packages/runtime && WSBC_NATIVE_BLESS=1 npx vitest run test/native-parity.test.ts
//
// For each case, that builds native/<program>.c with `clang -Os` (build.sh's flags without the
// wasm target), creates tree.json in a fresh temporary directory DIR, and runs the binary with
// DIR as its working directory (as the guest's is `/`), `DIR/data DIR/ro` and the case's
// arguments as argv, and the case's stdin through a pipe. It runs as a user that does not own
// ro/ (uid 65534 through setpriv when blessing as root), so that ro/ is read-only natively too.
// It writes the stdout with DIR/data and DIR/ro replaced by /data and /ro, and, in .native.result,
// the exit status (128 + the signal number for a signal, as a shell reports it) and the resulting
// tree. Re-bless after editing a program (and run build.sh); review the expected files like code.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manifest, runCaptured, tempDir } from './helpers.js';
import { listTree } from './host-tree.js';

const NATIVE_DIR = path.join(import.meta.dirname, 'conformance/native');
const EXPECTED_DIR = path.join(NATIVE_DIR, 'expected');
const BLESS = process.env.WSBC_NATIVE_BLESS === '1';

interface ParityCase {
  /** Names the expected files. */
  name: string;
  /** native/<program>.c, wasm/native-<program>.wasm */
  program: string;
  /** Arguments after the data and read-only directories. */
  args?: string[];
  stdin?: Buffer;
}

/** 300,000 bytes of a fixed pattern, every byte value included. */
const binaryInput = (): Buffer => Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
/** 5,000 short lines, then one of 5,000 bytes (longer than proc.c's fgets buffer), and a last line without newline. */
const textInput = (): Buffer =>
  Buffer.from(`${Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join('')}${'x'.repeat(5000)}\nlast`);

const CASES: ParityCase[] = [
  { name: 'slash', program: 'slash' },
  { name: 'edge', program: 'edge' },
  { name: 'tree_ops', program: 'tree_ops' },
  { name: 'links', program: 'links' },
  { name: 'paths', program: 'paths' },
  { name: 'walk', program: 'walk' },
  { name: 'bigdir', program: 'bigdir' },
  { name: 'fileio', program: 'fileio' },
  { name: 'proc', program: 'proc', stdin: Buffer.alloc(0) },
  { name: 'proc-stdin', program: 'proc', args: ['1'], stdin: binaryInput() },
  { name: 'proc-lines', program: 'proc', args: ['2'], stdin: textInput() },
  { name: 'proc-stdout', program: 'proc', args: ['3'] },
  { name: 'proc-exit-flushes', program: 'proc', args: ['4'] },
  { name: 'proc-abort', program: 'proc', args: ['5'] },
  { name: 'proc-exit-300', program: 'proc', args: ['6'] },
  { name: 'proc-underscore-exit', program: 'proc', args: ['7'] },
];

/** One line where the two runs differ: null on the side that has no such line. */
interface Difference {
  case: string;
  native: string | null;
  wsbc: string | null;
  reason: string;
}

// Why wsbc or wasi-libc answers otherwise. "docs" is docs/runtime.md; a reason marked
// "undocumented" is a difference nothing in the docs asks for.
const ABOVE_ROOT = '`..` above the preopen root is ENOTCAPABLE (docs, Filesystem: confinement); natively it reaches the directory above';
const SYMLINK_ESCAPE = 'the guest may not make a symlink that is absolute or climbs above the preopen root (docs, Filesystem: confinement)';
const OUTSIDE = 'only the preopens exist: a path outside them is ENOTCAPABLE (docs, Filesystem: confinement)';
const READ_ONLY = 'a read-only preopen has no rights to change anything: ENOTCAPABLE, where Linux checks permissions (EACCES; EPERM for times, and for a hard link to a file the user does not own) (docs, Filesystem: rights)';
const RO_FSYNC = 'a read-only preopen passes on no fd_sync right (docs, Filesystem: rights) and wasi-libc reports fsync\'s ENOTCAPABLE as EINVAL; Linux syncs a read-only descriptor';
const UTF8 = 'guest paths are UTF-8: a name that is not is EILSEQ (docs, WASI preview1)';
const MICROSECONDS = 'times set keep microseconds, as Node\'s utimes does (docs, WASI preview1)';
const STDIO_TYPE = 'stdio that is not a host terminal has filetype UNKNOWN, neither a FIFO nor a character device (docs, WASI preview1)';
const EXIT_ABOVE_255 = 'exit codes above 255 become 1 (docs, Exit statuses); Linux keeps the low 8 bits';
const LIBC_DATASYNC = 'wasi-libc\'s open() asks for fd_datasync only with write access (fd_sync always), so fdatasync on an O_RDONLY descriptor is ENOTCAPABLE, which it reports as EBADF';
const LIBC_RIGHTS_INTERSECT = 'wasi-libc asks path_open only for rights the directory passes on, so O_WRONLY in a read-only preopen asks for no write right and opens; a write through it is EBADF and nothing is written';
const LIBC_ACCESS_X = 'wasi-libc\'s access() checks R_OK and W_OK against the descriptor\'s rights and ignores X_OK (WASI has no execute permission)';
const LIBC_FACCESSAT_FLAGS = 'wasi-libc\'s faccessat() takes no flag but AT_EACCESS (EINVAL)';
const LIBC_UTIME_NOW = 'Debian\'s wasi-libc (2022-05) refuses UTIME_NOW (EINVAL) before calling WASI, and passes utimensat(NULL) as the explicit time 0 (node:wasi gets the same call)';
const LIBC_NEGATIVE_TIME = 'WASI timestamps are unsigned: wasi-libc refuses a time before 1970 (EINVAL)';
const LIBC_EMPTY_PATH = 'wasi-libc finds no preopen for the empty path (ENOTCAPABLE); Linux says ENOENT';
const LIBC_ROOT_RMDIR = 'wasi-libc turns /data into the preopen\'s `.`, and removing `.` is EINVAL (as `rmdir x/.` on Linux); natively /data is a non-empty directory';
const LIBC_FTELL_APPEND = 'wasi-libc\'s stdio (musl\'s) reports the descriptor\'s offset, 0, for an append stream not yet written to; glibc reports the end';
const LIBC_NANOSLEEP = 'wasi-libc\'s nanosleep() takes a negative time as 0 and succeeds; glibc says EINVAL';
const NFTW = 'wasi-libc\'s nftw (musl\'s) lists a directory reached by two paths (a/b, and link_ab when following links) under both; glibc\'s lists it once';
const REALPATH = 'wasi-libc has no realpath(): walk.c has that section natively only';
const DIR_SEEK = 'a directory descriptor cannot seek (EBADF, as for a write; WASI reads directories by cookie) (docs, WASI preview1); Linux seeks it';
const FD_NUMBERS = 'descriptors are handed out from 3 up, never a closed 0, 1 or 2, as programs built for WASI runtimes expect (docs, WASI preview1); Linux gives the lowest free number';

/** [case, native line, wsbc line, reason], in the order of each case's output. */
const EXPECTED_DIFFERENCES: Difference[] = (
  [
    ['edge', 'fdatasync rdonly file: ok (0)', 'fdatasync rdonly file: -1 EBADF', LIBC_DATASYNC],
    ['edge', 'fsync ro file: ok (0)', 'fsync ro file: -1 EINVAL', RO_FSYNC],
    ['edge', 'fsync ro dir: ok (0)', 'fsync ro dir: -1 EINVAL', RO_FSYNC],
    ['edge', 'fstatat(ab, ../../..) above root: ok (0)', 'fstatat(ab, ../../..) above root: -1 ENOTCAPABLE', ABOVE_ROOT],
    ['tree_ops', 'rmdir root: -1 ENOTEMPTY', 'rmdir root: -1 EINVAL', LIBC_ROOT_RMDIR],
    ['tree_ops', 'rename file to ro: -1 EACCES', 'rename file to ro: -1 ENOTCAPABLE', READ_ONLY],
    ['links', 'symlink ../../x from a (escapes): ok (0)', 'symlink ../../x from a (escapes): -1 ENOTCAPABLE', SYMLINK_ESCAPE],
    ['links', 'symlink absolute: ok (0)', 'symlink absolute: -1 ENOTCAPABLE', SYMLINK_ESCAPE],
    ['links', 'symlink in ro: -1 EACCES', 'symlink in ro: -1 ENOTCAPABLE', READ_ONLY],
    ['links', 'link from ro: -1 EPERM', 'link from ro: -1 ENOTCAPABLE', READ_ONLY],
    ['links', 'access f1 X_OK: -1 EACCES', 'access f1 X_OK: ok (0)', LIBC_ACCESS_X],
    ['links', 'faccessat NOFOLLOW dangling: ok (0)', 'faccessat NOFOLLOW dangling: -1 EINVAL', LIBC_FACCESSAT_FLAGS],
    ['links', 'utimensat now atime: ok (0)', 'utimensat now atime: -1 EINVAL', LIBC_UTIME_NOW],
    ['links', '  atime recent=1 mtime=1300000000.000000000', '  atime recent=0 mtime=1300000000.000000000', LIBC_UTIME_NOW],
    ['links', '  m recent=1', '  m recent=0', LIBC_UTIME_NOW],
    ['links', '  atime=1000000000.000000500 mtime=1200000000.123456789', '  atime=1000000000.000000000 mtime=1200000000.123456000', MICROSECONDS],
    ['links', 'utimensat ro: -1 EPERM', 'utimensat ro: -1 ENOTCAPABLE', READ_ONLY],
    ['links', 'utimensat negative: ok (0)', 'utimensat negative: -1 EINVAL', LIBC_NEGATIVE_TIME],
    ['links', '  atime=-5.000000000 mtime=-1.999999999', '  atime=0.000000000 mtime=0.000000000', LIBC_NEGATIVE_TIME],
    ['links', 'l data/a/s_out -> ../../x', null, SYMLINK_ESCAPE],
    ['links', 'l data/s_abs -> /data/f1', null, SYMLINK_ESCAPE],
    ['walk', '.. d: d size=0 nlink=0', '.. d: fstatat ENOTCAPABLE', ABOVE_ROOT],
    ['walk', null, '/a/b flag=D level=2 type=d', NFTW],
    ['walk', null, '/a/b/c flag=D level=3 type=d', NFTW],
    ['walk', null, '/a/b/c/f3 flag=F level=4 type=f', NFTW],
    ['walk', '-- realpath', null, REALPATH],
    ['walk', 'realpath link_f1: /data/f1', null, REALPATH],
    ['walk', 'realpath link_ab/c/f3: /data/a/b/c/f3', null, REALPATH],
    ['walk', 'realpath a/b/../f2: /data/a/f2', null, REALPATH],
    ['walk', 'realpath a/up_f1: /data/f1', null, REALPATH],
    ['walk', 'realpath dangling: ENOENT', null, REALPATH],
    ['walk', 'realpath a/./b//c: /data/a/b/c', null, REALPATH],
    ['walk', 'realpath nonexist: ENOENT', null, REALPATH],
    ['walk', 'realpath link_ab/..: /data/a', null, REALPATH],
    ['walk', 'realpath a/b/c/../../..: /data', null, REALPATH],
    ['bigdir', 'invalid utf8 name: ok (fd)', 'invalid utf8 name: -1 EILSEQ', UTF8],
    ['bigdir', '  entry: 626164fffe', null, UTF8],
    ['bigdir', 'f data/bad\\xff\\xfe size=0 nlink=1 sha256=e3b0c44298fc', null, UTF8],
    ['fileio', '  ftell=10', '  ftell=0', LIBC_FTELL_APPEND],
    ['fileio', '  ftell=10', '  ftell=0', LIBC_FTELL_APPEND],
    ['fileio', 'truncate ro: -1 EACCES', 'truncate ro: -1 ENOTCAPABLE', READ_ONLY],
    ['fileio', 'lseek on dir: ok (0)', 'lseek on dir: -1 EBADF', DIR_SEEK],
    ['fileio', 'ro write: -1 EACCES', 'ro write: ok (fd)', LIBC_RIGHTS_INTERSECT],
    ['fileio', 'ro creat: -1 EACCES', 'ro creat: -1 ENOTCAPABLE', READ_ONLY],
    ['fileio', 'ro write, then write through it: -1 EACCES', 'ro write, then write through it: -1 EBADF', LIBC_RIGHTS_INTERSECT],
    ['fileio', 'empty path: -1 ENOENT', 'empty path: -1 ENOTCAPABLE', LIBC_EMPTY_PATH],
    ['fileio', 'outside path: ok (fd)', 'outside path: -1 ENOTCAPABLE', OUTSIDE],
    ['proc', 'nanosleep negative: -1 EINVAL', 'nanosleep negative: ok (0)', LIBC_NANOSLEEP],
    ['proc', '  type=fifo', '  type=?', STDIO_TYPE],
    ['proc', 'next fd after closing 0: 0', 'next fd after closing 0: above 0', FD_NUMBERS],
    ['proc-exit-300', 'exit 44', 'exit 1', EXIT_ABOVE_255],
  ] as Array<[string, string | null, string | null, string]>
).map(([name, native, wsbc, reason]) => ({ case: name, native, wsbc, reason }));

// ---------------------------------------------------------------- the tree

interface TreeEntry {
  path: string;
  dir?: true;
  file?: string;
  symlink?: string;
}
const TREE: { readOnly: string[]; entries: TreeEntry[] } = JSON.parse(fs.readFileSync(path.join(NATIVE_DIR, 'tree.json'), 'utf8'));

/** Creates tree.json under `root`; its read-only subtrees get 0555 directories and 0444 files. */
function createTree(root: string): void {
  for (const e of TREE.entries) {
    const p = path.join(root, e.path);
    if (e.dir) fs.mkdirSync(p, { mode: 0o755 });
    else if (e.file !== undefined) fs.writeFileSync(p, e.file, { mode: 0o644 });
    else if (e.symlink !== undefined) fs.symlinkSync(e.symlink, p);
    else throw new Error(`tree.json: ${e.path} is neither dir, file nor symlink`);
  }
  for (const top of TREE.readOnly) chmodTree(path.join(root, top), 0o555, 0o444);
}

function chmodTree(dir: string, dirMode: number, fileMode: number): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chmodTree(p, dirMode, fileMode);
    else if (e.isFile()) fs.chmodSync(p, fileMode);
  }
  fs.chmodSync(dir, dirMode);
}

/** The trees compared after a run: the two preopens. */
const TREE_TOPS = ['data', 'ro'];

function removeTree(root: string): void {
  for (const top of TREE.readOnly) chmodTree(path.join(root, top), 0o755, 0o644);
  fs.rmSync(root, { recursive: true, force: true });
}

// ---------------------------------------------------------------- runs

interface Outcome {
  stdout: string;
  /** `exit N`, then listTree(). */
  result: string[];
}

async function runWsbc(c: ParityCase): Promise<Outcome> {
  const dir = tempDir('wsbc-parity-');
  try {
    createTree(dir);
    const policy = manifest({
      filesystem: {
        preopens: [
          { hostPath: path.join(dir, 'data'), guestPath: '/data', read: true, write: true, create: true, delete: true },
          { hostPath: path.join(dir, 'ro'), guestPath: '/ro', read: true },
        ],
      },
      time: { mode: 'full' },
      random: { mode: 'secure' },
      limits: {
        memory: { maxPages: 4096, maxGrowthPages: 4096 },
        io: { maxOpenFiles: 1000, readBytesPerSecond: null, writeBytesPerSecond: null, maxReadBytes: null, maxWriteBytes: null },
        cpu: { usagePercent: 100, maxExecutionMs: 60_000 },
        time: { maxTotalMs: 60_000, maxIdleMs: 60_000 },
        fuel: null,
      },
      audit: { decisions: 'none' },
    });
    const wasm = path.join(import.meta.dirname, 'conformance/wasm', `native-${c.program}.wasm`);
    const { result, stdout } = await runCaptured(wasm, policy, { args: ['/data', '/ro', ...(c.args ?? [])], stdin: c.stdin });
    return { stdout, result: [`exit ${result.status}`, ...listTree(dir, TREE_TOPS)] };
  } finally {
    removeTree(dir);
  }
}

/** Builds and runs the native program as the header describes (WSBC_NATIVE_BLESS=1 only). */
function runNative(c: ParityCase, binDir: string): Outcome {
  const bin = path.join(binDir, c.program);
  if (!fs.existsSync(bin)) execFileSync('clang', ['-Os', '-s', path.join(NATIVE_DIR, `${c.program}.c`), '-o', bin]);
  const dir = tempDir('wsbc-native-');
  try {
    createTree(dir);
    const asRoot = process.getuid?.() === 0;
    const argv = [bin, path.join(dir, 'data'), path.join(dir, 'ro'), ...(c.args ?? [])];
    if (asRoot) {
      const nobody = 65534;
      const chownTree = (p: string): void => {
        fs.lchownSync(p, nobody, nobody);
        if (fs.lstatSync(p).isDirectory()) for (const n of fs.readdirSync(p)) chownTree(path.join(p, n));
      };
      chownTree(path.join(dir, 'data'));
      fs.chownSync(dir, nobody, nobody);
    }
    // stdin and stdout are pipes, as in a shell (spawnSync's own are socket pairs, which a program
    // can read its stdout from); bash reports a signal as 128 + its number.
    const user = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const script = 'cat | "$@" | cat; exit ${PIPESTATUS[1]}';
    const run = spawnSync('bash', ['-c', script, 'bash', ...user, ...argv], { cwd: dir, input: c.stdin ?? Buffer.alloc(0), maxBuffer: 1 << 28 });
    if (run.error) throw run.error;
    const status = run.status;
    const stdout = run.stdout
      .toString('latin1')
      .replaceAll(path.join(dir, 'data'), '/data')
      .replaceAll(path.join(dir, 'ro'), '/ro');
    return { stdout: Buffer.from(stdout, 'latin1').toString(), result: [`exit ${status}`, ...listTree(dir, TREE_TOPS)] };
  } finally {
    removeTree(dir);
  }
}

function expectedOutcome(c: ParityCase): Outcome {
  return {
    stdout: fs.readFileSync(path.join(EXPECTED_DIR, `${c.name}.native.stdout`), 'utf8'),
    result: fs.readFileSync(path.join(EXPECTED_DIR, `${c.name}.native.result`), 'utf8').split('\n').slice(0, -1),
  };
}

// ---------------------------------------------------------------- comparison

/** Lines of a text; a last line without newline is marked, so a missing newline is a difference. */
function lines(text: string): string[] {
  const all = text.split('\n');
  const last = all.pop()!;
  return last === '' ? all : [...all, `${last} [no newline at end]`];
}

/**
 * The lines where `a` and `b` differ, by longest common subsequence: each run of changed lines
 * pairs its removed and added lines in order, a side with fewer lines filling with null.
 */
function diffLines(a: string[], b: string[]): Array<[string | null, string | null]> {
  // common(i, j): length of the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  const common = (i: number, j: number): number => table[i * width + j]!;
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      table[i * width + j] = a[i] === b[j] ? common(i + 1, j + 1) + 1 : Math.max(common(i + 1, j), common(i, j + 1));
  const out: Array<[string | null, string | null]> = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = (): void => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++) out.push([removed[k] ?? null, added[k] ?? null]);
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush();
      i++;
      j++;
    } else if (j === b.length || (i < a.length && common(i + 1, j) >= common(i, j + 1))) removed.push(a[i++]!);
    else added.push(b[j++]!);
  }
  flush();
  return out;
}

function differences(c: ParityCase, native: Outcome, wsbc: Outcome): Array<Omit<Difference, 'reason'>> {
  return [...diffLines(lines(native.stdout), lines(wsbc.stdout)), ...diffLines(native.result, wsbc.result)].map(
    ([n, w]) => ({ case: c.name, native: n, wsbc: w }),
  );
}

describe('C programs under wsbc match their native build, but for the listed differences', () => {
  const binDir = BLESS ? fs.mkdtempSync(path.join(os.tmpdir(), 'wsbc-native-bin-')) : '';
  if (BLESS) fs.chmodSync(binDir, 0o755);
  afterAll(() => {
    if (BLESS) fs.rmSync(binDir, { recursive: true, force: true });
  });

  it.each(CASES)('$name', { timeout: 60_000 }, async (c) => {
    if (BLESS) {
      const native = runNative(c, binDir);
      fs.mkdirSync(EXPECTED_DIR, { recursive: true });
      fs.writeFileSync(path.join(EXPECTED_DIR, `${c.name}.native.stdout`), native.stdout);
      fs.writeFileSync(path.join(EXPECTED_DIR, `${c.name}.native.result`), `${native.result.join('\n')}\n`);
    }
    const wsbc = await runWsbc(c);
    const expected = EXPECTED_DIFFERENCES.filter((d) => d.case === c.name).map(({ reason: _, ...d }) => d);
    expect(differences(c, expectedOutcome(c), wsbc)).toEqual(expected);
  });

  it('lists differences only for cases that exist, each with a reason', () => {
    const names = new Set(CASES.map((c) => c.name));
    for (const d of EXPECTED_DIFFERENCES) {
      expect(names.has(d.case), d.case).toBe(true);
      expect(d.reason.length).toBeGreaterThan(10);
    }
  });
});
