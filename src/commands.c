/* The read-only commands: `models` lists trained models, `export` writes
 * stored forecasts as CSV.  Both read the store without taking its lock, so
 * they work while a run is writing (files appear whole, by rename). */
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/file.h"
#include "pathcast/json.h"
#include "pathcast/run.h"
#include "pathcast/store.h"

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

/* n with commas between groups of three digits ("1,024"). */
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

static void print_model_json(FILE *out, const pc_job *job, const char *commodity,
                             size_t m, const pc_trained_meta *meta,
                             const pc_record *rec) {
  char t[PC_DATE_STRLEN], c[PC_DATE_STRLEN];
  fputs("{\"commodity\":", out);
  pc_json_string(out, commodity);
  fputs(",\"model\":", out);
  pc_json_string(out, job->models[m].name);
  fputs(",\"model_type\":", out);
  pc_json_string(out, job->models[m].type->name);
  fputs(",\"model_version\":", out);
  pc_json_string(out, job->model_version);
  fprintf(out, ",\"training_date\":\"%s\",\"data_cutoff_date\":\"%s\","
          "\"n_obs\":%lld,\"params\":", pc_date_format(meta->training_date, t),
          pc_date_format(meta->data_cutoff, c), (long long)meta->n_obs);
  json_section(out, rec, PC_SECTION_PARAMS);
  fputs(",\"diagnostics\":", out);
  json_section(out, rec, PC_SECTION_DIAGNOSTICS);
  fputs("}\n", out);
}

static void print_model_row(FILE *out, const pc_job *job, size_t m,
                            const pc_trained_meta *meta, const pc_record *rec) {
  char t[PC_DATE_STRLEN], c[PC_DATE_STRLEN];
  fprintf(out, "%-20s %-8s %s  %s  %6lld ", job->models[m].name,
          job->model_version, pc_date_format(meta->training_date, t),
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

static pc_status list_model(pc_store *s, const pc_job *job, size_t m,
                            int json, FILE *out, pc_error *e) {
  pc_date *dates = NULL;
  size_t n = 0;
  const char *name = job->models[m].name;
  pc_status st = pc_store_trained_dates(s, name, job->model_version, &dates,
                                        &n, e);
  pc_status damaged = PC_OK;
  for (size_t i = 0; st == PC_OK && i < n; i++) {
    pc_trained_meta meta;
    pc_record rec;
    pc_error why;
    pc_record_init(&rec);
    st = pc_store_read_trained(s, name, job->model_version, dates[i], &meta,
                               &rec, &why);
    if (st == PC_DAMAGED) {
      char hint[PC_TEXT_MAX + 256];
      pc_job_rebuild_trained_hint(job, name, dates[i], hint, sizeof hint);
      report_damaged(&why, hint);
      damaged = PC_DAMAGED;
      st = PC_OK;
    } else if (st != PC_OK) {
      pc_error_set(e, st, "%s", why.msg);
    } else if (json) {
      print_model_json(out, job, pc_store_commodity(s), m, &meta, &rec);
    } else {
      print_model_row(out, job, m, &meta, &rec);
    }
    pc_record_fini(&rec);
  }
  free(dates);
  return st != PC_OK ? st : damaged;
}

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
    if (pc_job_model_selected(job, m)) {
      st = list_model(s, job, m, json, out, e);
      damaged = st == PC_DAMAGED ? st : damaged;
    }
  }
  pc_store_close(s);
  return st == PC_OK ? damaged : st;
}

/* ---- export ----------------------------------------------------------- */

static int in_range(const pc_job *job, pc_date d) {
  return (job->start == PC_DATE_NONE || d >= job->start) &&
         (job->end == PC_DATE_NONE || d <= job->end);
}

static void row_head(FILE *out, long path_id, const pc_partition *p, size_t i,
                     const char *commodity, const pc_job *job, size_t m,
                     int actuals) {
  char d[PC_DATE_STRLEN], c[PC_DATE_STRLEN], t[PC_DATE_STRLEN];
  fprintf(out, "%ld,%s,%s,%s,%s,%s,%s,%d,%d", path_id,
          pc_date_format(p->date[i], d), pc_date_format(p->cutoff[i], c),
          pc_date_format(p->training[i], t), commodity, job->models[m].name,
          job->model_version, actuals, p->leak[i]);
}

/* path_id 0: the observed closes of day_1..day_H, empty where unknown. */
static void actuals_row(FILE *out, const pc_partition *p, size_t i,
                        const pc_series *series, const char *commodity,
                        const pc_job *job, size_t m) {
  row_head(out, 0, p, i, commodity, job, m, 1);
  for (int k = 0; k < p->horizon; k++) {
    long r = pc_series_find(series, p->day[i * (size_t)p->horizon + (size_t)k]);
    char buf[40] = "";
    if (r >= 0 && !isnan(series->close[r])) {
      pc_format_double(series->close[r], buf, sizeof buf);
    }
    fprintf(out, ",%s", buf);
  }
  fputc('\n', out);
}

/* %.9g prints every float32 so that it reads back as the same float32. */
static void export_forecast(FILE *out, const pc_partition *p, size_t i,
                            const pc_series *series, const char *commodity,
                            const pc_job *job, size_t m) {
  actuals_row(out, p, i, series, commodity, job, m);
  const float *v = pc_partition_values(p, i);
  for (int path = 0; path < p->paths; path++) {
    row_head(out, path + 1, p, i, commodity, job, m, 0);
    for (int k = 0; k < p->horizon; k++) {
      fprintf(out, ",%.9g", (double)v[(size_t)path * (size_t)p->horizon + (size_t)k]);
    }
    fputc('\n', out);
  }
}

static pc_status export_model(pc_store *s, const pc_series *series,
                              const pc_job *job, size_t m, FILE *out,
                              pc_error *e) {
  int32_t *months = NULL;
  size_t n = 0;
  const char *name = job->models[m].name;
  pc_status st = pc_store_forecast_months(s, name, job->model_version, &months,
                                          &n, e);
  pc_partition p;
  pc_partition_init(&p, job->paths, job->horizon);
  pc_status damaged = PC_OK;
  for (size_t j = 0; st == PC_OK && j < n; j++) {
    pc_error why;
    st = pc_store_read_partition(s, name, job->model_version, months[j], &p, 0,
                                 &why);
    if (st == PC_DAMAGED) {
      char hint[PC_TEXT_MAX + 256];
      pc_job_rebuild_month_hint(job, name, months[j], hint, sizeof hint);
      report_damaged(&why, hint);
      damaged = PC_DAMAGED;
      st = PC_OK;
      continue;
    }
    if (st != PC_OK) {
      pc_error_set(e, st, "%s", why.msg);
    }
    for (size_t i = 0; st == PC_OK && i < p.n; i++) {
      if (in_range(job, p.date[i])) {
        export_forecast(out, &p, i, series, pc_store_commodity(s), job, m);
      }
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

static pc_status export_all(pc_store *s, const pc_job *job, FILE *out,
                            pc_error *e) {
  pc_series series;
  pc_status st = pc_store_read_series(s, &series, e);
  int have_series = st == PC_OK;
  const pc_model_spec **order = calloc(job->nmodels, sizeof *order);
  if (st == PC_OK && order == NULL) {
    st = pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (size_t m = 0; order != NULL && m < job->nmodels; m++) {
    order[m] = &job->models[m];
  }
  if (order != NULL) {
    qsort(order, job->nmodels, sizeof *order, cmp_name);
  }
  fprintf(out, "path_id,forecast_start_date,data_cutoff_date,training_date,"
               "commodity,model,model_version,is_actuals,has_data_leakage");
  for (int k = 1; k <= job->horizon; k++) {
    fprintf(out, ",day_%d", k);
  }
  fputc('\n', out);
  pc_status damaged = PC_OK;
  for (size_t i = 0; st == PC_OK && i < job->nmodels; i++) {
    size_t m = (size_t)(order[i] - job->models);
    if (pc_job_model_selected(job, m)) {
      st = export_model(s, &series, job, m, out, e);
    }
    if (st == PC_DAMAGED) {
      damaged = st;
      st = PC_OK;
    }
  }
  st = st == PC_OK ? damaged : st;
  free(order);
  if (have_series) {
    pc_series_fini(&series);
  }
  return st;
}

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
