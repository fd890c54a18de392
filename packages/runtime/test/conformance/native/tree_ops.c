// mkdir -p, cp -r, rm -r (unlinkat AT_REMOVEDIR via fdopendir), rename variants, rmdir/unlink errors
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
static int mkdir_p(const char *path) {
  char buf[4096]; strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) if (*p == '/') { *p = 0; if (mkdir(buf, 0777) < 0 && errno != EEXIST) return -1; *p = '/'; }
  if (mkdir(buf, 0777) < 0 && errno != EEXIST) return -1;
  return 0;
}
static int rm_r_at(int dfd, const char *name) {
  struct stat st;
  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  if (!S_ISDIR(st.st_mode)) return unlinkat(dfd, name, 0);
  int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) return -1;
  DIR *d = fdopendir(fd); struct dirent *e;
  if (!d) return -1;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (rm_r_at(dirfd(d), e->d_name) < 0) { printf("  rm fail %s: %s\n", e->d_name, en(errno)); closedir(d); return -1; }
  }
  closedir(d);
  return unlinkat(dfd, name, AT_REMOVEDIR);
}
/* rm -r that removes while iterating with readdir of the same dir handle, then rewinddir check */
static int copy_file(int sfd, const char *s, int dfd, const char *dname) {
  int in = openat(sfd, s, O_RDONLY); if (in < 0) return -1;
  struct stat st; fstat(in, &st);
  int out = openat(dfd, dname, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0777); if (out < 0) { close(in); return -1; }
  char buf[8192]; ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) if (write(out, buf, n) != n) return -1;
  close(in); close(out); return n < 0 ? -1 : 0;
}
static int cp_r(int sfd, const char *s, int dfd, const char *dname) {
  struct stat st;
  if (fstatat(sfd, s, &st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  if (S_ISLNK(st.st_mode)) { char t[4096]; ssize_t n = readlinkat(sfd, s, t, sizeof t - 1); if (n < 0) return -1; t[n] = 0; return symlinkat(t, dfd, dname); }
  if (S_ISREG(st.st_mode)) return copy_file(sfd, s, dfd, dname);
  if (mkdirat(dfd, dname, 0777) < 0) return -1;
  int sd = openat(sfd, s, O_RDONLY | O_DIRECTORY), dd = openat(dfd, dname, O_RDONLY | O_DIRECTORY);
  if (sd < 0 || dd < 0) return -1;
  DIR *d = fdopendir(sd); struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (cp_r(sd, e->d_name, dd, e->d_name) < 0) { printf("  cp fail %s: %s\n", e->d_name, en(errno)); }
  }
  closedir(d); close(dd); return 0;
}
int main(int argc, char **argv) {
  init(argc, argv);
  chdir(D);
  R("mkdir_p x/y/z", mkdir_p(pj(D, "x/y/z")));
  R("mkdir_p x/y/z again", mkdir_p(pj(D, "x/y/z")));
  R("mkdir_p a/f2/q (through file)", mkdir_p(pj(D, "a/f2/q")));
  R("mkdir existing", mkdir(pj(D, "a"), 0777));
  R("mkdir trailing slash", mkdir(pj(D, "tslash/"), 0777));
  R("mkdir through dangling", mkdir(pj(D, "dangling"), 0777));
  R("mkdir link_ab/new", mkdir(pj(D, "link_ab/new"), 0777));
  R("rmdir link_ab/new", rmdir(pj(D, "link_ab/new")));
  R("cp -r a -> acopy", cp_r(AT_FDCWD, pj(D, "a"), AT_FDCWD, pj(D, "acopy")));
  R("cp -r ro/rdir -> rcopy", cp_r(AT_FDCWD, pj(RO, "rdir"), AT_FDCWD, pj(D, "rcopy")));
  R("cp ro/rlink -> rl", cp_r(AT_FDCWD, pj(RO, "rlink"), AT_FDCWD, pj(D, "rl")));
  R("rmdir nonempty", rmdir(pj(D, "a")));
  R("rmdir file", rmdir(pj(D, "f1")));
  R("rmdir symlink to dir", rmdir(pj(D, "link_ab")));
  R("unlink dir", unlink(pj(D, "empty")));
  R("unlink dir/", unlink(pj(D, "empty/")));
  R("unlink file/", unlink(pj(D, "f1/")));
  R("unlink symlink-to-dir/", unlink(pj(D, "link_ab/")));
  R("unlink nonexist", unlink(pj(D, "nope")));
  R("unlinkat REMOVEDIR on file", unlinkat(AT_FDCWD, pj(D, "f1"), AT_REMOVEDIR));
  R("rmdir .", rmdir(pj(D, "empty/.")));
  R("rmdir root", rmdir(D));
  // renames
  int fd = open(pj(D, "r1"), O_CREAT | O_WRONLY, 0644); write(fd, "r1", 2); close(fd);
  fd = open(pj(D, "r2"), O_CREAT | O_WRONLY, 0644); write(fd, "r2r2", 4); close(fd);
  R("rename file over file", rename(pj(D, "r1"), pj(D, "r2")));
  R("rename file over dir", rename(pj(D, "r2"), pj(D, "empty")));
  R("rename dir over file", rename(pj(D, "empty"), pj(D, "r2")));
  R("rename dir over nonempty dir", rename(pj(D, "empty"), pj(D, "sub/../a")));
  mkdir(pj(D, "e2"), 0777);
  R("rename dir over empty dir", rename(pj(D, "empty"), pj(D, "e2")));
  R("rename dir into itself", rename(pj(D, "a"), pj(D, "a/b/inner")));
  R("rename same file", rename(pj(D, "r2"), pj(D, "r2")));
  R("rename nonexist", rename(pj(D, "nope"), pj(D, "nope2")));
  R("rename into missing dir", rename(pj(D, "r2"), pj(D, "missing/r2")));
  R("rename symlink", rename(pj(D, "link_f1"), pj(D, "sub/link_f1")));
  R("rename dangling", rename(pj(D, "dangling"), pj(D, "dangling2")));
  fd = open(pj(D, "r4"), O_CREAT | O_WRONLY, 0644); close(fd);
  R("rename file to ro", rename(pj(D, "r4"), pj(RO, "r4")));
  R("rename dir trailing slash", rename(pj(D, "e2/"), pj(D, "e3/")));
  R("rename file trailing slash", rename(pj(D, "r2/"), pj(D, "r3")));
  R("rename file to trailing slash", rename(pj(D, "r2"), pj(D, "r3/")));
  R("rename hardlinks same inode", (link(pj(D, "r2"), pj(D, "r2h")), rename(pj(D, "r2"), pj(D, "r2h"))));
  R("rename .. via subdir", rename(pj(D, "sub/../ten"), pj(D, "a/b/../ten2")));
  // rm -r
  R("rm -r acopy", rm_r_at(AT_FDCWD, pj(D, "acopy")));
  R("rm -r x", rm_r_at(AT_FDCWD, pj(D, "x")));
  R("rm -r a (relative, cwd=D)", rm_r_at(AT_FDCWD, "a"));
  R("rm -r link_ab (dangling now)", rm_r_at(AT_FDCWD, "link_ab"));
  return 0;
}
