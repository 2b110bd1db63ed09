/* The driver of train, forecast, backfill and daily runs.
 *
 * Shape: every rank reads the same data (rank 0 reads the file, broadcasts
 * the bytes); rank 0 opens the store as the writer and plans; every rank
 * works through its units, writing whole partition files; ranks vote after
 * each phase so all take the same path; rank 0 gathers failures and counts.
 *
 * Why this shape: every early exit goes through a vote (STYLE 5), so no rank
 * ever waits alone in a collective; results depend only on the units, never on
 * which rank ran them (docs/DESIGN.md, "Randomness"); and the driver returns a
 * pc_run_result instead of printing, so the command layer presents it and tests
 * drive a whole run on MPI_COMM_SELF. */
#include <errno.h>
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pathcast/core/file.h"
#include "pathcast/core/name.h"
#include "pathcast/core/schedule.h"
#include "pathcast/core/signal.h"
#include "pathcast/core/version.h"
#include "run_internal.h"

/* The first MPI failure is kept and logged; later calls still run (their
 * results are ignored), so a rank keeps taking part in the collectives the
 * others are in and the failure surfaces at the next vote instead of as a hang.
 */
int pc_ctx_mpi(pc_ctx *c, pc_status st) {
  if (st != PC_OK && c->mpi_failed == PC_OK) {
    c->mpi_failed = st;
    pc_log_error(c->log, "%s", c->mpi_error.msg);
  }
  return st == PC_OK;
}

/* Every rank contributes a status; all get the most severe one.  A rank
 * whose MPI calls failed contributes that failure. */
static pc_status vote(pc_ctx *c, pc_status mine) {
  mine = pc_status_worst(mine, c->mpi_failed);
  /* Severity first, then the status number, in one int, so MPI_MAX picks the
   * most severe status deterministically; 64 exceeds PC_STATUS_COUNT. */
  int code = pc_status_severity(mine) * 64 + (int)mine, worst = code;
  PC_CTX_MPI(c, MPI_Allreduce(&code, &worst, 1, MPI_INT, MPI_MAX, c->comm));
  return pc_status_worst((pc_status)(worst % 64), c->mpi_failed);
}

/* Rank 0's message travels with its status, so a shared error is told once
 * by rank 0 even when another rank first saw it. */
static pc_status vote_root(pc_ctx *c, pc_status mine, pc_error *e) {
  pc_status st = vote(c, mine);
  PC_CTX_MPI(c, MPI_Bcast(e->msg, (int)sizeof e->msg, MPI_CHAR, 0, c->comm));
  return st;
}

/* The run id names the log folder: the Slurm job (and array task) under Slurm,
 * else a UTC time stamp and rank 0's pid. Rank 0 makes it and broadcasts it, so
 * every rank logs into the same folder even when their clocks differ. */
static void make_run_id(pc_ctx *c) {
  if (c->rank == 0) {
    const char *job = getenv("SLURM_JOB_ID");
    const char *task = getenv("SLURM_ARRAY_TASK_ID");
    if (job != NULL && *job != '\0') {
      snprintf(c->run_id, sizeof c->run_id, "%s%s%s", job, task ? "_" : "",
               task ? task : "");
    } else {
      time_t now = time(NULL);
      struct tm tm;
      char stamp[32];
      strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
      snprintf(c->run_id, sizeof c->run_id, "local-%s-%ld", stamp,
               (long)getpid());
    }
  }
  PC_CTX_MPI(c, MPI_Bcast(c->run_id, (int)sizeof c->run_id, MPI_CHAR, 0,
                          c->comm));
}

/* ---- input ------------------------------------------------------------ */

/* Rank 0 reads the data file once; every rank parses the same bytes, so all
 * agree on the series (and on any error in it). */
static pc_status load_series(pc_ctx *c, pc_error *e) {
  char *buf = NULL;
  long len = -1;
  pc_status st = PC_OK;
  if (c->rank == 0) {
    size_t n = 0;
    st = pc_file_read(c->job->data, &buf, &n, e);
    len = st == PC_OK ? (long)n : -1;
  }
  if (!PC_CTX_MPI(c, MPI_Bcast(&len, 1, MPI_LONG, 0, c->comm))) {
    len = -1;
  }
  if (len < 0) {
    return vote_root(c, st == PC_OK ? PC_INPUT : st, e);
  }
  if (c->rank != 0) {
    buf = malloc(len ? (size_t)len : 1);
  }
  int ok = buf != NULL, all = 0;
  PC_CTX_MPI(c, MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, c->comm));
  if (!all) {
    free(buf);
    return vote_root(c, pc_error_set(e, PC_NOMEM, "out of memory reading %s",
                                     c->job->data), e);
  }
  /* MPI counts are int: a file over 2 GiB goes in 1 GiB pieces. */
  for (long off = 0; off < len; off += 1 << 30) {
    long chunk = len - off < (1L << 30) ? len - off : (1L << 30);
    PC_CTX_MPI(c, MPI_Bcast(buf + off, (int)chunk, MPI_CHAR, 0, c->comm));
  }
  st = pc_series_parse(&c->series, c->job->data, buf, (size_t)len, e);
  free(buf);
  return vote_root(c, st, e);
}

/* What every model's keys need of the data, checked before the store is
 * touched: a covariate that is not a column is bad input (exit 2), not a fit
 * that fails (and retries) every day.  Every rank has the same series, so
 * all reach the same verdict. */
static pc_status check_models(pc_ctx *c, pc_error *e) {
  const pc_job *job = c->job;
  pc_history columns = {0, c->series.date, c->series.close, c->series.ncov,
                        (const char *const *)c->series.cov_name,
                        c->series.cov};
  for (size_t m = 0; m < job->nmodels; m++) {
    pc_error why;
    /* Only selected models are checked (--model), so a typo in one model's keys
     * does not block running another. */
    pc_model_spec spec = job->models[m]; /* a view, with the job context */
    spec.ctx = &c->mctx;
    if (!pc_job_model_selected(job, m) ||
        pc_model_check(&spec, &columns, job->min_history, &why) == PC_OK) {
      continue;
    }
    char names[1024] = "";
    for (size_t j = 0; j < c->series.ncov; j++) {
      pc_names_append(names, sizeof names, c->series.cov_name[j]);
    }
    return pc_error_set(e, PC_INPUT, "%s: %s (its covariate columns: %s)",
                        job->data, why.msg, names[0] ? names : "none");
  }
  return PC_OK;
}

/* ---- the store -------------------------------------------------------- */

/* A model's identity in the store: name, type, version and its settings text
 * (docs/STORE.md, "Settings"), built on every rank from the job alone, so every
 * rank checks the identity of the files it reads. The holiday list is owned by
 * the ident and freed in ctx_fini. */
static pc_status make_idents(pc_ctx *c, pc_error *e) {
  const pc_job *job = c->job;
  c->idents = calloc(job->nmodels, sizeof *c->idents);
  if (c->idents == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (size_t m = 0; m < job->nmodels; m++) {
    pc_model_ident *id = &c->idents[m];
    pc_job_model_settings(job, m, id->settings, sizeof id->settings);
    id->id.model = job->models[m].name;
    id->id.model_type = job->models[m].type->name;
    id->id.version = job->model_version;
    id->id.settings = id->settings;
    id->holidays = pc_calendar_holiday_list(&job->calendar);
    id->id.holidays = id->holidays;
    if (id->holidays == NULL) {
      return pc_error_set(e, PC_NOMEM, "out of memory");
    }
  }
  return PC_OK;
}

/* Where a run ran, for the store and the logs: the Slurm job, array task,
 * node list and task count when set, else "local" (so local runs give the
 * same bytes every time). */
static void describe_provenance(char *buf, size_t len) {
  static const char *const vars[] = {"SLURM_JOB_ID", "SLURM_ARRAY_TASK_ID",
                                     "SLURM_JOB_NODELIST", "SLURM_NTASKS"};
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    const char *v = getenv(vars[i]);
    if (v != NULL && *v != '\0' && used < len) {
      int n = snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "",
                       vars[i], v);
      used += n > 0 ? (size_t)n : 0;
    }
  }
  if (getenv("SLURM_JOB_ID") == NULL) {
    snprintf(buf, len, "local");
  }
}

/* evaluate scores what a store holds: it must exist, and the job's models
 * must be the ones its results were made with.  It never creates a store,
 * registers a model or changes the series (the actuals are the store's). */
static pc_status check_evaluated_store(pc_ctx *c, char *commodity, size_t len,
                                       pc_error *e) {
  pc_store *s = NULL;
  pc_status st = pc_store_open(&s, c->job->store, PC_STORE_READ, NULL, e);
  if (st == PC_OK && pc_store_schema(s) == 0) {
    st = pc_error_set(e, PC_INPUT, "%s: not a pathcast store (no "
                      "pathcast.h5): nothing to evaluate", c->job->store);
  }
  for (size_t m = 0; st == PC_OK && m < c->job->nmodels; m++) {
    if (pc_job_model_selected(c->job, m)) {
      st = pc_store_check_model(s, &c->idents[m].id, e);
    }
  }
  /* The scores carry the settings of the results they score, as the
   * manifest spells them (the job's text may differ in what the check
   * ignores: the numerics version of a store written before it). */
  for (size_t m = 0; st == PC_OK && m < c->job->nmodels; m++) {
    pc_model_ident *id = &c->idents[m];
    const char *stored =
        pc_store_manifest_settings(s, id->id.model, id->id.version);
    if (stored != NULL) {
      snprintf(id->settings, sizeof id->settings, "%s", stored);
    }
  }
  if (st == PC_OK) {
    snprintf(commodity, len, "%s", pc_store_commodity(s));
  }
  pc_store_close(s);
  return st;
}

/* Rank 0 is the only writer (it holds the lock); the other ranks open the store
 * as workers, which take no lock and write only the files of their own units.
 */
static pc_status open_store(pc_ctx *c, const pc_store_info *info,
                            pc_error *e) {
  pc_status st = pc_store_open(&c->store, c->job->store,
                               c->rank == 0 ? PC_STORE_WRITER : PC_STORE_WORKER,
                               info, e);
  if (st == PC_OK) {
    pc_store_set_diag(c->store, pc_log_stream(c->log));
  }
  /* main asks for MPI_THREAD_FUNNELED; an MPI library that grants less
   * promises nothing about other threads, so no flusher thread runs. */
  int level = MPI_THREAD_SINGLE;
  c->write_behind = MPI_Query_thread(&level) == MPI_SUCCESS &&
                    level >= MPI_THREAD_FUNNELED;
  if (st == PC_OK && !c->write_behind) {
    pc_log_info(c->log, "MPI granted thread level %d, not FUNNELED: durable "
                "commits are written synchronously", level);
  }
  return st;
}

static pc_status prepare_store(pc_ctx *c, pc_error *e) {
  const char *slurm = getenv("SLURM_JOB_ID");
  char provenance[512], commodity[PC_NAME_LEN_MAX + 1];
  describe_provenance(provenance, sizeof provenance);
  pc_log_info(c->log, "provenance: %s", provenance);
  /* job_id is the Slurm run id under Slurm and "local" otherwise: it is written
   * into every file, and "local" keeps an unchanged rerun byte-identical. */
  pc_store_info info = {c->job->commodity,
                        slurm && *slurm ? c->run_id : "local",
                        provenance,
                        c->job->seed,
                        strcmp(c->job->fsync, "yes") == 0,
                        c->job->lock_wait,
                        c->rank == 0 ? stderr : NULL,
                        pc_signal_pending};
  int evaluate = pc_command_scores(c->job->command);
  pc_status st = PC_OK;
  /* evaluate and report change nothing registered: rank 0 checks that the store
   * exists and matches the job, then sends every rank the settings texts it
   * checked, so all ranks agree on what a file's identity must be. */
  if (evaluate && c->rank == 0) {
    st = check_evaluated_store(c, commodity, sizeof commodity, e);
    info.commodity = commodity;
  }
  if (evaluate) {
    st = vote_root(c, st, e);
    for (size_t m = 0; st == PC_OK && m < c->job->nmodels; m++) {
      char *text = c->idents[m].settings;
      if (!PC_CTX_MPI(c, MPI_Bcast(text, (int)sizeof c->idents[m].settings,
                                   MPI_CHAR, 0, c->comm))) {
        st = c->mpi_failed;
      }
    }
    st = vote_root(c, st, e);
  }
  if (st == PC_OK) {
    st = open_store(c, &info, e);
  }
  /* Rank 0 records each model's settings in the manifest (checking them
   * against what it holds); the other ranks only learn them, so that every
   * read they make can check a file's identity.  evaluate records nothing:
   * rank 0 has the manifest, the others learn the (checked) settings. */
  for (size_t m = 0; st == PC_OK && (!evaluate || c->rank != 0) &&
                     m < c->job->nmodels;
       m++) {
    if (pc_job_model_selected(c->job, m)) {
      st = pc_store_register_model(c->store, &c->idents[m].id, e);
    }
  }
  if (st == PC_OK && !evaluate && c->rank == 0) {
    st = pc_store_sync_series(c->store, &c->series, c->job->data, e);
  }
  st = vote_root(c, st, e);
  /* evaluate: every rank reads the actuals the store holds. */
  if (st == PC_OK && evaluate) {
    st = vote_root(c, pc_store_read_series(c->store, &c->series, e), e);
  }
  return st;
}

/* ---- phases ----------------------------------------------------------- */

/* Each rank works through its own units in plan order.  A stop request ends
 * the loop between units: everything finished so far is committed. */
static const char *const phase_names[] = {"training", "forecasts", "scores"};

static pc_status work_unit(pc_ctx *c, const pc_unit *u, pc_error *e) {
  switch (u->kind) {
  case PC_UNIT_TRAIN:
    return pc_work_train(c, u, e);
  case PC_UNIT_FORECAST:
    return pc_work_forecast(c, u, e);
  default:
    return pc_work_score(c, u, e);
  }
}

/* Collective: every rank calls it for every phase, even with no units of its
 * own, because progress and the vote at the end are collective. The unit loop
 * stops at the first error; the vote then carries it to every rank. */
static pc_status run_phase(pc_ctx *c, int kind, pc_error *e) {
  long total = kind == PC_UNIT_TRAIN      ? c->plan.counts.train_total
               : kind == PC_UNIT_FORECAST ? c->plan.counts.forecast_total
                                          : c->plan.counts.score_total;
  pc_progress *prog = pc_progress_start(c, phase_names[kind], total);
  pc_status st = PC_OK;
  /* Each unit's file is flushed to disk while the next unit computes; the
   * last one is flushed below, before the vote counts the phase done. */
  pc_store_set_write_behind(c->store, c->write_behind);
  for (size_t i = 0; i < c->plan.nunits && st == PC_OK; i++) {
    const pc_unit *u = &c->plan.units[i];
    if (u->kind != kind || u->owner != c->rank) {
      continue;
    }
    if (pc_signal_pending()) {
      pc_log_warn(c->log, "stop requested: leaving after committed units");
      st = PC_INTERRUPTED;
      break;
    }
    st = work_unit(c, u, e);
    pc_progress_step(prog, kind == PC_UNIT_TRAIN ? 1 : u->count);
  }
  /* The unit in flight is committed even when the phase stops (a stop
   * request finishes it; an error elsewhere does not void it). */
  pc_error flush;
  pc_error_clear(&flush);
  pc_status fst = pc_store_flush(c->store, &flush);
  pc_store_set_write_behind(c->store, 0);
  if (fst != PC_OK && (st == PC_OK || st == PC_INTERRUPTED)) {
    st = fst;
    *e = flush;
  }
  /* Printed by the rank that saw it, at once: an operator watching a stuck
   * multi-rank job sees which rank failed even before rank 0 reports. */
  if (st != PC_OK && st != PC_INTERRUPTED) {
    pc_log_error(c->log, "%s", e->msg);
    fprintf(stderr, "pathcast: rank %d: %s\n", c->rank, e->msg);
  }
  pc_progress_finish(prog);
  return vote(c, st);
}

/* ---- summary ---------------------------------------------------------- */

/* The counts of every rank summed on rank 0, field by field by name
 * (PC_SUMMARY_FIELDS), then what the plan skipped added in. */
static void reduce_summary(pc_ctx *c) {
  enum {
#define SUMMARY_INDEX(name) SUM_##name,
    PC_SUMMARY_FIELDS(SUMMARY_INDEX)
#undef SUMMARY_INDEX
    SUM_COUNT
  };
  long mine[SUM_COUNT], all[SUM_COUNT];
#define SUMMARY_PACK(name) mine[SUM_##name] = c->sum.name;
  PC_SUMMARY_FIELDS(SUMMARY_PACK)
#undef SUMMARY_PACK
  memcpy(all, mine, sizeof all);
  PC_CTX_MPI(c, MPI_Reduce(mine, all, SUM_COUNT, MPI_LONG, MPI_SUM, 0,
                           c->comm));
  if (c->rank == 0) {
#define SUMMARY_UNPACK(name) c->sum.name = all[SUM_##name];
    PC_SUMMARY_FIELDS(SUMMARY_UNPACK)
#undef SUMMARY_UNPACK
    c->sum.train_skipped += c->plan.counts.train_skipped;
    c->sum.forecast_skipped += c->plan.counts.forecast_skipped;
    c->sum.score_skipped += c->plan.counts.score_skipped;
  }
}

/* Moves every rank's failures to rank 0 (as bytes: pc_failure is plain).
 * Rank 0's buffers are checked and the outcome voted on before the bytes
 * move, so no rank sends into a gather rank 0 cannot hold. */
static pc_status gather_failures(pc_ctx *c, pc_error *e) {
  int mine = (int)(c->nfailures * sizeof *c->failures);
  int *counts = c->rank == 0 ? calloc((size_t)c->size, sizeof *counts) : NULL;
  int *displs = c->rank == 0 ? calloc((size_t)c->size, sizeof *displs) : NULL;
  int ok = c->rank != 0 || (counts != NULL && displs != NULL);
  pc_status st = vote(c, ok ? PC_OK : PC_NOMEM);
  if (st == PC_OK) {
    PC_CTX_MPI(c, MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0,
                             c->comm));
  }
  long total = 0;
  for (int r = 0; st == PC_OK && c->rank == 0 && r < c->size; r++) {
    displs[r] = (int)total;
    total += counts[r];
  }
  pc_failure *all = c->rank == 0 && st == PC_OK
                        ? malloc(total ? (size_t)total : 1)
                        : NULL;
  if (st == PC_OK) {
    st = vote(c, c->rank != 0 || all != NULL ? PC_OK : PC_NOMEM);
  }
  if (st == PC_OK) {
    PC_CTX_MPI(c, MPI_Gatherv(c->failures, mine, MPI_BYTE, all, counts,
                              displs, MPI_BYTE, 0, c->comm));
  }
  free(counts);
  free(displs);
  if (st == PC_OK && c->rank == 0) {
    free(c->failures);
    c->failures = all;
    c->nfailures = c->capfailures = (size_t)total / sizeof *all;
  } else {
    free(all);
  }
  return st == PC_NOMEM ? pc_error_set(e, st, "out of memory gathering "
                                       "failures") : st;
}

/* ---- the run ---------------------------------------------------------- */

/* A daily run covers its date and the catch_up trading days before it:
 * missed days and failures that can now succeed are forecast again, each
 * with its scheduled model (trained first when missing). */
/* Other commands take the job's start and end as given (either may be
 * PC_DATE_NONE for evaluate and report: all stored months). */
static void set_range(pc_ctx *c) {
  const pc_job *job = c->job;
  if (job->command == PC_CMD_DAILY) {
    c->range_start = pc_job_catch_up_start(job, job->forecast_date);
    c->range_end = job->forecast_date;
  } else {
    c->range_start = job->start;
    c->range_end = job->end;
  }
}

/* Never fails: a log that cannot be opened falls back to standard error
 * (log.c). Rank 0 echoes the effective settings, so a log alone tells what a
 * run was asked to do. */
static pc_status open_log(pc_ctx *c) {
  make_run_id(c);
  snprintf(c->log_dir, sizeof c->log_dir, "%s/%s", c->job->log_dir, c->run_id);
  c->log = pc_log_open(c->log_dir, c->rank);
  pc_log_info(c->log, "pathcast %s %s, rank %d of %d, run %s", PC_VERSION,
              pc_command_name(c->job->command), c->rank, c->size, c->run_id);
  if (c->rank == 0) {
    pc_job_print_settings(c->job, pc_log_stream(c->log));
  }
  return PC_OK;
}

/* Training before forecasting, with a vote between them: a forecast needs the
 * trained model of its scheduled date, which this run may have trained on
 * another rank. */
static pc_status run_phases(pc_ctx *c, pc_error *e) {
  pc_status st = PC_OK;
  if (c->rank == 0) {
    st = pc_plan_build(c, e);
  }
  st = vote_root(c, st, e);
  if (st == PC_OK) {
    st = vote(c, pc_plan_broadcast(c, e));
  }
  if (pc_command_scores(c->job->command)) {
    return st == PC_OK ? run_phase(c, PC_UNIT_SCORE, e) : st;
  }
  if (st == PC_OK) {
    st = run_phase(c, PC_UNIT_TRAIN, e);
  }
  if (st == PC_OK) {
    st = run_phase(c, PC_UNIT_FORECAST, e);
  }
  return st;
}

/* Releases what the context still owns after hand_over (which moved the results
 * out); closing the store releases the writer lock. */
static void ctx_fini(pc_ctx *c) {
  pc_work_release(c);
  pc_run_quality_fini(c);
  pc_plan_fini(&c->plan);
  pc_store_close(c->store);
  pc_series_fini(&c->series);
  for (size_t m = 0; c->idents != NULL && m < c->job->nmodels; m++) {
    free(c->idents[m].holidays);
  }
  free(c->idents);
  free(c->failures);
  pc_log_close(c->log);
}

/* The context's results move into the caller's hands (rank 0 holds the
 * complete ones); what stays is released by ctx_fini. */
static void hand_over(pc_ctx *c, pc_run_result *res, int reached_store) {
  res->sum = c->sum;
  res->nranks = c->size;
  res->reached_store = reached_store;
  res->failures = c->failures;
  res->nfailures = c->nfailures;
  c->failures = NULL;
  c->nfailures = c->capfailures = 0;
  res->plan = malloc(sizeof *res->plan);
  if (res->plan != NULL) {
    *res->plan = c->plan;
    memset(&c->plan, 0, sizeof c->plan);
  }
  snprintf(res->log_dir, sizeof res->log_dir, "%s", c->log_dir);
  res->log_written = pc_log_is_file(c->log);
  res->quality = c->quality;
  res->quality_checked = c->quality_scanned;
  memset(&c->quality, 0, sizeof c->quality);
  c->quality_scanned = 0;
}

void pc_run_result_fini(pc_run_result *res) {
  free(res->failures);
  if (res->plan != NULL) {
    pc_plan_fini(res->plan);
    free(res->plan);
  }
  pc_quality_fini(&res->quality);
  memset(res, 0, sizeof *res);
}

/* A run's duplicate of comm: no message of the caller's can match the
 * progress probes (any source, any tag), and MPI failures come back as
 * errors instead of aborting. */
/* The duplicate is freed at the end of pc_run, or here when setting it up
 * fails, so the caller's communicator is never changed. */
static pc_status join(pc_ctx *c, MPI_Comm comm, pc_error *e) {
  pc_status st = PC_MPI(e, MPI_Comm_dup(comm, &c->comm));
  if (st == PC_OK) {
    st = PC_MPI(e, MPI_Comm_set_errhandler(c->comm, MPI_ERRORS_RETURN));
  }
  if (st == PC_OK) {
    st = PC_MPI(e, MPI_Comm_rank(c->comm, &c->rank));
  }
  if (st == PC_OK) {
    st = PC_MPI(e, MPI_Comm_size(c->comm, &c->size));
  }
  if (st != PC_OK && c->comm != MPI_COMM_NULL) {
    PC_MPI(NULL, MPI_Comm_free(&c->comm));
  }
  return st;
}

/* Everything before the phases: the log, the identities, the series and
 * the checks of a run command, the store. */
/* Input is read and checked before the store is opened: bad input (exit 2) must
 * never touch the store (docs/RELIABILITY.md). evaluate and report read no data
 * file; their actuals are the store's series. */
static pc_status prepare(pc_ctx *c, pc_error *e) {
  const pc_job *job = c->job;
  int scores = pc_command_scores(job->command);
  set_range(c);
  open_log(c);
  pc_status st = vote(c, make_idents(c, e));
  if (st == PC_OK && !scores) {
    st = load_series(c, e);
  }
  if (st == PC_OK && !scores) {
    st = check_models(c, e);
  }
  if (st == PC_OK && !scores) {
    st = vote_root(c, pc_run_check_data(c, e), e);
  }
  if (st == PC_OK) {
    st = prepare_store(c, e);
  }
  return st;
}

/* After the phases, every rank together: the manifest keeps only models
 * with results, the counts and failures reach rank 0, and failures.h5
 * records what is still failed. */
/* Runs after an interrupted or failed phase too (whenever the store was
 * reached), so what was committed is recorded: the manifest and failures.h5
 * then describe the store as it is. */
static pc_status conclude(pc_ctx *c, pc_status st, pc_error *e) {
  int scores = pc_command_scores(c->job->command);
  /* A model whose every fit failed holds no results: its settings are not
   * kept, so a corrected job is not refused for them. */
  pc_status sst = c->rank == 0 && !scores ? pc_store_sync_manifest(c->store, e)
                                          : PC_OK;
  st = pc_status_worst(st, vote_root(c, sst, e));
  reduce_summary(c);
  st = pc_status_worst(st, gather_failures(c, e));
  /* Scoring failures are reported, not stored: failures.h5 belongs to
   * training and forecasting. */
  pc_status rst = c->rank == 0 && !scores ? pc_run_record_failures(c, e)
                                          : PC_OK;
  return pc_status_worst(st, vote_root(c, rst, e));
}

/* Collective over comm. res is filled on every rank (complete on rank 0) and
 * owned by the caller (pc_run_result_fini), also when the status is not PC_OK.
 * Prints nothing but progress and one line per rank-level error; the command
 * layer decides what to show and the exit code. */
pc_status pc_run(const pc_job *job, MPI_Comm comm, pc_run_result *res,
                 pc_error *e) {
  pc_ctx c;
  memset(&c, 0, sizeof c);
  memset(res, 0, sizeof *res);
  c.job = job;
  c.comm = MPI_COMM_NULL;
  c.cached_index = -1;
  pc_job_model_context(job, &c.mctx);
  pc_error_clear(e);
  pc_status st = join(&c, comm, e);
  if (st != PC_OK) {
    return st;
  }
  /* HDF5 must not print its error stack on every refused read of a damaged
   * file; the store prints it into the rank log where it helps (STYLE 6). */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  st = prepare(&c, e);
  int reached_store = st == PC_OK;
  if (st == PC_OK) {
    st = run_phases(&c, e);
  }
  if (reached_store) {
    st = conclude(&c, st, e);
  }
  if (st == PC_OK && c.rank == 0 &&
      c.sum.train_failed + c.sum.forecast_failed + c.sum.score_failed > 0) {
    /* Model failures are counted on rank 0 (after the reduction); the final
     * vote hands PC_PARTIAL (exit 3) to every rank. */
    st = PC_PARTIAL;
  }
  st = vote(&c, st);
  if (c.mpi_failed != PC_OK && e->msg[0] == '\0') {
    pc_error_set(e, c.mpi_failed, "%s", c.mpi_error.msg);
  }
  pc_log_info(c.log, "finished: %s", pc_strerror(st));
  hand_over(&c, res, reached_store);
  ctx_fini(&c);
  PC_MPI(NULL, MPI_Comm_free(&c.comm));
  return st;
}
