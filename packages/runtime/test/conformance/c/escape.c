// Escape attempts against the preopens /data (read, write, create, delete) and /ro (read only).
// The host plants /data/hostlink -> <outside dir> (absolute) and /data/rel -> ../outside.
// Prints one line per attempt: "<name>: <errno name>" (or "<name>: ESCAPED").
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static const char *name_of(int e) {
  switch (e) {
    case 0: return "ok";
    case EBADF: return "EBADF";
    case ENOENT: return "ENOENT";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case EXDEV: return "EXDEV";
    case ELOOP: return "ELOOP";
    case ENOTDIR: return "ENOTDIR";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EFAULT: return "EFAULT";
    default: return "other";
  }
}
#define TRY(name, expr) do { errno = 0; int r_ = (expr); printf("%s: %s\n", name, r_ >= 0 ? "ESCAPED" : name_of(errno)); } while (0)
#define RAW(name, expr) do { __wasi_errno_t e_ = (expr); printf("%s: %s\n", name, name_of(e_)); } while (0)

int main(void) {
  TRY("dotdot", open("/data/../outside/secret", O_RDONLY));
  TRY("deep dotdot", open("/data/a/../../../../../etc/passwd", O_RDONLY));
  __wasi_fd_t out;
  RAW("absolute via raw path_open", __wasi_path_open(3, 0, "/etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, 0, &out));
  RAW("dotdot via raw path_open", __wasi_path_open(3, 0, "..", 0, __WASI_RIGHTS_FD_READ, 0, 0, &out));
  TRY("host absolute symlink", open("/data/hostlink/secret", O_RDONLY));
  TRY("host relative symlink", open("/data/rel/secret", O_RDONLY));
  struct stat st;
  TRY("stat through symlink", stat("/data/rel/secret", &st));
  TRY("plant absolute symlink", symlink("/etc", "/data/mylink"));
  TRY("plant escaping symlink", symlink("../../../../etc", "/data/mylink2"));
  TRY("plant sneaky symlink", symlink("sub/../..", "/data/mylink3"));
  TRY("symlink loop", (symlink("loop", "/data/loop"), open("/data/loop", O_RDONLY)));
  int fd = open("/data/victim", O_CREAT | O_WRONLY, 0644);
  close(fd);
  TRY("rename into read-only preopen", rename("/data/victim", "/ro/victim"));
  TRY("link from read-only preopen", link("/ro/file", "/data/stolen"));
  TRY("rename across preopens", rename("/data/victim", "/data2/victim"));
  fd = open("/data2/other", O_CREAT | O_WRONLY, 0644);
  close(fd);
  TRY("link across preopens", link("/data2/other", "/data/stolen"));
  int w = open("/ro/file", O_WRONLY);
  TRY("write read-only preopen", w < 0 ? -1 : (int)write(w, "x", 1));
  TRY("truncate read-only file", open("/ro/file", O_WRONLY | O_TRUNC));
  TRY("create in read-only preopen", open("/ro/new", O_CREAT | O_WRONLY, 0644));
  TRY("unlink in read-only preopen", unlink("/ro/file"));
  TRY("mkdir in read-only preopen", mkdir("/ro/d", 0755));
  RAW("forged fd", __wasi_fd_write(99, NULL, 0, NULL));
  // Renumber a file over the /ro preopen: the slot now holds a file and grants nothing.
  int file = open("/data/victim", O_RDONLY);
  RAW("renumber over preopen", __wasi_fd_renumber(file, 4));
  RAW("path_open on renumbered fd", __wasi_path_open(4, 0, "file", 0, __WASI_RIGHTS_FD_READ, 0, 0, &out));
  __wasi_fdstat_t fs;
  (void)__wasi_fd_fdstat_get(3, &fs);
  RAW("gain rights", __wasi_fd_fdstat_set_rights(3, fs.fs_rights_base | __WASI_RIGHTS_SOCK_SHUTDOWN, fs.fs_rights_inheriting));
  mkdir("/data/sub", 0755);
  int sub = open("/data/sub", O_RDONLY | O_DIRECTORY);
  RAW("dotdot above a directory fd", __wasi_path_open(sub, 0, "../..", 0, __WASI_RIGHTS_FD_READ, 0, 0, &out));
  FILE *f = fopen("/ro/file", "r");
  char line[64] = {0};
  printf("read-only read: %s\n", f && fgets(line, sizeof line, f) ? line : "FAILED\n");
  return 0;
}
