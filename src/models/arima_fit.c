/* Maximum likelihood for one ARIMA order (see arima.h).
 *
 * The optimiser works on unconstrained values: AR and MA coefficients through
 * the partial-autocorrelation map of arima_params.c, regression coefficients
 * as beta = beta0 + scale * x with beta0 and scale (ten standard errors, as R
 * uses for its parscale) from least squares on the differenced data, so every
 * coordinate moves the objective on a similar scale.  The objective is R's:
 * 0.5 log(sigma^2) + 0.5 mean(log F), the concentrated negative
 * log-likelihood per observation.  BFGS (GSL's vector_bfgs2) with a
 * forward-difference gradient does the work; Nelder-Mead takes over when
 * BFGS stalls; a fit from white noise also starts from the CSS estimate,
 * and a further start is tried when nothing converged (see search()). */
#include "arima.h"
#include "pathcast/core/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_multimin.h>

#define NPAR_MAX (PC_ARIMA_MAX_P + PC_ARIMA_MAX_Q + PC_ARIMA_MAX_K)
#define MEMO 8
/* The objective's value where the likelihood does not exist: finite, so
 * that line searches and simplexes simply move away from it. */
#define BAD_OBJECTIVE 1e100
#define GRAD_STEP 1e-7
/* Raw values beyond which the saturation penalty applies (tanh = 0.999). */
#define RAW_SOFT 3.8
#define BFGS_MAX_ITER 400
#define NM_MAX_ITER 4000
#define STALL_ITER 10
#define STALL_TOL 1e-8
/* Gradient norm accepted as converged when BFGS can make no progress. */
#define GRAD_OK 1e-4

typedef struct {
  const pc_arima_data *data;
  int p, d, q, k, npar;
  double beta0[PC_ARIMA_MAX_K];
  double scale[PC_ARIMA_MAX_K];
  int css;      /* 1: the objective is the conditional sum of squares */
  double *work; /* 2n values for the CSS residuals */
  /* Gains of filter runs: gains[base] those of the last gradient's base
   * point, whose regression coordinates' evaluations replay them (see
   * value_and_gradient); the other those of the last plain evaluation,
   * which becomes the base when a gradient is taken where it was (after
   * a line search). */
  pc_arima_gains gains[2];
  int base;
  /* The last MEMO exact evaluations: the optimisers come back to points
   * they have evaluated (a simplex around where BFGS stopped, a restart
   * from a best point), about one evaluation in ten. */
  double memo_x[MEMO][NPAR_MAX], memo_f[MEMO];
  int nmemo;
} fit_ctx;

int pc_arima_npar(int p, int q, int k) { return p + q + k + 1; }

double *pc_arima_design(size_t n, int d, int constant, const double *cov,
                        int ncov, int *k) {
  int has_const = constant && d <= 1;
  *k = has_const + ncov;
  double *x = malloc(n * (size_t)(*k) * sizeof *x + 1);
  if (x == NULL) {
    return NULL;
  }
  for (size_t t = 0; t < n; t++) {
    double *row = x + t * (size_t)(*k);
    if (has_const) {
      /* An intercept for d = 0; for d = 1 the column t, whose difference
       * is 1: a drift (as forecast::Arima's include.drift). */
      row[0] = d == 0 ? 1.0 : (double)(t + 1);
    }
    for (int j = 0; j < ncov; j++) {
      row[has_const + j] = cov[t * (size_t)ncov + (size_t)j];
    }
  }
  return x;
}

static void unpack(const fit_ctx *c, const double *x, pc_arima_coef *coef) {
  memset(coef, 0, sizeof *coef);
  coef->p = c->p;
  coef->d = c->d;
  coef->q = c->q;
  coef->k = c->k;
  pc_arima_pacf_to_ar(x, c->p, coef->phi);
  pc_arima_pacf_to_ma(x + c->p, c->q, coef->theta);
  for (int j = 0; j < c->k; j++) {
    coef->beta[j] = c->beta0[j] + c->scale[j] * x[c->p + c->q + j];
  }
}

/* tanh is flat far out, and a flat objective satisfies a line search's
 * curvature condition, so BFGS would stop anywhere out there.  A quadratic
 * wall beyond |partial autocorrelation| = tanh(RAW_SOFT) = 0.999 keeps the
 * search where the likelihood still has a slope; an optimum on the boundary
 * (an MA root at one) is then reported just inside it. */
static double saturation_penalty(const fit_ctx *c, const double *x) {
  double pen = 0.0;
  for (int i = 0; i < c->p + c->q; i++) {
    double over = fabs(x[i]) - RAW_SOFT;
    pen += over > 0.0 ? over * over : 0.0;
  }
  return pen;
}

/* The memorised value at x, or NAN. */
static double memo_find(const fit_ctx *c, const double *x) {
  size_t len = sizeof(double) * (size_t)c->npar;
  for (int i = 0; i < c->nmemo && i < MEMO; i++) {
    if (memcmp(c->memo_x[i], x, len) == 0) {
      return c->memo_f[i];
    }
  }
  return NAN;
}

static double memo_keep(fit_ctx *c, const double *x, double f) {
  int slot = c->nmemo++ % MEMO;
  memcpy(c->memo_x[slot], x, sizeof(double) * (size_t)c->npar);
  c->memo_f[slot] = f;
  return f;
}

/* The objective from a filter run's result (rc its return). */
static double value_of(const fit_ctx *c, const double *x, int rc,
                       const pc_arima_filter_out *f) {
  if (rc != 0 || !(f->ssq > 0.0)) {
    return BAD_OBJECTIVE;
  }
  double nu = (double)f->nu;
  double v = 0.5 * log(f->ssq / nu) + 0.5 * f->sumlog / nu;
  return isfinite(v) ? v + saturation_penalty(c, x) : BAD_OBJECTIVE;
}

/* A memorised value for x, NAN when it must be evaluated.  A gradient's
 * base point (mode 1) needs its gains as well as its value: a memorised
 * value serves when the last plain evaluation, whose gains are held in
 * the other slot, was there (as after a line search). */
static double memo_for(fit_ctx *c, const double *x, const pc_arima_coef *coef,
                       int mode) {
  double known = memo_find(c, x);
  if (!isnan(known) && mode == 1) {
    if (!pc_arima_gains_of(&c->gains[1 - c->base], coef)) {
      return NAN;
    }
    c->base = 1 - c->base;
  }
  return known;
}

/* The objective at x.  mode 0: a plain evaluation; 1: a gradient's base
 * point, whose gains are kept; 2: a point that differs from the base only
 * in a regression coordinate, which replays them.  All give the same
 * value. */
static double objective_mode(const double *x, fit_ctx *c, int mode) {
  pc_arima_coef coef;
  pc_arima_filter_out f;
  unpack(c, x, &coef);
  if (c->css) {
    double v = pc_arima_css(&coef, c->data, c->work);
    return isfinite(v) ? v + saturation_penalty(c, x) : BAD_OBJECTIVE;
  }
  double known = memo_for(c, x, &coef, mode);
  if (!isnan(known)) {
    return known;
  }
  /* Every whole run records its gains (a few stores a row). */
  pc_arima_gains *g = &c->gains[mode == 1 ? c->base : 1 - c->base];
  int rc = mode == 2 ? pc_arima_filter_replay(&coef, c->data,
                                              &c->gains[c->base], &f)
           : g->cap > 0 ? pc_arima_filter_record(&coef, c->data, &f, g)
                        : pc_arima_filter(&coef, c->data, &f, NULL);
  return memo_keep(c, x, value_of(c, x, rc, &f));
}

/* The objective at n points (at most 1 + NPAR_MAX): point 0 a gradient's
 * base (mode 1), the others plain, or all replays of the base's gains
 * (replay); the filter runs go together (pc_arima_filter_many,
 * pc_arima_filter_replay_many).  The values are objective_mode's. */
static void objective_many(fit_ctx *c, const double (*x)[NPAR_MAX], int n,
                           int replay, double *f) {
  pc_arima_coef coef[1 + NPAR_MAX];
  pc_arima_filter_out out[1 + NPAR_MAX];
  pc_arima_gains *rec[1 + NPAR_MAX] = {NULL};
  int which[1 + NPAR_MAX] = {0}, rc[1 + NPAR_MAX] = {0}, runs = 0;
  for (int j = 0; j < n; j++) {
    if (c->css) { /* cheap: one by one */
      f[j] = objective_mode(x[j], c, replay ? 2 : j == 0);
      continue;
    }
    unpack(c, x[j], &coef[runs]);
    f[j] = memo_for(c, x[j], &coef[runs], replay ? 2 : j == 0);
    if (isnan(f[j])) {
      rec[runs] = !replay && j == 0 && c->gains[c->base].cap > 0
                      ? &c->gains[c->base]
                      : NULL;
      which[runs++] = j;
    }
  }
  if (replay) {
    pc_arima_filter_replay_many(coef, runs, c->data, &c->gains[c->base], out,
                                rc);
  } else {
    pc_arima_filter_many(coef, runs, c->data, out, rec, rc);
  }
  for (int r = 0; r < runs; r++) {
    int j = which[r];
    f[j] = memo_keep(c, x[j], value_of(c, x[j], rc[r], &out[r]));
  }
}

static double objective(const double *x, fit_ctx *c) {
  return objective_mode(x, c, 0);
}

/* ---- GSL callbacks ----------------------------------------------------- */

static double gsl_f(const gsl_vector *v, void *params) {
  return objective(v->data, params);
}

/* The objective at `at` and its gradient by forward differences: half
 * the evaluations of central differences, and accurate enough (error
 * ~ h f'' + eps f / h, about 1e-7 with h = 1e-7) for the 1e-5 gradient
 * test.  The value at `at` and at its AR and MA steps are evaluated
 * together (objective_many); the regression coordinates (after the p + q
 * AR and MA ones) leave the gains of `at` as they are, so their
 * evaluations replay them instead of running the covariance recursion. */
static double value_and_gradient(fit_ctx *c, const double *at, double *g) {
  double x[1 + NPAR_MAX][NPAR_MAX], f[1 + NPAR_MAX], fb[NPAR_MAX];
  int arma = c->p + c->q, nreg = c->npar - arma;
  for (int j = 0; j <= arma; j++) {
    memcpy(x[j], at, sizeof(double) * (size_t)c->npar);
    if (j > 0) {
      x[j][j - 1] += GRAD_STEP;
    }
  }
  objective_many(c, (const double(*)[NPAR_MAX])x, arma + 1, 0, f);
  for (int i = 0; i < nreg; i++) {
    memcpy(x[i], at, sizeof(double) * (size_t)c->npar);
    x[i][arma + i] += GRAD_STEP;
  }
  objective_many(c, (const double(*)[NPAR_MAX])x, nreg, 1, fb);
  for (int i = 0; i < c->npar; i++) {
    g[i] = ((i < arma ? f[1 + i] : fb[i - arma]) - f[0]) / GRAD_STEP;
  }
  return f[0];
}

static void gsl_fdf(const gsl_vector *v, void *params, double *f,
                    gsl_vector *g) {
  fit_ctx *c = params;
  double grad[NPAR_MAX];
  *f = value_and_gradient(c, v->data, grad);
  for (int i = 0; i < c->npar; i++) {
    gsl_vector_set(g, (size_t)i, grad[i]);
  }
}

static void gsl_df(const gsl_vector *v, void *params, gsl_vector *g) {
  double f = 0.0;
  gsl_fdf(v, params, &f, g);
}

/* One optimisation run's outcome. */
typedef struct {
  double x[NPAR_MAX];
  double f;
  int converged;
  int iterations;
} run_result;

/* Stops at a gradient norm of 1e-5, or, once the gradient is below GRAD_OK,
 * when the last STALL_ITER iterations gained less than STALL_TOL relative:
 * along a ridge of nearly cancelling AR and MA roots BFGS can crawl for
 * hundreds of iterations for a few 1e-4 of log-likelihood (R's optim stops
 * there too, by its reltol). */
static void bfgs_loop(gsl_multimin_fdfminimizer *s, run_result *out) {
  pc_bfgs_stop stop = {BFGS_MAX_ITER, 1e-5, GRAD_OK, STALL_ITER, STALL_TOL,
                       BAD_OBJECTIVE};
  out->converged = pc_bfgs_iterate(s, &stop, &out->iterations);
}

static int run_bfgs(fit_ctx *c, const double *x0, run_result *out) {
  gsl_multimin_function_fdf fn = {gsl_f, gsl_df, gsl_fdf, (size_t)c->npar, c};
  gsl_vector_const_view start =
      gsl_vector_const_view_array(x0, (size_t)c->npar);
  gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(
      gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)c->npar);
  if (s == NULL) {
    return -1;
  }
  memset(out, 0, sizeof *out);
  if (gsl_multimin_fdfminimizer_set(s, &fn, &start.vector, 0.1, 0.1) ==
      GSL_SUCCESS) {
    bfgs_loop(s, out);
  }
  memcpy(out->x, s->x->data, sizeof(double) * (size_t)c->npar);
  out->f = s->f;
  gsl_multimin_fdfminimizer_free(s);
  return 0;
}

static int run_simplex(fit_ctx *c, const double *x0, run_result *out) {
  gsl_multimin_function fn = {gsl_f, (size_t)c->npar, c};
  gsl_vector_const_view start =
      gsl_vector_const_view_array(x0, (size_t)c->npar);
  gsl_vector *step = gsl_vector_alloc((size_t)c->npar);
  gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(
      gsl_multimin_fminimizer_nmsimplex2, (size_t)c->npar);
  if (s == NULL || step == NULL) {
    gsl_vector_free(step);
    gsl_multimin_fminimizer_free(s);
    return -1;
  }
  gsl_vector_set_all(step, 0.1);
  int status = gsl_multimin_fminimizer_set(s, &fn, &start.vector, step);
  for (int it = 0; it < NM_MAX_ITER && status == GSL_SUCCESS; it++) {
    out->iterations++;
    if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS) {
      break;
    }
    if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-7) ==
        GSL_SUCCESS) {
      out->converged = s->fval < BAD_OBJECTIVE;
      break;
    }
  }
  memcpy(out->x, s->x->data, sizeof(double) * (size_t)c->npar);
  out->f = s->fval;
  gsl_vector_free(step);
  gsl_multimin_fminimizer_free(s);
  return 0;
}

/* BFGS, then Nelder-Mead from where BFGS stopped when it did not converge
 * (a simplex does not need the gradient that BFGS found too noisy). */
static int optimise(fit_ctx *c, const double *x0, run_result *out) {
  if (run_bfgs(c, x0, out) != 0) {
    return -1;
  }
  if (out->converged) {
    return 0;
  }
  run_result nm;
  memset(&nm, 0, sizeof nm);
  if (run_simplex(c, out->x, &nm) != 0) {
    return -1;
  }
  nm.iterations += out->iterations;
  if (nm.f <= out->f) {
    *out = nm;
  } else {
    out->iterations = nm.iterations;
  }
  return 0;
}

/* ---- starting values --------------------------------------------------- */

/* Rows of the d-times differenced y and regressors with every value present;
 * returns the number of rows written. */
static size_t difference(const pc_arima_data *data, int d, double *dy,
                         double *dx) {
  size_t k = (size_t)data->k, m = 0;
  for (size_t t = (size_t)d; t < data->n; t++) {
    double v[PC_ARIMA_MAX_K + 1];
    for (size_t j = 0; j <= k; j++) {
      const double *col = j == 0 ? data->y : data->x + (j - 1);
      size_t stride = j == 0 ? 1 : k;
      double a = col[t * stride], b = d >= 1 ? col[(t - 1) * stride] : 0.0;
      double c = d >= 2 ? col[(t - 2) * stride] : 0.0;
      v[j] = d == 0 ? a : d == 1 ? a - b : a - 2.0 * b + c;
    }
    int ok = 1;
    for (size_t j = 0; j <= k; j++) {
      ok = ok && isfinite(v[j]);
    }
    if (ok) {
      dy[m] = v[0];
      memcpy(dx + m * k, v + 1, k * sizeof(double));
      m++;
    }
  }
  return m;
}

/* Least squares of the differenced y on the differenced regressors gives
 * beta0 and the scale of each coefficient. */
static int regression_start(fit_ctx *c) {
  size_t n = c->data->n, k = (size_t)c->k;
  double *dy = malloc((n + 1) * sizeof *dy);
  double *dx = malloc((n * k + 1) * sizeof *dx);
  size_t m = (dy && dx) ? difference(c->data, c->d, dy, dx) : 0;
  int rc = -1;
  if (m > k + 1) {
    gsl_matrix_view X = gsl_matrix_view_array(dx, m, k);
    gsl_vector_view Y = gsl_vector_view_array(dy, m);
    gsl_vector *b = gsl_vector_alloc(k);
    gsl_matrix *cov = gsl_matrix_alloc(k, k);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(m, k);
    double chisq = 0.0;
    if (b && cov && w &&
        gsl_multifit_linear(&X.matrix, &Y.vector, b, cov, &chisq, w) == 0) {
      rc = 0;
      for (size_t j = 0; j < k; j++) {
        double se = sqrt(gsl_matrix_get(cov, j, j));
        c->beta0[j] = gsl_vector_get(b, j);
        c->scale[j] = (isfinite(se) && se > 0.0) ? 10.0 * se : 1.0;
        rc = isfinite(c->beta0[j]) ? rc : -1;
      }
    }
    gsl_multifit_linear_free(w);
    gsl_matrix_free(cov);
    gsl_vector_free(b);
  }
  free(dy);
  free(dx);
  return rc;
}

static size_t count_observed(const pc_arima_data *data) {
  size_t n = 0;
  for (size_t t = 0; t < data->n; t++) {
    int ok = isfinite(data->y[t]);
    for (int j = 0; j < data->k && ok; j++) {
      ok = isfinite(data->x[t * (size_t)data->k + (size_t)j]);
    }
    n += (size_t)ok;
  }
  return n;
}

/* ---- the fit ----------------------------------------------------------- */

/* A converged run beats one that did not converge; then the lower value. */
static int better(const run_result *a, const run_result *b) {
  if (a->converged != b->converged) {
    return a->converged;
  }
  return a->f < b->f;
}

/* A partial autocorrelation beyond SATURATED sits where tanh is flat, so a
 * small gradient in raw units proves nothing there. */
#define SATURATED 0.999
#define PULL_BACK 1.0
#define INWARD_TOL 1e-3
#define MAX_RESTARTS 2

/* A line search can overshoot into saturation, where the raw gradient
 * vanishes and BFGS stops.  In coefficient units the gradient tells the two
 * cases apart: pointing outward is a genuine boundary optimum (an MA root at
 * one for an over-differenced series), pointing inward is a false stop.
 * Pulls the falsely stopped coordinates back to +-PULL_BACK; returns how
 * many there were. */
static int pull_back_false_stops(fit_ctx *c, double *x) {
  double g[NPAR_MAX];
  value_and_gradient(c, x, g);
  int pulled = 0;
  for (int i = 0; i < c->p + c->q; i++) {
    double t = tanh(x[i]);
    if (fabs(t) < SATURATED) {
      continue;
    }
    double gp = g[i] / (1.0 - t * t);
    int inward = t > 0 ? !(gp < INWARD_TOL) : !(gp > -INWARD_TOL);
    if (inward || fabs(x[i]) > 12.0) {
      x[i] = t > 0 ? PULL_BACK : -PULL_BACK;
      pulled++;
    }
  }
  return pulled;
}

/* Restarts from pulled-back points while that finds a better optimum. */
static int escape_saturation(fit_ctx *c, run_result *best) {
  int iters = best->iterations;
  for (int k = 0; k < MAX_RESTARTS && best->converged; k++) {
    double x[NPAR_MAX];
    memcpy(x, best->x, sizeof x);
    if (pull_back_false_stops(c, x) == 0) {
      break;
    }
    run_result again;
    if (optimise(c, x, &again) != 0) {
      return -1;
    }
    iters += again.iterations;
    if (!better(&again, best)) {
      break;
    }
    *best = again;
  }
  best->iterations = iters;
  return 0;
}


/* Moves x to the minimum of the conditional sum of squares from x (when it
 * has one): a cheap first stage that starts the exact likelihood near its
 * optimum, as R's default method "CSS-ML". */
static void css_start(fit_ctx *c, double *x) {
  if (c->p + c->q == 0 || c->work == NULL) {
    return;
  }
  run_result r;
  c->css = 1;
  int rc = run_bfgs(c, x, &r);
  c->css = 0;
  if (rc == 0 && r.f < BAD_OBJECTIVE) {
    memcpy(x, r.x, sizeof(double) * (size_t)c->npar);
  }
}

/* One exact fit from x0, with the saturation check; the better of it and
 * *best (when have_best) is kept, and the iterations add up. */
static int fit_from(fit_ctx *c, const double *x0, run_result *best,
                    int have_best) {
  run_result r;
  if (optimise(c, x0, &r) != 0 || escape_saturation(c, &r) != 0) {
    return -1;
  }
  if (!have_best) {
    *best = r;
    return 0;
  }
  int iters = best->iterations + r.iterations;
  if (better(&r, best)) {
    *best = r;
  }
  best->iterations = iters;
  return 0;
}

/* Starts: from white noise (with the least-squares regression) both the
 * CSS estimate and the start itself, since ARMA(2,2)-like likelihoods have
 * local optima and neither start finds the best one always; from a
 * neighbouring model's estimate (warm) that start only.  A third start from
 * moderate AR and MA terms is used when nothing converged.  A solution at
 * the invertibility edge is not poor: an MA root near one is the right
 * answer for an over-differenced series. */
static int search(fit_ctx *c, const double *start, int warm,
                  run_result *best) {
  double x0[NPAR_MAX] = {0};
  memcpy(x0, start, sizeof(double) * (size_t)c->npar);
  if (c->npar == 0) {
    /* Nothing to estimate but sigma^2, which is concentrated out. */
    memset(best, 0, sizeof *best);
    best->f = objective(x0, c);
    best->converged = best->f < BAD_OBJECTIVE;
    return 0;
  }
  if (fit_from(c, x0, best, 0) != 0) {
    return -1;
  }
  if (!warm && c->p + c->q > 0) {
    css_start(c, x0);
    if (fit_from(c, x0, best, 1) != 0) {
      return -1;
    }
  }
  if (best->converged) {
    return 0;
  }
  memcpy(x0, start, sizeof(double) * (size_t)c->npar);
  for (int i = 0; i < c->p + c->q; i++) {
    x0[i] = i < c->p ? 0.3 : -0.3;
  }
  return fit_from(c, x0, best, 1);
}

static pc_status finish(const fit_ctx *c, const run_result *r,
                        pc_arima_fit_result *res, pc_error *e) {
  pc_arima_filter_out f;
  unpack(c, r->x, &res->coef);
  if (pc_arima_filter(&res->coef, c->data, &f, NULL) != 0) {
    return pc_error_set(e, PC_MODEL, "ARIMA(%d,%d,%d): the likelihood is not "
                        "finite at the estimate", c->p, c->d, c->q);
  }
  res->loglik = pc_arima_loglik(&f, &res->sigma2);
  if (!isfinite(res->loglik) || !(res->sigma2 > 0.0)) {
    return pc_error_set(e, PC_MODEL, "ARIMA(%d,%d,%d): non-finite "
                        "log-likelihood or zero innovation variance", c->p,
                        c->d, c->q);
  }
  double k = pc_arima_npar(c->p, c->q, c->k), n = (double)f.nu;
  res->n_obs = f.nu;
  res->aic = -2.0 * res->loglik + 2.0 * k;
  res->aicc = res->aic + 2.0 * k * (k + 1.0) / (n - k - 1.0);
  res->bic = res->aic + k * (log(n) - 2.0);
  res->converged = r->converged;
  res->iterations = r->iterations;
  return PC_OK;
}

static pc_status check_order(const pc_arima_data *data, int p, int d, int q,
                             pc_error *e) {
  if (p < 0 || p > PC_ARIMA_MAX_P || q < 0 || q > PC_ARIMA_MAX_Q || d < 0 ||
      d > PC_ARIMA_MAX_D || data->k > PC_ARIMA_MAX_K) {
    return pc_error_set(e, PC_MODEL, "ARIMA(%d,%d,%d) with %d regressors is "
                        "outside the supported range (p, q <= %d, d <= %d)",
                        p, d, q, data->k, PC_ARIMA_MAX_P, PC_ARIMA_MAX_D);
  }
  size_t need = (size_t)(pc_arima_npar(p, q, data->k) + d + 4);
  need = need < 10 ? 10 : need;
  size_t have = count_observed(data);
  if (have < need) {
    return pc_error_set(e, PC_MODEL, "too few observations for ARIMA(%d,%d,%d)"
                        " (%zu, need at least %zu)", p, d, q, have, need);
  }
  return PC_OK;
}

/* The unconstrained start of a warm start: the AR and MA coefficients of
 * `from`, truncated or padded with zeros to (p, q) (zeros when that is not
 * stationary or invertible), and its regression coefficients when the
 * regressors are the same. */
static void warm_start(const fit_ctx *c, const pc_arima_coef *from,
                       double *x) {
  double ar[PC_ARIMA_MAX_P] = {0}, ma[PC_ARIMA_MAX_Q] = {0};
  memset(x, 0, sizeof(double) * NPAR_MAX);
  for (int i = 0; i < c->p && i < from->p; i++) {
    ar[i] = from->phi[i];
  }
  for (int i = 0; i < c->q && i < from->q; i++) {
    ma[i] = from->theta[i];
  }
  if (pc_arima_ar_to_pacf(ar, c->p, x) != 0) {
    memset(x, 0, sizeof(double) * (size_t)c->p);
  }
  if (pc_arima_ma_to_pacf(ma, c->q, x + c->p) != 0) {
    memset(x + c->p, 0, sizeof(double) * (size_t)c->q);
  }
  for (int j = 0; j < c->k && from->k == c->k; j++) {
    x[c->p + c->q + j] = (from->beta[j] - c->beta0[j]) / c->scale[j];
  }
}

pc_status pc_arima_fit_order(const pc_arima_data *data, int p, int d, int q,
                             pc_arima_fit_result *res, pc_error *e) {
  return pc_arima_fit_order_from(data, p, d, q, NULL, res, e);
}

pc_status pc_arima_fit_order_from(const pc_arima_data *data, int p, int d,
                                  int q, const pc_arima_coef *from,
                                  pc_arima_fit_result *res, pc_error *e) {
  memset(res, 0, sizeof *res);
  pc_status st = check_order(data, p, d, q, e);
  if (st != PC_OK) {
    return st;
  }
  fit_ctx c = {.data = data, .p = p, .d = d, .q = q, .k = data->k};
  c.npar = p + q + c.k;
  if (c.k > 0 && regression_start(&c) != 0) {
    return pc_error_set(e, PC_MODEL, "ARIMA(%d,%d,%d): the regressors are "
                        "collinear or constant after differencing", p, d, q);
  }
  double x0[NPAR_MAX] = {0};
  if (from != NULL) {
    warm_start(&c, from, x0);
  }
  /* Without memory for the CSS stage the exact fit starts from x0, and
   * without room for the gains every evaluation runs the whole filter. */
  c.work = malloc(2 * data->n * sizeof *c.work + 1);
  for (int i = 0; i < 2; i++) {
    pc_arima_gains *g = &c.gains[i];
    g->row = malloc((data->n + 1) * sizeof(size_t));
    g->f = malloc((data->n + 1) * sizeof(double));
    g->mvec = malloc((data->n + 1) * PC_ARIMA_MAX_M * sizeof(double));
    g->cap = g->row && g->f && g->mvec ? data->n : 0;
  }
  gsl_error_handler_t *old = gsl_set_error_handler_off();
  run_result best;
  int rc = search(&c, x0, from != NULL, &best);
  gsl_set_error_handler(old);
  free(c.work);
  for (int i = 0; i < 2; i++) {
    free(c.gains[i].row);
    free(c.gains[i].f);
    free(c.gains[i].mvec);
  }
  if (rc != 0) {
    return pc_error_set(e, PC_NOMEM, "out of memory in the ARIMA optimiser");
  }
  if (!best.converged) {
    return pc_error_set(e, PC_MODEL, "ARIMA(%d,%d,%d): the likelihood "
                        "optimiser did not converge after %d iterations",
                        p, d, q, best.iterations);
  }
  return finish(&c, &best, res, e);
}
