/* `pathcast evaluate`: scores every stored forecast whose actuals are known
 * against the observed closes, and prints the averages per model by
 * horizon, month or year, with skill against random_walk.  Metrics are
 * defined in docs/EVALUATION.md exactly as computed here. */
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/json.h"
#include "pathcast/metrics.h"
#include "pathcast/run.h"
#include "pathcast/store.h"

/* Sums of one group (a horizon, a month or a year) of one model. */
enum {
  M_AE_MED, M_SE_MED, M_AE_MEAN, M_SE_MEAN, M_APE, M_DIR, M_CRPS, M_PINBALL,
  M_COV50, M_COV80, M_COV95, M_W50, M_W80, M_W95, M_PIT, M_COUNT
};
static const char *const metric_names[M_COUNT] = {
    "mae_median", "rmse_median", "mae_mean", "rmse_mean", "mape_pct",
    "directional_pct", "crps", "pinball", "coverage_50", "coverage_80",
    "coverage_95", "width_50", "width_80", "width_95", "pit_mean"};

typedef struct {
  int key;          /* horizon 1..H, month index, or year */
  long n;           /* scored (forecast, horizon) pairs */
  long n_dir;       /* pairs with a direction to call */
  long n_es;        /* forecasts with all H actuals (energy score) */
  double sum[M_COUNT];
  double es;
} group;

typedef struct {
  group *g;
  size_t n;
  double es; /* energy scores of the model's forecasts (all groups) */
  long n_es;
} group_list;

typedef struct {
  const pc_job *job;
  pc_store *store;
  pc_series series;
  int by; /* 0 horizon, 1 month, 2 year */
  double *column, *sorted, *y;
} eval_ctx;

static group *group_for(group_list *l, int key) {
  for (size_t i = 0; i < l->n; i++) {
    if (l->g[i].key == key) {
      return &l->g[i];
    }
  }
  group *grown = realloc(l->g, (l->n + 1) * sizeof *grown);
  if (grown == NULL) {
    return NULL;
  }
  l->g = grown;
  memset(&l->g[l->n], 0, sizeof l->g[l->n]);
  l->g[l->n].key = key;
  return &l->g[l->n++];
}

static double close_on(const pc_series *s, pc_date d) {
  long r = pc_series_find(s, d);
  return r < 0 ? NAN : s->close[r];
}

static int group_key(const eval_ctx *c, pc_date d, int horizon) {
  int y, m, dd;
  pc_date_to_ymd(d, &y, &m, &dd);
  return c->by == 0 ? horizon : c->by == 1 ? pc_date_month_index(d) : y;
}

/* Scores horizon k of forecast i (its actual y is known). */
static void score_horizon(group *g, const double *sorted, size_t n, double y,
                          double last) {
  double mean = 0.0;
  for (size_t i = 0; i < n; i++) {
    mean += sorted[i] / (double)n;
  }
  double med = pc_quantile(sorted, n, 0.5), pin = 0.0;
  for (int q = 0; q < PC_NQUANTILES; q++) {
    double level = pc_quantile_levels[q];
    pin += pc_pinball(pc_quantile(sorted, n, level), y, level) / PC_NQUANTILES;
  }
  double *s = g->sum;
  s[M_AE_MED] += fabs(med - y);
  s[M_SE_MED] += (med - y) * (med - y);
  s[M_AE_MEAN] += fabs(mean - y);
  s[M_SE_MEAN] += (mean - y) * (mean - y);
  s[M_APE] += 100.0 * fabs(med - y) / y;
  s[M_CRPS] += pc_crps(sorted, n, y);
  s[M_PINBALL] += pin;
  s[M_PIT] += pc_pit(sorted, n, y);
  static const double central[3] = {0.50, 0.80, 0.95};
  for (int j = 0; j < 3; j++) {
    double lo = pc_quantile(sorted, n, 0.5 - central[j] / 2);
    double hi = pc_quantile(sorted, n, 0.5 + central[j] / 2);
    s[M_COV50 + j] += y >= lo && y <= hi;
    s[M_W50 + j] += hi - lo;
  }
  if (!isnan(last) && y != last && med != last) {
    s[M_DIR] += 100.0 * ((med > last) == (y > last));
    g->n_dir++;
  }
  g->n++;
}

static void score_forecast(eval_ctx *c, group_list *groups,
                           const pc_partition *p, size_t i) {
  size_t paths = (size_t)p->paths, h = (size_t)p->horizon;
  const float *v = pc_partition_values(p, i);
  double last = close_on(&c->series, p->cutoff[i]);
  int known = 0;
  for (size_t k = 0; k < h; k++) {
    c->y[k] = close_on(&c->series, p->day[i * h + k]);
    if (isnan(c->y[k])) {
      continue;
    }
    known++;
    for (size_t j = 0; j < paths; j++) {
      c->column[j] = v[j * h + k];
    }
    pc_sort_sample(c->column, paths, c->sorted);
    group *g = group_for(groups, group_key(c, p->date[i], (int)k + 1));
    if (g != NULL) {
      score_horizon(g, c->sorted, paths, c->y[k], last);
    }
  }
  /* The energy score needs the whole observed path.  It scores a forecast,
   * not a horizon: by horizon, every row shows the model's mean. */
  if ((size_t)known != h) {
    return;
  }
  double es = pc_energy_score(v, paths, h, c->y);
  groups->es += es;
  groups->n_es++;
  group *g = group_for(groups, group_key(c, p->date[i], 1));
  if (g != NULL) {
    g->es += es;
    g->n_es++;
  }
}

static pc_status score_model(eval_ctx *c, const char *model, group_list *out,
                             pc_error *e) {
  const pc_job *job = c->job;
  int32_t *months = NULL;
  size_t nm = 0;
  pc_status st = pc_store_forecast_months(c->store, model, job->model_version,
                                          &months, &nm, e);
  pc_partition p;
  pc_partition_init(&p, job->paths, job->horizon);
  for (size_t j = 0; st == PC_OK && j < nm; j++) {
    st = pc_store_read_partition(c->store, model, job->model_version,
                                 months[j], &p, 0, e);
    for (size_t i = 0; st == PC_OK && i < p.n; i++) {
      if ((job->start == PC_DATE_NONE || p.date[i] >= job->start) &&
          (job->end == PC_DATE_NONE || p.date[i] <= job->end)) {
        score_forecast(c, out, &p, i);
      }
    }
  }
  pc_partition_fini(&p);
  free(months);
  return st;
}

/* ---- output ----------------------------------------------------------- */

static int cmp_group(const void *a, const void *b) {
  const group *x = a, *y = b;
  return (x->key > y->key) - (x->key < y->key);
}

static void group_label(const eval_ctx *c, int key, char *buf, size_t len) {
  if (c->by == 1) {
    snprintf(buf, len, "%04d-%02d", key / 12, key % 12 + 1);
  } else {
    snprintf(buf, len, "%d", key);
  }
}

/* The averages of a group, in metric_names order. */
static void group_means(const group *g, double *m) {
  for (int i = 0; i < M_COUNT; i++) {
    m[i] = g->n ? g->sum[i] / (double)g->n : NAN;
  }
  m[M_SE_MED] = sqrt(m[M_SE_MED]);
  m[M_SE_MEAN] = sqrt(m[M_SE_MEAN]);
  m[M_DIR] = g->n_dir ? g->sum[M_DIR] / (double)g->n_dir : NAN;
}

static double skill_of(const group *g, const group_list *rw) {
  for (size_t i = 0; rw != NULL && i < rw->n; i++) {
    if (rw->g[i].key == g->key && rw->g[i].n > 0 && g->n > 0) {
      double base = rw->g[i].sum[M_CRPS] / (double)rw->g[i].n;
      return base > 0 ? 1.0 - (g->sum[M_CRPS] / (double)g->n) / base : NAN;
    }
  }
  return NAN;
}

static void print_header(FILE *out, int csv, const char *by) {
  if (csv) {
    fprintf(out, "model,%s,n", by);
    for (int i = 0; i < M_COUNT; i++) {
      fprintf(out, ",%s", metric_names[i]);
    }
    fputs(",energy_score,crps_skill_vs_random_walk\n", out);
    return;
  }
  fprintf(out, "%-16s %-8s %6s %9s %9s %7s %6s %9s %9s %6s %6s %6s %9s %6s "
          "%9s %7s\n", "MODEL", by, "N", "MAE(med)", "RMSE(med)", "MAPE%",
          "DIR%", "CRPS", "PINBALL", "COV50", "COV80", "COV95", "W80",
          "PIT", "ENERGY", "SKILL");
}

static double energy_of(const eval_ctx *c, const group_list *l, const group *g) {
  if (c->by == 0) {
    return l->n_es ? l->es / (double)l->n_es : NAN;
  }
  return g->n_es ? g->es / (double)g->n_es : NAN;
}

static void print_row(FILE *out, int csv, const eval_ctx *c, const char *model,
                      const group *g, double skill, double es) {
  double m[M_COUNT];
  char label[16];
  group_means(g, m);
  group_label(c, g->key, label, sizeof label);
  if (csv) {
    fprintf(out, "%s,%s,%ld", model, label, g->n);
    for (int i = 0; i < M_COUNT; i++) {
      fprintf(out, ",%.10g", m[i]);
    }
    fprintf(out, ",%.10g,%.10g\n", es, skill);
    return;
  }
  fprintf(out, "%-16s %-8s %6ld %9.4f %9.4f %7.3f %6.1f %9.4f %9.4f %6.3f "
          "%6.3f %6.3f %9.4f %6.3f %9.4f %7.3f\n", model, label, g->n,
          m[M_AE_MED], m[M_SE_MED], m[M_APE], m[M_DIR], m[M_CRPS],
          m[M_PINBALL], m[M_COV50], m[M_COV80], m[M_COV95], m[M_W80],
          m[M_PIT], es, skill);
}

static void print_json_row(FILE *out, const eval_ctx *c, const char *model,
                           const char *by, const group *g, double skill,
                           double es) {
  double m[M_COUNT];
  char label[16];
  group_means(g, m);
  group_label(c, g->key, label, sizeof label);
  fputs("{\"model\":", out);
  pc_json_string(out, model);
  fprintf(out, ",\"%s\":", by);
  pc_json_string(out, label);
  fprintf(out, ",\"n\":%ld", g->n);
  for (int i = 0; i < M_COUNT; i++) {
    fprintf(out, ",\"%s\":", metric_names[i]);
    pc_json_number(out, m[i]);
  }
  fputs(",\"energy_score\":", out);
  pc_json_number(out, es);
  fputs(",\"crps_skill_vs_random_walk\":", out);
  pc_json_number(out, skill);
  fputs("}\n", out);
}

static void print_all(FILE *out, const eval_ctx *c, group_list *lists) {
  const pc_job *job = c->job;
  static const char *const by_names[] = {"horizon", "month", "year"};
  const char *by = by_names[c->by];
  int csv = strcmp(job->format, "csv") == 0;
  int json = strcmp(job->format, "json") == 0;
  long rw = pc_job_find_model(job, "random_walk");
  if (!json) {
    print_header(out, csv, by);
  }
  for (size_t m = 0; m < job->nmodels; m++) {
    group_list *l = &lists[m];
    qsort(l->g, l->n, sizeof *l->g, cmp_group);
    if (job->model_filter[0] != '\0' &&
        strcmp(job->model_filter, job->models[m].name) != 0) {
      continue; /* scored only as the skill baseline */
    }
    for (size_t i = 0; i < l->n; i++) {
      double skill = skill_of(&l->g[i], rw >= 0 ? &lists[rw] : NULL);
      double es = energy_of(c, l, &l->g[i]);
      if (json) {
        print_json_row(out, c, job->models[m].name, by, &l->g[i], skill, es);
      } else {
        print_row(out, csv, c, job->models[m].name, &l->g[i], skill, es);
      }
    }
  }
}

/* ---- the command ------------------------------------------------------ */

static int by_of(const char *by) {
  return strcmp(by, "month") == 0 ? 1 : strcmp(by, "year") == 0 ? 2 : 0;
}

pc_status pc_evaluate(const pc_job *job, FILE *out, pc_error *e) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  eval_ctx c;
  memset(&c, 0, sizeof c);
  c.job = job;
  c.by = by_of(job->by);
  pc_status st = pc_store_open(&c.store, job->store, PC_STORE_READ, NULL, e);
  if (st != PC_OK) {
    return st;
  }
  st = pc_store_read_series(c.store, &c.series, e);
  group_list *lists = calloc(job->nmodels, sizeof *lists);
  c.column = malloc((size_t)job->paths * sizeof *c.column);
  c.sorted = malloc((size_t)job->paths * sizeof *c.sorted);
  c.y = malloc((size_t)job->horizon * sizeof *c.y);
  if (st == PC_OK && (!lists || !c.column || !c.sorted || !c.y)) {
    st = pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (size_t m = 0; st == PC_OK && m < job->nmodels; m++) {
    if (job->model_filter[0] == '\0' ||
        strcmp(job->model_filter, job->models[m].name) == 0 ||
        strcmp(job->models[m].name, "random_walk") == 0) {
      st = score_model(&c, job->models[m].name, &lists[m], e);
    }
  }
  if (st == PC_OK) {
    print_all(out, &c, lists);
  }
  for (size_t m = 0; lists != NULL && m < job->nmodels; m++) {
    free(lists[m].g);
  }
  free(lists);
  free(c.column);
  free(c.sorted);
  free(c.y);
  pc_series_fini(&c.series);
  pc_store_close(c.store);
  return st;
}
