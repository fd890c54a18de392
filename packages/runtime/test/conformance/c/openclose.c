// Benchmark: opens, stats and closes /data/f argv[1] times.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  int fd = open("/data/f", O_CREAT | O_WRONLY, 0644);
  close(fd);
  struct stat st;
  for (long i = 0; i < n; i++) {
    fd = open("/data/f", O_RDONLY);
    if (fd < 0) { perror("open"); return 2; }
    fstat(fd, &st);
    close(fd);
  }
  printf("opened %ld\n", n);
  return 0;
}
