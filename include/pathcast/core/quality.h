/* Data-quality checks of an observed series (docs/DATA.md): isolated
 * spikes (one bad tick), stale runs of a repeated close, and gaps without
 * a close.  `pathcast check` prints what it finds; train, forecast,
 * backfill and daily report it; `outliers = clean` hides the flagged closes
 * from the models (never from the actuals).
 *
 * Every finding is a pure function of the series and the parameters, and
 * a flag says which close confirmed it (a spike is known only once the next
 * close reverses it), so a history that ends before that close is cleaned
 * without it: cleaning never lets a later row change an earlier view. */
#ifndef PC_QUALITY_H
#define PC_QUALITY_H

#include <stddef.h>
#include <stdio.h>

#include "pathcast/core/calendar.h"
#include "pathcast/core/series.h"
#include "pathcast/core/status.h"

/* The defaults of the job keys (docs/DATA.md says why). */
#define PC_QUALITY_SPIKE_K 8        /* spike_threshold, robust sds */
#define PC_QUALITY_SPIKE_WINDOW 60  /* spike_window, returns */
#define PC_QUALITY_STALE_DAYS 5     /* stale_days, repeats */
/* Fewest returns before a close for its spike test (a shorter window says
 * too little about the usual size of a move). */
#define PC_QUALITY_MIN_WINDOW 20
/* The consistent estimator of a normal sd from the MAD, 1 / qnorm(0.75),
 * as R's mad(). */
#define PC_QUALITY_MAD_SCALE 1.4826
/* A reversal brings the price back to within this share of the jump. */
#define PC_QUALITY_REVERSAL 0.5
/* The XGBoost residual pool is winsorised at these levels, or at the second
 * value from each end in a pool of fewer than 201 (docs/MODELS.md). */
#define PC_QUALITY_WINSOR_LOW 0.005
#define PC_QUALITY_WINSOR_HIGH 0.995

typedef struct {
  int spike_k;       /* a return beyond spike_k robust sds is a candidate */
  int spike_window;  /* trailing returns of the robust sd */
  int stale_days;    /* a close repeated more than this many times is stale */
  long max_gap;      /* more trading days than this without a close: a gap */
  const pc_calendar *calendar; /* trading days, for gaps */
} pc_quality_params;

typedef enum {
  PC_FINDING_SPIKE,
  PC_FINDING_STALE,
  PC_FINDING_GAP
} pc_finding_kind;

/* One finding.  Rows are 0-based rows of the series. */
typedef struct {
  pc_finding_kind kind;
  size_t row;        /* spike: the close; stale: the run's first close;
                        gap: the close after the gap */
  size_t last_row;   /* stale: the run's last close; gap: the close before */
  pc_date first, last; /* spike: its date twice; stale: the run's first and
                          last dates; gap: the first and last trading day
                          without a close */
  double close;        /* spike: the flagged close; stale: the repeated one */
  double before, after; /* spike: the closes around it */
  double ret, ret_next; /* spike: log returns into and out of it */
  double robust_sd;     /* spike: MAD * 1.4826 of the trailing returns */
  long count;           /* stale: repeats; gap: trading days without a close */
} pc_finding;

/* The findings of one series.  Caller-owned struct: pc_quality_scan fills
 * it, pc_quality_fini frees it. */
typedef struct {
  pc_finding *f; /* in row order */
  size_t n;
  size_t nspike, nstale, ngap;
  size_t rows, closes; /* rows of the series, present closes */
  /* Per row: PC_DATE_NONE, or the date of the close that confirmed the
   * row's close as flagged (a spike's next close; a stale repeat's own date,
   * or that of the repeat that made its run too long).  A view of the rows
   * before d hides the close when confirmed < d. */
  pc_date *confirmed;
} pc_quality;

pc_status pc_quality_scan(const pc_series *s, const pc_quality_params *p,
                          pc_quality *q, pc_error *e);
void pc_quality_fini(pc_quality *q);

/* The closes of the first n rows as a history before date d sees them with
 * `outliers = clean`: closes flagged and confirmed before d are NAN.  out
 * holds n values. */
void pc_quality_clean(const pc_quality *q, const double *close, size_t n,
                      pc_date d, double *out);

/* Where findings are printed from: a data file (lines are row + 2, after
 * the header), or the store's series (dates only). */
typedef struct {
  const char *name; /* the file, or "series.h5" */
  int has_lines;
} pc_quality_source;

/* One line per finding: "name:line: date kind: values". */
void pc_quality_print_finding(FILE *out, const pc_quality_source *src,
                              const pc_quality_params *p,
                              const pc_finding *f);
/* The same line into buf, without its newline (for logs and pages). */
void pc_quality_format_finding(char *buf, size_t len,
                               const pc_quality_source *src,
                               const pc_quality_params *p,
                               const pc_finding *f);
/* "1 spike, 0 stale runs, 2 gaps" */
void pc_quality_counts(const pc_quality *q, char *buf, size_t len);
/* The finding as one JSON object. */
void pc_quality_json_finding(FILE *out, const pc_quality_source *src,
                             const pc_finding *f);
const char *pc_finding_kind_name(pc_finding_kind k);

/* ---- robust statistics -------------------------------------------------- */

/* MAD * 1.4826 of x[0..n) (R's mad()); work holds n values.  0 for n = 0. */
double pc_robust_sd(const double *x, size_t n, double *work);

/* Clips x[0..n) to its type-7 quantiles at `low` and `high`, then subtracts
 * the mean again (a pool of centred innovations stays centred).  With n >= 3
 * the levels are at least 1/(n-1) from 0 and 1 (the second value from each
 * end), so that even a small pool's single most extreme value is clipped.
 * *clipped receives how many values moved.  PC_NOMEM. */
pc_status pc_winsorize(double *x, size_t n, double low, double high,
                       size_t *clipped);

#endif
