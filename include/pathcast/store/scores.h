/* Stored scores: what `pathcast evaluate` keeps of each forecast so that a
 * rerun scores only what changed, and `pathcast report` can draw without
 * reading 112 KB of paths per forecast.
 *
 * One scores file per forecast partition (model x month), written whole like
 * every store file.  Per forecast and horizon it holds the sample mean, the
 * quantiles at pc_score_levels, and -- where the actual is known -- the
 * actual, CRPS and PIT; per forecast the energy score of the whole path
 * (when every day is observed).  Every metric `evaluate` prints is a
 * function of these (docs/EVALUATION.md).
 *
 * A scores file is up to date when it was made from the forecast partition
 * that is stored now (its checksum) and with the actuals the store's series
 * holds now (every actual compared, bit for bit, NaN for "not observed").
 * So new closes, revised closes and rebuilt partitions are rescored; nothing
 * else is. */
#ifndef PC_SCORES_H
#define PC_SCORES_H

#include <stddef.h>
#include <stdint.h>

#include "pathcast/core/series.h"
#include "pathcast/store/store.h"

/* The M5 levels (pc_quantile_levels) and 0.1/0.9 for the 80% interval. */
#define PC_SCORE_NLEVELS 11
extern const double pc_score_levels[PC_SCORE_NLEVELS];
/* Indices into pc_score_levels. */
enum {
  PC_LEVEL_MEDIAN = 5,
  PC_LEVEL_025 = 1,   /* 95% interval: 0.025 .. 0.975 */
  PC_LEVEL_10 = 2,    /* 80% interval: 0.1 .. 0.9 */
  PC_LEVEL_25 = 4,    /* 50% interval: 0.25 .. 0.75 */
  PC_LEVEL_75 = 6,
  PC_LEVEL_90 = 8,
  PC_LEVEL_975 = 9
};

typedef struct pc_scores {
  int horizon;
  size_t n, cap;
  pc_date *date;    /* n forecast dates, ascending */
  pc_date *cutoff;  /* n: last observation the forecast used */
  pc_date *day;     /* n x horizon: the date of day_k */
  double *last;     /* n: observed close at cutoff (NaN if none) */
  double *actual;   /* n x horizon: observed close of day_k, NaN if unknown */
  double *mean;     /* n x horizon: sample mean */
  double *quantile; /* n x horizon x PC_SCORE_NLEVELS */
  double *crps;     /* n x horizon, NaN where the actual is unknown */
  double *pit;      /* n x horizon, NaN where the actual is unknown */
  double *energy;   /* n: NaN unless all horizon actuals are known */
  uint64_t source;  /* checksum of the forecast partition scored */
} pc_scores;

void pc_scores_init(pc_scores *s, int horizon);
void pc_scores_fini(pc_scores *s);
/* Room for n forecasts (contents undefined; n is set). */
pc_status pc_scores_resize(pc_scores *s, size_t n);
/* Index of forecast date d, or -1. */
long pc_scores_find(const pc_scores *s, pc_date d);

/* Scores every forecast of a partition against the series' closes; source
 * is the partition's checksum (pc_partition.checksum). */
pc_status pc_scores_compute(pc_scores *s, const pc_partition *p,
                            const pc_series *actuals, uint64_t source,
                            pc_error *e);
/* 1 when s was made from the partition with checksum source and the series
 * still has the same closes on every day s scored (and at every cutoff). */
int pc_scores_current(const pc_scores *s, uint64_t source,
                      const pc_series *actuals);

#endif
