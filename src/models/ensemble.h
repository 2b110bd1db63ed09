/* Internal: the ensemble model's numerics, shared by model_ensemble.c and
 * its unit tests (docs/MODELS.md, "ensemble").
 *
 * Members 1..m each give a sample X_i of a forecast's day; the ensemble's
 * distribution is the mixture sum_i w_i F_i with w on the simplex.  Its CRPS
 * at the outcome y is
 *
 *   CRPS(w) = sum_i w_i E|X_i - y| - 1/2 sum_ij w_i w_j E|X_i - X_j|,
 *
 * so over a window of scored (date, horizon) pairs the mean CRPS is the
 * quadratic a'w - 1/2 w'Bw with a and B the pair means of the two kinds of
 * term.  |x - x'| is a conditionally negative definite kernel, so -B is
 * positive semidefinite on the directions that keep sum w = 1: the mean
 * CRPS is convex on the simplex, and its minimum is found exactly. */
#ifndef PC_ENSEMBLE_H
#define PC_ENSEMBLE_H

#include "pathcast/models/model.h"

/* Most members of an ensemble (the weights are found by trying every
 * support: 2^8 - 1 small linear systems). */
#define PC_ENSEMBLE_MAX 8

/* The mean CRPS a'w - 1/2 w'Bw (B row-major, m x m). */
double pc_ensemble_crps(const double *a, const double *B, int m,
                        const double *w);

/* The w on the simplex that minimises pc_ensemble_crps, into w, with its
 * value in *crps.  Exact: for every support S (ascending as a bit mask) the
 * stationary point of the quadratic on {sum w = 1, w_j = 0 off S} is
 * solved (Gaussian elimination with partial pivoting; singular systems are
 * skipped), and the best one with w >= 0 is kept; a later support replaces
 * an earlier only when it is lower by more than 1e-12 relative, so ties go
 * to the sparser, earlier support.  A minimiser lies among these: a convex
 * quadratic's minimum on the simplex is the minimum on the affine hull of
 * some face, and a minimal such face gives a nonsingular system.
 * Deterministic: the same a, B give the same bits. */
void pc_ensemble_weights(const double *a, const double *B, int m, double *w,
                         double *crps);

/* The member whose path i (0-based) of npaths the ensemble takes: with the
 * cumulative weights C_k = w_0 + ... + w_k (summed in order), the first k
 * with (i + 0.5) / npaths < C_k (the last member when rounding leaves
 * C_{m-1} below 1).  So member k gives a block of about npaths w_k paths,
 * the same for any rank count, and a member of weight 0 gives none. */
int pc_ensemble_member_of(const double *w, int m, int i, int npaths);

#endif
