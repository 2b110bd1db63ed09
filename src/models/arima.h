/* Internal: ARIMA(p,d,q) with regression errors, shared by model_arima.c and
 * its unit tests (see docs/MODELS.md for the equations).
 *
 * The series is y_t = x_t' beta + u_t, where (1 - B)^d u_t is a zero-mean
 * ARMA(p,q) with unit-scaled innovations.  The ARMA part is in Harvey's
 * state-space form, r = max(p, q + 1), and the last d values of u are carried
 * in the state so that missing observations need no special differencing:
 *
 *   s_t = (alpha_t[0..r-1], u_{t-1}, ..., u_{t-d}),   u_t = Z s_t,
 *   Z   = (1, 0, ..., 0, delta_1, ..., delta_d),
 *
 * with (1 - B)^d = 1 - delta_1 B - ... - delta_d B^d.  The filter starts
 * after the first d consecutive observed values, which it conditions on
 * exactly (the limit of R's diffuse prior), with the stationary covariance
 * Q0 of the ARMA block; so no diffuse initialisation is needed. */
#ifndef PC_ARIMA_H
#define PC_ARIMA_H

#include <stddef.h>
#include <stdint.h>

#include "pathcast/models/model.h"

#define PC_ARIMA_MAX_P 5
#define PC_ARIMA_MAX_Q 5
#define PC_ARIMA_MAX_D 2
#define PC_ARIMA_MAX_R (PC_ARIMA_MAX_Q + 1)
#define PC_ARIMA_MAX_M (PC_ARIMA_MAX_R + PC_ARIMA_MAX_D)
#define PC_ARIMA_MAX_EXOG 8
/* Regressors: the constant (intercept or drift column) and the exog. */
#define PC_ARIMA_MAX_K (PC_ARIMA_MAX_EXOG + 1)

/* Coefficients of one model.  phi and theta follow R's sign convention:
 * (1 - phi_1 B - ...) w_t = (1 + theta_1 B + ...) e_t. */
typedef struct {
  int p, d, q, k;
  double phi[PC_ARIMA_MAX_P];
  double theta[PC_ARIMA_MAX_Q];
  double beta[PC_ARIMA_MAX_K];
} pc_arima_coef;

/* What a fit sees: n values of y (NAN where missing) and, row-major, the n x k
 * regressors (NAN where unknown: that row is then treated as missing). */
typedef struct {
  size_t n;
  const double *y;
  int k;
  const double *x;
} pc_arima_data;

/* Filter output: the sums of the concentrated likelihood, and optionally the
 * filtered state of the last row and the standardised innovations. */
typedef struct {
  double ssq;    /* sum of v_t^2 / F_t */
  double sumlog; /* sum of log F_t */
  size_t nu;     /* observations that entered the likelihood */
  int m;         /* state dimension r + d */
  double a[PC_ARIMA_MAX_M];
  double P[PC_ARIMA_MAX_M * PC_ARIMA_MAX_M];
} pc_arima_filter_out;

/* ---- arima_kalman.c ---------------------------------------------------- */

/* The stationary covariance of the ARMA block (unit innovation variance):
 * the solution of Q0 = T Q0 T' + R R'.  Returns 0, or -1 when the system is
 * singular (a unit root). */
int pc_arima_q0(const pc_arima_coef *c, double *q0);
/* Runs the Kalman filter over every row.  resid (capacity n, may be NULL)
 * receives the innovations v_t / sqrt(F_t) of the observed rows.  Returns 0,
 * or -1 when no observation entered or a value is not finite. */
int pc_arima_filter(const pc_arima_coef *c, const pc_arima_data *data,
                    pc_arima_filter_out *out, double *resid);
/* The gains of one filter run (F_t and M_t = P_t Z' of every observed
 * row), which depend on the AR and MA coefficients and on which rows are
 * missing, not on beta.  A run whose coefficients differ from the
 * recorded ones only in beta (the regression coordinates of a numerical
 * gradient) can replay them and skip the covariance recursion, with the
 * same result to the last bit.  Caller-owned: row, f and mvec with room
 * for cap observed rows (cap >= n). */
typedef struct {
  size_t cap;
  size_t *row;  /* cap: the row number of each observed row */
  double *f;    /* cap */
  double *mvec; /* cap x PC_ARIMA_MAX_M */
  int valid;
  pc_arima_coef coef;
  size_t start, nobs;
  double sumlog;
} pc_arima_gains;

/* pc_arima_filter (without residuals), recording its gains into g. */
int pc_arima_filter_record(const pc_arima_coef *c, const pc_arima_data *data,
                           pc_arima_filter_out *out, pc_arima_gains *g);
/* Whether g holds the gains of c's AR and MA coefficients (a successful
 * run's). */
int pc_arima_gains_of(const pc_arima_gains *g, const pc_arima_coef *c);
/* What pc_arima_filter gives for ssq, sumlog and nu (not the final state),
 * from the gains in g when they are c's, else by the whole filter. */
int pc_arima_filter_replay(const pc_arima_coef *c, const pc_arima_data *data,
                           const pc_arima_gains *g, pc_arima_filter_out *out);
/* pc_arima_filter (without residuals) for count <= PC_ARIMA_FILTER_MANY
 * coefficient sets c[j] over the same data, run row by row together: the
 * same results, in less time than one after the other, since one run is a
 * chain of dependent operations that leaves the processor mostly idle.
 * rc[j] is pc_arima_filter's return of run j; rec[j] (may be NULL)
 * receives its gains as pc_arima_filter_record's does (rec[j]->cap >= n). */
#define PC_ARIMA_FILTER_MANY 16
void pc_arima_filter_many(const pc_arima_coef *c, int count,
                          const pc_arima_data *data, pc_arima_filter_out *out,
                          pc_arima_gains *const *rec, int *rc);
/* pc_arima_filter_replay for count <= PC_ARIMA_FILTER_MANY coefficient
 * sets, the replays run row by row together; rc[j] is run j's return. */
void pc_arima_filter_replay_many(const pc_arima_coef *c, int count,
                                 const pc_arima_data *data,
                                 const pc_arima_gains *g,
                                 pc_arima_filter_out *out, int *rc);
/* The concentrated log-likelihood and sigma^2 = ssq / nu. */
double pc_arima_loglik(const pc_arima_filter_out *f, double *sigma2);

/* ---- arima_css.c ------------------------------------------------------- */

/* 0.5 log(mean squared conditional residual), R's CSS objective; work holds
 * 2n values.  NAN when no residual can be formed. */
double pc_arima_css(const pc_arima_coef *c, const pc_arima_data *data,
                    double *work);

/* ---- arima_params.c ---------------------------------------------------- */

/* Jones (1980) / Monahan (1984): unconstrained values -> partial
 * autocorrelations tanh(raw) -> stationary AR coefficients (Durbin-Levinson),
 * exactly as R's arima transform. */
void pc_arima_pacf_to_ar(const double *raw, int p, double *phi);
/* The inverse; returns -1 when phi is not stationary. */
int pc_arima_ar_to_pacf(const double *phi, int p, double *raw);
/* The same map for MA coefficients: invertible 1 + theta_1 z + ... */
void pc_arima_pacf_to_ma(const double *raw, int q, double *theta);
int pc_arima_ma_to_pacf(const double *theta, int q, double *raw);

/* ---- arima_fit.c ------------------------------------------------------- */

typedef struct {
  pc_arima_coef coef;
  double sigma2, loglik, aic, aicc, bic;
  size_t n_obs;
  int converged;
  int iterations;
} pc_arima_fit_result;

/* Maximum likelihood for a fixed order; coef->p, d, q, k give the order and
 * the regressors.  PC_MODEL with a reason in e when the data are too few,
 * the likelihood is not finite or the optimiser does not converge. */
pc_status pc_arima_fit_order(const pc_arima_data *data, int p, int d, int q,
                             pc_arima_fit_result *res, pc_error *e);
/* The same, starting from the coefficients of a neighbouring model (the
 * stepwise search's warm start); from may be NULL. */
pc_status pc_arima_fit_order_from(const pc_arima_data *data, int p, int d,
                                  int q, const pc_arima_coef *from,
                                  pc_arima_fit_result *res, pc_error *e);
/* The number of coefficients plus sigma^2, for the information criteria. */
int pc_arima_npar(int p, int q, int k);

/* ---- arima_auto.c ------------------------------------------------------ */

/* KPSS level-stationarity statistic (Kwiatkowski et al. 1992) with the
 * Bartlett long-run variance over `lags` lags; NAN values are skipped. */
double pc_arima_kpss(const double *x, size_t n, int lags);
/* The 5% critical value of the level test. */
#define PC_ARIMA_KPSS_CRIT_05 0.463
/* Hyndman-Khandakar: d by repeated KPSS tests (at most max_d), then a
 * stepwise search over (p, q, constant) by AICc. */
typedef struct {
  int max_p, max_d, max_q;
  int constant; /* -1: searched, 0: never, 1: always (when d <= 1) */
} pc_arima_search;

/* Builds the regressor matrix of a given d and constant choice: the
 * constant column (1 when d == 0, the row number t when d == 1) then the
 * ncov exog columns.  Owned by the caller (free). */
double *pc_arima_design(size_t n, int d, int constant, const double *cov,
                        int ncov, int *k);

typedef struct {
  pc_arima_fit_result best;
  int constant; /* 1 when the chosen model has a constant */
  int models_fitted;
  double kpss_stat; /* of the series at the chosen d */
} pc_arima_auto_result;

pc_status pc_arima_auto(const double *y, size_t n, const double *cov,
                        int ncov, const pc_arima_search *s,
                        pc_arima_auto_result *res, pc_error *e);
/* The number of differences by repeated KPSS tests at 5%. */
int pc_arima_ndiffs(const double *y, size_t n, int max_d, double *stat);

/* ---- arima_sim.c ------------------------------------------------------- */

typedef enum {
  PC_ARIMA_PROJ_PERSIST,
  PC_ARIMA_PROJ_SEASONAL,
  PC_ARIMA_PROJ_LINEAR
} pc_arima_projection;

/* Future values of covariate column j of the history (ncov columns) for
 * steps 1..steps after row n-1, using rows 0..n-1 only. */
void pc_arima_project(const pc_history *h, size_t n, size_t col,
                      pc_arima_projection how, int steps, double *out);

/* Everything the path loop needs, prepared once per forecast. */
typedef struct {
  const pc_arima_coef *coef;
  double sigma;
  int log_scale;
  int steps;
  const double *level; /* steps deterministic values x' beta */
  const pc_arima_filter_out *state;
  const double *pool; /* bootstrap pool of standardised residuals, or NULL */
  size_t npool;
} pc_arima_paths;

/* Writes req->npaths * req->steps prices; returns -1 when the state
 * covariance cannot be factored (or memory runs out).  The normals and exp
 * are the SIMD kernels of pathcast/core/paths.h: the same numbers at every
 * width. */
int pc_arima_simulate_paths(const pc_arima_paths *sp,
                            const pc_sim_request *req, double *out);

#endif
