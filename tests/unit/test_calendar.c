/* Unit tests for pathcast/core/calendar.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkstemp, for holiday files on disk */
#endif

/* cmocka.h uses these without including them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pathcast/core/calendar.h"

static pc_date date_of(const char *s) {
  pc_date d = PC_DATE_NONE;
  assert_true(pc_date_parse(s, &d));
  return d;
}

/* Parses holidays from a string literal, asserting success. */
static void add_holidays(pc_calendar *cal, const char *text) {
  pc_error e = {""};
  assert_int_equal(pc_calendar_parse_holidays(cal, "t", text, strlen(text), &e),
                   PC_OK);
  assert_string_equal(e.msg, "");
}

/* Writes text to a fresh temporary file and returns its path in buf. */
static void write_temp(char *buf, const char *text) {
  strcpy(buf, "/tmp/pc_test_holidays_XXXXXX");
  int fd = mkstemp(buf);
  assert_true(fd >= 0);
  size_t len = strlen(text);
  assert_int_equal(write(fd, text, len), (ssize_t)len);
  close(fd);
}

static void test_weekdays_and_daily(void **state) {
  (void)state;
  pc_calendar wk, dy;
  pc_calendar_init(&wk, PC_CAL_WEEKDAYS);
  pc_calendar_init(&dy, PC_CAL_DAILY);
  /* 2024-01-01 was a Monday: five trading days then a weekend. */
  static const bool week[7] = {true, true, true, true, true, false, false};
  pc_date mon = date_of("2024-01-01");
  for (int i = 0; i < 14; i++) {
    assert_int_equal(pc_calendar_is_trading(&wk, mon + i), week[i % 7]);
    assert_true(pc_calendar_is_trading(&dy, mon + i));
  }
  assert_false(pc_calendar_is_trading(&wk, date_of("1969-12-28"))); /* Sun */
  assert_true(pc_calendar_is_trading(&wk, date_of("1969-12-29")));  /* Mon */
  pc_calendar_fini(&wk);
  pc_calendar_fini(&dy);
}

static void test_parse_sorts_and_dedups(void **state) {
  (void)state;
  pc_calendar cal;
  pc_calendar_init(&cal, PC_CAL_WEEKDAYS);
  add_holidays(&cal, "# exchange holidays\r\n"
                     "2025-01-01\r\n"
                     "\n"
                     "   2024-12-25  \r\n"
                     "\t2024-07-04\n"
                     "   # indented comment\n"
                     "2024-12-25\n"
                     "   \r\n"
                     "2024-07-04"); /* no final newline */
  assert_int_equal(cal.nholidays, 3);
  assert_int_equal(cal.holidays[0], date_of("2024-07-04"));
  assert_int_equal(cal.holidays[1], date_of("2024-12-25"));
  assert_int_equal(cal.holidays[2], date_of("2025-01-01"));
  assert_false(pc_calendar_is_trading(&cal, date_of("2024-12-25")));
  assert_true(pc_calendar_is_trading(&cal, date_of("2024-12-24")));
  pc_calendar_fini(&cal);
  assert_null(cal.holidays);
  assert_int_equal(cal.nholidays, 0);
}

static void test_empty_text_is_fine(void **state) {
  (void)state;
  pc_calendar cal;
  pc_calendar_init(&cal, PC_CAL_DAILY);
  add_holidays(&cal, "");
  add_holidays(&cal, "# only a comment\n\n");
  assert_int_equal(cal.nholidays, 0);
  pc_calendar_fini(&cal);
}

typedef struct {
  const char *text;
  const char *msg;
} bad_case;

static void test_bad_lines_leave_calendar_unchanged(void **state) {
  (void)state;
  static const bad_case cases[] = {
      {"2024-01-01\n2021-02-29\n",
       "h.txt:2: bad date '2021-02-29' (expected YYYY-MM-DD)"},
      {"# c\n\n  2024-1-05 \r\n",
       "h.txt:3: bad date '2024-1-05' (expected YYYY-MM-DD)"},
      {"2024-01-01 # new year\n",
       "h.txt:1: bad date '2024-01-01 # new year' (expected YYYY-MM-DD)"},
      {"2024-01-02\n2024-01-03\n2024-01-04\njunk",
       "h.txt:4: bad date 'junk' (expected YYYY-MM-DD)"},
      {"2024-13-01\n2024-01-01\n",
       "h.txt:1: bad date '2024-13-01' (expected YYYY-MM-DD)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pc_calendar cal;
    pc_error e = {""};
    pc_calendar_init(&cal, PC_CAL_WEEKDAYS);
    add_holidays(&cal, "2023-12-25\n");
    const char *t = cases[i].text;
    assert_int_equal(
        pc_calendar_parse_holidays(&cal, "h.txt", t, strlen(t), &e), PC_INPUT);
    assert_string_equal(e.msg, cases[i].msg);
    assert_int_equal(cal.nholidays, 1);
    assert_int_equal(cal.holidays[0], date_of("2023-12-25"));
    pc_calendar_fini(&cal);
  }
}

static void test_embedded_nul_is_bad(void **state) {
  (void)state;
  static const char text[] = "2024-01-0\0001\n";
  pc_calendar cal;
  pc_error e = {""};
  pc_calendar_init(&cal, PC_CAL_DAILY);
  assert_int_equal(
      pc_calendar_parse_holidays(&cal, "n", text, sizeof text - 1, &e),
      PC_INPUT);
  assert_int_equal(strncmp(e.msg, "n:1: bad date '", 15), 0);
  assert_int_equal(cal.nholidays, 0);
  pc_calendar_fini(&cal);
}

static void test_load_file_and_accumulate(void **state) {
  (void)state;
  char p1[64], p2[64];
  write_temp(p1, "2024-12-25\n2024-12-26\n");
  write_temp(p2, "2024-12-26\n2024-01-01\n");
  pc_calendar cal;
  pc_error e = {""};
  pc_calendar_init(&cal, PC_CAL_WEEKDAYS);
  assert_int_equal(pc_calendar_load_holidays(&cal, p1, &e), PC_OK);
  assert_int_equal(pc_calendar_load_holidays(&cal, p2, &e), PC_OK);
  /* A second file adds to the first; the shared date appears once. */
  assert_int_equal(cal.nholidays, 3);
  assert_int_equal(cal.holidays[0], date_of("2024-01-01"));
  assert_int_equal(cal.holidays[1], date_of("2024-12-25"));
  assert_int_equal(cal.holidays[2], date_of("2024-12-26"));
  pc_calendar_fini(&cal);
  remove(p1);
  remove(p2);
}

static void test_load_file_errors(void **state) {
  (void)state;
  char path[64], want[256];
  write_temp(path, "2024-12-25\n\nnot a date\n");
  pc_calendar cal;
  pc_error e = {""};
  pc_calendar_init(&cal, PC_CAL_WEEKDAYS);
  assert_int_equal(pc_calendar_load_holidays(&cal, path, &e), PC_INPUT);
  snprintf(want, sizeof want,
           "%s:3: bad date 'not a date' (expected YYYY-MM-DD)", path);
  assert_string_equal(e.msg, want);
  remove(path);
  assert_int_equal(pc_calendar_load_holidays(&cal, path, &e), PC_INPUT);
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
           path);
  assert_string_equal(e.msg, want);
  assert_int_equal(pc_calendar_load_holidays(&cal, "/tmp", &e), PC_INPUT);
  assert_string_equal(e.msg, "/tmp: cannot read: Is a directory");
  assert_int_equal(cal.nholidays, 0);
  assert_null(cal.holidays);
  pc_calendar_fini(&cal);
}

/* A calendar around Christmas 2024: Wed 25 and Thu 26 are holidays, so is
 * Wed 2025-01-01, and a holiday on Saturday 28 changes nothing. */
static void xmas_calendar(pc_calendar *cal) {
  pc_calendar_init(cal, PC_CAL_WEEKDAYS);
  add_holidays(cal, "2024-12-25\n2024-12-26\n2024-12-28\n2025-01-01\n");
}

typedef struct {
  const char *from;
  const char *next, *prev, *on_or_after;
} step_case;

static void test_next_prev(void **state) {
  (void)state;
  static const step_case cases[] = {
      {"2024-12-24", "2024-12-27", "2024-12-23", "2024-12-24"},
      {"2024-12-25", "2024-12-27", "2024-12-24", "2024-12-27"},
      {"2024-12-27", "2024-12-30", "2024-12-24", "2024-12-27"},
      {"2024-12-28", "2024-12-30", "2024-12-27", "2024-12-30"},
      {"2024-12-31", "2025-01-02", "2024-12-30", "2024-12-31"},
      {"2025-01-01", "2025-01-02", "2024-12-31", "2025-01-02"},
      {"2024-12-30", "2024-12-31", "2024-12-27", "2024-12-30"},
  };
  pc_calendar cal;
  xmas_calendar(&cal);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pc_date d = date_of(cases[i].from);
    assert_int_equal(pc_calendar_next(&cal, d), date_of(cases[i].next));
    assert_int_equal(pc_calendar_prev(&cal, d), date_of(cases[i].prev));
    assert_int_equal(pc_calendar_on_or_after(&cal, d),
                     date_of(cases[i].on_or_after));
  }
  pc_calendar_fini(&cal);
}

typedef struct {
  const char *from;
  int k;
  const char *want;
} nth_case;

static void test_nth(void **state) {
  (void)state;
  static const nth_case cases[] = {
      {"2024-12-23", 1, "2024-12-23"}, /* a trading day is its own day 1 */
      {"2024-12-23", 2, "2024-12-24"},
      {"2024-12-23", 3, "2024-12-27"},
      {"2024-12-23", 4, "2024-12-30"},
      {"2024-12-23", 6, "2025-01-02"},
      {"2024-12-25", 1, "2024-12-27"}, /* a holiday starts at the next day */
      {"2024-12-25", 2, "2024-12-30"},
      {"2024-12-28", 1, "2024-12-30"},
      {"2024-12-28", 14, "2025-01-17"},
      {"2024-12-23", 0, "2024-12-23"}, /* below 1 behaves as 1 */
  };
  pc_calendar cal;
  xmas_calendar(&cal);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pc_date got = pc_calendar_nth(&cal, date_of(cases[i].from), cases[i].k);
    assert_int_equal(got, date_of(cases[i].want));
  }
  pc_calendar_fini(&cal);
}

typedef struct {
  const char *a, *b;
  size_t count, between;
} count_case;

static void test_count_table(void **state) {
  (void)state;
  static const count_case cases[] = {
      {"2024-12-23", "2024-12-31", 5,
       3}, /* 23 24 27 30 31; between: 24 27 30 */
      {"2024-12-25", "2024-12-26", 0, 0},
      {"2024-12-27", "2024-12-27", 1, 0},
      {"2024-12-28", "2024-12-29", 0, 0},
      {"2024-12-31", "2024-12-23", 0, 0}, /* reversed */
      {"2024-12-24", "2024-12-27", 2, 0},
      {"2024-12-24", "2024-12-30", 3, 1},
      {"2024-01-01", "2024-12-31", 260, 258}, /* 262 weekdays minus 25, 26 */
  };
  pc_calendar cal;
  xmas_calendar(&cal);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pc_date a = date_of(cases[i].a), b = date_of(cases[i].b);
    assert_int_equal(pc_calendar_count(&cal, a, b), cases[i].count);
    assert_int_equal(pc_calendar_count_between(&cal, a, b), cases[i].between);
  }
  pc_calendar_fini(&cal);
}

/* Counts by walking every day: slow but obviously right. */
static size_t brute_count(const pc_calendar *cal, pc_date a, pc_date b) {
  size_t n = 0;
  for (pc_date d = a; d <= b; d++) {
    n += pc_calendar_is_trading(cal, d);
  }
  return n;
}

/* The arithmetic count agrees with walking, for both kinds of calendar and
 * for ranges on either side of the epoch, starting on every weekday. */
static void test_count_matches_brute_force(void **state) {
  (void)state;
  static const pc_cal_kind kinds[] = {PC_CAL_WEEKDAYS, PC_CAL_DAILY};
  for (size_t k = 0; k < 2; k++) {
    pc_calendar cal;
    pc_calendar_init(&cal, kinds[k]);
    add_holidays(&cal, "1969-12-25\n1970-01-01\n1970-01-03\n2024-12-25\n"
                       "2024-12-28\n2025-01-01\n");
    const pc_date base[] = {date_of("1969-12-20"), date_of("2024-12-20")};
    for (size_t s = 0; s < 2; s++) {
      for (pc_date a = base[s]; a < base[s] + 20; a++) {
        for (pc_date b = a - 2; b < a + 40; b++) {
          assert_int_equal(pc_calendar_count(&cal, a, b),
                           brute_count(&cal, a, b));
        }
      }
    }
    pc_date a = date_of("1900-01-01"), b = date_of("2100-12-31");
    assert_int_equal(pc_calendar_count(&cal, a, b), brute_count(&cal, a, b));
    pc_calendar_fini(&cal);
  }
}

/* Years 1900..2100 hold 73414 days, of which 52440 are weekdays. */
static void test_count_long_range_exact(void **state) {
  (void)state;
  pc_calendar wk, dy;
  pc_calendar_init(&wk, PC_CAL_WEEKDAYS);
  pc_calendar_init(&dy, PC_CAL_DAILY);
  pc_date a = date_of("1900-01-01"), b = date_of("2100-12-31");
  assert_int_equal(pc_calendar_count(&dy, a, b), 73414);
  assert_int_equal(pc_calendar_count(&wk, a, b), 52440);
  assert_int_equal(pc_calendar_count_between(&wk, a, b), 52438);
  pc_calendar_fini(&wk);
  pc_calendar_fini(&dy);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_weekdays_and_daily),
      cmocka_unit_test(test_parse_sorts_and_dedups),
      cmocka_unit_test(test_empty_text_is_fine),
      cmocka_unit_test(test_bad_lines_leave_calendar_unchanged),
      cmocka_unit_test(test_embedded_nul_is_bad),
      cmocka_unit_test(test_load_file_and_accumulate),
      cmocka_unit_test(test_load_file_errors),
      cmocka_unit_test(test_next_prev),
      cmocka_unit_test(test_nth),
      cmocka_unit_test(test_count_table),
      cmocka_unit_test(test_count_matches_brute_force),
      cmocka_unit_test(test_count_long_range_exact),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
