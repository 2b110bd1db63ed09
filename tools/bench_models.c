/* make bench, part 2: per model, the time to fit on ~2,000 observations and
 * to forecast one date (2,000 paths x 14 days), on one core.  Uses the
 * library exactly as a run does: a job from the command line, the shipped
 * data, pc_model_fit and pc_model_simulate.
 *   build/bench_models [DATA.csv [MODEL...]]   (default data/coffee.csv, every
 *   model; naming models times only those, e.g. for perf)
 * With BENCH_BEST=N in the environment the forecast column is the best of N
 * forecasts instead of the mean of 20: steadier on a shared machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pathcast/job/job.h"
#include "pathcast/models/model.h"
#include "pathcast/core/series.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static pc_history view(const pc_series *s, size_t n) {
  pc_history h = {n, s->date, s->close, s->ncov,
                  (const char *const *)s->cov_name, s->cov};
  return h;
}

/* The number of forecasts to take the best of (BENCH_BEST), or 0 for the
 * mean of 20. */
static int best_of(void) {
  const char *v = getenv("BENCH_BEST");
  char *end = NULL;
  long n = v != NULL ? strtol(v, &end, 10) : 0;
  return v != NULL && end != v && *end == '\0' && n > 0 && n < 100000 ? (int)n
                                                                     : 0;
}

/* Best of `reps` fits, and the mean of 20 forecasts of the fitted model
 * (or the best of BENCH_BEST), with the job's context (the ensemble reads
 * its members and the schedule from it). */
static void bench_model(const pc_model_spec *spec, const pc_model_context *ctx,
                        const pc_series *s, int reps) {
  pc_history h = view(s, s->n < 2000 ? s->n : 2000);
  double best = 1e9, forecast = 0.0;
  pc_model *m = NULL;
  pc_error e;
  if (reps < 1) {
    return;
  }
  for (int r = 0; r < reps; r++) {
    pc_model_free(m);
    m = NULL;
    double t0 = now();
    if (pc_model_alloc_in(&m, spec, ctx, &e) != PC_OK ||
        pc_model_fit(m, &h, &e) != PC_OK) {
      printf("%-18s fit failed: %s\n", spec->name, e.msg);
      pc_model_free(m);
      return;
    }
    double t = now() - t0;
    best = t < best ? t : best;
  }
  double *out = malloc(sizeof(double) * 2000 * 14);
  int nbest = best_of(), runs = nbest > 0 ? nbest : 20;
  forecast = nbest > 0 ? 1e9 : 0.0;
  for (int i = 0; i < runs; i++) {
    pc_history hd = view(s, h.n + (size_t)(i % 20));
    pc_sim_request req = {
        2000, 14,
        pc_rng_key_forecast(1, "bench", spec->name, "v1", s->date[hd.n]), NULL};
    double t0 = now();
    pc_model_simulate(m, &hd, &req, out, &e);
    double t = now() - t0;
    forecast = nbest > 0 ? (t < forecast ? t : forecast) : forecast + t / 20.0;
  }
  printf("%-18s %-8s %12.1f %16.2f\n", spec->name, spec->type->name,
         best * 1e3, forecast * 1e3);
  free(out);
  pc_model_free(m);
}

/* Every model when no names follow the data file, else the named ones. */
static int selected(const char *name, int argc, char **argv) {
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], name) == 0) {
      return 1;
    }
  }
  return argc <= 2;
}

int main(int argc, char **argv) {
  setenv("OMP_NUM_THREADS", "1", 0);
  const char *data = argc > 1 ? argv[1] : "data/coffee.csv";
  char *args[] = {"pathcast", "models", "--store", "/nonexistent", "--models",
                  "naive,random_walk,rw_ewma:random_walk,arima_111:arima,"
                  "arima_auto:arima,sarimax_weather:arima,xgboost,"
                  "xgboost_weather:xgboost,garch,garch_normal:garch,"
                  "garch_ar1:garch,ensemble,ensemble_xgb:ensemble",
                  "--ensemble.members", "random_walk,garch,arima_111",
                  "--ensemble_xgb.members", "random_walk,garch,xgboost",
                  "--train_anchor", "2018-01-01",
                  "--rw_ewma.volatility", "ewma", "--garch_normal.dist",
                  "normal", "--garch_ar1.mean", "ar1",
                  "--arima_111.order", "1,1,1", "--arima_auto.order", "auto",
                  "--sarimax_weather.exog",
                  "temp_mean_c,humidity_mean_pct,precipitation_mm",
                  "--xgboost_weather.exog",
                  "temp_mean_c,humidity_mean_pct,precipitation_mm", NULL};
  pc_job job;
  pc_series s;
  pc_error e;
  int nargs = (int)(sizeof args / sizeof args[0]) - 1;
  if (pc_job_from_args(&job, nargs, args, &e) != PC_OK ||
      pc_series_read(&s, data, &e) != PC_OK) {
    fprintf(stderr, "bench_models: %s\n", e.msg);
    return 1;
  }
  printf("per-model timings on %s, first %d observations, one core\n", data,
         s.n < 2000 ? (int)s.n : 2000);
  printf("%-18s %-8s %12s %16s\n", "MODEL", "TYPE", "FIT (ms)",
         "FORECAST (ms)");
  pc_model_context ctx;
  pc_job_model_context(&job, &ctx);
  for (size_t i = 0; i < job.nmodels; i++) {
    if (selected(job.models[i].name, argc, argv)) {
      bench_model(&job.models[i], &ctx, &s, 3);
    }
  }
  pc_series_fini(&s);
  pc_job_fini(&job);
  return 0;
}
