// Streams stdin to stdout upper-cased, reporting the byte count at the end.
#include <ctype.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
  char buf[256];
  long total = 0;
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) buf[i] = toupper((unsigned char)buf[i]);
    write(1, buf, n);
    total += n;
  }
  printf("\nbytes=%ld\n", total);
  return 0;
}
