// Benchmark: builds a tree of argv[1] directories x argv[2] files under /data/tree (unless it
// exists), then walks it recursively argv[3] times, stat-ing every entry.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
static long entries;
static void walk(const char *path) {
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *e;
  char child[512];
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(child, sizeof child, "%s/%s", path, e->d_name);
    struct stat st;
    if (stat(child, &st) == 0) entries++;
    if (e->d_type == DT_DIR) walk(child);
  }
  closedir(d);
}
int main(int argc, char **argv) {
  int dirs = argc > 1 ? atoi(argv[1]) : 10, files = argc > 2 ? atoi(argv[2]) : 10, reps = argc > 3 ? atoi(argv[3]) : 1;
  struct stat st;
  if (stat("/data/tree", &st) != 0) {
    mkdir("/data/tree", 0755);
    char p[256];
    for (int i = 0; i < dirs; i++) {
      snprintf(p, sizeof p, "/data/tree/d%d", i);
      mkdir(p, 0755);
      for (int j = 0; j < files; j++) {
        snprintf(p, sizeof p, "/data/tree/d%d/f%d", i, j);
        close(open(p, O_CREAT | O_WRONLY, 0644));
      }
    }
  }
  for (int r = 0; r < reps; r++) walk("/data/tree");
  printf("entries=%ld\n", entries);
  return 0;
}
