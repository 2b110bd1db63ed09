/* Internal: the log-price random walk shared by the naive and random_walk
 * models.  They differ only in how drift and volatility are estimated. */
#ifndef PC_RW_H
#define PC_RW_H

#include <stdint.h>

#include "pathcast/models/model.h"

typedef struct {
  double drift;      /* mean daily log return */
  double volatility; /* standard deviation of daily log returns */
  int64_t n_returns; /* returns the estimate used */
} pc_rw_state;

/* Estimates from the last `lookback` log returns (0 = all); with
 * with_drift == 0 the drift is fixed at zero. */
pc_status pc_rw_fit(pc_rw_state *s, const pc_history *h, size_t lookback,
                    int with_drift, pc_error *e);
pc_status pc_rw_simulate(const void *state, const pc_model_spec *spec,
                         const pc_history *h, const pc_sim_request *req,
                         double *out, pc_error *e);
pc_status pc_rw_save(const void *state, pc_record *out, pc_error *e);
pc_status pc_rw_load(void *state, const pc_record *in, pc_error *e);
/* The same fields through a writer or reader another model shares (the
 * arima fallback stores a random walk among its own fields). */
void pc_rw_put(const pc_rw_state *s, pc_record_writer *w);
void pc_rw_read(pc_rw_state *s, pc_record_reader *r);

#endif
