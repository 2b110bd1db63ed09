/* PNG charts with cairo (see pathcast/core/plot.h).
 *
 * pc_plot_write_png draws in three passes on an ARGB32 surface that starts
 * transparent: the series first, clipped to the plot area, so that the
 * legend can go to the corner where they put the least ink; then the grid
 * and the white background *under* them (CAIRO_OPERATOR_DEST_OVER); then
 * the frame, ticks, labels and legend on top.  Nothing depends on the clock
 * or on memory addresses, so the same plot gives the same bytes. */
#include "pathcast/core/plot.h"

#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pathcast/core/date.h"

/* ---- the figure as added -------------------------------------------- */

enum series_kind { S_LINE, S_POINTS, S_BAND, S_BARS, S_HLINE };

typedef struct {
  enum series_kind kind;
  char *label; /* NULL: no legend entry */
  int color;
  bool dashed;
  double alpha; /* bands */
  double width; /* bars */
  size_t n;
  double *x;  /* x, or the bars' left edges */
  double *y;  /* y, the bands' lo, the bars' heights, the hline's level */
  double *y2; /* the bands' hi */
} series;

typedef struct {
  bool fixed;
  double lo, hi;
} axis_range;

struct pc_plot {
  int width, height;
  char *title, *xlabel, *ylabel;
  bool x_dates;
  axis_range xr, yr;
  series *s;
  size_t n, cap;
  pc_status failed; /* the first failure of an adder */
};

/* Tableau's categorical palette without its grey and olive, which read as
 * "reference" and "faded" next to the others. */
static const uint32_t palette[PC_PLOT_NCOLORS] = {
    0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728,
    0x9467bd, 0x8c564b, 0xe377c2, 0x17becf};

uint32_t pc_plot_color_rgb(int color) {
  if (color == PC_PLOT_BLACK) {
    return 0x000000;
  }
  if (color < 0) {
    return 0x7f7f7f;
  }
  return palette[color % PC_PLOT_NCOLORS];
}

/* Magnitudes beyond this count as infinite, so that spans, margins and
 * tick steps computed from the data always stay finite. */
#define VALUE_MAX 1e300

/* M_PI is not in strict C11. */
#define PI 3.14159265358979323846

static bool usable(double v) { return isfinite(v) && fabs(v) <= VALUE_MAX; }

static char *copy_text(const char *s, bool *ok) {
  if (s == NULL || !*ok) {
    return NULL;
  }
  char *c = strdup(s);
  *ok = c != NULL;
  return c;
}

static double *copy_values(const double *v, size_t n, bool *ok) {
  if (v == NULL || !*ok) {
    return NULL;
  }
  double *c = malloc((n > 0 ? n : 1) * sizeof *c);
  *ok = c != NULL;
  if (c != NULL && n > 0) {
    memcpy(c, v, n * sizeof *c);
  }
  return c;
}

static void free_series(series *s) {
  free(s->label);
  free(s->x);
  free(s->y);
  free(s->y2);
}

void pc_plot_free(pc_plot *p) {
  if (p == NULL) {
    return;
  }
  for (size_t i = 0; i < p->n; i++) {
    free_series(&p->s[i]);
  }
  free(p->s);
  free(p->title);
  free(p->xlabel);
  free(p->ylabel);
  free(p);
}

pc_status pc_plot_new(pc_plot **out, int width, int height, const char *title,
                      const char *xlabel, const char *ylabel, pc_error *e) {
  *out = NULL;
  if (width < 64 || width > 8192 || height < 64 || height > 8192) {
    return pc_error_set(e, PC_INPUT,
                        "plot: size %dx%d is outside 64..8192 pixels", width,
                        height);
  }
  pc_plot *p = calloc(1, sizeof *p);
  bool ok = p != NULL;
  if (ok) {
    p->width = width;
    p->height = height;
    p->title = copy_text(title, &ok);
    p->xlabel = copy_text(xlabel, &ok);
    p->ylabel = copy_text(ylabel, &ok);
  }
  if (!ok) {
    pc_plot_free(p);
    return pc_error_set(e, PC_NOMEM, "plot: out of memory");
  }
  *out = p;
  return PC_OK;
}

void pc_plot_x_dates(pc_plot *p) { p->x_dates = true; }

static void set_range(axis_range *r, double lo, double hi) {
  if (usable(lo) && usable(hi) && lo != hi) {
    r->fixed = true;
    r->lo = fmin(lo, hi);
    r->hi = fmax(lo, hi);
  }
}

void pc_plot_x_range(pc_plot *p, double lo, double hi) {
  set_range(&p->xr, lo, hi);
}

void pc_plot_y_range(pc_plot *p, double lo, double hi) {
  set_range(&p->yr, lo, hi);
}

static pc_status add_failed(pc_plot *p, pc_status s) {
  if (p->failed == PC_OK) {
    p->failed = s;
  }
  return s;
}

/* Copies the label and arrays into the plot; s arrives with the caller's
 * pointers.  The arrays a kind needs must be there whenever n > 0. */
static pc_status add_series(pc_plot *p, series s) {
  if (p == NULL) {
    return PC_INPUT;
  }
  bool missing = s.y == NULL || (s.x == NULL && s.kind != S_HLINE) ||
                 (s.y2 == NULL && s.kind == S_BAND);
  if (s.n > 0 && missing) {
    return add_failed(p, PC_INPUT);
  }
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 8;
    series *grown = realloc(p->s, cap * sizeof *grown);
    if (grown == NULL) {
      return add_failed(p, PC_NOMEM);
    }
    p->s = grown;
    p->cap = cap;
  }
  bool ok = true;
  series c = s;
  c.label = copy_text(s.label, &ok);
  c.x = copy_values(s.x, s.n, &ok);
  c.y = copy_values(s.y, s.n, &ok);
  c.y2 = copy_values(s.y2, s.n, &ok);
  if (!ok) {
    free_series(&c);
    return add_failed(p, PC_NOMEM);
  }
  p->s[p->n++] = c;
  return PC_OK;
}

pc_status pc_plot_line(pc_plot *p, const double *x, const double *y, size_t n,
                       const char *label, int color, bool dashed) {
  series s = {.kind = S_LINE, .label = (char *)label, .color = color,
              .dashed = dashed, .n = n, .x = (double *)x, .y = (double *)y};
  return add_series(p, s);
}

pc_status pc_plot_points(pc_plot *p, const double *x, const double *y,
                         size_t n, const char *label, int color) {
  series s = {.kind = S_POINTS, .label = (char *)label, .color = color,
              .n = n, .x = (double *)x, .y = (double *)y};
  return add_series(p, s);
}

pc_status pc_plot_band(pc_plot *p, const double *x, const double *lo,
                       const double *hi, size_t n, const char *label, int color,
                       double alpha) {
  series s = {.kind = S_BAND, .label = (char *)label, .color = color,
              .alpha = isfinite(alpha) ? fmin(fmax(alpha, 0.0), 1.0) : 1.0,
              .n = n, .x = (double *)x, .y = (double *)lo, .y2 = (double *)hi};
  return add_series(p, s);
}

pc_status pc_plot_bars(pc_plot *p, const double *left, double width,
                       const double *height, size_t n, const char *label,
                       int color) {
  series s = {.kind = S_BARS, .label = (char *)label, .color = color,
              .width = width, .n = n, .x = (double *)left,
              .y = (double *)height};
  return add_series(p, s);
}

pc_status pc_plot_hline(pc_plot *p, double y, const char *label, int color) {
  series s = {.kind = S_HLINE, .label = (char *)label, .color = color,
              .dashed = true, .n = 1, .y = &y};
  return add_series(p, s);
}

/* ---- ranges ----------------------------------------------------------- */

typedef struct {
  double lo, hi; /* lo > hi while empty */
} extent;

static void extend(extent *r, double v) {
  if (usable(v)) {
    r->lo = fmin(r->lo, v);
    r->hi = fmax(r->hi, v);
  }
}

/* Whether point i of a series is drawn: every coordinate it needs is
 * usable. */
static bool drawn_at(const series *s, size_t i) {
  switch (s->kind) {
  case S_HLINE:
    return usable(s->y[i]);
  case S_BAND:
    return usable(s->x[i]) && usable(s->y[i]) && usable(s->y2[i]);
  case S_BARS:
    return usable(s->x[i]) && usable(s->y[i]) && usable(s->width) &&
           usable(s->x[i] + s->width);
  default:
    return usable(s->x[i]) && usable(s->y[i]);
  }
}

/* What a series needs to be seen: its drawn points, a bar's base at 0. */
static void series_extent(const series *s, extent *xs, extent *ys) {
  for (size_t i = 0; i < s->n; i++) {
    if (!drawn_at(s, i)) {
      continue;
    }
    extend(ys, s->y[i]);
    if (s->kind == S_HLINE) {
      continue;
    }
    extend(xs, s->x[i]);
    if (s->kind == S_BAND) {
      extend(ys, s->y2[i]);
    } else if (s->kind == S_BARS) {
      extend(xs, s->x[i] + s->width);
      extend(ys, 0.0);
    }
  }
}

/* The axis limits: fixed, or the data with a margin of 4% a side.  A range
 * that starts at exactly 0 (counts, scores, bars) keeps 0 as its floor; an
 * empty range gets [0, 1]; a single value gets room around it. */
static void axis_limits(const axis_range *r, extent d, bool dates, double *lo,
                        double *hi) {
  if (r->fixed) {
    *lo = r->lo;
    *hi = r->hi;
    return;
  }
  if (d.lo > d.hi) {
    d.lo = 0.0;
    d.hi = 1.0;
  } else if (d.lo == d.hi) {
    double pad = dates || d.lo == 0.0 ? 1.0 : fabs(d.lo) * 0.1;
    d.lo -= pad;
    d.hi += pad;
  }
  double margin = (d.hi - d.lo) * 0.04;
  *lo = d.lo == 0.0 ? 0.0 : d.lo - margin;
  *hi = d.hi + margin;
}

/* ---- ticks ------------------------------------------------------------ */

#define MAX_TICKS PC_PLOT_MAX_TICKS

typedef struct {
  size_t n;
  double v[MAX_TICKS];
  char label[MAX_TICKS][PC_PLOT_TICK_LEN];
} ticks;

/* The smallest step of 1, 2 or 5 x 10^k that gives at most max_n
 * intervals over span. */
static double nice_step(double span, int max_n) {
  static const double mult[] = {1.0, 2.0, 5.0};
  double raw = span / max_n;
  double mag = pow(10.0, floor(log10(raw)));
  for (size_t i = 0; i < sizeof mult / sizeof mult[0]; i++) {
    if (mult[i] * mag >= raw * (1.0 - 1e-9)) {
      return mult[i] * mag;
    }
  }
  return 10.0 * mag;
}

/* Just enough decimals for the step; %g where fixed notation would be
 * very long. */
static void format_number(double v, double step, char *buf, size_t len) {
  double mag = fmax(fabs(v), step);
  if (mag >= 1e7 || step < 1e-5) {
    int sig = (int)(floor(log10(mag)) - floor(log10(step))) + 1;
    sig = sig < 1 ? 1 : sig > 15 ? 15 : sig;
    snprintf(buf, len, "%.*g", sig, v);
  } else {
    int dec = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(buf, len, "%.*f", dec, v);
  }
}

static void number_ticks(double lo, double hi, int max_n, ticks *t) {
  t->n = 0;
  double step = nice_step(hi - lo, max_n);
  if (!(step > 0.0) || !isfinite(step)) {
    return;
  }
  double k0 = ceil(lo / step - 1e-9);
  for (int i = 0; t->n < MAX_TICKS; i++) {
    double v = (k0 + i) * step;
    if (v > hi + step * 1e-9) {
      break;
    }
    v = fabs(v) < step * 1e-9 ? 0.0 : v; /* no "-0" */
    t->v[t->n] = v;
    format_number(v, step, t->label[t->n], sizeof t->label[0]);
    t->n++;
  }
}

/* Date ticks fall every `step` days counted from a Monday (so weekly ticks
 * are Mondays), or on the first day of every `step`-th month counted from
 * January (quarters, half years, years). */
static const int day_steps[] = {1, 2, 7, 14};
static const int month_steps[] = {1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200};
enum { MONDAY_1970_01_05 = 4, DATE_MIN = -719162, DATE_MAX = 2932896 };

static int64_t floor_mod(int64_t a, int64_t b) {
  int64_t m = a % b;
  return m < 0 ? m + b : m;
}

static void add_date_tick(ticks *t, pc_date d, size_t label_len) {
  char buf[PC_DATE_STRLEN];
  t->v[t->n] = d;
  snprintf(t->label[t->n], sizeof t->label[0], "%.*s", (int)label_len,
           pc_date_format(d, buf));
  t->n++;
}

static void day_ticks(int64_t lo, int64_t hi, int step, ticks *t) {
  for (int64_t d = lo + floor_mod(MONDAY_1970_01_05 - lo, step);
       d <= hi && t->n < MAX_TICKS; d += step) {
    add_date_tick(t, (pc_date)d, 10);
  }
}

static void month_ticks(int64_t lo, int64_t hi, int step, ticks *t) {
  int32_t m = pc_date_month_index((pc_date)lo);
  if (pc_month_first_day(m) < lo) {
    m++;
  }
  m += (int32_t)floor_mod(-(int64_t)m, step);
  size_t len = step % 12 == 0 ? 4 : 7; /* YYYY or YYYY-MM */
  for (; pc_month_first_day(m) <= hi && t->n < MAX_TICKS; m += step) {
    add_date_tick(t, pc_month_first_day(m), len);
  }
}

/* The finest day or month step that gives at most max_n intervals. */
static void date_ticks(double lo, double hi, int max_n, ticks *t) {
  t->n = 0;
  int64_t a = (int64_t)ceil(fmax(lo, DATE_MIN));
  int64_t b = (int64_t)floor(fmin(hi, DATE_MAX));
  if (a > b) {
    return;
  }
  double days = (double)(b - a);
  for (size_t i = 0; i < sizeof day_steps / sizeof day_steps[0]; i++) {
    if (days / day_steps[i] <= max_n) {
      day_ticks(a, b, day_steps[i], t);
      return;
    }
  }
  size_t last = sizeof month_steps / sizeof month_steps[0] - 1;
  for (size_t i = 0; i <= last; i++) {
    if (days / 30.44 / month_steps[i] <= max_n || i == last) {
      month_ticks(a, b, month_steps[i], t);
      return;
    }
  }
}

size_t pc_plot_ticks(double lo, double hi, int max_n, bool dates,
                     double values[PC_PLOT_MAX_TICKS],
                     char labels[PC_PLOT_MAX_TICKS][PC_PLOT_TICK_LEN]) {
  ticks t = {0};
  if (usable(lo) && usable(hi) && lo < hi) {
    max_n = max_n < 1 ? 1 : max_n > MAX_TICKS - 1 ? MAX_TICKS - 1 : max_n;
    if (dates) {
      date_ticks(lo, hi, max_n, &t);
    } else {
      number_ticks(lo, hi, max_n, &t);
    }
  }
  memcpy(values, t.v, t.n * sizeof t.v[0]);
  memcpy(labels, t.label, t.n * sizeof t.label[0]);
  return t.n;
}

/* ---- layout ----------------------------------------------------------- */

enum { PAD = 8, TICK_LEN = 4, TITLE_PX = 16, LABEL_PX = 13, TICK_PX = 11,
       LEGEND_PX = 12, ROW_PX = 17, SWATCH_PX = 22 };
static const uint32_t text_rgb = 0x222222, frame_rgb = 0x444444,
                      grid_rgb = 0xe6e6e6;

typedef struct {
  cairo_t *cr;
  double x0, x1, y0, y1;           /* data ranges */
  double left, right, top, bottom; /* plot area, pixels */
  ticks xt, yt;
} frame;

static void set_rgb(cairo_t *cr, uint32_t rgb, double alpha) {
  cairo_set_source_rgba(cr, ((rgb >> 16) & 0xff) / 255.0,
                        ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0,
                        alpha);
}

static void set_font(cairo_t *cr, double px, bool bold) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD
                              : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, px);
}

static double text_width(cairo_t *cr, const char *s) {
  cairo_text_extents_t te;
  cairo_text_extents(cr, s, &te);
  return te.x_advance;
}

/* Text anchored at (x, y): ax 0/0.5/1 = left/centre/right; ay 0/0.5/1 =
 * top/middle/bottom of the font's line (not of these glyphs, so labels of
 * a row share a baseline). */
static void draw_text(cairo_t *cr, const char *s, double x, double y,
                      double ax, double ay) {
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  cairo_move_to(cr, x - ax * text_width(cr, s),
                y + fe.ascent - ay * (fe.ascent + fe.descent));
  cairo_show_text(cr, s);
}

static double widest_label(cairo_t *cr, const ticks *t) {
  double w = 0.0;
  for (size_t i = 0; i < t->n; i++) {
    w = fmax(w, text_width(cr, t->label[i]));
  }
  return w;
}

static void data_limits(const pc_plot *p, frame *f) {
  extent xs = {INFINITY, -INFINITY}, ys = {INFINITY, -INFINITY};
  for (size_t i = 0; i < p->n; i++) {
    series_extent(&p->s[i], &xs, &ys);
  }
  axis_limits(&p->xr, xs, p->x_dates, &f->x0, &f->x1);
  axis_limits(&p->yr, ys, false, &f->y0, &f->y1);
}

static int clamp_ticks(double n) { return n < 2 ? 2 : n > 12 ? 12 : (int)n; }

/* Margins from the fonts: the y tick labels set the left margin, the plot
 * width then sets how many x ticks fit.  Half a date label is kept free on
 * either side for the first and last x tick labels. */
static void layout(const pc_plot *p, frame *f) {
  cairo_t *cr = f->cr;
  data_limits(p, f);
  f->top = PAD + (p->title ? TITLE_PX + PAD : 0) + PAD / 2;
  f->bottom = p->height - PAD - TICK_LEN - TICK_PX - PAD / 2 -
              (p->xlabel ? LABEL_PX + PAD : 0);
  set_font(cr, TICK_PX, false);
  f->yt.n = pc_plot_ticks(f->y0, f->y1, clamp_ticks((f->bottom - f->top) / 40),
                          false, f->yt.v, f->yt.label);
  double date_w = text_width(cr, "0000-00-00");
  f->left = PAD + (p->ylabel ? LABEL_PX + PAD : 0) + widest_label(cr, &f->yt) +
            TICK_LEN + PAD / 2;
  f->left = fmax(f->left, PAD + date_w / 2);
  f->right = p->width - PAD - date_w / 2;
  f->left = round(f->left);
  f->right = round(fmax(f->right, f->left + 1));
  f->bottom = round(fmax(f->bottom, f->top + 1));
  double plot_w = f->right - f->left;
  int max_x = clamp_ticks(plot_w / (p->x_dates ? date_w * 1.6 : 80));
  f->xt.n = pc_plot_ticks(f->x0, f->x1, max_x, p->x_dates, f->xt.v,
                          f->xt.label);
}

/* Data to pixels.  Kept within +-1e6 pixels: cairo's fixed-point
 * coordinates wrap beyond about 8e6, which would turn a point far outside a
 * fixed range into a stray line across the plot. */
static double clamp_px(double v) { return fmax(-1e6, fmin(1e6, v)); }

static double px(const frame *f, double x) {
  return clamp_px(f->left +
                  (x - f->x0) / (f->x1 - f->x0) * (f->right - f->left));
}

static double py(const frame *f, double y) {
  return clamp_px(f->bottom -
                  (y - f->y0) / (f->y1 - f->y0) * (f->bottom - f->top));
}

/* ---- series ----------------------------------------------------------- */

static void set_stroke(cairo_t *cr, double width, bool dashed) {
  static const double dash[] = {6.0, 4.0};
  cairo_set_line_width(cr, width);
  cairo_set_dash(cr, dash, dashed ? 2 : 0, 0.0);
}

/* A non-drawn point ends a piece of the line.  Each piece starts with a
 * zero-length segment, which round caps draw as a dot, so a lone point
 * between gaps still shows. */
static void draw_line(const frame *f, const series *s) {
  cairo_t *cr = f->cr;
  bool pen = false;
  cairo_new_path(cr);
  for (size_t i = 0; i < s->n; i++) {
    if (!drawn_at(s, i)) {
      pen = false;
      continue;
    }
    if (!pen) {
      cairo_move_to(cr, px(f, s->x[i]), py(f, s->y[i]));
    }
    cairo_line_to(cr, px(f, s->x[i]), py(f, s->y[i]));
    pen = true;
  }
  set_rgb(cr, pc_plot_color_rgb(s->color), 1.0);
  set_stroke(cr, 2.0, s->dashed);
  cairo_stroke(cr);
}

static void draw_points(const frame *f, const series *s) {
  cairo_t *cr = f->cr;
  cairo_new_path(cr);
  for (size_t i = 0; i < s->n; i++) {
    if (drawn_at(s, i)) {
      cairo_new_sub_path(cr);
      cairo_arc(cr, px(f, s->x[i]), py(f, s->y[i]), 3.0, 0.0, 2 * PI);
    }
  }
  set_rgb(cr, pc_plot_color_rgb(s->color), 1.0);
  cairo_fill(cr);
}

/* One polygon per run of drawn points: along lo, then back along hi. */
static void band_run(const frame *f, const series *s, size_t a, size_t b) {
  cairo_t *cr = f->cr;
  cairo_move_to(cr, px(f, s->x[a]), py(f, s->y[a]));
  for (size_t i = a + 1; i < b; i++) {
    cairo_line_to(cr, px(f, s->x[i]), py(f, s->y[i]));
  }
  for (size_t i = b; i-- > a;) {
    cairo_line_to(cr, px(f, s->x[i]), py(f, s->y2[i]));
  }
  cairo_close_path(cr);
}

static void draw_band(const frame *f, const series *s) {
  cairo_new_path(f->cr);
  for (size_t i = 0; i < s->n;) {
    size_t j = i;
    while (j < s->n && drawn_at(s, j)) {
      j++;
    }
    if (j > i) {
      band_run(f, s, i, j);
    }
    i = j + 1;
  }
  set_rgb(f->cr, pc_plot_color_rgb(s->color), s->alpha);
  cairo_fill(f->cr);
}

/* Bars with a thin white edge, so neighbouring bins stay apart. */
static void draw_bars(const frame *f, const series *s) {
  cairo_t *cr = f->cr;
  cairo_new_path(cr);
  for (size_t i = 0; i < s->n; i++) {
    if (drawn_at(s, i)) {
      double x = px(f, s->x[i]), y = py(f, s->y[i]);
      cairo_rectangle(cr, x, py(f, 0.0), px(f, s->x[i] + s->width) - x,
                      y - py(f, 0.0));
    }
  }
  set_rgb(cr, pc_plot_color_rgb(s->color), 1.0);
  cairo_fill_preserve(cr);
  set_rgb(cr, 0xffffff, 1.0);
  set_stroke(cr, 1.0, false);
  cairo_stroke(cr);
}

static void draw_hline(const frame *f, const series *s) {
  if (!drawn_at(s, 0)) {
    return;
  }
  cairo_t *cr = f->cr;
  double y = round(py(f, s->y[0])) + 0.5; /* on a pixel row: crisp */
  cairo_new_path(cr);
  cairo_move_to(cr, f->left, y);
  cairo_line_to(cr, f->right, y);
  set_rgb(cr, pc_plot_color_rgb(s->color), 1.0);
  set_stroke(cr, 1.5, true);
  cairo_stroke(cr);
}

static void draw_series(const frame *f, const pc_plot *p) {
  cairo_t *cr = f->cr;
  cairo_save(cr);
  cairo_rectangle(cr, f->left, f->top, f->right - f->left,
                  f->bottom - f->top);
  cairo_clip(cr);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (size_t i = 0; i < p->n; i++) {
    const series *s = &p->s[i];
    switch (s->kind) {
    case S_LINE: draw_line(f, s); break;
    case S_POINTS: draw_points(f, s); break;
    case S_BAND: draw_band(f, s); break;
    case S_BARS: draw_bars(f, s); break;
    case S_HLINE: draw_hline(f, s); break;
    }
  }
  cairo_restore(cr);
}

/* ---- grid, frame and labels ------------------------------------------ */

/* Under what is drawn already: the grid, then the white page. */
static void draw_underlay(const frame *f) {
  cairo_t *cr = f->cr;
  cairo_save(cr);
  cairo_set_operator(cr, CAIRO_OPERATOR_DEST_OVER);
  cairo_new_path(cr);
  for (size_t i = 0; i < f->xt.n; i++) {
    double x = round(px(f, f->xt.v[i])) + 0.5;
    cairo_move_to(cr, x, f->top);
    cairo_line_to(cr, x, f->bottom);
  }
  for (size_t i = 0; i < f->yt.n; i++) {
    double y = round(py(f, f->yt.v[i])) + 0.5;
    cairo_move_to(cr, f->left, y);
    cairo_line_to(cr, f->right, y);
  }
  set_rgb(cr, grid_rgb, 1.0);
  set_stroke(cr, 1.0, false);
  cairo_stroke(cr);
  set_rgb(cr, 0xffffff, 1.0);
  cairo_paint(cr);
  cairo_restore(cr);
}

static void draw_ticks(const frame *f) {
  cairo_t *cr = f->cr;
  cairo_new_path(cr);
  set_font(cr, TICK_PX, false);
  set_rgb(cr, text_rgb, 1.0);
  for (size_t i = 0; i < f->xt.n; i++) {
    double x = round(px(f, f->xt.v[i])) + 0.5;
    draw_text(cr, f->xt.label[i], x, f->bottom + TICK_LEN + 2, 0.5, 0.0);
  }
  for (size_t i = 0; i < f->yt.n; i++) {
    double y = round(py(f, f->yt.v[i])) + 0.5;
    draw_text(cr, f->yt.label[i], f->left - TICK_LEN - 3, y, 1.0, 0.5);
  }
  cairo_new_path(cr);
  for (size_t i = 0; i < f->xt.n; i++) {
    double x = round(px(f, f->xt.v[i])) + 0.5;
    cairo_move_to(cr, x, f->bottom);
    cairo_line_to(cr, x, f->bottom + TICK_LEN);
  }
  for (size_t i = 0; i < f->yt.n; i++) {
    double y = round(py(f, f->yt.v[i])) + 0.5;
    cairo_move_to(cr, f->left, y);
    cairo_line_to(cr, f->left - TICK_LEN, y);
  }
  cairo_rectangle(cr, f->left + 0.5, f->top + 0.5, f->right - f->left - 1,
                  f->bottom - f->top - 1);
  set_rgb(cr, frame_rgb, 1.0);
  set_stroke(cr, 1.0, false);
  cairo_stroke(cr);
}

static void draw_titles(const frame *f, const pc_plot *p) {
  cairo_t *cr = f->cr;
  set_rgb(cr, text_rgb, 1.0);
  if (p->title != NULL) {
    set_font(cr, TITLE_PX, true);
    draw_text(cr, p->title, p->width / 2.0, PAD, 0.5, 0.0);
  }
  set_font(cr, LABEL_PX, false);
  if (p->xlabel != NULL) {
    draw_text(cr, p->xlabel, (f->left + f->right) / 2, p->height - PAD, 0.5,
              1.0);
  }
  if (p->ylabel != NULL) {
    cairo_save(cr);
    cairo_translate(cr, PAD, (f->top + f->bottom) / 2);
    cairo_rotate(cr, -PI / 2);
    draw_text(cr, p->ylabel, 0.0, 0.0, 0.5, 0.0);
    cairo_restore(cr);
  }
}

/* ---- legend ----------------------------------------------------------- */

typedef struct {
  double x, y, w, h;
} box;

static box legend_size(const frame *f, const pc_plot *p) {
  box b = {0, 0, 0, 0};
  set_font(f->cr, LEGEND_PX, false);
  for (size_t i = 0; i < p->n; i++) {
    if (p->s[i].label != NULL) {
      b.w = fmax(b.w, text_width(f->cr, p->s[i].label));
      b.h += ROW_PX;
    }
  }
  b.w = ceil(b.w) + SWATCH_PX + 3 * PAD / 2 + PAD;
  b.h += PAD;
  return b;
}

/* The ink (summed alpha) the series put inside b, read from the surface
 * while it still holds nothing but the series. */
static double ink_in(cairo_surface_t *img, box b) {
  cairo_surface_flush(img);
  const unsigned char *data = cairo_image_surface_get_data(img);
  int stride = cairo_image_surface_get_stride(img);
  int w = cairo_image_surface_get_width(img);
  int h = cairo_image_surface_get_height(img);
  double ink = 0.0;
  if (data == NULL) { /* a surface cairo could not allocate */
    return ink;
  }
  for (int y = (int)fmax(b.y, 0); y < (int)fmin(b.y + b.h, h); y++) {
    const uint32_t *row = (const uint32_t *)(data + (size_t)y * stride);
    for (int x = (int)fmax(b.x, 0); x < (int)fmin(b.x + b.w, w); x++) {
      ink += row[x] >> 24;
    }
  }
  return ink;
}

/* The corner of the plot area where the legend hides the least data;
 * top right first when several are as good. */
static box place_legend(const frame *f, cairo_surface_t *img, box b) {
  double xs[2] = {f->right - PAD - b.w, f->left + PAD};
  double ys[2] = {f->top + PAD, f->bottom - PAD - b.h};
  box best = b;
  double best_ink = INFINITY;
  for (int yi = 0; yi < 2; yi++) {
    for (int xi = 0; xi < 2; xi++) {
      box c = {round(xs[xi]), round(ys[yi]), b.w, b.h};
      double ink = ink_in(img, c);
      if (ink < best_ink) {
        best = c;
        best_ink = ink;
      }
    }
  }
  return best;
}

/* A sample of the series' look, centred vertically on cy. */
static void draw_swatch(cairo_t *cr, const series *s, double x, double cy) {
  uint32_t rgb = pc_plot_color_rgb(s->color);
  cairo_new_path(cr);
  switch (s->kind) {
  case S_LINE:
  case S_HLINE:
    cairo_move_to(cr, x, cy);
    cairo_line_to(cr, x + SWATCH_PX, cy);
    set_rgb(cr, rgb, 1.0);
    set_stroke(cr, s->kind == S_LINE ? 2.0 : 1.5, s->dashed);
    cairo_stroke(cr);
    break;
  case S_POINTS:
    cairo_arc(cr, x + SWATCH_PX / 2.0, cy, 3.0, 0.0, 2 * PI);
    set_rgb(cr, rgb, 1.0);
    cairo_fill(cr);
    break;
  case S_BAND:
  case S_BARS:
    cairo_rectangle(cr, x, cy - 5, SWATCH_PX, 10);
    set_rgb(cr, rgb, s->kind == S_BAND ? s->alpha : 1.0);
    cairo_fill(cr);
    break;
  }
}

static void draw_legend(const frame *f, const pc_plot *p, box b) {
  cairo_t *cr = f->cr;
  cairo_new_path(cr);
  cairo_rectangle(cr, b.x + 0.5, b.y + 0.5, b.w, b.h);
  set_rgb(cr, 0xffffff, 0.85);
  cairo_fill_preserve(cr);
  set_rgb(cr, 0xbbbbbb, 1.0);
  set_stroke(cr, 1.0, false);
  cairo_stroke(cr);
  set_font(cr, LEGEND_PX, false);
  double cy = b.y + PAD / 2 + ROW_PX / 2.0;
  for (size_t i = 0; i < p->n; i++) {
    const series *s = &p->s[i];
    if (s->label == NULL) {
      continue;
    }
    draw_swatch(cr, s, b.x + PAD, cy);
    set_rgb(cr, text_rgb, 1.0);
    draw_text(cr, s->label, b.x + PAD * 3 / 2 + SWATCH_PX, cy, 0.0, 0.5);
    cy += ROW_PX;
  }
}

/* ---- writing ---------------------------------------------------------- */

static void render(const pc_plot *p, cairo_t *cr, cairo_surface_t *img) {
  frame f = {.cr = cr};
  layout(p, &f);
  draw_series(&f, p);
  box legend = legend_size(&f, p);
  bool has_legend = legend.h > PAD;
  if (has_legend) {
    legend = place_legend(&f, img, legend);
  }
  draw_underlay(&f);
  draw_ticks(&f);
  draw_titles(&f, p);
  if (has_legend) {
    draw_legend(&f, p, legend);
  }
}

static cairo_status_t write_chunk(void *file, const unsigned char *data,
                                  unsigned int len) {
  return fwrite(data, 1, len, file) == len ? CAIRO_STATUS_SUCCESS
                                           : CAIRO_STATUS_WRITE_ERROR;
}

/* Streams the PNG into file, closes it and renames partial to path; false
 * with errno set (0 when cairo gave no reason) on any failure. */
static bool write_file(cairo_surface_t *img, FILE *file, const char *partial,
                       const char *path) {
  errno = 0;
  bool ok = cairo_surface_write_to_png_stream(img, write_chunk, file) ==
            CAIRO_STATUS_SUCCESS;
  int err = errno;
  if (fclose(file) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && rename(partial, path) != 0) {
    ok = false;
    err = errno;
  }
  errno = ok ? 0 : err;
  return ok;
}

/* Writes "<path>.partial" and renames it into place; on any failure the
 * partial file is removed.  No fsync: a figure is cheap to draw again. */
static pc_status save_png(cairo_surface_t *img, const char *path,
                          pc_error *e) {
  size_t len = strlen(path) + sizeof ".partial";
  char *partial = malloc(len);
  if (partial == NULL) {
    return pc_error_set(e, PC_NOMEM, "%s: out of memory", path);
  }
  snprintf(partial, len, "%s.partial", path);
  pc_status st = PC_OK;
  FILE *file = fopen(partial, "wb");
  if (file == NULL) {
    st = pc_error_set(e, PC_IO, "%s: cannot create %s: %s", path, partial,
                      strerror(errno));
  } else if (!write_file(img, file, partial, path)) {
    int err = errno;
    unlink(partial);
    st = pc_error_set(e, PC_IO, "%s: cannot write PNG: %s", path,
                      err ? strerror(err) : "write error");
  }
  free(partial);
  return st;
}

/* The figure is drawn with an alpha channel (see the top of the file) but
 * is opaque: copied to an RGB surface, the PNG carries no alpha channel. */
static cairo_surface_t *flatten(cairo_surface_t *img) {
  int w = cairo_image_surface_get_width(img);
  int h = cairo_image_surface_get_height(img);
  cairo_surface_t *rgb = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_t *cr = cairo_create(rgb);
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint(cr);
  cairo_destroy(cr);
  return rgb;
}

pc_status pc_plot_write_png(pc_plot *p, const char *path, pc_error *e) {
  if (p == NULL || path == NULL) {
    return pc_error_set(e, PC_INPUT, "plot: no plot or no path to write");
  }
  if (p->failed != PC_OK) {
    return pc_error_set(e, p->failed,
                        "%s: not written: a series could not be added (%s)",
                        path, pc_strerror(p->failed));
  }
  cairo_surface_t *img =
      cairo_image_surface_create(CAIRO_FORMAT_ARGB32, p->width, p->height);
  cairo_t *cr = cairo_create(img);
  render(p, cr, img);
  cairo_status_t cs = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_t *rgb = flatten(img);
  cairo_surface_destroy(img);
  if (cs == CAIRO_STATUS_SUCCESS) {
    cs = cairo_surface_status(rgb);
  }
  pc_status st = cs == CAIRO_STATUS_SUCCESS
                     ? save_png(rgb, path, e)
                     : pc_error_set(e, cs == CAIRO_STATUS_NO_MEMORY
                                           ? PC_NOMEM
                                           : PC_FATAL,
                                    "%s: cannot draw: %s", path,
                                    cairo_status_to_string(cs));
  cairo_surface_destroy(rgb);
  return st;
}
