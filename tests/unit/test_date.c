/* Unit tests for pathcast/core/date.h. */
/* cmocka.h uses these without including them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#include <string.h>
#include <time.h>

#include "pathcast/core/date.h"

/* Parses a date the test knows to be valid, failing the test otherwise. */
static pc_date date_of(const char *s) {
  pc_date d = PC_DATE_NONE;
  assert_true(pc_date_parse(s, &d));
  return d;
}

typedef struct {
  const char *iso;
  int y, m, d;
  pc_date day;
  int weekday;
} known_day;

/* Day numbers and weekdays from Python's datetime (an independent source). */
static const known_day known[] = {
    {"1970-01-01", 1970, 1, 1, 0, 3},
    {"1969-12-31", 1969, 12, 31, -1, 2},
    {"2000-03-01", 2000, 3, 1, 11017, 2},
    {"2024-02-29", 2024, 2, 29, 19782, 3},
    {"0001-01-01", 1, 1, 1, -719162, 0},
    {"9999-12-31", 9999, 12, 31, 2932896, 4},
    {"1900-03-01", 1900, 3, 1, -25508, 3},
    {"1600-02-29", 1600, 2, 29, -135081, 1},
    {"2038-01-19", 2038, 1, 19, 24855, 1},
};

static void test_known_days(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    const known_day *k = &known[i];
    pc_date d = 12345;
    int y, m, dd;
    char buf[PC_DATE_STRLEN];
    assert_true(pc_date_from_ymd(k->y, k->m, k->d, &d));
    assert_int_equal(d, k->day);
    pc_date_to_ymd(k->day, &y, &m, &dd);
    assert_int_equal(y, k->y);
    assert_int_equal(m, k->m);
    assert_int_equal(dd, k->d);
    /* Parsing accepts the supported range only (pc_date_parse). */
    if (k->day >= PC_DATE_MIN) {
      assert_int_equal(date_of(k->iso), k->day);
    }
    assert_string_equal(pc_date_format(k->day, buf), k->iso);
    assert_int_equal(pc_date_weekday(k->day), k->weekday);
  }
}

/* Walks every day of years 1..9999 with a naive y/m/d counter and checks both
 * conversions against it: any off-by-one in the era arithmetic shows up. */
static void test_every_day_round_trips(void **state) {
  (void)state;
  pc_date expect = -719162; /* 0001-01-01 */
  for (int y = 1; y <= 9999; y++) {
    for (int m = 1; m <= 12; m++) {
      for (int d = 1; d <= pc_days_in_month(y, m); d++) {
        pc_date got = 0;
        int yy, mm, dd;
        if (!pc_date_from_ymd(y, m, d, &got) || got != expect) {
          fail_msg("from_ymd(%d,%d,%d) = %d, want %d", y, m, d, got, expect);
        }
        pc_date_to_ymd(expect, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d) {
          fail_msg("to_ymd(%d) = %d-%d-%d, want %d-%d-%d", expect, yy, mm, dd,
                   y, m, d);
        }
        expect++;
      }
    }
  }
  assert_int_equal(expect, 2932896 + 1);
}

static void test_invalid_ymd(void **state) {
  (void)state;
  static const int bad[][3] = {
      {2021, 2, 29}, {1900, 2, 29}, {2023, 4, 31}, {2024, 13, 1},
      {2024, 0, 1},  {2024, 1, 0},  {2024, 1, 32}, {0, 1, 1},
      {10000, 1, 1}, {-1, 1, 1},    {2024, -1, 1}, {2024, 2, 30},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pc_date out = 777;
    assert_false(pc_date_from_ymd(bad[i][0], bad[i][1], bad[i][2], &out));
    assert_int_equal(out, 777);
  }
  pc_date ok = 0;
  assert_true(pc_date_from_ymd(2000, 2, 29, &ok));
  assert_int_equal(ok, 11016);
}

static void test_parse_rejects(void **state) {
  (void)state;
  static const char *const bad[] = {
      "2021-02-29",
      "1900-02-29",
      "2020-1-01",
      "2020-01-1",
      "2020-01-011",
      "2020-01-01 ",
      " 2020-01-01",
      "2020/01/01",
      "20200101",
      "",
      "2020-13-01",
      "2020-00-10",
      "0000-01-01",
      "+020-01-01",
      "2020-01-0a",
      "2020-01-01x",
      "2020-01-",
      "2020-02-30",
      "2020--01-01",
      "-020-01-01",
      "2020-01-01\n",
      "2020-1-1",
      "\357\274\222020-01-01", /* fullwidth 2 */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pc_date out = 4242;
    if (pc_date_parse(bad[i], &out)) {
      fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(out, 4242);
  }
  pc_date out = 4242;
  assert_false(pc_date_parse(NULL, &out));
  assert_int_equal(out, 4242);
}

/* The supported range is 1800-01-01..9999-12-31: every date pathcast reads
 * or stores formats as YYYY-MM-DD and reads back. */
static void test_parse_accepts_extremes(void **state) {
  (void)state;
  pc_date d = 7;
  assert_int_equal(date_of("2000-02-29"), 11016);
  assert_int_equal(date_of("1800-01-01"), PC_DATE_MIN);
  assert_int_equal(date_of("9999-12-31"), PC_DATE_MAX);
  assert_int_equal(PC_DATE_MAX, 2932896);
  assert_int_equal(date_of("2024-12-31"), 20088);
  assert_false(pc_date_parse("1799-12-31", &d));
  assert_false(pc_date_parse("0001-01-01", &d));
  assert_int_equal(d, 7); /* untouched */
  assert_true(pc_date_outside_domain("1799-12-31"));
  assert_true(pc_date_outside_domain("0001-01-01"));
  assert_false(pc_date_outside_domain("1800-01-01"));
  assert_false(pc_date_outside_domain("1799-02-30")); /* not a date at all */
  assert_false(pc_date_outside_domain("2024-13-01"));
}

static void test_format(void **state) {
  (void)state;
  char buf[PC_DATE_STRLEN];
  assert_string_equal(pc_date_format(0, buf), "1970-01-01");
  assert_string_equal(pc_date_format(-1, buf), "1969-12-31");
  assert_string_equal(pc_date_format(20088, buf), "2024-12-31");
  assert_string_equal(pc_date_format(-719162, buf), "0001-01-01");
  assert_ptr_equal(pc_date_format(0, buf), buf);
  /* Outside four-digit years there is no correct text: a placeholder. */
  assert_string_equal(pc_date_format(PC_DATE_NONE, buf), "XXXX-XX-XX");
  assert_string_equal(pc_date_format(2932897 + 366 * 10, buf), "XXXX-XX-XX");
}

static void test_weekday_cycles(void **state) {
  (void)state;
  assert_int_equal(pc_date_weekday(date_of("2024-01-01")), 0); /* Monday */
  assert_int_equal(pc_date_weekday(date_of("2024-03-03")), 6); /* Sunday */
  assert_int_equal(pc_date_weekday(date_of("2000-01-01")), 5); /* Saturday */
  assert_int_equal(pc_date_weekday(date_of("1969-12-29")), 0); /* Monday */
  /* Consecutive days step through 0..6, including across the epoch. */
  for (pc_date d = -800; d < 800; d++) {
    assert_int_equal(pc_date_weekday(d + 1), (pc_date_weekday(d) + 1) % 7);
  }
}

static void test_leap_and_month_lengths(void **state) {
  (void)state;
  assert_true(pc_is_leap_year(2000));
  assert_true(pc_is_leap_year(2024));
  assert_true(pc_is_leap_year(2020));
  assert_true(pc_is_leap_year(1600));
  assert_false(pc_is_leap_year(1900));
  assert_false(pc_is_leap_year(2100));
  assert_false(pc_is_leap_year(2023));
  assert_int_equal(pc_days_in_month(2024, 2), 29);
  assert_int_equal(pc_days_in_month(2023, 2), 28);
  assert_int_equal(pc_days_in_month(1900, 2), 28);
  assert_int_equal(pc_days_in_month(2000, 2), 29);
  assert_int_equal(pc_days_in_month(2023, 1), 31);
  assert_int_equal(pc_days_in_month(2023, 4), 30);
  assert_int_equal(pc_days_in_month(2023, 12), 31);
  assert_int_equal(pc_days_in_month(2023, 0), 0);
  assert_int_equal(pc_days_in_month(2023, 13), 0);
}

static void test_month_index(void **state) {
  (void)state;
  assert_int_equal(pc_date_month_index(date_of("2024-03-15")), 2024 * 12 + 2);
  assert_int_equal(pc_date_month_index(date_of("2024-01-01")), 2024 * 12);
  assert_int_equal(pc_date_month_index(date_of("2023-12-31")), 2024 * 12 - 1);
  assert_int_equal(pc_month_first_day(2024 * 12 + 2), date_of("2024-03-01"));
  assert_int_equal(pc_month_first_day(2024 * 12 - 1), date_of("2023-12-01"));
  assert_int_equal(pc_month_first_day(1800 * 12), date_of("1800-01-01"));
  /* Every day maps to its month, and the month's first day is on or before
   * it and within 31 days. */
  for (pc_date d = date_of("1899-01-01"); d <= date_of("2101-01-01"); d++) {
    int32_t mi = pc_date_month_index(d);
    pc_date first = pc_month_first_day(mi);
    int y, m, dd;
    pc_date_to_ymd(d, &y, &m, &dd);
    if (first != d - (dd - 1) || pc_month_first_day(mi + 1) <= d) {
      fail_msg("month index of %d wrong", d);
    }
  }
}

static void test_today_utc(void **state) {
  (void)state;
  time_t before = time(NULL);
  pc_date today = pc_date_today_utc();
  time_t after = time(NULL);
  assert_in_range(today, (pc_date)(before / 86400), (pc_date)(after / 86400));
  assert_true(today >= date_of("2024-01-01"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_days),
      cmocka_unit_test(test_every_day_round_trips),
      cmocka_unit_test(test_invalid_ymd),
      cmocka_unit_test(test_parse_rejects),
      cmocka_unit_test(test_parse_accepts_extremes),
      cmocka_unit_test(test_format),
      cmocka_unit_test(test_weekday_cycles),
      cmocka_unit_test(test_leap_and_month_lengths),
      cmocka_unit_test(test_month_index),
      cmocka_unit_test(test_today_utc),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
