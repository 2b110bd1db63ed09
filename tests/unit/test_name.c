/* Unit tests for pathcast/core/name.h's list of names for messages: items
 * joined by ", ", and a list too long for its buffer cut without overflow,
 * the way the "valid: ..." parts of error messages rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers above, as cmocka requires */

#include "test_filter.h"

#include <string.h>

#include "pathcast/core/name.h"

static void test_names_joined(void **state) {
  (void)state;
  char buf[64] = "";
  pc_names_append(buf, sizeof buf, "naive");
  assert_string_equal(buf, "naive");
  pc_names_append(buf, sizeof buf, "random_walk");
  pc_names_append(buf, sizeof buf, "garch");
  assert_string_equal(buf, "naive, random_walk, garch");
}

/* A buffer of 12 bytes holds 11 characters: the list is cut there, and
 * later items change nothing; the bytes after the buffer are untouched. */
static void test_names_cut(void **state) {
  (void)state;
  char mem[16];
  memset(mem, 'X', sizeof mem);
  char *buf = mem;
  buf[0] = '\0';
  pc_names_append(buf, 12, "alpha");
  pc_names_append(buf, 12, "bravo");
  assert_string_equal(buf, "alpha, brav");
  pc_names_append(buf, 12, "charlie");
  assert_string_equal(buf, "alpha, brav");
  assert_memory_equal(mem + 12, "XXXX", 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names_joined),
      cmocka_unit_test(test_names_cut),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
