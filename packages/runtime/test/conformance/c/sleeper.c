// Sleeps in poll_oneoff for the number of milliseconds in argv[1], then prints "awake".
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
  long ms = argc > 1 ? atol(argv[1]) : 1000;
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
  printf("awake\n");
  return 0;
}
