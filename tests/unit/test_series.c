/* Unit tests for the CSV series reader (pathcast/core/series.h).  Every refusal is
 * checked against its exact message, since the message is the only thing a
 * user sees when a file is bad. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, unlink */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers above, as cmocka requires */

#include "test_filter.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pathcast/core/series.h"

#define MB ((size_t)1 << 20)

static pc_date day(const char *iso) {
  pc_date d = PC_DATE_NONE;
  assert_true(pc_date_parse(iso, &d));
  return d;
}

static pc_status parse(pc_series *s, const char *text, pc_error *e) {
  return pc_series_parse(s, "in.csv", text, strlen(text), e);
}

static void assert_empty(const pc_series *s) {
  assert_int_equal(s->n, 0);
  assert_int_equal(s->ncov, 0);
  assert_null(s->date);
  assert_null(s->close);
  assert_null(s->cov_name);
  assert_null(s->cov);
}

/* Parses text that must be refused with exactly msg, leaving s empty. */
static void expect_refusal(const char *text, size_t len, const char *msg) {
  pc_series s;
  pc_error e = {{0}};
  memset(&s, 0xAB, sizeof s); /* garbage in: parse must not read it */
  assert_int_equal(pc_series_parse(&s, "in.csv", text, len, &e), PC_INPUT);
  assert_string_equal(e.msg, msg);
  assert_empty(&s);
  pc_series_fini(&s); /* harmless on an empty series */
}

static void expect_fail(const char *text, const char *msg) {
  expect_refusal(text, strlen(text), msg);
}

/* ---- Accepted input ------------------------------------------------------ */

static void test_good_file_with_covariates(void **state) {
  (void)state;
  const char *text = "date,close,volume,fx.eur_usd\n"
                     "2020-01-02,101.25,1200,1.5\n"
                     "2020-01-03,,NA,-0.25\n"
                     "2020-01-06,NA,  3e2 ,\n"
                     "2020-01-07, 99.5 ,+.5,5.\n";
  pc_series s;
  pc_error e = {{0}};
  assert_int_equal(parse(&s, text, &e), PC_OK);
  assert_int_equal(s.n, 4);
  assert_int_equal(s.ncov, 2);
  assert_string_equal(s.cov_name[0], "volume");
  assert_string_equal(s.cov_name[1], "fx.eur_usd");
  assert_int_equal(s.date[0], day("2020-01-02"));
  assert_int_equal(s.date[3], day("2020-01-07"));
  assert_true(s.close[0] == 101.25);
  assert_true(isnan(s.close[1]));
  assert_true(isnan(s.close[2]));
  assert_true(s.close[3] == 99.5);
  const double want[8] = {1200, 1.5, NAN, -0.25, 300, NAN, 0.5, 5.0};
  for (size_t i = 0; i < 8; i++) {
    if (isnan(want[i])) {
      assert_true(isnan(s.cov[i]));
    } else {
      assert_true(s.cov[i] == want[i]);
    }
  }
  pc_series_fini(&s);
  assert_empty(&s);
}

static void test_no_covariates(void **state) {
  (void)state;
  pc_series s;
  pc_error e = {{0}};
  assert_int_equal(parse(&s, "date,close\n2021-03-01,1E-3\n", &e), PC_OK);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.ncov, 0);
  assert_null(s.cov_name);
  assert_true(s.close[0] == 1e-3);
  assert_int_equal(pc_series_cov_index(&s, "close"), -1);
  pc_series_fini(&s);
}

static void test_bom_crlf_accepted(void **state) {
  (void)state;
  const char *text = "\xEF\xBB\xBF"
                     "date,close,x\r\n"
                     "2020-01-02,1,2\r\n"
                     "2020-01-03,3,\r\n"
                     "\r\n";
  pc_series s;
  pc_error e = {{0}};
  assert_int_equal(parse(&s, text, &e), PC_OK);
  assert_int_equal(s.n, 2);
  assert_string_equal(s.cov_name[0], "x");
  assert_true(s.close[1] == 3);
  assert_true(s.cov[0] == 2);
  assert_true(isnan(s.cov[1]));
  pc_series_fini(&s);
}

static void test_line_end_variants_accepted(void **state) {
  (void)state;
  const char *texts[] = {
      "date,close\n2020-01-02,1\n2020-01-03,2",     /* no final newline */
      "date,close\n2020-01-02,1\n2020-01-03,2\n\n", /* one empty line */
      "date,close\n2020-01-02,1\n2020-01-03,2\n\n\r\n\n",
      "date,close\r\n2020-01-02,1\r\n2020-01-03,2\r",
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    pc_series s;
    pc_error e = {{0}};
    assert_int_equal(parse(&s, texts[i], &e), PC_OK);
    assert_int_equal(s.n, 2);
    assert_true(s.close[1] == 2);
    pc_series_fini(&s);
  }
}

static void test_text_is_not_nul_terminated(void **state) {
  (void)state;
  /* The number at the very end must not be read past len. */
  const char text[] = "date,close\n2020-01-02,12345";
  pc_series s;
  pc_error e = {{0}};
  assert_int_equal(pc_series_parse(&s, "in.csv", text, sizeof text - 3, &e),
                   PC_OK);
  assert_true(s.close[0] == 123);
  pc_series_fini(&s);
}

/* ---- Dates --------------------------------------------------------------- */

static void test_bad_dates(void **state) {
  (void)state;
  expect_fail("date,close\n2020-01-02,1\n2020-1-03,2\n",
              "in.csv:3: bad date '2020-1-03' (expected YYYY-MM-DD)");
  expect_fail("date,close\n2020/01/02,1\n",
              "in.csv:2: bad date '2020/01/02' (expected YYYY-MM-DD)");
  expect_fail("date,close\n 2020-01-02,1\n",
              "in.csv:2: bad date ' 2020-01-02' (expected YYYY-MM-DD)");
  expect_fail("date,close\n,1\n",
              "in.csv:2: missing date (expected YYYY-MM-DD)");
  expect_fail("date,close\n2020-02-30,1\n",
              "in.csv:2: date 2020-02-30 does not exist");
  expect_fail("date,close\n2019-02-29,1\n",
              "in.csv:2: date 2019-02-29 does not exist");
  expect_fail("date,close\n2020-13-01,1\n",
              "in.csv:2: date 2020-13-01 does not exist");
}

static void test_unsorted_and_duplicate_dates(void **state) {
  (void)state;
  expect_fail("date,close\n2020-01-02,1\n2020-01-06,1\n2020-01-03,1\n",
              "in.csv:4: date 2020-01-03 is not after the previous row's "
              "2020-01-06 (dates must be ascending)");
  expect_fail("date,close\n2020-01-02,1\n2020-01-03,1\n2020-01-03,2\n",
              "in.csv:4: duplicate date 2020-01-03 (also on line 3)");
}

/* ---- Numbers ------------------------------------------------------------- */

static void test_non_numeric(void **state) {
  (void)state;
  expect_fail("date,close\n2020-01-02,abc\n",
              "in.csv:2: column 'close': 'abc' is not a number");
  expect_fail("date,close\n2020-01-02,1.5x\n",
              "in.csv:2: column 'close': '1.5x' is not a number");
  expect_fail("date,close\n2020-01-02,1 5\n",
              "in.csv:2: column 'close': '1 5' is not a number");
  expect_fail("date,close\n2020-01-02,0x1p3\n",
              "in.csv:2: column 'close': '0x1p3' is not a number");
  expect_fail("date,close\n2020-01-02,1e\n",
              "in.csv:2: column 'close': '1e' is not a number");
  expect_fail("date,close\n2020-01-02,.\n",
              "in.csv:2: column 'close': '.' is not a number");
  expect_fail("date,close\n2020-01-02,na\n",
              "in.csv:2: column 'close': 'na' is not a number");
  expect_fail("date,close,vol\n2020-01-02,1,1,5\n",
              "in.csv:2: wrong column count: expected 3 fields, found 4");
  expect_fail("date,close,vol\n2020-01-02,1,1;5\n",
              "in.csv:2: column 'vol': '1;5' is not a number");
}

static void test_nonfinite_text(void **state) {
  (void)state;
  const char *words[] = {"nan", "NaN", "inf", "-INF", "+Infinity", "nan(1)"};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
    char text[64];
    char msg[256];
    snprintf(text, sizeof text, "date,close,x\n2020-01-02,1,%s\n", words[i]);
    snprintf(msg, sizeof msg,
             "in.csv:2: column 'x': '%s' is not a finite number (leave the "
             "cell empty or write NA for a missing value)",
             words[i]);
    expect_fail(text, msg);
  }
  expect_fail("date,close\n2020-01-02,1e999\n",
              "in.csv:2: column 'close': '1e999' is out of range");
  expect_fail("date,close,x\n2020-01-02,1,-1e400\n",
              "in.csv:2: column 'x': '-1e400' is out of range");
}

static void test_non_positive_close(void **state) {
  (void)state;
  expect_fail("date,close\n2020-01-02,1\n2020-01-03,-3.5\n",
              "in.csv:3: close must be positive, found -3.5");
  expect_fail("date,close\n2020-01-02, 0 \n",
              "in.csv:2: close must be positive, found 0");
  expect_fail("date,close\n2020-01-02,-0.0\n",
              "in.csv:2: close must be positive, found -0.0");
  /* Covariates may be negative or zero. */
  pc_series s;
  pc_error e = {{0}};
  assert_int_equal(parse(&s, "date,close,x\n2020-01-02,1,-0\n", &e), PC_OK);
  assert_true(s.cov[0] == 0);
  pc_series_fini(&s);
}

/* ---- Header and shape ---------------------------------------------------- */

static void test_missing_header(void **state) {
  (void)state;
  expect_fail("2020-01-02,1\n2020-01-03,2\n",
              "in.csv:1: missing header (the first line looks like data; "
              "expected 'date,close,...')");
}

static void test_wrong_header(void **state) {
  (void)state;
  expect_fail("Date,close\n2020-01-02,1\n",
              "in.csv:1: first column must be 'date', found 'Date'");
  expect_fail("date,price\n2020-01-02,1\n",
              "in.csv:1: second column must be 'close', found 'price'");
  expect_fail("date, close\n2020-01-02,1\n",
              "in.csv:1: second column must be 'close', found ' close'");
  expect_fail("date\n2020-01-02\n",
              "in.csv:1: header has only 1 column (expected 'date,close,...')");
  expect_fail("date,close,\n2020-01-02,1,2\n",
              "in.csv:1: column 3 has an empty name");
  expect_fail("date,close,a b\n2020-01-02,1,2\n",
              "in.csv:1: column 3 name 'a b' may only contain letters, "
              "digits, '_' and '.'");
  expect_fail("date,close,x,y,x,y\n",
              "in.csv:1: duplicate column name 'x' (columns 3 and 5)");
  expect_fail("date,close,y,x,x,y\n",
              "in.csv:1: duplicate column name 'x' (columns 4 and 5)");
  expect_fail("date,close,close\n",
              "in.csv:1: duplicate column name 'close' (columns 2 and 3)");
  expect_fail("date,close,v,date\n",
              "in.csv:1: duplicate column name 'date' (columns 1 and 4)");
}

static void test_wrong_column_count(void **state) {
  (void)state;
  expect_fail("date,close,a,b,c\n2020-01-02,1,2,3,4\n2020-01-03,1,2,3\n",
              "in.csv:3: wrong column count: expected 5 fields, found 4");
  expect_fail("date,close\n2020-01-02,1,2\n",
              "in.csv:2: wrong column count: expected 2 fields, found 3");
  expect_fail("date,close\n2020-01-02\n",
              "in.csv:2: wrong column count: expected 2 fields, found 1");
  expect_fail("date,close\n2020-01-02,1\n   \n",
              "in.csv:3: wrong column count: expected 2 fields, found 1");
}

static void test_empty_and_header_only(void **state) {
  (void)state;
  const char *empty = "in.csv:1: empty file (expected header 'date,close,...')";
  expect_fail("", empty);
  expect_fail("\xEF\xBB\xBF", empty);
  expect_fail("\n", empty);
  expect_fail("\r\n\n", empty);
  expect_refusal(NULL, 0, empty);
  expect_fail("date,close", "in.csv: no data rows");
  expect_fail("date,close,x\r\n", "in.csv: no data rows");
  expect_fail("date,close\n\n\n", "in.csv: no data rows");
}

static void test_blank_line_in_middle(void **state) {
  (void)state;
  const char *msg3 =
      "in.csv:3: empty line (only the end of the file may have empty lines)";
  expect_fail("date,close\n2020-01-02,1\n\n2020-01-03,2\n", msg3);
  expect_fail("date,close\r\n2020-01-02,1\r\n\r\n2020-01-03,2\r\n", msg3);
  expect_fail("\ndate,close\n2020-01-02,1\n",
              "in.csv:1: empty line (only the end of the file may have empty "
              "lines)");
}

static void test_quoted_fields(void **state) {
  (void)state;
  expect_fail("date,close\n2020-01-02,\"1,5\"\n",
              "in.csv:2: quoted fields are not supported");
  expect_fail("date,close,\"x\"\n2020-01-02,1,2\n",
              "in.csv:1: quoted fields are not supported");
}

static void test_name_defaults(void **state) {
  (void)state;
  pc_series s;
  pc_error e = {{0}};
  assert_int_equal(pc_series_parse(&s, NULL, "", 0, &e), PC_INPUT);
  assert_string_equal(
      e.msg, "<input>:1: empty file (expected header 'date,close,...')");
  /* A NULL error sink is allowed: only the status comes back. */
  assert_int_equal(pc_series_parse(&s, "x", "date", 4, NULL), PC_INPUT);
  assert_empty(&s);
}

/* ---- Look-ups ------------------------------------------------------------ */

static void test_lookups(void **state) {
  (void)state;
  const char *text = "date,close,a,b\n"
                     "2020-01-02,1,,\n"
                     "2020-01-03,2,,\n"
                     "2020-01-07,3,,\n";
  pc_series s;
  pc_error e = {{0}};
  assert_int_equal(parse(&s, text, &e), PC_OK);
  assert_int_equal(pc_series_rows_before(&s, day("2019-12-31")), 0);
  assert_int_equal(pc_series_rows_before(&s, day("2020-01-02")), 0);
  assert_int_equal(pc_series_rows_before(&s, day("2020-01-03")), 1);
  assert_int_equal(pc_series_rows_before(&s, day("2020-01-04")), 2);
  assert_int_equal(pc_series_rows_before(&s, day("2020-01-07")), 2);
  assert_int_equal(pc_series_rows_before(&s, day("2020-01-08")), 3);
  assert_int_equal(pc_series_rows_before(&s, PC_DATE_NONE), 0);
  assert_int_equal(pc_series_rows_before(&s, INT32_MAX), 3);
  assert_int_equal(pc_series_find(&s, day("2020-01-02")), 0);
  assert_int_equal(pc_series_find(&s, day("2020-01-07")), 2);
  assert_int_equal(pc_series_find(&s, day("2020-01-06")), -1);
  assert_int_equal(pc_series_find(&s, day("2020-01-01")), -1);
  assert_int_equal(pc_series_find(&s, day("2020-01-08")), -1);
  assert_int_equal(pc_series_cov_index(&s, "a"), 0);
  assert_int_equal(pc_series_cov_index(&s, "b"), 1);
  assert_int_equal(pc_series_cov_index(&s, "A"), -1);
  assert_int_equal(pc_series_cov_index(&s, "close"), -1);
  assert_int_equal(pc_series_cov_index(&s, ""), -1);
  assert_int_equal(pc_series_cov_index(&s, NULL), -1);
  pc_series_fini(&s);

  pc_series none;
  memset(&none, 0, sizeof none);
  assert_int_equal(pc_series_rows_before(&none, day("2020-01-02")), 0);
  assert_int_equal(pc_series_find(&none, day("2020-01-02")), -1);
  assert_int_equal(pc_series_cov_index(&none, "a"), -1);
}

/* ---- Scale --------------------------------------------------------------- */

/* Builds n rows "date,close,x" from 1970-01-01 on; close is i + 0.5. */
static char *million_rows(size_t n, size_t *len) {
  size_t cap = 32 + n * 40;
  char *text = malloc(cap);
  assert_non_null(text);
  size_t used = (size_t)snprintf(text, cap, "date,close,x\n");
  for (size_t i = 0; i < n; i++) {
    char iso[PC_DATE_STRLEN];
    pc_date_format((pc_date)i, iso);
    used += (size_t)snprintf(text + used, cap - used, "%s,%zu.5,%s\n", iso,
                             i + 1, i % 7 == 0 ? "NA" : "-1.25");
  }
  *len = used;
  return text;
}

static void test_million_rows(void **state) {
  (void)state;
  const size_t n = 1000000;
  size_t len = 0;
  char *text = million_rows(n, &len);
  pc_series s;
  pc_error e = {{0}};
  clock_t t0 = clock();
  pc_status st = pc_series_parse(&s, "big.csv", text, len, &e);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  print_message("parsed %zu rows (%zu bytes) in %.3f s\n", n, len, secs);
  assert_int_equal(st, PC_OK);
  assert_int_equal(s.n, n);
  assert_int_equal(s.date[n - 1], (pc_date)(n - 1));
  assert_true(s.close[n - 1] == (double)n + 0.5);
  assert_true(isnan(s.cov[n - 1])); /* 999999 is a multiple of 7 */
  assert_true(s.cov[n - 2] == -1.25);
  assert_int_equal(pc_series_find(&s, (pc_date)123456), 123456);
  /* Generous: catches quadratic behaviour, even under sanitizers. */
  assert_true(secs < 10.0);
  pc_series_fini(&s);
  free(text);
}

/* Text of head, then 1 MB of the character c, then tail. */
static char *long_line(const char *head, char c, const char *tail,
                       size_t *len) {
  size_t hn = strlen(head);
  size_t tn = strlen(tail);
  char *text = malloc(hn + MB + tn + 1);
  assert_non_null(text);
  memcpy(text, head, hn);
  memset(text + hn, c, MB);
  memcpy(text + hn + MB, tail, tn + 1);
  *len = hn + MB + tn;
  return text;
}

static void test_very_long_lines(void **state) {
  (void)state;
  size_t len = 0;
  char *text = long_line("date,close\n2020-01-02,", '9', "\n", &len);
  expect_refusal(text, len,
                 "in.csv:2: column 'close': "
                 "'9999999999999999999999999999999999999999...' is too long "
                 "for a number (1048576 characters)");
  free(text);

  text = long_line("date,close\n2020-01-02,", 'x', "\n", &len);
  expect_refusal(text, len,
                 "in.csv:2: column 'close': "
                 "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a "
                 "number");
  free(text);

  text = long_line("date,close\n", '2', ",1\n", &len);
  expect_refusal(text, len,
                 "in.csv:2: bad date "
                 "'2222222222222222222222222222222222222222...' "
                 "(expected YYYY-MM-DD)");
  free(text);

  text = long_line("date,close\n2020-01-02,1\n", ',', "\n", &len);
  expect_refusal(text, len,
                 "in.csv:3: wrong column count: expected 2 fields, found "
                 "1048577");
  free(text);
}

static void test_long_covariate_name_kept(void **state) {
  (void)state;
  size_t len = 0;
  char *text = long_line("date,close,", 'v', "\n2020-01-02,1,2\n", &len);
  pc_series s;
  pc_error e = {{0}};
  assert_int_equal(pc_series_parse(&s, "in.csv", text, len, &e), PC_OK);
  assert_int_equal(s.ncov, 1);
  assert_int_equal(strlen(s.cov_name[0]), MB);
  assert_true(s.cov[0] == 2);
  pc_series_fini(&s);
  free(text);
}

static void test_many_columns(void **state) {
  (void)state;
  /* 100000 covariates: uniqueness must not be checked pairwise. */
  const size_t k = 100000;
  char *text = malloc(32 + k * 16);
  assert_non_null(text);
  size_t used = (size_t)sprintf(text, "date,close");
  for (size_t i = 0; i < k; i++) {
    used += (size_t)sprintf(text + used, ",c%zu", i);
  }
  used += (size_t)sprintf(text + used, ",c99999\n");
  expect_refusal(text, used,
                 "in.csv:1: duplicate column name 'c99999' "
                 "(columns 100002 and 100003)");
  free(text);
}

/* ---- Files --------------------------------------------------------------- */

static void test_read_file(void **state) {
  (void)state;
  char path[] = "/tmp/test_series_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "wb");
  assert_non_null(f);
  fputs("date,close,v\r\n2020-01-02,7.25,NA\r\n2020-01-03,8,1\r\n", f);
  assert_int_equal(fclose(f), 0);
  pc_series s;
  pc_error e = {{0}};
  assert_int_equal(pc_series_read(&s, path, &e), PC_OK);
  assert_int_equal(s.n, 2);
  assert_true(s.close[0] == 7.25);
  assert_true(isnan(s.cov[0]));
  pc_series_fini(&s);

  f = fopen(path, "wb");
  assert_non_null(f);
  fputs("date,close\n2020-01-02,-1\n", f);
  assert_int_equal(fclose(f), 0);
  char msg[256];
  snprintf(msg, sizeof msg, "%s:2: close must be positive, found -1", path);
  assert_int_equal(pc_series_read(&s, path, &e), PC_INPUT);
  assert_string_equal(e.msg, msg);
  assert_empty(&s);
  unlink(path);
}

static void test_read_missing_file(void **state) {
  (void)state;
  pc_series s;
  pc_error e = {{0}};
  const char *path = "/nonexistent/pathcast/series.csv";
  char msg[256];
  snprintf(msg, sizeof msg, "%s: cannot open: %s", path, strerror(ENOENT));
  assert_int_equal(pc_series_read(&s, path, &e), PC_INPUT);
  assert_string_equal(e.msg, msg);
  assert_empty(&s);
}

/* A directory named as the data file is bad input (exit status 2), like a
 * missing file. */
static void test_read_directory(void **state) {
  (void)state;
  pc_series s;
  pc_error e = {{0}};
  char msg[256];
  snprintf(msg, sizeof msg, "/tmp: cannot read: %s", strerror(EISDIR));
  assert_int_equal(pc_series_read(&s, "/tmp", &e), PC_INPUT);
  assert_string_equal(e.msg, msg);
  assert_empty(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_file_with_covariates),
      cmocka_unit_test(test_no_covariates),
      cmocka_unit_test(test_bom_crlf_accepted),
      cmocka_unit_test(test_line_end_variants_accepted),
      cmocka_unit_test(test_text_is_not_nul_terminated),
      cmocka_unit_test(test_bad_dates),
      cmocka_unit_test(test_unsorted_and_duplicate_dates),
      cmocka_unit_test(test_non_numeric),
      cmocka_unit_test(test_nonfinite_text),
      cmocka_unit_test(test_non_positive_close),
      cmocka_unit_test(test_missing_header),
      cmocka_unit_test(test_wrong_header),
      cmocka_unit_test(test_wrong_column_count),
      cmocka_unit_test(test_empty_and_header_only),
      cmocka_unit_test(test_blank_line_in_middle),
      cmocka_unit_test(test_quoted_fields),
      cmocka_unit_test(test_name_defaults),
      cmocka_unit_test(test_lookups),
      cmocka_unit_test(test_million_rows),
      cmocka_unit_test(test_very_long_lines),
      cmocka_unit_test(test_long_covariate_name_kept),
      cmocka_unit_test(test_many_columns),
      cmocka_unit_test(test_read_file),
      cmocka_unit_test(test_read_missing_file),
      cmocka_unit_test(test_read_directory),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
