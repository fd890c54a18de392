// Clocks, sleeping (poll_oneoff) and randomness. Under a deterministic clock and a seeded
// PRNG the output is identical from run to run.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>

int main(void) {
  struct timespec a, b, res;
  printf("getres: %d\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && (res.tv_sec > 0 || res.tv_nsec > 0));
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec nap = {0, 20 * 1000 * 1000};
  nanosleep(&nap, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
  printf("slept at least 20ms: %d\n", ns >= 20000000LL);
  clock_gettime(CLOCK_REALTIME, &a);
  printf("realtime after 2001: %d\n", a.tv_sec > 1000000000);
  printf("cputime: %d\n", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0);
  unsigned char bytes[8];
  int r = getentropy(bytes, sizeof bytes);
  if (r != 0) { printf("getentropy: errno %d\n", errno); return 3; }
  printf("random:");
  for (int i = 0; i < 8; i++) printf(" %02x", bytes[i]);
  printf("\n");
  if (getenv("PRINT_TIME")) printf("time: %lld.%09ld\n", (long long)a.tv_sec, a.tv_nsec);
  return 0;
}
