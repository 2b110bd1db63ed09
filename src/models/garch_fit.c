/* Maximum likelihood for GARCH(p,q) (see garch.h).
 *
 * The optimiser works on unconstrained values x, mapped so that every point
 * it tries is a valid model:
 *   mu    = mu0 + sd0 x            (mu0, sd0: mean and sd of the returns)
 *   phi   = tanh(x)                (|phi| < 1)
 *   (alpha_1..alpha_q, beta_1..beta_p)
 *         = PERS_MAX sinc(|x|)^2 (x_1^2, .., x_{q+p}^2)
 *                                  (alpha, beta >= 0, persistence
 *                                   = PERS_MAX sin(|x|)^2 < 1)
 *   omega = s20 (1 - persistence + 0.01) exp(x)
 *                                  (omega > 0; s20 the sample variance)
 *   nu    = 2 + exp(x)             (nu > 2)
 * so each coordinate moves the objective on a similar scale whatever the
 * units of the returns.  omega's x is about the log of the unconditional
 * variance over s20 while the persistence is well below 1 (where that
 * variance is what the data pin down, and it hardly moves with the
 * persistence), and the log of omega over 0.01 s20 as the persistence
 * approaches 1 (where the unconditional variance runs away but omega does
 * not), so neither an ordinary fit nor an integrated one sends it along a
 * long curved valley.  The objective is minus the log-likelihood per
 * residual; its gradient is the analytic one of garch_lik.c through the
 * chain rule of this map.  GSL's BFGS (vector_bfgs2) does the work, in
 * coordinates y = L'x in which the problem is well scaled (L from the
 * curvature, see precondition() and optimise()); Nelder-Mead continues
 * where BFGS stalls. */
#include "garch.h"
#include "pathcast/core/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

/* The objective where the likelihood does not exist: finite, so that line
 * searches and simplexes simply move away from it. */
#define BAD_OBJECTIVE 1e100
/* Fewer returns than this make a GARCH fit meaningless (the persistence
 * needs hundreds of days to be told apart from a constant variance). */
#define MIN_RETURNS 100
/* A standard deviation of daily log returns below this is no variance. */
#define MIN_SD 1e-10
/* BFGS runs ROUNDS times (see optimise()), ROUND_ITER iterations each but
 * the last, which may take BFGS_MAX_ITER. */
#define ROUNDS 6
#define ROUND_ITER 8
#define BFGS_MAX_ITER 300
#define NM_MAX_ITER 2000
/* Gradient norms in the preconditioned coordinates y (below), where the
 * objective's Hessian is about the identity: a norm g puts the estimate
 * about g from the optimum, where one standard error is 1 / sqrt(n) (0.022
 * for 2,000 returns).  BFGS stops at GRAD_TOL (1/2,000 of a standard
 * error); GRAD_OK is accepted as converged once it can make no progress. */
#define GRAD_TOL 1e-5
#define GRAD_OK 1e-4
#define STALL_ITER 10
#define STALL_TOL 1e-12
/* nu beyond 2 + exp(NU_XMAX) (about 300) is a normal distribution for every
 * practical purpose; a quadratic wall there keeps a normal sample from
 * sending nu to infinity along a flat likelihood.  The same wall keeps
 * tanh and exp away from where they are flat or overflow. */
#define NU_XMAX 5.7
/* The largest persistence: a series that wants an integrated (or
 * explosive) variance is fitted at this bound (see shares()). */
#define PERS_MAX (1.0 - 1e-4)
/* omega = s20 (1 - persistence + OMEGA_KAPPA) exp(x), see the top. */
#define OMEGA_KAPPA 0.01
#define PHI_XMAX 3.8
#define EXP_XMAX 30.0

typedef struct {
  pc_garch_data data;
  pc_garch_index ix; /* the coordinates, in the gradient's order */
  double mu0, sd0, s20;
  size_t terms; /* residuals in the likelihood */
  double scale; /* 1 / terms */
  /* The optimiser's coordinates are y = L' x, with L L' a curvature matrix
   * of the objective (see precondition()), so that BFGS, whose first
   * inverse Hessian is the identity, starts from a well-scaled problem. */
  double L[PC_GARCH_MAX_PAR * PC_GARCH_MAX_PAR];
} fit_ctx;

/* ---- the map from x to the parameters ------------------------------------ */

/* alpha and beta from their coordinates x (n of them), with r = |x|:
 *   coefficient_k = PERS_MAX x_k^2 sinc(r)^2,
 * so the persistence is PERS_MAX sin(r)^2 and x / r shares it out.  Both
 * boundaries are smooth bowls: a coefficient is 0 at x_k = 0 (a function
 * of x_k^2), and the persistence is PERS_MAX at r = pi/2 (a maximum of
 * sin^2), so an optimum on either is an ordinary stationary point, not the
 * end of an endless flat slope (as with a softmax or a log, where BFGS
 * crawls for hundreds of iterations).  Returns 1 - persistence. */
typedef struct {
  double a, b; /* the chain rule: d coef_k / d x_l = a x_k delta_kl
                  + b x_k^2 x_l */
  double c;    /* d persistence / d x_l = c x_l */
} shares_slope;

/* sin(r) / r and (sinc)'(r) / r, by their series near 0. */
static void sinc_terms(double r, double *s, double *psi) {
  if (r < 1e-4) {
    *s = 1.0 - r * r / 6.0;
    *psi = -1.0 / 3.0 + r * r / 30.0;
    return;
  }
  *s = sin(r) / r;
  *psi = (r * cos(r) - sin(r)) / (r * r * r);
}

static double shares(const double *x, int n, double *w, shares_slope *d) {
  double rr = 0.0, s = 1.0, psi = 0.0;
  for (int i = 0; i < n; i++) {
    rr += x[i] * x[i];
  }
  double r = sqrt(rr);
  sinc_terms(r, &s, &psi);
  for (int i = 0; i < n; i++) {
    w[i] = PERS_MAX * x[i] * x[i] * s * s;
  }
  if (d != NULL) {
    d->a = 2.0 * PERS_MAX * s * s;
    d->b = 2.0 * PERS_MAX * s * psi;
    d->c = PERS_MAX * 2.0 * s * (s + r * r * psi); /* sin(2r) / r */
  }
  double sr = sin(r);
  return 1.0 - PERS_MAX * sr * sr;
}

static void unpack(const fit_ctx *c, const double *x, pc_garch_par *par) {
  const pc_garch_spec *s = c->data.spec;
  double w[PC_GARCH_MAX_P + PC_GARCH_MAX_Q];
  memset(par, 0, sizeof *par);
  par->mu = c->ix.mu >= 0 ? c->mu0 + c->sd0 * x[c->ix.mu] : 0.0;
  par->phi = c->ix.phi >= 0 ? tanh(x[c->ix.phi]) : 0.0;
  double slack = shares(x + c->ix.alpha, s->q + s->p, w, NULL);
  par->omega = c->ix.omega >= 0
                   ? c->s20 * (slack + OMEGA_KAPPA) * exp(x[c->ix.omega])
                   : 0.0;
  memcpy(par->alpha, w, sizeof(double) * (size_t)s->q);
  memcpy(par->beta, w + s->q, sizeof(double) * (size_t)s->p);
  par->nu = c->ix.nu >= 0 ? 2.0 + exp(x[c->ix.nu]) : 0.0;
}

/* The inverse map, for the starting points. */
static void pack(const fit_ctx *c, const pc_garch_par *par, double *x) {
  const pc_garch_spec *s = c->data.spec;
  double slack = 1.0 - pc_garch_persistence(s, par);
  if (c->ix.mu >= 0) {
    x[c->ix.mu] = (par->mu - c->mu0) / c->sd0;
  }
  if (c->ix.phi >= 0) {
    x[c->ix.phi] = atanh(par->phi);
  }
  if (c->ix.omega >= 0) {
    x[c->ix.omega] = log(par->omega / (c->s20 * (slack + OMEGA_KAPPA)));
  }
  double pers = 1.0 - slack, r = asin(sqrt(pers / PERS_MAX));
  for (int i = 0; i < s->q + s->p; i++) {
    double a = i < s->q ? par->alpha[i] : par->beta[i - s->q];
    x[c->ix.alpha + i] = r * sqrt(a / pers);
  }
  if (c->ix.nu >= 0) {
    x[c->ix.nu] = log(par->nu - 2.0);
  }
}

/* dF/dx from dF/dtheta (g, in place).  The Jacobian is diagonal but for
 * the alpha and beta block (see shares_slope) and omega, which moves with
 * the persistence: d omega / dx_l = -omega / (1 - persistence + kappa)
 * c x_l. */
static void chain_rule(const fit_ctx *c, const double *x,
                       const pc_garch_par *par, double *g) {
  const pc_garch_spec *s = c->data.spec;
  int n = s->q + s->p;
  const double *xw = x + c->ix.alpha;
  double w[PC_GARCH_MAX_P + PC_GARCH_MAX_Q], gx2 = 0.0;
  shares_slope d;
  double slack = shares(xw, n, w, &d);
  double gomega = c->ix.omega >= 0 ? g[c->ix.omega] : 0.0;
  if (c->ix.mu >= 0) {
    g[c->ix.mu] *= c->sd0;
  }
  if (c->ix.phi >= 0) {
    g[c->ix.phi] *= 1.0 - par->phi * par->phi;
  }
  if (c->ix.omega >= 0) {
    g[c->ix.omega] = gomega * par->omega;
  }
  for (int i = 0; i < n; i++) {
    gx2 += g[c->ix.alpha + i] * xw[i] * xw[i];
  }
  for (int i = 0; i < n; i++) {
    g[c->ix.alpha + i] =
        xw[i] * (d.a * g[c->ix.alpha + i] + d.b * gx2 -
                 gomega * par->omega / (slack + OMEGA_KAPPA) * d.c);
  }
  if (c->ix.nu >= 0) {
    g[c->ix.nu] *= par->nu - 2.0;
  }
}

/* ---- the objective ------------------------------------------------------- */

/* A quadratic wall beyond `limit`, added to f and its slope to g. */
static void wall(double x, double limit, double *f, double *g) {
  double over = fabs(x) - limit;
  if (over > 0.0) {
    *f += over * over;
    *g += 2.0 * over * (x > 0.0 ? 1.0 : -1.0);
  }
}

static void walls(const fit_ctx *c, const double *x, double *f, double *g) {
  if (c->ix.omega >= 0) {
    wall(x[c->ix.omega], EXP_XMAX, f, &g[c->ix.omega]);
  }
  if (c->ix.phi >= 0) {
    wall(x[c->ix.phi], PHI_XMAX, f, &g[c->ix.phi]);
  }
  if (c->ix.nu >= 0) {
    /* nu near 2 is allowed; only a large nu is walled. */
    wall(x[c->ix.nu], x[c->ix.nu] > 0.0 ? NU_XMAX : EXP_XMAX, f, &g[c->ix.nu]);
  }
}

/* Minus the log-likelihood per term at x, and its gradient when g is not
 * NULL (g then has k entries). */
static double objective(fit_ctx *c, const double *x, double *g) {
  pc_garch_par par;
  double grad[PC_GARCH_MAX_PAR] = {0};
  unpack(c, x, &par);
  double ll = pc_garch_loglik(&c->data, &par, NULL, g ? grad : NULL);
  if (!isfinite(ll)) {
    if (g != NULL) {
      memset(g, 0, sizeof(double) * (size_t)c->ix.k);
    }
    return BAD_OBJECTIVE;
  }
  double f = -ll * c->scale;
  if (g != NULL) {
    chain_rule(c, x, &par, grad);
    for (int i = 0; i < c->ix.k; i++) {
      g[i] = -grad[i] * c->scale;
    }
  }
  double zero[PC_GARCH_MAX_PAR] = {0};
  walls(c, x, &f, g ? g : zero);
  return f;
}

/* x = L'^{-1} y, by back substitution. */
static void to_x(const fit_ctx *c, const double *y, double *x) {
  int k = c->ix.k;
  for (int i = k - 1; i >= 0; i--) {
    double v = y[i];
    for (int j = i + 1; j < k; j++) {
      v -= c->L[j * k + i] * x[j];
    }
    x[i] = v / c->L[i * k + i];
  }
}

/* y = L' x. */
static void to_y(const fit_ctx *c, const double *x, double *y) {
  int k = c->ix.k;
  for (int i = 0; i < k; i++) {
    y[i] = 0.0;
    for (int j = i; j < k; j++) {
      y[i] += c->L[j * k + i] * x[j];
    }
  }
}

/* The gradient by y from the gradient by x: L^{-1} g, by forward
 * substitution, in place. */
static void grad_to_y(const fit_ctx *c, double *g) {
  int k = c->ix.k;
  for (int i = 0; i < k; i++) {
    for (int j = 0; j < i; j++) {
      g[i] -= c->L[i * k + j] * g[j];
    }
    g[i] /= c->L[i * k + i];
  }
}

static double gsl_f(const gsl_vector *v, void *params) {
  double x[PC_GARCH_MAX_PAR];
  to_x(params, v->data, x);
  return objective(params, x, NULL);
}

static void gsl_fdf(const gsl_vector *v, void *params, double *f,
                    gsl_vector *g) {
  fit_ctx *c = params;
  double x[PC_GARCH_MAX_PAR];
  to_x(c, v->data, x);
  *f = objective(c, x, g->data);
  grad_to_y(c, g->data);
}

static void gsl_df(const gsl_vector *v, void *params, gsl_vector *g) {
  double f = 0.0;
  gsl_fdf(v, params, &f, g);
}

/* The BHHH matrix in x at x: J' B J, with B the outer product of the
 * per-term scores (per term) and J the Jacobian of the map from x to the
 * parameters, applied as the chain rule to the columns and then the rows
 * of B.  Positive semi-definite by construction.  Returns 0, or -1 when the
 * likelihood does not exist at x. */
static int bhhh_matrix(fit_ctx *c, const double *x, double *b) {
  int k = c->ix.k;
  double g[PC_GARCH_MAX_PAR], col[PC_GARCH_MAX_PAR];
  pc_garch_par par;
  unpack(c, x, &par);
  c->data.opg = b;
  double ll = pc_garch_loglik(&c->data, &par, NULL, g);
  c->data.opg = NULL;
  if (!isfinite(ll)) {
    return -1;
  }
  for (int i = 0; i < k * k; i++) {
    b[i] *= c->scale;
  }
  /* Twice: the chain rule on every column, then a transpose, gives
   * J' B J (B is symmetric). */
  for (int pass = 0; pass < 2; pass++) {
    for (int j = 0; j < k; j++) {
      for (int i = 0; i < k; i++) {
        col[i] = b[i * k + j];
      }
      chain_rule(c, x, &par, col);
      for (int i = 0; i < k; i++) {
        b[i * k + j] = col[i];
      }
    }
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < i; j++) {
        double t = b[i * k + j];
        b[i * k + j] = b[j * k + i];
        b[j * k + i] = t;
      }
    }
  }
  return 0;
}

/* The objective's Hessian in x at x, by forward differences of the
 * analytic gradient, symmetrised.  Returns 0, or -1 when the objective
 * does not exist there. */
#define HESS_STEP 1e-5
static int hessian_matrix(fit_ctx *c, const double *x, double *h) {
  int k = c->ix.k;
  double g0[PC_GARCH_MAX_PAR], g[PC_GARCH_MAX_PAR], xs[PC_GARCH_MAX_PAR];
  memcpy(xs, x, sizeof(double) * (size_t)k);
  if (objective(c, x, g0) >= BAD_OBJECTIVE) {
    return -1;
  }
  for (int j = 0; j < k; j++) {
    xs[j] = x[j] + HESS_STEP;
    if (objective(c, xs, g) >= BAD_OBJECTIVE) {
      return -1;
    }
    xs[j] = x[j];
    for (int i = 0; i < k; i++) {
      h[i * k + j] = (g[i] - g0[i]) / HESS_STEP;
    }
  }
  for (int i = 0; i < k; i++) {
    for (int j = 0; j < i; j++) {
      h[i * k + j] = h[j * k + i] = 0.5 * (h[i * k + j] + h[j * k + i]);
    }
  }
  return 0;
}

/* L from the Cholesky factor of m (destroyed), after a small ridge that
 * keeps a nearly flat direction from making it singular.  Returns 0, or
 * -1 (L unchanged) when m is not positive definite. */
static int set_factor(fit_ctx *c, double *m) {
  int k = c->ix.k;
  double top = 0.0;
  for (int i = 0; i < k; i++) {
    top = m[i * k + i] > top ? m[i * k + i] : top;
  }
  for (int i = 0; i < k; i++) {
    m[i * k + i] += 1e-6 * top + 1e-12;
  }
  gsl_matrix_view v = gsl_matrix_view_array(m, (size_t)k, (size_t)k);
  if (!(top > 0.0) || gsl_linalg_cholesky_decomp1(&v.matrix) != GSL_SUCCESS) {
    return -1;
  }
  memset(c->L, 0, sizeof c->L);
  for (int i = 0; i < k; i++) {
    for (int j = 0; j <= i; j++) {
      c->L[i * k + j] = m[i * k + j];
    }
  }
  return 0;
}

/* Sets L for a BFGS run from x: the Hessian when asked and positive
 * definite (near the optimum: BFGS then starts with the exact inverse
 * Hessian, a Newton step), else the BHHH matrix (always positive
 * semi-definite, the information matrix near the optimum), else the
 * identity. */
static void precondition(fit_ctx *c, const double *x, int hessian) {
  double m[PC_GARCH_MAX_PAR * PC_GARCH_MAX_PAR];
  if (hessian && hessian_matrix(c, x, m) == 0 && set_factor(c, m) == 0) {
    return;
  }
  if (bhhh_matrix(c, x, m) == 0 && set_factor(c, m) == 0) {
    return;
  }
  memset(c->L, 0, sizeof c->L);
  for (int i = 0; i < c->ix.k; i++) {
    c->L[i * c->ix.k + i] = 1.0;
  }
}

/* ---- the optimiser ------------------------------------------------------- */

typedef struct {
  double x[PC_GARCH_MAX_PAR];
  double f;
  int converged, iterations;
} run_result;

static int run_bfgs(fit_ctx *c, const double *x0, int max_iter,
                    run_result *out) {
  gsl_multimin_function_fdf fn = {gsl_f, gsl_df, gsl_fdf, (size_t)c->ix.k, c};
  double y0[PC_GARCH_MAX_PAR];
  to_y(c, x0, y0);
  gsl_vector_const_view start =
      gsl_vector_const_view_array(y0, (size_t)c->ix.k);
  gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(
      gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)c->ix.k);
  if (s == NULL) {
    return -1;
  }
  memset(out, 0, sizeof *out);
  if (gsl_multimin_fdfminimizer_set(s, &fn, &start.vector, 0.1, 0.1) ==
      GSL_SUCCESS) {
    pc_bfgs_stop stop = {max_iter,   GRAD_TOL,  GRAD_OK,
                         STALL_ITER, STALL_TOL, BAD_OBJECTIVE};
    out->converged = pc_bfgs_iterate(s, &stop, &out->iterations);
  }
  to_x(c, s->x->data, out->x);
  out->f = s->f;
  gsl_multimin_fdfminimizer_free(s);
  return 0;
}

/* Nelder-Mead from where BFGS stopped; converged when the simplex has
 * shrunk to 1e-8 and the gradient there passes the BFGS test. */
static int run_simplex(fit_ctx *c, const double *x0, run_result *out) {
  gsl_multimin_function fn = {gsl_f, (size_t)c->ix.k, c};
  double y0[PC_GARCH_MAX_PAR];
  to_y(c, x0, y0);
  gsl_vector_const_view start =
      gsl_vector_const_view_array(y0, (size_t)c->ix.k);
  gsl_vector *step = gsl_vector_alloc((size_t)c->ix.k);
  gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(
      gsl_multimin_fminimizer_nmsimplex2, (size_t)c->ix.k);
  int rc = -1;
  if (s != NULL && step != NULL) {
    gsl_vector_set_all(step, 0.1);
    int status = gsl_multimin_fminimizer_set(s, &fn, &start.vector, step);
    for (int it = 0; it < NM_MAX_ITER && status == GSL_SUCCESS; it++) {
      out->iterations++;
      status = gsl_multimin_fminimizer_iterate(s);
      if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-8) ==
          GSL_SUCCESS) {
        break;
      }
    }
    double g[PC_GARCH_MAX_PAR];
    to_x(c, s->x->data, out->x);
    out->f = objective(c, out->x, g);
    grad_to_y(c, g);
    gsl_vector_view gv = gsl_vector_view_array(g, (size_t)c->ix.k);
    out->converged =
        out->f < BAD_OBJECTIVE && gsl_blas_dnrm2(&gv.vector) < GRAD_OK;
    rc = 0;
  }
  gsl_vector_free(step);
  gsl_multimin_fminimizer_free(s);
  return rc;
}

/* BFGS in rounds: the first from the BHHH scaling of the starting point,
 * each later one from the Hessian where the previous round stopped (a
 * quasi-Newton method started from the exact curvature converges in a few
 * steps, while one started far from the optimum learns the curvature of
 * the start and has to unlearn it).  Nelder-Mead continues from where the
 * last round stopped when it did not converge. */
static int optimise(fit_ctx *c, const double *x0, run_result *out) {
  double x[PC_GARCH_MAX_PAR];
  int iterations = 0;
  memcpy(x, x0, sizeof x);
  for (int round = 0; round < ROUNDS; round++) {
    precondition(c, x, round > 0);
    int last = round + 1 == ROUNDS;
    if (run_bfgs(c, x, last ? BFGS_MAX_ITER : ROUND_ITER, out) != 0) {
      return -1;
    }
    iterations += out->iterations;
    out->iterations = iterations;
    if (out->converged) {
      return 0;
    }
    memcpy(x, out->x, sizeof x);
  }
  run_result nm;
  memset(&nm, 0, sizeof nm);
  nm.iterations = out->iterations;
  if (run_simplex(c, out->x, &nm) != 0) {
    return -1;
  }
  if (nm.converged || nm.f < out->f) {
    *out = nm;
  } else {
    out->iterations = nm.iterations;
  }
  return 0;
}

/* ---- starting points and the fit ------------------------------------------
 */

/* The documented starting points: the sample mean, phi = 0, nu = 8, and
 * (sum alpha, sum beta) = (0.1, 0.8) or (0.05, 0.93), split evenly over
 * the lags (an ARCH model, p = 0, starts from sum alpha 0.1 or 0.5), with
 * omega giving the sample variance as the unconditional variance. */
static void starting_point(const fit_ctx *c, int which, double *x) {
  const pc_garch_spec *s = c->data.spec;
  double a = which == 1 ? 0.1 : 0.05, b = which == 1 ? 0.8 : 0.93;
  if (s->p == 0) {
    a = which == 1 ? 0.1 : 0.5;
    b = 0.0;
  }
  pc_garch_par par;
  memset(&par, 0, sizeof par);
  par.mu = c->mu0;
  for (int i = 0; i < s->q; i++) {
    par.alpha[i] = a / s->q;
  }
  for (int j = 0; j < s->p; j++) {
    par.beta[j] = b / s->p;
  }
  par.omega = c->s20 * (1.0 - a - b);
  par.nu = 8.0;
  pack(c, &par, x);
}

/* A converged run beats one that did not converge; then the lower value. */
static int better(const run_result *a, const run_result *b) {
  if (a->converged != b->converged) {
    return a->converged;
  }
  return a->f < b->f;
}

static pc_status setup(fit_ctx *c, const pc_garch_spec *spec, const double *r,
                       size_t n, pc_error *e) {
  if (spec->p < 0 || spec->p > PC_GARCH_MAX_P || spec->q < 1 ||
      spec->q > PC_GARCH_MAX_Q) {
    return pc_error_set(e, PC_MODEL,
                        "GARCH(%d,%d) is outside the supported "
                        "range (0 <= p <= %d, 1 <= q <= %d)",
                        spec->p, spec->q, PC_GARCH_MAX_P, PC_GARCH_MAX_Q);
  }
  if (n < MIN_RETURNS) {
    return pc_error_set(e, PC_MODEL,
                        "too few log returns for GARCH(%d,%d) "
                        "(%zu, need at least %d)",
                        spec->p, spec->q, n, MIN_RETURNS);
  }
  double sum = 0.0, ss = 0.0;
  for (size_t t = 0; t < n; t++) {
    sum += r[t];
  }
  c->mu0 = spec->mean == PC_GARCH_MEAN_ZERO ? 0.0 : sum / (double)n;
  for (size_t t = 0; t < n; t++) {
    ss += (r[t] - c->mu0) * (r[t] - c->mu0);
  }
  c->s20 = ss / (double)n;
  c->sd0 = sqrt(c->s20);
  /* Below MIN_SD the spread is the rounding of a constant return. */
  if (!(c->sd0 > MIN_SD) || !isfinite(c->s20)) {
    return pc_error_set(e, PC_MODEL,
                        "the log returns are constant or not "
                        "finite: no variance to model");
  }
  return PC_OK;
}

/* Both starting points; the better optimum, with the iterations of both. */
static int search(fit_ctx *c, run_result *best) {
  int iterations = 0;
  for (int start = 1; start <= 2; start++) {
    double x0[PC_GARCH_MAX_PAR] = {0};
    run_result r;
    starting_point(c, start, x0);
    if (optimise(c, x0, &r) != 0) {
      return -1;
    }
    iterations += r.iterations;
    if (start == 1 || better(&r, best)) {
      *best = r;
    }
  }
  best->iterations = iterations;
  return 0;
}

/* The likelihood at the optimum, in the units the caller gave. */
static pc_status finish(fit_ctx *c, const run_result *r,
                        pc_garch_fit_result *res, pc_error *e) {
  unpack(c, r->x, &res->par);
  res->loglik = pc_garch_loglik(&c->data, &res->par, &res->s2, NULL);
  res->n_obs = c->terms;
  res->converged = r->converged;
  res->iterations = r->iterations;
  if (!isfinite(res->loglik)) {
    return pc_error_set(e, PC_MODEL,
                        "GARCH(%d,%d): the likelihood is not "
                        "finite at the estimate",
                        c->data.spec->p, c->data.spec->q);
  }
  if (!r->converged) {
    return pc_error_set(e, PC_MODEL,
                        "GARCH(%d,%d): the likelihood optimiser "
                        "did not converge after %d iterations",
                        c->data.spec->p, c->data.spec->q, r->iterations);
  }
  return PC_OK;
}

pc_status pc_garch_fit(const pc_garch_spec *spec, const double *r, size_t n,
                       pc_garch_fit_result *res, pc_error *e) {
  fit_ctx c;
  memset(&c, 0, sizeof c);
  memset(res, 0, sizeof *res);
  pc_status st = setup(&c, spec, r, n, e);
  if (st != PC_OK) {
    return st;
  }
  c.data = (pc_garch_data){
      spec, r, n, malloc(pc_garch_work_size(n) * sizeof(double)), NULL};
  if (c.data.work == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  c.terms = pc_garch_terms(spec, n);
  c.scale = 1.0 / (double)c.terms;
  c.ix = pc_garch_index_of(spec);
  gsl_error_handler_t *old = gsl_set_error_handler_off();
  run_result best;
  memset(&best, 0, sizeof best); /* search fills it from the first start */
  int rc = search(&c, &best);
  gsl_set_error_handler(old);
  st = rc == 0 ? finish(&c, &best, res, e)
               : pc_error_set(e, PC_NOMEM,
                              "out of memory in the GARCH "
                              "optimiser");
  free(c.data.work);
  return st;
}
