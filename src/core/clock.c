/* The one monotonic clock (see pathcast/core/clock.h). */
#include "pathcast/core/clock.h"

#include <time.h>

double pc_monotonic_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
