/* Forecast scores (see pathcast/metrics.h and docs/EVALUATION.md). */
#include "pathcast/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double pc_quantile_levels[PC_NQUANTILES] = {
    0.005, 0.025, 0.165, 0.25, 0.5, 0.75, 0.835, 0.975, 0.995};

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void pc_sort_sample(const double *x, size_t n, double *sorted) {
  memcpy(sorted, x, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, cmp_double);
}

double pc_quantile(const double *sorted, size_t n, double p) {
  if (n == 0) {
    return NAN;
  }
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h);
  size_t hi = lo + 1 < n ? lo + 1 : n - 1;
  return sorted[lo] + (h - (double)lo) * (sorted[hi] - sorted[lo]);
}

/* With x sorted ascending (1-based i), sum over all pairs of |x_i - x_j| is
 * 2 * sum_i (2i - n - 1) x_i, which turns the O(n^2) definition into one
 * pass. */
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

double pc_pinball(double q, double y, double tau) {
  return y >= q ? tau * (y - q) : (1.0 - tau) * (q - y);
}

static size_t count_below(const double *sorted, size_t n, double y, int strict) {
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

double pc_pit(const double *sorted, size_t n, double y) {
  if (n == 0) {
    return NAN;
  }
  size_t below = count_below(sorted, n, y, 1);
  size_t at_or_below = count_below(sorted, n, y, 0);
  return ((double)below + 0.5 * (double)(at_or_below - below)) / (double)n;
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
double pc_energy_score(const float *paths, size_t n, size_t h, const double *y) {
  if (n < 2) {
    return NAN;
  }
  double to_obs = 0.0, between = 0.0;
  for (size_t i = 0; i < n; i++) {
    const float *xi = paths + i * h;
    double s = 0.0;
    for (size_t k = 0; k < h; k++) {
      double d = (double)xi[k] - y[k];
      s += d * d;
    }
    to_obs += sqrt(s);
    between += distance(xi, paths + ((i + n / 2) % n) * h, h);
  }
  double nn = (double)n;
  return to_obs / nn - between / (2.0 * nn);
}
