/* `pathcast status` on a store holding a forecast flagged as leaking: the
 * flag can never be produced by a run (the history view ends before the
 * forecast date), so the store is written by hand here. */
#include <hdf5.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_filter.h"

#include "pathcast/job/job.h"
#include "pathcast/cli/commands.h"
#include "pathcast/store/store.h"

static pc_date day(const char *iso) {
  pc_date d = PC_DATE_NONE;
  assert_true(pc_date_parse(iso, &d));
  return d;
}

/* One trained model at 2020-01-01 and forecasts for 2020-01-02 and
 * 2020-01-03, the second flagged. */
static void write_store(const char *dir, const pc_job *job) {
  pc_store *s = NULL;
  pc_error e;
  pc_store_info info = {"coffee", "local", "local", job->seed, 0,
                        0, NULL, NULL};
  char settings[4096];
  pc_job_model_settings(job, 0, settings, sizeof settings);
  pc_store_model m = {"naive", "naive", "v1.0", settings, ""};
  assert_int_equal(pc_store_open(&s, dir, PC_STORE_WRITER, &info, &e), PC_OK);
  assert_int_equal(pc_store_register_model(s, &m, &e), PC_OK);
  pc_record rec;
  pc_record_init(&rec);
  pc_record_add_scalar(&rec, PC_SECTION_PARAMS, "volatility", 0.01);
  pc_trained_meta meta = {day("2020-01-01"), day("2019-12-31"), 300};
  assert_int_equal(pc_store_write_trained(s, &m, &meta, &rec, &e), PC_OK);
  pc_record_fini(&rec);
  pc_partition p;
  pc_partition_init(&p, 2, 2);
  for (int i = 0; i < 2; i++) {
    size_t k = 0;
    assert_int_equal(pc_partition_append(&p, &k), PC_OK);
    p.date[k] = day(i ? "2020-01-03" : "2020-01-02");
    p.cutoff[k] = i ? day("2020-01-03") : day("2019-12-31");
    p.training[k] = day("2020-01-01");
    p.leak[k] = (uint8_t)i;
    for (int j = 0; j < 4; j++) {
      pc_partition_values(&p, k)[j] = 100.0f;
    }
    p.day[2 * k] = p.date[k];
    p.day[2 * k + 1] = p.date[k] + 1;
  }
  assert_int_equal(pc_store_write_partition(s, &m, pc_date_month_index(p.date[0]),
                                            &p, &e), PC_OK);
  pc_partition_fini(&p);
  pc_store_close(s);
}

static char *run_status(const char *dir, const char *format, pc_status *st) {
  char *argv[] = {"pathcast", "status", "--store", (char *)dir, "--models",
                  "naive", "--paths", "2", "--horizon", "2", "--start",
                  "2020-01-02", "--end", "2020-01-03", "--train_frequency",
                  "annually", "--format", (char *)format, NULL};
  pc_job job;
  pc_error e;
  assert_int_equal(pc_job_from_args(&job, 18, argv, &e), PC_OK);
  write_store(dir, &job);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  *st = pc_status_report(&job, out, &e);
  fclose(out);
  pc_job_fini(&job);
  return text;
}

static void test_leak_flag_is_an_error(void **state) {
  (void)state;
  char dir[] = "/tmp/pc-status-XXXXXX";
  assert_non_null(mkdtemp(dir));
  pc_status st;
  char *text = run_status(dir, "table", &st);
  assert_int_equal(st, PC_PARTIAL);
  assert_non_null(strstr(text, "  leakage      1 flagged\n"));
  assert_non_null(strstr(text, "ERROR: 1 forecast(s) of naive are flagged "
                               "has_data_leakage\n"));
  assert_non_null(strstr(text, "  forecasts    2/2 trading days, "
                               "2020-01-02..2020-01-03, complete\n"));
  free(text);
  text = run_status(dir, "json", &st);
  assert_int_equal(st, PC_PARTIAL);
  assert_non_null(strstr(text, "\"leakage_flagged\":1,"));
  assert_non_null(strstr(text, "\"ok\":false"));
  free(text);
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_leak_flag_is_an_error),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
