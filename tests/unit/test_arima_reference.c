/* The arima model against R's stats::arima (method "ML") via
 * forecast::Arima, from the fixtures that tools/arima_reference.R wrote into
 * tests/unit/data/arima/ (the test needs no R).  For every case: the
 * log-likelihood within 1e-4 relative, AR/MA and regression coefficients
 * within 1e-3, sigma^2 within 1e-3 relative, and the mean and the 80%/95%
 * bounds of 2,000 simulated 14-step paths within Monte Carlo error of R's
 * forecasts.  Also the KPSS statistic against urca::ur.kpss and the number
 * of differences against forecast::ndiffs. */
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

#include "../../src/models/arima.h"
#include "pathcast/models/model.h"

#define DIR "tests/unit/data/arima/"
#define MAX_COEF 16
#define MAX_K 4
#define STEPS 14
#define PATHS 2000

typedef struct {
  int order[3];
  char constant[16];
  int k;
  int ncoef;
  char coef_name[MAX_COEF][32];
  double coef[MAX_COEF], se[MAX_COEF];
  double sigma2, loglik;
  double fc[STEPS][5]; /* mean, lo80, hi80, lo95, hi95 */
  size_t n;
  double *close;
  double *cov;
  pc_date *date;
  const char *cov_name[MAX_K];
} fixture;

static double parse_value(const char *s) {
  return strcmp(s, "NA") == 0 ? NAN : strtod(s, NULL);
}

/* One data row: the log price, then k covariates. */
static void read_row(fixture *f, size_t i, char *line) {
  char *save = NULL;
  char *tok = strtok_r(line, " \n", &save);
  assert_non_null(tok);
  double y = parse_value(tok);
  f->close[i] = isnan(y) ? NAN : exp(y);
  f->date[i] = (pc_date)(20000 + i);
  for (int j = 0; j < f->k; j++) {
    tok = strtok_r(NULL, " \n", &save);
    assert_non_null(tok);
    f->cov[i * (size_t)f->k + (size_t)j] = parse_value(tok);
  }
}

static void read_header_line(fixture *f, const char *line) {
  int h = 0;
  double v[5];
  char name[32];
  if (sscanf(line, "order %d %d %d", &f->order[0], &f->order[1],
             &f->order[2]) == 3 ||
      sscanf(line, "constant %15s", f->constant) == 1 ||
      sscanf(line, "exog %d", &f->k) == 1 ||
      sscanf(line, "sigma2 %lf", &f->sigma2) == 1 ||
      sscanf(line, "loglik %lf", &f->loglik) == 1) {
    return;
  }
  if (sscanf(line, "coef %31s %lf %lf", name, &v[0], &v[1]) == 3) {
    assert_true(f->ncoef < MAX_COEF);
    snprintf(f->coef_name[f->ncoef], sizeof f->coef_name[0], "%s", name);
    f->coef[f->ncoef] = v[0];
    f->se[f->ncoef++] = v[1];
  } else if (sscanf(line, "forecast %d %lf %lf %lf %lf %lf", &h, &v[0],
                    &v[1], &v[2], &v[3], &v[4]) == 6) {
    assert_true(h >= 1 && h <= STEPS);
    memcpy(f->fc[h - 1], v, sizeof v);
  }
}

static void load_fixture(const char *name, fixture *f) {
  char line[4096];
  FILE *in = pc_test_open_fixture(DIR "%s.txt", name);
  memset(f, 0, sizeof *f);
  size_t n = 0, row = 0;
  int k = 0;
  while (fgets(line, sizeof line, in) != NULL) {
    if (f->close != NULL) {
      assert_true(row < n);
      read_row(f, row++, line);
    } else if (sscanf(line, "data %zu %d", &n, &k) == 2) {
      assert_int_equal(k, f->k);
      f->n = n;
      f->close = calloc(n, sizeof *f->close);
      f->date = calloc(n, sizeof *f->date);
      f->cov = calloc(n * (size_t)k + 1, sizeof *f->cov);
    } else if (line[0] != '#') {
      read_header_line(f, line);
    }
  }
  fclose(in);
  assert_int_equal(row, n);
  for (int j = 0; j < f->k; j++) {
    f->cov_name[j] = f->coef_name[f->ncoef - f->k + j];
  }
}

static void free_fixture(fixture *f) {
  free(f->close);
  free(f->cov);
  free(f->date);
}

static pc_model *fit_fixture(const fixture *f, const pc_history *h) {
  const pc_model_type *t = pc_model_type_find("arima");
  pc_model_spec spec;
  pc_model *m = NULL;
  pc_error e;
  char order[32], exog[256] = "none";
  snprintf(order, sizeof order, "%d,%d,%d", f->order[0], f->order[1],
           f->order[2]);
  for (int j = 0; j < f->k; j++) {
    size_t used = j ? strlen(exog) : 0;
    snprintf(exog + used, sizeof exog - used, "%s%s", j ? "," : "",
             f->cov_name[j]);
  }
  assert_int_equal(pc_model_spec_init(&spec, "arima_ref", t), PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "order", order, &e), PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "exog", exog, &e), PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "constant",
                   strcmp(f->constant, "none") ? "yes" : "no", &e), PC_OK);
  assert_int_equal(pc_model_alloc(&m, &spec, &e), PC_OK);
  pc_model_spec_fini(&spec);
  if (pc_model_fit(m, h, &e) != PC_OK) {
    fail_msg("fit failed: %s", e.msg);
  }
  return m;
}

static void expect_near(const char *what, double got, double want,
                        double tol) {
  if (!(fabs(got - want) <= tol)) {
    fail_msg("%s: %.10g differs from R's %.10g by more than %g", what, got,
             want, tol);
  }
}

/* Our value of R's coefficient `name` (ar1, ma2, intercept, drift or a
 * covariate) from the saved record. */
static double our_coef(const pc_record *rec, const fixture *f,
                       const char *name) {
  const pc_field *fl;
  int j = 0;
  if (sscanf(name, "ar%d", &j) == 1 && (fl = pc_record_get(rec, "ar"))) {
    return ((double *)fl->data)[j - 1];
  }
  if (sscanf(name, "ma%d", &j) == 1 && (fl = pc_record_get(rec, "ma"))) {
    return ((double *)fl->data)[j - 1];
  }
  if (strcmp(name, "intercept") == 0 || strcmp(name, "drift") == 0) {
    double v = NAN;
    pc_error e;
    assert_int_equal(pc_record_get_scalar(rec, name, &v, &e), PC_OK);
    return v;
  }
  fl = pc_record_get(rec, "exog_coef");
  for (j = 0; j < f->k && fl != NULL; j++) {
    if (strcmp(f->cov_name[j], name) == 0) {
      return ((double *)fl->data)[j];
    }
  }
  fail_msg("no coefficient %s", name);
  return NAN;
}

static void check_estimates(const fixture *f, const pc_record *rec) {
  double ll = NAN, s2 = NAN;
  pc_error e;
  assert_int_equal(pc_record_get_scalar(rec, "loglik", &ll, &e), PC_OK);
  assert_int_equal(pc_record_get_scalar(rec, "sigma2", &s2, &e), PC_OK);
  expect_near("loglik", ll, f->loglik, 1e-4 * fabs(f->loglik));
  expect_near("sigma2", s2, f->sigma2, 1e-3 * f->sigma2);
  for (int j = 0; j < f->ncoef; j++) {
    expect_near(f->coef_name[j], our_coef(rec, f, f->coef_name[j]),
                f->coef[j], 1e-3);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double quantile(const double *sorted, size_t n, double p) {
  double pos = p * (double)(n - 1);
  size_t i = (size_t)pos;
  double w = pos - (double)i;
  return i + 1 < n ? (1 - w) * sorted[i] + w * sorted[i + 1] : sorted[i];
}

/* Quantile standard error sqrt(p(1-p)/n) / density, for a normal with the
 * spread of R's 95% interval; four of them is the tolerance. */
static double mc_tol(double p, double sd) {
  double z = fabs(p - 0.5) < 1e-12 ? 0.0 : (p < 0.5 ? -1.0 : 1.0);
  z *= p == 0.1 || p == 0.9 ? 1.2815515655446004 : 1.959963984540054;
  double dens = exp(-0.5 * z * z) / sqrt(2 * 3.141592653589793) / sd;
  return 4.0 * sqrt(p * (1 - p) / PATHS) / dens;
}

static void check_paths(const fixture *f, const pc_model *m,
                        const pc_history *h) {
  double *out = malloc(sizeof(double) * PATHS * STEPS);
  double *col = malloc(sizeof(double) * PATHS);
  pc_sim_request req = {
      PATHS, STEPS, pc_rng_key_forecast(7, "ref", "arima", "v", 30000), NULL};
  pc_error e;
  assert_int_equal(pc_model_simulate(m, h, &req, out, &e), PC_OK);
  static const double probs[4] = {0.1, 0.9, 0.025, 0.975};
  for (int s = 0; s < STEPS; s++) {
    double mean = 0.0, sd = (f->fc[s][4] - f->fc[s][3]) / (2 * 1.959963984540054);
    for (int i = 0; i < PATHS; i++) {
      col[i] = log(out[(size_t)i * STEPS + (size_t)s]);
      mean += col[i] / PATHS;
    }
    expect_near("mean path", mean, f->fc[s][0], 4.0 * sd / sqrt(PATHS));
    qsort(col, PATHS, sizeof *col, cmp_double);
    for (int b = 0; b < 4; b++) {
      expect_near("interval bound", quantile(col, PATHS, probs[b]),
                  f->fc[s][1 + b], mc_tol(probs[b], sd));
    }
  }
  free(out);
  free(col);
}

static void run_case(const char *name) {
  fixture f;
  load_fixture(name, &f);
  pc_history h = {f.n, f.date, f.close, (size_t)f.k, f.cov_name, f.cov};
  pc_model *m = fit_fixture(&f, &h);
  pc_record rec;
  pc_error e;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  check_estimates(&f, &rec);
  check_paths(&f, m, &h);
  pc_record_fini(&rec);
  pc_model_free(m);
  free_fixture(&f);
}

static void test_ar1_mean(void **state) {
  (void)state;
  run_case("ar1_mean");
}

static void test_ma2_mean(void **state) {
  (void)state;
  run_case("ma2_mean");
}

static void test_arima111_drift_missing(void **state) {
  (void)state;
  run_case("arima111_drift_na");
}

static void test_arima210_exog(void **state) {
  (void)state;
  run_case("arima210_exog");
}

static void test_coffee_011_drift(void **state) {
  (void)state;
  run_case("coffee_011_drift");
}

static void test_coffee_110_weather(void **state) {
  (void)state;
  run_case("coffee_110_weather");
}

/* One kpss.txt case: the values, then the statistic and ndiffs against
 * urca::ur.kpss and forecast::ndiffs. */
static void check_kpss_case(const char *name, int lags, double stat, int nd) {
  char path[256];
  snprintf(path, sizeof path, DIR "kpss_%s.txt", name);
  FILE *in = fopen(path, "r");
  assert_non_null(in);
  size_t n = 0, cap = 4096;
  double *x = malloc(cap * sizeof *x);
  while (n < cap && fscanf(in, "%lf", &x[n]) == 1) {
    n++;
  }
  fclose(in);
  assert_int_equal(lags, (int)(3.0 * sqrt((double)n) / 13.0));
  expect_near(name, pc_arima_kpss(x, n, lags), stat, 1e-10 * stat);
  double last = 0.0;
  assert_int_equal(pc_arima_ndiffs(x, n, 2, &last), nd);
  free(x);
}

static void test_kpss_against_urca(void **state) {
  (void)state;
  FILE *in = fopen(DIR "kpss.txt", "r");
  char line[512], name[64];
  int lags = 0, nd = 0, cases = 0;
  double stat = 0.0;
  assert_non_null(in);
  while (fgets(line, sizeof line, in) != NULL) {
    if (line[0] != '#' &&
        sscanf(line, "%63s %d %lf %d", name, &lags, &stat, &nd) == 4) {
      check_kpss_case(name, lags, stat, nd);
      cases++;
    }
  }
  fclose(in);
  assert_int_equal(cases, 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ar1_mean),
      cmocka_unit_test(test_ma2_mean),
      cmocka_unit_test(test_arima111_drift_missing),
      cmocka_unit_test(test_arima210_exog),
      cmocka_unit_test(test_coffee_011_drift),
      cmocka_unit_test(test_coffee_110_weather),
      cmocka_unit_test(test_kpss_against_urca),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
