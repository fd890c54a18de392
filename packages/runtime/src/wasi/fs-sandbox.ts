// Confinement of guest paths to preopened directories.
//
// Algorithm. A guest path is resolved against a directory descriptor component by component,
// with lstat per component, never by the host kernel in one go:
//   - absolute paths are refused (ENOTCAPABLE); `.` is skipped; `..` pops one component. The
//     boundary is the preopen, not the directory descriptor: a `..` that climbs above a
//     descriptor opened below the preopen (`fstatat(dirfd, "..")`, a symlink to `../sibling`)
//     makes the caller walk the path again from the preopen's root, prefixed with where the
//     descriptor is now (ClimbsAboveBase); above the preopen's root, `..` is refused;
//   - a symlink met on the way (and the final one when the caller follows) is read and its target
//     spliced into the remaining components; absolute targets are refused, at most 40 links are
//     followed (ELOOP). So `..` and symlinks, including ones the guest planted, cannot name
//     anything outside, even as an intermediate step.
// Then the operation is *pinned*: the parent directory of the final component is opened
// (O_PATH|O_DIRECTORY) and its real location read back from /proc/<pid>/fd; it must lie inside the
// preopen's real root, or the call fails with ENOTCAPABLE. The final operation is applied to
// `/proc/<pid>/fd/<parent>/<name>` (an openat() equivalent) with O_NOFOLLOW where a symlink must
// not be followed. A directory swapped for a symlink between the walk and the operation (a race,
// by the guest or anyone else) therefore cannot redirect the operation outside the preopen.
//
// Requires Linux /proc (checked once when a sandbox is created).
import fs from 'node:fs';
import { Errno, WasiError } from './errno.js';

export const O_PATH = 0o10000000;
const SLASH = 0x2f;
const DOT = 0x2e;
const MAX_SYMLINKS = 40;
/** Linux's PATH_MAX: a path of this many bytes or more is ENAMETOOLONG, whatever it names. */
const PATH_MAX = 4096;

/** The checks every guest path passes before it is split or walked. */
function checkGuestPath(path: string): void {
  if (path.length === 0) throw new WasiError(Errno.NOENT, 'empty path');
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long paths need their length measured.
  if (path.length >= PATH_MAX || (path.length > PATH_MAX / 3 && Buffer.byteLength(path) >= PATH_MAX)) throw new WasiError(Errno.NAMETOOLONG);
  if (path.includes('\0')) throw new WasiError(Errno.INVAL, 'path contains NUL');
  if (path.charCodeAt(0) === SLASH) throw new WasiError(Errno.NOTCAPABLE, 'absolute path');
}

/**
 * The process's descriptor directory in /proc. `/proc/self` is itself a symlink the kernel
 * resolves on every lookup; naming the process by its id (as the same /proc mount numbers it,
 * read once from that link) skips that step on every path operation and readlink, a measured
 * 0.3-0.4 us per call. Worker threads share the process's descriptor table, so it is the same
 * directory in every thread.
 */
let procFdDir = '/proc/self/fd';

export function procFdPath(fd: number): string {
  return `${procFdDir}/${fd}`;
}

let procChecked = false;
/**
 * Fails unless /proc/<pid>/fd works as this module needs (Linux): the id comes from the
 * /proc/self link of the same mount (not process.pid, which another pid namespace's /proc would
 * number differently), and a descriptor of `/` must read back as `/` through it.
 */
export function assertProcFdSupport(): void {
  if (procChecked) return;
  const ownDir = `/proc/${fs.readlinkSync('/proc/self')}/fd`;
  const fd = fs.openSync('/', O_PATH | fs.constants.O_DIRECTORY);
  try {
    if (fs.readlinkSync(`${ownDir}/${fd}`) !== '/') throw new Error(`unexpected ${ownDir} contents`);
  } finally {
    fs.closeSync(fd);
  }
  procFdDir = ownDir;
  procChecked = true;
}

/** The real host location of an open descriptor. */
export function realPathOfFd(hostFd: number): string {
  return fs.readlinkSync(procFdPath(hostFd));
}

export function isInside(real: string, root: string): boolean {
  if (root === '/') return real.startsWith('/');
  return real === root || real.startsWith(`${root}/`);
}

/** Outcome of the component walk: the parent (relative to the base) and the final name. */
export interface ResolvedPath {
  /** Components from the base directory to the parent of the target. */
  parent: string[];
  /**
   * Final component, or '.' when the path names a directory itself: the base (`.`, `x/..`) or the
   * last of `parent` (`x/.`, `x/y/..`). Operations that create, remove or rename an entry refuse
   * '.' (a path ending in `.` or `..` names no entry of its parent), as the kernel does.
   */
  name: string;
  /** The path ended in `..` (name is '.'): rmdir says ENOTEMPTY for it, EINVAL for `.`. */
  finalDotDot?: boolean;
  /** The guest wrote a trailing slash: the target must be a directory. */
  mustBeDirectory: boolean;
  /** `parent.join('/')`, when the scan already had it. */
  parentKey?: string;
  /** lstat of the final component when the walk looked at it (saves the caller a syscall). */
  finalStat?: fs.Stats | fs.BigIntStats | null;
  /** Set when finalStat was taken through the pinned parent (so it may be returned to the guest). */
  finalStatPinned?: boolean;
  /**
   * Set when a `..` climbed above the descriptor the path was relative to and the walk went again
   * from the preopen's root (ClimbsAboveBase): the root's guest path. `parent` is then relative
   * to the root.
   */
  rebasedTo?: string;
}

/**
 * The components of a resolved path as a normalised guest-relative path, for audit records and
 * descriptor names (built only when needed: most calls never use it).
 */
export function displayOf(resolved: ResolvedPath): string {
  return resolved.parent.length === 0 ? resolved.name : `${resolved.parent.join('/')}/${resolved.name}`;
}

/**
 * A `..` climbed above the directory the walk started from. Where that directory is a preopen's
 * root (or the walk started there, `within` given), this is the preopen's boundary: the caller
 * refuses the path (ENOTCAPABLE). Below the root, the caller walks it again from the root.
 */
export class ClimbsAboveBase extends WasiError {
  constructor() {
    super(Errno.NOTCAPABLE, 'path climbs above its preopen');
  }
}

/**
 * What a path operation does with a symlink in the last position:
 * - 'follow': follows it (open and stat with the follow flag);
 * - 'nofollow': acts on the link, unless the path ends in a slash (`link/` names what the link
 *   points to, as lstat(2) takes it);
 * - 'entry': acts on the entry itself even with a trailing slash (create, remove, rename, link,
 *   symlink, unlink): the caller hands the slash to the kernel, which applies it to the entry
 *   (rmdir of `link/` is ENOTDIR, mkdir of `dangling/` EEXIST), as the same calls do natively;
 * - 'create': follows it as 'follow' does (path_open with O_CREAT), but a final name followed by
 *   a slash, which a followed link's target may end in, is not looked up: open(2) with O_CREAT
 *   says EISDIR for it without following it further (`s -> loop/` is not ELOOP).
 */
export type FinalSymlink = 'follow' | 'nofollow' | 'entry' | 'create';

/**
 * Walks `path` from the directory whose host location is `basePath` (a /proc/self/fd path).
 * `final` says what happens to a symlink in the last position. `within` are components below
 * `basePath` where the walk starts (a descriptor's place below its preopen's root, when the walk
 * goes again from the root); the result is then relative to `basePath`.
 */
export function resolveGuestPath(basePath: string, path: string, final: FinalSymlink, within: readonly string[] = []): ResolvedPath {
  checkGuestPath(path);
  let mustBeDirectory = path.endsWith('/');
  const queue = path.split('/').filter((c) => c.length > 0);
  const stack: string[] = [...within];
  let links = 0;
  let finalStat: fs.Stats | null | undefined;
  // The path (after symlinks) ends in `.` or `..`: it names the directory the walk stands in.
  let endsInDot: '.' | '..' | null = null;
  while (queue.length > 0) {
    const component = queue.shift()!;
    if (component === '.') {
      if (queue.length === 0) endsInDot = '.';
      continue;
    }
    if (component === '..') {
      if (stack.length === 0) throw new ClimbsAboveBase();
      stack.pop();
      if (queue.length === 0) endsInDot = '..';
      continue;
    }
    endsInDot = null;
    if (Buffer.byteLength(component) > 255) throw new WasiError(Errno.NAMETOOLONG);
    const isLast = queue.length === 0;
    const followLast = final === 'follow' || (final === 'nofollow' && mustBeDirectory) || (final === 'create' && !mustBeDirectory);
    if (!isLast || followLast) {
      const hostPath = [basePath, ...stack, component].join('/');
      let stat: fs.Stats | undefined;
      try {
        stat = fs.lstatSync(hostPath);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && isLast) {
          stack.push(component);
          finalStat = null;
          break;
        }
        throw error;
      }
      if (stat.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) throw new WasiError(Errno.LOOP, 'too many symbolic links');
        let target: string;
        try {
          target = fs.readlinkSync(hostPath);
        } catch (error) {
          // Replaced by something that is not a symlink since the lstat (a race): look at the
          // component again. Counted as a link, so a component that keeps changing ends in ELOOP.
          if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
          queue.unshift(component);
          continue;
        }
        if (target.startsWith('/')) throw new WasiError(Errno.NOTCAPABLE, 'symlink to an absolute path');
        if (target.length === 0) throw new WasiError(Errno.NOENT, 'empty symlink');
        if (isLast && target.endsWith('/')) mustBeDirectory = true;
        queue.unshift(...target.split('/').filter((c) => c.length > 0));
        continue;
      }
      if (!isLast && !stat.isDirectory()) throw new WasiError(Errno.NOTDIR);
      if (isLast) finalStat = stat;
    }
    stack.push(component);
  }
  const name = endsInDot !== null ? '.' : (stack.pop() ?? '.');
  const resolved: ResolvedPath = { parent: stack, name, mustBeDirectory };
  if (endsInDot === '..') resolved.finalDotDot = true;
  if (finalStat !== undefined && name !== '.') resolved.finalStat = finalStat;
  return resolved;
}

/**
 * The fast path for paths without `..`: the components are taken as they are and the kernel
 * resolves them while the parent is pinned. The pin proves the parent is inside the preopen, and
 * the caller uses it only when the parent's real location is literally the components below the
 * base (pinParentAsWritten), i.e. no symlink was followed: a symlink on the way (whose target
 * may climb out of the preopen and back, or probe what exists outside) sends the path through
 * the component walk. Returns null when the path has a `..` component (the component walk then
 * gives `..` its meaning after symlinks) or a `.` after a name (`x/.` names the directory x,
 * which must exist). Validation errors match the walk's.
 */
export function splitGuestPath(path: string): ResolvedPath | null {
  const length = path.length;
  checkGuestPath(path);
  // One scan, no split: this runs for nearly every path call.
  const parent: string[] = [];
  let name = '';
  let start = 0;
  // The parent's components joined are a prefix of the path when no empty or `.` component
  // precedes the name (kept as the cache key, saving a join).
  let clean = true;
  let nameStart = 0;
  // An empty component after the name (`f/`) says the name must be a directory, as the kernel's
  // own lookup would. A `.` after it (`f/.`, `f/./`) names the directory f itself, not an entry
  // called f: the component walk resolves those (f must exist and be a directory).
  let directoryMark = false;
  for (let i = 0; i <= length; i++) {
    if (i < length && path.charCodeAt(i) !== SLASH) continue;
    const size = i - start;
    if (size === 0 || (size === 1 && path.charCodeAt(start) === DOT)) {
      if (i < length) clean = false;
      if (name !== '') {
        if (size === 1) return null;
        directoryMark = true;
      }
    } else {
      directoryMark = false;
      if (size === 2 && path.charCodeAt(start) === DOT && path.charCodeAt(start + 1) === DOT) return null;
      const component = path.slice(start, i);
      // A UTF-16 unit is at most 3 UTF-8 bytes: only long components need their length measured.
      if (size > 85 && Buffer.byteLength(component) > 255) throw new WasiError(Errno.NAMETOOLONG);
      if (name !== '') parent.push(name);
      name = component;
      nameStart = start;
    }
    start = i + 1;
  }
  const resolved: ResolvedPath = { parent, name: name === '' ? '.' : name, mustBeDirectory: directoryMark || path.charCodeAt(length - 1) === SLASH };
  if (clean && parent.length > 0) resolved.parentKey = path.slice(0, nameStart - 1);
  return resolved;
}

/**
 * Opens the parent directory of a resolved path and checks that it really is inside `root`.
 * Returns a host descriptor that the caller must close, or throws ENOTCAPABLE. Returns -1 when
 * the parent is the base directory itself: its descriptor was verified when it was opened, so
 * `basePath` already pins it.
 */
export function pinParent(basePath: string, resolved: ResolvedPath, root: string): number {
  if (resolved.parent.length === 0) return -1;
  return pinVerified(basePath, resolved, root).fd;
}

/**
 * pinParent for a path taken as written (splitGuestPath), which the kernel resolved in one go:
 * `literal` says whether the parent's real location is exactly `<base's real location>/<its
 * components>`. Only then is it known that no symlink was followed on the way; otherwise the
 * kernel may have passed through directories outside the preopen (a `..`-target symlink), and
 * the component walk must decide instead.
 */
export function pinParentAsWritten(basePath: string, resolved: ResolvedPath, root: string): { fd: number; literal: boolean } {
  if (resolved.parent.length === 0) return { fd: -1, literal: true };
  const { fd, real } = pinVerified(basePath, resolved, root);
  let baseReal: string;
  try {
    baseReal = fs.readlinkSync(basePath);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  const key = resolved.parentKey ?? resolved.parent.join('/');
  return { fd, literal: real === (baseReal === '/' ? `/${key}` : `${baseReal}/${key}`) && !real.endsWith(' (deleted)') };
}

/** pinParent for a non-empty parent, with the real location it verified. */
function pinVerified(basePath: string, resolved: ResolvedPath, root: string): { fd: number; real: string } {
  const parentPath = `${basePath}/${resolved.parentKey ?? resolved.parent.join('/')}`;
  const fd = fs.openSync(parentPath, O_PATH | fs.constants.O_DIRECTORY);
  let real: string;
  try {
    real = realPathOfFd(fd);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  if (!isInside(real, root)) {
    fs.closeSync(fd);
    throw new WasiError(Errno.NOTCAPABLE, 'path leaves the preopen');
  }
  return { fd, real };
}

/**
 * Verified parent directories of one preopen, kept open between calls (a directory walk stats
 * every entry of a directory through the same parent: pinning it afresh each time cost an open,
 * a readlink and a close per call).
 *
 * INVARIANT: an entry is used only after its descriptor's real location has been read back
 * again (one readlink per call, as a fresh pin does) and found equal to the location it had when
 * it was verified, which is `<root>/<parent components>` literally: no symlink on the way and
 * not a deleted directory. The kernel reports a directory's current place in the tree, so a
 * directory renamed, removed, or moved away (by the guest or by anyone else) no longer matches
 * and is pinned afresh; and as long as it matches, the dentry at `<root>/<parent>` is that very
 * directory, so resolving the guest's components now reaches it too. An entry never vouches for
 * anything the fresh pin would not have verified at the same moment.
 */
export class PinnedParentCache {
  private readonly entries = new Map<string, { fd: number; real: string }>();
  /**
   * Key of the entry pin() returned last. INVARIANT: a WASI call holds at most two cached
   * parents at once (path_rename and path_link pin the target's while the source's is in use),
   * and the one still in use is the one returned last: eviction never closes it. Closing it
   * would free its descriptor number for the next open anywhere in the process (another thread,
   * another sandbox), and the source's `/proc/<pid>/fd/<n>/<name>` would then name an entry of
   * whatever directory got that number.
   */
  private lastKey: string | null = null;
  /**
   * Descriptors of entries dropped while possibly still in use (the entry returned last, found
   * moved when pinned again by the same call): closed at the next pin() or clear(), once that
   * call is over.
   */
  private readonly retired: number[] = [];

  constructor(private readonly root: string, private readonly capacity = 32) {}

  /**
   * The pinned parent of `resolved` below the preopen's own directory (`basePath`), from the
   * cache or freshly pinned. Returns -1 for the base itself; `owned` says the caller must close
   * the descriptor (it was not kept); `literal` that its real location is `<root>/<components>`
   * (see pinParentAsWritten: no symlink on the way).
   */
  pin(basePath: string, resolved: ResolvedPath): { fd: number; owned: boolean; literal: boolean } {
    if (resolved.parent.length === 0) return { fd: -1, owned: false, literal: true };
    if (this.retired.length > 0) this.closeRetired();
    const key = resolved.parentKey ?? resolved.parent.join('/');
    const hit = this.entries.get(key);
    if (hit) {
      let real: string | null = null;
      try {
        real = realPathOfFd(hit.fd);
      } catch {
        // Unreadable: treated as moved.
      }
      if (real === hit.real) {
        this.lastKey = key;
        return { fd: hit.fd, owned: false, literal: true };
      }
      this.entries.delete(key);
      if (key === this.lastKey) this.retired.push(hit.fd);
      else safeCloseFd(hit.fd);
    }
    const { fd, real } = pinVerified(basePath, resolved, this.root);
    const literal = this.root === '/' ? `/${key}` : `${this.root}/${key}`;
    if (real !== literal || real.endsWith(' (deleted)')) return { fd, owned: true, literal: false };
    if (this.entries.size >= this.capacity) {
      // The oldest entry that is not the one still in use (see lastKey).
      let oldest: string | undefined;
      for (const candidate of this.entries.keys()) {
        if (candidate !== this.lastKey) {
          oldest = candidate;
          break;
        }
      }
      if (oldest !== undefined) {
        safeCloseFd(this.entries.get(oldest)!.fd);
        this.entries.delete(oldest);
      } else {
        return { fd, owned: true, literal: true };
      }
    }
    this.entries.set(key, { fd, real });
    this.lastKey = key;
    return { fd, owned: false, literal: true };
  }

  /** Closes every kept descriptor. */
  clear(): void {
    for (const entry of this.entries.values()) safeCloseFd(entry.fd);
    this.entries.clear();
    this.closeRetired();
    this.lastKey = null;
  }

  private closeRetired(): void {
    for (const fd of this.retired) safeCloseFd(fd);
    this.retired.length = 0;
  }

  /** Number of kept descriptors (for tests). */
  get size(): number {
    return this.entries.size;
  }
}

function safeCloseFd(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}

/**
 * Host path of the final component, relative to a pinned parent descriptor. A name of `.` gives
 * `<link>/.`, the directory itself: the /proc descriptor link alone is a symlink whose target is
 * the directory's real host path (readlink would hand it to the guest).
 */
export function pinnedPath(parentFd: number, name: string): string {
  return `${procFdPath(parentFd)}/${name}`;
}

/**
 * Checks that a symlink target written by the guest at `linkParent` (components below the
 * preopen's root) would stay inside the preopen when followed (relative, and never climbing
 * above its root).
 */
export function symlinkTargetStaysInside(linkParent: string[], target: string): boolean {
  if (target.startsWith('/') || target.includes('\0')) return false;
  let depth = linkParent.length;
  for (const component of target.split('/')) {
    if (component === '' || component === '.') continue;
    if (component === '..') {
      depth -= 1;
      if (depth < 0) return false;
    } else depth += 1;
  }
  return true;
}
