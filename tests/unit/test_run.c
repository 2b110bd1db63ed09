/* The driver without mpirun: pc_run on MPI_COMM_SELF through a small
 * backfill of the shipped data, checking what the command layer relies
 * on -- the status, the result's counts, plan, failures and log folder, a
 * rerun that finds everything stored, a failing training that is a result
 * (PC_PARTIAL), not a stop, and bad input that never reaches the store. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/job/job.h"
#include "pathcast/driver/run.h"

static char root[64];

/* Under AddressSanitizer (make sanitize) leaks are not checked here: Open
 * MPI's plug-ins leak at exit and are unloaded before LeakSanitizer could
 * name them (the Makefile's note); memory errors are still caught.  A plain
 * build never calls this. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }

/* A backfill of naive and random_walk over January 2020 (23 weekdays, no
 * holidays file), 50 paths, into the test's own folder; `extra` holds more
 * --key value words (NULL-terminated, may be NULL). */
static pc_status run_backfill(pc_run_result *res, pc_error *e,
                              const char *const *extra) {
  char store[128], logs[128];
  snprintf(store, sizeof store, "%s/store", root);
  snprintf(logs, sizeof logs, "%s/logs", root);
  const char *base[] = {"pathcast",  "backfill",   "--commodity",
                        "coffee",    "--data",     "data/coffee.csv",
                        "--models",  "naive,random_walk",
                        "--start",   "2020-01-01", "--end",
                        "2020-01-31", "--paths",   "50",
                        "--train_frequency",       "quarterly",
                        "--store",   store,        "--log_dir",
                        logs,        "--fsync",    "no"};
  char *argv[40];
  int argc = 0;
  for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
    argv[argc++] = (char *)base[i];
  }
  for (size_t i = 0; extra != NULL && extra[i] != NULL && argc < 39; i++) {
    argv[argc++] = (char *)extra[i];
  }
  argv[argc] = NULL;
  pc_job job;
  memset(res, 0, sizeof *res);
  pc_status st = pc_job_from_args(&job, argc, argv, e);
  if (st == PC_OK) {
    st = pc_run(&job, MPI_COMM_SELF, res, e);
  }
  pc_job_fini(&job);
  return st;
}

/* 2020-01-02 (a Thursday) and 2019-12-31 (before the range). */
#define JAN2 18263
#define DEC31 18261

static void test_backfill_then_rerun(void **state) {
  (void)state;
  pc_run_result r;
  pc_error e;
  assert_int_equal(run_backfill(&r, &e, NULL), PC_OK);
  /* One training date (2020-01-01) per model, 23 trading days each. */
  assert_int_equal(r.sum.trained, 2);
  assert_int_equal(r.sum.train_failed, 0);
  assert_int_equal(r.sum.generated, 46);
  assert_int_equal(r.sum.forecast_failed, 0);
  assert_int_equal(r.nranks, 1);
  assert_true(r.reached_store);
  assert_true(r.log_written);
  assert_non_null(strstr(r.log_dir, "/logs/local-"));
  assert_int_equal(r.nfailures, 0);
  assert_true(r.quality_checked); /* outliers = flag, the default */
  assert_true(pc_run_planned(&r, PC_UNIT_TRAIN, 1, JAN2 - 1));
  assert_true(pc_run_planned(&r, PC_UNIT_FORECAST, 0, JAN2));
  assert_false(pc_run_planned(&r, PC_UNIT_FORECAST, 0, DEC31));
  pc_run_result_fini(&r);
  assert_int_equal(run_backfill(&r, &e, NULL), PC_OK);
  assert_int_equal(r.sum.trained, 0);
  assert_int_equal(r.sum.train_skipped, 2);
  assert_int_equal(r.sum.generated, 0);
  assert_int_equal(r.sum.forecast_skipped, 46);
  assert_false(pc_run_planned(&r, PC_UNIT_FORECAST, 0, JAN2));
  pc_run_result_fini(&r);
}

/* Too little history for every fit: the run finishes, with every training
 * and every forecast that needs it counted as failed. */
static void test_failed_training_is_a_result(void **state) {
  (void)state;
  pc_run_result r;
  pc_error e;
  const char *extra[] = {"--model_version", "short", "--min_history",
                         "100000", NULL};
  assert_int_equal(run_backfill(&r, &e, extra), PC_PARTIAL);
  assert_int_equal(r.sum.trained, 0);
  assert_int_equal(r.sum.train_failed, 2);
  assert_int_equal(r.sum.generated, 0);
  assert_int_equal(r.sum.forecast_failed, 46);
  /* The failures the store now records: trainings first, then forecasts,
   * newest first. */
  assert_int_equal(r.nfailures, 48);
  assert_int_equal(r.failures[0].kind, PC_FAIL_TRAIN);
  assert_non_null(strstr(r.failures[0].reason, "too little history"));
  assert_int_equal(r.failures[2].kind, PC_FAIL_FORECAST);
  assert_true(r.failures[2].date > r.failures[47].date);
  pc_run_result_fini(&r);
}

static void test_bad_input_stops_before_the_store(void **state) {
  (void)state;
  pc_run_result r;
  pc_error e;
  pc_error_clear(&e);
  const char *extra[] = {"--data", "no/such.csv", "--model_version", "bad",
                         NULL};
  assert_int_equal(run_backfill(&r, &e, extra), PC_INPUT);
  assert_non_null(strstr(e.msg, "no/such.csv: cannot open"));
  assert_false(r.reached_store); /* so there is nothing to present */
  pc_run_result_fini(&r);
}

static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/pc-test-run-XXXXXX");
  return mkdtemp(root) == NULL ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_backfill_then_rerun),
      cmocka_unit_test(test_failed_training_is_a_result),
      cmocka_unit_test(test_bad_input_stops_before_the_store),
  };
  pc_test_filter();
  int failed = cmocka_run_group_tests(tests, setup, teardown);
  MPI_Finalize();
  return failed;
}
