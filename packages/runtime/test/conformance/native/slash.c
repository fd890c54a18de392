// trailing slash on a symlink to a directory: rmdir/rename/unlink/mkdir/open/stat; O_CREAT|O_EXCL on dangling symlinks
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  init(argc, argv);
  struct stat st;
  R("symlink le -> empty", symlink("empty", pj(D, "le")));
  R("rmdir le/", rmdir(pj(D, "le/")));
  R("  empty still there", stat(pj(D, "empty"), &st));
  R("  le still there", lstat(pj(D, "le"), &st));
  R("rename link_ab/ -> moved", rename(pj(D, "link_ab/"), pj(D, "moved")));
  R("  a/b still there", stat(pj(D, "a/b"), &st));
  R("  moved exists", lstat(pj(D, "moved"), &st));
  R("rename sub -> link_ab/ (dst symlink with slash)", rename(pj(D, "sub"), pj(D, "link_ab/")));
  R("  sub still there", stat(pj(D, "sub"), &st));
  R("mkdir le/ (exists as symlink)", mkdir(pj(D, "le/"), 0777));
  R("mkdir dangling/", mkdir(pj(D, "dangling/"), 0777));
  R("  nowhere created?", stat(pj(D, "nowhere"), &st));
  R("lstat le/ is dir", (lstat(pj(D, "le/"), &st), S_ISDIR(st.st_mode) ? 1 : 0));
  R("symlink x -> f1 at le/ (slash)", symlink("f1", pj(D, "le/")));
  R("link f1 -> le/", link(pj(D, "f1"), pj(D, "le/")));
  R("link le/ -> lnk2", link(pj(D, "le/"), pj(D, "lnk2")));
  // O_EXCL + dangling symlink (mkstemp/lockfile pattern)
  F("O_CREAT|O_EXCL on dangling", open(pj(D, "dangling"), O_WRONLY | O_CREAT | O_EXCL, 0600));
  R("  nowhere created?", stat(pj(D, "nowhere"), &st));
  R("symlink dang2 -> a/b/newfile", symlink("a/b/newfile", pj(D, "dang2")));
  F("O_CREAT|O_EXCL on dang2", open(pj(D, "dang2"), O_WRONLY | O_CREAT | O_EXCL, 0600));
  R("  a/b/newfile created?", stat(pj(D, "a/b/newfile"), &st));
  R("symlink dang3 -> ../outside", symlink("../outside", pj(D, "a/dang3")));
  R("mv a/dang3 dang3", rename(pj(D, "a/dang3"), pj(D, "dang3")));
  F("O_CREAT|O_EXCL on dang3 (target outside)", open(pj(D, "dang3"), O_WRONLY | O_CREAT | O_EXCL, 0600));
  F("O_CREAT|O_EXCL on ro/rlink", open(pj(RO, "rlink"), O_WRONLY | O_CREAT | O_EXCL, 0600));
  return 0;
}
