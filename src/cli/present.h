/* Internal to the command layer: what the run commands print, each part
 * working from a finished run's result (pathcast/driver/run.h) and, for the
 * evaluation and the HTML report, from the store read as a reader.  Called
 * on rank 0 after the run's last vote; nothing here is collective. */
#ifndef PC_PRESENT_H
#define PC_PRESENT_H

#include <stdio.h>

#include "pathcast/cli/commands.h"
#include "pathcast/job/job.h"
#include "pathcast/driver/run.h"

/* report.c: the run's summary (the daily report for `daily`), its data
 * check's findings (at most `max` listed in text; every one in JSON), and
 * --summary-json. */
void pc_report_summary(const pc_job *job, const pc_run_result *r,
                       pc_status st, FILE *out);
void pc_report_data_text(const pc_job *job, const pc_run_result *r, FILE *out,
                         size_t max);
void pc_report_data_json(const pc_job *job, const pc_run_result *r,
                         FILE *out);
pc_status pc_report_summary_json(const pc_job *job, const pc_summary *s,
                                 pc_error *e);

/* daily_report.c: what `daily` did for each model, as text or as one JSON
 * object for monitors; and how a recorded failure will be retried, in
 * words that hold (the next daily run, a rerun, or the command to run). */
void pc_daily_report_text(const pc_job *job, const pc_run_result *r,
                          FILE *out);
void pc_daily_report_json(const pc_job *job, const pc_run_result *r,
                          pc_status st, FILE *out);
void pc_failure_retry_note(const pc_job *job, const pc_failure *f, char *buf,
                           size_t len);

/* evaluate_cmd.c: the scoring counts and failures on standard error; the
 * table of averages of the scores the store holds (read by a reader of
 * its own); evaluate --model_version A,B, a run per version and one
 * table. */
void pc_report_score_counts(const pc_job *job, const pc_run_result *r,
                            pc_status st);
pc_status pc_report_evaluation(const pc_job *job, const pc_run_result *r,
                               pc_status st, FILE *out, pc_error *e);
pc_status pc_evaluate_versions(const pc_job *job, pc_error *e);

/* report_cmd.c: the HTML page and its figures (job->output). */
pc_status pc_report_html(const pc_job *job, const pc_run_result *r,
                         pc_status st, pc_error *e);

#endif
