/* Internal: the context of one run, shared by the driver's own files
 * (run, plan, work, progress, failures, quality_run) and by nothing
 * else: the command layer sees a run only through pc_run_result.  Not
 * installed; not part of the API. */
#ifndef PC_RUN_INTERNAL_H
#define PC_RUN_INTERNAL_H

#include <mpi.h>
#include <stdint.h>

#include "pathcast/models/forecast.h"
#include "pathcast/job/job.h"
#include "pathcast/core/log.h"
#include "pathcast/core/quality.h"
#include "pathcast/driver/run.h"
#include "pathcast/core/series.h"
#include "pathcast/store/store.h"
#include "pathcast/driver/mpi_check.h"

/* One unit of work: a training (model, training date), a forecast
 * partition (model, month) with the dates it still lacks, or a forecast
 * partition to score (count: its forecasts). */
typedef struct {
  int32_t kind;
  int32_t model;
  int32_t key;   /* training date, or month index */
  int32_t owner; /* rank */
  int32_t first; /* forecast dates: plan.dates[first .. first+count) */
  int32_t count;
} pc_unit;

/* What the plan counts, broadcast with it as one named struct. */
typedef struct {
  long train_skipped;
  long forecast_skipped;
  long train_total;    /* units of training planned */
  long forecast_total; /* forecast dates planned */
  long score_skipped;  /* forecasts whose stored scores are up to date */
  long score_total;    /* forecasts to score */
} pc_plan_counts;

typedef struct pc_plan {
  pc_unit *units;
  size_t nunits;
  pc_date *dates;
  size_t ndates;
  pc_plan_counts counts;
} pc_plan;

/* Per-model settings text and store identity, computed once. */
typedef struct {
  char settings[4096];
  char *holidays; /* the calendar's effective holidays (owned) */
  pc_store_model id;
} pc_model_ident;

typedef struct {
  const pc_job *job;
  MPI_Comm comm; /* the driver's own duplicate, with MPI_ERRORS_RETURN */
  int rank, size;
  char run_id[128];
  char log_dir[4096 + 256];
  pc_log *log;
  pc_store *store;
  /* Whether MPI granted the thread level the store's flusher thread needs
   * (MPI_THREAD_FUNNELED): without it, durable commits stay synchronous. */
  int write_behind;
  pc_series series;
  pc_model_ident *idents; /* job->nmodels */
  pc_plan plan;
  pc_date range_start, range_end;
  pc_summary sum;      /* this rank's counts */
  pc_failure *failures; /* this rank's failures */
  size_t nfailures, capfailures;
  struct pc_model *cached; /* the last model loaded for forecasting */
  int cached_index;
  pc_date cached_date;
  pc_forecast_work fw; /* the forecasts' simulation workspace */
  pc_model_context mctx; /* what models may know of the job */
  /* Data-quality findings of the series (run commands: unless outliers =
   * keep; report: of the store's series), and with outliers = clean the
   * closes a history view shows (series.n values, rewritten per view). */
  pc_quality quality;
  int quality_scanned;
  double *clean;
  pc_status mpi_failed; /* this rank's first failed MPI call, else PC_OK */
  pc_error mpi_error;   /* ... and what it was */
} pc_ctx;

/* A checked MPI call of the driver: true when it succeeded; a failure is
 * kept in the context (the first one's message), and every later vote
 * reports it, so the run ends with the call, file and line. */
#define PC_CTX_MPI(c, call)                                                   \
  pc_ctx_mpi((c), PC_MPI(&(c)->mpi_error, call))
int pc_ctx_mpi(pc_ctx *c, pc_status st);

/* plan.c */
pc_status pc_plan_build(pc_ctx *c, pc_error *e);
pc_status pc_plan_broadcast(pc_ctx *c, pc_error *e);
void pc_plan_fini(pc_plan *p);

/* work.c */
pc_status pc_work_train(pc_ctx *c, const pc_unit *u, pc_error *e);
pc_status pc_work_forecast(pc_ctx *c, const pc_unit *u, pc_error *e);
pc_status pc_work_score(pc_ctx *c, const pc_unit *u, pc_error *e);
void pc_work_release(pc_ctx *c);
pc_status pc_ctx_add_failure(pc_ctx *c, pc_failure_kind kind, int model,
                             pc_date date, const char *reason);

/* progress.c */
typedef struct pc_progress pc_progress;
pc_progress *pc_progress_start(pc_ctx *c, const char *phase, long total);
/* Called by every rank after each unit with the items it finished. */
void pc_progress_step(pc_progress *p, long items);
/* Collective over the ranks that started it: waits for every rank's end. */
void pc_progress_finish(pc_progress *p);

/* quality_run.c: the data check of a run and its cleaned history views. */
pc_status pc_run_check_data(pc_ctx *c, pc_error *e);
/* The rows a model may see for date d: everything strictly before d, with
 * outliers = clean the flagged closes confirmed before d as missing. */
pc_history pc_run_history(pc_ctx *c, pc_date d);
void pc_run_quality_fini(pc_ctx *c);

/* failures.c: rank 0 writes failures.h5 as this run's failures plus the
 * earlier ones neither retried nor resolved (only when that changed), and
 * keeps that list in c->failures for the result. */
pc_status pc_run_record_failures(pc_ctx *c, pc_error *e);

#endif
