/* One forecast date as the driver makes it, for the driver and for models
 * that must reproduce their members' stored forecasts (the ensemble): which
 * history it conditions on, the stale-data rule, the trading dates of the
 * simulated steps, the random key, and the float32 paths that are stored.
 * One function serves both, so an ensemble's view of a member's forecast
 * cannot drift from what the store holds. */
#ifndef PC_FORECAST_H
#define PC_FORECAST_H

#include <stddef.h>

#include "pathcast/models/model.h"

/* A forecast's simulation and its workspace.  Caller-owned struct:
 * pc_forecast_work_init / pc_forecast_work_fini (which frees sim and
 * dates); the buffers grow as needed and are reused across dates. */
typedef struct {
  pc_date cutoff; /* the last observation before the forecast date */
  int steps;      /* simulated days: those between cutoff and the date, then
                     the horizon */
  pc_date *dates; /* steps trading dates; dates[steps - horizon] is the
                     forecast date */
  double *sim;    /* paths x steps prices, row-major by path */
  size_t simcap, datecap;
} pc_forecast_work;

void pc_forecast_work_init(pc_forecast_work *w);
void pc_forecast_work_fini(pc_forecast_work *w);

/* PC_OK when h (the rows before the training date t) has the ctx's
 * min_history present closes; else PC_MODEL with the reason the driver
 * records ("too little history: ..."). */
pc_status pc_forecast_check_history(const pc_model_context *ctx,
                                    const pc_history *h, pc_date t,
                                    pc_error *why);

/* Simulates trading day d with the fitted model m from h (the rows before
 * d), exactly as the driver does: the paths first cross the trading days
 * between the last observation and d (at most ctx->max_gap), then the
 * horizon; the key is pc_rng_key_forecast(seed, commodity, m's name,
 * model_version, d).  PC_MODEL with the reason in *why when m cannot
 * forecast d (no observation, stale data, a horizon past 9999-12-31, a
 * model failure); PC_NOMEM. */
pc_status pc_forecast_simulate(const pc_model *m, const pc_model_context *ctx,
                               const pc_history *h, pc_date d,
                               pc_forecast_work *w, pc_error *why);

/* The stored form of w's paths: the last `horizon` steps of each as
 * float32, into out (paths x horizon).  PC_MODEL with the reason when a
 * value is not a finite positive float32 price. */
pc_status pc_forecast_paths(const pc_forecast_work *w, int paths, int horizon,
                            float *out, pc_error *why);

#endif
