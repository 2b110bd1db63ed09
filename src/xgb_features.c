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
#include "pathcast/paths.h"

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

int pc_xgb_nfeatures(const pc_xgb_layout *l) {
  return l->nlags + 2 * l->nwindows + 2 + l->nexog;
}

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
      return pc_error_set(e, PC_MODEL, "covariate '%s' (xgboost exog) is not "
                          "a column of the data", l->exog[i]);
    }
    cols[i] = (size_t)j;
  }
  return PC_OK;
}

/* ---- one row ------------------------------------------------------------ */

/* Running sums of the returns before a target, newest first, shifted by
 * the newest return: with the shift, s2 - s1^2/n loses no precision to
 * cancellation (returns are small and close together), and windows listed
 * in increasing order cost one pass over the longest. */
typedef struct {
  double shift, s1, s2;
  int count;
} window_sums;

static void window_stats(const double *ret, size_t nret, int w,
                         window_sums *a, double *mean, double *sd) {
  if (w < a->count) {
    a->s1 = a->s2 = 0.0;
    a->count = 0;
  }
  for (; a->count < w; a->count++) {
    double x = ret[nret - 1 - (size_t)a->count] - a->shift;
    a->s1 += x;
    a->s2 += x * x;
  }
  double ss = a->s2 - a->s1 * a->s1 / w;
  *mean = a->shift + a->s1 / w;
  *sd = sqrt(ss > 0.0 ? ss / (w - 1) : 0.0);
}

void pc_xgb_feature_row(const pc_xgb_layout *l, const double *ret,
                        size_t nret, pc_date date, const double *exog,
                        float *out) {
  int k = 0, y = 0, m = 0, d = 0;
  for (int i = 0; i < l->nlags; i++) {
    out[k++] = (float)ret[nret - (size_t)l->lags[i]];
  }
  window_sums sums = {ret[nret - 1], 0.0, 0.0, 0};
  for (int i = 0; i < l->nwindows; i++) {
    double mean = 0.0, sd = 0.0;
    window_stats(ret, nret, l->windows[i], &sums, &mean, &sd);
    out[k++] = (float)mean;
    out[k++] = (float)sd;
  }
  pc_date_to_ymd(date, &y, &m, &d);
  out[k++] = (float)pc_date_weekday(date);
  out[k++] = (float)m;
  for (int i = 0; i < l->nexog; i++) {
    out[k++] = (float)exog[i];
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
  r->ret = malloc((h->n + 1) * sizeof *r->ret);
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
      r->ret[r->n] = pc_ln(c / prev);
      r->row[r->n++] = i;
    }
    prev = c;
  }
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

/* Fills the rows: return k is a target when `span` returns precede it. */
static void samples_fill(const pc_xgb_layout *l, const pc_history *h,
                         const pc_xgb_returns *r, const size_t *cols,
                         pc_xgb_samples *s) {
  size_t span = (size_t)pc_xgb_span(l), from = 0;
  double last[PC_XGB_MAX_EXOG];
  for (int j = 0; j < l->nexog; j++) {
    last[j] = NAN;
  }
  for (size_t k = span; k < r->n; k++) {
    size_t row = r->row[k];
    carry_exog(h, cols, l->nexog, &from, row, last);
    pc_xgb_feature_row(l, r->ret, k, h->date[row], last,
                       s->x + s->n * (size_t)s->nfeat);
    s->y[s->n] = r->ret[k];
    s->row[s->n++] = row;
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
