/* The log-price random walk behind naive and random_walk (see rw.h).
 *
 * log P_{t+j} = log P_t + j * drift + volatility * (Z_1 + ... + Z_j), so the
 * paths are joint (each is one cumulative walk), strictly positive, and their
 * spread grows as sqrt(j). */
#include "rw.h"

#include <math.h>
#include <stdlib.h>

#include "pathcast/core/paths.h"

/* The sample standard deviation (divisor n - 1), as R's sd(); the caller
 * guarantees n >= 2. Two passes rather than a running sum, so a series with a
 * large mean return loses no digits of its spread. */
static void mean_sd(const double *x, size_t n, double *mean, double *sd) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++) {
    m += x[i];
  }
  m /= (double)n;
  double ss = 0.0;
  for (size_t i = 0; i < n; i++) {
    ss += (x[i] - m) * (x[i] - m);
  }
  *mean = m;
  *sd = sqrt(ss / (double)(n - 1));
}

/* lookback 0 uses every return of the history (naive); otherwise the last
 * lookback returns. Returns span missing closes (pc_history_log_returns), so a
 * gap never adds a zero return that would shrink the volatility. The drift is
 * the mean log return per trading day, the volatility its standard deviation,
 * both in log-price units per step. */
pc_status pc_rw_fit(pc_rw_state *s, const pc_history *h, size_t lookback,
                    int with_drift, pc_error *e) {
  double *r = malloc((h->n ? h->n : 1) * sizeof *r);
  if (r == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  size_t n = pc_history_log_returns(h, lookback, r);
  if (n < 2) {
    free(r);
    return pc_error_set(e, PC_MODEL, "too few log returns to estimate "
                                     "volatility (%zu, need at least 2)", n);
  }
  double mean = 0.0, sd = 0.0;
  mean_sd(r, n, &mean, &sd);
  free(r);
  if (!isfinite(sd) || !isfinite(mean)) {
    return pc_error_set(e, PC_MODEL, "non-finite drift or volatility");
  }
  s->drift = with_drift ? mean : 0.0;
  s->volatility = sd;
  s->n_returns = (int64_t)n;
  return PC_OK;
}

/* One step of a walk in log price. */
static inline double rw_step(const pc_rw_state *s, double x, double z) {
  return x + (s->drift + s->volatility * z);
}

/* Paths advanced together: each path's walk is a chain of dependent
 * additions, so several side by side keep the CPU busy. */
#define WALK_TILE 8

/* Turns each row of normals into its walk from x0, in place. */
static void walk(const pc_rw_state *s, double x0, int npaths, size_t steps,
                 double *out) {
  int i = 0;
  for (; i + WALK_TILE <= npaths; i += WALK_TILE) {
    double x[WALK_TILE], *rows = out + (size_t)i * steps;
    for (int l = 0; l < WALK_TILE; l++) {
      x[l] = x0;
    }
    for (size_t j = 0; j < steps; j++) {
      for (int l = 0; l < WALK_TILE; l++) {
        x[l] = rw_step(s, x[l], rows[(size_t)l * steps + j]);
        rows[(size_t)l * steps + j] = x[l];
      }
    }
  }
  for (; i < npaths; i++) {
    double x = x0, *row = out + (size_t)i * steps;
    for (size_t j = 0; j < steps; j++) {
      x = rw_step(s, x, row[j]);
      row[j] = x;
    }
  }
}

/* Paths start from the last observed close, so the trading days between it and
 * the forecast date (req->steps includes them) are walked like any other. The
 * normals of path i come from its own stream (purpose PC_RNG_INNOVATIONS), so a
 * path is the same for any number of paths or ranks, and the SIMD kernels give
 * the same bytes at every width. */
pc_status pc_rw_simulate(const void *state, const pc_model_spec *spec,
                         const pc_history *h, const pc_sim_request *req,
                         double *out, pc_error *e) {
  (void)spec;
  const pc_rw_state *s = state;
  double last = pc_history_last_close(h);
  if (!(last > 0.0)) {
    return pc_error_set(e, PC_MODEL, "no observed close to start from");
  }
  /* Three passes over the block, each vectorised: the normals of every path
   * (path i from its own stream), the walks in log price, then exp. */
  pc_simd simd = pc_simd_active();
  size_t steps = (size_t)req->steps;
  if (pc_paths_normals(simd, req->key, PC_RNG_INNOVATIONS, 0, req->npaths,
                       req->steps, out, steps) != PC_OK) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  walk(s, pc_ln(last), req->npaths, steps, out);
  pc_paths_exp(simd, out, (size_t)req->npaths * steps);
  return PC_OK;
}

/* The stored fields of docs/MODELS.md (naive, random_walk, and arima's
 * fallback). annualized_volatility assumes 252 trading days a year; it is for
 * people reading `models` output and is never read back into a model. */
void pc_rw_put(const pc_rw_state *s, pc_record_writer *w) {
  pc_put_scalar(w, PC_SECTION_PARAMS, "drift", s->drift);
  pc_put_scalar(w, PC_SECTION_PARAMS, "volatility", s->volatility);
  pc_put_int(w, PC_SECTION_DIAGNOSTICS, "n_returns", s->n_returns);
  pc_put_scalar(w, PC_SECTION_DIAGNOSTICS, "annualized_volatility",
                s->volatility * sqrt(252.0));
}

void pc_rw_read(pc_rw_state *s, pc_record_reader *r) {
  double annualized = 0.0; /* derived from the volatility: read, not kept */
  pc_read_scalar(r, "drift", &s->drift);
  pc_read_scalar(r, "volatility", &s->volatility);
  pc_read_int(r, "n_returns", &s->n_returns);
  pc_read_scalar(r, "annualized_volatility", &annualized);
}

pc_status pc_rw_save(const void *state, pc_record *out, pc_error *e) {
  pc_record_writer w;
  pc_writer_init(&w, out);
  pc_rw_put(state, &w);
  return pc_writer_finish(&w, e);
}

pc_status pc_rw_load(void *state, const pc_record *in, pc_error *e) {
  pc_record_reader r;
  pc_reader_init(&r, in, e);
  pc_rw_read(state, &r);
  return pc_reader_finish(&r);
}
