/* The scores of src/core/metrics.c against established R implementations, from
 * the fixtures that tools/metrics_reference.R wrote into
 * tests/unit/data/metrics/ (the test needs no R; the script's header
 * documents every relation used):
 *   - pc_crps and pc_energy_score_exact against energy::edist between the
 *     sample (or paths) and the single observation: ES = e (n+1) / (2n);
 *   - pc_quantile against stats::quantile(type = 7);
 *   - pc_pinball against quantreg's check function Rho(y - q, tau), and
 *     summed over a sample against the objective of quantreg::rq(x ~ 1);
 *   - MAE, RMSE and MAPE as docs/EVALUATION.md defines them against
 *     forecast::accuracy.
 * Tolerance: 1e-12 relative to the inputs' magnitude (and the value).  The
 * arithmetic is the same up to order: R sums in another order and in long
 * double, and interpolates a quantile as (1 - h) a + h b where pathcast
 * computes a + h (b - a); each score is a difference of sums of terms no
 * larger than the data, so rounding scales with the data, not with the
 * (possibly zero) score. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_filter.h"
#include "test_fixture.h"

#include "pathcast/core/metrics.h"

#define DIR "tests/unit/data/metrics/"
#define REL_TOL 1e-12
#define MAX_H 64
#define LINE_MAX_CHARS 4096

static void expect_close(const char *fixture, const char *what, double got,
                         double want, double magnitude) {
  double tol = REL_TOL * fmax(fabs(want), magnitude);
  if (!(fabs(got - want) <= tol)) {
    fail_msg("%s: %s is %.17g, R's is %.17g (tolerance %g)", fixture, what,
             got, want, tol);
  }
}

static FILE *open_fixture(const char *file) {
  return pc_test_open_fixture(DIR "%s", file);
}

/* Reads the n values that follow the line "<tag> n" (one per line), or
 * with per_line > 1, n lines of per_line values; NULL if there is none. */
static double *read_block(FILE *in, const char *tag, size_t per_line,
                          size_t *n) {
  char line[LINE_MAX_CHARS], fmt[64];
  snprintf(fmt, sizeof fmt, "%s %%zu", tag);
  while (fgets(line, sizeof line, in) != NULL) {
    if (sscanf(line, fmt, n) == 1) {
      double *v = malloc((*n * per_line + 1) * sizeof *v);
      for (size_t i = 0; i < *n * per_line; i++) {
        assert_int_equal(fscanf(in, "%lf", &v[i]), 1);
      }
      return v;
    }
  }
  return NULL;
}

static double max_abs(const double *v, size_t n) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++) {
    m = fmax(m, fabs(v[i]));
  }
  return m;
}

/* ---- One-dimensional samples: CRPS, quantiles, pinball. ---- */

typedef struct {
  const char *name;
  double *x, *sorted;
  size_t n;
  double scale; /* the largest |value| */
  int crps, quantile, pinball, rq;
} sample;

static int is_m5_level(double tau) {
  for (int j = 0; j < PC_NQUANTILES; j++) {
    if (pc_quantile_levels[j] == tau) {
      return 1;
    }
  }
  return 0;
}

/* edist's E-statistic for sizes (n, 1) is 2n/(n+1) times the CRPS. */
static void check_crps(sample *s, double y, double e) {
  double want = e * (double)(s->n + 1) / (2.0 * (double)s->n);
  expect_close(s->name, "crps", pc_crps(s->sorted, s->n, y), want,
               s->scale + fabs(y));
  s->crps++;
}

static void check_pinball(sample *s, double y, double tau, double q,
                          double rho) {
  if (!is_m5_level(tau)) {
    fail_msg("%s: level %.17g is not one of pc_quantile_levels", s->name, tau);
  }
  expect_close(s->name, "pinball", pc_pinball(q, y, tau), rho,
               fabs(y) + fabs(q));
  s->pinball++;
}

/* rq's objective: the pinball losses of every value at its fitted quantile
 * (a sum of non-negative terms, so relative to itself). */
static void check_rq(sample *s, double tau, double coef, double rho) {
  double sum = 0.0;
  for (size_t i = 0; i < s->n; i++) {
    sum += pc_pinball(coef, s->x[i], tau);
  }
  expect_close(s->name, "rq objective", sum, rho, 0.0);
  s->rq++;
}

static void check_sample_line(sample *s, const char *line) {
  double a, b, c, d;
  if (sscanf(line, "crps %lf %lf", &a, &b) == 2) {
    check_crps(s, a, b);
  } else if (sscanf(line, "quantile %lf %lf", &a, &b) == 2) {
    expect_close(s->name, "quantile", pc_quantile(s->sorted, s->n, a), b,
                 s->scale);
    s->quantile++;
  } else if (sscanf(line, "pinball %lf %lf %lf %lf", &a, &b, &c, &d) == 4) {
    check_pinball(s, a, b, c, d);
  } else if (sscanf(line, "rq %lf %lf %lf", &a, &b, &c) == 3) {
    check_rq(s, a, b, c);
  }
}

static void run_sample(const char *name) {
  char file[128], line[LINE_MAX_CHARS];
  snprintf(file, sizeof file, "sample_%s.txt", name);
  FILE *in = open_fixture(file);
  sample s = {.name = name};
  s.x = read_block(in, "sample", 1, &s.n);
  assert_non_null(s.x);
  s.sorted = malloc((s.n + 1) * sizeof *s.sorted);
  pc_sort_sample(s.x, s.n, s.sorted);
  s.scale = max_abs(s.x, s.n);
  rewind(in);
  while (fgets(line, sizeof line, in) != NULL && strncmp(line, "sample ", 7)) {
    check_sample_line(&s, line);
  }
  fclose(in);
  /* Every fixture has 3 or 4 outcomes, 11 levels, the 9 M5 levels per
   * outcome, and rq fits unless the sample is constant. */
  assert_true(s.crps >= 3);
  assert_int_equal(s.quantile, PC_NQUANTILES + 2);
  assert_int_equal(s.pinball, s.crps * PC_NQUANTILES);
  int constant = s.sorted[0] == s.sorted[s.n - 1];
  assert_int_equal(s.rq, constant ? 0 : PC_NQUANTILES);
  free(s.x);
  free(s.sorted);
}

static void test_point(void **state) {
  (void)state;
  run_sample("point");
}

static void test_two(void **state) {
  (void)state;
  run_sample("two");
}

static void test_ties7(void **state) {
  (void)state;
  run_sample("ties7");
}

static void test_normal100(void **state) {
  (void)state;
  run_sample("normal100");
}

static void test_lognormal100(void **state) {
  (void)state;
  run_sample("lognormal100");
}

static void test_ties100(void **state) {
  (void)state;
  run_sample("ties100");
}

static void test_constant(void **state) {
  (void)state;
  run_sample("constant");
}

static void test_normal2000(void **state) {
  (void)state;
  run_sample("normal2000");
}

static void test_price2000(void **state) {
  (void)state;
  run_sample("price2000");
}

/* ---- Joint paths: the energy score. ---- */

/* The paths as pathcast stores them (float32); the fixture's values are
 * chosen to be exactly representable, which is checked. */
static float *read_paths(FILE *in, size_t *n, size_t *h) {
  char line[LINE_MAX_CHARS];
  while (fgets(line, sizeof line, in) != NULL) {
    if (sscanf(line, "paths %zu %zu", n, h) == 2) {
      break;
    }
  }
  assert_true(*n > 0 && *h > 0 && *h <= MAX_H);
  float *p = malloc(*n * *h * sizeof *p);
  for (size_t i = 0; i < *n * *h; i++) {
    double v;
    assert_int_equal(fscanf(in, "%lf", &v), 1);
    p[i] = (float)v;
    assert_true((double)p[i] == v);
  }
  return p;
}

/* "observed EDIST y_1 ... y_h": 1 when the line is one. */
static int parse_observed(const char *line, size_t h, double *e, double *y) {
  if (strncmp(line, "observed ", 9) != 0) {
    return 0;
  }
  char *end;
  *e = strtod(line + 9, &end);
  for (size_t k = 0; k < h; k++) {
    const char *start = end;
    y[k] = strtod(start, &end);
    assert_true(end != start);
  }
  return 1;
}

static void run_paths(const char *name, int observations) {
  char file[128], line[LINE_MAX_CHARS];
  snprintf(file, sizeof file, "energy_%s.txt", name);
  FILE *in = open_fixture(file);
  size_t n = 0, h = 0;
  float *p = read_paths(in, &n, &h);
  double scale = 0.0, y[MAX_H], e;
  for (size_t i = 0; i < n * h; i++) {
    scale = fmax(scale, fabs((double)p[i]));
  }
  rewind(in);
  int seen = 0;
  while (fgets(line, sizeof line, in) != NULL) {
    if (parse_observed(line, h, &e, y)) {
      double want = e * (double)(n + 1) / (2.0 * (double)n);
      expect_close(name, "energy score", pc_energy_score_exact(p, n, h, y),
                   want, sqrt((double)h) * (scale + max_abs(y, h)));
      seen++;
    }
  }
  fclose(in);
  assert_int_equal(seen, observations);
  free(p);
}

static void test_energy_three_by_two(void **state) {
  (void)state;
  run_paths("three_by_two", 3);
}

static void test_energy_walk50x14(void **state) {
  (void)state;
  run_paths("walk50x14", 3);
}

/* ---- Point forecasts: forecast::accuracy. ---- */

static void test_point_errors_against_accuracy(void **state) {
  (void)state;
  FILE *in = open_fixture("accuracy.txt");
  char line[LINE_MAX_CHARS];
  double me, rmse, mae, mpe, mape;
  assert_non_null(fgets(line, sizeof line, in)); /* provenance */
  assert_non_null(fgets(line, sizeof line, in)); /* description */
  assert_non_null(fgets(line, sizeof line, in));
  assert_int_equal(sscanf(line, "accuracy %lf %lf %lf %lf %lf", &me, &rmse,
                          &mae, &mpe, &mape), 5);
  size_t n = 0;
  double *fy = read_block(in, "data", 2, &n);
  fclose(in);
  assert_non_null(fy);
  assert_true(n > 0);
  /* docs/EVALUATION.md: MAE mean |f - y|, RMSE sqrt(mean (f - y)^2), MAPE
   * mean 100 |f - y| / y. */
  double abs_err = 0.0, sq_err = 0.0, pct_err = 0.0;
  for (size_t i = 0; i < n; i++) {
    double f = fy[2 * i], y = fy[2 * i + 1];
    abs_err += fabs(f - y);
    sq_err += (f - y) * (f - y);
    pct_err += 100.0 * fabs(f - y) / y;
  }
  double nn = (double)n;
  expect_close("accuracy", "MAE", abs_err / nn, mae, 0.0);
  expect_close("accuracy", "RMSE", sqrt(sq_err / nn), rmse, 0.0);
  expect_close("accuracy", "MAPE", pct_err / nn, mape, 0.0);
  free(fy);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_point),
      cmocka_unit_test(test_two),
      cmocka_unit_test(test_ties7),
      cmocka_unit_test(test_normal100),
      cmocka_unit_test(test_lognormal100),
      cmocka_unit_test(test_ties100),
      cmocka_unit_test(test_constant),
      cmocka_unit_test(test_normal2000),
      cmocka_unit_test(test_price2000),
      cmocka_unit_test(test_energy_three_by_two),
      cmocka_unit_test(test_energy_walk50x14),
      cmocka_unit_test(test_point_errors_against_accuracy),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
