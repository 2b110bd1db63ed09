/* `make test T=test_store C=test_partition_truncated` runs one cmocka case:
 * every unit test's main calls this first, so PC_TEST_CASE (a cmocka
 * pattern, `*` and `?` allowed) picks the cases that run. */
#ifndef PC_TEST_FILTER_H
#define PC_TEST_FILTER_H

#include <stdlib.h>

static inline void pc_test_filter(void) {
  const char *pattern = getenv("PC_TEST_CASE");
  if (pattern != NULL && *pattern != '\0') {
    cmocka_set_test_filter(pattern);
  }
}

#endif
