/* Unit tests for job files and command lines (pathcast/job/job.h).
 *
 * Messages are compared exactly: a job that is refused shows the user nothing
 * but the message, so it must name the file and line (or the option) and list
 * what would have been valid.  Every parse, good or bad, is followed by
 * pc_job_fini, so valgrind also checks that a failed parse leaves a job that
 * is safe to release. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, open_memstream */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers above, as cmocka requires */

#include "test_filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pathcast/job/job.h"

#define MAX_ARGS 64

/* The keys as the unknown-key message lists them, in table order. */
static const char valid_keys[] =
    "commodity, data, models, train_frequency, train_anchor, model_version, "
    "start, end, forecast_date, paths, horizon, calendar, holidays, seed, "
    "store, log_dir, min_history, max_gap, catch_up, lock_wait, outliers, "
    "spike_threshold, spike_window, stale_days, fsync, summary_json, output, "
    "format, by, levels, with_dates, baseline, model";

/* ---- helpers ------------------------------------------------------------ */

static pc_date day(const char *iso) {
  pc_date d = PC_DATE_NONE;
  assert_true(pc_date_parse(iso, &d));
  return d;
}

/* Runs pc_job_from_args on a NULL-terminated argument list (argv[0] is added).
 * The parser only reads argv, so handing it the literals is safe. */
static pc_status parse_list(pc_job *job, pc_error *e, const char *const *args) {
  char *argv[MAX_ARGS];
  int argc = 0;
  argv[argc++] = (char *)"pathcast";
  for (; args[argc - 1] != NULL; argc++) {
    assert_true(argc < MAX_ARGS);
    argv[argc] = (char *)args[argc - 1];
  }
  memset(e, 0, sizeof *e);
  return pc_job_from_args(job, argc, argv, e);
}

#define PARSE(job, e, ...)                                                     \
  parse_list((job), (e), (const char *const[]){__VA_ARGS__, NULL})

/* The keys every run command needs, so a test can add just what it is about. */
#define RUN_KEYS                                                               \
  "--store", "/tmp/pc-store", "--commodity", "coffee", "--data",               \
      "/tmp/coffee.csv", "--start", "2020-01-01", "--end", "2020-06-30"

/* Writes text to a fresh file in /tmp; path receives its name. */
static void write_temp(char path[static 64], const char *text) {
  snprintf(path, 64, "/tmp/pc-test-job-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  size_t len = strlen(text);
  assert_int_equal(write(fd, text, len), (ssize_t)len);
  assert_int_equal(close(fd), 0);
}

/* Replaces every '@' in tmpl by path: file messages name the temp file. */
static void expand(const char *tmpl, const char *path, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (const char *p = tmpl; *p != '\0' && used + 1 < len; p++) {
    int n = *p == '@' ? snprintf(out + used, len - used, "%s", path)
                      : snprintf(out + used, len - used, "%c", *p);
    used += (size_t)n;
  }
}

/* Parses a job file holding text (command backfill plus the extra options),
 * expecting PC_INPUT with exactly want, '@' standing for the file's path. */
static void expect_file_error(const char *text, const char *want) {
  char path[64], msg[sizeof(pc_error)];
  write_temp(path, text);
  pc_job job;
  pc_error e;
  pc_status st = PARSE(&job, &e, "backfill", "--job", path);
  pc_job_fini(&job);
  expand(want, path, msg, sizeof msg);
  unlink(path);
  assert_int_equal(st, PC_INPUT);
  assert_string_equal(e.msg, msg);
}

/* A backfill with the required keys plus one option, expecting PC_INPUT and
 * exactly want. */
static void expect_option_error(const char *key, const char *value,
                                const char *want) {
  pc_job job;
  pc_error e;
  pc_status st = PARSE(&job, &e, "backfill", RUN_KEYS, key, value);
  pc_job_fini(&job);
  assert_int_equal(st, PC_INPUT);
  assert_string_equal(e.msg, want);
}

/* A backfill with the required keys plus one option, which must parse. */
static void parse_ok_with(pc_job *job, const char *key, const char *value) {
  pc_error e;
  pc_status st = PARSE(job, &e, "backfill", RUN_KEYS, key, value);
  if (st != PC_OK) {
    fail_msg("%s %s: %s", key, value, e.msg);
  }
}

static const char *model_value(const pc_job *job, const char *model,
                               const char *key) {
  long i = pc_job_find_model(job, model);
  assert_true(i >= 0);
  return pc_model_spec_str(&job->models[i], key);
}

/* ---- defaults ----------------------------------------------------------- */

static void test_defaults(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  pc_date before = pc_date_today_utc();
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS), PC_OK);
  pc_date after = pc_date_today_utc();
  assert_int_equal(job.command, PC_CMD_BACKFILL);
  assert_string_equal(job.store, "/tmp/pc-store");
  assert_string_equal(job.commodity, "coffee");
  assert_string_equal(job.data, "/tmp/coffee.csv");
  assert_int_equal(job.start, day("2020-01-01"));
  assert_int_equal(job.end, day("2020-06-30"));
  assert_int_equal(job.paths, 2000);
  assert_int_equal(job.horizon, 14);
  assert_int_equal(job.train_frequency, PC_FREQ_SEMIANNUALLY);
  assert_string_equal(job.model_version, "v1.0");
  assert_int_equal(job.seed, 1);
  assert_int_equal(job.min_history, 250);
  assert_int_equal(job.max_gap, 5);
  assert_int_equal(job.calendar.kind, PC_CAL_WEEKDAYS);
  assert_int_equal(job.calendar.nholidays, 0);
  assert_string_equal(job.holidays, "");
  /* the anchor defaults to start */
  assert_int_equal(job.train_anchor, job.start);
  assert_true(job.forecast_date == before || job.forecast_date == after);
  assert_string_equal(job.log_dir, "logs");
  assert_string_equal(job.fsync, "yes");
  assert_string_equal(job.summary_json, "");
  assert_string_equal(job.output, "");
  assert_string_equal(job.format, "auto");
  assert_string_equal(job.model_filter, "");
  assert_string_equal(job.job_path, "");
  /* models: naive and random_walk, each named after its type */
  assert_int_equal(job.nmodels, 2);
  assert_string_equal(job.models[0].name, "naive");
  assert_string_equal(job.models[0].type->name, "naive");
  assert_string_equal(job.models[1].name, "random_walk");
  assert_string_equal(job.models[1].type->name, "random_walk");
  assert_string_equal(model_value(&job, "random_walk", "lookback"), "250");
  assert_int_equal(pc_job_find_model(&job, "nope"), -1);
  pc_job_fini(&job);
}

static void test_explicit_anchor_kept(void **state) {
  (void)state;
  pc_job job;
  parse_ok_with(&job, "--train_anchor", "2019-07-01");
  assert_int_equal(job.train_anchor, day("2019-07-01"));
  assert_int_equal(job.start, day("2020-01-01"));
  pc_job_fini(&job);
}

/* The settings echo ends with every model's own keys. */
static void test_print_settings(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS), PC_OK);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  pc_job_print_settings(&job, out);
  assert_int_equal(fclose(out), 0);
  assert_non_null(strstr(text, "random_walk.lookback = 250\n"));
  assert_non_null(
      strstr(text, "models = naive:naive,random_walk:random_walk\n"));
  assert_non_null(strstr(text, "paths = 2000\n"));
  assert_non_null(strstr(text, "train_anchor = 2020-01-01\n"));
  assert_non_null(strstr(text, "train_frequency = semiannually\n"));
  assert_null(strstr(text, "naive.")); /* naive has no keys of its own */
  free(text);
  pc_job_fini(&job);
}

/* ---- the job file ------------------------------------------------------- */

/* Comments at the start of a line and after white space, blank and
 * white-space-only lines, CRLF ends, spaces around '=': all ignored, while a
 * '#' inside a value (not after a space) is part of the value. */
static void test_job_file_syntax(void **state) {
  (void)state;
  char path[64];
  write_temp(path, "# a pathcast job\n"
                   "\n"
                   "commodity=coffee\n"
                   "   \t\n"
                   "  # an indented comment\n"
                   "data   =   /tmp/data#1.csv   # the CSV\n"
                   "store\t=\t/tmp/s\r\n"
                   "log_dir = /tmp/logs#2\n"
                   "horizon = 7\t# tab before the comment\n"
                   "start = 2020-01-01\n"
                   "end = 2020-03-31\n"
                   "random_walk.lookback = 60\n"
                   "train_frequency = monthly"); /* no final newline */
  pc_job job;
  pc_error e;
  pc_status st = PARSE(&job, &e, "backfill", "--job", path);
  unlink(path);
  assert_int_equal(st, PC_OK);
  assert_string_equal(job.job_path, path);
  assert_string_equal(job.commodity, "coffee");
  assert_string_equal(job.data, "/tmp/data#1.csv");
  assert_string_equal(job.store, "/tmp/s");
  assert_string_equal(job.log_dir, "/tmp/logs#2");
  assert_int_equal(job.horizon, 7);
  assert_int_equal(job.train_frequency, PC_FREQ_MONTHLY);
  assert_string_equal(model_value(&job, "random_walk", "lookback"), "60");
  pc_job_fini(&job);
  /* "100#not a comment" is a value, and not an integer */
  expect_file_error("paths = 100#x\n", "@:1: paths: '100#x' is not an integer");
}

static void test_cli_overrides_file(void **state) {
  (void)state;
  char path[64];
  write_temp(path, "store = /tmp/file-store\n"
                   "commodity = coffee\n"
                   "data = /tmp/file.csv\n"
                   "start = 2020-01-01\n"
                   "end = 2020-12-31\n"
                   "paths = 100\n"
                   "horizon = 10\n"
                   "seed = 5\n"
                   "summary_json = /tmp/file.json\n");
  pc_job job;
  pc_error e;
  char job_opt[80];
  snprintf(job_opt, sizeof job_opt, "--job=%s", path);
  pc_status st =
      PARSE(&job, &e, "backfill", "--paths", "300", job_opt, "--horizon=20",
            "--summary-json", "/tmp/cli.json", "--end=2020-02-29");
  unlink(path);
  assert_int_equal(st, PC_OK);
  assert_int_equal(job.paths, 300);
  assert_int_equal(job.horizon, 20);
  assert_string_equal(job.summary_json, "/tmp/cli.json");
  assert_int_equal(job.end, day("2020-02-29"));
  assert_int_equal(job.seed, 5); /* not overridden */
  assert_string_equal(job.store, "/tmp/file-store");
  pc_job_fini(&job);
}

/* Dashes in option names read as underscores; both spellings and both value
 * forms give the same job, and a later option wins over an earlier one. */
static void test_option_spellings(void **state) {
  (void)state;
  const char *const spellings[][2] = {
      {"--summary-json", "/tmp/a.json"},
      {"--summary_json", "/tmp/a.json"},
      {"--summary-json=/tmp/a.json", NULL},
      {"--summary_json=/tmp/a.json", NULL},
  };
  for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
    pc_job job;
    pc_error e;
    pc_status st = spellings[i][1] != NULL
                       ? PARSE(&job, &e, "train", RUN_KEYS, spellings[i][0],
                               spellings[i][1])
                       : PARSE(&job, &e, "train", RUN_KEYS, spellings[i][0]);
    assert_int_equal(st, PC_OK);
    assert_string_equal(job.summary_json, "/tmp/a.json");
    pc_job_fini(&job);
  }
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "train", RUN_KEYS, "--train-frequency",
                         "weekly", "--min-history=30", "--max_gap", "0",
                         "--paths", "7", "--paths=8", "--data=a=b.csv"),
                   PC_OK);
  assert_int_equal(job.train_frequency, PC_FREQ_WEEKLY);
  assert_int_equal(job.min_history, 30);
  assert_int_equal(job.max_gap, 0);
  assert_int_equal(job.paths, 8);
  assert_string_equal(job.data, "a=b.csv"); /* only the first '=' splits */
  pc_job_fini(&job);
}

static void test_unknown_key_in_file(void **state) {
  (void)state;
  char want[2048];
  snprintf(want, sizeof want,
           "@:3: unknown key 'x' (valid keys: %s; and "
           "<model>.<key> for a model's own settings)",
           valid_keys);
  expect_file_error("# comment\npaths = 10\nx = 1\n", want);
  snprintf(want, sizeof want,
           "command line option --bogus_key: unknown key "
           "'bogus_key' (valid keys: %s; and <model>.<key> for a model's own "
           "settings)",
           valid_keys);
  expect_option_error("--bogus-key", "1", want);
}

static void test_file_line_errors(void **state) {
  (void)state;
  expect_file_error("paths = 10\nhorizon = 5\npaths = 20\n",
                    "@:3: duplicate key 'paths' (first set at @:1)");
  expect_file_error("paths = 10\n\njust some words\n",
                    "@:3: expected 'key = value', found 'just some words'");
  expect_file_error("  = 5\n", "@:1: missing key before '='");
  expect_file_error("paths = 10\nrandom_walk.lookback = 5\n"
                    "random_walk.lookback = 6\n",
                    "@:3: duplicate key 'random_walk.lookback' (first set at "
                    "@:2)");
}

static void test_missing_job_file(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "backfill", "--job", "/nonexistent/job.txt"),
                   PC_INPUT);
  assert_string_equal(e.msg, "/nonexistent/job.txt: cannot open job file: No "
                             "such file or directory");
  pc_job_fini(&job);
}

/* ---- values ------------------------------------------------------------- */

static void test_bad_integers(void **state) {
  (void)state;
  expect_file_error("paths = abc\n", "@:1: paths: 'abc' is not an integer");
  expect_file_error("horizon = 1.5\n", "@:1: horizon: '1.5' is not an integer");
  expect_file_error("horizon =\n", "@:1: horizon: '' is not an integer");
  expect_option_error("--min_history", "12x",
                      "command line option "
                      "--min_history: min_history: '12x' is not an integer");
  expect_option_error("--max-gap", "99999999999999999999",
                      "command line option --max_gap: max_gap: "
                      "'99999999999999999999' is not an integer");
  expect_option_error("--seed", "-1",
                      "command line option --seed: seed: '-1' "
                      "is not an integer in [0, 2^64-1]");
  expect_option_error("--seed", "18446744073709551616",
                      "command line option --seed: seed: "
                      "'18446744073709551616' is not an integer in "
                      "[0, 2^64-1]");
  pc_job job;
  parse_ok_with(&job, "--seed", "18446744073709551615");
  assert_true(job.seed == UINT64_MAX);
  pc_job_fini(&job);
}

static void test_out_of_range(void **state) {
  (void)state;
  expect_file_error("paths = 0\n", "@:1: paths: 0 is out of range [1, 100000]");
  expect_option_error("--paths", "100001",
                      "command line option --paths: "
                      "paths: 100001 is out of range [1, 100000]");
  expect_option_error("--horizon", "1001",
                      "command line option --horizon: "
                      "horizon: 1001 is out of range [1, 1000]");
  expect_option_error("--horizon", "-3",
                      "command line option --horizon: "
                      "horizon: -3 is out of range [1, 1000]");
  expect_option_error("--min_history", "1",
                      "command line option "
                      "--min_history: min_history: 1 is out of range "
                      "[2, 1000000000]");
  expect_option_error("--max_gap", "-1",
                      "command line option --max_gap: "
                      "max_gap: -1 is out of range [0, 1000000]");
  expect_option_error("--max_gap", "1000001",
                      "command line option --max_gap: "
                      "max_gap: 1000001 is out of range [0, 1000000]");
  /* the bounds themselves are accepted */
  const char *const ok[][2] = {{"--paths", "1"},        {"--paths", "100000"},
                               {"--horizon", "1"},      {"--horizon", "1000"},
                               {"--min_history", "2"},  {"--max_gap", "0"},
                               {"--max_gap", "1000000"}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    pc_job job;
    parse_ok_with(&job, ok[i][0], ok[i][1]);
    pc_job_fini(&job);
  }
}

static void test_bad_dates(void **state) {
  (void)state;
  expect_file_error("start = 2020-02-30\n", "@:1: start: '2020-02-30' is not "
                                            "a date (expected YYYY-MM-DD or "
                                            "today)");
  expect_option_error("--end", "2020-1-31",
                      "command line option --end: end: "
                      "'2020-1-31' is not a date (expected YYYY-MM-DD or "
                      "today)");
  expect_option_error("--forecast_date", "yesterday",
                      "command line option "
                      "--forecast_date: forecast_date: 'yesterday' is not a "
                      "date (expected YYYY-MM-DD or today)");
}

/* `today` (UTC) works for every date; an empty forecast_date is today (a
 * scheduler leaves it empty), an empty other date is not set. */
static void test_today_everywhere(void **state) {
  (void)state;
  pc_date today = pc_date_today_utc();
  const char *const keys[] = {"--end", "--train_anchor", "--forecast_date"};
  for (size_t i = 0; i < 3; i++) {
    pc_job job;
    parse_ok_with(&job, keys[i], "today");
    pc_date got = i == 0 ? job.end : i == 1 ? job.train_anchor
                                            : job.forecast_date;
    assert_int_equal(got, today);
    pc_job_fini(&job);
  }
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "daily", "--commodity", "c", "--data",
                         "d.csv", "--store", "s", "--train_anchor",
                         "2020-01-01", "--forecast_date", ""),
                   PC_OK);
  assert_int_equal(job.forecast_date, today);
  pc_job_fini(&job);
}

static void test_start_after_end(void **state) {
  (void)state;
  expect_option_error("--end", "2019-12-31",
                      "start 2020-01-01 is after end 2019-12-31");
  pc_job job;
  parse_ok_with(&job, "--end", "2020-01-01"); /* a one-day range is fine */
  assert_int_equal(job.start, job.end);
  pc_job_fini(&job);
}

static void test_choices(void **state) {
  (void)state;
  expect_file_error("train_frequency = hourly\n",
                    "@:1: train_frequency: "
                    "'hourly' is not one of daily, weekly, biweekly, monthly, "
                    "quarterly, semiannually, annually");
  expect_option_error("--calendar", "monthly",
                      "command line option "
                      "--calendar: calendar: 'monthly' is not one of weekdays, "
                      "daily");
  expect_option_error("--format", "xml",
                      "command line option --format: "
                      "format: 'xml' is not one of auto, table, csv, json, "
                      "quantiles");
  expect_option_error("--fsync", "true",
                      "command line option --fsync: "
                      "fsync: 'true' is not one of yes, no");
  /* One rule for every name that becomes a path (pathcast/core/name.h). */
  const char *const bad_names[] = {"v 2", "..", ".", "", ".hidden", "a/b",
                                   "x\\y"};
  for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
    char want[256];
    snprintf(want, sizeof want,
             "command line option --model_version: model_version: '%s' is "
             "not a valid name (1 to 64 letters, digits, '_', '.' or '-', not "
             "starting with '.')",
             bad_names[i]);
    expect_option_error("--model_version", bad_names[i], want);
    snprintf(want, sizeof want,
             "command line option --commodity: commodity: '%s' is "
             "not a valid name (1 to 64 letters, digits, '_', '.' or '-', not "
             "starting with '.')",
             bad_names[i]);
    expect_option_error("--commodity", bad_names[i], want);
  }
  char longest[66];
  memset(longest, 'v', 64);
  longest[64] = '\0';
  pc_job ok_job;
  parse_ok_with(&ok_job, "--model_version", longest);
  assert_string_equal(ok_job.model_version, longest);
  pc_job_fini(&ok_job);
  longest[64] = 'v';
  longest[65] = '\0';
  expect_option_error("--model_version", longest,
                      "command line option --model_version: model_version: "
                      "value is too long (64 bytes at most)");
  const char *const freqs[] = {"daily",   "weekly",    "biweekly",
                               "monthly", "quarterly", "semiannually",
                               "annually"};
  for (int f = 0; f < PC_FREQ_COUNT; f++) {
    pc_job job;
    parse_ok_with(&job, "--train_frequency", freqs[f]);
    assert_int_equal(job.train_frequency, f);
    pc_job_fini(&job);
  }
  pc_job job;
  parse_ok_with(&job, "--calendar", "daily");
  assert_int_equal(job.calendar.kind, PC_CAL_DAILY);
  pc_job_fini(&job);
  parse_ok_with(&job, "--fsync", "no");
  assert_string_equal(job.fsync, "no");
  pc_job_fini(&job);
}

/* ---- models ------------------------------------------------------------- */

static void test_model_list_errors(void **state) {
  (void)state;
  /* The list of valid models grows as models are added: take it from the
   * registry, and check it starts with the foundation's two. */
  char names[512], want[1024];
  pc_model_type_names(names, sizeof names);
  assert_true(strncmp(names, "naive, random_walk", 18) == 0);
  snprintf(want, sizeof want, "@:1: models: unknown model 'no_such_model' "
           "(valid: %s)", names);
  expect_file_error("models = naive,no_such_model\n", want);
  snprintf(want, sizeof want,
           "@:1: models: unknown model 'egarch' (valid: %s)", names);
  expect_file_error("models = naive, rw:egarch\n", want);
  expect_file_error("models = naive,random_walk,naive\n",
                    "@:1: models: 'naive' is listed twice");
  expect_file_error("models = a:naive, a:random_walk\n",
                    "@:1: models: 'a' is listed twice");
  expect_file_error("models = Rw:random_walk\n",
                    "@:1: models: bad model name "
                    "'Rw' (use lower-case letters, digits and '_', starting "
                    "with a letter)");
  expect_option_error("--models", "1rw:random_walk",
                      "command line option "
                      "--models: models: bad model name '1rw' (use lower-case "
                      "letters, digits and '_', starting with a letter)");
  expect_option_error("--models", "rw-1:random_walk",
                      "command line option "
                      "--models: models: bad model name 'rw-1' (use "
                      "lower-case letters, digits and '_', starting with a "
                      "letter)");
  expect_file_error("models = ,\n", "@:1: models: the list is empty");
}

static void test_model_key_errors(void **state) {
  (void)state;
  expect_file_error("random_walk.window = 5\n",
                    "@:1: unknown key "
                    "'random_walk.window' for model type random_walk (valid "
                    "keys: lookback, volatility, lambda, drift)");
  expect_file_error("models = rw60:random_walk\nrw60.window = 5\n",
                    "@:2: unknown key 'rw60.window' for model type "
                    "random_walk (valid keys: lookback, volatility, lambda, "
                    "drift)");
  expect_file_error("naive.lookback = 5\n",
                    "@:1: unknown key "
                    "'naive.lookback' for model type naive (valid keys: "
                    "none)");
  expect_file_error("models = naive\nrandom_walk.lookback = 5\n",
                    "@:2: unknown key 'random_walk.lookback': 'random_walk' "
                    "is not a model of this job (1 model(s); per-model keys "
                    "are <model>.<key>)");
  expect_file_error("random_walk.lookback = 1\n",
                    "@:1: random_walk.lookback: "
                    "1 is out of range [2, 1e+07]");
  expect_option_error("--random_walk.lookback", "ten",
                      "command line option "
                      "--random_walk.lookback: random_walk.lookback: 'ten' is "
                      "not an integer");
}

/* An ensemble's members are models of the job, not itself, not an ensemble
 * (the messages name the key and where it was set, or its default). */
static void test_ensemble_members(void **state) {
  (void)state;
  expect_option_error("--models", "naive,ens:ensemble",
                      "ens.members: 'random_walk' is not a model of this job "
                      "(its models: naive, ens)");
  expect_file_error("models = naive,random_walk,ens:ensemble\n"
                    "ens.members = naive, nosuch\n",
                    "@:2: ens.members: 'nosuch' is not a model of this job "
                    "(its models: naive, random_walk, ens)");
  expect_file_error("models = naive,random_walk,ens:ensemble\n"
                    "ensemble.members = naive,ens\n",
                    "@:2: ens.members: 'ens' is this model itself");
  expect_file_error("models = naive,random_walk,e1:ensemble,e2:ensemble\n"
                    "e2.members = e1,naive\n",
                    "@:2: e2.members: 'e1' combines models itself (model "
                    "type ensemble; they do not nest)");
  expect_file_error("models = naive,random_walk,ens:ensemble\n"
                    "ens.members = naive\n",
                    "@:2: ens.members: 'naive' names 1 model(s); it takes 2 "
                    "to 8 models of the job");
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--models",
                         "random_walk,garch,ens:ensemble", "--ens.members",
                         " garch,  random_walk"),
                   PC_OK);
  /* One spelling per list: it is a word of the settings text. */
  assert_string_equal(model_value(&job, "ens", "members"), "garch,random_walk");
  pc_job_fini(&job);
}

/* A named variant's key sets that variant only. */
static void test_named_variant(void **state) {
  (void)state;
  char path[64];
  write_temp(path, "models = rw60:random_walk,naive\nrw60.lookback = 60\n");
  pc_job job;
  pc_error e;
  pc_status st = PARSE(&job, &e, "backfill", RUN_KEYS, "--job", path);
  unlink(path);
  assert_int_equal(st, PC_OK);
  assert_int_equal(job.nmodels, 2);
  assert_string_equal(job.models[0].name, "rw60");
  assert_string_equal(job.models[0].type->name, "random_walk");
  assert_string_equal(job.models[1].name, "naive");
  assert_string_equal(model_value(&job, "rw60", "lookback"), "60");
  pc_job_fini(&job);

  /* next to a plain random_walk, which keeps its default */
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--models",
                         " rw60 : random_walk , random_walk ",
                         "--rw60.lookback", "60"),
                   PC_OK);
  assert_string_equal(model_value(&job, "rw60", "lookback"), "60");
  assert_string_equal(model_value(&job, "random_walk", "lookback"), "250");
  pc_job_fini(&job);
}

/* A type-level key is a default for every model of the type; a model's own
 * key wins over it whatever the order or the source of the two. */
static void test_type_level_key(void **state) {
  (void)state;
  char path[64];
  write_temp(path, "models = rw60:random_walk,rw120:random_walk,naive\n"
                   "rw120.lookback = 120\n"
                   "random_walk.lookback = 100\n");
  pc_job job;
  pc_error e;
  pc_status st = PARSE(&job, &e, "backfill", RUN_KEYS, "--job", path);
  assert_int_equal(st, PC_OK);
  assert_string_equal(model_value(&job, "rw60", "lookback"), "100");
  assert_string_equal(model_value(&job, "rw120", "lookback"), "120");
  pc_job_fini(&job);

  /* the type-level key on the command line still loses to the file's own */
  st = PARSE(&job, &e, "backfill", RUN_KEYS, "--job", path,
             "--random_walk.lookback", "90");
  assert_int_equal(st, PC_OK);
  assert_string_equal(model_value(&job, "rw60", "lookback"), "90");
  assert_string_equal(model_value(&job, "rw120", "lookback"), "120");
  pc_job_fini(&job);

  /* and a model's own key on the command line overrides the file's */
  st = PARSE(&job, &e, "backfill", RUN_KEYS, "--job", path, "--rw120.lookback",
             "121");
  unlink(path);
  assert_int_equal(st, PC_OK);
  assert_string_equal(model_value(&job, "rw60", "lookback"), "100");
  assert_string_equal(model_value(&job, "rw120", "lookback"), "121");
  pc_job_fini(&job);
}

/* The default list names a model after its type (random_walk), so the
 * type-level key is also that model's own key; it must still be the default
 * of the other models of the type. */
static void test_type_key_with_model_named_like_type(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--models",
                         "random_walk,rw60:random_walk,rw120:random_walk",
                         "--random_walk.lookback", "100", "--rw120.lookback",
                         "120"),
                   PC_OK);
  const char *rw = model_value(&job, "random_walk", "lookback");
  const char *r60 = model_value(&job, "rw60", "lookback");
  const char *r120 = model_value(&job, "rw120", "lookback");
  char got[128];
  snprintf(got, sizeof got, "random_walk=%s rw60=%s rw120=%s", rw, r60, r120);
  pc_job_fini(&job);
  assert_string_equal(got, "random_walk=100 rw60=100 rw120=120");
}

/* ---- what each command needs ------------------------------------------- */

/* Adds the required keys one at a time: each run is refused for the first key
 * still missing, in the order store, commodity, data, start, end. */
static void test_required_keys(void **state) {
  (void)state;
  const char *const keys[][2] = {{"--store", "/tmp/s"},
                                 {"--commodity", "coffee"},
                                 {"--data", "/tmp/d.csv"},
                                 {"--start", "2020-01-01"},
                                 {"--end", "2020-02-01"}};
  const char *const names[] = {"store", "commodity", "data", "start", "end"};
  const char *const commands[] = {"backfill", "train", "forecast"};
  for (size_t c = 0; c < 3; c++) {
    for (size_t have = 0; have <= 5; have++) {
      char *argv[16];
      int argc = 0;
      argv[argc++] = (char *)"pathcast";
      argv[argc++] = (char *)commands[c];
      for (size_t k = 0; k < have; k++) {
        argv[argc++] = (char *)keys[k][0];
        argv[argc++] = (char *)keys[k][1];
      }
      pc_job job;
      pc_error e = {{0}};
      pc_status st = pc_job_from_args(&job, argc, argv, &e);
      pc_job_fini(&job);
      if (have == 5) {
        assert_int_equal(st, PC_OK);
        continue;
      }
      char want[256];
      snprintf(want, sizeof want,
               "%s needs the key '%s' (in the job file or "
               "as --%s)",
               commands[c], names[have], names[have]);
      assert_int_equal(st, PC_INPUT);
      assert_string_equal(e.msg, want);
    }
  }
}

/* daily has no range; it needs an anchor from train_anchor or start. */
static void test_daily_needs_anchor(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "daily", "--store", "/tmp/s", "--commodity",
                         "coffee", "--data", "/tmp/d.csv"),
                   PC_INPUT);
  assert_string_equal(e.msg, "daily needs 'train_anchor' (or 'start') to place "
                             "the training schedule");
  pc_job_fini(&job);

  assert_int_equal(PARSE(&job, &e, "daily", "--store", "/tmp/s", "--commodity",
                         "coffee", "--data", "/tmp/d.csv", "--train_anchor",
                         "2020-01-06", "--forecast_date", "2020-03-02"),
                   PC_OK);
  assert_int_equal(job.command, PC_CMD_DAILY);
  assert_int_equal(job.train_anchor, day("2020-01-06"));
  assert_int_equal(job.forecast_date, day("2020-03-02"));
  pc_job_fini(&job);

  assert_int_equal(PARSE(&job, &e, "daily", "--store", "/tmp/s", "--commodity",
                         "coffee", "--data", "/tmp/d.csv", "--start",
                         "2020-01-02"),
                   PC_OK);
  assert_int_equal(job.train_anchor, day("2020-01-02"));
  pc_job_fini(&job);
}

/* models and export read a store: they need it and nothing else. */
static void test_store_commands(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "models", "--format", "json"), PC_INPUT);
  assert_string_equal(e.msg, "models needs the key 'store' (in the job file or "
                             "as --store)");
  pc_job_fini(&job);
  assert_int_equal(
      PARSE(&job, &e, "models", "--store", "/tmp/s", "--format", "json"),
      PC_OK);
  assert_int_equal(job.command, PC_CMD_MODELS);
  assert_string_equal(job.format, "json");
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "export", "--store", "/tmp/s", "--model",
                         "random_walk", "--output", "/tmp/out.csv"),
                   PC_OK);
  assert_string_equal(job.model_filter, "random_walk");
  assert_string_equal(job.output, "/tmp/out.csv");
  pc_job_fini(&job);
  assert_int_equal(
      PARSE(&job, &e, "export", "--store", "/tmp/s", "--model", "xgb"),
      PC_INPUT);
  assert_string_equal(e.msg, "--model xgb is not a model of this job");
  pc_job_fini(&job);
}

static void test_command_line_errors(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "frobnicate", RUN_KEYS), PC_INPUT);
  assert_string_equal(e.msg, "unknown command 'frobnicate' (valid: train, "
                             "forecast, backfill, daily, models, export, status, verify, check, evaluate, report, migrate)");
  pc_job_fini(&job);

  char *argv0[] = {(char *)"pathcast", NULL};
  memset(&e, 0, sizeof e);
  assert_int_equal(pc_job_from_args(&job, 1, argv0, &e), PC_INPUT);
  assert_string_equal(e.msg, "missing command (train, forecast, backfill, "
                             "daily, models, export, status, verify, check, evaluate, report, migrate; see pathcast --help)");
  pc_job_fini(&job);

  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--paths"), PC_INPUT);
  assert_string_equal(e.msg, "option --paths needs a value");
  pc_job_fini(&job);

  assert_int_equal(PARSE(&job, &e, "backfill", "--job"), PC_INPUT);
  assert_string_equal(e.msg, "option --job needs a value");
  pc_job_fini(&job);

  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "stray"), PC_INPUT);
  assert_string_equal(e.msg, "unexpected argument 'stray' (options are --key "
                             "value; see pathcast --help)");
  pc_job_fini(&job);

  assert_int_equal(PARSE(&job, &e, "backfill", "--"), PC_INPUT);
  assert_string_equal(e.msg, "unexpected argument '--' (options are --key "
                             "value; see pathcast --help)");
  pc_job_fini(&job);
}

/* --help anywhere wins over everything else, even bad options before it. */
static void test_help_and_version(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  const char *const help_words[] = {"help", "--help", "-h"};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(PARSE(&job, &e, help_words[i]), PC_OK);
    assert_int_equal(job.command, PC_CMD_HELP);
    pc_job_fini(&job);
  }
  assert_int_equal(PARSE(&job, &e, "backfill", "--paths", "0", "--help"),
                   PC_OK);
  assert_int_equal(job.command, PC_CMD_HELP);
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "--version"), PC_OK);
  assert_int_equal(job.command, PC_CMD_VERSION);
  pc_job_fini(&job);
}

/* ---- model settings ----------------------------------------------------- */

/* The settings text of model m of a backfill with RUN_KEYS plus one option
 * (key NULL: none). */
static void settings_with(const char *key, const char *value, size_t m,
                          char *buf, size_t len) {
  pc_job job;
  pc_error e;
  pc_status st = key == NULL
                     ? PARSE(&job, &e, "backfill", RUN_KEYS)
                     : PARSE(&job, &e, "backfill", RUN_KEYS, key, value);
  if (st != PC_OK) {
    fail_msg("%s %s: %s", key ? key : "", value ? value : "", e.msg);
  }
  pc_job_model_settings(&job, m, buf, len);
  pc_job_fini(&job);
}

static void test_model_settings_text(void **state) {
  (void)state;
  char a[1024], b[1024];
  settings_with(NULL, NULL, 1, a, sizeof a);
  assert_string_equal(a,
                      "type=random_walk random_walk.lookback=250 "
                      "random_walk.volatility=sample random_walk.lambda=0.94 "
                      "random_walk.drift=sample seed=1 "
                      "paths=2000 horizon=14 calendar=weekdays holidays=none "
                      "train_frequency=semiannually train_anchor=2020-01-01 "
                      "numerics=2");
  settings_with(NULL, NULL, 0, b, sizeof b);
  assert_string_equal(b, "type=naive seed=1 paths=2000 horizon=14 "
                         "calendar=weekdays holidays=none "
                         "train_frequency=semiannually "
                         "train_anchor=2020-01-01 numerics=2");
}

typedef struct {
  const char *key, *value;
} setting;

/* Keys that shape a model's stored results change its settings text... */
static const setting shaping[] = {
    {"--seed", "2"},
    {"--paths", "1999"},
    {"--horizon", "15"},
    {"--calendar", "daily"},
    {"--train_frequency", "monthly"},
    {"--train_anchor", "2019-07-01"},
    {"--start", "2019-12-31"}, /* moves the default anchor */
    {"--random_walk.lookback", "100"},
    {"--outliers", "clean"}, /* the models see other closes */
};

/* ...and keys that do not shape them leave it alone. */
static const setting neutral[] = {
    {"--model_version", "v2"},
    {"--min_history", "30"},
    {"--max_gap", "9"},
    {"--log_dir", "/tmp/logs"},
    {"--fsync", "no"},
    {"--end", "2020-12-31"},
    {"--store", "/tmp/other"},
    {"--data", "/tmp/other.csv"},
    {"--summary_json", "/tmp/x.json"},
    {"--train_anchor", "2020-01-01"},  /* the same as the default */
    {"--models", "random_walk,naive"}, /* same spec, other position */
    /* outliers = keep or flag changes what is reported, not what the models
     * see; the check's parameters matter only with clean. */
    {"--outliers", "keep"},
    {"--outliers", "flag"},
    {"--spike_threshold", "6"},
    {"--stale_days", "9"},
};

/* With outliers = clean the check's parameters are part of the text. */
static void test_model_settings_clean(void **state) {
  (void)state;
  char text[1024];
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--outliers", "clean",
                         "--spike_threshold", "7"),
                   PC_OK);
  pc_job_model_settings(&job, 0, text, sizeof text);
  assert_string_equal(text, "type=naive seed=1 paths=2000 horizon=14 "
                            "calendar=weekdays holidays=none "
                            "train_frequency=semiannually "
                            "train_anchor=2020-01-01 numerics=2 "
                            "outliers=clean spike_threshold=7 "
                            "spike_window=60 stale_days=5");
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--outliers", "drop"),
                   PC_INPUT);
  assert_string_equal(e.msg, "command line option --outliers: outliers: "
                             "'drop' is not one of keep, flag, clean");
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--spike_window",
                         "10"),
                   PC_INPUT);
  assert_string_equal(e.msg, "command line option --spike_window: "
                             "spike_window: 10 is out of range [20, 1000]");
  pc_job_fini(&job);
}

/* check reads the data file only: it needs data, not a store; evaluate
 * takes --by model. */
static void test_check_and_by_model(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "check", "--data", "/tmp/x.csv"), PC_OK);
  assert_int_equal(job.command, PC_CMD_CHECK);
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "check", "--store", "/tmp/s"), PC_INPUT);
  assert_string_equal(e.msg, "check needs the key 'data' (in the job file or "
                             "as --data)");
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "check", "--data", "/tmp/x.csv",
                         "--format", "csv"),
                   PC_INPUT);
  assert_string_equal(e.msg, "--format csv: check does not print that "
                             "(valid: auto, table, json)");
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "evaluate", "--store", "/tmp/s", "--by",
                         "model"),
                   PC_OK);
  assert_string_equal(job.by, "model");
  pc_job_fini(&job);
}

static void test_model_settings_compare(void **state) {
  (void)state;
  char base[1024], other[1024];
  settings_with(NULL, NULL, 1, base, sizeof base);
  settings_with(NULL, NULL, 1, other, sizeof other);
  assert_string_equal(base, other);
  for (size_t i = 0; i < sizeof shaping / sizeof shaping[0]; i++) {
    settings_with(shaping[i].key, shaping[i].value, 1, other, sizeof other);
    if (strcmp(base, other) == 0) {
      fail_msg("%s %s does not change the settings text", shaping[i].key,
               shaping[i].value);
    }
  }
  for (size_t i = 0; i < sizeof neutral / sizeof neutral[0]; i++) {
    /* --models reorders: random_walk is then model 0 */
    size_t m = strcmp(neutral[i].key, "--models") == 0 ? 0 : 1;
    settings_with(neutral[i].key, neutral[i].value, m, other, sizeof other);
    if (strcmp(base, other) != 0) {
      fail_msg("%s %s changes the settings text:\n  %s\n  %s", neutral[i].key,
               neutral[i].value, base, other);
    }
  }
}

/* An ensemble's settings hold its members' (their type and the keys they
 * set to other than the default) and the rules that decide which of their
 * results exist, so its stored results never mix members' settings. */
static void test_ensemble_settings_text(void **state) {
  (void)state;
  const char *models = "naive,rw:random_walk,ens:ensemble";
  pc_job job;
  pc_error e;
  char base[2048], other[2048];
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--models", models,
                         "--rw.lookback", "100", "--ens.members", "rw,naive"),
                   PC_OK);
  pc_job_model_settings(&job, 2, base, sizeof base);
  pc_job_fini(&job);
  assert_string_equal(base,
                      "type=ensemble ensemble.members=rw,naive "
                      "ensemble.window=120 ensemble.min_pairs=100 "
                      "member.rw=random_walk "
                      "member.rw.random_walk.lookback=100 "
                      "member.naive=naive min_history=250 max_gap=5 seed=1 "
                      "paths=2000 horizon=14 calendar=weekdays holidays=none "
                      "train_frequency=semiannually train_anchor=2020-01-01 "
                      "numerics=2");
  const setting changes[] = {{"--rw.volatility", "ewma"},
                             {"--rw.lookback", "250"},
                             {"--min_history", "300"},
                             {"--max_gap", "2"},
                             {"--ens.window", "60"}};
  for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
    assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--models", models,
                           "--rw.lookback", "100", "--ens.members", "rw,naive",
                           changes[i].key, changes[i].value),
                     PC_OK);
    pc_job_model_settings(&job, 2, other, sizeof other);
    pc_job_fini(&job);
    if (strcmp(base, other) == 0) {
      fail_msg("%s %s does not change the ensemble's settings",
               changes[i].key, changes[i].value);
    }
  }
}

/* A holiday list changes the trading days, so the dates of day_1..day_h of
 * every stored forecast: its content is part of the settings, as a
 * fingerprint of the holidays that fall on otherwise trading days.  (The
 * store accepts a list extended past every stored result: docs/STORE.md.) */
static void test_model_settings_holidays(void **state) {
  (void)state;
  char path[64], base[1024], other[1024], again[1024];
  write_temp(path, "2020-01-20\n2020-02-17\n");
  settings_with(NULL, NULL, 1, base, sizeof base);
  settings_with("--holidays", path, 1, other, sizeof other);
  unlink(path);
  assert_string_not_equal(base, other);
  assert_null(strstr(other, "holidays=none"));
  /* The same dates in another order, with a comment and a repeat: the
   * same calendar, the same text. */
  write_temp(path, "# other file\n2020-02-17\n2020-01-20\n2020-02-17\n");
  settings_with("--holidays", path, 1, again, sizeof again);
  unlink(path);
  assert_string_equal(other, again);
  /* A holiday on a Saturday changes no trading day: the same text as none
   * (weekday calendar); under the daily calendar it does change it. */
  write_temp(path, "2020-02-15\n");
  settings_with("--holidays", path, 1, again, sizeof again);
  assert_string_equal(base, again);
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--calendar", "daily",
                         "--holidays", path),
                   PC_OK);
  pc_job_model_settings(&job, 1, again, sizeof again);
  pc_job_fini(&job);
  unlink(path);
  assert_null(strstr(again, "holidays=none"));
}

static void test_holidays_loaded(void **state) {
  (void)state;
  char path[64];
  write_temp(path, "# exchange holidays\n2020-01-20\n2020-02-17\n");
  pc_job job;
  parse_ok_with(&job, "--holidays", path);
  assert_string_equal(job.holidays, path);
  assert_int_equal(job.calendar.nholidays, 2);
  assert_int_equal(job.calendar.holidays[0], day("2020-01-20"));
  pc_job_fini(&job);
  unlink(path);
}

/* ---- releasing ---------------------------------------------------------- */

/* pc_job_fini after a parse that failed at any stage (and twice in a row)
 * must neither crash nor leak; valgrind checks the second part. */
static void test_fini_after_failures(void **state) {
  (void)state;
  char path[64];
  write_temp(path, "models = rw60:random_walk,naive\nrw60.lookback = 60\n"
                   "holidays = /nonexistent/holidays.txt\n");
  pc_job job;
  pc_error e;
  /* fails after the models and their keys were set: in loading holidays */
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--job", path),
                   PC_INPUT);
  assert_int_equal(job.nmodels, 2);
  pc_job_fini(&job);
  pc_job_fini(&job);
  /* fails in the middle of the model list, after one model was added */
  assert_int_equal(
      PARSE(&job, &e, "backfill", RUN_KEYS, "--models", "naive,bogus"),
      PC_INPUT);
  pc_job_fini(&job);
  /* fails on a value after the models were allocated */
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--paths", "x"),
                   PC_INPUT);
  pc_job_fini(&job);
  /* fails in a model key, and in the required-key check */
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--rw.x", "1"),
                   PC_INPUT);
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "train", "--store", "/tmp/s"), PC_INPUT);
  pc_job_fini(&job);
  unlink(path);
}

/* ---- list keys and flags ------------------------------------------------ */

/* Parses an export of /tmp/pc-store with the given options, expecting st
 * (and, for PC_INPUT, exactly the message want). */
static void expect_export(pc_job *job, pc_status st, const char *want,
                          const char *key, const char *value) {
  pc_error e;
  pc_status got = PARSE(job, &e, "export", "--store", "/tmp/pc-store", key,
                        value);
  assert_int_equal(got, st);
  if (want != NULL) {
    assert_string_equal(e.msg, want);
  }
}

/* model_version lists versions for export, models and evaluate; the first
 * is the job's version; other commands take one. */
/* The skill baseline: random_walk by default (and absent without harm from
 * a job that does not run it), any model of the job when named, scored by
 * evaluate even when --model leaves it out; a name that is not a model of
 * the job is refused. */
static void test_baseline(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "evaluate", "--store", "/tmp/pc-store",
                         "--models", "naive,random_walk", "--model", "naive"),
                   PC_OK);
  assert_string_equal(job.baseline, "random_walk");
  assert_int_equal(pc_job_baseline(&job), 1);
  assert_true(pc_job_model_scored(&job, 0));
  assert_true(pc_job_model_scored(&job, 1));
  assert_false(pc_job_model_selected(&job, 1));
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "evaluate", "--store", "/tmp/pc-store",
                         "--models", "naive,random_walk", "--model",
                         "random_walk", "--baseline", "naive"),
                   PC_OK);
  assert_int_equal(pc_job_baseline(&job), 0);
  assert_true(pc_job_model_scored(&job, 0));
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "evaluate", "--store", "/tmp/pc-store",
                         "--models", "naive"),
                   PC_OK);
  assert_int_equal(pc_job_baseline(&job), -1);
  assert_true(pc_job_model_scored(&job, 0)); /* selected, no baseline */
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "evaluate", "--store", "/tmp/pc-store",
                         "--models", "naive,random_walk", "--baseline",
                         "garch"),
                   PC_INPUT);
  assert_string_equal(e.msg, "baseline: 'garch' is not a model of this job "
                             "(its models: naive, random_walk)");
  pc_job_fini(&job);
}

static void test_version_lists(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  expect_export(&job, PC_OK, NULL, "--model_version", "v1.0, v2.0,v3");
  assert_int_equal(job.nversions, 3);
  assert_string_equal(job.model_version, "v1.0");
  assert_string_equal(job.versions[1], "v2.0");
  assert_string_equal(job.versions[2], "v3");
  pc_job_fini(&job);
  for (const char *const *c = (const char *const[]){"models", "evaluate",
                                                     NULL};
       *c != NULL; c++) {
    assert_int_equal(PARSE(&job, &e, *c, "--store", "/tmp/pc-store",
                           "--model_version", "a,b"),
                     PC_OK);
    pc_job_fini(&job);
  }
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--model_version",
                         "v1.0,v2.0"),
                   PC_INPUT);
  pc_job_fini(&job);
  assert_string_equal(e.msg, "model_version: backfill works on one version "
                             "(a list such as 'v1.0,v2.0' is for export, "
                             "models and evaluate)");
  expect_export(&job, PC_INPUT,
                "command line option --model_version: model_version: 'a' "
                "is listed twice",
                "--model_version", "a,b,a");
  pc_job_fini(&job);
  expect_export(&job, PC_INPUT,
                "command line option --model_version: model_version: '' is "
                "not a valid name (1 to 64 letters, digits, '_', '.' or '-', "
                "not starting with '.')",
                "--model_version", "a,,b");
  pc_job_fini(&job);
}

/* Quantile levels: numbers in [0, 1], in the order given. */
static void test_levels(void **state) {
  (void)state;
  pc_job job;
  expect_export(&job, PC_OK, NULL, "--levels", "0.95, 0, 1,0.005");
  assert_int_equal(job.nlevels, 4);
  assert_true(job.levels[0] == 0.95 && job.levels[1] == 0.0 &&
              job.levels[2] == 1.0 && job.levels[3] == 0.005);
  pc_job_fini(&job);
  expect_export(&job, PC_OK, NULL, "--format", "quantiles");
  assert_int_equal(job.nlevels, 3); /* the default, 0.05,0.5,0.95 */
  assert_true(job.levels[1] == 0.5);
  pc_job_fini(&job);
  const char *const bad[] = {"1.01", "-0.1", "nan", "0.5x", "", "0.1,,0.2"};
  const char *const word[] = {"1.01", "-0.1", "nan", "0.5x", "", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char want[256];
    snprintf(want, sizeof want, i == 4 ? "command line option --levels: "
             "levels: '' is not a list of quantile levels (e.g. "
             "0.05,0.5,0.95)" : "command line option --levels: levels: "
             "'%s' is not a quantile level (a number from 0 to 1)", word[i]);
    expect_export(&job, PC_INPUT, want, "--levels", bad[i]);
    pc_job_fini(&job);
  }
}

/* A yes/no key without a value is a flag: --with-dates alone, or before
 * another option, says yes; with a value it takes the value. */
static void test_yes_no_flags(void **state) {
  (void)state;
  pc_job job;
  pc_error e;
  assert_int_equal(PARSE(&job, &e, "export", "--store", "/tmp/pc-store",
                         "--with-dates"),
                   PC_OK);
  assert_string_equal(job.with_dates, "yes");
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "export", "--with-dates", "--store",
                         "/tmp/pc-store"),
                   PC_OK);
  assert_string_equal(job.with_dates, "yes");
  pc_job_fini(&job);
  assert_int_equal(PARSE(&job, &e, "export", "--store", "/tmp/pc-store",
                         "--with_dates", "no"),
                   PC_OK);
  assert_string_equal(job.with_dates, "no");
  pc_job_fini(&job);
  /* The last setting wins: the flag after "no" says yes. */
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--fsync", "no",
                         "--fsync"),
                   PC_OK);
  assert_string_equal(job.fsync, "yes");
  pc_job_fini(&job);
  /* Any other key still needs its value. */
  assert_int_equal(PARSE(&job, &e, "backfill", RUN_KEYS, "--paths"),
                   PC_INPUT);
  pc_job_fini(&job);
  assert_string_equal(e.msg, "option --paths needs a value");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_explicit_anchor_kept),
      cmocka_unit_test(test_print_settings),
      cmocka_unit_test(test_job_file_syntax),
      cmocka_unit_test(test_cli_overrides_file),
      cmocka_unit_test(test_option_spellings),
      cmocka_unit_test(test_unknown_key_in_file),
      cmocka_unit_test(test_file_line_errors),
      cmocka_unit_test(test_missing_job_file),
      cmocka_unit_test(test_bad_integers),
      cmocka_unit_test(test_out_of_range),
      cmocka_unit_test(test_bad_dates),
      cmocka_unit_test(test_today_everywhere),
      cmocka_unit_test(test_start_after_end),
      cmocka_unit_test(test_choices),
      cmocka_unit_test(test_model_list_errors),
      cmocka_unit_test(test_model_key_errors),
      cmocka_unit_test(test_ensemble_members),
      cmocka_unit_test(test_named_variant),
      cmocka_unit_test(test_type_level_key),
      cmocka_unit_test(test_type_key_with_model_named_like_type),
      cmocka_unit_test(test_required_keys),
      cmocka_unit_test(test_daily_needs_anchor),
      cmocka_unit_test(test_store_commands),
      cmocka_unit_test(test_command_line_errors),
      cmocka_unit_test(test_help_and_version),
      cmocka_unit_test(test_model_settings_text),
      cmocka_unit_test(test_model_settings_compare),
      cmocka_unit_test(test_model_settings_clean),
      cmocka_unit_test(test_check_and_by_model),
      cmocka_unit_test(test_model_settings_holidays),
      cmocka_unit_test(test_ensemble_settings_text),
      cmocka_unit_test(test_holidays_loaded),
      cmocka_unit_test(test_fini_after_failures),
      cmocka_unit_test(test_baseline),
      cmocka_unit_test(test_version_lists),
      cmocka_unit_test(test_levels),
      cmocka_unit_test(test_yes_no_flags),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
