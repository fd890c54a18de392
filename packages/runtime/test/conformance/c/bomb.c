// Memory bomb: allocates 1 MiB blocks and touches them until malloc fails, then aborts.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
char *volatile keep[65536];
int main(void) {
  for (int i = 0; i < 65536; i++) {
    char *p = malloc(1 << 20);
    if (!p) { fprintf(stderr, "malloc failed after %d MiB\n", i); abort(); }
    memset(p, i, 1 << 20);
    keep[i] = p;
  }
  return 0;
}
