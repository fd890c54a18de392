// Filesystem conformance through wasi-libc: every path_* and fd_* function a C program reaches,
// with their error cases. Run with a read-write-create-delete preopen at /data.
// Prints one line per check; the expected output is files.stdout.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;
#define CHECK(name, cond) do { if (cond) printf("%s: ok\n", name); else { printf("%s: FAIL (errno %d %s)\n", name, errno, strerror(errno)); failures++; } } while (0)
#define EXPECT_ERR(name, call, err) do { errno = 0; int r_ = (call); if (r_ == -1 && errno == (err)) printf("%s: ok\n", name); else { printf("%s: FAIL (r=%d errno %d %s, wanted %s)\n", name, r_, errno, strerror(errno), #err); failures++; } } while (0)

int main(void) {
  // create, write, read back
  int fd = open("/data/a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  CHECK("open create", fd >= 0);
  CHECK("write", write(fd, "hello world", 11) == 11);
  struct iovec iov[2] = {{"AB", 2}, {"CD", 2}};
  CHECK("writev", writev(fd, iov, 2) == 4);
  CHECK("pwrite", pwrite(fd, "HELLO", 5, 0) == 5);
  CHECK("lseek tell", lseek(fd, 0, SEEK_CUR) == 15);
  CHECK("fsync", fsync(fd) == 0);
  CHECK("fdatasync", fdatasync(fd) == 0);
  CHECK("close", close(fd) == 0);
  EXPECT_ERR("close twice", close(fd), EBADF);

  char buf[64] = {0};
  fd = open("/data/a.txt", O_RDONLY);
  CHECK("open read", fd >= 0);
  CHECK("read", read(fd, buf, sizeof buf) == 15 && memcmp(buf, "HELLO worldABCD", 15) == 0);
  CHECK("read eof", read(fd, buf, sizeof buf) == 0);
  CHECK("lseek set", lseek(fd, 6, SEEK_SET) == 6);
  memset(buf, 0, sizeof buf);
  CHECK("read after seek", read(fd, buf, 5) == 5 && strcmp(buf, "world") == 0);
  CHECK("lseek end", lseek(fd, -2, SEEK_END) == 13);
  memset(buf, 0, sizeof buf);
  CHECK("pread", pread(fd, buf, 4, 11) == 4 && strcmp(buf, "ABCD") == 0);
  EXPECT_ERR("lseek negative", (int)lseek(fd, -100, SEEK_SET), EINVAL);
  EXPECT_ERR("write to read-only fd", (int)write(fd, "x", 1), EBADF);
  struct stat st;
  CHECK("fstat", fstat(fd, &st) == 0 && st.st_size == 15 && S_ISREG(st.st_mode));
  CHECK("posix_fadvise", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
  close(fd);

  // append mode and truncate
  fd = open("/data/a.txt", O_WRONLY | O_APPEND);
  CHECK("open append", fd >= 0);
  CHECK("append write", write(fd, "!", 1) == 1);
  CHECK("fstat after append", fstat(fd, &st) == 0 && st.st_size == 16);
  CHECK("ftruncate", ftruncate(fd, 4) == 0 && fstat(fd, &st) == 0 && st.st_size == 4);
  CHECK("fcntl getfl append", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
  CHECK("posix_fallocate", posix_fallocate(fd, 0, 100) == 0 && fstat(fd, &st) == 0 && st.st_size == 100);
  close(fd);
  CHECK("truncate by path", truncate("/data/a.txt", 3) == 0 && stat("/data/a.txt", &st) == 0 && st.st_size == 3);

  // exclusive create
  EXPECT_ERR("O_EXCL on existing", open("/data/a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
  EXPECT_ERR("open missing", open("/data/missing.txt", O_RDONLY), ENOENT);
  EXPECT_ERR("O_DIRECTORY on file", open("/data/a.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);

  // directories
  CHECK("mkdir", mkdir("/data/dir", 0755) == 0);
  EXPECT_ERR("mkdir existing", mkdir("/data/dir", 0755), EEXIST);
  CHECK("create in dir", (fd = open("/data/dir/f1", O_CREAT | O_WRONLY, 0644)) >= 0 && close(fd) == 0);
  CHECK("create in dir 2", (fd = open("/data/dir/f2", O_CREAT | O_WRONLY, 0644)) >= 0 && close(fd) == 0);
  EXPECT_ERR("rmdir non-empty", rmdir("/data/dir"), ENOTEMPTY);
  DIR *d = opendir("/data/dir");
  CHECK("opendir", d != NULL);
  int count = 0, dots = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) dots++;
    else if (e->d_type == DT_REG) count++;
  }
  CHECK("readdir entries", count == 2 && dots == 2);
  rewinddir(d);
  count = 0;
  while ((e = readdir(d)) != NULL) count++;
  CHECK("rewinddir", count == 4);
  closedir(d);
  EXPECT_ERR("unlink directory", unlink("/data/dir"), EISDIR);
  EXPECT_ERR("rmdir file", rmdir("/data/dir/f1"), ENOTDIR);

  // rename, link, symlink, readlink
  CHECK("rename", rename("/data/dir/f1", "/data/dir/g1") == 0);
  EXPECT_ERR("rename missing", rename("/data/dir/f1", "/data/dir/h"), ENOENT);
  CHECK("link", link("/data/dir/g1", "/data/dir/hard") == 0 && stat("/data/dir/hard", &st) == 0 && st.st_nlink == 2);
  CHECK("symlink", symlink("g1", "/data/dir/soft") == 0);
  char target[64] = {0};
  CHECK("readlink", readlink("/data/dir/soft", target, sizeof target) == 2 && strcmp(target, "g1") == 0);
  CHECK("lstat symlink", lstat("/data/dir/soft", &st) == 0 && S_ISLNK(st.st_mode));
  CHECK("stat through symlink", stat("/data/dir/soft", &st) == 0 && S_ISREG(st.st_mode));
  CHECK("open through symlink", (fd = open("/data/dir/soft", O_RDONLY)) >= 0 && close(fd) == 0);
  EXPECT_ERR("O_NOFOLLOW on symlink", open("/data/dir/soft", O_RDONLY | O_NOFOLLOW), ELOOP);
  EXPECT_ERR("readlink on file", (int)readlink("/data/dir/g1", target, sizeof target), EINVAL);
  CHECK("symlink to dir", symlink("dir", "/data/dirlink") == 0 && stat("/data/dirlink/g1", &st) == 0);
  CHECK("dotdot inside", stat("/data/dir/../a.txt", &st) == 0 && st.st_size == 3);

  // times
  struct timespec times[2] = {{1000000000, 0}, {1200000000, 500}};
  CHECK("utimensat", utimensat(AT_FDCWD, "/data/a.txt", times, 0) == 0 && stat("/data/a.txt", &st) == 0 && st.st_mtim.tv_sec == 1200000000);
  fd = open("/data/a.txt", O_RDWR);
  struct timespec later[2] = {{1300000000, 0}, {1300000000, 0}};
  CHECK("futimens", futimens(fd, later) == 0 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 1300000000);
  close(fd);

  // cleanup
  CHECK("unlink", unlink("/data/dir/g1") == 0 && unlink("/data/dir/hard") == 0 && unlink("/data/dir/soft") == 0 && unlink("/data/dir/f2") == 0);
  CHECK("unlink symlink to dir", unlink("/data/dirlink") == 0);
  CHECK("rmdir", rmdir("/data/dir") == 0);
  EXPECT_ERR("stat removed", stat("/data/dir", &st), ENOENT);
  printf("failures=%d\n", failures);
  return failures == 0 ? 0 : 1;
}
