/* garch: GARCH(p,q) on daily log returns with a zero, constant or AR(1)
 * mean and normal or standardised Student t innovations, fitted by exact
 * maximum likelihood.  A forecast runs the variance recursion with the
 * trained parameters over the returns before the forecast date, so the
 * paths start from today's conditional variance, not the training date's;
 * each path then carries its own recursion.  The numerics are in
 * garch_*.c; this file holds the keys, the glue to the model interface and
 * the recorded fallback. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "garch.h"
#include "pathcast/core/paths.h"

/* Every order the model fits, so that a job file with another is refused
 * when it is read (exit 2), not when the model trains. */
#define ORDERS                                                                 \
  "0,1|0,2|0,3|0,4|0,5|1,1|1,2|1,3|1,4|1,5|2,1|2,2|2,3|2,4|2,5|3,1|3,2|3,3|"   \
  "3,4|3,5|4,1|4,2|4,3|4,4|4,5|5,1|5,2|5,3|5,4|5,5"

static const pc_param_def garch_params[] = {
    {"order", PC_PARAM_CHOICE, "1,1", 0, 0, ORDERS,
     "p,q: p GARCH terms (lagged variances, 0..5), q ARCH terms (lagged "
     "squared shocks, 1..5)"},
    {"mean", PC_PARAM_CHOICE, "constant", 0, 0, "zero|constant|ar1",
     "conditional mean of the daily log return"},
    {"dist", PC_PARAM_CHOICE, "t", 0, 0, "normal|t",
     "innovations: normal, or Student t with estimated nu > 2 (unit "
     "variance)"},
    {"targeting", PC_PARAM_CHOICE, "no", 0, 0, "no|yes",
     "variance targeting: omega = sample variance x (1 - persistence)"},
    {"lookback", PC_PARAM_INT, "2000", 0, 1e7, NULL,
     "most recent daily log returns fitted and filtered (0 = all)"},
    {"fallback", PC_PARAM_CHOICE, "ewma", 0, 0, "ewma|none",
     "when the optimiser fails: record RiskMetrics EWMA (lambda 0.94) as "
     "an integrated GARCH(1,1), or fail"},
};

enum { METHOD_GARCH = 0, METHOD_FALLBACK = 1 };

/* RiskMetrics' daily decay, the fallback's beta. */
#define FALLBACK_LAMBDA 0.94

/* A trained model: everything simulate needs is here (the spec too, as it
 * was fitted: a fallback is a GARCH(1,1) whatever the keys said), so a
 * loaded model simulates exactly as the fitted one. */
typedef struct {
  int method;
  pc_garch_spec spec;
  pc_garch_par par;
  double s2;       /* the recursion's start, kept for every forecast */
  double last_var; /* the conditional variance after the training data */
  double loglik, aic, bic;
  int64_t n_obs, converged, iterations;
  char reason[512];
} garch_state;

/* ---- keys -------------------------------------------------------------- */

/* The names of the means, in the keys and in the stored fields. */
static pc_garch_mean mean_of(const char *name) {
  return strcmp(name, "zero") == 0  ? PC_GARCH_MEAN_ZERO
         : strcmp(name, "ar1") == 0 ? PC_GARCH_MEAN_AR1
                                    : PC_GARCH_MEAN_CONSTANT;
}

static const char *mean_name(pc_garch_mean m) {
  return m == PC_GARCH_MEAN_ZERO  ? "zero"
         : m == PC_GARCH_MEAN_AR1 ? "ar1"
                                  : "constant";
}

/* The key's choices only admit valid orders, so this fails only for a spec
 * made without them (a caller bypassing pc_model_spec_set): a recorded
 * model failure then, never a crash. */
static pc_status parse_order(const pc_model_spec *spec, pc_garch_spec *g,
                             pc_error *e) {
  const char *text = pc_model_spec_str(spec, "order");
  char extra = '\0';
  int n = sscanf(text, " %d , %d %c", &g->p, &g->q, &extra);
  if (n != 2 || g->p < 0 || g->p > PC_GARCH_MAX_P || g->q < 1 ||
      g->q > PC_GARCH_MAX_Q) {
    return pc_error_set(e, PC_MODEL,
                        "%s.order: '%s' is not p,q with "
                        "0 <= p <= %d and 1 <= q <= %d",
                        spec->name, text, PC_GARCH_MAX_P, PC_GARCH_MAX_Q);
  }
  return PC_OK;
}

/* The job's keys as the numerics' spec; the model itself always uses
 * pathcast's start of the recursion (the others are for the R tests). */
static pc_status spec_of(const pc_model_spec *spec, pc_garch_spec *g,
                         pc_error *e) {
  memset(g, 0, sizeof *g);
  g->mean = mean_of(pc_model_spec_str(spec, "mean"));
  g->dist = strcmp(pc_model_spec_str(spec, "dist"), "t") == 0
                ? PC_GARCH_DIST_T
                : PC_GARCH_DIST_NORMAL;
  g->targeting = strcmp(pc_model_spec_str(spec, "targeting"), "yes") == 0;
  g->start = PC_GARCH_START_PATHCAST;
  return parse_order(spec, g, e);
}

/* ---- data -------------------------------------------------------------- */

/* The last `lookback` log returns of the history (all with 0), into a
 * buffer the caller frees. */
static pc_status returns_of(const pc_model_spec *spec, const pc_history *h,
                            double **r, size_t *n, pc_error *e) {
  *r = malloc((h->n ? h->n : 1) * sizeof **r);
  if (*r == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  *n = pc_history_log_returns(h, (size_t)pc_model_spec_long(spec, "lookback"),
                              *r);
  return PC_OK;
}

/* Filters the returns with the state's parameters: the recursion state a
 * forecast continues from.  The start is the trained s2, not the s2 of
 * these returns, so that a forecast from the training data continues
 * exactly where the fit ended (last_variance); over thousands of returns
 * the start has decayed away anyway (persistence^n). */
static pc_status filter(const garch_state *s, const double *r, size_t n,
                        pc_garch_state *out, pc_error *e) {
  pc_garch_data d = {&s->spec, r, n,
                     malloc(pc_garch_work_size(n) * sizeof(double)), NULL};
  if (d.work == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  int rc = n >= 2 ? pc_garch_filter(&d, &s->par, s->s2, out) : -1;
  free(d.work);
  return rc == 0 ? PC_OK
                 : pc_error_set(e, PC_MODEL,
                                "the GARCH variance recursion "
                                "failed on the %zu returns before the date "
                                "(too few, or a variance that is not "
                                "positive)",
                                n);
}

/* ---- fit --------------------------------------------------------------- */

/* The optimum, and the information criteria of its k estimated
 * parameters over its n residuals. */
static void keep_fit(garch_state *s, const pc_garch_fit_result *r) {
  pc_garch_index ix = pc_garch_index_of(&s->spec);
  double k = (double)ix.k, n = (double)r->n_obs;
  s->method = METHOD_GARCH;
  s->par = r->par;
  s->s2 = r->s2;
  s->loglik = r->loglik;
  s->aic = -2.0 * r->loglik + 2.0 * k;
  s->bic = -2.0 * r->loglik + k * log(n);
  s->n_obs = (int64_t)r->n_obs;
  s->converged = r->converged;
  s->iterations = r->iterations;
}

/* The optimiser failed: RiskMetrics' EWMA, which is the GARCH(1,1) with
 * omega = 0, alpha = 1 - lambda, beta = lambda, normal innovations and the
 * model's mean at its sample value (phi = 0), recorded with the reason. */
static pc_status ewma_fallback(garch_state *s, const pc_garch_fit_result *r,
                               const double *ret, size_t n, pc_error *e) {
  pc_garch_spec g = {
      1, 1, s->spec.mean, PC_GARCH_DIST_NORMAL, 0, PC_GARCH_START_PATHCAST};
  pc_garch_par par;
  memset(&par, 0, sizeof par);
  par.alpha[0] = 1.0 - FALLBACK_LAMBDA;
  par.beta[0] = FALLBACK_LAMBDA;
  double sum = 0.0;
  for (size_t t = 0; t < n && s->spec.mean != PC_GARCH_MEAN_ZERO; t++) {
    sum += ret[t];
  }
  par.mu = sum / (double)n;
  pc_garch_data d = {&g, ret, n, malloc(pc_garch_work_size(n) * sizeof(double)),
                     NULL};
  if (d.work == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  s->loglik = pc_garch_loglik(&d, &par, &s->s2, NULL);
  free(d.work);
  snprintf(s->reason, sizeof s->reason, "%.*s", (int)sizeof s->reason - 1,
           e->msg);
  s->method = METHOD_FALLBACK;
  s->spec = g;
  s->par = par;
  s->aic = s->bic = NAN;
  s->n_obs = (int64_t)r->n_obs;
  s->converged = 0;
  s->iterations = r->iterations;
  return PC_OK;
}

/* Fits on the last `lookback` returns, falls back when asked, and records
 * the variance the next day would have, which `models` shows and the
 * tests compare a forecast from the training data with. */
static pc_status garch_fit(void *state, const pc_model_spec *spec,
                           const pc_history *h, pc_error *e) {
  garch_state *s = state;
  double *r = NULL;
  size_t n = 0;
  pc_status st = spec_of(spec, &s->spec, e);
  if (st == PC_OK) {
    st = returns_of(spec, h, &r, &n, e);
  }
  pc_garch_fit_result res;
  if (st == PC_OK) {
    st = pc_garch_fit(&s->spec, r, n, &res, e);
    /* Only a failed optimisation falls back: too few or constant returns
     * would give the EWMA nothing to stand on either. */
    int failed_optimiser = st == PC_MODEL && res.iterations > 0;
    if (st == PC_OK) {
      keep_fit(s, &res);
    } else if (failed_optimiser &&
               strcmp(pc_model_spec_str(spec, "fallback"), "ewma") == 0) {
      st = ewma_fallback(s, &res, r, n, e);
    }
  }
  pc_garch_state last;
  if (st == PC_OK && (st = filter(s, r, n, &last, e)) == PC_OK) {
    s->last_var = last.h_next;
  }
  free(r);
  return st;
}

/* ---- simulate ---------------------------------------------------------- */

/* The trained parameters, run over the returns before the forecast date:
 * the paths start from the variance of that date, which may be months
 * after the training (the point of a volatility model), and only rows
 * before the date are read (no leakage, as the history view guarantees). */
static pc_status garch_simulate(const void *state, const pc_model_spec *spec,
                                const pc_history *h, const pc_sim_request *req,
                                double *out, pc_error *e) {
  const garch_state *s = state;
  double last = pc_history_last_close(h);
  if (!(last > 0.0)) {
    return pc_error_set(e, PC_MODEL, "no observed close to start from");
  }
  double *r = NULL;
  size_t n = 0;
  pc_garch_state st;
  pc_status status = returns_of(spec, h, &r, &n, e);
  if (status == PC_OK) {
    status = filter(s, r, n, &st, e);
  }
  free(r);
  if (status == PC_OK && pc_garch_simulate_paths(&s->spec, &s->par, &st,
                                                 pc_ln(last), req, out) != 0) {
    status = pc_error_set(e, PC_NOMEM, "out of memory");
  }
  return status;
}

/* ---- save / load ------------------------------------------------------- */

/* The stored numbers that live in the state, in one table that save and
 * load both walk, so the two cannot drift apart. */
enum { ALWAYS, IF_AR1, IF_T };

typedef struct {
  const char *name;
  pc_section section;
  pc_field_kind kind; /* PC_FIELD_F64 (double) or PC_FIELD_I64 (int64_t) */
  size_t offset;      /* in garch_state */
  int when;
} stored_number;

#define PARAM PC_SECTION_PARAMS
#define DIAG PC_SECTION_DIAGNOSTICS
#define F64 PC_FIELD_F64
#define I64 PC_FIELD_I64
static const stored_number numbers[] = {
    {"mu", PARAM, F64, offsetof(garch_state, par.mu), ALWAYS},
    {"ar1", PARAM, F64, offsetof(garch_state, par.phi), IF_AR1},
    {"omega", PARAM, F64, offsetof(garch_state, par.omega), ALWAYS},
    {"nu", PARAM, F64, offsetof(garch_state, par.nu), IF_T},
    {"sample_variance", PARAM, F64, offsetof(garch_state, s2), ALWAYS},
    {"loglik", DIAG, F64, offsetof(garch_state, loglik), ALWAYS},
    {"aic", DIAG, F64, offsetof(garch_state, aic), ALWAYS},
    {"bic", DIAG, F64, offsetof(garch_state, bic), ALWAYS},
    {"last_variance", DIAG, F64, offsetof(garch_state, last_var), ALWAYS},
    {"n_obs", DIAG, I64, offsetof(garch_state, n_obs), ALWAYS},
    {"converged", DIAG, I64, offsetof(garch_state, converged), ALWAYS},
    {"iterations", DIAG, I64, offsetof(garch_state, iterations), ALWAYS},
};
#undef PARAM
#undef DIAG
#undef F64
#undef I64
#define NNUMBERS (sizeof numbers / sizeof numbers[0])

/* A field that does not apply to the model's mean or distribution is neither
 * written nor read: the record holds exactly the fields the model has, so
 * pc_reader_finish can refuse any extra one as damage. */
static int applies(const stored_number *n, const pc_garch_spec *g) {
  return n->when == ALWAYS ||
         (n->when == IF_AR1 && g->mean == PC_GARCH_MEAN_AR1) ||
         (n->when == IF_T && g->dist == PC_GARCH_DIST_T);
}

/* One table (numbers[]) drives both saving and loading, so a field cannot be
 * written under one name and read under another. */
static void put_numbers(const garch_state *s, pc_record_writer *w) {
  for (size_t i = 0; i < NNUMBERS; i++) {
    const stored_number *n = &numbers[i];
    const char *at = (const char *)s + n->offset;
    if (!applies(n, &s->spec)) {
      continue;
    }
    if (n->kind == PC_FIELD_F64) {
      pc_put_scalar(w, n->section, n->name, *(const double *)(const void *)at);
    } else {
      pc_put_int(w, n->section, n->name, *(const int64_t *)(const void *)at);
    }
  }
}

static void read_numbers(garch_state *s, pc_record_reader *r) {
  for (size_t i = 0; i < NNUMBERS; i++) {
    const stored_number *n = &numbers[i];
    char *at = (char *)s + n->offset;
    if (!applies(n, &s->spec)) {
      continue;
    }
    if (n->kind == PC_FIELD_F64) {
      pc_read_scalar(r, n->name, (double *)(void *)at);
    } else {
      pc_read_int(r, n->name, (int64_t *)(void *)at);
    }
  }
}

/* The shape (method, order, mean, distribution, targeting), the
 * coefficient arrays, and what follows from the numbers. */
static void put_shape(const garch_state *s, pc_record_writer *w) {
  const pc_section p = PC_SECTION_PARAMS;
  const pc_garch_spec *g = &s->spec;
  int64_t order[2] = {g->p, g->q};
  pc_put_str(w, p, "method",
             s->method == METHOD_GARCH ? "garch" : "ewma_fallback");
  pc_put_i64(w, p, "order", order, 2);
  pc_put_str(w, p, "mean", mean_name(g->mean));
  pc_put_str(w, p, "dist", g->dist == PC_GARCH_DIST_T ? "t" : "normal");
  pc_put_int(w, p, "targeting", g->targeting);
  pc_put_f64(w, p, "alpha", s->par.alpha, (size_t)g->q);
  pc_put_f64(w, p, "beta", s->par.beta, (size_t)g->p);
}

static void put_derived(const garch_state *s, pc_record_writer *w) {
  const pc_section d = PC_SECTION_DIAGNOSTICS;
  double pers = pc_garch_persistence(&s->spec, &s->par);
  /* An integrated model (the fallback) has no unconditional variance. */
  double uncond = pers < 1.0 ? s->par.omega / (1.0 - pers) : INFINITY;
  pc_put_scalar(w, d, "persistence", pers);
  pc_put_scalar(w, d, "unconditional_variance", uncond);
  pc_put_scalar(w, d, "annualized_volatility", sqrt(252.0 * uncond));
  if (s->method == METHOD_FALLBACK) {
    pc_put_str(w, d, "fallback_reason", s->reason);
  }
}

static pc_status garch_save(const void *state, pc_record *out, pc_error *e) {
  const garch_state *s = state;
  pc_record_writer w;
  pc_writer_init(&w, out);
  put_shape(s, &w);
  put_numbers(s, &w);
  put_derived(s, &w);
  return pc_writer_finish(&w, e);
}

/* The model's shape: method, order, mean, distribution and targeting; the
 * order bounds the arrays read after it. */
static void read_shape(garch_state *s, pc_record_reader *r) {
  char method[32], mean[16], dist[16];
  int64_t targeting = 0, order[2];
  pc_read_str(r, "method", method, sizeof method);
  pc_read_i64(r, "order", order, 2);
  pc_read_str(r, "mean", mean, sizeof mean);
  pc_read_str(r, "dist", dist, sizeof dist);
  pc_read_int(r, "targeting", &targeting);
  if (r->st == PC_OK &&
      (order[0] < 0 || order[0] > PC_GARCH_MAX_P || order[1] < 1 ||
       order[1] > PC_GARCH_MAX_Q)) {
    r->st = pc_error_set(r->e, PC_FATAL, "trained model field 'order' is "
                         "out of range");
  }
  if (r->st != PC_OK) {
    order[0] = 0;
    order[1] = 1;
  }
  s->method = strcmp(method, "garch") == 0 ? METHOD_GARCH : METHOD_FALLBACK;
  s->spec = (pc_garch_spec){
      (int)order[0],
      (int)order[1],
      mean_of(mean),
      strcmp(dist, "t") == 0 ? PC_GARCH_DIST_T : PC_GARCH_DIST_NORMAL,
      targeting != 0,
      PC_GARCH_START_PATHCAST};
}

/* The derived diagnostics are read (they are part of the record) but not
 * kept: the state recomputes them from the coefficients. */
static void read_rest(garch_state *s, pc_record_reader *r) {
  const pc_garch_spec *g = &s->spec;
  double derived = 0.0;
  pc_read_f64(r, "alpha", s->par.alpha, (size_t)g->q);
  pc_read_f64(r, "beta", s->par.beta, (size_t)g->p);
  read_numbers(s, r);
  pc_read_scalar(r, "persistence", &derived);
  pc_read_scalar(r, "unconditional_variance", &derived);
  pc_read_scalar(r, "annualized_volatility", &derived);
  if (s->method == METHOD_FALLBACK) {
    pc_read_str(r, "fallback_reason", s->reason, sizeof s->reason);
  }
}

/* The shape is read first because it decides which numbers apply and how long
 * the coefficient arrays are; the reader keeps the first error, which
 * pc_reader_finish returns. */
static pc_status garch_load(void *state, const pc_record *in, pc_error *e) {
  garch_state *s = state;
  pc_record_reader r;
  memset(s, 0, sizeof *s);
  pc_reader_init(&r, in, e);
  read_shape(s, &r);
  read_rest(s, &r);
  return pc_reader_finish(&r);
}

const pc_model_type pc_model_garch = {
    .name = "garch",
    .description = "GARCH(p,q) volatility on daily log returns; zero, "
                   "constant or AR(1) mean, normal or t innovations; exact "
                   "ML; paths carry their own variance recursion",
    .params = garch_params,
    .nparams = sizeof garch_params / sizeof garch_params[0],
    .state_size = sizeof(garch_state),
    .fit_cost = 10.0,
    .forecast_cost = 1.5,
    .fit = garch_fit,
    .simulate = garch_simulate,
    .save = garch_save,
    .load = garch_load,
    .release = NULL,
};
