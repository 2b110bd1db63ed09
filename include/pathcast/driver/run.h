/* The MPI driver: runs a job's phases (plan, then train and forecast, or
 * score) over the ranks of a communicator and returns what happened.  It
 * prints nothing but progress and rank-local errors: what a run tells
 * people is the command layer's (pathcast/cli/commands.h), from the result. */
#ifndef PC_RUN_H
#define PC_RUN_H

#include <mpi.h>
#include <stddef.h>

#include "pathcast/job/job.h"
#include "pathcast/core/quality.h"
#include "pathcast/core/status.h"
#include "pathcast/store/store.h"

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

/* The kinds of work a plan holds. */
typedef enum {
  PC_UNIT_TRAIN = 0,    /* one model at one training date */
  PC_UNIT_FORECAST = 1, /* one model's forecast dates of one month */
  PC_UNIT_SCORE = 2     /* one model's stored forecasts of one month */
} pc_unit_kind;

struct pc_plan;

/* What a run did.  Complete on rank 0 (the other ranks hold their own
 * counts only); pc_run_result_fini releases what it owns. */
typedef struct {
  pc_summary sum;  /* every rank's counts, summed */
  int nranks;
  int reached_store; /* the store was opened: there are results to show */
  /* train, forecast, backfill, daily: the failures the store records now
   * (this run's, then earlier ones neither retried nor resolved, in
   * failures.h5's order); evaluate, report: this run's scoring failures. */
  pc_failure *failures;
  size_t nfailures;
  struct pc_plan *plan;    /* the work planned (pc_run_planned) */
  char log_dir[4096 + 256]; /* this run's log folder */
  int log_written;          /* ... and whether it could be created */
  /* The data check of the job's series (unless outliers = keep). */
  pc_quality quality;
  int quality_checked;
} pc_run_result;

/* Runs a train/forecast/backfill/daily/evaluate/report job on every rank
 * of comm (a collective call) on a communicator of its own.  Returns the
 * same status on every rank: PC_OK, PC_PARTIAL (some model or date failed),
 * PC_INTERRUPTED, or an error; e holds a message on rank 0 when the error
 * is one all ranks share (a rank-local error is printed by its rank).  res
 * is filled on every rank (see above) and must be released with
 * pc_run_result_fini whatever the status. */
pc_status pc_run(const pc_job *job, MPI_Comm comm, pc_run_result *res,
                 pc_error *e);
void pc_run_result_fini(pc_run_result *res);
/* Whether the run planned work of this kind for model m on date d (a
 * training date, or a forecast date).  Rank 0. */
int pc_run_planned(const pc_run_result *res, pc_unit_kind kind, size_t m,
                   pc_date d);

#endif
