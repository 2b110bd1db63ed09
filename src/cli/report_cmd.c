/* `pathcast report`: after the scoring phase (the same as evaluate's), rank
 * 0 draws the figures from the stored scores and writes index.html beside
 * them: a summary table, a fan chart of each model's latest forecast, CRPS
 * and coverage by horizon, a calibration plot, PIT histograms and the
 * monthly CRPS skill against the baseline (docs/EVALUATION.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/eval/evaluate.h"
#include "pathcast/core/file.h"
#include "pathcast/core/plot.h"
#include "pathcast/core/quality.h"
#include "pathcast/store/scores.h"
#include "pathcast/core/series.h"
#include "pathcast/store/store.h"
#include "present.h"

/* Figure size in pixels. The page repeats it in each <img> so the browser lays
 * the page out before the PNGs arrive. */
#define FIG_W 900
#define FIG_H 500
/* Observed closes (rows with a close), not calendar days. */
#define HISTORY_DAYS 60 /* observed closes shown before a fan */
/* Six months smooths the month-to-month noise of a CRPS mean over some 21
 * forecasts a month; skill_figure's title says "6 months" in words, so a change
 * here must change it too. */
#define SKILL_MONTHS 6  /* the window of the rolling skill */

/* One report under construction. pc_report_html owns and releases the store,
 * the series and the three group lists; job and e are borrowed. */
typedef struct {
  pc_store *store;  /* read as a reader, after the run closed it */
  pc_series series; /* the store's actuals */
  const pc_job *job;
  char dir[4096];
  pc_eval_groups *by_h; /* per model, by horizon */
  pc_eval_groups *by_m; /* per model, by month */
  pc_eval_groups *all;  /* per model, every horizon pooled (one group) */
  long rw;              /* index of the baseline model, or -1 */
  FILE *html;
  pc_error *e;
} report;

static const char *model_name(const report *r, size_t m) {
  return r->job->models[m].name;
}

/* Writes a figure as <dir>/<name> and references it from the page.
 * Takes p over and frees it whatever happens, so a caller never frees a figure
 * it handed here. The PNG is written before the page refers to it; a failed
 * write leaves no <figure> behind. */
static pc_status emit_figure(report *r, pc_plot *p, const char *name,
                             const char *alt) {
  char path[4096 + 128];
  snprintf(path, sizeof path, "%s/%s", r->dir, name);
  pc_status st = pc_plot_write_png(p, path, r->e);
  pc_plot_free(p);
  if (st == PC_OK) {
    fprintf(r->html, "<figure><img src=\"%s\" width=\"%d\" height=\"%d\" "
            "alt=\"%s\"><figcaption>%s</figcaption></figure>\n", name, FIG_W,
            FIG_H, alt, alt);
  }
  return st;
}

static pc_status new_figure(report *r, pc_plot **p, const char *title,
                            const char *xlabel, const char *ylabel) {
  return pc_plot_new(p, FIG_W, FIG_H, title, xlabel, ylabel, r->e);
}

/* Text from the job (a store path may hold any character) as HTML.
 * Model names need no escaping (lower case, digits and '_', see the job
 * reader), but the commodity, store path and model version are user text that
 * may hold any of these four characters. */
static void html_text(FILE *f, const char *s) {
  for (; *s != '\0'; s++) {
    switch (*s) {
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '&':
      fputs("&amp;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    default:
      fputc(*s, f);
    }
  }
}

/* ---- pooled summary ---------------------------------------------------- */

/* All horizons of a model in one group (key 0): the row `evaluate --by
 * model` prints, the same sums in the same order, so the page and the
 * table agree to the last digit.
 * A model without any scored pair gets an all-zero group, whose means are NaN
 * and print as a dash rather than as 0. */
static const pc_eval_group *pooled(const report *r, long m) {
  static const pc_eval_group none = {0};
  return m >= 0 && r->all[m].n > 0 ? &r->all[m].g[0] : &none;
}

/* NaN (no pairs, a skill without a baseline, MAPE of a zero price) prints as a
 * dash: an empty cell would read as a layout error and "nan" as a value. */
static void html_number(FILE *f, double v, const char *fmt) {
  if (isnan(v)) {
    fputs("<td>&ndash;</td>", f);
  } else {
    fputs("<td>", f);
    fprintf(f, fmt, v);
    fputs("</td>", f);
  }
}

/* The same quantities and order as `evaluate --by model`, so a reader can check
 * the page against the table. Only the models --model selects appear, here as
 * in every figure; the baseline's own row shows skill 0. */
static void summary_table(report *r) {
  FILE *f = r->html;
  const pc_eval_groups *baseline = r->rw >= 0 ? &r->all[r->rw] : NULL;
  fputs("<table>\n<tr><th>model</th><th>pairs</th><th>CRPS</th>"
        "<th>MAE (median)</th><th>RMSE (median)</th><th>MAPE %</th>"
        "<th>coverage 50%</th><th>coverage 80%</th><th>coverage 95%</th>"
        "<th>mean PIT</th><th>energy score</th><th>CRPS skill vs ", f);
  html_text(f, r->job->baseline);
  fputs("</th></tr>\n", f);
  for (size_t m = 0; m < r->job->nmodels; m++) {
    if (!pc_job_model_selected(r->job, m)) {
      continue;
    }
    const pc_eval_group *g = pooled(r, (long)m);
    double v[PC_EV_PRINTED];
    pc_eval_means(g, v);
    uint32_t rgb = pc_plot_color_rgb((int)m);
    /* the model's colour in the figures, as a square before its name */
    fprintf(f, "<tr><td><span class=\"key\" style=\"color:#%06x\">"
            "&#9632;</span>%s</td><td>%ld</td>", (unsigned)rgb,
            model_name(r, m), g->n);
    html_number(f, v[PC_EV_CRPS], "%.4f");
    html_number(f, v[PC_EV_AE_MED], "%.4f");
    html_number(f, v[PC_EV_SE_MED], "%.4f");
    html_number(f, v[PC_EV_APE], "%.3f");
    html_number(f, v[PC_EV_COV50], "%.3f");
    html_number(f, v[PC_EV_COV80], "%.3f");
    html_number(f, v[PC_EV_COV95], "%.3f");
    html_number(f, v[PC_EV_PIT], "%.3f");
    html_number(f, g->n_es ? g->es / (double)g->n_es : NAN, "%.4f");
    html_number(f, pc_eval_skill(g, baseline, PC_EV_CRPS), "%.4f");
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
}

/* ---- fan charts ---------------------------------------------------------- */

/* The latest stored forecast in the job's range: scores of its month in s,
 * its row in *row; 0 when the model has none.
 * Months are scanned newest first, and within a month rows latest first, so the
 * first row in [start, end] is the latest forecast. A month whose scores cannot
 * be read is skipped: the scoring phase already reported it, and the fan shows
 * the latest readable forecast instead. *s is the caller's (pc_scores_fini),
 * filled by the last month read. */
static int latest_forecast(report *r, size_t m, pc_scores *s, size_t *row) {
  const pc_job *job = r->job;
  int32_t *months = NULL;
  size_t nm = 0;
  int found = 0;
  pc_error why;
  if (pc_store_forecast_months(r->store, model_name(r, m),
                               job->model_version, &months, &nm,
                               &why) != PC_OK) {
    return 0;
  }
  for (size_t j = nm; j-- > 0 && !found;) {
    if (pc_store_read_scores(r->store, model_name(r, m), job->model_version,
                             months[j], s, 0, &why) != PC_OK) {
      continue;
    }
    for (size_t i = s->n; i-- > 0 && !found;) {
      if ((job->end == PC_DATE_NONE || s->date[i] <= job->end) &&
          (job->start == PC_DATE_NONE || s->date[i] >= job->start)) {
        *row = i;
        found = 1;
      }
    }
  }
  free(months);
  return found;
}

/* The last HISTORY_DAYS observed closes up to the cutoff.
 * The arrays are filled from the end so the line runs oldest to newest; missing
 * closes are skipped, so the line joins observed prices only. Dates are day
 * numbers, the x axis's unit (pc_plot_x_dates). */
static pc_status add_history(pc_plot *p, const pc_series *series,
                             pc_date cutoff) {
  double x[HISTORY_DAYS], y[HISTORY_DAYS];
  size_t n = 0;
  for (size_t i = pc_series_rows_before(series, cutoff + 1);
       i-- > 0 && n < HISTORY_DAYS;) {
    if (!isnan(series->close[i])) {
      x[HISTORY_DAYS - 1 - n] = series->date[i];
      y[HISTORY_DAYS - 1 - n] = series->close[i];
      n++;
    }
  }
  return pc_plot_line(p, x + HISTORY_DAYS - n, y + HISTORY_DAYS - n, n,
                      "observed", PC_PLOT_BLACK, false);
}

/* Quantile bands (95, 80, 50%), the median, and the actuals if known.
 * The bands come from the quantiles stored with the scores (not from the paths,
 * which the report never reads), widest first so narrower bands and the median
 * stand on top. Actuals not yet known are NaN and are not drawn, so a fan of a
 * recent date shows only the days that have closed. */
static pc_status add_fan(pc_plot *p, const pc_scores *s, size_t row,
                         int color) {
  static const int bands[3][2] = {{PC_LEVEL_025, PC_LEVEL_975},
                                  {PC_LEVEL_10, PC_LEVEL_90},
                                  {PC_LEVEL_25, PC_LEVEL_75}};
  static const char *const names[3] = {"95% interval", "80% interval",
                                       "50% interval"};
  size_t h = (size_t)s->horizon;
  double *x = malloc(h * sizeof *x), *v = malloc(4 * h * sizeof *v);
  if (x == NULL || v == NULL) {
    free(x);
    free(v);
    return PC_NOMEM;
  }
  double *lo = v, *hi = v + h, *med = v + 2 * h, *act = v + 3 * h;
  pc_status st = PC_OK;
  for (int b = 0; b < 3 && st == PC_OK; b++) {
    for (size_t k = 0; k < h; k++) {
      const double *q = &s->quantile[(row * h + k) * PC_SCORE_NLEVELS];
      x[k] = s->day[row * h + k];
      lo[k] = q[bands[b][0]];
      hi[k] = q[bands[b][1]];
      med[k] = q[PC_LEVEL_MEDIAN];
      act[k] = s->actual[row * h + k];
    }
    st = pc_plot_band(p, x, lo, hi, h, names[b], color, 0.25);
  }
  if (st == PC_OK) {
    st = pc_plot_line(p, x, med, h, "median", color, false);
  }
  if (st == PC_OK) {
    st = pc_plot_points(p, x, act, h, "actual", PC_PLOT_BLACK);
  }
  free(x);
  free(v);
  return st;
}

/* The layers' statuses are not checked one by one: a plot keeps its first
 * failure and pc_plot_write_png returns it (pathcast/core/plot.h). */
static pc_status fan_chart(report *r, size_t m) {
  pc_scores s;
  size_t row = 0;
  pc_scores_init(&s, r->job->horizon);
  if (!latest_forecast(r, m, &s, &row)) {
    fprintf(r->html, "<p>%s: no scored forecast in the range.</p>\n",
            model_name(r, m));
    pc_scores_fini(&s);
    return PC_OK;
  }
  char title[256], name[128], alt[256], d[PC_DATE_STRLEN];
  pc_date_format(s.date[row], d);
  snprintf(title, sizeof title, "%s: forecast of %s (%d paths)",
           model_name(r, m), d, r->job->paths);
  snprintf(name, sizeof name, "fan-%s.png", model_name(r, m));
  snprintf(alt, sizeof alt, "Fan chart of %s's forecast of %s: quantile "
           "bands over %d trading days, the last %d observed closes%s",
           model_name(r, m), d, s.horizon, HISTORY_DAYS,
           isnan(s.actual[row * (size_t)s.horizon]) ? ""
                                                     : ", and the actuals");
  pc_plot *p = NULL;
  pc_status st = new_figure(r, &p, title, "date", "price");
  if (st == PC_OK) {
    pc_plot_x_dates(p);
    add_history(p, &r->series, s.cutoff[row]);
    add_fan(p, &s, row, (int)m);
    st = emit_figure(r, p, name, alt);
  }
  pc_scores_fini(&s);
  return st;
}

/* ---- scores by horizon ------------------------------------------------- */

/* y[k] = value of horizon k+1 of a model (NaN where it has no group).
 * Group keys of PC_BY_HORIZON are the horizons 1..H; a horizon no forecast
 * reached (a job whose horizon grew) stays NaN and breaks the line. */
static void by_horizon(const pc_eval_groups *l, int horizon, int what,
                       double *y) {
  for (int k = 0; k < horizon; k++) {
    y[k] = NAN;
  }
  for (size_t i = 0; i < l->n; i++) {
    const pc_eval_group *g = &l->g[i];
    if (g->key >= 1 && g->key <= horizon && g->n > 0) {
      y[g->key - 1] = g->sum[what] / (double)g->n;
    }
  }
}

/* One line per selected model and quantity: the first quantity solid and with
 * the model in the legend, the others dashed without, so a figure of two
 * coverages keeps one legend entry per model. nominal, if given, draws each
 * quantity's target as a grey line. */
static pc_status horizon_figure(report *r, const char *name, const char *title,
                                const char *ylabel, const int *what,
                                size_t nwhat, const double *nominal) {
  int h = r->job->horizon;
  double *x = malloc((size_t)h * sizeof *x), *y = malloc((size_t)h * sizeof *y);
  pc_plot *p = NULL;
  pc_status st = x && y ? new_figure(r, &p, title, "horizon (trading days)",
                                     ylabel)
                        : PC_NOMEM;
  for (int k = 0; k < h && x != NULL; k++) {
    x[k] = k + 1;
  }
  for (size_t m = 0; st == PC_OK && m < r->job->nmodels; m++) {
    for (size_t w = 0; pc_job_model_selected(r->job, m) && w < nwhat; w++) {
      by_horizon(&r->by_h[m], h, what[w], y);
      pc_plot_line(p, x, y, (size_t)h, w == 0 ? model_name(r, m) : NULL,
                   (int)m, w > 0);
    }
  }
  for (size_t w = 0; st == PC_OK && nominal != NULL && w < nwhat; w++) {
    pc_plot_hline(p, nominal[w], NULL, PC_PLOT_GREY);
  }
  if (st == PC_OK) {
    st = emit_figure(r, p, name, title);
  } else {
    pc_plot_free(p);
  }
  free(x);
  free(y);
  return st == PC_NOMEM ? pc_error_set(r->e, st, "out of memory") : st;
}

/* ---- calibration and PIT ----------------------------------------------- */

/* The five central intervals the scores record; the x axis starts at 0.45 so
 * the 50% point is not on the frame. A calibrated model lies on the diagonal;
 * below it its intervals are too narrow. */
static pc_status calibration_figure(report *r) {
  static const double nominal[5] = {0.50, 0.67, 0.80, 0.95, 0.99};
  static const int cov[5] = {PC_EV_COV50, PC_EV_COV67, PC_EV_COV80,
                             PC_EV_COV95, PC_EV_COV99};
  static const double diag[2] = {0.45, 1.0};
  pc_plot *p = NULL;
  const char *title = "Calibration: nominal vs empirical coverage of the "
                      "central intervals (all horizons)";
  pc_status st = new_figure(r, &p, title, "nominal coverage",
                            "empirical coverage");
  if (st != PC_OK) {
    return st;
  }
  pc_plot_x_range(p, 0.45, 1.0);
  pc_plot_y_range(p, 0.0, 1.0);
  pc_plot_line(p, diag, diag, 2, "ideal", PC_PLOT_GREY, true);
  for (size_t m = 0; m < r->job->nmodels; m++) {
    const pc_eval_group *g = pooled(r, (long)m);
    double y[5];
    for (int i = 0; i < 5; i++) {
      y[i] = g->n ? g->sum[cov[i]] / (double)g->n : NAN;
    }
    if (pc_job_model_selected(r->job, m)) {
      pc_plot_line(p, nominal, y, 5, model_name(r, m), (int)m, false);
      pc_plot_points(p, nominal, y, 5, NULL, (int)m);
    }
  }
  return emit_figure(r, p, "calibration.png", title);
}

/* Ten bins of the probability integral transform (docs/EVALUATION.md), drawn as
 * a density so the uniform line is 1 whatever the number of pairs. */
static pc_status pit_figure(report *r, size_t m) {
  double left[PC_EV_PIT_BINS], height[PC_EV_PIT_BINS];
  char title[256], name[128];
  const pc_eval_group *g = pooled(r, (long)m);
  for (int b = 0; b < PC_EV_PIT_BINS; b++) {
    left[b] = (double)b / PC_EV_PIT_BINS;
    /* density: a calibrated model's bars all stand at 1 */
    height[b] = g->n ? g->sum[PC_EV_PIT_BIN + b] * PC_EV_PIT_BINS /
                           (double)g->n
                     : NAN;
  }
  snprintf(title, sizeof title, "%s: PIT histogram (%ld pairs, all horizons)",
           model_name(r, m), g->n);
  snprintf(name, sizeof name, "pit-%s.png", model_name(r, m));
  pc_plot *p = NULL;
  pc_status st = new_figure(r, &p, title, "PIT", "density");
  if (st != PC_OK) {
    return st;
  }
  pc_plot_x_range(p, 0.0, 1.0);
  pc_plot_bars(p, left, 1.0 / PC_EV_PIT_BINS, height, PC_EV_PIT_BINS,
               model_name(r, m), (int)m);
  pc_plot_hline(p, 1.0, "uniform", PC_PLOT_GREY);
  return emit_figure(r, p, name, title);
}

/* The calibration summary: per model, the empirical coverage of each
 * central interval against its nominal level, the PIT's mean and its
 * histogram's largest departure from flat, and a verdict on the 80% and
 * 95% intervals against the acceptance bands of docs/EVALUATION.md.
 * The acceptance bands of docs/EVALUATION.md (issue 14), defined once in
 * pathcast/eval/evaluate.h so the page and the documentation cannot disagree.
 * NaN coverage (no pairs) gets no verdict. */
static const char *verdict(double c80, double c95) {
  int narrow = c80 < PC_CAL80_LOW || c95 < PC_CAL95_LOW;
  int wide = c80 > PC_CAL80_HIGH || c95 > PC_CAL95_HIGH;
  if (isnan(c80) || isnan(c95)) {
    return "&ndash;";
  }
  return narrow && wide ? "mixed" : narrow ? "too narrow"
                                  : wide   ? "too wide"
                                           : "calibrated";
}

/* The largest |density - 1| of the 10-bin PIT histogram (0: flat). */
static double pit_departure(const pc_eval_group *g) {
  double worst = g->n ? 0.0 : NAN;
  for (int b = 0; g->n && b < PC_EV_PIT_BINS; b++) {
    double d = g->sum[PC_EV_PIT_BIN + b] * PC_EV_PIT_BINS / (double)g->n;
    worst = fabs(d - 1.0) > worst ? fabs(d - 1.0) : worst;
  }
  return worst;
}

static void calibration_table(report *r) {
  static const int cov[5] = {PC_EV_COV50, PC_EV_COV67, PC_EV_COV80,
                             PC_EV_COV95, PC_EV_COV99};
  FILE *f = r->html;
  fputs("<table>\n<tr><th>model</th><th>pairs</th><th>50%</th><th>67%</th>"
        "<th>80%</th><th>95%</th><th>99%</th><th>mean PIT</th>"
        "<th>PIT: largest |density &minus; 1|</th><th>80% and 95% "
        "intervals</th></tr>\n", f);
  for (size_t m = 0; m < r->job->nmodels; m++) {
    const pc_eval_group *g = pooled(r, (long)m);
    double c[5];
    if (!pc_job_model_selected(r->job, m)) {
      continue;
    }
    fprintf(f, "<tr><td>%s</td><td>%ld</td>", model_name(r, m), g->n);
    for (int i = 0; i < 5; i++) {
      c[i] = g->n ? g->sum[cov[i]] / (double)g->n : NAN;
      html_number(f, c[i], "%.3f");
    }
    html_number(f, g->n ? g->sum[PC_EV_PIT] / (double)g->n : NAN, "%.3f");
    html_number(f, pit_departure(g), "%.2f");
    fprintf(f, "<td>%s</td></tr>\n", verdict(c[2], c[3]));
  }
  fprintf(f, "</table>\n<p>Empirical coverage of the central intervals, all "
          "horizons pooled. Calibrated: 80%% intervals cover %.2f&ndash;%.2f "
          "and 95%% intervals %.2f&ndash;%.2f of the actuals; too narrow "
          "(below) understates the risk, too wide (above) overstates "
          "it.</p>\n", PC_CAL80_LOW, PC_CAL80_HIGH, PC_CAL95_LOW,
          PC_CAL95_HIGH);
}

/* The data check's findings of the store's series (the actuals the
 * scores use): a spike there also distorts the scores of the forecasts
 * whose days it falls on.
 * The scan runs on the store's series, not the job's data file, because the
 * scores were computed against the store's actuals. The source name series.h5
 * has no line numbers (0), so findings name dates only. */
static pc_status data_section(report *r) {
  pc_quality q;
  pc_quality_params p;
  const pc_quality_source src = {"series.h5", 0};
  char counts[128];
  pc_job_quality_params(r->job, &p);
  pc_status st = pc_quality_scan(&r->series, &p, &q, r->e);
  if (st != PC_OK) {
    return st;
  }
  pc_quality_counts(&q, counts, sizeof counts);
  fprintf(r->html, "<h2>Data</h2>\n<p>The data check (docs/DATA.md) of the "
          "stored series, %zu rows: %s.</p>\n", q.rows, counts);
  if (q.n > 0) {
    fputs("<ul>\n", r->html);
  }
  for (size_t i = 0; i < q.n; i++) {
    char line[512];
    pc_quality_format_finding(line, sizeof line, &src, &p, &q.f[i]);
    fputs("<li>", r->html);
    html_text(r->html, line);
    fputs("</li>\n", r->html);
  }
  if (q.n > 0) {
    fputs("</ul>\n", r->html);
  }
  pc_quality_fini(&q);
  return PC_OK;
}

/* ---- monthly skill ------------------------------------------------------ */

/* CRPS summed over the SKILL_MONTHS months ending at month `last`.
 * Month keys are month numbers, so the window is `last` and the SKILL_MONTHS -
 * 1 months before it. Sums and counts are pooled over the window (a month with
 * more forecasts weighs more), as in skill by model. */
static void window_crps(const pc_eval_groups *l, int last, double *sum,
                        long *n) {
  *sum = 0.0;
  *n = 0;
  for (size_t j = 0; j < l->n; j++) {
    if (l->g[j].key > last - SKILL_MONTHS && l->g[j].key <= last) {
      *sum += l->g[j].sum[PC_EV_CRPS];
      *n += l->g[j].n;
    }
  }
}

/* 1 - mean CRPS / mean CRPS of the baseline over the trailing window.
 * NaN where either model has no forecast in the window or the baseline's CRPS
 * is 0 (a skill would divide by it): the line breaks there. */
static double rolling_skill(const pc_eval_groups *l,
                            const pc_eval_groups *base, int last) {
  double s, sb;
  long n, nb;
  window_crps(l, last, &s, &n);
  window_crps(base, last, &sb, &nb);
  return n > 0 && nb > 0 && sb > 0 ? 1.0 - (s / (double)n) / (sb / (double)nb)
                                   : NAN;
}

/* The x positions are the baseline's months (month ends), so every model's
 * skill is plotted where a comparison exists. Without the baseline model in the
 * job there is nothing to compare against, which the page says. */
static pc_status skill_figure(report *r) {
  if (r->rw < 0) {
    fputs("<p>No rolling skill: the job does not run its baseline model "
          "(the key baseline).</p>\n", r->html);
    return PC_OK;
  }
  const pc_eval_groups *base = &r->by_m[r->rw];
  char title[PC_MODEL_NAME_MAX + 128], axis[PC_MODEL_NAME_MAX + 32];
  snprintf(title, sizeof title, "Rolling CRPS skill against %s (forecasts "
           "of the trailing 6 months, at each month end)", r->job->baseline);
  snprintf(axis, sizeof axis, "1 - CRPS / CRPS(%s)", r->job->baseline);
  pc_plot *p = NULL;
  double *x = malloc((base->n ? base->n : 1) * sizeof *x);
  double *y = malloc((base->n ? base->n : 1) * sizeof *y);
  pc_status st = x && y ? new_figure(r, &p, title, "month",
                                     axis)
                        : PC_NOMEM;
  if (st == PC_OK) {
    pc_plot_x_dates(p);
    pc_plot_hline(p, 0.0, r->job->baseline, PC_PLOT_GREY);
  }
  for (size_t m = 0; st == PC_OK && m < r->job->nmodels; m++) {
    if (!pc_job_model_selected(r->job, m) || (long)m == r->rw) {
      continue;
    }
    for (size_t i = 0; i < base->n; i++) {
      x[i] = pc_month_first_day(base->g[i].key + 1) - 1; /* month end */
      y[i] = rolling_skill(&r->by_m[m], base, base->g[i].key);
    }
    pc_plot_line(p, x, y, base->n, model_name(r, m), (int)m, false);
  }
  if (st == PC_OK) {
    st = emit_figure(r, p, "skill-rolling.png", title);
  } else {
    pc_plot_free(p);
  }
  free(x);
  free(y);
  return st == PC_NOMEM ? pc_error_set(r->e, st, "out of memory") : st;
}

/* ---- the page ----------------------------------------------------------- */

static void page_head(report *r) {
  const pc_job *job = r->job;
  const char *commodity = pc_store_commodity(r->store);
  char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8"
        "\">\n<title>pathcast report: ", r->html);
  html_text(r->html, commodity);
  fputs("</title>\n<style>\nbody{font-family:sans-serif;max-width:960px;"
        "margin:2em auto;color:#222}\ntable{border-collapse:collapse}\n"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
        "td:first-child{text-align:left}\n.key{margin-right:6px}\n"
        "figure{margin:1.5em 0}\n"
        "</style>\n</head>\n<body>\n<h1>pathcast report: ", r->html);
  html_text(r->html, commodity);
  fputs("</h1>\n<p>Store <code>", r->html);
  html_text(r->html, job->store);
  fputs("</code>, model version ", r->html);
  html_text(r->html, job->model_version);
  fprintf(r->html, ", forecast dates %s..%s, %d paths &times; %d trading "
          "days. Scores are defined in docs/EVALUATION.md; each forecast is "
          "scored on the days whose actual close is known.</p>\n",
          job->start == PC_DATE_NONE ? "first" : pc_date_format(job->start, a),
          job->end == PC_DATE_NONE ? "last" : pc_date_format(job->end, b),
          job->paths, job->horizon);
}

/* The sections in reading order. A failed figure stops the ones after it but
 * the HTML is still closed, and write_page then discards the page: a half page
 * is never committed. */
static pc_status page_body(report *r) {
  static const int crps[1] = {PC_EV_CRPS};
  static const int cov[2] = {PC_EV_COV80, PC_EV_COV95};
  static const double nominal[2] = {0.80, 0.95};
  fputs("<h2>Summary (all horizons)</h2>\n", r->html);
  summary_table(r);
  fputs("<h2>Latest forecasts</h2>\n", r->html);
  pc_status st = PC_OK;
  for (size_t m = 0; st == PC_OK && m < r->job->nmodels; m++) {
    st = pc_job_model_selected(r->job, m) ? fan_chart(r, m) : PC_OK;
  }
  fputs("<h2>By horizon</h2>\n", r->html);
  if (st == PC_OK) {
    st = horizon_figure(r, "crps-horizon.png", "Mean CRPS by horizon",
                        "CRPS (price units)", crps, 1, NULL);
  }
  if (st == PC_OK) {
    st = horizon_figure(r, "coverage-horizon.png", "Coverage of the 80% "
                        "(solid) and 95% (dashed) central intervals by "
                        "horizon", "empirical coverage", cov, 2, nominal);
  }
  fputs("<h2>Calibration</h2>\n", r->html);
  calibration_table(r);
  if (st == PC_OK) {
    st = calibration_figure(r);
  }
  for (size_t m = 0; st == PC_OK && m < r->job->nmodels; m++) {
    st = pc_job_model_selected(r->job, m) ? pit_figure(r, m) : PC_OK;
  }
  fputs("<h2>Skill over time</h2>\n", r->html);
  if (st == PC_OK) {
    st = skill_figure(r);
  }
  if (st == PC_OK) {
    st = data_section(r);
  }
  fputs("</body>\n</html>\n", r->html);
  return st;
}

/* One pass over the stored scores fills all three views (pc_eval_collect),
 * since reading the scores files is the costly part. */
static pc_status collect(report *r) {
  size_t n = r->job->nmodels;
  r->by_h = calloc(n, sizeof *r->by_h);
  r->by_m = calloc(n, sizeof *r->by_m);
  r->all = calloc(n, sizeof *r->all);
  if (r->by_h == NULL || r->by_m == NULL || r->all == NULL) {
    return pc_error_set(r->e, PC_NOMEM, "out of memory");
  }
  const pc_eval_view views[3] = {{PC_BY_HORIZON, r->by_h},
                                 {PC_BY_MONTH, r->by_m},
                                 {PC_BY_MODEL, r->all}};
  return pc_eval_collect(r->store, r->job, views, 3, r->e);
}

/* index.html is written as .partial and renamed: a reader never sees half
 * a page (the figures are committed the same way). */
static pc_status write_page(report *r, const char *path) {
  char partial[4096 + 160];
  r->html = pc_file_begin(path, partial, sizeof partial, r->e);
  if (r->html == NULL) {
    return PC_IO;
  }
  page_head(r);
  pc_status st = page_body(r);
  st = pc_status_worst(st, pc_file_commit(r->html, st == PC_OK, partial, path,
                                          r->e));
  return st;
}

/* The store the run scored, opened again as a reader, with its actuals:
 * the page shows what the store holds. */
static pc_status open_store(report *r) {
  pc_status st = pc_store_open(&r->store, r->job->store, PC_STORE_READ, NULL,
                               r->e);
  if (st == PC_OK) {
    st = pc_store_read_series(r->store, &r->series, r->e);
  }
  return st;
}

static pc_status make_page(report *r, const char *path) {
  pc_status st = collect(r);
  if (st == PC_OK && pc_mkdirs(r->dir) != 0) {
    st = pc_error_set(r->e, PC_IO, "%s: cannot create folder: %s", r->dir,
                      strerror(errno));
  }
  if (st == PC_OK) {
    st = write_page(r, path);
  }
  return st;
}

/* Rank 0, after the last vote of the scoring run (src/cli/run_cmd.c): st is the
 * run's status. A partial run (some partition unreadable) still gets a page of
 * what was scored; a failed one gets none but still prints its counts. The
 * folder was checked when the job was read (check_outputs in src/job/job.c), so
 * a bad --output fails before any scoring. */
pc_status pc_report_html(const pc_job *job, const pc_run_result *res,
                         pc_status st, pc_error *e) {
  report r;
  memset(&r, 0, sizeof r);
  r.job = job;
  r.e = e;
  r.rw = pc_job_baseline(job);
  pc_status rst = st == PC_OK || st == PC_PARTIAL ? open_store(&r) : st;
  if (job->output[0] != '\0') {
    snprintf(r.dir, sizeof r.dir, "%s", job->output);
  } else {
    snprintf(r.dir, sizeof r.dir, "reports/%s",
             r.store != NULL ? pc_store_commodity(r.store) : job->commodity);
  }
  char path[4096 + 32];
  snprintf(path, sizeof path, "%s/index.html", r.dir);
  if (rst == PC_OK) {
    rst = make_page(&r, path);
  }
  pc_eval_free(r.by_h, job->nmodels);
  pc_eval_free(r.by_m, job->nmodels);
  pc_eval_free(r.all, job->nmodels);
  free(r.by_h);
  free(r.by_m);
  free(r.all);
  pc_series_fini(&r.series);
  pc_store_close(r.store);
  st = pc_status_worst(st, rst);
  pc_report_score_counts(job, res, st);
  if (rst == PC_OK) {
    printf("report: %s\n", path);
  }
  return st;
}
