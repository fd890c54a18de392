// fcntl append toggling, freopen, fsync variants, directory fds with .., reading a dir fd after rename
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
static void dump(const char *label, const char *p) {
  int fd = open(p, O_RDONLY); char b[128]; ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof b); if (fd >= 0) close(fd);
  if (n < 0) printf("%s: %s\n", label, en(errno)); else { if (n && b[n-1] == '\n') n--; printf("%s: [%.*s]\n", label, (int)n, b); }
}
int main(int argc, char **argv) {
  init(argc, argv);
  char *p = pj(D, "ap");
  int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
  write(fd, "abc", 3);
  R("F_SETFL 0 (clear append)", fcntl(fd, F_SETFL, 0));
  R("lseek 0", lseek(fd, 0, SEEK_SET));
  R("write X", write(fd, "X", 1));
  R("pos", lseek(fd, 0, SEEK_CUR));
  close(fd); dump("after clearing append", p);
  fd = open(p, O_RDWR);
  R("F_SETFL APPEND", fcntl(fd, F_SETFL, O_APPEND)); R("write Y", write(fd, "Y", 1)); R("pos", lseek(fd, 0, SEEK_CUR));
  R("pwrite Z@0 on now-append fd", pwrite(fd, "Z", 1, 0));
  close(fd); dump("after setting append", p);
  fd = open(p, O_WRONLY | O_APPEND); R("ftruncate append fd", ftruncate(fd, 2)); R("write W", write(fd, "W", 1)); close(fd); dump("after trunc", p);
  // O_TRUNC on open with append
  fd = open(p, O_WRONLY | O_APPEND | O_TRUNC); R("write after O_TRUNC|O_APPEND", write(fd, "T", 1)); close(fd); dump("trunc-append", p);
  // fsync family
  fd = open(pj(D, "f1"), O_RDONLY); R("fsync rdonly file", fsync(fd)); R("fdatasync rdonly file", fdatasync(fd)); close(fd);
  fd = open(pj(D, "a"), O_RDONLY | O_DIRECTORY); R("fsync dir", fsync(fd)); close(fd);
  fd = open(pj(RO, "rf"), O_RDONLY); R("fsync ro file", fsync(fd)); close(fd);
  fd = open(pj(RO, "rdir"), O_RDONLY | O_DIRECTORY); R("fsync ro dir", fsync(fd)); close(fd);
  R("fsync stdout", fsync(1));
  // directory descriptors and ..
  int ab = open(pj(D, "a/b"), O_RDONLY | O_DIRECTORY);
  struct stat st;
  R("fstatat(ab, ..)", fstatat(ab, "..", &st, 0));
  R("fstatat(ab, ../f2)", fstatat(ab, "../f2", &st, 0));
  R("fstatat(ab, ../../f1)", fstatat(ab, "../../f1", &st, 0));
  R("fstatat(ab, ../../..) above root", fstatat(ab, "../../..", &st, 0));
  F("openat(ab, ../../ten)", openat(ab, "../../ten", O_RDONLY));
  R("mkdirat(ab, ../newd)", mkdirat(ab, "../newd", 0777));
  R("renameat(ab, ../newd -> ../../newd2)", renameat(ab, "../newd", ab, "../../newd2"));
  R("symlinkat(ab, ../../f1 as ../../sl)", symlinkat("f1", ab, "../../sl"));
  R("symlinkat(ab, target ../../ten at c/sl2)", symlinkat("../../ten", ab, "c/sl2"));
  dump("read c/sl2", pj(D, "a/b/c/sl2"));
  R("symlinkat(ab, target ../../../x at c/sl3)", symlinkat("../../../x", ab, "c/sl3"));
  R("unlinkat(ab, ../../sl)", unlinkat(ab, "../../sl", 0));
  R("unlinkat(ab, ../../newd2, REMOVEDIR)", unlinkat(ab, "../../newd2", AT_REMOVEDIR));
  R("linkat(ab, ../f2 -> ../../f2link)", linkat(ab, "../f2", ab, "../../f2link", 0));
  // dir renamed while fd open
  R("rename a -> a_moved", rename(pj(D, "a"), pj(D, "a_moved")));
  R("fstatat(ab, c/f3) after parent renamed", fstatat(ab, "c/f3", &st, 0));
  R("fstatat(ab, ../f2) after parent renamed", fstatat(ab, "../f2", &st, 0));
  F("openat(ab, ../../a_moved/f2)", openat(ab, "../../a_moved/f2", O_RDONLY));
  DIR *d = fdopendir(ab); int n = 0; struct dirent *e; while ((e = readdir(d))) n++; printf("readdir ab after rename: %d\n", n);
  // dir removed while fd open
  int em = open(pj(D, "empty"), O_RDONLY | O_DIRECTORY);
  R("rmdir empty while open", rmdir(pj(D, "empty")));
  R("fstatat(removed, .)", fstatat(em, ".", &st, 0));
  F("openat(removed, x, CREAT)", openat(em, "x", O_WRONLY | O_CREAT, 0644));
  R("fstatat(removed, ..)", fstatat(em, "..", &st, 0));
  R("mkdirat(removed, sub)", mkdirat(em, "sub", 0777));
  // freopen stdout to a file
  FILE *f = freopen(pj(D, "stdout.txt"), "w", stdout);
  if (!f) { fprintf(stderr, "freopen: %s\n", en(errno)); return 1; }
  printf("to file\n"); fflush(stdout);
  f = freopen(pj(D, "ten"), "r", stdin); char b[16] = {0}; fgets(b, sizeof b, stdin); fprintf(stderr, "stdin now: %s\n", b);
  return 0;
}
