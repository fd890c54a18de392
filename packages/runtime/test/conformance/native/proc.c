// stdin to EOF, stdout through stdio and write(2) in turn, clocks, nanosleep, getentropy, exit codes, isatty
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdint.h>
int main(int argc, char **argv) {
  init(argc, argv);
  int mode = argc > 3 ? atoi(argv[3]) : 0;
  if (mode == 1) { // stdin -> count + checksum
    static char buf[100000]; long total = 0; uint64_t h = 1469598103934665603ULL; ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) { for (ssize_t i = 0; i < n; i++) h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL; total += n; }
    printf("stdin total=%ld hash=%llu last=%s\n", total, (unsigned long long)h, n < 0 ? en(errno) : "EOF");
    errno = 0; n = read(0, buf, 10); printf("read after EOF: %ld %s\n", (long)n, en(errno));
    int c = getchar(); printf("getchar after EOF: %d feof=%d\n", c, feof(stdin));
    return 0;
  }
  if (mode == 2) { // fgets lines
    char line[1 << 12]; int lines = 0; size_t total = 0;
    while (fgets(line, sizeof line, stdin)) { lines++; total += strlen(line); }
    printf("lines=%d bytes=%zu\n", lines, total); return 0;
  }
  if (mode == 3) { // stdout through stdio and write(2) in turn, stderr between, then exit 3
    static char buf[150 * 70]; for (int i = 0; i < 150; i++) { snprintf(buf + i * 70, 71, "%04d %064d", i, i); buf[i * 70 + 69] = '\n'; }
    size_t w = fwrite(buf, 1, sizeof buf, stdout); fflush(stdout);
    ssize_t r = write(1, "raw write\n", 10);
    fprintf(stderr, "fwrite=%zu write=%ld\n", w, (long)r);
    for (int i = 0; i < 100; i++) printf("%d\n", i);
    printf("no newline at the end");
    return 3;
  }
  if (mode == 4) { printf("unflushed"); exit(42); }
  if (mode == 5) { printf("before abort\n"); fflush(stdout); abort(); }
  if (mode == 6) { return 300; }
  if (mode == 7) { _Exit(7); }
  struct timespec a, b, r;
  R("clock_getres MONO", clock_getres(CLOCK_MONOTONIC, &r)); printf("  res_ok=%d\n", r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 1000000);
  R("clock_gettime REALTIME", clock_gettime(CLOCK_REALTIME, &a)); printf("  plausible=%d\n", a.tv_sec > 1600000000);
  R("clock PROCESS_CPUTIME", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a));
  R("clock THREAD_CPUTIME", clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a));
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec req = {0, 50000000}; R("nanosleep 50ms", nanosleep(&req, NULL));
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000; printf("  slept>=50: %d <5000: %d\n", ms >= 50, ms < 5000);
  struct timespec bad = {0, 1000000000}; R("nanosleep bad nsec", nanosleep(&bad, NULL));
  struct timespec neg = {-1, 0}; R("nanosleep negative", nanosleep(&neg, NULL));
  R("clock_nanosleep abs past", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL));
  clock_gettime(CLOCK_REALTIME, &a); a.tv_nsec += 30000000; if (a.tv_nsec >= 1000000000) { a.tv_sec++; a.tv_nsec -= 1000000000; }
  R("clock_nanosleep REALTIME abs +30ms", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &a, NULL));
  clock_gettime(CLOCK_REALTIME, &b); printf("  reached=%d\n", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
  R("usleep 10ms", usleep(10000)); R("sleep 0", sleep(0));

  unsigned char e1[256], e2[256]; R("getentropy 256", getentropy(e1, 256)); getentropy(e2, 256); printf("  differ=%d\n", memcmp(e1, e2, 256) != 0);
  R("getentropy 257", getentropy(e1, 257));
  R("isatty 0", isatty(0)); R("isatty 1", isatty(1));
  struct stat st; R("fstat 0", fstat(0, &st)); printf("  type=%s\n", S_ISCHR(st.st_mode) ? "chr" : S_ISFIFO(st.st_mode) ? "fifo" : S_ISREG(st.st_mode) ? "reg" : "?");
  R("write to stdin", write(0, "x", 1));
  R("read from stdout", read(1, e1, 1));
  printf("fcntl GETFL stdout: %s\n", acc(fcntl(1, F_GETFL)));
  R("close stdin", close(0)); R("read closed stdin", read(0, e1, 1));
  int fd = open(pj(D, "f1"), O_RDONLY); printf("next fd after closing 0: %s\n", fd == 0 ? "0" : fd > 0 ? "above 0" : en(errno));
  return 0;
}
