/* The observed series (series.h5) and the recorded failures (failures.h5):
 * small files of the whole store, each under a content checksum.
 *
 * series.h5 is the store's copy of the actuals: evaluate and report score
 * against it rather than against whatever data file a later job names, so
 * scores are reproducible from the store alone. failures.h5 is the failure
 * record kept by the driver (src/driver/failures.c). Both are whole-store files
 * written by rank 0 only, under the writer lock, with the same container and
 * commit as every other file (store_file.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5io.h"
#include "store_internal.h"

/* Dates, closes, covariate names (each with its NUL) and values. */
/* The content checksum covers every value a reader uses, in a fixed order;
 * names include their NUL so ("ab", "c") and ("a", "bc") differ. Changing the
 * order or the fields changes the checksum of every stored series, which would
 * then read as damaged: it is part of the file format. */
static uint64_t series_checksum(const pc_series *s) {
  uint64_t c =
      pc_checksum_add(pc_checksum_seed, s->date, s->n * sizeof *s->date);
  c = pc_checksum_add(c, s->close, s->n * sizeof *s->close);
  for (size_t j = 0; j < s->ncov; j++) {
    c = pc_checksum_add(c, s->cov_name[j], strlen(s->cov_name[j]) + 1);
  }
  return pc_checksum_add(c, s->cov, s->n * s->ncov * sizeof *s->cov);
}

/* Kinds, dates, models, versions and reasons of every failure. */
/* The kind is hashed as one byte, as it is stored, so the checksum does not
 * depend on the enum's size in the compiler's ABI. */
static uint64_t failures_checksum(const pc_failure *list, size_t n) {
  uint64_t c = pc_checksum_seed;
  for (size_t i = 0; i < n; i++) {
    uint8_t kind = (uint8_t)list[i].kind;
    c = pc_checksum_add(c, &kind, 1);
    c = pc_checksum_add(c, &list[i].date, sizeof list[i].date);
    c = pc_checksum_add(c, list[i].model, strlen(list[i].model) + 1);
    c = pc_checksum_add(c, list[i].version, strlen(list[i].version) + 1);
    c = pc_checksum_add(c, list[i].reason, strlen(list[i].reason) + 1);
  }
  return c;
}

static pc_status read_series(pc_store *s, pc_series *series, int *legacy,
                             pc_error *e);

/* Equality is bitwise because the question is whether the file would change,
 * not whether the numbers are close: a revised close, however small, must reach
 * the stored actuals so that evaluate rescores the forecasts it touches. */
static int series_equal(const pc_series *a, const pc_series *b) {
  if (a->n != b->n || a->ncov != b->ncov) {
    return 0;
  }
  for (size_t j = 0; j < a->ncov; j++) {
    if (strcmp(a->cov_name[j], b->cov_name[j]) != 0) {
      return 0;
    }
  }
  /* Bitwise, so NAN (missing) compares equal to NAN. */
  return memcmp(a->date, b->date, a->n * sizeof *a->date) == 0 &&
         memcmp(a->close, b->close, a->n * sizeof *a->close) == 0 &&
         memcmp(a->cov, b->cov, a->n * a->ncov * sizeof *a->cov) == 0;
}

/* source is the data file's path as the job named it, kept for people reading
 * the file; it is not part of the checksum, so moving the data file does not
 * make the series read as damaged. It is written only when the series changes
 * (pc_store_sync_series). */
static pc_status write_series(pc_store *s, const pc_series *series,
                              const char *source, pc_error *e) {
  char path[PATH_LEN];
  pc_store_path(s, path, "series.h5");
  hid_t f = pc_store_file_create(0);
  if (f < 0) {
    return pc_error_set(e, PC_IO, "%s: cannot create the file", path);
  }
  int ok = pc_store_write_identity(s, f,
                                   "the observed series (actuals) as of the "
                                   "last run") == 0;
  ok = ok && pc_h5_attr_str(f, "source", source) == 0;
  ok = ok && pc_h5_write_dates(f, "date", series->date, series->n, 0,
                               "observation date") == 0;
  ok = ok && pc_h5_write_f64(f, "close", series->close, series->n,
                             "closing price; NaN where missing",
                             "as in the data file") == 0;
  ok = ok && pc_h5_write_strings(f, "covariate_name",
                                 (const char *const *)series->cov_name,
                                 series->ncov, "covariate columns") == 0;
  ok = ok && pc_h5_write_2d_f64(f, "covariate", series->cov, series->n,
                                series->ncov, "covariates [date, column]; "
                                "NaN where missing") == 0;
  ok = ok && pc_h5_attr_u64(f, "checksum", series_checksum(series)) == 0;
  return pc_store_file_commit(s, f, ok, path, e);
}

/* Called by rank 0 at the start of a writer run, after the lock is taken. Not
 * writing an unchanged series is what makes a run with nothing to do leave
 * every byte of the store (and every file's time stamp) as it was. */
pc_status pc_store_sync_series(pc_store *s, const pc_series *series,
                               const char *source, pc_error *e) {
  pc_series stored;
  pc_error ignored;
  int legacy = 0;
  /* A damaged copy reads as different and is replaced; one written before
   * files had checksums is rewritten once to get one. */
  if (read_series(s, &stored, &legacy, &ignored) == PC_OK) {
    int same = series_equal(&stored, series);
    pc_series_fini(&stored);
    if (same && !legacy) {
      return PC_OK; /* unchanged data: not a byte of the store changes */
    }
  }
  return write_series(s, series, source, e);
}

/* Every length is checked against the dates' before any value is used: a file
 * whose arrays disagree is damaged, and the caller reports it as such. On
 * failure out may hold partial arrays, which the caller frees with
 * pc_series_fini. */
static int read_series_file(hid_t f, pc_series *out) {
  size_t n2 = 0, nc = 0;
  hsize_t dims[2] = {0, 0};
  int ok = pc_h5_read_dates(f, "date", &out->date, &out->n, NULL) == 0 &&
           pc_h5_read_f64(f, "close", &out->close, &n2) == 0 && n2 == out->n &&
           pc_h5_read_strings(f, "covariate_name", &out->cov_name, &nc) == 0 &&
           pc_h5_dims(f, "covariate", dims, 2) == 2 && dims[0] == out->n &&
           dims[1] == nc;
  out->ncov = nc;
  if (ok) {
    /* At least one element, so a series without covariates has a non-NULL cov
     * like every other series; H5Dread is skipped when there is nothing to
     * read. */
    out->cov = malloc(((out->n * nc) > 0 ? out->n * nc : 1) * sizeof *out->cov);
    hid_t d = H5Dopen2(f, "covariate", H5P_DEFAULT);
    ok = out->cov != NULL && d >= 0 &&
         (out->n * nc == 0 || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                      H5P_DEFAULT, out->cov) >= 0);
    if (d >= 0) {
      H5Dclose(d);
    }
  }
  return ok ? 0 : -1;
}

/* A missing series is PC_INPUT (the store was never written by a run), a
 * present but unreadable one PC_DAMAGED: only the second is fixed by rerunning
 * a writer, and the messages say which. *legacy reports a schema-1 file without
 * a content checksum, so the writer can rewrite it once. */
static pc_status read_series(pc_store *s, pc_series *series, int *legacy,
                             pc_error *e) {
  char path[PATH_LEN];
  pc_store_file sf;
  memset(series, 0, sizeof *series);
  pc_store_path(s, path, "series.h5");
  if (!pc_store_file_exists(s, path)) {
    return pc_error_set(e, PC_INPUT, "%s: the store has no observed series "
                        "yet (run a backfill or daily run first)", path);
  }
  pc_status st = pc_store_file_open(s, path, &sf, e);
  const char *why = "cannot read the observed series";
  if (st == PC_OK && read_series_file(sf.f, series) == 0) {
    why =
        sf.legacy || pc_store_check_checksum(sf.f, series_checksum(series)) == 0
            ? NULL
            : "checksum mismatch: the observed series is damaged (the "
              "next writer run rewrites it from the data file)";
  }
  *legacy = sf.legacy;
  pc_store_file_close(&sf);
  if (st == PC_OK && why != NULL) {
    pc_store_diag_stack(s);
    st = pc_error_set(e, PC_DAMAGED, "%s: %s", path, why);
  }
  if (st != PC_OK) {
    pc_series_fini(series);
    /* A file that fails its container checks comes back as PC_IO from
     * pc_store_file_open; for a reader that is damage (exit 3), not an I/O
     * failure of this run (exit 1). */
    return st == PC_IO ? PC_DAMAGED : st;
  }
  return PC_OK;
}

pc_status pc_store_read_series(pc_store *s, pc_series *series, pc_error *e) {
  int legacy = 0;
  return read_series(s, series, &legacy, e);
}

/* Used by migrate (store_migrate.c) to rewrite a schema-1 series in the current
 * schema; the content is read with every check and written unchanged, keeping
 * the recorded source. */
pc_status pc_store_series_rewrite(pc_store *s, pc_error *e) {
  char path[PATH_LEN], source[PATH_LEN] = "";
  pc_series series;
  pc_store_file sf;
  int legacy = 0;
  pc_status st = read_series(s, &series, &legacy, e);
  if (st != PC_OK) {
    return st;
  }
  pc_store_path(s, path, "series.h5");
  st = pc_store_file_open(s, path, &sf, e);
  if (st == PC_OK) {
    /* Written by every pathcast that wrote a series; "" if not. */
    pc_h5_read_attr_str(sf.f, "source", source, sizeof source);
    pc_store_file_close(&sf);
    st = write_series(s, &series, source, e);
  }
  pc_series_fini(&series);
  return st;
}

/* The names the status command and the summary print; "score" failures exist
 * only in a run's result (evaluate and report), never in failures.h5. */
const char *pc_failure_kind_name(pc_failure_kind kind) {
  return kind == PC_FAIL_TRAIN      ? "train"
         : kind == PC_FAIL_FORECAST ? "forecast"
                                    : "score";
}

/* ---- failures --------------------------------------------------------- */

/* No file means no failures (a new store, or every failure resolved and the
 * file never written). On PC_OK the caller owns *list (free); on any error
 * *list is NULL. A damaged file is PC_DAMAGED, and the driver then records this
 * run's failures only. */
pc_status pc_store_read_failures(pc_store *s, pc_failure **list, size_t *n,
                                 pc_error *e) {
  char path[PATH_LEN];
  *list = NULL;
  *n = 0;
  pc_store_path(s, path, "failures.h5");
  if (!pc_store_file_exists(s, path)) {
    return PC_OK;
  }
  pc_store_file sf;
  if (pc_store_file_open(s, path, &sf, e) != PC_OK) {
    return PC_DAMAGED;
  }
  hid_t f = sf.f;
  char **model = NULL, **version = NULL, **reason = NULL;
  uint8_t *kind = NULL;
  pc_date *date = NULL;
  size_t n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0;
  int ok = pc_h5_read_u8(f, "kind", &kind, &n1) == 0 &&
           pc_h5_read_strings(f, "model", &model, &n2) == 0 &&
           pc_h5_read_strings(f, "model_version", &version, &n3) == 0 &&
           pc_h5_read_dates(f, "date", &date, &n4, NULL) == 0 &&
           pc_h5_read_strings(f, "reason", &reason, &n5) == 0 && n1 == n2 &&
           n2 == n3 && n3 == n4 && n4 == n5;
  pc_failure *out = ok ? calloc(n1 ? n1 : 1, sizeof *out) : NULL;
  for (size_t i = 0; out != NULL && i < n1; i++) {
    /* Any nonzero byte is a forecast: only two kinds are ever stored, and the
     * content checksum below rejects a changed byte anyway. */
    out[i].kind = kind[i] ? PC_FAIL_FORECAST : PC_FAIL_TRAIN;
    /* snprintf truncates a longer string from a forged file instead of
     * overflowing the fixed-size fields; the checksum then fails on the
     * truncated text. */
    snprintf(out[i].model, sizeof out[i].model, "%s", model[i]);
    snprintf(out[i].version, sizeof out[i].version, "%s", version[i]);
    snprintf(out[i].reason, sizeof out[i].reason, "%s", reason[i]);
    out[i].date = date[i];
  }
  free(kind);
  free(date);
  pc_h5_free_strings(model, n2);
  pc_h5_free_strings(version, n3);
  pc_h5_free_strings(reason, n5);
  if (out != NULL && !sf.legacy &&
      pc_store_check_checksum(f, failures_checksum(out, n1)) != 0) {
    free(out);
    out = NULL;
  }
  pc_store_file_close(&sf);
  if (out == NULL) {
    pc_store_diag_stack(s);
    return pc_error_set(e, PC_DAMAGED, "%s: cannot read recorded failures "
                        "(damaged)", path);
  }
  *list = out;
  *n = n1;
  return PC_OK;
}

/* Written whole, like every store file; an empty list still writes a file, so
 * "no failures" is recorded explicitly once failures were resolved. col[] holds
 * borrowed pointers into list; only the arrays themselves are freed. */
pc_status pc_store_write_failures(pc_store *s, const pc_failure *list,
                                  size_t n, pc_error *e) {
  char path[PATH_LEN];
  pc_store_path(s, path, "failures.h5");
  hid_t f = pc_store_file_create(0);
  if (f < 0) {
    return pc_error_set(e, PC_IO, "%s: cannot create the file", path);
  }
  uint8_t *kind = malloc(n ? n : 1);
  pc_date *date = malloc((n ? n : 1) * sizeof *date);
  const char **col[3];
  for (int c = 0; c < 3; c++) {
    col[c] = malloc((n ? n : 1) * sizeof *col[c]);
  }
  int ok = kind && date && col[0] && col[1] && col[2];
  for (size_t i = 0; ok && i < n; i++) {
    kind[i] = (uint8_t)list[i].kind;
    date[i] = list[i].date;
    col[0][i] = list[i].model;
    col[1][i] = list[i].version;
    col[2][i] = list[i].reason;
  }
  ok = ok &&
       pc_store_write_identity(s, f,
                               "failures of earlier runs that are not resolved "
                               "yet: a run whose dates include one retries "
                               "it") == 0;
  ok = ok && pc_h5_write_u8(f, "kind", kind, n, "0 training, 1 forecast") == 0;
  ok = ok && pc_h5_write_strings(f, "model", col[0], n, "model name") == 0;
  ok = ok && pc_h5_write_strings(f, "model_version", col[1], n,
                                 "model version") == 0;
  ok = ok && pc_h5_write_dates(f, "date", date, n, 0,
                               "training date or forecast date") == 0;
  ok = ok && pc_h5_write_strings(f, "reason", col[2], n, "why it failed") == 0;
  ok = ok && pc_h5_attr_u64(f, "checksum", failures_checksum(list, n)) == 0;
  free(kind);
  free(date);
  for (int c = 0; c < 3; c++) {
    free(col[c]);
  }
  return pc_store_file_commit(s, f, ok, path, e);
}
