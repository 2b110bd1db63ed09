/* Features of the xgboost model (see xgb.h).
 *
 * Every feature of a target day is computed from values strictly before
 * that day: the returns ending before it, the covariates of earlier rows and
 * the target day's own calendar date (known in advance).  The target day's
 * close, its covariates and everything later never enter its row. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgb.h"
#include "pathcast/core/paths.h"

/* ---- layout ------------------------------------------------------------ */

/* Parses "1,2,3" into v[0..*n-1] with each value in [lo, hi]; "none" (when
 * allowed) is the empty list. */
static pc_status parse_ints(const char *text, int lo, int hi, int cap,
                            int allow_none, int *v, int *n) {
  *n = 0;
  if (strcmp(text, "none") == 0) {
    return allow_none ? PC_OK : PC_MODEL;
  }
  for (const char *p = text; *p != '\0';) {
    p += strspn(p, " ");
    char *end = NULL;
    errno = 0;
    long x = strtol(p, &end, 10);
    if (end == p || errno != 0 || x < lo || x > hi || *n >= cap) {
      return PC_MODEL;
    }
    v[(*n)++] = (int)x;
    p = end + strspn(end, " ");
    if (*p != ',' && *p != '\0') {
      return PC_MODEL;
    }
    p += *p == ',' ? 1 : 0;
  }
  return *n > 0 ? PC_OK : PC_MODEL;
}

static pc_status parse_names(pc_xgb_layout *l, const char *model,
                             const char *text, pc_error *e) {
  const char *cursor = text, *p = NULL;
  l->nexog = 0;
  for (size_t len; (len = pc_name_list_next(&cursor, &p)) > 0;) {
    if (l->nexog >= PC_XGB_MAX_EXOG || len >= PC_XGB_NAME_MAX) {
      return pc_error_set(e, PC_MODEL, "%s.exog: at most %d covariates of "
                          "at most %d characters", model, PC_XGB_MAX_EXOG,
                          PC_XGB_NAME_MAX - 1);
    }
    snprintf(l->exog[l->nexog++], PC_XGB_NAME_MAX, "%.*s", (int)len, p);
  }
  return PC_OK;
}

/* The layout fixes the feature columns and their order; it is parsed from the
 * keys at fit time and again from the stored keys at load time, and the stored
 * feature list must equal it (load_layout in model_xgboost.c). Windows start at
 * 2 because a one-return window has no standard deviation. */
pc_status pc_xgb_layout_parse(pc_xgb_layout *l, const char *model,
                              const char *lags, const char *windows,
                              const char *exog, pc_error *e) {
  memset(l, 0, sizeof *l);
  if (parse_ints(lags, 1, PC_XGB_MAX_SPAN, PC_XGB_MAX_LAGS, 0, l->lags,
                 &l->nlags) != PC_OK) {
    return pc_error_set(e, PC_MODEL, "%s.lags: '%s' is not a list of 1 to %d "
                        "integers in [1, %d]", model, lags, PC_XGB_MAX_LAGS,
                        PC_XGB_MAX_SPAN);
  }
  if (parse_ints(windows, 2, PC_XGB_MAX_SPAN, PC_XGB_MAX_WINDOWS, 1,
                 l->windows, &l->nwindows) != PC_OK) {
    return pc_error_set(e, PC_MODEL, "%s.windows: '%s' is not none or a list "
                        "of 1 to %d integers in [2, %d]", model, windows,
                        PC_XGB_MAX_WINDOWS, PC_XGB_MAX_SPAN);
  }
  return parse_names(l, model, exog, e);
}

/* The column count: one per lag, mean and sd per window, dow and month, one per
 * covariate (docs/MODELS.md, "Target and features"). */
int pc_xgb_nfeatures(const pc_xgb_layout *l) {
  return l->nlags + 2 * l->nwindows + 2 + l->nexog;
}

/* The number of returns a feature row looks back: the first span returns of a
 * history only serve as history, never as training targets. */
int pc_xgb_span(const pc_xgb_layout *l) {
  int span = 0;
  for (int i = 0; i < l->nlags; i++) {
    span = l->lags[i] > span ? l->lags[i] : span;
  }
  for (int i = 0; i < l->nwindows; i++) {
    span = l->windows[i] > span ? l->windows[i] : span;
  }
  return span;
}

/* Appends to buf as snprintf would, never past len. */
static void append(char *buf, size_t len, size_t *used, const char *fmt,
                   const char *s, int v) {
  if (*used >= len) {
    return;
  }
  int n = s != NULL ? snprintf(buf + *used, len - *used, fmt, s)
                    : snprintf(buf + *used, len - *used, fmt, v);
  *used += n > 0 ? (size_t)n : 0;
}

/* Names in column order, stored with the model so a reader of `models` output
 * (and load) sees what each column of the booster means. */
void pc_xgb_feature_names(const pc_xgb_layout *l, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < l->nlags; i++) {
    append(buf, len, &used, "lag_%d,", NULL, l->lags[i]);
  }
  for (int i = 0; i < l->nwindows; i++) {
    append(buf, len, &used, "mean_%d,", NULL, l->windows[i]);
    append(buf, len, &used, "sd_%d,", NULL, l->windows[i]);
  }
  append(buf, len, &used, "%s", "dow,month", 0);
  for (int i = 0; i < l->nexog; i++) {
    append(buf, len, &used, ",exog_%s", l->exog[i], 0);
  }
}

void pc_xgb_exog_text(const pc_xgb_layout *l, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < l->nexog; i++) {
    append(buf, len, &used, i ? ",%s" : "%s", l->exog[i], 0);
  }
  if (l->nexog == 0) {
    snprintf(buf, len, "none");
  }
}

pc_status pc_xgb_exog_columns(const pc_xgb_layout *l, const pc_history *h,
                              size_t *cols, pc_error *e) {
  for (int i = 0; i < l->nexog; i++) {
    long j = pc_history_cov_index(h, l->exog[i], strlen(l->exog[i]));
    if (j < 0) {
      return pc_error_set(e, PC_MODEL, "exog: '%s' is not a covariate column "
                          "of the data", l->exog[i]);
    }
    cols[i] = (size_t)j;
  }
  return PC_OK;
}

/* ---- feature rows, PC_XGB_LANES at a time ------------------------------- */

/* The return columns (lags, then the mean and sd of each window) of
 * PC_XGB_LANES rows at once.  Row b's returns, newest first, are
 * newest[b], newest[b + age], newest[b + 2 age], ...: consecutive rows sit
 * side by side, so each step of the sums below is one vector operation
 * over the rows, and the rows' sums are independent chains rather than
 * one long one.  Every lane must be readable; only the first nrows rows
 * are written (row b at out + b * nfeat).
 *
 * The sums run newest first, shifted by the row's newest return: with the
 * shift, s2 - s1^2/n loses no precision to cancellation (returns are small
 * and close together), and windows listed in increasing order cost one
 * pass over the longest.  Each row's arithmetic is the same sequence of
 * double operations whatever the lane and whichever caller (training rows
 * or simulated paths), so a feature is bit for bit the same in a fit and
 * in a forecast. */
static inline __attribute__((always_inline)) void
columns_body(const pc_xgb_layout *l, const double *newest, ptrdiff_t age,
             int nrows, size_t nfeat, float *out) {
  enum { L = PC_XGB_LANES };
  double shift[L], s1[L] = {0}, s2[L] = {0};
  /* The columns of the L rows, column by column; written out row by row
   * at the end. */
  float col[PC_XGB_MAX_LAGS + 2 * PC_XGB_MAX_WINDOWS][L];
  int count = 0, k = 0;
  for (int i = 0; i < l->nlags; i++, k++) {
    const double *at = newest + (ptrdiff_t)(l->lags[i] - 1) * age;
    for (int b = 0; b < L; b++) {
      col[k][b] = (float)at[b];
    }
  }
  for (int b = 0; b < L; b++) {
    shift[b] = newest[b];
  }
  for (int i = 0; i < l->nwindows; i++, k += 2) {
    int w = l->windows[i];
    if (w < count) { /* a shorter window after a longer one: start over */
      for (int b = 0; b < L; b++) {
        s1[b] = s2[b] = 0.0;
      }
      count = 0;
    }
    for (; count < w; count++) {
      const double *at = newest + (ptrdiff_t)count * age;
      /* Unrolled, the sums stay in registers (a vector each two rows). */
#pragma GCC unroll 8
      for (int b = 0; b < L; b++) {
        double x = at[b] - shift[b];
        s1[b] += x;
        s2[b] += x * x;
      }
    }
    /* The variance is ss / (w - 1) where ss > 0, else 0; written as the
     * quotient where it is positive (the same values: w - 1 >= 1), the
     * loop has no branch and its divisions go two rows per instruction. */
    double var[L];
    for (int b = 0; b < L; b++) {
      double ss = s2[b] - s1[b] * s1[b] / w, q = ss / (w - 1);
      col[k][b] = (float)(shift[b] + s1[b] / w);
      var[b] = q > 0.0 ? q : 0.0;
    }
    for (int b = 0; b < L; b++) {
      col[k + 1][b] = (float)sqrt(var[b]);
    }
  }
  for (int b = 0; b < nrows; b++) {
    for (int j = 0; j < k; j++) {
      out[(size_t)b * nfeat + (size_t)j] = col[j][b];
    }
  }
}

/* The body compiled twice: for the baseline instruction set and, on x86,
 * for AVX2, where each vector operation takes four rows instead of two.
 * Every row's operations are the same IEEE double operations in the same
 * order either way (AVX2 brings no fused multiply-add, and ISO C mode
 * forbids contracting a * b + c), so the features are the same bits on
 * any processor; tests/unit/test_xgb_trees.c compares the two. */
static void columns_plain(const pc_xgb_layout *l, const double *newest,
                          ptrdiff_t age, int nrows, size_t nfeat,
                          float *out) {
  columns_body(l, newest, age, nrows, nfeat, out);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_VARIANT 1
__attribute__((target("avx2"))) static void
columns_avx2(const pc_xgb_layout *l, const double *newest, ptrdiff_t age,
             int nrows, size_t nfeat, float *out) {
  columns_body(l, newest, age, nrows, nfeat, out);
}
#endif

int pc_xgb_return_columns(const pc_xgb_layout *l, const double *newest,
                          ptrdiff_t age, int nrows, size_t nfeat, float *out,
                          int variant) {
#ifdef HAVE_AVX2_VARIANT
  if (variant != 0 && __builtin_cpu_supports("avx2")) {
    columns_avx2(l, newest, age, nrows, nfeat, out);
    return 1;
  }
#endif
  if (variant == 1) {
    return -1; /* asked for AVX2 where there is none */
  }
  columns_plain(l, newest, age, nrows, nfeat, out);
  return 0;
}

static void return_columns(const pc_xgb_layout *l, const double *newest,
                           ptrdiff_t age, int nrows, size_t nfeat,
                           float *out) {
  pc_xgb_return_columns(l, newest, age, nrows, nfeat, out, -1);
}

/* The columns after the returns' (dow, month, the covariates) of a row
 * whose target day is `date`. */
static void calendar_columns(const pc_xgb_layout *l, pc_date date,
                             const double *exog, float *row) {
  int k = l->nlags + 2 * l->nwindows, y = 0, m = 0, d = 0;
  pc_date_to_ymd(date, &y, &m, &d);
  row[k++] = (float)pc_date_weekday(date);
  row[k++] = (float)m;
  for (int i = 0; i < l->nexog; i++) {
    row[k++] = (float)exog[i];
  }
}

/* ---- returns and training rows ------------------------------------------ */

void pc_xgb_returns_free(pc_xgb_returns *r) {
  free(r->ret);
  free(r->row);
  memset(r, 0, sizeof *r);
}

pc_status pc_xgb_returns_make(const pc_history *h, pc_xgb_returns *r,
                              pc_error *e) {
  memset(r, 0, sizeof *r);
  /* PC_XGB_LANES zeros after the last return: a block of training rows
   * that ends early still reads whole lanes (see return_columns). */
  r->ret = calloc(h->n + PC_XGB_LANES, sizeof *r->ret);
  r->row = malloc((h->n + 1) * sizeof *r->row);
  if (r->ret == NULL || r->row == NULL) {
    pc_xgb_returns_free(r);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  double prev = NAN;
  for (size_t i = 0; i < h->n; i++) {
    double c = h->close[i];
    if (!(c > 0.0)) {
      continue; /* missing (or not a price): joined into the next return */
    }
    if (!isnan(prev)) {
      r->ret[r->n] = c / prev;
      r->row[r->n++] = i;
    }
    prev = c;
  }
  pc_paths_ln(pc_simd_active(), r->ret, r->n); /* the ratios' logs, in place */
  return PC_OK;
}

void pc_xgb_samples_free(pc_xgb_samples *s) {
  free(s->x);
  free(s->y);
  free(s->row);
  memset(s, 0, sizeof *s);
}

/* Carries each covariate's last value forward over rows [*from, to): after
 * the call last[] holds what was known strictly before row `to`. */
static void carry_exog(const pc_history *h, const size_t *cols, int ncols,
                       size_t *from, size_t to, double *last) {
  for (; *from < to; (*from)++) {
    for (int j = 0; j < ncols; j++) {
      double v = h->cov[*from * h->ncov + cols[j]];
      last[j] = isnan(v) ? last[j] : v;
    }
  }
}

void pc_xgb_exog_last(const pc_history *h, const size_t *cols, int ncols,
                      double *out) {
  size_t from = 0;
  for (int j = 0; j < ncols; j++) {
    out[j] = NAN;
  }
  carry_exog(h, cols, ncols, &from, h->n, out);
}

static pc_status samples_alloc(pc_xgb_samples *s, size_t n, int nfeat,
                               pc_error *e) {
  memset(s, 0, sizeof *s);
  s->nfeat = nfeat;
  s->x = malloc((n * (size_t)nfeat + 1) * sizeof *s->x);
  s->y = malloc((n + 1) * sizeof *s->y);
  s->row = malloc((n + 1) * sizeof *s->row);
  if (s->x == NULL || s->y == NULL || s->row == NULL) {
    pc_xgb_samples_free(s);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  return PC_OK;
}

/* Fills the rows: return k is a target when `span` returns precede it.
 * The return columns of PC_XGB_LANES consecutive targets are computed
 * together: target k + b's newest return is ret[k - 1 + b]. */
static void samples_fill(const pc_xgb_layout *l, const pc_history *h,
                         const pc_xgb_returns *r, const size_t *cols,
                         pc_xgb_samples *s) {
  size_t span = (size_t)pc_xgb_span(l), from = 0, nf = (size_t)s->nfeat;
  double last[PC_XGB_MAX_EXOG];
  for (int j = 0; j < l->nexog; j++) {
    last[j] = NAN;
  }
  for (size_t k = span; k < r->n; k += PC_XGB_LANES) {
    size_t rows = r->n - k < PC_XGB_LANES ? r->n - k : PC_XGB_LANES;
    return_columns(l, r->ret + k - 1, -1, (int)rows, nf, s->x + s->n * nf);
    for (size_t b = 0; b < rows; b++) {
      size_t row = r->row[k + b];
      carry_exog(h, cols, l->nexog, &from, row, last);
      calendar_columns(l, h->date[row], last, s->x + s->n * nf);
      s->y[s->n] = r->ret[k + b];
      s->row[s->n++] = row;
    }
  }
}

pc_status pc_xgb_samples_make(const pc_xgb_layout *l, const pc_history *h,
                              pc_xgb_samples *s, pc_error *e) {
  size_t cols[PC_XGB_MAX_EXOG];
  pc_xgb_returns r;
  memset(s, 0, sizeof *s);
  pc_status st = pc_xgb_exog_columns(l, h, cols, e);
  if (st == PC_OK) {
    st = pc_xgb_returns_make(h, &r, e);
  }
  if (st != PC_OK) {
    return st;
  }
  size_t span = (size_t)pc_xgb_span(l);
  size_t n = r.n > span ? r.n - span : 0;
  st = samples_alloc(s, n, pc_xgb_nfeatures(l), e);
  if (st == PC_OK) {
    samples_fill(l, h, &r, cols, s);
  }
  pc_xgb_returns_free(&r);
  return st;
}

/* ---- simulated paths ----------------------------------------------------- */

/* Path i's t-th return.  The paths are stored in blocks of PC_XGB_LANES:
 * a block's returns are contiguous, day after day, the block's paths side
 * by side within a day.  A step reads each block's last `span` days in
 * one sequential sweep. */
static double *ret_at(const pc_xgb_paths *p, int i, size_t t) {
  size_t block = (size_t)i / PC_XGB_LANES, lane = (size_t)i % PC_XGB_LANES;
  return p->ret + (block * (p->cap + 1) + t) * PC_XGB_LANES + lane;
}

void pc_xgb_paths_fini(pc_xgb_paths *p) {
  free(p->ret);
  free(p->x);
  free(p->next);
  memset(p, 0, sizeof *p);
}

pc_status pc_xgb_paths_init(pc_xgb_paths *p, const pc_xgb_layout *l,
                            int npaths, int steps, const double *last,
                            pc_error *e) {
  size_t span = (size_t)pc_xgb_span(l);
  memset(p, 0, sizeof *p);
  p->npaths = npaths;
  p->npad = (npaths + PC_XGB_LANES - 1) / PC_XGB_LANES * PC_XGB_LANES;
  p->nfeat = pc_xgb_nfeatures(l);
  p->nret = span;
  p->cap = span + (size_t)steps;
  /* A day more than the steps need: a push past them stays inside. */
  p->ret = malloc(((p->cap + 1) * (size_t)p->npad + 1) * sizeof *p->ret);
  p->x = malloc(((size_t)p->npad * (size_t)p->nfeat + 1) * sizeof *p->x);
  p->next = malloc(((size_t)p->npad + 1) * sizeof *p->next);
  if (p->ret == NULL || p->x == NULL || p->next == NULL) {
    pc_xgb_paths_fini(p);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (int i = 0; i < p->npad; i++) {
    for (size_t t = 0; t < span; t++) {
      *ret_at(p, i, t) = last[t];
    }
  }
  return PC_OK;
}

void pc_xgb_paths_rows(pc_xgb_paths *p, const pc_xgb_layout *l,
                       pc_date date, const double *exog) {
  size_t nf = (size_t)p->nfeat;
  int ncols = l->nlags + 2 * l->nwindows;
  for (int i = 0; i < p->npaths; i += PC_XGB_LANES) {
    int rows = p->npaths - i < PC_XGB_LANES ? p->npaths - i : PC_XGB_LANES;
    return_columns(l, ret_at(p, i, p->nret - 1), -PC_XGB_LANES, rows, nf,
                   p->x + (size_t)i * nf);
  }
  /* The target day and the held covariates are the same for every path. */
  if (p->npaths > 0) {
    calendar_columns(l, date, exog, p->x);
  }
  for (int i = 1; i < p->npaths; i++) {
    memcpy(p->x + (size_t)i * nf + (size_t)ncols, p->x + (size_t)ncols,
           (nf - (size_t)ncols) * sizeof *p->x);
  }
}

double *pc_xgb_paths_next(pc_xgb_paths *p) { return p->next; }

/* The day's returns into every block (the padding lanes get zeros: they
 * are read, never used). */
void pc_xgb_paths_push(pc_xgb_paths *p) {
  for (int i = 0; i < p->npad; i++) {
    *ret_at(p, i, p->nret) = i < p->npaths ? p->next[i] : 0.0;
  }
  p->nret += p->nret < p->cap ? 1 : 0; /* never past the room it has */
}
