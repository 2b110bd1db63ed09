/* Internal: GARCH(p,q) on daily log returns, shared by model_garch.c and its
 * unit tests (see docs/MODELS.md for the equations).
 *
 * The return r_t has a conditional mean m_t (zero, a constant mu, or
 * mu + phi r_{t-1}) and a residual e_t = r_t - m_t = sqrt(h_t) z_t, with z_t
 * standard normal or a standardised Student t (unit variance, nu > 2) and
 *
 *   h_t = omega + sum_{i=1..q} alpha_i e_{t-i}^2 + sum_{j=1..p} beta_j h_{t-j}.
 *
 * p counts the GARCH terms (lagged variances) and q the ARCH terms (lagged
 * squared residuals), Bollerslev's and tseries' order = c(p, q); fGarch's
 * garch(m, n) names them the other way round (m ARCH terms). */
#ifndef PC_GARCH_H
#define PC_GARCH_H

#include <stddef.h>

#include "pathcast/models/model.h"

#define PC_GARCH_MAX_P 5
#define PC_GARCH_MAX_Q 5
/* mu, phi, omega, the alphas and betas, nu. */
#define PC_GARCH_MAX_PAR (3 + PC_GARCH_MAX_P + PC_GARCH_MAX_Q + 1)

typedef enum {
  PC_GARCH_MEAN_ZERO,
  PC_GARCH_MEAN_CONSTANT,
  PC_GARCH_MEAN_AR1
} pc_garch_mean;

typedef enum { PC_GARCH_DIST_NORMAL, PC_GARCH_DIST_T } pc_garch_dist;

/* How the variance recursion starts, which decides the likelihood being
 * maximised.  s2 is the mean of the squared residuals of the sample.
 *   PATHCAST: h_t = omega + (sum alpha + sum beta) s2 for the first max(p,q)
 *     residuals, every residual in the likelihood (fGarch's default "mci"
 *     start, so pathcast's fits are comparable with garchFit's).  With an
 *     AR(1) mean the first return is the lag of the second and has no
 *     residual.
 *   FGARCH: PATHCAST, except that an AR(1) mean gives the first return a
 *     residual of 0 that enters s2 and the likelihood (garchFit's
 *     arma(1,0)); only the reference tests use it.
 *   TSERIES: h_t = s2 for the first max(p,q) residuals, which stay out of
 *     the likelihood (tseries' garch); only the reference tests use it. */
typedef enum {
  PC_GARCH_START_PATHCAST,
  PC_GARCH_START_FGARCH,
  PC_GARCH_START_TSERIES
} pc_garch_start;

typedef struct {
  int p, q;
  pc_garch_mean mean;
  pc_garch_dist dist;
  int targeting; /* 1: omega = s2 (1 - persistence), not estimated */
  pc_garch_start start;
} pc_garch_spec;

typedef struct {
  double mu, phi, omega;
  double alpha[PC_GARCH_MAX_Q];
  double beta[PC_GARCH_MAX_P];
  double nu; /* used with the t distribution only */
} pc_garch_par;

/* The returns a likelihood is evaluated on, with a workspace of
 * pc_garch_work_size(n) doubles owned by the caller.  opg (NULL, or k * k
 * doubles, k estimated parameters) receives the outer product of the
 * per-term scores whenever the gradient is computed: the BHHH estimate of
 * the information matrix. */
typedef struct {
  const pc_garch_spec *spec;
  const double *r;
  size_t n;
  double *work;
  double *opg;
} pc_garch_data;

size_t pc_garch_work_size(size_t n);

/* Where each estimated parameter sits in a gradient (and in the optimiser's
 * coordinates): mu (constant or ar1), phi (ar1), omega (without
 * targeting), alpha_1..q, beta_1..p, nu (t); -1 when absent.  k counts
 * them. */
typedef struct {
  int mu, phi, omega, alpha, beta, nu, k;
} pc_garch_index;

pc_garch_index pc_garch_index_of(const pc_garch_spec *spec);
/* The number of residuals whose terms enter the likelihood of n returns. */
size_t pc_garch_terms(const pc_garch_spec *spec, size_t n);
double pc_garch_persistence(const pc_garch_spec *spec, const pc_garch_par *par);

/* ---- garch_lik.c ------------------------------------------------------- */

/* The full log-likelihood (every constant included) under spec->start.
 * With targeting, par->omega is set from s2.  grad (may be NULL) receives
 * its derivatives by the parameters in pc_garch_npar's order.  Returns NAN
 * where a variance is not positive or a value is not finite.  *s2 (may be
 * NULL) receives the mean squared residual the recursion started from. */
double pc_garch_loglik(const pc_garch_data *d, pc_garch_par *par, double *s2,
                       double *grad);

/* The state a forecast continues from: the variance of the first future
 * residual and the lags its recursion needs, most recent first. */
typedef struct {
  double h_next;
  double e_lag[PC_GARCH_MAX_Q];
  double h_lag[PC_GARCH_MAX_P];
  double r_last; /* the last return (the lag of an AR(1) mean) */
} pc_garch_state;

/* Runs the recursion over the returns with fixed parameters, started from a
 * given s2 (the trained model's), under the PATHCAST start.  Returns 0, or
 * -1 when a variance is not positive and finite. */
int pc_garch_filter(const pc_garch_data *d, const pc_garch_par *par, double s2,
                    pc_garch_state *out);

/* ---- garch_fit.c ------------------------------------------------------- */

typedef struct {
  pc_garch_par par;
  double loglik, s2;
  size_t n_obs; /* residuals in the likelihood */
  int converged, iterations;
} pc_garch_fit_result;

/* Maximum likelihood by BFGS on transformed parameters (Nelder-Mead when
 * BFGS stalls), from two documented starting points; the better converged
 * optimum is kept.  PC_MODEL with a reason when the data are too few or
 * constant, or nothing converged (res then holds the best point found). */
pc_status pc_garch_fit(const pc_garch_spec *spec, const double *r, size_t n,
                       pc_garch_fit_result *res, pc_error *e);

/* ---- garch_sim.c ------------------------------------------------------- */

/* n variance factors (nu - 2) / v, v ~ chi-square(nu) drawn from `scale` by
 * Marsaglia and Tsang's gamma method (nu > 2): a standard normal times the
 * square root of one is a standardised Student t deviate (unit variance).
 * out has n entries. */
void pc_garch_t_factors(pc_rng *scale, double nu, double *out, int n);

/* Writes req->npaths * req->steps prices: path i continues the state from
 * log price x0 with its own variance recursion and the innovations of its
 * own streams (pc_rng_init(key, i, PC_RNG_INNOVATIONS), and PC_RNG_T_SCALE
 * for t).  Returns -1 when out of memory. */
int pc_garch_simulate_paths(const pc_garch_spec *spec, const pc_garch_par *par,
                            const pc_garch_state *st, double x0,
                            const pc_sim_request *req, double *out);

#endif
