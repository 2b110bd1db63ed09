/* The BFGS stopping rule shared by the likelihood fits (see optim.h). */
#include "optim.h"

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
