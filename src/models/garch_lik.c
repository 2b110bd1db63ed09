/* The GARCH(p,q) likelihood, its analytic gradient and the filter a forecast
 * starts from (see garch.h).
 *
 * The gradient follows Bollerslev (1986, eq. 19-21), as tseries' garch.c
 * does: the derivatives of h_t obey the same recursion as h_t itself, so
 * one pass over the data gives the log-likelihood and every derivative.
 * An exact gradient lets BFGS stop on a tight gradient test, where finite
 * differences would leave a noise floor, and costs less than the p + q + 3
 * extra passes of a numerical one. */
#include "garch.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_sf_psi.h>

/* PI is not in strict C11. */
#define PI 3.14159265358979323846

/* The gradient's order follows the equations (mean, then omega, the ARCH
 * and GARCH terms, then the distribution), and the optimiser's coordinates
 * use the same slots, so one index serves both. */
pc_garch_index pc_garch_index_of(const pc_garch_spec *s) {
  pc_garch_index ix = {-1, -1, -1, -1, -1, -1, 0};
  if (s->mean != PC_GARCH_MEAN_ZERO) {
    ix.mu = ix.k++;
  }
  if (s->mean == PC_GARCH_MEAN_AR1) {
    ix.phi = ix.k++;
  }
  if (!s->targeting) {
    ix.omega = ix.k++;
  }
  ix.alpha = ix.k;
  ix.k += s->q;
  ix.beta = ix.k;
  ix.k += s->p;
  if (s->dist == PC_GARCH_DIST_T) {
    ix.nu = ix.k++;
  }
  return ix;
}

/* Four columns of n (see columns below); one more so that n = 0 is no
 * zero-size allocation. */
size_t pc_garch_work_size(size_t n) { return 4 * n + 1; }

double pc_garch_persistence(const pc_garch_spec *spec,
                            const pc_garch_par *par) {
  double sum = 0.0;
  for (int i = 0; i < spec->q; i++) {
    sum += par->alpha[i];
  }
  for (int j = 0; j < spec->p; j++) {
    sum += par->beta[j];
  }
  return sum;
}

/* The residuals whose variance the recursion cannot compute, for want of
 * lags: they take the starting variance. */
static int max_lag(const pc_garch_spec *s) { return s->p > s->q ? s->p : s->q; }

/* ---- residuals --------------------------------------------------------- */

/* The workspace's columns for m residuals: the residuals e, their
 * derivatives by mu (dmu) and phi (dphi), and the variances h. */
typedef struct {
  size_t m;
  double *e, *dmu, *dphi, *h;
} columns;

/* An AR(1) mean has no residual for the first return (it is the lag of the
 * second), except under the FGARCH start, which gives it a residual of 0
 * as garchFit does. */
static size_t residual_count(const pc_garch_spec *s, size_t n) {
  int lagged =
      s->mean == PC_GARCH_MEAN_AR1 && s->start != PC_GARCH_START_FGARCH;
  return lagged && n > 0 ? n - 1 : n;
}

static columns columns_of(const pc_garch_data *d) {
  size_t m = residual_count(d->spec, d->n);
  columns c = {m, d->work, d->work + m, d->work + 2 * m, d->work + 3 * m};
  return c;
}

static void residuals(const pc_garch_spec *s, const pc_garch_par *par,
                      const double *r, size_t n, const columns *c) {
  double mu = s->mean == PC_GARCH_MEAN_ZERO ? 0.0 : par->mu;
  double phi = s->mean == PC_GARCH_MEAN_AR1 ? par->phi : 0.0;
  size_t lag = s->mean == PC_GARCH_MEAN_AR1 ? 1 : 0, t0 = n - c->m;
  for (size_t t = 0; t < c->m; t++) {
    size_t row = t + t0; /* the return of residual t */
    if (row < lag) {
      c->e[t] = c->dmu[t] = c->dphi[t] = 0.0; /* FGARCH's padded residual */
      continue;
    }
    double prev = lag ? r[row - 1] : 0.0;
    c->e[t] = r[row] - mu - phi * prev;
    c->dmu[t] = -1.0;
    c->dphi[t] = -prev;
  }
}

static double mean_square(const double *e, size_t m) {
  double ss = 0.0;
  for (size_t t = 0; t < m; t++) {
    ss += e[t] * e[t];
  }
  return ss / (double)m;
}

/* ---- one term of the likelihood ------------------------------------------ */

/* The log-density of a residual e with variance h, and its derivatives by
 * h, e and nu, for the normal and the standardised t:
 *   normal: -0.5 (log 2 pi + log h + e^2 / h)
 *   t:      c(nu) - 0.5 log h - (nu + 1)/2 log(1 + e^2 / (h (nu - 2))),
 *           c(nu) = lgamma((nu+1)/2) - lgamma(nu/2) - 0.5 log(pi (nu - 2)). */
typedef struct {
  int t;
  double nu, c, dc; /* c(nu) and c'(nu) for the t */
} density;

static density density_of(const pc_garch_spec *s, const pc_garch_par *par) {
  density d = {s->dist == PC_GARCH_DIST_T, par->nu, -0.5 * log(2.0 * PI), 0};
  if (d.t) {
    double nu = par->nu;
    d.c = lgamma(0.5 * (nu + 1.0)) - lgamma(0.5 * nu) -
          0.5 * log(PI * (nu - 2.0));
    d.dc = 0.5 * gsl_sf_psi(0.5 * (nu + 1.0)) - 0.5 * gsl_sf_psi(0.5 * nu) -
           0.5 / (nu - 2.0);
  }
  return d;
}

static double log_density(const density *d, double e, double h) {
  if (!d->t) {
    return d->c - 0.5 * (log(h) + e * e / h);
  }
  double u = e * e / (h * (d->nu - 2.0));
  return d->c - 0.5 * log(h) - 0.5 * (d->nu + 1.0) * log1p(u);
}

/* log_density and its derivatives by h, e and nu, sharing the logarithms. */
static double log_density_grad(const density *d, double e, double h, double *lh,
                               double *le, double *lnu) {
  double lgh = log(h);
  if (!d->t) {
    *lh = 0.5 * (e * e / h - 1.0) / h;
    *le = -e / h;
    *lnu = 0.0;
    return d->c - 0.5 * (lgh + e * e / h);
  }
  double nu = d->nu, u = e * e / (h * (nu - 2.0)), w = u / (1.0 + u);
  double l1 = log1p(u);
  *lh = 0.5 * ((nu + 1.0) * w - 1.0) / h;
  *le = -(nu + 1.0) * e / (h * (nu - 2.0) * (1.0 + u));
  *lnu = d->dc - 0.5 * l1 + 0.5 * (nu + 1.0) * w / (nu - 2.0);
  return d->c - 0.5 * lgh - 0.5 * (nu + 1.0) * l1;
}

/* ---- the variance recursion ---------------------------------------------- */

/* h[0..m) from the residuals: h0 for the first max(p,q), then the
 * recursion.  Returns 0, or -1 at a variance that is not positive and
 * finite. */
static int variance_pass(const pc_garch_spec *s, const pc_garch_par *par,
                         double omega, double h0, const double *e, size_t m,
                         double *h) {
  size_t lag = (size_t)max_lag(s);
  for (size_t t = 0; t < m; t++) {
    double v = h0;
    if (t >= lag) {
      v = omega;
      for (int i = 1; i <= s->q; i++) {
        v += par->alpha[i - 1] * e[t - (size_t)i] * e[t - (size_t)i];
      }
      for (int j = 1; j <= s->p; j++) {
        v += par->beta[j - 1] * h[t - (size_t)j];
      }
    }
    /* Positive by construction for valid parameters; the test catches an
     * overflow (a huge return) and NAN, which must not reach a log. */
    if (!(v > 0.0 && v < INFINITY)) {
      return -1;
    }
    h[t] = v;
  }
  return 0;
}

/* The starting variance of the first max(p,q) residuals (see garch.h). */
static double start_variance(const pc_garch_spec *s, double omega, double pers,
                             double s2) {
  return s->start == PC_GARCH_START_TSERIES ? s2 : omega + pers * s2;
}

/* The first residual whose term enters the likelihood. */
static size_t first_term(const pc_garch_spec *s) {
  return s->start == PC_GARCH_START_TSERIES ? (size_t)max_lag(s) : 0;
}

size_t pc_garch_terms(const pc_garch_spec *spec, size_t n) {
  size_t m = residual_count(spec, n), first = first_term(spec);
  return m > first ? m - first : 0;
}

/* ---- the gradient -------------------------------------------------------- */

/* Everything the derivative recursion needs that does not change with t. */
typedef struct {
  pc_garch_index ix;
  double ds2[PC_GARCH_MAX_PAR];    /* d s2 */
  double domega[PC_GARCH_MAX_PAR]; /* d omega (omega depends on s2 when
                                      targeted) */
  double dh0[PC_GARCH_MAX_PAR];    /* d of the starting variance */
} grad_setup;

/* The start of the recursion depends on the parameters too: s2 through the
 * residuals (mu, phi), omega + persistence s2 through everything, and with
 * targeting omega itself through s2 and the persistence.  Leaving these
 * terms out would give a gradient that is wrong by a little everywhere,
 * which BFGS notices as a line search that never settles. */
static void setup_gradient(const pc_garch_spec *s, const columns *c, double s2,
                           double pers, grad_setup *g) {
  memset(g, 0, sizeof *g);
  g->ix = pc_garch_index_of(s);
  double smu = 0.0, sphi = 0.0;
  for (size_t t = 0; t < c->m; t++) {
    smu += c->e[t] * c->dmu[t];
    sphi += c->e[t] * c->dphi[t];
  }
  if (g->ix.mu >= 0) {
    g->ds2[g->ix.mu] = 2.0 * smu / (double)c->m;
  }
  if (g->ix.phi >= 0) {
    g->ds2[g->ix.phi] = 2.0 * sphi / (double)c->m;
  }
  double dpers[PC_GARCH_MAX_PAR] = {0};
  for (int i = 0; i < s->q + s->p; i++) {
    dpers[g->ix.alpha + i] = 1.0; /* the betas follow the alphas */
  }
  for (int k = 0; k < g->ix.k; k++) {
    g->domega[k] = s->targeting ? (1.0 - pers) * g->ds2[k] - s2 * dpers[k]
                                : (double)(k == g->ix.omega);
    g->dh0[k] = s->start == PC_GARCH_START_TSERIES
                    ? g->ds2[k]
                    : g->domega[k] + s2 * dpers[k] + pers * g->ds2[k];
  }
}

/* The derivatives of the last p + 1 variances, in a ring: slot `cur` is
 * h_t's, slot cur - j (mod RING) is h_{t-j}'s.  Only p of them are ever
 * needed, so the pass needs no n x k matrix (tseries keeps one). */
#define RING (PC_GARCH_MAX_P + 1)

typedef struct {
  double dh[RING][PC_GARCH_MAX_PAR];
  int cur;
} dh_ring;

static const double *ring_lag(const dh_ring *r, int j) {
  int slot = r->cur - j;
  return r->dh[slot < 0 ? slot + RING : slot];
}

/* d h_t by every parameter into the ring's current slot, from the
 * derivatives of the previous p variances and of the lagged residuals. */
static void variance_grad(const pc_garch_spec *s, const pc_garch_par *par,
                          const grad_setup *g, const columns *c, size_t t,
                          dh_ring *ring) {
  double *out = ring->dh[ring->cur];
  int k = g->ix.k;
  if (t < (size_t)max_lag(s)) {
    memcpy(out, g->dh0, sizeof(double) * (size_t)k);
    return;
  }
  memcpy(out, g->domega, sizeof(double) * (size_t)k);
  for (int i = 1; i <= s->q; i++) {
    size_t l = t - (size_t)i;
    double two_ae = 2.0 * par->alpha[i - 1] * c->e[l];
    if (g->ix.mu >= 0) {
      out[g->ix.mu] += two_ae * c->dmu[l];
    }
    if (g->ix.phi >= 0) {
      out[g->ix.phi] += two_ae * c->dphi[l];
    }
    out[g->ix.alpha + i - 1] += c->e[l] * c->e[l];
  }
  for (int j = 1; j <= s->p; j++) {
    const double *prev = ring_lag(ring, j);
    double b = par->beta[j - 1];
    for (int q = 0; q < k; q++) {
      out[q] += b * prev[q];
    }
    out[g->ix.beta + j - 1] += c->h[t - (size_t)j];
  }
}

/* Term t's log-density, with its derivatives (its score) added to grad,
 * and their outer product to opg when it is not NULL. */
static double add_term_grad(const grad_setup *g, const density *d,
                            const columns *c, size_t t, const double *dh,
                            double *grad, double *opg) {
  double lh = 0.0, le = 0.0, lnu = 0.0, sc[PC_GARCH_MAX_PAR];
  double l = log_density_grad(d, c->e[t], c->h[t], &lh, &le, &lnu);
  int k = g->ix.k;
  for (int i = 0; i < k; i++) {
    sc[i] = lh * dh[i];
  }
  if (g->ix.mu >= 0) {
    sc[g->ix.mu] += le * c->dmu[t];
  }
  if (g->ix.phi >= 0) {
    sc[g->ix.phi] += le * c->dphi[t];
  }
  if (g->ix.nu >= 0) {
    sc[g->ix.nu] += lnu;
  }
  for (int i = 0; i < k; i++) {
    grad[i] += sc[i];
  }
  for (int i = 0; opg != NULL && i < k; i++) {
    for (int j = 0; j < k; j++) {
      opg[i * k + j] += sc[i] * sc[j];
    }
  }
  return l;
}

/* The log-likelihood and its gradient in one pass over the variances. */
static double loglik_grad(const pc_garch_data *d, const pc_garch_par *par,
                          const columns *c, const density *dens, double s2,
                          double pers, double *grad) {
  const pc_garch_spec *s = d->spec;
  grad_setup g;
  dh_ring ring;
  setup_gradient(s, c, s2, pers, &g);
  memset(grad, 0, sizeof(double) * (size_t)g.ix.k);
  if (d->opg != NULL) {
    memset(d->opg, 0, sizeof(double) * (size_t)(g.ix.k * g.ix.k));
  }
  ring.cur = 0;
  double ll = 0.0;
  for (size_t t = 0; t < c->m; t++) {
    ring.cur = ring.cur + 1 == RING ? 0 : ring.cur + 1;
    variance_grad(s, par, &g, c, t, &ring);
    if (t >= first_term(s)) {
      ll += add_term_grad(&g, dens, c, t, ring.dh[ring.cur], grad, d->opg);
    }
  }
  return ll;
}

/* ---- the likelihood ------------------------------------------------------ */

double pc_garch_loglik(const pc_garch_data *d, pc_garch_par *par, double *s2out,
                       double *grad) {
  const pc_garch_spec *s = d->spec;
  columns c = columns_of(d);
  if (c.m <= (size_t)max_lag(s)) {
    return NAN;
  }
  residuals(s, par, d->r, d->n, &c);
  double s2 = mean_square(c.e, c.m), pers = pc_garch_persistence(s, par);
  if (s->targeting) {
    par->omega = s2 * (1.0 - pers);
  }
  if (s2out != NULL) {
    *s2out = s2;
  }
  if (variance_pass(s, par, par->omega, start_variance(s, par->omega, pers, s2),
                    c.e, c.m, c.h) != 0) {
    return NAN;
  }
  density dens = density_of(s, par);
  double ll = 0.0;
  if (grad != NULL) {
    ll = loglik_grad(d, par, &c, &dens, s2, pers, grad);
  } else {
    for (size_t t = first_term(s); t < c.m; t++) {
      ll += log_density(&dens, c.e[t], c.h[t]);
    }
  }
  return isfinite(ll) ? ll : NAN;
}

/* ---- the filter ---------------------------------------------------------- */

int pc_garch_filter(const pc_garch_data *d, const pc_garch_par *par, double s2,
                    pc_garch_state *out) {
  const pc_garch_spec *s = d->spec;
  columns c = columns_of(d);
  size_t m = c.m, lag = (size_t)max_lag(s);
  double pers = pc_garch_persistence(s, par);
  if (m < lag || m == 0) {
    return -1;
  }
  residuals(s, par, d->r, d->n, &c);
  if (variance_pass(s, par, par->omega, par->omega + pers * s2, c.e, m, c.h) !=
      0) {
    return -1;
  }
  memset(out, 0, sizeof *out);
  /* h_next is the recursion one step past the last residual. */
  double v = par->omega;
  for (int i = 1; i <= s->q; i++) {
    out->e_lag[i - 1] = c.e[m - (size_t)i];
    v += par->alpha[i - 1] * c.e[m - (size_t)i] * c.e[m - (size_t)i];
  }
  for (int j = 1; j <= s->p; j++) {
    out->h_lag[j - 1] = c.h[m - (size_t)j];
    v += par->beta[j - 1] * c.h[m - (size_t)j];
  }
  out->h_next = v;
  out->r_last = d->r[d->n - 1];
  return v > 0.0 && v < INFINITY ? 0 : -1;
}
