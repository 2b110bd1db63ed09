/* Unit tests for the data-quality check (pathcast/core/quality.h, docs/DATA.md):
 *   - the robust sd against R's stats::mad and the winsorised pool against
 *     stats::quantile(type = 7), from tools/quality_reference.R's fixtures;
 *   - the findings of the shipped data and of coffee with three injected
 *     defects against the R implementation of the rules (findings.txt);
 *   - each rule at its edges, on hand-made series;
 *   - cleaning as of a date: the closes a view before d hides are exactly
 *     those a scan of the rows before d alone flags, so no row on or after
 *     d can change what a model sees (the no-leakage rule). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pathcast/core/calendar.h"
#include "pathcast/core/file.h"
#include "pathcast/core/quality.h"
#include "pathcast/core/series.h"
#include "test_filter.h"
#include "test_fixture.h"

#define DIR "tests/unit/data/quality/"
#define LINE_CHARS 8192

/* ---- helpers ------------------------------------------------------------ */

static FILE *open_fixture(const char *file) {
  return pc_test_open_fixture(DIR "%s", file);
}

/* The job keys' defaults, as a run without them uses them; cal NULL: no
 * calendar, so no gaps are looked for. */
static void default_params(pc_quality_params *p, const pc_calendar *cal) {
  *p = (pc_quality_params){PC_QUALITY_SPIKE_K, PC_QUALITY_SPIKE_WINDOW,
                           PC_QUALITY_STALE_DAYS, 5, cal};
}

/* A series from CSV text (date,close lines after a header). */
static void parse(pc_series *s, const char *text) {
  pc_error e;
  assert_int_equal(pc_series_parse(s, "test", text, strlen(text), &e), PC_OK);
}

/* Closes 100 * exp(cumulative returns) on consecutive weekdays from
 * 2020-01-06; a return of NAN leaves that day's close missing.  Returns
 * alternate +-0.01 with a slow drift, so the robust sd is about 0.01. */
static char *make_csv(const double *ret, size_t n) {
  size_t cap = 64 + n * 48, used = 0;
  char *text = malloc(cap);
  pc_date d = 0;
  pc_date_parse("2020-01-06", &d);
  used += (size_t)snprintf(text, cap, "date,close\n");
  double logp = log(100.0);
  for (size_t i = 0; i < n; i++) {
    char ds[PC_DATE_STRLEN];
    if (!isnan(ret[i])) {
      logp += ret[i];
      used += (size_t)snprintf(text + used, cap - used, "%s,%.6f\n",
                               pc_date_format(d, ds), exp(logp));
    } else {
      used += (size_t)snprintf(text + used, cap - used, "%s,\n",
                               pc_date_format(d, ds));
    }
    do {
      d++;
    } while (pc_date_weekday(d) >= 5);
  }
  return text;
}

/* Moves of about 1% whose sizes vary a little (the sine), so the MAD of a
 * window is neither zero nor sensitive to one value: the hand-made defects
 * below are judged against a stable scale of about 0.013. */
static void base_returns(double *ret, size_t n) {
  for (size_t i = 0; i < n; i++) {
    ret[i] = (i % 2 ? 0.01 : -0.01) + 0.002 * sin((double)i);
  }
}

/* Parses and scans; the caller frees both (pc_series_fini,
 * pc_quality_fini). */
static void scan_text(const char *text, const pc_quality_params *p,
                      pc_series *s, pc_quality *q) {
  pc_error e;
  parse(s, text);
  assert_int_equal(pc_quality_scan(s, p, q, &e), PC_OK);
}

/* ---- R references -------------------------------------------------------- */

/* Each line of robust_sd.txt is one window of coffee's returns and R's mad
 * of it; the arithmetic is the same (two medians and one product), so the
 * tolerance is one rounding. */
static void test_robust_sd_reference(void **state) {
  (void)state;
  FILE *in = open_fixture("robust_sd.txt");
  char line[LINE_CHARS];
  int windows = 0;
  while (fgets(line, sizeof line, in) != NULL) {
    if (line[0] == '#') {
      continue;
    }
    char *p = line, *end = NULL;
    double want = strtod(p, &end), x[1000], work[1000];
    size_t n = (size_t)strtod(end, &p);
    assert_true(n > 0 && n <= 1000);
    for (size_t i = 0; i < n; i++) {
      x[i] = strtod(p, &end);
      p = end;
    }
    double got = pc_robust_sd(x, n, work);
    if (fabs(got - want) > 1e-15 * want) {
      fail_msg("window %d: robust sd %.17g, R's mad %.17g", windows, got,
               want);
    }
    windows++;
  }
  fclose(in);
  assert_int_equal(windows, 7);
}

/* One pool of winsorize.txt: its values clipped as R clips them. */
static void expect_pool(FILE *in, double lo, double hi) {
  size_t n = 0, moved = 0, clipped = 0;
  assert_int_equal(fscanf(in, " n %zu", &n), 1);
  double *x = malloc(n * sizeof *x), *want = malloc(n * sizeof *want);
  double largest = 0.0;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(fscanf(in, "%lf %lf", &x[i], &want[i]), 2);
    moved += x[i] < lo || x[i] > hi;
  }
  assert_int_equal(pc_winsorize(x, n, PC_QUALITY_WINSOR_LOW,
                                PC_QUALITY_WINSOR_HIGH, &clipped),
                   PC_OK);
  assert_int_equal(clipped, moved);
  assert_true(clipped >= 2); /* the bad tick's pair, at least */
  for (size_t i = 0; i < n; i++) {
    if (fabs(x[i] - want[i]) > 1e-16) {
      fail_msg("pool of %zu, value %zu: %.17g after winsorising, R's %.17g",
               n, i, x[i], want[i]);
    }
    largest = fmax(largest, fabs(x[i]));
  }
  assert_true(largest < 0.1); /* the ticks' 0.18 are gone */
  free(x);
  free(want);
}

static void test_winsorize_reference(void **state) {
  (void)state;
  FILE *in = open_fixture("winsorize.txt");
  char line[LINE_CHARS];
  double lo = 0, hi = 0;
  int pools = 0;
  while (fgets(line, sizeof line, in) != NULL) {
    if (sscanf(line, "low %lf high %lf", &lo, &hi) == 2) {
      expect_pool(in, lo, hi);
      pools++;
    }
  }
  fclose(in);
  assert_int_equal(pools, 2);
}

/* ---- findings against R's --------------------------------------------- */

/* data/coffee.csv with the defects tools/quality_reference.R injects:
 * line 1801's close x 1.2 (two decimals), lines 2002-2008 repeating line
 * 2001's close, lines 2201-2208 without a close. */
static char *injected_coffee(void) {
  char *text = NULL, *out = NULL;
  size_t len = 0, used = 0;
  pc_error e;
  assert_int_equal(pc_file_read("data/coffee.csv", &text, &len, &e), PC_OK);
  char *grown = realloc(text, len + 1); /* the bytes, without a NUL */
  assert_non_null(grown);
  text = grown;
  text[len] = '\0';
  out = malloc(len + 4096);
  char repeat[32] = "";
  size_t lineno = 0;
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL;
       l = strtok_r(NULL, "\n", &save)) {
    lineno++;
    char *c1 = strchr(l, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    char close[32];
    assert_non_null(c2); /* date,close,covariates... */
    snprintf(close, sizeof close, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
    if (lineno == 1801) {
      snprintf(close, sizeof close, "%.2f", strtod(close, NULL) * 1.2);
    } else if (lineno == 2001) {
      snprintf(repeat, sizeof repeat, "%s", close);
    } else if (lineno >= 2002 && lineno <= 2008) {
      snprintf(close, sizeof close, "%s", repeat);
    } else if (lineno >= 2201 && lineno <= 2208) {
      close[0] = '\0';
    }
    used += (size_t)sprintf(out + used, "%.*s%s%s\n", (int)(c1 - l + 1), l,
                            lineno == 1 ? "close" : close, c2);
  }
  free(text);
  return out;
}

static void load_holidays(pc_calendar *cal) {
  pc_error e;
  pc_calendar_init(cal, PC_CAL_WEEKDAYS);
  assert_int_equal(pc_calendar_load_holidays(cal, "data/holidays.txt", &e),
                   PC_OK);
}

/* The injected coffee series, scanned with the default keys and the
 * shipped holidays. */
typedef struct {
  pc_calendar cal;
  pc_quality_params p;
  char *text;
  pc_series s;
  pc_quality q;
} injected;

static void injected_scan(injected *in) {
  load_holidays(&in->cal);
  default_params(&in->p, &in->cal);
  in->text = injected_coffee();
  scan_text(in->text, &in->p, &in->s, &in->q);
}

static void injected_fini(injected *in) {
  pc_quality_fini(&in->q);
  pc_series_fini(&in->s);
  free(in->text);
  pc_calendar_fini(&in->cal);
}

/* Compares a scan with the fixture's lines for `name`. */
static void expect_findings(const char *name, const pc_quality *q) {
  FILE *in = open_fixture("findings.txt");
  char line[1024], tag[64], kind[16], first[16], last[16], cl[40], sd[40];
  size_t k = 0, lineno = 0;
  long count = 0;
  while (fgets(line, sizeof line, in) != NULL) {
    if (line[0] == '#' || sscanf(line, "%63s %15s", tag, kind) != 2 ||
        strcmp(tag, name) != 0 || strcmp(kind, "none") == 0) {
      continue;
    }
    assert_int_equal(sscanf(line, "%*s %*s %zu %15s %15s %ld %39s %39s",
                            &lineno, first, last, &count, cl, sd), 6);
    if (k >= q->n) {
      fail_msg("%s: R finds a %s at line %zu, pathcast does not", name, kind,
               lineno);
    }
    const pc_finding *f = &q->f[k++];
    char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
    assert_string_equal(pc_finding_kind_name(f->kind), kind);
    assert_int_equal(f->row + 2, lineno);
    assert_string_equal(pc_date_format(f->first, a), first);
    assert_string_equal(pc_date_format(f->last, b), last);
    assert_int_equal(f->count, count);
    if (f->kind == PC_FINDING_SPIKE) {
      assert_true(f->close == strtod(cl, NULL));
      assert_true(fabs(f->robust_sd - strtod(sd, NULL)) <=
                  1e-12 * f->robust_sd);
    }
  }
  fclose(in);
  assert_int_equal(q->n, k);
}

/* The shipped series are clean (R finds nothing either), and the injected
 * coffee has its three defects found where R finds them. */
static void test_shipped_and_injected_findings(void **state) {
  (void)state;
  static const char *const shipped[] = {"coffee", "sugar"};
  pc_calendar cal;
  pc_quality_params p;
  load_holidays(&cal);
  default_params(&p, &cal);
  for (size_t i = 0; i < 2; i++) {
    char path[64];
    pc_series s;
    pc_quality q;
    pc_error e;
    snprintf(path, sizeof path, "data/%s.csv", shipped[i]);
    assert_int_equal(pc_series_read(&s, path, &e), PC_OK);
    assert_int_equal(pc_quality_scan(&s, &p, &q, &e), PC_OK);
    expect_findings(shipped[i], &q);
    pc_quality_fini(&q);
    pc_series_fini(&s);
  }
  pc_calendar_fini(&cal);
  injected in;
  injected_scan(&in);
  expect_findings("coffee_injected", &in.q);
  assert_int_equal(in.q.nspike + in.q.nstale + in.q.ngap, 3);
  injected_fini(&in);
}

/* ---- the rules at their edges ------------------------------------------ */

/* The base series with a jump of `jump` at return 100 and `back` at 101. */
static size_t spikes_with(double jump, double back, size_t at, size_t n) {
  double *ret = malloc(n * sizeof *ret);
  base_returns(ret, n);
  ret[at] = jump;
  if (at + 1 < n) {
    ret[at + 1] = back;
  }
  char *text = make_csv(ret, n);
  pc_calendar cal;
  pc_calendar_init(&cal, PC_CAL_WEEKDAYS);
  pc_quality_params p;
  default_params(&p, &cal);
  pc_series s;
  pc_quality q;
  scan_text(text, &p, &s, &q);
  size_t found = q.nspike;
  pc_quality_fini(&q);
  pc_series_fini(&s);
  free(text);
  free(ret);
  return found;
}

/* The spike rule's boundaries, one at a time: size, reversal, position. */
static void test_spike_rule(void **state) {
  (void)state;
  /* The robust sd of the base returns is about 0.013: a move of 0.2 is a
   * spike when the next return takes back at least half of it. */
  assert_int_equal(spikes_with(0.2, -0.2, 100, 200), 1);
  assert_int_equal(spikes_with(-0.2, 0.15, 100, 200), 1);
  assert_int_equal(spikes_with(0.2, -0.11, 100, 200), 1);
  /* Taken back by less than half: a jump that holds, not a bad tick. */
  assert_int_equal(spikes_with(0.2, -0.09, 100, 200), 0);
  /* Not reversed at all. */
  assert_int_equal(spikes_with(0.2, 0.01, 100, 200), 0);
  /* Too small: within spike_threshold robust sds. */
  assert_int_equal(spikes_with(0.08, -0.08, 100, 200), 0);
  /* On the last close there is nothing yet to reverse it. */
  assert_int_equal(spikes_with(0.2, -0.2, 199, 200), 0);
  /* Fewer than 20 returns before it: not judged. */
  assert_int_equal(spikes_with(0.2, -0.2, 10, 200), 0);
  assert_int_equal(spikes_with(0.2, -0.2, 21, 200), 1);
}

static void test_spike_zero_scale(void **state) {
  (void)state;
  /* A window whose returns are mostly zero has a robust sd of 0: no scale
   * to judge by, no spike (the stale rule reports such stretches). */
  double ret[120];
  for (size_t i = 0; i < 120; i++) {
    ret[i] = i % 5 == 0 ? 0.01 : 0.0;
  }
  ret[80] = 0.2;
  ret[81] = -0.2;
  char *text = make_csv(ret, 120);
  pc_quality_params p;
  default_params(&p, NULL);
  pc_series s;
  pc_quality q;
  scan_text(text, &p, &s, &q);
  assert_int_equal(q.nspike, 0);
  assert_int_equal(q.ngap, 0); /* no calendar: gaps are not looked for */
  pc_quality_fini(&q);
  pc_series_fini(&s);
  free(text);
}

static void test_missing_closes_join(void **state) {
  (void)state;
  /* A bad tick between missing closes: the returns skip the missing rows,
   * as the models' do. */
  double ret[200];
  base_returns(ret, 200);
  ret[99] = NAN;
  ret[100] = 0.2; /* relative to the close before the missing one */
  ret[101] = NAN;
  ret[102] = -0.2;
  char *text = make_csv(ret, 200);
  pc_quality_params p;
  default_params(&p, NULL);
  pc_series s;
  pc_quality q;
  scan_text(text, &p, &s, &q);
  assert_int_equal(q.nspike, 1);
  assert_int_equal(q.f[0].row, 100);
  assert_int_equal(q.closes, 198);
  pc_quality_fini(&q);
  pc_series_fini(&s);
  free(text);
}

static size_t stale_runs(size_t repeats, long *count) {
  double ret[100];
  base_returns(ret, 100);
  for (size_t i = 50; i < 50 + repeats; i++) {
    ret[i] = 0.0;
  }
  char *text = make_csv(ret, 100);
  pc_quality_params p;
  default_params(&p, NULL);
  pc_series s;
  pc_quality q;
  scan_text(text, &p, &s, &q);
  size_t n = q.nstale;
  *count = n ? q.f[0].count : 0;
  if (n) {
    assert_int_equal(q.f[0].row, 49);
    assert_int_equal(q.f[0].last_row, 49 + repeats);
  }
  pc_quality_fini(&q);
  pc_series_fini(&s);
  free(text);
  return n;
}

/* "More than stale_days" is strict: N repeats are allowed. */
static void test_stale_rule(void **state) {
  (void)state;
  long count = 0;
  /* stale_days = 5: a close repeated 5 times is not stale, 6 times is. */
  assert_int_equal(stale_runs(5, &count), 0);
  assert_int_equal(stale_runs(6, &count), 1);
  assert_int_equal(count, 6);
}

/* "More than max_gap" is strict too, and counts trading days only. */
static void test_gap_rule(void **state) {
  (void)state;
  pc_calendar cal;
  pc_calendar_init(&cal, PC_CAL_WEEKDAYS);
  pc_quality_params p;
  default_params(&p, &cal);
  for (size_t missing = 5; missing <= 6; missing++) {
    double ret[100];
    base_returns(ret, 100);
    for (size_t i = 40; i < 40 + missing; i++) {
      ret[i] = NAN;
    }
    char *text = make_csv(ret, 100);
    pc_series s;
    pc_quality q;
    scan_text(text, &p, &s, &q);
    /* max_gap = 5: five trading days without a close are allowed. */
    assert_int_equal(q.ngap, missing > 5);
    if (q.ngap) {
      assert_int_equal(q.f[0].count, 6);
      assert_int_equal(q.f[0].first, s.date[40]);
      assert_int_equal(q.f[0].last, s.date[45]);
      assert_int_equal(q.f[0].row, 46);
    }
    pc_quality_fini(&q);
    pc_series_fini(&s);
    free(text);
  }
}

/* ---- cleaning as of a date --------------------------------------------- */

/* The closes a view before d hides, computed from the whole series, equal
 * those a scan of the rows before d alone flags. */
static void expect_as_of(const pc_series *s, const pc_quality *whole,
                         const pc_quality_params *p, size_t upto) {
  pc_series part = *s;
  part.n = upto;
  pc_quality q;
  pc_error e;
  double *a = malloc((upto + 1) * sizeof *a);
  double *b = malloc((upto + 1) * sizeof *b);
  assert_int_equal(pc_quality_scan(&part, p, &q, &e), PC_OK);
  pc_date d = upto < s->n ? s->date[upto] : s->date[s->n - 1] + 1;
  pc_quality_clean(whole, s->close, upto, d, a);
  pc_quality_clean(&q, s->close, upto, d, b);
  for (size_t i = 0; i < upto; i++) {
    if (isnan(a[i]) != isnan(b[i])) {
      fail_msg("view of the %zu rows before row %zu: row %zu is %s from the "
               "whole series, %s from the rows before", upto, upto, i,
               isnan(a[i]) ? "hidden" : "shown",
               isnan(b[i]) ? "hidden" : "shown");
    }
  }
  pc_quality_fini(&q);
  free(a);
  free(b);
}

static void test_clean_as_of(void **state) {
  (void)state;
  injected in;
  injected_scan(&in);
  const pc_series s = in.s;
  const pc_quality q = in.q;
  const pc_quality_params p = in.p;
  /* Every view around the defects (rows 1799, 1999-2006) and some others. */
  for (size_t upto = 1790; upto <= 1805; upto++) {
    expect_as_of(&s, &q, &p, upto);
  }
  for (size_t upto = 1995; upto <= 2010; upto++) {
    expect_as_of(&s, &q, &p, upto);
  }
  for (size_t upto = 2; upto < s.n; upto += 97) {
    expect_as_of(&s, &q, &p, upto);
  }
  expect_as_of(&s, &q, &p, s.n);
  /* The spike (row 1799) is hidden once its reversal (row 1800) is in the
   * view; the stale repeats (rows 2000-2006) once the sixth repeat (row
   * 2005) is, later repeats by themselves. */
  double *v = malloc(s.n * sizeof *v);
  pc_quality_clean(&q, s.close, 1800, s.date[1800], v);
  assert_false(isnan(v[1799]));
  pc_quality_clean(&q, s.close, 1801, s.date[1801], v);
  assert_true(isnan(v[1799]));
  assert_false(isnan(v[1798]) || isnan(v[1800]));
  pc_quality_clean(&q, s.close, 2005, s.date[2005], v);
  assert_false(isnan(v[2000]) || isnan(v[2004]));
  pc_quality_clean(&q, s.close, 2006, s.date[2006], v);
  assert_true(isnan(v[2000]) && isnan(v[2005]));
  assert_false(isnan(v[1999])); /* the run's first close stays */
  free(v);
  injected_fini(&in);
}

/* Degenerate pools: empty (untouched) and a single value (centred to 0,
 * nothing to clip it to). */
static void test_winsorize_edges(void **state) {
  (void)state;
  size_t clipped = 7;
  double none[1] = {1.0}, one[1] = {3.0};
  assert_int_equal(pc_winsorize(none, 0, 0.005, 0.995, &clipped), PC_OK);
  assert_int_equal(clipped, 0);
  assert_true(none[0] == 1.0); /* n = 0: nothing touched */
  assert_int_equal(pc_winsorize(one, 1, 0.005, 0.995, &clipped), PC_OK);
  assert_int_equal(clipped, 0);
  assert_true(one[0] == 0.0); /* centred */
  double w[1];
  assert_true(pc_robust_sd(none, 0, w) == 0.0);
}

/* The lines people read, exactly: file:line or the store's series, the
 * dates, the values and the threshold that made each finding. */
static void test_output(void **state) {
  (void)state;
  injected in;
  injected_scan(&in);
  const pc_quality q = in.q;
  const pc_quality_params p = in.p;
  const pc_quality_source file = {"coffee.csv", 1}, store = {"series.h5", 0};
  char line[512], counts[128];
  pc_quality_format_finding(line, sizeof line, &file, &p, &q.f[0]);
  assert_string_equal(line, "coffee.csv:1801: 2022-07-13 spike: close 269.04 "
                            "(before 225.71, after 224.24): a move of "
                            "+19.20% is 11.9 robust sd (spike_threshold 8), "
                            "reversed by -16.65%");
  pc_quality_format_finding(line, sizeof line, &store, &p, &q.f[1]);
  assert_string_equal(line, "series.h5: 2023-04-25..2023-05-04 stale: close "
                            "194.07 repeated 7 times (stale_days 5)");
  pc_quality_format_finding(line, sizeof line, &file, &p, &q.f[2]);
  assert_string_equal(line, "coffee.csv:2209: 2024-02-05..2024-02-14 gap: 8 "
                            "trading days without a close (max_gap 5)");
  pc_quality_counts(&q, counts, sizeof counts);
  assert_string_equal(counts, "1 spike, 1 stale run, 1 gap");
  injected_fini(&in);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_robust_sd_reference),
      cmocka_unit_test(test_winsorize_reference),
      cmocka_unit_test(test_shipped_and_injected_findings),
      cmocka_unit_test(test_spike_rule),
      cmocka_unit_test(test_spike_zero_scale),
      cmocka_unit_test(test_missing_closes_join),
      cmocka_unit_test(test_stale_rule),
      cmocka_unit_test(test_gap_rule),
      cmocka_unit_test(test_clean_as_of),
      cmocka_unit_test(test_winsorize_edges),
      cmocka_unit_test(test_output),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
