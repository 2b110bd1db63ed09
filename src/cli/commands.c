/* The read-only commands: `models` lists trained models, `export` writes
 * stored forecasts as CSV.  Both read the store without taking its lock, so
 * they work while a run is writing (files appear whole, by rename). */
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/file.h"
#include "pathcast/core/json.h"
#include "pathcast/core/metrics.h"
#include "pathcast/cli/commands.h"
#include "pathcast/store/store.h"

/* HDF5's automatic error printing is switched off first (STYLE 6): a damaged
 * file would otherwise spray HDF5's stack over the user's terminal, when the
 * store's own message already names the file and the problem. A job whose
 * commodity differs from the store's is refused: it would read another
 * commodity's results under this job's name. Either side may be empty (a job of
 * read-only keys, a store before its first run). */
static pc_status open_store(const pc_job *job, pc_store **s, pc_error *e) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  pc_status st = pc_store_open(s, job->store, PC_STORE_READ, NULL, e);
  if (st == PC_OK && job->commodity[0] != '\0' &&
      pc_store_commodity(*s)[0] != '\0' &&
      strcmp(pc_store_commodity(*s), job->commodity) != 0) {
    st = pc_error_set(e, PC_INPUT, "store %s holds commodity '%s', the job "
                      "says '%s'", job->store, pc_store_commodity(*s),
                      job->commodity);
    pc_store_close(*s);
  }
  return st;
}

/* ---- models ----------------------------------------------------------- */

/* Arrays longer than this are shown by their length in the table. */
#define TABLE_ARRAY_MAX 8

/* n with commas between groups of three digits ("1,024").
 * For people only: a JSON consumer gets plain numbers. */
static const char *group_thousands(size_t n, char *buf, size_t len) {
  char digits[32];
  int nd = snprintf(digits, sizeof digits, "%zu", n);
  size_t o = 0;
  for (int i = 0; i < nd && o + 2 < len; i++) {
    if (i > 0 && (nd - i) % 3 == 0) {
      buf[o++] = ',';
    }
    buf[o++] = digits[i];
  }
  buf[o] = '\0';
  return buf;
}

/* Byte fields (xgboost's booster) are shown by their size only: the bytes are a
 * binary format, of no use in a listing and megabytes long. Doubles go through
 * pc_json_number, which gives the shortest text that reads back as the same
 * double, and null for NaN (JSON has no NaN). */
static void json_field_value(FILE *out, const pc_field *f) {
  if (f->kind == PC_FIELD_STR) {
    pc_json_string(out, f->data);
    return;
  }
  if (f->kind == PC_FIELD_BYTES) {
    fprintf(out, "{\"bytes\":%zu}", f->len);
    return;
  }
  if (!f->scalar) {
    fputc('[', out);
  }
  for (size_t i = 0; i < f->len; i++) {
    if (i > 0) {
      fputc(',', out);
    }
    if (f->kind == PC_FIELD_F64) {
      pc_json_number(out, ((const double *)f->data)[i]);
    } else {
      fprintf(out, "%lld", (long long)((const int64_t *)f->data)[i]);
    }
  }
  if (!f->scalar) {
    fputc(']', out);
  }
}

static void json_section(FILE *out, const pc_record *rec, pc_section sec) {
  int first = 1;
  fputc('{', out);
  for (size_t i = 0; i < rec->n; i++) {
    if (rec->fields[i].section != sec) {
      continue;
    }
    fprintf(out, "%s", first ? "" : ",");
    first = 0;
    pc_json_string(out, rec->fields[i].name);
    fputc(':', out);
    json_field_value(out, &rec->fields[i]);
  }
  fputc('}', out);
}

/* One JSON object per line (JSON Lines), one per trained model, so a consumer
 * can stream a long listing with `jq -c`. */
static void print_model_json(FILE *out, const pc_job *job,
                             const char *commodity, size_t m,
                             const char *version, const pc_trained_meta *meta,
                             const pc_record *rec) {
  char t[PC_DATE_STRLEN], c[PC_DATE_STRLEN];
  fputs("{\"commodity\":", out);
  pc_json_string(out, commodity);
  fputs(",\"model\":", out);
  pc_json_string(out, job->models[m].name);
  fputs(",\"model_type\":", out);
  pc_json_string(out, job->models[m].type->name);
  fputs(",\"model_version\":", out);
  pc_json_string(out, version);
  fprintf(out, ",\"training_date\":\"%s\",\"data_cutoff_date\":\"%s\","
          "\"n_obs\":%lld,\"params\":", pc_date_format(meta->training_date, t),
          pc_date_format(meta->data_cutoff, c), (long long)meta->n_obs);
  json_section(out, rec, PC_SECTION_PARAMS);
  fputs(",\"diagnostics\":", out);
  json_section(out, rec, PC_SECTION_DIAGNOSTICS);
  fputs("}\n", out);
}

static void print_model_row(FILE *out, const pc_job *job, size_t m,
                            const char *version, const pc_trained_meta *meta,
                            const pc_record *rec) {
  char t[PC_DATE_STRLEN], c[PC_DATE_STRLEN];
  fprintf(out, "%-20s %-8s %s  %s  %6lld ", job->models[m].name, version,
          pc_date_format(meta->training_date, t),
          pc_date_format(meta->data_cutoff, c), (long long)meta->n_obs);
  for (size_t i = 0; i < rec->n; i++) {
    const pc_field *f = &rec->fields[i];
    if (f->section != PC_SECTION_PARAMS) {
      continue;
    }
    /* Six significant digits and no long arrays keep the table readable;
     * --format json has every digit of every value. */
    if (f->kind == PC_FIELD_F64 && f->scalar) {
      fprintf(out, " %s=%.6g", f->name, *(const double *)f->data);
    } else if ((f->kind == PC_FIELD_F64 || f->kind == PC_FIELD_I64) &&
               f->len > TABLE_ARRAY_MAX) {
      char count[32];
      fprintf(out, " %s=[…%s values]", f->name,
              group_thousands(f->len, count, sizeof count));
    } else {
      fprintf(out, " %s=", f->name);
      json_field_value(out, f);
    }
  }
  fputc('\n', out);
}

/* A damaged file is not served: it is named on standard error with the
 * command that rebuilds it, the others are still served, and the command
 * ends with PC_DAMAGED (exit 3). */
static void report_damaged(const pc_error *why, const char *hint) {
  fprintf(stderr, "pathcast: DAMAGED %s; not served (rebuild it with: %s)\n",
          why->msg, hint);
}

/* A rebuild hint for a version of a list names that version (the job's
 * own needs no option). */
static void version_hint(const pc_job *job, const char *version, char *hint,
                         size_t len) {
  size_t used = strlen(hint);
  if (job->nversions > 1 && used < len) {
    snprintf(hint + used, len - used, " --model_version %s", version);
  }
}

/* Every trained model of one model and version, oldest first. A damaged file is
 * reported and skipped; any other read error (I/O, memory) stops the listing,
 * since the next file would likely fail the same way. */
static pc_status list_model(pc_store *s, const pc_job *job, size_t m,
                            const char *version, int json, FILE *out,
                            pc_error *e) {
  pc_date *dates = NULL;
  size_t n = 0;
  const char *name = job->models[m].name;
  pc_status st = pc_store_trained_dates(s, name, version, &dates, &n, e);
  pc_status damaged = PC_OK;
  for (size_t i = 0; st == PC_OK && i < n; i++) {
    pc_trained_meta meta;
    pc_record rec;
    pc_error why;
    pc_record_init(&rec);
    st = pc_store_read_trained(s, name, version, dates[i], &meta, &rec, &why);
    if (st == PC_DAMAGED) {
      char hint[PC_TEXT_MAX + 512];
      pc_job_rebuild_trained_hint(job, name, dates[i], hint, sizeof hint);
      version_hint(job, version, hint, sizeof hint);
      report_damaged(&why, hint);
      damaged = PC_DAMAGED;
      st = PC_OK;
    } else if (st != PC_OK) {
      pc_error_set(e, st, "%s", why.msg);
    } else if (json) {
      print_model_json(out, job, pc_store_commodity(s), m, version, &meta,
                       &rec);
    } else {
      print_model_row(out, job, m, version, &meta, &rec);
    }
    pc_record_fini(&rec);
  }
  free(dates);
  return st != PC_OK ? st : damaged;
}

/* Returns PC_DAMAGED (exit 3) when a file was left out, after listing every
 * other one, so a script can trust the exit status and a person still gets the
 * listing. */
pc_status pc_models(const pc_job *job, FILE *out, pc_error *e) {
  pc_store *s = NULL;
  pc_status st = open_store(job, &s, e);
  int json = strcmp(job->format, "json") == 0;
  if (st == PC_OK && !json) {
    fprintf(out, "%-20s %-8s %-10s  %-10s  %6s  %s\n", "MODEL", "VERSION",
            "TRAINED", "CUTOFF", "N_OBS", "PARAMS");
  }
  pc_status damaged = PC_OK;
  for (size_t m = 0; (st == PC_OK || st == PC_DAMAGED) && m < job->nmodels;
       m++) {
    for (size_t v = 0; pc_job_model_selected(job, m) && v < job->nversions &&
                       (st == PC_OK || st == PC_DAMAGED);
         v++) {
      st = list_model(s, job, m, job->versions[v], json, out, e);
      damaged = st == PC_DAMAGED ? st : damaged;
    }
  }
  pc_store_close(s);
  return st == PC_OK ? damaged : st;
}

/* ---- export ----------------------------------------------------------- */

/* What one export writes with: the shared inputs, the version being
 * exported, and the workspace of the quantile format. */
typedef struct {
  const pc_job *job;
  const pc_series *series;
  const char *commodity;
  FILE *out;
  const char *model, *version;
  int quantiles, with_dates;
  double *sorted; /* paths values of one day, sorted (quantiles) */
  uint32_t *work; /* 2 * paths: pc_sort_column's scratch */
} export_ctx;

/* An unset start or end leaves that side open: export without a range writes
 * everything stored. */
static int in_range(const pc_job *job, pc_date d) {
  return (job->start == PC_DATE_NONE || d >= job->start) &&
         (job->end == PC_DATE_NONE || d <= job->end);
}

/* The fixed columns of the export format (README, "Outputs"), in the order of
 * export_header. The leakage flag is exported with every row so a filter on it
 * never needs a join. */
static void row_head(const export_ctx *x, long path_id, const pc_partition *p,
                     size_t i, int actuals) {
  char d[PC_DATE_STRLEN], c[PC_DATE_STRLEN], t[PC_DATE_STRLEN];
  fprintf(x->out, "%ld,%s,%s,%s,%s,%s,%s,%d,%d", path_id,
          pc_date_format(p->date[i], d), pc_date_format(p->cutoff[i], c),
          pc_date_format(p->training[i], t), x->commodity, x->model,
          x->version, actuals, p->leak[i]);
}

/* --with_dates: the trading date of every day, after day_H, on every row
 * (each row stands alone in a spreadsheet or a filter). */
static void row_end(const export_ctx *x, const pc_partition *p, size_t i) {
  const pc_date *day = p->day + i * (size_t)p->horizon;
  char d[PC_DATE_STRLEN];
  for (int k = 0; x->with_dates && k < p->horizon; k++) {
    fprintf(x->out, ",%s", pc_date_format(day[k], d));
  }
  fputc('\n', x->out);
}

/* path_id 0: the observed closes of day_1..day_H, empty where unknown.
 * Actuals come from the store's series, the same the scores use, not from the
 * job's data file; a day not yet closed, or not in the series, is an empty
 * field rather than 0 or NaN, which spreadsheets and pandas read as missing. */
static void actuals_row(const export_ctx *x, const pc_partition *p, size_t i) {
  row_head(x, 0, p, i, 1);
  for (int k = 0; k < p->horizon; k++) {
    long r = pc_series_find(x->series,
                            p->day[i * (size_t)p->horizon + (size_t)k]);
    char buf[40] = "";
    if (r >= 0 && !isnan(x->series->close[r])) {
      pc_format_double(x->series->close[r], buf, sizeof buf);
    }
    fprintf(x->out, ",%s", buf);
  }
  row_end(x, p, i);
}

/* %.9g prints every float32 so that it reads back as the same float32. */
static void export_paths(const export_ctx *x, const pc_partition *p,
                         size_t i) {
  actuals_row(x, p, i);
  const float *v = pc_partition_values(p, i);
  size_t h = (size_t)p->horizon;
  for (int path = 0; path < p->paths; path++) {
    row_head(x, path + 1, p, i, 0);
    for (size_t k = 0; k < h; k++) {
      fprintf(x->out, ",%.9g", (double)v[(size_t)path * h + k]);
    }
    row_end(x, p, i);
  }
}

/* --format quantiles: one row per day and level, the type-7 sample
 * quantile of the day's path values -- the very sort and interpolation of
 * evaluate's stored quantiles (pc_sort_column, pc_quantile).
 * Levels are written with pc_format_double, the shortest round-trip text, so
 * 0.05 prints as 0.05. The day is numbered from 1 like day_1..day_H of the
 * paths format. */
static void export_quantiles(const export_ctx *x, const pc_partition *p,
                             size_t i) {
  const float *v = pc_partition_values(p, i);
  size_t n = (size_t)p->paths, h = (size_t)p->horizon;
  char fd[PC_DATE_STRLEN], dd[PC_DATE_STRLEN], level[40], value[40];
  pc_date_format(p->date[i], fd);
  for (size_t k = 0; k < h; k++) {
    pc_sort_column(v + k, n, h, x->sorted, x->work);
    pc_date_format(p->day[i * h + k], dd);
    for (size_t l = 0; l < x->job->nlevels; l++) {
      double q = pc_quantile(x->sorted, n, x->job->levels[l]);
      pc_format_double(x->job->levels[l], level, sizeof level);
      pc_format_double(q, value, sizeof value);
      fprintf(x->out, "%s,%s,%s,%s,%zu,%s,%s,%s\n", x->commodity, x->model,
              x->version, fd, k + 1, dd, level, value);
    }
  }
}

/* A damaged partition is named with the command that rebuilds it (for a
 * version other than the job's own, with --model_version). */
static void report_damaged_month(const export_ctx *x, const pc_error *why,
                                 int32_t month) {
  char hint[PC_TEXT_MAX + 512];
  pc_job_rebuild_month_hint(x->job, x->model, month, hint, sizeof hint);
  version_hint(x->job, x->version, hint, sizeof hint);
  report_damaged(why, hint);
}

/* The quantile workspace for partitions of `paths` paths.
 * Both buffers belong to the export_ctx and are freed by export_all. The size
 * is the job's paths, the shape export_model gives pc_partition_init. */
static pc_status export_workspace(export_ctx *x, int paths) {
  free(x->sorted);
  free(x->work);
  x->sorted = malloc((size_t)paths * sizeof *x->sorted);
  x->work = malloc(2 * (size_t)paths * sizeof *x->work);
  return x->sorted != NULL && x->work != NULL ? PC_OK : PC_NOMEM;
}

static pc_status export_month(pc_store *s, export_ctx *x, int32_t month,
                              pc_partition *p, pc_error *e) {
  pc_error why;
  pc_status st = pc_store_read_partition(s, x->model, x->version, month, p, 0,
                                         &why);
  if (st == PC_DAMAGED) {
    report_damaged_month(x, &why, month);
    return PC_DAMAGED;
  }
  if (st != PC_OK) {
    return pc_error_set(e, st, "%s", why.msg);
  }
  for (size_t i = 0; i < p->n; i++) {
    if (!in_range(x->job, p->date[i])) {
      continue;
    }
    if (x->quantiles) {
      export_quantiles(x, p, i);
    } else {
      export_paths(x, p, i);
    }
  }
  return PC_OK;
}

/* Every stored forecast of x->model at x->version, month by month.
 * One partition buffer serves every month: the reader refills it, so the memory
 * stays one month's paths whatever the range. */
static pc_status export_model(pc_store *s, export_ctx *x, pc_error *e) {
  int32_t *months = NULL;
  size_t n = 0;
  pc_status st = pc_store_forecast_months(s, x->model, x->version, &months,
                                          &n, e);
  pc_partition p;
  pc_partition_init(&p, x->job->paths, x->job->horizon);
  pc_status damaged = PC_OK;
  for (size_t j = 0; st == PC_OK && j < n; j++) {
    st = export_month(s, x, months[j], &p, e);
    if (st == PC_DAMAGED) {
      damaged = PC_DAMAGED;
      st = PC_OK;
    }
  }
  pc_partition_fini(&p);
  free(months);
  return st == PC_OK ? damaged : st;
}

static int cmp_name(const void *a, const void *b) {
  const pc_model_spec *const *x = a, *const *y = b;
  return strcmp((*x)->name, (*y)->name);
}

static void export_header(const export_ctx *x) {
  const pc_job *job = x->job;
  if (x->quantiles) {
    fputs("commodity,model,model_version,forecast_date,day,day_date,level,"
          "value\n", x->out);
    return;
  }
  fprintf(x->out, "path_id,forecast_start_date,data_cutoff_date,"
                  "training_date,commodity,model,model_version,is_actuals,"
                  "has_data_leakage");
  for (int k = 1; k <= job->horizon; k++) {
    fprintf(x->out, ",day_%d", k);
  }
  for (int k = 1; x->with_dates && k <= job->horizon; k++) {
    fprintf(x->out, ",day_%d_date", k);
  }
  fputc('\n', x->out);
}

/* Models in name order, each model's versions in the order listed.
 * Name order, not the job's order, so the same store exported by two jobs that
 * list models differently gives the same bytes. */
static pc_status export_models(pc_store *s, export_ctx *x,
                               const pc_model_spec **order, pc_error *e) {
  const pc_job *job = x->job;
  pc_status st = PC_OK, damaged = PC_OK;
  for (size_t i = 0; st == PC_OK && i < job->nmodels; i++) {
    size_t m = (size_t)(order[i] - job->models);
    for (size_t v = 0; st == PC_OK && pc_job_model_selected(job, m) &&
                       v < job->nversions;
         v++) {
      x->model = job->models[m].name;
      x->version = job->versions[v];
      st = export_model(s, x, e);
      if (st == PC_DAMAGED) {
        damaged = st;
        st = PC_OK;
      }
    }
  }
  return st == PC_OK ? damaged : st;
}

/* The store's series gives the actuals rows: a store whose series cannot be
 * read fails the export with the reader's message before the header is written.
 * The series is released only if it was read. */
static pc_status export_all(pc_store *s, const pc_job *job, FILE *out,
                            pc_error *e) {
  pc_series series;
  pc_status st = pc_store_read_series(s, &series, e);
  int have_series = st == PC_OK;
  export_ctx x = {job, &series, pc_store_commodity(s), out, NULL, NULL,
                  strcmp(job->format, "quantiles") == 0,
                  strcmp(job->with_dates, "yes") == 0, NULL, NULL};
  const pc_model_spec **order = calloc(job->nmodels, sizeof *order);
  if (st == PC_OK && (order == NULL || export_workspace(&x, job->paths) !=
                                           PC_OK)) {
    st = pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (size_t m = 0; order != NULL && m < job->nmodels; m++) {
    order[m] = &job->models[m];
  }
  if (st == PC_OK) {
    qsort(order, job->nmodels, sizeof *order, cmp_name);
    export_header(&x);
    st = export_models(s, &x, order, e);
  }
  free(order);
  free(x.sorted);
  free(x.work);
  if (have_series) {
    pc_series_fini(&series);
  }
  return st;
}

/* The 1 MiB buffer cuts the number of write calls for a large export (2,000
 * rows per forecast). When writing to standard output, a failed write (a closed
 * pipe, a full disk behind a redirect) is reported too, so `pathcast export >
 * file` on a full disk does not exit 0. */
pc_status pc_export(const pc_job *job, FILE *out, pc_error *e) {
  pc_store *s = NULL;
  pc_status st = open_store(job, &s, e);
  if (st != PC_OK) {
    return st;
  }
  /* A file output is written beside its place and renamed when complete:
   * a full disk never leaves a truncated CSV under the final name. */
  FILE *dst = out;
  char partial[PC_TEXT_MAX + 16];
  if (job->output[0] != '\0') {
    dst = pc_file_begin(job->output, partial, sizeof partial, e);
    if (dst == NULL) {
      pc_store_close(s);
      return PC_IO;
    }
    setvbuf(dst, NULL, _IOFBF, 1 << 20);
  }
  st = export_all(s, job, dst, e);
  int served = st == PC_OK || st == PC_DAMAGED;
  if (dst != out) {
    pc_status cst = pc_file_commit(dst, served, partial, job->output, e);
    st = served ? pc_status_worst(st, cst) : st;
  } else if ((fflush(dst) != 0 || ferror(dst)) && served) {
    st = pc_error_set(e, PC_IO, "standard output: write failed: %s",
                      strerror(errno));
  }
  pc_store_close(s);
  return st;
}
