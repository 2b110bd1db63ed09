/* Unit tests for the HDF5 store (pathcast/store/store.h), without MPI.
 *
 * Every test gets its own temporary folder.  Round trips compare bytes, not
 * values, because the store promises that what comes back is exactly what
 * went in (NaN and -0.0 included).  Rewrites are detected by inode: a commit
 * renames a new file into place, so a file that was not rewritten keeps its
 * inode. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, truncate, st_mtim */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers above, as cmocka requires */

#include "test_filter.h"

#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pathcast/core/file.h"
#include "pathcast/core/log.h"
#include "pathcast/store/store.h"

#define PATHS 3
#define HORIZON 4

/* The folder a test works in: root is removed afterwards, dir (the store)
 * lies two levels below it so opening must create parents. */
typedef struct {
  char root[64];
  char dir[128];
  pc_store *store; /* the open store, closed by teardown if a test fails */
} fixture;

/* ---- the temporary folder ---------------------------------------------- */

static void remove_tree(const char *path) {
  struct stat sb;
  if (lstat(path, &sb) != 0) {
    return;
  }
  if (S_ISDIR(sb.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
        continue;
      }
      char child[4096];
      snprintf(child, sizeof child, "%s/%s", path, de->d_name);
      remove_tree(child);
    }
    if (d != NULL) {
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (f == NULL) {
    return -1;
  }
  snprintf(f->root, sizeof f->root, "/tmp/pc-test-store-XXXXXX");
  if (mkdtemp(f->root) == NULL) {
    free(f);
    return -1;
  }
  snprintf(f->dir, sizeof f->dir, "%s/stores/coffee", f->root);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  pc_store_close(f->store);
  remove_tree(f->root);
  free(f);
  return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static pc_date day(const char *iso) {
  pc_date d = PC_DATE_NONE;
  assert_true(pc_date_parse(iso, &d));
  return d;
}

static void path_in(const fixture *f, const char *rel, char *buf, size_t len) {
  int n = snprintf(buf, len, "%s/%s", f->dir, rel);
  assert_true(n > 0 && (size_t)n < len);
}

static int exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

static ino_t inode_of(const char *path) {
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  return sb.st_ino;
}

/* The whole file, malloc'd; *len receives its size. */
static unsigned char *read_bytes(const char *path, size_t *len) {
  FILE *in = fopen(path, "rb");
  assert_non_null(in);
  assert_int_equal(fseek(in, 0, SEEK_END), 0);
  long size = ftell(in);
  assert_true(size > 0);
  rewind(in);
  unsigned char *buf = malloc((size_t)size);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)size, in), (size_t)size);
  fclose(in);
  *len = (size_t)size;
  return buf;
}

static void create_file(const char *path) {
  FILE *out = fopen(path, "w");
  assert_non_null(out);
  fputs("left over by a killed run\n", out);
  assert_int_equal(fclose(out), 0);
}

/* Number of `*.partial` files anywhere below path. */
static size_t count_partials(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) {
    return 0;
  }
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t len = strlen(de->d_name);
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
      continue;
    }
    if (len >= 8 && strcmp(de->d_name + len - 8, ".partial") == 0) {
      n++;
    }
    char child[4096];
    snprintf(child, sizeof child, "%s/%s", path, de->d_name);
    n += count_partials(child);
  }
  closedir(d);
  return n;
}

static pc_store_info info_for(const char *commodity) {
  return (pc_store_info){
      .commodity = commodity, .job_id = "local", .seed = 42, .durable = 1};
}

static void close_store(fixture *f) {
  pc_store_close(f->store);
  f->store = NULL;
}

/* Opens the fixture's store (commodity NULL: no pc_store_info, as readers
 * do) in place of the one open before. */
static pc_store *open_store(fixture *f, pc_store_mode mode,
                            const char *commodity) {
  close_store(f);
  pc_store_info info = info_for(commodity);
  pc_error e = {{0}};
  pc_status st =
      pc_store_open(&f->store, f->dir, mode, commodity ? &info : NULL, &e);
  if (st != PC_OK) {
    fail_msg("pc_store_open: %s: %s", pc_strerror(st), e.msg);
  }
  return f->store;
}

static const pc_store_model rw60 = {"rw60", "random_walk", "v1.0",
                                    "type=random_walk lookback=60 seed=42",
                                    ""};

/* Fails with the status and message, at the caller's line. */
static void assert_ok_at(pc_status st, const pc_error *e, const char *file,
                         int line) {
  if (st != PC_OK) {
    fail_msg("%s:%d: %s: %s", file, line, pc_strerror(st), e->msg);
  }
}
#define assert_ok(st, e) assert_ok_at((st), (e), __FILE__, __LINE__)

/* ---- opening and the manifest ------------------------------------------ */

static void test_open_writer_creates_store(void **state) {
  fixture *f = *state;
  char lock[256], manifest[256];
  path_in(f, "LOCK", lock, sizeof lock);
  path_in(f, "pathcast.h5", manifest, sizeof manifest);
  assert_false(exists(f->dir));

  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  assert_true(exists(f->dir));
  assert_true(exists(lock));
  assert_false(exists(manifest)); /* nothing to record yet */
  assert_string_equal(pc_store_dir(s), f->dir);
  assert_string_equal(pc_store_commodity(s), "coffee");
  size_t len = 0;
  unsigned char *holder = read_bytes(lock, &len);
  assert_memory_equal(holder, "pid ", 4); /* who holds it, for messages */
  free(holder);

  pc_error e = {{0}};
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  assert_true(exists(manifest));
  close_store(f);

  pc_store *r = open_store(f, PC_STORE_READ, NULL);
  assert_string_equal(pc_store_commodity(r), "coffee");
  close_store(f);
  assert_int_equal(count_partials(f->root), 0);
}

static void test_open_read_missing_store(void **state) {
  fixture *f = *state;
  pc_store *s = NULL;
  pc_error e = {{0}};
  assert_int_equal(pc_store_open(&s, f->dir, PC_STORE_READ, NULL, &e),
                   PC_INPUT);
  assert_null(s);
  char want[256];
  snprintf(want, sizeof want, "%s: no such store", f->dir);
  assert_string_equal(e.msg, want);
  assert_false(exists(f->dir)); /* a reader creates nothing */
}

static void test_register_other_settings_refused(void **state) {
  fixture *f = *state;
  char manifest[256];
  path_in(f, "pathcast.h5", manifest, sizeof manifest);
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_error e = {{0}};
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  ino_t before = inode_of(manifest);
  /* the same registration again changes nothing on disk */
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  assert_int_equal(inode_of(manifest), before);

  pc_store_model other = rw60;
  other.settings = "type=random_walk lookback=120 seed=42";
  assert_int_equal(pc_store_register_model(s, &other, &e), PC_INPUT);
  assert_non_null(strstr(e.msg, "made with other settings"));
  assert_non_null(
      strstr(e.msg, "stored: type=random_walk lookback=60 seed=42"));
  assert_non_null(
      strstr(e.msg, "now:    type=random_walk lookback=120 seed=42"));
  assert_int_equal(inode_of(manifest), before);

  /* another version may have other settings */
  pc_store_model v2 = other;
  v2.version = "v2.0";
  assert_ok(pc_store_register_model(s, &v2, &e), &e);
  /* rw60 gets a result; v2.0 never does (every fit failed, say) */
  pc_record rec;
  pc_record_init(&rec);
  assert_ok(pc_record_add_scalar(&rec, PC_SECTION_PARAMS, "mu", 1.0), &e);
  pc_trained_meta meta = {day("2020-01-01"), day("2019-12-31"), 250};
  assert_ok(pc_store_write_trained(s, &rw60, &meta, &rec, &e), &e);
  pc_record_fini(&rec);
  close_store(f);

  /* the refusal survives reopening: it comes from the file */
  s = open_store(f, PC_STORE_WRITER, "coffee");
  assert_int_equal(pc_store_register_model(s, &other, &e), PC_INPUT);
  assert_non_null(strstr(e.msg, "made with other settings"));
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  /* but a version that holds no results locked nothing: other settings for
   * it are accepted */
  pc_store_model v2_again = rw60;
  v2_again.version = "v2.0";
  assert_ok(pc_store_register_model(s, &v2_again, &e), &e);
  close_store(f);
}

static void test_other_commodity_refused(void **state) {
  fixture *f = *state;
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_error e = {{0}};
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  close_store(f);

  pc_store_info cocoa = info_for("cocoa");
  s = NULL;
  assert_int_equal(pc_store_open(&s, f->dir, PC_STORE_WRITER, &cocoa, &e),
                   PC_INPUT);
  assert_null(s);
  char want[512];
  snprintf(want, sizeof want,
           "store %s holds commodity 'coffee', the job "
           "says 'cocoa'",
           f->dir);
  assert_string_equal(e.msg, want);
  /* the right commodity still opens */
  open_store(f, PC_STORE_WRITER, "coffee");
  close_store(f);
}

/* What a writer open in another process gives: fcntl locks belong to a
 * process, so only another process can find the store locked.  The child
 * reports through a pipe rather than its exit status, which valgrind may
 * replace. */
static pc_status writer_open_elsewhere(fixture *f, pc_error *e) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(NULL);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    close(fds[0]);
    pc_store_info info = info_for("coffee");
    pc_store *t = NULL;
    pc_error ce = {{0}};
    pc_status st = pc_store_open(&t, f->dir, PC_STORE_WRITER, &info, &ce);
    pc_store_close(t);
    pc_store_close(
        f->store); /* the parent's copy; its lock stays the parent's */
    ssize_t w1 = write(fds[1], &st, sizeof st);
    ssize_t w2 = write(fds[1], &ce, sizeof ce);
    _exit(w1 == (ssize_t)sizeof st && w2 == (ssize_t)sizeof ce ? 0 : 1);
  }
  close(fds[1]);
  pc_status st = PC_FATAL;
  assert_int_equal(read(fds[0], &st, sizeof st), (ssize_t)sizeof st);
  assert_int_equal(read(fds[0], e, sizeof *e), (ssize_t)sizeof *e);
  close(fds[0]);
  int status = 0;
  assert_int_equal(waitpid(child, &status, 0), child);
  return st;
}

static void test_second_writer_locked(void **state) {
  fixture *f = *state;
  open_store(f, PC_STORE_WRITER, "coffee");
  pc_error e = {{0}};
  assert_int_equal(writer_open_elsewhere(f, &e), PC_LOCKED);
  char want[256];
  snprintf(want, sizeof want,
           "store %s is in use by another writer (pid %ld "
           "on ",
           f->dir, (long)getpid());
  assert_memory_equal(e.msg, want, strlen(want));
  close_store(f);
  /* closing releases it */
  assert_int_equal(writer_open_elsewhere(f, &e), PC_OK);
}

/* ---- trained models ------------------------------------------------------ */

/* One field of every kind in each section, with awkward values: NaN, -0.0,
 * infinities, empty arrays, an empty string, every byte value. */
static void fill_record(pc_record *r) {
  const double f64[] = {1.5, -0.0, NAN, INFINITY, -INFINITY, 4.9e-324};
  const int64_t i64[] = {INT64_MIN, -1, 0, INT64_MAX};
  unsigned char bytes[256];
  for (int i = 0; i < 256; i++) {
    bytes[i] = (unsigned char)(255 - i);
  }
  const pc_section P = PC_SECTION_PARAMS, D = PC_SECTION_DIAGNOSTICS;
  assert_int_equal(pc_record_add_f64(r, P, "weights", f64, 6), PC_OK);
  assert_int_equal(pc_record_add_scalar(r, P, "mu", 0.000123), PC_OK);
  assert_int_equal(pc_record_add_int(r, P, "order", 3), PC_OK);
  assert_int_equal(pc_record_add_i64(r, P, "lags", i64, 4), PC_OK);
  assert_int_equal(pc_record_add_str(r, P, "method", "ols, then mle"), PC_OK);
  assert_int_equal(pc_record_add_bytes(r, P, "rng_state", bytes, 256), PC_OK);
  assert_int_equal(pc_record_add_f64(r, D, "residuals", f64 + 1, 4), PC_OK);
  assert_int_equal(pc_record_add_scalar(r, D, "loglik", -1234.5), PC_OK);
  assert_int_equal(pc_record_add_int(r, D, "iterations", -7), PC_OK);
  assert_int_equal(pc_record_add_str(r, D, "note", ""), PC_OK);
  assert_int_equal(pc_record_add_bytes(r, D, "flags", bytes + 250, 6), PC_OK);
  assert_int_equal(pc_record_add_f64(r, D, "empty", NULL, 0), PC_OK);
}

static size_t payload_bytes(const pc_field *fld) {
  return fld->kind == PC_FIELD_F64 || fld->kind == PC_FIELD_I64 ? fld->len * 8
                                                                : fld->len;
}

static void assert_records_equal(const pc_record *want, const pc_record *got) {
  assert_int_equal(got->n, want->n);
  for (size_t i = 0; i < want->n; i++) {
    const pc_field *w = &want->fields[i];
    const pc_field *g = pc_record_get(got, w->name);
    if (g == NULL) {
      fail_msg("field %s did not come back", w->name);
    }
    assert_int_equal(g->kind, w->kind);
    assert_int_equal(g->section, w->section);
    assert_int_equal(g->scalar, w->scalar);
    assert_int_equal(g->len, w->len);
    assert_memory_equal(g->data, w->data, payload_bytes(w));
    if (w->kind == PC_FIELD_STR) {
      assert_string_equal(g->data, w->data); /* and NUL-terminated */
    }
  }
}

static void write_trained(pc_store *s, const char *training, const char *cutoff,
                          int64_t n_obs, const pc_record *rec) {
  pc_trained_meta meta = {day(training), day(cutoff), n_obs};
  pc_error e = {{0}};
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  assert_ok(pc_store_write_trained(s, &rw60, &meta, rec, &e), &e);
}

static void test_trained_round_trip(void **state) {
  fixture *f = *state;
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_error e = {{0}};
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  pc_record rec;
  pc_record_init(&rec);
  fill_record(&rec);
  write_trained(s, "2020-01-01", "2019-12-31", 250, &rec);
  write_trained(s, "2019-07-01", "2019-06-28", 120, &rec); /* listed first */

  pc_date *dates = NULL;
  size_t n = 0;
  assert_ok(pc_store_trained_dates(s, "rw60", "v1.0", &dates, &n, &e), &e);
  assert_int_equal(n, 2);
  assert_int_equal(dates[0], day("2019-07-01"));
  assert_int_equal(dates[1], day("2020-01-01"));
  free(dates);
  close_store(f);

  /* read back through a reader, as `pathcast models` would */
  pc_store *r = open_store(f, PC_STORE_READ, NULL);
  pc_trained_meta meta;
  memset(&meta, 0, sizeof meta);
  pc_record got;
  pc_record_init(&got);
  assert_ok(pc_store_read_trained(r, "rw60", "v1.0", day("2020-01-01"), &meta,
                                  &got, &e),
            &e);
  assert_int_equal(meta.training_date, day("2020-01-01"));
  assert_int_equal(meta.data_cutoff, day("2019-12-31"));
  assert_int_equal(meta.n_obs, 250);
  assert_records_equal(&rec, &got);
  pc_record_fini(&got);
  pc_record_fini(&rec);

  /* a date never trained is an error, not an empty model */
  pc_record none;
  pc_record_init(&none);
  assert_int_equal(pc_store_read_trained(r, "rw60", "v1.0", day("2020-02-03"),
                                         &meta, &none, &e),
                   PC_IO);
  assert_non_null(strstr(e.msg, "rw60/v1.0/trained/2020-02-03.h5: no such "
                                "trained model"));
  pc_record_fini(&none);
  /* and a model never trained has no dates */
  assert_ok(pc_store_trained_dates(r, "naive", "v1.0", &dates, &n, &e), &e);
  assert_int_equal(n, 0);
  free(dates);
  close_store(f);
  assert_int_equal(count_partials(f->root), 0);
}

/* ---- forecast partitions ------------------------------------------------ */

/* Fills forecast i with values that depend only on its date, so a forecast
 * moved by sorting can be recognised, and that include NaN and -0.0. */
static void fill_forecast(pc_partition *p, size_t i, pc_date d) {
  p->date[i] = d;
  p->cutoff[i] = d - 1;
  p->training[i] = day("2020-01-01");
  p->leak[i] = (uint8_t)(d % 2);
  for (int k = 0; k < p->horizon; k++) {
    p->day[i * (size_t)p->horizon + (size_t)k] = d + k;
  }
  float *v = pc_partition_values(p, i);
  for (int j = 0; j < p->paths * p->horizon; j++) {
    v[j] = (float)d + 0.25f * (float)j;
  }
  v[1] = NAN;
  v[2] = -0.0f;
}

static void build_partition(pc_partition *p, const char *const *dates,
                            size_t n) {
  pc_partition_init(p, PATHS, HORIZON);
  for (size_t i = 0; i < n; i++) {
    size_t at = 0;
    assert_int_equal(pc_partition_append(p, &at), PC_OK);
    assert_int_equal(at, i);
    fill_forecast(p, at, day(dates[i]));
  }
}

static void assert_partitions_equal(const pc_partition *want,
                                    const pc_partition *got, int dates_only) {
  size_t n = want->n, h = (size_t)want->horizon;
  assert_int_equal(got->n, n);
  assert_int_equal(got->paths, want->paths);
  assert_int_equal(got->horizon, want->horizon);
  assert_memory_equal(got->date, want->date, n * sizeof *want->date);
  if (dates_only) {
    return;
  }
  assert_memory_equal(got->cutoff, want->cutoff, n * sizeof *want->cutoff);
  assert_memory_equal(got->training, want->training,
                      n * sizeof *want->training);
  assert_memory_equal(got->leak, want->leak, n * sizeof *want->leak);
  assert_memory_equal(got->day, want->day, n * h * sizeof *want->day);
  assert_memory_equal(got->values, want->values,
                      n * h * (size_t)want->paths * sizeof *want->values);
}

static const char *const march_unsorted[] = {"2020-03-10", "2020-03-02",
                                             "2020-03-05"};
static const char *const march_sorted[] = {"2020-03-02", "2020-03-05",
                                           "2020-03-10"};

/* The March 2020 partition, appended out of order and sorted. */
static void march_partition(pc_partition *p) {
  build_partition(p, march_unsorted, 3);
  pc_partition_sort(p);
}

static int32_t march(void) { return pc_date_month_index(day("2020-03-01")); }

/* As a run does: a result is only ever written with its manifest entry. */
static void write_partition(pc_store *s, const pc_partition *p) {
  pc_error e = {{0}};
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  assert_ok(pc_store_write_partition(s, &rw60, march(), p, &e), &e);
}

static void partition_file(const fixture *f, char *buf, size_t len) {
  path_in(f, "rw60/v1.0/forecasts/2020-03.h5", buf, len);
}

static void test_partition_sort(void **state) {
  (void)state;
  pc_partition got, want;
  march_partition(&got);
  build_partition(&want, march_sorted, 3);
  assert_partitions_equal(&want, &got, 0);
  pc_partition_fini(&got);
  pc_partition_fini(&want);
}

static void test_partition_round_trip(void **state) {
  fixture *f = *state;
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_partition p;
  march_partition(&p);
  write_partition(s, &p);
  close_store(f);

  pc_error e = {{0}};
  pc_store *r = open_store(f, PC_STORE_READ, NULL);
  pc_partition full, dates;
  pc_partition_init(&full, PATHS, HORIZON);
  pc_partition_init(&dates, PATHS, HORIZON);
  assert_ok(pc_store_read_partition(r, "rw60", "v1.0", march(), &full, 0, &e),
            &e);
  assert_partitions_equal(&p, &full, 0);
  assert_ok(pc_store_read_partition(r, "rw60", "v1.0", march(), &dates, 1, &e),
            &e);
  assert_partitions_equal(&p, &dates, 1);

  int32_t *months = NULL;
  size_t n = 0;
  assert_ok(pc_store_forecast_months(r, "rw60", "v1.0", &months, &n, &e), &e);
  assert_int_equal(n, 1);
  assert_int_equal(months[0], march());
  free(months);
  close_store(f);
  pc_partition_fini(&p);
  pc_partition_fini(&full);
  pc_partition_fini(&dates);
  assert_int_equal(count_partials(f->root), 0);
}

/* The same partition gives the same bytes: reruns and different rank counts
 * must produce identical stores. */
static void test_partition_write_deterministic(void **state) {
  fixture *f = *state;
  char path[256];
  partition_file(f, path, sizeof path);
  pc_partition p;
  march_partition(&p);

  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_error e;
  /* As a run does: results only ever exist with their manifest entry. */
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  write_partition(s, &p);
  size_t len1 = 0, len2 = 0, len3 = 0;
  unsigned char *first = read_bytes(path, &len1);
  ino_t ino = inode_of(path);
  write_partition(s, &p);
  assert_true(inode_of(path) != ino); /* really written again */
  unsigned char *second = read_bytes(path, &len2);
  close_store(f);

  /* and again from a fresh open, as the next run would */
  s = open_store(f, PC_STORE_WRITER, "coffee");
  write_partition(s, &p);
  unsigned char *third = read_bytes(path, &len3);
  close_store(f);

  assert_int_equal(len2, len1);
  assert_memory_equal(second, first, len1);
  assert_int_equal(len3, len1);
  assert_memory_equal(third, first, len1);
  free(first);
  free(second);
  free(third);
  pc_partition_fini(&p);
}

static void test_partition_shape_mismatch(void **state) {
  fixture *f = *state;
  char path[256];
  partition_file(f, path, sizeof path);
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_partition p;
  march_partition(&p);
  write_partition(s, &p);
  pc_partition_fini(&p);

  const int shapes[][2] = {
      {PATHS + 1, HORIZON}, {PATHS, HORIZON + 1}, {PATHS, HORIZON - 1}};
  for (size_t i = 0; i < 3; i++) {
    pc_partition q;
    pc_partition_init(&q, shapes[i][0], shapes[i][1]);
    pc_error e = {{0}};
    assert_int_equal(
        pc_store_read_partition(s, "rw60", "v1.0", march(), &q, 0, &e),
        PC_DAMAGED);
    assert_int_equal(q.n, 0);
    char want[512];
    snprintf(want, sizeof want,
             "%s: its paths or horizon differ from the job's", path);
    assert_string_equal(e.msg, want);
    pc_partition_fini(&q);
  }
  close_store(f);
}

static void test_partition_missing(void **state) {
  fixture *f = *state;
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_partition p;
  march_partition(&p);
  write_partition(s, &p);
  pc_partition_fini(&p);

  pc_partition q;
  pc_partition_init(&q, PATHS, HORIZON);
  pc_error e = {{0}};
  /* another month of the same model, and a model never written */
  assert_ok(pc_store_read_partition(s, "rw60", "v1.0", march() + 1, &q, 0, &e),
            &e);
  assert_int_equal(q.n, 0);
  assert_ok(pc_store_read_partition(s, "naive", "v1.0", march(), &q, 1, &e),
            &e);
  assert_int_equal(q.n, 0);
  int32_t *months = NULL;
  size_t n = 7;
  assert_ok(pc_store_forecast_months(s, "naive", "v1.0", &months, &n, &e), &e);
  assert_int_equal(n, 0);
  free(months);
  pc_partition_fini(&q);
  close_store(f);
}

static void test_partition_truncated(void **state) {
  fixture *f = *state;
  char path[256];
  partition_file(f, path, sizeof path);
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_partition p;
  march_partition(&p);
  write_partition(s, &p);
  pc_partition_fini(&p);
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(truncate(path, sb.st_size / 2), 0);

  pc_partition q;
  pc_partition_init(&q, PATHS, HORIZON);
  pc_error e = {{0}};
  assert_int_equal(
      pc_store_read_partition(s, "rw60", "v1.0", march(), &q, 0, &e),
      PC_DAMAGED);
  assert_int_equal(q.n, 0);
  assert_non_null(strstr(e.msg, path));
  assert_non_null(strstr(e.msg, "it is truncated"));
  pc_partition_fini(&q);
  close_store(f);
}

/* ---- the observed series ----------------------------------------------- */

static void parse_series(pc_series *series, const char *text) {
  pc_error e = {{0}};
  assert_ok(pc_series_parse(series, "test.csv", text, strlen(text), &e), &e);
}

static const char series_text[] = "date,close,volume,fx.eur_usd\n"
                                  "2020-01-02,101.25,1200,1.5\n"
                                  "2020-01-03,NA,,-0.25\n"
                                  "2020-01-06,99.5,3e2,NA\n"
                                  "2020-01-07,100.125,-0,7\n";

static void assert_series_equal(const pc_series *want, const pc_series *got) {
  assert_int_equal(got->n, want->n);
  assert_int_equal(got->ncov, want->ncov);
  for (size_t j = 0; j < want->ncov; j++) {
    assert_string_equal(got->cov_name[j], want->cov_name[j]);
  }
  /* bitwise, so missing (NaN) must come back as the same NaN */
  assert_memory_equal(got->date, want->date, want->n * sizeof *want->date);
  assert_memory_equal(got->close, want->close, want->n * sizeof *want->close);
  assert_memory_equal(got->cov, want->cov,
                      want->n * want->ncov * sizeof *want->cov);
}

static void test_series_round_trip(void **state) {
  fixture *f = *state;
  pc_series in, out;
  parse_series(&in, series_text);
  assert_true(isnan(in.close[1]));
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_error e = {{0}};
  assert_ok(pc_store_sync_series(s, &in, "data/coffee.csv", &e), &e);
  close_store(f);

  pc_store *r = open_store(f, PC_STORE_READ, NULL);
  assert_ok(pc_store_read_series(r, &out, &e), &e);
  assert_series_equal(&in, &out);
  pc_series_fini(&out);
  pc_series_fini(&in);
  close_store(f);
  assert_int_equal(count_partials(f->root), 0);
}

/* Unchanged data must not touch the file (a daily run on the same data leaves
 * the store byte for byte as it was); changed data must replace it. */
static void test_series_sync_rewrites_only_changes(void **state) {
  fixture *f = *state;
  char path[256];
  path_in(f, "series.h5", path, sizeof path);
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_series a, same, changed, renamed, got;
  parse_series(&a, series_text);
  parse_series(&same, series_text);
  pc_error e = {{0}};
  assert_ok(pc_store_sync_series(s, &a, "data/coffee.csv", &e), &e);
  struct stat before, after;
  assert_int_equal(stat(path, &before), 0);
  size_t len1 = 0, len2 = 0;
  unsigned char *bytes1 = read_bytes(path, &len1);

  assert_ok(pc_store_sync_series(s, &same, "other/source.csv", &e), &e);
  assert_int_equal(stat(path, &after), 0);
  assert_int_equal(after.st_ino, before.st_ino);
  assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  unsigned char *bytes2 = read_bytes(path, &len2);
  assert_int_equal(len2, len1);
  assert_memory_equal(bytes2, bytes1, len1);
  free(bytes1);
  free(bytes2);

  /* one close changed */
  char text[sizeof series_text];
  memcpy(text, series_text, sizeof text);
  memcpy(strstr(text, "99.5"), "99.6", 4);
  parse_series(&changed, text);
  assert_ok(pc_store_sync_series(s, &changed, "data/coffee.csv", &e), &e);
  ino_t ino = inode_of(path);
  assert_true(ino != before.st_ino);
  assert_ok(pc_store_read_series(s, &got, &e), &e);
  assert_series_equal(&changed, &got);
  pc_series_fini(&got);

  /* only a covariate's name changed */
  memcpy(text, series_text, sizeof text);
  memcpy(strstr(text, "volume"), "volumf", 6);
  parse_series(&renamed, text);
  assert_ok(pc_store_sync_series(s, &renamed, "data/coffee.csv", &e), &e);
  assert_true(inode_of(path) != ino);
  assert_ok(pc_store_read_series(s, &got, &e), &e);
  assert_series_equal(&renamed, &got);
  pc_series_fini(&got);

  pc_series_fini(&a);
  pc_series_fini(&same);
  pc_series_fini(&changed);
  pc_series_fini(&renamed);
  close_store(f);
  assert_int_equal(count_partials(f->root), 0);
}

/* ---- failures ------------------------------------------------------------ */

static void failure_list(pc_failure list[3]) {
  memset(list, 0, 3 * sizeof *list);
  list[0] = (pc_failure){.kind = PC_FAIL_TRAIN, .date = day("2020-01-01")};
  snprintf(list[0].model, sizeof list[0].model, "rw60");
  snprintf(list[0].version, sizeof list[0].version, "v1.0");
  snprintf(list[0].reason, sizeof list[0].reason,
           "too little data: 12 observations before 2020-01-01");
  list[1] = (pc_failure){.kind = PC_FAIL_FORECAST, .date = day("2020-03-02")};
  snprintf(list[1].model, sizeof list[1].model, "naive");
  snprintf(list[1].version, sizeof list[1].version, "v1.0");
  snprintf(list[1].reason, sizeof list[1].reason, "stale data: 9 trading days");
  list[2] = (pc_failure){.kind = PC_FAIL_FORECAST, .date = day("2020-03-03")};
  snprintf(list[2].model, sizeof list[2].model, "rw60");
  snprintf(list[2].version, sizeof list[2].version, "v2.0-beta");
  memset(list[2].reason, 'x', sizeof list[2].reason - 1); /* the longest */
}

static void assert_failures_equal(const pc_failure *want, const pc_failure *got,
                                  size_t n) {
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(got[i].kind, want[i].kind);
    assert_string_equal(got[i].model, want[i].model);
    assert_string_equal(got[i].version, want[i].version);
    assert_int_equal(got[i].date, want[i].date);
    assert_string_equal(got[i].reason, want[i].reason);
  }
}

static void test_failures_round_trip(void **state) {
  fixture *f = *state;
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_failure list[3];
  failure_list(list);
  pc_error e = {{0}};
  pc_failure *got = NULL;
  size_t n = 9;
  /* none recorded yet */
  assert_ok(pc_store_read_failures(s, &got, &n, &e), &e);
  assert_int_equal(n, 0);
  free(got);

  assert_ok(pc_store_write_failures(s, list, 3, &e), &e);
  assert_ok(pc_store_read_failures(s, &got, &n, &e), &e);
  assert_int_equal(n, 3);
  assert_failures_equal(list, got, 3);
  free(got);
  close_store(f);
  assert_int_equal(count_partials(f->root), 0);
}

/* A run with no failures replaces the list with an empty one. */
static void test_failures_empty(void **state) {
  fixture *f = *state;
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_failure list[3];
  failure_list(list);
  pc_error e = {{0}};
  assert_ok(pc_store_write_failures(s, list, 3, &e), &e);
  assert_ok(pc_store_write_failures(s, list, 0, &e), &e);
  pc_failure *got = NULL;
  size_t n = 9;
  assert_ok(pc_store_read_failures(s, &got, &n, &e), &e);
  assert_int_equal(n, 0);
  free(got);
  close_store(f);
}

/* ---- leftovers of killed runs ------------------------------------------ */

static void test_leftover_partial_removed(void **state) {
  fixture *f = *state;
  char top[256], nested[256], kept[256], folder[256];
  path_in(f, "rw60/v1.0/forecasts", folder, sizeof folder);
  assert_int_equal(pc_mkdirs(folder), 0);
  path_in(f, "x.h5.partial", top, sizeof top);
  path_in(f, "rw60/v1.0/forecasts/2020-03.h5.partial", nested, sizeof nested);
  path_in(f, "rw60/v1.0/forecasts/notes.txt", kept, sizeof kept);
  create_file(top);
  create_file(nested);
  create_file(kept);

  /* a reader leaves them: a writer may be producing them right now */
  open_store(f, PC_STORE_READ, NULL);
  close_store(f);
  assert_true(exists(top));
  assert_true(exists(nested));

  open_store(f, PC_STORE_WRITER, "coffee");
  assert_false(exists(top));
  assert_false(exists(nested));
  assert_true(exists(kept));
  close_store(f);
}

/* Every kind of write, then not one .partial anywhere. */
static void test_no_partials_after_writes(void **state) {
  fixture *f = *state;
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_error e = {{0}};
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  pc_record rec;
  pc_record_init(&rec);
  fill_record(&rec);
  write_trained(s, "2020-01-01", "2019-12-31", 250, &rec);
  pc_record_fini(&rec);
  pc_partition p;
  march_partition(&p);
  write_partition(s, &p);
  write_partition(s, &p);
  pc_partition_fini(&p);
  pc_series series;
  parse_series(&series, series_text);
  assert_ok(pc_store_sync_series(s, &series, "data/coffee.csv", &e), &e);
  pc_series_fini(&series);
  pc_failure list[3];
  failure_list(list);
  assert_ok(pc_store_write_failures(s, list, 3, &e), &e);
  close_store(f);
  assert_int_equal(count_partials(f->root), 0);
}

/* ---- write-behind ------------------------------------------------------ */

/* Month k (0 = 2020-01) of rw60: a partition of one date, its 2nd. */
static void write_month(pc_store *s, int k) {
  char iso[24]; /* room for any int, so the compiler sees no truncation */
  snprintf(iso, sizeof iso, "%04d-%02d-02", 2020 + k / 12, 1 + k % 12);
  const char *const dates[] = {iso};
  pc_partition p;
  build_partition(&p, dates, 1);
  pc_error e = {{0}};
  assert_ok(pc_store_write_partition(s, &rw60, pc_date_month_index(day(iso)),
                                     &p, &e),
            &e);
  pc_partition_fini(&p);
}

static int month_file_exists(const fixture *f, int k) {
  char rel[64], path[4096];
  snprintf(rel, sizeof rel, "rw60/v1.0/forecasts/%04d-%02d.h5", 2020 + k / 12,
           1 + k % 12);
  path_in(f, rel, path, sizeof path);
  return exists(path);
}

/* The fixture's store as a durable writer of rw60 with write-behind on,
 * month 0 already committed behind. */
static pc_store *behind_store(fixture *f) {
  pc_store *s = open_store(f, PC_STORE_WRITER, "coffee");
  pc_error e = {{0}};
  assert_ok(pc_store_register_model(s, &rw60, &e), &e);
  pc_store_set_write_behind(s, 1);
  write_month(s, 0);
  return s;
}

/* A durable store with write-behind on: a committed file waits as its
 * .partial, reading it brings it into place first, a full batch goes to
 * the flusher thread, and pc_store_flush leaves every file in place and no
 * partial behind. */
static void test_write_behind(void **state) {
  fixture *f = *state;
  pc_store *s = behind_store(f);
  pc_error e = {{0}};
  assert_false(month_file_exists(f, 0));
  assert_int_equal(count_partials(f->root), 1);

  pc_partition got;
  pc_partition_init(&got, PATHS, HORIZON);
  assert_ok(pc_store_read_partition(s, "rw60", "v1.0",
                                    pc_date_month_index(day("2020-01-02")),
                                    &got, 0, &e),
            &e);
  assert_int_equal(got.n, 1);
  pc_partition_fini(&got);
  assert_true(month_file_exists(f, 0));
  assert_int_equal(count_partials(f->root), 0);

  for (int k = 1; k <= 20; k++) { /* a batch of 16 handed off, 4 waiting */
    write_month(s, k);
  }
  assert_ok(pc_store_flush(s, &e), &e);
  for (int k = 0; k <= 20; k++) {
    assert_true(month_file_exists(f, k));
  }
  assert_int_equal(count_partials(f->root), 0);

  /* Closing commits what is still in flight. */
  write_month(s, 21);
  write_month(s, 22);
  close_store(f);
  assert_true(month_file_exists(f, 21) && month_file_exists(f, 22));
  assert_int_equal(count_partials(f->root), 0);
}

/* When units are slow (a commit a second or more after the previous one),
 * the batch goes to the flusher at once, however few files it holds, so a
 * finished unit does not wait for the next; quick commits still gather.
 * The flusher is asynchronous: files are awaited (up to 5 s), not expected
 * at once. */
static int await_month(const fixture *f, int k) {
  struct timespec tick = {0, 10000000};
  for (int i = 0; i < 500 && !month_file_exists(f, k); i++) {
    nanosleep(&tick, NULL);
  }
  return month_file_exists(f, k);
}

static void test_write_behind_slow_units(void **state) {
  fixture *f = *state;
  pc_store *s = behind_store(f);
  pc_error e = {{0}};
  struct timespec slow = {1, 200000000};
  nanosleep(&slow, NULL);
  write_month(s, 1);
  assert_true(await_month(f, 0));
  assert_true(await_month(f, 1));
  /* Two quick commits: the second is gathered, not yet in place (the
   * first may have gone at once if awaiting the files took a second). */
  write_month(s, 2);
  write_month(s, 3);
  assert_false(month_file_exists(f, 3));
  assert_ok(pc_store_flush(s, &e), &e);
  assert_true(month_file_exists(f, 2) && month_file_exists(f, 3));
  close_store(f);
}

/* fsync = no: nothing waits for the disk, so write-behind does nothing and
 * a file is in place as soon as it is committed. */
static void test_write_behind_needs_durable(void **state) {
  fixture *f = *state;
  pc_store_info info = info_for("coffee");
  info.durable = 0;
  pc_error e = {{0}};
  assert_ok(pc_store_open(&f->store, f->dir, PC_STORE_WRITER, &info, &e), &e);
  assert_ok(pc_store_register_model(f->store, &rw60, &e), &e);
  pc_store_set_write_behind(f->store, 1);
  write_month(f->store, 0);
  assert_true(month_file_exists(f, 0));
  assert_int_equal(count_partials(f->root), 0);
  close_store(f);
}

#define STORE_TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void) {
  /* Expected failures (missing files, damaged files) would otherwise print
   * HDF5 error stacks all over the test output. */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  const struct CMUnitTest tests[] = {
      STORE_TEST(test_open_writer_creates_store),
      STORE_TEST(test_open_read_missing_store),
      STORE_TEST(test_register_other_settings_refused),
      STORE_TEST(test_other_commodity_refused),
      STORE_TEST(test_second_writer_locked),
      STORE_TEST(test_trained_round_trip),
      STORE_TEST(test_partition_sort),
      STORE_TEST(test_write_behind),
      STORE_TEST(test_write_behind_slow_units),
      STORE_TEST(test_write_behind_needs_durable),
      STORE_TEST(test_partition_round_trip),
      STORE_TEST(test_partition_write_deterministic),
      STORE_TEST(test_partition_shape_mismatch),
      STORE_TEST(test_partition_missing),
      STORE_TEST(test_partition_truncated),
      STORE_TEST(test_series_round_trip),
      STORE_TEST(test_series_sync_rewrites_only_changes),
      STORE_TEST(test_failures_round_trip),
      STORE_TEST(test_failures_empty),
      STORE_TEST(test_leftover_partial_removed),
      STORE_TEST(test_no_partials_after_writes),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
