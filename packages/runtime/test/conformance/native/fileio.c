// stdio modes, seeks, append, truncate, holes, pread/pwrite, open flags errors
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
static void dump(const char *p) {
  FILE *f = fopen(p, "rb"); if (!f) { printf("  dump %s: %s\n", p + strlen(D), en(errno)); return; }
  char b[256]; size_t n = fread(b, 1, sizeof b, f); fclose(f);
  printf("  [%zu] ", n); for (size_t i = 0; i < n; i++) putchar(b[i] >= 32 && b[i] < 127 ? b[i] : '.'); putchar('\n');
}
static long fsize(const char *p) { struct stat st; return stat(p, &st) < 0 ? -errno : (long)st.st_size; }
int main(int argc, char **argv) {
  init(argc, argv);
  const char *modes[] = {"r", "w", "a", "r+", "w+", "a+", "wx", "rb+", "ab", 0};
  for (int i = 0; modes[i]; i++) {
    char *p = pj(D, "m"); FILE *f;
    f = fopen(p, "w"); fputs("0123456789", f); fclose(f);
    errno = 0; f = fopen(p, modes[i]);
    printf("fopen %s: %s\n", modes[i], f ? "ok" : en(errno));
    if (!f) continue;
    printf("  ftell=%ld\n", ftell(f));
    char b[32] = {0}; size_t n = fread(b, 1, 4, f); printf("  fread4=%zu '%s' err=%d\n", n, b, ferror(f)); clearerr(f);
    fseek(f, 2, SEEK_SET); n = fwrite("AB", 1, 2, f); int fl = fflush(f); printf("  fwrite@2=%zu flush=%d err=%d ftell=%ld\n", n, fl, ferror(f), ftell(f)); clearerr(f);
    fseek(f, 0, SEEK_SET); n = fread(b, 1, 20, f); b[n] = 0; printf("  reread=%zu '%s'\n", n, b); clearerr(f);
    fseek(f, 0, SEEK_END); printf("  end=%ld\n", ftell(f));
    fclose(f); dump(p);
  }
  // append semantics with two descriptors
  char *ap = pj(D, "ap");
  int a1 = open(ap, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644), a2 = open(ap, O_WRONLY | O_APPEND);
  write(a1, "one", 3); write(a2, "two", 3); write(a1, "three", 5);
  R("lseek cur a1", lseek(a1, 0, SEEK_CUR)); R("lseek cur a2", lseek(a2, 0, SEEK_CUR));
  lseek(a1, 0, SEEK_SET); write(a1, "X", 1); R("after seek0+write, cur", lseek(a1, 0, SEEK_CUR));
  R("pwrite on O_APPEND at 0", pwrite(a1, "P", 1, 0));
  close(a1); close(a2); dump(ap);
  // fcntl F_SETFL O_APPEND
  int g = open(ap, O_RDWR); printf("fcntl getfl: %s\n", acc(fcntl(g, F_GETFL)));
  R("fcntl setfl append", fcntl(g, F_SETFL, O_APPEND)); write(g, "Z", 1); printf("getfl now: %s\n", acc(fcntl(g, F_GETFL))); close(g); dump(ap);
  // holes, truncate
  char *hp = pj(D, "hole");
  int h = open(hp, O_RDWR | O_CREAT | O_TRUNC, 0644);
  R("lseek 100000", lseek(h, 100000, SEEK_SET)); R("write", write(h, "end", 3));
  R("fsize", fsize(hp));
  char z[8]; R("pread hole", pread(h, z, 8, 50000)); printf("  zeros=%d\n", z[0] == 0 && z[7] == 0);
  R("pread past end", pread(h, z, 8, 200000));
  R("ftruncate 10", ftruncate(h, 10)); R("fsize", fsize(hp)); R("cur after trunc", lseek(h, 0, SEEK_CUR));
  R("read at cur (past end)", read(h, z, 8));
  R("ftruncate grow 5000", ftruncate(h, 5000)); R("fsize", fsize(hp));
  R("ftruncate -1", ftruncate(h, -1));
  R("lseek -1", lseek(h, -1, SEEK_SET)); R("lseek end-20", lseek(h, -20, SEEK_END)); R("lseek bad whence", lseek(h, 0, 7));
  R("truncate path 3", truncate(hp, 3)); R("fsize", fsize(hp));
  R("truncate dir", truncate(pj(D, "a"), 0));
  R("truncate ro", truncate(pj(RO, "rf"), 0));
  R("posix_fallocate", posix_fallocate(h, 0, 9000)); R("fsize", fsize(hp));
  struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
  R("pwritev", pwritev(h, iov, 3, 1)); R("writev", writev(h, iov, 3));
  char r1[3], r2[4]; struct iovec riov[2] = {{r1, 3}, {r2, 4}}; R("preadv", preadv(h, riov, 2, 0));
  printf("  %.3s|%.4s\n", r1, r2);
  close(h);
  // fstat types
  struct stat st; int d = open(pj(D, "a"), O_RDONLY | O_DIRECTORY);
  R("fstat dir", fstat(d, &st)); printf("  isdir=%d\n", S_ISDIR(st.st_mode));
  R("read on dir", read(d, z, 1)); R("write on dir", write(d, "x", 1)); R("lseek on dir", lseek(d, 0, SEEK_SET)); close(d);
  R("fstat stdin", fstat(0, &st)); R("fstat stdout", fstat(1, &st));
  R("lseek stdout", lseek(1, 0, SEEK_CUR));
  // flag errors
  F("O_EXCL existing", open(pj(D, "f1"), O_WRONLY | O_CREAT | O_EXCL, 0644));
  F("O_EXCL symlink", open(pj(D, "link_f1"), O_WRONLY | O_CREAT | O_EXCL, 0644));
  F("O_EXCL dangling", open(pj(D, "dangling"), O_WRONLY | O_CREAT | O_EXCL, 0644));
  F("O_CREAT dangling (creates target)", open(pj(D, "dangling"), O_WRONLY | O_CREAT, 0644)); R("nowhere size", fsize(pj(D, "nowhere")));
  F("O_DIRECTORY on file", open(pj(D, "f1"), O_RDONLY | O_DIRECTORY));
  F("O_NOFOLLOW on symlink", open(pj(D, "link_f1"), O_RDONLY | O_NOFOLLOW));
  F("O_NOFOLLOW on symlink dir", open(pj(D, "link_ab"), O_RDONLY | O_NOFOLLOW | O_DIRECTORY));
  F("O_NOFOLLOW intermediate symlink", open(pj(D, "link_ab/c/f3"), O_RDONLY | O_NOFOLLOW));
  F("O_WRONLY dir", open(pj(D, "a"), O_WRONLY));
  F("O_RDWR dir", open(pj(D, "a"), O_RDWR));
  F("O_RDONLY dir", open(pj(D, "a"), O_RDONLY));
  F("O_CREAT dir", open(pj(D, "a"), O_RDONLY | O_CREAT, 0644));
  F("O_CREAT|O_DIRECTORY new", open(pj(D, "newd"), O_RDONLY | O_CREAT | O_DIRECTORY, 0644));
  F("O_TRUNC rdonly", open(pj(D, "ten"), O_RDONLY | O_TRUNC)); R("ten size", fsize(pj(D, "ten")));
  F("file/ open", open(pj(D, "f1/"), O_RDONLY));
  F("file/x open", open(pj(D, "f1/x"), O_RDONLY));
  F("new/ creat", open(pj(D, "newf/"), O_WRONLY | O_CREAT, 0644));
  F("missing dir creat", open(pj(D, "nod/x"), O_WRONLY | O_CREAT, 0644));
  F("ro write", open(pj(RO, "rf"), O_WRONLY));
  F("ro creat", open(pj(RO, "new"), O_WRONLY | O_CREAT, 0644));
  R("ro write, then write through it", ({ int w = open(pj(RO, "rf"), O_WRONLY); long r = w < 0 ? -1 : write(w, "x", 1); if (w >= 0) close(w); r; }));
  F("ro rdonly", open(pj(RO, "rf"), O_RDONLY));
  F("ro read-only creat existing", open(pj(RO, "rf"), O_RDONLY | O_CREAT, 0644));
  F("empty path", open("", O_RDONLY));
  F("outside path", open("/etc/passwd", O_RDONLY));
  R("write-only then read", ({ int w = open(pj(D, "f1"), O_WRONLY); char c; long r = read(w, &c, 1); close(w); r; }));
  R("read-only then write", ({ int w = open(pj(D, "f1"), O_RDONLY); long r = write(w, "c", 1); close(w); r; }));
  R("close twice", ({ int w = open(pj(D, "f1"), O_RDONLY); close(w); close(w); }));
  R("read bad fd", read(99, z, 1));
  // fopen "r" on directory then fread
  FILE *df = fopen(pj(D, "a"), "r"); printf("fopen dir r: %s\n", df ? "ok" : en(errno));
  if (df) { errno = 0; size_t n = fread(z, 1, 1, df); printf("  fread dir: %zu %s\n", n, en(errno)); fclose(df); }
  df = fopen(pj(D, "a"), "w"); printf("fopen dir w: %s\n", df ? "ok" : en(errno));
  return 0;
}
