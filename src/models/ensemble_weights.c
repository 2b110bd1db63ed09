/* The ensemble's weights: the exact minimum of the mixture's mean CRPS
 * over the simplex, and the stratified choice of a member per path (see
 * ensemble.h). */
#include <math.h>
#include <string.h>

#include "ensemble.h"
#include "pathcast/core/optim.h"

double pc_ensemble_crps(const double *a, const double *B, int m,
                        const double *w) {
  double linear = 0.0, spread = 0.0;
  for (int i = 0; i < m; i++) {
    linear += w[i] * a[i];
    for (int j = 0; j < m; j++) {
      spread += w[i] * w[j] * B[i * m + j];
    }
  }
  return linear - 0.5 * spread;
}

/* The stationary point of the mean CRPS on the face of the members in
 * mask, into w (zero off the face): with H = -B, the conditions
 *   sum_{j in S} H_ij w_j - lambda = -a_i  (i in S),   sum_{j in S} w_j = 1
 * (the gradient is equal along the face).  0 when the system is singular or
 * the point leaves the simplex (a weight below -1e-12; smaller negatives
 * are rounding, set to 0 and the rest rescaled). */
static int face_minimum(const double *a, const double *B, int m,
                        unsigned mask, double *w) {
  int idx[PC_ENSEMBLE_MAX], s = 0;
  for (int i = 0; i < m; i++) {
    if (mask & (1u << i)) {
      idx[s++] = i;
    }
  }
  int n = s + 1;
  double M[(PC_ENSEMBLE_MAX + 1) * (PC_ENSEMBLE_MAX + 1)];
  double r[PC_ENSEMBLE_MAX + 1];
  for (int i = 0; i < s; i++) {
    for (int j = 0; j < s; j++) {
      M[i * n + j] = -B[idx[i] * m + idx[j]];
    }
    M[i * n + s] = -1.0;
    M[s * n + i] = 1.0;
    r[i] = -a[idx[i]];
  }
  M[s * n + s] = 0.0;
  r[s] = 1.0;
  /* A pivot negligible against the largest entry: a singular system. */
  double scale = 0.0;
  for (int i = 0; i < n * n; i++) {
    scale = fmax(scale, fabs(M[i]));
  }
  if (pc_solve_dense(M, r, n, 1e-12 * scale) != 0) {
    return 0;
  }
  double total = 0.0;
  memset(w, 0, (size_t)m * sizeof *w);
  for (int i = 0; i < s; i++) {
    if (!(r[i] >= -1e-12)) {
      return 0;
    }
    w[idx[i]] = fmax(r[i], 0.0);
    total += w[idx[i]];
  }
  for (int i = 0; i < s && total > 0.0; i++) {
    w[idx[i]] /= total;
  }
  return total > 0.0;
}

/* Ties within 1e-12 relative keep the earlier support: the mean CRPS is flat
 * along directions between members that forecast alike, and a sparser
 * mixture simulates fewer members. */
void pc_ensemble_weights(const double *a, const double *B, int m, double *w,
                         double *crps) {
  double best = INFINITY, cand[PC_ENSEMBLE_MAX];
  for (int i = 0; i < m; i++) {
    w[i] = 1.0 / m; /* replaced: every single member is a candidate */
  }
  for (unsigned mask = 1; mask < (1u << m); mask++) {
    if (!face_minimum(a, B, m, mask, cand)) {
      continue;
    }
    double f = pc_ensemble_crps(a, B, m, cand);
    if (isfinite(f) && (isinf(best) || f < best - 1e-12 * fabs(best))) {
      best = f;
      memcpy(w, cand, (size_t)m * sizeof *w);
    }
  }
  *crps = isfinite(best) ? best : pc_ensemble_crps(a, B, m, w);
}

/* The midpoint (i + 0.5) / npaths never lies on a boundary of a cumulative
 * weight of the form k / npaths, so blocks of exact weights are exact. */
int pc_ensemble_member_of(const double *w, int m, int i, int npaths) {
  double u = ((double)i + 0.5) / (double)npaths, c = 0.0;
  for (int k = 0; k < m - 1; k++) {
    c += w[k];
    if (u < c) {
      return k;
    }
  }
  return m - 1;
}
