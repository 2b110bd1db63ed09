/* Data-quality checks (see pathcast/core/quality.h and docs/DATA.md).
 *
 * The scan works on the present closes only: a missing close joins its
 * neighbours into one return, as every model's returns do, so a row left
 * empty in the file is never a spike or a zero return. */
#include "pathcast/core/quality.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/json.h"
#include "pathcast/core/metrics.h"
#include "pathcast/core/paths.h"

/* ---- robust statistics ------------------------------------------------ */

/* The k-th smallest of a[0..n) (Wirth's selection, 1976), leaving every
 * value before index k no larger and every value after it no smaller. */
static double select_kth(double *a, size_t n, size_t k) {
  long lo = 0, hi = (long)n - 1, at = (long)k;
  while (lo < hi) {
    double pivot = a[at];
    long i = lo, j = hi;
    do {
      while (a[i] < pivot) {
        i++;
      }
      while (pivot < a[j]) {
        j--;
      }
      if (i <= j) {
        double t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    } while (i <= j);
    lo = j < at ? i : lo;
    hi = at < i ? j : hi;
  }
  return a[at];
}

/* R's median: the middle value, or the mean of the two middle ones.  The
 * selected values are the sorted ones exactly, so the result is the sort's
 * to the last bit (the reference test compares R's mad that way); a
 * selection costs a few passes over the window, a sort of each window of
 * each return made the check of a long series take a second. */
static double median_inplace(double *a, size_t n) {
  size_t k = n / 2;
  double upper = select_kth(a, n, k);
  if (n % 2) {
    return upper;
  }
  double lower = a[0];
  for (size_t i = 1; i < k; i++) {
    lower = a[i] > lower ? a[i] : lower;
  }
  return (lower + upper) / 2.0;
}

double pc_robust_sd(const double *x, size_t n, double *work) {
  if (n == 0) {
    return 0.0;
  }
  memcpy(work, x, n * sizeof *work);
  double med = median_inplace(work, n);
  for (size_t i = 0; i < n; i++) {
    work[i] = fabs(x[i] - med);
  }
  return PC_QUALITY_MAD_SCALE * median_inplace(work, n);
}

/* The quantiles come from a sorted copy, so x keeps its order: the pool's
 * order is how paths index it, and a path must draw the same residual
 * slot whether or not the pool was clipped. */
pc_status pc_winsorize(double *x, size_t n, double low, double high,
                       size_t *clipped) {
  *clipped = 0;
  if (n == 0) {
    return PC_OK;
  }
  double *sorted = malloc(n * sizeof *sorted);
  if (sorted == NULL) {
    return PC_NOMEM;
  }
  pc_sort_sample(x, n, sorted);
  /* In a pool of fewer than 1/low + 1 values the low quantile lies between
   * the smallest value and the next: clipping there would leave most of a
   * lone extreme.  The levels move in to the second value from each end
   * (level 1/(n-1)), so a single extreme is always clipped. */
  if (n >= 3) {
    double one = 1.0 / (double)(n - 1);
    low = low < one ? one : low;
    high = high > 1.0 - one ? 1.0 - one : high;
  }
  double lo = pc_quantile(sorted, n, low), hi = pc_quantile(sorted, n, high);
  free(sorted);
  double sum = 0.0;
  for (size_t i = 0; i < n; i++) {
    double v = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
    *clipped += v != x[i];
    x[i] = v;
    sum += v;
  }
  /* Clipping one tail more than the other moves the mean: the pool is
   * centred again, so the model's own prediction stays its mean. */
  double mean = sum / (double)n;
  for (size_t i = 0; i < n; i++) {
    x[i] -= mean;
  }
  return PC_OK;
}

/* ---- the scan ----------------------------------------------------------- */

/* Rows of the present closes and the log returns between consecutive ones:
 * ret[j] runs from row[j] to row[j + 1]. */
typedef struct {
  size_t *row;
  double *ret;
  size_t n; /* present closes; n - 1 returns */
  double *work; /* scratch for the robust sd */
} closes;

static void closes_free(closes *c) {
  free(c->row);
  free(c->ret);
  free(c->work);
}

/* The arrays are sized for every row (a series with no missing close uses
 * them all), plus one so a series of no rows still allocates. */
static pc_status closes_make(const pc_series *s, int window, closes *c) {
  memset(c, 0, sizeof *c);
  c->row = malloc((s->n + 1) * sizeof *c->row);
  c->ret = malloc((s->n + 1) * sizeof *c->ret);
  c->work = malloc(((size_t)window + 1) * sizeof *c->work);
  if (c->row == NULL || c->ret == NULL || c->work == NULL) {
    closes_free(c);
    return PC_NOMEM;
  }
  for (size_t i = 0; i < s->n; i++) {
    if (isnan(s->close[i])) {
      continue;
    }
    if (c->n > 0) {
      /* pathcast's own log, so that which closes `clean` hides cannot
       * depend on the CPU's C library. */
      c->ret[c->n - 1] = pc_ln(s->close[i] / s->close[c->row[c->n - 1]]);
    }
    c->row[c->n++] = i;
  }
  return PC_OK;
}

/* Findings are few (a clean series has none), but a damaged feed can
 * produce one per row: the list doubles rather than growing by one. */
static pc_status add_finding(pc_quality *q, const pc_finding *f) {
  if ((q->n & (q->n - 1)) == 0) { /* 0 or a power of two: grow */
    pc_finding *grown = realloc(q->f, (q->n ? 2 * q->n : 1) * sizeof *grown);
    if (grown == NULL) {
      return PC_NOMEM;
    }
    q->f = grown;
  }
  q->f[q->n++] = *f;
  return PC_OK;
}

/* Whether return j (into close j + 1) is a spike that return j + 1
 * reverses: beyond k robust sds of the trailing window, followed by a move
 * of the opposite sign that brings the price back to within half the jump.
 * *sd receives the window's robust sd. */
static int is_spike(const closes *c, size_t j, const pc_quality_params *p,
                    double *sd) {
  size_t w = j < (size_t)p->spike_window ? j : (size_t)p->spike_window;
  if (w < PC_QUALITY_MIN_WINDOW) {
    return 0;
  }
  *sd = pc_robust_sd(c->ret + j - w, w, c->work);
  double r = c->ret[j], next = c->ret[j + 1];
  /* A robust sd of 0 (most of the window's moves are zero, as in a stale
   * stretch) gives no scale to judge a move by. */
  return *sd > 0.0 && fabs(r) > p->spike_k * *sd && r * next < 0.0 &&
         fabs(r + next) <= PC_QUALITY_REVERSAL * fabs(r);
}

/* Return j ends at present close j + 1, so the close that may be a spike
 * is c->row[j + 1], its neighbours c->row[j] and c->row[j + 2]; the last
 * close is never tested (no return follows it to reverse it). */
static pc_status find_spikes(const pc_series *s, const closes *c,
                             const pc_quality_params *p, pc_quality *q) {
  pc_status st = PC_OK;
  for (size_t j = 0; st == PC_OK && c->n > 2 && j + 2 < c->n; j++) {
    double sd = 0.0;
    if (!is_spike(c, j, p, &sd)) {
      continue;
    }
    size_t row = c->row[j + 1];
    pc_finding f = {PC_FINDING_SPIKE, row, row, s->date[row], s->date[row],
                    s->close[row], s->close[c->row[j]],
                    s->close[c->row[j + 2]], c->ret[j], c->ret[j + 1], sd, 1};
    q->confirmed[row] = s->date[c->row[j + 2]];
    q->nspike++;
    st = add_finding(q, &f);
    j++; /* the next return is the reversal, not a spike of its own */
  }
  return st;
}

/* Runs of equal consecutive closes longer than stale_days repeats.  Every
 * repeat is flagged once the run is known to be too long: the first
 * stale_days repeats by the repeat that exceeds the limit, later ones by
 * themselves. */
static pc_status find_stale(const pc_series *s, const closes *c,
                            const pc_quality_params *p, pc_quality *q) {
  pc_status st = PC_OK;
  size_t a = 0;
  while (st == PC_OK && a < c->n) {
    size_t b = a;
    while (b + 1 < c->n && s->close[c->row[b + 1]] == s->close[c->row[a]]) {
      b++;
    }
    size_t repeats = b - a, limit = (size_t)p->stale_days;
    if (repeats > limit) {
      for (size_t k = 1; k <= repeats; k++) {
        size_t by = a + (k > limit + 1 ? k : limit + 1);
        q->confirmed[c->row[a + k]] = s->date[c->row[by]];
      }
      pc_finding f = {PC_FINDING_STALE, c->row[a], c->row[b],
                      s->date[c->row[a]], s->date[c->row[b]],
                      s->close[c->row[a]], NAN, NAN, NAN, NAN, NAN,
                      (long)repeats};
      q->nstale++;
      st = add_finding(q, &f);
    }
    a = b + 1;
  }
  return st;
}

/* More than max_gap trading days between two consecutive closes: the same
 * count the forecasts' stale-data rule uses (docs/DESIGN.md), so a gap the
 * check reports is one a forecast across it would refuse.  Without a
 * calendar there is no notion of a missing trading day: no gaps. */
static pc_status find_gaps(const pc_series *s, const closes *c,
                           const pc_quality_params *p, pc_quality *q) {
  pc_status st = PC_OK;
  for (size_t j = 0; st == PC_OK && p->calendar != NULL && j + 1 < c->n;
       j++) {
    pc_date a = s->date[c->row[j]], b = s->date[c->row[j + 1]];
    long days = (long)pc_calendar_count_between(p->calendar, a, b);
    if (days <= p->max_gap) {
      continue;
    }
    pc_finding f = {PC_FINDING_GAP, c->row[j + 1], c->row[j],
                    pc_calendar_next(p->calendar, a),
                    pc_calendar_prev(p->calendar, b), NAN, NAN, NAN, NAN, NAN,
                    NAN, days};
    q->ngap++;
    st = add_finding(q, &f);
  }
  return st;
}

/* Findings in date order, as a person reads the data; on one date a spike
 * before a stale run before a gap (the kinds' order). */
static int cmp_finding(const void *pa, const void *pb) {
  const pc_finding *a = pa, *b = pb;
  if (a->first != b->first) {
    return a->first < b->first ? -1 : 1;
  }
  return (int)a->kind - (int)b->kind;
}

/* Each rule adds its findings and sets `confirmed` for the closes it
 * flags; gaps flag no close (there is none to hide).  A close flagged by
 * two rules keeps the later rule's date: spikes and stale repeats cannot
 * coincide (a repeat is a zero return, never beyond k robust sds). */
pc_status pc_quality_scan(const pc_series *s, const pc_quality_params *p,
                          pc_quality *q, pc_error *e) {
  closes c;
  memset(q, 0, sizeof *q);
  q->rows = s->n;
  q->confirmed = malloc((s->n + 1) * sizeof *q->confirmed);
  pc_status st = q->confirmed == NULL ? PC_NOMEM
                                      : closes_make(s, p->spike_window, &c);
  if (st != PC_OK) {
    pc_quality_fini(q);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < s->n; i++) {
    q->confirmed[i] = PC_DATE_NONE;
  }
  q->closes = c.n;
  st = find_spikes(s, &c, p, q);
  if (st == PC_OK) {
    st = find_stale(s, &c, p, q);
  }
  if (st == PC_OK) {
    st = find_gaps(s, &c, p, q);
  }
  closes_free(&c);
  if (st != PC_OK) {
    pc_quality_fini(q);
    return pc_error_set(e, st, "out of memory");
  }
  if (q->n > 1) {
    qsort(q->f, q->n, sizeof *q->f, cmp_finding);
  }
  return PC_OK;
}

void pc_quality_fini(pc_quality *q) {
  free(q->f);
  free(q->confirmed);
  memset(q, 0, sizeof *q);
}

/* A copy per view: views of different dates hide different closes, and a
 * copy of a few thousand doubles costs microseconds against a forecast's
 * milliseconds. */
void pc_quality_clean(const pc_quality *q, const double *close, size_t n,
                      pc_date d, double *out) {
  memcpy(out, close, n * sizeof *out);
  for (size_t i = 0; i < n && i < q->rows; i++) {
    if (q->confirmed[i] != PC_DATE_NONE && q->confirmed[i] < d) {
      out[i] = NAN;
    }
  }
}

/* ---- output ------------------------------------------------------------- */

/* In pc_finding_kind order; the words of the output and the JSON. */
static const char *const kind_names[] = {"spike", "stale", "gap"};

const char *pc_finding_kind_name(pc_finding_kind k) { return kind_names[k]; }

void pc_quality_counts(const pc_quality *q, char *buf, size_t len) {
  snprintf(buf, len, "%zu spike%s, %zu stale run%s, %zu gap%s", q->nspike,
           q->nspike == 1 ? "" : "s", q->nstale, q->nstale == 1 ? "" : "s",
           q->ngap, q->ngap == 1 ? "" : "s");
}

/* "name:line: " for a file, "name: " for the store's series. */
static void print_where(FILE *out, const pc_quality_source *src, size_t row) {
  if (src->has_lines) {
    fprintf(out, "%s:%zu: ", src->name, row + 2);
  } else {
    fprintf(out, "%s: ", src->name);
  }
}

/* Closes print in their shortest exact form (what the file says, not a
 * rounding of it); the moves print as percentage changes of the price,
 * which is how a person checks them against the file. */
static void print_spike(FILE *out, const pc_quality_params *p,
                        const pc_finding *f) {
  char c[40], b[40], a[40];
  pc_format_double(f->close, c, sizeof c);
  pc_format_double(f->before, b, sizeof b);
  pc_format_double(f->after, a, sizeof a);
  fprintf(out, "spike: close %s (before %s, after %s): a move of %+.2f%% is "
          "%.1f robust sd (spike_threshold %d), reversed by %+.2f%%\n", c, b,
          a, 100.0 * (f->close / f->before - 1.0), fabs(f->ret) / f->robust_sd,
          p->spike_k, 100.0 * (f->after / f->close - 1.0));
}

/* The parameters are printed with each finding so a line read alone (in a
 * log, a page) says which threshold made it. */
void pc_quality_print_finding(FILE *out, const pc_quality_source *src,
                              const pc_quality_params *p,
                              const pc_finding *f) {
  char d1[PC_DATE_STRLEN], d2[PC_DATE_STRLEN], c[40];
  print_where(out, src, f->row);
  pc_date_format(f->first, d1);
  pc_date_format(f->last, d2);
  if (f->kind == PC_FINDING_SPIKE) {
    fprintf(out, "%s ", d1);
    print_spike(out, p, f);
  } else if (f->kind == PC_FINDING_STALE) {
    pc_format_double(f->close, c, sizeof c);
    fprintf(out, "%s..%s stale: close %s repeated %ld times (stale_days %d)",
            d1, d2, c, f->count, p->stale_days);
    if (src->has_lines) {
      fprintf(out, ", lines %zu-%zu", f->row + 2, f->last_row + 2);
    }
    fputc('\n', out);
  } else {
    fprintf(out, "%s..%s gap: %ld trading days without a close (max_gap "
            "%ld)\n", d1, d2, f->count, p->max_gap);
  }
}

void pc_quality_format_finding(char *buf, size_t len,
                               const pc_quality_source *src,
                               const pc_quality_params *p,
                               const pc_finding *f) {
  buf[0] = '\0';
  FILE *mem = len > 1 ? fmemopen(buf, len - 1, "w") : NULL;
  if (mem == NULL) {
    return; /* an empty line rather than none: callers only show it */
  }
  pc_quality_print_finding(mem, src, p, f);
  fclose(mem);
  buf[strcspn(buf, "\n")] = '\0';
}

static void json_key_number(FILE *out, const char *key, double v) {
  fprintf(out, ",\"%s\":", key);
  pc_json_number(out, v);
}

/* Every kind has every key (null where it does not apply), so a monitor
 * reads the objects with one schema. */
void pc_quality_json_finding(FILE *out, const pc_quality_source *src,
                             const pc_finding *f) {
  char d1[PC_DATE_STRLEN], d2[PC_DATE_STRLEN];
  fprintf(out, "{\"kind\":\"%s\",\"line\":", kind_names[f->kind]);
  if (src->has_lines) {
    fprintf(out, "%zu", f->row + 2);
  } else {
    fputs("null", out);
  }
  fprintf(out, ",\"first\":\"%s\",\"last\":\"%s\"",
          pc_date_format(f->first, d1), pc_date_format(f->last, d2));
  json_key_number(out, "close", f->close);
  json_key_number(out, "before", f->before);
  json_key_number(out, "after", f->after);
  json_key_number(out, "return", f->ret);
  json_key_number(out, "next_return", f->ret_next);
  json_key_number(out, "robust_sd", f->robust_sd);
  fprintf(out, ",\"count\":%ld}", f->count);
}
