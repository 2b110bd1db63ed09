/* What a run tells people (the command layer, rank 0, after the run): the
 * summary on standard output (the seed's daily report for `daily`), the
 * data check's findings, and the counts as JSON (--summary-json). */
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/file.h"
#include "pathcast/core/json.h"
#include "present.h"

/* ---- the data check ------------------------------------------------- */

/* What the run did with the findings, said where they are listed. */
static const char *treatment(const pc_job *job) {
  return strcmp(job->outliers, "clean") == 0
             ? "flagged closes are missing for the models (the actuals keep "
               "them)"
             : "reported only";
}

/* The report lists a few findings and points to `check` for the rest: a
 * feed that went bad for weeks would otherwise bury the run's summary. */
void pc_report_data_text(const pc_job *job, const pc_run_result *r, FILE *out,
                         size_t max) {
  const pc_quality *q = &r->quality;
  if (!r->quality_checked) {
    fprintf(out, "Data:      not checked (outliers = keep)\n");
    return;
  }
  char counts[128];
  pc_quality_params p;
  pc_job_quality_params(job, &p);
  pc_quality_counts(q, counts, sizeof counts);
  fprintf(out, "Data:      %s: %zu finding(s) (%s); outliers = %s%s%s\n",
          job->data, q->n, counts, job->outliers, q->n ? ": " : "",
          q->n ? treatment(job) : "");
  const pc_quality_source src = {job->data, 1};
  for (size_t i = 0; i < q->n && i < max; i++) {
    fputs("  WARNING  ", out);
    pc_quality_print_finding(out, &src, &p, &q->f[i]);
  }
  if (q->n > max) {
    fprintf(out, "  ... and %zu more (pathcast check --job %s lists all)\n",
            q->n - max, job->job_path[0] ? job->job_path : "FILE");
  }
}

/* A monitor gets every finding: it filters, a person reading text does
 * not.
 * Findings are located by the data file's lines (has_lines = 1): the run
 * checked the job's file, unlike status and report, which check the store's
 * series. */
void pc_report_data_json(const pc_job *job, const pc_run_result *r,
                         FILE *out) {
  const pc_quality *q = &r->quality;
  const pc_quality_source src = {job->data, 1};
  fputs("\"data\":{\"file\":", out);
  pc_json_string(out, job->data);
  fprintf(out, ",\"outliers\":\"%s\",\"checked\":%s", job->outliers,
          r->quality_checked ? "true" : "false");
  if (r->quality_checked) {
    fprintf(out, ",\"spikes\":%zu,\"stale\":%zu,\"gaps\":%zu,\"findings\":[",
            q->nspike, q->nstale, q->ngap);
    for (size_t i = 0; i < q->n; i++) {
      fputs(i ? "," : "", out);
      pc_quality_json_finding(out, &src, &q->f[i]);
    }
    fputc(']', out);
  }
  fputc('}', out);
}

/* ---- the summary ------------------------------------------------------ */

/* Each failure says how it will be retried, and only what holds.
 * Twenty lines keep a bad night's summary readable in a scheduler's mail; the
 * count is exact and failures.h5 keeps every one. The order is the store's
 * (pathcast/driver/run.h), so the newest failures are the ones shown. */
static void list_failures(const pc_job *job, const pc_run_result *r,
                          FILE *out) {
  size_t shown = r->nfailures < 20 ? r->nfailures : 20;
  if (r->nfailures == 0) {
    return;
  }
  fprintf(out, "Recorded failures (%zu: trainings, then forecasts, newest "
               "first):\n", r->nfailures);
  for (size_t i = 0; i < shown; i++) {
    const pc_failure *f = &r->failures[i];
    char d[PC_DATE_STRLEN], note[PC_TEXT_MAX + 512];
    pc_failure_retry_note(job, f, note, sizeof note);
    fprintf(out, "  %-8s %-20s %s  %s\n           (%s)\n",
            pc_failure_kind_name(f->kind), f->model,
            pc_date_format(f->date, d), f->reason, note);
  }
  if (shown < r->nfailures) {
    fprintf(out, "  ... and %zu more (pathcast logs and the store's "
                 "failures.h5 hold all)\n", r->nfailures - shown);
  }
}

/* Rank 0 only, after the run's last vote (src/cli/run_cmd.c); every line starts
 * with a fixed label so that grep and eyes find the same things. The status
 * line repeats the exit code, because a scheduler's mail often shows the output
 * without it. */
void pc_report_summary(const pc_job *job, const pc_run_result *r,
                       pc_status st, FILE *out) {
  const pc_summary *s = &r->sum;
  if (job->command == PC_CMD_DAILY) {
    pc_daily_report_text(job, r, out);
  } else {
    char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
    fprintf(out, "pathcast %s  %s  %s..%s  %zu model(s)  %d rank(s)\n",
            pc_command_name(job->command), job->commodity,
            pc_date_format(job->start, a), pc_date_format(job->end, b),
            job->nmodels, r->nranks);
  }
  fprintf(out, "Training:  trained %ld, skipped %ld, failed %ld\n", s->trained,
          s->train_skipped, s->train_failed);
  fprintf(out, "Forecasts: generated %ld, skipped %ld, failed %ld\n",
          s->generated, s->forecast_skipped, s->forecast_failed);
  pc_report_data_text(job, r, out, 10);
  list_failures(job, r, out);
  fprintf(out, "Status:    %s (exit %d)\n", pc_strerror(st),
          pc_status_exit_code(st));
  /* Only a folder that exists is named. */
  if (r->log_written) {
    fprintf(out, "Store:     %s\nLogs:      %s\n", job->store, r->log_dir);
  } else {
    fprintf(out, "Store:     %s\nLogs:      none (%s could not be created; "
            "messages went to standard error)\n", job->store, r->log_dir);
  }
  fflush(out);
}

/* The counts for a monitor, written through a .partial and renamed, so a
 * monitor polling the file never reads half an object. The scoring commands
 * have their own counts: a training count of 0 there would read as "nothing
 * trained" rather than "not a training command". On a failed write the partial
 * file is removed and the error names the path. */
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
