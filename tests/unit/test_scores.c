/* Stored scores (pathcast/store/scores.h): what is computed from a partition and
 * the actuals, when stored scores count as up to date, and the scores file
 * round trip with its damage detection. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/metrics.h"
#include "pathcast/store/scores.h"

#define PATHS 5
#define HORIZON 3

/* Two forecasts on 2024-01-02 and 2024-01-03 (cutoffs the day before), day_k
 * on the following days; path j of day k is 100 + 2j + k, except that
 * forecast 1's first path is 120 on every day. */
typedef struct {
  pc_partition p;
  pc_series s;
  pc_date d0;
} world;

static void make_partition(world *w) {
  pc_date_parse("2024-01-02", &w->d0);
  pc_partition_init(&w->p, PATHS, HORIZON);
  for (size_t i = 0; i < 2; i++) {
    size_t at = 0;
    assert_int_equal(pc_partition_append(&w->p, &at), PC_OK);
    pc_date d = w->d0 + (pc_date)i;
    w->p.date[at] = d;
    w->p.cutoff[at] = d - 1;
    w->p.training[at] = w->d0 - 10;
    w->p.leak[at] = 0;
    float *v = pc_partition_values(&w->p, at);
    for (size_t k = 0; k < HORIZON; k++) {
      w->p.day[at * HORIZON + k] = d + (pc_date)k;
      for (size_t j = 0; j < PATHS; j++) {
        v[j * HORIZON + k] = (float)(100 + 2 * j + k);
      }
      if (i == 1) {
        v[k] = 120.0f;
      }
    }
  }
}

/* Closes from 2024-01-01 to 2024-01-04 (so 01-05 is not observed yet). */
static void make_series(pc_series *s, pc_date first, size_t n) {
  memset(s, 0, sizeof *s);
  s->n = n;
  s->date = malloc(n * sizeof *s->date);
  s->close = malloc(n * sizeof *s->close);
  for (size_t i = 0; i < n; i++) {
    s->date[i] = first + (pc_date)i;
    s->close[i] = 101.0 + (double)i;
  }
}

static int setup(void **state) {
  world *w = calloc(1, sizeof *w);
  make_partition(w);
  make_series(&w->s, w->d0 - 1, 4);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  pc_partition_fini(&w->p);
  pc_series_fini(&w->s);
  free(w);
  return 0;
}

static void test_compute(void **state) {
  world *w = *state;
  pc_scores s;
  pc_error e;
  pc_scores_init(&s, HORIZON);
  assert_int_equal(pc_scores_compute(&s, &w->p, &w->s, 77, &e), PC_OK);
  assert_int_equal(s.n, 2);
  assert_true(s.source == 77);
  /* Forecast 0: day_k = 2024-01-02 + k; closes 102, 103, 104 observed. */
  assert_true(s.last[0] == 101.0);
  double col[PATHS] = {101, 103, 105, 107, 109}; /* day 2 (k = 1) */
  assert_true(s.actual[1] == 103.0);
  assert_true(s.mean[1] == 105.0);
  assert_true(s.quantile[1 * PC_SCORE_NLEVELS + PC_LEVEL_MEDIAN] == 105.0);
  assert_true(s.crps[1] == pc_crps(col, PATHS, 103.0));
  assert_true(s.pit[1] == 0.3); /* one below, one tie counted half */
  /* Every day observed: the energy score is defined. */
  assert_false(isnan(s.energy[0]));
  /* Forecast 1: its day 3 (2024-01-05) is not observed yet. */
  assert_true(isnan(s.actual[1 * HORIZON + 2]));
  assert_true(isnan(s.crps[1 * HORIZON + 2]));
  assert_true(isnan(s.pit[1 * HORIZON + 2]));
  assert_true(isnan(s.energy[1]));
  assert_false(isnan(s.crps[1 * HORIZON + 1]));
  /* Its first path is 120 on every day: the sample is re-sorted per day. */
  assert_true(s.quantile[(1 * HORIZON + 0) * PC_SCORE_NLEVELS + 10] > 110.0);
  assert_int_equal(pc_scores_find(&s, w->d0 + 1), 1);
  assert_int_equal(pc_scores_find(&s, w->d0 + 7), -1);
  pc_scores_fini(&s);
}

/* Up to date only for the same partition and the same closes. */
static void test_current(void **state) {
  world *w = *state;
  pc_scores s;
  pc_error e;
  pc_scores_init(&s, HORIZON);
  assert_int_equal(pc_scores_compute(&s, &w->p, &w->s, 77, &e), PC_OK);
  assert_true(pc_scores_current(&s, 77, &w->s));
  assert_false(pc_scores_current(&s, 78, &w->s)); /* partition rebuilt */
  w->s.close[2] = 103.5;                          /* a close revised */
  assert_false(pc_scores_current(&s, 77, &w->s));
  w->s.close[2] = 103.0;
  assert_true(pc_scores_current(&s, 77, &w->s));
  w->s.close[3] = NAN; /* a close withdrawn */
  assert_false(pc_scores_current(&s, 77, &w->s));
  w->s.close[3] = 104.0;
  pc_series longer;
  make_series(&longer, w->d0 - 1, 5); /* the actual of 2024-01-05 arrives */
  assert_false(pc_scores_current(&s, 77, &longer));
  pc_series_fini(&longer);
  pc_scores_fini(&s);
}

/* Constant paths (every path at 110) and a missing close in the middle of
 * the horizon: the sample is a point mass, so the CRPS is the absolute
 * error, every quantile and the mean are 110, the PIT is 0, 1 or (at a tie)
 * 1/2; the day without a close is left out and no energy score is formed. */
static void test_constant_paths_missing_close(void **state) {
  world *w = *state;
  for (size_t i = 0; i < w->p.n; i++) {
    float *v = pc_partition_values(&w->p, i);
    for (size_t j = 0; j < PATHS * HORIZON; j++) {
      v[j] = 110.0f;
    }
  }
  w->s.close[2] = NAN; /* 2024-01-03: day 2 of forecast 0, day 1 of 1 */
  w->s.close[3] = 110.0;
  pc_scores s;
  pc_error e;
  pc_scores_init(&s, HORIZON);
  assert_int_equal(pc_scores_compute(&s, &w->p, &w->s, 1, &e), PC_OK);
  assert_true(s.crps[0] == 8.0); /* |110 - 102| */
  assert_true(s.pit[0] == 0.0);  /* no path below the actual */
  assert_true(isnan(s.actual[1]) && isnan(s.crps[1]) && isnan(s.pit[1]));
  assert_true(s.crps[2] == 0.0); /* 2024-01-04 closed at 110 */
  assert_true(s.pit[2] == 0.5);
  for (int l = 0; l < PC_SCORE_NLEVELS; l++) {
    assert_true(s.quantile[2 * PC_SCORE_NLEVELS + (size_t)l] == 110.0);
  }
  assert_true(s.mean[2] == 110.0);
  assert_true(isnan(s.energy[0])); /* day 2 unknown */
  pc_scores_fini(&s);
}

/* ---- the store ----------------------------------------------------------- */

static pc_store *open_store(char *root, size_t len) {
  snprintf(root, len, "/tmp/pc-test-scores-XXXXXX");
  assert_non_null(mkdtemp(root));
  pc_store_info info = {"coffee", "local", "local", 1, 0, 0, NULL, NULL};
  pc_store *st = NULL;
  pc_error e;
  assert_int_equal(pc_store_open(&st, root, PC_STORE_WRITER, &info, &e),
                   PC_OK);
  pc_store_model id = {"naive", "naive", "v1", "type=naive", ""};
  assert_int_equal(pc_store_register_model(st, &id, &e), PC_OK);
  return st;
}

static void remove_store(pc_store *st, const char *root) {
  char cmd[128];
  pc_store_close(st);
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  assert_int_equal(system(cmd), 0);
}

static void assert_same_doubles(const double *a, const double *b, size_t n) {
  assert_memory_equal(a, b, n * sizeof *a); /* NaN included */
}

static void test_store_round_trip(void **state) {
  world *w = *state;
  char root[64];
  pc_store *st = open_store(root, sizeof root);
  pc_store_model id = {"naive", "naive", "v1", "type=naive", ""};
  pc_scores s, back;
  pc_error e;
  int32_t month = pc_date_month_index(w->d0);
  pc_scores_init(&s, HORIZON);
  pc_scores_init(&back, HORIZON);
  assert_int_equal(pc_scores_compute(&s, &w->p, &w->s, 77, &e), PC_OK);
  /* No file: no scores, no error. */
  assert_int_equal(pc_store_read_scores(st, "naive", "v1", month, &back, 0, &e),
                   PC_OK);
  assert_int_equal(back.n, 0);
  assert_int_equal(pc_store_write_scores(st, &id, month, &s, &e), PC_OK);
  assert_int_equal(pc_store_read_scores(st, "naive", "v1", month, &back, 0, &e),
                   PC_OK);
  assert_int_equal(back.n, 2);
  assert_true(back.source == 77);
  assert_memory_equal(back.date, s.date, 2 * sizeof *s.date);
  assert_memory_equal(back.day, s.day, 2 * HORIZON * sizeof *s.day);
  assert_same_doubles(back.actual, s.actual, 2 * HORIZON);
  assert_same_doubles(back.quantile, s.quantile,
                      2 * HORIZON * PC_SCORE_NLEVELS);
  assert_same_doubles(back.crps, s.crps, 2 * HORIZON);
  assert_same_doubles(back.energy, s.energy, 2);
  int32_t *months = NULL;
  size_t nm = 0;
  assert_int_equal(pc_store_score_months(st, "naive", "v1", &months, &nm, &e),
                   PC_OK);
  assert_int_equal(nm, 1);
  assert_int_equal(months[0], month);
  free(months);
  /* Another horizon cannot read it, unless it asks for any shape. */
  pc_scores other;
  pc_scores_init(&other, HORIZON + 1);
  assert_int_equal(
      pc_store_read_scores(st, "naive", "v1", month, &other, 0, &e),
      PC_DAMAGED);
  assert_int_equal(
      pc_store_read_scores(st, "naive", "v1", month, &other, 1, &e), PC_OK);
  assert_int_equal(other.horizon, HORIZON);
  assert_int_equal(other.n, 2);
  pc_scores_fini(&other);
  /* A model version the manifest does not list: not this store's result. */
  assert_int_equal(pc_store_read_scores(st, "naive", "v2", month, &back, 0, &e),
                   PC_OK); /* no file */
  char cmd[512];
  snprintf(cmd, sizeof cmd, "mkdir -p %s/naive/v2/scores && cp %s/naive/v1/"
           "scores/2024-01.h5 %s/naive/v2/scores/", root, root, root);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(pc_store_read_scores(st, "naive", "v2", month, &back, 0, &e),
                   PC_DAMAGED);
  assert_non_null(strstr(e.msg, "not listed"));
  pc_scores_fini(&s);
  pc_scores_fini(&back);
  remove_store(st, root);
}

/* One changed value in the file is caught by the checksum. */
static void test_store_damage(void **state) {
  world *w = *state;
  char root[64], path[256];
  pc_store *st = open_store(root, sizeof root);
  pc_store_model id = {"naive", "naive", "v1", "type=naive", ""};
  pc_scores s;
  pc_error e;
  int32_t month = pc_date_month_index(w->d0);
  pc_scores_init(&s, HORIZON);
  assert_int_equal(pc_scores_compute(&s, &w->p, &w->s, 77, &e), PC_OK);
  assert_int_equal(pc_store_write_scores(st, &id, month, &s, &e), PC_OK);
  snprintf(path, sizeof path, "%s/naive/v1/scores/2024-01.h5", root);
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, "crps", H5P_DEFAULT);
  double changed[2 * HORIZON];
  memcpy(changed, s.crps, sizeof changed);
  changed[0] += 1.0;
  assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       changed) >= 0);
  H5Dclose(d);
  H5Fclose(f);
  assert_int_equal(pc_store_read_scores(st, "naive", "v1", month, &s, 0, &e),
                   PC_DAMAGED);
  assert_non_null(strstr(e.msg, "checksum mismatch"));
  assert_non_null(strstr(e.msg, "2024-01.h5"));
  assert_int_equal(s.n, 0);
  pc_scores_fini(&s);
  remove_store(st, root);
}

int main(void) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_compute, setup, teardown),
      cmocka_unit_test_setup_teardown(test_current, setup, teardown),
      cmocka_unit_test_setup_teardown(test_constant_paths_missing_close, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_store_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_store_damage, setup, teardown),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
