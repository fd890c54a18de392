// wasi-threads without a threads-enabled libc (Debian's wasi-libc has none): four threads started
// with wasi.thread-spawn, each on its own stack and its own TLS block, set up by
// wasi_thread_start (threads-start.s) and __wasm_init_tls as wasi-libc's pthread_create does.
// Built by ../build.sh (clang -matomics -mbulk-memory, a shared imported memory, no libc).
// Each thread checks that its TLS starts at the initial value, computes a share of a sum, adds
// it atomically and wakes main, which waits with memory.atomic.wait32.
#include <stdint.h>

typedef struct { const void *buf; uint32_t len; } ciovec;
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_write"))) int fd_write(int, const ciovec *, int, uint32_t *);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_exit"))) _Noreturn void proc_exit(int);
__attribute__((import_module("wasi"), import_name("thread-spawn"))) int thread_spawn(void *arg);
extern void __wasm_init_tls(void *);

#define THREADS 4
#define STACK 16384

struct thread {
  uint32_t stack_top; // read by wasi_thread_start
  uint32_t tls_base;  // read by wasi_thread_start
  int index;
  int tid;
};

static _Thread_local int tls_value = 7;
static _Atomic int finished;
static _Atomic long long sum;
static char stacks[THREADS][STACK] __attribute__((aligned(16)));
static char tls_blocks[THREADS][128] __attribute__((aligned(16)));
static struct thread threads[THREADS];

static void print(const char *s) {
  uint32_t n = 0, written;
  while (s[n]) n++;
  ciovec v = {s, n};
  fd_write(1, &v, 1, &written);
}

static void print_number(long long x) {
  char buf[24];
  int i = 23;
  buf[i] = 0;
  do buf[--i] = (char)('0' + x % 10); while ((x /= 10) > 0);
  print(buf + i);
}

void thread_main(int tid, struct thread *t) {
  __wasm_init_tls((void *)t->tls_base);
  if (tls_value != 7) proc_exit(20); // a fresh TLS block holds the initial value
  tls_value = 100 + t->index;
  long long share = 0;
  for (int i = 0; i < 20000; i++) share += (i % 7) * (t->index + 1);
  if (tls_value != 100 + t->index) proc_exit(21); // no other thread wrote this thread's TLS
  t->tid = tid;
  sum += share;
  finished += 1;
  __builtin_wasm_memory_atomic_notify((int *)&finished, 1);
}

int main(void) {
  if (__builtin_wasm_tls_size() > sizeof tls_blocks[0]) return 30;
  for (int i = 0; i < THREADS; i++) {
    threads[i].stack_top = (uint32_t)(uintptr_t)(stacks[i] + STACK);
    threads[i].tls_base = (uint32_t)(uintptr_t)tls_blocks[i];
    threads[i].index = i;
    if (thread_spawn(&threads[i]) <= 0) return 31;
  }
  for (int seen = finished; seen < THREADS; seen = finished) __builtin_wasm_memory_atomic_wait32((int *)&finished, seen, -1);
  if (tls_value != 7) return 32; // main's TLS untouched by the threads
  for (int i = 0; i < THREADS; i++) if (threads[i].tid <= 0) return 33;
  print("sum ");
  print_number(sum);
  print("\n");
  return 0;
}

static char main_tls[128] __attribute__((aligned(16)));

void _start(void) {
  // With a shared memory the linker leaves __tls_base at 0: every thread, this one included,
  // sets up its own TLS block (wasi-libc does this for the main thread at start-up).
  __wasm_init_tls(main_tls);
  proc_exit(main());
}
