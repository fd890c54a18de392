// Review of path_open's open-first route (and the lstat-then-open replay behind it), as an
// attacker: can an open the policy refuses truncate, create or otherwise touch anything before
// it is refused; do odd paths (`.`, `f/.`, empty, NUL, huge, deep) get their POSIX errno; do
// the rights a descriptor reports match what the host descriptor can do? Races are injected
// deterministically by wrapping fs.openSync (the WASI calls it through the module object), so
// each test runs the exact interleaving it names. Runs the WASI in this thread.
/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Errno, Filetype, Rights } from '@wsbc/runtime';
import { PRELUDE, manifest, runCaptured, tempDir, wat } from './helpers.js';
import { FD_READ, FD_READDIR, FD_SEEK, FD_WRITE, O, reviewGuest, type ReviewGuest } from './fixtures/review/guest.js';

const live: ReviewGuest[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const g of live.splice(0)) g.wasi.close();
});

function guest(...args: Parameters<typeof reviewGuest>): ReviewGuest {
  const g = reviewGuest(...args);
  live.push(g);
  return g;
}

/** A preopen holding `f` ("inside") and `d/g`; an outside directory holding `secret`. */
function layout(): { dir: string; outside: string } {
  const dir = tempDir('wsbc-review-');
  const outside = tempDir('wsbc-review-outside-');
  fs.writeFileSync(path.join(outside, 'secret'), 'OUTSIDE');
  fs.writeFileSync(path.join(dir, 'f'), 'inside');
  fs.mkdirSync(path.join(dir, 'd'));
  fs.writeFileSync(path.join(dir, 'd', 'g'), 'nested');
  return { dir, outside };
}

const ALL = { read: true, write: true, create: true, delete: true };

/** Calls `action` just before the real open of a path ending in `/${name}` (once). */
function beforeOpenOf(name: string, action: () => void): void {
  const real = fs.openSync;
  let done = false;
  vi.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode | null) => {
    if (!done && String(p).endsWith(`/${name}`)) {
      done = true;
      action();
    }
    return real(p, flags, mode);
  }) as typeof fs.openSync);
}

describe('no side effect before a refusal', () => {
  it('never truncates without the write grant, outside the preopen, or a file it then refuses', () => {
    const { dir, outside } = layout();
    const readOnly = guest([{ hostPath: dir, read: true }]);
    expect(readOnly.open('f', { oflags: O.TRUNC })).toBe(-Errno.NOTCAPABLE);
    expect(readOnly.open('f', { oflags: O.TRUNC | O.CREAT })).toBe(-Errno.NOTCAPABLE);
    expect(readOnly.open('f', { oflags: O.TRUNC, rights: 0n })).toBe(-Errno.NOTCAPABLE);
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe('inside');
    expect(readOnly.denials().map((r) => r.type === 'decision' && r.reason)).toEqual(Array(3).fill('write access not granted'));

    fs.symlinkSync(`../${path.basename(outside)}/secret`, path.join(dir, 'out'));
    const g = guest([{ hostPath: dir, ...ALL }]);
    expect(g.open('out', { oflags: O.TRUNC, rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    expect(g.open('out', { oflags: O.TRUNC, rights: FD_WRITE, follow: false })).toBe(-Errno.LOOP);
    // O_DIRECTORY with O_TRUNC: a file is ENOTDIR and left whole; a directory is EISDIR.
    expect(g.open('f', { oflags: O.TRUNC | O.DIRECTORY })).toBe(-Errno.NOTDIR);
    expect(g.open('d', { oflags: O.TRUNC | O.DIRECTORY })).toBe(-Errno.ISDIR);
    expect(g.open('d', { oflags: O.TRUNC })).toBe(-Errno.ISDIR);
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('OUTSIDE');
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe('inside');
    expect(g.denials().some((r) => r.type === 'decision' && r.detail?.path === '/data/out')).toBe(true);
  });

  it('truncates nothing through a descriptor that lacks the truncate right', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    // A subdirectory whose own rights drop path_filestat_set_size, but which may still hand on fd_write.
    const sub = g.open('d', { oflags: O.DIRECTORY, rights: Rights.PATH_OPEN, inheriting: FD_READ | FD_WRITE });
    expect(sub).toBeGreaterThan(3);
    expect(g.open('g', { dirFd: sub, oflags: O.TRUNC, rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    expect(fs.readFileSync(path.join(dir, 'd', 'g'), 'utf8')).toBe('nested');
    // And creates nothing without path_create_file.
    expect(g.open('new', { dirFd: sub, oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    expect(fs.existsSync(path.join(dir, 'd', 'new'))).toBe(false);
    expect(g.denials()).toHaveLength(2);
  });

  it('creates nothing without the create grant, even when the entry vanishes before the open', () => {
    const { dir } = layout();
    for (const grant of [{ read: true }, { read: true, write: true }, { write: true }]) {
      const g = guest([{ hostPath: dir, ...grant }]);
      const rights = grant.write ? FD_WRITE : FD_READ;
      expect(g.open('absent', { oflags: O.CREAT, rights })).toBe(-Errno.NOTCAPABLE);
      expect(g.open('absent/', { oflags: O.CREAT, rights })).toBe(-Errno.NOTCAPABLE);
      expect(fs.existsSync(path.join(dir, 'absent'))).toBe(false);
      // The file exists when the call looks, and is removed (by anyone) before it opens: the
      // open must not create it again where creating is not granted.
      fs.writeFileSync(path.join(dir, 'victim'), 'x');
      beforeOpenOf('victim', () => fs.unlinkSync(path.join(dir, 'victim')));
      expect(g.open('victim', { oflags: O.CREAT, rights })).toBe(-Errno.NOENT);
      expect(fs.existsSync(path.join(dir, 'victim'))).toBe(false);
      vi.restoreAllMocks();
      // O_CREAT|O_EXCL of an existing file is EEXIST without the grant too, and opens nothing.
      fs.writeFileSync(path.join(dir, 'victim'), 'kept');
      expect(g.open('victim', { oflags: O.CREAT | O.EXCL, rights })).toBe(-Errno.EXIST);
      expect(fs.readFileSync(path.join(dir, 'victim'), 'utf8')).toBe('kept');
      fs.unlinkSync(path.join(dir, 'victim'));
    }
  });

  it('never opens a file that appears between an O_EXCL check and the open, nor changes it', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }], { audit: 'all' });
    beforeOpenOf('raced', () => fs.writeFileSync(path.join(dir, 'raced'), 'host'));
    expect(g.open('raced', { oflags: O.CREAT | O.EXCL | O.TRUNC, rights: FD_WRITE })).toBe(-Errno.EXIST);
    expect(fs.readFileSync(path.join(dir, 'raced'), 'utf8')).toBe('host');
  });

  it('creates no file for an O_CREAT|O_DIRECTORY open, nor through a trailing slash', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    const created = g.open('newdir', { oflags: O.CREAT | O.DIRECTORY });
    // Linux refuses O_CREAT|O_DIRECTORY (EINVAL since 6.4; older kernels created a file and
    // said ENOTDIR): whatever the errno, nothing may be left behind by a failed open.
    expect(created).toBeLessThan(0);
    expect(fs.existsSync(path.join(dir, 'newdir'))).toBe(false);
    expect(g.open('newdir/', { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.ISDIR);
    expect(fs.existsSync(path.join(dir, 'newdir'))).toBe(false);
  });

  it('refuses a FIFO and a socket under O_TRUNC and O_CREAT without blocking or changing them', async () => {
    const { dir } = layout();
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'sock'), resolve));
    try {
      const g = guest([{ hostPath: dir, ...ALL }]);
      for (const name of ['fifo', 'sock']) {
        for (const oflags of [0, O.TRUNC, O.CREAT, O.CREAT | O.TRUNC]) {
          for (const rights of [FD_READ, FD_WRITE, FD_READ | FD_WRITE]) {
            expect(g.open(name, { oflags, rights })).toBe(-Errno.ACCES);
          }
        }
      }
      expect(fs.lstatSync(path.join(dir, 'fifo')).isFIFO()).toBe(true);
      expect(fs.lstatSync(path.join(dir, 'sock')).isSocket()).toBe(true);
      expect(g.denials().every((r) => r.type === 'decision' && r.errno === 'acces')).toBe(true);
      expect(g.denials()).toHaveLength(24);
    } finally {
      server.close();
    }
  });
});

describe('odd paths', () => {
  it('opens and stats `.` as the directory itself, and never reads back its host path', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    for (const p of ['.', './', 'd/..', './d/..', 'd/../.']) {
      const fd = g.open(p, { rights: FD_READDIR });
      expect(fd, p).toBeGreaterThan(3);
      expect((g.fdstat(fd) as { filetype: number }).filetype).toBe(Filetype.DIRECTORY);
      expect(g.stat(p, false), p).toBe(Filetype.DIRECTORY);
      expect(g.stat(p, true), p).toBe(Filetype.DIRECTORY);
      // path_readlink of a directory is EINVAL: the /proc link that names the pinned directory
      // must never be read in its place (its target is the real host path).
      const len = g.put(1024, p);
      g.bytes().fill(0, 4096, 4096 + 256);
      expect(g.fns.path_readlink!(3, 1024, len, 4096, 256, 8), p).toBe(Errno.INVAL);
      expect(Buffer.from(g.bytes().subarray(4096, 4096 + 256)).includes(Buffer.from(dir))).toBe(false);
    }
    expect(g.open('.', { oflags: O.DIRECTORY, rights: FD_READDIR })).toBeGreaterThan(3);
    expect(g.open('.', { rights: FD_WRITE })).toBe(-Errno.ISDIR);
    expect(g.open('.', { oflags: O.CREAT })).toBe(-Errno.ISDIR);
    expect(g.pathCall('path_create_directory', '.')).toBe(Errno.EXIST);
    expect(g.pathCall('path_remove_directory', '.')).toBe(Errno.INVAL);
    expect(g.pathCall('path_unlink_file', '.')).toBe(Errno.ISDIR);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
  });

  it('treats `f/.` like `f/`: a regular file there is ENOTDIR', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    for (const p of ['f/', 'f/.', 'f/./', 'f/./.', 'd/g/.', './f/.']) {
      expect(g.open(p), p).toBe(-Errno.NOTDIR);
      expect(g.stat(p), p).toBe(-Errno.NOTDIR);
      expect(g.pathCall('path_unlink_file', p), p).toBe(Errno.NOTDIR);
    }
    expect(fs.existsSync(path.join(dir, 'f'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'd', 'g'))).toBe(true);
    expect(g.open('d/.', { rights: FD_READDIR })).toBeGreaterThan(3);
    expect(g.stat('d/.')).toBe(Filetype.DIRECTORY);
    expect(g.open('./f')).toBeGreaterThan(3);
  });

  it('gives empty, NUL, absolute, long and deep paths their errno, with an audit record for denials', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    expect(g.open('')).toBe(-Errno.NOENT);
    expect(g.stat('')).toBe(-Errno.NOENT);
    expect(g.open('f\0/../../secret')).toBe(-Errno.INVAL);
    expect(g.open('f\0')).toBe(-Errno.INVAL);
    expect(g.open('/etc/passwd')).toBe(-Errno.NOTCAPABLE);
    expect(g.open('//f')).toBe(-Errno.NOTCAPABLE);
    expect(g.open('x'.repeat(256))).toBe(-Errno.NAMETOOLONG);
    expect(g.open('x'.repeat(256), { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.NAMETOOLONG);
    expect(g.open(`d/${'é'.repeat(128)}`, { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.NAMETOOLONG);
    expect(g.open('x'.repeat(255))).toBe(-Errno.NOENT);
    // PATH_MAX, as Linux: a path of 4,096 bytes or more is ENAMETOOLONG, one byte less is looked up.
    expect(g.open(`${'d/'.repeat(2047)}x`)).toBe(-Errno.NOENT);
    expect(g.open(`${'d/'.repeat(2047)}xx`)).toBe(-Errno.NAMETOOLONG);
    expect(g.open('é/'.repeat(1366))).toBe(-Errno.NAMETOOLONG); // 2,732 UTF-16 units, 4,098 bytes
    expect(g.open(Array(20_000).fill('d').join('/'))).toBe(-Errno.NAMETOOLONG);
    // 2,000 components: no stack or host error, just the errno of the lookup.
    expect(g.open(Array(2_000).fill('d').join('/'))).toBe(-Errno.NOENT);
    expect(g.open(`${Array(2_000).fill('.').join('/')}/f`)).toBeGreaterThan(3);
    expect(g.open(`${Array(800).fill('d/..').join('/')}/f`)).toBeGreaterThan(3);
    expect(g.open(`${Array(800).fill('d/..').join('/')}/..`)).toBe(-Errno.NOTCAPABLE);
    // Invalid UTF-8 is EILSEQ, short (ASCII fast path) or long.
    expect(g.open(new Uint8Array([0x66, 0xff]))).toBe(-Errno.ILSEQ);
    expect(g.open(new Uint8Array([...Array(100).fill(0x61), 0xc3]))).toBe(-Errno.ILSEQ);
    const denied = g.denials().map((r) => (r.type === 'decision' ? r.detail?.path : null));
    expect(denied).toEqual(['/data//etc/passwd', '/data///f', expect.stringMatching(/\/\.\.$/)]);
    expect(fs.readdirSync(dir).sort()).toEqual(['d', 'f']);
  });
});

describe('rights after the open-first route', () => {
  it('reports exactly the rights asked for and granted, and the host descriptor matches them', () => {
    const { dir } = layout();
    const readOnly = guest([{ hostPath: dir, read: true }]);
    const asked = FD_READ | FD_SEEK | FD_WRITE | Rights.FD_ALLOCATE;
    expect(readOnly.open('f', { rights: asked })).toBe(-Errno.NOTCAPABLE);
    const ro = readOnly.open('f', { rights: FD_READ | FD_SEEK | Rights.FD_FILESTAT_SET_SIZE | Rights.PATH_OPEN });
    expect(ro).toBe(-Errno.NOTCAPABLE);
    const fd = readOnly.open('f', { rights: FD_READ | FD_SEEK | Rights.FD_SYNC | Rights.PATH_OPEN, inheriting: -1n & ((1n << 64n) - 1n) });
    const st = readOnly.fdstat(fd) as { filetype: number; base: bigint; inheriting: bigint };
    expect(st.filetype).toBe(Filetype.REGULAR_FILE);
    expect(st.base).toBe(FD_READ | FD_SEEK);
    expect(st.inheriting & FD_WRITE).toBe(0n);
    expect(readOnly.write(fd, 'pwned')).toBe(-Errno.NOTCAPABLE);
    expect(readOnly.read(fd)).toBe('inside');

    // Read-only rights on a writable preopen: the guest cannot write, nor grant itself the right.
    const g = guest([{ hostPath: dir, ...ALL }]);
    const rfd = g.open('f', { rights: FD_READ });
    expect((g.fdstat(rfd) as { base: bigint }).base).toBe(FD_READ);
    expect(g.write(rfd, 'pwned')).toBe(-Errno.NOTCAPABLE);
    expect(g.fns.fd_fdstat_set_rights!(rfd, FD_READ | FD_WRITE, 0n)).toBe(Errno.NOTCAPABLE);
    expect(g.fns.fd_fdstat_set_flags!(rfd, 1)).toBe(Errno.NOTCAPABLE);
    expect(g.fns.fd_filestat_set_size!(rfd, 0n)).toBe(Errno.NOTCAPABLE);
    expect(g.fns.fd_allocate!(rfd, 0n, 100n)).toBe(Errno.NOTCAPABLE);
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe('inside');
    expect(g.denials().length).toBe(5);
  });

  it('gives a directory opened for writing EISDIR on both routes, and a directory fd no file rights', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    for (const p of ['d', 'd/../d', 'd/']) {
      expect(g.open(p, { oflags: O.DIRECTORY, rights: FD_WRITE | FD_READDIR }), p).toBe(-Errno.ISDIR);
      expect(g.open(p, { rights: FD_WRITE }), p).toBe(-Errno.ISDIR);
    }
    expect(g.open('f', { oflags: O.DIRECTORY, rights: FD_WRITE })).toBe(-Errno.NOTDIR);
    const fd = g.open('d', { oflags: O.DIRECTORY, rights: FD_READDIR | FD_READ | Rights.FD_FILESTAT_SET_SIZE | Rights.PATH_OPEN });
    const st = g.fdstat(fd) as { filetype: number; base: bigint };
    expect(st.filetype).toBe(Filetype.DIRECTORY);
    expect(st.base).toBe(FD_READDIR | Rights.PATH_OPEN);
    // Not denials: what the kernel says of a directory descriptor (EBADF: it is not open for writing).
    expect(g.write(fd, 'x')).toBe(-Errno.BADF);
    expect(g.read(fd)).toBe(-Errno.ISDIR);
    expect(g.denials()).toEqual([]);
  });

  it('hands on a subdirectory only the inheriting rights asked for', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    const sub = g.open('d', { oflags: O.DIRECTORY, rights: Rights.PATH_OPEN | FD_READDIR, inheriting: FD_READ });
    expect((g.fdstat(sub) as { inheriting: bigint }).inheriting).toBe(FD_READ);
    expect(g.open('g', { dirFd: sub, rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    expect(g.open('g', { dirFd: sub, rights: FD_READ, fdflags: 1 })).toBe(-Errno.NOTCAPABLE);
    const fd = g.open('g', { dirFd: sub, rights: FD_READ | FD_WRITE | FD_SEEK });
    expect(fd).toBe(-Errno.NOTCAPABLE);
    const rfd = g.open('g', { dirFd: sub, rights: FD_READ | FD_SEEK });
    expect((g.fdstat(rfd) as { base: bigint }).base).toBe(FD_READ);
    expect(g.read(rfd)).toBe('nested');
  });
});

describe('a real guest in the sandbox worker', () => {
  it('cannot read the preopen\'s host path back through path_readlink of `.`', async () => {
    const { dir } = layout();
    const policy = manifest({ filesystem: { preopens: [{ hostPath: dir, guestPath: '/data', read: true, write: false }] } });
    // path_readlink(3, ".", buf=200, 512, out=100), then prints the buffer and exits with the errno.
    const bytes = await wat(`(module
      (import "wasi_snapshot_preview1" "path_readlink" (func $readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
      ${PRELUDE}
      (data (i32.const 50) ".")
      (func (export "_start") (local $errno i32)
        (local.set $errno (call $readlink (i32.const 3) (i32.const 50) (i32.const 1) (i32.const 200) (i32.const 512) (i32.const 100)))
        (call $print (i32.const 200) (i32.load (i32.const 100)))
        (call $proc_exit (local.get $errno))))`);
    const { result, stdout } = await runCaptured(bytes, policy);
    expect(result.exitCode).toBe(Errno.INVAL);
    expect(stdout).toBe('');
    expect(stdout).not.toContain(dir);
  });
});
