// Reads a file from the directory the policy grants (/data) and prints it: the happy path.
// Built for WASI preview1; see build.sh.
#include <stdio.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/data/greeting.txt";
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 1;
  }
  char buf[256];
  size_t n;
  size_t total = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    fwrite(buf, 1, n, stdout);
    total += n;
  }
  fclose(f);
  fprintf(stderr, "read-allowed-file: read %zu bytes from %s\n", total, path);
  return 0;
}
