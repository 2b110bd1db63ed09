/* `pathcast status`: what the store holds, what is missing, what failed, and
 * when each model trains next -- the daily-production checklist in one
 * command.  It only reads (no lock), so it works while a run writes. */
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/json.h"
#include "pathcast/core/quality.h"
#include "pathcast/cli/commands.h"
#include "pathcast/core/schedule.h"
#include "pathcast/store/scores.h"
#include "pathcast/store/store.h"

/* The table (and the JSON's failures list) shows the newest failures only; the
 * totals are always exact, and failures.h5 holds them all. */
#define FAILURES_SHOWN 10
#define RANGES_SHOWN 20

/* A run of consecutive missing trading days. */
typedef struct {
  pc_date first, last;
} date_range;

typedef struct {
  /* Everything status learns about one model. Every array is owned here and
   * freed by free_models; counts are for the chosen range unless said
   * otherwise. */
  const pc_model_spec *spec;
  pc_date *have; /* stored forecast dates in the range, ascending */
  size_t nhave, trading;
  long leaks;      /* forecasts flagged has_data_leakage */
  long unreadable; /* partitions that failed the readers' checks */
  char **damaged;  /* each damaged file: "path: why (rebuild: command)" */
  size_t ndamaged;
  long scored;     /* forecasts whose stored scores are up to date */
  long to_score;   /* forecasts evaluate has not scored, or must rescore */
  date_range *missing;
  size_t nmissing, missing_days;
  size_t ntrained;
  pc_trained_meta latest; /* training_date PC_DATE_NONE when none */
  pc_date next_training;
  pc_date *due; /* scheduled trainings the range needs that are not stored */
  size_t ndue;
  pc_failure *failures; /* this model's, newest first */
  size_t nfailures;
} model_status;

typedef struct {
  /* The command's state: the store is opened as a reader (no lock), so status
   * may run while a writer holds the store; it may then see a partition from
   * just before or just after a commit, never half of one. */
  const pc_job *job;
  pc_store *store;
  pc_date start, end, anchor;
  model_status *models;
  pc_series series; /* the store's actuals, for the scores' state */
  pc_quality quality; /* the data check of the store's series */
} status_ctx;

/* Appends to a malloc'd array, doubling; returns 0 when memory runs out.
 * The capacity is implied by n (the next power of two), so the arrays need no
 * capacity field. On failure the array is unchanged and still owned by the
 * caller, who frees it as usual. */
static int push(void **v, size_t *n, size_t size, const void *item) {
  if ((*n & (*n - 1)) == 0) { /* n is 0 or a power of two: grow */
    void *grown = realloc(*v, (*n ? 2 * *n : 1) * size);
    if (grown == NULL) {
      return 0;
    }
    *v = grown;
  }
  memcpy((char *)*v + *n * size, item, size);
  (*n)++;
  return 1;
}

/* ---- gathering -------------------------------------------------------- */

/* Whether the scores of a month's partition are up to date (what evaluate
 * would rescore); `count` of its forecasts are in the range.
 * The check is evaluate's own (pc_store_scores_current: scores file present,
 * same horizon, made from this partition's checksum and the current actuals),
 * so "up to date" here means evaluate would not rescore. A failure to read the
 * scores counts the forecasts as to be scored: that is what evaluate would do
 * with them. */
static void score_state(status_ctx *c, model_status *m, int32_t month,
                        long count, uint64_t source) {
  const char *name = m->spec->name, *version = c->job->model_version;
  int current = 0;
  long stored = 0;
  pc_error ignored;
  if (count > 0) {
    pc_store_scores_current(c->store, name, version, month, c->job->horizon,
                            source, &c->series, &current, &stored, &ignored);
  }
  *(current ? &m->scored : &m->to_score) += count;
}

/* Records a file that failed the checks every reader makes, with the
 * command that rebuilds it. */
static pc_status add_damaged(model_status *m, const pc_error *why,
                             const char *hint, pc_error *e) {
  size_t len = strlen(why->msg) + strlen(hint) + 32;
  char *text = malloc(len);
  if (text != NULL) {
    snprintf(text, len, "%s (rebuild: %s)", why->msg, hint);
  }
  if (text == NULL ||
      !push((void **)&m->damaged, &m->ndamaged, sizeof text, &text)) {
    free(text);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  return PC_OK;
}

/* Every stored forecast date of a model (all months), with leak counts
 * restricted to [from, to] when to >= from.  A damaged partition is
 * recorded only when record_damage (once per run of status).
 * A partition is read with the same checks as every reader (checksums,
 * identity), so a file status calls intact is one a forecast run or an export
 * would serve. The date list is ascending because months come in order and each
 * partition's dates are sorted, which find_missing's binary search relies on.
 * from > to (as choose_range passes) means no range: every date counts and no
 * scores are checked. */
static pc_status stored_dates(status_ctx *c, model_status *m, pc_date from,
                              pc_date to, int record_damage, pc_error *e) {
  int32_t *months = NULL;
  size_t nmonths = 0;
  const char *name = m->spec->name, *version = c->job->model_version;
  pc_status st = pc_store_forecast_months(c->store, name, version, &months,
                                          &nmonths, e);
  pc_partition p;
  pc_partition_init(&p, c->job->paths, c->job->horizon);
  for (size_t i = 0; st == PC_OK && i < nmonths; i++) {
    pc_error why;
    if (pc_store_read_partition(c->store, name, version, months[i], &p, 1,
                                &why) != PC_OK) {
      char hint[PC_TEXT_MAX + 256];
      m->unreadable++;
      pc_job_rebuild_month_hint(c->job, name, months[i], hint, sizeof hint);
      st = record_damage ? add_damaged(m, &why, hint, e) : PC_OK;
      continue;
    }
    long in_range = 0;
    for (size_t j = 0; j < p.n && st == PC_OK; j++) {
      if (to >= from && (p.date[j] < from || p.date[j] > to)) {
        continue;
      }
      in_range++;
      m->leaks += p.leak[j] != 0;
      if (!push((void **)&m->have, &m->nhave, sizeof *m->have, &p.date[j])) {
        st = pc_error_set(e, PC_NOMEM, "out of memory");
      }
    }
    if (to >= from) {
      score_state(c, m, months[i], in_range, p.checksum);
    }
  }
  pc_partition_fini(&p);
  free(months);
  return st;
}

/* Missing trading days of [start, end], compressed into ranges.
 * Only trading days of the job's calendar count: a weekend or holiday is never
 * missing. Consecutive trading days form one range even across a weekend, so a
 * missed week prints as one range, not five days. */
static pc_status find_missing(status_ctx *c, model_status *m, pc_error *e) {
  const pc_calendar *cal = &c->job->calendar;
  pc_date prev = PC_DATE_NONE;
  for (pc_date d = pc_calendar_on_or_after(cal, c->start); d <= c->end;
       d = pc_calendar_next(cal, d)) {
    m->trading++;
    if (pc_dates_contain(m->have, m->nhave, d)) {
      continue;
    }
    m->missing_days++;
    if (m->nmissing > 0 && m->missing[m->nmissing - 1].last == prev &&
        pc_calendar_prev(cal, d) == prev) {
      m->missing[m->nmissing - 1].last = d;
    } else {
      date_range r = {d, d};
      if (!push((void **)&m->missing, &m->nmissing, sizeof r, &r)) {
        return pc_error_set(e, PC_NOMEM, "out of memory");
      }
    }
    prev = d;
  }
  return PC_OK;
}

/* Reads one trained model of the range as every reader does: a damaged one
 * is recorded; the latest intact one on or before the range's end is kept
 * (dates come in ascending order).
 * Reading the whole record is what proves the file intact; the record is
 * dropped at once. Only damage (PC_DAMAGED) is a finding; any other error (I/O,
 * memory) ends the command. */
static pc_status check_trained(status_ctx *c, model_status *m, pc_date t,
                               pc_error *e) {
  pc_trained_meta meta;
  pc_record rec;
  pc_error why;
  pc_record_init(&rec);
  pc_status st = pc_store_read_trained(c->store, m->spec->name,
                                       c->job->model_version, t, &meta, &rec,
                                       &why);
  pc_record_fini(&rec);
  if (st == PC_OK) {
    m->latest = meta;
    return PC_OK;
  }
  char hint[PC_TEXT_MAX + 256];
  pc_job_rebuild_trained_hint(c->job, m->spec->name, t, hint, sizeof hint);
  m->unreadable++;
  return st == PC_DAMAGED ? add_damaged(m, &why, hint, e)
                          : pc_error_set(e, st, "%s", why.msg);
}

/* Trained models: count, the latest, the next scheduled date after the
 * range, and the scheduled trainings the range needs that are missing.
 * A training is due when some trading day of the range is served by it
 * (pc_schedule_on_or_before) and the store lacks it: exactly the trainings a
 * forecast run of the range would plan. Trained models older than the one
 * serving the range's first day are counted but not read, so a long history
 * does not slow status down. */
static pc_status trained_status(status_ctx *c, model_status *m, pc_error *e) {
  const pc_job *job = c->job;
  pc_date *dates = NULL;
  pc_status st = pc_store_trained_dates(c->store, m->spec->name,
                                        job->model_version, &dates,
                                        &m->ntrained, e);
  m->latest.training_date = PC_DATE_NONE;
  /* Both the latest and the next training are relative to the range's end:
   * the latest stored one on or before it, the next scheduled after it. */
  pc_date first = pc_schedule_on_or_before(job->train_frequency, c->anchor,
                                           c->start);
  for (size_t i = 0; st == PC_OK && i < m->ntrained; i++) {
    if (dates[i] < first || dates[i] > c->end) {
      continue;
    }
    st = check_trained(c, m, dates[i], e);
  }
  m->next_training = pc_schedule_after(job->train_frequency, c->anchor, c->end);
  pc_date last = PC_DATE_NONE;
  for (pc_date d = pc_calendar_on_or_after(&job->calendar, c->start);
       st == PC_OK && d <= c->end; d = pc_calendar_next(&job->calendar, d)) {
    pc_date t = pc_schedule_on_or_before(job->train_frequency, c->anchor, d);
    if (t != last && !pc_dates_contain(dates, m->ntrained, t) &&
        !push((void **)&m->due, &m->ndue, sizeof t, &t)) {
      st = pc_error_set(e, PC_NOMEM, "out of memory");
    }
    last = t;
  }
  free(dates);
  return st;
}

/* Newest date first; a training and a forecast failure of one date are ordered
 * by kind so the order is stable across runs. */
static int newest_first(const void *pa, const void *pb) {
  const pc_failure *a = pa, *b = pb;
  if (a->date != b->date) {
    return a->date > b->date ? -1 : 1;
  }
  return (int)a->kind - (int)b->kind;
}

/* Whether a recorded failure concerns the range: a forecast of a day in
 * it, or a training the range's forecasts need.
 * A training failure belongs to the range when its date lies between the
 * training that serves the range's first day and the range's end, the same
 * window trained_status reads. */
static int failure_in_range(const status_ctx *c, const pc_failure *f) {
  if (f->kind == PC_FAIL_FORECAST) {
    return f->date >= c->start && f->date <= c->end;
  }
  pc_date first = pc_schedule_on_or_before(c->job->train_frequency, c->anchor,
                                           c->start);
  return f->date >= first && f->date <= c->end;
}

/* Only this model and model version: failures.h5 holds every model and version
 * of the store. */
static pc_status failures_of(status_ctx *c, const pc_failure *all, size_t n,
                             model_status *m, pc_error *e) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(all[i].model, m->spec->name) == 0 &&
        strcmp(all[i].version, c->job->model_version) == 0 &&
        failure_in_range(c, &all[i]) &&
        !push((void **)&m->failures, &m->nfailures, sizeof all[i], &all[i])) {
      return pc_error_set(e, PC_NOMEM, "out of memory");
    }
  }
  if (m->nfailures > 1) {
    qsort(m->failures, m->nfailures, sizeof *m->failures, newest_first);
  }
  return PC_OK;
}

/* The range: --start/--end (or the job's), else the span of stored
 * forecasts of the job's models.
 * The range defaults so that a bare `pathcast status --job FILE` checks
 * everything stored. The per-model results of this first pass are thrown away:
 * gather reads the partitions again for the chosen range, which costs a second
 * read but keeps one code path for the counts. The anchor falls back to the
 * range's start like the job reader's default. */
static pc_status choose_range(status_ctx *c, pc_error *e) {
  const pc_job *job = c->job;
  c->start = job->start;
  c->end = job->end;
  pc_date lo = PC_DATE_NONE, hi = PC_DATE_NONE;
  for (size_t i = 0; (c->start == PC_DATE_NONE || c->end == PC_DATE_NONE) &&
                     i < job->nmodels;
       i++) {
    model_status *m = &c->models[i];
    if (!pc_job_model_selected(job, i)) {
      continue;
    }
    pc_status st = stored_dates(c, m, 0, -1, 0, e);
    if (st != PC_OK) {
      return st;
    }
    if (m->nhave > 0) {
      lo = lo == PC_DATE_NONE || m->have[0] < lo ? m->have[0] : lo;
      hi = hi == PC_DATE_NONE || m->have[m->nhave - 1] > hi
               ? m->have[m->nhave - 1] : hi;
    }
    free(m->have);
    m->have = NULL;
    m->nhave = 0;
    m->leaks = m->unreadable = m->scored = m->to_score = 0;
  }
  c->start = c->start == PC_DATE_NONE ? lo : c->start;
  c->end = c->end == PC_DATE_NONE ? hi : c->end;
  if (c->start == PC_DATE_NONE || c->end == PC_DATE_NONE) {
    return pc_error_set(e, PC_INPUT, "store %s holds no forecasts of these "
                        "models: give --start and --end", job->store);
  }
  if (c->start > c->end) {
    char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
    return pc_error_set(e, PC_INPUT, "start %s is after end %s",
                        pc_date_format(c->start, a), pc_date_format(c->end, b));
  }
  c->anchor = job->train_anchor != PC_DATE_NONE ? job->train_anchor : c->start;
  return PC_OK;
}

/* A store without a series yet (no run finished) still gets a status: its
 * scores count as not up to date and the data line says so. */
static pc_status gather(status_ctx *c, pc_error *e) {
  pc_status st = choose_range(c, e);
  pc_failure *all = NULL;
  size_t nall = 0;
  if (st == PC_OK) {
    st = pc_store_read_failures(c->store, &all, &nall, e);
  }
  pc_error no_series;
  if (st == PC_OK &&
      pc_store_read_series(c->store, &c->series, &no_series) != PC_OK) {
    pc_series_fini(&c->series); /* none yet: no scores are up to date */
  }
  for (size_t i = 0; st == PC_OK && i < c->job->nmodels; i++) {
    model_status *m = &c->models[i];
    if (!pc_job_model_selected(c->job, i)) {
      continue;
    }
    st = stored_dates(c, m, c->start, c->end, 1, e);
    if (st == PC_OK) {
      st = find_missing(c, m, e);
    }
    if (st == PC_OK) {
      st = trained_status(c, m, e);
    }
    if (st == PC_OK) {
      st = failures_of(c, all, nall, m, e);
    }
  }
  free(all);
  if (st == PC_OK) {
    pc_quality_params p;
    pc_job_quality_params(c->job, &p);
    st = pc_quality_scan(&c->series, &p, &c->quality, e);
  }
  return st;
}

/* What makes the exit status 3: anything a run would fix (missing days,
 * trainings due, failures) or that needs a person (leakage, damage). Unscored
 * forecasts and the data check's findings are informational. */
static int model_ok(const model_status *m) {
  return m->missing_days == 0 && m->ndue == 0 && m->nfailures == 0 &&
         m->leaks == 0 && m->unreadable == 0;
}

/* ---- the table -------------------------------------------------------- */

static const char *fmt(pc_date d, char *buf) {
  return d == PC_DATE_NONE ? "-" : pc_date_format(d, buf);
}

static void print_ranges(FILE *out, const model_status *m) {
  char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
  size_t shown = m->nmissing < RANGES_SHOWN ? m->nmissing : RANGES_SHOWN;
  fprintf(out, "  missing      %s", m->nmissing == 0 ? "none" : "");
  for (size_t i = 0; i < shown; i++) {
    const date_range *r = &m->missing[i];
    if (r->first == r->last) {
      fprintf(out, "%s%s", i ? ", " : "", fmt(r->first, a));
    } else {
      fprintf(out, "%s%s..%s", i ? ", " : "", fmt(r->first, a),
              fmt(r->last, b));
    }
  }
  if (shown < m->nmissing) {
    fprintf(out, ", ... (%zu more ranges)", m->nmissing - shown);
  }
  fputc('\n', out);
}

static void print_training(FILE *out, const model_status *m) {
  char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN], c[PC_DATE_STRLEN];
  fprintf(out, "  trained      %zu model(s); latest %s (data through %s); next "
          "scheduled %s\n", m->ntrained, fmt(m->latest.training_date, a),
          fmt(m->ntrained ? m->latest.data_cutoff : PC_DATE_NONE, b),
          fmt(m->next_training, c));
  fprintf(out, "  due          %s",
          m->ndue == 0 ? "none missing" : "NOT TRAINED: ");
  for (size_t i = 0; i < m->ndue && i < RANGES_SHOWN; i++) {
    fprintf(out, "%s%s", i ? ", " : "", fmt(m->due[i], a));
  }
  fputc('\n', out);
}

static void print_failures(FILE *out, const model_status *m) {
  char d[PC_DATE_STRLEN];
  fprintf(out, "  failures     %zu\n", m->nfailures);
  size_t shown = m->nfailures < FAILURES_SHOWN ? m->nfailures : FAILURES_SHOWN;
  for (size_t i = 0; i < shown; i++) {
    const pc_failure *f = &m->failures[i];
    fprintf(out, "    %-8s %s  %s\n", pc_failure_kind_name(f->kind),
            fmt(f->date, d), f->reason);
  }
  if (shown < m->nfailures) {
    fprintf(out, "    ... and %zu more\n", m->nfailures - shown);
  }
}

/* The table is for people and may change; scripts read --format json. The ERROR
 * lines stand out from the indented fields on purpose: leakage and damage are
 * the two findings a person must act on. */
static void print_model(FILE *out, const model_status *m, const pc_job *job) {
  char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
  fprintf(out, "%s (%s, %s)\n", m->spec->name, m->spec->type->name,
          job->model_version);
  fprintf(out, "  forecasts    %zu/%zu trading days", m->nhave, m->trading);
  if (m->nhave > 0) {
    fprintf(out, ", %s..%s", fmt(m->have[0], a), fmt(m->have[m->nhave - 1], b));
  }
  fprintf(out, "%s\n", m->missing_days == 0 ? ", complete" : "");
  print_ranges(out, m);
  print_training(out, m);
  print_failures(out, m);
  fprintf(out, "  leakage      %ld flagged\n", m->leaks);
  fprintf(out, "  scores       %ld/%zu forecasts scored and up to date%s\n",
          m->scored, m->nhave,
          m->to_score > 0 ? " (pathcast evaluate scores the rest)" : "");
  if (m->leaks > 0) {
    fprintf(out, "ERROR: %ld forecast(s) of %s are flagged has_data_leakage\n",
            m->leaks, m->spec->name);
  }
  for (size_t i = 0; i < m->ndamaged; i++) {
    fprintf(out, "  damaged      %s\n", m->damaged[i]);
  }
  if (m->unreadable > 0) {
    fprintf(out, "ERROR: %ld file(s) of %s are damaged and not served (the "
            "next run of the job rebuilds them)\n", m->unreadable,
            m->spec->name);
  }
}

/* The data check's findings of the stored series: informational, like
 * the scores line (old findings stay in the actuals for good, so they
 * cannot be something to fix before the exit status is 0 again). */
static void print_data(FILE *out, const status_ctx *c) {
  const pc_quality *q = &c->quality;
  char counts[128], d[PC_DATE_STRLEN];
  if (q->rows == 0) {
    fprintf(out, "data         no series stored yet\n");
    return;
  }
  pc_quality_counts(q, counts, sizeof counts);
  fprintf(out, "data         series.h5: %zu rows, %zu closes; %s", q->rows,
          q->closes, counts);
  if (q->n > 0) {
    fprintf(out, "; latest %s %s (pathcast check lists them)",
            pc_finding_kind_name(q->f[q->n - 1].kind),
            pc_date_format(q->f[q->n - 1].first, d));
  }
  fputc('\n', out);
}

static void print_table(FILE *out, const status_ctx *c, int ok) {
  char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN], t[PC_DATE_STRLEN], schema[32];
  /* The schemas of the files status read: "1 and 2" tells that files
   * written before schema 2 remain (pathcast reads both). */
  fprintf(out, "pathcast status  %s  store %s (schema %s, %.1f MB)\n",
          pc_store_commodity(c->store), c->job->store,
          pc_store_schema_text(c->store, schema, sizeof schema),
          (double)pc_store_size(c->store) / 1e6);
  fprintf(out, "range %s..%s, %s calendar, %s training from %s\n",
          fmt(c->start, a), fmt(c->end, b),
          c->job->calendar.kind == PC_CAL_WEEKDAYS ? "weekdays" : "daily",
          pc_freq_name(c->job->train_frequency), fmt(c->anchor, t));
  print_data(out, c);
  for (size_t i = 0; i < c->job->nmodels; i++) {
    if (pc_job_model_selected(c->job, i)) {
      print_model(out, &c->models[i], c->job);
    }
  }
  fprintf(out, "STATUS: %s\n", ok ? "OK (exit 0)"
                                  : "ATTENTION: incomplete, failed or flagged "
                                    "(exit 3)");
}

/* ---- JSON ------------------------------------------------------------- */

/* Dates are ISO strings, and null where there is none, so a consumer never has
 * to know PC_DATE_NONE. */
static void json_date(FILE *out, const char *key, pc_date d, int comma) {
  char buf[PC_DATE_STRLEN];
  fprintf(out, "%s\"%s\":", comma ? "," : "", key);
  if (d == PC_DATE_NONE) {
    fputs("null", out);
  } else {
    fprintf(out, "\"%s\"", pc_date_format(d, buf));
  }
}

/* Every list is complete except failures (FAILURES_SHOWN, newest first;
 * failures_total gives the count). `ok` is model_ok, the same verdict that
 * decides the exit status. */
static void json_model(FILE *out, const model_status *m, const pc_job *job) {
  char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
  fputs("{\"model\":", out);
  pc_json_string(out, m->spec->name);
  fputs(",\"model_type\":", out);
  pc_json_string(out, m->spec->type->name);
  fputs(",\"model_version\":", out);
  pc_json_string(out, job->model_version);
  fprintf(out, ",\"trading_days\":%zu,\"forecasts\":%zu", m->trading, m->nhave);
  json_date(out, "first", m->nhave ? m->have[0] : PC_DATE_NONE, 1);
  json_date(out, "last", m->nhave ? m->have[m->nhave - 1] : PC_DATE_NONE, 1);
  fprintf(out, ",\"missing_days\":%zu,\"missing\":[", m->missing_days);
  for (size_t i = 0; i < m->nmissing; i++) {
    const date_range *r = &m->missing[i];
    fprintf(out, "%s\"%s%s%s\"", i ? "," : "", fmt(r->first, a),
            r->first == r->last ? "" : "..",
            r->first == r->last ? "" : fmt(r->last, b));
  }
  fprintf(out, "],\"trained\":%zu", m->ntrained);
  json_date(out, "latest_training_date", m->latest.training_date, 1);
  json_date(out, "latest_data_cutoff",
            m->ntrained ? m->latest.data_cutoff : PC_DATE_NONE, 1);
  json_date(out, "next_training_date", m->next_training, 1);
  fputs(",\"due_not_trained\":[", out);
  for (size_t i = 0; i < m->ndue; i++) {
    fprintf(out, "%s\"%s\"", i ? "," : "", fmt(m->due[i], a));
  }
  fprintf(out, "],\"failures_total\":%zu,\"failures\":[", m->nfailures);
  for (size_t i = 0; i < m->nfailures && i < FAILURES_SHOWN; i++) {
    const pc_failure *f = &m->failures[i];
    fprintf(out, "%s{\"kind\":\"%s\",\"date\":\"%s\",\"reason\":", i ? "," : "",
            pc_failure_kind_name(f->kind), fmt(f->date, a));
    pc_json_string(out, f->reason);
    fputc('}', out);
  }
  fputs("],\"damaged\":[", out);
  for (size_t i = 0; i < m->ndamaged; i++) {
    fputs(i ? "," : "", out);
    pc_json_string(out, m->damaged[i]);
  }
  fprintf(out, "],\"leakage_flagged\":%ld,\"damaged_files\":%ld,"
          "\"scores_up_to_date\":%ld,\"scores_to_compute\":%ld,\"ok\":%s}",
          m->leaks, m->unreadable, m->scored, m->to_score,
          model_ok(m) ? "true" : "false");
}

static void json_data(FILE *out, const pc_quality *q) {
  const pc_quality_source src = {"series.h5", 0};
  fprintf(out, ",\"data\":{\"rows\":%zu,\"closes\":%zu,\"spikes\":%zu,"
          "\"stale\":%zu,\"gaps\":%zu,\"findings\":[", q->rows, q->closes,
          q->nspike, q->nstale, q->ngap);
  for (size_t i = 0; i < q->n; i++) {
    fputs(i ? "," : "", out);
    pc_quality_json_finding(out, &src, &q->f[i]);
  }
  fputs("]}", out);
}

/* One JSON object on one line, so `pathcast status --format json | jq` works
 * and a log line holds a whole status. schema_version is the oldest schema of
 * the store's files; schema_versions lists every schema present. */
static void print_json(FILE *out, const status_ctx *c, int ok) {
  fputs("{\"commodity\":", out);
  pc_json_string(out, pc_store_commodity(c->store));
  fputs(",\"store\":", out);
  pc_json_string(out, c->job->store);
  fprintf(out, ",\"schema_version\":%d,\"schema_versions\":[",
          pc_store_schema_oldest(c->store));
  for (int v = 1, first = 1; v <= PC_SCHEMA_VERSION; v++) {
    if (pc_store_schema_files(c->store, v) > 0) {
      fprintf(out, "%s%d", first ? "" : ",", v);
      first = 0;
    }
  }
  fprintf(out, "],\"size_bytes\":%llu",
          (unsigned long long)pc_store_size(c->store));
  json_date(out, "start", c->start, 1);
  json_date(out, "end", c->end, 1);
  json_data(out, &c->quality);
  fprintf(out, ",\"ok\":%s,\"models\":[", ok ? "true" : "false");
  int first = 1;
  for (size_t i = 0; i < c->job->nmodels; i++) {
    if (pc_job_model_selected(c->job, i)) {
      fputs(first ? "" : ",", out);
      json_model(out, &c->models[i], c->job);
      first = 0;
    }
  }
  fputs("]}\n", out);
}

/* ---- the command ------------------------------------------------------ */

static void free_models(status_ctx *c) {
  for (size_t i = 0; c->models != NULL && i < c->job->nmodels; i++) {
    model_status *m = &c->models[i];
    free(m->have);
    free(m->missing);
    free(m->due);
    free(m->failures);
    for (size_t j = 0; j < m->ndamaged; j++) {
      free(m->damaged[j]);
    }
    free(m->damaged);
  }
  free(c->models);
}

/* Runs on one process without MPI (src/cli/main.c, run_read_only). Returns
 * PC_PARTIAL (exit 3) when any selected model needs attention, PC_OK otherwise;
 * a store that cannot be opened or read is an error of its own. Everything is
 * gathered before anything is printed, so an error never leaves half a table.
 */
pc_status pc_status_report(const pc_job *job, FILE *out, pc_error *e) {
  status_ctx c;
  memset(&c, 0, sizeof c);
  c.job = job;
  pc_status st = pc_store_open(&c.store, job->store, PC_STORE_READ, NULL, e);
  if (st != PC_OK) {
    return st;
  }
  c.models = calloc(job->nmodels, sizeof *c.models);
  for (size_t i = 0; c.models != NULL && i < job->nmodels; i++) {
    c.models[i].spec = &job->models[i];
  }
  st = c.models ? gather(&c, e) : pc_error_set(e, PC_NOMEM, "out of memory");
  int ok = 1;
  for (size_t i = 0; st == PC_OK && i < job->nmodels; i++) {
    ok = ok && (!pc_job_model_selected(job, i) || model_ok(&c.models[i]));
  }
  if (st == PC_OK && strcmp(job->format, "json") == 0) {
    print_json(out, &c, ok);
  } else if (st == PC_OK) {
    print_table(out, &c, ok);
  }
  free_models(&c);
  pc_quality_fini(&c.quality);
  pc_series_fini(&c.series);
  pc_store_close(c.store);
  return st == PC_OK && !ok ? PC_PARTIAL : st;
}
