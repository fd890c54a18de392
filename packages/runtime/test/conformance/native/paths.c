// path spellings: //, /./, trailing slash and dot, preopen root spellings
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  init(argc, argv);
  const char *ps[] = {"", "/", "/.", "/./", "//f1", "/./f1", "/a/", "/a/.", "/a//f2", "/a/./f2/", "/a/f2/.", "/a/b/c/../../f2", "/link_ab/", "/link_ab/.", "/link_ab/..", "/link_ab/../f2", "/f1/..", "/nope/..", "/a/b/c/f3/../f3", 0};
  for (int i = 0; ps[i]; i++) {
    char p[4096]; snprintf(p, sizeof p, "%s%s", D, ps[i]);
    struct stat st; errno = 0; int r = stat(p, &st); int se = errno;
    int fd = open(p, O_RDONLY); int oe = errno;
    printf("'%s': stat=%s%s open=%s\n", ps[i], r < 0 ? en(se) : "ok", r == 0 ? (S_ISDIR(st.st_mode) ? " dir" : " file") : "", fd < 0 ? en(oe) : "ok");
    if (fd >= 0) close(fd);
  }
  R("mkdir D/a/newd/.", mkdir(pj(D, "a/newd/."), 0777));
  R("mkdir D/a/newd2/", mkdir(pj(D, "a/newd2/"), 0777));
  F("creat D/a/newf/.", open(pj(D, "a/newf/."), O_WRONLY | O_CREAT, 0644));
  R("rmdir D/a/b/c/..", rmdir(pj(D, "a/b/c/..")));
  R("unlink D/a/f2/", unlink(pj(D, "a/f2/")));
  R("rename D/a/b/. x", rename(pj(D, "a/b/."), pj(D, "x")));
  R("rename D/f1 D/a/b/c/..", rename(pj(D, "f1"), pj(D, "a/b/c/..")));
  return 0;
}
