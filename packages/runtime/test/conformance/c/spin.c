// An infinite loop with no host calls (stopped only by fuel or the wall clock).
volatile unsigned long counter;
int main(void) {
  for (;;) counter++;
}
