// Symlink race: the host keeps swapping /data/swap between a directory and a symlink that points
// outside the preopen while this loop opens /data/swap/secret. Prints how many opens read the
// inside file, how many were refused, and how many read the outside file (must be 0).
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 2000;
  int inside = 0, refused = 0, outside = 0;
  for (int i = 0; i < rounds; i++) {
    int fd = open("/data/swap/secret", O_RDONLY);
    if (fd < 0) { refused++; continue; }
    char buf[16] = {0};
    read(fd, buf, sizeof buf - 1);
    close(fd);
    if (strncmp(buf, "OUTSIDE", 7) == 0) outside++; else inside++;
  }
  printf("inside=%d refused=%d outside=%d\n", inside, refused, outside);
  return outside == 0 ? 0 : 1;
}
