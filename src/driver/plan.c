/* Planning (rank 0): what the store lacks, as units of work, balanced over
 * the ranks; then broadcast to every rank.
 *
 * Planning is the only place that decides what a run does, and it decides from
 * the store alone: what is missing, damaged or stale. A rerun after a kill
 * therefore plans exactly the units that were not committed, and a run with
 * nothing missing plans nothing (docs/DESIGN.md, "The run", steps 3 and 5).
 * Rank 0 plans alone because only it reads the store at this point; every rank
 * then gets the same plan, so all take the same path through the phases. */
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/partition.h"
#include "pathcast/core/schedule.h"
#include "pathcast/store/scores.h"
#include "run_internal.h"

/* Frees the arrays and zeroes p, so the plan is empty and a second fini is
 * harmless. */
void pc_plan_fini(pc_plan *p) {
  free(p->units);
  free(p->dates);
  memset(p, 0, sizeof *p);
}

/* Whether this run planned the unit (the daily report uses it to say what
 * this run did for a date). A linear scan: it is called for a few models
 * and dates after the run, never in a loop over units. */
int pc_run_planned(const pc_run_result *res, pc_unit_kind kind, size_t m,
                   pc_date d) {
  const pc_plan *p = res->plan;
  for (size_t i = 0; p != NULL && i < p->nunits; i++) {
    const pc_unit *u = &p->units[i];
    if (u->kind != (int32_t)kind || u->model != (int32_t)m) {
      continue;
    }
    if (kind == PC_UNIT_TRAIN ? u->key == d
                              : pc_dates_contain(p->dates + u->first,
                                                 (size_t)u->count, d)) {
      return 1;
    }
  }
  return 0;
}

/* The capacities live with the builder (pc_plan_build), not in the plan,
 * because the broadcast sends exactly nunits and ndates. On PC_NOMEM the old
 * arrays stay valid and owned by the plan. */
static pc_status add_unit(pc_plan *p, size_t *cap, pc_unit u) {
  if (p->nunits == *cap) {
    *cap = *cap ? 2 * *cap : 64;
    pc_unit *grown = realloc(p->units, *cap * sizeof *grown);
    if (grown == NULL) {
      return PC_NOMEM;
    }
    p->units = grown;
  }
  p->units[p->nunits++] = u;
  return PC_OK;
}

static pc_status add_date(pc_plan *p, size_t *cap, pc_date d) {
  if (p->ndates == *cap) {
    *cap = *cap ? 2 * *cap : 256;
    pc_date *grown = realloc(p->dates, *cap * sizeof *grown);
    if (grown == NULL) {
      return PC_NOMEM;
    }
    p->dates = grown;
  }
  p->dates[p->ndates++] = d;
  return PC_OK;
}

/* A stored trained model counts only if it passes the readers' checks and
 * loads as a model of its type; anything else is trained again (the new
 * file replaces it). */
/* Reading and loading every stored model once per run costs a little I/O at
 * planning, and buys the guarantee that the forecast phase never meets a
 * damaged model it could have retrained. */
static int trained_intact(pc_ctx *c, int m, pc_date t) {
  const pc_model_ident *id = &c->idents[m];
  pc_trained_meta meta;
  pc_record rec;
  pc_error why;
  pc_model *model = NULL;
  pc_record_init(&rec);
  pc_status st = pc_store_read_trained(c->store, id->id.model, id->id.version,
                                       t, &meta, &rec, &why);
  if (st == PC_OK) {
    st = pc_model_alloc_in(&model, &c->job->models[m], &c->mctx, &why);
  }
  if (st == PC_OK) {
    st = pc_model_load(model, &rec, &why);
  }
  pc_model_free(model);
  pc_record_fini(&rec);
  if (st != PC_OK) {
    pc_log_warn(c->log, "%s; training again", why.msg);
  }
  return st == PC_OK;
}

/* Training dates the forecast dates of the range need: T_k(D) for every
 * trading day D, in increasing order without repeats. */
static pc_status plan_training(pc_ctx *c, int m, size_t *ucap, pc_error *e) {
  const pc_job *job = c->job;
  const pc_model_ident *id = &c->idents[m];
  pc_date *stored = NULL;
  size_t nstored = 0;
  pc_status st = pc_store_trained_dates(c->store, id->id.model, id->id.version,
                                        &stored, &nstored, e);
  pc_date last = PC_DATE_NONE;
  for (pc_date d = pc_calendar_on_or_after(&job->calendar, c->range_start);
       st == PC_OK && d <= c->range_end;
       d = pc_calendar_next(&job->calendar, d)) {
    pc_date t = pc_schedule_on_or_before(job->train_frequency,
                                         job->train_anchor, d);
    /* Consecutive trading days share their T_k, so comparing with the previous
     * one removes repeats without a set: T_k is non-decreasing in D. */
    if (t == last) {
      continue;
    }
    last = t;
    if (pc_dates_contain(stored, nstored, t) && trained_intact(c, m, t)) {
      c->plan.counts.train_skipped++;
      continue;
    }
    /* One unit per (model, training date); its key is T_k. A training date may
     * lie before the range's first day (a semiannual T_k of January for a range
     * starting in March): it is trained all the same, on the data before it. */
    pc_unit u = {PC_UNIT_TRAIN, m, t, 0, 0, 0};
    st = add_unit(&c->plan, ucap, u);
    c->plan.counts.train_total++;
  }
  free(stored);
  return st;
}

/* Forecast dates of one month that the store lacks. */
static pc_status plan_month(pc_ctx *c, int m, int32_t month, pc_date from,
                            pc_date to, size_t *ucap, size_t *dcap) {
  const pc_job *job = c->job;
  const pc_model_ident *id = &c->idents[m];
  pc_partition stored;
  pc_error ignored;
  /* any_shape = 0 below: a partition of another shape than the job's (paths or
   * horizon changed without a new model_version) fails the read and is rebuilt;
   * the manifest's settings check refuses such a job before planning anyway. */
  pc_partition_init(&stored, job->paths, job->horizon);
  /* A full read checks the partition's checksum: a damaged partition is
   * treated as missing and rebuilt whole. */
  if (pc_store_read_partition(c->store, id->id.model, id->id.version, month,
                              &stored, 0, &ignored) != PC_OK) {
    pc_log_warn(c->log, "%s; it will be rebuilt", ignored.msg);
  }
  /* A forecast unit is one (model, month) partition; its dates are the slice
   * first .. first + count of plan.dates, so a unit stays a fixed-size struct
   * that can be broadcast as bytes. */
  pc_unit u = {PC_UNIT_FORECAST, m, month, 0, (int32_t)c->plan.ndates, 0};
  pc_status st = PC_OK;
  for (pc_date d = pc_calendar_on_or_after(&job->calendar, from);
       st == PC_OK && d <= to; d = pc_calendar_next(&job->calendar, d)) {
    if (pc_dates_contain(stored.date, stored.n, d)) {
      c->plan.counts.forecast_skipped++;
    } else {
      st = add_date(&c->plan, dcap, d);
      u.count++;
    }
  }
  pc_partition_fini(&stored);
  if (st == PC_OK && u.count > 0) {
    c->plan.counts.forecast_total += u.count;
    st = add_unit(&c->plan, ucap, u);
  }
  return st;
}

/* The range is cut at month boundaries because a month is the partition: units
 * never share a file, so no two ranks ever write the same file. */
static pc_status plan_forecasts(pc_ctx *c, int m, size_t *ucap, size_t *dcap) {
  int32_t first = pc_date_month_index(c->range_start);
  int32_t last = pc_date_month_index(c->range_end);
  pc_status st = PC_OK;
  for (int32_t month = first; st == PC_OK && month <= last; month++) {
    pc_date from = pc_month_first_day(month);
    pc_date to = pc_month_first_day(month + 1) - 1;
    from = from < c->range_start ? c->range_start : from;
    to = to > c->range_end ? c->range_end : to;
    st = plan_month(c, m, month, from, to, ucap, dcap);
  }
  return st;
}

/* ---- scores (evaluate) ------------------------------------------------ */

/* Stored scores are up to date when made from this very partition and with
 * the closes the series holds now; a damaged scores file is rescored. */
static int scores_current(pc_ctx *c, const pc_model_ident *id, int32_t month,
                          uint64_t source, long *n) {
  pc_error why;
  int current = 0;
  if (pc_store_scores_current(c->store, id->id.model, id->id.version, month,
                              c->job->horizon, source, &c->series, &current, n,
                              &why) != PC_OK) {
    pc_log_warn(c->log, "%s; scoring again", why.msg);
  }
  return current;
}

/* One forecast partition: a unit when its scores are missing or stale.  A
 * partition that fails its checks is planned too: its unit reports it. */
static pc_status plan_score_month(pc_ctx *c, int m, int32_t month,
                                  size_t *ucap) {
  const pc_model_ident *id = &c->idents[m];
  long stored = 0;
  pc_error why;
  pc_partition p;
  pc_partition_init(&p, c->job->paths, c->job->horizon);
  pc_status st = pc_store_read_partition(c->store, id->id.model,
                                         id->id.version, month, &p, 0, &why);
  /* The unit's cost for balancing is its number of forecasts; a partition that
   * failed its read (p.n == 0) still costs 1, so it is planned and its unit
   * reports it. */
  int32_t count = p.n > 0 ? (int32_t)p.n : 1;
  int current = st == PC_OK && p.n > 0 &&
                scores_current(c, id, month, p.checksum, &stored);
  int absent = st == PC_OK && p.n == 0;
  pc_partition_fini(&p);
  if (st != PC_OK) {
    pc_log_warn(c->log, "%s", why.msg); /* the unit reports it */
  }
  if (absent) {
    return PC_OK;
  }
  if (current) {
    c->plan.counts.score_skipped += stored;
    return PC_OK;
  }
  pc_unit u = {PC_UNIT_SCORE, m, month, 0, 0, count};
  c->plan.counts.score_total += u.count;
  return add_unit(&c->plan, ucap, u);
}

/* Scoring plans from the partitions the store holds, not from the calendar:
 * evaluate scores what was forecast. A job without start or end (PC_DATE_NONE)
 * covers every stored month on that side. */
static pc_status plan_scores(pc_ctx *c, int m, size_t *ucap, pc_error *e) {
  const pc_model_ident *id = &c->idents[m];
  int32_t *months = NULL;
  size_t n = 0;
  pc_status st = pc_store_forecast_months(c->store, id->id.model,
                                          id->id.version, &months, &n, e);
  for (size_t i = 0; st == PC_OK && i < n; i++) {
    int before = c->range_start != PC_DATE_NONE &&
                 months[i] < pc_date_month_index(c->range_start);
    int after = c->range_end != PC_DATE_NONE &&
                months[i] > pc_date_month_index(c->range_end);
    if (!before && !after) {
      st = plan_score_month(c, m, months[i], ucap);
    }
  }
  free(months);
  return st;
}

/* Balances each phase separately: the phases are separated by a barrier, so
 * each must be balanced on its own. */
static pc_status assign_owners(pc_ctx *c) {
  pc_plan *p = &c->plan;
  double *cost = malloc((p->nunits ? p->nunits : 1) * sizeof *cost);
  int *owner = malloc((p->nunits ? p->nunits : 1) * sizeof *owner);
  if (cost == NULL || owner == NULL) {
    free(cost);
    free(owner);
    return PC_NOMEM;
  }
  for (int kind = PC_UNIT_TRAIN; kind <= PC_UNIT_SCORE; kind++) {
    size_t n = 0;
    for (size_t i = 0; i < p->nunits; i++) {
      if (p->units[i].kind == kind) {
        const pc_model_type *t = c->job->models[p->units[i].model].type;
        /* Expected cost in the model type's own units (each type declares
         * fit_cost and forecast_cost, docs/DESIGN.md, step 3); only ratios
         * matter to LPT. The costs, and so the owners, depend on the plan
         * alone, never on timings. */
        cost[n++] = kind == PC_UNIT_TRAIN ? t->fit_cost
                    : kind == PC_UNIT_FORECAST
                        ? t->forecast_cost * p->units[i].count
                        : p->units[i].count;
      }
    }
    pc_part_lpt(cost, n, c->size, owner);
    n = 0;
    for (size_t i = 0; i < p->nunits; i++) {
      if (p->units[i].kind == kind) {
        p->units[i].owner = owner[n++];
      }
    }
  }
  free(cost);
  free(owner);
  return PC_OK;
}

/* Rank 0 only. The commands choose the phases: train trains, forecast forecasts
 * (a missing trained model then becomes a recorded failure), backfill and daily
 * do both, evaluate and report only score. Units are added model by model in
 * the job's order, so the plan (and the unit numbering in logs) is the same for
 * every run of the same store. */
pc_status pc_plan_build(pc_ctx *c, pc_error *e) {
  const pc_job *job = c->job;
  int score = pc_command_scores(job->command);
  int train = job->command != PC_CMD_FORECAST && !score;
  int forecast = job->command != PC_CMD_TRAIN && !score;
  size_t ucap = 0, dcap = 0;
  pc_status st = PC_OK;
  for (size_t m = 0; st == PC_OK && train && m < job->nmodels; m++) {
    if (pc_job_model_selected(job, m)) {
      st = plan_training(c, (int)m, &ucap, e);
    }
  }
  for (size_t m = 0; st == PC_OK && forecast && m < job->nmodels; m++) {
    if (pc_job_model_selected(job, m)) {
      st = plan_forecasts(c, (int)m, &ucap, &dcap);
    }
  }
  for (size_t m = 0; st == PC_OK && score && m < job->nmodels; m++) {
    if (pc_job_model_scored(job, m)) {
      st = plan_scores(c, (int)m, &ucap, e);
    }
  }
  if (st == PC_OK) {
    st = assign_owners(c);
  }
  if (st == PC_NOMEM) {
    pc_error_set(e, st, "out of memory while planning");
  }
  return st;
}

/* The plan's sizes and counts, sent as one struct (every rank runs the
 * same binary, so the bytes mean the same everywhere). */
typedef struct {
  uint64_t nunits, ndates;
  pc_plan_counts counts;
} plan_head;

/* Every rank gets the same plan; the head first, then the arrays. */
/* Collective: every rank must call it. The allocation outcome is voted on
 * before the arrays are sent, so a rank that could not allocate does not leave
 * the others blocked in a broadcast it never joins (STYLE 5). The arrays go as
 * bytes, which is valid because pc_unit is plain fixed-width data and every
 * rank runs the same binary. */
pc_status pc_plan_broadcast(pc_ctx *c, pc_error *e) {
  pc_plan *p = &c->plan;
  plan_head head = {p->nunits, p->ndates, p->counts};
  if (!PC_CTX_MPI(c, MPI_Bcast(&head, (int)sizeof head, MPI_BYTE, 0,
                               c->comm))) {
    return c->mpi_failed;
  }
  /* Other ranks receive into fresh arrays, owned by their plan and freed by
   * pc_plan_fini. */
  if (c->rank != 0) {
    p->nunits = (size_t)head.nunits;
    p->ndates = (size_t)head.ndates;
    p->counts = head.counts;
    p->units = malloc((p->nunits ? p->nunits : 1) * sizeof *p->units);
    p->dates = malloc((p->ndates ? p->ndates : 1) * sizeof *p->dates);
  }
  int ok = (p->nunits == 0 || p->units != NULL) &&
           (p->ndates == 0 || p->dates != NULL);
  int all_ok = 0;
  PC_CTX_MPI(c, MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, c->comm));
  if (!all_ok) {
    return pc_error_set(e, PC_NOMEM, "out of memory receiving the plan");
  }
  PC_CTX_MPI(c, MPI_Bcast(p->units, (int)(p->nunits * sizeof *p->units),
                          MPI_BYTE, 0, c->comm));
  PC_CTX_MPI(c, MPI_Bcast(p->dates, (int)p->ndates, MPI_INT32_T, 0, c->comm));
  return c->mpi_failed;
}
