/* The tree evaluator (src/models/xgb_trees.c) against XGBoost's own predictor
 * (XGBoosterPredictFromDense), bit for bit:
 *   - on rows that hit the thresholds exactly, missing values (learned
 *     default directions), infinities and -0.0, for shallow trees (the mask
 *     form) and deep ones (the walk form), several hundred trees;
 *   - on the actual simulation rows of every trained xgboost model of a
 *     demo backfill (jobs/coffee.job: xgboost and xgboost_weather at every
 *     training date), with PATHCAST_XGB_PREDICTOR=check, and the paths are
 *     bit-identical to those of XGBoost's predictor;
 * the simulated paths' feature rows equal the training rows of the same
 * returns, and the baseline and AVX2 builds of them are the same bits;
 * boosters the evaluator does not reproduce are refused with the
 * reason (and XGBoost's predictor keeps working); damaged bytes never
 * crash it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xgboost/c_api.h>

#include "../../src/models/xgb.h"
#include "pathcast/job/job.h"
#include "pathcast/core/schedule.h"
#include "pathcast/core/series.h"

#define NFEAT 5

/* ---- boosters trained here through the C API ------------------------------ */

/* Training rows on a grid of halves (so that the exact method's
 * thresholds, midpoints of neighbouring values, are quarter points the
 * test rows can hit), about a tenth missing, and a target that depends on
 * the features and on which are missing. */
static void grid_rows(size_t n, uint64_t seed, float *x, float *y) {
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(seed, "t", "grid", "v", 0), 0, 0);
  for (size_t i = 0; i < n; i++) {
    double t = 0.0;
    for (int j = 0; j < NFEAT; j++) {
      float v = (float)pc_rng_below(&r, 21) / 2.0f - 1.0f;
      x[i * NFEAT + (size_t)j] = pc_rng_below(&r, 10) == 0 ? NAN : v;
      t += isnan(x[i * NFEAT + (size_t)j]) ? 0.3 * j : sin(v * (j + 1));
    }
    y[i] = (float)(t + 0.1 * pc_rng_normal(&r));
  }
}

/* A booster of `rounds` trees with the given extra parameters (name,
 * value pairs, NULL-terminated). */
static BoosterHandle train(int rounds, const char *const *params) {
  enum { N = 600 };
  static float x[N * NFEAT], y[N];
  DMatrixHandle d = NULL;
  BoosterHandle b = NULL;
  grid_rows(N, 3, x, y);
  for (size_t i = 0; params != NULL && params[i] != NULL; i += 2) {
    if (strcmp(params[i], "num_class") == 0) { /* class labels 0, 1, 2 */
      for (size_t r = 0; r < N; r++) {
        y[r] = (float)((int)fabsf(y[r] * 3.0f) % 3);
      }
    }
  }
  assert_int_equal(XGDMatrixCreateFromMat(x, N, NFEAT, NAN, &d), 0);
  assert_int_equal(XGDMatrixSetFloatInfo(d, "label", y, N), 0);
  assert_int_equal(XGBoosterCreate(&d, 1, &b), 0);
  assert_int_equal(XGBoosterSetParam(b, "nthread", "1"), 0);
  assert_int_equal(XGBoosterSetParam(b, "verbosity", "0"), 0);
  for (size_t i = 0; params != NULL && params[i] != NULL; i += 2) {
    assert_int_equal(XGBoosterSetParam(b, params[i], params[i + 1]), 0);
  }
  for (int it = 0; it < rounds; it++) {
    assert_int_equal(XGBoosterUpdateOneIter(b, it, d), 0);
  }
  XGDMatrixFree(d);
  return b;
}

/* The booster's UBJSON bytes (XGBoost's buffer, valid until its next
 * call). */
static const char *ubj_of(BoosterHandle b, size_t *len) {
  bst_ulong n = 0;
  const char *p = NULL;
  assert_int_equal(XGBoosterSaveModelToBuffer(b, "{\"format\": \"ubj\"}", &n,
                                              &p), 0);
  *len = n;
  return p;
}

/* A pc_xgb_model around a booster trained here (center 0.1), with its
 * forest; the booster becomes the model's. */
static pc_xgb_model model_of(BoosterHandle b) {
  pc_xgb_model m;
  pc_error e;
  size_t len = 0;
  memset(&m, 0, sizeof m);
  m.booster = b;
  m.center = 0.1;
  const char *buf = ubj_of(b, &len);
  if (pc_xgb_forest_parse(buf, len, NFEAT, &m.forest, &e) != PC_OK) {
    fail_msg("forest refused: %s", e.msg);
  }
  return m;
}

/* Test rows: grid values and the thresholds between them, with missing
 * values, both infinities, -0.0 and extremes mixed in. */
static float *test_rows(size_t n) {
  static const float special[] = {NAN, INFINITY, -INFINITY, -0.0f, 0.0f,
                                  3.4e38f, -3.4e38f, 1e-45f};
  float *x = malloc(n * NFEAT * sizeof *x);
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(11, "t", "rows", "v", 0), 0, 0);
  for (size_t i = 0; i < n * NFEAT; i++) {
    uint32_t k = pc_rng_below(&r, 60);
    x[i] = k < 8 ? special[k] : (float)(k - 8) / 4.0f - 2.0f;
  }
  return x;
}

static void assert_same_predictions(const pc_xgb_model *m, const float *x,
                                    size_t n) {
  double *mine = malloc(n * sizeof *mine), *theirs = malloc(n * sizeof *theirs);
  pc_error e;
  pc_xgb_forest_predict(m->forest, x, n, m->center, mine);
  assert_int_equal(pc_xgb_predict_xgboost(m, x, n, NFEAT, theirs, &e), PC_OK);
  for (size_t i = 0; i < n; i++) {
    if (memcmp(&mine[i], &theirs[i], sizeof mine[i]) != 0) {
      fail_msg("row %zu: evaluator %a, XGBoost %a", i, mine[i], theirs[i]);
    }
  }
  free(mine);
  free(theirs);
}

/* ---- identity on hard rows ------------------------------------------------ */

static void identical_for(int rounds, const char *const *params) {
  pc_xgb_model m = model_of(train(rounds, params));
  assert_int_equal(pc_xgb_forest_ntrees(m.forest), rounds);
  size_t n = 4003; /* not a multiple of the block */
  float *x = test_rows(n);
  assert_same_predictions(&m, x, n);
  /* Rows without any missing value go through the vector path. */
  for (size_t i = 0; i < n * NFEAT; i++) {
    x[i] = isnan(x[i]) ? 0.25f : x[i];
  }
  assert_same_predictions(&m, x, n);
  free(x);
  pc_xgb_model_free(&m);
}

/* max_depth 4 (at most 16 leaves: the mask form) and 9 (more than 32
 * leaves: the walk form), with base_score 0.5 and 0; the default and the
 * hist tree method. */
static void test_identical_to_xgboost(void **state) {
  (void)state;
  const char *shallow[] = {"max_depth", "4", "eta", "0.3", NULL};
  const char *deep[] = {"max_depth", "9", "eta", "0.1", "min_child_weight",
                        "0", "base_score", "0", NULL};
  const char *hist[] = {"tree_method", "hist", "max_depth", "6",
                        "subsample", "0.7", "base_score", "0.25", NULL};
  identical_for(300, shallow);
  identical_for(40, deep);
  identical_for(60, hist);
}

/* The checked predictor catches a forest that is not the booster's. */
static void test_check_mode_detects_a_difference(void **state) {
  (void)state;
  const char *four[] = {"max_depth", "4", NULL};
  const char *three[] = {"max_depth", "3", NULL};
  pc_xgb_model a = model_of(train(20, four)), b = model_of(train(20, three));
  size_t n = 64;
  float *x = test_rows(n);
  double out[64];
  pc_error e;
  pc_xgb_forest *own = a.forest;
  a.forest = b.forest; /* the other booster's trees */
  setenv("PATHCAST_XGB_PREDICTOR", "check", 1);
  assert_int_equal(pc_xgb_predict(&a, x, n, NFEAT, out, &e), PC_MODEL);
  assert_non_null(strstr(e.msg, "the tree evaluator predicts"));
  a.forest = own;
  assert_int_equal(pc_xgb_predict(&a, x, n, NFEAT, out, &e), PC_OK);
  setenv("PATHCAST_XGB_PREDICTOR", "fast", 1);
  assert_int_equal(pc_xgb_predict(&a, x, n, NFEAT, out, &e), PC_MODEL);
  assert_non_null(strstr(e.msg, "not trees, xgboost or check"));
  unsetenv("PATHCAST_XGB_PREDICTOR");
  free(x);
  pc_xgb_model_free(&a);
  pc_xgb_model_free(&b);
}

/* ---- refusals ------------------------------------------------------------- */

static void expect_refusal(const char *const *params, int nfeat,
                           const char *why) {
  BoosterHandle b = train(3, params);
  size_t len = 0;
  const char *buf = ubj_of(b, &len);
  pc_xgb_forest *f = NULL;
  pc_error e;
  pc_error_clear(&e);
  assert_int_equal(pc_xgb_forest_parse(buf, len, nfeat, &f, &e), PC_MODEL);
  assert_null(f);
  if (strstr(e.msg, why) == NULL) {
    fail_msg("'%s' lacks '%s'", e.msg, why);
  }
  XGBoosterFree(b);
}

static void test_refusals(void **state) {
  (void)state;
  const char *huber[] = {"objective", "reg:pseudohubererror", NULL};
  const char *forest[] = {"num_parallel_tree", "3", NULL};
  const char *classes[] = {"objective", "multi:softprob", "num_class", "3",
                           NULL};
  const char *linear[] = {"booster", "gblinear", NULL};
  expect_refusal(huber, NFEAT, "objective is 'reg:pseudohubererror'");
  expect_refusal(forest, NFEAT, "num_parallel_tree is not 1");
  expect_refusal(classes, NFEAT, "objective is 'multi:softprob'");
  expect_refusal(linear, NFEAT, "booster is 'gblinear'");
  expect_refusal(NULL, NFEAT + 1, "num_feature is not 6");
}

/* A refused booster keeps XGBoost's predictor: the model still predicts,
 * says why it has no forest, and the check mode names the reason. */
static void test_refused_booster_falls_back(void **state) {
  (void)state;
  const char *huber[] = {"objective", "reg:pseudohubererror", NULL};
  BoosterHandle b = train(3, huber);
  size_t len = 0;
  const char *buf = ubj_of(b, &len);
  void *copy = malloc(len);
  memcpy(copy, buf, len);
  pc_xgb_model m;
  pc_error e;
  double out[8];
  float x[8 * NFEAT] = {0};
  memset(&m, 0, sizeof m);
  assert_int_equal(pc_xgb_load_booster(&m, copy, len, &e), PC_OK);
  assert_null(m.forest);
  assert_non_null(strstr(m.forest_why, "reg:pseudohubererror"));
  assert_int_equal(pc_xgb_predict(&m, x, 8, NFEAT, out, &e), PC_OK);
  setenv("PATHCAST_XGB_PREDICTOR", "check", 1);
  assert_int_equal(pc_xgb_predict(&m, x, 8, NFEAT, out, &e), PC_MODEL);
  assert_non_null(strstr(e.msg, "reg:pseudohubererror"));
  unsetenv("PATHCAST_XGB_PREDICTOR");
  free(copy);
  XGBoosterFree(b);
  pc_xgb_model_free(&m);
}

/* Every prefix of a booster's bytes, and copies with a byte changed, are
 * refused or give XGBoost's predictions: never a crash (the sanitizer and
 * valgrind runs of the suite watch the reads). */
static void test_damaged_bytes(void **state) {
  (void)state;
  const char *small[] = {"max_depth", "2", NULL};
  pc_xgb_model m = model_of(train(2, small));
  size_t len = 0;
  const char *orig = ubj_of(m.booster, &len);
  unsigned char *buf = malloc(len);
  float *x = test_rows(40);
  int refused = 0;
  for (size_t cut = 0; cut <= len; cut++) {
    memcpy(buf, orig, len);
    if (cut < len) {
      buf[cut / 2 + cut % 7 < len ? cut / 2 + cut % 7 : 0] ^= (unsigned char)cut;
    }
    size_t n = cut < len ? cut : len;
    pc_xgb_forest *f = NULL;
    pc_error e;
    if (pc_xgb_forest_parse(buf, n, NFEAT, &f, &e) != PC_OK) {
      refused++;
      continue;
    }
    double out[40];
    pc_xgb_forest_predict(f, x, 40, 0.0, out);
    pc_xgb_forest_free(f);
  }
  assert_true(refused > (int)(len / 2)); /* truncations are refused */
  free(buf);
  free(x);
  pc_xgb_model_free(&m);
}

/* ---- feature rows of simulated paths -------------------------------------- */

/* Paths that all continue with the observed returns get, step after step,
 * the feature rows of the training targets with the same returns: bit for
 * bit, for 13 paths (a partial block of lanes) and windows out of order. */
static void test_path_rows_are_training_rows(void **state) {
  (void)state;
  enum { N = 300, PATHS = 13, STEPS = 20 };
  static pc_date date[N];
  static double close[N], cov[N];
  const char *name[1] = {"temp"};
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(5, "t", "paths", "v", 0), 0, 0);
  double lp = log(50.0);
  for (size_t i = 0; i < N; i++) {
    lp += 0.02 * pc_rng_normal(&r);
    date[i] = 19000 + (pc_date)i;
    close[i] = exp(lp);
    cov[i] = pc_rng_normal(&r);
  }
  pc_history h = {N, date, close, 1, name, cov};
  pc_xgb_layout l;
  pc_xgb_samples s;
  pc_xgb_returns ret;
  pc_xgb_paths p;
  pc_error e;
  assert_int_equal(pc_xgb_layout_parse(&l, "x", "1,3,7", "20,5,31,2", "temp",
                                       &e), PC_OK);
  assert_int_equal(pc_xgb_samples_make(&l, &h, &s, &e), PC_OK);
  assert_int_equal(pc_xgb_returns_make(&h, &ret, &e), PC_OK);
  size_t span = (size_t)pc_xgb_span(&l), nf = (size_t)s.nfeat;
  assert_int_equal(pc_xgb_paths_init(&p, &l, PATHS, STEPS, ret.ret, &e), PC_OK);
  for (size_t j = 0; j < STEPS; j++) {
    /* Training row j is the target of return span + j, on row j + span + 1
     * (no close is missing), with the covariate of the row before. */
    pc_xgb_paths_rows(&p, &l, h.date[s.row[j]], &cov[s.row[j] - 1]);
    for (int i = 0; i < PATHS; i++) {
      assert_memory_equal(p.x + (size_t)i * nf, s.x + j * nf, nf * sizeof(float));
      pc_xgb_paths_next(&p)[i] = ret.ret[span + j];
    }
    pc_xgb_paths_push(&p);
  }
  pc_xgb_paths_fini(&p);
  pc_xgb_returns_free(&ret);
  pc_xgb_samples_free(&s);
}

/* The return columns are the same bits from the baseline code and the
 * AVX2 code (the simulation uses the best the processor has, training too;
 * stores must not depend on the processor): random returns with extremes,
 * windows in and out of order, rows side by side (paths) and overlapping
 * (training targets), partial blocks. */
static void test_feature_variants_identical(void **state) {
  (void)state;
  enum { SPAN = 200, L = PC_XGB_LANES };
  static double ret[(SPAN + 2) * L];
  static const char *const windows[] = {"5,20,60", "60,20,5", "2,200,3", "none"};
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(8, "t", "variants", "v", 0), 0, 0);
  for (size_t i = 0; i < sizeof ret / sizeof ret[0]; i++) {
    uint32_t k = pc_rng_below(&r, 100);
    ret[i] = k == 0 ? 1e300 : k == 1 ? -1e-300 : k == 2 ? 0.0 : 0.02 * pc_rng_normal(&r);
  }
  float a[L * PC_XGB_MAX_FEATURES], b[L * PC_XGB_MAX_FEATURES];
  pc_xgb_layout l;
  pc_error e;
  int compared = 0;
  for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
    assert_int_equal(pc_xgb_layout_parse(&l, "x", "1,2,7,200", windows[w],
                                         "none", &e), PC_OK);
    size_t nf = (size_t)pc_xgb_nfeatures(&l);
    for (int rows = 1; rows <= L; rows++) {
      /* Paths: newest row last, lanes side by side (age -L); training:
       * consecutive targets (age -1). */
      const double *newest[2] = {ret + SPAN * L, ret + SPAN};
      ptrdiff_t age[2] = {-L, -1};
      for (int k = 0; k < 2; k++) {
        memset(a, 0xa5, sizeof a);
        memset(b, 0xa5, sizeof b);
        assert_int_equal(pc_xgb_return_columns(&l, newest[k], age[k], rows, nf,
                                               a, 0), 0);
        int v = pc_xgb_return_columns(&l, newest[k], age[k], rows, nf, b, 1);
        if (v < 0) {
          skip(); /* no AVX2 here: only the baseline code runs */
        }
        assert_memory_equal(a, b, sizeof a);
        compared++;
      }
    }
  }
  assert_int_equal(compared, 4 * L * 2);
}

/* ---- the demo's models ------------------------------------------------------ */

typedef struct {
  pc_job job;
  pc_series series;
  double *paths[2];
  size_t compared_dates;
} demo;

/* Simulates trading day d from model m (job model index mi) with the
 * driver's request, once per predictor; the checked run fails on any
 * prediction that differs, and the paths must be equal. */
static void check_date(demo *dm, size_t mi, const pc_model *m, pc_date d) {
  const pc_job *job = &dm->job;
  pc_history h = {pc_series_rows_before(&dm->series, d), dm->series.date,
                  dm->series.close, dm->series.ncov,
                  (const char *const *)dm->series.cov_name, dm->series.cov};
  pc_date cutoff = h.date[h.n - 1];
  int steps = (int)pc_calendar_count_between(&job->calendar, cutoff, d) +
              job->horizon;
  pc_date dates[64];
  assert_true(steps <= 64);
  for (int j = 0; j < steps; j++) {
    dates[j] = pc_calendar_nth(&job->calendar, cutoff + 1, j + 1);
  }
  pc_sim_request req = {job->paths, steps,
                        pc_rng_key_forecast(job->seed, job->commodity,
                                            job->models[mi].name,
                                            job->model_version, d),
                        dates};
  static const char *const mode[2] = {"trees", "check"};
  for (int k = 0; k < 2; k++) {
    pc_error e;
    pc_error_clear(&e);
    setenv("PATHCAST_XGB_PREDICTOR", mode[k], 1);
    if (pc_model_simulate(m, &h, &req, dm->paths[k], &e) != PC_OK) {
      fail_msg("%s on %d (%s): %s", job->models[mi].name, (int)d, mode[k],
               e.msg);
    }
  }
  unsetenv("PATHCAST_XGB_PREDICTOR");
  assert_memory_equal(dm->paths[0], dm->paths[1],
                      (size_t)job->paths * (size_t)steps * sizeof(double));
  dm->compared_dates++;
}

/* Fits model mi at training date t as the driver does (rows before t),
 * stores and reloads it as the store does (through a record), and checks
 * every 15th trading day it forecasts, with the first and the last. */
static void check_training(demo *dm, size_t mi, pc_date t, pc_date next) {
  const pc_job *job = &dm->job;
  pc_date first = pc_calendar_on_or_after(&job->calendar,
                                          t > job->start ? t : job->start);
  pc_date last = pc_calendar_prev(&job->calendar,
                                  next <= job->end ? next : job->end + 1);
  if (first > last) {
    return; /* no trading day uses it: the driver does not train it */
  }
  pc_history h = {pc_series_rows_before(&dm->series, t), dm->series.date,
                  dm->series.close, dm->series.ncov,
                  (const char *const *)dm->series.cov_name, dm->series.cov};
  pc_model *fit = NULL, *m = NULL;
  pc_record rec;
  pc_error e;
  pc_record_init(&rec);
  assert_int_equal(pc_model_alloc(&fit, &job->models[mi], &e), PC_OK);
  assert_int_equal(pc_model_alloc(&m, &job->models[mi], &e), PC_OK);
  if (pc_model_fit(fit, &h, &e) != PC_OK) {
    fail_msg("%s at %d: %s", job->models[mi].name, (int)t, e.msg);
  }
  assert_int_equal(pc_model_save(fit, &rec, &e), PC_OK);
  assert_int_equal(pc_model_load(m, &rec, &e), PC_OK);
  int k = 0;
  for (pc_date d = first; d <= last; d = pc_calendar_next(&job->calendar, d), k++) {
    if (k % 15 == 0 || d == last) {
      check_date(dm, mi, m, d);
    }
  }
  pc_record_fini(&rec);
  pc_model_free(fit);
  pc_model_free(m);
}

static void test_demo_models(void **state) {
  (void)state;
  char *args[] = {"pathcast", "backfill", "--job", "jobs/coffee.job", NULL};
  demo dm;
  pc_error e;
  memset(&dm, 0, sizeof dm);
  assert_int_equal(pc_job_from_args(&dm.job, 4, args, &e), PC_OK);
  assert_int_equal(pc_series_read(&dm.series, dm.job.data, &e), PC_OK);
  size_t cap = (size_t)dm.job.paths * 64;
  dm.paths[0] = malloc(cap * sizeof(double));
  dm.paths[1] = malloc(cap * sizeof(double));
  size_t models = 0;
  for (size_t mi = 0; mi < dm.job.nmodels; mi++) {
    if (strcmp(dm.job.models[mi].type->name, "xgboost") != 0) {
      continue;
    }
    models++;
    pc_freq fq = dm.job.train_frequency;
    pc_date t = pc_schedule_on_or_before(fq, dm.job.train_anchor, dm.job.start);
    for (; t <= dm.job.end; t = pc_schedule_after(fq, dm.job.train_anchor, t)) {
      check_training(&dm, mi, t, pc_schedule_after(fq, dm.job.train_anchor, t));
    }
  }
  assert_int_equal(models, 2); /* xgboost and xgboost_weather */
  printf("demo models: %zu forecast dates compared bit for bit\n",
         dm.compared_dates);
  assert_true(dm.compared_dates > 200);
  free(dm.paths[0]);
  free(dm.paths[1]);
  pc_series_fini(&dm.series);
  pc_job_fini(&dm.job);
}

/* Every test starts with the default predictor, whatever an earlier
 * failure left set. */
static int default_predictor(void **state) {
  (void)state;
  unsetenv("PATHCAST_XGB_PREDICTOR");
  return 0;
}

int main(void) {
  setenv("OMP_NUM_THREADS", "1", 0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_identical_to_xgboost, default_predictor),
      cmocka_unit_test_setup(test_check_mode_detects_a_difference,
                             default_predictor),
      cmocka_unit_test_setup(test_refusals, default_predictor),
      cmocka_unit_test_setup(test_refused_booster_falls_back,
                             default_predictor),
      cmocka_unit_test_setup(test_damaged_bytes, default_predictor),
      cmocka_unit_test_setup(test_path_rows_are_training_rows,
                             default_predictor),
      cmocka_unit_test_setup(test_feature_variants_identical,
                             default_predictor),
      cmocka_unit_test_setup(test_demo_models, default_predictor),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
