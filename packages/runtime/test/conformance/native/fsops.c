/* The interpreter of the file-system differential fuzzer (test/fs-differential.test.ts). Unlike
 * the other programs here it does not run on tree.json: it reads one operation a line on stdin
 * and applies it to the directory argv[1] (natively a fresh temporary directory, under wsbc the
 * read-write preopen /data), printing one normalized line per operation:
 * `<n> <operation>: ok [observable]` or `<n> <operation>: -1 <ERRNO>`.
 *
 * Every path is taken relative to a directory token D: `.` for argv[1] (natively a descriptor
 * of it, under wasi-libc the preopen's own descriptor, so that no libc path handling stands
 * between the program and WASI), or a slot. A slot L is a descriptor number relative to the
 * first one free at startup (the native 4, wasi-libc's 4 as well), so that both sides number and
 * reuse descriptors alike. A token `''` is the empty string.
 *   open D P FLAGS            prints the slot and the type opened. FLAGS: letters r w c x t a d n
 *                             (O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY,
 *                             O_NOFOLLOW; rw is O_RDWR)
 *   close L | read L N | write L N | pread L N OFF | pwrite L N OFF | seek L OFF s|c|e
 *   readv L N M | writev L N M (two buffers) | fsync L | append L 0|1 (fcntl F_SETFL O_APPEND)
 *   allocate L OFF LEN (posix_fallocate)
 *   fstat L | ftruncate L N | futimes L A M     (A, M: seconds, n for UTIME_NOW, o for UTIME_OMIT)
 *   stat D P f|n (follow or not) | access D P f|r|w|rw | readdir D P (names sorted) | readlink D P
 *   mkdir D P | rmdir D P | unlink D P | truncate D P N | symlink TARGET D P
 *   rename D A D B | link D A D B f|n | utimes D P A M f|n
 *
 * Natively, an operation whose path would leave argv[1] by the sandbox's rule (docs/runtime.md,
 * Filesystem: confinement: an absolute path, a `..` above the root, a symlink whose target is
 * absolute or climbs above the root, even if the path comes back in afterwards; a symlink made
 * with a target that is absolute or climbs above the root from the link's place) is not run: its
 * line says `ESCAPE`, which the test requires wsbc to answer with ENOTCAPABLE. The rule is
 * applied here by a component walk of its own over the native tree (escape_of), so both sides
 * keep the same tree and the native run never reaches outside argv[1]. */
#include "common.h"
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

/* The directory every path is relative to (natively argv[1] opened, under wasi-libc the preopen
 * itself), and the first descriptor free after it (slot 0). */
static int ROOT, BASE;
static unsigned long long op_index;

/* ------------------------------------------------------------ the native escape model */

/* What a walk does with the final component: FOLLOW follows a symlink there; NOFOLLOW follows it
 * only with a trailing slash (lstat); ENTRY never looks it up (what creates or removes an entry);
 * CREATE follows it unless it has a trailing slash, which a followed link's target may end in
 * (open with O_CREAT: EISDIR for such a name, not looked up). MUST_EXIST: the final component is
 * looked up in any case, and the walk stops when it is missing (link's source, which Linux looks
 * up completely before the new name, and so does the sandbox). */
enum { FOLLOW, NOFOLLOW, ENTRY, CREATE, MUST_EXIST = 8 };
enum { INSIDE, ESCAPES, STOPS };

#ifndef __wasi__
static char ROOT_REAL[PATH_MAX];

struct comps { char *v[2048]; int n; };
static void comps_free(struct comps *c) { for (int i = 0; i < c->n; i++) free(c->v[i]); c->n = 0; }
static void comps_push(struct comps *c, const char *s, size_t len) { if (c->n < 2048) c->v[c->n++] = strndup(s, len); }
static void comps_split(struct comps *c, const char *p) {
  for (const char *s = p; *s;) {
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len > 0) comps_push(c, s, len);
    s += len;
    if (*s == '/') s++;
  }
}
static void comps_join(const struct comps *c, char *out, size_t size) {
  out[0] = 0;
  for (int i = 0; i < c->n; i++) { if (i) strncat(out, "/", size - strlen(out) - 1); strncat(out, c->v[i], size - strlen(out) - 1); }
}

/* Where directory descriptor `fd` is, as components below the root; a removed directory is
 * placed below its former parent (reached through the kernel's `..`). -1 when it is no directory
 * below the root. */
static int place_of(int fd, struct comps *out) {
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) return -1;
  char link[64], real[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, real, sizeof real - 1);
  if (n < 0) return -1;
  real[n] = 0;
  if (st.st_nlink == 0) {
    const char *suffix = " (deleted)";
    size_t sl = strlen(suffix);
    if ((size_t)n < sl || strcmp(real + n - sl, suffix) != 0) return -1;
    real[n - sl] = 0;
    char *slash = strrchr(real, '/');
    int parent = openat(fd, "..", O_PATH | O_DIRECTORY);
    if (!slash || parent < 0) return -1;
    int r = place_of(parent, out);
    close(parent);
    if (r == 0) comps_push(out, slash + 1, strlen(slash + 1));
    return r;
  }
  size_t rl = strlen(ROOT_REAL);
  if (strcmp(real, ROOT_REAL) == 0) return 0;
  if (strncmp(real, ROOT_REAL, rl) != 0 || real[rl] != '/') return -1;
  comps_split(out, real + rl + 1);
  return 0;
}

/* Walks `path` from `dirfd` as the sandbox does: components one by one,
 * symlinks read and spliced in, `..` popping. ESCAPES when it leaves the root, STOPS when a
 * lookup fails first (the kernel then reports its error), else INSIDE with *depth the depth of
 * the final entry's parent below the root (of the directory itself for a path ending in . or ..). */
static int escape_of(int dirfd, const char *path, int final, int *depth) {
  /* An absolute path leaves whatever the descriptor is: the kernel does not look at it. An
   * empty one is ENOENT before the descriptor is looked at. */
  if (path[0] == '/') return ESCAPES;
  if (path[0] == 0) return STOPS;
  struct stat st;
  if (dirfd != ROOT && (fstat(dirfd, &st) < 0 || !S_ISDIR(st.st_mode))) return STOPS;
  struct comps queue = {0}, stack = {0}, place = {0};
  int have_place = 0, from_root = dirfd == ROOT, links = 0, result = INSIDE, ends_in_dot = 0;
  int trailing = path[0] && path[strlen(path) - 1] == '/';
  int must_exist = final & MUST_EXIST;
  final &= ~MUST_EXIST;
  comps_split(&queue, path);
  int qi = 0;
  while (qi < queue.n) {
    char *c = queue.v[qi++];
    int last = qi == queue.n;
    if (strcmp(c, ".") == 0) { ends_in_dot = last; continue; }
    if (strcmp(c, "..") == 0) {
      if (stack.n == 0) {
        if (from_root) { result = ESCAPES; goto done; }
        /* Above the descriptor: the walk goes again from the root, below the descriptor's place. */
        if (place_of(dirfd, &place) < 0) { result = STOPS; goto done; }
        have_place = 1;
        if (place.n == 0) { result = ESCAPES; goto done; }
        for (int i = 0; i < place.n; i++) comps_push(&stack, place.v[i], strlen(place.v[i]));
        from_root = 1;
      }
      free(stack.v[--stack.n]);
      ends_in_dot = last;
      continue;
    }
    ends_in_dot = 0;
    int follow_last = final == FOLLOW || (final == NOFOLLOW && trailing) || (final == CREATE && !trailing);
    if (!last || follow_last || must_exist) {
      char rel[PATH_MAX * 2];
      comps_join(&stack, rel, sizeof rel);
      if (rel[0]) strncat(rel, "/", sizeof rel - strlen(rel) - 1);
      strncat(rel, c, sizeof rel - strlen(rel) - 1);
      if (fstatat(from_root ? ROOT : dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT && last && !must_exist) { comps_push(&stack, c, strlen(c)); break; }
        result = STOPS; goto done;
      }
      if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(from_root ? ROOT : dirfd, rel, target, sizeof target - 1);
        if (n < 0 || ++links > 40) { result = STOPS; goto done; }
        target[n] = 0;
        if (target[0] == '/') { result = ESCAPES; goto done; }
        if (n == 0) { result = STOPS; goto done; }
        if (last && target[n - 1] == '/') trailing = 1;
        struct comps spliced = {0};
        comps_split(&spliced, target);
        for (int i = qi; i < queue.n; i++) spliced.v[spliced.n++] = queue.v[i];
        for (int i = 0; i < qi; i++) free(queue.v[i]);
        queue = spliced;
        qi = 0;
        continue;
      }
      if ((!last || (follow_last && trailing)) && !S_ISDIR(st.st_mode)) { result = STOPS; goto done; }
    }
    comps_push(&stack, c, strlen(c));
  }
  if (depth) {
    int below = from_root ? 0 : (have_place || place_of(dirfd, &place) == 0 ? place.n : 0);
    *depth = below + stack.n - (ends_in_dot || stack.n == 0 ? 0 : 1);
  }
done:
  comps_free(&queue);
  comps_free(&stack);
  comps_free(&place);
  return result;
}

/* The last component is a name (not . or ..) followed by a slash. */
static int ends_in_name_and_slash(const char *p) {
  size_t n = strlen(p);
  if (n == 0 || p[n - 1] != '/') return 0;
  while (n > 0 && p[n - 1] == '/') n--;
  size_t start = n;
  while (start > 0 && p[start - 1] != '/') start--;
  size_t len = n - start;
  return len > 0 && !(len == 1 && p[start] == '.') && !(len == 2 && p[start] == '.' && p[start + 1] == '.');
}

/* A symlink to `target` at depth `depth` below the root would lead out of it. */
static int target_escapes(int depth, const char *target) {
  if (target[0] == '/') return 1;
  struct comps c = {0};
  comps_split(&c, target);
  int out = 0;
  for (int i = 0; i < c.n && !out; i++) {
    if (strcmp(c.v[i], ".") == 0) continue;
    if (strcmp(c.v[i], "..") == 0) { if (--depth < 0) out = 1; }
    else depth++;
  }
  comps_free(&c);
  return out;
}
#endif


/* ------------------------------------------------------------ operations */

/* A directory token: `.` the root, else a slot. */
static int dir_of(const char *s) { return strcmp(s, ".") == 0 ? ROOT : BASE + atoi(s); }
static int slot(const char *s) { return BASE + atoi(s); }

static int open_flags(const char *f) {
  int r = strchr(f, 'r') != NULL, w = strchr(f, 'w') != NULL;
  int flags = r && w ? O_RDWR : w ? O_WRONLY : O_RDONLY;
  if (strchr(f, 'c')) flags |= O_CREAT;
  if (strchr(f, 'x')) flags |= O_EXCL;
  if (strchr(f, 't')) flags |= O_TRUNC;
  if (strchr(f, 'a')) flags |= O_APPEND;
  if (strchr(f, 'd')) flags |= O_DIRECTORY;
  if (strchr(f, 'n')) flags |= O_NOFOLLOW;
  return flags;
}

static char type_of(mode_t m) {
  return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '?';
}
/* Times: exact (to the microsecond) when the sequence set them (before 2001-09-10), else `now`. */
static void print_time(const char *label, struct timespec t) {
  if (t.tv_sec < 1000100000LL) printf(" %s=%lld.%06ld", label, (long long)t.tv_sec, t.tv_nsec / 1000);
  else printf(" %s=now", label);
}
static void print_stat(const struct stat *st) {
  printf("ok t=%c", type_of(st->st_mode));
  /* A directory's size is the file system's business. */
  if (!S_ISDIR(st->st_mode)) printf(" s=%lld", (long long)st->st_size);
  printf(" n=%lu", (unsigned long)st->st_nlink);
  print_time("m", st->st_mtim);
  print_time("a", st->st_atim);
}
static void fail(void) { printf("-1 %s", en(errno)); }
static void result(int r) { if (r < 0) fail(); else printf("ok"); }

static uint32_t fnv(const unsigned char *b, size_t n) { uint32_t h = 2166136261u; for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u; return h; }
static void print_read(ssize_t n, const unsigned char *b) {
  if (n < 0) { fail(); return; }
  printf("ok n=%zd h=%08x '", n, fnv(b, (size_t)n));
  for (ssize_t i = 0; i < n && i < 16; i++) putchar(b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.');
  putchar('\'');
}
/* The bytes a write writes: letters that depend on the operation's index. */
static unsigned char *pattern(size_t n) {
  unsigned char *b = malloc(n + 1);
  for (size_t i = 0; i < n; i++) b[i] = 'a' + (op_index + i) % 26;
  return b;
}
/* A and M: seconds (their last three digits also give the microseconds), n for UTIME_NOW or o for
 * UTIME_OMIT. Under wasi-libc, WASI is called directly: Debian's wasi-libc (2022-05, clang 14)
 * refuses UTIME_NOW and UTIME_OMIT with EINVAL before calling it (native-parity.test.ts, links). */
static void set_times(int fd, const char *p, const char *a, const char *m, int flags) {
  struct timespec ts[2];
  const char *v[2] = {a, m};
  for (int i = 0; i < 2; i++) {
    ts[i].tv_sec = strcmp(v[i], "o") == 0 || strcmp(v[i], "n") == 0 ? 0 : atoll(v[i]);
    ts[i].tv_nsec = strcmp(v[i], "o") == 0 ? UTIME_OMIT : strcmp(v[i], "n") == 0 ? UTIME_NOW : (atoll(v[i]) % 1000) * 1000;
  }
#ifdef __wasi__
  __wasi_timestamp_t at[2] = {0, 0};
  __wasi_fstflags_t fst = 0;
  for (int i = 0; i < 2; i++) {
    if (ts[i].tv_nsec == UTIME_NOW) fst |= i ? __WASI_FSTFLAGS_MTIM_NOW : __WASI_FSTFLAGS_ATIM_NOW;
    else if (ts[i].tv_nsec != UTIME_OMIT) { fst |= i ? __WASI_FSTFLAGS_MTIM : __WASI_FSTFLAGS_ATIM; at[i] = ts[i].tv_sec * 1000000000ULL + ts[i].tv_nsec; }
  }
  __wasi_errno_t e = p ? __wasi_path_filestat_set_times(fd, flags & AT_SYMLINK_NOFOLLOW ? 0 : __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, p, at[0], at[1], fst)
                       : __wasi_fd_filestat_set_times(fd, at[0], at[1], fst);
  errno = e;
  result(e ? -1 : 0);
#else
  result(p ? utimensat(fd, p, ts, flags) : futimens(fd, ts));
#endif
}
static int cmp_names(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }
static void list_dir(int dirfd, const char *p) {
  int fd = openat(dirfd, p, O_RDONLY | O_DIRECTORY);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (!d) { fail(); if (fd >= 0) close(fd); return; }
  char *names[512];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 512) {
    char *s = malloc(strlen(e->d_name) + 3);
    char ty = e->d_type == DT_REG ? 'f' : e->d_type == DT_DIR ? 'd' : e->d_type == DT_LNK ? 'l' : '?';
    sprintf(s, "%s/%c", e->d_name, ty);
    names[n++] = s;
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_names);
  printf("ok [");
  for (int i = 0; i < n; i++) { printf("%s%s", i ? " " : "", names[i]); free(names[i]); }
  printf("]");
}

#define IS(name) (strcmp(op, name) == 0)

/* Tokens each operation takes after its name. */
static int arity(const char *op) {
  if (IS("close") || IS("fstat") || IS("fsync")) return 1;
  if (IS("read") || IS("write") || IS("ftruncate") || IS("append") || IS("readdir") || IS("readlink") || IS("mkdir") || IS("rmdir") || IS("unlink")) return 2;
  if (IS("open") || IS("pread") || IS("pwrite") || IS("seek") || IS("readv") || IS("writev") || IS("allocate") || IS("futimes") || IS("stat") || IS("access") || IS("truncate") || IS("symlink")) return 3;
  if (IS("rename")) return 4;
  if (IS("link") || IS("utimes")) return 5;
  return -1;
}

static void run_op(char **t) {
  const char *op = t[0];
#ifndef __wasi__
  /* The native side refuses what the sandbox must refuse, without running it. */
  struct { int dirfd; const char *path; int final; } uses[2] = {{0, NULL, 0}, {0, NULL, 0}};
  const char *target = NULL; /* symlink: the new link's target */
  int looks_up = 1;
  if (IS("open")) {
    int f = open_flags(t[3]);
    /* O_CREAT|O_DIRECTORY is EINVAL before any lookup; O_CREAT of a name with a trailing slash
     * EISDIR once the parent is found; a final symlink is not followed under O_NOFOLLOW or
     * O_CREAT|O_EXCL. */
    if ((f & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY)) looks_up = 0;
    uses[0].final = f & O_CREAT && ends_in_name_and_slash(t[2]) ? ENTRY
                  : f & O_NOFOLLOW || (f & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) ? NOFOLLOW
                  : f & O_CREAT ? CREATE : FOLLOW;
  } else if (IS("access") || IS("readdir") || IS("truncate")) uses[0].final = FOLLOW;
  else if (IS("stat") || IS("utimes")) uses[0].final = t[IS("stat") ? 3 : 5][0] == 'n' ? NOFOLLOW : FOLLOW;
  else if (IS("readlink")) uses[0].final = NOFOLLOW;
  else if (IS("mkdir") || IS("rmdir") || IS("unlink")) uses[0].final = ENTRY;
  else if (IS("rename") || IS("link")) {
    uses[0].final = IS("link") ? (t[5][0] == 'f' ? FOLLOW : NOFOLLOW) | MUST_EXIST : ENTRY;
    uses[1].dirfd = dir_of(t[3]);
    uses[1].path = t[4];
    uses[1].final = ENTRY;
  } else if (IS("symlink")) {
    /* An empty target is ENOENT before the new name is looked up. */
    looks_up = t[1][0] != 0;
    target = t[1];
    uses[0].dirfd = dir_of(t[2]);
    uses[0].path = t[3];
    uses[0].final = ENTRY;
  }
  if (!uses[0].path && (IS("stat") || IS("access") || IS("readdir") || IS("truncate") || IS("utimes") || IS("readlink") ||
                        IS("mkdir") || IS("rmdir") || IS("unlink") || IS("rename") || IS("link") || IS("open"))) {
    uses[0].dirfd = dir_of(t[1]);
    uses[0].path = t[2];
  }
  for (int i = 0; i < 2 && looks_up && uses[i].path; i++) {
    int depth = 0;
    int r = escape_of(uses[i].dirfd, uses[i].path, uses[i].final, &depth);
    if (r == ESCAPES || (r == INSIDE && target && target_escapes(depth, target))) { printf("ESCAPE"); return; }
    if (r == STOPS) break;
  }
#endif
  if (IS("open")) {
    int fd = openat(dir_of(t[1]), t[2], open_flags(t[3]), 0644);
    struct stat st;
    if (fd < 0) fail();
    else if (fstat(fd, &st) < 0) printf("ok fd=%d fstat %s", fd - BASE, en(errno));
    else printf("ok fd=%d t=%c", fd - BASE, type_of(st.st_mode));
  } else if (IS("close")) result(close(slot(t[1])));
  else if (IS("read") || IS("pread")) {
    size_t n = (size_t)atoll(t[2]);
    unsigned char *b = malloc(n + 1);
    print_read(IS("pread") ? pread(slot(t[1]), b, n, atoll(t[3])) : read(slot(t[1]), b, n), b);
    free(b);
  } else if (IS("write") || IS("pwrite")) {
    size_t n = (size_t)atoll(t[2]);
    unsigned char *b = pattern(n);
    ssize_t r = IS("pwrite") ? pwrite(slot(t[1]), b, n, atoll(t[3])) : write(slot(t[1]), b, n);
    if (r < 0) fail(); else printf("ok n=%zd", r);
    free(b);
  } else if (IS("readv") || IS("writev")) {
    size_t n[2] = {(size_t)atoll(t[2]), (size_t)atoll(t[3])};
    unsigned char *b = IS("writev") ? pattern(n[0] + n[1]) : malloc(n[0] + n[1] + 1);
    struct iovec iov[2] = {{b, n[0]}, {b + n[0], n[1]}};
    ssize_t r = IS("writev") ? writev(slot(t[1]), iov, 2) : readv(slot(t[1]), iov, 2);
    if (IS("readv")) print_read(r, b);
    else if (r < 0) fail();
    else printf("ok n=%zd", r);
    free(b);
  } else if (IS("fsync")) result(fsync(slot(t[1])));
  else if (IS("append")) {
    int fl = fcntl(slot(t[1]), F_GETFL);
    if (fl < 0) { fail(); return; }
    result(fcntl(slot(t[1]), F_SETFL, atoi(t[2]) ? fl | O_APPEND : fl & ~O_APPEND));
  } else if (IS("allocate")) {
    int e = posix_fallocate(slot(t[1]), atoll(t[2]), atoll(t[3]));
    errno = e;
    result(e ? -1 : 0);
  } else if (IS("seek")) {
    off_t r = lseek(slot(t[1]), atoll(t[2]), t[3][0] == 'e' ? SEEK_END : t[3][0] == 'c' ? SEEK_CUR : SEEK_SET);
    if (r < 0) fail(); else printf("ok %lld", (long long)r);
  } else if (IS("fstat") || IS("stat")) {
    struct stat st;
    int r = IS("fstat") ? fstat(slot(t[1]), &st) : fstatat(dir_of(t[1]), t[2], &st, t[3][0] == 'n' ? AT_SYMLINK_NOFOLLOW : 0);
    if (r < 0) fail(); else print_stat(&st);
  } else if (IS("ftruncate")) result(ftruncate(slot(t[1]), atoll(t[2])));
  else if (IS("truncate")) {
    /* wasi-libc's truncate() is this too: preview1 truncates through a descriptor. */
    int fd = openat(dir_of(t[1]), t[2], O_WRONLY);
    if (fd < 0) { fail(); return; }
    result(ftruncate(fd, atoll(t[3])));
    close(fd);
  } else if (IS("access")) {
    int mode = strcmp(t[3], "f") == 0 ? F_OK : (strchr(t[3], 'r') ? R_OK : 0) | (strchr(t[3], 'w') ? W_OK : 0);
    result(faccessat(dir_of(t[1]), t[2], mode, 0));
  } else if (IS("readdir")) list_dir(dir_of(t[1]), t[2]);
  else if (IS("readlink")) {
    char buf[PATH_MAX];
    ssize_t n = readlinkat(dir_of(t[1]), t[2], buf, sizeof buf - 1);
    if (n < 0) fail(); else { buf[n] = 0; printf("ok '%s'", buf); }
  } else if (IS("mkdir")) result(mkdirat(dir_of(t[1]), t[2], 0755));
  else if (IS("rmdir")) result(unlinkat(dir_of(t[1]), t[2], AT_REMOVEDIR));
  else if (IS("unlink")) result(unlinkat(dir_of(t[1]), t[2], 0));
  else if (IS("rename")) result(renameat(dir_of(t[1]), t[2], dir_of(t[3]), t[4]));
  else if (IS("link")) result(linkat(dir_of(t[1]), t[2], dir_of(t[3]), t[4], t[5][0] == 'f' ? AT_SYMLINK_FOLLOW : 0));
  else if (IS("symlink")) result(symlinkat(t[1], dir_of(t[2]), t[3]));
  else if (IS("utimes")) set_times(dir_of(t[1]), t[2], t[3], t[4], t[5][0] == 'n' ? AT_SYMLINK_NOFOLLOW : 0);
  else if (IS("futimes")) set_times(slot(t[1]), NULL, t[2], t[3], 0);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) { fprintf(stderr, "usage: %s DIR < operations\n", argv[0]); return 2; }
#ifdef __wasi__
  /* The preopen itself (descriptor 3, the first), not a descriptor wasi-libc would open on it. */
  __wasi_prestat_t prestat;
  char name[256] = {0};
  if (__wasi_fd_prestat_get(3, &prestat) != 0 || prestat.u.dir.pr_name_len >= sizeof name ||
      __wasi_fd_prestat_dir_name(3, (uint8_t *)name, prestat.u.dir.pr_name_len) != 0 || strcmp(name, argv[1]) != 0) {
    printf("descriptor 3 is not the preopen %s\n", argv[1]);
    return 1;
  }
  ROOT = 3;
#else
  ROOT = open(argv[1], O_RDONLY | O_DIRECTORY);
  if (ROOT < 0 || !realpath(argv[1], ROOT_REAL)) { printf("open %s: %s\n", argv[1], en(errno)); return 1; }
#endif
  BASE = openat(ROOT, ".", O_RDONLY | O_DIRECTORY);
  if (BASE < 0) { printf("open .: %s\n", en(errno)); return 1; }
  close(BASE);
  static char line[65536];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *t[8];
    int n = 0;
    for (char *s = strtok(line, " "); s && n < 8; s = strtok(NULL, " ")) t[n++] = strcmp(s, "''") == 0 ? "" : s;
    if (n == 0) continue;
    printf("%llu", op_index);
    for (int i = 0; i < n; i++) printf(" %s", t[i][0] ? t[i] : "''");
    printf(": ");
    if (arity(t[0]) != n - 1) printf("bad operation");
    else run_op(t);
    printf("\n");
    op_index++;
  }
  printf("end\n");
  return 0;
}
