// Writes argv[1] chunks of 1 KiB to /data/out (the write-quota and benchmark program).
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  long chunks = argc > 1 ? atol(argv[1]) : 1024;
  long size = argc > 2 ? atol(argv[2]) : 1024;
  char buf[4096];
  memset(buf, 'x', sizeof buf);
  int fd = open("/data/out", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) { perror("open"); return 2; }
  for (long i = 0; i < chunks; i++) {
    if (write(fd, buf, size) != size) { perror("write"); return 3; }
  }
  close(fd);
  printf("wrote %ld\n", chunks * size);
  return 0;
}
