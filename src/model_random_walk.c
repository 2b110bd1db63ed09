/* random_walk: log-price random walk with drift; drift and volatility are
 * the mean and standard deviation of the last `lookback` daily log returns of
 * the training window. */
#include "rw.h"

static const pc_param_def random_walk_params[] = {
    {"lookback", PC_PARAM_INT, "250", 2, 1e7, NULL,
     "number of most recent daily log returns used for drift and volatility"},
};

static pc_status random_walk_fit(void *state, const pc_model_spec *spec,
                                 const pc_history *h, pc_error *e) {
  size_t lookback = (size_t)pc_model_spec_long(spec, "lookback");
  return pc_rw_fit(state, h, lookback, 1, e);
}

const pc_model_type pc_model_random_walk = {
    .name = "random_walk",
    .description = "log random walk with drift; drift and volatility of the "
                   "last `lookback` returns",
    .params = random_walk_params,
    .nparams = sizeof random_walk_params / sizeof random_walk_params[0],
    .state_size = sizeof(pc_rw_state),
    .fit_cost = 1.0,
    .forecast_cost = 1.0,
    .fit = random_walk_fit,
    .simulate = pc_rw_simulate,
    .save = pc_rw_save,
    .load = pc_rw_load,
    .release = NULL,
};
