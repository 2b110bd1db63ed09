/* The garch model's numerics (src/garch_*.c) and its model interface:
 * the analytic gradient against finite differences in every variant,
 * variance targeting, the standardised t draws, the paths' variance
 * recursion against the analytic variance forecast, the filter a forecast
 * starts from, the stored fields and the keys.  (R's optima are checked in
 * test_garch_reference.c; the model contract in test_models.c.) */
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

#include "../../src/models/garch.h"
#include "pathcast/models/model.h"

#define SERIES "tests/unit/data/garch/sp500dge_tail.txt"
#define MAX_N 2000

/* The last 2,000 daily S&P 500 returns of fGarch's sp500dge. */
static size_t load_returns(double *r) {
  FILE *in = pc_test_open_fixture("%s", SERIES);
  size_t n = 0;
  while (n < MAX_N && fscanf(in, "%lf", &r[n]) == 1) {
    n++;
  }
  fclose(in);
  assert_int_equal(n, MAX_N);
  return n;
}

/* Prices 100 exp(cumsum r) on consecutive days. */
static pc_history prices(const double *r, size_t n, double *close,
                         pc_date *date) {
  double x = log(100.0);
  close[0] = 100.0;
  date[0] = 10000;
  for (size_t t = 0; t < n; t++) {
    x += r[t];
    close[t + 1] = exp(x);
    date[t + 1] = (pc_date)(10001 + t);
  }
  return (pc_history){n + 1, date, close, 0, NULL, NULL};
}

/* ---- the gradient ----------------------------------------------------------
 */

/* The parameter in gradient slot k. */
static double *slot(pc_garch_par *p, pc_garch_index ix, int k) {
  if (k == ix.mu) {
    return &p->mu;
  }
  if (k == ix.phi) {
    return &p->phi;
  }
  if (k == ix.omega) {
    return &p->omega;
  }
  if (k == ix.nu) {
    return &p->nu;
  }
  return k >= ix.beta ? &p->beta[k - ix.beta] : &p->alpha[k - ix.alpha];
}

static double loglik_at(const pc_garch_data *d, const pc_garch_par *p) {
  pc_garch_par copy = *p;
  return pc_garch_loglik(d, &copy, NULL, NULL);
}

/* Analytic against central differences, every parameter. */
static void check_gradient(const pc_garch_spec *s, const double *r, size_t n) {
  double *work = malloc(pc_garch_work_size(n) * sizeof *work);
  pc_garch_data d = {s, r, n, work, NULL};
  pc_garch_par p = {0.0004, 0.05, 3e-6, {0.06, 0.03}, {0.6, 0.25}, 5.0};
  pc_garch_index ix = pc_garch_index_of(s);
  double g[PC_GARCH_MAX_PAR];
  pc_garch_par at = p;
  assert_true(isfinite(pc_garch_loglik(&d, &at, NULL, g)));
  for (int k = 0; k < ix.k; k++) {
    pc_garch_par a = p, b = p;
    double h = 1e-5 * fabs(*slot(&p, ix, k));
    *slot(&a, ix, k) += h;
    *slot(&b, ix, k) -= h;
    double num = (loglik_at(&d, &a) - loglik_at(&d, &b)) / (2.0 * h);
    if (!(fabs(g[k] - num) <= 1e-5 * fabs(num) + 1e-3)) {
      fail_msg("GARCH(%d,%d) mean %d dist %d targeting %d start %d: d/dpar[%d]"
               " is %.10g, finite differences %.10g",
               s->p, s->q, s->mean, s->dist, s->targeting, s->start, k, g[k],
               num);
    }
  }
  free(work);
}

static void test_gradient_every_variant(void **state) {
  (void)state;
  static double r[MAX_N];
  size_t n = load_returns(r);
  const int orders[][2] = {{1, 1}, {2, 1}, {1, 2}, {0, 1}, {2, 2}};
  for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
    for (int mean = 0; mean < 3; mean++) {
      for (int dist = 0; dist < 2; dist++) {
        for (int start = 0; start < 3; start++) {
          for (int tgt = 0; tgt < 2; tgt++) {
            pc_garch_spec s = {orders[o][0], orders[o][1], mean,
                               dist,         tgt,          start};
            check_gradient(&s, r, 500);
          }
        }
      }
    }
  }
  (void)n;
}

/* ---- fits ------------------------------------------------------------------
 */

/* Targeting fixes omega at s2 (1 - persistence): one parameter fewer, and a
 * likelihood no higher than the free fit's. */
static void test_variance_targeting(void **state) {
  (void)state;
  static double r[MAX_N];
  size_t n = load_returns(r);
  pc_garch_spec s = {1,
                     1,
                     PC_GARCH_MEAN_CONSTANT,
                     PC_GARCH_DIST_T,
                     1,
                     PC_GARCH_START_PATHCAST};
  pc_garch_fit_result tgt, free_fit;
  pc_error e;
  assert_int_equal(pc_garch_fit(&s, r, n, &tgt, &e), PC_OK);
  s.targeting = 0;
  assert_int_equal(pc_garch_fit(&s, r, n, &free_fit, &e), PC_OK);
  double pers = tgt.par.alpha[0] + tgt.par.beta[0];
  assert_true(fabs(tgt.par.omega - tgt.s2 * (1.0 - pers)) <=
              1e-15 * tgt.par.omega + 1e-300);
  assert_true(tgt.loglik <= free_fit.loglik + 1e-6);
  assert_true(tgt.loglik > free_fit.loglik - 5.0);
  assert_int_equal(pc_garch_index_of(&s).k, 5);
  s.targeting = 1;
  assert_int_equal(pc_garch_index_of(&s).k, 4);
}

/* Too few or constant returns and orders out of range are failures with a
 * reason, never a crash. */
static void test_fit_failures(void **state) {
  (void)state;
  double r[150];
  pc_garch_fit_result res;
  pc_error e;
  pc_garch_spec s = {1,
                     1,
                     PC_GARCH_MEAN_CONSTANT,
                     PC_GARCH_DIST_NORMAL,
                     0,
                     PC_GARCH_START_PATHCAST};
  for (int i = 0; i < 150; i++) {
    r[i] = 0.001;
  }
  assert_int_equal(pc_garch_fit(&s, r, 99, &res, &e), PC_MODEL);
  assert_string_equal(e.msg, "too few log returns for GARCH(1,1) (99, need "
                             "at least 100)");
  assert_int_equal(pc_garch_fit(&s, r, 150, &res, &e), PC_MODEL);
  assert_string_equal(e.msg, "the log returns are constant or not finite: "
                             "no variance to model");
  s.q = 0;
  assert_int_equal(pc_garch_fit(&s, r, 150, &res, &e), PC_MODEL);
  assert_true(strstr(e.msg, "outside the supported range") != NULL);
}

/* ---- t draws
 * ----------------------------------------------------------------- */

/* z times the root of the t factor is a standardised t: variance 1, kurtosis
 * 3 + 6 / (nu - 4); the chi-square behind it has mean nu and variance
 * 2 nu.  400,000 draws: the tolerances are about five standard errors. */
static void test_t_innovations(void **state) {
  (void)state;
  const double nu = 8.0;
  const int n = 400000;
  pc_rng z, g;
  pc_rng_init(&z, pc_rng_key_training(1, "t", "t", "v", 0), 0,
              PC_RNG_INNOVATIONS);
  pc_rng_init(&g, pc_rng_key_training(1, "t", "t", "v", 0), 0, PC_RNG_T_SCALE);
  double m2 = 0.0, m4 = 0.0, v1 = 0.0, v2 = 0.0, f[1000] = {0};
  for (int i = 0; i < n; i++) {
    if (i % 1000 == 0) {
      pc_garch_t_factors(&g, nu, f, 1000);
    }
    double x = pc_rng_normal(&z) * sqrt(f[i % 1000]);
    double v = (nu - 2.0) / f[i % 1000]; /* the chi-square */
    m2 += x * x / n;
    m4 += x * x * x * x / n;
    v1 += v / n;
    v2 += v * v / n;
  }
  assert_true(fabs(m2 - 1.0) < 0.01);
  assert_true(fabs(m4 / (m2 * m2) - 4.5) < 0.25);
  assert_true(fabs(v1 - nu) < 0.03);
  assert_true(fabs(v2 - v1 * v1 - 2.0 * nu) < 0.25);
}

/* ---- paths
 * ------------------------------------------------------------------- */

/* The variance forecast of GARCH(1,1): E h_{T+j} = uv + P^(j-1) (h1 - uv);
 * the variance of the j-day log return is the sum of the first j. */
static double log_return_variance(const pc_garch_par *p, double h1, int j) {
  double pers = p->alpha[0] + p->beta[0], uv = p->omega / (1.0 - pers);
  double sum = 0.0, hj = h1;
  for (int k = 0; k < j; k++) {
    sum += hj;
    hj = uv + pers * (hj - uv);
  }
  return sum;
}

/* 20,000 paths from a state far above the unconditional variance: the
 * spread of day 1 and day 14 follows the variance recursion, not a
 * constant variance; t innovations keep the signs of the normal ones. */
static void test_paths_follow_the_recursion(void **state) {
  (void)state;
  enum { PATHS = 20000, STEPS = 14 };
  pc_garch_par p = {0.0, 0.0, 2e-6, {0.08}, {0.9}, 6.0};
  pc_garch_state st = {4e-4, {0.02}, {3.5e-4}, 0.0};
  st.h_next = p.omega + p.alpha[0] * 4e-4 + p.beta[0] * 3.5e-4;
  pc_garch_spec s = {1,
                     1,
                     PC_GARCH_MEAN_ZERO,
                     PC_GARCH_DIST_NORMAL,
                     0,
                     PC_GARCH_START_PATHCAST};
  double *out = malloc(sizeof(double) * PATHS * STEPS);
  double *out_t = malloc(sizeof(double) * PATHS * STEPS);
  pc_sim_request req = {PATHS, STEPS, pc_rng_key_forecast(3, "c", "g", "v", 1),
                        NULL};
  assert_int_equal(pc_garch_simulate_paths(&s, &p, &st, log(50.0), &req, out),
                   0);
  s.dist = PC_GARCH_DIST_T;
  assert_int_equal(pc_garch_simulate_paths(&s, &p, &st, log(50.0), &req, out_t),
                   0);
  const int days[] = {1, 5, 14};
  for (int d = 0; d < 3; d++) {
    int j = days[d];
    double v = 0.0, vt = 0.0;
    for (int i = 0; i < PATHS; i++) {
      double x = log(out[(size_t)i * STEPS + (size_t)j - 1] / 50.0);
      double xt = log(out_t[(size_t)i * STEPS + (size_t)j - 1] / 50.0);
      v += x * x / PATHS;
      vt += xt * xt / PATHS;
    }
    double want = log_return_variance(&p, st.h_next, j);
    /* Five standard errors of a variance from 20,000 draws, with room for
     * the heavier tails of the t. */
    if (!(fabs(v / want - 1.0) < 0.06 && fabs(vt / want - 1.0) < 0.12)) {
      fail_msg("day %d: path variance %.4g (t %.4g), GARCH forecast %.4g", j, v,
               vt, want);
    }
  }
  for (int i = 0; i < PATHS; i++) {
    assert_true((out[(size_t)i * STEPS] > 50.0) ==
                (out_t[(size_t)i * STEPS] > 50.0));
  }
  free(out);
  free(out_t);
}

/* ---- the model
 * --------------------------------------------------------------- */

static pc_model *fit_model(const pc_history *h, const char *const *kv,
                           pc_error *e) {
  pc_model_spec spec;
  pc_model *m = NULL;
  assert_int_equal(pc_model_spec_init(&spec, "g", pc_model_type_find("garch")),
                   PC_OK);
  for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
    assert_int_equal(pc_model_spec_set(&spec, kv[i], kv[i + 1], e), PC_OK);
  }
  assert_int_equal(pc_model_alloc(&m, &spec, e), PC_OK);
  pc_model_spec_fini(&spec);
  if (pc_model_fit(m, h, e) != PC_OK) {
    fail_msg("fit failed: %s", e->msg);
  }
  return m;
}

static double get(const pc_record *rec, const char *name) {
  double v = NAN;
  pc_error e;
  assert_int_equal(pc_record_get_scalar(rec, name, &v, &e), PC_OK);
  return v;
}

/* The stored fields `models --format json` shows, consistent with each
 * other; a forecast from the training data starts from last_variance. */
static void test_stored_fields(void **state) {
  (void)state;
  static double r[MAX_N], close[MAX_N + 1];
  static pc_date date[MAX_N + 1];
  size_t n = load_returns(r);
  pc_history h = prices(r, n, close, date);
  pc_error e;
  const char *kv[] = {"mean", "ar1", NULL};
  pc_model *m = fit_model(&h, kv, &e);
  pc_record rec;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  const char *fields[] = {"mu",
                          "ar1",
                          "omega",
                          "nu",
                          "sample_variance",
                          "loglik",
                          "aic",
                          "bic",
                          "persistence",
                          "unconditional_variance",
                          "annualized_volatility",
                          "last_variance"};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    assert_true(isfinite(get(&rec, fields[i])));
  }
  const pc_field *a = pc_record_get(&rec, "alpha"),
                 *b = pc_record_get(&rec, "beta");
  assert_true(a != NULL && a->len == 1 && b != NULL && b->len == 1);
  double pers = ((double *)a->data)[0] + ((double *)b->data)[0];
  assert_true(fabs(get(&rec, "persistence") - pers) < 1e-15);
  assert_true(fabs(get(&rec, "unconditional_variance") -
                   get(&rec, "omega") / (1.0 - pers)) < 1e-18);
  assert_true(get(&rec, "nu") > 2.0 && get(&rec, "nu") < 20.0);
  int64_t conv = 0;
  assert_int_equal(pc_record_get_int(&rec, "converged", &conv, &e), PC_OK);
  assert_int_equal(conv, 1);
  /* A normal model stores no nu, a constant mean no ar1. */
  const char *kv2[] = {"dist", "normal", NULL};
  pc_model *m2 = fit_model(&h, kv2, &e);
  pc_record rec2;
  pc_record_init(&rec2);
  assert_int_equal(pc_model_save(m2, &rec2, &e), PC_OK);
  assert_null(pc_record_get(&rec2, "nu"));
  assert_null(pc_record_get(&rec2, "ar1"));
  pc_record_fini(&rec);
  pc_record_fini(&rec2);
  pc_model_free(m);
  pc_model_free(m2);
}

/* The forecast filters the history up to the date: with the training data
 * it starts from the stored last_variance, and a calmer recent month moves
 * the first day's spread the way the recursion says. */
static void test_forecast_starts_from_todays_variance(void **state) {
  (void)state;
  enum { PATHS = 4000 };
  static double r[MAX_N], close[MAX_N + 1];
  static pc_date date[MAX_N + 1];
  size_t n = load_returns(r);
  pc_history h = prices(r, n, close, date);
  h.n -= 200; /* train on the first 1,800 returns */
  pc_error e;
  const char *kv[] = {"dist", "normal", "mean", "zero", NULL};
  pc_model *m = fit_model(&h, kv, &e);
  pc_record rec;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  double *out = malloc(sizeof(double) * PATHS);
  pc_sim_request req = {PATHS, 1, pc_rng_key_forecast(5, "c", "g", "v", 2),
                        NULL};
  assert_int_equal(pc_model_simulate(m, &h, &req, out, &e), PC_OK);
  double v = 0.0, last = pc_history_last_close(&h);
  for (int i = 0; i < PATHS; i++) {
    v += pow(log(out[i] / last), 2) / PATHS;
  }
  double want = get(&rec, "last_variance");
  assert_true(fabs(v / want - 1.0) < 0.12);
  pc_record_fini(&rec);
  pc_model_free(m);
  free(out);
}

/* A price that stands still for months around a single jump has an
 * unbounded zero-mean t likelihood (a variance falling to 0 over exact
 * zero returns): the optimiser fails and the model records RiskMetrics'
 * EWMA with the reason, or fails with `fallback = none`. */
static void test_fallback(void **state) {
  (void)state;
  static double r[300], close[301];
  static pc_date date[301];
  r[150] = 0.5;
  pc_history h = prices(r, 300, close, date);
  pc_error e;
  const char *kv[] = {"mean", "zero", NULL};
  pc_model *m = fit_model(&h, kv, &e);
  pc_record rec;
  char method[32], reason[256];
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  assert_int_equal(pc_record_get_str(&rec, "method", method, sizeof method, &e),
                   PC_OK);
  assert_string_equal(method, "ewma_fallback");
  assert_int_equal(
      pc_record_get_str(&rec, "fallback_reason", reason, sizeof reason, &e),
      PC_OK);
  assert_true(strstr(reason, "did not converge") != NULL);
  assert_true(get(&rec, "omega") == 0.0 && get(&rec, "persistence") == 1.0);
  /* Its paths are finite and positive, and survive save and load. */
  double a[200 * 14], b[200 * 14];
  pc_sim_request req = {200, 14, pc_rng_key_forecast(1, "c", "g", "v", 9),
                        NULL};
  assert_int_equal(pc_model_simulate(m, &h, &req, a, &e), PC_OK);
  pc_model *copy = NULL;
  assert_int_equal(pc_model_alloc(&copy, pc_model_spec_of(m), &e), PC_OK);
  assert_int_equal(pc_model_load(copy, &rec, &e), PC_OK);
  assert_int_equal(pc_model_simulate(copy, &h, &req, b, &e), PC_OK);
  assert_memory_equal(a, b, sizeof a);
  for (int i = 0; i < 200 * 14; i++) {
    assert_true(isfinite(a[i]) && a[i] > 0.0);
  }
  pc_model_free(copy);
  pc_record_fini(&rec);
  pc_model_free(m);
  /* fallback = none: the failure, with its reason. */
  pc_model_spec spec;
  assert_int_equal(pc_model_spec_init(&spec, "g", pc_model_type_find("garch")),
                   PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "mean", "zero", &e), PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "fallback", "none", &e), PC_OK);
  assert_int_equal(pc_model_alloc(&m, &spec, &e), PC_OK);
  assert_int_equal(pc_model_fit(m, &h, &e), PC_MODEL);
  assert_true(strstr(e.msg, "did not converge") != NULL);
  pc_model_free(m);
  pc_model_spec_fini(&spec);
}

/* Keys: every order 0..5 x 1..5 is accepted, others are refused when the
 * job is read. */
static void test_keys(void **state) {
  (void)state;
  pc_model_spec spec;
  pc_error e;
  assert_int_equal(pc_model_spec_init(&spec, "g", pc_model_type_find("garch")),
                   PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "order", "0,1", &e), PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "order", "5,5", &e), PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "order", "1,0", &e), PC_INPUT);
  assert_true(strncmp(e.msg, "g.order: '1,0' is not one of 0,1|0,2|", 37) == 0);
  assert_int_equal(pc_model_spec_set(&spec, "order", "6,1", &e), PC_INPUT);
  assert_int_equal(pc_model_spec_set(&spec, "dist", "cauchy", &e), PC_INPUT);
  assert_string_equal(e.msg, "g.dist: 'cauchy' is not one of normal|t");
  assert_int_equal(pc_model_spec_set(&spec, "mean", "ar2", &e), PC_INPUT);
  char settings[512];
  pc_model_spec_settings(&spec, settings, sizeof settings);
  assert_string_equal(settings, "type=garch garch.order=5,5 "
                                "garch.mean=constant garch.dist=t "
                                "garch.targeting=no garch.lookback=2000 "
                                "garch.fallback=ewma");
  pc_model_spec_fini(&spec);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gradient_every_variant),
      cmocka_unit_test(test_variance_targeting),
      cmocka_unit_test(test_fit_failures),
      cmocka_unit_test(test_t_innovations),
      cmocka_unit_test(test_paths_follow_the_recursion),
      cmocka_unit_test(test_stored_fields),
      cmocka_unit_test(test_forecast_starts_from_todays_variance),
      cmocka_unit_test(test_fallback),
      cmocka_unit_test(test_keys),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
