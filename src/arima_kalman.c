/* The exact Gaussian likelihood of ARIMA with regression errors by the
 * Kalman filter on the state-space form described in arima.h (Harvey 1989;
 * Gardner, Harvey and Phillips 1980; the same likelihood as R's stats::arima
 * with method "ML").
 *
 * The innovation variance is concentrated out: the filter runs with unit
 * variance, and sigma^2 = sum(v^2/F) / nu at the end.  The transition matrix
 * is never stored: its structure (a companion block, the differencing row and
 * a shift) is applied directly, so a step costs O(m^2) rather than O(m^3).
 * Once the state covariance stops changing, the filter switches to the
 * steady-state gain and a step costs O(m); a missing observation ends the
 * steady state, since the covariance grows again. */
#include "arima.h"
#include "optim.h"

#include <math.h>
#include <string.h>

/* The state-space form of one coefficient set. */
typedef struct {
  int r, d, m;
  double phi[PC_ARIMA_MAX_R];   /* first column of the ARMA block, padded */
  double rvec[PC_ARIMA_MAX_R];  /* R = (1, theta_1, ..., theta_{r-1}) */
  double delta[PC_ARIMA_MAX_D]; /* (1 - B)^d = 1 - delta_1 B - ... */
} ss_form;

/* Relative change of the predicted covariance below which it is taken as
 * converged; far below anything that shows in the log-likelihood. */
#define STEADY_TOL 1e-13

static void ss_build(const pc_arima_coef *c, ss_form *s) {
  memset(s, 0, sizeof *s);
  s->r = c->p > c->q + 1 ? c->p : c->q + 1;
  s->d = c->d;
  s->m = s->r + s->d;
  for (int i = 0; i < c->p; i++) {
    s->phi[i] = c->phi[i];
  }
  s->rvec[0] = 1.0;
  for (int i = 0; i < c->q; i++) {
    s->rvec[i + 1] = c->theta[i];
  }
  if (c->d == 1) {
    s->delta[0] = 1.0;
  } else if (c->d == 2) {
    s->delta[0] = 2.0;
    s->delta[1] = -1.0;
  }
}

/* Y = T X for an m x ncol row-major X (ncol = 1: a vector).  Each output
 * row is a combination of at most d + 2 input rows, written as whole-row
 * loops without branches inside, which the compiler vectorises. */
static void apply_t(const ss_form *s, const double *x, double *y, int ncol) {
  int r = s->r;
  for (int i = 0; i + 1 < r; i++) {
    const double *next = x + (i + 1) * ncol;
    double phi = s->phi[i];
    double *yi = y + i * ncol;
    for (int j = 0; j < ncol; j++) {
      yi[j] = phi * x[j] + next[j];
    }
  }
  double phi_last = s->phi[r - 1];
  double *ylast = y + (r - 1) * ncol;
  for (int j = 0; j < ncol; j++) {
    ylast[j] = phi_last * x[j];
  }
  if (s->d == 0) {
    return;
  }
  /* The first lag of u becomes u_t = Z s_t; the others shift down. */
  double *yr = y + r * ncol;
  const double *lag0 = x + r * ncol;
  for (int j = 0; j < ncol; j++) {
    yr[j] = x[j] + s->delta[0] * lag0[j];
  }
  if (s->d == 2) {
    const double *lag1 = x + (r + 1) * ncol;
    for (int j = 0; j < ncol; j++) {
      yr[j] += s->delta[1] * lag1[j];
      y[(r + 1) * ncol + j] = lag0[j];
    }
  }
}

/* Y = A T' for an m x m A: column j of Y combines the columns of A the way
 * row j of T combines rows. */
static void times_t_transposed(const ss_form *s, const double *a, double *y) {
  int r = s->r, m = s->m;
  for (int i = 0; i < m; i++) {
    const double *ai = a + i * m;
    double *yi = y + i * m;
    for (int j = 0; j + 1 < r; j++) {
      yi[j] = s->phi[j] * ai[0] + ai[j + 1];
    }
    yi[r - 1] = s->phi[r - 1] * ai[0];
    if (s->d >= 1) {
      yi[r] = ai[0] + s->delta[0] * ai[r] +
              (s->d == 2 ? s->delta[1] * ai[r + 1] : 0.0);
    }
    if (s->d == 2) {
      yi[r + 1] = ai[r];
    }
  }
}

/* P <- T P T' + R R'. */
static void predict_p(const ss_form *s, double *p) {
  int m = s->m;
  double a[PC_ARIMA_MAX_M * PC_ARIMA_MAX_M];
  apply_t(s, p, a, m);
  times_t_transposed(s, a, p);
  for (int i = 0; i < s->r; i++) {
    for (int j = 0; j < s->r; j++) {
      p[i * m + j] += s->rvec[i] * s->rvec[j];
    }
  }
}

static double z_dot(const ss_form *s, const double *x) {
  double v = x[0];
  for (int k = 0; k < s->d; k++) {
    v += s->delta[k] * x[s->r + k];
  }
  return v;
}

/* M = P Z'; returns F = Z P Z'. */
static double gain(const ss_form *s, const double *p, double *mvec) {
  int m = s->m;
  for (int i = 0; i < m; i++) {
    mvec[i] = z_dot(s, p + i * m);
  }
  return z_dot(s, mvec);
}

/* Element (i, a) of the ARMA block of T. */
static double t_arma(const ss_form *s, int i, int a) {
  return (a == 0 ? s->phi[i] : 0.0) + (a == i + 1 ? 1.0 : 0.0);
}

int pc_arima_q0(const pc_arima_coef *c, double *q0) {
  ss_form s;
  ss_build(c, &s);
  int r = s.r, n = r * r;
  double a[PC_ARIMA_MAX_R * PC_ARIMA_MAX_R * PC_ARIMA_MAX_R * PC_ARIMA_MAX_R];
  double b[PC_ARIMA_MAX_R * PC_ARIMA_MAX_R];
  /* vec(Q0) - (T kron T) vec(Q0) = vec(R R'). */
  for (int row = 0; row < n; row++) {
    int i = row / r, j = row % r;
    b[row] = s.rvec[i] * s.rvec[j];
    for (int col = 0; col < n; col++) {
      int ka = col / r, kb = col % r;
      a[row * n + col] = (row == col) - t_arma(&s, i, ka) * t_arma(&s, j, kb);
    }
  }
  if (pc_solve_dense(a, b, n, 1e-12) != 0) {
    return -1;
  }
  for (int i = 0; i < r; i++) {
    for (int j = 0; j < r; j++) {
      q0[i * r + j] = 0.5 * (b[i * r + j] + b[j * r + i]);
    }
  }
  return 0;
}

/* u_t = y_t - x_t' beta, NAN when y or a regressor is missing. */
static double reg_error(const pc_arima_coef *c, const pc_arima_data *data,
                        size_t t) {
  double u = data->y[t];
  for (int j = 0; j < data->k; j++) {
    u -= c->beta[j] * data->x[t * (size_t)data->k + (size_t)j];
  }
  return u;
}

/* The first row t0 + d such that rows t0 .. t0+d-1 are all observed; n when
 * there is none. */
static size_t first_row(const pc_arima_coef *c, const pc_arima_data *data) {
  int run = 0;
  for (size_t t = 0; t < data->n; t++) {
    if (run >= c->d) {
      return t;
    }
    run = isfinite(reg_error(c, data, t)) ? run + 1 : 0;
  }
  return data->n;
}

/* The state at the first filtered row: the ARMA block at its stationary
 * distribution, the lags of u known exactly (conditioned on). */
static int init_state(const pc_arima_coef *c, const pc_arima_data *data,
                      const ss_form *s, size_t start, double *a, double *p) {
  double q0[PC_ARIMA_MAX_R * PC_ARIMA_MAX_R];
  if (pc_arima_q0(c, q0) != 0) {
    return -1;
  }
  memset(a, 0, sizeof(double) * (size_t)s->m);
  memset(p, 0, sizeof(double) * (size_t)(s->m * s->m));
  for (int i = 0; i < s->r; i++) {
    for (int j = 0; j < s->r; j++) {
      p[i * s->m + j] = q0[i * s->r + j];
    }
  }
  for (int k = 0; k < s->d; k++) {
    a[s->r + k] = reg_error(c, data, start - 1 - (size_t)k);
  }
  return 0;
}

/* Plain comparisons rather than fmax(), which is a library call here. */
static int p_converged(const double *p, const double *prev, int m) {
  double scale = 1.0;
  for (int i = 0; i < m; i++) {
    double v = p[i * m + i];
    scale = v > scale ? v : scale;
  }
  double tol = STEADY_TOL * scale;
  for (int i = 0; i < m * m; i++) {
    double diff = p[i] - prev[i];
    if (diff > tol || diff < -tol) {
      return 0;
    }
  }
  return 1;
}

/* out = P - M M' / F (out may be P). */
static void update_p(const double *p, const double *mvec, double f, int m,
                     double *out) {
  double inv = 1.0 / f;
  for (int i = 0; i < m; i++) {
    double ki = mvec[i] * inv;
    for (int j = 0; j < m; j++) {
      out[i * m + j] = p[i * m + j] - ki * mvec[j];
    }
  }
}

/* a <- T a in place: row i < r - 1 reads a[0] and a[i + 1], which are
 * still old when it is written in increasing order. */
static void predict_a(const ss_form *s, double *a) {
  int r = s->r;
  double a0 = a[0], lag0 = s->d >= 1 ? a[r] : 0.0;
  for (int i = 0; i + 1 < r; i++) {
    a[i] = s->phi[i] * a0 + a[i + 1];
  }
  a[r - 1] = s->phi[r - 1] * a0;
  if (s->d >= 1) {
    a[r] = a0 + s->delta[0] * lag0 + (s->d == 2 ? s->delta[1] * a[r + 1] : 0.0);
  }
  if (s->d == 2) {
    a[r + 1] = lag0;
  }
}

/* The filter's working state between rows.  Two covariance buffers take
 * turns (p is current, prev the last predicted one), so no step copies a
 * matrix. */
typedef struct {
  ss_form s;
  double a[PC_ARIMA_MAX_M];
  double buf[2][PC_ARIMA_MAX_M * PC_ARIMA_MAX_M];
  double *p, *prev;
  double pfilt[PC_ARIMA_MAX_M * PC_ARIMA_MAX_M]; /* steady filtered P */
  double mvec[PC_ARIMA_MAX_M];
  double f, logf;
  double fprod; /* product of F_t not yet in sumlog (F_t >= 1) */
  int steady, prev_obs;
} filter_work;

/* sumlog += log F_t.  F_t >= 1 (it includes the unit innovation), so a
 * running product replaces a log() per row until it grows large. */
static void add_log_f(filter_work *w, pc_arima_filter_out *out) {
  if (w->steady) {
    out->sumlog += w->logf;
    return;
  }
  w->fprod *= w->f;
  if (w->fprod > 1e200) {
    out->sumlog += log(w->fprod);
    w->fprod = 1.0;
  }
}

/* Incorporates an observed u_t; returns -1 on a non-finite or non-positive
 * prediction variance. */
static int observe(filter_work *w, double u, pc_arima_filter_out *out,
                   double *resid) {
  int m = w->s.m;
  if (!w->steady && w->prev_obs && p_converged(w->p, w->prev, m)) {
    w->steady = 1;
    w->logf = log(w->f);
    update_p(w->p, w->mvec, w->f, m, w->pfilt);
  }
  if (!w->steady) {
    w->f = gain(&w->s, w->p, w->mvec);
    double *pred = w->p;
    update_p(pred, w->mvec, w->f, m, w->prev);
    w->p = w->prev; /* the filtered covariance */
    w->prev = pred; /* the predicted one, for the convergence test */
  }
  double v = u - z_dot(&w->s, w->a);
  if (!(w->f > 0.0) || !isfinite(v) || !isfinite(w->f)) {
    return -1;
  }
  double vf = v / w->f;
  for (int i = 0; i < m; i++) {
    w->a[i] += w->mvec[i] * vf;
  }
  if (resid != NULL) {
    resid[out->nu] = v / sqrt(w->f);
  }
  out->nu++;
  out->ssq += v * vf;
  add_log_f(w, out);
  w->prev_obs = 1;
  return 0;
}

static void predict(filter_work *w) {
  predict_a(&w->s, w->a);
  if (!w->steady) {
    predict_p(&w->s, w->p);
  }
}

int pc_arima_filter(const pc_arima_coef *c, const pc_arima_data *data,
                    pc_arima_filter_out *out, double *resid) {
  filter_work w;
  memset(out, 0, sizeof *out);
  memset(&w, 0, sizeof w);
  ss_build(c, &w.s);
  w.fprod = 1.0;
  w.p = w.buf[0];
  w.prev = w.buf[1];
  int m = w.s.m;
  size_t start = first_row(c, data);
  if (start >= data->n || init_state(c, data, &w.s, start, w.a, w.p) != 0) {
    return -1;
  }
  for (size_t t = start; t < data->n; t++) {
    if (t > start) {
      predict(&w);
    }
    double u = reg_error(c, data, t);
    if (isfinite(u)) {
      if (observe(&w, u, out, resid) != 0) {
        return -1;
      }
    } else {
      /* In the steady state p still holds the steady predicted
       * covariance, which the next prediction starts from. */
      w.steady = 0;
      w.prev_obs = 0;
    }
  }
  out->sumlog += log(w.fprod);
  out->m = m;
  memcpy(out->a, w.a, sizeof(double) * (size_t)m);
  memcpy(out->P, w.steady ? w.pfilt : w.p, sizeof(double) * (size_t)(m * m));
  return out->nu > 0 && isfinite(out->ssq) && isfinite(out->sumlog) ? 0 : -1;
}

double pc_arima_loglik(const pc_arima_filter_out *f, double *sigma2) {
  double nu = (double)f->nu;
  double s2 = f->ssq / nu;
  if (sigma2 != NULL) {
    *sigma2 = s2;
  }
  return -0.5 * (nu * (log(2.0 * 3.14159265358979323846 * s2) + 1.0) + f->sumlog);
}
