/* xgboost: gradient-boosted trees (libxgboost) predicting the next day's log
 * return from lagged returns, rolling statistics, the calendar and lagged
 * covariates.  Paths are recursive: each simulated return joins the path's
 * own history before the next day's features are built, and the innovation
 * is an out-of-sample residual of the validation tail.  Features are in
 * xgb_features.c, the XGBoost calls in xgb_booster.c; this file holds the
 * keys and the glue to the model interface. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/paths.h"
#include "pathcast/core/quality.h"
#include "xgb.h"

static const pc_param_def xgboost_params[] = {
    {"lags", PC_PARAM_STRING, "1,2,3,5,10,20", 0, 0, NULL,
     "lagged daily log returns used as features (comma-separated, 1..1000)"},
    {"windows", PC_PARAM_STRING, "5,20,60", 0, 0, NULL,
     "windows of the rolling mean and sd of past log returns, or none"},
    {"exog", PC_PARAM_STRING, "none", 0, 0, NULL,
     "comma-separated covariate columns used one day lagged, or none"},
    {"rounds", PC_PARAM_INT, "200", 1, 5000, NULL,
     "most boosting rounds (early stopping may use fewer)"},
    {"early_stopping", PC_PARAM_INT, "20", 1, 5000, NULL,
     "stop after this many rounds without a lower validation RMSE"},
    {"max_depth", PC_PARAM_INT, "4", 1, 16, NULL, "depth of each tree"},
    {"eta", PC_PARAM_DOUBLE, "0.05", 1e-4, 1, NULL, "learning rate"},
    {"subsample", PC_PARAM_DOUBLE, "0.8", 0.05, 1, NULL,
     "fraction of rows sampled per tree"},
    {"colsample_bytree", PC_PARAM_DOUBLE, "0.8", 0.05, 1, NULL,
     "fraction of features sampled per tree"},
    {"min_child_weight", PC_PARAM_DOUBLE, "1", 0, 1e6, NULL,
     "smallest hessian sum (row count) of a leaf"},
    {"lambda", PC_PARAM_DOUBLE, "1", 0, 1e6, NULL,
     "L2 penalty on leaf values"},
    {"valid_fraction", PC_PARAM_DOUBLE, "0.2", 0.05, 0.5, NULL,
     "latest fraction of the training rows held out for early stopping and "
     "residuals"},
    {"refit", PC_PARAM_CHOICE, "yes", 0, 0, "yes|no",
     "refit on every row with the best round count (yes) or keep the model "
     "trained without the validation tail (no)"},
    {"seed", PC_PARAM_INT, "0", 0, 2147483647, NULL,
     "XGBoost's seed for row and column sampling"},
    {"residuals", PC_PARAM_CHOICE, "winsorized", 0, 0, "raw|winsorized",
     "innovation pool: the validation tail's residuals as they are (raw), or "
     "winsorised at their 0.5% and 99.5% quantiles so that one bad tick "
     "cannot make extreme paths"},
};

typedef struct {
  pc_xgb_layout layout;
  pc_xgb_hyper hyper;
  pc_xgb_model model;
  int winsorized;    /* the residual pool was winsorised at fit time */
  int64_t clipped;   /* residuals the winsorising moved */
} xgb_state;

/* The booster, the evaluator's forest and the residual pool are the state's own
 * heap memory; the dispatcher frees the state block itself. */
static void xgb_release(void *state) {
  xgb_state *s = state;
  pc_xgb_model_free(&s->model);
}

/* ---- fit --------------------------------------------------------------- */

/* The keys were validated when the job was read, so they are parsed here
 * without checks; seed is the model's key (xgboost.seed, 0 by default) for
 * XGBoost's row and column sampling, not the job's seed, which keys the paths.
 */
static void hyper_of(const pc_model_spec *spec, pc_xgb_hyper *hp) {
  hp->rounds = (int)pc_model_spec_long(spec, "rounds");
  hp->early_stopping = (int)pc_model_spec_long(spec, "early_stopping");
  hp->max_depth = (int)pc_model_spec_long(spec, "max_depth");
  hp->eta = pc_model_spec_double(spec, "eta");
  hp->subsample = pc_model_spec_double(spec, "subsample");
  hp->colsample_bytree = pc_model_spec_double(spec, "colsample_bytree");
  hp->min_child_weight = pc_model_spec_double(spec, "min_child_weight");
  hp->lambda = pc_model_spec_double(spec, "lambda");
  hp->valid_fraction = pc_model_spec_double(spec, "valid_fraction");
  hp->seed = (int)pc_model_spec_long(spec, "seed");
  hp->refit = strcmp(pc_model_spec_str(spec, "refit"), "yes") == 0;
}

/* A bad tick in the validation tail leaves a pair of huge residuals (the
 * jump and its reversal) that a path would draw as often as any other:
 * clipped to the pool's 0.5% and 99.5% quantiles, they stay the largest
 * shocks without being extreme ones (docs/MODELS.md). */
static pc_status winsorize_pool(xgb_state *s, pc_error *e) {
  size_t clipped = 0;
  if (pc_winsorize(s->model.resid, s->model.nresid, PC_QUALITY_WINSOR_LOW,
                   PC_QUALITY_WINSOR_HIGH, &clipped) != PC_OK) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  s->winsorized = 1;
  s->clipped = (int64_t)clipped;
  return PC_OK;
}

/* A refit on the same state frees the previous model first, so a state is never
 * half old and half new. The sample count is checked here as well as in
 * pc_xgb_train because this message names the span that ate the rows, which is
 * what a user can change. */
static pc_status xgb_fit(void *state, const pc_model_spec *spec,
                         const pc_history *h, pc_error *e) {
  xgb_state *s = state;
  pc_xgb_samples smp;
  pc_xgb_model_free(&s->model);
  hyper_of(spec, &s->hyper);
  pc_status st = pc_xgb_layout_parse(&s->layout, spec->name,
                                     pc_model_spec_str(spec, "lags"),
                                     pc_model_spec_str(spec, "windows"),
                                     pc_model_spec_str(spec, "exog"), e);
  if (st == PC_OK) {
    st = pc_xgb_samples_make(&s->layout, h, &smp, e);
  }
  if (st != PC_OK) {
    return st;
  }
  if (smp.n < PC_XGB_MIN_SAMPLES) {
    st = pc_error_set(e, PC_MODEL, "too little data: %zu days with %d "
                      "returns before them (the longest lag or window), "
                      "need at least %d", smp.n, pc_xgb_span(&s->layout),
                      PC_XGB_MIN_SAMPLES);
  } else {
    st = pc_xgb_train(&s->hyper, &smp, &s->model, e);
  }
  pc_xgb_samples_free(&smp);
  if (st == PC_OK &&
      strcmp(pc_model_spec_str(spec, "residuals"), "winsorized") == 0) {
    st = winsorize_pool(s, e);
  }
  return st;
}

/* ---- check ------------------------------------------------------------- */

/* The key holding the longest lag or window (the layout's span). */
static const char *span_key(const pc_xgb_layout *l, int span) {
  for (int i = 0; i < l->nlags; i++) {
    if (l->lags[i] == span) {
      return "lags";
    }
  }
  return "windows";
}

/* Before any work, what the keys need of the data, all knowable without
 * fitting: lists that parse, covariates that are columns of the data, and
 * a longest lag or window that leaves a training row in a history of
 * min_history observations.  Every fit before enough history would
 * otherwise fail, date after date, as a recorded failure (exit 3).  A span
 * leaving some rows but fewer than a fit needs is not refused: later
 * training dates have more history than min_history, and their fits work
 * (docs/MODELS.md). */
static pc_status xgb_check(const pc_model_spec *spec,
                           const pc_history *columns, long min_history,
                           pc_error *e) {
  pc_xgb_layout l;
  size_t cols[PC_XGB_MAX_EXOG];
  pc_status st = pc_xgb_layout_parse(&l, spec->name,
                                     pc_model_spec_str(spec, "lags"),
                                     pc_model_spec_str(spec, "windows"),
                                     pc_model_spec_str(spec, "exog"), e);
  if (st != PC_OK) {
    return PC_INPUT;
  }
  if (pc_xgb_exog_columns(&l, columns, cols, e) != PC_OK) {
    char why[sizeof e->msg];
    snprintf(why, sizeof why, "%s", e->msg);
    return pc_error_set(e, PC_INPUT, "%s.%s", spec->name, why);
  }
  /* n observations give n - 1 returns; a training row needs its own
   * return and `span` before it. */
  long span = pc_xgb_span(&l);
  if (span + 2 > min_history) {
    const char *key = span_key(&l, (int)span);
    return pc_error_set(e, PC_INPUT, "%s.%s: a %s of %ld returns leaves no "
                        "training row in min_history = %ld observations (the "
                        "first row needs %ld, a fit %ld)", spec->name, key,
                        key[0] == 'l' ? "lag" : "window", span, min_history,
                        span + 2, span + 1 + PC_XGB_MIN_SAMPLES);
  }
  return PC_OK;
}

/* ---- simulate ---------------------------------------------------------- */

/* The trading day after d when no calendar is given: the next weekday.
 * pc_date_weekday counts Monday as 0, so 5 and 6 are the weekend. */
static pc_date next_weekday(pc_date d) {
  do {
    d++;
  } while (pc_date_weekday(d) >= 5);
  return d;
}

/* Working memory of one simulation: each path's returns (the observed
 * `span` returns, then its own simulated ones) with the feature matrix of
 * all paths (pc_xgb_paths, set up by sim_start), their predictions and
 * their pre-drawn innovations. */
typedef struct {
  pc_xgb_paths paths;
  double *pred;
  double *innov; /* npaths x steps */
  double *logp;  /* current log price of each path */
} sim_work;

static void sim_free(sim_work *w) {
  pc_xgb_paths_fini(&w->paths);
  free(w->pred);
  free(w->innov);
  free(w->logp);
}

static pc_status sim_alloc(sim_work *w, const pc_sim_request *req,
                           pc_error *e) {
  size_t np = (size_t)req->npaths, steps = (size_t)req->steps;
  memset(w, 0, sizeof *w);
  w->pred = malloc((np + 1) * sizeof *w->pred);
  w->innov = malloc((np * steps + 1) * sizeof *w->innov);
  w->logp = malloc((np + 1) * sizeof *w->logp);
  if (!w->pred || !w->innov || !w->logp) {
    sim_free(w);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  return PC_OK;
}

/* Path i resamples the residuals with its own keyed stream, so its draws do
 * not depend on how many paths are simulated or in which batch.  The
 * indices come from the SIMD kernels (pathcast/core/paths.h): pc_rng_below's
 * values at every width. */
static pc_status draw_innovations(const pc_xgb_model *m,
                                  const pc_sim_request *req, double *innov,
                                  pc_error *e) {
  size_t n = (size_t)req->npaths * (size_t)req->steps;
  uint32_t *idx = malloc((n + 1) * sizeof *idx);
  if (idx == NULL ||
      pc_paths_below(pc_simd_active(), req->key, PC_RNG_RESAMPLE, 0,
                     req->npaths, req->steps, (uint32_t)m->nresid, idx,
                     (size_t)req->steps) != PC_OK) {
    free(idx);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (size_t k = 0; k < n; k++) {
    innov[k] = m->resid[idx[k]];
  }
  free(idx);
  return PC_OK;
}

/* Every path starts from the last `span` observed returns and the last
 * observed close; *last_date is that close's date. */
static pc_status sim_start(const xgb_state *s, const pc_history *h,
                           const pc_sim_request *req, sim_work *w,
                           pc_date *last_date, pc_error *e) {
  pc_xgb_returns r;
  size_t span = (size_t)pc_xgb_span(&s->layout);
  pc_status st = pc_xgb_returns_make(h, &r, e);
  if (st != PC_OK) {
    return st;
  }
  if (r.n < span) {
    pc_xgb_returns_free(&r);
    return pc_error_set(e, PC_MODEL, "too little data before the forecast "
                        "date: %zu returns, the features need %zu", r.n, span);
  }
  double x0 = pc_ln(h->close[r.row[r.n - 1]]);
  *last_date = h->date[r.row[r.n - 1]];
  for (size_t i = 0; i < (size_t)req->npaths; i++) {
    w->logp[i] = x0;
  }
  st = pc_xgb_paths_init(&w->paths, &s->layout, req->npaths, req->steps,
                         r.ret + r.n - span, e);
  pc_xgb_returns_free(&r);
  return st;
}

/* One step for all paths: one feature matrix, one batch prediction, then
 * each path appends its return and records its price. */
static pc_status sim_step(const xgb_state *s, const pc_sim_request *req,
                          sim_work *w, int j, pc_date date, const double *exog,
                          double *out, pc_error *e) {
  pc_xgb_paths_rows(&w->paths, &s->layout, date, exog);
  pc_status st = pc_xgb_predict(&s->model, w->paths.x, (size_t)req->npaths,
                                w->paths.nfeat, w->pred, e);
  double *next = pc_xgb_paths_next(&w->paths);
  for (size_t i = 0; st == PC_OK && i < (size_t)req->npaths; i++) {
    size_t k = i * (size_t)req->steps + (size_t)j;
    double r = w->pred[i] + w->innov[k];
    next[i] = r;
    w->logp[i] += r;
    out[k] = w->logp[i]; /* exp of the whole block at the end */
  }
  pc_xgb_paths_push(&w->paths);
  return st;
}

/* The feature rows are those of the trained layout; covariates are held at
 * their last observed values for every step (persist, docs/MODELS.md, "Paths").
 * Prices are accumulated in log and exponentiated once at the end with
 * pc_paths_exp, the same exp at every SIMD width. */
static pc_status xgb_simulate(const void *state, const pc_model_spec *spec,
                              const pc_history *h, const pc_sim_request *req,
                              double *out, pc_error *e) {
  (void)spec; /* the features are the trained model's, not the job's */
  const xgb_state *s = state;
  size_t cols[PC_XGB_MAX_EXOG];
  double exog[PC_XGB_MAX_EXOG];
  sim_work w;
  pc_date date = 0;
  if (s->model.booster == NULL || s->model.nresid == 0) {
    return pc_error_set(e, PC_MODEL, "xgboost: no trained booster");
  }
  pc_status st = pc_xgb_exog_columns(&s->layout, h, cols, e);
  if (st == PC_OK) {
    st = sim_alloc(&w, req, e);
  }
  if (st != PC_OK) {
    return st;
  }
  pc_xgb_exog_last(h, cols, s->layout.nexog, exog);
  st = sim_start(s, h, req, &w, &date, e);
  if (st == PC_OK) {
    st = draw_innovations(&s->model, req, w.innov, e);
  }
  for (int j = 0; st == PC_OK && j < req->steps; j++) {
    /* The calendar's trading days when the driver gives them (holidays
     * skipped), else the weekdays. */
    date = req->dates != NULL ? req->dates[j] : next_weekday(date);
    st = sim_step(s, req, &w, j, date, exog, out, e);
  }
  if (st == PC_OK) {
    pc_paths_exp(pc_simd_active(), out,
                 (size_t)req->npaths * (size_t)req->steps);
  }
  sim_free(&w);
  return st;
}

/* ---- save / load ------------------------------------------------------- */

/* Saving and loading read as lists of fields through the sticky record
 * writer and reader (pathcast/core/record.h): each call does nothing once an
 * earlier one failed, so the status is looked at once, at the end. */

static void save_layout(const xgb_state *s, pc_record_writer *w) {
  int64_t lags[PC_XGB_MAX_LAGS], windows[PC_XGB_MAX_WINDOWS];
  char names[2048], exog[PC_XGB_MAX_EXOG * PC_XGB_NAME_MAX + 8];
  for (int i = 0; i < s->layout.nlags; i++) {
    lags[i] = s->layout.lags[i];
  }
  for (int i = 0; i < s->layout.nwindows; i++) {
    windows[i] = s->layout.windows[i];
  }
  pc_xgb_feature_names(&s->layout, names, sizeof names);
  pc_xgb_exog_text(&s->layout, exog, sizeof exog);
  pc_section p = PC_SECTION_PARAMS;
  pc_put_str(w, p, "features", names);
  pc_put_i64(w, p, "lags", lags, (size_t)s->layout.nlags);
  pc_put_i64(w, p, "windows", windows, (size_t)s->layout.nwindows);
  pc_put_str(w, p, "exog", exog);
}

/* The hyperparameters as stored, in this order: one list serves saving and
 * loading, so the two cannot drift apart. */
static const struct {
  const char *name;
  size_t offset;
  int is_int; /* an int field, else a double */
} hyper_fields[] = {
    {"max_rounds", offsetof(pc_xgb_hyper, rounds), 1},
    {"early_stopping", offsetof(pc_xgb_hyper, early_stopping), 1},
    {"max_depth", offsetof(pc_xgb_hyper, max_depth), 1},
    {"eta", offsetof(pc_xgb_hyper, eta), 0},
    {"subsample", offsetof(pc_xgb_hyper, subsample), 0},
    {"colsample_bytree", offsetof(pc_xgb_hyper, colsample_bytree), 0},
    {"min_child_weight", offsetof(pc_xgb_hyper, min_child_weight), 0},
    {"lambda", offsetof(pc_xgb_hyper, lambda), 0},
    {"valid_fraction", offsetof(pc_xgb_hyper, valid_fraction), 0},
    {"refit", offsetof(pc_xgb_hyper, refit), 1},
    {"seed", offsetof(pc_xgb_hyper, seed), 1},
};
#define NHYPER (sizeof hyper_fields / sizeof hyper_fields[0])

static void save_hyper(const pc_xgb_hyper *hp, pc_record_writer *w) {
  for (size_t i = 0; i < NHYPER; i++) {
    const char *at = (const char *)hp + hyper_fields[i].offset;
    if (hyper_fields[i].is_int) {
      pc_put_int(w, PC_SECTION_PARAMS, hyper_fields[i].name,
                 *(const int *)(const void *)at);
    } else {
      pc_put_scalar(w, PC_SECTION_PARAMS, hyper_fields[i].name,
                    *(const double *)(const void *)at);
    }
  }
}

/* The booster's UBJSON bytes (booster, len), then what simulation needs
 * next to it, then the fit's diagnostics. */
static void save_model(const pc_xgb_model *m, const void *booster, size_t len,
                       pc_record_writer *w) {
  pc_section p = PC_SECTION_PARAMS, d = PC_SECTION_DIAGNOSTICS;
  pc_put_bytes(w, p, "booster", booster, len);
  pc_put_int(w, p, "rounds", m->rounds);
  pc_put_scalar(w, p, "center", m->center);
  pc_put_f64(w, p, "residuals", m->resid, m->nresid);
  pc_put_scalar(w, d, "valid_rmse", m->valid_rmse);
  pc_put_scalar(w, d, "residual_mean", m->resid_mean);
  pc_put_int(w, d, "rounds_evaluated", m->evaluated);
  pc_put_int(w, d, "n_train", m->n_train);
  pc_put_int(w, d, "n_valid", m->n_valid);
}

/* A winsorised pool says so; a raw one stores what models stored before
 * the key existed (so their records are unchanged). */
static void save_residual_method(const xgb_state *s, pc_record_writer *w) {
  if (s->winsorized) {
    pc_put_str(w, PC_SECTION_PARAMS, "residual_method", "winsorized");
    pc_put_int(w, PC_SECTION_DIAGNOSTICS, "residuals_clipped", s->clipped);
  }
}

static pc_status xgb_save(const void *state, pc_record *out, pc_error *e) {
  const xgb_state *s = state;
  pc_record_writer w;
  void *booster = NULL;
  size_t len = 0;
  if (s->model.booster == NULL) {
    return pc_error_set(e, PC_FATAL, "xgboost: no trained booster to save");
  }
  pc_status st = pc_xgb_save_booster(&s->model, &booster, &len, e);
  if (st != PC_OK) {
    return st;
  }
  pc_writer_init(&w, out);
  save_layout(s, &w);
  save_hyper(&s->hyper, &w);
  save_model(&s->model, booster, len, &w);
  save_residual_method(s, &w);
  free(booster);
  return pc_writer_finish(&w, e);
}

/* An I64 list field of at most max values as the comma-separated text the
 * keys use ("none" for an empty one). */
static void read_list(pc_record_reader *r, const char *name, size_t max,
                      char *buf, size_t len) {
  const pc_field *f = pc_read_field(r, name, PC_FIELD_I64, max);
  size_t used = 0;
  snprintf(buf, len, "none");
  for (size_t i = 0; f != NULL && i < f->len && used < len; i++) {
    int n = snprintf(buf + used, len - used, "%s%lld", i ? "," : "",
                     (long long)((const int64_t *)f->data)[i]);
    used += n > 0 ? (size_t)n : 0;
  }
}

/* The layout from lags, windows and exog; the stored feature list must be
 * the one they give, so a foreign or damaged record is refused. */
static void load_layout(xgb_state *s, pc_record_reader *r) {
  char lags[1024], windows[1024], exog[1024], names[2048], want[2048];
  read_list(r, "lags", PC_XGB_MAX_LAGS, lags, sizeof lags);
  read_list(r, "windows", PC_XGB_MAX_WINDOWS, windows, sizeof windows);
  pc_read_str(r, "exog", exog, sizeof exog);
  pc_read_str(r, "features", names, sizeof names);
  if (r->st == PC_OK &&
      pc_xgb_layout_parse(&s->layout, "stored", lags, windows, exog, r->e) !=
          PC_OK) {
    r->st = PC_FATAL; /* a damaged store, not a model failure */
    return;
  }
  if (r->st != PC_OK) {
    return;
  }
  pc_xgb_feature_names(&s->layout, want, sizeof want);
  if (strcmp(names, want) != 0) {
    r->st = pc_error_set(r->e, PC_FATAL, "trained model features '%s' do "
                         "not match its lags, windows and exog", names);
  }
}

static void load_hyper(pc_xgb_hyper *hp, pc_record_reader *r) {
  for (size_t i = 0; i < NHYPER; i++) {
    char *at = (char *)hp + hyper_fields[i].offset;
    if (hyper_fields[i].is_int) {
      int64_t v = 0;
      pc_read_int(r, hyper_fields[i].name, &v);
      *(int *)(void *)at = (int)v;
    } else {
      pc_read_scalar(r, hyper_fields[i].name, (double *)(void *)at);
    }
  }
}

/* The residual pool: any length but empty (a path draws from it). */
static void load_residuals(pc_xgb_model *m, pc_record_reader *r) {
  const pc_field *f = pc_read_field(r, "residuals", PC_FIELD_F64, SIZE_MAX);
  if (f != NULL && f->len == 0) {
    r->st = pc_error_set(r->e, PC_FATAL, "trained model field 'residuals' "
                         "is empty");
  }
  if (r->st != PC_OK) {
    return;
  }
  m->resid = malloc(f->len * sizeof *m->resid);
  if (m->resid == NULL) {
    r->st = pc_error_set(r->e, PC_NOMEM, "out of memory");
    return;
  }
  memcpy(m->resid, f->data, f->len * sizeof *m->resid);
  m->nresid = f->len;
}

static void load_model(pc_xgb_model *m, pc_record_reader *r) {
  pc_read_int(r, "rounds", &m->rounds);
  pc_read_scalar(r, "center", &m->center);
  pc_read_scalar(r, "valid_rmse", &m->valid_rmse);
  pc_read_scalar(r, "residual_mean", &m->resid_mean);
  pc_read_int(r, "rounds_evaluated", &m->evaluated);
  pc_read_int(r, "n_train", &m->n_train);
  pc_read_int(r, "n_valid", &m->n_valid);
  load_residuals(m, r);
}

/* The booster bytes through XGBoost, which must agree on the feature
 * count; its refusal is a damaged store (PC_FATAL), like a missing field. */
static void load_booster(xgb_state *s, pc_record_reader *r) {
  const pc_field *f = pc_read_field(r, "booster", PC_FIELD_BYTES, SIZE_MAX);
  int nfeat = 0;
  if (f != NULL && f->len == 0) {
    r->st = pc_error_set(r->e, PC_FATAL, "trained model field 'booster' is "
                         "empty");
  }
  if (r->st != PC_OK) {
    return;
  }
  pc_status st = pc_xgb_load_booster(&s->model, f->data, f->len, r->e);
  if (st == PC_OK) {
    st = pc_xgb_booster_features(&s->model, &nfeat, r->e);
  }
  if (st == PC_OK && nfeat != pc_xgb_nfeatures(&s->layout)) {
    st = pc_error_set(r->e, PC_FATAL, "the stored booster has %d features, "
                      "its feature list %d", nfeat,
                      pc_xgb_nfeatures(&s->layout));
  }
  r->st = st == PC_MODEL ? PC_FATAL : st;
}

/* Both fields or neither: a record with one of them is damaged. */
static void load_residual_method(xgb_state *s, pc_record_reader *r) {
  char method[32];
  if (!pc_read_has(r, "residual_method") &&
      !pc_read_has(r, "residuals_clipped")) {
    return; /* raw, as every model before the key */
  }
  pc_read_str(r, "residual_method", method, sizeof method);
  pc_read_int(r, "residuals_clipped", &s->clipped);
  if (r->st == PC_OK && strcmp(method, "winsorized") != 0) {
    r->st = pc_error_set(r->e, PC_FATAL, "trained model field "
                         "'residual_method' is '%s', not 'winsorized'",
                         method);
  }
  s->winsorized = r->st == PC_OK;
}

/* Every field is read (pc_reader_finish refuses a record holding one this
 * loader does not know), in the order of the dependencies: the layout
 * before the booster whose feature count it checks. */
static pc_status xgb_load(void *state, const pc_record *in, pc_error *e) {
  xgb_state *s = state;
  pc_record_reader r;
  xgb_release(s);
  memset(s, 0, sizeof *s);
  pc_reader_init(&r, in, e);
  load_layout(s, &r);
  load_hyper(&s->hyper, &r);
  load_model(&s->model, &r);
  load_booster(s, &r);
  load_residual_method(s, &r);
  pc_status st = pc_reader_finish(&r);
  if (st != PC_OK) {
    xgb_release(s); /* nothing half-loaded survives */
  }
  return st;
}

/* The costs weigh a fit as sixty naive fits and a forecast as ten naive
 * forecasts (one tree evaluation per path and step) for the driver's load
 * balancing. */
const pc_model_type pc_model_xgboost = {
    .name = "xgboost",
    .description = "gradient-boosted trees (XGBoost) on lagged returns, "
                   "rolling statistics, calendar and lagged covariates; "
                   "recursive paths with out-of-sample residuals",
    .params = xgboost_params,
    .nparams = sizeof xgboost_params / sizeof xgboost_params[0],
    .state_size = sizeof(xgb_state),
    .fit_cost = 60.0,
    .forecast_cost = 10.0,
    .fit = xgb_fit,
    .simulate = xgb_simulate,
    .save = xgb_save,
    .load = xgb_load,
    .release = xgb_release,
    .check = xgb_check,
    /* Trained before `residuals` existed: the raw pool. */
    .legacy = "residuals=raw",
};
