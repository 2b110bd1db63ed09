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
#include "pathcast/core/optim.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct row_ops row_ops;
static const row_ops *row_ops_for(int r, int d);

/* The state-space form of one coefficient set. */
typedef struct {
  int r, d, m;
  double phi[PC_ARIMA_MAX_R];   /* first column of the ARMA block, padded */
  double rvec[PC_ARIMA_MAX_R];  /* R = (1, theta_1, ..., theta_{r-1}) */
  double delta[PC_ARIMA_MAX_D]; /* (1 - B)^d = 1 - delta_1 B - ... */
  double rr[PC_ARIMA_MAX_R * PC_ARIMA_MAX_R]; /* R R', r x r */
  const row_ops *ops;           /* the filter's rows for this r and d */
} ss_form;

/* Relative change of the predicted covariance below which it is taken as
 * converged; far below anything that shows in the log-likelihood. */
#define STEADY_TOL 1e-13

/* Fills the state-space form of c: r = max(p, q + 1), phi (T's ARMA block),
 * R, the differencing weights delta of Z, and the covariance steps compiled
 * for this (r, d). */
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
  /* Once per coefficient set, not once per row: the same products. */
  for (int i = 0; i < s->r; i++) {
    for (int j = 0; j < s->r; j++) {
      s->rr[i * s->r + j] = s->rvec[i] * s->rvec[j];
    }
  }
  if (c->d == 1) {
    s->delta[0] = 1.0;
  } else if (c->d == 2) {
    s->delta[0] = 2.0;
    s->delta[1] = -1.0;
  }
  s->ops = row_ops_for(s->r, s->d);
}

/* ---- the covariance steps ------------------------------------------------ */

/* The steps of the recursion are written once for given r and d (m = r +
 * d) and inlined into the row kernels compiled for every (r, d) the models
 * allow (ROW_OPS below). */
#define KERNEL static inline __attribute__((always_inline))

#define AK_T double
#define AK_SS ss_form
#define AK_SUFFIX k
#include "arima_kernels.h"

/* Relative change of the predicted covariance below which it is taken as
 * converged (the STEADY_TOL above); plain comparisons rather than fmax(),
 * which is a library call here. */
KERNEL int converged_k(const double *p, const double *prev, const int m) {
  double scale = 1.0;
  #pragma GCC unroll 8
  for (int i = 0; i < m; i++) {
    double v = p[i * m + i];
    scale = v > scale ? v : scale;
  }
  double tol = STEADY_TOL * scale;
  #pragma GCC unroll 8
  for (int i = 0; i < m * m; i++) {
    double diff = p[i] - prev[i];
    if (diff > tol || diff < -tol) {
      return 0;
    }
  }
  return 1;
}

/* Element (i, a) of the ARMA block of T. */
static double t_arma(const ss_form *s, int i, int a) {
  return (a == 0 ? s->phi[i] : 0.0) + (a == i + 1 ? 1.0 : 0.0);
}

/* The stationary covariance of the ARMA block, Q0 = T Q0 T' + R R', solved as
 * one dense linear system in vec(Q0) (r^2 <= 36 unknowns, so direct elimination
 * is cheap and exact enough; docs/MODELS.md, "State-space form and
 * likelihood"). -1 when the system is singular, i.e. T has a unit root, which
 * the parameter transform keeps the optimiser away from. The result is
 * symmetrised to remove rounding asymmetry. */
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

/* The covariance at the first filtered row: the ARMA block at its
 * stationary distribution, the lags of u known exactly (conditioned on,
 * see init_state), so zero. */
static int init_cov(const pc_arima_coef *c, const ss_form *s, double *p) {
  double q0[PC_ARIMA_MAX_R * PC_ARIMA_MAX_R];
  if (pc_arima_q0(c, q0) != 0) {
    return -1;
  }
  memset(p, 0, sizeof(double) * (size_t)(s->m * s->m));
  for (int i = 0; i < s->r; i++) {
    for (int j = 0; j < s->r; j++) {
      p[i * s->m + j] = q0[i * s->r + j];
    }
  }
  return 0;
}

/* The state mean at the first filtered row: the ARMA block at its mean 0,
 * the lags of u the observed values before `start`. */
static void init_state(const pc_arima_coef *c, const pc_arima_data *data,
                       const ss_form *s, size_t start, double *a) {
  memset(a, 0, sizeof(double) * (size_t)s->m);
  for (int k = 0; k < s->d; k++) {
    a[s->r + k] = reg_error(c, data, start - 1 - (size_t)k);
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
  pc_arima_gains *rec; /* receives each observed row's F and M, or NULL */
  size_t t;            /* the row being filtered */
} filter_work;

/* *fprod *= f, moved into *sumlog as its log once it grows large.  F_t >=
 * 1 (it includes the unit innovation), so a running product replaces a
 * log() per row. */
static inline void fold_f(double *fprod, double *sumlog, double f) {
  *fprod *= f;
  if (*fprod > 1e200) {
    *sumlog += log(*fprod);
    *fprod = 1.0;
  }
}

/* sumlog += log F_t. */
static void add_log_f(filter_work *w, double *sumlog) {
  if (w->steady) {
    *sumlog += w->logf;
    return;
  }
  fold_f(&w->fprod, sumlog, w->f);
}

/* Whether a prediction variance can enter the likelihood. */
static inline int f_valid(double f) { return f > 0.0 && isfinite(f); }

/* The gains of observed row t, the nu-th, into rec when recording. */
static inline void record_gains(pc_arima_gains *rec, size_t nu, size_t t,
                                double f, const double *mvec) {
  if (rec != NULL) {
    rec->row[nu] = t;
    rec->f[nu] = f;
    memcpy(rec->mvec + nu * PC_ARIMA_MAX_M, mvec,
           sizeof(double) * PC_ARIMA_MAX_M);
  }
}

/* The nu-th standardised residual, v / sqrt(F), into resid when kept. */
static inline void record_resid(double *resid, size_t nu, double v,
                                double f) {
  if (resid != NULL) {
    resid[nu] = v / sqrt(f);
  }
}

/* The covariance part of an observed row: the gain M and F of the row
 * (switching to the steady state once the predicted covariance stops
 * changing).  Returns -1 on a non-finite or non-positive F. */
KERNEL int observe_cov_k(filter_work *w, const int r, const int d) {
  if (!w->steady && w->prev_obs && converged_k(w->p, w->prev, r + d)) {
    w->steady = 1;
    w->logf = log(w->f);
    update_p_k(w->p, w->mvec, w->f, r + d, w->pfilt);
  }
  if (!w->steady) {
    w->f = gain_k(&w->s, w->p, w->mvec, r, d);
    double *pred = w->p;
    update_p_k(pred, w->mvec, w->f, r + d, w->prev);
    w->p = w->prev; /* the filtered covariance */
    w->prev = pred; /* the predicted one, for the convergence test */
  }
  w->prev_obs = 1;
  return f_valid(w->f) ? 0 : -1;
}

/* A missing row: in the steady state p still holds the steady predicted
 * covariance, which the next prediction starts from. */
static void skip_row(filter_work *w) {
  w->steady = 0;
  w->prev_obs = 0;
}

/* Incorporates an observed u_t; returns -1 on a non-finite or non-positive
 * prediction variance or innovation. */
KERNEL int observe_k(filter_work *w, double u, pc_arima_filter_out *out,
                     double *resid, const int r, const int d) {
  double vf = 0.0;
  if (observe_cov_k(w, r, d) != 0) {
    return -1;
  }
  record_gains(w->rec, out->nu, w->t, w->f, w->mvec);
  double v = update_a_k(&w->s, w->a, u, w->f, w->mvec, &vf, r, d);
  if (!isfinite(v)) {
    return -1;
  }
  record_resid(resid, out->nu, v, w->f);
  out->nu++;
  out->ssq += v * vf;
  add_log_f(w, &out->sumlog);
  return 0;
}

/* A filter over the rows of data from the first one it can start at:
 * *start, the state space of c and its initial covariance. */
static int filter_begin(const pc_arima_coef *c, const pc_arima_data *data,
                        filter_work *w, size_t *start) {
  memset(w, 0, sizeof *w);
  ss_build(c, &w->s);
  w->fprod = 1.0;
  w->p = w->buf[0];
  w->prev = w->buf[1];
  *start = first_row(c, data);
  return *start < data->n && init_cov(c, &w->s, w->p) == 0 ? 0 : -1;
}

/* One filter run in progress: filter() runs one, pc_arima_filter_many
 * several in lockstep, row by row. */
typedef struct filter_run filter_run;
struct filter_run {
  filter_work w;
  const pc_arima_coef *c;
  pc_arima_filter_out *out;
  double *resid;
  size_t start;
  int failed;
  /* The regression error u of row u_row; a run whose regression equals
   * that of an earlier run in the same lockstep (same_u: the points of a
   * gradient that move only AR and MA coefficients) takes its u rather
   * than computing the same number again. */
  double u;
  size_t u_row;
  const filter_run *same_u;
};

/* The run of c over data into out (zeroed), recording its gains in rec
 * when rec is not NULL; -1 when it cannot start. */
static int run_begin(filter_run *fr, const pc_arima_coef *c,
                     const pc_arima_data *data, pc_arima_filter_out *out,
                     double *resid, pc_arima_gains *rec) {
  memset(out, 0, sizeof *out);
  fr->c = c;
  fr->out = out;
  fr->resid = resid;
  fr->failed = 0;
  fr->u_row = SIZE_MAX;
  fr->same_u = NULL;
  if (filter_begin(c, data, &fr->w, &fr->start) != 0) {
    return -1;
  }
  fr->w.rec = rec;
  init_state(c, data, &fr->w.s, fr->start, fr->w.a);
  return 0;
}

/* The regression error of row t for a run: the one an earlier run with the
 * same regression computed for this row, or reg_error's. */
static inline double row_u(filter_run *fr, const pc_arima_data *data,
                           size_t t) {
  const filter_run *same = fr->same_u;
  fr->u = same != NULL && same->u_row == t ? same->u
                                           : reg_error(fr->c, data, t);
  fr->u_row = t;
  return fr->u;
}

/* Row t of a run (rows before its start are skipped), every step inlined
 * for its r and d. */
KERNEL void run_row_k(filter_run *fr, const pc_arima_data *data, size_t t,
                      const int r, const int d) {
  filter_work *w = &fr->w;
  if (fr->failed || t < fr->start) {
    return;
  }
  w->t = t;
  if (t > fr->start) {
    predict_a_k(&w->s, w->a, r, d);
    if (!w->steady) {
      predict_p_k(&w->s, w->p, r, d);
    }
  }
  double u = row_u(fr, data, t);
  if (!isfinite(u)) {
    skip_row(w);
  } else if (observe_k(w, u, fr->out, fr->resid, r, d) != 0) {
    fr->failed = 1;
  }
}

/* ---- two runs as the lanes of a vector ---------------------------------- */

/* The covariance recursion of two runs at once, as the two lanes of a
 * vector: each lane computes exactly the operations of the scalar kernels
 * above on its own numbers (IEEE operations lane by lane, none contracted
 * in ISO C), so the same bits, with half the instructions and the two
 * runs' chains of dependent operations in the same instructions.  Two
 * lanes of double are SSE2, which every x86-64 processor has. */
typedef double vd2 __attribute__((vector_size(16)));
typedef int64_t vi2 __attribute__((vector_size(16)));

/* The state-space form of two coefficient sets with the same r and d. */
typedef struct {
  vd2 phi[PC_ARIMA_MAX_R];
  vd2 rr[PC_ARIMA_MAX_R * PC_ARIMA_MAX_R];
  double delta[PC_ARIMA_MAX_D];
} ss_pair;

#define AK_T vd2
#define AK_SS ss_pair
#define AK_SUFFIX v
#include "arima_kernels.h"

/* converged_k on two lanes: -1 in a lane whose covariance converged. */
KERNEL vi2 converged_v(const vd2 *p, const vd2 *prev, const int m) {
  vd2 scale = {1.0, 1.0};
#pragma GCC unroll 8
  for (int i = 0; i < m; i++) {
    vd2 v = p[i * m + i];
    vi2 more = v > scale;
    scale = (vd2)(((vi2)v & more) | ((vi2)scale & ~more));
  }
  vd2 tol = STEADY_TOL * scale;
  int64_t moved0 = 0, moved1 = 0;
  /* As converged_k, the scan ends once it has decided: here once both
   * lanes have moved, which is most rows' first entry. */
  for (int i = 0; i < m * m && !(moved0 && moved1); i++) {
    vd2 diff = p[i] - prev[i];
    vi2 moved = (diff > tol) | (diff < -tol);
    moved0 |= moved[0];
    moved1 |= moved[1];
  }
  return (vi2){moved0 ? 0 : -1, moved1 ? 0 : -1};
}

/* The two lanes' state of a pair of runs. */
typedef struct {
  ss_pair s;
  vd2 a[PC_ARIMA_MAX_M];
  vd2 buf[2][PC_ARIMA_MAX_M * PC_ARIMA_MAX_M];
  vd2 *p, *prev;
  vd2 mvec[PC_ARIMA_MAX_M];
  vd2 f, ssq;
  double fprod[2], sumlog[2];
} pair_work;

/* Lane l of the pair (runs x[0], x[1]) from and to the runs' own state. */
static void pair_load(pair_work *v, filter_run *const *x, int r, int d) {
  int m = r + d;
  for (int l = 0; l < 2; l++) {
    const filter_work *w = &x[l]->w;
    for (int i = 0; i < PC_ARIMA_MAX_R; i++) {
      v->s.phi[i][l] = w->s.phi[i];
    }
    for (int i = 0; i < r * r; i++) {
      v->s.rr[i][l] = w->s.rr[i];
    }
    for (int i = 0; i < m; i++) {
      v->a[i][l] = w->a[i];
      v->mvec[i][l] = w->mvec[i];
    }
    for (int i = 0; i < m * m; i++) {
      v->buf[0][i][l] = w->p[i];
      v->buf[1][i][l] = w->prev[i];
    }
    v->f[l] = w->f;
    v->fprod[l] = w->fprod;
    v->ssq[l] = x[l]->out->ssq;
    v->sumlog[l] = x[l]->out->sumlog;
  }
  memcpy(v->s.delta, x[0]->w.s.delta, sizeof v->s.delta);
  v->p = v->buf[0];
  v->prev = v->buf[1];
}

static void pair_store(const pair_work *v, filter_run *const *x, int r,
                       int d) {
  int m = r + d;
  for (int l = 0; l < 2; l++) {
    filter_work *w = &x[l]->w;
    w->p = w->buf[0];
    w->prev = w->buf[1];
    for (int i = 0; i < m; i++) {
      w->a[i] = v->a[i][l];
      w->mvec[i] = v->mvec[i][l];
    }
    for (int i = 0; i < m * m; i++) {
      w->p[i] = v->p[i][l];
      w->prev[i] = v->prev[i][l];
    }
    w->f = v->f[l];
    w->fprod = v->fprod[l];
    x[l]->out->ssq = v->ssq[l];
    x[l]->out->sumlog = v->sumlog[l];
  }
}

/* Whether run x can take a two-lane row at t: filtering with a changing
 * covariance (not in the steady state), past its first row and after an
 * observed one (where the scalar row tests convergence). */
static int pair_ready(const filter_run *x, size_t t) {
  return !x->failed && !x->w.steady && x->w.prev_obs && t > x->start;
}

/* Rows t .. end - 1 of runs x[0] and x[1] (both pair_ready, with the same
 * r and d) as two lanes, the operations of run_row_k, so the same bits.
 * Stops before a row where a run has no observation (the scalar row skips
 * it), and after a row where a run's covariance converged (that row's
 * observation is the scalar one, which enters the steady state) or a run
 * failed.  Returns the next row. */
KERNEL size_t pair_rows_k(filter_run *const *x, const pc_arima_data *data,
                          size_t t, size_t end, const int r, const int d) {
  const int m = r + d;
  pair_work v;
  pair_load(&v, x, r, d);
  size_t nu[2] = {x[0]->out->nu, x[1]->out->nu};
  int stop = 0;
  while (t < end && !stop) {
    vd2 u = {row_u(x[0], data, t), row_u(x[1], data, t)};
    if (!isfinite(u[0]) || !isfinite(u[1])) {
      break;
    }
    x[0]->w.t = x[1]->w.t = t;
    predict_a_v(&v.s, v.a, r, d);
    predict_p_v(&v.s, v.p, r, d);
    vi2 conv = converged_v(v.p, v.prev, m);
    if (conv[0] || conv[1]) {
      /* This row's observation in scalar code, from the predicted
       * state: it enters the steady state. */
      pair_store(&v, x, r, d);
      for (int l = 0; l < 2; l++) {
        x[l]->out->nu = nu[l];
        if (observe_k(&x[l]->w, u[l], x[l]->out, x[l]->resid, r, d) != 0) {
          x[l]->failed = 1;
        }
      }
      return t + 1;
    }
    v.f = gain_v(&v.s, v.p, v.mvec, r, d);
    vd2 *pred = v.p;
    update_p_v(pred, v.mvec, v.f, m, v.prev);
    v.p = v.prev;
    v.prev = pred;
    vd2 vf;
    vd2 innov = update_a_v(&v.s, v.a, u, v.f, v.mvec, &vf, r, d);
    v.ssq += innov * vf;
    for (int l = 0; l < 2; l++) {
      filter_run *fr = x[l];
      if (!f_valid(v.f[l]) || !isfinite(innov[l])) {
        fr->failed = 1;
        stop = 1;
        continue;
      }
      if (fr->w.rec != NULL) {
        double mvec[PC_ARIMA_MAX_M] = {0};
        for (int i = 0; i < m; i++) {
          mvec[i] = v.mvec[i][l];
        }
        record_gains(fr->w.rec, nu[l], t, v.f[l], mvec);
      }
      record_resid(fr->resid, nu[l], innov[l], v.f[l]);
      nu[l]++;
      fold_f(&v.fprod[l], &v.sumlog[l], v.f[l]);
    }
    t++;
  }
  pair_store(&v, x, r, d);
  x[0]->out->nu = nu[0];
  x[1]->out->nu = nu[1];
  return t;
}

/* Rows t .. of nrun runs in the steady state, in lockstep, as run_row
 * computes them (the same operations in the same order, so the same bits),
 * with each run's state mean and sums in local arrays: no calls between
 * rows, and the runs' chains of dependent operations side by side for the
 * processor to overlap.  Ends at `end`, or after a row that took a run out
 * of the steady state (a missing row, as skip_row) or failed it (a
 * non-finite innovation).  Returns the next row. */
KERNEL size_t steady_rows_k(filter_run *const *runs, int nrun,
                            const pc_arima_data *data, size_t t, size_t end,
                            const int r, const int d) {
  const int m = r + d;
  double a[PC_ARIMA_FILTER_MANY][PC_ARIMA_MAX_M];
  double ssq[PC_ARIMA_FILTER_MANY], sumlog[PC_ARIMA_FILTER_MANY];
  size_t nu[PC_ARIMA_FILTER_MANY];
  for (int j = 0; j < nrun; j++) {
    memcpy(a[j], runs[j]->w.a, sizeof a[j]);
    ssq[j] = runs[j]->out->ssq;
    sumlog[j] = runs[j]->out->sumlog;
    nu[j] = runs[j]->out->nu;
  }
  for (int stop = 0; t < end && !stop; t++) {
    for (int j = 0; j < nrun; j++) {
      filter_run *fr = runs[j];
      filter_work *w = &fr->w;
      predict_a_k(&w->s, a[j], r, d);
      double u = row_u(fr, data, t);
      if (!isfinite(u)) {
        skip_row(w);
        stop = 1;
        continue;
      }
      record_gains(w->rec, nu[j], t, w->f, w->mvec);
      double vf = 0.0;
      double v = update_a_k(&w->s, a[j], u, w->f, w->mvec, &vf, r, d);
      if (!isfinite(v)) {
        fr->failed = 1;
        stop = 1;
        continue;
      }
      record_resid(fr->resid, nu[j], v, w->f);
      nu[j]++;
      ssq[j] += v * vf;
      sumlog[j] += w->logf;
    }
  }
  for (int j = 0; j < nrun; j++) {
    memcpy(runs[j]->w.a, a[j], sizeof(double) * (size_t)m);
    runs[j]->w.t = t - 1;
    runs[j]->out->ssq = ssq[j];
    runs[j]->out->sumlog = sumlog[j];
    runs[j]->out->nu = nu[j];
  }
  return t;
}

/* Defined with the replays' kernel below. */
static size_t run_rows_steady(filter_run *const *runs, int nrun,
                              const pc_arima_data *data, size_t t);
static void run_row(filter_run *fr, const pc_arima_data *data, size_t t);
static size_t run_rows_pair(filter_run *const *x, const pc_arima_data *data,
                            size_t t, size_t end);

/* Rows a pair of runs takes together before the others take theirs. */
#define PAIR_BLOCK 64

/* Rows t .. end - 1 of runs x[0] and x[1]: as two lanes while both can,
 * else row by row. */
static void pair_block(filter_run *const *x, const pc_arima_data *data,
                       size_t t, size_t end) {
  while (t < end) {
    if (pair_ready(x[0], t) && pair_ready(x[1], t)) {
      size_t next = run_rows_pair(x, data, t, end);
      if (next > t) {
        t = next;
        continue;
      }
    }
    /* A row the pair kernel leaves to the scalar one (a missing
     * observation), or a run that cannot pair yet. */
    run_row(x[0], data, t);
    run_row(x[1], data, t++);
  }
}

/* Rows t .. end - 1 of nrun runs none of which is in the steady state
 * throughout: runs of the same r and d that are past their first row go
 * in pairs (pair_block), the others row by row. */
static void covariance_block(filter_run *const *runs, int nrun,
                             const pc_arima_data *data, size_t t,
                             size_t end) {
  filter_run *single[PC_ARIMA_FILTER_MANY];
  int nsingle = 0;
  for (int j = 0; j < nrun; j++) {
    filter_run *a = runs[j], *b = j + 1 < nrun ? runs[j + 1] : NULL;
    if (b != NULL && t > a->start && t > b->start &&
        a->w.s.r == b->w.s.r && a->w.s.d == b->w.s.d) {
      filter_run *x[2] = {a, b};
      pair_block(x, data, t, end);
      j++;
    } else {
      single[nsingle++] = a;
    }
  }
  for (size_t i = t; i < end; i++) {
    for (int j = 0; j < nsingle; j++) {
      run_row(single[j], data, i);
    }
  }
}

/* Rows t .. data->n - 1 of count started runs, row by row in lockstep
 * (each run's row depends on its own last row only, so the processor
 * overlaps the runs' chains of dependent operations, which one run alone
 * leaves idle): whenever every run still going is in the steady state,
 * past its first row, and all have the same r and d, in steady_rows_k. */
static void run_all_rows(filter_run *const *fr, int count,
                         const pc_arima_data *data, size_t t) {
  while (t < data->n) {
    filter_run *runs[PC_ARIMA_FILTER_MANY];
    int nrun = 0, steady = 1;
    for (int j = 0; j < count; j++) {
      if (fr[j]->failed) {
        continue;
      }
      runs[nrun++] = fr[j];
      steady = steady && fr[j]->w.steady && t > fr[j]->start &&
               fr[j]->w.s.r == fr[0]->w.s.r && fr[j]->w.s.d == fr[0]->w.s.d;
    }
    if (nrun == 0) {
      return;
    }
    if (steady) {
      t = run_rows_steady(runs, nrun, data, t);
      continue;
    }
    if (nrun >= 2) {
      size_t end = data->n - t > PAIR_BLOCK ? t + PAIR_BLOCK : data->n;
      covariance_block(runs, nrun, data, t, end);
      t = end;
      continue;
    }
    run_row(runs[0], data, t++);
  }
}

/* The end of a run: the sums and the last row's state into its out. */
static int run_end(filter_run *fr) {
  filter_work *w = &fr->w;
  pc_arima_filter_out *out = fr->out;
  int m = w->s.m;
  if (fr->failed) {
    return -1;
  }
  out->sumlog += log(w->fprod);
  out->m = m;
  memcpy(out->a, w->a, sizeof(double) * (size_t)m);
  memcpy(out->P, w->steady ? w->pfilt : w->p, sizeof(double) * (size_t)(m * m));
  return out->nu > 0 && isfinite(out->ssq) && isfinite(out->sumlog) ? 0 : -1;
}

/* After a run that recorded into g: g describes it when it succeeded. */
static void gains_done(pc_arima_gains *g, const pc_arima_coef *c,
                       const pc_arima_data *data,
                       const pc_arima_filter_out *out, int rc) {
  g->valid = rc == 0;
  if (rc == 0) {
    g->coef = *c;
    g->start = first_row(c, data);
    g->nobs = out->nu;
    g->sumlog = out->sumlog;
  }
}

/* The filter, recording its gains in rec when rec is not NULL. */
static int filter(const pc_arima_coef *c, const pc_arima_data *data,
                  pc_arima_filter_out *out, double *resid,
                  pc_arima_gains *rec) {
  filter_run fr;
  if (run_begin(&fr, c, data, out, resid, rec) != 0) {
    return -1;
  }
  filter_run *one = &fr;
  run_all_rows(&one, 1, data, fr.start);
  return run_end(&fr);
}

void pc_arima_filter_many(const pc_arima_coef *c, int count,
                          const pc_arima_data *data, pc_arima_filter_out *out,
                          pc_arima_gains *const *rec, int *rc) {
  filter_run fr[PC_ARIMA_FILTER_MANY];
  pc_arima_gains *g[PC_ARIMA_FILTER_MANY];
  size_t first = data->n;
  count = count < PC_ARIMA_FILTER_MANY ? count : PC_ARIMA_FILTER_MANY;
  for (int j = 0; j < count; j++) {
    if (rec[j] != NULL) {
      rec[j]->valid = 0;
    }
    g[j] = rec[j] != NULL && data->n <= rec[j]->cap ? rec[j] : NULL;
    rc[j] = run_begin(&fr[j], &c[j], data, &out[j], NULL, g[j]);
    first = rc[j] == 0 && fr[j].start < first ? fr[j].start : first;
  }
  filter_run *started[PC_ARIMA_FILTER_MANY] = {NULL};
  int nstarted = 0;
  for (int j = 0; j < count; j++) {
    if (rc[j] != 0) {
      continue;
    }
    for (int i = 0; i < nstarted && fr[j].same_u == NULL; i++) {
      const pc_arima_coef *ci = started[i]->c;
      if (started[i]->same_u == NULL && ci->k == c[j].k &&
          memcmp(ci->beta, c[j].beta, sizeof(double) * (size_t)c[j].k) == 0) {
        fr[j].same_u = started[i];
      }
    }
    started[nstarted++] = &fr[j];
  }
  run_all_rows(started, nstarted, data, first);
  for (int j = 0; j < count; j++) {
    rc[j] = rc[j] == 0 ? run_end(&fr[j]) : -1;
    if (g[j] != NULL) {
      gains_done(g[j], &c[j], data, &out[j], rc[j]);
    }
  }
}

int pc_arima_filter(const pc_arima_coef *c, const pc_arima_data *data,
                    pc_arima_filter_out *out, double *resid) {
  return filter(c, data, out, resid, NULL);
}

/* ---- gains recorded and replayed ----------------------------------------- */

int pc_arima_filter_record(const pc_arima_coef *c, const pc_arima_data *data,
                           pc_arima_filter_out *out, pc_arima_gains *g) {
  g->valid = 0;
  if (data->n > g->cap) {
    return filter(c, data, out, NULL, NULL);
  }
  int rc = filter(c, data, out, NULL, g);
  gains_done(g, c, data, out, rc);
  return rc;
}

int pc_arima_gains_of(const pc_arima_gains *g, const pc_arima_coef *c) {
  const pc_arima_coef *r = &g->coef;
  return g->valid && r->p == c->p && r->d == c->d && r->q == c->q &&
         r->k == c->k &&
         memcmp(r->phi, c->phi, sizeof(double) * (size_t)c->p) == 0 &&
         memcmp(r->theta, c->theta, sizeof(double) * (size_t)c->q) == 0;
}

/* One replay in progress: the mean recursion alone, with the recorded F
 * and M of each observed row. */
typedef struct {
  ss_form s;
  double a[PC_ARIMA_MAX_M];
  int state; /* REPLAYING, or why it stopped */
} replay_run;

enum { REPLAYING, REPLAY_FAILED, REPLAY_WHOLE };

/* Rows g->start .. of count replays in lockstep: the operations of
 * filter() on the means, so the same bits, with each replay's state mean
 * and sums in local arrays.  A non-finite innovation fails a replay; a row
 * observed where the record has none (or the reverse) means these are not
 * its gains, and the whole filter must run instead. */
KERNEL void replay_rows_k(replay_run *rr, const pc_arima_coef *c, int count,
                          const pc_arima_data *data, const pc_arima_gains *g,
                          pc_arima_filter_out *out, const int r,
                          const int d) {
  const int m = r + d;
  double a[PC_ARIMA_FILTER_MANY][PC_ARIMA_MAX_M];
  double ssq[PC_ARIMA_FILTER_MANY];
  size_t nu[PC_ARIMA_FILTER_MANY];
  for (int j = 0; j < count; j++) {
    if (rr[j].state == REPLAYING) {
      memcpy(a[j], rr[j].a, sizeof a[j]);
    }
    ssq[j] = out[j].ssq;
    nu[j] = out[j].nu;
  }
  for (size_t t = g->start; t < data->n; t++) {
    for (int j = 0; j < count; j++) {
      if (rr[j].state != REPLAYING) {
        continue;
      }
      if (t > g->start) {
        predict_a_k(&rr[j].s, a[j], r, d);
      }
      double u = reg_error(&c[j], data, t), vf = 0.0;
      if (!isfinite(u)) {
        continue;
      }
      if (nu[j] >= g->nobs || g->row[nu[j]] != t) {
        rr[j].state = REPLAY_WHOLE;
        continue;
      }
      double v = update_a_k(&rr[j].s, a[j], u, g->f[nu[j]],
                            g->mvec + nu[j] * PC_ARIMA_MAX_M, &vf, r, d);
      if (!isfinite(v)) {
        rr[j].state = REPLAY_FAILED;
        continue;
      }
      nu[j]++;
      ssq[j] += v * vf;
    }
  }
  for (int j = 0; j < count; j++) {
    if (rr[j].state == REPLAYING) {
      memcpy(rr[j].a, a[j], sizeof(double) * (size_t)m);
    }
    out[j].ssq = ssq[j];
    out[j].nu = nu[j];
  }
}

/* The row kernels compiled for every (r, d) the models allow: with the
 * dimensions constant the compiler unrolls their small loops, which
 * otherwise cost more in loop control than in arithmetic.  Every entry is
 * computed by the same operations in the same order whatever r and d are,
 * so the results do not depend on the specialisation. */
struct row_ops {
  void (*row)(filter_run *fr, const pc_arima_data *data, size_t t);
  size_t (*steady)(filter_run *const *runs, int nrun,
                   const pc_arima_data *data, size_t t, size_t end);
  size_t (*pair)(filter_run *const *x, const pc_arima_data *data, size_t t,
                 size_t end);
  void (*replay)(replay_run *rr, const pc_arima_coef *c, int count,
                 const pc_arima_data *data, const pc_arima_gains *g,
                 pc_arima_filter_out *out);
};

#define ROW_OPS(R, D)                                                          \
  static void row_##R##_##D(filter_run *fr, const pc_arima_data *data,         \
                            size_t t) {                                        \
    run_row_k(fr, data, t, R, D);                                              \
  }                                                                            \
  static size_t steady_##R##_##D(filter_run *const *runs, int nrun,            \
                                 const pc_arima_data *data, size_t t,          \
                                 size_t end) {                                 \
    /* One run (a plain evaluation) in its own instance: its state then     \
     * stays in registers. */                                               \
    return nrun == 1 ? steady_rows_k(runs, 1, data, t, end, R, D)             \
                     : steady_rows_k(runs, nrun, data, t, end, R, D);         \
  }                                                                            \
  static size_t pair_##R##_##D(filter_run *const *x,                          \
                               const pc_arima_data *data, size_t t,            \
                               size_t end) {                                   \
    return pair_rows_k(x, data, t, end, R, D);                                 \
  }                                                                            \
  static void replay_##R##_##D(replay_run *rr, const pc_arima_coef *c,         \
                               int count, const pc_arima_data *data,           \
                               const pc_arima_gains *g,                        \
                               pc_arima_filter_out *out) {                     \
    replay_rows_k(rr, c, count, data, g, out, R, D);                          \
  }
#define ROW_OPS_R(R) ROW_OPS(R, 0) ROW_OPS(R, 1) ROW_OPS(R, 2)
ROW_OPS_R(1)
ROW_OPS_R(2)
ROW_OPS_R(3)
ROW_OPS_R(4)
ROW_OPS_R(5)
ROW_OPS_R(6)
#define OPS(R, D)                                                              \
  {row_##R##_##D, steady_##R##_##D, pair_##R##_##D, replay_##R##_##D}
#define OPS_R(R) {OPS(R, 0), OPS(R, 1), OPS(R, 2)}
/* row_table[r - 1][d]; r = max(p, q + 1) is 1 .. PC_ARIMA_MAX_R. */
static const row_ops row_table[PC_ARIMA_MAX_R][PC_ARIMA_MAX_D + 1] = {
    OPS_R(1), OPS_R(2), OPS_R(3), OPS_R(4), OPS_R(5), OPS_R(6)};

static const row_ops *row_ops_for(int r, int d) {
  return &row_table[r - 1][d];
}

static void run_row(filter_run *fr, const pc_arima_data *data, size_t t) {
  fr->w.s.ops->row(fr, data, t);
}

static size_t run_rows_pair(filter_run *const *x, const pc_arima_data *data,
                            size_t t, size_t end) {
  return x[0]->w.s.ops->pair(x, data, t, end);
}

/* Runs of the same r and d, all in the steady state, until one leaves it
 * or the data end; returns the next row. */
static size_t run_rows_steady(filter_run *const *runs, int nrun,
                              const pc_arima_data *data, size_t t) {
  return runs[0]->w.s.ops->steady(runs, nrun, data, t, data->n);
}

void pc_arima_filter_replay_many(const pc_arima_coef *c, int count,
                                 const pc_arima_data *data,
                                 const pc_arima_gains *g,
                                 pc_arima_filter_out *out, int *rc) {
  replay_run rr[PC_ARIMA_FILTER_MANY];
  count = count < PC_ARIMA_FILTER_MANY ? count : PC_ARIMA_FILTER_MANY;
  for (int j = 0; j < count; j++) {
    memset(&out[j], 0, sizeof out[j]);
    rr[j].state = pc_arima_gains_of(g, &c[j]) &&
                          first_row(&c[j], data) == g->start
                      ? REPLAYING
                      : REPLAY_WHOLE;
    if (rr[j].state == REPLAYING) {
      ss_build(&c[j], &rr[j].s);
      init_state(&c[j], data, &rr[j].s, g->start, rr[j].a);
    }
  }
  /* Row by row across the replays, whose chains the processor overlaps
   * (see run_all_rows).  Replays of the same gains have the same AR and MA
   * orders (pc_arima_gains_of), so one r and d. */
  for (int j = 0; j < count && g->valid; j++) {
    if (rr[j].state == REPLAYING) {
      rr[j].s.ops->replay(rr, c, count, data, g, out);
      break;
    }
  }
  for (int j = 0; j < count; j++) {
    if (rr[j].state == REPLAYING && out[j].nu != g->nobs) {
      rr[j].state = REPLAY_WHOLE;
    }
    out[j].sumlog = g->sumlog;
    rc[j] = rr[j].state == REPLAY_FAILED ? -1
            : rr[j].state == REPLAY_WHOLE
                ? pc_arima_filter(&c[j], data, &out[j], NULL)
            : out[j].nu > 0 && isfinite(out[j].ssq) ? 0 : -1;
  }
}

int pc_arima_filter_replay(const pc_arima_coef *c, const pc_arima_data *data,
                           const pc_arima_gains *g, pc_arima_filter_out *out) {
  int rc = -1;
  pc_arima_filter_replay_many(c, 1, data, g, out, &rc);
  return rc;
}

double pc_arima_loglik(const pc_arima_filter_out *f, double *sigma2) {
  double nu = (double)f->nu;
  double s2 = f->ssq / nu;
  if (sigma2 != NULL) {
    *sigma2 = s2;
  }
  return -0.5 *
         (nu * (log(2.0 * 3.14159265358979323846 * s2) + 1.0) + f->sumlog);
}
