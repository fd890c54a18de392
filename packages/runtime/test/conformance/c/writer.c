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
    // A short write (the file reached its size limit) is retried; the next one reports the error.
    for (long done = 0; done < size;) {
      long n = write(fd, buf + done, size - done);
      if (n < 0) { perror("write"); return 3; }
      done += n;
    }
  }
  close(fd);
  printf("wrote %ld\n", chunks * size);
  return 0;
}
