/* The data check of a run (docs/DATA.md): train, forecast, backfill and
 * daily scan the series they read, log what they find on every rank, hand
 * it to the command layer for their report (pc_run_result), and with
 * `outliers = clean` give every model the
 * history views without the flagged closes.  The actuals (series.h5, the
 * scores, export's actuals) always keep what the data file says. */
#include <stdlib.h>
#include <string.h>

#include "run_internal.h"

/* Findings a rank's log lists one by one; the rest are counted. */
#define LOGGED_MAX 50

/* The key's value is validated when the job is read: one of keep, flag,
 * clean. */
static int outliers_are(const pc_job *job, const char *what) {
  return strcmp(job->outliers, what) == 0;
}

/* One finding as a log line (the log adds time, rank and level). */
static void log_finding(pc_ctx *c, const pc_quality_source *src,
                        const pc_quality_params *p, const pc_finding *f) {
  char line[512];
  pc_quality_format_finding(line, sizeof line, src, p, f);
  pc_log_warn(c->log, "data: %s", line);
}

/* Every rank logs what it found: a person reading one rank's log (the one
 * whose forecast looks odd) sees the data it worked from. */
static void log_findings(pc_ctx *c, const pc_quality_params *p) {
  const pc_quality *q = &c->quality;
  const pc_quality_source src = {c->job->data, 1};
  char counts[128];
  pc_quality_counts(q, counts, sizeof counts);
  pc_log_info(c->log, "data check of %s: %zu finding(s): %s; outliers = %s",
              c->job->data, q->n, counts, c->job->outliers);
  for (size_t i = 0; i < q->n && i < LOGGED_MAX; i++) {
    log_finding(c, &src, p, &q->f[i]);
  }
  if (q->n > LOGGED_MAX) {
    pc_log_warn(c->log, "data: ... and %zu more (pathcast check lists all)",
                q->n - LOGGED_MAX);
  }
}

/* Every rank scans the same bytes and so finds the same closes: each can
 * build its own clean views without a message between ranks. */
pc_status pc_run_check_data(pc_ctx *c, pc_error *e) {
  const pc_job *job = c->job;
  pc_quality_params p;
  if (outliers_are(job, "keep")) {
    return PC_OK;
  }
  pc_job_quality_params(job, &p);
  pc_status st = pc_quality_scan(&c->series, &p, &c->quality, e);
  if (st != PC_OK) {
    return st;
  }
  c->quality_scanned = 1;
  log_findings(c, &p);
  if (outliers_are(job, "clean")) {
    c->clean = malloc((c->series.n + 1) * sizeof *c->clean);
    if (c->clean == NULL) {
      return pc_error_set(e, PC_NOMEM, "out of memory");
    }
  }
  return PC_OK;
}

/* One buffer serves every view: a rank works on one date at a time, and a
 * model is done with its view when its fit or simulation returns. */
pc_history pc_run_history(pc_ctx *c, pc_date d) {
  const pc_series *s = &c->series;
  pc_history h;
  h.n = pc_series_rows_before(s, d);
  h.date = s->date;
  h.close = s->close;
  h.ncov = s->ncov;
  h.cov_name = (const char *const *)s->cov_name;
  h.cov = s->cov;
  /* The view is rebuilt for each date: a spike is hidden only from the
   * views that hold the close that reverses it (pathcast/core/quality.h). */
  if (c->clean != NULL) {
    pc_quality_clean(&c->quality, s->close, h.n, d, c->clean);
    h.close = c->clean;
  }
  return h;
}

/* Safe after a run that never scanned (keep, or an earlier error). */
void pc_run_quality_fini(pc_ctx *c) {
  pc_quality_fini(&c->quality);
  free(c->clean);
  c->clean = NULL;
  c->quality_scanned = 0;
}
