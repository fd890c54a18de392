// Constants and struct layouts of WASI preview1 (witx `wasi_snapshot_preview1`) and the older
// `wasi_unstable` (snapshot 0), which differs in fd_seek's whence values, the filestat layout
// (nlink is u32) and the subscription layout (an extra `identifier` field in clock subscriptions).

export const Filetype = {
  UNKNOWN: 0, BLOCK_DEVICE: 1, CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4,
  SOCKET_DGRAM: 5, SOCKET_STREAM: 6, SYMBOLIC_LINK: 7,
} as const;

export const Rights = {
  FD_DATASYNC: 1n << 0n, FD_READ: 1n << 1n, FD_SEEK: 1n << 2n, FD_FDSTAT_SET_FLAGS: 1n << 3n, FD_SYNC: 1n << 4n,
  FD_TELL: 1n << 5n, FD_WRITE: 1n << 6n, FD_ADVISE: 1n << 7n, FD_ALLOCATE: 1n << 8n,
  PATH_CREATE_DIRECTORY: 1n << 9n, PATH_CREATE_FILE: 1n << 10n, PATH_LINK_SOURCE: 1n << 11n,
  PATH_LINK_TARGET: 1n << 12n, PATH_OPEN: 1n << 13n, FD_READDIR: 1n << 14n, PATH_READLINK: 1n << 15n,
  PATH_RENAME_SOURCE: 1n << 16n, PATH_RENAME_TARGET: 1n << 17n, PATH_FILESTAT_GET: 1n << 18n,
  PATH_FILESTAT_SET_SIZE: 1n << 19n, PATH_FILESTAT_SET_TIMES: 1n << 20n, FD_FILESTAT_GET: 1n << 21n,
  FD_FILESTAT_SET_SIZE: 1n << 22n, FD_FILESTAT_SET_TIMES: 1n << 23n, PATH_SYMLINK: 1n << 24n,
  PATH_REMOVE_DIRECTORY: 1n << 25n, PATH_UNLINK_FILE: 1n << 26n, POLL_FD_READWRITE: 1n << 27n,
  SOCK_SHUTDOWN: 1n << 28n, SOCK_ACCEPT: 1n << 29n,
} as const;

export const ALL_RIGHTS = (1n << 30n) - 1n;

export const FdFlags = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
export const OFlags = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
export const LOOKUP_SYMLINK_FOLLOW = 1;
export const FstFlags = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;
export const ClockId = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME_ID: 2, THREAD_CPUTIME_ID: 3 } as const;
export const EventType = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;
export const SUBCLOCK_ABSTIME = 1;
export const EVENTRWFLAGS_HANGUP = 1;
export const PREOPENTYPE_DIR = 0;
export const RiFlags = { RECV_PEEK: 1, RECV_WAITALL: 2 } as const;
export const SdFlags = { RD: 1, WR: 2 } as const;
export const ADVICE_MAX = 5;
/** Highest signal number of witx `$signal` (sys). */
export const SIGNAL_MAX = 30;

/** The two WASI preview1 namespaces and their layout differences. */
export interface WasiFlavor {
  readonly namespace: 'wasi_snapshot_preview1' | 'wasi_unstable';
  readonly whence: { readonly set: number; readonly cur: number; readonly end: number };
  readonly filestatSize: number;
  readonly subscriptionSize: number;
  /** Offset of the clock id, timeout, precision and flags inside a clock subscription. */
  readonly clockOffsets: { readonly id: number; readonly timeout: number; readonly precision: number; readonly flags: number };
}

export const PREVIEW1: WasiFlavor = {
  namespace: 'wasi_snapshot_preview1',
  whence: { set: 0, cur: 1, end: 2 },
  filestatSize: 64,
  subscriptionSize: 48,
  clockOffsets: { id: 16, timeout: 24, precision: 32, flags: 40 },
};

export const SNAPSHOT0: WasiFlavor = {
  namespace: 'wasi_unstable',
  whence: { cur: 0, end: 1, set: 2 },
  filestatSize: 56,
  subscriptionSize: 56,
  clockOffsets: { id: 24, timeout: 32, precision: 40, flags: 48 },
};

export const FDSTAT_SIZE = 24;
export const PRESTAT_SIZE = 8;
export const DIRENT_HEADER_SIZE = 24;
export const EVENT_SIZE = 32;
export const IOVEC_SIZE = 8;
