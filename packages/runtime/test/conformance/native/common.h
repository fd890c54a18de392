/* Shared by the native-parity programs (test/native-parity.test.ts): each is built for wasm32-wasi
 * and natively, run on the same tree (tree.json) with the data and read-only directories as
 * argv[1] and argv[2], and prints one line per check. (fsops.c, the file-system fuzzer's
 * interpreter, takes only en() from here.) Output must hold nothing host-specific:
 * no times, inode numbers, pids or descriptor numbers (natively the first free descriptor is 3,
 * under wasi-libc 5, after the two preopens), and paths only below argv[1] and argv[2], which
 * the test maps back to /data and /ro. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
static const char *en(int e) {
  switch (e) {
#define C(x) case x: return #x;
  C(EPERM) C(ENOENT) C(EIO) C(EBADF) C(EAGAIN) C(ENOMEM) C(EACCES) C(EFAULT) C(EBUSY) C(EEXIST)
  C(EXDEV) C(ENODEV) C(ENOTDIR) C(EISDIR) C(EINVAL) C(ENFILE) C(EMFILE) C(ENOTTY) C(EFBIG) C(ENOSPC)
  C(ESPIPE) C(EROFS) C(EMLINK) C(EPIPE) C(ERANGE) C(ENAMETOOLONG) C(ENOSYS) C(ENOTEMPTY) C(ELOOP)
  C(EOVERFLOW) C(ENOTSUP) C(ETXTBSY) C(EILSEQ)
#ifdef ENOTCAPABLE
  C(ENOTCAPABLE)
#endif
#undef C
  case 0: return "OK";
  }
  static char buf[32]; snprintf(buf, sizeof buf, "E%d", e); return buf;
}
/* R(label, expr): expr returns <0 on error; prints the result or the errno's name. */
#define R(label, expr) do { errno = 0; long long _r = (long long)(expr); printf("%s: %s%s", label, _r < 0 ? "-1 " : "", _r < 0 ? en(errno) : "ok"); if (_r >= 0) printf(" (%lld)", _r); printf("\n"); } while (0)
/* F(label, expr): expr returns a new descriptor; prints "ok (fd)" without its number and closes it. */
#define F(label, expr) do { errno = 0; int _fd = (expr); int _e = errno; if (_fd >= 0) { printf("%s: ok (fd)\n", label); close(_fd); } else printf("%s: -1 %s\n", label, en(_e)); } while (0)
/* acc(F_GETFL result): the access mode and append flag by name (their values differ between Linux and wasi-libc). */
static const char *acc(int f) {
  static char b[32]; int a = f & O_ACCMODE;
  snprintf(b, sizeof b, "%s%s", a == O_RDONLY ? "rdonly" : a == O_WRONLY ? "wronly" : a == O_RDWR ? "rdwr" : "?", f & O_APPEND ? "|append" : "");
  return b;
}
static char D[4096], RO[4096];
static char *pj(const char *a, const char *b) { static char bufs[8][4096]; static int i; char *o = bufs[i++ & 7]; snprintf(o, 4096, "%s/%s", a, b); return o; }
static void init(int argc, char **argv) { setvbuf(stdout, NULL, _IOLBF, 0); if (argc < 3) { fprintf(stderr, "usage: %s DATA RO\n", argv[0]); exit(2); } strcpy(D, argv[1]); strcpy(RO, argv[2]); }
