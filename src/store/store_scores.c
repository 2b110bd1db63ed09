/* Scores files in the store: <model>/<version>/scores/YYYY-MM.h5, one per
 * forecast partition, written whole and renamed into place like every
 * store file (see pathcast/store/scores.h and docs/STORE.md).
 *
 * Why scores are stored at all: scoring reads 112 KB of paths per forecast, and
 * a report over years of forecasts would reread gigabytes on every run. A
 * scores file keeps what every metric of docs/EVALUATION.md is computed from,
 * per partition, and is rescored only when its partition or the actuals change
 * (pc_scores_current). Written by the rank that owns the partition's score
 * unit, read back by rank 0 after the vote. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5io.h"
#include "pathcast/store/scores.h"
#include "store_internal.h"

/* Named like the partition it scores (YYYY-MM.h5), so a partition and its
 * scores are found by the same month key. */
static int scores_path(const pc_store *s, char *buf, const char *model,
                       const char *version, int32_t month) {
  return pc_store_path(s, buf, "%s/%s/scores/%04d-%02d.h5", model, version,
                       month / 12, month % 12 + 1);
}

pc_status pc_store_score_months(pc_store *st, const char *model,
                                const char *version, int32_t **months,
                                size_t *n, pc_error *e) {
  char dir[PATH_LEN];
  pc_store_path(st, dir, "%s/%s/scores", model, version);
  return pc_store_list_keys(dir, pc_store_parse_month_name, months, n, e);
}

/* The checksum covers every value and the partition it was made from. */
/* source, the checksum of the scored partition, is hashed too, so a scores file
 * cannot be made to look current for another partition by editing one
 * attribute. The order is part of the file format. */
static uint64_t scores_checksum(const pc_scores *s) {
  size_t n = s->n, nh = n * (size_t)s->horizon, d = sizeof(double);
  uint64_t c = pc_checksum_add(pc_checksum_seed, &s->source, sizeof s->source);
  c = pc_checksum_add(c, s->date, n * sizeof *s->date);
  c = pc_checksum_add(c, s->cutoff, n * sizeof *s->cutoff);
  c = pc_checksum_add(c, s->day, nh * sizeof *s->day);
  c = pc_checksum_add(c, s->last, n * d);
  c = pc_checksum_add(c, s->actual, nh * d);
  c = pc_checksum_add(c, s->mean, nh * d);
  c = pc_checksum_add(c, s->quantile, nh * PC_SCORE_NLEVELS * d);
  c = pc_checksum_add(c, s->crps, nh * d);
  c = pc_checksum_add(c, s->pit, nh * d);
  return pc_checksum_add(c, s->energy, n * d);
}

/* ---- reading ---------------------------------------------------------- */

/* Reads a date dataset of exactly `count` values into dst. */
/* Exactly rows values (rows x cols for a 2-D dataset), checked before the copy,
 * so dst, sized by pc_scores_resize, is never overrun by a file that disagrees
 * with its own last_close dimension. */
static int read_dates_into(hid_t f, const char *name, pc_date *dst,
                           size_t rows, size_t cols) {
  pc_date *d = NULL;
  size_t n = 0, c = 0;
  int ok = pc_h5_read_dates(f, name, &d, &n, cols ? &c : NULL) == 0 &&
           n == rows && (cols == 0 || rows == 0 || c == cols);
  if (ok) {
    memcpy(dst, d, rows * (cols ? cols : 1) * sizeof *d);
  }
  free(d);
  return ok ? 0 : -1;
}

/* The row count comes from last_close's dimension, and every other dataset
 * must match it. The horizon is bounded like a job's before anything is
 * allocated from it. any_shape: verify and migrate take any horizon;
 * evaluate, report and the planner require the job's. */
static int read_scores_file(hid_t f, pc_scores *s, int any_shape) {
  int64_t horizon = 0;
  hsize_t dims[1];
  int ok = pc_h5_read_attr_i64(f, "horizon", &horizon) == 0 && horizon > 0 &&
           horizon <= 1000 && (any_shape || horizon == s->horizon);
  if (ok && horizon != s->horizon) {
    pc_scores_fini(s);
    pc_scores_init(s, (int)horizon);
  }
  ok = ok &&
           pc_h5_read_attr_u64(f, "source_checksum", &s->source) == 0 &&
           pc_h5_dims(f, "last_close", dims, 1) == 1 &&
           pc_scores_resize(s, (size_t)dims[0]) == PC_OK;
  size_t n = ok ? s->n : 0, nh = n * (size_t)s->horizon;
  ok = ok && read_dates_into(f, "forecast_date", s->date, n, 0) == 0 &&
       read_dates_into(f, "data_cutoff_date", s->cutoff, n, 0) == 0 &&
       read_dates_into(f, "day_date", s->day, n, (size_t)s->horizon) == 0 &&
       pc_h5_read_doubles(f, "last_close", s->last, n) == 0 &&
       pc_h5_read_doubles(f, "actual", s->actual, nh) == 0 &&
       pc_h5_read_doubles(f, "mean", s->mean, nh) == 0 &&
       pc_h5_read_doubles(f, "quantile", s->quantile,
                          nh * PC_SCORE_NLEVELS) == 0 &&
       pc_h5_read_doubles(f, "crps", s->crps, nh) == 0 &&
       pc_h5_read_doubles(f, "pit", s->pit, nh) == 0 &&
       pc_h5_read_doubles(f, "energy_score", s->energy, n) == 0;
  return ok ? 0 : -1;
}

/* No file is PC_OK with s->n == 0 (not scored yet). On failure s->n is 0 as
 * well, so a caller that only counts rows treats a damaged file as missing and
 * the planner rescores it. */
pc_status pc_store_read_scores(pc_store *st, const char *model,
                               const char *version, int32_t month,
                               pc_scores *s, int any_shape, pc_error *e) {
  char path[PATH_LEN];
  pc_store_file sf;
  s->n = 0;
  if (scores_path(st, path, model, version, month) != 0) {
    return pc_error_set(e, PC_INPUT, "store path too long");
  }
  if (!pc_store_file_exists(st, path)) {
    return PC_OK;
  }
  pc_status rc = pc_store_open_month_file(st, path, model, version, month, &sf,
                                          e);
  if (rc == PC_OK) {
    const char *why =
        read_scores_file(sf.f, s, any_shape) != 0
            ? "cannot read scores file (damaged, or of another horizon)"
        /* (a container's checksum covers this attribute already) */
        : sf.legacy && pc_store_check_checksum(sf.f, scores_checksum(s)) != 0
            ? "checksum mismatch: the scores file is damaged"
            : NULL;
    rc = why == NULL ? pc_store_check_month_rows(path, month, s->date, s->n, e)
                     : pc_error_set(e, PC_DAMAGED, "%s: %s", path, why);
  }
  pc_store_file_close(&sf);
  if (rc != PC_OK) {
    pc_store_diag_stack(st);
    s->n = 0;
  }
  return rc;
}

/* *current is 0 for a missing, damaged or stale file; *stored is the number of
 * forecasts the file holds (the plan counts them as up to date when current).
 * The status is returned so the planner can log why it rescores. */
pc_status pc_store_scores_current(pc_store *st, const char *model,
                                  const char *version, int32_t month,
                                  int horizon, uint64_t source,
                                  const pc_series *actuals, int *current,
                                  long *stored, pc_error *e) {
  pc_scores s;
  pc_scores_init(&s, horizon);
  pc_status rc = pc_store_read_scores(st, model, version, month, &s, 0, e);
  *current = rc == PC_OK && s.n > 0 && pc_scores_current(&s, source, actuals);
  *stored = (long)s.n;
  pc_scores_fini(&s);
  return rc;
}

/* ---- writing ---------------------------------------------------------- */

/* Schema 2: dimensions forecast_date (CF time, its own coordinate), day
 * (1..horizon) and quantile_level (the levels, its own coordinate), as in
 * the forecast partitions, so that xarray aligns scores with forecasts. */
static const char *const by_forecast_day_level[] = {"forecast_date", "day",
                                                    "quantile_level"};

/* quantile_level is its own coordinate (dimension id 2), so xarray selects
 * quantiles by level (sel(quantile_level=0.5)) rather than by an index whose
 * meaning could change between schema versions. */
static int write_scores_coordinates(hid_t f, const pc_scores *s) {
  static const char *const level_label[] = {"long_name", "quantile level",
                                            NULL};
  hsize_t nl = PC_SCORE_NLEVELS;
  int ok = pc_store_write_axes(f, s->date, s->day, s->n, s->horizon, 1) == 0;
  ok = ok && pc_h5_write_nd_f64(f, "quantile_level", pc_score_levels, 1, &nl,
                                "levels of the quantile dataset") == 0;
  ok = ok && pc_h5_label(f, "quantile_level", level_label) == 0;
  ok = ok && pc_h5_set_scale(f, "quantile_level", 2) == 0;
  return ok ? 0 : -1;
}

/* One float64 variable over the given dimensions, with its long_name (and
 * the day_date coordinate where it has a day axis). */
static int write_score(hid_t f, const char *name, const double *v,
                       const pc_scores *s, int rank, const char *long_name,
                       const char *description) {
  hsize_t dims[3] = {s->n, (hsize_t)s->horizon, PC_SCORE_NLEVELS};
  const char *const *axes = rank == 1   ? pc_store_by_forecast
                            : rank == 2 ? pc_store_by_forecast_day
                                        : by_forecast_day_level;
  const char *const label[] = {"long_name", long_name, "coordinates",
                               rank > 1 ? "day_date" : NULL, NULL};
  int ok = pc_h5_write_nd_f64(f, name, v, rank, dims, description) == 0;
  ok = ok && pc_h5_label(f, name, label) == 0;
  return ok && pc_h5_attach(f, name, axes, rank) == 0 ? 0 : -1;
}

/* The scores variables: name, field, rank (1 forecast_date, 2 and day, 3
 * and quantile_level), long_name and description. */
/* A table rather than seven calls: the names, dimensions and descriptions of
 * the stored variables are then read in one place, and the reader's dataset
 * names above must match them. */
static const struct {
  const char *name;
  size_t field; /* offsetof the double * in pc_scores */
  int rank;
  const char *long_name, *description;
} score_vars[] = {
    {"last_close", offsetof(pc_scores, last), 1,
     "observed close at data_cutoff_date",
     "observed close at data_cutoff_date (NaN if none)"},
    {"actual", offsetof(pc_scores, actual), 2, "observed close",
     "observed close of day_k; NaN: not observed (yet)"},
    {"mean", offsetof(pc_scores, mean), 2, "mean of the paths",
     "mean of the path values of day_k"},
    {"quantile", offsetof(pc_scores, quantile), 3,
     "sample quantile of the paths",
     "type-7 sample quantiles of day_k at quantile_level"},
    {"crps", offsetof(pc_scores, crps), 2, "CRPS",
     "CRPS of day_k (exact sample formula); NaN where the actual is "
     "unknown"},
    {"pit", offsetof(pc_scores, pit), 2, "probability integral transform",
     "probability integral transform of the actual; NaN where unknown"},
    {"energy_score", offsetof(pc_scores, energy), 1, "energy score",
     "energy score of the horizon-day path; NaN unless every day is "
     "observed"},
};

static int write_scores_data(hid_t f, const pc_scores *s) {
  int ok = write_scores_coordinates(f, s) == 0;
  ok = ok && pc_store_write_forecast_dates(f, "data_cutoff_date", s->cutoff,
                                           s->n, "last observation used",
                                           "last observation the forecast "
                                           "used") == 0;
  for (size_t i = 0; ok && i < sizeof score_vars / sizeof score_vars[0];
       i++) {
    /* The field is read through its offset in pc_scores; the cast through const
     * void * keeps the alignment warning quiet and is valid because every
     * listed field is a double *. */
    const double *v =
        *(const double *const *)(const void *)((const char *)s +
                                               score_vars[i].field);
    ok = write_score(f, score_vars[i].name, v, s, score_vars[i].rank,
                     score_vars[i].long_name, score_vars[i].description) == 0;
  }
  return ok ? 0 : -1;
}

static int write_scores_body(hid_t f, const void *arg) {
  const pc_scores *s = arg;
  int ok = pc_h5_attr_i64(f, "horizon", s->horizon) == 0;
  ok = ok && pc_h5_attr_u64(f, "source_checksum", s->source) == 0;
  ok = ok && write_scores_data(f, s) == 0;
  ok = ok && pc_h5_attr_u64(f, "checksum", scores_checksum(s)) == 0;
  return ok ? 0 : -1;
}

/* The size hint counts the (PC_SCORE_NLEVELS + 6) doubles per forecast and day
 * (quantiles plus actual, mean, crps, pit and the per-forecast values, rounded
 * up) and 256 KiB for metadata. */
pc_status pc_store_write_scores(pc_store *st, const pc_store_model *m,
                                int32_t month, const pc_scores *s,
                                pc_error *e) {
  char path[PATH_LEN];
  if (scores_path(st, path, m->model, m->version, month) != 0) {
    return pc_error_set(e, PC_INPUT, "store path too long");
  }
  return pc_store_write_month_file(st, m, path, month, "forecast scores",
                                   "scores of one model's forecasts of one "
                                   "month against the actuals",
                                   write_scores_body, s,
                                   s->n * (size_t)s->horizon *
                                           (PC_SCORE_NLEVELS + 6) *
                                           sizeof(double) +
                                       ((size_t)256 << 10),
                                   e);
}
