/* Averages of stored scores per model and group (a horizon, a month or a
 * year), for `pathcast evaluate` and `pathcast report`.  Every column is
 * defined in docs/EVALUATION.md. */
#ifndef PC_EVALUATE_H
#define PC_EVALUATE_H

#include <stdio.h>

#include "pathcast/job/job.h"
#include "pathcast/store/store.h"

/* The acceptance bands of calibration (issue 14, docs/EVALUATION.md): a
 * calibrated model's 80% intervals cover 0.74-0.86 of the actuals, its 95%
 * intervals 0.92-0.98. */
#define PC_CAL80_LOW 0.74
#define PC_CAL80_HIGH 0.86
#define PC_CAL95_LOW 0.92
#define PC_CAL95_HIGH 0.98

/* Sums kept per group; the printed columns are their means. */
enum {
  PC_EV_AE_MED, PC_EV_SE_MED, PC_EV_AE_MEAN, PC_EV_SE_MEAN, PC_EV_APE,
  PC_EV_DIR, PC_EV_CRPS, PC_EV_PINBALL, PC_EV_COV50, PC_EV_COV80,
  PC_EV_COV95, PC_EV_W50, PC_EV_W80, PC_EV_W95, PC_EV_PIT,
  PC_EV_PRINTED, /* the columns above are printed; below, report only */
  PC_EV_COV67 = PC_EV_PRINTED, PC_EV_COV99,
  PC_EV_PIT_BIN, /* PC_EV_PIT_BINS counts of PIT in [b/10, (b+1)/10) */
  PC_EV_PIT_BINS = 10,
  PC_EV_COUNT = PC_EV_PIT_BIN + PC_EV_PIT_BINS
};
extern const char *const pc_eval_column_names[PC_EV_PRINTED];

/* PC_BY_MODEL: one group per model (key 0), every horizon pooled. */
typedef enum {
  PC_BY_HORIZON = 0,
  PC_BY_MONTH = 1,
  PC_BY_YEAR = 2,
  PC_BY_MODEL = 3
} pc_eval_by;

typedef struct {
  int key;    /* horizon 1..H, month index, year, or 0 (by model) */
  long n;     /* scored (forecast, horizon) pairs */
  long n_dir; /* pairs with a direction to call */
  long n_es;  /* forecasts with every actual known (energy score) */
  double sum[PC_EV_COUNT];
  double es;
} pc_eval_group;

typedef struct {
  pc_eval_group *g; /* sorted by key */
  size_t n;
  double es; /* all the model's energy scores */
  long n_es;
} pc_eval_groups;

/* The grouping --by names (horizon, month, year or model). */
pc_eval_by pc_eval_by_of(const char *by);
/* One grouping of the scores: lists[m] for each of the job's nmodels models
 * (zeroed by the caller). */
typedef struct {
  pc_eval_by by;
  pc_eval_groups *lists;
} pc_eval_view;
/* Reads the stored scores of every selected model, of forecast dates in the
 * job's range, once, into every view. */
pc_status pc_eval_collect(pc_store *store, const pc_job *job,
                          const pc_eval_view *views, size_t nviews,
                          pc_error *e);
void pc_eval_free(pc_eval_groups *lists, size_t n);
/* Means of a group in pc_eval_column_names order (RMSEs as roots). */
void pc_eval_means(const pc_eval_group *g, double *m);
/* 1 - mean / the baseline's mean of sum `what` (PC_EV_CRPS, ...) in the
 * group of the same key; NaN without one. */
double pc_eval_skill(const pc_eval_group *g, const pc_eval_groups *baseline,
                     int what);
/* The averages of one model version: lists[m] for each of the job's
 * models. */
typedef struct {
  const char *version;
  const pc_eval_groups *lists;
} pc_eval_version;
/* The table, CSV or JSON lines of every selected model (job->format), of
 * each version given: one version as always; several side by side, with a
 * model_version column (JSON names the version on every line). */
void pc_eval_print(FILE *out, const pc_job *job, pc_eval_by by,
                   const pc_eval_version *versions, size_t nversions);

#endif
