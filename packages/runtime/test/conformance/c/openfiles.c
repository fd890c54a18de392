// Opens files without closing them until open fails; prints how many it got and the errno.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  char name[64];
  for (int i = 0; i < 1000; i++) {
    snprintf(name, sizeof name, "/data/f%d", i);
    if (open(name, O_CREAT | O_WRONLY, 0644) < 0) {
      printf("opened=%d errno=%s\n", i, errno == EMFILE ? "EMFILE" : strerror(errno));
      return 0;
    }
  }
  printf("opened=1000\n");
  return 0;
}
