/* Scoring a forecast partition against the observed closes (see
 * pathcast/store/scores.h; every quantity is defined in docs/EVALUATION.md).
 *
 * Pure computation: no HDF5 here (store_scores.c reads and writes these
 * arrays). Scores depend only on the partition's values and the series' closes,
 * never on the rank or order that computes them, so stored scores files are
 * byte-identical for any rank count like every store file. */
#include "pathcast/store/scores.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/metrics.h"

/* Ascending, so the PC_LEVEL_* indices in scores.h stay valid; a stored scores
 * file's quantile column is laid out in this order, so adding a level is a
 * schema change of scores files (docs/STORE.md). */
const double pc_score_levels[PC_SCORE_NLEVELS] = {
    0.005, 0.025, 0.1, 0.165, 0.25, 0.5, 0.75, 0.835, 0.9, 0.975, 0.995};

void pc_scores_init(pc_scores *s, int horizon) {
  memset(s, 0, sizeof *s);
  s->horizon = horizon;
}

/* Releases every array and re-initialises s with its horizon, so s can be
 * filled again and a second fini is harmless. */
void pc_scores_fini(pc_scores *s) {
  free(s->date);
  free(s->cutoff);
  free(s->day);
  free(s->last);
  free(s->actual);
  free(s->mean);
  free(s->quantile);
  free(s->crps);
  free(s->pit);
  free(s->energy);
  pc_scores_init(s, s->horizon);
}

/* Grows one array to cap rows of `row` bytes. */
/* pp is the address of one of the pc_scores array pointers. On failure the old
 * array stays valid and owned by s, so pc_scores_fini frees it; nothing leaks
 * when a later grow fails. */
static int grow(void *pp, size_t cap, size_t row) {
  void **p = pp;
  void *g = realloc(*p, (cap ? cap : 1) * row);
  if (g == NULL) {
    return -1;
  }
  *p = g;
  return 0;
}

/* Grows only; shrinking just lowers n and keeps the memory for the next
 * partition. All arrays are resized to the same capacity, so s->cap is valid
 * for every one of them; on PC_NOMEM s->n is unchanged and earlier arrays may
 * be larger, which is harmless. */
pc_status pc_scores_resize(pc_scores *s, size_t n) {
  if (n > s->cap) {
    size_t h = (size_t)s->horizon, d = sizeof(double);
    int ok = grow(&s->date, n, sizeof *s->date) == 0 &&
             grow(&s->cutoff, n, sizeof *s->cutoff) == 0 &&
             grow(&s->day, n, h * sizeof *s->day) == 0 &&
             grow(&s->last, n, d) == 0 && grow(&s->actual, n, h * d) == 0 &&
             grow(&s->mean, n, h * d) == 0 &&
             grow(&s->quantile, n, h * PC_SCORE_NLEVELS * d) == 0 &&
             grow(&s->crps, n, h * d) == 0 && grow(&s->pit, n, h * d) == 0 &&
             grow(&s->energy, n, d) == 0;
    if (!ok) {
      return PC_NOMEM;
    }
    s->cap = n;
  }
  s->n = n;
  return PC_OK;
}

long pc_scores_find(const pc_scores *s, pc_date d) {
  return pc_dates_find(s->date, s->n, d);
}

/* The observed close of day d, NaN when the series has none. */
/* NaN stands for "not observed yet" (a future day, a holiday the calendar did
 * not know, a missing close); every score of such a day is NaN and the averages
 * of evaluate skip it. */
static double close_on(const pc_series *s, pc_date d) {
  long r = pc_series_find(s, d);
  return r < 0 ? NAN : s->close[r];
}

/* Scratch for one column: sorted receives day_k's values as doubles, work holds
 * the radix sort's 2 x paths keys. Allocated once per partition, not per
 * forecast or horizon. */
typedef struct {
  double *sorted;
  uint32_t *work;
} workspace;

/* Horizon k of forecast i: the sorted sample of day_k's path values. */
static void score_horizon(pc_scores *s, size_t i, size_t k, const double *x,
                          size_t n) {
  size_t h = (size_t)s->horizon, at = i * h + k;
  double sum = 0.0;
  for (size_t j = 0; j < n; j++) {
    sum += x[j];
  }
  /* Summed in sorted order, not path order: the mean is then the same bits
   * whatever order the paths were stored in. */
  s->mean[at] = sum / (double)n;
  double *q = &s->quantile[at * PC_SCORE_NLEVELS];
  for (int l = 0; l < PC_SCORE_NLEVELS; l++) {
    q[l] = pc_quantile(x, n, pc_score_levels[l]);
  }
  double y = s->actual[at];
  s->crps[at] = isnan(y) ? NAN : pc_crps(x, n, y);
  s->pit[at] = isnan(y) ? NAN : pc_pit(x, n, y);
}

static void score_forecast(pc_scores *s, size_t i, const pc_partition *p,
                           size_t src, const pc_series *actuals,
                           workspace *w) {
  size_t h = (size_t)s->horizon, n = (size_t)p->paths;
  const float *v = pc_partition_values(p, src);
  s->date[i] = p->date[src];
  s->cutoff[i] = p->cutoff[src];
  s->last[i] = close_on(actuals, p->cutoff[src]);
  int known = 0;
  for (size_t k = 0; k < h; k++) {
    s->day[i * h + k] = p->day[src * h + k];
    s->actual[i * h + k] = close_on(actuals, p->day[src * h + k]);
    known += !isnan(s->actual[i * h + k]);
    pc_sort_column(v + k, n, h, w->sorted, w->work);
    score_horizon(s, i, k, w->sorted, n);
  }
  /* The energy score needs the whole observed path. */
  s->energy[i] = (size_t)known == h
                     ? pc_energy_score(v, n, h, &s->actual[i * h])
                     : NAN;
}

/* A horizon mismatch is a caller bug (the driver creates s with the partition's
 * horizon), hence PC_FATAL and not PC_INPUT. Scores are computed for every
 * forecast of the partition, including those whose actuals are all unknown, so
 * a later run only has to notice new closes (pc_scores_current). */
pc_status pc_scores_compute(pc_scores *s, const pc_partition *p,
                            const pc_series *actuals, uint64_t source,
                            pc_error *e) {
  if (p->horizon != s->horizon || p->paths < 1) {
    return pc_error_set(e, PC_FATAL, "scores of horizon %d cannot hold a "
                        "partition of horizon %d", s->horizon, p->horizon);
  }
  workspace w;
  w.sorted = malloc((size_t)p->paths * sizeof *w.sorted);
  w.work = malloc(2 * (size_t)p->paths * sizeof *w.work);
  pc_status st = w.sorted && w.work ? pc_scores_resize(s, p->n) : PC_NOMEM;
  for (size_t i = 0; st == PC_OK && i < p->n; i++) {
    score_forecast(s, i, p, i, actuals, &w);
  }
  s->source = source;
  free(w.sorted);
  free(w.work);
  return st == PC_OK ? PC_OK : pc_error_set(e, st, "out of memory scoring");
}

/* Bit-equal, with every NaN equal to every NaN ("not observed"). */
/* memcmp rather than ==: -0.0 and 0.0 are different closes for this purpose
 * (they would never occur in valid data, but equality must be exact to keep "up
 * to date" meaning "same bytes"). */
static int same_value(double a, double b) {
  return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Cheaper than rescoring: one lookup per stored actual. The closes at cutoff
 * are compared as well, because scores such as the direction of the median are
 * taken against the last close. */
int pc_scores_current(const pc_scores *s, uint64_t source,
                      const pc_series *actuals) {
  if (s->source != source) {
    return 0;
  }
  size_t h = (size_t)s->horizon;
  for (size_t i = 0; i < s->n; i++) {
    if (!same_value(s->last[i], close_on(actuals, s->cutoff[i]))) {
      return 0;
    }
    for (size_t k = 0; k < h; k++) {
      if (!same_value(s->actual[i * h + k],
                      close_on(actuals, s->day[i * h + k]))) {
        return 0;
      }
    }
  }
  return 1;
}
