/* The ensemble model (src/models/model_ensemble.c, src/models/ensemble_weights.c): the
 * CRPS terms against their definitions and against the exact CRPS of the
 * pooled paths, the weights against a brute-force search of the simplex,
 * the stratified choice of members, and the model in a job context: the
 * better of two members gets the weight, every ensemble path is its
 * member's path bit for bit, the fallback, the record, the members'
 * checks, and a fit that cannot see rows past its history.  (The model
 * contract and total loaders: test_models.c.) */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/models/ensemble.h"
#include "pathcast/models/forecast.h"
#include "pathcast/core/metrics.h"
#include "pathcast/models/model.h"

/* ---- helpers ------------------------------------------------------------ */

static pc_rng stream(uint32_t path) {
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(5, "test", "ensemble", "v", 0), path, 0);
  return r;
}

/* n draws of mu + sd Z, rounded to float32 like stored paths, sorted. */
static void sorted_sample(uint32_t path, double mu, double sd, double *x,
                          size_t n) {
  pc_rng r = stream(path);
  for (size_t i = 0; i < n; i++) {
    x[i] = (double)(float)(mu + sd * pc_rng_normal(&r));
  }
  double *copy = malloc(n * sizeof *copy);
  assert_non_null(copy);
  memcpy(copy, x, n * sizeof *x);
  pc_sort_sample(copy, n, x);
  free(copy);
}

static void assert_close(double a, double b, double tol) {
  if (!(fabs(a - b) <= tol)) {
    fail_msg("%.17g differs from %.17g by more than %g", a, b, tol);
  }
}

/* ---- the CRPS terms ----------------------------------------------------- */

static double brute_mean_abs_diff(const double *a, size_t na, const double *b,
                                  size_t nb) {
  double s = 0.0;
  for (size_t k = 0; k < na; k++) {
    for (size_t l = 0; l < nb; l++) {
      s += fabs(a[k] - b[l]);
    }
  }
  return s / ((double)na * (double)nb);
}

/* The merge against the O(n^2) definition: two samples, a sample with
 * itself, a sample and a point, and ties (whole-number values). */
static void test_mean_abs_diff(void **state) {
  (void)state;
  double a[300], b[211], y = 101.3, ties[50];
  sorted_sample(1, 100.0, 3.0, a, 300);
  sorted_sample(2, 102.0, 1.0, b, 211);
  for (int i = 0; i < 50; i++) {
    ties[i] = (double)(i / 10);
  }
  assert_close(pc_mean_abs_diff(a, 300, b, 211),
               brute_mean_abs_diff(a, 300, b, 211), 1e-12);
  assert_close(pc_mean_abs_diff(b, 211, a, 300),
               brute_mean_abs_diff(a, 300, b, 211), 1e-12);
  assert_close(pc_mean_abs_diff(a, 300, a, 300),
               brute_mean_abs_diff(a, 300, a, 300), 1e-12);
  assert_close(pc_mean_abs_diff(a, 300, &y, 1),
               brute_mean_abs_diff(a, 300, &y, 1), 1e-12);
  assert_close(pc_mean_abs_diff(ties, 50, ties, 50),
               brute_mean_abs_diff(ties, 50, ties, 50), 1e-14);
  /* With itself and with a point, the two terms of the sample CRPS. */
  assert_close(pc_mean_abs_diff(a, 300, &y, 1) -
                   0.5 * pc_mean_abs_diff(a, 300, a, 300),
               pc_crps(a, 300, y), 1e-12);
  assert_true(isnan(pc_mean_abs_diff(a, 0, b, 211)));
}

/* The mixture's CRPS from the per-member terms equals the exact CRPS of
 * the pooled sample in which member i's paths appear k_i times (whose
 * empirical distribution is the mixture with weights k_i / sum k). */
static void test_mixture_crps_is_pooled_crps(void **state) {
  (void)state;
  enum { N = 400, M = 3 };
  static double x[M][N], pooled[6 * N];
  const int copies[M] = {1, 3, 2};
  const double mu[M] = {100.0, 103.0, 98.0}, sd[M] = {2.0, 5.0, 1.0};
  double w[M], a[M], B[M * M], y = 101.7;
  size_t np = 0;
  for (int i = 0; i < M; i++) {
    sorted_sample((uint32_t)(10 + i), mu[i], sd[i], x[i], N);
    w[i] = copies[i] / 6.0;
    a[i] = pc_mean_abs_diff(x[i], N, &y, 1);
    for (int c = 0; c < copies[i]; c++) {
      memcpy(pooled + np, x[i], N * sizeof(double));
      np += N;
    }
  }
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < M; j++) {
      B[i * M + j] = pc_mean_abs_diff(x[i], N, x[j], N);
    }
  }
  double *sorted = malloc(np * sizeof *sorted);
  assert_non_null(sorted);
  pc_sort_sample(pooled, np, sorted);
  assert_close(pc_ensemble_crps(a, B, M, w), pc_crps(sorted, np, y), 1e-11);
  free(sorted);
}

/* ---- the weights -------------------------------------------------------- */

/* Mean terms of m members over pairs (outcomes y_p), like a window's. */
static void window_terms(int m, const double *mu, const double *sd,
                         double *a, double *B) {
  enum { N = 300, PAIRS = 40 };
  static double x[PC_ENSEMBLE_MAX][N];
  memset(a, 0, (size_t)m * sizeof *a);
  memset(B, 0, (size_t)(m * m) * sizeof *B);
  pc_rng r = stream(99);
  for (int p = 0; p < PAIRS; p++) {
    double y = 100.0 + 2.0 * pc_rng_normal(&r);
    for (int i = 0; i < m; i++) {
      sorted_sample((uint32_t)(100 + p * m + i), mu[i], sd[i], x[i], N);
      a[i] += pc_mean_abs_diff(x[i], N, &y, 1) / PAIRS;
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        B[i * m + j] += pc_mean_abs_diff(x[i], N, x[j], N) / PAIRS;
      }
    }
  }
}

/* The smallest mean CRPS on the grid of the 3-simplex with step 1/400. */
static double grid_minimum(const double *a, const double *B) {
  double best = INFINITY;
  for (int i = 0; i <= 400; i++) {
    for (int j = 0; i + j <= 400; j++) {
      double w[3] = {i / 400.0, j / 400.0, (400 - i - j) / 400.0};
      best = fmin(best, pc_ensemble_crps(a, B, 3, w));
    }
  }
  return best;
}

/* The exact minimiser is a distribution, never above the grid's minimum,
 * and the grid's minimum is within its resolution of it: an interior
 * optimum (members too narrow and too wide around the truth), a member far
 * off that gets no weight (the others are wide enough already: a far
 * component only helps a mixture that is too narrow), and a vertex (one
 * member is near the truth and wide, the others far off on both sides). */
static void test_weights_against_grid(void **state) {
  (void)state;
  const double cases[3][6] = {
      {100.0, 100.0, 99.0, 0.5, 6.0, 2.0},   /* interior */
      {100.0, 101.0, 130.0, 3.0, 3.0, 1.0},  /* a useless member */
      {100.0, 120.0, 80.0, 3.0, 0.5, 0.5},   /* a vertex */
  };
  for (int c = 0; c < 3; c++) {
    double a[3], B[9], w[3], crps = 0.0;
    window_terms(3, cases[c], cases[c] + 3, a, B);
    pc_ensemble_weights(a, B, 3, w, &crps);
    assert_close(w[0] + w[1] + w[2], 1.0, 1e-12);
    for (int i = 0; i < 3; i++) {
      assert_true(w[i] >= 0.0);
    }
    assert_close(crps, pc_ensemble_crps(a, B, 3, w), 1e-12);
    double grid = grid_minimum(a, B);
    if (!(crps <= grid + 1e-12 && grid - crps <= 1e-4 * grid)) {
      fail_msg("case %d: exact %.12g, grid %.12g", c, crps, grid);
    }
    if (c == 2) {
      assert_true(w[0] == 1.0 && w[1] == 0.0 && w[2] == 0.0);
    }
    if (c == 1) {
      assert_true(w[2] == 0.0 && w[0] > 0.0);
    }
    if (c == 0) {
      assert_true(w[0] > 0.0 && w[1] > 0.0);
    }
  }
}

/* Two identical members: a singular system on their common face; the
 * first single member is kept (ties go to the sparser, earlier support). */
static void test_weights_identical_members(void **state) {
  (void)state;
  double a[2] = {1.0, 1.0}, B[4] = {0.8, 0.8, 0.8, 0.8}, w[2], crps = 0.0;
  pc_ensemble_weights(a, B, 2, w, &crps);
  assert_true(w[0] == 1.0 && w[1] == 0.0);
  assert_close(crps, 0.6, 1e-15);
}

/* Blocks of paths of about npaths w_k each, in member order; a member of
 * weight 0 gets none; the choice depends on the index and count only. */
static void test_member_of(void **state) {
  (void)state;
  const double w[4] = {0.25, 0.0, 0.5, 0.25};
  int count[4] = {0}, last = 0;
  for (int i = 0; i < 2000; i++) {
    int k = pc_ensemble_member_of(w, 4, i, 2000);
    assert_true(k >= last);
    last = k;
    count[k]++;
  }
  assert_int_equal(count[0], 500);
  assert_int_equal(count[1], 0);
  assert_int_equal(count[2], 1000);
  assert_int_equal(count[3], 500);
  /* Weights summing to just below 1 still give the last member its tail. */
  const double low[2] = {0.3, 0.7 - 1e-15};
  assert_int_equal(pc_ensemble_member_of(low, 2, 1999, 2000), 1);
  const double third[3] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  assert_int_equal(pc_ensemble_member_of(third, 3, 0, 3), 0);
  assert_int_equal(pc_ensemble_member_of(third, 3, 1, 3), 1);
  assert_int_equal(pc_ensemble_member_of(third, 3, 2, 3), 2);
}

/* ---- the model in a job ------------------------------------------------- */

#define N_ROWS 1400
#define PATHS 400
#define HORIZON 10

/* A job of three models: `right`, a random walk of the last 60 returns,
 * `wrong`, the naive walk of every return, and `ens` combining them.  The
 * data's volatility falls from 3% to 0.8% a day 400 rows before the end,
 * so the naive walk's volatility is about three times too wide. */
typedef struct {
  pc_date date[N_ROWS + 40];
  double close[N_ROWS + 40];
  pc_history h;
  pc_model_spec specs[3];
  pc_calendar cal;
  pc_model_context ctx;
} job_fixture;

static void make_series(job_fixture *f) {
  pc_rng r = stream(7);
  double x = log(50.0);
  pc_date d = 18000; /* a Thursday */
  for (size_t i = 0; i < N_ROWS + 40; i++) {
    d = pc_calendar_next(&f->cal, d);
    x += (i < N_ROWS - 400 ? 0.03 : 0.008) * pc_rng_normal(&r);
    f->date[i] = d;
    f->close[i] = i % 113 == 60 ? NAN : exp(x);
  }
  f->h = (pc_history){N_ROWS, f->date, f->close, 0, NULL, NULL};
}

static job_fixture *job_setup(const char *min_pairs) {
  job_fixture *f = calloc(1, sizeof *f);
  pc_error e;
  assert_non_null(f);
  pc_calendar_init(&f->cal, PC_CAL_WEEKDAYS);
  make_series(f);
  pc_model_spec_init(&f->specs[0], "right", pc_model_type_find("random_walk"));
  assert_int_equal(pc_model_spec_set(&f->specs[0], "lookback", "60", &e), PC_OK);
  pc_model_spec_init(&f->specs[1], "wrong", pc_model_type_find("naive"));
  pc_model_spec_init(&f->specs[2], "ens", pc_model_type_find("ensemble"));
  assert_int_equal(pc_model_spec_set(&f->specs[2], "members", "wrong, right", &e),
                   PC_OK);
  assert_int_equal(pc_model_spec_set(&f->specs[2], "min_pairs", min_pairs, &e),
                   PC_OK);
  f->ctx = (pc_model_context){f->specs, 3,         11, "coffee", "v1",
                              &f->cal,  PC_FREQ_MONTHLY, 18000, 250, 5,
                              PATHS,    HORIZON};
  return f;
}

static void job_teardown(job_fixture *f) {
  for (int i = 0; i < 3; i++) {
    pc_model_spec_fini(&f->specs[i]);
  }
  pc_calendar_fini(&f->cal);
  free(f);
}

/* Model i of the job fitted on h, as the driver would. */
static pc_model *job_fitted(job_fixture *f, int i, const pc_history *h) {
  pc_model *m = NULL;
  pc_error e;
  assert_int_equal(pc_model_alloc_in(&m, &f->specs[i], &f->ctx, &e), PC_OK);
  if (pc_model_fit(m, h, &e) != PC_OK) {
    fail_msg("%s: %s", f->specs[i].name, e.msg);
  }
  return m;
}

static pc_record saved(const pc_model *m) {
  pc_record rec;
  pc_error e;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  return rec;
}

/* The record of the job's ensemble fitted on the fixture's history. */
static pc_record ensemble_record(job_fixture *f) {
  pc_model *ens = job_fitted(f, 2, &f->h);
  pc_record rec = saved(ens);
  pc_model_free(ens);
  return rec;
}

static double scalar(const pc_record *r, const char *name) {
  double v = NAN;
  pc_error e;
  assert_int_equal(pc_record_get_scalar(r, name, &v, &e), PC_OK);
  return v;
}

static void str_field(const pc_record *r, const char *name, char *buf,
                      size_t len) {
  pc_error e;
  assert_int_equal(pc_record_get_str(r, name, buf, len, &e), PC_OK);
}

/* The member with the right volatility gets (nearly) all the weight; the
 * mixture is no worse than either member over the window. */
static void test_better_member_gets_the_weight(void **state) {
  (void)state;
  job_fixture *f = job_setup("100");
  pc_record rec = ensemble_record(f);
  double w[2], member[2];
  pc_error e;
  char text[256];
  assert_int_equal(pc_record_get_f64(&rec, "weights", w, 2, &e), PC_OK);
  assert_int_equal(pc_record_get_f64(&rec, "member_crps", member, 2, &e),
                   PC_OK);
  str_field(&rec, "members", text, sizeof text);
  assert_string_equal(text, "wrong,right");
  str_field(&rec, "weights_method", text, sizeof text);
  assert_string_equal(text, "crps");
  /* members are wrong, right: the second is right */
  assert_true(member[1] < member[0]);
  assert_true(w[1] > 0.9);
  assert_close(w[0] + w[1], 1.0, 1e-12);
  assert_true(scalar(&rec, "crps") <= member[1] + 1e-12);
  assert_true(scalar(&rec, "crps") <= scalar(&rec, "equal_weights_crps"));
  int64_t pairs = 0, dates = 0;
  assert_int_equal(pc_record_get_int(&rec, "window_dates", &dates, &e), PC_OK);
  assert_int_equal(pc_record_get_int(&rec, "pairs", &pairs, &e), PC_OK);
  /* 120 dates; each scores the horizons whose close lies in the history. */
  assert_int_equal(dates, 120);
  assert_true(pairs > 110 * HORIZON - 60 && pairs < 120 * HORIZON);
  /* The members' own records are inside, each with its model type. */
  str_field(&rec, "m1.model_type", text, sizeof text);
  assert_string_equal(text, "naive");
  str_field(&rec, "m2.model_type", text, sizeof text);
  assert_string_equal(text, "random_walk");
  assert_non_null(pc_record_get(&rec, "m2.drift"));
  str_field(&rec, "m2_settings", text, sizeof text);
  assert_string_equal(text, "type=random_walk random_walk.lookback=60 "
                            "random_walk.volatility=sample "
                            "random_walk.lambda=0.94 random_walk.drift=sample");
  pc_record_fini(&rec);
  job_teardown(f);
}

/* Every ensemble path is, bit for bit, the path of the same index that its
 * member forecasts for the date with the member's own key (what the driver
 * stores for the member), and the members take the paths the weights give
 * them; with data two days stale, the paths first cross the gap. */
static void check_paths_at(job_fixture *f, const pc_model *ens,
                           const pc_model *const members[2], pc_date d,
                           const double *w) {
  pc_forecast_work we, wm[2];
  pc_error e;
  pc_history before = f->h;
  while (before.n > 0 && before.date[before.n - 1] >= d) {
    before.n--;
  }
  pc_forecast_work_init(&we);
  assert_int_equal(pc_forecast_simulate(ens, &f->ctx, &before, d, &we, &e),
                   PC_OK);
  int count[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    pc_forecast_work_init(&wm[k]);
    assert_int_equal(
        pc_forecast_simulate(members[k], &f->ctx, &before, d, &wm[k], &e),
        PC_OK);
    assert_int_equal(wm[k].steps, we.steps);
  }
  size_t row = (size_t)we.steps;
  for (int i = 0; i < PATHS; i++) {
    int k = pc_ensemble_member_of(w, 2, i, PATHS);
    count[k]++;
    assert_memory_equal(we.sim + i * row, wm[k].sim + i * row,
                        row * sizeof(double));
  }
  assert_true(abs(count[1] - (int)lround(w[1] * PATHS)) <= 1);
  for (int k = 0; k < 2; k++) {
    pc_forecast_work_fini(&wm[k]);
  }
  pc_forecast_work_fini(&we);
}

static void test_paths_are_member_paths(void **state) {
  (void)state;
  job_fixture *f = job_setup("100");
  pc_model *ens = job_fitted(f, 2, &f->h);
  const pc_model *members[2] = {job_fitted(f, 1, &f->h),
                                job_fitted(f, 0, &f->h)};
  pc_record rec = saved(ens);
  double w[2];
  pc_error e;
  assert_int_equal(pc_record_get_f64(&rec, "weights", w, 2, &e), PC_OK);
  /* The next trading day, and one three trading days on (two stale). */
  pc_date d = pc_calendar_next(&f->cal, f->date[N_ROWS - 1]);
  check_paths_at(f, ens, members, d, w);
  check_paths_at(f, ens, members, pc_calendar_nth(&f->cal, d, 3), w);
  /* A loaded copy forecasts the same (its members come from the record). */
  pc_model *copy = NULL;
  assert_int_equal(pc_model_alloc_in(&copy, &f->specs[2], &f->ctx, &e), PC_OK);
  assert_int_equal(pc_model_load(copy, &rec, &e), PC_OK);
  check_paths_at(f, copy, members, d, w);
  pc_model_free(copy);
  pc_model_free((pc_model *)members[0]);
  pc_model_free((pc_model *)members[1]);
  pc_record_fini(&rec);
  pc_model_free(ens);
  job_teardown(f);
}

/* Too few scored pairs: equal weights, and the record says why. */
static void test_fallback_equal_weights(void **state) {
  (void)state;
  job_fixture *f = job_setup("100000");
  pc_record rec = ensemble_record(f);
  double w[2];
  pc_error e;
  char text[512];
  assert_int_equal(pc_record_get_f64(&rec, "weights", w, 2, &e), PC_OK);
  assert_true(w[0] == 0.5 && w[1] == 0.5);
  str_field(&rec, "weights_method", text, sizeof text);
  assert_string_equal(text, "equal");
  str_field(&rec, "fallback_reason", text, sizeof text);
  assert_non_null(strstr(text, "fewer than min_pairs = 100000"));
  assert_true(scalar(&rec, "crps") == scalar(&rec, "equal_weights_crps"));
  pc_record_fini(&rec);
  /* A min_history no training in the window reaches: no pairs at all,
   * and the first date's reason is the driver's. */
  f->ctx.min_history = 5000;
  rec = ensemble_record(f);
  str_field(&rec, "fallback_reason", text, sizeof text);
  assert_non_null(strstr(text, "0 scored pairs"));
  assert_non_null(strstr(text, "too little history"));
  assert_true(isnan(scalar(&rec, "crps")));
  pc_record_fini(&rec);
  job_teardown(f);
}

/* A fit sees its history view only: rows past it, however changed, change
 * nothing (the driver's view ends before the training date). */
static void test_fit_sees_only_its_rows(void **state) {
  (void)state;
  job_fixture *f = job_setup("100");
  pc_record ra = ensemble_record(f);
  for (size_t i = N_ROWS; i < N_ROWS + 40; i++) {
    f->close[i] *= 3.0;
  }
  pc_record rb = ensemble_record(f);
  assert_int_equal(ra.n, rb.n);
  for (size_t i = 0; i < ra.n; i++) {
    assert_string_equal(ra.fields[i].name, rb.fields[i].name);
    assert_int_equal(ra.fields[i].len, rb.fields[i].len);
    size_t unit = ra.fields[i].kind <= PC_FIELD_I64 ? 8 : 1;
    assert_memory_equal(ra.fields[i].data, rb.fields[i].data,
                        ra.fields[i].len * unit);
  }
  pc_record_fini(&ra);
  pc_record_fini(&rb);
  job_teardown(f);
}

/* Replaces the text of string field name. */
static void set_str(pc_record *r, const char *name, const char *text) {
  pc_field *f = (pc_field *)pc_record_get(r, name);
  assert_non_null(f);
  free(f->data);
  f->data = strdup(text);
  assert_non_null(f->data);
  f->len = strlen(text);
}

static void assert_load_error(job_fixture *f, const pc_record *rec,
                              const char *msg) {
  pc_model *copy = NULL;
  pc_error e;
  assert_int_equal(pc_model_alloc_in(&copy, &f->specs[2], &f->ctx, &e), PC_OK);
  assert_int_equal(pc_model_load(copy, rec, &e), PC_FATAL);
  assert_string_equal(e.msg, msg);
  pc_model_free(copy);
}

/* A record whose member settings name no type a member can be, or whose
 * member fields are another model's, is refused with the member named. */
static void test_member_records_checked(void **state) {
  (void)state;
  job_fixture *f = job_setup("100");
  pc_record rec = ensemble_record(f);
  set_str(&rec, "m1_settings", "type=ensemble ensemble.members=naive,garch");
  assert_load_error(f, &rec, "member wrong: its settings do not name a model "
                             "type it can be");
  set_str(&rec, "m1_settings", "type=naive naive.lookback=3");
  assert_load_error(f, &rec, "member wrong: its settings hold more than a "
                             "naive model's keys");
  set_str(&rec, "m1_settings", "type=naive");
  set_str(&rec, "m2.model_type", "naive");
  assert_load_error(f, &rec, "member right: the trained model is a naive "
                             "model, not random_walk");
  pc_record_fini(&rec);
  job_teardown(f);
}

/* The members key: 2 to 8 distinct names; outside a job they are model
 * types, checked (with their own checks) before any work. */
static void test_members_key(void **state) {
  (void)state;
  pc_model_spec spec;
  pc_error e;
  pc_history columns = {0, NULL, NULL, 0, NULL, NULL};
  pc_model_spec_init(&spec, "ens", pc_model_type_find("ensemble"));
  assert_int_equal(pc_model_spec_set(&spec, "members", "naive", &e), PC_INPUT);
  assert_string_equal(e.msg, "ens.members: 'naive' names 1 model(s); it takes "
                             "2 to 8 models of the job");
  assert_int_equal(pc_model_spec_set(&spec, "members", "naive,garch, naive", &e),
                   PC_INPUT);
  assert_string_equal(e.msg, "ens.members: 'naive' is listed twice");
  assert_int_equal(pc_model_spec_set(&spec, "members", "a,b,c,d,e,f,g,h,i", &e),
                   PC_INPUT);
  assert_int_equal(pc_model_spec_set(&spec, "members", "naive,nosuch", &e),
                   PC_OK);
  assert_int_equal(pc_model_check(&spec, &columns, 250, &e), PC_INPUT);
  assert_string_equal(e.msg, "ens.members: 'nosuch' is not a model type");
  assert_int_equal(pc_model_spec_set(&spec, "members", "naive,ensemble", &e),
                   PC_OK);
  assert_int_equal(pc_model_check(&spec, &columns, 250, &e), PC_INPUT);
  assert_string_equal(e.msg, "ens.members: 'ensemble' combines models "
                             "itself (they do not nest)");
  pc_model_spec_fini(&spec);
}

/* In a job the members are its models, with their own keys, and their own
 * checks run with the ensemble's (a run with --model ens checks only it). */
static void test_members_checked_in_a_job(void **state) {
  (void)state;
  pc_model_spec specs[3];
  pc_error e;
  pc_calendar cal;
  pc_calendar_init(&cal, PC_CAL_WEEKDAYS);
  const char *names[] = {"temp_mean_c"};
  double cov = 0.0, close = 1.0;
  pc_date date = 18000;
  pc_history columns = {1, &date, &close, 1, names, &cov};
  pc_model_spec_init(&specs[0], "plain", pc_model_type_find("naive"));
  pc_model_spec_init(&specs[1], "weather", pc_model_type_find("arima"));
  assert_int_equal(pc_model_spec_set(&specs[1], "exog", "rain_mm", &e), PC_OK);
  pc_model_spec_init(&specs[2], "ens", pc_model_type_find("ensemble"));
  assert_int_equal(pc_model_spec_set(&specs[2], "members", "plain,weather", &e),
                   PC_OK);
  pc_model_context ctx = {specs, 3, 1, "c", "v", &cal, PC_FREQ_MONTHLY, 0,
                          250, 5, 100, 5};
  specs[2].ctx = &ctx;
  assert_int_equal(pc_model_check(&specs[2], &columns, 250, &e), PC_INPUT);
  assert_non_null(strstr(e.msg, "rain_mm"));
  assert_int_equal(pc_model_spec_set(&specs[2], "members", "plain,naive", &e),
                   PC_OK);
  assert_int_equal(pc_model_check(&specs[2], &columns, 250, &e), PC_INPUT);
  assert_string_equal(e.msg, "ens.members: 'naive' is not a model of this "
                             "job");
  for (int i = 0; i < 3; i++) {
    pc_model_spec_fini(&specs[i]);
  }
  pc_calendar_fini(&cal);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mean_abs_diff),
      cmocka_unit_test(test_mixture_crps_is_pooled_crps),
      cmocka_unit_test(test_weights_against_grid),
      cmocka_unit_test(test_weights_identical_members),
      cmocka_unit_test(test_member_of),
      cmocka_unit_test(test_better_member_gets_the_weight),
      cmocka_unit_test(test_paths_are_member_paths),
      cmocka_unit_test(test_fallback_equal_weights),
      cmocka_unit_test(test_fit_sees_only_its_rows),
      cmocka_unit_test(test_member_records_checked),
      cmocka_unit_test(test_members_key),
      cmocka_unit_test(test_members_checked_in_a_job),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
