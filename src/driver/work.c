/* Executing units: fit and store a model; forecast the missing dates of a
 * month and store the partition.  A model that fails is a recorded failure,
 * never a stop; only store I/O and memory errors end a run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/paths.h"
#include "pathcast/core/schedule.h"
#include "pathcast/store/scores.h"
#include "run_internal.h"

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

void pc_work_release(pc_ctx *c) {
  pc_model_free(c->cached);
  c->cached = NULL;
  pc_forecast_work_fini(&c->fw);
}

/* The model trained at t, from the store (kept while consecutive dates use
 * it).  NULL with a reason in *why when it is not stored. */
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
  pc_date t = pc_schedule_on_or_before(job->train_frequency, job->train_anchor, d);
  pc_model *model = NULL;
  if (load_model(c, m, t, &model, why) != PC_OK) {
    return pc_error_set(why, PC_MODEL, "no trained model for scheduled "
                        "training date %s (training failed or has not run)",
                        pc_date_format(t, td));
  }
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
  p->leak[i] = cutoff >= d;
  for (int k = 0; k < job->horizon; k++) {
    p->day[i * (size_t)job->horizon + (size_t)k] =
        pc_calendar_nth(&job->calendar, d, k + 1);
  }
  return PC_OK;
}

/* Forecasts the unit's dates into the partition (already holding what the
 * store had); returns how many were added. */
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
  if (st == PC_OK && added > 0) {
    pc_partition_sort(&p);
    st = pc_store_write_partition(c->store, &id->id, u->key, &p, e);
  } else if (st != PC_OK) {
    pc_error_set(e, st, "%s", st == PC_NOMEM ? "out of memory" : "forecast failed");
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
