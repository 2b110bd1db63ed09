/* The xgboost model: exact feature values on a hand series, no leakage of
 * the target day or anything later into its features or into a fit, save ->
 * load identity of predictions and paths, determinism (by key, by path index
 * whatever the batch, across repeated fits), failures with reasons, and the
 * fit and forecast times (printed, for docs/MODELS.md). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "test_filter.h"

#include "../../src/models/xgb.h"
#include "pathcast/models/model.h"
#include "pathcast/core/paths.h"
#include "pathcast/core/quality.h"

#define NCOV 3
#define STEPS 14

static const char *const cov_names[NCOV] = {"temp_mean_c", "humidity_mean_pct",
                                            "precipitation_mm"};

typedef struct {
  size_t n;
  pc_date *date;
  double *close;
  double *cov;
  pc_history h;
} series;

/* A geometric random walk with weekday dates, a few missing closes and
 * three covariates, from a fixed Philox stream (seed picks the stream). */
static series *make_series(size_t n, uint64_t seed) {
  series *s = calloc(1, sizeof *s);
  s->n = n;
  s->date = calloc(n, sizeof *s->date);
  s->close = calloc(n, sizeof *s->close);
  s->cov = calloc(n * NCOV, sizeof *s->cov);
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(seed, "test", "xgb", "v", 0), 0, 0);
  pc_date d = 16804; /* 2016-01-04, a Monday */
  double x = log(100.0);
  for (size_t i = 0; i < n; i++) {
    x += 0.0002 + 0.015 * pc_rng_normal(&r);
    s->date[i] = d;
    s->close[i] = (i % 97 == 50) ? NAN : exp(x);
    for (int j = 0; j < NCOV; j++) {
      s->cov[i * NCOV + (size_t)j] = 20.0 + pc_rng_normal(&r);
    }
    do {
      d++;
    } while (pc_date_weekday(d) >= 5);
  }
  s->h = (pc_history){n, s->date, s->close, NCOV, cov_names, s->cov};
  return s;
}

static series *copy_series(const series *a) {
  series *s = make_series(a->n, 1);
  memcpy(s->close, a->close, a->n * sizeof *s->close);
  memcpy(s->cov, a->cov, a->n * NCOV * sizeof *s->cov);
  return s;
}

static void free_series(series *s) {
  free(s->date);
  free(s->close);
  free(s->cov);
  free(s);
}

static pc_history view(const series *s, size_t n) {
  pc_history h = s->h;
  h.n = n;
  return h;
}

static pc_model *new_model(const char *const *kv) {
  const pc_model_type *t = pc_model_type_find("xgboost");
  pc_model_spec spec;
  pc_model *m = NULL;
  pc_error e;
  assert_non_null(t);
  assert_int_equal(pc_model_spec_init(&spec, "xgb", t), PC_OK);
  for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
    assert_int_equal(pc_model_spec_set(&spec, kv[i], kv[i + 1], &e), PC_OK);
  }
  assert_int_equal(pc_model_alloc(&m, &spec, &e), PC_OK);
  pc_model_spec_fini(&spec);
  return m;
}

static pc_model *fit_model(const pc_history *h, const char *const *kv) {
  pc_model *m = new_model(kv);
  pc_error e;
  pc_error_clear(&e);
  if (pc_model_fit(m, h, &e) != PC_OK) {
    fail_msg("xgboost fit failed: %s", e.msg);
  }
  return m;
}

/* npaths paths of the key of `seed`, on the given step dates (NULL: the
 * weekdays). */
static double *paths_dated(const pc_model *m, const pc_history *h, int npaths,
                           uint64_t seed, const pc_date *dates) {
  double *out = malloc(sizeof(double) * (size_t)npaths * STEPS);
  pc_sim_request req = {npaths, STEPS,
                        pc_rng_key_forecast(seed, "coffee", "xgb", "v1", 19000),
                        dates};
  pc_error e;
  pc_error_clear(&e);
  assert_non_null(out);
  if (pc_model_simulate(m, h, &req, out, &e) != PC_OK) {
    fail_msg("xgboost simulate failed: %s", e.msg);
  }
  return out;
}

static double *paths(const pc_model *m, const pc_history *h, int npaths,
                     uint64_t seed) {
  return paths_dated(m, h, npaths, seed, NULL);
}

static const pc_field *field(const pc_record *r, const char *name) {
  const pc_field *f = pc_record_get(r, name);
  if (f == NULL) {
    fail_msg("record lacks field %s", name);
  }
  return f;
}

/* The records of two fitted models (pc_record_fini both). */
static void save_pair(const pc_model *a, const pc_model *b, pc_record *ra,
                      pc_record *rb) {
  pc_error e;
  pc_record_init(ra);
  pc_record_init(rb);
  assert_int_equal(pc_model_save(a, ra, &e), PC_OK);
  assert_int_equal(pc_model_save(b, rb, &e), PC_OK);
}

static void assert_fields_equal(const pc_record *a, const pc_record *b,
                                const char *name) {
  const pc_field *fa = field(a, name), *fb = field(b, name);
  size_t size = fa->kind == PC_FIELD_F64 || fa->kind == PC_FIELD_I64 ? 8 : 1;
  assert_int_equal(fa->kind, fb->kind);
  assert_int_equal(fa->len, fb->len);
  assert_memory_equal(fa->data, fb->data, fa->len * size);
}

/* ---- features ------------------------------------------------------------ */

static void mean_sd3(const double *x, double *mean, double *sd) {
  double m = (x[0] + x[1] + x[2]) / 3, ss = 0.0;
  for (int i = 0; i < 3; i++) {
    ss += (x[i] - m) * (x[i] - m);
  }
  *mean = m;
  *sd = sqrt(ss / 2);
}

/* A feature row of the hand series: lags, calendar and covariate exactly;
 * the window mean and sd (columns 2 and 3, computed from shifted running
 * sums) to float precision. */
static void assert_row(const float *got, const float *want) {
  for (int i = 0; i < 7; i++) {
    double tol = (i == 2 || i == 3) ? 2e-7 * fabs(want[i]) : 0.0;
    if (!(fabs((double)got[i] - (double)want[i]) <= tol)) {
      fail_msg("feature %d: %.9g, expected %.9g", i, got[i], want[i]);
    }
  }
}

/* Closes 100, 102, -, 101, 105, 104, 106 on 2024-01-29 ... 2024-02-04:
 * returns end on rows 1, 3 (joining the gap), 4, 5, 6.  With lags 1,2 and a
 * window of 3, the targets are the returns ending on rows 5 and 6. */
static void test_feature_values(void **state) {
  (void)state;
  double close[7] = {100, 102, NAN, 101, 105, 104, 106};
  double temp[7] = {10, 11, 12, 13, NAN, 15, 16};
  pc_date date[7];
  const char *name[1] = {"temp"};
  for (int i = 0; i < 7; i++) {
    date[i] = 19751 + i; /* 2024-01-29, a Monday */
  }
  pc_history h = {7, date, close, 1, name, temp};
  pc_xgb_layout l;
  pc_xgb_samples s;
  pc_error e;
  assert_int_equal(pc_xgb_layout_parse(&l, "x", "1,2", "3", "temp", &e), PC_OK);
  assert_int_equal(pc_xgb_nfeatures(&l), 7);
  assert_int_equal(pc_xgb_span(&l), 3);
  char names[256];
  pc_xgb_feature_names(&l, names, sizeof names);
  assert_string_equal(names, "lag_1,lag_2,mean_3,sd_3,dow,month,exog_temp");
  assert_int_equal(pc_xgb_samples_make(&l, &h, &s, &e), PC_OK);
  assert_int_equal(s.n, 2);
  /* The features use pathcast's own log (the same on every CPU). */
  double r[5] = {pc_ln(102.0 / 100), pc_ln(101.0 / 102), pc_ln(105.0 / 101),
                 pc_ln(104.0 / 105), pc_ln(106.0 / 104)};
  double m0, sd0, m1, sd1;
  mean_sd3(r, &m0, &sd0);
  mean_sd3(r + 1, &m1, &sd1);
  /* Row 5 (Saturday 2024-02-03): temp of row 4 is missing, so the last
   * value known before the day is row 3's. */
  float want0[7] = {(float)r[2], (float)r[1], (float)m0, (float)sd0, 5, 2, 13};
  float want1[7] = {(float)r[3], (float)r[2], (float)m1, (float)sd1, 6, 2, 15};
  assert_row(s.x, want0);
  assert_row(s.x + 7, want1);
  assert_true(s.y[0] == r[3] && s.y[1] == r[4]);
  assert_true(s.row[0] == 5 && s.row[1] == 6);
  pc_xgb_samples_free(&s);
}

static void test_layout_errors(void **state) {
  (void)state;
  pc_xgb_layout l;
  pc_error e;
  const char *bad_lags[] = {"0,1", "1,,2", "none", "", "1;2", "2000", "a"};
  for (size_t i = 0; i < sizeof bad_lags / sizeof *bad_lags; i++) {
    assert_int_equal(pc_xgb_layout_parse(&l, "m", bad_lags[i], "5", "none", &e),
                     PC_MODEL);
    assert_non_null(strstr(e.msg, "m.lags"));
  }
  assert_int_equal(pc_xgb_layout_parse(&l, "m", "1", "1", "none", &e), PC_MODEL);
  assert_non_null(strstr(e.msg, "m.windows"));
  assert_int_equal(pc_xgb_layout_parse(&l, "m", " 1, 5 ", "none", "a, b", &e),
                   PC_OK);
  assert_int_equal(l.nlags, 2);
  assert_int_equal(l.nwindows, 0);
  assert_int_equal(l.nexog, 2);
  assert_string_equal(l.exog[1], "b");
}

/* ---- no leakage ---------------------------------------------------------- */

/* The target day's close and covariates and every later row change (some
 * closes go missing); the features of every day up to and including the
 * target day must not. */
static void test_no_leakage_features(void **state) {
  (void)state;
  const size_t T = 300;
  series *a = make_series(400, 5), *b = copy_series(a);
  for (size_t i = T; i < b->n; i++) {
    b->close[i] = (i % 7 == 3) ? NAN : a->close[i] * 1.5;
    for (int j = 0; j < NCOV; j++) {
      b->cov[i * NCOV + (size_t)j] += 10.0;
    }
  }
  pc_xgb_layout l;
  pc_xgb_samples sa, sb;
  pc_error e;
  assert_int_equal(pc_xgb_layout_parse(&l, "x", "1,2,3,5,10,20", "5,20,60",
                                       "temp_mean_c,precipitation_mm", &e), PC_OK);
  assert_int_equal(pc_xgb_samples_make(&l, &a->h, &sa, &e), PC_OK);
  assert_int_equal(pc_xgb_samples_make(&l, &b->h, &sb, &e), PC_OK);
  size_t k = 0, nf = (size_t)sa.nfeat;
  while (k < sa.n && sa.row[k] < T) {
    k++;
  }
  assert_true(k < sa.n && sa.row[k] == T && sb.row[k] == T);
  /* Rows before T and the row of T itself: identical features. */
  assert_memory_equal(sa.x, sb.x, (k + 1) * nf * sizeof *sa.x);
  assert_true(sa.y[k] != sb.y[k]); /* the target did change */
  pc_xgb_samples_free(&sa);
  pc_xgb_samples_free(&sb);
  free_series(a);
  free_series(b);
}

/* A model trained before T is the same whatever the data on and after T. */
static void test_no_leakage_fit(void **state) {
  (void)state;
  const size_t T = 500;
  series *a = make_series(700, 6), *b = copy_series(a);
  for (size_t i = T; i < b->n; i++) {
    b->close[i] *= 2.0;
    b->cov[i * NCOV] = NAN;
  }
  const char *kv[] = {"exog", "temp_mean_c", NULL};
  pc_history ha = view(a, T), hb = view(b, T);
  pc_model *ma = fit_model(&ha, kv), *mb = fit_model(&hb, kv);
  pc_record ra, rb;
  save_pair(ma, mb, &ra, &rb);
  assert_fields_equal(&ra, &rb, "booster");
  assert_fields_equal(&ra, &rb, "residuals");
  double *pa = paths(ma, &ha, 50, 3), *pb = paths(mb, &hb, 50, 3);
  assert_memory_equal(pa, pb, sizeof(double) * 50 * STEPS);
  free(pa);
  free(pb);
  pc_record_fini(&ra);
  pc_record_fini(&rb);
  pc_model_free(ma);
  pc_model_free(mb);
  free_series(a);
  free_series(b);
}

/* ---- persistence and determinism ----------------------------------------- */

/* Booster predictions on every training row are bit-identical after a trip
 * through the UBJSON buffer. */
static void test_booster_round_trip(void **state) {
  (void)state;
  series *a = make_series(600, 7);
  pc_xgb_layout l;
  pc_xgb_samples s;
  pc_xgb_model m, back;
  pc_xgb_hyper hp = {200, 20, 4, 0.05, 0.8, 0.8, 1, 1, 0.2, 0, 1};
  pc_error e;
  memset(&back, 0, sizeof back);
  assert_int_equal(pc_xgb_layout_parse(&l, "x", "1,2,3,5,10,20", "5,20,60",
                                       "none", &e), PC_OK);
  assert_int_equal(pc_xgb_samples_make(&l, &a->h, &s, &e), PC_OK);
  assert_int_equal(pc_xgb_train(&hp, &s, &m, &e), PC_OK);
  assert_true(m.rounds >= 1 && m.rounds <= 200);
  assert_int_equal(m.nresid, (size_t)m.n_valid);
  void *buf = NULL;
  size_t len = 0;
  assert_int_equal(pc_xgb_save_booster(&m, &buf, &len, &e), PC_OK);
  assert_int_equal(pc_xgb_load_booster(&back, buf, len, &e), PC_OK);
  back.center = m.center;
  double *p1 = malloc(s.n * sizeof *p1), *p2 = malloc(s.n * sizeof *p2);
  assert_int_equal(pc_xgb_predict(&m, s.x, s.n, s.nfeat, p1, &e), PC_OK);
  assert_int_equal(pc_xgb_predict(&back, s.x, s.n, s.nfeat, p2, &e), PC_OK);
  assert_memory_equal(p1, p2, s.n * sizeof *p1);
  free(p1);
  free(p2);
  free(buf);
  pc_xgb_model_free(&m);
  pc_xgb_model_free(&back);
  pc_xgb_samples_free(&s);
  free_series(a);
}

/* save -> load -> save gives the same record, and the loaded model the same
 * paths. */
static void test_save_load_identity(void **state) {
  (void)state;
  series *a = make_series(800, 8);
  const char *kv[] = {"exog", "temp_mean_c,humidity_mean_pct", NULL};
  pc_model *m = fit_model(&a->h, kv), *copy = new_model(kv);
  pc_record r1, r2;
  pc_error e;
  pc_record_init(&r1);
  pc_record_init(&r2);
  assert_int_equal(pc_model_save(m, &r1, &e), PC_OK);
  assert_int_equal(pc_model_load(copy, &r1, &e), PC_OK);
  assert_int_equal(pc_model_save(copy, &r2, &e), PC_OK);
  assert_int_equal(r1.n, r2.n);
  for (size_t i = 0; i < r1.n; i++) {
    assert_fields_equal(&r1, &r2, r1.fields[i].name);
  }
  const pc_field *f = field(&r1, "features");
  assert_non_null(strstr((const char *)f->data, "exog_humidity_mean_pct"));
  double *p1 = paths(m, &a->h, 200, 4), *p2 = paths(copy, &a->h, 200, 4);
  assert_memory_equal(p1, p2, sizeof(double) * 200 * STEPS);
  free(p1);
  free(p2);
  pc_record_fini(&r1);
  pc_record_fini(&r2);
  pc_model_free(m);
  pc_model_free(copy);
  free_series(a);
}

static double max_abs_field(const pc_record *r, const char *name) {
  const pc_field *f = field(r, name);
  double m = 0.0;
  for (size_t i = 0; i < f->len; i++) {
    m = fmax(m, fabs(((const double *)f->data)[i]));
  }
  return m;
}

/* A bad tick (a close x 1.2 for one day) in the validation tail: the raw
 * pool keeps its pair of huge residuals, the winsorised one (the default)
 * clips them to the pool's 0.5% and 99.5% quantiles.  The trees are the
 * same; a raw record holds exactly the fields of before the key. */
static void test_residual_pool(void **state) {
  (void)state;
  series *a = make_series(800, 11);
  a->close[760] *= 1.2;
  const char *raw_kv[] = {"residuals", "raw", NULL};
  pc_model *raw = fit_model(&a->h, raw_kv), *win = fit_model(&a->h, NULL);
  pc_record r1, r2;
  pc_error e;
  save_pair(raw, win, &r1, &r2);
  assert_fields_equal(&r1, &r2, "booster");
  assert_null(pc_record_get(&r1, "residual_method"));
  assert_null(pc_record_get(&r1, "residuals_clipped"));
  assert_int_equal(r2.n, r1.n + 2);
  assert_true(max_abs_field(&r1, "residuals") > 0.15);
  assert_true(max_abs_field(&r2, "residuals") < 0.08);
  /* The stored pool is pc_winsorize of the raw one, value for value. */
  const pc_field *fr = field(&r1, "residuals");
  double *want = malloc(fr->len * sizeof *want);
  size_t clipped = 0;
  int64_t stored = 0;
  memcpy(want, fr->data, fr->len * sizeof *want);
  assert_int_equal(pc_winsorize(want, fr->len, PC_QUALITY_WINSOR_LOW,
                                PC_QUALITY_WINSOR_HIGH, &clipped),
                   PC_OK);
  assert_memory_equal(field(&r2, "residuals")->data, want,
                      fr->len * sizeof *want);
  assert_int_equal(pc_record_get_int(&r2, "residuals_clipped", &stored, &e),
                   PC_OK);
  assert_int_equal(stored, (int64_t)clipped);
  free(want);
  pc_record_fini(&r1);
  pc_record_fini(&r2);
  pc_model_free(raw);
  pc_model_free(win);
  free_series(a);
}

static void save_booster_field(const pc_history *h, pc_record *r) {
  pc_model *m = fit_model(h, NULL);
  pc_error e;
  pc_record_init(r);
  assert_int_equal(pc_model_save(m, r, &e), PC_OK);
  pc_model_free(m);
}

/* Fits are repeatable within a process, whatever was fitted in between
 * (XGBoost's sampling must not carry state from fit to fit); paths depend
 * on the key, and path i is the same whatever the number of paths. */
static void test_determinism(void **state) {
  (void)state;
  series *a = make_series(600, 9), *b = make_series(650, 10);
  pc_record r1, r2, r3;
  save_booster_field(&a->h, &r1);
  save_booster_field(&b->h, &r2);
  pc_record_fini(&r2);
  save_booster_field(&a->h, &r3);
  assert_fields_equal(&r1, &r3, "booster");
  assert_fields_equal(&r1, &r3, "residuals");
  pc_model *m = fit_model(&a->h, NULL);
  double *p10 = paths(m, &a->h, 10, 1), *p50 = paths(m, &a->h, 50, 1);
  double *q50 = paths(m, &a->h, 50, 2);
  assert_memory_equal(p10, p50, sizeof(double) * 10 * STEPS);
  assert_true(memcmp(p50, q50, sizeof(double) * 50 * STEPS) != 0);
  free(p10);
  free(p50);
  free(q50);
  pc_model_free(m);
  pc_record_fini(&r1);
  pc_record_fini(&r3);
  free_series(a);
  free_series(b);
}

/* The future steps take the driver's trading dates: with the weekdays given
 * explicitly the paths are those of the default; with a holiday on the first
 * step (every later step one trading day on) the weekday features change,
 * and so do the paths of a series whose Mondays jump. */
static void test_calendar_dates(void **state) {
  (void)state;
  series *a = make_series(800, 12);
  double x = log(100.0);
  for (size_t i = 0; i < a->n; i++) {
    x += pc_date_weekday(a->date[i]) == 0 ? 0.03 : -0.006;
    a->close[i] = exp(x);
  }
  pc_model *m = fit_model(&a->h, NULL);
  pc_date weekdays[STEPS], holiday[STEPS], d = a->date[a->n - 1];
  for (int j = 0; j < STEPS; j++) {
    do {
      d++;
    } while (pc_date_weekday(d) >= 5);
    weekdays[j] = d;
  }
  assert_int_equal(pc_date_weekday(weekdays[0]), 0); /* a Monday */
  for (int j = 0; j < STEPS; j++) {
    holiday[j] = j + 1 < STEPS ? weekdays[j + 1] : weekdays[j] + 1;
  }
  double *none = paths_dated(m, &a->h, 20, 1, NULL);
  double *same = paths_dated(m, &a->h, 20, 1, weekdays);
  double *moved = paths_dated(m, &a->h, 20, 1, holiday);
  assert_memory_equal(none, same, sizeof(double) * 20 * STEPS);
  assert_true(memcmp(none, moved, sizeof(double) * 20 * STEPS) != 0);
  free(none);
  free(same);
  free(moved);
  pc_model_free(m);
  free_series(a);
}

/* ---- failures ------------------------------------------------------------ */

/* A failure's message must hold text. */
static void expect_text(const pc_error *e, const char *text) {
  if (strstr(e->msg, text) == NULL) {
    fail_msg("'%s' lacks '%s'", e->msg, text);
  }
}

static void expect_fit_failure(const pc_history *h, const char *const *kv,
                               const char *text) {
  pc_model *m = new_model(kv);
  pc_error e;
  pc_error_clear(&e);
  assert_int_equal(pc_model_fit(m, h, &e), PC_MODEL);
  expect_text(&e, text);
  pc_model_free(m);
}

static void test_fit_failures(void **state) {
  (void)state;
  series *a = make_series(600, 11);
  pc_history short_h = view(a, 100); /* 99 returns, 39 after the 60-day window */
  expect_fit_failure(&short_h, NULL, "too little data");
  pc_history two = view(a, 2);
  expect_fit_failure(&two, NULL, "too little data");
  const char *no_col[] = {"exog", "wind_kmh", NULL};
  expect_fit_failure(&a->h, no_col, "wind_kmh");
  const char *bad_lags[] = {"lags", "1,x", NULL};
  expect_fit_failure(&a->h, bad_lags, "xgb.lags");
  /* Shorter lags and windows need less history. */
  const char *short_keys[] = {"lags", "1,2", "windows", "5", NULL};
  pc_model *m = fit_model(&short_h, short_keys);
  pc_model_free(m);
  free_series(a);
}

static void expect_sim_failure(const pc_model *m, const pc_history *h,
                               const char *text) {
  double out[10 * STEPS];
  pc_sim_request req = {10, STEPS, pc_rng_key_forecast(1, "c", "x", "v", 1),
                        NULL};
  pc_error e;
  pc_error_clear(&e);
  assert_int_equal(pc_model_simulate(m, h, &req, out, &e), PC_MODEL);
  expect_text(&e, text);
}

/* A forecast history without the covariate or too short for the windows
 * fails with a reason. */
static void test_simulate_failures(void **state) {
  (void)state;
  series *a = make_series(600, 12);
  const char *kv[] = {"exog", "precipitation_mm", NULL};
  pc_model *m = fit_model(&a->h, kv);
  pc_history no_cov = a->h;
  no_cov.ncov = 0;
  expect_sim_failure(m, &no_cov, "precipitation_mm");
  pc_history short_h = view(a, 40);
  expect_sim_failure(m, &short_h, "too little data");
  pc_model_free(m);
  free_series(a);
}

/* A copy of in without the field named skip (NULL: every field). */
static void copy_without(const pc_record *in, const char *skip,
                         pc_record *out) {
  pc_record_init(out);
  for (size_t i = 0; i < in->n; i++) {
    const pc_field *f = &in->fields[i];
    if (skip != NULL && strcmp(f->name, skip) == 0) {
      continue;
    }
    pc_field copy = *f;
    size_t size = f->kind == PC_FIELD_F64 || f->kind == PC_FIELD_I64 ? 8 : 1;
    copy.data = calloc(f->len * size + 1, 1);
    memcpy(copy.data, f->data, f->len * size);
    assert_int_equal(pc_record_adopt(out, &copy), PC_OK);
  }
}

/* Loading bad is refused with a message holding text, and leaves a model
 * that cannot simulate (nothing half-loaded). */
static void expect_load_failure(const pc_record *bad, const pc_history *h,
                                const char *text) {
  pc_model *m = new_model(NULL);
  pc_error e;
  pc_error_clear(&e);
  assert_int_equal(pc_model_load(m, bad, &e), PC_FATAL);
  expect_text(&e, text);
  expect_sim_failure(m, h, "no trained booster");
  pc_model_free(m);
}

/* A damaged booster is refused with XGBoost's reason, never a crash. */
static void test_damaged_booster(void **state) {
  (void)state;
  series *a = make_series(600, 13);
  pc_record good, bad;
  save_booster_field(&a->h, &good);
  copy_without(&good, "booster", &bad);
  pc_record_add_bytes(&bad, PC_SECTION_PARAMS, "booster", "{not ubjson", 11);
  expect_load_failure(&bad, &a->h, "xgboost");
  pc_record_fini(&good);
  pc_record_fini(&bad);
  free_series(a);
}

/* A record missing a field, holding one of another kind or length, or one
 * the model does not know (another model's, or another version's) is a
 * damaged or foreign store: refused, naming the field. */
static void test_foreign_records(void **state) {
  (void)state;
  series *a = make_series(600, 15);
  pc_record good, bad;
  save_booster_field(&a->h, &good);
  const char *each[] = {"center", "residuals", "lags", "n_valid", "eta",
                        "booster"};
  for (size_t i = 0; i < sizeof each / sizeof each[0]; i++) {
    copy_without(&good, each[i], &bad);
    expect_load_failure(&bad, &a->h, each[i]);
    pc_record_fini(&bad);
  }
  copy_without(&good, "rounds", &bad);
  assert_int_equal(pc_record_add_str(&bad, PC_SECTION_PARAMS, "rounds", "12"),
                   PC_OK);
  expect_load_failure(&bad, &a->h, "'rounds' has the wrong type");
  pc_record_fini(&bad);
  copy_without(&good, "residuals", &bad);
  assert_int_equal(pc_record_add_f64(&bad, PC_SECTION_PARAMS, "residuals",
                                     NULL, 0), PC_OK);
  expect_load_failure(&bad, &a->h, "'residuals' is empty");
  pc_record_fini(&bad);
  copy_without(&good, NULL, &bad);
  assert_int_equal(pc_record_add_scalar(&bad, PC_SECTION_PARAMS, "sigma", 0.01),
                   PC_OK);
  expect_load_failure(&bad, &a->h, "'sigma' is not one of this model's");
  pc_record_fini(&bad);
  copy_without(&good, "residual_method", &bad);
  assert_int_equal(pc_record_add_str(&bad, PC_SECTION_PARAMS,
                                     "residual_method", "raw"), PC_OK);
  expect_load_failure(&bad, &a->h, "is 'raw', not 'winsorized'");
  pc_record_fini(&bad);
  pc_record_fini(&good);
  free_series(a);
}

/* ---- check -------------------------------------------------------------- */

/* pc_model_check of a model of the keys kv against the columns of h with
 * min_history: the status, and the message in e. */
static pc_status check_keys(const char *const *kv, const pc_history *h,
                            long min_history, pc_error *e) {
  const pc_model_type *t = pc_model_type_find("xgboost");
  pc_model_spec spec;
  assert_int_equal(pc_model_spec_init(&spec, "xgb", t), PC_OK);
  for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
    assert_int_equal(pc_model_spec_set(&spec, kv[i], kv[i + 1], e), PC_OK);
  }
  pc_error_clear(e);
  pc_status st = pc_model_check(&spec, h, min_history, e);
  pc_model_spec_fini(&spec);
  return st;
}

static void expect_check_refusal(const char *const *kv, const pc_history *h,
                                 long min_history, const char *text) {
  pc_error e;
  assert_int_equal(check_keys(kv, h, min_history, &e), PC_INPUT);
  if (strcmp(e.msg, text) != 0) {
    fail_msg("'%s' is not '%s'", e.msg, text);
  }
}

/* The training rows pc_xgb_samples_make builds from h for the windows. */
static size_t rows_for_windows(const pc_history *h, const char *windows) {
  pc_xgb_layout l;
  pc_xgb_samples smp;
  pc_error e;
  assert_int_equal(pc_xgb_layout_parse(&l, "xgb", "1", windows, "none", &e),
                   PC_OK);
  assert_int_equal(pc_xgb_samples_make(&l, h, &smp, &e), PC_OK);
  size_t n = smp.n;
  pc_xgb_samples_free(&smp);
  return n;
}

/* The check refuses, naming the model and key, covariates that are not
 * columns, malformed lists, and a longest lag or window leaving no training
 * row in min_history observations; its boundary is the feature code's. */
static void test_check(void **state) {
  (void)state;
  series *a = make_series(300, 16);
  pc_history cols = a->h, h = view(a, 300);
  pc_error e;
  cols.n = 0; /* the driver's view: the column names, no rows */
  assert_int_equal(check_keys(NULL, &cols, 250, &e), PC_OK);
  const char *exog[] = {"exog", "temp_mean_c,precipitation_mm", NULL};
  assert_int_equal(check_keys(exog, &cols, 250, &e), PC_OK);
  const char *wind[] = {"exog", "temp_mean_c,wind_kmh", NULL};
  expect_check_refusal(wind, &cols, 250, "xgb.exog: 'wind_kmh' is not a "
                       "covariate column of the data");
  const char *bad_lags[] = {"lags", "1,x", NULL};
  expect_check_refusal(bad_lags, &cols, 250, "xgb.lags: '1,x' is not a list "
                       "of 1 to 16 integers in [1, 1000]");
  const char *long_lag[] = {"lags", "1,300", NULL};
  expect_check_refusal(long_lag, &cols, 250, "xgb.lags: a lag of 300 returns "
                       "leaves no training row in min_history = 250 "
                       "observations (the first row needs 302, a fit 351)");
  /* The boundary: with P present closes, a window of P - 2 leaves one
   * training row, P - 1 none. */
  long present = (long)pc_history_count_present(&h);
  char fits[24], none[24];
  snprintf(fits, sizeof fits, "%ld", present - 2);
  snprintf(none, sizeof none, "%ld", present - 1);
  assert_int_equal(rows_for_windows(&h, fits), 1);
  assert_int_equal(rows_for_windows(&h, none), 0);
  const char *at[] = {"windows", fits, NULL}, *past[] = {"windows", none, NULL};
  assert_int_equal(check_keys(at, &cols, present, &e), PC_OK);
  assert_int_equal(check_keys(past, &cols, present, &e), PC_INPUT);
  assert_non_null(strstr(e.msg, "xgb.windows: a window of "));
  free_series(a);
}

/* ---- timing ------------------------------------------------------------- */

/* Rewrites the closes so that log returns follow an AR(1) with
 * coefficient phi: a series the trees can learn, so early stopping keeps
 * many rounds. */
static void make_ar(series *s, double phi) {
  double x = log(100.0), r = 0.0;
  pc_rng g;
  pc_rng_init(&g, pc_rng_key_training(1, "ar", "xgb", "v", 0), 0, 0);
  for (size_t i = 0; i < s->n && phi != 0.0; i++) {
    r = phi * r + 0.015 * pc_rng_normal(&g);
    x += r;
    s->close[i] = exp(x);
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fits on ~2,000 rows and forecasts 2,000 x 14 paths: printed, not
 * asserted (machines and sanitizers differ).  On a random walk early
 * stopping keeps few trees, so the worst case (all 200 rounds, no early
 * stop) is timed as well. */
static void time_one(const char *label, const char *const *kv, double phi) {
  series *a = make_series(2000, 14);
  make_ar(a, phi);
  double t0 = now();
  pc_model *m = fit_model(&a->h, kv);
  double t1 = now();
  double *p = paths(m, &a->h, 2000, 1);
  double t2 = now();
  pc_record r;
  pc_error e;
  int64_t rounds = 0;
  pc_record_init(&r);
  assert_int_equal(pc_model_save(m, &r, &e), PC_OK);
  assert_int_equal(pc_record_get_int(&r, "rounds", &rounds, &e), PC_OK);
  printf("xgboost timing (%s): fit %.3f s on 2000 rows (%lld trees), "
         "forecast %.1f ms for 2000 x %d paths\n", label, t1 - t0,
         (long long)rounds, 1e3 * (t2 - t1), STEPS);
  free(p);
  pc_record_fini(&r);
  pc_model_free(m);
  free_series(a);
}

static void test_timing(void **state) {
  (void)state;
  const char *all_rounds[] = {"early_stopping", "200", NULL};
  time_one("random walk, default keys", NULL, 0.0);
  time_one("AR(1) returns, default keys", NULL, 0.4);
  time_one("AR(1) returns, no early stop", all_rounds, 0.4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_feature_values),
      cmocka_unit_test(test_layout_errors),
      cmocka_unit_test(test_no_leakage_features),
      cmocka_unit_test(test_no_leakage_fit),
      cmocka_unit_test(test_booster_round_trip),
      cmocka_unit_test(test_save_load_identity),
      cmocka_unit_test(test_residual_pool),
      cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_calendar_dates),
      cmocka_unit_test(test_fit_failures),
      cmocka_unit_test(test_simulate_failures),
      cmocka_unit_test(test_damaged_booster),
      cmocka_unit_test(test_foreign_records),
      cmocka_unit_test(test_check),
      cmocka_unit_test(test_timing),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
