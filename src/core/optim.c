/* Numerics shared by the fits (see optim.h): the BFGS stopping rule and a
 * small dense solver. */
#include "pathcast/core/optim.h"

#include <math.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>

int pc_bfgs_iterate(gsl_multimin_fdfminimizer *s, const pc_bfgs_stop *stop,
                    int *iterations) {
  double hist[PC_BFGS_STALL_MAX] = {0};
  int span = stop->stall_iter < PC_BFGS_STALL_MAX ? stop->stall_iter
                                                  : PC_BFGS_STALL_MAX;
  for (int it = 0; it < stop->max_iter; it++) {
    (*iterations)++;
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
  return gsl_blas_dnrm2(s->gradient) < stop->grad_ok && s->f < stop->bad;
}

int pc_solve_dense(double *a, double *b, int m, double tiny) {
  for (int col = 0; col < m; col++) {
    int piv = col;
    for (int i = col + 1; i < m; i++) {
      piv = fabs(a[i * m + col]) > fabs(a[piv * m + col]) ? i : piv;
    }
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
  for (int i = m - 1; i >= 0; i--) {
    for (int j = i + 1; j < m; j++) {
      b[i] -= a[i * m + j] * b[j];
    }
    b[i] /= a[i * m + i];
  }
  return 0;
}
