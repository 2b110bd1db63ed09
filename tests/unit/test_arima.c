/* ARIMA internals: the Kalman filter against closed-form AR(1) and MA(1)
 * likelihoods (with and without a missing value), its lockstep and replay
 * routes identical to the bit, the stationarity
 * transformation, the KPSS statistic, the order search, covariate
 * projections, where paths start, bootstrap innovations, and every failure
 * path of the model (bad order text, unknown covariate, too little data,
 * a degenerate series, the recorded random-walk fallback). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_filter.h"

#include "../../src/models/arima.h"
#include "pathcast/models/model.h"

#define TWO_PI 6.283185307179586

static void assert_close(double a, double b, double tol) {
  if (!(fabs(a - b) <= tol)) {
    fail_msg("%.17g differs from %.17g by more than %g", a, b, tol);
  }
}

/* n standard normals from a fixed stream. */
static void normals(double *z, size_t n, uint64_t seed) {
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(seed, "arima", "test", "v", 0), 0, 0);
  for (size_t i = 0; i < n; i++) {
    z[i] = pc_rng_normal(&r);
  }
}

static pc_arima_filter_out run_filter(const pc_arima_coef *c, const double *y,
                                      size_t n) {
  pc_arima_data data = {n, y, 0, NULL};
  pc_arima_filter_out f;
  assert_int_equal(pc_arima_filter(c, &data, &f, NULL), 0);
  return f;
}

/* AR(1): y_1 ~ N(0, 1/(1-phi^2)), y_t | y_{t-1} ~ N(phi y_{t-1}, 1). */
static void test_filter_ar1_closed_form(void **state) {
  (void)state;
  double y[200], phi = 0.7;
  normals(y, 200, 1);
  for (int t = 1; t < 200; t++) {
    y[t] += phi * y[t - 1];
  }
  pc_arima_coef c = {.p = 1, .phi = {phi}};
  pc_arima_filter_out f = run_filter(&c, y, 200);
  double ssq = (1 - phi * phi) * y[0] * y[0];
  for (int t = 1; t < 200; t++) {
    ssq += pow(y[t] - phi * y[t - 1], 2);
  }
  assert_int_equal(f.nu, 200);
  assert_close(f.ssq, ssq, 1e-10 * ssq);
  assert_close(f.sumlog, -log(1 - phi * phi), 1e-12);
  double s2 = ssq / 200, ll = 0.0;
  ll = -0.5 * (200 * log(TWO_PI * s2) - log(1 - phi * phi) + 200);
  assert_close(pc_arima_loglik(&f, NULL), ll, 1e-9 * fabs(ll));
}

/* AR(1) with y_50 missing: y_51 | y_49 ~ N(phi^2 y_49, 1 + phi^2). */
static void test_filter_missing_value(void **state) {
  (void)state;
  double y[100], phi = -0.4;
  normals(y, 100, 2);
  for (int t = 1; t < 100; t++) {
    y[t] += phi * y[t - 1];
  }
  y[50] = NAN;
  pc_arima_coef c = {.p = 1, .phi = {phi}};
  pc_arima_filter_out f = run_filter(&c, y, 100);
  double ssq = (1 - phi * phi) * y[0] * y[0];
  double sumlog = -log(1 - phi * phi) + log(1 + phi * phi);
  for (int t = 1; t < 100; t++) {
    if (t == 50) {
      continue;
    }
    ssq += t == 51 ? pow(y[51] - phi * phi * y[49], 2) / (1 + phi * phi)
                   : pow(y[t] - phi * y[t - 1], 2);
  }
  assert_int_equal(f.nu, 99);
  assert_close(f.ssq, ssq, 1e-10 * ssq);
  assert_close(f.sumlog, sumlog, 1e-12);
}

/* MA(1): the covariance is tridiagonal (1 + theta^2 on the diagonal, theta
 * beside it); its Cholesky recursion gives log det and y' G^-1 y exactly. */
static void test_filter_ma1_closed_form(void **state) {
  (void)state;
  double e[301], y[300], theta = 0.6;
  normals(e, 301, 3);
  for (int t = 0; t < 300; t++) {
    y[t] = e[t + 1] + theta * e[t];
  }
  double logdet = 0.0, quad = 0.0, dprev = 0.0, wprev = 0.0;
  for (int t = 0; t < 300; t++) {
    double l = t ? theta / dprev : 0.0; /* sub-diagonal of L (unit) */
    double d = 1 + theta * theta - l * l * dprev;
    double w = y[t] - l * wprev;       /* forward substitution */
    logdet += log(d);
    quad += w * w / d;
    dprev = d;
    wprev = w;
  }
  pc_arima_coef c = {.q = 1, .theta = {theta}};
  pc_arima_filter_out f = run_filter(&c, y, 300);
  assert_close(f.sumlog, logdet, 1e-9);
  assert_close(f.ssq, quad, 1e-9 * quad);
}

/* ARIMA(0,1,0): the filter conditions on the first value, so the likelihood
 * is that of the differences. */
static void test_filter_differencing(void **state) {
  (void)state;
  double y[50], ssq = 0.0;
  normals(y, 50, 4);
  for (int t = 1; t < 50; t++) {
    y[t] += y[t - 1];
    ssq += pow(y[t] - y[t - 1], 2);
  }
  pc_arima_coef c = {.d = 1};
  pc_arima_filter_out f = run_filter(&c, y, 50);
  assert_int_equal(f.nu, 49);
  assert_close(f.ssq, ssq, 1e-10 * ssq);
  assert_close(f.sumlog, 0.0, 1e-12);
}

static void test_q0_ar1(void **state) {
  (void)state;
  pc_arima_coef c = {.p = 1, .phi = {0.9}};
  double q0[1];
  assert_int_equal(pc_arima_q0(&c, q0), 0);
  assert_close(q0[0], 1.0 / (1 - 0.81), 1e-12);
}

/* raw -> coefficients -> raw is the identity, and every image is
 * stationary (AR) or invertible (MA). */
static void test_transform_round_trip(void **state) {
  (void)state;
  double raw[PC_ARIMA_MAX_P], back[PC_ARIMA_MAX_P], coef[PC_ARIMA_MAX_P];
  for (int trial = 0; trial < 50; trial++) {
    int p = 1 + trial % PC_ARIMA_MAX_P;
    normals(raw, (size_t)p, 100 + (uint64_t)trial);
    for (int j = 0; j < p; j++) {
      raw[j] *= 1.5;
    }
    pc_arima_pacf_to_ar(raw, p, coef);
    assert_int_equal(pc_arima_ar_to_pacf(coef, p, back), 0);
    for (int j = 0; j < p; j++) {
      assert_close(back[j], raw[j], 1e-9);
    }
    pc_arima_pacf_to_ma(raw, p, coef);
    assert_int_equal(pc_arima_ma_to_pacf(coef, p, back), 0);
    for (int j = 0; j < p; j++) {
      assert_close(back[j], raw[j], 1e-9);
    }
  }
  /* AR(2) with a root inside the unit circle is refused. */
  double bad[2] = {1.2, 0.1};
  assert_int_equal(pc_arima_ar_to_pacf(bad, 2, back), -1);
  /* One coefficient: phi = tanh(raw), theta = -tanh(raw). */
  double one = 0.5;
  pc_arima_pacf_to_ar(&one, 1, coef);
  assert_close(coef[0], tanh(0.5), 1e-15);
  pc_arima_pacf_to_ma(&one, 1, coef);
  assert_close(coef[0], -tanh(0.5), 1e-15);
}

/* Hand-computed: x = 1..4, partial sums -1.5, -2, -1.5, 0. */
static void test_kpss_known_values(void **state) {
  (void)state;
  double x[] = {1, 2, 3, 4};
  assert_close(pc_arima_kpss(x, 4, 0), 8.5 / (16 * 1.25), 1e-15);
  assert_close(pc_arima_kpss(x, 4, 1), 8.5 / (16 * 1.5625), 1e-15);
  /* White noise is stationary; its cumulative sum is not. */
  double *w = malloc(1000 * sizeof *w);
  normals(w, 1000, 5);
  int lags = (int)(3 * sqrt(1000.0) / 13);
  assert_true(pc_arima_kpss(w, 1000, lags) < PC_ARIMA_KPSS_CRIT_05);
  for (int t = 1; t < 1000; t++) {
    w[t] += w[t - 1];
  }
  assert_true(pc_arima_kpss(w, 1000, lags) > 5 * PC_ARIMA_KPSS_CRIT_05);
  double stat = 0.0;
  assert_int_equal(pc_arima_ndiffs(w, 1000, 2, &stat), 1);
  assert_true(stat < PC_ARIMA_KPSS_CRIT_05);
  free(w);
}

/* ---- the model through its interface ----------------------------------- */

#define N_OBS 800

typedef struct {
  pc_date date[N_OBS];
  double close[N_OBS];
  double cov[N_OBS * 2];
  pc_history h;
} series;

static const char *const cov_names[] = {"temp", "rain"};

/* log close = 4.6 + AR(1) errors with phi (a level series), or a
 * random walk whose returns are AR(1) with phi when integrated != 0; the
 * covariates are noise, and temp moves the price by beta_temp. */
static void make_series(series *s, size_t n, double phi, int integrated,
                        double beta_temp) {
  double z[N_OBS * 3];
  normals(z, 3 * n, 7);
  double u = 0.0, x = 0.0;
  for (size_t t = 0; t < n; t++) {
    u = phi * u + 0.01 * z[3 * t];
    x = integrated ? x + 0.0003 + u : 4.6 + u;
    s->cov[2 * t] = 20 + 3 * z[3 * t + 1];
    s->cov[2 * t + 1] = fabs(z[3 * t + 2]);
    s->date[t] = (pc_date)(20000 + t);
    s->close[t] = exp(x + beta_temp * s->cov[2 * t]);
  }
  s->h = (pc_history){n, s->date, s->close, 2, cov_names, s->cov};
}

static pc_status fit_with(pc_model **m, const pc_history *h,
                          const char *const *kv, pc_error *e) {
  const pc_model_type *t = pc_model_type_find("arima");
  pc_model_spec spec;
  assert_non_null(t);
  assert_int_equal(pc_model_spec_init(&spec, "arima_t", t), PC_OK);
  for (size_t i = 0; kv[i] != NULL; i += 2) {
    assert_int_equal(pc_model_spec_set(&spec, kv[i], kv[i + 1], e), PC_OK);
  }
  assert_int_equal(pc_model_alloc(m, &spec, e), PC_OK);
  pc_model_spec_fini(&spec);
  pc_error_clear(e);
  return pc_model_fit(*m, h, e);
}

static double scalar(const pc_record *r, const char *name) {
  double v = NAN;
  pc_error e;
  assert_int_equal(pc_record_get_scalar(r, name, &v, &e), PC_OK);
  return v;
}

static const pc_field *field(const pc_record *r, const char *name) {
  const pc_field *f = pc_record_get(r, name);
  if (f == NULL) {
    fail_msg("no field %s", name);
  }
  return f;
}

/* A fixed AR(1) with intercept recovers phi; the record holds every field. */
static void test_fit_recovers_ar1(void **state) {
  (void)state;
  series *s = calloc(1, sizeof *s);
  make_series(s, N_OBS, 0.6, 0, 0.0);
  s->close[100] = NAN;
  pc_model *m = NULL;
  pc_error e;
  const char *kv[] = {"order", "1,0,0", NULL};
  assert_int_equal(fit_with(&m, &s->h, kv, &e), PC_OK);
  pc_record rec;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  const pc_field *ar = field(&rec, "ar");
  assert_int_equal(ar->len, 1);
  assert_close(((double *)ar->data)[0], 0.6, 0.08);
  assert_close(sqrt(scalar(&rec, "sigma2")), 0.01, 0.001);
  int64_t order[3];
  memcpy(order, field(&rec, "order")->data, sizeof order);
  assert_true(order[0] == 1 && order[1] == 0 && order[2] == 0);
  assert_close(scalar(&rec, "aicc") - scalar(&rec, "aic"),
               2.0 * 3 * 4 / (double)(N_OBS - 1 - 3 - 1), 1e-9);
  pc_record_fini(&rec);
  pc_model_free(m);
  free(s);
}

/* The covariate that moves the price gets its coefficient back, and a
 * bootstrap model saves and loads to bit-identical paths. */
static void test_exog_and_bootstrap_round_trip(void **state) {
  (void)state;
  series *s = calloc(1, sizeof *s);
  make_series(s, N_OBS, 0.2, 1, 0.004);
  pc_model *m = NULL;
  pc_error e;
  const char *kv[] = {"order", "1,1,0", "exog", "temp,rain",
                      "innovations", "bootstrap", "exog_projection",
                      "linear", NULL};
  assert_int_equal(fit_with(&m, &s->h, kv, &e), PC_OK);
  pc_record rec;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  const pc_field *b = field(&rec, "exog_coef");
  assert_int_equal(b->len, 2);
  assert_close(((double *)b->data)[0], 0.004, 0.0005);
  assert_close(((double *)b->data)[1], 0.0, 0.003);
  pc_model *copy = NULL;
  assert_int_equal(pc_model_alloc(&copy, pc_model_spec_of(m), &e), PC_OK);
  assert_int_equal(pc_model_load(copy, &rec, &e), PC_OK);
  double *a = malloc(300 * 10 * sizeof *a), *c = malloc(300 * 10 * sizeof *c);
  pc_sim_request req = {300, 10, pc_rng_key_forecast(3, "x", "y", "v", 1),
                        NULL};
  assert_int_equal(pc_model_simulate(m, &s->h, &req, a, &e), PC_OK);
  assert_int_equal(pc_model_simulate(copy, &s->h, &req, c, &e), PC_OK);
  assert_memory_equal(a, c, 300 * 10 * sizeof *a);
  for (int i = 0; i < 3000; i++) {
    assert_true(isfinite(a[i]) && a[i] > 0.0);
  }
  free(a);
  free(c);
  pc_record_fini(&rec);
  pc_model_free(copy);
  pc_model_free(m);
  free(s);
}

static void expect_failure(const pc_history *h, const char *const *kv,
                           const char *needle) {
  pc_model *m = NULL;
  pc_error e;
  assert_int_equal(fit_with(&m, h, kv, &e), PC_MODEL);
  if (strstr(e.msg, needle) == NULL) {
    fail_msg("message '%s' does not mention '%s'", e.msg, needle);
  }
  pc_model_free(m);
}

static void test_failure_paths(void **state) {
  (void)state;
  series *s = calloc(1, sizeof *s);
  make_series(s, N_OBS, 0.3, 1, 0.0);
  const char *bad_order[] = {"order", "1,1", NULL};
  expect_failure(&s->h, bad_order, "arima_t.order: '1,1' is not");
  const char *big_order[] = {"order", "9,1,1", NULL};
  expect_failure(&s->h, big_order, "is not 'auto' or p,d,q");
  const char *junk[] = {"order", "1,1,1x", NULL};
  expect_failure(&s->h, junk, "is not 'auto'");
  const char *unknown[] = {"exog", "temp,wind", NULL};
  expect_failure(&s->h, unknown, "'wind' is not a covariate");
  const char *fixed[] = {"order", "2,1,2", NULL};
  pc_history few = s->h;
  few.n = 8;
  expect_failure(&few, fixed, "too few observations");
  const char *automatic[] = {NULL};
  few.n = 3;
  expect_failure(&few, automatic, "too few observations");
  /* A constant price has zero innovation variance: no likelihood. */
  for (size_t t = 0; t < N_OBS; t++) {
    s->close[t] = 100.0;
  }
  const char *flat[] = {"order", "0,1,0", "constant", "no", NULL};
  expect_failure(&s->h, flat, "ARIMA(0,1,0)");
  free(s);
}

/* With arima.fallback = random_walk a failed fit is recorded as a random
 * walk with the reason kept, and still simulates. */
static void test_fallback_is_recorded(void **state) {
  (void)state;
  series *s = calloc(1, sizeof *s);
  make_series(s, 12, 0.3, 1, 0.0);
  pc_model *m = NULL;
  pc_error e;
  const char *kv[] = {"order", "3,1,3", "fallback", "random_walk", NULL};
  assert_int_equal(fit_with(&m, &s->h, kv, &e), PC_OK);
  pc_record rec;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  const pc_field *method = field(&rec, "method");
  assert_memory_equal(method->data, "random_walk_fallback", method->len);
  const pc_field *why = field(&rec, "fallback_reason");
  assert_non_null(strstr((const char *)why->data, "too few observations"));
  pc_model *copy = NULL;
  assert_int_equal(pc_model_alloc(&copy, pc_model_spec_of(m), &e), PC_OK);
  assert_int_equal(pc_model_load(copy, &rec, &e), PC_OK);
  double out[20];
  pc_sim_request req = {2, 10, pc_rng_key_forecast(1, "x", "y", "v", 1), NULL};
  assert_int_equal(pc_model_simulate(copy, &s->h, &req, out, &e), PC_OK);
  pc_record_fini(&rec);
  pc_model_free(copy);
  pc_model_free(m);
  free(s);
}

/* The search picks d = 1 for an integrated series and d = 0 for a level
 * one, and records the chosen order and the number of models it fitted. */
static void test_auto_order(void **state) {
  (void)state;
  series *s = calloc(1, sizeof *s);
  const char *kv[] = {NULL};
  for (int integrated = 0; integrated <= 1; integrated++) {
    make_series(s, N_OBS, 0.5, integrated, 0.0);
    pc_model *m = NULL;
    pc_error e;
    assert_int_equal(fit_with(&m, &s->h, kv, &e), PC_OK);
    pc_record rec;
    pc_record_init(&rec);
    assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
    int64_t order[3], fitted = 0;
    memcpy(order, field(&rec, "order")->data, sizeof order);
    assert_int_equal(order[1], integrated);
    assert_true(order[0] + order[2] >= 1); /* the AR(1) is seen */
    assert_int_equal(pc_record_get_int(&rec, "models_fitted", &fitted, &e),
                     PC_OK);
    assert_true(fitted >= 4);
    pc_record_fini(&rec);
    pc_model_free(m);
  }
  free(s);
}

/* persist repeats the last observed value, linear extends the line through
 * the last 60 rows, seasonal averages the same dates of earlier years (and
 * falls back to persist without them). */
static void test_exog_projection(void **state) {
  (void)state;
  enum { N = 1100 };
  static pc_date date[N];
  static double close[N], cov[N];
  const char *names[] = {"x"};
  for (size_t i = 0; i < N; i++) {
    date[i] = (pc_date)(10000 + i);
    close[i] = 100.0;
    cov[i] = 2.0 + 0.5 * (double)i;
  }
  pc_history h = {N, date, close, 1, names, cov};
  double out[3];
  pc_arima_project(&h, N, 0, PC_ARIMA_PROJ_LINEAR, 3, out);
  for (int j = 0; j < 3; j++) {
    assert_close(out[j], 2.0 + 0.5 * (double)(N - 1 + j + 1), 1e-6);
  }
  cov[N - 1] = NAN;
  pc_arima_project(&h, N, 0, PC_ARIMA_PROJ_PERSIST, 3, out);
  assert_true(out[0] == cov[N - 2] && out[2] == cov[N - 2]);
  /* A yearly cycle: the climatology of the target date is its value. */
  for (size_t i = 0; i < N; i++) {
    cov[i] = sin(2 * 3.141592653589793 * (double)date[i] / 365.2425);
  }
  pc_arima_project(&h, N, 0, PC_ARIMA_PROJ_SEASONAL, 3, out);
  for (int j = 0; j < 3; j++) {
    double want = sin(2 * 3.141592653589793 * (double)(date[N - 1] + j + 1) /
                      365.2425);
    assert_close(out[j], want, 0.02);
  }
  h.n = 300; /* less than a year: persist */
  pc_arima_project(&h, 300, 0, PC_ARIMA_PROJ_SEASONAL, 3, out);
  assert_true(out[0] == cov[299] && out[2] == cov[299]);
}

/* Missing closes at the end of the history: paths continue from the last
 * observed close, exactly as if the history ended there. */
static void test_paths_continue_from_last_observation(void **state) {
  (void)state;
  series *s = calloc(1, sizeof *s);
  make_series(s, N_OBS, 0.4, 1, 0.0);
  pc_model *m = NULL;
  pc_error e;
  const char *kv[] = {"order", "1,1,1", NULL};
  assert_int_equal(fit_with(&m, &s->h, kv, &e), PC_OK);
  for (size_t t = N_OBS - 3; t < N_OBS; t++) {
    s->close[t] = NAN;
  }
  pc_history cut = s->h;
  cut.n = N_OBS - 3;
  double *a = malloc(500 * 5 * sizeof *a), *b = malloc(500 * 5 * sizeof *b);
  pc_sim_request req = {500, 5, pc_rng_key_forecast(4, "x", "y", "v", 9), NULL};
  assert_int_equal(pc_model_simulate(m, &s->h, &req, a, &e), PC_OK);
  assert_int_equal(pc_model_simulate(m, &cut, &req, b, &e), PC_OK);
  assert_memory_equal(a, b, 500 * 5 * sizeof *a);
  double mean = 0.0, last = log(s->close[N_OBS - 4]);
  for (int i = 0; i < 500; i++) {
    mean += log(a[i * 5]) / 500;
  }
  assert_close(mean, last, 0.004); /* sigma = 0.01 per step */
  free(a);
  free(b);
  pc_model_free(m);
  free(s);
}

/* Bootstrap innovations have the spread of the Gaussian ones. */
static void test_bootstrap_spread(void **state) {
  (void)state;
  series *s = calloc(1, sizeof *s);
  make_series(s, N_OBS, 0.0, 1, 0.0);
  double sd[2];
  for (int boot = 0; boot <= 1; boot++) {
    pc_model *m = NULL;
    pc_error e;
    const char *kv[] = {"order", "0,1,0", "innovations",
                        boot ? "bootstrap" : "gaussian", NULL};
    assert_int_equal(fit_with(&m, &s->h, kv, &e), PC_OK);
    double *out = malloc(4000 * sizeof *out);
    pc_sim_request req = {4000, 1, pc_rng_key_forecast(5, "x", "y", "v", 9),
                          NULL};
    assert_int_equal(pc_model_simulate(m, &s->h, &req, out, &e), PC_OK);
    double last = log(s->close[N_OBS - 1]), ss = 0.0;
    for (int i = 0; i < 4000; i++) {
      ss += pow(log(out[i]) - last - 0.0003, 2);
    }
    sd[boot] = sqrt(ss / 4000);
    free(out);
    pc_model_free(m);
  }
  assert_close(sd[0], 0.01, 0.0006);
  assert_close(sd[1], sd[0], 0.0008);
  free(s);
}

/* The search stays inside max_p / max_q and honours constant = no. */
static void test_auto_bounds(void **state) {
  (void)state;
  series *s = calloc(1, sizeof *s);
  make_series(s, N_OBS, 0.5, 1, 0.0);
  pc_model *m = NULL;
  pc_error e;
  const char *kv[] = {"max_p", "0", "max_q", "0", "constant", "no", NULL};
  assert_int_equal(fit_with(&m, &s->h, kv, &e), PC_OK);
  pc_record rec;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  int64_t order[3], constant = -1;
  memcpy(order, field(&rec, "order")->data, sizeof order);
  assert_true(order[0] == 0 && order[1] == 1 && order[2] == 0);
  assert_int_equal(pc_record_get_int(&rec, "constant", &constant, &e), PC_OK);
  assert_int_equal(constant, 0);
  pc_record_fini(&rec);
  pc_model_free(m);
  free(s);
}

/* The same filter by every route the fit takes: one run at a time, several
 * in lockstep (pc_arima_filter_many: pairs of runs as the lanes of a
 * vector while their covariances change, the steady rows together, and
 * runs with the same regression sharing each row's error), and a replay of
 * recorded gains for coefficients that differ only in beta
 * (pc_arima_filter_replay_many): identical sums, final state and recorded
 * gains to the last bit, for every (r, d) kernel the orders use, with
 * missing rows and regressors; and a replay with other AR or MA
 * coefficients, or another missing row, falls back to the whole filter. */
static void assert_same_filter(const pc_arima_filter_out *a,
                               const pc_arima_filter_out *b) {
  assert_memory_equal(&a->ssq, &b->ssq, sizeof(double));
  assert_memory_equal(&a->sumlog, &b->sumlog, sizeof(double));
  assert_int_equal(a->nu, b->nu);
  assert_int_equal(a->m, b->m);
  assert_memory_equal(a->a, b->a, sizeof(double) * (size_t)a->m);
  assert_memory_equal(a->P, b->P, sizeof(double) * (size_t)(a->m * a->m));
}

/* Runs 0 .. RUNS-1 of c in lockstep, run 0 recording its gains into
 * `into`, against each run alone and run 0's gains recorded alone in
 * `alone`. */
static void assert_many_as_one(const pc_arima_coef *c, int runs,
                               const pc_arima_data *data,
                               pc_arima_gains *into, pc_arima_gains *alone) {
  pc_arima_filter_out one[8], many[8];
  pc_arima_gains *rec[8] = {into};
  int rc[8];
  assert_true(runs <= 8);
  for (int j = 0; j < runs; j++) {
    assert_int_equal(j == 0 ? pc_arima_filter_record(&c[0], data, &one[0],
                                                     alone)
                            : pc_arima_filter(&c[j], data, &one[j], NULL),
                     0);
  }
  pc_arima_filter_many(c, runs, data, many, rec, rc);
  for (int j = 0; j < runs; j++) {
    assert_int_equal(rc[j], 0);
    assert_same_filter(&one[j], &many[j]);
  }
  assert_true(into->valid && alone->valid);
  assert_int_equal(into->nobs, alone->nobs);
  assert_memory_equal(into->row, alone->row, sizeof(size_t) * alone->nobs);
  assert_memory_equal(into->f, alone->f, sizeof(double) * alone->nobs);
  assert_memory_equal(into->mvec, alone->mvec,
                      sizeof(double) * alone->nobs * PC_ARIMA_MAX_M);
}

static void test_filter_routes_identical(void **state) {
  (void)state;
  enum { N = 400, K = 2, RUNS = 6 };
  static double y[N], x[N * K], z[N * (K + 1)];
  normals(z, N * (K + 1), 9);
  for (size_t t = 0; t < N; t++) {
    x[t * K] = (double)(t + 1);
    x[t * K + 1] = z[N + t];
    y[t] = (t ? y[t - 1] : 0.0) + 0.3 * z[t] + 0.01 * x[t * K + 1];
  }
  y[37] = NAN;
  x[201 * K + 1] = NAN;
  pc_arima_data data = {N, y, K, x};
  static size_t row[N], row2[N];
  static double gf[N], gm[N * PC_ARIMA_MAX_M], gf2[N],
      gm2[N * PC_ARIMA_MAX_M];
  pc_arima_gains g = {N, row, gf, gm, 0, {0}, 0, 0, 0.0};
  pc_arima_gains g2 = {N, row2, gf2, gm2, 0, {0}, 0, 0, 0.0};
  for (int p = 0; p <= 5; p++) {
    for (int q = 0; q <= 4 && p + q <= 6; q++) {
      for (int d = 0; d <= 2; d++) {
        pc_arima_coef c[RUNS];
        pc_arima_filter_out one[RUNS], many[RUNS], rep[RUNS];
        pc_arima_gains *rec[RUNS] = {NULL};
        int rc[RUNS], rrc[RUNS];
        for (int j = 0; j < RUNS; j++) {
          c[j] = (pc_arima_coef){.p = p, .d = d, .q = q, .k = K};
          for (int i = 0; i < p; i++) {
            c[j].phi[i] = (i == 0 ? 0.5 : -0.1) + 0.01 * j;
          }
          for (int i = 0; i < q; i++) {
            c[j].theta[i] = (i == 0 ? 0.4 : 0.05);
          }
          c[j].beta[0] = 0.002 * j;
          c[j].beta[1] = -0.01;
          assert_int_equal(pc_arima_filter(&c[j], &data, &one[j], NULL), 0);
        }
        pc_arima_filter_many(c, RUNS, &data, many, rec, rc);
        for (int j = 0; j < RUNS; j++) {
          assert_int_equal(rc[j], 0);
          assert_same_filter(&one[j], &many[j]);
        }
        /* A gradient's points: AR and MA moved, the regression shared;
         * run 0 records its gains.  An odd count leaves one run alone. */
        pc_arima_coef grad[5];
        for (int j = 0; j < 5; j++) {
          grad[j] = c[0];
          if (j > 0 && j - 1 < p) {
            grad[j].phi[j - 1] += 1e-7;
          } else if (j > 0 && j - 1 - p < q) {
            grad[j].theta[j - 1 - p] += 1e-7;
          }
        }
        assert_many_as_one(grad, 5, &data, &g, &g2);
        /* Run 0's gains replayed for runs with only beta changed. */
        pc_arima_filter_out base;
        assert_int_equal(pc_arima_filter_record(&c[0], &data, &base, &g), 0);
        assert_true(pc_arima_gains_of(&g, &c[0]));
        pc_arima_coef same[RUNS];
        for (int j = 0; j < RUNS; j++) {
          same[j] = c[0];
          same[j].beta[j % K] += 1e-7 * (j + 1);
          assert_int_equal(pc_arima_filter(&same[j], &data, &one[j], NULL), 0);
        }
        pc_arima_filter_replay_many(same, RUNS, &data, &g, rep, rrc);
        for (int j = 0; j < RUNS; j++) {
          assert_int_equal(rrc[j], 0);
          assert_memory_equal(&one[j].ssq, &rep[j].ssq, sizeof(double));
          assert_memory_equal(&one[j].sumlog, &rep[j].sumlog, sizeof(double));
        }
        /* Other AR coefficients: not these gains, the whole filter. */
        if (p > 0) {
          assert_false(pc_arima_gains_of(&g, &c[1]));
          assert_int_equal(pc_arima_filter_replay(&c[1], &data, &g, &rep[1]), 0);
          assert_memory_equal(&many[1].ssq, &rep[1].ssq, sizeof(double));
        }
      }
    }
  }
  /* A row missing where the record has it observed: the whole filter. */
  pc_arima_coef c = {.p = 1, .d = 1, .q = 1, .k = K, .phi = {0.3},
                     .theta = {0.2}};
  pc_arima_filter_out base, got, want;
  assert_int_equal(pc_arima_filter_record(&c, &data, &base, &g), 0);
  y[300] = NAN;
  assert_int_equal(pc_arima_filter(&c, &data, &want, NULL), 0);
  assert_int_equal(pc_arima_filter_replay(&c, &data, &g, &got), 0);
  assert_int_equal(got.nu, want.nu);
  assert_memory_equal(&got.ssq, &want.ssq, sizeof(double));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_filter_ar1_closed_form),
      cmocka_unit_test(test_filter_missing_value),
      cmocka_unit_test(test_filter_ma1_closed_form),
      cmocka_unit_test(test_filter_differencing),
      cmocka_unit_test(test_filter_routes_identical),
      cmocka_unit_test(test_q0_ar1),
      cmocka_unit_test(test_transform_round_trip),
      cmocka_unit_test(test_kpss_known_values),
      cmocka_unit_test(test_fit_recovers_ar1),
      cmocka_unit_test(test_exog_and_bootstrap_round_trip),
      cmocka_unit_test(test_failure_paths),
      cmocka_unit_test(test_fallback_is_recorded),
      cmocka_unit_test(test_auto_order),
      cmocka_unit_test(test_exog_projection),
      cmocka_unit_test(test_paths_continue_from_last_observation),
      cmocka_unit_test(test_bootstrap_spread),
      cmocka_unit_test(test_auto_bounds),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
