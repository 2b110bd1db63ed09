/* ARIMA sample paths by the state-space recursion (see arima.h), and the
 * projection of covariates over the forecast horizon.
 *
 * Each path starts from the filtered state of the last observed row: its
 * mean a and covariance P (nearly zero, except for MA terms not pinned down
 * by a finite sample).  Path i draws the m values of its starting state, then
 * its innovations, from its own stream (pc_rng_init(key, i, INNOVATIONS)), so
 * a path never depends on how many other paths there are. */
#include "arima.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/paths.h"

/* Days per year, for the seasonal projection. */
#define YEAR_DAYS 365.2425
/* State variance (in units of sigma^2) below which the starting state is
 * taken as known: its effect on a path is below 1e-4 sigma, far inside the
 * Monte Carlo error, and it saves m random numbers per path. */
#define STATE_VAR_TOL 1e-8
/* Half-width (days) of the window around the same date of earlier years. */
#define SEASON_WINDOW 3.5
/* Rows behind the linear projection's trend. */
#define LINEAR_ROWS 60

static double cov_at(const pc_history *h, size_t row, size_t col) {
  return h->cov[row * h->ncov + col];
}

static double last_value(const pc_history *h, size_t n, size_t col) {
  for (size_t i = n; i-- > 0;) {
    if (isfinite(cov_at(h, i, col))) {
      return cov_at(h, i, col);
    }
  }
  return NAN;
}

/* The first of rows [0, n) dated at or after `day` (dates ascend). */
static size_t first_on_or_after(const pc_history *h, size_t n, double day) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if ((double)h->date[mid] < day) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/* The mean of the values within a few days of the target date in earlier
 * years (a climatology); NAN when no earlier year covers that date.  Each
 * year's window is found by bisection, so a projection costs
 * O(years log n), not O(n), per step. */
static double seasonal_value(const pc_history *h, size_t n, size_t col,
                             double target) {
  double sum = 0.0;
  size_t count = 0;
  for (int year = 1; n > 0; year++) {
    double centre = target - year * YEAR_DAYS;
    if (centre + SEASON_WINDOW < (double)h->date[0]) {
      break;
    }
    size_t i = first_on_or_after(h, n, centre - SEASON_WINDOW);
    for (; i < n && (double)h->date[i] <= centre + SEASON_WINDOW; i++) {
      double v = cov_at(h, i, col);
      if (isfinite(v)) {
        sum += v;
        count++;
      }
    }
  }
  return count ? sum / (double)count : NAN;
}

/* Least-squares line through the last LINEAR_ROWS present values, by row. */
static int linear_trend(const pc_history *h, size_t n, size_t col,
                        double *icept, double *slope) {
  double st = 0, sv = 0, stt = 0, stv = 0, k = 0;
  size_t from = n > LINEAR_ROWS ? n - LINEAR_ROWS : 0;
  for (size_t i = from; i < n; i++) {
    double v = cov_at(h, i, col), t = (double)i;
    if (isfinite(v)) {
      st += t, sv += v, stt += t * t, stv += t * v, k += 1.0;
    }
  }
  double den = k * stt - st * st;
  if (k < 2.0 || !(den > 0.0)) {
    return -1;
  }
  *slope = (k * stv - st * sv) / den;
  *icept = (sv - *slope * st) / k;
  return 0;
}

void pc_arima_project(const pc_history *h, size_t n, size_t col,
                      pc_arima_projection how, int steps, double *out) {
  double last = last_value(h, n, col), icept = 0.0, slope = 0.0;
  double spacing = n > 1 ? (double)(h->date[n - 1] - h->date[0]) /
                               (double)(n - 1) : 1.0;
  int trend = how == PC_ARIMA_PROJ_LINEAR &&
              linear_trend(h, n, col, &icept, &slope) == 0;
  for (int j = 1; j <= steps; j++) {
    double v = last;
    if (how == PC_ARIMA_PROJ_SEASONAL && n > 0) {
      /* Future dates are estimated from the average spacing of the rows,
       * which works for any trading calendar. */
      double target = (double)h->date[n - 1] + spacing * j;
      double s = seasonal_value(h, n, col, target);
      v = isfinite(s) ? s : last;
    } else if (trend) {
      v = icept + slope * (double)(n - 1 + (size_t)j);
    }
    out[j - 1] = v;
  }
}

/* Cholesky factor of a positive semi-definite P (lower, row-major): pivots
 * below tol give zero columns instead of failing.  Returns the number of
 * columns that are not zero (-1 when a value is not finite), so that a
 * state known exactly costs no random numbers. */
static int psd_cholesky(const double *p, int m, double tol, double *l) {
  int rank = 0;
  memset(l, 0, sizeof(double) * (size_t)(m * m));
  for (int i = 0; i < m; i++) {
    for (int j = 0; j <= i; j++) {
      double s = p[i * m + j];
      for (int k = 0; k < j; k++) {
        s -= l[i * m + k] * l[j * m + k];
      }
      if (i == j) {
        l[i * m + i] = s > tol ? sqrt(s) : 0.0;
        rank += s > tol;
      } else {
        l[i * m + j] = l[j * m + j] > 0.0 ? s / l[j * m + j] : 0.0;
      }
      if (!isfinite(l[i * m + j])) {
        return -1;
      }
    }
  }
  return rank;
}

/* The recursion's constants, set up once per forecast. */
typedef struct {
  int r, d, m;
  double phi[PC_ARIMA_MAX_R], rvec[PC_ARIMA_MAX_R], delta[PC_ARIMA_MAX_D];
  double chol[PC_ARIMA_MAX_M * PC_ARIMA_MAX_M];
} sim_form;

static void sim_form_init(const pc_arima_coef *c, int m, sim_form *f) {
  memset(f, 0, sizeof *f);
  f->d = c->d;
  f->m = m;
  f->r = m - c->d;
  for (int i = 0; i < c->p; i++) {
    f->phi[i] = c->phi[i];
  }
  f->rvec[0] = 1.0;
  for (int i = 0; i < c->q; i++) {
    f->rvec[i + 1] = c->theta[i];
  }
  f->delta[0] = c->d == 2 ? 2.0 : 1.0;
  f->delta[1] = -1.0;
}

/* Paths advanced together by one_tile. */
#define TILE 4

/* A value of each of the TILE paths of a tile, in one GCC vector: its
 * operations are lane-wise IEEE arithmetic, each lane computing exactly what
 * a lone path computes, in the same order (no FMA in ISO C mode), so the
 * tile changes speed, not numbers. */
typedef double tile_vec __attribute__((vector_size(8 * TILE)));

/* Lane l of *v is rows[l][k].  (Vectors go through pointers: returning
 * one wider than 16 bytes would depend on AVX in the calling convention.) */
static inline void tile_column(const double *const *rows, int k,
                               tile_vec *v) {
  for (int l = 0; l < TILE; l++) {
    (*v)[l] = rows[l][k];
  }
}

/* *u = Z s: alpha_0 plus the differencing lags, with the zero terms added
 * as a lone path adds them. */
static inline void tile_u(const sim_form *f, const tile_vec *s, int r, int d,
                          tile_vec *u) {
  const tile_vec zero = {0};
  *u = s[0] + (d >= 1 ? f->delta[0] * s[r] : zero) +
       (d == 2 ? f->delta[1] * s[r + 1] : zero);
}

/* The tile's paths: the starting state from each row's z[0..m) (only when
 * the state is not known exactly), then per step the lags shift, alpha
 * advances with the innovations (R holds sigma), and y = level + u goes to
 * out (exp, when log_scale, comes after, for all paths).  r and d are
 * constants at every call (one_tile's switch), so the state stays in
 * registers. */
static inline __attribute__((always_inline)) void
tile_run(const sim_form *f, const pc_arima_paths *sp, const double *const *row,
         int draw_state, int count, double *out, const int r, const int d) {
  const int m = r + d;
  tile_vec s[PC_ARIMA_MAX_M], u, eps;
  for (int i = 0; i < m; i++) {
    s[i] = (tile_vec){0} + sp->state->a[i];
    for (int k = 0; draw_state && k <= i; k++) {
      tile_column(row, k, &eps);
      s[i] += f->chol[i * m + k] * eps;
    }
  }
  tile_u(f, s, r, d, &u);
  for (int j = 0; j < sp->steps; j++) {
    tile_column(row, m + j, &eps);
    if (d == 2) {
      s[r + 1] = s[r];
    }
    if (d >= 1) {
      s[r] = u;
    }
    tile_vec a0 = s[0];
    for (int i = 0; i + 1 < r; i++) {
      s[i] = f->phi[i] * a0 + s[i + 1] + f->rvec[i] * eps;
    }
    s[r - 1] = f->phi[r - 1] * a0 + f->rvec[r - 1] * eps;
    tile_u(f, s, r, d, &u);
    tile_vec y = sp->level[j] + u;
    for (int l = 0; l < count; l++) {
      out[(size_t)l * (size_t)sp->steps + (size_t)j] = y[l];
    }
  }
}

#define TILE_CASE(R, D)                                                        \
  case (R) * (PC_ARIMA_MAX_D + 1) + (D):                                       \
    tile_run(f, sp, row, draw_state, count, out, R, D);                        \
    break;
#define TILE_CASES(R) TILE_CASE(R, 0) TILE_CASE(R, 1) TILE_CASE(R, 2)

/* Paths [0, count) of a tile (count <= TILE), path l from row l of z (ld
 * apart: its m starting-state normals, then its standard innovations), into
 * rows of out.  Lanes past count repeat the last path and are not stored. */
static void one_tile(const sim_form *f, const pc_arima_paths *sp,
                     const double *z, size_t ld, int draw_state, int count,
                     double *out) {
  _Static_assert(PC_ARIMA_MAX_R == 6 && PC_ARIMA_MAX_D == 2,
                 "one case per (r, d) below");
  const double *row[TILE];
  for (int l = 0; l < TILE; l++) {
    row[l] = z + (size_t)(l < count ? l : count - 1) * ld;
  }
  switch (f->r * (PC_ARIMA_MAX_D + 1) + f->d) {
    TILE_CASES(1)
    TILE_CASES(2)
    TILE_CASES(3)
    TILE_CASES(4)
    TILE_CASES(5)
    TILE_CASES(6)
  default:
    break;
  }
}

/* Bootstrapped innovations when the starting state is known exactly: the
 * streams hold only resampling indices, which the SIMD kernel draws. */
static int draw_resampled(const pc_arima_paths *sp, const pc_sim_request *req,
                          pc_simd simd, int m, double *z) {
  size_t ld = (size_t)(m + req->steps), steps = (size_t)req->steps;
  uint32_t *idx = malloc(sizeof *idx * steps * (size_t)req->npaths + 1);
  if (idx == NULL ||
      pc_paths_below(simd, req->key, PC_RNG_INNOVATIONS, 0, req->npaths,
                     req->steps, (uint32_t)sp->npool, idx, steps) != PC_OK) {
    free(idx);
    return -1;
  }
  for (size_t i = 0; i < (size_t)req->npaths; i++) {
    for (size_t j = 0; j < steps; j++) {
      z[i * ld + (size_t)m + j] = sp->pool[idx[i * steps + j]];
    }
  }
  free(idx);
  return 0;
}

/* The starting-state and innovation normals of every path into z, row i
 * (m + steps values) for path i: z[0..m) the state draws (zero when the
 * state is known exactly), then the innovations.  Bootstrapped paths whose
 * state is drawn take their indices from the same stream after the state
 * normals, so each of them keeps its own scalar stream. */
static int draw_all(const pc_arima_paths *sp, const pc_sim_request *req,
                    pc_simd simd, int m, int nz, double *z) {
  size_t ld = (size_t)(m + req->steps);
  for (size_t i = 0; i < (size_t)req->npaths; i++) {
    memset(z + i * ld, 0, sizeof(double) * (size_t)(m - nz));
  }
  if (sp->pool == NULL) {
    return pc_paths_normals(simd, req->key, PC_RNG_INNOVATIONS, 0,
                            req->npaths, nz + req->steps, z + (m - nz),
                            ld) == PC_OK ? 0 : -1;
  }
  if (nz == 0) {
    return draw_resampled(sp, req, simd, m, z);
  }
  for (int i = 0; i < req->npaths; i++) {
    double *row = z + (size_t)i * ld;
    pc_rng r;
    pc_rng_init(&r, req->key, (uint32_t)i, PC_RNG_INNOVATIONS);
    pc_rng_normals(&r, row + m - nz, nz);
    for (int j = 0; j < req->steps; j++) {
      row[m + j] = sp->pool[pc_rng_below(&r, (uint32_t)sp->npool)];
    }
  }
  return 0;
}

int pc_arima_simulate_paths(const pc_arima_paths *sp,
                            const pc_sim_request *req, double *out) {
  sim_form f;
  int m = sp->state->m, steps = req->steps;
  sim_form_init(sp->coef, m, &f);
  int rank = psd_cholesky(sp->state->P, m, STATE_VAR_TOL, f.chol);
  size_t ld = (size_t)(m + steps);
  double *z = malloc(sizeof(double) * ld * (size_t)req->npaths + 1);
  /* A starting state known exactly draws no numbers for it. */
  int nz = rank > 0 ? m : 0;
  pc_simd simd = pc_simd_active();
  if (z == NULL || rank < 0 || draw_all(sp, req, simd, m, nz, z) != 0) {
    free(z);
    return -1;
  }
  for (int i = 0; i < m * m; i++) {
    f.chol[i] *= sp->sigma;
  }
  /* sigma goes into R once, so the Gaussian innovations are the normals
   * as drawn, without a copy. */
  for (int i = 0; i < f.r; i++) {
    f.rvec[i] *= sp->sigma;
  }
  for (int i = 0; i < req->npaths; i += TILE) {
    int count = req->npaths - i < TILE ? req->npaths - i : TILE;
    one_tile(&f, sp, z + (size_t)i * ld, ld, nz > 0, count,
             out + (size_t)i * (size_t)steps);
  }
  free(z);
  if (sp->log_scale) {
    pc_paths_exp(simd, out, (size_t)req->npaths * (size_t)steps);
  }
  return 0;
}
