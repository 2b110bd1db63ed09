/* Small PNG charts drawn with cairo, for the figures of `pathcast report`:
 * fan charts (bands, lines, points over a date axis), scores by horizon,
 * calibration plots, PIT histograms and rolling skill.
 *
 * A figure is built in two steps: add series (each is copied, so the caller
 * may free its arrays at once), then pc_plot_write_png() lays the figure out
 * now that every range is known and draws it.  The same plot written twice,
 * on the same machine, gives byte-identical files.
 *
 * Values that are NaN or infinite are never drawn: they break a line or a
 * band into pieces and are left out of the automatic ranges.  Series are
 * drawn in the order they were added, so add bands before the lines that
 * should stand on top of them. */
#ifndef PC_PLOT_H
#define PC_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathcast/core/status.h"

typedef struct pc_plot pc_plot;

/* Colours are chosen by index, so a model keeps its colour in every figure:
 * 0..PC_PLOT_NCOLORS-1 is a palette of distinguishable colours (a larger
 * index wraps around), and the two negative values are for actuals and
 * references. */
#define PC_PLOT_NCOLORS 8
enum { PC_PLOT_BLACK = -1, PC_PLOT_GREY = -2 };

/* The colour of an index as 0xRRGGBB (for an HTML legend, or a test). */
uint32_t pc_plot_color_rgb(int color);

/* An empty figure of width x height pixels (each 64..8192; 900 x 500 suits
 * a report page).  title, xlabel and ylabel may be NULL.  PC_INPUT for a bad
 * size, PC_NOMEM.  *out is the caller's, released by pc_plot_free. */
pc_status pc_plot_new(pc_plot **out, int width, int height, const char *title,
                      const char *xlabel, const char *ylabel, pc_error *e);
void pc_plot_free(pc_plot *p);

/* The x values are pc_date day numbers: ticks fall on days, Mondays, month
 * starts or years, labelled YYYY-MM-DD, YYYY-MM or YYYY after the span. */
void pc_plot_x_dates(pc_plot *p);
/* Fixed axis ranges instead of the automatic ones (which span the data with
 * a small margin).  A range that is empty or not finite is ignored. */
void pc_plot_x_range(pc_plot *p, double lo, double hi);
void pc_plot_y_range(pc_plot *p, double lo, double hi);

/* Each adder returns PC_NOMEM or PC_INPUT (n > 0 with a NULL array), and the
 * plot keeps the first such failure: pc_plot_write_png() then fails with it
 * too, so a caller may check only the final status.  label NULL: no legend
 * entry. */

/* A line through (x[i], y[i]); solid or dashed. */
pc_status pc_plot_line(pc_plot *p, const double *x, const double *y, size_t n,
                       const char *label, int color, bool dashed);
/* A dot at each (x[i], y[i]). */
pc_status pc_plot_points(pc_plot *p, const double *x, const double *y,
                         size_t n, const char *label, int color);
/* The area between lo[i] and hi[i] along x, with opacity alpha in (0, 1]
 * (nested bands of alpha ~0.25 darken toward the centre). */
pc_status pc_plot_band(pc_plot *p, const double *x, const double *lo,
                       const double *hi, size_t n, const char *label, int color,
                       double alpha);
/* Bars from 0 to height[i] over [left[i], left[i] + width) (a histogram). */
pc_status pc_plot_bars(pc_plot *p, const double *left, double width,
                       const double *height, size_t n, const char *label,
                       int color);
/* A dashed horizontal line across the plot at y (a nominal level). */
pc_status pc_plot_hline(pc_plot *p, double y, const char *label, int color);

/* The ticks of an axis over [lo, hi] with at most max_n intervals between
 * them: steps of 1, 2 or 5 x 10^k with just enough decimals; or, for dates,
 * every 1 or 2 days, Monday of every 1 or 2 weeks (YYYY-MM-DD), the first of
 * every 1, 2, 3 or 6 months (YYYY-MM), or January of every 1, 2, 5, 10...
 * years (YYYY).  Returns how many (0 for an empty or non-finite range).
 * The figures use it; exposed so tests and tables can match them. */
#define PC_PLOT_MAX_TICKS 64
#define PC_PLOT_TICK_LEN 32
size_t pc_plot_ticks(double lo, double hi, int max_n, bool dates,
                     double values[PC_PLOT_MAX_TICKS],
                     char labels[PC_PLOT_MAX_TICKS][PC_PLOT_TICK_LEN]);

/* Draws the figure and writes it to path: first to "<path>.partial", then
 * renamed, so a killed run never leaves half a PNG under the final name.
 * PC_IO naming the path when it cannot be written (nothing is left behind),
 * PC_NOMEM, or the first failure of an adder. */
pc_status pc_plot_write_png(pc_plot *p, const char *path, pc_error *e);

#endif
