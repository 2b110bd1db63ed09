/* Unit tests for pathcast/core/schedule.h. */
/* cmocka.h uses these without including them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#include <stdio.h>
#include <string.h>

#include "pathcast/core/schedule.h"

static pc_date date_of(const char *s) {
  pc_date d = PC_DATE_NONE;
  assert_true(pc_date_parse(s, &d));
  return d;
}

/* Fails with readable dates rather than day numbers. */
static void assert_date(pc_date got, const char *want, const char *what) {
  if (got != date_of(want)) {
    char buf[PC_DATE_STRLEN];
    fail_msg("%s: got %s, want %s", what, pc_date_format(got, buf), want);
  }
}

typedef struct {
  pc_freq f;
  const char *anchor;
  int64_t k;
  const char *want;
} date_case;

/* T_k for every frequency, month-end and leap-day anchors (Jan 31, Feb 29,
 * Aug 31), leap and non-leap century years (1900, 2000, 2100) and negative
 * k.  Expected values were computed independently with Python's datetime and
 * checked by hand against the month-end clamping rule. */
static const date_case date_cases[] = {
    {PC_FREQ_DAILY, "2024-02-28", 1, "2024-02-29"},
    {PC_FREQ_DAILY, "2024-02-28", 2, "2024-03-01"},
    {PC_FREQ_DAILY, "2024-02-28", -1, "2024-02-27"},
    {PC_FREQ_DAILY, "2024-02-28", 366, "2025-02-28"},
    {PC_FREQ_DAILY, "2024-02-28", 0, "2024-02-28"},
    {PC_FREQ_DAILY, "1900-02-28", 1, "1900-03-01"},
    {PC_FREQ_DAILY, "1900-02-28", -59, "1899-12-31"},
    {PC_FREQ_DAILY, "2000-02-28", 1, "2000-02-29"},
    {PC_FREQ_DAILY, "2000-02-28", 2, "2000-03-01"},
    {PC_FREQ_WEEKLY, "2024-01-01", 1, "2024-01-08"},
    {PC_FREQ_WEEKLY, "2024-01-01", 9, "2024-03-04"},
    {PC_FREQ_WEEKLY, "2024-01-01", -1, "2023-12-25"},
    {PC_FREQ_WEEKLY, "2024-01-01", -53, "2022-12-26"},
    {PC_FREQ_BIWEEKLY, "2024-01-05", 1, "2024-01-19"},
    {PC_FREQ_BIWEEKLY, "2024-01-05", 4, "2024-03-01"},
    {PC_FREQ_BIWEEKLY, "2024-01-05", -1, "2023-12-22"},
    {PC_FREQ_BIWEEKLY, "2024-01-05", 26, "2025-01-03"},
    {PC_FREQ_BIWEEKLY, "2024-01-05", -27, "2022-12-23"},
    {PC_FREQ_MONTHLY, "2024-01-31", 1, "2024-02-29"},
    {PC_FREQ_MONTHLY, "2024-01-31", 2, "2024-03-31"},
    {PC_FREQ_MONTHLY, "2024-01-31", 3, "2024-04-30"},
    {PC_FREQ_MONTHLY, "2024-01-31", 4, "2024-05-31"},
    {PC_FREQ_MONTHLY, "2024-01-31", 13, "2025-02-28"},
    {PC_FREQ_MONTHLY, "2024-01-31", -1, "2023-12-31"},
    {PC_FREQ_MONTHLY, "2024-01-31", -2, "2023-11-30"},
    {PC_FREQ_MONTHLY, "2024-01-31", -11, "2023-02-28"},
    {PC_FREQ_MONTHLY, "2024-01-31", -12, "2023-01-31"},
    {PC_FREQ_MONTHLY, "2023-01-31", 1, "2023-02-28"},
    {PC_FREQ_MONTHLY, "2023-01-31", 2, "2023-03-31"},
    {PC_FREQ_MONTHLY, "1900-01-31", 1, "1900-02-28"},
    {PC_FREQ_MONTHLY, "1900-01-31", 2, "1900-03-31"},
    {PC_FREQ_MONTHLY, "2000-01-31", 1, "2000-02-29"},
    {PC_FREQ_MONTHLY, "2100-01-29", 1, "2100-02-28"},
    {PC_FREQ_MONTHLY, "2024-02-29", 1, "2024-03-29"},
    {PC_FREQ_MONTHLY, "2024-02-29", 12, "2025-02-28"},
    {PC_FREQ_MONTHLY, "2024-02-29", 48, "2028-02-29"},
    {PC_FREQ_MONTHLY, "2024-02-29", -1, "2024-01-29"},
    {PC_FREQ_MONTHLY, "2024-08-31", 1, "2024-09-30"},
    {PC_FREQ_MONTHLY, "2024-08-31", 6, "2025-02-28"},
    {PC_FREQ_MONTHLY, "2024-08-31", -6, "2024-02-29"},
    {PC_FREQ_QUARTERLY, "2023-08-31", 1, "2023-11-30"},
    {PC_FREQ_QUARTERLY, "2023-08-31", 2, "2024-02-29"},
    {PC_FREQ_QUARTERLY, "2023-08-31", 3, "2024-05-31"},
    {PC_FREQ_QUARTERLY, "2023-08-31", 4, "2024-08-31"},
    {PC_FREQ_QUARTERLY, "2023-08-31", -1, "2023-05-31"},
    {PC_FREQ_QUARTERLY, "2023-08-31", -2, "2023-02-28"},
    {PC_FREQ_QUARTERLY, "2023-08-31", -4, "2022-08-31"},
    {PC_FREQ_QUARTERLY, "1999-11-30", 1, "2000-02-29"},
    {PC_FREQ_QUARTERLY, "1999-11-30", -1, "1999-08-30"},
    {PC_FREQ_SEMIANNUALLY, "2024-01-01", 1, "2024-07-01"},
    {PC_FREQ_SEMIANNUALLY, "2024-01-01", 2, "2025-01-01"},
    {PC_FREQ_SEMIANNUALLY, "2024-01-01", -1, "2023-07-01"},
    {PC_FREQ_SEMIANNUALLY, "2023-08-31", 1, "2024-02-29"},
    {PC_FREQ_SEMIANNUALLY, "2023-08-31", 2, "2024-08-31"},
    {PC_FREQ_SEMIANNUALLY, "2023-08-31", 3, "2025-02-28"},
    {PC_FREQ_SEMIANNUALLY, "2023-08-31", -1, "2023-02-28"},
    {PC_FREQ_SEMIANNUALLY, "2024-02-29", 1, "2024-08-29"},
    {PC_FREQ_SEMIANNUALLY, "2024-02-29", 2, "2025-02-28"},
    {PC_FREQ_SEMIANNUALLY, "2024-02-29", -8, "2020-02-29"},
    {PC_FREQ_ANNUALLY, "2024-02-29", 1, "2025-02-28"},
    {PC_FREQ_ANNUALLY, "2024-02-29", 4, "2028-02-29"},
    {PC_FREQ_ANNUALLY, "2024-02-29", -1, "2023-02-28"},
    {PC_FREQ_ANNUALLY, "2024-02-29", -4, "2020-02-29"},
    {PC_FREQ_ANNUALLY, "2024-02-29", -24, "2000-02-29"},
    {PC_FREQ_ANNUALLY, "2024-02-29", -124, "1900-02-28"},
    {PC_FREQ_ANNUALLY, "1896-02-29", 4, "1900-02-28"},
    {PC_FREQ_ANNUALLY, "1896-02-29", 8, "1904-02-29"},
    {PC_FREQ_ANNUALLY, "1896-02-29", 104, "2000-02-29"},
    {PC_FREQ_ANNUALLY, "2023-08-31", 0, "2023-08-31"},
    {PC_FREQ_ANNUALLY, "2023-08-31", -1, "2022-08-31"},
};

static void test_schedule_date_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof date_cases / sizeof date_cases[0]; i++) {
    const date_case *c = &date_cases[i];
    char what[96];
    snprintf(what, sizeof what, "%s from %s, k = %lld", pc_freq_name(c->f),
             c->anchor, (long long)c->k);
    assert_date(pc_schedule_date(c->f, date_of(c->anchor), c->k), c->want,
                what);
  }
}

typedef struct {
  pc_freq f;
  const char *anchor, *d;
  int64_t k;
  const char *on_or_before, *after;
} index_case;

static const index_case index_cases[] = {
    /* The seed example: semiannual from 2024-01-01. */
    {PC_FREQ_SEMIANNUALLY, "2024-01-01", "2024-07-15", 1, "2024-07-01",
     "2025-01-01"},
    {PC_FREQ_SEMIANNUALLY, "2024-01-01", "2024-07-01", 1, "2024-07-01",
     "2025-01-01"},
    {PC_FREQ_SEMIANNUALLY, "2024-01-01", "2024-06-30", 0, "2024-01-01",
     "2024-07-01"},
    {PC_FREQ_SEMIANNUALLY, "2024-01-01", "2024-01-01", 0, "2024-01-01",
     "2024-07-01"},
    {PC_FREQ_SEMIANNUALLY, "2024-01-01", "2023-12-31", -1, "2023-07-01",
     "2024-01-01"},
    {PC_FREQ_SEMIANNUALLY, "2024-01-01", "2026-03-10", 4, "2026-01-01",
     "2026-07-01"},
    /* Clamped month ends: the month estimate is one too high here. */
    {PC_FREQ_MONTHLY, "2024-01-31", "2024-02-28", 0, "2024-01-31",
     "2024-02-29"},
    {PC_FREQ_MONTHLY, "2024-01-31", "2024-02-29", 1, "2024-02-29",
     "2024-03-31"},
    {PC_FREQ_MONTHLY, "2024-01-31", "2024-03-30", 1, "2024-02-29",
     "2024-03-31"},
    {PC_FREQ_MONTHLY, "2024-01-31", "2023-12-30", -2, "2023-11-30",
     "2023-12-31"},
    {PC_FREQ_MONTHLY, "2024-01-31", "2023-12-31", -1, "2023-12-31",
     "2024-01-31"},
    {PC_FREQ_QUARTERLY, "2023-08-31", "2024-02-28", 1, "2023-11-30",
     "2024-02-29"},
    {PC_FREQ_QUARTERLY, "2023-08-31", "2023-03-01", -2, "2023-02-28",
     "2023-05-31"},
    {PC_FREQ_ANNUALLY, "2024-02-29", "2025-02-27", 0, "2024-02-29",
     "2025-02-28"},
    {PC_FREQ_ANNUALLY, "2024-02-29", "2025-02-28", 1, "2025-02-28",
     "2026-02-28"},
    {PC_FREQ_ANNUALLY, "2024-02-29", "2024-02-28", -1, "2023-02-28",
     "2024-02-29"},
    /* Day steps, before and after the anchor. */
    {PC_FREQ_DAILY, "2024-02-28", "2024-02-28", 0, "2024-02-28", "2024-02-29"},
    {PC_FREQ_DAILY, "2024-02-28", "2024-01-28", -31, "2024-01-28",
     "2024-01-29"},
    {PC_FREQ_WEEKLY, "2024-01-01", "2023-12-31", -1, "2023-12-25",
     "2024-01-01"},
    {PC_FREQ_WEEKLY, "2024-01-01", "2024-01-14", 1, "2024-01-08", "2024-01-15"},
    {PC_FREQ_BIWEEKLY, "2024-01-05", "2024-01-18", 0, "2024-01-05",
     "2024-01-19"},
    {PC_FREQ_BIWEEKLY, "2024-01-05", "2024-01-04", -1, "2023-12-22",
     "2024-01-05"},
    {PC_FREQ_BIWEEKLY, "2024-01-05", "2023-12-22", -1, "2023-12-22",
     "2024-01-05"},
};

static void test_schedule_index_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof index_cases / sizeof index_cases[0]; i++) {
    const index_case *c = &index_cases[i];
    pc_date a = date_of(c->anchor), d = date_of(c->d);
    char what[96];
    snprintf(what, sizeof what, "%s from %s at %s", pc_freq_name(c->f),
             c->anchor, c->d);
    if (pc_schedule_index(c->f, a, d) != c->k) {
      fail_msg("%s: index %lld, want %lld", what,
               (long long)pc_schedule_index(c->f, a, d), (long long)c->k);
    }
    assert_date(pc_schedule_on_or_before(c->f, a, d), c->on_or_before, what);
    assert_date(pc_schedule_after(c->f, a, d), c->after, what);
  }
}

static const char *const inverse_anchors[] = {
    "2024-01-31", "2024-02-29", "2023-08-31", "2024-01-01", "1900-01-31",
    "2000-02-29", "1999-12-31", "2023-03-30", "2020-02-29",
};

/* Checks T_k <= d < T_(k+1) for one frequency, anchor and range of days. */
static void check_inverse(pc_freq f, pc_date a, pc_date from, pc_date to) {
  for (pc_date d = from; d <= to; d++) {
    int64_t k = pc_schedule_index(f, a, d);
    pc_date lo = pc_schedule_date(f, a, k), hi = pc_schedule_date(f, a, k + 1);
    if (!(lo <= d && d < hi)) {
      char b1[PC_DATE_STRLEN], b2[PC_DATE_STRLEN];
      fail_msg("%s from %s: index(%s) = %lld", pc_freq_name(f),
               pc_date_format(a, b1), pc_date_format(d, b2), (long long)k);
    }
    assert_int_equal(pc_schedule_on_or_before(f, a, d), lo);
    assert_int_equal(pc_schedule_after(f, a, d), hi);
  }
}

/* The index is the inverse of the date for every day over several years on
 * both sides of month-end and leap-day anchors, for every frequency. */
static void test_index_inverse_property(void **state) {
  (void)state;
  size_t na = sizeof inverse_anchors / sizeof inverse_anchors[0];
  for (int f = 0; f < PC_FREQ_COUNT; f++) {
    for (size_t i = 0; i < na; i++) {
      pc_date a = date_of(inverse_anchors[i]);
      check_inverse((pc_freq)f, a, a - 3 * 366, a + 3 * 366);
    }
  }
}

/* Every T_k is strictly later than T_(k-1), and maps back to k. */
static void test_dates_increase_and_index_round_trips(void **state) {
  (void)state;
  size_t na = sizeof inverse_anchors / sizeof inverse_anchors[0];
  for (int f = 0; f < PC_FREQ_COUNT; f++) {
    for (size_t i = 0; i < na; i++) {
      pc_date a = date_of(inverse_anchors[i]);
      for (int64_t k = -150; k <= 150; k++) {
        pc_date t = pc_schedule_date((pc_freq)f, a, k);
        assert_true(t > pc_schedule_date((pc_freq)f, a, k - 1));
        assert_int_equal(pc_schedule_index((pc_freq)f, a, t), k);
        assert_int_equal(pc_schedule_index((pc_freq)f, a, t - 1), k - 1);
      }
    }
  }
}

/* Month steps are counted from the anchor, not from the previous date:
 * accumulating Jan 31 -> Feb 29 -> Mar 29 would lose the 31st for good. */
static void test_no_accumulated_drift(void **state) {
  (void)state;
  pc_date a = date_of("2024-01-31");
  assert_date(pc_schedule_date(PC_FREQ_MONTHLY, a, 2), "2024-03-31", "k=2");
  pc_date feb = pc_schedule_date(PC_FREQ_MONTHLY, a, 1);
  assert_date(pc_schedule_date(PC_FREQ_MONTHLY, feb, 1), "2024-03-29",
              "re-anchored on Feb 29");
  assert_date(pc_schedule_date(PC_FREQ_MONTHLY, a, 1200), "2124-01-31",
              "k=1200");
  assert_date(pc_schedule_date(PC_FREQ_MONTHLY, a, -1201), "1923-12-31",
              "k=-1201");
}

/* A run that is skipped or late never moves the schedule: the training date
 * that serves a day, and the next one due, depend only on anchor and day. */
static void test_missed_runs_do_not_shift(void **state) {
  (void)state;
  pc_freq f = PC_FREQ_MONTHLY;
  pc_date a = date_of("2024-01-31");
  pc_date late = date_of("2024-05-10");
  int64_t k_fresh = pc_schedule_index(f, a, late);
  /* Ask about earlier days in a scattered order, as a run with gaps would. */
  static const char *const earlier[] = {"2024-03-05", "2024-02-01",
                                        "2024-04-29", "2024-03-31"};
  for (size_t i = 0; i < sizeof earlier / sizeof earlier[0]; i++) {
    (void)pc_schedule_index(f, a, date_of(earlier[i]));
  }
  assert_int_equal(pc_schedule_index(f, a, late), k_fresh);
  assert_int_equal(k_fresh, 3);
  assert_date(pc_schedule_on_or_before(f, a, late), "2024-04-30", "serves");
  /* A training that actually ran late on 2024-03-05 is still followed by
   * the scheduled 2024-03-31, not by 2024-04-05. */
  assert_date(pc_schedule_after(f, a, date_of("2024-03-05")), "2024-03-31",
              "next after a late run");
  /* Semiannual: skipping the July run entirely still leaves January. */
  pc_date s = date_of("2024-01-01");
  assert_date(pc_schedule_after(PC_FREQ_SEMIANNUALLY, s, date_of("2024-12-01")),
              "2025-01-01", "after a skipped July");
}

typedef struct {
  pc_freq f;
  const char *name;
} name_case;

static void test_freq_names(void **state) {
  (void)state;
  static const name_case cases[] = {
      {PC_FREQ_DAILY, "daily"},         {PC_FREQ_WEEKLY, "weekly"},
      {PC_FREQ_BIWEEKLY, "biweekly"},   {PC_FREQ_MONTHLY, "monthly"},
      {PC_FREQ_QUARTERLY, "quarterly"}, {PC_FREQ_SEMIANNUALLY, "semiannually"},
      {PC_FREQ_ANNUALLY, "annually"},
  };
  char joined[256] = "";
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pc_freq f = PC_FREQ_COUNT;
    assert_string_equal(pc_freq_name(cases[i].f), cases[i].name);
    assert_true(pc_freq_parse(cases[i].name, &f));
    assert_int_equal(f, cases[i].f);
    strcat(joined, i ? ", " : "");
    strcat(joined, cases[i].name);
  }
  assert_string_equal(pc_freq_names(), joined);
  assert_string_equal(pc_freq_names(), "daily, weekly, biweekly, monthly, "
                                       "quarterly, semiannually, annually");
  assert_string_equal(pc_freq_name(PC_FREQ_COUNT), "unknown");
}

static void test_freq_parse_rejects(void **state) {
  (void)state;
  static const char *const bad[] = {"Monthly",  "month",    "",
                                    "monthly ", " daily",   "semiannual",
                                    "yearly",   "bi-weekly"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pc_freq f = PC_FREQ_COUNT;
    assert_false(pc_freq_parse(bad[i], &f));
    assert_int_equal(f, PC_FREQ_COUNT);
  }
  pc_freq f = PC_FREQ_COUNT;
  assert_false(pc_freq_parse(NULL, &f));
  assert_int_equal(f, PC_FREQ_COUNT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_schedule_date_table),
      cmocka_unit_test(test_schedule_index_table),
      cmocka_unit_test(test_index_inverse_property),
      cmocka_unit_test(test_dates_increase_and_index_round_trips),
      cmocka_unit_test(test_no_accumulated_drift),
      cmocka_unit_test(test_missed_runs_do_not_shift),
      cmocka_unit_test(test_freq_names),
      cmocka_unit_test(test_freq_parse_rejects),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
