/* libFuzzer target: the CSV reader.  Any input must give PC_OK or a
 * PC_INPUT "name:line: problem" message, never a crash; an accepted series
 * must hold its promises (ascending dates, positive or missing closes). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pc_series s;
  pc_error e;
  pc_status st = pc_series_parse(&s, "fuzz.csv", (const char *)data, size, &e);
  if (st == PC_OK) {
    for (size_t i = 0; i < s.n; i++) {
      if ((i > 0 && s.date[i] <= s.date[i - 1]) ||
          !(isnan(s.close[i]) || s.close[i] > 0.0)) {
        abort();
      }
    }
  } else if (st != PC_INPUT || strncmp(e.msg, "fuzz.csv", 8) != 0 || s.n != 0) {
    abort();
  }
  pc_series_fini(&s);
  return 0;
}
