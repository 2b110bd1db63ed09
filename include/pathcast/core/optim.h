/* Internal: numerics shared by the fits.  The stopping rule of the BFGS
 * fits (GSL multimin), shared by the ARIMA and GARCH likelihoods so that
 * both stop the same way; a small dense linear solver (ARIMA's stationary
 * covariance, the ensemble's weights). */
#ifndef PC_OPTIM_H
#define PC_OPTIM_H

#include <gsl/gsl_multimin.h>

/* The most iterations the stall rule may look back over. */
#define PC_BFGS_STALL_MAX 16

typedef struct {
  int max_iter;
  double grad_tol;  /* stop once the gradient norm is below this */
  double grad_ok;   /* a norm accepted as converged when progress stalls */
  int stall_iter;   /* stall: the last stall_iter iterations (at most */
  double stall_tol; /* PC_BFGS_STALL_MAX) gained less than stall_tol
                       relative to |f| + 1 */
  double bad;       /* objective values from this up mean "no likelihood" */
} pc_bfgs_stop;

/* Iterates s until the gradient norm is below grad_tol, or it is below
 * grad_ok and the last stall_iter iterations gained less than stall_tol
 * relative (a likelihood summed over thousands of terms has rounding noise
 * in its last digits, and along a flat ridge BFGS can crawl for hundreds
 * of iterations for nothing), or an iteration fails, or max_iter.  Adds
 * the iterations to *iterations; returns 1 when the end point counts as
 * converged (gradient norm below grad_ok and f below bad), else 0. */
int pc_bfgs_iterate(gsl_multimin_fdfminimizer *s, const pc_bfgs_stop *stop,
                    int *iterations);

/* Solves the m x m system a x = b in place (a row-major, destroyed; b
 * receives x) by Gaussian elimination with partial pivoting; -1 when a
 * pivot is not larger than tiny in magnitude (singular), else 0.  For
 * small m: O(m^3). */
int pc_solve_dense(double *a, double *b, int m, double tiny);

#endif
