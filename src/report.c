/* What a run tells people: the failures it records in the store, the
 * summary on standard output (the seed's daily report for `daily`), and the
 * counts as JSON. */
#include <stdlib.h>
#include <string.h>

#include "pathcast/file.h"
#include "pathcast/schedule.h"
#include "run_internal.h"

/* ---- recorded failures ------------------------------------------------ */

static int same_key(const pc_failure *a, const pc_failure *b) {
  return a->kind == b->kind && a->date == b->date &&
         strcmp(a->model, b->model) == 0 && strcmp(a->version, b->version) == 0;
}

/* Trainings first (a failed training explains the forecasts that needed
 * it), each kind newest first, then by model. */
static int cmp_failure(const void *pa, const void *pb) {
  const pc_failure *a = pa, *b = pb;
  if (a->kind != b->kind) {
    return (int)a->kind - (int)b->kind;
  }
  if (a->date != b->date) {
    return a->date > b->date ? -1 : 1;
  }
  int m = strcmp(a->model, b->model);
  return m != 0 ? m : strcmp(a->version, b->version);
}

/* An old failure is resolved when what failed is in the store now. */
static int resolved(pc_ctx *c, const pc_failure *f) {
  pc_error ignored;
  pc_date *dates = NULL;
  size_t n = 0;
  int found = 0;
  if (f->kind == PC_FAIL_TRAIN) {
    if (pc_store_trained_dates(c->store, f->model, f->version, &dates, &n,
                               &ignored) == PC_OK) {
      found = pc_dates_contain(dates, n, f->date);
    }
    free(dates);
    return found;
  }
  pc_partition p;
  pc_partition_init(&p, c->job->paths, c->job->horizon);
  if (pc_store_read_partition(c->store, f->model, f->version,
                              pc_date_month_index(f->date), &p, 1,
                              &ignored) == PC_OK) {
    found = pc_dates_contain(p.date, p.n, f->date);
  }
  pc_partition_fini(&p);
  return found;
}

static int keep_old(pc_ctx *c, const pc_failure *f) {
  for (size_t i = 0; i < c->nfailures; i++) {
    if (same_key(f, &c->failures[i])) {
      return 0; /* retried in this run: the new record replaces it */
    }
  }
  return !resolved(c, f);
}

static int lists_equal(const pc_failure *a, size_t na, const pc_failure *b,
                       size_t nb) {
  if (na != nb) {
    return 0;
  }
  for (size_t i = 0; i < na; i++) {
    if (!same_key(&a[i], &b[i]) || strcmp(a[i].reason, b[i].reason) != 0) {
      return 0;
    }
  }
  return 1;
}

/* Rank 0: recorded = this run's failures + earlier ones neither retried nor
 * resolved.  Written only when it changed, so a run with nothing to do
 * changes no byte of the store. */
pc_status pc_report_failures(pc_ctx *c, pc_error *e) {
  pc_failure *old = NULL;
  size_t nold = 0;
  pc_status st = pc_store_read_failures(c->store, &old, &nold, e);
  int damaged = st != PC_OK;
  if (damaged) {
    pc_log_warn(c->log, "%s; recording this run's failures only", e->msg);
    nold = 0;
  }
  size_t n = c->nfailures;
  pc_failure *all = malloc((n + nold ? n + nold : 1) * sizeof *all);
  if (all == NULL) {
    free(old);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  memcpy(all, c->failures, n * sizeof *all);
  for (size_t i = 0; i < nold; i++) {
    if (keep_old(c, &old[i])) {
      all[n++] = old[i];
    }
  }
  qsort(all, n, sizeof *all, cmp_failure);
  st = PC_OK;
  if (damaged || !lists_equal(all, n, old, nold)) {
    st = pc_store_write_failures(c->store, all, n, e);
  }
  free(old);
  free(c->failures);
  c->failures = all;
  c->nfailures = c->capfailures = n;
  return st;
}

/* ---- the summary ------------------------------------------------------ */

/* Each failure says how it will be retried, and only what holds. */
static void list_failures(const pc_ctx *c, FILE *out) {
  size_t shown = c->nfailures < 20 ? c->nfailures : 20;
  if (c->nfailures == 0) {
    return;
  }
  fprintf(out, "Recorded failures (%zu: trainings, then forecasts, newest "
               "first):\n", c->nfailures);
  for (size_t i = 0; i < shown; i++) {
    const pc_failure *f = &c->failures[i];
    char d[PC_DATE_STRLEN], note[PC_TEXT_MAX + 512];
    pc_failure_retry_note(c, f, note, sizeof note);
    fprintf(out, "  %-8s %-20s %s  %s\n           (%s)\n",
            pc_failure_kind_name(f->kind), f->model,
            pc_date_format(f->date, d), f->reason, note);
  }
  if (shown < c->nfailures) {
    fprintf(out, "  ... and %zu more (pathcast logs and the store's "
                 "failures.h5 hold all)\n", c->nfailures - shown);
  }
}

void pc_report_summary(pc_ctx *c, pc_status st, FILE *out) {
  const pc_job *job = c->job;
  const pc_summary *s = &c->sum;
  if (job->command == PC_CMD_DAILY) {
    pc_daily_report_text(c, out);
  } else {
    char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
    fprintf(out, "pathcast %s  %s  %s..%s  %zu model(s)  %d rank(s)\n",
            pc_command_name(job->command), job->commodity,
            pc_date_format(job->start, a), pc_date_format(job->end, b),
            job->nmodels, c->size);
  }
  fprintf(out, "Training:  trained %ld, skipped %ld, failed %ld\n", s->trained,
          s->train_skipped, s->train_failed);
  fprintf(out, "Forecasts: generated %ld, skipped %ld, failed %ld\n",
          s->generated, s->forecast_skipped, s->forecast_failed);
  pc_run_print_data(c, out, 10);
  list_failures(c, out);
  fprintf(out, "Status:    %s (exit %d)\n", pc_strerror(st),
          pc_status_exit_code(st));
  /* Only a folder that exists is named. */
  if (pc_log_is_file(c->log)) {
    fprintf(out, "Store:     %s\nLogs:      %s\n", job->store, c->log_dir);
  } else {
    fprintf(out, "Store:     %s\nLogs:      none (%s could not be created; "
            "messages went to standard error)\n", job->store, c->log_dir);
  }
  fflush(out);
}

pc_status pc_report_summary_json(const pc_job *job, const pc_summary *s,
                                 pc_error *e) {
  const char *path = job->summary_json;
  if (path[0] == '\0') {
    return PC_OK;
  }
  char partial[PC_TEXT_MAX + 16];
  FILE *f = pc_file_begin(path, partial, sizeof partial, e);
  if (f == NULL) {
    return PC_IO;
  }
  int ok = 1;
  if (pc_command_scores(job->command)) {
    ok = fprintf(f, "{\"scored\":%ld,\"score_skipped\":%ld,"
                 "\"score_failed\":%ld}\n", s->scored, s->score_skipped,
                 s->score_failed) > 0;
  } else {
    ok = fprintf(f, "{\"trained\":%ld,\"train_skipped\":%ld,"
                 "\"train_failed\":%ld,\"forecasts_generated\":%ld,"
                 "\"forecasts_skipped\":%ld,\"forecasts_failed\":%ld}\n",
                 s->trained, s->train_skipped, s->train_failed, s->generated,
                 s->forecast_skipped, s->forecast_failed) > 0;
  }
  if (!ok) {
    pc_error_set(e, PC_IO, "%s: cannot write the summary", path);
  }
  return pc_file_commit(f, ok, partial, path, e);
}
