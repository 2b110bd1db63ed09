/* Forecast scores (see pathcast/core/metrics.h and docs/EVALUATION.md). */
#include "pathcast/core/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The M5 levels (Makridakis et al. 2022): the median and the bounds of the
 * 50%, 67%, 95% and 99% central intervals. Stored scores files keep the
 * quantiles at these levels (pc_score_levels adds 0.1 and 0.9), and the
 * printed pinball loss averages over them, so a change here changes what
 * stored columns and earlier tables mean. */
const double pc_quantile_levels[PC_NQUANTILES] = {
    0.005, 0.025, 0.165, 0.25, 0.5, 0.75, 0.835, 0.975, 0.995};

/* No subtraction: x - y could overflow to infinity or be NaN, and qsort needs a
 * consistent sign. NaN compares as equal to everything here; pc_sort_column is
 * the routine that places NaNs deliberately. */
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void pc_sort_sample(const double *x, size_t n, double *sorted) {
  memcpy(sorted, x, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, cmp_double);
}

/* pc_sort_column: an LSD radix sort of order-preserving 32-bit keys, three
 * passes of 11 bits.  A column of 2,000 values costs three linear passes
 * instead of qsort's ~22,000 calls of a comparison function, and evaluate
 * sorts 14 columns per forecast. */
enum { RADIX_BITS = 11, RADIX_SIZE = 1 << RADIX_BITS, RADIX_PASSES = 3 };

#define SIGN_BIT 0x80000000u
#define NAN_KEY UINT32_MAX

/* Unsigned integer order of the keys is the numeric order of the floats:
 * a non-negative float's bits already ascend with its value, so setting the
 * sign bit puts them above every negative; a negative float's bits ascend
 * with its magnitude, so flipping them all reverses that.  -0.0 (0x80000000)
 * becomes 0x7fffffff, just below +0.0's 0x80000000.  Every NaN gets the
 * largest key, so NaNs sort last whatever their sign bit. */
static uint32_t float_key(float v) {
  uint32_t bits;
  memcpy(&bits, &v, sizeof bits);
  if ((bits & ~SIGN_BIT) > 0x7f800000u) {
    return NAN_KEY;
  }
  return (bits & SIGN_BIT) ? ~bits : bits | SIGN_BIT;
}

static double key_value(uint32_t key) {
  if (key == NAN_KEY) {
    return NAN;
  }
  uint32_t bits = (key & SIGN_BIT) ? key & ~SIGN_BIT : ~key;
  float v;
  memcpy(&v, &bits, sizeof v);
  return (double)v;
}

static unsigned radix_digit(uint32_t key, int pass) {
  return (key >> (pass * RADIX_BITS)) & (RADIX_SIZE - 1);
}

/* One stable counting pass by the digit `pass`: count[d] (the number of keys
 * with digit d) becomes the running start offset of d. */
static void radix_scatter(const uint32_t *from, uint32_t *to, size_t n,
                          int pass, size_t count[RADIX_SIZE]) {
  size_t start = 0;
  for (size_t d = 0; d < RADIX_SIZE; d++) {
    size_t c = count[d];
    count[d] = start;
    start += c;
  }
  for (size_t i = 0; i < n; i++) {
    to[count[radix_digit(from[i], pass)]++] = from[i];
  }
}

void pc_sort_column(const float *x, size_t n, size_t stride, double *sorted,
                    uint32_t *work) {
  if (n == 0) {
    return;
  }
  size_t count[RADIX_PASSES][RADIX_SIZE] = {{0}};
  uint32_t *keys = work, *spare = work + n;
  for (size_t i = 0; i < n; i++) {
    keys[i] = float_key(x[i * stride]);
    for (int p = 0; p < RADIX_PASSES; p++) {
      count[p][radix_digit(keys[i], p)]++;
    }
  }
  for (int p = 0; p < RADIX_PASSES; p++) {
    /* A digit shared by every key (the sign and exponent of prices of one
     * magnitude, often) would only copy the keys: skip the pass. */
    if (count[p][radix_digit(keys[0], p)] == n) {
      continue;
    }
    radix_scatter(keys, spare, n, p, count[p]);
    uint32_t *t = keys;
    keys = spare;
    spare = t;
  }
  for (size_t i = 0; i < n; i++) {
    sorted[i] = key_value(keys[i]);
  }
}

double pc_quantile(const double *sorted, size_t n, double p) {
  if (n == 0) {
    return NAN;
  }
  /* R's type 7: position h = (n - 1) p, between order statistics lo and lo + 1.
   * hi is clamped for p = 1, where h = n - 1 and the weight of hi is 0. */
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h);
  size_t hi = lo + 1 < n ? lo + 1 : n - 1;
  return sorted[lo] + (h - (double)lo) * (sorted[hi] - sorted[lo]);
}

/* With x sorted ascending (1-based i), sum over all pairs of |x_i - x_j| is
 * 2 * sum_i (2i - n - 1) x_i, which turns the O(n^2) definition into one
 * pass. */
/* The sample CRPS as E|X - y| - E|X - X'|/2 over the empirical distribution
 * of the paths (Gneiting & Raftery 2007, eq. 21); tests/unit/
 * test_metrics_reference.c checks it against R's energy::edist. The caller
 * passes the paths sorted. */
double pc_crps(const double *sorted, size_t n, double y) {
  if (n == 0) {
    return NAN;
  }
  double abs_err = 0.0, spread = 0.0;
  for (size_t i = 0; i < n; i++) {
    abs_err += fabs(sorted[i] - y);
    spread += (2.0 * (double)(i + 1) - (double)n - 1.0) * sorted[i];
  }
  double nn = (double)n;
  return abs_err / nn - spread / (nn * nn);
}

/* Mean |x_k - y|: one pass, no ordering needed. */
static double mean_abs_dev(const double *x, size_t n, double y) {
  double sum = 0.0;
  for (size_t k = 0; k < n; k++) {
    sum += fabs(x[k] - y);
  }
  return sum / (double)n;
}

/* Mean |x_k - x_l| over all n^2 pairs of one sorted sample: x_k is above
 * k of the others and below n - 1 - k of them, so the sum of all pairs is
 * 2 sum_k (2k - n + 1) x_k (0-based k), one pass. */
static double mean_abs_spread(const double *x, size_t n) {
  double sum = 0.0;
  for (size_t k = 0; k < n; k++) {
    sum += (2.0 * (double)k - (double)n + 1.0) * (x[k] - x[0]);
  }
  return 2.0 * sum / ((double)n * (double)n);
}

/* Two samples: for a_k, the b_l below it contribute a_k j - (their sum)
 * and the others (their sum) - a_k (nb - j), where j counts the b_l < a_k:
 * one pointer into b moves forward as a ascends.  Values are taken
 * relative to a_0 (the differences do not change), so the running sums of
 * prices do not swamp the spreads being measured. */
static double mean_abs_cross(const double *a, size_t na, const double *b,
                             size_t nb) {
  double c = a[0], total_b = 0.0, below = 0.0, sum = 0.0;
  for (size_t l = 0; l < nb; l++) {
    total_b += b[l] - c;
  }
  size_t j = 0;
  for (size_t k = 0; k < na; k++) {
    while (j < nb && b[j] < a[k]) {
      below += b[j++] - c;
    }
    double x = a[k] - c;
    sum += (x * (double)j - below) + ((total_b - below) - x * (double)(nb - j));
  }
  return sum / ((double)na * (double)nb);
}

/* E|A - B| over all pairs of two samples, both sorted ascending; a and b may be
 * the same array. Three cases so each is one linear pass with the least
 * rounding. */
double pc_mean_abs_diff(const double *a, size_t na, const double *b,
                        size_t nb) {
  if (na == 0 || nb == 0) {
    return NAN;
  }
  if (nb == 1) {
    return mean_abs_dev(a, na, b[0]);
  }
  if (a == b && na == nb) {
    return mean_abs_spread(a, na);
  }
  return mean_abs_cross(a, na, b, nb);
}

/* Pinball (quantile) loss of quantile q at level tau for outcome y; an outcome
 * exactly at q costs 0 from either side. */
double pc_pinball(double q, double y, double tau) {
  return y >= q ? tau * (y - q) : (1.0 - tau) * (q - y);
}

/* Binary search on a sorted sample: the number of values < y (strict) or <= y.
 */
static size_t count_below(const double *sorted, size_t n, double y,
                          int strict) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strict ? sorted[mid] < y : sorted[mid] <= y) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/* Mid-rank PIT: ties between y and path values count half, so a forecast with
 * many equal paths (a naive model's point mass) gives 0.5 at the point instead
 * of 0 or 1, and PIT histograms of such models are not pushed to the edges. */
double pc_pit(const double *sorted, size_t n, double y) {
  if (n == 0) {
    return NAN;
  }
  size_t below = count_below(sorted, n, y, 1);
  size_t at_or_below = count_below(sorted, n, y, 0);
  return ((double)below + 0.5 * (double)(at_or_below - below)) / (double)n;
}

static double distance_to_obs(const float *x, const double *y, size_t h) {
  double s = 0.0;
  for (size_t k = 0; k < h; k++) {
    double d = (double)x[k] - y[k];
    s += d * d;
  }
  return sqrt(s);
}

static double distance(const float *a, const float *b, size_t h) {
  double s = 0.0;
  for (size_t k = 0; k < h; k++) {
    double d = (double)a[k] - (double)b[k];
    s += d * d;
  }
  return sqrt(s);
}

/* The spread term pairs path i with path i + n/2 (mod n): independent paths
 * make each pair an unbiased draw of ||X - X'||, and n pairs keep the score
 * O(n h) instead of O(n^2 h) -- 2,000 paths would otherwise cost 4 million
 * distances per forecast. */
double pc_energy_score(const float *paths, size_t n, size_t h,
                       const double *y) {
  if (n < 2) {
    return NAN;
  }
  double to_obs = 0.0, between = 0.0;
  for (size_t i = 0; i < n; i++) {
    const float *xi = paths + i * h;
    to_obs += distance_to_obs(xi, y, h);
    between += distance(xi, paths + ((i + n / 2) % n) * h, h);
  }
  double nn = (double)n;
  return to_obs / nn - between / (2.0 * nn);
}

/* Each unordered pair once: the double sum over ordered pairs is twice
 * that, which cancels the 2 of 1/(2 n^2). */
double pc_energy_score_exact(const float *paths, size_t n, size_t h,
                             const double *y) {
  if (n == 0) {
    return NAN;
  }
  double to_obs = 0.0, between = 0.0;
  for (size_t i = 0; i < n; i++) {
    const float *xi = paths + i * h;
    to_obs += distance_to_obs(xi, y, h);
    for (size_t j = i + 1; j < n; j++) {
      between += distance(xi, paths + j * h, h);
    }
  }
  double nn = (double)n;
  return to_obs / nn - between / (nn * nn);
}
