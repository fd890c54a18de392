// A plugin that reports metrics through a function its host provides, `plugin_host.emit_metric`.
// The policy allows that import only while the custom capability "metrics" is granted, so a
// host can switch the plugin's reporting off in the policy file.
#include <stdint.h>
#include <string.h>

__attribute__((import_module("plugin_host"), import_name("emit_metric")))
int32_t emit_metric(const char *name, int32_t name_len, int64_t value);

static int32_t emit(const char *name, int64_t value) {
  return emit_metric(name, (int32_t)strlen(name), value);
}

int main(void) {
  int64_t sum = 0;
  for (int64_t i = 1; i <= 1000; i++) sum += i * i;
  int32_t failures = 0;
  failures += emit("plugin.sum_of_squares", sum) != 0;
  failures += emit("plugin.items", 1000) != 0;
  return failures;
}
