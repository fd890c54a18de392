// symlink/readlink/lstat, hard links/nlink, access/faccessat, utimensat/futimens
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
static void st(const char *label, const char *p, int flags) {
  struct stat s; errno = 0;
  int r = fstatat(AT_FDCWD, p, &s, flags);
  if (r < 0) { printf("%s: %s\n", label, en(errno)); return; }
  printf("%s: %s size=%lld nlink=%d\n", label, S_ISREG(s.st_mode) ? "reg" : S_ISDIR(s.st_mode) ? "dir" : S_ISLNK(s.st_mode) ? "lnk" : "?", (long long)s.st_size, S_ISDIR(s.st_mode) ? 0 : (int)s.st_nlink);
}
static void rl(const char *label, const char *p) {
  char b[4096]; errno = 0; ssize_t n = readlink(p, b, sizeof b);
  if (n < 0) printf("%s: %s\n", label, en(errno)); else printf("%s: '%.*s'\n", label, (int)n, b);
}
int main(int argc, char **argv) {
  init(argc, argv);
  rl("readlink link_f1", pj(D, "link_f1"));
  rl("readlink dangling", pj(D, "dangling"));
  rl("readlink file", pj(D, "f1"));
  rl("readlink missing", pj(D, "nope"));
  rl("readlink a/up_f1", pj(D, "a/up_f1"));
  rl("readlink link_ab/ (trailing slash)", pj(D, "link_ab/"));
  { char b[3]; R("readlink short buf", readlink(pj(D, "link_ab"), b, 2)); }
  st("lstat link_f1", pj(D, "link_f1"), AT_SYMLINK_NOFOLLOW);
  st("stat link_f1", pj(D, "link_f1"), 0);
  st("stat dangling", pj(D, "dangling"), 0);
  st("lstat dangling", pj(D, "dangling"), AT_SYMLINK_NOFOLLOW);
  st("stat link_ab/", pj(D, "link_ab/"), AT_SYMLINK_NOFOLLOW);
  st("stat f1/", pj(D, "f1/"), 0);
  st("stat a/up_f1", pj(D, "a/up_f1"), 0);
  R("symlink rel sibling", symlink("f2", pj(D, "a/s_f2")));
  st("stat a/s_f2", pj(D, "a/s_f2"), 0);
  R("symlink to ../ten", symlink("../ten", pj(D, "a/b/s_ten")));
  st("stat a/b/s_ten", pj(D, "a/b/s_ten"), 0);
  R("symlink ../../x from a (escapes)", symlink("../../x", pj(D, "a/s_out")));
  R("symlink absolute", symlink("/data/f1", pj(D, "s_abs")));
  R("symlink existing", symlink("f1", pj(D, "f1")));
  R("symlink dangling new", symlink("does/not/exist", pj(D, "s_dang")));
  R("symlink to dir then use", symlink("a/b", pj(D, "s_dir")));
  st("stat s_dir/c/f3", pj(D, "s_dir/c/f3"), 0);
  R("symlink chain", (symlink("s_dir", pj(D, "s_chain")), symlink("s_chain/c", pj(D, "s_chain2"))));
  st("stat s_chain2/f3", pj(D, "s_chain2/f3"), 0);
  R("symlink loop", (symlink("loop2", pj(D, "loop1")), symlink("loop1", pj(D, "loop2"))));
  st("stat loop1", pj(D, "loop1"), 0);
  F("open loop1", open(pj(D, "loop1"), O_RDONLY));
  R("symlink in ro", symlink("rf", pj(RO, "s")));
  R("symlink empty target", symlink("", pj(D, "s_empty")));
  R("symlink target with trailing slash to file", symlink("f1/", pj(D, "s_f1slash")));
  st("stat s_f1slash", pj(D, "s_f1slash"), 0);
  R("unlink symlink to dir", unlink(pj(D, "s_dir")));
  st("a/b still", pj(D, "a/b"), 0);
  // hard links
  R("link f1 -> hl", link(pj(D, "f1"), pj(D, "hl")));
  st("stat f1", pj(D, "f1"), 0);
  R("link to existing", link(pj(D, "f1"), pj(D, "ten")));
  R("link dir", link(pj(D, "a"), pj(D, "adir")));
  R("link symlink (no follow)", link(pj(D, "link_f1"), pj(D, "hl_link")));
  st("lstat hl_link", pj(D, "hl_link"), AT_SYMLINK_NOFOLLOW);
  R("linkat FOLLOW symlink", linkat(AT_FDCWD, pj(D, "link_f1"), AT_FDCWD, pj(D, "hl_follow"), AT_SYMLINK_FOLLOW));
  st("lstat hl_follow", pj(D, "hl_follow"), AT_SYMLINK_NOFOLLOW);
  st("stat f1 (nlink)", pj(D, "f1"), 0);
  R("link from ro", link(pj(RO, "rf"), pj(D, "hl_ro")));
  R("link missing", link(pj(D, "nope"), pj(D, "hl2")));
  R("unlink hl", unlink(pj(D, "hl"))); st("stat f1", pj(D, "f1"), 0);
  { int fd = open(pj(D, "f1"), O_RDONLY); unlink(pj(D, "hl_follow")); struct stat s; fstat(fd, &s); printf("fstat nlink after unlinks: %d\n", (int)s.st_nlink); close(fd); }
  { int fd = open(pj(D, "tmpx"), O_RDWR | O_CREAT, 0644); write(fd, "abc", 3); R("unlink open file", unlink(pj(D, "tmpx"))); struct stat s; fstat(fd, &s); printf("  nlink=%d size=%lld\n", (int)s.st_nlink, (long long)s.st_size); char b[4] = {0}; R("pread unlinked", pread(fd, b, 3, 0)); printf("  %s\n", b); close(fd); }
  // access
  R("access f1 F_OK", access(pj(D, "f1"), F_OK));
  R("access f1 R_OK", access(pj(D, "f1"), R_OK));
  R("access f1 W_OK", access(pj(D, "f1"), W_OK));
  R("access f1 X_OK", access(pj(D, "f1"), X_OK));
  R("access dir X_OK", access(pj(D, "a"), X_OK));
  R("access missing", access(pj(D, "nope"), F_OK));
  R("access dangling", access(pj(D, "dangling"), F_OK));
  R("access ro R_OK", access(pj(RO, "rf"), R_OK));
  R("access ro W_OK", access(pj(RO, "rf"), W_OK));
  R("access ro dir W_OK", access(pj(RO, "rdir"), W_OK));
  R("faccessat NOFOLLOW dangling", faccessat(AT_FDCWD, pj(D, "dangling"), F_OK, AT_SYMLINK_NOFOLLOW));
  R("access bad mode", access(pj(D, "f1"), 0x40));
  // times
  // Times in whole microseconds, which wsbc keeps (docs/runtime.md); "utimensat ns" checks nanoseconds.
  struct timespec ts[2] = {{1000000000, 1000}, {1200000000, 123456000}};
  R("utimensat set", utimensat(AT_FDCWD, pj(D, "f1"), ts, 0));
  { struct stat s; stat(pj(D, "f1"), &s); printf("  atime=%lld.%09ld mtime=%lld.%09ld\n", (long long)s.st_atim.tv_sec, s.st_atim.tv_nsec, (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec); }
  struct timespec om[2] = {{0, UTIME_OMIT}, {1300000000, 0}};
  R("utimensat omit atime", utimensat(AT_FDCWD, pj(D, "f1"), om, 0));
  { struct stat s; stat(pj(D, "f1"), &s); printf("  atime=%lld.%09ld mtime=%lld.%09ld\n", (long long)s.st_atim.tv_sec, s.st_atim.tv_nsec, (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec); }
  struct timespec nw[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
  R("utimensat now atime", utimensat(AT_FDCWD, pj(D, "f1"), nw, 0));
  { struct stat s; stat(pj(D, "f1"), &s); time_t now = time(0); printf("  atime recent=%d mtime=%lld.%09ld\n", (long long)s.st_atim.tv_sec > now - 100, (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec); }
  R("utimensat NULL", utimensat(AT_FDCWD, pj(D, "ten"), NULL, 0));
  { struct stat s; stat(pj(D, "ten"), &s); time_t now = time(0); printf("  m recent=%d\n", (long long)s.st_mtim.tv_sec > now - 100); }
  R("utimensat nofollow symlink", utimensat(AT_FDCWD, pj(D, "link_f1"), ts, AT_SYMLINK_NOFOLLOW));
  { struct stat s; lstat(pj(D, "link_f1"), &s); printf("  link mtime=%lld.%09ld\n", (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec); stat(pj(D, "f1"), &s); printf("  target mtime=%lld\n", (long long)s.st_mtim.tv_sec); }
  R("utimensat follow symlink", utimensat(AT_FDCWD, pj(D, "link_f1"), ts, 0));
  { struct stat s; stat(pj(D, "f1"), &s); printf("  target mtime=%lld.%09ld\n", (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec); }
  { int fd = open(pj(D, "a/f2"), O_RDONLY); R("futimens on rdonly fd", futimens(fd, ts)); struct stat s; fstat(fd, &s); printf("  mtime=%lld.%09ld\n", (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec); close(fd); }
  { int fd = open(pj(D, "a"), O_RDONLY | O_DIRECTORY); R("futimens on dir fd", futimens(fd, ts)); struct stat s; fstat(fd, &s); printf("  mtime=%lld.%09ld\n", (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec); close(fd); }
  struct timespec ns[2] = {{1000000000, 500}, {1200000000, 123456789}};
  R("utimensat ns", utimensat(AT_FDCWD, pj(D, "f1"), ns, 0));
  { struct stat s; stat(pj(D, "f1"), &s); printf("  atime=%lld.%09ld mtime=%lld.%09ld\n", (long long)s.st_atim.tv_sec, s.st_atim.tv_nsec, (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec); }
  struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
  R("utimensat bad nsec", utimensat(AT_FDCWD, pj(D, "f1"), bad, 0));
  R("utimensat ro", utimensat(AT_FDCWD, pj(RO, "rf"), ts, 0));
  R("utimensat missing", utimensat(AT_FDCWD, pj(D, "nope"), ts, 0));
  struct timespec neg[2] = {{-5, 0}, {-1, 999999999}};
  R("utimensat negative", utimensat(AT_FDCWD, pj(D, "ten"), neg, 0));
  { struct stat s; stat(pj(D, "ten"), &s); printf("  atime=%lld.%09ld mtime=%lld.%09ld\n", (long long)s.st_atim.tv_sec, s.st_atim.tv_nsec, (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec); }
  return 0;
}
