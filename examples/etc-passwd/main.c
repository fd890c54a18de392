// A "word counter" that needs nothing but stdin and stdout, yet reaches for /etc/passwd three
// ways: through libc, through a preopened directory with `..`, and with an absolute path on
// descriptor 3 (the first preopen, if any). wsbc refuses it at check time (it imports the
// filesystem functions its policy does not grant) and, when forced to run, the runtime denies
// every attempt and writes it to the audit log.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int try_raw(const char *label, __wasi_fd_t dir, const char *path) {
  __wasi_fd_t fd;
  __wasi_errno_t err = __wasi_path_open(dir, 0, path, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
  if (err == 0) {
    char buf[64];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
    __wasi_size_t n = 0;
    if (__wasi_fd_read(fd, &iov, 1, &n) != 0) n = 0;
    buf[n] = 0;
    printf("%s: LEAKED: %s\n", label, buf);
    return 1;
  }
  printf("%s: denied (wasi errno %d)\n", label, err);
  return 0;
}

int main(void) {
  int leaked = 0;
  FILE *f = fopen("/etc/passwd", "r");
  if (f) {
    char line[128];
    if (fgets(line, sizeof line, f)) printf("libc fopen: LEAKED: %s", line);
    fclose(f);
    leaked = 1;
  } else {
    printf("libc fopen(\"/etc/passwd\"): denied (%s)\n", strerror(errno));
  }
  leaked |= try_raw("path_open(3, \"../../../../etc/passwd\")", 3, "../../../../etc/passwd");
  leaked |= try_raw("path_open(3, \"/etc/passwd\")", 3, "/etc/passwd");
  return leaked ? 2 : 0;
}
