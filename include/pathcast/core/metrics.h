/* Forecast scores of a sample of paths against what was then observed.
 * Pure functions on plain arrays, so each is tested against known values
 * (docs/EVALUATION.md defines every one exactly as implemented). */
#ifndef PC_METRICS_H
#define PC_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* The quantile levels of the M5 competition used for pinball losses. */
#define PC_NQUANTILES 9
extern const double pc_quantile_levels[PC_NQUANTILES];

/* Sorts a copy: x is left as it was, sorted receives n ascending values. */
void pc_sort_sample(const double *x, size_t n, double *sorted);

/* Sorts the n float32 values x[0], x[stride], x[2 stride], ... (one day of
 * row-major paths: x = paths + day, stride = horizon) ascending into sorted,
 * as doubles.  work is scratch space for 2 n uint32 values; nothing is
 * allocated.
 * An LSD radix sort on the IEEE-754 bit patterns, O(n).  The order is total
 * and deterministic: -0.0 comes before +0.0 (both kept), and every NaN,
 * whatever its sign or payload, comes last as NAN. */
void pc_sort_column(const float *x, size_t n, size_t stride, double *sorted,
                    uint32_t *work);

/* Sample quantile of level p in [0, 1], linear interpolation between order
 * statistics (R's type 7, numpy's default). */
double pc_quantile(const double *sorted, size_t n, double p);

/* CRPS of the sample's empirical distribution at y (the exact sample
 * formula): mean |X - y| - mean |X - X'| / 2, in O(n) on sorted input. */
double pc_crps(const double *sorted, size_t n, double y);

/* Mean of |a_k - b_l| over all na x nb pairs of two samples, both sorted
 * ascending, in O(na + nb) (a merge with running sums).  With b = {y} it is
 * mean |X - y|; with b = a, mean |X - X'| over all n^2 pairs: the two terms
 * of pc_crps (one pass each: these two cases are recognised), and the
 * cross terms of a mixture's CRPS,
 *   CRPS(sum_i w_i F_i, y) = sum_i w_i E|X_i - y|
 *                            - 1/2 sum_ij w_i w_j E|X_i - X_j|.
 * NAN when either sample is empty. */
double pc_mean_abs_diff(const double *a, size_t na, const double *b,
                        size_t nb);

/* Pinball (quantile) loss of quantile q at level tau for outcome y. */
double pc_pinball(double q, double y, double tau);

/* Probability integral transform: the share of the sample below y, with
 * ties counted half (so a constant sample equal to y gives 0.5). */
double pc_pit(const double *sorted, size_t n, double y);

/* Energy score of n joint paths of length h (row-major floats) at the
 * observed vector y: mean_i ||X_i - y|| - mean_i ||X_i - X_{i+n/2}|| / 2,
 * indices mod n (an unbiased estimate of the spread term for independent
 * paths, O(n h); for even n the n pairs are n/2 distinct pairs, each counted
 * twice).  NAN for n < 2. */
double pc_energy_score(const float *paths, size_t n, size_t h, const double *y);

/* The energy score with the exact spread term (the V-statistic):
 * mean_i ||X_i - y|| - (1/(2 n^2)) sum_i sum_j ||X_i - X_j||.  O(n^2 h):
 * for tests and small n (it is what pc_energy_score estimates).  NAN for
 * n = 0; the distance to y for n = 1. */
double pc_energy_score_exact(const float *paths, size_t n, size_t h,
                             const double *y);

#endif
