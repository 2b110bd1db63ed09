/* Automatic ARIMA order (Hyndman and Khandakar 2008, as forecast::auto.arima
 * with stepwise = TRUE): the number of differences d by repeated KPSS tests
 * at 5%, then a stepwise search over (p, q, constant) that moves to any
 * neighbouring model with a lower AICc until none is better.  Every fit is
 * exact maximum likelihood (no CSS approximation), so the AICc values that
 * are compared are the ones recorded. */
#include "arima.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* forecast::auto.arima's max.order: p + q at most 5. */
#define MAX_ORDER_SUM 5

/* The present values of x minus their mean, into e; returns their count. */
static size_t demeaned(const double *x, size_t n, double *e) {
  double mean = 0.0;
  size_t m = 0;
  for (size_t t = 0; t < n; t++) {
    if (isfinite(x[t])) {
      e[m++] = x[t];
      mean += x[t];
    }
  }
  mean /= m ? (double)m : 1.0;
  for (size_t t = 0; t < m; t++) {
    e[t] -= mean;
  }
  return m;
}

/* n times the Newey-West long-run variance with Bartlett weights. */
static double long_run_ssq(const double *e, size_t m, int lags) {
  double var = 0.0;
  for (size_t t = 0; t < m; t++) {
    var += e[t] * e[t];
  }
  for (int l = 1; l <= lags && (size_t)l < m; l++) {
    double acc = 0.0;
    for (size_t t = (size_t)l; t < m; t++) {
      acc += e[t] * e[t - (size_t)l];
    }
    var += 2.0 * (1.0 - (double)l / (lags + 1.0)) * acc;
  }
  return var;
}

/* The KPSS level-stationarity statistic (Kwiatkowski et al. 1992): the sum of
 * squared partial sums of the demeaned series over m^2 times its long-run
 * variance. Missing values are left out, not filled. NaN for fewer than two
 * values or a zero variance, which pc_arima_ndiffs treats as "stationary" (NaN
 * never exceeds the critical value). */
double pc_arima_kpss(const double *x, size_t n, int lags) {
  double *e = malloc((n + 1) * sizeof *e);
  if (e == NULL) {
    return NAN;
  }
  size_t m = demeaned(x, n, e);
  /* Sum of squared partial sums over n^2 times the long-run variance. */
  double s = 0.0, num = 0.0;
  for (size_t t = 0; t < m; t++) {
    s += e[t];
    num += s * s;
  }
  double dm = (double)m, var = long_run_ssq(e, m, lags) / dm;
  free(e);
  return m >= 2 && var > 0.0 ? num / (dm * dm * var) : NAN;
}

/* The present values, differenced in place; returns the new count. */
static size_t diff_once(double *x, size_t n) {
  for (size_t t = 1; t < n; t++) {
    x[t - 1] = x[t] - x[t - 1];
  }
  return n > 0 ? n - 1 : 0;
}

static int is_constant(const double *x, size_t n) {
  for (size_t t = 1; t < n; t++) {
    if (x[t] != x[0]) {
      return 0;
    }
  }
  return 1;
}

/* As forecast::ndiffs(test = "kpss"): difference while the test rejects at 5%
 * (0.463) and d < max_d. A constant series stops the loop, since its statistic
 * is undefined and no differencing can help. Returns 0 when memory runs out,
 * the conservative choice; *stat is the statistic at the chosen d (NaN if none
 * was computed), stored as the `kpss` diagnostic. */
int pc_arima_ndiffs(const double *y, size_t n, int max_d, double *stat) {
  double *x = malloc((n + 1) * sizeof *x);
  size_t m = 0;
  *stat = NAN;
  if (x == NULL) {
    return 0;
  }
  for (size_t t = 0; t < n; t++) {
    if (isfinite(y[t])) {
      x[m++] = y[t]; /* gaps are closed, as the search only needs a test */
    }
  }
  int d = 0;
  while (m > 2 && !is_constant(x, m)) {
    /* Hobijn et al. (1998) bandwidth, as forecast::ndiffs. */
    int lags = (int)(3.0 * sqrt((double)m) / 13.0);
    *stat = pc_arima_kpss(x, m, lags);
    if (!(*stat > PC_ARIMA_KPSS_CRIT_05) || d >= max_d) {
      break;
    }
    m = diff_once(x, m);
    d++;
  }
  free(x);
  return d;
}

/* ---- the stepwise search ----------------------------------------------- */

typedef struct {
  const double *y;
  size_t n;
  const double *cov;
  int ncov, d;
  const pc_arima_search *s;
  double aicc[PC_ARIMA_MAX_P + 1][PC_ARIMA_MAX_Q + 1][2];
  signed char tried[PC_ARIMA_MAX_P + 1][PC_ARIMA_MAX_Q + 1][2];
  pc_arima_fit_result best;
  int best_p, best_q, best_c, fitted;
  pc_error last;
} search_ctx;

static int allowed(const search_ctx *c, int p, int q, int k) {
  /* No constant survives two differences. */
  int const_ok = c->d > 1 ? k == 0 : c->s->constant < 0 || k == c->s->constant;
  return p >= 0 && q >= 0 && p <= c->s->max_p && q <= c->s->max_q &&
         p + q <= MAX_ORDER_SUM && const_ok;
}

/* Fits (p, d, q) with or without the constant once; returns 1 when it is
 * the best model so far. */
static int try_model(search_ctx *c, int p, int q, int k) {
  if (!allowed(c, p, q, k) || c->tried[p][q][k]) {
    return 0;
  }
  c->tried[p][q][k] = 1;
  c->aicc[p][q][k] = INFINITY;
  int nreg = 0;
  double *x = pc_arima_design(c->n, c->d, k, c->cov, c->ncov, &nreg);
  if (x == NULL) {
    return 0;
  }
  pc_arima_data data = {c->n, c->y, nreg, x};
  pc_arima_fit_result r;
  /* Neighbours start from the best model so far: one coefficient more or
   * less than an optimum is usually close to the next one. */
  const pc_arima_coef *from = c->best_p >= 0 ? &c->best.coef : NULL;
  pc_status st = pc_arima_fit_order_from(&data, p, c->d, q, from, &r,
                                         &c->last);
  free(x);
  c->fitted++;
  if (st != PC_OK || !isfinite(r.aicc)) {
    return 0;
  }
  c->aicc[p][q][k] = r.aicc;
  if (c->best_p < 0 || r.aicc < c->best.aicc - 1e-9) {
    c->best = r;
    c->best_p = p, c->best_q = q, c->best_c = k;
    return 1;
  }
  return 0;
}

/* One sweep over the neighbours of the best model; 1 when it moved.
 * The neighbours in forecast::auto.arima's order: p and q one up or down, both
 * together, then the constant toggled. The first improvement is taken (not the
 * best of the sweep), as auto.arima does. */
static int step(search_ctx *c) {
  static const int moves[8][2] = {{-1, 0}, {1, 0},  {0, -1}, {0, 1},
                                  {-1, -1}, {1, 1}, {-1, 1}, {1, -1}};
  int p = c->best_p, q = c->best_q, k = c->best_c;
  for (int i = 0; i < 8; i++) {
    if (try_model(c, p + moves[i][0], q + moves[i][1], k)) {
      return 1;
    }
  }
  return try_model(c, p, q, 1 - k);
}

/* The search state is on the heap (the AICc table and the best fit are a few
 * kilobytes). The guard of 200 steps cannot bind in practice (each step must
 * lower the AICc and the order grid has at most 72 cells) but keeps a
 * pathological cycle from running forever. */
pc_status pc_arima_auto(const double *y, size_t n, const double *cov,
                        int ncov, const pc_arima_search *s,
                        pc_arima_auto_result *res, pc_error *e) {
  search_ctx *c = calloc(1, sizeof *c);
  if (c == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  memset(res, 0, sizeof *res);
  *c = (search_ctx){.y = y, .n = n, .cov = cov, .ncov = ncov, .s = s,
                    .best_p = -1};
  snprintf(c->last.msg, sizeof c->last.msg, "no order could be fitted");
  c->d = pc_arima_ndiffs(y, n, s->max_d, &res->kpss_stat);
  int k0 = c->d > 1 ? 0 : s->constant < 0 ? 1 : s->constant;
  /* The four starting models of Hyndman and Khandakar, then (0,d,0)
   * without the constant.  (2,d,2) goes first, from white noise: started
   * from a smaller model's estimate it can settle in a worse local optimum
   * of the ARMA(2,2) likelihood. */
  try_model(c, 2 < s->max_p ? 2 : s->max_p, 2 < s->max_q ? 2 : s->max_q, k0);
  try_model(c, 0, 0, k0);
  try_model(c, 1, 0, k0);
  try_model(c, 0, 1, k0);
  try_model(c, 0, 0, 0);
  for (int guard = 0; c->best_p >= 0 && guard < 200 && step(c); guard++) {
  }
  pc_status st = PC_OK;
  if (c->best_p < 0) {
    st = pc_error_set(e, PC_MODEL, "automatic order: no ARIMA(p,%d,q) could "
                      "be fitted (last: %s)", c->d, c->last.msg);
  } else {
    res->best = c->best;
    res->constant = c->best_c && c->d <= 1;
    res->models_fitted = c->fitted;
  }
  free(c);
  return st;
}
