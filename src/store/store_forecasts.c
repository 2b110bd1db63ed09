/* Forecast partitions in the store: <model>/<version>/forecasts/YYYY-MM.h5,
 * the forecasts of one model for the forecast dates of one month, written
 * whole by the rank that owns the month (see docs/STORE.md).
 *
 * A partition is the unit of forecasting work and of I/O: one file per (model,
 * month) keeps files small enough to rewrite whole (copy-on-write, never
 * appended to), lets ranks own disjoint files with no parallel HDF5, and makes
 * a month's forecasts one xarray cube. Its bytes depend only on its content
 * (forecasts sorted by date, fixed write order), so stores are byte-identical
 * for any rank count and after any resume. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5io.h"
#include "store_internal.h"

/* The content checksum covers every stored value in a fixed order; it is part
 * of the format (verify, evaluate's "scores are current" test and store_migrate
 * all rely on it), so the order must not change. Only the first n rows are
 * hashed: capacity beyond n is never part of the content. */
static uint64_t partition_checksum(const pc_partition *p) {
  size_t n = p->n, h = (size_t)p->horizon;
  uint64_t c = pc_checksum_add(pc_checksum_seed, p->date, n * sizeof *p->date);
  c = pc_checksum_add(c, p->cutoff, n * sizeof *p->cutoff);
  c = pc_checksum_add(c, p->training, n * sizeof *p->training);
  c = pc_checksum_add(c, p->leak, n * sizeof *p->leak);
  c = pc_checksum_add(c, p->day, n * h * sizeof *p->day);
  return pc_checksum_add(c, p->values,
                         n * (size_t)p->paths * h * sizeof *p->values);
}

/* A caller-owned struct: init sets the shape and no memory; pc_partition_fini
 * frees the arrays and re-initialises with the same shape, so a partition can
 * be reused and fini twice is harmless. */
void pc_partition_init(pc_partition *p, int paths, int horizon) {
  memset(p, 0, sizeof *p);
  p->paths = paths;
  p->horizon = horizon;
}

void pc_partition_fini(pc_partition *p) {
  free(p->date);
  free(p->cutoff);
  free(p->training);
  free(p->leak);
  free(p->day);
  free(p->values);
  pc_partition_init(p, p->paths, p->horizon);
}

static size_t block_of(const pc_partition *p) {
  return (size_t)p->paths * (size_t)p->horizon;
}

/* Forecast i's paths x horizon float32 block, path-major
 * (values[i][path][day]): the order of the stored dataset, so reading and
 * writing are one contiguous copy, and one HDF5 chunk per forecast. */
float *pc_partition_values(const pc_partition *p, size_t i) {
  return p->values + i * block_of(p);
}

/* realloc that keeps the block on failure: -1 and *p unchanged. */
static int resize(void **p, size_t bytes) {
  void *q = realloc(*p, bytes ? bytes : 1);
  if (q == NULL) {
    return -1;
  }
  *p = q;
  return 0;
}

static pc_status partition_reserve(pc_partition *p, size_t cap) {
  if (cap <= p->cap) {
    return PC_OK;
  }
  size_t h = (size_t)p->horizon;
  /* Every array is grown before cap changes: after a failure the partition
   * is still consistent at its old capacity. */
  if (resize((void **)&p->date, cap * sizeof *p->date) != 0 ||
      resize((void **)&p->cutoff, cap * sizeof *p->cutoff) != 0 ||
      resize((void **)&p->training, cap * sizeof *p->training) != 0 ||
      resize((void **)&p->leak, cap * sizeof *p->leak) != 0 ||
      resize((void **)&p->day, cap * h * sizeof *p->day) != 0 ||
      resize((void **)&p->values, cap * block_of(p) * sizeof *p->values) != 0) {
    return PC_NOMEM;
  }
  p->cap = cap;
  return PC_OK;
}

/* A new slot at the end; its contents are undefined until the caller fills them
 * (work.c drops the slot again, p->n--, when the forecast fails). Doubling from
 * 32 covers a month's ~23 trading days in one allocation. */
pc_status pc_partition_append(pc_partition *p, size_t *index) {
  if (p->n == p->cap &&
      partition_reserve(p, p->cap ? 2 * p->cap : 32) != PC_OK) {
    return PC_NOMEM;
  }
  *index = p->n++;
  return PC_OK;
}

/* Insertion sort by date: partitions hold a month of dates and arrive almost
 * sorted (stored dates, then new ones). */
/* Stable, so equal dates (which never occur) would keep their order. Without
 * memory for the swap buffers the partition is left unsorted, and the write
 * then stores it in that order: the content is still complete, only the bytes
 * differ from a sorted write, and the next run that adds a date rewrites it
 * sorted. */
void pc_partition_sort(pc_partition *p) {
  size_t block = block_of(p), h = (size_t)p->horizon;
  float *tmp = malloc(block * sizeof *tmp);
  pc_date *tday = malloc(h * sizeof *tday);
  if (tmp == NULL || tday == NULL) {
    free(tmp);
    free(tday);
    return;
  }
  for (size_t i = 1; i < p->n; i++) {
    for (size_t j = i; j > 0 && p->date[j - 1] > p->date[j]; j--) {
      size_t a = j - 1, b = j;
      pc_date t;
      t = p->date[a], p->date[a] = p->date[b], p->date[b] = t;
      t = p->cutoff[a], p->cutoff[a] = p->cutoff[b], p->cutoff[b] = t;
      t = p->training[a], p->training[a] = p->training[b], p->training[b] = t;
      uint8_t l = p->leak[a];
      p->leak[a] = p->leak[b], p->leak[b] = l;
      memcpy(tday, p->day + a * h, h * sizeof *tday);
      memcpy(p->day + a * h, p->day + b * h, h * sizeof *tday);
      memcpy(p->day + b * h, tday, h * sizeof *tday);
      memcpy(tmp, p->values + a * block, block * sizeof *tmp);
      memcpy(p->values + a * block, p->values + b * block, block * sizeof *tmp);
      memcpy(p->values + b * block, tmp, block * sizeof *tmp);
    }
  }
  free(tmp);
  free(tday);
}

/* month is the month index year * 12 + (month - 1), the key every store
 * function uses for a partition; the name is YYYY-MM.h5. */
int pc_store_partition_path(const pc_store *s, char *buf, const char *model,
                            const char *version, int32_t month) {
  return pc_store_path(s, buf, "%s/%s/forecasts/%04d-%02d.h5", model, version,
                       month / 12, month % 12 + 1);
}

/* From file names only, like the trained dates; the caller frees *months. */
pc_status pc_store_forecast_months(pc_store *s, const char *model,
                                   const char *version, int32_t **months,
                                   size_t *n, pc_error *e) {
  char dir[PATH_LEN];
  pc_store_path(s, dir, "%s/%s/forecasts", model, version);
  return pc_store_list_keys(dir, pc_store_parse_month_name, months, n, e);
}

/* Reads the datasets of an open partition file into p (whose shape the
 * caller checked against the file's attributes). */
/* Every array's length must equal forecast_date's before anything is copied
 * into p; the paths dataset must hold exactly n * paths * horizon floats. A
 * file that disagrees is damaged, never partly used. The temporary arrays are
 * freed on every path. */
static int read_partition_file(hid_t f, pc_partition *p) {
  size_t n = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, cols = 0;
  pc_date *date = NULL, *cutoff = NULL, *training = NULL, *day = NULL;
  uint8_t *leak = NULL;
  int ok = pc_h5_read_dates(f, "forecast_date", &date, &n, NULL) == 0 &&
           pc_h5_read_u8(f, "has_data_leakage", &leak, &n4) == 0 && n4 == n &&
           pc_h5_read_dates(f, "data_cutoff_date", &cutoff, &n2, NULL) == 0 &&
           pc_h5_read_dates(f, "training_date", &training, &n3, NULL) == 0 &&
           pc_h5_read_dates(f, "day_date", &day, &n5, &cols) == 0 &&
           n2 == n && n3 == n && n5 == n &&
           (n == 0 || cols == (size_t)p->horizon);
  ok = ok && partition_reserve(p, n) == PC_OK;
  if (ok) {
    p->n = n;
    memcpy(p->date, date, n * sizeof *date);
    memcpy(p->leak, leak, n * sizeof *leak);
    memcpy(p->cutoff, cutoff, n * sizeof *cutoff);
    memcpy(p->training, training, n * sizeof *training);
    memcpy(p->day, day, n * (size_t)p->horizon * sizeof *day);
    ok = pc_h5_read_floats(f, "paths", p->values, n * block_of(p)) == 0;
  }
  free(date);
  free(cutoff);
  free(training);
  free(leak);
  free(day);
  return ok ? 0 : -1;
}

/* The shape attributes, within the bounds a job can have. */
/* Bounds before any allocation: a forged or damaged file cannot make the reader
 * allocate n * paths * horizon floats of absurd size. The limits are those the
 * job accepts for paths and horizon. */
static int read_shape(hid_t f, int64_t *paths, int64_t *horizon) {
  return pc_h5_read_attr_i64(f, "paths", paths) == 0 &&
                 pc_h5_read_attr_i64(f, "horizon", horizon) == 0 &&
                 *paths > 0 && *paths <= 100000 && *horizon > 0 &&
                 *horizon <= 1000
             ? 0
             : -1;
}

/* Reads an open, identity-checked partition file; NULL or what is wrong.
 * The content checksum is recomputed only for files without a container:
 * a container's checksum already covers every byte, this attribute too. */
static const char *read_checked(hid_t f, pc_partition *p, int any_shape,
                                int legacy) {
  int64_t paths = 0, horizon = 0;
  if (read_shape(f, &paths, &horizon) != 0) {
    return "cannot read its paths and horizon";
  }
  if (!any_shape && (paths != p->paths || horizon != p->horizon)) {
    return "its paths or horizon differ from the job's";
  }
  /* Re-initialised to the file's shape for the readers that take whatever is
   * stored (export, status, verify), not the job's shape. */
  if (any_shape && (paths != p->paths || horizon != p->horizon)) {
    pc_partition_fini(p);
    pc_partition_init(p, (int)paths, (int)horizon);
  }
  if (read_partition_file(f, p) != 0) {
    return "cannot read forecast partition";
  }
  if (pc_h5_read_attr_u64(f, "checksum", &p->checksum) != 0 ||
      (legacy && p->checksum != partition_checksum(p))) {
    return "checksum mismatch: the forecast partition is damaged";
  }
  return NULL;
}

/* The order of the checks follows docs/STORE.md: container and checksum (in
 * pc_store_file_open), identity, month, shape, content. On any failure p->n is
 * 0, so a caller that ignores the status (the planner rebuilding a damaged
 * file) sees an empty partition and recomputes every date. */
pc_status pc_store_read_partition(pc_store *s, const char *model,
                                  const char *version, int32_t month,
                                  pc_partition *p, int any_shape,
                                  pc_error *e) {
  char path[PATH_LEN];
  pc_store_file sf;
  p->n = 0;
  p->checksum = 0;
  if (pc_store_partition_path(s, path, model, version, month) != 0) {
    return pc_error_set(e, PC_INPUT, "store path too long");
  }
  if (!pc_store_file_exists(s, path)) {
    return PC_OK;
  }
  pc_status st = pc_store_open_month_file(s, path, model, version, month, &sf,
                                          e);
  if (st == PC_OK) {
    const char *why = read_checked(sf.f, p, any_shape, sf.legacy);
    st = why == NULL ? pc_store_check_month_rows(path, month, p->date, p->n, e)
                     : pc_error_set(e, PC_DAMAGED, "%s: %s", path, why);
  }
  pc_store_file_close(&sf);
  if (st != PC_OK) {
    pc_store_diag_stack(s);
    p->n = 0;
  }
  return st;
}

/* Shared by partitions and scores files, which have the same identity rules. A
 * container that fails its checks (PC_IO from pc_store_file_open) is damage,
 * not an I/O failure of this run. On failure sf is closed; on success the
 * caller closes it. */
pc_status pc_store_open_month_file(pc_store *s, const char *path,
                                   const char *model, const char *version,
                                   int32_t month, pc_store_file *sf,
                                   pc_error *e) {
  char label[64], want[16];
  pc_status st = pc_store_file_open(s, path, sf, e);
  if (st == PC_IO) {
    st = PC_DAMAGED;
  }
  if (st == PC_OK) {
    st = pc_store_check_identity(s, sf->f, path, model, version, e);
  }
  snprintf(want, sizeof want, "%04d-%02d", month / 12, month % 12 + 1);
  if (st == PC_OK &&
      (pc_h5_read_attr_str(sf->f, "month", label, sizeof label) != 0 ||
       strcmp(label, want) != 0)) {
    st = pc_error_set(e, PC_DAMAGED, "%s: its month attribute is not the "
                      "month of its name", path);
  }
  if (st != PC_OK) {
    pc_store_file_close(sf);
  }
  return st;
}

/* The month attribute alone could be consistent with the name while the rows
 * are another month's (a file written by another program, or a bug): every row
 * is checked, so a partition never serves a date outside its month. */
pc_status pc_store_check_month_rows(const char *path, int32_t month,
                                    const pc_date *dates, size_t n,
                                    pc_error *e) {
  for (size_t i = 0; i < n; i++) {
    if (pc_date_month_index(dates[i]) != month) {
      return pc_error_set(e, PC_DAMAGED, "%s: holds a forecast of another "
                          "month", path);
    }
  }
  return PC_OK;
}

/* ---- writing (schema 2: netCDF-4 dimensions, CF time) ------------------
 * Dimensions forecast_date (n), path (paths) and day (horizon); forecast_date
 * is also the coordinate variable of its dimension (CF time), path and day
 * count 1..N and 1..H.  Opened with xarray or netCDF, a partition is a
 * labeled cube paths[forecast_date, path, day] with day_date[forecast_date,
 * day] as its auxiliary coordinate; open_mfdataset joins the months along
 * forecast_date. */

const char *const pc_store_by_forecast[] = {"forecast_date"};
const char *const pc_store_by_forecast_day[] = {"forecast_date", "day"};
static const char *const by_forecast_path_day[] = {"forecast_date", "path",
                                                   "day"};

/* Shared by partitions and scores files, so both have the same coordinates
 * and open_mfdataset can align them. day_dimid is the day dimension's
 * netCDF-4 id (the _Netcdf4Dimid attribute): forecast_date is 0, and the
 * files number their other dimensions after it. */
int pc_store_write_axes(hid_t f, const pc_date *date, const pc_date *day,
                        size_t n, int horizon, int day_dimid) {
  static const char *const date_label[] = {
      "long_name", "forecast date (the date of day_1)", "axis", "T", NULL};
  static const char *const day_label[] = {
      "long_name", "trading date of day_k", "standard_name", "time", NULL};
  int ok = pc_h5_write_days(f, "forecast_date", date, n, 0,
                            "forecast start date: the date of day_1") == 0;
  ok = ok && pc_h5_label(f, "forecast_date", date_label) == 0;
  ok = ok && pc_h5_set_scale(f, "forecast_date", 0) == 0;
  ok = ok && pc_h5_write_index(f, "day", (size_t)horizon, day_dimid,
                               "trading day of the horizon (day 1 is the "
                               "forecast date)") == 0;
  ok = ok && pc_h5_write_days(f, "day_date", day, n, (size_t)horizon,
                              "trading date of day_k, k = 1..horizon") == 0;
  ok = ok && pc_h5_label(f, "day_date", day_label) == 0;
  ok = ok && pc_h5_attach(f, "day_date", pc_store_by_forecast_day, 2) == 0;
  return ok ? 0 : -1;
}

int pc_store_write_forecast_dates(hid_t f, const char *name, const pc_date *d,
                                  size_t n, const char *long_name,
                                  const char *description) {
  const char *const label[] = {"long_name", long_name, NULL};
  int ok = pc_h5_write_days(f, name, d, n, 0, description) == 0;
  ok = ok && pc_h5_label(f, name, label) == 0;
  return ok && pc_h5_attach(f, name, pc_store_by_forecast, 1) == 0 ? 0 : -1;
}

static int write_partition_data(hid_t f, const pc_partition *p) {
  static const char *const leak_label[] = {"long_name", "data leakage flag",
                                           NULL};
  static const char *const paths_label[] = {
      "long_name", "Monte Carlo price path", "coordinates", "day_date", NULL};
  int ok = pc_store_write_axes(f, p->date, p->day, p->n, p->horizon, 2) == 0;
  ok = ok && pc_h5_write_index(f, "path", (size_t)p->paths, 1,
                               "Monte Carlo path number") == 0;
  ok = ok && pc_store_write_forecast_dates(f, "data_cutoff_date", p->cutoff,
                                           p->n, "last observation used",
                                           "last observation the forecast "
                                           "used") == 0;
  ok = ok && pc_store_write_forecast_dates(f, "training_date", p->training,
                                           p->n,
                                           "training date of the model used",
                                           "training date of the model "
                                           "used") == 0;
  ok = ok && pc_h5_write_u8(f, "has_data_leakage", p->leak, p->n,
                            "1 if data_cutoff_date >= forecast_date "
                            "(never expected)") == 0;
  ok = ok && pc_h5_label(f, "has_data_leakage", leak_label) == 0;
  ok = ok && pc_h5_attach(f, "has_data_leakage", pc_store_by_forecast, 1) == 0;
  ok = ok && pc_h5_write_paths(f, "paths", p->values, p->n, p->paths,
                               p->horizon, "Monte Carlo price paths "
                               "[forecast, path, day]") == 0;
  ok = ok && pc_h5_label(f, "paths", paths_label) == 0;
  ok = ok && pc_h5_attach(f, "paths", by_forecast_path_day, 3) == 0;
  return ok ? 0 : -1;
}

/* The common shell of month files: global identity, model identity, month, then
 * the body (forecast paths or scores). size_hint sizes the in-memory file so
 * the core driver does not grow it in many steps. */
pc_status pc_store_write_month_file(pc_store *s, const pc_store_model *m,
                                    const char *path, int32_t month,
                                    const char *noun, const char *what,
                                    pc_store_body_fn body, const void *arg,
                                    size_t size_hint, pc_error *e) {
  char label[16], title[512];
  hid_t f = pc_store_file_create(size_hint);
  if (f < 0) {
    return pc_error_set(e, PC_IO, "%s: cannot create the file", path);
  }
  snprintf(label, sizeof label, "%04d-%02d", month / 12, month % 12 + 1);
  snprintf(title, sizeof title, "%s %s of model %s (%s), forecast dates of %s",
           s->commodity, noun, m->model, m->version, label);
  int ok = pc_store_write_identity(s, f, what) == 0;
  ok = ok && pc_store_write_model_identity(s, f, m, title) == 0;
  ok = ok && pc_h5_attr_str(f, "month", label) == 0;
  ok = ok && body(f, arg) == 0;
  return pc_store_file_commit(s, f, ok, path, e);
}

static int write_partition_body(hid_t f, const void *arg) {
  const pc_partition *p = arg;
  int ok = pc_h5_attr_i64(f, "paths", p->paths) == 0;
  ok = ok && pc_h5_attr_i64(f, "horizon", p->horizon) == 0;
  ok = ok && write_partition_data(f, p) == 0;
  ok = ok && pc_h5_attr_u64(f, "checksum", partition_checksum(p)) == 0;
  return ok ? 0 : -1;
}

/* Called only by the rank that owns the month in the plan. The size hint is the
 * float data plus 256 KiB for metadata and the small arrays. */
pc_status pc_store_write_partition(pc_store *s, const pc_store_model *m,
                                   int32_t month, const pc_partition *p,
                                   pc_error *e) {
  char path[PATH_LEN];
  if (pc_store_partition_path(s, path, m->model, m->version, month) != 0) {
    return pc_error_set(e, PC_INPUT, "store path too long");
  }
  return pc_store_write_month_file(s, m, path, month, "forecast paths",
                                   "forecast distributions of one model for "
                                   "the forecast dates of one month",
                                   write_partition_body, p,
                                   p->n * block_of(p) * sizeof *p->values +
                                       ((size_t)256 << 10),
                                   e);
}
