/* Executing units: fit and store a model; forecast the missing dates of a
 * month and store the partition.  A model that fails is a recorded failure,
 * never a stop; only store I/O and memory errors end a run.
 *
 * Each unit is pure in its inputs: its results depend on the job, the history
 * before its date and the random key of (seed, commodity, model, version,
 * date), never on the rank that runs it or on which units ran before
 * (docs/DESIGN.md, "Randomness"). That is what lets the plan give any unit to
 * any rank and lets a resumed run produce the same bytes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/paths.h"
#include "pathcast/core/schedule.h"
#include "pathcast/store/scores.h"
#include "run_internal.h"

/* Appends to this rank's list, which rank 0 gathers at the end (run.c) and
 * merges into failures.h5 (failures.c). The strings are truncated to the
 * record's fixed sizes, which keeps pc_failure plain bytes for MPI_Gatherv.
 * PC_NOMEM is the only failure, and it ends the run. */
pc_status pc_ctx_add_failure(pc_ctx *c, pc_failure_kind kind, int model,
                             pc_date date, const char *reason) {
  if (c->nfailures == c->capfailures) {
    size_t cap = c->capfailures ? 2 * c->capfailures : 16;
    pc_failure *grown = realloc(c->failures, cap * sizeof *grown);
    if (grown == NULL) {
      return PC_NOMEM;
    }
    c->failures = grown;
    c->capfailures = cap;
  }
  pc_failure *f = &c->failures[c->nfailures++];
  memset(f, 0, sizeof *f);
  f->kind = kind;
  f->date = date;
  snprintf(f->model, sizeof f->model, "%s", c->job->models[model].name);
  snprintf(f->version, sizeof f->version, "%s", c->job->model_version);
  snprintf(f->reason, sizeof f->reason, "%s", reason);
  char d[PC_DATE_STRLEN];
  pc_log_warn(c->log, "%s %s %s failed: %s", pc_failure_kind_name(kind),
              f->model, pc_date_format(date, d), reason);
  return PC_OK;
}

/* ---- training --------------------------------------------------------- */

/* A fresh model per unit: nothing of an earlier fit can leak into this one. The
 * record and model are released on every path; the file is written only when
 * fit and save both succeeded, so a failed fit leaves no trained file and is
 * retried by the next run. */
static pc_status fit_and_store(pc_ctx *c, int m, const pc_history *h,
                               const pc_trained_meta *meta, pc_error *e) {
  pc_model *model = NULL;
  pc_record rec;
  pc_record_init(&rec);
  pc_status st = pc_model_alloc_in(&model, &c->job->models[m], &c->mctx, e);
  if (st == PC_OK) {
    st = pc_model_fit(model, h, e);
  }
  if (st == PC_OK) {
    st = pc_model_save(model, &rec, e);
  }
  if (st == PC_OK) {
    st = pc_store_write_trained(c->store, &c->idents[m].id, meta, &rec, e);
  }
  pc_record_fini(&rec);
  pc_model_free(model);
  return st;
}

/* The history ends before the training date u->key (pc_run_history), so a model
 * can never see the data of its own training day. Too little history and
 * PC_MODEL are recorded failures and return PC_OK: the phase goes on. Any other
 * status (store I/O, memory) is returned with its message and ends the run at
 * the next vote. */
pc_status pc_work_train(pc_ctx *c, const pc_unit *u, pc_error *e) {
  const pc_job *job = c->job;
  char d[PC_DATE_STRLEN];
  pc_history h = pc_run_history(c, u->key);
  size_t present = pc_history_count_present(&h);
  pc_error why;
  pc_error_clear(&why);
  if (pc_forecast_check_history(&c->mctx, &h, u->key, &why) != PC_OK) {
    c->sum.train_failed++;
    return pc_ctx_add_failure(c, PC_FAIL_TRAIN, u->model, u->key, why.msg);
  }
  pc_trained_meta meta = {u->key, pc_history_last_date(&h), (int64_t)present};
  pc_status st = fit_and_store(c, u->model, &h, &meta, &why);
  if (st == PC_OK) {
    c->sum.trained++;
    pc_log_info(c->log, "trained %s at %s (%zu observations)",
                job->models[u->model].name, pc_date_format(u->key, d), present);
    return PC_OK;
  }
  if (st == PC_MODEL) {
    c->sum.train_failed++;
    return pc_ctx_add_failure(c, PC_FAIL_TRAIN, u->model, u->key, why.msg);
  }
  return pc_error_set(e, st, "%s", why.msg);
}

/* ---- forecasting ------------------------------------------------------ */

/* Called once, when the run's context is finalised (run.c, ctx_fini), on
 * every exit path, so the cached model and the path workspace never outlive
 * the context. */
void pc_work_release(pc_ctx *c) {
  pc_model_free(c->cached);
  c->cached = NULL;
  pc_forecast_work_fini(&c->fw);
}

/* The model trained at t, from the store (kept while consecutive dates use
 * it).  NULL with a reason in *why when it is not stored. */
/* The cache holds one model: a unit's dates are consecutive days of one month
 * and one model, so they share a training date except across a training date
 * inside the month. The cached model is owned by the context; *out is borrowed
 * and stays valid until the next load_model or pc_work_release. */
static pc_status load_model(pc_ctx *c, int m, pc_date t, pc_model **out,
                            pc_error *why) {
  if (c->cached != NULL && c->cached_index == m && c->cached_date == t) {
    *out = c->cached;
    return PC_OK;
  }
  pc_model_free(c->cached);
  c->cached = NULL;
  const pc_model_ident *id = &c->idents[m];
  pc_trained_meta meta;
  pc_record rec;
  pc_record_init(&rec);
  pc_status st = pc_store_read_trained(c->store, id->id.model, id->id.version,
                                       t, &meta, &rec, why);
  pc_model *model = NULL;
  if (st == PC_OK) {
    st = pc_model_alloc_in(&model, &c->job->models[m], &c->mctx, why);
  }
  if (st == PC_OK) {
    st = pc_model_load(model, &rec, why);
  }
  pc_record_fini(&rec);
  if (st != PC_OK) {
    pc_model_free(model);
    return st;
  }
  c->cached = model;
  c->cached_index = m;
  c->cached_date = t;
  *out = model;
  return PC_OK;
}

/* One forecast for trading day d into slot i of the partition.  PC_MODEL
 * with a reason in *why when the model cannot forecast d. */
static pc_status forecast_one(pc_ctx *c, int m, pc_date d, pc_partition *p,
                              size_t i, pc_error *why) {
  const pc_job *job = c->job;
  char td[PC_DATE_STRLEN];
  /* The schedule decides which model serves d, not "the newest stored": a
   * forecast can never silently use a model it should not (docs/DESIGN.md, step
   * 5). A missing or damaged trained model is therefore a failure of this date,
   * recorded with the reason. */
  pc_date t =
      pc_schedule_on_or_before(job->train_frequency, job->train_anchor, d);
  pc_model *model = NULL;
  if (load_model(c, m, t, &model, why) != PC_OK) {
    return pc_error_set(why, PC_MODEL, "no trained model for scheduled "
                        "training date %s (training failed or has not run)",
                        pc_date_format(t, td));
  }
  /* Every row before d: the model conditions on data after its training date
   * too, but never on d itself. */
  pc_history h = pc_run_history(c, d);
  pc_status st = pc_forecast_simulate(model, &c->mctx, &h, d, &c->fw, why);
  if (st == PC_OK) {
    st = pc_forecast_paths(&c->fw, job->paths, job->horizon,
                           pc_partition_values(p, i), why);
  }
  if (st != PC_OK) {
    return st;
  }
  pc_date cutoff = c->fw.cutoff;
  p->date[i] = d;
  p->cutoff[i] = cutoff;
  p->training[i] = t;
  /* Recorded rather than asserted: the flag is stored with every forecast so an
   * auditor can check the absence of leakage from the file alone; the history
   * view makes 1 impossible. */
  p->leak[i] = cutoff >= d;
  for (int k = 0; k < job->horizon; k++) {
    p->day[i * (size_t)job->horizon + (size_t)k] =
        /* day_1 is d itself, day_k the (k-1)th trading day after it in the
         * job's calendar. */
        pc_calendar_nth(&job->calendar, d, k + 1);
  }
  return PC_OK;
}

/* Forecasts the unit's dates into the partition (already holding what the
 * store had); returns how many were added. */
/* A failed date removes its slot again, so the partition holds only complete
 * forecasts; the dates that failed are recorded and planned again by the next
 * run. */
static pc_status forecast_dates(pc_ctx *c, const pc_unit *u, pc_partition *p,
                                size_t *added) {
  const pc_date *dates = c->plan.dates + u->first;
  pc_status st = PC_OK;
  for (int32_t j = 0; j < u->count && st == PC_OK; j++) {
    size_t i = 0;
    st = pc_partition_append(p, &i);
    if (st != PC_OK) {
      break;
    }
    pc_error why;
    pc_error_clear(&why);
    pc_status fst = forecast_one(c, u->model, dates[j], p, i, &why);
    if (fst == PC_OK) {
      (*added)++;
      c->sum.generated++;
      continue;
    }
    p->n--; /* drop the slot */
    if (fst != PC_MODEL) {
      return fst;
    }
    c->sum.forecast_failed++;
    st = pc_ctx_add_failure(c, PC_FAIL_FORECAST, u->model, dates[j], why.msg);
  }
  return st;
}

/* Copy-on-write of a whole partition (docs/STORE.md, "Partitions are written
 * whole by one rank"): the plan gives each (model, month) to one rank, which
 * reads what is stored, adds the missing dates and writes the file anew. A
 * damaged partition is read as empty and rebuilt whole, which gives the same
 * bytes as the original because every forecast is a pure function of its date.
 */
pc_status pc_work_forecast(pc_ctx *c, const pc_unit *u, pc_error *e) {
  const pc_job *job = c->job;
  const pc_model_ident *id = &c->idents[u->model];
  pc_partition p;
  pc_partition_init(&p, job->paths, job->horizon);
  pc_error why;
  if (pc_store_read_partition(c->store, id->id.model, id->id.version, u->key,
                              &p, 0, &why) != PC_OK) {
    pc_log_warn(c->log, "%s; rebuilding it", why.msg);
  }
  size_t added = 0;
  pc_status st = forecast_dates(c, u, &p, &added);
  /* Sorted by date before writing, so the bytes do not depend on the order
   * dates were added in (a resume adds them in a different order). Nothing
   * added: the stored file is left as it was, byte for byte. */
  if (st == PC_OK && added > 0) {
    pc_partition_sort(&p);
    st = pc_store_write_partition(c->store, &id->id, u->key, &p, e);
  } else if (st != PC_OK) {
    pc_error_set(e, st, "%s",
                 st == PC_NOMEM ? "out of memory" : "forecast failed");
  }
  pc_partition_fini(&p);
  return st;
}

/* ---- scoring (evaluate) ----------------------------------------------- */

/* Scores one forecast partition and stores the scores.  A partition that
 * cannot be read (damaged) is a reported failure, never a stop: the next
 * backfill rebuilds it and the next evaluate scores it. */
pc_status pc_work_score(pc_ctx *c, const pc_unit *u, pc_error *e) {
  const pc_job *job = c->job;
  const pc_model_ident *id = &c->idents[u->model];
  pc_partition p;
  pc_scores s;
  pc_error why;
  pc_partition_init(&p, job->paths, job->horizon);
  pc_scores_init(&s, job->horizon);
  pc_status st = pc_store_read_partition(c->store, id->id.model,
                                         id->id.version, u->key, &p, 0, &why);
  if (st == PC_DAMAGED) {
    /* A damaged partition is reported, not recorded in failures.h5
     * (docs/DESIGN.md, "The run"): it is the backfill's to rebuild, not
     * evaluate's to retry. */
    c->sum.score_failed += u->count;
    st = pc_ctx_add_failure(c, PC_FAIL_SCORE, u->model,
                            pc_month_first_day(u->key), why.msg);
  } else if (st == PC_OK) {
    st = pc_scores_compute(&s, &p, &c->series, p.checksum, e);
    if (st == PC_OK) {
      st = pc_store_write_scores(c->store, &id->id, u->key, &s, e);
    }
    c->sum.scored += st == PC_OK ? (long)s.n : 0;
  } else {
    pc_error_set(e, st, "%s", why.msg);
  }
  pc_scores_fini(&s);
  pc_partition_fini(&p);
  return st;
}
