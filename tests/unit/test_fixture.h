/* Committed reference fixtures (tests/unit/data/, written by the scripts in
 * tools/): opened by one helper, so every unit test fails alike, naming the
 * path, when run from elsewhere than the repository root.  Include after
 * <cmocka.h>. */
#ifndef PC_TEST_FIXTURE_H
#define PC_TEST_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>

/* The file whose path the printf-style format gives, open for reading. */
static inline FILE *pc_test_open_fixture(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static inline FILE *pc_test_open_fixture(const char *fmt, ...) {
  char path[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(path, sizeof path, fmt, ap);
  va_end(ap);
  FILE *in = fopen(path, "r");
  if (in == NULL) {
    fail_msg("cannot open %s (run the tests from the repository root)", path);
  }
  return in;
}

#endif
