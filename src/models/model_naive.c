/* naive: the point forecast is the last close; paths are a driftless random
 * walk in log price whose volatility is that of every daily log return in
 * the training window. */
#include "rw.h"

/* Every return of the training window (lookback 0) and no drift: the simplest
 * benchmark (docs/MODELS.md, "naive").  No keys, so its settings text is only
 * the job's part and the type. */
static pc_status naive_fit(void *state, const pc_model_spec *spec,
                           const pc_history *h, pc_error *e) {
  (void)spec;
  return pc_rw_fit(state, h, 0, 0, e);
}

const pc_model_type pc_model_naive = {
    .name = "naive",
    .description = "last close; driftless log random walk, volatility of the "
                   "whole training window",
    .params = NULL,
    .nparams = 0,
    .state_size = sizeof(pc_rw_state),
    .fit_cost = 1.0,
    .forecast_cost = 1.0,
    .fit = naive_fit,
    .simulate = pc_rw_simulate,
    .save = pc_rw_save,
    .load = pc_rw_load,
    .release = NULL,
};
