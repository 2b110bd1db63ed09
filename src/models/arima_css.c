/* The conditional sum of squares of an ARIMA model (R's ARIMA_CSS), used
 * for starting values: it costs O(n (p + q)) with no Kalman filter, and its
 * optimum is close to the exact likelihood's, so the exact optimisation
 * starts near its answer (R's default method "CSS-ML" does the same). */
#include "arima.h"

#include <math.h>

/* w = (1 - B)^d (y - X beta), NAN where unknown (including the first d). */
static void differenced_errors(const pc_arima_coef *c,
                               const pc_arima_data *data, double *w) {
  size_t n = data->n, k = (size_t)data->k;
  for (size_t t = 0; t < n; t++) {
    double u = data->y[t];
    for (size_t j = 0; j < k; j++) {
      u -= c->beta[j] * data->x[t * k + j];
    }
    w[t] = u;
  }
  for (int pass = 0; pass < c->d && n > 0; pass++) {
    for (size_t t = n - 1; t > 0; t--) {
      w[t] -= w[t - 1];
    }
    w[0] = NAN;
  }
}

/* work holds 2n doubles (w and the residuals e). The first d + p rows are
 * conditioned on, not predicted, as R's CSS does (ncond). Returns 0.5 log(ssq /
 * nu), the objective R's arima minimises for CSS, or NaN when no residual was
 * counted or all are zero (a log of 0 would be -inf, which an optimiser would
 * chase). */
double pc_arima_css(const pc_arima_coef *c, const pc_arima_data *data,
                    double *work) {
  size_t n = data->n, ncond = (size_t)(c->d + c->p), nu = 0;
  double *w = work, *e = work + n, ssq = 0.0;
  differenced_errors(c, data, w);
  for (size_t t = 0; t < n; t++) {
    double v = NAN;
    if (t >= ncond) {
      v = w[t];
      for (int i = 0; i < c->p; i++) {
        v -= c->phi[i] * w[t - 1 - (size_t)i];
      }
      for (int j = 0; j < c->q && (size_t)j < t; j++) {
        v -= c->theta[j] * e[t - 1 - (size_t)j];
      }
    }
    /* A residual that needs a missing value is not counted and enters
     * later MA terms as zero, as in R. */
    e[t] = isfinite(v) ? v : 0.0;
    if (isfinite(v)) {
      ssq += v * v;
      nu++;
    }
  }
  return nu > 0 && ssq > 0.0 ? 0.5 * log(ssq / (double)nu) : NAN;
}
