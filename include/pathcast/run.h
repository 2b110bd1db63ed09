/* Running a job: train, forecast, backfill and daily over MPI, and the
 * read-only commands models and export.  main() is a thin layer over these. */
#ifndef PC_RUN_H
#define PC_RUN_H

#include <mpi.h>
#include <stdio.h>

#include "pathcast/job.h"
#include "pathcast/status.h"

/* The counts of a run, one X(name) each: the struct and every place that
 * moves the counts between ranks are made from this one list, so a count is
 * never packed or unpacked by its position. */
#define PC_SUMMARY_FIELDS(X)                                                  \
  X(trained) X(train_skipped) X(train_failed)                                 \
  X(generated) X(forecast_skipped) X(forecast_failed)                         \
  X(scored) X(score_skipped) X(score_failed) /* evaluate: forecasts */

typedef struct {
#define PC_SUMMARY_MEMBER(name) long name;
  PC_SUMMARY_FIELDS(PC_SUMMARY_MEMBER)
#undef PC_SUMMARY_MEMBER
} pc_summary;

/* Runs a train/forecast/backfill/daily/evaluate job on every rank of comm (a
 * collective call).  evaluate scores what the store lacks on every rank, then
 * rank 0 prints the averages (pathcast/evaluate.h).  Returns the same status on every rank: PC_OK,
 * PC_PARTIAL (some model or date failed), PC_INTERRUPTED, or an error.  The
 * summary is complete on rank 0; e holds a message on rank 0 when the
 * error is one all ranks share (a rank-local error is printed by its rank). */
pc_status pc_run(const pc_job *job, MPI_Comm comm, pc_summary *sum,
                 pc_error *e);

/* Read-only commands, on one process. */
pc_status pc_models(const pc_job *job, FILE *out, pc_error *e);
pc_status pc_export(const pc_job *job, FILE *out, pc_error *e);
/* `status`: PC_OK when coverage is complete and nothing failed or is
 * flagged, PC_PARTIAL (exit 3) otherwise. */
pc_status pc_status_report(const pc_job *job, FILE *out, pc_error *e);
/* `verify`: PC_OK when every file is intact, PC_PARTIAL (exit 3) when any is
 * damaged (each named on its own DAMAGED line). */
pc_status pc_verify(const pc_job *job, FILE *out, pc_error *e);
/* `check`: the data-quality findings of the job's data file, one line each
 * (pathcast/quality.h).  PC_OK when there are none, PC_PARTIAL (exit 3) when
 * something is flagged, PC_INPUT when the file does not parse. */
pc_status pc_check(const pc_job *job, FILE *out, pc_error *e);
/* `migrate`: rewrites the store's files of an older schema in the current
 * one under the writer's lock (pc_store_migrate); PC_DAMAGED (exit 3) when
 * a damaged file was left as it is. */
pc_status pc_migrate(const pc_job *job, FILE *out, pc_error *e);

/* Signals: SIGTERM, SIGINT and SIGUSR1 ask a run to stop after the unit in
 * flight, commit, and return PC_INTERRUPTED. */
void pc_signal_install(void);
int pc_signal_pending(void);

#endif
