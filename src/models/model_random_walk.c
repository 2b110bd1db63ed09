/* random_walk: log-price random walk with drift; drift and volatility are
 * the mean and standard deviation of the last `lookback` daily log returns of
 * the training window.  With `volatility = ewma` the volatility is instead
 * RiskMetrics' exponentially weighted one, recomputed at every forecast
 * from the returns before the forecast date, so it follows a market that
 * calms down or wakes up within days rather than a year; `drift = zero`
 * drops the drift. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rw.h"

static const pc_param_def random_walk_params[] = {
    {"lookback", PC_PARAM_INT, "250", 2, 1e7, NULL,
     "number of most recent daily log returns used for drift and volatility"},
    /* Added later, at the end, with defaults that reproduce what stores
     * made before them hold (pathcast/models/settings.h matches their
     * settings). */
    {"volatility", PC_PARAM_CHOICE, "sample", 0, 0, "sample|ewma",
     "sample: standard deviation of the lookback returns at training; ewma: "
     "RiskMetrics' exponentially weighted volatility at each forecast date"},
    {"lambda", PC_PARAM_DOUBLE, "0.94", 0.5, 0.999, NULL,
     "decay of the ewma volatility (RiskMetrics' daily 0.94)"},
    {"drift", PC_PARAM_CHOICE, "sample", 0, 0, "sample|zero",
     "sample: mean of the lookback returns at training; zero: no drift"},
};

/* The random walk's state and how its drift and volatility were made. */
typedef struct {
  pc_rw_state rw;
  int ewma;       /* volatility = ewma */
  double lambda;  /* its decay */
  int zero_drift; /* drift = zero */
} rw_model;

static int uses_ewma(const pc_model_spec *spec) {
  return strcmp(pc_model_spec_str(spec, "volatility"), "ewma") == 0;
}

/* RiskMetrics (J.P. Morgan 1996): over the returns r of the window, with
 * deviations from the drift d,
 *   s2 <- lambda s2 + (1 - lambda) (r_t - d)^2   for every return in order,
 * started from the mean squared deviation of the first ceil(1 / (1 -
 * lambda)) returns (17 for 0.94, the filter's effective sample size; all
 * when there are fewer).  The result, after the last return, is the
 * variance of the next day; a forecast keeps it flat over the horizon (the
 * EWMA's own forecast).  After 250 returns the start weighs 0.94^250 =
 * 2e-7: the choice of start hardly matters. */
static double ewma_volatility(const double *r, size_t n, double lambda,
                              double drift) {
  size_t k = (size_t)ceil(1.0 / (1.0 - lambda));
  k = k < n ? k : n;
  double s2 = 0.0;
  for (size_t t = 0; t < k; t++) {
    s2 += (r[t] - drift) * (r[t] - drift) / (double)k;
  }
  for (size_t t = 0; t < n; t++) {
    s2 = lambda * s2 + (1.0 - lambda) * (r[t] - drift) * (r[t] - drift);
  }
  return sqrt(s2);
}

/* The EWMA volatility of the last `lookback` returns of h around drift. */
static pc_status ewma_of_history(const pc_model_spec *spec, const pc_history *h,
                                 double lambda, double drift, double *vol,
                                 pc_error *e) {
  double *r = malloc((h->n ? h->n : 1) * sizeof *r);
  if (r == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  size_t lookback = (size_t)pc_model_spec_long(spec, "lookback");
  size_t n = pc_history_log_returns(h, lookback, r);
  *vol = n >= 2 ? ewma_volatility(r, n, lambda, drift) : NAN;
  free(r);
  if (!(*vol > 0.0) || !isfinite(*vol)) {
    return pc_error_set(e, PC_MODEL,
                        "the ewma volatility of the %zu returns "
                        "before the date is not positive",
                        n);
  }
  return PC_OK;
}

static pc_status random_walk_fit(void *state, const pc_model_spec *spec,
                                 const pc_history *h, pc_error *e) {
  rw_model *s = state;
  size_t lookback = (size_t)pc_model_spec_long(spec, "lookback");
  s->zero_drift = strcmp(pc_model_spec_str(spec, "drift"), "zero") == 0;
  s->ewma = uses_ewma(spec);
  s->lambda = s->ewma ? pc_model_spec_double(spec, "lambda") : 0.0;
  pc_status st = pc_rw_fit(&s->rw, h, lookback, !s->zero_drift, e);
  if (st == PC_OK && s->ewma) {
    st = ewma_of_history(spec, h, s->lambda, s->rw.drift, &s->rw.volatility, e);
  }
  return st;
}

/* With ewma, the volatility of the returns before the forecast date; the
 * drift stays the trained one. */
static pc_status random_walk_simulate(const void *state,
                                      const pc_model_spec *spec,
                                      const pc_history *h,
                                      const pc_sim_request *req, double *out,
                                      pc_error *e) {
  const rw_model *s = state;
  pc_rw_state now = s->rw;
  if (s->ewma) {
    pc_status st =
        ewma_of_history(spec, h, s->lambda, now.drift, &now.volatility, e);
    if (st != PC_OK) {
      return st;
    }
  }
  return pc_rw_simulate(&now, spec, h, req, out, e);
}

/* The default keys store exactly the fields they always did (stored
 * trained models stay byte-identical); the others add how drift and
 * volatility were made. */
static pc_status random_walk_save(const void *state, pc_record *out,
                                  pc_error *e) {
  const rw_model *s = state;
  pc_record_writer w;
  pc_writer_init(&w, out);
  pc_rw_put(&s->rw, &w);
  if (s->ewma) {
    pc_put_str(&w, PC_SECTION_PARAMS, "volatility_method", "ewma");
    pc_put_scalar(&w, PC_SECTION_PARAMS, "lambda", s->lambda);
  }
  if (s->zero_drift) {
    pc_put_str(&w, PC_SECTION_PARAMS, "drift_method", "zero");
  }
  return pc_writer_finish(&w, e);
}

/* A record without the later fields is a default random walk; with them,
 * they must say what save writes. */
static pc_status random_walk_load(void *state, const pc_record *in,
                                  pc_error *e) {
  rw_model *s = state;
  char method[16];
  pc_record_reader r;
  memset(s, 0, sizeof *s);
  pc_reader_init(&r, in, e);
  pc_rw_read(&s->rw, &r);
  if (pc_read_has(&r, "volatility_method")) {
    pc_read_str(&r, "volatility_method", method, sizeof method);
    pc_read_scalar(&r, "lambda", &s->lambda);
    s->ewma = strcmp(method, "ewma") == 0;
    if (r.st == PC_OK && !s->ewma) {
      r.st = pc_error_set(e, PC_FATAL, "trained model field "
                          "'volatility_method' is not 'ewma'");
    }
  }
  if (pc_read_has(&r, "drift_method")) {
    pc_read_str(&r, "drift_method", method, sizeof method);
    s->zero_drift = strcmp(method, "zero") == 0;
    if (r.st == PC_OK && !s->zero_drift) {
      r.st = pc_error_set(e, PC_FATAL, "trained model field 'drift_method' "
                          "is not 'zero'");
    }
  }
  return pc_reader_finish(&r);
}

const pc_model_type pc_model_random_walk = {
    .name = "random_walk",
    .description = "log random walk with drift; drift and volatility of the "
                   "last `lookback` returns (or ewma volatility)",
    .params = random_walk_params,
    .nparams = sizeof random_walk_params / sizeof random_walk_params[0],
    .state_size = sizeof(rw_model),
    .fit_cost = 1.0,
    .forecast_cost = 1.0,
    .fit = random_walk_fit,
    .simulate = random_walk_simulate,
    .save = random_walk_save,
    .load = random_walk_load,
    .release = NULL,
};
