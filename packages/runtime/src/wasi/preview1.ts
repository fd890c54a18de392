// wsbc's own WASI preview1: every function of `wasi_snapshot_preview1` and `wasi_unstable`,
// implemented over Node's synchronous fs API, enforcing the manifest on every call.
//
// Conventions that hold for every function below:
// - i32 arguments are read as unsigned (`>>> 0`), i64 arguments as unsigned BigInts;
// - every guest pointer and length goes through GuestMemory, which raises EFAULT before any
//   access outside memory; results are written only after the operation succeeded;
// - a function returns an errno; host exceptions are mapped to errnos by `call()` and never reach
//   the guest; only GuestExit and SandboxTermination unwind it (and, once raised, every later call
//   raises them again, so a guest that catches them with exception handling cannot continue);
// - capability checks go through `deny()`, which writes an audit record before failing.
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import type { Manifest, Preopen } from '@wsbc/manifest';
import type { AuditDraft, Capability } from '../audit.js';
import { GuestExit, SandboxTermination } from '../termination.js';
import {
  ADVICE_MAX, ClockId, DIRENT_HEADER_SIZE, EVENT_SIZE, EventType, FDSTAT_SIZE, FdFlags,
  Filetype, FstFlags, LOOKUP_SYMLINK_FOLLOW, OFlags, PREOPENTYPE_DIR, PREVIEW1, PRESTAT_SIZE, Rights, SIGNAL_MAX,
  EVENTRWFLAGS_HANGUP, RiFlags, SNAPSHOT0, SUBCLOCK_ABSTIME, SdFlags, type WasiFlavor,
} from './abi.js';
import { Errno, WasiError, errnoFromHostError, errnoName } from './errno.js';
import {
  ClimbsAboveBase, O_PATH, PinnedParentCache, type FinalSymlink, assertProcFdSupport, displayOf, isInside, pinParent, pinParentAsWritten, procFdPath, realPathOfFd, resolveGuestPath, splitGuestPath,
  symlinkTargetStaysInside, type ResolvedPath,
} from './fs-sandbox.js';
import { GuestMemory } from './memory.js';
import { WAIT_PARKED, blockFor, wallNow, type GuestClock, type RandomSource, type RunMeter, type StdioBridge } from './services.js';
import { SOCKET_DATA_CAPACITY, type SocketBridge, type SocketReadiness } from '../socket-channel.js';

const {
  O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_APPEND, O_NONBLOCK, O_NOCTTY,
} = fs.constants;

export interface WasiOptions {
  manifest: Manifest;
  /** argv[0] first. */
  args: string[];
  /** Variables the guest sees, already filtered by the manifest. */
  env: Array<[string, string]>;
  stdio: StdioBridge;
  meter: RunMeter;
  clock: GuestClock;
  /** null when the manifest's random mode is `none`. */
  random: RandomSource | null;
  /** Receives capability decisions (already filtered by the manifest's audit level) and limit hits. */
  audit: ((draft: AuditDraft) => void) | null;
  /** Listening sockets the host preopened (checked against the policy by the host), if any. */
  sockets?: SocketBridge | null;
  /**
   * Told once, as soon as the guest exits or is terminated from inside, before the exception
   * unwinds it: the outcome stands even if the guest catches the exception and runs on.
   */
  onEnd?: (end: GuestExit | SandboxTermination) => void;
}

interface PreopenState {
  grant: Preopen;
  /** Real host path of the preopened directory, the boundary every pinned parent is checked against. */
  realRoot: string;
  /**
   * The preopened directory (O_PATH), held by the sandbox itself: paths whose `..` climbs above
   * a descriptor opened below the root are walked from here, even after the guest closed or
   * renumbered its preopen descriptor.
   */
  rootFd: number;
}

interface Descriptor {
  kind: 'stdio' | 'file' | 'dir' | 'listener' | 'conn';
  /** Listener index or connection id, for sockets. */
  sock?: number;
  /** Host descriptor; -1 for stdio. */
  hostFd: number;
  stdio: 0 | 1 | 2 | -1;
  filetype: number;
  rightsBase: bigint;
  rightsInheriting: bigint;
  fdflags: number;
  /**
   * File offset. A number: offsets stop at MAX_FILE_OFFSET (2^53 - 1), so the arithmetic of
   * every read and write needs no BigInt.
   */
  position: number;
  /** The preopen the descriptor was reached through (its grants apply); null for stdio. */
  preopen: PreopenState | null;
  /** Set on preopened directories: the name reported by fd_prestat_dir_name. */
  preopenName: string | null;
  /** Guest-visible path, for audit records. */
  guestPath: string;
  /** On preopened directories: verified parent directories kept open between calls. */
  pinned?: PinnedParentCache;
  /** Directory listing cached for fd_readdir cookies. */
  listing?: DirectoryEntry[];
  /**
   * Files: the flags the host descriptor was opened with. The host descriptor carries O_APPEND
   * exactly when the guest's has FdFlags.APPEND (so appends are the kernel's, atomic), and
   * fd_fdstat_set_flags reopens it to change that.
   */
  hostFlags?: number;
}

/**
 * What a socket call that moved bytes before it parked keeps for its next run (CallWaits.progress):
 * its descriptor, and the bytes received or sent.
 */
interface SocketProgress {
  d: Descriptor;
  moved: number;
}

/** One entry of a directory listing, as fd_readdir writes it. */
interface DirectoryEntry {
  /** UTF-8 bytes of the name. */
  name: Uint8Array;
  type: number;
  ino: bigint;
}
const DOT = Buffer.from('.');
const DOT_DOT = Buffer.from('..');

/** What path_open was asked for, after its capability checks. */
interface OpenRequest {
  dir: Descriptor;
  path: string;
  oflags: number;
  base: bigint;
  inheriting: bigint;
  fdflags: number;
  wantsRead: boolean;
  /** Write access of any kind; pathOpen has checked that the preopen grants write. */
  wantsWrite: boolean;
  /**
   * O_CREAT|O_EXCL: never follows a final symlink, and an existing entry (a dangling link
   * included) is EEXIST (POSIX), so a lock file is never created through a link.
   */
  exclusive: boolean;
}

/** Largest file offset (2^53 - 1, 8 PiB): offsets are numbers, exact up to there. */
const MAX_FILE_OFFSET = Number.MAX_SAFE_INTEGER;
const MAX_FILE_OFFSET_BIG = BigInt(MAX_FILE_OFFSET);

const READ_FILE_RIGHTS = Rights.FD_READ | Rights.FD_SEEK | Rights.FD_TELL | Rights.FD_ADVISE | Rights.FD_FILESTAT_GET |
  Rights.POLL_FD_READWRITE | Rights.FD_FDSTAT_SET_FLAGS;
const WRITE_FILE_RIGHTS = Rights.FD_WRITE | Rights.FD_SEEK | Rights.FD_TELL | Rights.FD_DATASYNC | Rights.FD_SYNC |
  Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE | Rights.FD_FILESTAT_GET | Rights.POLL_FD_READWRITE |
  Rights.FD_FDSTAT_SET_FLAGS;
const FILE_RIGHTS = READ_FILE_RIGHTS | WRITE_FILE_RIGHTS | Rights.FD_FILESTAT_SET_TIMES;
const DIR_RIGHTS = Rights.PATH_OPEN | Rights.FD_FILESTAT_GET | Rights.FD_FDSTAT_SET_FLAGS | Rights.FD_READDIR |
  Rights.PATH_READLINK | Rights.PATH_FILESTAT_GET | Rights.PATH_FILESTAT_SET_SIZE | Rights.PATH_FILESTAT_SET_TIMES |
  Rights.PATH_CREATE_DIRECTORY | Rights.PATH_CREATE_FILE | Rights.PATH_LINK_SOURCE | Rights.PATH_LINK_TARGET |
  Rights.PATH_RENAME_SOURCE | Rights.PATH_RENAME_TARGET | Rights.PATH_SYMLINK | Rights.PATH_REMOVE_DIRECTORY |
  Rights.PATH_UNLINK_FILE | Rights.FD_FILESTAT_SET_TIMES | Rights.FD_SYNC | Rights.FD_DATASYNC;
const LISTENER_RIGHTS = Rights.SOCK_ACCEPT | Rights.POLL_FD_READWRITE | Rights.FD_FILESTAT_GET | Rights.FD_FDSTAT_SET_FLAGS;
const CONN_RIGHTS = Rights.FD_READ | Rights.FD_WRITE | Rights.POLL_FD_READWRITE | Rights.SOCK_SHUTDOWN | Rights.FD_FILESTAT_GET |
  Rights.FD_FDSTAT_SET_FLAGS;
const STDIN_RIGHTS = Rights.FD_READ | Rights.POLL_FD_READWRITE | Rights.FD_FILESTAT_GET | Rights.FD_FDSTAT_SET_FLAGS;
const STDOUT_RIGHTS = Rights.FD_WRITE | Rights.POLL_FD_READWRITE | Rights.FD_FILESTAT_GET | Rights.FD_FDSTAT_SET_FLAGS |
  Rights.FD_DATASYNC | Rights.FD_SYNC;

/**
 * The rights a preopen grants: `base` on the directory itself and `inheriting` for what is
 * opened beneath it. They are what fd_fdstat_get reports, and every call is checked against them.
 */
export function preopenRights(grant: Preopen, timeFull: boolean): { base: bigint; inheriting: bigint } {
  let dir = Rights.PATH_OPEN | Rights.FD_FDSTAT_SET_FLAGS | Rights.FD_FILESTAT_GET;
  let file = 0n;
  if (grant.read) {
    dir |= Rights.FD_READDIR | Rights.PATH_READLINK | Rights.PATH_FILESTAT_GET;
    file |= READ_FILE_RIGHTS;
  }
  if (grant.write) {
    dir |= Rights.PATH_FILESTAT_SET_SIZE | Rights.FD_SYNC | Rights.FD_DATASYNC;
    file |= WRITE_FILE_RIGHTS;
    if (timeFull) {
      dir |= Rights.PATH_FILESTAT_SET_TIMES | Rights.FD_FILESTAT_SET_TIMES;
      file |= Rights.FD_FILESTAT_SET_TIMES;
    }
    if (grant.create) {
      dir |= Rights.PATH_CREATE_DIRECTORY | Rights.PATH_CREATE_FILE | Rights.PATH_LINK_TARGET |
        Rights.PATH_RENAME_TARGET | Rights.PATH_SYMLINK;
    }
    if (grant.delete) dir |= Rights.PATH_REMOVE_DIRECTORY | Rights.PATH_UNLINK_FILE | Rights.PATH_RENAME_SOURCE;
  }
  if (grant.read && grant.write && grant.create) dir |= Rights.PATH_LINK_SOURCE;
  return { base: dir, inheriting: dir | file };
}

const RIGHT_NAMES = Object.entries(Rights) as Array<[string, bigint]>;
function rightNames(rights: bigint): string {
  return RIGHT_NAMES.filter(([, bit]) => (rights & bit) !== 0n).map(([name]) => name.toLowerCase()).join(',');
}

type WasiFunction = (...args: any[]) => number;


/**
 * Most subscriptions one poll_oneoff takes; more is EINVAL, as Linux's poll() refuses more
 * descriptors than RLIMIT_NOFILE. Each subscription becomes host-side state for the call, so
 * this bounds the host memory and time a guest can make one call take (a 4 GiB memory would
 * otherwise hold 53 million subscriptions).
 */
export const MAX_POLL_SUBSCRIPTIONS = 65_536;
/** What /proc/<pid>/fd shows after the path of a removed directory. */
const DELETED_SUFFIX = ' (deleted)';

export class WasiPreview1 {
  readonly memory = new GuestMemory();
  private readonly fds = new Map<number, Descriptor>();
  private readonly opts: WasiOptions;
  private readonly timeFull: boolean;
  private readonly preopens: PreopenState[] = [];
  private guestOpened = 0;
  /** Set once the guest exited or was terminated; every later call re-raises it. */
  private ended: GuestExit | SandboxTermination | undefined;
  private readonly auditAllowed: boolean;

  constructor(options: WasiOptions) {
    assertProcFdSupport();
    this.opts = options;
    this.timeFull = options.manifest.time.mode === 'full';
    this.auditAllowed = options.audit !== null && options.manifest.audit.decisions === 'all';
    const stdio = (n: 0 | 1 | 2): Descriptor => ({
      kind: 'stdio', hostFd: -1, stdio: n, filetype: options.stdio.terminals?.[n] ? Filetype.CHARACTER_DEVICE : Filetype.UNKNOWN,
      rightsBase: n === 0 ? STDIN_RIGHTS : STDOUT_RIGHTS, rightsInheriting: 0n, fdflags: 0,
      position: 0, preopen: null, preopenName: null, guestPath: ['<stdin>', '<stdout>', '<stderr>'][n]!,
    });
    this.fds.set(0, stdio(0));
    this.fds.set(1, stdio(1));
    this.fds.set(2, stdio(2));
    let next = 3;
    for (const grant of options.manifest.filesystem.preopens) {
      if (!grant.read && !grant.write) continue;
      const hostFd = fs.openSync(grant.hostPath, O_RDONLY | O_DIRECTORY);
      const state: PreopenState = { grant, realRoot: realPathOfFd(hostFd), rootFd: fs.openSync(procFdPath(hostFd), O_PATH | O_DIRECTORY) };
      this.preopens.push(state);
      const rights = preopenRights(grant, this.timeFull);
      this.fds.set(next++, {
        kind: 'dir', hostFd, stdio: -1, filetype: Filetype.DIRECTORY, rightsBase: rights.base,
        rightsInheriting: rights.inheriting, fdflags: 0, position: 0, preopen: state, preopenName: grant.guestPath,
        guestPath: grant.guestPath, pinned: new PinnedParentCache(state.realRoot),
      });
    }
    for (const listener of options.sockets?.listeners ?? []) {
      this.fds.set(next++, {
        kind: 'listener', sock: listener.id, hostFd: -1, stdio: -1, filetype: Filetype.SOCKET_STREAM, rightsBase: LISTENER_RIGHTS,
        rightsInheriting: CONN_RIGHTS, fdflags: 0, position: 0, preopen: null, preopenName: null, guestPath: `tcp://${listener.address}`,
      });
    }
  }

  /** Host descriptors still open (preopens included); closed by close(). */
  close(): void {
    for (const d of this.fds.values()) {
      if (d.hostFd >= 0) safeClose(d.hostFd);
      d.pinned?.clear();
    }
    this.fds.clear();
    for (const state of this.preopens) safeClose(state.rootFd);
    this.preopens.length = 0;
  }

  /** Import objects for both namespaces. */
  imports(): Record<'wasi_snapshot_preview1' | 'wasi_unstable', Record<string, WasiFunction>> {
    return { wasi_snapshot_preview1: this.functions(PREVIEW1), wasi_unstable: this.functions(SNAPSHOT0) };
  }

  // ------------------------------------------------------------------ plumbing

  private call(op: string, body: () => number | void): number {
    if (this.ended) throw this.ended;
    this.memory.refresh();
    try {
      this.opts.meter.checkCpu(op);
      return body() ?? Errno.SUCCESS;
    } catch (error) {
      return this.failed(op, error);
    }
  }

  /** The errno for an exception a WASI function raised (see call()). */
  private failed(op: string, error: unknown): number {
    // A threaded run's call that parked in a wait (CallWaits) unwinds to the hub that runs it again.
    if (error === WAIT_PARKED) throw error;
    if (error instanceof GuestExit || error instanceof SandboxTermination) {
      this.end(error);
    }
    // A pointer outside guest memory is never benign: it is audited like a denied capability.
    if (error instanceof WasiError && error.errno === Errno.FAULT && this.opts.audit && this.opts.manifest.audit.decisions !== 'none') {
      this.record({ type: 'decision', capability: 'memory', op, outcome: 'denied', errno: 'fault', reason: error.message });
    }
    return errnoFromHostError(error);
  }

  private fdWrite(fd: number, iovs: number, count: number, out: number): number {
    const m = this.memory;
    const d = this.fd(fd, 'fd_write', Rights.FD_WRITE, 'write');
    if (d.kind === 'file') {
      const bufCount = m.iovecRanges(iovs, count);
      m.check(out, 4);
      // As write(2): a write of nothing moves nothing, not even an append descriptor's offset
      // to the end of the file.
      const total = m.rangesTotal(bufCount);
      if (total === 0) {
        m.setU32(out, 0);
        return Errno.SUCCESS;
      }
      const at = d.fdflags & FdFlags.APPEND ? fs.fstatSync(d.hostFd).size : d.position;
      if (at > MAX_FILE_OFFSET) return Errno.FBIG;
      const n = this.writeFile(d, bufCount, at, 'fd_write', total);
      d.position = at + n;
      m.setU32(out, n);
      return Errno.SUCCESS;
    }
    const bufs = m.iovecs(iovs, count);
    m.check(out, 4);
    let n = 0;
    if (d.kind === 'conn') n = this.socketSend(d, bufs, 'fd_write');
    else {
      // A threaded run's write waits for room at the host before anything is charged or
      // buffered: it may park and run again (CallWaits).
      if (this.opts.meter.waits !== null) this.awaitOutputRoom();
      // The host's stdout or stderr failed earlier (a closed pipe, a full disk): write(2) says so.
      const failed = this.opts.stdio.failure?.(d.stdio as 1 | 2) ?? 0;
      if (failed !== 0) return failed;
      const total = bufs.reduce((sum, b) => sum + b.byteLength, 0);
      this.opts.meter.chargeWrite(total, 'fd_write');
      for (const b of bufs) if (b.byteLength > 0) this.opts.stdio.write(d.stdio as 1 | 2, b);
      n = total;
    }
    m.setU32(out, n);
    return Errno.SUCCESS;
  }

  /**
   * How the guest ended, once it has: a guest that catches the unwinding (exception handling's
   * `catch_all`) and then returns or traps must still be reported as this.
   */
  get endedBy(): GuestExit | SandboxTermination | undefined {
    return this.ended;
  }

  /** Records how the guest ended (first time only), tells the host, and unwinds the guest. */
  end(reason: GuestExit | SandboxTermination): never {
    if (!this.ended) {
      this.ended = reason;
      this.opts.onEnd?.(reason);
    }
    throw this.ended;
  }

  private record(draft: AuditDraft): void {
    this.opts.audit?.(draft);
  }

  private allow(capability: Capability, op: string, detail: Record<string, string | number | boolean | null>): void {
    if (this.auditAllowed) this.record({ type: 'decision', capability, op, outcome: 'allowed', detail });
  }

  private deny(
    capability: Capability, op: string, errno: number, reason: string,
    detail: Record<string, string | number | boolean | null> = {},
  ): never {
    if (this.opts.audit && this.opts.manifest.audit.decisions !== 'none') {
      this.record({ type: 'decision', capability, op, outcome: 'denied', errno: errnoName(errno), reason, detail });
    }
    throw new WasiError(errno, reason);
  }

  /**
   * The descriptor, with `rights`. `use` says what the call does with it, for the errors that
   * come from the kind of descriptor rather than from the policy: they are returned as the
   * kernel returns them, before the rights check, and are not denials (reading a directory is
   * EISDIR, writing one EBADF, seeking stdout ESPIPE).
   */
  private fd(fd: number, op: string, rights: bigint, use: 'any' | 'read' | 'write' | 'pread' | 'pwrite' | 'seek' = 'any'): Descriptor {
    const d = this.fds.get(fd >>> 0);
    if (!d) throw new WasiError(Errno.BADF);
    if (use !== 'any' && d.kind !== 'file') {
      if (d.kind === 'dir') throw new WasiError(use === 'read' || use === 'pread' ? Errno.ISDIR : Errno.BADF);
      // A listening socket is not connected: read(2) says ENOTCONN, write(2) EPIPE (TCP).
      if (d.kind === 'listener' && use === 'read') throw new WasiError(Errno.NOTCONN);
      if (d.kind === 'listener' && use === 'write') throw new WasiError(Errno.PIPE);
      if (use !== 'read' && use !== 'write') throw new WasiError(Errno.SPIPE);
    }
    if ((d.rightsBase & rights) !== rights) {
      this.deny(d.kind === 'stdio' ? 'stdio' : 'filesystem', op, Errno.NOTCAPABLE, `descriptor lacks ${rightNames(rights & ~d.rightsBase)}`,
        { fd: fd >>> 0, path: d.guestPath });
    }
    return d;
  }

  private dirFd(fd: number, op: string, rights: bigint): Descriptor {
    const d = this.fds.get(fd >>> 0);
    if (!d) throw new WasiError(Errno.BADF);
    if (d.kind !== 'dir') throw new WasiError(Errno.NOTDIR);
    return this.fd(fd, op, rights);
  }

  /**
   * The pinned parent of a path split as written (splitGuestPath), or null when the component
   * walk must decide: the pin failed (a missing or non-directory component, a parent outside the
   * preopen), or the kernel followed a symlink on the way to it. Errors of a lookup the kernel
   * made through symlinks are never returned to the guest: one whose target climbs out of the
   * preopen (`..`) would tell ENOENT from ENOTCAPABLE for host directories outside it, and could
   * come back in under the preopen's own name.
   */
  private pinAsWritten(dir: Descriptor, resolved: ResolvedPath): { fd: number; owned: boolean } | null {
    const basePath = procFdPath(dir.hostFd);
    let pin: { fd: number; owned: boolean; literal: boolean };
    try {
      pin = dir.pinned
        ? dir.pinned.pin(basePath, resolved)
        : { ...pinParentAsWritten(basePath, resolved, dir.preopen!.realRoot), owned: true };
    } catch {
      return null;
    }
    if (pin.literal) return pin;
    if (pin.owned) safeClose(pin.fd);
    return null;
  }

  /**
   * The fast routes' common start (openDirect, statDirect): `path` split as written, naming an
   * entry (no `..`, trailing slash or final `.`) whose parent pinAsWritten pinned, and the host
   * path of that entry inside the pin. Null sends the call the long way. The caller closes
   * `pinned.fd` when `pinned.owned`.
   */
  private plainEntry(dir: Descriptor, path: string): { resolved: ResolvedPath; pinned: { fd: number; owned: boolean }; host: string } | null {
    let resolved: ResolvedPath | null;
    try {
      resolved = splitGuestPath(path);
    } catch {
      return null;
    }
    if (!resolved || resolved.mustBeDirectory || resolved.name === '.') return null;
    const pinned = this.pinAsWritten(dir, resolved);
    if (!pinned) return null;
    return { resolved, pinned, host: `${procFdPath(pinned.fd === -1 ? dir.hostFd : pinned.fd)}/${resolved.name}` };
  }

  /**
   * Where a directory descriptor is now, as components below its preopen's root ([] for the
   * root). A directory moved out of the preopen (by the host: the guest cannot) is ENOTCAPABLE.
   * A removed directory is placed below its former parent, as Linux still reaches that parent
   * through `..` (nothing else can be looked up in a removed directory, so its own name, last in
   * the place, is only ever climbed out of); the parent must be inside the preopen like any other.
   */
  private placeInPreopen(dir: Descriptor): string[] {
    const root = dir.preopen!.realRoot;
    const removed: string[] = [];
    let fd = dir.hostFd;
    try {
      for (;;) {
        const real = realPathOfFd(fd);
        if (real === root) return removed.reverse();
        // The kernel marks a removed directory's path with this suffix, but a directory may also
        // be named so: only a link count of 0 says it was removed.
        if (real.endsWith(DELETED_SUFFIX) && fs.fstatSync(fd).nlink === 0) {
          removed.push(real.slice(real.lastIndexOf('/') + 1, -DELETED_SUFFIX.length));
          const parent = fs.openSync(`${procFdPath(fd)}/..`, O_PATH | O_DIRECTORY);
          if (fd !== dir.hostFd) fs.closeSync(fd);
          fd = parent;
          continue;
        }
        if (!isInside(real, root)) throw new WasiError(Errno.NOTCAPABLE, 'the directory is no longer inside its preopen');
        return [...real.slice(root === '/' ? 1 : root.length + 1).split('/'), ...removed.reverse()];
      }
    } finally {
      if (fd !== dir.hostFd) fs.closeSync(fd);
    }
  }

  /**
   * Why the guest may not make a symlink to `target` at `resolved` (below `dir`), or null: the
   * target is measured from the link's place below the preopen's root, which is the boundary.
   */
  private symlinkRefusal(dir: Descriptor, resolved: ResolvedPath, target: string): string | null {
    let place = resolved.parent;
    if (resolved.rebasedTo === undefined && !dir.pinned) {
      try {
        place = [...this.placeInPreopen(dir), ...place];
      } catch (error) {
        if (error instanceof WasiError && error.errno === Errno.NOTCAPABLE) return error.message;
        throw error;
      }
    }
    return symlinkTargetStaysInside(place, target) ? null : 'symlink target leaves the preopen';
  }

  /**
   * Resolves a guest path against a directory descriptor and runs `body` on the pinned parent.
   * Confinement failures are audited as denials with the guest path. `resolved` is relative to
   * the descriptor, or to its preopen's root when a `..` climbed above the descriptor (then
   * `resolved.rebasedTo` is set).
   */
  private withPath<T>(
    op: string, dir: Descriptor, path: string, final: FinalSymlink,
    body: (pinned: { parentFd: number; host: string; resolved: ResolvedPath }) => T,
  ): T {
    let basePath = procFdPath(dir.hostFd);
    let resolved: ResolvedPath | null;
    let parentFd: number;
    let owned = false;
    try {
      // Fast path (no `..`, no symlink on the way to the parent): pin the parent directly; the
      // component walk is needed only when the path has `..`, reaches its parent through a
      // symlink, or ends in a symlink that must be followed.
      resolved = splitGuestPath(path);
      parentFd = -1;
      const asWritten = resolved && this.pinAsWritten(dir, resolved);
      if (!asWritten) resolved = null;
      if (resolved && asWritten) {
        ({ fd: parentFd, owned } = asWritten);
        const followLast = final === 'follow' || (final === 'nofollow' && resolved.mustBeDirectory) || (final === 'create' && !resolved.mustBeDirectory);
        if (followLast && resolved.name !== '.') {
          const parentPath = parentFd === -1 ? basePath : procFdPath(parentFd);
          let stat: fs.BigIntStats | null = null;
          try {
            // No exception for a missing entry: creating files is common and exceptions are slow.
            stat = fs.lstatSync(`${parentPath}/${resolved.name}`, { bigint: true, throwIfNoEntry: false }) ?? null;
          } catch (error) {
            if (owned) safeClose(parentFd);
            throw error;
          }
          if (stat?.isSymbolicLink()) {
            if (owned) safeClose(parentFd);
            owned = false;
            resolved = null;
          } else {
            resolved.finalStat = stat;
            resolved.finalStatPinned = true;
          }
        }
      }
      if (!resolved) {
        // The walk's parent is pinned afresh, not through the cache, whose entries stand for
        // parents reached as written (the walk is the rare route: `..`, symlinks).
        try {
          resolved = resolveGuestPath(basePath, path, final);
        } catch (error) {
          // Below the root, a `..` above the descriptor stays inside the preopen as long as it
          // does not climb above the root: the path is walked again from there.
          if (!(error instanceof ClimbsAboveBase) || dir.pinned) throw error;
          const within = this.placeInPreopen(dir);
          if (within.length === 0) throw error;
          basePath = procFdPath(dir.preopen!.rootFd);
          resolved = resolveGuestPath(basePath, path, final, within);
          resolved.rebasedTo = dir.preopen!.grant.guestPath;
        }
        parentFd = pinParent(basePath, resolved, dir.preopen!.realRoot);
        owned = parentFd !== -1;
      }
    } catch (error) {
      if (error instanceof WasiError && error.errno === Errno.NOTCAPABLE) {
        this.deny('filesystem', op, Errno.NOTCAPABLE, error.message, { path: joinGuest(dir.guestPath, path) });
      }
      throw error;
    }
    const parentPath = parentFd === -1 ? basePath : procFdPath(parentFd);
    try {
      // INVARIANT: `host` never names the /proc descriptor link itself. That entry is a symlink
      // (lstat says so, readlink returns the directory's real host path, O_NOFOLLOW refuses it);
      // `<link>/.` is the pinned directory. An operation on the entry itself gets the guest's
      // trailing slash, which the kernel applies to that entry (see FinalSymlink).
      const slash = final === 'entry' && resolved.mustBeDirectory && resolved.name !== '.' ? '/' : '';
      return body({ parentFd, host: `${parentPath}/${resolved.name}${slash}`, resolved });
    } finally {
      if (owned) safeClose(parentFd);
    }
  }

  private str(ptr: number, len: number): string {
    return this.memory.string(ptr, len);
  }

  /**
   * The lowest free descriptor number from 3: 0, 1 and 2 are never handed out again once closed,
   * unlike POSIX open(2). Programs built for WASI runtimes count on it: Yosys's ABC, built by
   * YoWASP, closes stdout and later writes to descriptor 1 after opening a file, which then got
   * that number and refused the write.
   */
  private newFd(d: Descriptor): number {
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, d);
    return fd;
  }

  /**
   * Releases what a descriptor the guest closed or renumbered over holds. One place for both, so
   * that a connection is closed at the host and the open-file count (which counts files,
   * directories and connections the guest opened, never stdio, preopens or listeners) stays
   * exact whichever way a descriptor goes. `report` raises a failed host close (fd_close
   * returns it); otherwise it is ignored.
   */
  private release(d: Descriptor, report: boolean): void {
    d.pinned?.clear();
    if (d.kind === 'conn') this.opts.sockets?.close(d.sock!);
    if (d.kind !== 'stdio' && d.kind !== 'listener' && d.preopenName === null) this.guestOpened--;
    if (d.hostFd < 0) return;
    if (report) fs.closeSync(d.hostFd);
    else safeClose(d.hostFd);
  }

  /** `base` and `path` are joined (the guest path in the records) only when the open is refused. */
  private countOpen(op: string, base: string, path = ''): void {
    const max = this.opts.manifest.limits.io.maxOpenFiles;
    if (this.guestOpened >= max) {
      this.record({ type: 'limit', limit: 'open-files', action: 'refused', max, value: this.guestOpened + 1, op });
      this.deny('filesystem', op, Errno.MFILE, `open-file limit of ${max} reached`, { path: joinGuest(base, path) });
    }
  }

  // ------------------------------------------------------------------ the functions

  private functions(flavor: WasiFlavor): Record<string, WasiFunction> {
    const m = this.memory;
    const u = (n: number) => n >>> 0;
    const u64 = (n: bigint) => BigInt.asUintN(64, n);
    const table: Record<string, WasiFunction> = {
      args_get: (argv: number, buf: number) => this.call('args_get', () => this.writeStrings(this.opts.args, argv, buf)),
      args_sizes_get: (count: number, size: number) => this.call('args_sizes_get', () => this.writeSizes(this.opts.args, count, size)),
      environ_get: (env: number, buf: number) =>
        this.call('environ_get', () => this.writeStrings(this.opts.env.map(([k, v]) => `${k}=${v}`), env, buf)),
      environ_sizes_get: (count: number, size: number) =>
        this.call('environ_sizes_get', () => this.writeSizes(this.opts.env.map(([k, v]) => `${k}=${v}`), count, size)),

      clock_res_get: (id: number, out: number) => this.call('clock_res_get', () => {
        this.clockCheck(u(id), 'clock_res_get');
        m.setU64(out, this.opts.clock.resolutionNs());
      }),
      clock_time_get: (id: number, _precision: bigint, out: number) => this.call('clock_time_get', () => {
        m.check(out, 8);
        m.setU64(out, this.readClock(u(id), 'clock_time_get'));
      }),

      fd_advise: (fd: number, offset: bigint, len: bigint, advice: number) => this.call('fd_advise', () => {
        const d = this.fd(fd, 'fd_advise', Rights.FD_ADVISE);
        if (u(advice) > ADVICE_MAX) return Errno.INVAL;
        if (d.kind === 'dir') return Errno.BADF;
        if (d.kind === 'stdio') return Errno.SPIPE;
        if (u64(offset) + u64(len) >= 1n << 63n) return Errno.INVAL;
        return Errno.SUCCESS;
      }),
      fd_allocate: (fd: number, offset: bigint, len: bigint) => this.call('fd_allocate', () => {
        // In fallocate(2)'s order: the arguments, then the kind of descriptor (a directory is not
        // open for writing, a stream cannot be allocated), then the rights.
        const kind = this.fds.get(u(fd))?.kind;
        if (kind === undefined) return Errno.BADF;
        // fallocate(2) takes signed offsets: one with the high bit set is negative, EINVAL (as
        // fd_filestat_set_size says for ftruncate), not a size too large.
        if (u64(len) === 0n || u64(offset) >= 1n << 63n || u64(len) >= 1n << 63n) return Errno.INVAL;
        if (kind !== 'file') return kind === 'dir' ? Errno.BADF : Errno.SPIPE;
        const d = this.fd(fd, 'fd_allocate', Rights.FD_ALLOCATE);
        const end = u64(offset) + u64(len);
        const st = fs.fstatSync(d.hostFd, { bigint: true });
        if (end > st.size) {
          this.checkFileSize(d, end, 'fd_allocate');
          fs.ftruncateSync(d.hostFd, Number(end));
        } else {
          // Nothing to grow, but fallocate(2) still marks the file modified (mtime and ctime),
          // as the ftruncate above does when it grows it.
          fs.futimesSync(d.hostFd, utimesSeconds(st.atimeNs), Date.now() / 1000);
        }
      }),
      fd_close: (fd: number) => this.call('fd_close', () => {
        const d = this.fds.get(u(fd));
        if (!d) return Errno.BADF;
        this.fds.delete(u(fd));
        this.release(d, true);
      }),
      fd_datasync: (fd: number) => this.call('fd_datasync', () => {
        const d = this.fd(fd, 'fd_datasync', Rights.FD_DATASYNC);
        // stdio and sockets are streams: nothing to sync, EINVAL as Linux says for a pipe.
        if (d.hostFd < 0) return Errno.INVAL;
        fs.fdatasyncSync(d.hostFd);
      }),
      fd_sync: (fd: number) => this.call('fd_sync', () => {
        const d = this.fd(fd, 'fd_sync', Rights.FD_SYNC);
        if (d.hostFd < 0) return Errno.INVAL;
        fs.fsyncSync(d.hostFd);
      }),
      fd_fdstat_get: (fd: number, out: number) => this.call('fd_fdstat_get', () => {
        const d = this.fds.get(u(fd));
        if (!d) return Errno.BADF;
        m.check(out, FDSTAT_SIZE);
        // Checked as a whole, written through one view (wasi-libc asks for this on every open).
        const at = out >>> 0;
        const view = m.dataView;
        view.setUint32(at, d.filetype, true);
        view.setUint16(at + 2, d.fdflags, true);
        view.setUint32(at + 4, 0, true);
        view.setBigUint64(at + 8, d.rightsBase, true);
        view.setBigUint64(at + 16, d.rightsInheriting, true);
      }),
      fd_fdstat_set_flags: (fd: number, flags: number) => this.call('fd_fdstat_set_flags', () => {
        const d = this.fd(fd, 'fd_fdstat_set_flags', Rights.FD_FDSTAT_SET_FLAGS);
        const f = u(flags);
        if (f > 0x1f) return Errno.INVAL;
        // Only append and nonblock can change after open (as on POSIX fcntl F_SETFL).
        if ((f ^ d.fdflags) & (FdFlags.DSYNC | FdFlags.RSYNC | FdFlags.SYNC)) return Errno.NOTSUP;
        if (f & FdFlags.APPEND && !(d.rightsBase & Rights.FD_WRITE)) {
          this.deny(d.kind === 'stdio' ? 'stdio' : 'filesystem', 'fd_fdstat_set_flags', Errno.NOTCAPABLE, 'append needs fd_write',
            { fd: u(fd), path: d.guestPath });
        }
        if (d.kind === 'file') this.setHostAppend(d, (f & FdFlags.APPEND) !== 0);
        d.fdflags = f;
      }),
      fd_fdstat_set_rights: (fd: number, base: bigint, inheriting: bigint) => this.call('fd_fdstat_set_rights', () => {
        const d = this.fds.get(u(fd));
        if (!d) return Errno.BADF;
        const b = u64(base);
        const i = u64(inheriting);
        // Rights can only be dropped, never gained.
        if ((b & ~d.rightsBase) !== 0n || (i & ~d.rightsInheriting) !== 0n) {
          this.deny('filesystem', 'fd_fdstat_set_rights', Errno.NOTCAPABLE, 'cannot add rights', { fd: u(fd), path: d.guestPath });
        }
        d.rightsBase = b;
        d.rightsInheriting = i;
      }),
      fd_filestat_get: (fd: number, out: number) => this.call('fd_filestat_get', () => {
        const d = this.fd(fd, 'fd_filestat_get', Rights.FD_FILESTAT_GET);
        m.check(out, flavor.filestatSize);
        if (d.hostFd < 0) this.writeFilestat(flavor, out, null, d.filetype);
        else this.writeFilestat(flavor, out, fs.fstatSync(d.hostFd, { bigint: true }));
      }),
      fd_filestat_set_size: (fd: number, size: bigint) => this.call('fd_filestat_set_size', () => {
        // Only a regular file has a size to set: ftruncate(2) of anything else is EINVAL, an error
        // of the kind of descriptor, returned before the rights check (not a denial).
        const kind = this.fds.get(u(fd))?.kind;
        if (kind !== undefined && kind !== 'file') return Errno.INVAL;
        const d = this.fd(fd, 'fd_filestat_set_size', Rights.FD_FILESTAT_SET_SIZE);
        const s = u64(size);
        if (s >= 1n << 63n) return Errno.INVAL;
        this.checkFileSize(d, s, 'fd_filestat_set_size');
        fs.ftruncateSync(d.hostFd, Number(s));
      }),
      fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, flags: number) => this.call('fd_filestat_set_times', () => {
        const d = this.fd(fd, 'fd_filestat_set_times', Rights.FD_FILESTAT_SET_TIMES);
        if (d.kind === 'stdio') return Errno.BADF;
        const times = this.timesFor(fs.fstatSync(d.hostFd, { bigint: true }), u64(atim), u64(mtim), u(flags));
        if (times) fs.futimesSync(d.hostFd, times.atime, times.mtime);
      }),
      fd_pread: (fd: number, iovs: number, count: number, offset: bigint, out: number) => this.call('fd_pread', () => {
        const d = this.fd(fd, 'fd_pread', Rights.FD_READ | Rights.FD_SEEK, 'pread');
        const n = m.iovecRanges(iovs, count);
        m.check(out, 4);
        const at = u64(offset);
        // Past the largest offset there is nothing to read, as past a file system's maximum file size.
        m.setU32(out, at > MAX_FILE_OFFSET_BIG ? 0 : this.readFile(d, n, Number(at), 'fd_pread'));
      }),
      fd_pwrite: (fd: number, iovs: number, count: number, offset: bigint, out: number) => this.call('fd_pwrite', () => {
        const d = this.fd(fd, 'fd_pwrite', Rights.FD_WRITE | Rights.FD_SEEK, 'pwrite');
        const n = m.iovecRanges(iovs, count);
        m.check(out, 4);
        // pwrite on an append-mode descriptor appends, as on Linux (the host descriptor has
        // O_APPEND): its bytes land at the end of the file, where the size limits must judge them.
        const at = d.fdflags & FdFlags.APPEND ? BigInt(fs.fstatSync(d.hostFd).size) : u64(offset);
        if (at > MAX_FILE_OFFSET_BIG) return Errno.FBIG;
        m.setU32(out, this.writeFile(d, n, Number(at), 'fd_pwrite'));
      }),
      fd_read: (fd: number, iovs: number, count: number, out: number) => this.call('fd_read', () => {
        const d = this.fd(fd, 'fd_read', Rights.FD_READ, 'read');
        if (d.kind === 'file') {
          const bufCount = m.iovecRanges(iovs, count);
          m.check(out, 4);
          const n = this.readFile(d, bufCount, d.position, 'fd_read');
          d.position += n;
          m.setU32(out, n);
          return Errno.SUCCESS;
        }
        const bufs = m.iovecs(iovs, count);
        m.check(out, 4);
        let n: number;
        if (d.kind === 'stdio') n = this.readStdin(bufs);
        else if (d.kind === 'conn') n = this.socketRecv(d, bufs, false, 'fd_read');
        else return Errno.NOTCONN;
        m.setU32(out, n);
      }),
      fd_write: (fd: number, iovs: number, count: number, out: number) => {
        // The hottest call of output-heavy guests: its body is a method, not a closure made per call.
        if (this.ended) throw this.ended;
        this.memory.refresh();
        try {
          this.opts.meter.checkCpu('fd_write');
          return this.fdWrite(fd, iovs, count, out);
        } catch (error) {
          return this.failed('fd_write', error);
        }
      },
      fd_prestat_get: (fd: number, out: number) => this.call('fd_prestat_get', () => {
        const d = this.fds.get(u(fd));
        if (!d || d.preopenName === null) return Errno.BADF;
        m.check(out, PRESTAT_SIZE);
        m.setU32(out, PREOPENTYPE_DIR);
        m.setU32(out + 4, Buffer.byteLength(d.preopenName));
      }),
      fd_prestat_dir_name: (fd: number, path: number, len: number) => this.call('fd_prestat_dir_name', () => {
        const d = this.fds.get(u(fd));
        if (!d || d.preopenName === null) return Errno.BADF;
        const name = Buffer.from(d.preopenName);
        if (u(len) < name.byteLength) return Errno.NAMETOOLONG;
        m.write(path, name);
      }),
      fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, out: number) => this.call('fd_readdir', () => {
        const d = this.fd(fd, 'fd_readdir', Rights.FD_READDIR);
        if (d.kind !== 'dir') return Errno.NOTDIR;
        m.check(buf, len);
        m.check(out, 4);
        const c = u64(cookie);
        if (c === 0n || !d.listing) d.listing = this.listDirectory(d);
        const used = this.writeDirents(d.listing, c, buf, u(len));
        m.setU32(out, used);
      }),
      fd_renumber: (from: number, to: number) => this.call('fd_renumber', () => {
        const d = this.fds.get(u(from));
        const target = this.fds.get(u(to));
        if (!d || !target) return Errno.BADF;
        if (u(from) === u(to)) return Errno.SUCCESS;
        // As dup2(2), the target is closed silently: a close error does not fail the renumber.
        this.release(target, false);
        this.fds.set(u(to), d);
        this.fds.delete(u(from));
      }),
      fd_seek: (fd: number, offset: bigint, whence: number, out: number) => this.call('fd_seek', () => {
        const w = u(whence);
        const isTell = w === flavor.whence.cur && offset === 0n;
        const d = this.fd(fd, 'fd_seek', isTell ? Rights.FD_TELL : Rights.FD_SEEK, 'seek');
        m.check(out, 8);
        const delta = BigInt.asIntN(64, offset);
        let base: bigint;
        if (w === flavor.whence.set) base = 0n;
        else if (w === flavor.whence.cur) base = BigInt(d.position);
        else if (w === flavor.whence.end) base = fs.fstatSync(d.hostFd, { bigint: true }).size;
        else return Errno.INVAL;
        const next = base + delta;
        // Beyond the largest offset, as lseek(2) beyond a file system's maximum file size.
        if (next < 0n || next > MAX_FILE_OFFSET_BIG) return Errno.INVAL;
        d.position = Number(next);
        m.setU64(out, next);
      }),
      fd_tell: (fd: number, out: number) => this.call('fd_tell', () => {
        const d = this.fd(fd, 'fd_tell', Rights.FD_TELL, 'seek');
        m.setU64(out, d.position);
      }),

      path_create_directory: (fd: number, p: number, len: number) => this.call('path_create_directory', () => {
        const dir = this.dirFd(fd, 'path_create_directory', Rights.PATH_CREATE_DIRECTORY);
        const path = this.str(p, len);
        this.withPath('path_create_directory', dir, path, 'entry', ({ host, resolved }) => {
          if (resolved.name === '.') throw new WasiError(Errno.EXIST);
          if (this.auditAllowed) this.allow('filesystem', 'path_create_directory', { path: guestPathOf(dir, resolved) });
          fs.mkdirSync(host, 0o777);
        });
      }),
      path_filestat_get: (fd: number, flags: number, p: number, len: number, out: number) => this.call('path_filestat_get', () => {
        const dir = this.dirFd(fd, 'path_filestat_get', Rights.PATH_FILESTAT_GET);
        const path = this.str(p, len);
        m.check(out, flavor.filestatSize);
        const follow = (u(flags) & LOOKUP_SYMLINK_FOLLOW) !== 0;
        const st = this.statDirect(dir, path, follow) ?? this.withPath('path_filestat_get', dir, path, follow ? 'follow' : 'nofollow', ({ host, resolved }) => {
          if (this.auditAllowed) this.allow('filesystem', 'path_filestat_get', { path: guestPathOf(dir, resolved) });
          // The fast path already stat-ed the entry through the pinned parent.
          const pinned = resolved.finalStatPinned && typeof resolved.finalStat?.size === 'bigint' ? (resolved.finalStat as fs.BigIntStats) : null;
          if (resolved.finalStatPinned && resolved.finalStat === null) throw new WasiError(Errno.NOENT);
          const stat = pinned ?? fs.lstatSync(host, { bigint: true });
          if (resolved.mustBeDirectory && !stat.isDirectory()) throw new WasiError(Errno.NOTDIR);
          return stat;
        });
        this.writeFilestat(flavor, out, st);
      }),
      path_filestat_set_times: (fd: number, flags: number, p: number, len: number, atim: bigint, mtim: bigint, fst: number) =>
        this.call('path_filestat_set_times', () => {
          const dir = this.dirFd(fd, 'path_filestat_set_times', Rights.PATH_FILESTAT_SET_TIMES);
          const path = this.str(p, len);
          const follow = (u(flags) & LOOKUP_SYMLINK_FOLLOW) !== 0;
          this.withPath('path_filestat_set_times', dir, path, follow ? 'follow' : 'nofollow', ({ host, resolved }) => {
            if (this.auditAllowed) this.allow('filesystem', 'path_filestat_set_times', { path: guestPathOf(dir, resolved) });
            const st = fs.lstatSync(host, { bigint: true });
            if (resolved.mustBeDirectory && !st.isDirectory()) throw new WasiError(Errno.NOTDIR);
            const times = this.timesFor(st, u64(atim), u64(mtim), u(fst));
            if (times) fs.lutimesSync(host, times.atime, times.mtime);
          });
        }),
      path_link: (oldFd: number, oldFlags: number, op: number, olen: number, newFd: number, np: number, nlen: number) =>
        this.call('path_link', () => {
          const from = this.dirFd(oldFd, 'path_link', Rights.PATH_LINK_SOURCE);
          const to = this.dirFd(newFd, 'path_link', Rights.PATH_LINK_TARGET);
          const oldPath = this.str(op, olen);
          const newPath = this.str(np, nlen);
          if (from.preopen !== to.preopen) {
            this.deny('filesystem', 'path_link', Errno.XDEV, 'link across preopens',
              { path: joinGuest(from.guestPath, oldPath), target: joinGuest(to.guestPath, newPath) });
          }
          const follow = (u(oldFlags) & LOOKUP_SYMLINK_FOLLOW) !== 0;
          this.withPath('path_link', from, oldPath, follow ? 'follow' : 'nofollow', (src) => {
            // As linkat(2), the source is looked up completely before the new name: a missing
            // source is ENOENT whatever the new name is, and a trailing slash on one that is
            // not a directory ENOTDIR (the kernel never sees that slash: `host` names the entry).
            const source = fs.lstatSync(src.host);
            if (src.resolved.mustBeDirectory && !source.isDirectory()) throw new WasiError(Errno.NOTDIR);
            this.withPath('path_link', to, newPath, 'entry', (dst) => {
              if (this.auditAllowed) this.allow('filesystem', 'path_link', { path: guestPathOf(from, src.resolved), target: guestPathOf(to, dst.resolved) });
              // A trailing slash on the new name reaches the kernel (EEXIST for an entry, else ENOENT).
              fs.linkSync(src.host, dst.host);
            });
          });
        }),
      path_open: (fd: number, dirflags: number, p: number, len: number, oflags: number, base: bigint, inheriting: bigint,
        fdflags: number, out: number) => this.call('path_open', () => this.pathOpen(
        u(fd), u(dirflags), this.str(p, len), u(oflags), u64(base), u64(inheriting), u(fdflags), out)),
      path_readlink: (fd: number, p: number, len: number, buf: number, bufLen: number, out: number) => this.call('path_readlink', () => {
        const dir = this.dirFd(fd, 'path_readlink', Rights.PATH_READLINK);
        const path = this.str(p, len);
        m.check(buf, bufLen);
        m.check(out, 4);
        const target = this.withPath('path_readlink', dir, path, 'nofollow', ({ host, resolved }) => {
          if (this.auditAllowed) this.allow('filesystem', 'path_readlink', { path: guestPathOf(dir, resolved) });
          // `link/` names what the link points to (followed above), which must be a directory:
          // ENOTDIR for anything else, EINVAL for a directory (not a link), as readlink(2) says.
          // Judged from an lstat: handed to the kernel, the slash would follow a symlink swapped
          // in for the entry meanwhile.
          if (resolved.mustBeDirectory && resolved.name !== '.') {
            throw new WasiError(fs.lstatSync(host).isDirectory() ? Errno.INVAL : Errno.NOTDIR);
          }
          return fs.readlinkSync(host, { encoding: 'buffer' });
        });
        const n = Math.min(target.byteLength, u(bufLen));
        m.write(buf, target.subarray(0, n));
        m.setU32(out, n);
      }),
      path_remove_directory: (fd: number, p: number, len: number) => this.call('path_remove_directory', () => {
        const dir = this.dirFd(fd, 'path_remove_directory', Rights.PATH_REMOVE_DIRECTORY);
        const path = this.str(p, len);
        this.withPath('path_remove_directory', dir, path, 'entry', ({ host, resolved }) => {
          if (resolved.name === '.') throw new WasiError(resolved.finalDotDot ? Errno.NOTEMPTY : Errno.INVAL);
          if (this.auditAllowed) this.allow('filesystem', 'path_remove_directory', { path: guestPathOf(dir, resolved) });
          fs.rmdirSync(host);
        });
      }),
      path_rename: (fd: number, op: number, olen: number, newFd: number, np: number, nlen: number) => this.call('path_rename', () => {
        const from = this.dirFd(fd, 'path_rename', Rights.PATH_RENAME_SOURCE);
        const to = this.dirFd(newFd, 'path_rename', Rights.PATH_RENAME_TARGET);
        const oldPath = this.str(op, olen);
        const newPath = this.str(np, nlen);
        if (from.preopen !== to.preopen) {
          this.deny('filesystem', 'path_rename', Errno.XDEV, 'rename across preopens',
            { path: joinGuest(from.guestPath, oldPath), target: joinGuest(to.guestPath, newPath) });
        }
        this.withPath('path_rename', from, oldPath, 'entry', (src) =>
          this.withPath('path_rename', to, newPath, 'entry', (dst) => {
            if (src.resolved.name === '.' || dst.resolved.name === '.') throw new WasiError(Errno.BUSY);
            if (this.auditAllowed) this.allow('filesystem', 'path_rename', { path: guestPathOf(from, src.resolved), target: guestPathOf(to, dst.resolved) });
            // A trailing slash on either side reaches the kernel with it (ENOTDIR for files and symlinks).
            fs.renameSync(src.host, dst.host);
          }));
      }),
      path_symlink: (op: number, olen: number, fd: number, np: number, nlen: number) => this.call('path_symlink', () => {
        const target = this.str(op, olen);
        // symlink(2) refuses an empty target (ENOENT) before it looks at the descriptor or the path.
        if (target.length === 0) return Errno.NOENT;
        const dir = this.dirFd(fd, 'path_symlink', Rights.PATH_SYMLINK);
        const path = this.str(np, nlen);
        this.withPath('path_symlink', dir, path, 'entry', ({ host, resolved }) => {
          const refusal = this.symlinkRefusal(dir, resolved, target);
          if (refusal !== null) this.deny('filesystem', 'path_symlink', Errno.NOTCAPABLE, refusal, { path: guestPathOf(dir, resolved), target });
          if (resolved.name === '.') throw new WasiError(Errno.EXIST);
          if (this.auditAllowed) this.allow('filesystem', 'path_symlink', { path: guestPathOf(dir, resolved), target });
          fs.symlinkSync(target, host);
        });
      }),
      path_unlink_file: (fd: number, p: number, len: number) => this.call('path_unlink_file', () => {
        const dir = this.dirFd(fd, 'path_unlink_file', Rights.PATH_UNLINK_FILE);
        const path = this.str(p, len);
        this.withPath('path_unlink_file', dir, path, 'entry', ({ host, resolved }) => {
          if (resolved.name === '.') throw new WasiError(Errno.ISDIR);
          if (this.auditAllowed) this.allow('filesystem', 'path_unlink_file', { path: guestPathOf(dir, resolved) });
          // Linux says EISDIR for a directory (POSIX allows EPERM); with a trailing slash the
          // kernel decides (EISDIR for a directory, ENOTDIR for anything else).
          if (!resolved.mustBeDirectory && fs.lstatSync(host).isDirectory()) throw new WasiError(Errno.ISDIR);
          fs.unlinkSync(host);
        });
      }),

      poll_oneoff: (input: number, output: number, count: number, out: number) =>
        this.call('poll_oneoff', () => this.pollOneoff(flavor, input, output, u(count), out)),
      proc_exit: (code: number) => {
        if (this.ended) throw this.ended;
        this.end(new GuestExit(u(code)));
      },
      proc_raise: (sig: number) => this.call('proc_raise', () => {
        if (u(sig) > SIGNAL_MAX) return Errno.INVAL;
        if (this.opts.manifest.process.mode === 'none') {
          this.deny('process', 'proc_raise', Errno.NOTCAPABLE, 'process capability not granted', { signal: u(sig) });
        }
        if (this.auditAllowed) this.allow('process', 'proc_raise', { signal: u(sig) });
        if (u(sig) === 0) return Errno.SUCCESS;
        throw new SandboxTermination('trap', `guest raised signal ${u(sig)}`);
      }),
      sched_yield: () => this.call('sched_yield', () => Errno.SUCCESS),
      random_get: (buf: number, len: number) => this.call('random_get', () => {
        const target = m.slice(buf, len);
        const random = this.opts.random;
        if (!random) this.deny('random', 'random_get', Errno.NOTCAPABLE, 'random capability is none', { bytes: u(len) });
        if (this.auditAllowed) this.allow('random', 'random_get', { bytes: u(len), source: random.kind });
        random.fill(target);
      }),

      sock_accept: (fd: number, flags: number, out: number) => this.call('sock_accept', () => {
        const d = this.socketFd(u(fd), 'sock_accept', 'listener', Rights.SOCK_ACCEPT);
        if (u(flags) & ~FdFlags.NONBLOCK) return Errno.INVAL;
        m.check(out, 4);
        this.countOpen('sock_accept', d.guestPath);
        const block = (d.fdflags & FdFlags.NONBLOCK) === 0;
        let accepted: ReturnType<SocketBridge['accept']> = null;
        this.socketWait('sock_accept', 'listener', d.sock!, block, (wait, ms) => {
          accepted = this.opts.sockets!.accept(d.sock!, wait, ms);
          return accepted !== null && (accepted !== 'again' || !block);
        });
        const got = accepted as ReturnType<SocketBridge['accept']>;
        if (got === null || got === 'again') return Errno.AGAIN;
        if (this.auditAllowed) this.allow('network', 'sock_accept', { address: d.guestPath, peer: got.peer });
        const conn: Descriptor = {
          kind: 'conn', sock: got.conn, hostFd: -1, stdio: -1, filetype: Filetype.SOCKET_STREAM, rightsBase: d.rightsInheriting,
          rightsInheriting: 0n, fdflags: u(flags), position: 0, preopen: null, preopenName: null, guestPath: `tcp://${got.peer}`,
        };
        this.guestOpened++;
        m.setU32(out, this.newFd(conn));
      }),
      sock_recv: (fd: number, iovs: number, count: number, flags: number, out: number, oflags: number) => this.call('sock_recv', () => {
        const d = this.socketFd(u(fd), 'sock_recv', 'conn', Rights.FD_READ);
        if (u(flags) & ~(RiFlags.RECV_PEEK | RiFlags.RECV_WAITALL)) return Errno.INVAL;
        const bufs = m.iovecs(iovs, count);
        m.check(out, 4);
        m.check(oflags, 2);
        const n = this.socketRecv(d, bufs, (u(flags) & RiFlags.RECV_PEEK) !== 0, 'sock_recv', (u(flags) & RiFlags.RECV_WAITALL) !== 0);
        m.setU32(out, n);
        m.setU16(oflags, 0);
      }),
      sock_send: (fd: number, iovs: number, count: number, flags: number, out: number) => this.call('sock_send', () => {
        const d = this.socketFd(u(fd), 'sock_send', 'conn', Rights.FD_WRITE);
        if (u(flags) !== 0) return Errno.INVAL;
        const bufs = m.iovecs(iovs, count);
        m.check(out, 4);
        m.setU32(out, this.socketSend(d, bufs, 'sock_send'));
      }),
      sock_shutdown: (fd: number, how: number) => this.call('sock_shutdown', () => {
        if (u(how) & ~(SdFlags.RD | SdFlags.WR) || u(how) === 0) return Errno.INVAL;
        const d = this.socketFd(u(fd), 'sock_shutdown', 'conn', Rights.SOCK_SHUTDOWN);
        this.opts.sockets!.shutdown(d.sock!, u(how));
      }),
    };
    if (flavor === SNAPSHOT0) delete table.sock_accept;
    return table;
  }

  // ------------------------------------------------------------------ helpers of the functions

  private writeStrings(items: string[], ptrs: number, buf: number): void {
    const encoded = items.map((s) => Buffer.from(`${s}\0`));
    const total = encoded.reduce((sum, b) => sum + b.byteLength, 0);
    this.memory.check(ptrs, items.length * 4);
    this.memory.check(buf, total);
    let at = buf >>> 0;
    encoded.forEach((bytes, i) => {
      this.memory.setU32(ptrs + i * 4, at);
      this.memory.write(at, bytes);
      at += bytes.byteLength;
    });
  }

  private writeSizes(items: string[], count: number, size: number): void {
    this.memory.check(count, 4);
    this.memory.check(size, 4);
    this.memory.setU32(count, items.length);
    this.memory.setU32(size, items.reduce((sum, s) => sum + Buffer.byteLength(s) + 1, 0));
  }

  private clockCheck(id: number, op: string): void {
    if (id > ClockId.THREAD_CPUTIME_ID) throw new WasiError(Errno.INVAL);
    if (this.auditAllowed) this.allow('time', op, { clock: id });
  }

  private readClock(id: number, op: string): bigint {
    this.clockCheck(id, op);
    const clock = this.opts.clock;
    if (id === ClockId.REALTIME) return clock.realtimeNs();
    if (id === ClockId.MONOTONIC) return clock.monotonicNs();
    return clock.cputimeNs();
  }

  /**
   * Writes a filestat. The caller has checked [out, out + filestatSize) (INVARIANT), so the
   * fields are written straight through one view: a bounds check and a BigInt conversion per
   * field were a third of a stat's JavaScript time.
   */
  private writeFilestat(flavor: WasiFlavor, out: number, st: fs.BigIntStats | null, filetype: number = Filetype.CHARACTER_DEVICE): void {
    const at = out >>> 0;
    this.memory.all.fill(0, at, at + flavor.filestatSize);
    const view = this.memory.dataView;
    if (!st) {
      view.setUint8(at + 16, filetype);
      return;
    }
    view.setBigUint64(at, st.dev, true);
    view.setBigUint64(at + 8, st.ino, true);
    view.setUint8(at + 16, filetypeOf(st));
    if (flavor === PREVIEW1) {
      view.setBigUint64(at + 24, st.nlink, true);
      view.setBigUint64(at + 32, st.size, true);
      view.setBigUint64(at + 40, st.atimeNs, true);
      view.setBigUint64(at + 48, st.mtimeNs, true);
      view.setBigUint64(at + 56, st.ctimeNs, true);
    } else {
      view.setUint32(at + 20, Number(st.nlink & 0xffffffffn), true);
      view.setBigUint64(at + 24, st.size, true);
      view.setBigUint64(at + 32, st.atimeNs, true);
      view.setBigUint64(at + 40, st.mtimeNs, true);
      view.setBigUint64(at + 48, st.ctimeNs, true);
    }
  }

  /**
   * The times Node's utimes family is to set, or null when neither is to change (the file is
   * then left alone: written back, its times would lose their nanoseconds and its ctime move).
   * Node cannot leave one of the two as it is (no UTIME_OMIT): that one is written back, to the
   * microsecond.
   */
  private timesFor(st: fs.BigIntStats, atim: bigint, mtim: bigint, flags: number): { atime: number; mtime: number } | null {
    if (flags & ~0xf) throw new WasiError(Errno.INVAL);
    if ((flags & FstFlags.ATIM) && (flags & FstFlags.ATIM_NOW)) throw new WasiError(Errno.INVAL);
    if ((flags & FstFlags.MTIM) && (flags & FstFlags.MTIM_NOW)) throw new WasiError(Errno.INVAL);
    if (flags === 0) return null;
    const now = utimesSeconds(this.opts.clock.realtimeNs());
    const pick = (set: boolean, setNow: boolean, value: bigint, current: bigint) =>
      setNow ? now : utimesSeconds(set ? value : current);
    return {
      atime: pick((flags & FstFlags.ATIM) !== 0, (flags & FstFlags.ATIM_NOW) !== 0, atim, st.atimeNs),
      mtime: pick((flags & FstFlags.MTIM) !== 0, (flags & FstFlags.MTIM_NOW) !== 0, mtim, st.mtimeNs),
    };
  }

  private checkFileSize(d: Descriptor, end: bigint, op: string): void {
    const max = d.preopen ? d.preopen.grant.maxFileSize ?? null : null;
    if (max !== null && end > BigInt(max)) {
      this.record({ type: 'limit', limit: 'file-size', action: 'refused', max, value: Number(end), op });
      throw new WasiError(Errno.FBIG);
    }
    // No size past the largest offset, as at a file system's maximum file size (Node's
    // ftruncate takes no larger number: it threw, which reached the guest as EIO).
    if (end > MAX_FILE_OFFSET_BIG) throw new WasiError(Errno.FBIG);
  }

  /** Reads into the buffers GuestMemory.iovecRanges() left (`count` of them) from offset `at`. */
  private readFile(d: Descriptor, count: number, at: number, op: string): number {
    const ranges = this.memory.ranges;
    const bytes = this.memory.all;
    let total = 0;
    let position = at;
    for (let i = 0; i < count; i++) {
      // Nothing is read past the largest offset (a host-made file may extend beyond it): the
      // position after the read must stay exact.
      const length = Math.min(ranges[2 * i + 1]!, MAX_FILE_OFFSET - position);
      if (length === 0) continue;
      const n = fs.readSync(d.hostFd, bytes, ranges[2 * i]!, length, position);
      total += n;
      position += n;
      if (n < length) break;
    }
    this.opts.meter.chargeRead(total, op);
    return total;
  }

  /**
   * Writes the buffers GuestMemory.iovecRanges() left (`count` of them, `total` bytes) at offset
   * `start`.
   */
  private writeFile(d: Descriptor, count: number, start: number, op: string, total = this.memory.rangesTotal(count)): number {
    const ranges = this.memory.ranges;
    // Nothing is written past the largest offset (a file system such as tmpfs would accept
    // it): the descriptor's position, a number, would no longer be exact.
    const policyMax = d.preopen ? d.preopen.grant.maxFileSize ?? null : null;
    const max = policyMax === null || policyMax > MAX_FILE_OFFSET ? MAX_FILE_OFFSET : policyMax;
    let room = total;
    if (start + total > max) {
      // Write what fits, as POSIX does at RLIMIT_FSIZE; EFBIG only when nothing fits.
      room = Math.max(0, max - start);
      if (room === 0) {
        // A limit record only for the policy's own maximum.
        if (max === policyMax) this.record({ type: 'limit', limit: 'file-size', action: 'refused', max, value: start + total, op });
        throw new WasiError(Errno.FBIG);
      }
    }
    this.opts.meter.chargeWrite(Math.min(room, total), op);
    // Whole memory plus offset: a view per buffer cost more than its copy would.
    const bytes = this.memory.all;
    total = 0;
    let position = start;
    for (let i = 0; i < count && room > 0; i++) {
      const size = ranges[2 * i + 1]!;
      const length = size > room ? room : size;
      if (length === 0) continue;
      const n = fs.writeSync(d.hostFd, bytes, ranges[2 * i]!, length, position);
      total += n;
      room -= n;
      position += n;
      if (n < length) break;
    }
    return total;
  }

  private readStdin(bufs: Uint8Array[]): number {
    const wanted = bufs.reduce((sum, b) => sum + b.byteLength, 0);
    if (wanted === 0) return 0;
    let data: Uint8Array | null = null;
    this.opts.meter.idle('fd_read', Number.POSITIVE_INFINITY, (ms) => {
      data = this.opts.stdio.readStdin(wanted, ms);
      return data !== null;
    });
    const bytes = data as Uint8Array | null;
    if (!bytes) return 0;
    this.opts.meter.chargeRead(bytes.byteLength, 'fd_read');
    let offset = 0;
    for (const b of bufs) {
      if (offset >= bytes.byteLength) break;
      const n = Math.min(b.byteLength, bytes.byteLength - offset);
      b.set(bytes.subarray(offset, offset + n));
      offset += n;
    }
    return offset;
  }

  private listDirectory(d: Descriptor): DirectoryEntry[] {
    const base = procFdPath(d.hostFd);
    const self = fs.fstatSync(d.hostFd, { bigint: true });
    const entries: DirectoryEntry[] = [
      { name: DOT, type: Filetype.DIRECTORY, ino: self.ino },
      { name: DOT_DOT, type: Filetype.DIRECTORY, ino: 0n },
    ];
    let listed: fs.Dirent[] = fs.readdirSync(base, { withFileTypes: true });
    // A name that is not UTF-8 comes back with U+FFFD in place of its bad bytes, and would name
    // another entry (or none). Guest paths are UTF-8 (anything else is EILSEQ), so the guest
    // could not name such an entry anyway: it is left out of the listing.
    if (listed.some((entry) => entry.name.includes('\uFFFD'))) {
      listed = fs.readdirSync(base, { withFileTypes: true, encoding: 'buffer' })
        .filter((entry) => isUtf8(entry.name))
        .map((entry) => Object.assign(entry, { name: entry.name.toString('utf8') }) as unknown as fs.Dirent);
    }
    for (const entry of listed) {
      // d_ino needs a stat of each entry (Node's readdir does not return inode numbers). A
      // number stat is cheaper than a BigInt one; an inode number too large for a number (some
      // file systems use the high bits) is read again as a BigInt rather than reported wrong.
      const path = `${base}/${entry.name}`;
      const ino = fs.lstatSync(path, { throwIfNoEntry: false })?.ino;
      entries.push({
        name: Buffer.from(entry.name), type: direntType(entry),
        // Removed since the listing was read: reported without an inode number.
        ino: ino === undefined ? 0n : Number.isSafeInteger(ino) ? BigInt(ino) : fs.lstatSync(path, { bigint: true, throwIfNoEntry: false })?.ino ?? 0n,
      });
    }
    return entries;
  }

  /**
   * Writes dirents from index `cookie` on into [buf, buf + len), which the caller checked
   * (INVARIANT), straight into guest memory; the last one is truncated to the buffer as the
   * spec says.
   */
  private writeDirents(listing: DirectoryEntry[], cookie: bigint, buf: number, len: number): number {
    const bytes = this.memory.all;
    const view = this.memory.dataView;
    const start = buf >>> 0;
    const end = start + len;
    let at = start;
    for (let i = cookie < BigInt(listing.length) ? Number(cookie) : listing.length; i < listing.length && at < end; i++) {
      const entry = listing[i]!;
      const size = DIRENT_HEADER_SIZE + entry.name.byteLength;
      // A record that does not fit is built whole and cut; the others are written in place.
      const record = at + size <= end ? null : new Uint8Array(size);
      const target = record ? new DataView(record.buffer) : view;
      const offset = record ? 0 : at;
      target.setBigUint64(offset, BigInt(i + 1), true);
      target.setBigUint64(offset + 8, entry.ino, true);
      target.setUint32(offset + 16, entry.name.byteLength, true);
      target.setUint32(offset + 20, entry.type, true);
      if (record) {
        record.set(entry.name, DIRENT_HEADER_SIZE);
        bytes.set(record.subarray(0, end - at), at);
        at = end;
      } else {
        bytes.set(entry.name, at + DIRENT_HEADER_SIZE);
        at += size;
      }
    }
    return at - start;
  }

  private pathOpen(fd: number, dirflags: number, path: string, oflags: number, base: bigint, inheriting: bigint,
    fdflags: number, out: number): number {
    const op = 'path_open';
    // Flags are judged before the descriptor and the path, as open(2) does.
    if (oflags & ~0xf || fdflags & ~0x1f) return Errno.INVAL;
    // As open(2) since Linux 6.4, whatever the path names. Passed on, an older kernel would
    // create a regular file for a new name and then fail (ENOTDIR).
    if ((oflags & (OFlags.CREAT | OFlags.DIRECTORY)) === (OFlags.CREAT | OFlags.DIRECTORY)) return Errno.INVAL;
    const dir = this.dirFd(fd, op, Rights.PATH_OPEN);
    this.memory.check(out, 4);
    const wantsRead = (base & (Rights.FD_READ | Rights.FD_READDIR)) !== 0n;
    const wantsWrite = (base & (Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE)) !== 0n ||
      (fdflags & (FdFlags.APPEND | FdFlags.DSYNC | FdFlags.SYNC)) !== 0 || (oflags & OFlags.TRUNC) !== 0;
    if ((base & Rights.FD_READ) && !(dir.rightsInheriting & Rights.FD_READ)) {
      this.deny('filesystem', op, Errno.NOTCAPABLE, 'read access not granted', { path: joinGuest(dir.guestPath, path) });
    }
    if (wantsWrite && !(dir.rightsInheriting & Rights.FD_WRITE)) {
      this.deny('filesystem', op, Errno.NOTCAPABLE, 'write access not granted', { path: joinGuest(dir.guestPath, path) });
    }
    if ((oflags & OFlags.TRUNC) && !(dir.rightsBase & Rights.PATH_FILESTAT_SET_SIZE)) {
      this.deny('filesystem', op, Errno.NOTCAPABLE, 'truncate not granted', { path: joinGuest(dir.guestPath, path) });
    }
    this.countOpen(op, dir.guestPath, path);
    if (oflags & OFlags.CREAT && dir.rightsBase & Rights.PATH_CREATE_FILE && endsInNameAndSlash(path)) {
      // A trailing slash after the name to create: open(2) says EISDIR once it has found the
      // parent, without looking the name up (a symlink there is not followed, a loop no ELOOP).
      // Without the create right, a name that does not exist is a denial first (openResolved).
      this.withPath(op, dir, path, 'entry', () => {
        throw new WasiError(Errno.ISDIR);
      });
    }
    const exclusive = (oflags & (OFlags.CREAT | OFlags.EXCL)) === (OFlags.CREAT | OFlags.EXCL);
    const request: OpenRequest = { dir, path, oflags, base, inheriting, fdflags, wantsRead, wantsWrite, exclusive };
    const direct = this.openDirect(request);
    const newFd = direct ?? this.openResolved(request, (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0 && !exclusive);
    this.guestOpened++;
    this.memory.setU32(out, newFd);
    return Errno.SUCCESS;
  }

  /**
   * path_open's common case with one `open` and one `fstat`: a path without `..` or a trailing
   * slash, opened inside its pinned parent with O_NOFOLLOW|O_NONBLOCK|O_NOCTTY, and judged by an
   * fstat of what was opened. Deciding from the opened object rather than from an lstat taken
   * before the open leaves no window in which a FIFO or device swapped in could be opened for
   * I/O: a special file is closed at once (O_NONBLOCK: opening a FIFO never blocks) and refused.
   *
   * Returns the new guest descriptor, throws the errno when the outcome is certain, or returns
   * null to replay the call through openResolved(), which then gives the result the full
   * resolution gives: a final symlink (ELOOP here), a directory reached with write access or
   * O_CREAT, an existing entry under O_EXCL, a parent that cannot be pinned, any other error.
   * Nothing is left behind for a replay: the only effects before a null are the creation of a
   * new regular file (which the replay then finds) and O_TRUNC of a file (which the replay
   * would apply too).
   */
  private openDirect(req: OpenRequest): number | null {
    const { dir, oflags } = req;
    const create = (oflags & OFlags.CREAT) !== 0;
    // Creating without the create right needs to know whether the file exists (EEXIST vs
    // ENOTCAPABLE): the full resolution decides it.
    if (create && !(dir.rightsBase & Rights.PATH_CREATE_FILE)) return null;
    // O_DIRECTORY with the write right: a directory would be opened read-only below and handed
    // out, where the full resolution (and POSIX open(O_RDWR|O_DIRECTORY)) says EISDIR.
    if (oflags & OFlags.DIRECTORY && req.base & Rights.FD_WRITE) return null;
    const entry = this.plainEntry(dir, req.path);
    if (!entry) return null;
    const { resolved, pinned, host } = entry;
    try {
      const inheritRead = (dir.rightsInheriting & Rights.FD_READ) !== 0n;
      // INVARIANT (as in openResolved): wantsWrite implies the write grant, checked by pathOpen.
      const canWrite = req.wantsWrite;
      let flags = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
      if (oflags & OFlags.TRUNC) flags |= O_TRUNC;
      if (oflags & OFlags.DIRECTORY) flags |= O_DIRECTORY | (inheritRead ? O_RDONLY : O_PATH);
      else if (canWrite && inheritRead) flags |= O_RDWR;
      else if (canWrite) flags |= O_WRONLY;
      else if (inheritRead) flags |= O_RDONLY;
      else flags |= O_PATH;
      if (req.fdflags & FdFlags.APPEND && canWrite) flags |= O_APPEND;
      // An O_CREAT without O_EXCL is tried as a plain open first when the allowed decision is
      // audited, so that whether the call created the file is known exactly (the record says so).
      // When allowed decisions are not audited, nobody needs to know, and one open does.
      let created = false;
      const exclusive = req.exclusive;
      let hostFd = tryOpen(host, !create ? flags : exclusive ? flags | O_CREAT | O_EXCL : this.auditAllowed ? flags : flags | O_CREAT);
      if (typeof hostFd === 'number' && create && exclusive) created = true;
      if (hostFd === 'ENOENT') {
        if (!create) {
          if (this.auditAllowed) this.allowOpen(req, resolved, false);
          throw new WasiError(Errno.NOENT);
        }
        hostFd = tryOpen(host, flags | O_CREAT | O_EXCL);
        created = typeof hostFd === 'number';
      }
      if (typeof hostFd !== 'number') return null;
      // O_RDONLY|O_DIRECTORY|O_NOFOLLOW opens nothing but a directory (ENOTDIR, ELOOP): no fstat
      // needed. Any other open is judged by one.
      let st: fs.Stats | null = null;
      if ((flags & (O_DIRECTORY | O_PATH | O_WRONLY | O_RDWR)) !== O_DIRECTORY) {
        try {
          st = fs.fstatSync(hostFd);
        } catch {
          safeClose(hostFd);
          return null;
        }
      }
      const isDir = st === null || st.isDirectory();
      if (st !== null && !isDir && !st.isFile()) {
        safeClose(hostFd);
        // An O_PATH descriptor of a symlink: the full resolution follows it or says ELOOP.
        if (st.isSymbolicLink()) return null;
        // FIFOs, sockets and devices could block the guest's thread or reach host devices.
        this.deny('filesystem', 'path_open', Errno.ACCES, 'not a regular file or directory',
          { path: guestPathOf(dir, resolved) });
      }
      if (isDir && create) {
        safeClose(hostFd);
        return null;
      }
      if (this.auditAllowed) this.allowOpen(req, resolved, created);
      return this.newFd(this.openedDescriptor(req, hostFd, isDir, resolved, flags));
    } finally {
      if (pinned.owned) safeClose(pinned.fd);
    }
  }

  /**
   * path_filestat_get's common case (the call of every directory walk): a path without `..` or
   * a trailing slash, stat-ed inside its pinned parent, without the generic machinery of
   * withPath(). Returns null to leave the call to withPath(), which gives the same result the
   * long way: a final symlink to follow, a parent that cannot be pinned, a path it must walk.
   * Allowed decisions are recorded at the same point as withPath's route records them.
   */
  private statDirect(dir: Descriptor, path: string, follow: boolean): fs.BigIntStats | null {
    const entry = this.plainEntry(dir, path);
    if (!entry) return null;
    const { resolved, pinned, host } = entry;
    try {
      const allow = () => this.allow('filesystem', 'path_filestat_get', { path: guestPathOf(dir, resolved) });
      if (!follow && this.auditAllowed) allow();
      const st = fs.lstatSync(host, { bigint: true, throwIfNoEntry: false });
      if (follow && st?.isSymbolicLink()) return null;
      if (follow && this.auditAllowed) allow();
      if (st === undefined) throw new WasiError(Errno.NOENT);
      return st;
    } finally {
      if (pinned.owned) safeClose(pinned.fd);
    }
  }

  /** path_open through the full resolution: decides from an lstat, then opens and checks what it got. */
  private openResolved(req: OpenRequest, follow: boolean): number {
    const { dir, oflags, base, fdflags, wantsWrite, exclusive } = req;
    const op = 'path_open';
    const final = !follow ? 'nofollow' : oflags & OFlags.CREAT ? 'create' : 'follow';
    return this.withPath(op, dir, req.path, final, ({ host, resolved }) => {
      const display = guestPathOf(dir, resolved);
      let existing: fs.Stats | fs.BigIntStats | null | undefined = resolved.finalStat;
      if (existing === undefined) existing = fs.lstatSync(host, { throwIfNoEntry: false }) ?? null;
      const exists = existing !== null;
      if (!exists && (oflags & OFlags.CREAT)) {
        if (!(dir.rightsBase & Rights.PATH_CREATE_FILE)) {
          this.deny('filesystem', op, Errno.NOTCAPABLE, 'create not granted', { path: display });
        }
      }
      // A name to create given with a trailing slash (at the end of a followed symlink's target;
      // pathOpen has refused one written so) is EISDIR, as open(2) says for O_CREAT, whether or
      // not it exists. A path ending in `.` or `..` names a directory, not a name to create.
      if ((oflags & OFlags.CREAT) && resolved.mustBeDirectory && resolved.name !== '.') throw new WasiError(Errno.ISDIR);
      // An exclusive create of an existing symlink is EEXIST below, after its allowed record.
      // Not followed: ELOOP, or ENOTDIR when a directory was asked for (as Linux decides).
      if (exists && existing!.isSymbolicLink() && !follow && !exclusive) throw new WasiError(oflags & OFlags.DIRECTORY ? Errno.NOTDIR : Errno.LOOP);
      if (exists && !existing!.isDirectory() && !existing!.isFile() && !existing!.isSymbolicLink()) {
        // FIFOs, sockets and devices could block the guest's thread or reach host devices.
        this.deny('filesystem', op, Errno.ACCES, 'not a regular file or directory', { path: display });
      }
      const isDir = exists && existing!.isDirectory();
      if ((oflags & OFlags.DIRECTORY || resolved.mustBeDirectory) && exists && !isDir) throw new WasiError(Errno.NOTDIR);
      // As open(2): an exclusive create of an existing directory is EEXIST before any EISDIR.
      if (isDir && exclusive) throw new WasiError(Errno.EXIST);
      if (isDir && wantsWrite && (base & Rights.FD_WRITE)) throw new WasiError(Errno.ISDIR);
      // POSIX: O_CREAT naming an existing directory is EISDIR (Linux 6.4+ would say EINVAL for
      // the O_CREAT|O_DIRECTORY this would open with).
      if (isDir && (oflags & OFlags.CREAT)) throw new WasiError(Errno.ISDIR);

      // O_NONBLOCK|O_NOCTTY: should a special file be swapped in after the lstat, opening it
      // neither blocks nor makes it a terminal; the fstat below then refuses it.
      let flags = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
      // O_CREAT only with the create right: the entry found above may be removed (by anyone)
      // before the open, and an O_CREAT open would then create it where creating is not granted.
      // Without the right such an open finds nothing (ENOENT).
      if (oflags & OFlags.CREAT && dir.rightsBase & Rights.PATH_CREATE_FILE) {
        flags |= O_CREAT;
        if (oflags & OFlags.EXCL) flags |= O_EXCL;
      }
      if (oflags & OFlags.TRUNC) flags |= O_TRUNC;
      if (oflags & OFlags.DIRECTORY || isDir) flags |= O_DIRECTORY;
      const canWrite = !isDir && (dir.rightsInheriting & Rights.FD_WRITE) !== 0n && (wantsWrite || (base & Rights.FD_WRITE) !== 0n);
      const canRead = (dir.rightsInheriting & Rights.FD_READ) !== 0n;
      if (isDir || (oflags & OFlags.DIRECTORY)) flags |= canRead ? O_RDONLY : O_PATH;
      else if (canWrite && canRead) flags |= O_RDWR;
      else if (canWrite) flags |= O_WRONLY;
      else if (canRead) flags |= O_RDONLY;
      else flags |= O_PATH;
      if (fdflags & FdFlags.APPEND && canWrite) flags |= O_APPEND;
      if (this.auditAllowed) this.allowOpen(req, resolved, !exists && (oflags & OFlags.CREAT) !== 0);
      // O_CREAT|O_EXCL of an entry that exists is EEXIST whatever the grants say (the kernel
      // would say it only when O_CREAT is passed, which needs the create right).
      if (exists && exclusive) throw new WasiError(Errno.EXIST);
      // INVARIANT: `host` names `name` inside a pinned (verified) parent, and O_NOFOLLOW keeps the
      // last component from being a symlink, so the opened file is inside the preopen.
      const hostFd = fs.openSync(host, flags, 0o666);
      let st: fs.Stats;
      try {
        st = fs.fstatSync(hostFd);
      } catch (error) {
        safeClose(hostFd);
        throw error;
      }
      const nowDir = st.isDirectory();
      if (!nowDir && !st.isFile()) {
        safeClose(hostFd);
        this.deny('filesystem', op, Errno.ACCES, 'not a regular file or directory', { path: display });
      }
      return this.newFd(this.openedDescriptor(req, hostFd, nowDir || (oflags & OFlags.DIRECTORY) !== 0, resolved, flags));
    });
  }

  private allowOpen(req: OpenRequest, resolved: ResolvedPath, created: boolean): void {
    this.allow('filesystem', 'path_open', {
      path: guestPathOf(req.dir, resolved), read: req.wantsRead, write: req.wantsWrite, create: created,
    });
  }

  /** The guest's descriptor for a host descriptor path_open opened. */
  private openedDescriptor(req: OpenRequest, hostFd: number, isDir: boolean, resolved: ResolvedPath, hostFlags: number): Descriptor {
    const { dir } = req;
    const mask = isDir ? DIR_RIGHTS | Rights.FD_READDIR : FILE_RIGHTS;
    return {
      kind: isDir ? 'dir' : 'file', hostFd, stdio: -1, filetype: isDir ? Filetype.DIRECTORY : Filetype.REGULAR_FILE,
      rightsBase: req.base & dir.rightsInheriting & mask, rightsInheriting: req.inheriting & dir.rightsInheriting,
      fdflags: req.fdflags, position: 0, preopen: dir.preopen, preopenName: null,
      guestPath: guestPathOf(dir, resolved), hostFlags,
    };
  }

  /**
   * Gives a file's host descriptor O_APPEND or takes it away (fcntl F_SETFL, which Node cannot
   * call): the file is opened again through its /proc link (the same file, wherever it is now)
   * with the new flag, and replaces the old descriptor.
   */
  private setHostAppend(d: Descriptor, append: boolean): void {
    const current = d.hostFlags ?? 0;
    if (((current & O_APPEND) !== 0) === append) return;
    const flags = (current & ~(O_APPEND | O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW)) | (append ? O_APPEND : 0);
    const fresh = fs.openSync(procFdPath(d.hostFd), flags);
    safeClose(d.hostFd);
    d.hostFd = fresh;
    d.hostFlags = flags;
  }

  private pollOneoff(flavor: WasiFlavor, input: number, output: number, count: number, out: number): number {
    const m = this.memory;
    if (count === 0 || count > MAX_POLL_SUBSCRIPTIONS) return Errno.INVAL;
    m.check(input, count * flavor.subscriptionSize);
    m.check(output, count * EVENT_SIZE);
    m.check(out, 4);
    interface Ready { userdata: bigint; error: number; type: number; nbytes: bigint; flags: number }
    const ready: Ready[] = [];
    let stdinWaiters: bigint[] = [];
    const socketWaiters: Array<{ userdata: bigint; type: number; probe: () => SocketReadiness | null }> = [];
    let soonestNs: bigint | null = null;
    let soonestUserdata = 0n;
    const waits = this.opts.meter.waits;
    let clocks = waits?.progress as Array<bigint | undefined> | undefined;
    for (let i = 0; i < count; i++) {
      const s = (input >>> 0) + i * flavor.subscriptionSize;
      const userdata = m.u64(s);
      const tag = m.u8(s + 8);
      if (tag === EventType.CLOCK) {
        const id = m.u32(s + flavor.clockOffsets.id);
        const timeout = m.u64(s + flavor.clockOffsets.timeout);
        const flags = m.u16(s + flavor.clockOffsets.flags);
        if (id > ClockId.THREAD_CPUTIME_ID) {
          ready.push({ userdata, error: Errno.INVAL, type: EventType.CLOCK, nbytes: 0n, flags: 0 });
          continue;
        }
        let relative = timeout;
        if (flags & SUBCLOCK_ABSTIME) {
          // A parked call runs again (CallWaits) with the clocks it read in its first run: a
          // read is a time decision (logged once) and the step of a deterministic clock.
          let now = clocks?.[id];
          if (now === undefined) {
            now = this.readClock(id, 'poll_oneoff');
            if (waits !== null) {
              clocks ??= [];
              clocks[id] = now;
              waits.progress = clocks;
            }
          }
          relative = timeout > now ? timeout - now : 0n;
        }
        if (soonestNs === null || relative < soonestNs) {
          soonestNs = relative;
          soonestUserdata = userdata;
        }
      } else if (tag === EventType.FD_READ || tag === EventType.FD_WRITE) {
        const fd = m.u32(s + 16);
        const d = this.fds.get(fd);
        if (!d) {
          ready.push({ userdata, error: Errno.BADF, type: tag, nbytes: 0n, flags: 0 });
        } else if (!(d.rightsBase & Rights.POLL_FD_READWRITE)) {
          ready.push({ userdata, error: Errno.NOTCAPABLE, type: tag, nbytes: 0n, flags: 0 });
        } else if (d.kind === 'stdio' && d.stdio === 0 && tag === EventType.FD_READ) {
          stdinWaiters.push(userdata);
        } else if ((d.kind === 'conn' || d.kind === 'listener') && tag === EventType.FD_READ) {
          const kind = d.kind;
          const id = d.sock!;
          socketWaiters.push({ userdata, type: tag, probe: () => this.opts.sockets!.ready(kind, id) });
        } else if (d.kind === 'conn') {
          // Writable once the host takes more of the guest's bytes (see SOCKET_BUFFER_BYTES).
          const id = d.sock!;
          socketWaiters.push({ userdata, type: tag, probe: () => this.opts.sockets!.ready('send', id) });
        } else if (d.kind === 'file' && tag === EventType.FD_READ) {
          const size = fs.fstatSync(d.hostFd, { bigint: true }).size;
          const position = BigInt(d.position);
          ready.push({ userdata, error: 0, type: tag, nbytes: size > position ? size - position : 0n, flags: 0 });
        } else if (tag === EventType.FD_WRITE && d.kind !== 'dir' && (d.kind === 'file' || d.stdio !== 0)) {
          ready.push({ userdata, error: 0, type: tag, nbytes: 0n, flags: 0 });
        } else {
          ready.push({ userdata, error: Errno.BADF, type: tag, nbytes: 0n, flags: 0 });
        }
      } else {
        return Errno.INVAL;
      }
    }
    if (socketWaiters.length > 0) {
      // Sockets (with or without stdin): probe all, and while nothing is ready wait in short steps
      // until the soonest clock, as idle time.
      const probe = (): boolean => {
        let any = false;
        for (const w of socketWaiters) {
          const state = w.probe();
          if (state) {
            ready.push({
              userdata: w.userdata, error: 0, type: w.type, nbytes: BigInt(state.nbytes),
              flags: state.hangup ? EVENTRWFLAGS_HANGUP : 0,
            });
            any = true;
          }
        }
        if (stdinWaiters.length > 0 && this.opts.stdio.waitStdin(0)) {
          for (const userdata of stdinWaiters) ready.push({ userdata, error: 0, type: EventType.FD_READ, nbytes: 1n, flags: 0 });
          any = true;
        }
        return any;
      };
      if (!probe() && ready.length === 0) {
        const waitMs = soonestNs === null ? Number.POSITIVE_INFINITY : Number((soonestNs + 999_999n) / 1_000_000n);
        if (waitMs > 0) {
          this.opts.meter.idle('poll_oneoff', waitMs, (ms) => {
            const until = wallNow() + ms;
            for (let left = ms; left > 0; left = until - wallNow()) {
              blockFor(Math.min(5, left));
              if (probe()) return true;
            }
            return false;
          }, 'probe');
        }
      }
      if (ready.length === 0 && soonestNs !== null) {
        ready.push({ userdata: soonestUserdata, error: 0, type: EventType.CLOCK, nbytes: 0n, flags: 0 });
      }
    } else if (ready.length === 0 || stdinWaiters.length > 0) {
      // Block until stdin is readable or the soonest clock fires; with ready events, only peek.
      const waitNs = ready.length > 0 ? 0n : soonestNs;
      if (stdinWaiters.length > 0) {
        const waitMs = waitNs === null ? Number.POSITIVE_INFINITY : Number((waitNs + 999_999n) / 1_000_000n);
        const readable = waitMs === 0
          ? this.opts.stdio.waitStdin(0)
          : this.opts.meter.idle('poll_oneoff', waitMs, (ms) => this.opts.stdio.waitStdin(ms));
        if (readable) {
          for (const userdata of stdinWaiters) ready.push({ userdata, error: 0, type: EventType.FD_READ, nbytes: 1n, flags: 0 });
          stdinWaiters = [];
        }
      } else if (waitNs !== null && waitNs > 0n) {
        this.opts.clock.sleep(waitNs);
      }
      if (ready.length === 0 && soonestNs !== null) {
        ready.push({ userdata: soonestUserdata, error: 0, type: EventType.CLOCK, nbytes: 0n, flags: 0 });
      }
    } else if (soonestNs === 0n) {
      ready.push({ userdata: soonestUserdata, error: 0, type: EventType.CLOCK, nbytes: 0n, flags: 0 });
    }
    ready.forEach((event, i) => {
      const e = (output >>> 0) + i * EVENT_SIZE;
      m.write(e, new Uint8Array(EVENT_SIZE));
      m.setU64(e, event.userdata);
      m.setU16(e + 8, event.error);
      m.setU8(e + 10, event.type);
      m.setU64(e + 16, event.nbytes);
      m.setU16(e + 24, event.flags);
    });
    m.setU32(out, ready.length);
    return Errno.SUCCESS;
  }

  /** A socket descriptor of the wanted kind with the right, after the network capability check. */
  private socketFd(fd: number, op: string, kind: 'listener' | 'conn', rights: bigint): Descriptor {
    if (this.opts.manifest.network.mode === 'none') {
      this.deny('network', op, Errno.NOTCAPABLE, 'network capability not granted', { fd });
    }
    const d = this.fds.get(fd);
    if (!d) throw new WasiError(Errno.BADF);
    if (d.kind !== 'listener' && d.kind !== 'conn') throw new WasiError(Errno.NOTSOCK);
    if (d.kind !== kind) throw new WasiError(kind === 'conn' ? Errno.NOTCONN : Errno.INVAL);
    return this.fd(fd, op, rights);
  }

  /**
   * Waits for a socket request as idle time: `request(block, ms)` asks the host (blocking for at
   * most `ms` when `block`) and says whether it has its answer (for a blocking socket, 'again'
   * is not one: it comes only from asking without blocking). Single-threaded, one blocking
   * request waits whole. In a threaded run a waiting call parks and runs again (CallWaits), and
   * a blocking request cut short would stay pending at the host (the next could race it for a
   * connection or bytes nobody then reads): there the wait probes the socket (an immediate
   * answer) and asks without blocking once it is ready.
   */
  private socketWait(op: string, kind: 'conn' | 'listener' | 'send', id: number, block: boolean, request: (block: boolean, ms: number) => boolean): void {
    const meter = this.opts.meter;
    if (!block || !meter.threaded) {
      meter.idle(op, block ? Number.POSITIVE_INFINITY : 1000, (ms) => request(block, ms), 'whole');
      return;
    }
    meter.idle(op, Number.POSITIVE_INFINITY, (ms) => {
      const until = wallNow() + ms;
      for (;;) {
        if (this.opts.sockets!.ready(kind, id) !== null && request(false, Number.POSITIVE_INFINITY)) return true;
        const left = until - wallNow();
        if (left <= 0) return false;
        blockFor(Math.min(5, left));
      }
    }, 'probe');
  }

  /** A threaded run's write to stdout or stderr: waits (parking the call) while the host holds too much output. */
  private awaitOutputRoom(): void {
    const room = this.opts.stdio.waitWritable;
    if (room !== undefined && !room(0)) this.opts.meter.idle('fd_write', Number.POSITIVE_INFINITY, room);
  }

  /**
   * Reads a connection into `bufs`. With `waitAll` (RECV_WAITALL, not with a peek) a blocking
   * read goes on until the buffers are full or the stream ends, as recv(2) with MSG_WAITALL.
   */
  private socketRecv(d: Descriptor, bufs: Uint8Array[], peek: boolean, op: string, waitAll = false): number {
    const wanted = bufs.reduce((sum, b) => sum + b.byteLength, 0);
    if (wanted === 0) return 0;
    const block = (d.fdflags & FdFlags.NONBLOCK) === 0;
    const waits = this.opts.meter.waits;
    let offset = 0;
    let buf = 0;
    let at = 0;
    // A threaded call that parked runs again from the start (CallWaits): the bytes it received
    // before it parked are in the guest's buffers, counted and charged. It goes on after them,
    // or, when its descriptor was replaced meanwhile, ends with them.
    const kept = waits?.progress as SocketProgress | undefined;
    if (kept !== undefined) {
      if (kept.d !== d || kept.moved >= wanted) return kept.moved;
      offset = kept.moved;
      for (at = offset; at >= bufs[buf]!.byteLength; buf++) at -= bufs[buf]!.byteLength;
    }
    do {
      if (waits !== null && offset > 0) waits.progress = { d, moved: offset } satisfies SocketProgress;
      let got: ReturnType<SocketBridge['recv']> = null;
      this.socketWait(op, 'conn', d.sock!, block, (wait, ms) => {
        got = this.opts.sockets!.recv(d.sock!, wanted - offset, peek, wait, ms);
        return got !== null && (got !== 'again' || !block);
      });
      const bytes = got as ReturnType<SocketBridge['recv']>;
      if (bytes === null || bytes === 'again') {
        if (offset > 0) return offset;
        throw new WasiError(Errno.AGAIN);
      }
      if (bytes.byteLength === 0) break;
      this.opts.meter.chargeRead(bytes.byteLength, op);
      for (let from = 0; from < bytes.byteLength;) {
        const b = bufs[buf]!;
        const n = Math.min(b.byteLength - at, bytes.byteLength - from);
        b.set(bytes.subarray(from, from + n), at);
        from += n;
        at += n;
        if (at === b.byteLength) {
          buf++;
          at = 0;
        }
      }
      offset += bytes.byteLength;
    } while (waitAll && !peek && block && offset < wanted);
    return offset;
  }

  /**
   * Sends `bufs` on a connection, each piece charged before it moves. A blocking send waits
   * (idle time) while the host holds as much of the guest's output as it takes; a non-blocking
   * one then returns what it sent, or EAGAIN. A connection that can take no more is EPIPE.
   */
  private socketSend(d: Descriptor, bufs: Uint8Array[], op: string): number {
    const block = (d.fdflags & FdFlags.NONBLOCK) === 0;
    const waits = this.opts.meter.waits;
    let sent = 0;
    // As in socketRecv: a parked call run again does not send again what it sent before.
    const kept = waits?.progress as SocketProgress | undefined;
    if (kept !== undefined && kept.d !== d) return kept.moved;
    let skip = (sent = kept?.moved ?? 0);
    for (const b of bufs) {
      if (skip >= b.byteLength) {
        skip -= b.byteLength;
        continue;
      }
      for (let at = skip; at < b.byteLength;) {
        const piece = b.subarray(at, at + SOCKET_DATA_CAPACITY);
        this.opts.meter.chargeWrite(piece.byteLength, op);
        if (waits !== null && sent > 0) waits.progress = { d, moved: sent } satisfies SocketProgress;
        let taken: ReturnType<SocketBridge['send']> = null;
        try {
          this.socketWait(op, 'send', d.sock!, block, (wait, ms) => {
            taken = this.opts.sockets!.send(d.sock!, piece, wait, ms);
            return taken !== null && (taken !== 'again' || !block);
          });
        } catch (error) {
          // Parked: the piece has not moved, and is charged again when the call runs again.
          if (error === WAIT_PARKED) this.opts.meter.refundWrite(piece.byteLength);
          throw error;
        }
        const n = taken as ReturnType<SocketBridge['send']>;
        if (n === null || n === 'again' || n < 0) {
          this.opts.meter.refundWrite(piece.byteLength);
          if (sent > 0) return sent;
          throw new WasiError(n !== null && n !== 'again' ? Errno.PIPE : Errno.AGAIN);
        }
        at += n;
        sent += n;
      }
      skip = 0;
    }
    return sent;
  }
}

/** open(2) that reports failure as the error code instead of throwing it further. */
function tryOpen(path: string, flags: number): number | string {
  try {
    return fs.openSync(path, flags, 0o666);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

function safeClose(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}

/**
 * The guest path of a resolved path, for audit records and descriptor names: below `dir`, or
 * below its preopen's root when the walk went again from there.
 */
function guestPathOf(dir: { guestPath: string }, resolved: ResolvedPath): string {
  return joinGuest(resolved.rebasedTo ?? dir.guestPath, displayOf(resolved));
}

function joinGuest(base: string, path: string): string {
  if (path === '' || path === '.') return base;
  return base.endsWith('/') ? `${base}${path}` : `${base}/${path}`;
}

/**
 * A time in nanoseconds as the seconds Node's utimes family takes. libuv keeps the microseconds
 * of that double by truncation, and the double nearest to a whole microsecond lies below it about
 * half of the time (1000000456.000456 s is 1000000456.00045597...), which set the microsecond
 * before the one asked for. Aiming at the middle of the microsecond keeps it: the double is then
 * within one unit in the last place of that middle (two roundings), less than the 500 ns to either
 * edge for times before 2038 (238 ns today; 477 ns at 2^31 s). Later times are as exact as a
 * double of seconds can be.
 */
export function utimesSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6 + 5e-7;
}

/** The path's last component is a name (not `.` or `..`) followed by a slash: `x/`, `a/b//`. */
function endsInNameAndSlash(path: string): boolean {
  if (!path.endsWith('/')) return false;
  const last = path.split('/').filter((c) => c.length > 0).at(-1);
  return last !== undefined && last !== '.' && last !== '..';
}

function filetypeOf(st: fs.BigIntStats | fs.Stats): number {
  if (st.isFile()) return Filetype.REGULAR_FILE;
  if (st.isDirectory()) return Filetype.DIRECTORY;
  if (st.isSymbolicLink()) return Filetype.SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return Filetype.CHARACTER_DEVICE;
  if (st.isBlockDevice()) return Filetype.BLOCK_DEVICE;
  if (st.isSocket()) return Filetype.SOCKET_STREAM;
  return Filetype.UNKNOWN;
}

function direntType(entry: fs.Dirent): number {
  if (entry.isFile()) return Filetype.REGULAR_FILE;
  if (entry.isDirectory()) return Filetype.DIRECTORY;
  if (entry.isSymbolicLink()) return Filetype.SYMBOLIC_LINK;
  if (entry.isCharacterDevice()) return Filetype.CHARACTER_DEVICE;
  if (entry.isBlockDevice()) return Filetype.BLOCK_DEVICE;
  if (entry.isSocket()) return Filetype.SOCKET_STREAM;
  return Filetype.UNKNOWN;
}
