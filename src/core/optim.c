/* Numerics shared by the fits (see optim.h): the BFGS stopping rule and a
 * small dense solver.
 *
 * Both live here so the ARIMA and GARCH fits stop by one rule and the ARIMA
 * covariance and the ensemble weights solve by one routine: a change to either
 * is a change to every stored trained model of those types, which a new
 * PC_NUMERICS_VERSION or model version must announce. */
#include "pathcast/core/optim.h"

#include <math.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>

int pc_bfgs_iterate(gsl_multimin_fdfminimizer *s, const pc_bfgs_stop *stop,
                    int *iterations) {
  /* hist is a ring of the last span objective values. span is clamped to the
   * array, so a stall_iter above PC_BFGS_STALL_MAX shortens the look-back
   * instead of reading past it. */
  double hist[PC_BFGS_STALL_MAX] = {0};
  int span = stop->stall_iter < PC_BFGS_STALL_MAX ? stop->stall_iter
                                                  : PC_BFGS_STALL_MAX;
  for (int it = 0; it < stop->max_iter; it++) {
    (*iterations)++;
    /* A failed iteration (GSL_ENOPROG when the line search finds no descent) is
     * not an error here: the point reached is judged by the convergence test
     * after the loop, like any other end point. */
    if (gsl_multimin_fdfminimizer_iterate(s) != GSL_SUCCESS ||
        gsl_multimin_test_gradient(s->gradient, stop->grad_tol) ==
            GSL_SUCCESS) {
      break;
    }
    /* The value span iterations ago, then this one in its place. */
    double old = hist[it % span];
    hist[it % span] = s->f;
    if (it >= span && old - s->f < stop->stall_tol * (fabs(s->f) + 1.0) &&
        gsl_blas_dnrm2(s->gradient) < stop->grad_ok) {
      break;
    }
  }
  /* Converged means a small gradient at a real likelihood; the fits use the
   * flag to choose among their starting points and to decide whether to try
   * another start. */
  return gsl_blas_dnrm2(s->gradient) < stop->grad_ok && s->f < stop->bad;
}

/* Plain arrays rather than GSL's LU: the callers' systems are small (ARIMA's
 * state covariance, the ensemble's member count) and already row-major
 * arrays, so no gsl_matrix or permutation objects are needed. Changing the
 * order of the operations changes stored results in their last bits. */
int pc_solve_dense(double *a, double *b, int m, double tiny) {
  for (int col = 0; col < m; col++) {
    int piv = col;
    for (int i = col + 1; i < m; i++) {
      piv = fabs(a[i * m + col]) > fabs(a[piv * m + col]) ? i : piv;
    }
    /* Written as !(x > tiny) so a NaN pivot also counts as singular. */
    if (!(fabs(a[piv * m + col]) > tiny)) {
      return -1;
    }
    for (int j = 0; j < m && piv != col; j++) {
      double t = a[col * m + j];
      a[col * m + j] = a[piv * m + j];
      a[piv * m + j] = t;
    }
    double tb = b[col];
    b[col] = b[piv];
    b[piv] = tb;
    for (int i = col + 1; i < m; i++) {
      double f = a[i * m + col] / a[col * m + col];
      for (int j = col; j < m; j++) {
        a[i * m + j] -= f * a[col * m + j];
      }
      b[i] -= f * b[col];
    }
  }
  /* Back substitution on the upper triangle left by the elimination; every
   * diagonal element was checked above, so the divisions are safe. */
  for (int i = m - 1; i >= 0; i--) {
    for (int j = i + 1; j < m; j++) {
      b[i] -= a[i * m + j] * b[j];
    }
    b[i] /= a[i * m + i];
  }
  return 0;
}
