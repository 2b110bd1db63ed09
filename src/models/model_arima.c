/* arima: ARIMA(p,d,q) on log price with an optional constant (intercept or
 * drift) and exogenous regressors (regression with ARIMA errors, as R's
 * arima with xreg), fitted by exact maximum likelihood; the order is given or
 * chosen by the Hyndman-Khandakar stepwise search.  Paths follow the
 * state-space recursion from the filtered state of the last observation.
 * The numerics are in arima_*.c; this file holds the keys, the glue to the
 * model interface and the recorded fallback. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arima.h"
#include "rw.h"
#include "pathcast/core/paths.h"

/* The keys and their defaults are part of every stored settings text
 * (docs/STORE.md, "Settings"): a changed default makes existing stores refuse
 * the job, so a new key must default to the behaviour before it existed. The
 * bounds of max_p, max_d and max_q are the sizes of the fixed arrays in
 * pc_arima_coef (arima.h); docs/MODELS.md, "Keys", documents each. */
static const pc_param_def arima_params[] = {
    {"order", PC_PARAM_STRING, "auto", 0, 0, NULL,
     "p,d,q (e.g. 1,1,1; p, q <= 5, d <= 2) or auto (stepwise search by "
     "AICc)"},
    {"max_p", PC_PARAM_INT, "3", 0, PC_ARIMA_MAX_P, NULL,
     "largest AR order the automatic search tries"},
    {"max_d", PC_PARAM_INT, "2", 0, PC_ARIMA_MAX_D, NULL,
     "largest number of differences the KPSS tests may choose"},
    {"max_q", PC_PARAM_INT, "3", 0, PC_ARIMA_MAX_Q, NULL,
     "largest MA order the automatic search tries"},
    {"constant", PC_PARAM_CHOICE, "auto", 0, 0, "auto|yes|no",
     "intercept (d = 0) or drift (d = 1); auto: included for a fixed order, "
     "chosen by AICc in the search"},
    {"exog", PC_PARAM_STRING, "none", 0, 0, NULL,
     "comma-separated covariate columns used as regressors, or none"},
    {"exog_projection", PC_PARAM_CHOICE, "persist", 0, 0,
     "persist|seasonal|linear",
     "future covariates: last value, same dates of earlier years, or the "
     "trend of the last 60 rows"},
    {"fallback", PC_PARAM_CHOICE, "none", 0, 0, "none|random_walk",
     "on a failed fit, record a random walk with drift instead (the failure "
     "reason is kept)"},
    {"innovations", PC_PARAM_CHOICE, "gaussian", 0, 0, "gaussian|bootstrap",
     "path innovations: Gaussian, or resampled standardised residuals"},
    {"transform", PC_PARAM_CHOICE, "log", 0, 0, "log|none",
     "model the log of the price, or the price itself"},
};

/* What a trained model is: the fitted ARIMA, or the random walk that replaced a
 * failed fit (arima.fallback = random_walk). Stored as the `method` text, never
 * as this number, so the numbering is free to change. */
enum { METHOD_ARIMA = 0, METHOD_FALLBACK = 1 };

typedef struct {
  int method;
  pc_arima_coef coef;
  int constant; /* a constant column is coef.beta[0] */
  int nexog;
  /* 1: the state is on log prices (transform = log), paths are exp'd. */
  int log_scale;
  /* 1: the order came from the stepwise search; kpss is then meaningful. */
  int auto_order;
  double sigma2, loglik, aic, aicc, bic, kpss;
  int64_t n_obs, converged, iterations, models_fitted;
  pc_rw_state rw;
  char exog[PC_PARAM_VALUE_MAX]; /* the arima.exog text of the fit */
  /* Why the ARIMA fit failed, kept for the fallback's diagnostics. */
  char reason[512];
} arima_state;

/* ---- keys -------------------------------------------------------------- */

/* "auto" gives p = -1; otherwise three integers in range.
 * A bad order is a configuration error (PC_MODEL here, but returned before any
 * fit, so the fallback never hides it). The trailing %c catches text after the
 * third number ("1,1,1,2"), which sscanf would otherwise ignore. */
static pc_status parse_order(const pc_model_spec *spec, int order[3],
                             pc_error *e) {
  const char *text = pc_model_spec_str(spec, "order");
  if (strcmp(text, "auto") == 0) {
    order[0] = order[1] = order[2] = -1;
    return PC_OK;
  }
  char extra = '\0';
  int n = sscanf(text, " %d , %d , %d %c", &order[0], &order[1], &order[2],
                 &extra);
  if (n != 3 || order[0] < 0 || order[0] > PC_ARIMA_MAX_P || order[1] < 0 ||
      order[1] > PC_ARIMA_MAX_D || order[2] < 0 ||
      order[2] > PC_ARIMA_MAX_Q) {
    return pc_error_set(e, PC_MODEL, "%s.order: '%s' is not 'auto' or p,d,q "
                        "with 0 <= p <= %d, 0 <= d <= %d, 0 <= q <= %d",
                        spec->name, text, PC_ARIMA_MAX_P, PC_ARIMA_MAX_D,
                        PC_ARIMA_MAX_Q);
  }
  return PC_OK;
}

/* The history columns named by `exog`, in order; *n = 0 for none.
 * cols must hold PC_ARIMA_MAX_EXOG entries. The same parse runs at check, fit
 * and simulate time against the history each is given, so a covariate column
 * that disappears from a later data file fails the forecast rather than
 * silently reading another column. */
static pc_status parse_exog(const pc_model_spec *spec, const pc_history *h,
                            size_t *cols, int *n, pc_error *e) {
  const char *cursor = pc_model_spec_str(spec, "exog"), *p = NULL;
  *n = 0;
  for (size_t len; (len = pc_name_list_next(&cursor, &p)) > 0;) {
    long j = pc_history_cov_index(h, p, len);
    if (j < 0) {
      return pc_error_set(e, PC_MODEL, "%s.exog: '%.*s' is not a covariate "
                          "column of the data", spec->name, (int)len, p);
    }
    if (*n >= PC_ARIMA_MAX_EXOG) {
      return pc_error_set(e, PC_MODEL, "%s.exog: more than %d covariates",
                          spec->name, PC_ARIMA_MAX_EXOG);
    }
    cols[(*n)++] = (size_t)j;
  }
  return PC_OK;
}

/* Before any work: every covariate `exog` names must be a column of the
 * data (a typo is bad input, not a failed fit that retries every day).
 * min_history is unused: the driver applies it to every model before a fit
 * (pc_forecast_check_history), and arima's own minimum depends on the order
 * and is checked by the fit (docs/MODELS.md, "Estimation", Failures). */
static pc_status arima_check(const pc_model_spec *spec,
                             const pc_history *columns, long min_history,
                             pc_error *e) {
  size_t cols[PC_ARIMA_MAX_EXOG];
  int n = 0;
  (void)min_history;
  pc_status st = parse_exog(spec, columns, cols, &n, e);
  return st == PC_OK ? PC_OK : PC_INPUT;
}

/* ---- data -------------------------------------------------------------- */

/* The transformed closes and the chosen covariates of the first n rows. */
typedef struct {
  size_t n;
  double *y;
  double *cov; /* n x ncov */
  int ncov;
} series_copy;

/* Both arrays are owned by the copy and freed by series_free; the + 1 in their
 * sizes keeps malloc(0) out of the picture for n == 0 or no covariates, so NULL
 * always means out of memory. */
static void series_free(series_copy *s) {
  free(s->y);
  free(s->cov);
}

/* A non-positive close has no log: it becomes a missing observation (NaN)
 * rather than an error, exactly as a missing close, so one bad row costs one
 * likelihood term instead of the whole fit. Covariates are copied in the order
 * `exog` names them, which is the order of exog_coef in the record. */
static pc_status series_make(const pc_history *h, size_t n, int log_scale,
                             const size_t *cols, int ncov, series_copy *s,
                             pc_error *e) {
  s->n = n;
  s->ncov = ncov;
  s->y = malloc((n + 1) * sizeof *s->y);
  s->cov = malloc((n * (size_t)ncov + 1) * sizeof *s->cov);
  if (s->y == NULL || s->cov == NULL) {
    series_free(s);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (size_t t = 0; t < n; t++) {
    double c = h->close[t];
    s->y[t] = log_scale && !(c > 0.0) ? NAN : c;
    for (int j = 0; j < ncov; j++) {
      s->cov[t * (size_t)ncov + (size_t)j] = h->cov[t * h->ncov + cols[j]];
    }
  }
  if (log_scale) {
    /* The logs in one vector pass (the same bits as pc_ln, close by
     * close); a NaN's log is the same NaN (IEEE arithmetic carries it). */
    pc_paths_ln(pc_simd_active(), s->y, n);
  }
  return PC_OK;
}

/* ---- fit --------------------------------------------------------------- */

static void keep_result(arima_state *s, const pc_arima_fit_result *r) {
  s->coef = r->coef;
  s->sigma2 = r->sigma2;
  s->loglik = r->loglik;
  s->aic = r->aic;
  s->aicc = r->aicc;
  s->bic = r->bic;
  s->n_obs = (int64_t)r->n_obs;
  s->converged = r->converged;
  s->iterations = r->iterations;
}

/* A fixed order: the constant is included unless `constant = no`, and never
 * with d = 2, where it would be differenced away (docs/MODELS.md, "Model").
 * kpss is NaN because no test was run; it is not stored for a fixed order. */
static pc_status fit_fixed(arima_state *s, const pc_model_spec *spec,
                           const series_copy *sc, const int order[3],
                           pc_error *e) {
  int constant = strcmp(pc_model_spec_str(spec, "constant"), "no") != 0 &&
                 order[1] <= 1;
  int k = 0;
  double *x = pc_arima_design(sc->n, order[1], constant, sc->cov, sc->ncov, &k);
  if (x == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  pc_arima_data data = {sc->n, sc->y, k, x};
  pc_arima_fit_result r;
  pc_status st = pc_arima_fit_order(&data, order[0], order[1], order[2], &r, e);
  free(x);
  if (st == PC_OK) {
    keep_result(s, &r);
    s->constant = constant;
    s->models_fitted = 1;
    s->kpss = NAN;
  }
  return st;
}

/* The Hyndman-Khandakar stepwise search (arima_auto.c), as
 * forecast::auto.arima(stepwise = TRUE) but with every candidate fitted by
 * exact ML. constant -1 lets the search choose it by AICc. */
static pc_status fit_auto(arima_state *s, const pc_model_spec *spec,
                          const series_copy *sc, pc_error *e) {
  const char *c = pc_model_spec_str(spec, "constant");
  pc_arima_search search = {
      .max_p = (int)pc_model_spec_long(spec, "max_p"),
      .max_d = (int)pc_model_spec_long(spec, "max_d"),
      .max_q = (int)pc_model_spec_long(spec, "max_q"),
      .constant = strcmp(c, "auto") == 0 ? -1 : strcmp(c, "yes") == 0,
  };
  pc_arima_auto_result r;
  pc_status st = pc_arima_auto(sc->y, sc->n, sc->cov, sc->ncov, &search, &r, e);
  if (st == PC_OK) {
    keep_result(s, &r.best);
    s->constant = r.constant;
    s->models_fitted = r.models_fitted;
    s->kpss = r.kpss_stat;
    s->auto_order = 1;
  }
  return st;
}

/* A failed fit becomes a recorded random walk when arima.fallback asks for
 * it; the reason stays in the diagnostics, so the substitute is visible.
 * The fallback uses fixed settings (lookback 250 returns, with drift), not the
 * job's random_walk keys, so its results depend on arima's settings alone. Only
 * PC_MODEL reaches here; a memory or input error is never papered over. */
static pc_status try_fallback(arima_state *s, const pc_model_spec *spec,
                              const pc_history *h, pc_error *e) {
  if (strcmp(pc_model_spec_str(spec, "fallback"), "random_walk") != 0) {
    return PC_MODEL;
  }
  pc_error rw_e;
  if (pc_rw_fit(&s->rw, h, 250, 1, &rw_e) != PC_OK) {
    char why[sizeof s->reason];
    snprintf(why, sizeof why, "%.*s", (int)sizeof why - 1, e->msg);
    return pc_error_set(e, PC_MODEL, "%s; the random walk fallback failed "
                        "too: %s", why, rw_e.msg);
  }
  s->method = METHOD_FALLBACK;
  snprintf(s->reason, sizeof s->reason, "%.*s", (int)sizeof s->reason - 1,
           e->msg);
  return PC_OK;
}

/* Fits on every row of the history view: the driver's view already ends before
 * the training date (pathcast/models/forecast.h), so nothing here can see the
 * future. The exog text is kept with the fit so that `models` shows which
 * columns the coefficients belong to. */
static pc_status arima_fit(void *state, const pc_model_spec *spec,
                           const pc_history *h, pc_error *e) {
  arima_state *s = state;
  int order[3];
  size_t cols[PC_ARIMA_MAX_EXOG];
  pc_status st = parse_order(spec, order, e);
  if (st == PC_OK) {
    st = parse_exog(spec, h, cols, &s->nexog, e);
  }
  if (st != PC_OK) {
    return st; /* a configuration error: no fallback can hide it */
  }
  s->log_scale = strcmp(pc_model_spec_str(spec, "transform"), "log") == 0;
  snprintf(s->exog, sizeof s->exog, "%s", pc_model_spec_str(spec, "exog"));
  series_copy sc;
  st = series_make(h, h->n, s->log_scale, cols, s->nexog, &sc, e);
  if (st != PC_OK) {
    return st;
  }
  st = order[0] < 0 ? fit_auto(s, spec, &sc, e)
                    : fit_fixed(s, spec, &sc, order, e);
  series_free(&sc);
  if (st == PC_MODEL) {
    st = try_fallback(s, spec, h, e);
  }
  return st;
}

/* ---- simulate ---------------------------------------------------------- */

static pc_arima_projection projection_of(const pc_model_spec *spec) {
  const char *p = pc_model_spec_str(spec, "exog_projection");
  return strcmp(p, "seasonal") == 0 ? PC_ARIMA_PROJ_SEASONAL
         : strcmp(p, "linear") == 0 ? PC_ARIMA_PROJ_LINEAR
                                    : PC_ARIMA_PROJ_PERSIST;
}

/* The deterministic part x' beta of each future step.
 * level[j] for step j = 0..steps-1 is the regression part x_{n+j+1}'beta: the
 * drift column continues the row count of the history (t = n + j + 1, as R's
 * xreg drift column 1..n), and each covariate is projected from rows before the
 * forecast date only (docs/MODELS.md, "Paths", step 2). Returns -1 on
 * allocation failure or a non-finite projection (a covariate with no observed
 * value), which the caller turns into a failed forecast. */
static int future_level(const arima_state *s, const pc_model_spec *spec,
                        const pc_history *h, size_t n, const size_t *cols,
                        int steps, double *level) {
  double *proj = malloc(sizeof(double) * (size_t)steps);
  if (proj == NULL) {
    return -1;
  }
  for (int j = 0; j < steps; j++) {
    double t = (double)(n + (size_t)j + 1); /* the drift column's value */
    level[j] = s->constant ? s->coef.beta[0] * (s->coef.d == 0 ? 1.0 : t) : 0.0;
  }
  int ok = 1;
  for (int c = 0; c < s->nexog; c++) {
    pc_arima_project(h, n, cols[c], projection_of(spec), steps, proj);
    for (int j = 0; j < steps; j++) {
      level[j] += s->coef.beta[s->constant + c] * proj[j];
      ok = ok && isfinite(level[j]);
    }
  }
  free(proj);
  return ok ? 0 : -1;
}

/* Rows up to and including the last observed close: paths continue from it.
 * Trailing rows without a close carry no information for the state; the trading
 * days between the last close and the forecast date are simulated as extra
 * steps (req->steps includes them, src/models/forecast.c), so day_1 is still
 * the forecast date. */
static size_t rows_to_last_close(const pc_history *h) {
  size_t n = h->n;
  while (n > 0 && isnan(h->close[n - 1])) {
    n--;
  }
  return n;
}

/* Filters the history with the trained coefficients; resid (capacity n)
 * receives the standardised innovations when not NULL.
 * The design is rebuilt from the forecast's history; its width must equal the
 * width at fit time (k), else the coefficients would be applied to the wrong
 * columns, and the forecast fails instead. */
static pc_status filter_history(const arima_state *s, const series_copy *sc,
                                pc_arima_filter_out *f, double *resid,
                                pc_error *e) {
  int k = 0;
  double *x = pc_arima_design(sc->n, s->coef.d, s->constant, sc->cov,
                              sc->ncov, &k);
  if (x == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  pc_arima_data data = {sc->n, sc->y, k, x};
  int rc = k == s->coef.k ? pc_arima_filter(&s->coef, &data, f, resid) : -1;
  free(x);
  return rc == 0 ? PC_OK
                 : pc_error_set(e, PC_MODEL, "the Kalman filter failed on the "
                                "history before the forecast date");
}

typedef struct {
  series_copy sc;
  pc_arima_filter_out f;
  double *level;
  /* NULL unless innovations = bootstrap: the standardised residuals of the
   * filter run, which paths resample. */
  double *pool;
} sim_work;

static pc_status sim_prepare(const arima_state *s, const pc_model_spec *spec,
                             const pc_history *h, int steps, sim_work *w,
                             pc_error *e) {
  size_t cols[PC_ARIMA_MAX_EXOG];
  int nexog = 0;
  size_t n = rows_to_last_close(h);
  pc_status st = parse_exog(spec, h, cols, &nexog, e);
  if (st == PC_OK && (n == 0 || nexog != s->nexog)) {
    return pc_error_set(e, PC_MODEL, n == 0 ? "no observed close to start "
                        "from" : "the covariates of arima.exog changed");
  }
  if (st == PC_OK) {
    st = series_make(h, n, s->log_scale, cols, nexog, &w->sc, e);
  }
  if (st != PC_OK) {
    return st;
  }
  int boot = strcmp(pc_model_spec_str(spec, "innovations"), "bootstrap") == 0;
  w->level = malloc(sizeof(double) * (size_t)(steps > 0 ? steps : 1));
  w->pool = boot ? malloc(sizeof(double) * (n + 1)) : NULL;
  if (w->level == NULL || (boot && w->pool == NULL)) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  st = filter_history(s, &w->sc, &w->f, w->pool, e);
  if (st == PC_OK && future_level(s, spec, h, n, cols, steps, w->level) != 0) {
    st = pc_error_set(e, PC_MODEL, "a projected covariate is not finite "
                      "(a covariate has no values)");
  }
  return st;
}

/* Frees what sim_prepare allocated; arima_simulate zeroes the work first, so
 * this is safe after a failure at any point of sim_prepare. */
static void sim_free(sim_work *w) {
  series_free(&w->sc);
  free(w->level);
  free(w->pool);
}

/* The simulate contract (pathcast/models/model.h): out receives req->npaths x
 * req->steps prices drawn only from the request's key, so the same trained
 * model, history and key give the same bits on any rank and at any SIMD width.
 * The state is const: simulating never changes the trained model, so every
 * forecast date it serves sees the same coefficients. */
static pc_status arima_simulate(const void *state, const pc_model_spec *spec,
                                const pc_history *h, const pc_sim_request *req,
                                double *out, pc_error *e) {
  const arima_state *s = state;
  if (s->method == METHOD_FALLBACK) {
    return pc_rw_simulate(&s->rw, spec, h, req, out, e);
  }
  sim_work w;
  memset(&w, 0, sizeof w);
  pc_status st = sim_prepare(s, spec, h, req->steps, &w, e);
  if (st == PC_OK) {
    double sigma = sqrt(s->sigma2);
    /* Residuals are v / sqrt(F) on the unit scale of the filter, so
     * dividing by the trained sigma makes them standard. */
    for (size_t i = 0; w.pool != NULL && i < w.f.nu; i++) {
      w.pool[i] /= sigma;
    }
    pc_arima_paths sp = {&s->coef, sigma, s->log_scale, req->steps, w.level,
                         &w.f, w.pool, w.f.nu};
    if (pc_arima_simulate_paths(&sp, req, out) != 0) {
      st = pc_error_set(e, PC_MODEL, "the state covariance of the last "
                        "observation is not positive semi-definite");
    }
  }
  sim_free(&w);
  return st;
}

/* ---- save / load ------------------------------------------------------- */

/* The stored fields of docs/MODELS.md, "Stored fields". The constant is stored
 * as `intercept` or `drift` (0 when absent), named as R prints them
 * (stats::arima's intercept, forecast::Arima's drift), rather than as
 * beta[0], so the record reads without knowing the design. */
static void put_params(const arima_state *s, pc_record_writer *w) {
  const pc_arima_coef *c = &s->coef;
  const pc_section P = PC_SECTION_PARAMS;
  int64_t order[3] = {c->p, c->d, c->q};
  double icept = s->constant && c->d == 0 ? c->beta[0] : 0.0;
  double drift = s->constant && c->d == 1 ? c->beta[0] : 0.0;
  pc_put_str(w, P, "method", "arima");
  pc_put_i64(w, P, "order", order, 3);
  pc_put_f64(w, P, "ar", c->phi, (size_t)c->p);
  pc_put_f64(w, P, "ma", c->theta, (size_t)c->q);
  pc_put_int(w, P, "constant", s->constant);
  pc_put_scalar(w, P, "intercept", icept);
  pc_put_scalar(w, P, "drift", drift);
  pc_put_str(w, P, "exog", s->exog);
  pc_put_f64(w, P, "exog_coef", c->beta + s->constant, (size_t)s->nexog);
  pc_put_scalar(w, P, "sigma2", s->sigma2);
  pc_put_str(w, P, "transform", s->log_scale ? "log" : "none");
}

static void put_diagnostics(const arima_state *s, pc_record_writer *w) {
  const pc_section D = PC_SECTION_DIAGNOSTICS;
  pc_put_scalar(w, D, "loglik", s->loglik);
  pc_put_scalar(w, D, "aic", s->aic);
  pc_put_scalar(w, D, "aicc", s->aicc);
  pc_put_scalar(w, D, "bic", s->bic);
  pc_put_int(w, D, "n_obs", s->n_obs);
  pc_put_int(w, D, "converged", s->converged);
  pc_put_int(w, D, "iterations", s->iterations);
  pc_put_str(w, D, "order_selection", s->auto_order ? "auto" : "fixed");
  pc_put_int(w, D, "models_fitted", s->models_fitted);
  if (s->auto_order) {
    pc_put_scalar(w, D, "kpss", s->kpss);
  }
}

static pc_status arima_save(const void *state, pc_record *out, pc_error *e) {
  const arima_state *s = state;
  pc_record_writer w;
  pc_writer_init(&w, out);
  if (s->method == METHOD_FALLBACK) {
    pc_put_str(&w, PC_SECTION_PARAMS, "method", "random_walk_fallback");
    pc_put_str(&w, PC_SECTION_DIAGNOSTICS, "fallback_reason", s->reason);
    pc_rw_put(&s->rw, &w);
  } else {
    put_params(s, &w);
    put_diagnostics(s, &w);
  }
  return pc_writer_finish(&w, e);
}

/* The order, within the bounds a fit can produce: the sizes of every array
 * read after it depend on it. */
static void read_order(arima_state *s, pc_record_reader *r) {
  int64_t order[3], constant = 0;
  pc_read_i64(r, "order", order, 3);
  pc_read_int(r, "constant", &constant);
  if (r->st == PC_OK && (order[0] < 0 || order[0] > PC_ARIMA_MAX_P ||
                         order[1] < 0 || order[1] > PC_ARIMA_MAX_D ||
                         order[2] < 0 || order[2] > PC_ARIMA_MAX_Q)) {
    r->st = pc_error_set(r->e, PC_FATAL, "trained model order is out of "
                         "range");
    order[0] = order[1] = order[2] = 0;
  }
  s->coef.p = (int)order[0];
  s->coef.d = (int)order[1];
  s->coef.q = (int)order[2];
  s->constant = constant != 0 && s->coef.d <= 1;
}

/* exog_coef is read first because its length (at most PC_ARIMA_MAX_EXOG,
 * enforced by pc_read_field) gives k; ar and ma are read with the lengths the
 * order fixed, so a record whose arrays disagree with its order fails the load
 * (pc_reader_finish) instead of reading past them. */
static void read_coefs(arima_state *s, pc_record_reader *r) {
  pc_arima_coef *c = &s->coef;
  double icept = 0.0, drift = 0.0;
  const pc_field *f = pc_read_field(r, "exog_coef", PC_FIELD_F64,
                                    PC_ARIMA_MAX_EXOG);
  s->nexog = f != NULL ? (int)f->len : 0;
  c->k = s->constant + s->nexog;
  if (f != NULL) {
    memcpy(c->beta + s->constant, f->data, f->len * sizeof *c->beta);
  }
  pc_read_f64(r, "ar", c->phi, (size_t)c->p);
  pc_read_f64(r, "ma", c->theta, (size_t)c->q);
  pc_read_scalar(r, "sigma2", &s->sigma2);
  pc_read_scalar(r, "intercept", &icept);
  pc_read_scalar(r, "drift", &drift);
  if (s->constant) {
    c->beta[0] = c->d == 0 ? icept : drift;
  }
}

static void read_diagnostics(arima_state *s, pc_record_reader *r) {
  char sel[16], tr[16];
  pc_read_str(r, "transform", tr, sizeof tr);
  pc_read_str(r, "exog", s->exog, sizeof s->exog);
  pc_read_str(r, "order_selection", sel, sizeof sel);
  pc_read_scalar(r, "loglik", &s->loglik);
  pc_read_scalar(r, "aic", &s->aic);
  pc_read_scalar(r, "aicc", &s->aicc);
  pc_read_scalar(r, "bic", &s->bic);
  pc_read_int(r, "n_obs", &s->n_obs);
  pc_read_int(r, "converged", &s->converged);
  pc_read_int(r, "iterations", &s->iterations);
  pc_read_int(r, "models_fitted", &s->models_fitted);
  s->log_scale = strcmp(tr, "log") == 0;
  s->auto_order = strcmp(sel, "auto") == 0;
  s->kpss = NAN;
  if (s->auto_order) {
    pc_read_scalar(r, "kpss", &s->kpss);
  }
}

/* The state is zeroed first so that a record that fails half way leaves no
 * value of an earlier model; the reader collects the first error and
 * pc_reader_finish returns it, which is why the reads above need no checks of
 * their own. */
static pc_status arima_load(void *state, const pc_record *in, pc_error *e) {
  arima_state *s = state;
  char method[32];
  pc_record_reader r;
  memset(s, 0, sizeof *s);
  pc_reader_init(&r, in, e);
  pc_read_str(&r, "method", method, sizeof method);
  if (strcmp(method, "random_walk_fallback") == 0) {
    s->method = METHOD_FALLBACK;
    pc_read_str(&r, "fallback_reason", s->reason, sizeof s->reason);
    pc_rw_read(&s->rw, &r);
  } else {
    read_order(s, &r);
    read_coefs(s, &r);
    read_diagnostics(s, &r);
  }
  return pc_reader_finish(&r);
}

/* fit_cost and forecast_cost are relative units for the driver's
 * longest-processing-time balancing (docs/DESIGN.md, "The run", step 3): an
 * ARIMA fit (with the order search) weighs as forty naive fits. */
const pc_model_type pc_model_arima = {
    .name = "arima",
    .description = "ARIMA(p,d,q) on log price with drift and covariates; "
                   "exact ML, stepwise order search, state-space paths",
    .params = arima_params,
    .nparams = sizeof arima_params / sizeof arima_params[0],
    .state_size = sizeof(arima_state),
    .fit_cost = 40.0,
    .forecast_cost = 2.0,
    .fit = arima_fit,
    .simulate = arima_simulate,
    .save = arima_save,
    .load = arima_load,
    .release = NULL,
    .check = arima_check,
};
