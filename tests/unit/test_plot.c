/* Unit tests for pathcast/core/plot.h: every chart kind is written to a
 * temporary folder and read back with cairo, and the test looks at the
 * pixels (is the red line really there, does the band show its colour). */
/* cmocka.h uses these without including them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathcast/core/date.h"
#include "pathcast/core/plot.h"

enum { W = 900, H = 500, PATH_LEN = 512 };

/* ---- a temporary folder for the whole group ------------------------ */

static char tmp_dir[] = "/tmp/pc-plot-XXXXXX";

static int make_tmp_dir(void **state) {
  (void)state;
  return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

static int remove_tmp_dir(void **state) {
  (void)state;
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* tmp_dir/name; every test writes files of its own names. */
static const char *file_in(const char *name) {
  static char path[PATH_LEN];
  snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
  return path;
}

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* ---- reading a PNG back ---------------------------------------------- */

static void assert_png_signature(const char *path) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
                                       '\n'};
  unsigned char head[8] = {0};
  FILE *in = fopen(path, "rb");
  assert_non_null(in);
  assert_int_equal(fread(head, 1, 8, in), 8);
  fclose(in);
  assert_memory_equal(head, sig, 8);
}

/* Loads path, checking that it is a PNG of w x h pixels. */
static cairo_surface_t *load(const char *path, int w, int h) {
  assert_png_signature(path);
  cairo_surface_t *img = cairo_image_surface_create_from_png(path);
  assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
  assert_int_equal(cairo_image_surface_get_width(img), w);
  assert_int_equal(cairo_image_surface_get_height(img), h);
  return img;
}

static uint32_t pixel(cairo_surface_t *img, int x, int y) {
  const unsigned char *data = cairo_image_surface_get_data(img);
  int stride = cairo_image_surface_get_stride(img);
  return ((const uint32_t *)(data + (size_t)y * stride))[x] & 0xffffff;
}

static bool near(uint32_t a, uint32_t b, int tol) {
  for (int shift = 0; shift < 24; shift += 8) {
    int d = (int)((a >> shift) & 0xff) - (int)((b >> shift) & 0xff);
    if (abs(d) > tol) {
      return false;
    }
  }
  return true;
}

/* Pixels within tol of rgb in the rectangle [x0, x1) x [y0, y1). */
static int count_rgb_in(cairo_surface_t *img, uint32_t rgb, int tol, int x0,
                        int y0, int x1, int y1) {
  int n = 0;
  for (int y = y0; y < y1; y++) {
    for (int x = x0; x < x1; x++) {
      n += near(pixel(img, x, y), rgb, tol);
    }
  }
  return n;
}

static int count_rgb(cairo_surface_t *img, uint32_t rgb, int tol) {
  return count_rgb_in(img, rgb, tol, 0, 0, cairo_image_surface_get_width(img),
                      cairo_image_surface_get_height(img));
}

/* What rgb at opacity alpha looks like over white. */
static uint32_t over_white(uint32_t rgb, double alpha) {
  uint32_t out = 0;
  for (int shift = 0; shift < 24; shift += 8) {
    double c = (rgb >> shift) & 0xff;
    out |= (uint32_t)lround(255 - (255 - c) * alpha) << shift;
  }
  return out;
}

static unsigned char *read_all(const char *path, size_t *len) {
  FILE *in = fopen(path, "rb");
  assert_non_null(in);
  fseek(in, 0, SEEK_END);
  *len = (size_t)ftell(in);
  fseek(in, 0, SEEK_SET);
  unsigned char *buf = malloc(*len);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, *len, in), *len);
  fclose(in);
  return buf;
}

/* ---- figures ---------------------------------------------------------- */

static pc_plot *new_plot(const char *title) {
  pc_plot *p = NULL;
  pc_error e;
  assert_int_equal(pc_plot_new(&p, W, H, title, "x", "y", &e), PC_OK);
  return p;
}

static void write_ok(pc_plot *p, const char *path) {
  pc_error e = {{0}};
  pc_status s = pc_plot_write_png(p, path, &e);
  if (s != PC_OK) {
    print_error("%s\n", e.msg);
  }
  assert_int_equal(s, PC_OK);
  pc_plot_free(p);
}

/* The fan chart of a report: 60 days of history, then 14 days of nested
 * quantile bands, the median, and the actuals known so far. */
static pc_plot *fan_chart(void) {
  enum { HIST = 60, F = 15 };
  pc_date d0;
  assert_true(pc_date_parse("2023-11-01", &d0));
  double hx[HIST], hy[HIST], fx[F], lo95[F], hi95[F], lo50[F], hi50[F],
      med[F], act[F];
  for (int i = 0; i < HIST; i++) {
    hx[i] = d0 + i;
    hy[i] = 1.8 + 0.05 * sin(i * 0.3);
  }
  for (int k = 0; k < F; k++) {
    double s = 0.02 * sqrt(k), m = hy[HIST - 1] + 0.002 * k;
    fx[k] = d0 + HIST - 1 + k;
    med[k] = m;
    lo95[k] = m - 2 * s;
    hi95[k] = m + 2 * s;
    lo50[k] = m - 0.7 * s;
    hi50[k] = m + 0.7 * s;
    act[k] = k < 5 ? m + 0.01 * k : NAN;
  }
  pc_plot *p = new_plot("coffee: latest forecast");
  pc_plot_x_dates(p);
  assert_int_equal(pc_plot_band(p, fx, lo95, hi95, F, "95%", 0, 0.25), PC_OK);
  assert_int_equal(pc_plot_band(p, fx, lo50, hi50, F, "50%", 0, 0.25), PC_OK);
  assert_int_equal(pc_plot_line(p, fx, med, F, "naive", 0, false), PC_OK);
  assert_int_equal(pc_plot_line(p, hx, hy, HIST, "history", PC_PLOT_BLACK,
                                false),
                   PC_OK);
  assert_int_equal(pc_plot_points(p, fx, act, F, "actual", PC_PLOT_BLACK),
                   PC_OK);
  return p;
}

static void test_fan_chart(void **state) {
  (void)state;
  const char *path = file_in("fan.png");
  write_ok(fan_chart(), path);
  cairo_surface_t *img = load(path, W, H);
  uint32_t blue = pc_plot_color_rgb(0);
  assert_true(count_rgb(img, blue, 8) > 100); /* the median */
  /* The outer band alone, and where both bands overlap: two layers of
   * alpha 0.25 let 0.75^2 of the white through. */
  uint32_t outer = over_white(blue, 0.25);
  uint32_t inner = over_white(blue, 1 - 0.75 * 0.75);
  assert_true(count_rgb(img, outer, 3) > 500);
  assert_true(count_rgb(img, inner, 3) > 300);
  assert_true(count_rgb(img, 0x000000, 8) > 100); /* history and actuals */
  cairo_surface_destroy(img);
}

static void test_red_line_in_plot_area(void **state) {
  (void)state;
  double x[50], y[50];
  for (int i = 0; i < 50; i++) {
    x[i] = i;
    y[i] = i * i;
  }
  pc_plot *p = new_plot("a red line");
  assert_int_equal(pc_plot_line(p, x, y, 50, "red", 3, false), PC_OK);
  const char *path = file_in("red.png");
  write_ok(p, path);
  cairo_surface_t *img = load(path, W, H);
  uint32_t red = pc_plot_color_rgb(3);
  assert_int_equal(red, 0xd62728);
  assert_true(count_rgb(img, red, 8) > 300);
  /* Nothing red in the margins: title strip, tick labels, axis labels. */
  assert_int_equal(count_rgb_in(img, red, 60, 0, 0, W, 25), 0);
  assert_int_equal(count_rgb_in(img, red, 60, 0, 0, 35, H), 0);
  assert_int_equal(count_rgb_in(img, red, 60, 0, H - 25, W, H), 0);
  cairo_surface_destroy(img);
}

/* A fixed range narrower than the data: the line is clipped to the plot
 * area, never drawn over the margins. */
static void test_fixed_range_clips(void **state) {
  (void)state;
  double x[] = {-1e9, -10, 0, 10, 1e9}, y[] = {-1e9, -5, 0.5, 5, 1e9};
  pc_plot *p = new_plot("clipped");
  pc_plot_x_range(p, 0, 1);
  pc_plot_y_range(p, 0, 1);
  assert_int_equal(pc_plot_line(p, x, y, 5, NULL, 3, false), PC_OK);
  const char *path = file_in("clip.png");
  write_ok(p, path);
  cairo_surface_t *img = load(path, W, H);
  uint32_t red = pc_plot_color_rgb(3);
  assert_true(count_rgb(img, red, 8) > 100);
  assert_int_equal(count_rgb_in(img, red, 60, 0, 0, 35, H), 0);
  assert_int_equal(count_rgb_in(img, red, 60, 0, 0, W, 25), 0);
  cairo_surface_destroy(img);
}

static void test_band_colour(void **state) {
  (void)state;
  double x[] = {0, 1, 2, 3}, lo[] = {0, -1, -2, -3}, hi[] = {0, 1, 2, 3};
  pc_plot *p = new_plot("a band");
  assert_int_equal(pc_plot_band(p, x, lo, hi, 4, "band", 2, 0.5), PC_OK);
  const char *path = file_in("band.png");
  write_ok(p, path);
  cairo_surface_t *img = load(path, W, H);
  /* The triangle covers about half the plot area. */
  assert_true(count_rgb(img, over_white(pc_plot_color_rgb(2), 0.5), 3) >
              W * H / 5);
  cairo_surface_destroy(img);
}

/* A PIT histogram: ten bars and the uniform density as a dashed line. */
static void test_histogram(void **state) {
  (void)state;
  double left[10], height[10];
  for (int i = 0; i < 10; i++) {
    left[i] = i * 0.1;
    height[i] = 0.6 + 0.08 * i;
  }
  pc_plot *p = new_plot("PIT histogram");
  pc_plot_x_range(p, 0, 1);
  assert_int_equal(pc_plot_bars(p, left, 0.1, height, 10, "xgboost", 4),
                   PC_OK);
  assert_int_equal(pc_plot_hline(p, 1.0, "uniform", PC_PLOT_GREY), PC_OK);
  const char *path = file_in("pit.png");
  write_ok(p, path);
  cairo_surface_t *img = load(path, W, H);
  assert_true(count_rgb(img, pc_plot_color_rgb(4), 2) > W * H / 4);
  assert_true(count_rgb(img, pc_plot_color_rgb(PC_PLOT_GREY), 8) > 200);
  cairo_surface_destroy(img);
}

/* A calibration plot: the diagonal, and one model's points and line. */
static void test_calibration(void **state) {
  (void)state;
  double diag[] = {0, 1}, nominal[] = {0.5, 0.8, 0.95},
         empirical[] = {0.42, 0.7, 0.9};
  pc_plot *p = NULL;
  pc_error e;
  assert_int_equal(pc_plot_new(&p, 500, 500, "Calibration", "nominal",
                               "empirical", &e),
                   PC_OK);
  pc_plot_x_range(p, 0, 1);
  pc_plot_y_range(p, 0, 1);
  assert_int_equal(pc_plot_line(p, diag, diag, 2, NULL, PC_PLOT_GREY, true),
                   PC_OK);
  assert_int_equal(pc_plot_points(p, nominal, empirical, 3, "arima", 5),
                   PC_OK);
  assert_int_equal(pc_plot_line(p, nominal, empirical, 3, NULL, 5, false),
                   PC_OK);
  const char *path = file_in("calibration.png");
  write_ok(p, path);
  cairo_surface_t *img = load(path, 500, 500);
  assert_true(count_rgb(img, pc_plot_color_rgb(5), 8) > 100);
  assert_true(count_rgb(img, pc_plot_color_rgb(PC_PLOT_GREY), 8) > 100);
  cairo_surface_destroy(img);
}

static void test_same_input_same_bytes(void **state) {
  (void)state;
  char first[PATH_LEN];
  snprintf(first, sizeof first, "%s", file_in("a.png"));
  write_ok(fan_chart(), first);
  const char *second = file_in("b.png");
  write_ok(fan_chart(), second);
  size_t la, lb;
  unsigned char *a = read_all(first, &la), *b = read_all(second, &lb);
  assert_int_equal(la, lb);
  assert_memory_equal(a, b, la);
  free(a);
  free(b);
}

/* Series are copied when added: changing the caller's arrays afterwards
 * changes nothing. */
static void test_series_are_copied(void **state) {
  (void)state;
  double x[] = {0, 1, 2}, y[] = {0, 1, 0};
  pc_plot *p = new_plot("copied");
  assert_int_equal(pc_plot_line(p, x, y, 3, "line", 1, false), PC_OK);
  y[0] = y[1] = y[2] = NAN;
  const char *path = file_in("copied.png");
  write_ok(p, path);
  cairo_surface_t *img = load(path, W, H);
  assert_true(count_rgb(img, pc_plot_color_rgb(1), 8) > 300);
  cairo_surface_destroy(img);
}

/* Degenerate data still gives a valid PNG; what can be drawn is drawn. */
static void write_degenerate(const char *name, const double *x,
                             const double *y, size_t n, int min_pixels) {
  pc_plot *p = new_plot(name);
  assert_int_equal(pc_plot_line(p, x, y, n, name, 6, false), PC_OK);
  const char *path = file_in(name);
  write_ok(p, path);
  cairo_surface_t *img = load(path, W, H);
  assert_true(count_rgb(img, pc_plot_color_rgb(6), 8) >= min_pixels);
  cairo_surface_destroy(img);
}

static void test_degenerate_data(void **state) {
  (void)state;
  double x[] = {1, 2, 3, 4, 5};
  double all_nan[] = {NAN, NAN, NAN, NAN, NAN};
  double constant[] = {7, 7, 7, 7, 7};
  double with_inf[] = {1, INFINITY, 3, -INFINITY, 5};
  double huge[] = {1e308, -1e308, 1e307, 0, 1};
  double lone[] = {NAN, NAN, 2, NAN, NAN};
  write_degenerate("empty.png", x, constant, 0, 0);
  write_degenerate("nan.png", x, all_nan, 5, 0);
  write_degenerate("single.png", x + 2, constant, 1, 4);
  write_degenerate("lone.png", x, lone, 5, 4);
  write_degenerate("constant.png", x, constant, 5, 300);
  write_degenerate("inf.png", x, with_inf, 5, 4);
  write_degenerate("zero.png", x, (double[]){0, 0, 0, 0, 0}, 5, 300);
  pc_plot *p = new_plot("huge");
  assert_int_equal(pc_plot_line(p, x, huge, 5, NULL, 6, false), PC_OK);
  const char *path = file_in("huge.png");
  write_ok(p, path);
  cairo_surface_destroy(load(path, W, H));
  p = new_plot(NULL); /* no series, no labels, an empty range ignored */
  pc_plot_x_dates(p);
  pc_plot_x_range(p, 3, 3);
  pc_plot_y_range(p, NAN, 1);
  path = file_in("nothing.png");
  write_ok(p, path);
  cairo_surface_destroy(load(path, W, H));
}

static void test_unwritable_path(void **state) {
  (void)state;
  pc_plot *p = fan_chart();
  pc_error e = {{0}};
  const char *path = file_in("no/such/folder/fig.png");
  assert_int_equal(pc_plot_write_png(p, path, &e), PC_IO);
  assert_non_null(strstr(e.msg, path));
  assert_false(exists(path));
  /* A folder in the way: the partial file is written, the rename fails,
   * and the partial file is gone. */
  path = file_in("taken.png");
  assert_int_equal(mkdir(path, 0755), 0);
  assert_int_equal(pc_plot_write_png(p, path, &e), PC_IO);
  assert_non_null(strstr(e.msg, path));
  char partial[PATH_LEN + 16];
  snprintf(partial, sizeof partial, "%s.partial", path);
  assert_false(exists(partial));
  pc_plot_free(p);
}

static void test_bad_input(void **state) {
  (void)state;
  pc_plot *p = NULL;
  pc_error e = {{0}};
  assert_int_equal(pc_plot_new(&p, 10, 500, NULL, NULL, NULL, &e), PC_INPUT);
  assert_null(p);
  assert_non_null(strstr(e.msg, "10x500"));
  p = new_plot("missing arrays");
  double y[] = {1, 2};
  assert_int_equal(pc_plot_line(p, NULL, y, 2, "x", 0, false), PC_INPUT);
  assert_int_equal(pc_plot_band(p, y, y, NULL, 2, "x", 0, 0.5), PC_INPUT);
  assert_int_equal(pc_plot_line(p, NULL, NULL, 0, "empty", 0, false), PC_OK);
  /* The first failure makes the write fail too, and nothing is written. */
  const char *path = file_in("bad.png");
  assert_int_equal(pc_plot_write_png(p, path, &e), PC_INPUT);
  assert_non_null(strstr(e.msg, path));
  assert_false(exists(path));
  pc_plot_free(p);
  pc_plot_free(NULL);
}

static void test_palette(void **state) {
  (void)state;
  for (int i = 0; i < PC_PLOT_NCOLORS; i++) {
    for (int j = 0; j < i; j++) {
      assert_false(near(pc_plot_color_rgb(i), pc_plot_color_rgb(j), 40));
    }
    assert_int_equal(pc_plot_color_rgb(i + PC_PLOT_NCOLORS),
                     pc_plot_color_rgb(i));
  }
  assert_int_equal(pc_plot_color_rgb(PC_PLOT_BLACK), 0x000000);
}

/* ---- ticks ------------------------------------------------------------ */

typedef struct {
  size_t n;
  double v[PC_PLOT_MAX_TICKS];
  char label[PC_PLOT_MAX_TICKS][PC_PLOT_TICK_LEN];
} tick_list;

static tick_list ticks_of(double lo, double hi, int max_n, bool dates) {
  tick_list t;
  t.n = pc_plot_ticks(lo, hi, max_n, dates, t.v, t.label);
  return t;
}

static void assert_labels(const tick_list *t, const char *const *want,
                          size_t n) {
  assert_int_equal(t->n, n);
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(t->label[i], want[i]);
  }
}

static void test_number_ticks(void **state) {
  (void)state;
  tick_list t = ticks_of(0, 1, 5, false);
  assert_labels(&t, (const char *[]){"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"},
                6);
  t = ticks_of(-3.7, 12.2, 8, false);
  assert_labels(&t, (const char *[]){"-2", "0", "2", "4", "6", "8", "10",
                                     "12"},
                8);
  t = ticks_of(0.0113, 0.0561, 10, false);
  assert_labels(&t, (const char *[]){"0.015", "0.020", "0.025", "0.030",
                                     "0.035", "0.040", "0.045", "0.050",
                                     "0.055"},
                9);
  t = ticks_of(-0.3, 0.3, 3, false); /* 0 is "0.0", never "-0.0" */
  assert_labels(&t, (const char *[]){"-0.2", "0.0", "0.2"}, 3);
  t = ticks_of(0, 5e9, 5, false);
  assert_labels(&t, (const char *[]){"0", "1e+09", "2e+09", "3e+09", "4e+09",
                                     "5e+09"},
                6);
  assert_int_equal(ticks_of(1, 1, 5, false).n, 0);
  assert_int_equal(ticks_of(0, INFINITY, 5, false).n, 0);
  assert_true(ticks_of(0, 1, 1000, false).n <= PC_PLOT_MAX_TICKS);
}

static double day(const char *iso) {
  pc_date d;
  assert_true(pc_date_parse(iso, &d));
  return d;
}

static void test_date_ticks(void **state) {
  (void)state;
  /* Two weeks apart, on Mondays (counted from Monday 1970-01-05, so the
   * same Mondays whatever the range). */
  tick_list t = ticks_of(day("2023-12-30"), day("2024-03-15"), 8, true);
  assert_labels(&t, (const char *[]){"2024-01-08", "2024-01-22", "2024-02-05",
                                     "2024-02-19", "2024-03-04"},
                5);
  for (size_t i = 0; i < t.n; i++) {
    assert_int_equal(pc_date_weekday((pc_date)t.v[i]), 0);
  }
  t = ticks_of(day("2024-01-02"), day("2024-01-05"), 8, true);
  assert_labels(&t, (const char *[]){"2024-01-02", "2024-01-03", "2024-01-04",
                                     "2024-01-05"},
                4);
  t = ticks_of(day("2023-12-20"), day("2024-12-31"), 8, true);
  assert_labels(&t, (const char *[]){"2024-01", "2024-03", "2024-05",
                                     "2024-07", "2024-09", "2024-11"},
                6);
  t = ticks_of(day("2018-01-01"), day("2024-01-01"), 8, true);
  assert_labels(&t, (const char *[]){"2018", "2019", "2020", "2021", "2022",
                                     "2023", "2024"},
                7);
  assert_int_equal(t.v[1], day("2019-01-01"));
}

/* Under `make sanitize`: fontconfig keeps the configuration cairo loaded
 * until the process ends, and only fontconfig's FcFini (not cairo) could
 * free it, so LeakSanitizer is told that it is not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
  return "leak:libfontconfig.so\n";
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fan_chart),
      cmocka_unit_test(test_red_line_in_plot_area),
      cmocka_unit_test(test_fixed_range_clips),
      cmocka_unit_test(test_band_colour),
      cmocka_unit_test(test_histogram),
      cmocka_unit_test(test_calibration),
      cmocka_unit_test(test_same_input_same_bytes),
      cmocka_unit_test(test_series_are_copied),
      cmocka_unit_test(test_degenerate_data),
      cmocka_unit_test(test_unwritable_path),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_palette),
      cmocka_unit_test(test_number_ticks),
      cmocka_unit_test(test_date_ticks),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, make_tmp_dir, remove_tmp_dir);
}
