/* Unit tests for the netCDF-4 / CF layer of the HDF5 helpers (src/store/h5io.h):
 * dates read from either schema, what is refused as dates, scalars read as
 * one value, dimension scales and their attachments as netCDF reads them.
 * Real HDF5 files in a temporary folder. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers above, as cmocka requires */

#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/h5io.h"

/* One HDF5 file per test, removed afterwards: a real file on disk, as the
 * helpers are used (through the core driver) by the store. */
typedef struct {
  char dir[64];
  char path[128];
  hid_t f;
} fixture;

/* Errors go to the test's assertions, not to HDF5's printed stack. */
static int setup(void **state) {
  fixture *fx = calloc(1, sizeof *fx);
  if (fx == NULL) {
    return -1;
  }
  snprintf(fx->dir, sizeof fx->dir, "/tmp/pc-test-h5io-XXXXXX");
  if (mkdtemp(fx->dir) == NULL) {
    free(fx);
    return -1;
  }
  snprintf(fx->path, sizeof fx->path, "%s/t.h5", fx->dir);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  fx->f = pc_h5_create(fx->path);
  *state = fx;
  return fx->f >= 0 ? 0 : -1;
}

static int teardown(void **state) {
  fixture *fx = *state;
  H5Fclose(fx->f);
  unlink(fx->path);
  rmdir(fx->dir);
  free(fx);
  return 0;
}

/* Dates: 1800-01-01, 1970-01-01, 2020-01-02, 9999-12-31 as day numbers. */
static const pc_date days[4] = {PC_DATE_MIN, 0, 18263, PC_DATE_MAX};

/* The dataset reads back as `days`, with rows x cols as written (cols 0:
 * one dimension). */
static void assert_dates(hid_t f, const char *name, size_t rows,
                         size_t cols) {
  pc_date *d = NULL;
  size_t n = 0, c = 99;
  assert_int_equal(pc_h5_read_dates(f, name, &d, &n, &c), 0);
  assert_int_equal(n, rows);
  assert_int_equal(c, cols);
  assert_memory_equal(d, days, sizeof days);
  free(d);
}

/* Schema 2 (CF time) and schema 1 (ISO text) give the same day numbers, in
 * one dimension and two. */
static void test_dates_both_schemas(void **state) {
  fixture *fx = *state;
  /* Each schema in one and two dimensions (forecast_date, day_date). */
  assert_int_equal(pc_h5_write_days(fx->f, "cf", days, 4, 0, "d"), 0);
  assert_int_equal(pc_h5_write_days(fx->f, "cf2", days, 2, 2, "d"), 0);
  assert_int_equal(pc_h5_write_dates(fx->f, "iso", days, 4, 0, "d"), 0);
  assert_int_equal(pc_h5_write_dates(fx->f, "iso2", days, 2, 2, "d"), 0);
  assert_dates(fx->f, "cf", 4, 0);
  assert_dates(fx->f, "cf2", 2, 2);
  assert_dates(fx->f, "iso", 4, 0);
  assert_dates(fx->f, "iso2", 2, 2);
  /* What xarray and ncdump decode the integers by. */
  char units[64], calendar[64];
  hid_t d = H5Dopen2(fx->f, "cf", H5P_DEFAULT);
  assert_int_equal(pc_h5_read_attr_str(d, "units", units, sizeof units), 0);
  assert_int_equal(
      pc_h5_read_attr_str(d, "calendar", calendar, sizeof calendar), 0);
  H5Dclose(d);
  assert_string_equal(units, "days since 1970-01-01");
  assert_string_equal(calendar, "proleptic_gregorian");
}

/* Integers are dates only with CF's units, and only within the dates
 * pathcast has (a damaged file is refused, not read as odd dates). */
static void test_dates_refused(void **state) {
  fixture *fx = *state;
  int32_t v[2] = {0, 1};
  hsize_t dims[1] = {2};
  pc_date *d = NULL;
  size_t n = 0;
  /* Integers without units: some other count, not dates. */
  assert_int_equal(pc_h5_write_i32(fx->f, "plain", v, 1, dims, "x"), 0);
  assert_int_equal(pc_h5_read_dates(fx->f, "plain", &d, &n, NULL), -1);
  /* One day past either end of pathcast's dates. */
  pc_date outside[2] = {0, PC_DATE_MAX + 1};
  assert_int_equal(pc_h5_write_days(fx->f, "late", outside, 2, 0, "x"), 0);
  assert_int_equal(pc_h5_read_dates(fx->f, "late", &d, &n, NULL), -1);
  outside[1] = PC_DATE_MIN - 1;
  assert_int_equal(pc_h5_write_days(fx->f, "early", outside, 2, 0, "x"), 0);
  assert_int_equal(pc_h5_read_dates(fx->f, "early", &d, &n, NULL), -1);
  /* And a dataset that is not there is no dates either. */
  assert_int_equal(pc_h5_read_dates(fx->f, "missing", &d, &n, NULL), -1);
}

/* Schema 2 stores single values as scalars: the 1-D readers give them as
 * one element, strings included (NUL-terminated for netCDF-C). */
static void test_scalars(void **state) {
  fixture *fx = *state;
  double x = -0.0, *xs = NULL;
  int64_t k = -7, *ks = NULL;
  uint8_t b = 200, *bs = NULL;
  char **s = NULL;
  size_t n = 0;
  assert_int_equal(pc_h5_write_scalar(fx->f, "x", PC_H5_F64, &x), 0);
  assert_int_equal(pc_h5_write_scalar(fx->f, "k", PC_H5_I64, &k), 0);
  assert_int_equal(pc_h5_write_scalar(fx->f, "b", PC_H5_U8, &b), 0);
  /* A short string and the empty one: netCDF-C once read past the first
   * (no terminator); the second has only its terminator. */
  assert_int_equal(pc_h5_write_scalar(fx->f, "s", PC_H5_STRING, "log"), 0);
  assert_int_equal(pc_h5_write_scalar(fx->f, "e", PC_H5_STRING, ""), 0);
  /* Rank 0: a scalar, which netCDF shows without a dimension. */
  hsize_t dims[1];
  assert_int_equal(pc_h5_dims(fx->f, "x", dims, 1), 0);
  assert_int_equal(pc_h5_read_f64(fx->f, "x", &xs, &n), 0);
  assert_int_equal(n, 1);
  assert_memory_equal(xs, &x, sizeof x);
  assert_int_equal(pc_h5_read_i64(fx->f, "k", &ks, &n), 0);
  assert_true(n == 1 && ks[0] == -7);
  assert_int_equal(pc_h5_read_u8(fx->f, "b", &bs, &n), 0);
  assert_true(n == 1 && bs[0] == 200);
  assert_int_equal(pc_h5_read_strings(fx->f, "s", &s, &n), 0);
  assert_int_equal(n, 1);
  assert_string_equal(s[0], "log");
  pc_h5_free_strings(s, n);
  assert_int_equal(pc_h5_read_strings(fx->f, "e", &s, &n), 0);
  assert_string_equal(s[0], "");
  pc_h5_free_strings(s, n);
  free(xs);
  free(ks);
  free(bs);
}

/* The name HDF5's dimension scale API gives a variable's axis. */
static void assert_axis(hid_t f, const char *var, unsigned axis,
                        const char *scale) {
  hid_t d = H5Dopen2(f, var, H5P_DEFAULT);
  hid_t s = H5Dopen2(f, scale, H5P_DEFAULT);
  assert_true(H5DSis_attached(d, s, axis) > 0);
  assert_int_equal(H5DSget_num_scales(d, axis), 1);
  H5Dclose(s);
  H5Dclose(d);
}

/* A coordinate variable 1..n is its own dimension (NAME its name, with
 * netCDF's dimension number); a dimension without a variable carries
 * netCDF's marker; attachments follow the axes in order. */
static void test_dimensions(void **state) {
  fixture *fx = *state;
  double v[6] = {1, 2, 3, 4, 5, 6};
  hsize_t dims[2] = {2, 3};
  const char *const axes[] = {"row", "col"};
  assert_int_equal(pc_h5_write_index(fx->f, "row", 2, 0, "a row"), 0);
  assert_int_equal(pc_h5_write_dimension(fx->f, "col", 3), 0);
  assert_int_equal(pc_h5_write_nd_f64(fx->f, "v", v, 2, dims, "values"), 0);
  assert_int_equal(pc_h5_attach(fx->f, "v", axes, 2), 0);
  assert_axis(fx->f, "v", 0, "row");
  assert_axis(fx->f, "v", 1, "col");
  assert_true(pc_h5_is_scale(fx->f, "row") && pc_h5_is_scale(fx->f, "col"));
  assert_false(pc_h5_is_scale(fx->f, "v"));
  /* The coordinate variable names itself, carries its netCDF dimension
   * number and holds 1..n. */
  char name[128];
  hid_t d = H5Dopen2(fx->f, "row", H5P_DEFAULT);
  assert_true(H5DSget_scale_name(d, name, sizeof name) > 0);
  assert_string_equal(name, "row");
  int32_t id = -1, idx[2] = {0, 0};
  hid_t a = H5Aopen(d, "_Netcdf4Dimid", H5P_DEFAULT);
  assert_true(a >= 0 && H5Aread(a, H5T_NATIVE_INT32, &id) >= 0);
  assert_int_equal(id, 0);
  H5Aclose(a);
  assert_int_equal(H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL,
                           H5P_DEFAULT, idx), 0);
  assert_true(idx[0] == 1 && idx[1] == 2);
  H5Dclose(d);
  d = H5Dopen2(fx->f, "col", H5P_DEFAULT);
  assert_true(H5DSget_scale_name(d, name, sizeof name) > 0);
  H5Dclose(d);
  assert_string_equal(name, "This is a netCDF dimension but not a netCDF "
                            "variable.         3");
  /* Attaching a dimension that does not exist is an error, not a no-op. */
  assert_int_equal(pc_h5_attach(fx->f, "v", (const char *const[]){"nope"}, 1),
                   -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_dates_both_schemas, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_dates_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_scalars, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dimensions, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
