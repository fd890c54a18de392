// WASI preview1 errno values (witx `$errno`, identical in wasi_unstable) and the mapping from
// Node's system error codes to them. A host error never reaches the guest as an exception: it
// becomes one of these numbers.

export const ERRNO_NAMES = [
  'success', '2big', 'acces', 'addrinuse', 'addrnotavail', 'afnosupport', 'again', 'already', 'badf',
  'badmsg', 'busy', 'canceled', 'child', 'connaborted', 'connrefused', 'connreset', 'deadlk', 'destaddrreq',
  'dom', 'dquot', 'exist', 'fault', 'fbig', 'hostunreach', 'idrm', 'ilseq', 'inprogress', 'intr', 'inval', 'io',
  'isconn', 'isdir', 'loop', 'mfile', 'mlink', 'msgsize', 'multihop', 'nametoolong', 'netdown', 'netreset',
  'netunreach', 'nfile', 'nobufs', 'nodev', 'noent', 'noexec', 'nolck', 'nolink', 'nomem', 'nomsg',
  'noprotoopt', 'nospc', 'nosys', 'notconn', 'notdir', 'notempty', 'notrecoverable', 'notsock', 'notsup',
  'notty', 'nxio', 'overflow', 'ownerdead', 'perm', 'pipe', 'proto', 'protonosupport', 'prototype', 'range',
  'rofs', 'spipe', 'srch', 'stale', 'timedout', 'txtbsy', 'xdev', 'notcapable',
] as const;

export type ErrnoName = (typeof ERRNO_NAMES)[number];

export const Errno = Object.fromEntries(ERRNO_NAMES.map((name, index) => [name.toUpperCase(), index])) as {
  readonly [K in ErrnoName as Uppercase<K>]: number;
};

export function errnoName(errno: number): ErrnoName | 'unknown' {
  return ERRNO_NAMES[errno] ?? 'unknown';
}

/** Thrown inside a WASI function to return an errno; caught by the call wrapper, never seen by the guest. */
export class WasiError extends Error {
  constructor(readonly errno: number, message?: string) {
    super(message ?? errnoName(errno));
  }
}

const NODE_CODES: Record<string, number> = {
  E2BIG: Errno['2BIG'], EACCES: Errno.ACCES, EADDRINUSE: Errno.ADDRINUSE, EADDRNOTAVAIL: Errno.ADDRNOTAVAIL,
  EAFNOSUPPORT: Errno.AFNOSUPPORT, EAGAIN: Errno.AGAIN, EALREADY: Errno.ALREADY, EBADF: Errno.BADF,
  EBUSY: Errno.BUSY, ECANCELED: Errno.CANCELED, ECONNABORTED: Errno.CONNABORTED, ECONNREFUSED: Errno.CONNREFUSED,
  ECONNRESET: Errno.CONNRESET, EDQUOT: Errno.DQUOT, EEXIST: Errno.EXIST, EFAULT: Errno.FAULT, EFBIG: Errno.FBIG,
  EHOSTUNREACH: Errno.HOSTUNREACH, EINTR: Errno.INTR, EINVAL: Errno.INVAL, EIO: Errno.IO, EISDIR: Errno.ISDIR,
  ELOOP: Errno.LOOP, EMFILE: Errno.MFILE, EMLINK: Errno.MLINK, ENAMETOOLONG: Errno.NAMETOOLONG,
  ENFILE: Errno.NFILE, ENOBUFS: Errno.NOBUFS, ENODEV: Errno.NODEV, ENOENT: Errno.NOENT, ENOMEM: Errno.NOMEM,
  ENOSPC: Errno.NOSPC, ENOSYS: Errno.NOSYS, ENOTCONN: Errno.NOTCONN, ENOTDIR: Errno.NOTDIR,
  ENOTEMPTY: Errno.NOTEMPTY, ENOTSOCK: Errno.NOTSOCK, ENOTSUP: Errno.NOTSUP, EOPNOTSUPP: Errno.NOTSUP,
  ENOTTY: Errno.NOTTY, ENXIO: Errno.NXIO, EOVERFLOW: Errno.OVERFLOW, EPERM: Errno.PERM, EPIPE: Errno.PIPE,
  ERANGE: Errno.RANGE, EROFS: Errno.ROFS, ESPIPE: Errno.SPIPE, ETIMEDOUT: Errno.TIMEDOUT, ETXTBSY: Errno.TXTBSY,
  EXDEV: Errno.XDEV,
};

/** Maps a thrown host error to an errno; anything unrecognised is EIO. */
export function errnoFromHostError(error: unknown): number {
  if (error instanceof WasiError) return error.errno;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (code !== undefined ? NODE_CODES[code] : undefined) ?? Errno.IO;
}
