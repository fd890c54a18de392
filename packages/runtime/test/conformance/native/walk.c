// recursive directory walk: opendir/readdir/fstatat/openat, nftw, scandir
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>
static char *names[10000]; static int nn;
static int cmp(const void *a, const void *b) { return strcmp(*(char**)a, *(char**)b); }
static char tc(mode_t m) { return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : '?'; }
static char dtc(int t) { return t == DT_REG ? 'f' : t == DT_DIR ? 'd' : t == DT_LNK ? 'l' : t == DT_UNKNOWN ? 'u' : '?'; }
static void walk(int dfd, const char *rel, int depth) {
  int fd = openat(dfd, rel, O_RDONLY | O_DIRECTORY);
  if (fd < 0) { printf("openat %s: %s\n", rel, en(errno)); return; }
  DIR *d = fdopendir(fd);
  if (!d) { printf("fdopendir %s: %s\n", rel, en(errno)); return; }
  char *local[1000]; int n = 0; struct dirent *e;
  while ((e = readdir(d))) {
    char buf[600]; snprintf(buf, sizeof buf, "%s %c", e->d_name, dtc(e->d_type));
    local[n++] = strdup(buf);
  }
  qsort(local, n, sizeof *local, cmp);
  for (int i = 0; i < n; i++) {
    char name[600]; strcpy(name, local[i]); *strrchr(name, ' ') = 0;
    struct stat st;
    int r = fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW);
    printf("%*s%s: ", depth * 2, "", local[i]);
    if (r < 0) printf("fstatat %s\n", en(errno));
    else printf("%c size=%lld nlink=%d\n", tc(st.st_mode), S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size, S_ISDIR(st.st_mode) ? 0 : (int)st.st_nlink);
    if (r == 0 && S_ISDIR(st.st_mode) && strcmp(name, ".") && strcmp(name, "..")) walk(dirfd(d), name, depth + 1);
  }
  closedir(d);
}
static int fn(const char *p, const struct stat *st, int flag, struct FTW *f) {
  char buf[4200]; const char *fl = flag==FTW_F?"F":flag==FTW_D?"D":flag==FTW_DNR?"DNR":flag==FTW_NS?"NS":flag==FTW_SL?"SL":flag==FTW_DP?"DP":flag==FTW_SLN?"SLN":"?";
  snprintf(buf, sizeof buf, "%s flag=%s level=%d type=%c", p, fl, f->level, tc(st->st_mode));
  names[nn++] = strdup(buf); return 0;
}
int main(int argc, char **argv) {
  init(argc, argv);
  int dfd = open(D, O_RDONLY | O_DIRECTORY);
  printf("open D: %s\n", dfd >= 0 ? "ok" : en(errno));
  printf("-- manual walk\n"); walk(dfd, ".", 0);
  printf("-- nftw phys\n"); nn = 0;
  R("nftw", nftw(D, fn, 16, FTW_PHYS));
  qsort(names, nn, sizeof *names, cmp); for (int i = 0; i < nn; i++) printf("%s\n", names[i] + strlen(D));
  printf("-- nftw follow\n"); nn = 0;
  R("nftw", nftw(D, fn, 16, 0));
  qsort(names, nn, sizeof *names, cmp); for (int i = 0; i < nn; i++) printf("%s\n", names[i] + strlen(D));
  printf("-- nftw depth\n"); nn = 0;
  R("nftw", nftw(D, fn, 16, FTW_PHYS | FTW_DEPTH));
  qsort(names, nn, sizeof *names, cmp); for (int i = 0; i < nn; i++) printf("%s\n", names[i] + strlen(D));
  printf("-- nftw ro\n"); nn = 0;
  R("nftw", nftw(RO, fn, 16, 0));
  qsort(names, nn, sizeof *names, cmp); for (int i = 0; i < nn; i++) printf("%s\n", names[i] + strlen(RO));
  printf("-- scandir\n");
  struct dirent **list; int n = scandir(pj(D, "a"), &list, NULL, alphasort);
  printf("scandir: %d\n", n); for (int i = 0; i < n; i++) printf("  %s\n", list[i]->d_name);
#ifndef __wasi__
  printf("-- realpath\n");
  const char *rp[] = {"link_f1", "link_ab/c/f3", "a/b/../f2", "a/up_f1", "dangling", "a/./b//c", "nonexist", "link_ab/..", "a/b/c/../../..", 0};
  for (int i = 0; rp[i]; i++) { char out[4096]; errno = 0; char *r = realpath(pj(D, rp[i]), out); printf("realpath %s: %s\n", rp[i], r ? out : en(errno)); }
#endif
  return 0;
}
