// An attack sweep on the runtime's confinement and robustness, after the earlier reviews
// (escape, review-*, dotdot, pinned-cache): hard links of symlinks that point outside, long
// chains and loops, `.`/`..`/slash mixtures in link targets, renames into themselves and over
// links, rights that try to grow, descriptors renumbered over preopens and sockets, readdir of
// removed directories, poll_oneoff at its edges, the max file size against append descriptors,
// environment names the guest would parse as another name, and sock_* on what is not a socket.
// Each test asserts the errno Linux (or WASI) gives and, for denials, the audit record. Most run
// the WASI in this thread (fixtures/review/guest.ts) for exact control of every argument.
/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeterministicGuestClock, Errno, Filetype, RunMeter, RunStatus, Rights, SeededRandom, WasiPreview1, preopenRights,
  visibleEnvironment, type AuditDraft, type SocketBridge,
} from '@wsbc/runtime';
import { manifest, runCaptured, tempDir, wat } from './helpers.js';
import { FD_READ, FD_READDIR, FD_SEEK, FD_WRITE, FDFLAG_APPEND, FOLLOW, O, reviewGuest, type ReviewGuest } from './fixtures/review/guest.js';

const live: Array<{ wasi: WasiPreview1 }> = [];
afterEach(() => {
  for (const g of live.splice(0)) g.wasi.close();
});

const ALL = { read: true, write: true, create: true, delete: true };
const EVERY = (1n << 64n) - 1n;
/** Every right but those that ask for write access (which a read-only grant refuses). */
const EVERY_BUT_WRITE = EVERY & ~(FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE);

/** A preopen `<parent>/root` with `f`; beside it `<parent>/outside` with `secret`. */
function layout(): { parent: string; dir: string; outside: string } {
  const parent = tempDir('wsbc-attack-');
  const dir = path.join(parent, 'root');
  const outside = path.join(parent, 'outside');
  fs.mkdirSync(dir);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'OUTSIDE');
  fs.writeFileSync(path.join(dir, 'f'), 'inside');
  return { parent, dir, outside };
}

function guest(grants: Array<Record<string, unknown> & { hostPath: string }>, options: { audit?: 'all' | 'denied' } = {}): ReviewGuest {
  const g = reviewGuest(grants, options);
  live.push(g);
  return g;
}

/** Calls a two-path function (path_link, path_rename) with both paths placed in memory. */
function twoPaths(g: ReviewGuest, fn: 'path_link' | 'path_rename', from: string, to: string, opts: { fromFd?: number; toFd?: number; follow?: boolean } = {}): number {
  const a = g.put(2048, from);
  const b = g.put(3072, to);
  const fromFd = opts.fromFd ?? 3;
  const toFd = opts.toFd ?? 3;
  return fn === 'path_link'
    ? g.fns.path_link!(fromFd, opts.follow ? FOLLOW : 0, 2048, a, toFd, 3072, b)
    : g.fns.path_rename!(fromFd, 2048, a, toFd, 3072, b);
}

function symlink(g: ReviewGuest, target: string, at: string, dirFd = 3): number {
  const a = g.put(2048, target);
  const b = g.put(3072, at);
  return g.fns.path_symlink!(2048, a, dirFd, 3072, b);
}

function denied(g: ReviewGuest, op: string): AuditDraft[] {
  return g.denials().filter((r) => r.type === 'decision' && r.op === op);
}

describe('links and symlinks', () => {
  it('a hard link to an outside-pointing symlink cannot be opened through', () => {
    const { dir, outside } = layout();
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.symlinkSync('../../outside/secret', path.join(dir, 'sub', 'out'));
    const g = guest([{ hostPath: dir, ...ALL }]);
    // link(2) without AT_SYMLINK_FOLLOW links the symlink itself, as Linux does.
    expect(twoPaths(g, 'path_link', 'sub/out', 'hl')).toBe(Errno.SUCCESS);
    expect(twoPaths(g, 'path_link', 'sub/out', 'sub/hl')).toBe(Errno.SUCCESS);
    expect(fs.lstatSync(path.join(dir, 'hl')).isSymbolicLink()).toBe(true);
    // At the top its `..` climbs even further; one level down it is the same climb as the original.
    for (const p of ['hl', 'sub/hl', 'sub/out']) {
      expect(g.open(p)).toBe(-Errno.NOTCAPABLE);
      expect(g.stat(p, true)).toBe(-Errno.NOTCAPABLE);
      expect(g.open(p, { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    }
    // The link itself can be stat-ed and read, as any symlink in the preopen.
    expect(g.stat('hl', false)).toBe(Filetype.SYMBOLIC_LINK);
    // Following it while linking would link the outside file in.
    expect(twoPaths(g, 'path_link', 'hl', 'in', { follow: true })).toBe(Errno.NOTCAPABLE);
    expect(fs.existsSync(path.join(dir, 'in'))).toBe(false);
    expect(fs.statSync(path.join(outside, 'secret')).nlink).toBe(1);
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('OUTSIDE');
    const opens = denied(g, 'path_open');
    expect(opens.length).toBe(6);
    expect(opens.every((r) => r.type === 'decision' && r.errno === 'notcapable')).toBe(true);
    expect(opens.map((r) => r.type === 'decision' && r.detail?.path)).toContain('/data/hl');
    expect(denied(g, 'path_link')).toEqual([expect.objectContaining({ errno: 'notcapable', detail: { path: '/data/hl' } })]);
  });

  it('follows a chain of exactly 40 symlinks and refuses 41 and loops with ELOOP, as Linux', () => {
    const { dir } = layout();
    // c0 -> c1 -> ... -> c44 -> f: following c<i> takes 45 - i links.
    for (let i = 0; i < 45; i++) fs.symlinkSync(i === 44 ? 'f' : `c${i + 1}`, path.join(dir, `c${i}`));
    fs.symlinkSync('loop-b', path.join(dir, 'loop-a'));
    fs.symlinkSync('loop-a', path.join(dir, 'loop-b'));
    fs.symlinkSync('self/x', path.join(dir, 'self'));
    const g = guest([{ hostPath: dir, ...ALL }]);
    expect(g.open('c5')).toBeGreaterThan(3);
    expect(g.stat('c5', true)).toBe(Filetype.REGULAR_FILE);
    expect(g.open('c4')).toBe(-Errno.LOOP);
    expect(g.stat('c4', true)).toBe(-Errno.LOOP);
    expect(g.open('c0')).toBe(-Errno.LOOP);
    expect(g.open('loop-a')).toBe(-Errno.LOOP);
    expect(g.open('loop-a', { follow: false })).toBe(-Errno.LOOP);
    expect(g.stat('loop-a', false)).toBe(Filetype.SYMBOLIC_LINK);
    expect(g.open('self')).toBe(-Errno.LOOP);
    expect(g.open('loop-a/x', { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.LOOP);
    expect(g.pathCall('path_create_directory', 'loop-a/d')).toBe(Errno.LOOP);
    // Nothing was created at the end of the loop, and ELOOP is not a denial.
    expect(fs.readdirSync(dir).filter((n) => !n.startsWith('c')).sort()).toEqual(['f', 'loop-a', 'loop-b', 'self']);
    expect(g.denials()).toEqual([]);
  });

  it('resolves link targets mixing `.`, `..` and trailing slashes inside, and refuses them once they leave', () => {
    const { dir, outside } = layout();
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'g'), 'nested');
    fs.symlinkSync('./sub/../sub/./', path.join(dir, 'round'));
    fs.symlinkSync('f/', path.join(dir, 'file-slash'));
    fs.symlinkSync('f/.', path.join(dir, 'file-dot'));
    fs.symlinkSync('sub/./../..', path.join(dir, 'up-out'));
    fs.symlinkSync('sub/../../root/f', path.join(dir, 'out-and-in'));
    fs.symlinkSync('sub/..//./sub/../../outside/secret', path.join(dir, 'out-late'));
    const g = guest([{ hostPath: dir, ...ALL }]);
    expect(g.open('round', { oflags: O.DIRECTORY, rights: FD_READDIR })).toBeGreaterThan(3);
    expect(g.open('round/g')).toBeGreaterThan(3);
    expect(g.stat('round', true)).toBe(Filetype.DIRECTORY);
    expect(g.open('round/new', { oflags: O.CREAT, rights: FD_WRITE })).toBeGreaterThan(3);
    expect(fs.existsSync(path.join(dir, 'sub', 'new'))).toBe(true);
    // A trailing slash or `/.` on a file is ENOTDIR.
    expect(g.open('file-slash')).toBe(-Errno.NOTDIR);
    expect(g.open('file-dot')).toBe(-Errno.NOTDIR);
    expect(g.stat('file-slash', true)).toBe(-Errno.NOTDIR);
    // Out of the preopen, even when the path comes back in under the preopen's own name.
    for (const p of ['up-out/outside/secret', 'out-and-in', 'out-late', 'round/../up-out']) {
      expect(g.open(p)).toBe(-Errno.NOTCAPABLE);
    }
    expect(g.stat('up-out', true)).toBe(-Errno.NOTCAPABLE);
    expect(g.pathCall('path_create_directory', 'up-out/made')).toBe(Errno.NOTCAPABLE);
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    expect(fs.readdirSync(path.dirname(dir)).sort()).toEqual(['outside', 'root']);
    const refused = g.denials();
    expect(refused.length).toBe(6);
    expect(refused.every((r) => r.type === 'decision' && r.errno === 'notcapable' && String(r.detail?.path).startsWith('/data/'))).toBe(true);
  });

  it('refuses a rename of a directory into itself (EINVAL) or over a symlink (ENOTDIR), leaving both in place', () => {
    const { dir, outside } = layout();
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    fs.symlinkSync('../outside', path.join(dir, 'out'));
    fs.symlinkSync('a', path.join(dir, 'to-a'));
    const g = guest([{ hostPath: dir, ...ALL }]);
    expect(twoPaths(g, 'path_rename', 'a', 'a/b/c')).toBe(Errno.INVAL);
    expect(twoPaths(g, 'path_rename', 'a', 'a/b/c/')).toBe(Errno.INVAL);
    // Through a symlink to itself: the walk names the same directory.
    expect(twoPaths(g, 'path_rename', 'a', 'to-a/b/c')).toBe(Errno.INVAL);
    // Onto a symlink that names a directory outside: rename(2) acts on the link, a non-directory.
    expect(twoPaths(g, 'path_rename', 'a', 'out')).toBe(Errno.NOTDIR);
    expect(twoPaths(g, 'path_rename', 'a', 'out/')).toBe(Errno.NOTDIR);
    // Into the outside directory through the link: refused by confinement.
    expect(twoPaths(g, 'path_rename', 'a', 'out/a')).toBe(Errno.NOTCAPABLE);
    expect(twoPaths(g, 'path_rename', 'a/b', 'a/b/.')).toBe(Errno.BUSY);
    expect(fs.readlinkSync(path.join(dir, 'out'))).toBe('../outside');
    expect(fs.statSync(path.join(dir, 'a', 'b')).isDirectory()).toBe(true);
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    expect(denied(g, 'path_rename')).toEqual([expect.objectContaining({ errno: 'notcapable', detail: { path: '/data/out/a' } })]);
  });

  it('refuses renames and links between a read-only and a writable preopen in both directions', () => {
    const { parent, dir } = layout();
    const ro = path.join(parent, 'ro');
    fs.mkdirSync(ro);
    fs.writeFileSync(path.join(ro, 'r'), 'read only');
    const g = guest([{ hostPath: dir, ...ALL }, { hostPath: ro, guestPath: '/ro', read: true }]);
    // From the read-only preopen: it grants neither rename source nor link source.
    expect(twoPaths(g, 'path_rename', 'r', 'r', { fromFd: 4, toFd: 3 })).toBe(Errno.NOTCAPABLE);
    expect(twoPaths(g, 'path_link', 'r', 'r', { fromFd: 4, toFd: 3 })).toBe(Errno.NOTCAPABLE);
    // Into it: no rename or link target there.
    expect(twoPaths(g, 'path_rename', 'f', 'f', { fromFd: 3, toFd: 4 })).toBe(Errno.NOTCAPABLE);
    expect(twoPaths(g, 'path_link', 'f', 'f', { fromFd: 3, toFd: 4 })).toBe(Errno.NOTCAPABLE);
    // Asking for every right on the read-only preopen's directory is refused for write; without
    // write, the descriptor gains no rename or link right from the rights it asked for.
    expect(g.open('.', { dirFd: 4, oflags: O.DIRECTORY, rights: EVERY, inheriting: EVERY })).toBe(-Errno.NOTCAPABLE);
    const roDir = g.open('.', { dirFd: 4, oflags: O.DIRECTORY, rights: EVERY_BUT_WRITE, inheriting: EVERY });
    expect(roDir).toBeGreaterThan(4);
    expect(twoPaths(g, 'path_rename', 'r', 'r', { fromFd: roDir, toFd: 3 })).toBe(Errno.NOTCAPABLE);
    expect(twoPaths(g, 'path_link', 'r', 'x', { fromFd: roDir, toFd: 3 })).toBe(Errno.NOTCAPABLE);
    expect(fs.readdirSync(ro)).toEqual(['r']);
    expect(fs.readdirSync(dir)).toEqual(['f']);
    const refused = g.denials();
    expect(refused.length).toBe(7);
    expect(refused.every((r) => r.type === 'decision' && r.errno === 'notcapable')).toBe(true);
    expect(refused.filter((r) => r.type === 'decision' && /descriptor lacks path_(rename|link)_(source|target)/.test(r.reason ?? '')).length).toBe(6);
    expect(refused).toContainEqual(expect.objectContaining({ op: 'path_open', reason: 'write access not granted', detail: { path: '/ro' } }));
  });
});

/**
 * A WASI instance with a read-only preopen (fd 3) and one preopened listener (fd 4) served by a
 * fake socket bridge that accepts at once and records which connections it was told to close.
 */
function socketGuest(dir: string, maxOpenFiles: number): { g: ReviewGuest; closed: number[] } {
  const policy = manifest({
    filesystem: { preopens: [{ hostPath: dir, guestPath: '/data', read: true }] },
    network: { mode: 'restricted', loopback: true },
    audit: { decisions: 'denied' },
    limits: { io: { maxOpenFiles, readBytesPerSecond: null, writeBytesPerSecond: null } },
  });
  const closed: number[] = [];
  let next = 100;
  const sockets: SocketBridge = {
    listeners: [{ id: 0, address: '127.0.0.1:7' }],
    accept: () => ({ conn: next++, peer: '127.0.0.1:9' }),
    recv: () => new Uint8Array(0),
    send: (_conn, data) => data.byteLength,
    shutdown: () => undefined,
    close: (conn) => void closed.push(conn),
    // Always ready, as accept is (the cases here never poll a socket).
    ready: () => ({ nbytes: 1, hangup: false }),
  };
  const audit: AuditDraft[] = [];
  const wasi = new WasiPreview1({
    manifest: policy, args: ['attack'], env: [],
    stdio: { readStdin: () => new Uint8Array(0), waitStdin: () => true, write: () => undefined },
    meter: new RunMeter(policy.limits, () => undefined), clock: new DeterministicGuestClock({ startMs: 0, stepNs: 1 }),
    random: new SeededRandom(1), audit: (r) => audit.push(r), sockets,
  });
  live.push({ wasi });
  const memory = new WebAssembly.Memory({ initial: 1 });
  wasi.memory.attach(memory);
  const fns = wasi.imports().wasi_snapshot_preview1 as Record<string, (...args: any[]) => number>;
  const view = () => new DataView(memory.buffer);
  const put = (at: number, text: string) => {
    const data = new TextEncoder().encode(text);
    new Uint8Array(memory.buffer).set(data, at);
    return data.byteLength;
  };
  const g = {
    wasi, memory, fns, audit, put, view, bytes: () => new Uint8Array(memory.buffer),
    open(p: string) {
      const len = put(1024, p);
      const errno = fns.path_open!(3, 0, 1024, len, 0, FD_READ, 0n, 0, 0);
      return errno === Errno.SUCCESS ? view().getUint32(0, true) : -errno;
    },
    denials: () => audit.filter((r) => r.type === 'decision' && r.outcome === 'denied'),
  } as unknown as ReviewGuest;
  return { g, closed };
}

describe('descriptors', () => {
  it('renumbering over a listener or a connection keeps the open-file count and closes the connection', () => {
    const { dir } = layout();
    const { g, closed } = socketGuest(dir, 2);
    expect(g.fns.sock_accept!(4, 0, 0)).toBe(Errno.SUCCESS);
    const conn = g.view().getUint32(0, true);
    const file = g.open('f');
    expect([conn, file]).toEqual([5, 6]);
    expect(g.open('f')).toBe(-Errno.MFILE);
    // The file takes the connection's number: the connection is closed (dup2 closes the target),
    // and one descriptor is left of the two counted.
    expect(g.fns.fd_renumber!(file, conn)).toBe(Errno.SUCCESS);
    expect(closed).toEqual([100]);
    const second = g.open('f');
    expect(second).toBe(6);
    expect(g.open('f')).toBe(-Errno.MFILE);
    // A listener was never counted as an open file: renumbering over it frees no slot.
    expect(g.fns.fd_renumber!(second, 4)).toBe(Errno.SUCCESS);
    expect(g.open('f')).toBe(-Errno.MFILE);
    expect(g.fns.fd_fdstat_get!(4, 64)).toBe(Errno.SUCCESS);
    expect(g.view().getUint8(64)).toBe(Filetype.REGULAR_FILE);
    expect(g.fns.sock_accept!(4, 0, 0)).toBe(Errno.NOTSOCK);
    // Closing what is left frees both slots, and no more.
    expect(g.fns.fd_close!(4)).toBe(Errno.SUCCESS);
    expect(g.fns.fd_close!(5)).toBe(Errno.SUCCESS);
    expect([g.open('f'), g.open('f'), g.open('f')]).toEqual([4, 5, -Errno.MFILE]);
    const limits = g.denials().filter((r) => r.type === 'decision' && r.errno === 'mfile');
    expect(limits.length).toBe(4);
  });

  it('gives sock_* on files, directories and stdio ENOTSOCK with a network grant, ENOTCAPABLE without', () => {
    const { dir } = layout();
    const { g } = socketGuest(dir, 10);
    const file = g.open('f');
    for (const fd of [0, 1, 2, 3, file]) {
      expect(g.fns.sock_accept!(fd, 0, 0)).toBe(Errno.NOTSOCK);
      expect(g.fns.sock_recv!(fd, 16, 0, 0, 8, 12)).toBe(Errno.NOTSOCK);
      expect(g.fns.sock_send!(fd, 16, 0, 0, 8)).toBe(Errno.NOTSOCK);
      expect(g.fns.sock_shutdown!(fd, 2)).toBe(Errno.NOTSOCK);
    }
    expect(g.fns.sock_recv!(99, 16, 0, 0, 8, 12)).toBe(Errno.BADF);
    // Kind errors are not denials.
    expect(g.denials()).toEqual([]);
    const none = guest([{ hostPath: dir, read: true }]);
    for (const fd of [0, 1, 3]) {
      expect(none.fns.sock_accept!(fd, 0, 0)).toBe(Errno.NOTCAPABLE);
      expect(none.fns.sock_send!(fd, 16, 0, 0, 8)).toBe(Errno.NOTCAPABLE);
    }
    expect(none.denials().length).toBe(6);
    expect(none.denials().every((r) => r.type === 'decision' && r.capability === 'network' && r.errno === 'notcapable')).toBe(true);
  });

  it('reads and writes on a listener fail as on a listening TCP socket, not as denials', () => {
    const { dir } = layout();
    const { g } = socketGuest(dir, 10);
    g.view().setUint32(16, 8192, true);
    g.view().setUint32(20, 4, true);
    expect(g.fns.fd_read!(4, 16, 1, 8)).toBe(Errno.NOTCONN);
    expect(g.fns.fd_write!(4, 16, 1, 8)).toBe(Errno.PIPE);
    expect(g.fns.fd_pread!(4, 16, 1, 0n, 8)).toBe(Errno.SPIPE);
    expect(g.fns.sock_recv!(4, 16, 1, 0, 8, 12)).toBe(Errno.NOTCONN);
    expect(g.denials()).toEqual([]);
  });

  it('a descriptor renumbered onto the preopen\'s number climbs with `..` only to the preopen\'s root', () => {
    const { dir, outside } = layout();
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a', 'top'), 'a/top');
    const g = guest([{ hostPath: dir, ...ALL }]);
    const b = g.open('a/b', { oflags: O.DIRECTORY, rights: EVERY_BUT_WRITE, inheriting: EVERY });
    expect(b).toBeGreaterThan(3);
    expect(g.fns.fd_renumber!(b, 3)).toBe(Errno.SUCCESS);
    // Descriptor 3 is now a/b: no longer a preopen, and `..` reaches a and the root, not above.
    expect(g.fns.fd_prestat_get!(3, 8)).toBe(Errno.BADF);
    expect(g.stat('../top', true)).toBe(Filetype.REGULAR_FILE);
    expect(g.stat('../../f', true)).toBe(Filetype.REGULAR_FILE);
    expect(g.stat('../../../outside/secret', true)).toBe(-Errno.NOTCAPABLE);
    expect(g.open('../../../root/f')).toBe(-Errno.NOTCAPABLE);
    expect(g.open('../../../outside/new', { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    expect(symlink(g, '../../../outside', 'esc')).toBe(Errno.NOTCAPABLE);
    expect(symlink(g, '../../f', 'ok')).toBe(Errno.SUCCESS);
    expect(g.open('ok')).toBeGreaterThan(3);
    // A file renumbered onto it leaves no directory there at all.
    const file = g.open('ok');
    expect(g.fns.fd_renumber!(file, 3)).toBe(Errno.SUCCESS);
    expect(g.stat('..', true)).toBe(-Errno.NOTDIR);
    expect(g.open('../f')).toBe(-Errno.NOTDIR);
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    const refused = g.denials();
    expect(refused.length).toBe(4);
    expect(refused.every((r) => r.type === 'decision' && r.errno === 'notcapable')).toBe(true);
    expect(refused.map((r) => r.type === 'decision' && r.op)).toEqual(['path_filestat_get', 'path_open', 'path_open', 'path_symlink']);
  });

  it('reads a removed directory as empty of entries, and cookies from elsewhere or with the high bit set as past its end', () => {
    const { dir } = layout();
    fs.mkdirSync(path.join(dir, 'gone'));
    fs.mkdirSync(path.join(dir, 'big'));
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, 'big', `entry-${i}`), '');
    const g = guest([{ hostPath: dir, ...ALL }]);
    const gone = g.open('gone', { oflags: O.DIRECTORY, rights: EVERY_BUT_WRITE, inheriting: EVERY });
    const big = g.open('big', { oflags: O.DIRECTORY, rights: FD_READDIR });
    expect(g.pathCall('path_remove_directory', 'gone')).toBe(Errno.SUCCESS);
    const names = (fd: number, cookie: bigint): string[] | number => {
      const errno = g.fns.fd_readdir!(fd, 4096, 8192, cookie, 8);
      if (errno !== Errno.SUCCESS) return -errno;
      const used = g.view().getUint32(8, true);
      const out: string[] = [];
      for (let at = 4096; at + 24 <= 4096 + used;) {
        const len = g.view().getUint32(at + 16, true);
        out.push(new TextDecoder().decode(g.bytes().subarray(at + 24, at + 24 + len)));
        at += 24 + len;
      }
      return out;
    };
    // Nothing but `.` and `..`, and no host error; creating in it is ENOENT, as on Linux.
    expect(names(gone, 0n)).toEqual(['.', '..']);
    expect(g.open('x', { dirFd: gone, oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.NOENT);
    expect(g.pathCall('path_create_directory', 'x', gone)).toBe(Errno.NOENT);
    // A cookie read from the big directory is only an index into the removed one's listing.
    const all = names(big, 0n) as string[];
    expect(all.length).toBe(22);
    expect(names(gone, 15n)).toEqual([]);
    for (const cookie of [1n << 63n, (1n << 64n) - 1n, 1n << 32n, 23n]) expect(names(big, cookie)).toEqual([]);
    expect(names(big, 21n)).toEqual([all[21]]);
    expect(g.denials()).toEqual([]);
  });
});

describe('rights', () => {
  it('path_open never hands out more than the directory passes on, whatever base and inheriting ask for', () => {
    const { dir } = layout();
    fs.mkdirSync(path.join(dir, 'sub'));
    const grants = [
      { read: true }, { read: false, write: true }, { read: true, write: true }, { ...ALL },
    ];
    // Rights asked for: single bits, every bit, inheriting wider than base, base wider than inheriting.
    const asks: Array<[bigint, bigint]> = [[EVERY, EVERY], [0n, EVERY], [FD_READ, EVERY], [EVERY_BUT_WRITE, 0n], [EVERY_BUT_WRITE, EVERY]];
    for (let bit = 0n; bit < 64n; bit++) asks.push([1n << bit, EVERY]);
    for (const grant of grants) {
      const g = guest([{ hostPath: dir, ...grant }]);
      const preopen = g.fdstat(3);
      if (typeof preopen === 'number') throw new Error('no preopen');
      const granted = preopenRights({ hostPath: dir, guestPath: '/data', write: false, create: false, delete: false, ...grant } as never, false);
      expect(preopen).toMatchObject({ base: granted.base, inheriting: granted.inheriting });
      for (const [base, inheriting] of asks) {
        for (const [p, oflags] of [['f', 0], ['sub', O.DIRECTORY]] as const) {
          const fd = g.open(p, { oflags, rights: base, inheriting });
          if (fd < 0) continue;
          const st = g.fdstat(fd);
          if (typeof st === 'number') throw new Error('fdstat failed');
          // Never more than asked for, never more than the preopen passes on; and a child of the
          // child gets no more either.
          expect(st.base & ~base).toBe(0n);
          expect(st.base & ~preopen.inheriting).toBe(0n);
          expect(st.inheriting & ~preopen.inheriting).toBe(0n);
          if (p === 'sub' && st.base & Rights.PATH_OPEN) {
            const child = g.open('.', { dirFd: fd, oflags: O.DIRECTORY, rights: EVERY_BUT_WRITE, inheriting: EVERY });
            if (child > 0) {
              const c = g.fdstat(child) as { base: bigint; inheriting: bigint };
              expect(c.base & ~st.inheriting).toBe(0n);
              expect(c.inheriting & ~st.inheriting).toBe(0n);
              g.close(child);
            }
          }
          g.close(fd);
        }
      }
    }
  });

  it('fd_fdstat_set_rights only drops rights, on files, directories, preopens and stdio', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    const file = g.open('f', { rights: FD_READ | FD_SEEK });
    for (const fd of [0, 1, 2, 3, file]) {
      const before = g.fdstat(fd) as { base: bigint; inheriting: bigint };
      expect(g.fns.fd_fdstat_set_rights!(fd, before.base | FD_WRITE | Rights.PATH_UNLINK_FILE, before.inheriting)).toBe(Errno.NOTCAPABLE);
      expect(g.fns.fd_fdstat_set_rights!(fd, before.base, EVERY)).toBe(Errno.NOTCAPABLE);
      expect(g.fdstat(fd)).toMatchObject({ base: before.base, inheriting: before.inheriting });
    }
    expect(g.fns.fd_fdstat_set_rights!(file, FD_READ, 0n)).toBe(Errno.SUCCESS);
    // Dropped for good: neither seek nor getting it back.
    expect(g.fns.fd_seek!(file, 0n, 0, 40)).toBe(Errno.NOTCAPABLE);
    expect(g.fns.fd_fdstat_set_rights!(file, FD_READ | FD_SEEK, 0n)).toBe(Errno.NOTCAPABLE);
    expect(g.write(file, 'x')).toBe(-Errno.NOTCAPABLE);
    // Dropping the preopen's create right holds for path_open through it.
    const pre = g.fdstat(3) as { base: bigint; inheriting: bigint };
    expect(g.fns.fd_fdstat_set_rights!(3, pre.base & ~Rights.PATH_CREATE_FILE, pre.inheriting)).toBe(Errno.SUCCESS);
    expect(g.open('new', { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false);
    const refused = g.denials();
    expect(refused.filter((r) => r.type === 'decision' && r.op === 'fd_fdstat_set_rights' && r.reason === 'cannot add rights').length).toBe(11);
    expect(refused).toContainEqual(expect.objectContaining({ op: 'path_open', errno: 'notcapable', reason: 'create not granted', detail: { path: '/data/new' } }));
  });

  it('refuses append on a descriptor without the write right, and audits the refusal', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    const file = g.open('f', { rights: FD_READ | Rights.FD_FDSTAT_SET_FLAGS });
    expect(g.fns.fd_fdstat_set_flags!(file, FDFLAG_APPEND)).toBe(Errno.NOTCAPABLE);
    expect(g.fns.fd_fdstat_set_flags!(0, FDFLAG_APPEND)).toBe(Errno.NOTCAPABLE);
    expect((g.fdstat(file) as { flags: number }).flags).toBe(0);
    expect(g.read(file)).toBe('inside');
    const refused = g.denials();
    expect(refused).toEqual([
      expect.objectContaining({ capability: 'filesystem', op: 'fd_fdstat_set_flags', errno: 'notcapable', detail: { fd: file, path: '/data/f' } }),
      expect.objectContaining({ capability: 'stdio', op: 'fd_fdstat_set_flags', errno: 'notcapable', detail: { fd: 0, path: '<stdin>' } }),
    ]);
  });
});

describe('max file size', () => {
  function sized(max: number, content: string): { g: ReviewGuest; file: string; fd: number } {
    const { dir } = layout();
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, content);
    const g = guest([{ hostPath: dir, ...ALL, maxFileSize: max }]);
    const fd = g.open('f', {
      rights: FD_READ | FD_WRITE | FD_SEEK | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE | Rights.FD_FDSTAT_SET_FLAGS,
      fdflags: FDFLAG_APPEND,
    });
    expect(fd).toBeGreaterThan(3);
    return { g, file, fd };
  }
  function pwrite(g: ReviewGuest, fd: number, data: string, offset: bigint): number {
    g.view().setUint32(16, 8192, true);
    g.view().setUint32(20, g.put(8192, data), true);
    const errno = g.fns.fd_pwrite!(fd, 16, 1, offset, 8);
    return errno === Errno.SUCCESS ? g.view().getUint32(8, true) : -errno;
  }
  const sizeRecords = (g: ReviewGuest) => g.audit.filter((r) => r.type === 'limit' && r.limit === 'file-size');

  it('holds fd_pwrite on an append descriptor to the limit at the end of the file, where its bytes land', () => {
    const { g, file, fd } = sized(100, 'x'.repeat(90));
    // Linux appends whatever the offset: the bytes that fit go at 90, the rest is cut.
    expect(pwrite(g, fd, 'y'.repeat(50), 0n)).toBe(10);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${'x'.repeat(90)}${'y'.repeat(10)}`);
    expect(pwrite(g, fd, 'z', 0n)).toBe(-Errno.FBIG);
    expect(pwrite(g, fd, 'z', 5n)).toBe(-Errno.FBIG);
    expect(fs.statSync(file).size).toBe(100);
    expect(sizeRecords(g)).toEqual([
      expect.objectContaining({ action: 'refused', max: 100, value: 101, op: 'fd_pwrite' }),
      expect.objectContaining({ action: 'refused', max: 100, value: 101, op: 'fd_pwrite' }),
    ]);
    // Switched off, fd_pwrite writes where it is told, inside the limit.
    expect(g.fns.fd_fdstat_set_flags!(fd, 0)).toBe(Errno.SUCCESS);
    expect(pwrite(g, fd, 'AB', 0n)).toBe(2);
    expect(fs.readFileSync(file, 'utf8').slice(0, 3)).toBe('ABx');
    expect(fs.statSync(file).size).toBe(100);
  });

  it('holds fd_write, fd_allocate and fd_filestat_set_size to the limit, and takes offsets with the high bit set as negative', () => {
    const { g, file, fd } = sized(100, 'x'.repeat(60));
    expect(g.write(fd, 'y'.repeat(50))).toBe(40);
    expect(g.write(fd, 'y')).toBe(-Errno.FBIG);
    expect(g.fns.fd_allocate!(fd, 50n, 51n)).toBe(Errno.FBIG);
    expect(g.fns.fd_allocate!(fd, 50n, 50n)).toBe(Errno.SUCCESS);
    expect(g.fns.fd_filestat_set_size!(fd, 101n)).toBe(Errno.FBIG);
    // fallocate(2) and ftruncate(2) take signed offsets: a negative one is EINVAL, as is a
    // zero length.
    expect(g.fns.fd_allocate!(fd, (1n << 64n) - 1n, 2n)).toBe(Errno.INVAL);
    expect(g.fns.fd_allocate!(fd, 1n << 63n, 1n)).toBe(Errno.INVAL);
    expect(g.fns.fd_allocate!(fd, 0n, 1n << 63n)).toBe(Errno.INVAL);
    expect(g.fns.fd_allocate!(fd, 0n, 0n)).toBe(Errno.INVAL);
    expect(g.fns.fd_filestat_set_size!(fd, (1n << 64n) - 1n)).toBe(Errno.INVAL);
    expect(pwrite(g, fd, 'z', (1n << 53n) - 1n)).toBe(-Errno.FBIG);
    expect(fs.statSync(file).size).toBe(100);
    expect(sizeRecords(g).map((r) => r.type === 'limit' && r.op)).toEqual(['fd_write', 'fd_allocate', 'fd_filestat_set_size', 'fd_pwrite']);
  });
});

describe('poll_oneoff at its edges', () => {
  const SUB = 48;
  const EVENT = 32;
  function clockSub(g: ReviewGuest, at: number, userdata: bigint, id: number, timeout: bigint, flags: number): void {
    const v = g.view();
    g.bytes().fill(0, at, at + SUB);
    v.setBigUint64(at, userdata, true);
    v.setUint8(at + 8, 0);
    v.setUint32(at + 16, id, true);
    v.setBigUint64(at + 24, timeout, true);
    v.setUint16(at + 40, flags, true);
  }
  function fdSub(g: ReviewGuest, at: number, userdata: bigint, tag: 1 | 2, fd: number): void {
    const v = g.view();
    g.bytes().fill(0, at, at + SUB);
    v.setBigUint64(at, userdata, true);
    v.setUint8(at + 8, tag);
    v.setUint32(at + 16, fd, true);
  }
  function events(g: ReviewGuest, at: number, n: number): Array<{ userdata: bigint; error: number; type: number }> {
    const v = g.view();
    return Array.from({ length: n }, (_, i) => ({
      userdata: v.getBigUint64(at + i * EVENT, true), error: v.getUint16(at + i * EVENT + 8, true), type: v.getUint8(at + i * EVENT + 10),
    }));
  }

  it('refuses no subscriptions and too many before reading memory, and writes events over the subscriptions they answer', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    expect(g.fns.poll_oneoff!(0, 0, 0, 8)).toBe(Errno.INVAL);
    // A count past the maximum is EINVAL even with pointers no memory could hold.
    expect(g.fns.poll_oneoff!(0xffff_fff0, 0xffff_fff0, 65_537, 0xffff_fff0)).toBe(Errno.INVAL);
    expect(g.fns.poll_oneoff!(0xffff_fff0, 0xffff_fff0, 0xffff_ffff, 0xffff_fff0)).toBe(Errno.INVAL);
    // Within the maximum, subscriptions that do not fit memory are EFAULT, audited.
    expect(g.fns.poll_oneoff!(0, 0, 65_536, 8)).toBe(Errno.FAULT);
    expect(g.audit).toContainEqual(expect.objectContaining({ capability: 'memory', op: 'poll_oneoff', errno: 'fault' }));
    // fd subscriptions on a closed, a renumbered-away and a never-open descriptor, and one that
    // took another's number; the events are written over the subscriptions (in == out).
    const a = g.open('f');
    const b = g.open('f');
    expect(g.fns.fd_renumber!(a, b)).toBe(Errno.SUCCESS);
    const c = g.open('f', { rights: FD_READ | Rights.POLL_FD_READWRITE });
    expect(c).toBe(a);
    expect(g.fns.fd_close!(c)).toBe(Errno.SUCCESS);
    fdSub(g, 4096, 1n, 1, a);
    fdSub(g, 4096 + SUB, 2n, 1, 4000);
    fdSub(g, 4096 + 2 * SUB, 3n, 2, b);
    clockSub(g, 4096 + 3 * SUB, 4n, 1, 0n, 0);
    expect(g.fns.poll_oneoff!(4096, 4096, 4, 8)).toBe(Errno.SUCCESS);
    const n = g.view().getUint32(8, true);
    // Descriptor b lacks poll_fd_readwrite (opened with fd_read alone): ENOTCAPABLE, as wasi-libc maps rights.
    expect(events(g, 4096, n)).toEqual([
      { userdata: 1n, error: Errno.BADF, type: 1 },
      { userdata: 2n, error: Errno.BADF, type: 1 },
      { userdata: 3n, error: Errno.NOTCAPABLE, type: 2 },
      { userdata: 4n, error: 0, type: 0 },
    ]);
    // The output may also sit exactly at the end of memory; one byte more is EFAULT.
    fdSub(g, 4096, 7n, 1, 1234);
    expect(g.fns.poll_oneoff!(4096, 65536 - EVENT, 1, 8)).toBe(Errno.SUCCESS);
    expect(events(g, 65536 - EVENT, 1)).toEqual([{ userdata: 7n, error: Errno.BADF, type: 1 }]);
    expect(g.fns.poll_oneoff!(4096, 65536 - EVENT + 1, 1, 8)).toBe(Errno.FAULT);
  });

  it('keeps a deterministic clock monotonic after a sleep to the end of time', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    const now = (id: number) => {
      expect(g.fns.clock_time_get!(id, 0n, 40)).toBe(Errno.SUCCESS);
      return g.view().getBigUint64(40, true);
    };
    for (const [id, timeout, flags] of [[1, EVERY, 1], [1, EVERY, 0], [0, EVERY, 1], [0, EVERY - 5n, 0]] as const) {
      const before = [now(0), now(1)];
      clockSub(g, 4096, 9n, id, timeout, flags);
      expect(g.fns.poll_oneoff!(4096, 8192, 1, 8)).toBe(Errno.SUCCESS);
      expect(events(g, 8192, 1)).toEqual([{ userdata: 9n, error: 0, type: 0 }]);
      const after = [now(0), now(1), now(0), now(1)];
      expect(after[0]! >= before[0]! && after[2]! >= after[0]!).toBe(true);
      expect(after[1]! >= before[1]! && after[3]! >= after[1]!).toBe(true);
    }
    expect(now(1)).toBe(EVERY);
  });

  it('ends an absolute sleep until 2^64 - 1 at the idle limit instead of hanging', async () => {
    const module = await wat(`(module
      (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i32.store (i32.const 16) (i32.const 0))
        (i64.store (i32.const 24) (i64.const -1))
        (i32.store16 (i32.const 40) (i32.const 1))
        (drop (call $poll (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 200)))
        (unreachable)))`);
    const started = Date.now();
    const { result, audit } = await runCaptured(module, manifest({ limits: { time: { maxIdleMs: 150, maxTotalMs: 20_000 } } }));
    expect(result.status).toBe(RunStatus.IdleTimeout);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(audit.filter((r) => r.type === 'limit')).toEqual([expect.objectContaining({ limit: 'idle-time', action: 'terminated', max: 150, op: 'poll_oneoff' })]);
  });
});

describe('environment', () => {
  const policies = {
    deny: manifest({ environment: { mode: 'deny', names: ['SECRET'] }, audit: { decisions: 'all' } }),
    full: manifest({ environment: { mode: 'full' }, audit: { decisions: 'all' } }),
    allow: manifest({ environment: { mode: 'allow', names: ['LANG'] }, audit: { decisions: 'all' } }),
  };

  it('never shows a variable whose name holds `=` or NUL: the guest would read it as another name', () => {
    // What wasi-libc's getenv("SECRET") finds in "SECRET=x=leak" is "x=leak".
    const host = { 'SECRET=x': 'leak', 'SECRET\0': 'leak', '=SECRET': 'leak', LANG: 'C', SECRET: 'hidden', 'LANG\u0301': 'accent' };
    for (const [mode, policy] of Object.entries(policies)) {
      const audit: AuditDraft[] = [];
      const seen = visibleEnvironment(policy, host, { 'SECRET=y': 'override' }, (r) => audit.push(r));
      const names = seen.map(([name]) => name);
      expect(names.filter((n) => n.includes('=') || n.includes('\0'))).toEqual([]);
      expect(seen.map(([k, v]) => `${k}=${v}`).some((s) => s.startsWith('SECRET=') && mode !== 'full')).toBe(false);
      // The override named explicitly is refused by name; hidden host names are only counted.
      expect(audit).toContainEqual(expect.objectContaining({ outcome: 'denied', detail: { name: 'SECRET=y' } }));
      const counted = audit.find((r) => r.type === 'decision' && r.outcome === 'denied' && r.detail?.hiddenCount !== undefined);
      expect(counted?.type === 'decision' && counted.detail?.hiddenCount).toBe(mode === 'deny' ? 4 : mode === 'full' ? 3 : 5);
    }
    // Unicode is compared byte for byte, as getenv does: a combining accent makes another name.
    expect(visibleEnvironment(policies.allow, host, {}).map(([n]) => n)).toEqual(['LANG']);
    expect(visibleEnvironment(policies.deny, host, {}).map(([n]) => n)).toEqual(['LANG', 'LANG\u0301']);
  });

  it('fits environ and args buffers that end at the end of memory, and refuses sizes that overlap it', () => {
    const { dir } = layout();
    const g = guest([{ hostPath: dir, read: true }]);
    // args: ["review"]: one pointer and 7 bytes.
    expect(g.fns.args_sizes_get!(65532, 65532)).toBe(Errno.SUCCESS);
    expect(g.view().getUint32(65532, true)).toBe(7);
    expect(g.fns.args_sizes_get!(65532, 65533)).toBe(Errno.FAULT);
    expect(g.fns.args_get!(60000, 65536 - 7)).toBe(Errno.SUCCESS);
    expect(new TextDecoder().decode(g.bytes().subarray(65529, 65536))).toBe('review\0');
    expect(g.view().getUint32(60000, true)).toBe(65529);
    // The strings overwrite their own pointer array: what matters is that nothing leaves memory.
    expect(g.fns.args_get!(65529, 65529)).toBe(Errno.SUCCESS);
    expect(g.fns.args_get!(65530, 65530)).toBe(Errno.FAULT);
    expect(g.fns.args_get!(65536 - 3, 0)).toBe(Errno.FAULT);
    expect(g.fns.environ_sizes_get!(65532, 65536)).toBe(Errno.FAULT);
    expect(g.fns.environ_get!(65536, 65536)).toBe(Errno.SUCCESS);
    // random_get of nothing at the end of memory is fine; one byte is EFAULT, audited.
    expect(g.fns.random_get!(65536, 0)).toBe(Errno.SUCCESS);
    expect(g.fns.random_get!(65536, 1)).toBe(Errno.FAULT);
    expect(g.fns.random_get!(0xffff_ffff, 2)).toBe(Errno.FAULT);
    const faults = g.audit.filter((r) => r.type === 'decision' && r.capability === 'memory');
    expect(faults.map((r) => r.type === 'decision' && r.op)).toEqual(['args_sizes_get', 'args_get', 'args_get', 'environ_sizes_get', 'random_get', 'random_get']);
  });
});

describe('descriptors whose file or directory the host changed', () => {
  it('climbs with `..` from a directory whose name ends in " (deleted)" as from any other', () => {
    const { dir, outside } = layout();
    fs.mkdirSync(path.join(dir, 'd (deleted)', 'e'), { recursive: true });
    const g = guest([{ hostPath: dir, ...ALL }]);
    const d = g.open('d (deleted)', { oflags: O.DIRECTORY, rights: EVERY_BUT_WRITE, inheriting: EVERY });
    expect(d).toBeGreaterThan(3);
    // /proc shows a removed directory's path with this suffix; this one is only named so.
    expect(g.stat('../f', true, d)).toBe(Filetype.REGULAR_FILE);
    expect(g.open('../f', { dirFd: d })).toBeGreaterThan(3);
    expect(g.stat('../../outside/secret', true, d)).toBe(-Errno.NOTCAPABLE);
    expect(symlink(g, '../f', 'up', d)).toBe(Errno.SUCCESS);
    expect(symlink(g, '../../outside', 'out', d)).toBe(Errno.NOTCAPABLE);
    // Removed for real, it climbs to its former parent, as on Linux, and looks up nothing else.
    const e = g.open('d (deleted)/e', { oflags: O.DIRECTORY, rights: EVERY_BUT_WRITE, inheriting: EVERY });
    expect(g.pathCall('path_remove_directory', 'd (deleted)/e')).toBe(Errno.SUCCESS);
    expect(g.stat('../up', true, e)).toBe(Filetype.REGULAR_FILE);
    expect(g.stat('up', true, e)).toBe(-Errno.NOENT);
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    expect(g.denials().map((r) => r.type === 'decision' && r.op)).toEqual(['path_filestat_get', 'path_symlink']);
  });

  it('writes nothing through a read-only descriptor after the host made its file a symlink to outside', () => {
    const { dir, outside } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    const fd = g.open('f', { rights: FD_READ | FD_SEEK | Rights.FD_FDSTAT_SET_FLAGS | Rights.FD_FILESTAT_GET });
    fs.renameSync(path.join(dir, 'f'), path.join(dir, 'old'));
    fs.symlinkSync('../outside/secret', path.join(dir, 'f'));
    expect(g.write(fd, 'PWNED')).toBe(-Errno.NOTCAPABLE);
    expect(g.fns.fd_fdstat_set_flags!(fd, FDFLAG_APPEND)).toBe(Errno.NOTCAPABLE);
    expect(g.fns.fd_fdstat_set_rights!(fd, FD_READ | FD_WRITE, 0n)).toBe(Errno.NOTCAPABLE);
    // Nonblock is allowed and keeps the same file: the descriptor still reads what it opened.
    expect(g.fns.fd_fdstat_set_flags!(fd, 4)).toBe(Errno.SUCCESS);
    expect(g.read(fd)).toBe('inside');
    // Opened again by name, the link is refused.
    expect(g.open('f')).toBe(-Errno.NOTCAPABLE);
    expect(g.open('f', { rights: FD_WRITE })).toBe(-Errno.NOTCAPABLE);
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('OUTSIDE');
    expect(g.denials().map((r) => r.type === 'decision' && `${r.op}:${r.errno}`)).toEqual([
      'fd_write:notcapable', 'fd_fdstat_set_flags:notcapable', 'fd_fdstat_set_rights:notcapable', 'path_open:notcapable', 'path_open:notcapable',
    ]);
  });
});

describe('path bytes', () => {
  it('takes overlong and surrogate UTF-8 spellings of `/` and `.` as EILSEQ, never as separators', () => {
    const { dir, outside } = layout();
    const g = guest([{ hostPath: dir, ...ALL }]);
    const bytes = (...parts: Array<string | number[]>) =>
      new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));
    const slash = [0xc0, 0xaf];
    const dot = [0xc0, 0xae];
    const spellings = [
      bytes('..', slash, 'outside', slash, 'secret'),
      bytes(dot, dot, '/outside/secret'),
      bytes([0xe0, 0x80, 0xaf], 'f'),
      bytes([0xed, 0xa0, 0x80], 'f'),
      bytes('f', [0xff]),
    ];
    for (const p of spellings) {
      expect(g.open(p)).toBe(-Errno.ILSEQ);
      expect(g.open(p, { oflags: O.CREAT, rights: FD_WRITE })).toBe(-Errno.ILSEQ);
    }
    expect(fs.readdirSync(dir)).toEqual(['f']);
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    expect(g.denials()).toEqual([]);
  });
});
