/* Averages of stored scores (pathcast/store/scores.h) per model by horizon,
 * month, year or model, with skill against the job's baseline, and their
 * tables (pathcast/eval/evaluate.h).  The scoring itself runs on every rank as
 * a phase of the driver; `evaluate` and `report` (the command layer) collect
 * and print through this.  Metrics are defined in docs/EVALUATION.md
 * exactly as computed here.
 *
 * Evaluation never reads forecast paths: everything here is computed from the
 * stored scores, so evaluate and report run in seconds over years of forecasts,
 * and the two always agree, since they sum the same values in the same order
 * (docs/EVALUATION.md, "One number per model"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pathcast/eval/evaluate.h"
#include "pathcast/core/json.h"
#include "pathcast/core/metrics.h"
#include "pathcast/store/scores.h"

/* The CSV and JSON names of the printed means, in PC_EV_* order; scripts read
 * these names, so renaming one is an interface change. */
const char *const pc_eval_column_names[PC_EV_PRINTED] = {
    "mae_median", "rmse_median", "mae_mean", "rmse_mean", "mape_pct",
    "directional_pct", "crps", "pinball", "coverage_50", "coverage_80",
    "coverage_95", "width_50", "width_80", "width_95", "pit_mean"};

/* The M5 levels among pc_score_levels (all but 0.1 and 0.9). */
/* Indices into pc_score_levels, which is ascending and has 0.1 (index 2) and
 * 0.9 (index 8) added: the pinball loss is the M5 one and must not include
 * them. */
static const int m5_level[PC_NQUANTILES] = {0, 1, 3, 4, 5, 6, 7, 9, 10};

/* Central intervals (lower level index, upper, coverage sum, width sum). */
static const struct {
  int lo, hi, cov, width;
} intervals[] = {
    {PC_LEVEL_25, PC_LEVEL_75, PC_EV_COV50, PC_EV_W50},
    {PC_LEVEL_10, PC_LEVEL_90, PC_EV_COV80, PC_EV_W80},
    {PC_LEVEL_025, PC_LEVEL_975, PC_EV_COV95, PC_EV_W95},
    /* The 67% and 99% intervals (levels 0.165..0.835 and 0.005..0.995) feed
     * only the report's calibration table, so they have no width column. */
    {3, 7, PC_EV_COV67, -1},
    {0, 10, PC_EV_COV99, -1},
};

/* Groups are few (14 horizons, or months, or years), so a linear search from
 * the end beats a hash table; they are sorted once after collection. Returns
 * NULL only when out of memory; the list is unchanged then. */
static pc_eval_group *group_for(pc_eval_groups *l, int key) {
  for (size_t i = l->n; i-- > 0;) { /* keys mostly arrive in order */
    if (l->g[i].key == key) {
      return &l->g[i];
    }
  }
  pc_eval_group *grown = realloc(l->g, (l->n + 1) * sizeof *grown);
  if (grown == NULL) {
    return NULL;
  }
  l->g = grown;
  memset(&l->g[l->n], 0, sizeof l->g[l->n]);
  l->g[l->n].key = key;
  return &l->g[l->n++];
}

/* By model: one group, key 0, pooling every horizon of every forecast. */
static int group_key(pc_eval_by by, pc_date d, int horizon) {
  int y, m, dd;
  pc_date_to_ymd(d, &y, &m, &dd);
  return by == PC_BY_HORIZON ? horizon
         : by == PC_BY_MONTH ? pc_date_month_index(d)
         : by == PC_BY_YEAR  ? y
                             : 0;
}

/* Adds horizon k of forecast i (its actual known) to a group. */
/* Only called with a known actual, so every sum here has the same count g->n,
 * except the direction, which skips ties with the last close (a flat day says
 * nothing about direction) and has its own count. */
static void add_pair(pc_eval_group *g, const pc_scores *s, size_t i,
                     size_t k) {
  size_t at = i * (size_t)s->horizon + k;
  const double *q = &s->quantile[at * PC_SCORE_NLEVELS];
  double y = s->actual[at], med = q[PC_LEVEL_MEDIAN], mean = s->mean[at];
  double last = s->last[i], pin = 0.0, *sum = g->sum;
  for (int j = 0; j < PC_NQUANTILES; j++) {
    pin += pc_pinball(q[m5_level[j]], y, pc_score_levels[m5_level[j]]) /
           PC_NQUANTILES;
  }
  sum[PC_EV_AE_MED] += fabs(med - y);
  sum[PC_EV_SE_MED] += (med - y) * (med - y);
  sum[PC_EV_AE_MEAN] += fabs(mean - y);
  sum[PC_EV_SE_MEAN] += (mean - y) * (mean - y);
  /* Closes are positive (the data check refuses others), so the percentage
   * error is defined. */
  sum[PC_EV_APE] += 100.0 * fabs(med - y) / y;
  sum[PC_EV_CRPS] += s->crps[at];
  sum[PC_EV_PINBALL] += pin;
  sum[PC_EV_PIT] += s->pit[at];
  /* A PIT of exactly 1 would index one past the last bin; it belongs to the
   * last. */
  int bin = (int)(s->pit[at] * PC_EV_PIT_BINS);
  sum[PC_EV_PIT_BIN + (bin < PC_EV_PIT_BINS ? bin : PC_EV_PIT_BINS - 1)] += 1;
  for (size_t j = 0; j < sizeof intervals / sizeof intervals[0]; j++) {
    double lo = q[intervals[j].lo], hi = q[intervals[j].hi];
    /* Closed interval: an actual equal to a quantile is covered, which matters
     * for point-mass forecasts (naive) whose quantiles coincide. */
    sum[intervals[j].cov] += y >= lo && y <= hi;
    if (intervals[j].width >= 0) {
      sum[intervals[j].width] += hi - lo;
    }
  }
  if (!isnan(last) && y != last && med != last) {
    sum[PC_EV_DIR] += 100.0 * ((med > last) == (y > last));
    g->n_dir++;
  }
  g->n++;
}

/* Horizons whose actual is not observed yet are skipped, so recent forecasts
 * count with the days already known. */
static pc_status add_forecast(pc_eval_groups *l, const pc_scores *s, size_t i,
                              pc_eval_by by) {
  size_t h = (size_t)s->horizon;
  for (size_t k = 0; k < h; k++) {
    if (isnan(s->actual[i * h + k])) {
      continue;
    }
    pc_eval_group *g = group_for(l, group_key(by, s->date[i], (int)k + 1));
    if (g == NULL) {
      return PC_NOMEM;
    }
    add_pair(g, s, i, k);
  }
  /* The energy score scores a forecast, not a horizon: by horizon, every
   * row shows the model's mean. */
  if (!isnan(s->energy[i])) {
    pc_eval_group *g = group_for(l, group_key(by, s->date[i], 1));
    if (g == NULL) {
      return PC_NOMEM;
    }
    l->es += s->energy[i];
    l->n_es++;
    g->es += s->energy[i];
    g->n_es++;
  }
  return PC_OK;
}

/* By forecast date, inclusive; either bound may be absent (all stored forecasts
 * on that side). */
static int in_range(const pc_job *job, pc_date d) {
  return (job->start == PC_DATE_NONE || d >= job->start) &&
         (job->end == PC_DATE_NONE || d <= job->end);
}

static int cmp_group(const void *a, const void *b) {
  const pc_eval_group *x = a, *y = b;
  return (x->key > y->key) - (x->key < y->key);
}

/* Reads each scores file once and adds its forecasts to every view. */
/* A damaged or unreadable scores file ends the collection with its error: the
 * scoring phase that ran just before has rescored every file it could, so what
 * remains damaged is reported rather than silently left out of the averages. */
static pc_status collect_model(pc_store *store, const pc_job *job, size_t m,
                               const pc_eval_view *views, size_t nviews,
                               pc_error *e) {
  const char *model = job->models[m].name;
  int32_t *months = NULL;
  size_t nm = 0;
  pc_scores s;
  pc_scores_init(&s, job->horizon);
  /* The partitions that exist: scores left by a partition removed by hand
   * do not count. */
  pc_status st = pc_store_forecast_months(store, model, job->model_version,
                                          &months, &nm, e);
  for (size_t j = 0; st == PC_OK && j < nm; j++) {
    st = pc_store_read_scores(store, model, job->model_version, months[j], &s,
                              0, e);
    for (size_t i = 0; st == PC_OK && i < s.n; i++) {
      if (!in_range(job, s.date[i])) {
        continue;
      }
      for (size_t v = 0; st == PC_OK && v < nviews; v++) {
        st = add_forecast(&views[v].lists[m], &s, i, views[v].by);
      }
    }
  }
  if (st == PC_NOMEM) {
    pc_error_set(e, st, "out of memory");
  }
  for (size_t v = 0; v < nviews; v++) {
    pc_eval_groups *l = &views[v].lists[m];
    qsort(l->g, l->n, sizeof *l->g, cmp_group);
  }
  pc_scores_fini(&s);
  free(months);
  return st;
}

/* Fills views[v].lists[m] for every scored model m (the printed ones and the
 * baseline); the caller frees them with pc_eval_free, also after a failure. */
pc_status pc_eval_collect(pc_store *store, const pc_job *job,
                          const pc_eval_view *views, size_t nviews,
                          pc_error *e) {
  pc_status st = PC_OK;
  for (size_t m = 0; st == PC_OK && m < job->nmodels; m++) {
    if (pc_job_model_scored(job, m)) {
      st = collect_model(store, job, m, views, nviews, e);
    }
  }
  return st;
}

void pc_eval_free(pc_eval_groups *lists, size_t n) {
  for (size_t m = 0; lists != NULL && m < n; m++) {
    free(lists[m].g);
    memset(&lists[m], 0, sizeof lists[m]);
  }
}

/* ---- output ----------------------------------------------------------- */

static void group_label(pc_eval_by by, int key, char *buf, size_t len) {
  if (by == PC_BY_MONTH) {
    snprintf(buf, len, "%04d-%02d", key / 12, key % 12 + 1);
  } else if (by == PC_BY_MODEL) {
    snprintf(buf, len, "all");
  } else {
    snprintf(buf, len, "%d", key);
  }
}

/* Means of the sums; RMSE is the root of the mean square. An empty group
 * gives NaN (nan in CSV and the table, null in JSON). */
void pc_eval_means(const pc_eval_group *g, double *m) {
  for (int i = 0; i < PC_EV_PRINTED; i++) {
    m[i] = g->n ? g->sum[i] / (double)g->n : NAN;
  }
  m[PC_EV_SE_MED] = sqrt(m[PC_EV_SE_MED]);
  m[PC_EV_SE_MEAN] = sqrt(m[PC_EV_SE_MEAN]);
  m[PC_EV_DIR] = g->n_dir ? g->sum[PC_EV_DIR] / (double)g->n_dir : NAN;
}

/* Skill 1 - score / baseline score, matched group by group (same horizon, month
 * or year), with pooled means on both sides: the mean of the ratios would
 * weight small groups as heavily as large ones. NaN when the baseline has no
 * such group or a zero score. */
double pc_eval_skill(const pc_eval_group *g, const pc_eval_groups *baseline,
                     int what) {
  for (size_t i = 0; baseline != NULL && i < baseline->n; i++) {
    const pc_eval_group *b = &baseline->g[i];
    if (b->key == g->key && b->n > 0 && g->n > 0) {
      double base = b->sum[what] / (double)b->n;
      return base > 0 ? 1.0 - (g->sum[what] / (double)g->n) / base : NAN;
    }
  }
  return NAN;
}

/* The group column's name: by model, the one row is every horizon ("all"),
 * so a by-model table reads like a by-horizon one with a pooled row. */
static const char *const by_names[] = {"horizon", "month", "year",
                                       "horizon"};

/* One printed row: a model's group with its means, energy and skill. */
typedef struct {
  const char *model, *version;
  char label[16];
  const pc_eval_group *g;
  double m[PC_EV_PRINTED];
  double es;
  double skill[4]; /* against the baseline: MAE, pinball, energy, CRPS */
} row;

/* The skill columns are named after the baseline they compare against:
 * <what>_skill_vs_<baseline>. */
static const char *const skill_names[4] = {"mae", "pinball", "energy",
                                           "crps"};

/* How rows are printed: CSV, JSON lines or the aligned table, with a
 * model_version column when versions are shown side by side (JSON always
 * names the version). */
typedef struct {
  FILE *out;
  int csv, json, versions;
  const char *by;
  const char *baseline;
} printer;

static void print_header(const printer *pr) {
  FILE *out = pr->out;
  if (pr->csv) {
    fprintf(out, "model,%s%s,n", pr->versions ? "model_version," : "",
            pr->by);
    for (int i = 0; i < PC_EV_PRINTED; i++) {
      fprintf(out, ",%s", pc_eval_column_names[i]);
    }
    fputs(",energy_score", out);
    for (int i = 0; i < 4; i++) {
      fprintf(out, ",%s_skill_vs_%s", skill_names[i], pr->baseline);
    }
    fputc('\n', out);
    return;
  }
  fprintf(out, "%-16s ", "MODEL");
  if (pr->versions) {
    fprintf(out, "%-8s ", "VERSION");
  }
  fprintf(out, "%-8s %6s %9s %9s %7s %6s %9s %9s %6s %6s %6s %9s %6s %9s "
          "%7s\n", pr->by, "N", "MAE(med)", "RMSE(med)", "MAPE%", "DIR%",
          "CRPS", "PINBALL", "COV50", "COV80", "COV95", "W80", "PIT",
          "ENERGY", "SKILL");
}

static void print_csv_row(FILE *out, int versions, const row *r) {
  fprintf(out, "%s,", r->model);
  if (versions) {
    fprintf(out, "%s,", r->version);
  }
  fprintf(out, "%s,%ld", r->label, r->g->n);
  for (int i = 0; i < PC_EV_PRINTED; i++) {
    fprintf(out, ",%.10g", r->m[i]);
  }
  fprintf(out, ",%.10g", r->es);
  for (int i = 0; i < 4; i++) {
    fprintf(out, ",%.10g", r->skill[i]);
  }
  fputc('\n', out);
}

static void print_row(const printer *pr, const row *r) {
  const double *m = r->m;
  FILE *out = pr->out;
  if (pr->csv) {
    print_csv_row(out, pr->versions, r);
    return;
  }
  fprintf(out, "%-16s ", r->model);
  if (pr->versions) {
    fprintf(out, "%-8s ", r->version);
  }
  fprintf(out, "%-8s %6ld %9.4f %9.4f %7.3f %6.1f %9.4f %9.4f %6.3f "
          "%6.3f %6.3f %9.4f %6.3f %9.4f %7.3f\n", r->label,
          r->g->n, m[PC_EV_AE_MED], m[PC_EV_SE_MED], m[PC_EV_APE],
          m[PC_EV_DIR], m[PC_EV_CRPS], m[PC_EV_PINBALL], m[PC_EV_COV50],
          m[PC_EV_COV80], m[PC_EV_COV95], m[PC_EV_W80], m[PC_EV_PIT], r->es,
          r->skill[3]);
}

static void print_json_row(const printer *pr, const row *r) {
  FILE *out = pr->out;
  const char *by = pr->by;
  fputs("{\"model\":", out);
  pc_json_string(out, r->model);
  fputs(",\"model_version\":", out);
  pc_json_string(out, r->version);
  fprintf(out, ",\"%s\":", by);
  pc_json_string(out, r->label);
  fprintf(out, ",\"n\":%ld", r->g->n);
  for (int i = 0; i < PC_EV_PRINTED; i++) {
    fprintf(out, ",\"%s\":", pc_eval_column_names[i]);
    pc_json_number(out, r->m[i]);
  }
  fputs(",\"energy_score\":", out);
  pc_json_number(out, r->es);
  for (int i = 0; i < 4; i++) {
    fprintf(out, ",\"%s_skill_vs_%s\":", skill_names[i], pr->baseline);
    pc_json_number(out, r->skill[i]);
  }
  fputs("}\n", out);
}

/* The energy score of a group: by horizon, the model's mean (it scores a
 * forecast, not a horizon); else the mean over the group's forecasts. */
static double energy_of(pc_eval_by by, const pc_eval_groups *l,
                        const pc_eval_group *g) {
  if (by == PC_BY_HORIZON) {
    return l->n_es ? l->es / (double)l->n_es : NAN;
  }
  return g->n_es ? g->es / (double)g->n_es : NAN;
}

static double energy_skill(pc_eval_by by, double es, const pc_eval_group *g,
                           const pc_eval_groups *baseline) {
  for (size_t i = 0; baseline != NULL && i < baseline->n; i++) {
    if (baseline->g[i].key == g->key) {
      double base = energy_of(by, baseline, &baseline->g[i]);
      return base > 0 ? 1.0 - es / base : NAN;
    }
  }
  return NAN;
}

static void make_row(row *r, pc_eval_by by, const pc_eval_groups *l,
                     const pc_eval_group *g, const pc_eval_groups *baseline) {
  r->g = g;
  group_label(by, g->key, r->label, sizeof r->label);
  pc_eval_means(g, r->m);
  r->es = energy_of(by, l, g);
  r->skill[0] = pc_eval_skill(g, baseline, PC_EV_AE_MED);
  r->skill[1] = pc_eval_skill(g, baseline, PC_EV_PINBALL);
  r->skill[2] = energy_skill(by, r->es, g, baseline);
  r->skill[3] = pc_eval_skill(g, baseline, PC_EV_CRPS);
}

/* One model of one version: its rows, with skill against the baseline
 * of the same version. */
static void print_model(const printer *pr, const pc_job *job, pc_eval_by by,
                        size_t m, const char *version,
                        const pc_eval_groups *lists) {
  long rw = pc_job_baseline(job);
  for (size_t i = 0; i < lists[m].n; i++) {
    row r = {.model = job->models[m].name, .version = version};
    make_row(&r, by, &lists[m], &lists[m].g[i], rw >= 0 ? &lists[rw] : NULL);
    if (pr->json) {
      print_json_row(pr, &r);
    } else {
      print_row(pr, &r);
    }
  }
}

void pc_eval_print(FILE *out, const pc_job *job, pc_eval_by by,
                   const pc_eval_version *versions, size_t nversions) {
  /* auto: an aligned table for a person at a terminal, CSV for a pipe or
   * a file. */
  printer pr = {out,
                strcmp(job->format, "csv") == 0 ||
                    (strcmp(job->format, "auto") == 0 && !isatty(fileno(out))),
                strcmp(job->format, "json") == 0, nversions > 1, by_names[by],
                job->baseline};
  if (!pr.json) {
    print_header(&pr);
  }
  /* Model by model, each model's versions in the order listed. */
  for (size_t m = 0; m < job->nmodels; m++) {
    for (size_t v = 0; pc_job_model_selected(job, m) && v < nversions; v++) {
      print_model(&pr, job, by, m, versions[v].version, versions[v].lists);
    }
  }
}

pc_eval_by pc_eval_by_of(const char *by) {
  return strcmp(by, "month") == 0   ? PC_BY_MONTH
         : strcmp(by, "year") == 0  ? PC_BY_YEAR
         : strcmp(by, "model") == 0 ? PC_BY_MODEL
                                    : PC_BY_HORIZON;
}

