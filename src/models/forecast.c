/* One forecast date as the driver makes it (see pathcast/models/forecast.h).
 * The driver's forecast phase and the ensemble's window both come through here,
 * so the rules below exist once: which rows a forecast sees, how stale data are
 * crossed, how the steps are dated, which key draws the paths, and which values
 * a stored price may have. */
#include "pathcast/models/forecast.h"

#include "pathcast/core/paths.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pc_forecast_work_init(pc_forecast_work *w) { memset(w, 0, sizeof *w); }

void pc_forecast_work_fini(pc_forecast_work *w) {
  free(w->sim);
  free(w->dates);
  memset(w, 0, sizeof *w);
}

pc_status pc_forecast_check_history(const pc_model_context *ctx,
                                    const pc_history *h, pc_date t,
                                    pc_error *why) {
  size_t present = pc_history_count_present(h);
  if ((long)present >= ctx->min_history) {
    return PC_OK;
  }
  char d[PC_DATE_STRLEN];
  return pc_error_set(why, PC_MODEL, "too little history: %zu observations "
                      "before %s (min_history = %ld)", present,
                      pc_date_format(t, d), ctx->min_history);
}

/* Room for steps dates and paths x steps values; the buffers only grow,
 * so a run of forecasts allocates once. */
static pc_status grow(pc_forecast_work *w, int paths, int steps) {
  size_t n = (size_t)paths * (size_t)steps;
  if (n > w->simcap) {
    double *sim = realloc(w->sim, n * sizeof *sim);
    if (sim == NULL) {
      return PC_NOMEM;
    }
    w->sim = sim;
    w->simcap = n;
  }
  if ((size_t)steps > w->datecap) {
    pc_date *dates = realloc(w->dates, (size_t)steps * sizeof *dates);
    if (dates == NULL) {
      return PC_NOMEM;
    }
    w->dates = dates;
    w->datecap = (size_t)steps;
  }
  return PC_OK;
}

/* The cutoff and the step dates of a forecast of d; PC_MODEL when the data
 * are stale or the horizon leaves the dates pathcast can store. */
static pc_status plan_steps(const pc_model_context *ctx, const pc_history *h,
                            pc_date d, pc_forecast_work *w, pc_error *why) {
  w->cutoff = pc_history_last_date(h);
  if (w->cutoff == PC_DATE_NONE) {
    return pc_error_set(why, PC_MODEL, "no observation before the forecast "
                        "date");
  }
  /* Stale data: the paths first walk through the trading days between the
   * last observation and d, so day_1 is still d. */
  long gap = (long)pc_calendar_count_between(ctx->calendar, w->cutoff, d);
  if (gap > ctx->max_gap) {
    char cd[PC_DATE_STRLEN];
    return pc_error_set(why, PC_MODEL, "data is stale: the last observation "
                        "(%s) is %ld trading days before the forecast date "
                        "(max_gap = %ld)", pc_date_format(w->cutoff, cd), gap,
                        ctx->max_gap);
  }
  w->steps = (int)gap + ctx->horizon;
  if (grow(w, ctx->paths, w->steps) != PC_OK) {
    return pc_error_set(why, PC_NOMEM, "out of memory");
  }
  for (int j = 0; j < w->steps; j++) { /* step gap is day_1 = d */
    w->dates[j] = pc_calendar_nth(ctx->calendar, w->cutoff + 1, j + 1);
  }
  /* A date past the domain could not be stored as a date that reads back:
   * the forecast fails with its reason instead. */
  if (w->dates[w->steps - 1] > PC_DATE_MAX) {
    return pc_error_set(why, PC_MODEL, "the %d-day horizon reaches past "
                        "9999-12-31, the last date pathcast can store",
                        ctx->horizon);
  }
  return PC_OK;
}

/* The model's name is the one in the key: a member simulated inside an
 * ensemble draws what it draws as a model of its own. */
pc_status pc_forecast_simulate(const pc_model *m, const pc_model_context *ctx,
                               const pc_history *h, pc_date d,
                               pc_forecast_work *w, pc_error *why) {
  pc_status st = plan_steps(ctx, h, d, w, why);
  if (st != PC_OK) {
    return st;
  }
  pc_sim_request req = {ctx->paths, w->steps,
                        pc_rng_key_forecast(ctx->seed, ctx->commodity,
                                            pc_model_spec_of(m)->name,
                                            ctx->model_version, d),
                        w->dates};
  st = pc_model_simulate(m, h, &req, w->sim, why);
  return st == PC_OK || st == PC_NOMEM ? st : PC_MODEL;
}

/* A price must be a finite positive float32: a value that is not (an
 * overflow of exp, say) fails the forecast rather than being stored.  The
 * copy is vectorised (pathcast/core/paths.h): one block when there are no stale
 * days to skip, else a row at a time. */
pc_status pc_forecast_paths(const pc_forecast_work *w, int paths, int horizon,
                            float *out, pc_error *why) {
  pc_simd simd = pc_simd_active();
  int ok = 1;
  if (w->steps == horizon) {
    ok = pc_paths_to_float(simd, w->sim, (size_t)paths * (size_t)horizon, out);
  }
  for (int i = 0; i < paths && ok && w->steps != horizon; i++) {
    ok = pc_paths_to_float(simd,
                           w->sim + (size_t)i * (size_t)w->steps +
                               (size_t)(w->steps - horizon),
                           (size_t)horizon, out + (size_t)i * (size_t)horizon);
  }
  return ok ? PC_OK
            : pc_error_set(why, PC_MODEL, "a path value is not a finite "
                           "positive float32 price");
}
