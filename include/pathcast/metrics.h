/* Forecast scores of a sample of paths against what was then observed.
 * Pure functions on plain arrays, so each is tested against known values
 * (docs/EVALUATION.md defines every one exactly as implemented). */
#ifndef PC_METRICS_H
#define PC_METRICS_H

#include <stddef.h>

/* The quantile levels of the M5 competition used for pinball losses. */
#define PC_NQUANTILES 9
extern const double pc_quantile_levels[PC_NQUANTILES];

/* Sorts a copy: x is left as it was, sorted receives n ascending values. */
void pc_sort_sample(const double *x, size_t n, double *sorted);

/* Sample quantile of level p in [0, 1], linear interpolation between order
 * statistics (R's type 7, numpy's default). */
double pc_quantile(const double *sorted, size_t n, double p);

/* CRPS of the sample's empirical distribution at y (the exact sample
 * formula): mean |X - y| - mean |X - X'| / 2, in O(n) on sorted input. */
double pc_crps(const double *sorted, size_t n, double y);

/* Pinball (quantile) loss of quantile q at level tau for outcome y. */
double pc_pinball(double q, double y, double tau);

/* Probability integral transform: the share of the sample below y, with
 * ties counted half (so a constant sample equal to y gives 0.5). */
double pc_pit(const double *sorted, size_t n, double y);

/* Energy score of n joint paths of length h (row-major floats) at the
 * observed vector y: mean_i ||X_i - y|| - mean_i ||X_i - X_{i+n/2}|| / 2,
 * indices mod n (an unbiased estimate of the spread term for independent
 * paths, O(n h)).  NAN for n < 2. */
double pc_energy_score(const float *paths, size_t n, size_t h, const double *y);

#endif
