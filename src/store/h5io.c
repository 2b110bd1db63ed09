/* HDF5 helpers for the store (see h5io.h).
 *
 * The store's only contact with the HDF5 API: the store_*.c files describe what
 * a file holds, these helpers decide how it is laid out. Three rules hold for
 * every helper, and changing any of them changes the bytes of every new file:
 *
 * - File types are explicit little-endian (H5T_STD_*LE, H5T_IEEE_*LE), memory
 * types native, so files are the same on every host and HDF5 converts on a
 * big-endian reader.
 *
 * - No time stamps, fixed creation order, fixed-width strings: a file's bytes
 * depend on its content only (docs/STORE.md, "Same content, same bytes").
 *
 * - Helpers return 0 or -1 and leave no HDF5 identifier open on any path; the
 * HDF5 error stack, which the store prints into the rank's log, says what
 * failed. Readers check shape and type before reading, so a damaged or foreign
 * file is refused, never read past its arrays. */
#include "h5io.h"

#include <hdf5_hl.h>
#include <stdlib.h>
#include <string.h>

/* Object creation property lists with time tracking off: HDF5 otherwise
 * stamps every object with its creation time, and a rerun could never give
 * the same bytes. */
static hid_t dcpl_untimed(void) {
  hid_t p = H5Pcreate(H5P_DATASET_CREATE);
  if (p >= 0 && H5Pset_obj_track_times(p, 0) < 0) {
    H5Pclose(p);
    return -1;
  }
  return p;
}

/* Plain file access, kept for tools and tests; the store itself builds files in
 * memory (store_file.c) so that a full disk is one failed write(). */
hid_t pc_h5_create(const char *path) {
  return H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
}

hid_t pc_h5_open_read(const char *path) {
  return H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
}

/* Groups get the same untimed creation properties as datasets; a group's time
 * stamp would otherwise differ on every rerun. */
hid_t pc_h5_group(hid_t loc, const char *name) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  if (gcpl < 0) {
    return -1;
  }
  hid_t g = -1;
  if (H5Pset_obj_track_times(gcpl, 0) >= 0) {
    g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  }
  H5Pclose(gcpl);
  return g;
}

/* Fixed-width, NUL-padded strings rather than variable-length ones: those
 * live in HDF5's global heap and must be freed by HDF5 after reading; fixed
 * width keeps each value inside its dataset. Width 0 is not a valid HDF5
 * size, so an empty string gets width 1. */
static hid_t string_type(size_t width) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t >= 0 && (H5Tset_size(t, width ? width : 1) < 0 ||
                 H5Tset_strpad(t, H5T_STR_NULLPAD) < 0)) {
    H5Tclose(t);
    return -1;
  }
  return t;
}

/* Scalar attribute of any type; the memory and file types are the same, so the
 * value is written as given. */
static int write_attr(hid_t loc, const char *name, hid_t type, const void *v) {
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = space < 0 ? -1 : H5Acreate2(loc, name, type, space, H5P_DEFAULT,
                                        H5P_DEFAULT);
  int rc = (a >= 0 && H5Awrite(a, type, v) >= 0) ? 0 : -1;
  if (a >= 0) {
    H5Aclose(a);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  return rc;
}

int pc_h5_attr_str(hid_t loc, const char *name, const char *value) {
  hid_t t = string_type(strlen(value));
  int rc = t < 0 ? -1 : write_attr(loc, name, t, value[0] ? value : "");
  if (t >= 0) {
    H5Tclose(t);
  }
  return rc;
}

int pc_h5_attr_i64(hid_t loc, const char *name, int64_t value) {
  return write_attr(loc, name, H5T_STD_I64LE, &value);
}

int pc_h5_attr_u64(hid_t loc, const char *name, uint64_t value) {
  return write_attr(loc, name, H5T_STD_U64LE, &value);
}

/* Reads into a buffer one longer than the stored width, so a string that fills
 * its width is still terminated; the result is truncated to len by snprintf.
 * Only fixed-width strings are accepted: a variable-length one was not written
 * by pathcast. */
int pc_h5_read_attr_str(hid_t loc, const char *name, char *buf, size_t len) {
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0) {
    return -1;
  }
  hid_t ft = H5Aget_type(a);
  size_t width = ft >= 0 ? H5Tget_size(ft) : 0;
  char *tmp = calloc(width + 1, 1);
  hid_t mt = string_type(width);
  int rc = (tmp && mt >= 0 && H5Tget_class(ft) == H5T_STRING &&
            !H5Tis_variable_str(ft) && H5Aread(a, mt, tmp) >= 0) ? 0 : -1;
  if (rc == 0) {
    snprintf(buf, len, "%s", tmp);
  }
  free(tmp);
  if (mt >= 0) {
    H5Tclose(mt);
  }
  if (ft >= 0) {
    H5Tclose(ft);
  }
  H5Aclose(a);
  return rc;
}

/* HDF5 converts whatever integer type is stored to the native type asked
 * for; the identity and checksum checks, not this helper, decide whether the
 * value is right. */
static int read_attr(hid_t loc, const char *name, hid_t type, void *value) {
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0) {
    return -1;
  }
  int rc = H5Aread(a, type, value) >= 0 ? 0 : -1;
  H5Aclose(a);
  return rc;
}

int pc_h5_read_attr_i64(hid_t loc, const char *name, int64_t *value) {
  return read_attr(loc, name, H5T_NATIVE_INT64, value);
}

int pc_h5_read_attr_u64(hid_t loc, const char *name, uint64_t *value) {
  return read_attr(loc, name, H5T_NATIVE_UINT64, value);
}

/* Creates and writes one dataset of rank 0 (a scalar) to 3; chunk may be
 * NULL. */
static int write_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                         int rank, const hsize_t *dims, const hsize_t *chunk,
                         const void *v, const char *description,
                         const char *units) {
  hid_t space = rank == 0 ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(rank, dims, NULL);
  /* Chunked only when asked (the paths, one chunk per forecast); everything
   * else is contiguous, which is smaller and has no chunk index to vary. */
  hid_t dcpl = dcpl_untimed();
  int ok = space >= 0 && dcpl >= 0;
  if (ok && chunk != NULL) {
    ok = H5Pset_chunk(dcpl, rank, chunk) >= 0;
  }
  hid_t d = ok ? H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl,
                            H5P_DEFAULT) : -1;
  ok = d >= 0;
  hsize_t total = 1;
  for (int i = 0; i < rank; i++) {
    total *= dims[i];
  }
  /* An empty dataset is created but not written: there is nothing to write, and
   * no buffer to pass. */
  if (ok && total > 0) {
    ok = H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
  }
  if (ok && description != NULL) {
    ok = pc_h5_attr_str(d, "description", description) == 0;
  }
  if (ok && units != NULL) {
    ok = pc_h5_attr_str(d, "units", units) == 0;
  }
  if (d >= 0) {
    H5Dclose(d);
  }
  if (dcpl >= 0) {
    H5Pclose(dcpl);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  return ok ? 0 : -1;
}

/* The typed writers below: one per file type the store uses; each names its
 * file type explicitly (see the file's comment). */
int pc_h5_write_f64(hid_t loc, const char *name, const double *v, size_t n,
                    const char *description, const char *units) {
  hsize_t dims[1] = {n};
  return write_dataset(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims,
                       NULL, v, description, units);
}

int pc_h5_write_2d_f64(hid_t loc, const char *name, const double *v, size_t n,
                       size_t cols, const char *description) {
  hsize_t dims[2] = {n, cols};
  return pc_h5_write_nd_f64(loc, name, v, 2, dims, description);
}

int pc_h5_write_nd_f64(hid_t loc, const char *name, const double *v, int rank,
                       const hsize_t *dims, const char *description) {
  return write_dataset(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank,
                       dims, NULL, v, description, NULL);
}

int pc_h5_write_i64(hid_t loc, const char *name, const int64_t *v, size_t n,
                    const char *description) {
  hsize_t dims[1] = {n};
  return write_dataset(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims,
                       NULL, v, description, NULL);
}

int pc_h5_write_u8(hid_t loc, const char *name, const uint8_t *v, size_t n,
                   const char *description) {
  hsize_t dims[1] = {n};
  return write_dataset(loc, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, dims,
                       NULL, v, description, NULL);
}

/* Packs strings into one fixed-width buffer and writes them with shape
 * dims[0..rank-1]. */
/* The width is the longest string, at least 1; shorter strings are NUL-padded
 * by calloc. A string exactly as wide as the field has no NUL in the file; the
 * readers add one. */
static int write_packed(hid_t loc, const char *name, const char *const *s,
                        int rank, const hsize_t *dims, size_t n,
                        const char *description) {
  size_t width = 1;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(s[i]);
    width = len > width ? len : width;
  }
  char *buf = calloc(n ? n : 1, width);
  hid_t t = string_type(width);
  int rc = -1;
  if (buf != NULL && t >= 0) {
    for (size_t i = 0; i < n; i++) {
      memcpy(buf + i * width, s[i], strlen(s[i]));
    }
    rc = write_dataset(loc, name, t, t, rank, dims, NULL, buf, description,
                       NULL);
  }
  if (t >= 0) {
    H5Tclose(t);
  }
  free(buf);
  return rc;
}

int pc_h5_write_strings(hid_t loc, const char *name, const char *const *s,
                        size_t n, const char *description) {
  hsize_t dims[1] = {n};
  return write_packed(loc, name, s, 1, dims, n, description);
}

/* Dates as ISO text (schema 1 and the whole-store files); the model files of
 * schema 2 use CF days (pc_h5_write_days). cols = 0 writes a 1-D dataset, cols
 * > 0 an n x cols one. */
int pc_h5_write_dates(hid_t loc, const char *name, const pc_date *d, size_t n,
                      size_t cols, const char *description) {
  size_t count = n * (cols ? cols : 1);
  char (*text)[PC_DATE_STRLEN] = malloc((count ? count : 1) * sizeof *text);
  const char **ptr = malloc((count ? count : 1) * sizeof *ptr);
  int rc = -1;
  if (text != NULL && ptr != NULL) {
    for (size_t i = 0; i < count; i++) {
      ptr[i] = pc_date_format(d[i], text[i]);
    }
    hsize_t dims[2] = {n, cols};
    rc = write_packed(loc, name, ptr, cols ? 2 : 1, dims, count, description);
  }
  free(ptr);
  free(text);
  return rc;
}

/* One chunk per forecast (1 x paths x horizon): a reader that wants one
 * forecast date reads one chunk, and xarray with dask maps chunks to forecasts.
 * float32 halves the store against double; prices need no more than its 7
 * digits. */
int pc_h5_write_paths(hid_t loc, const char *name, const float *v, size_t n,
                      int paths, int horizon, const char *description) {
  hsize_t dims[3] = {n, (hsize_t)paths, (hsize_t)horizon};
  hsize_t chunk[3] = {1, (hsize_t)paths, (hsize_t)horizon};
  return write_dataset(loc, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dims,
                       chunk, v, description,
                       "price, in the units of the data file's close column");
}

/* H5Lexists returns a negative value on error; that counts as absent. */
int pc_h5_exists(hid_t loc, const char *name) {
  return H5Lexists(loc, name, H5P_DEFAULT) > 0;
}

/* The rank (0 for a scalar) with its dimensions in dims, or -1 when the dataset
 * is missing or has more than maxdims dimensions, so dims is never overrun. */
int pc_h5_dims(hid_t loc, const char *name, hsize_t *dims, int maxdims) {
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) {
    return -1;
  }
  hid_t space = H5Dget_space(d);
  int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  if (rank >= 0 && rank <= maxdims) {
    H5Sget_simple_extent_dims(space, dims, NULL);
  } else {
    rank = -1;
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  H5Dclose(d);
  return rank;
}

/* The length of a 1-D dataset; a scalar (schema 2 stores single values as
 * scalars) counts as one element. */
static int dims_1d(hid_t loc, const char *name, hsize_t *dims) {
  int rank = pc_h5_dims(loc, name, dims, 1);
  if (rank == 0) {
    dims[0] = 1;
  }
  return rank == 0 || rank == 1 ? 0 : -1;
}

/* Reads a whole 1-D dataset of `size`-byte elements in memory type mtype. */
/* On success the caller owns *out (free); on failure nothing is allocated. The
 * buffer is sized from the file's own dimension, which the callers then compare
 * with their other arrays. */
static int read_1d(hid_t loc, const char *name, hid_t mtype, size_t size,
                   void **out, size_t *n) {
  hsize_t dims[1];
  if (dims_1d(loc, name, dims) != 0) {
    return -1;
  }
  void *buf = malloc(dims[0] ? dims[0] * size : 1);
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  int ok = buf != NULL && d >= 0;
  if (ok && dims[0] > 0) {
    ok = H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
  }
  if (d >= 0) {
    H5Dclose(d);
  }
  if (!ok) {
    free(buf);
    return -1;
  }
  *out = buf;
  *n = dims[0];
  return 0;
}

int pc_h5_read_f64(hid_t loc, const char *name, double **v, size_t *n) {
  return read_1d(loc, name, H5T_NATIVE_DOUBLE, sizeof **v, (void **)v, n);
}

int pc_h5_read_i64(hid_t loc, const char *name, int64_t **v, size_t *n) {
  return read_1d(loc, name, H5T_NATIVE_INT64, sizeof **v, (void **)v, n);
}

int pc_h5_read_u8(hid_t loc, const char *name, uint8_t **v, size_t *n) {
  return read_1d(loc, name, H5T_NATIVE_UINT8, sizeof **v, (void **)v, n);
}

/* Reads a fixed-width string dataset of any rank as count strings. */
/* *buf holds the count strings back to back, w bytes each as in the file
 * (allocated count x (w + 1), which leaves slack at the end); callers copy each
 * into a w + 1 buffer to terminate it. The caller frees *buf. */
static int read_packed(hid_t loc, const char *name, char **buf, size_t *width,
                       size_t count) {
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  hid_t ft = d >= 0 ? H5Dget_type(d) : -1;
  int ok = ft >= 0 && H5Tget_class(ft) == H5T_STRING && !H5Tis_variable_str(ft);
  size_t w = ok ? H5Tget_size(ft) : 0;
  hid_t mt = ok ? string_type(w) : -1;
  char *b = ok ? calloc(count ? count : 1, w + 1) : NULL;
  ok = ok && mt >= 0 && b != NULL;
  if (ok && count > 0) {
    ok = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, b) >= 0;
  }
  if (mt >= 0) {
    H5Tclose(mt);
  }
  if (ft >= 0) {
    H5Tclose(ft);
  }
  if (d >= 0) {
    H5Dclose(d);
  }
  if (!ok) {
    free(b);
    return -1;
  }
  *buf = b;
  *width = w;
  return 0;
}

/* An array of n NUL-terminated copies, owned by the caller
 * (pc_h5_free_strings); on failure nothing stays allocated. */
int pc_h5_read_strings(hid_t loc, const char *name, char ***s, size_t *n) {
  hsize_t dims[1];
  char *buf = NULL;
  size_t w = 0;
  if (dims_1d(loc, name, dims) != 0 ||
      read_packed(loc, name, &buf, &w, dims[0]) != 0) {
    return -1;
  }
  char **out = calloc(dims[0] ? dims[0] : 1, sizeof *out);
  int ok = out != NULL;
  for (size_t i = 0; ok && i < dims[0]; i++) {
    out[i] = calloc(w + 1, 1);
    ok = out[i] != NULL;
    if (ok) {
      memcpy(out[i], buf + i * w, w);
    }
  }
  free(buf);
  if (!ok) {
    pc_h5_free_strings(out, dims[0]);
    return -1;
  }
  *s = out;
  *n = dims[0];
  return 0;
}

/* Accepts NULL, so error paths can call it without checking. */
void pc_h5_free_strings(char **s, size_t n) {
  if (s == NULL) {
    return;
  }
  for (size_t i = 0; i < n; i++) {
    free(s[i]);
  }
  free(s);
}

/* Schema 1: ISO text, "YYYY-MM-DD" in fixed-width strings; count dates
 * into a new array. */
static pc_date *parse_iso_dates(hid_t loc, const char *name, size_t count) {
  char *buf = NULL;
  size_t w = 0;
  if (read_packed(loc, name, &buf, &w, count) != 0) {
    return NULL;
  }
  pc_date *out = malloc((count ? count : 1) * sizeof *out);
  /* An empty dataset has no strings to give it the date width. */
  /* Every date text is exactly "YYYY-MM-DD"; any other width is not a date
   * column, whatever its content. */
  int ok = out != NULL && (count == 0 || w == PC_DATE_STRLEN - 1);
  for (size_t i = 0; ok && i < count; i++) {
    char text[PC_DATE_STRLEN];
    memcpy(text, buf + i * w, w);
    text[w] = '\0';
    ok = pc_date_parse(text, &out[i]);
  }
  free(buf);
  if (!ok) {
    free(out);
    return NULL;
  }
  return out;
}

/* Schema 2: CF time, integer days since 1970-01-01.  The units attribute
 * must say so (an integer dataset of another meaning is not dates), and
 * every day must lie in the domain pathcast's dates have. */
static pc_date *read_cf_days(hid_t loc, const char *name, size_t count) {
  char units[64];
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  pc_date *out = malloc((count ? count : 1) * sizeof *out);
  int ok = d >= 0 && out != NULL &&
           pc_h5_read_attr_str(d, "units", units, sizeof units) == 0 &&
           strcmp(units, PC_CF_DAYS) == 0;
  if (ok && count > 0) {
    ok = H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0;
  }
  for (size_t i = 0; ok && i < count; i++) {
    ok = out[i] >= PC_DATE_MIN && out[i] <= PC_DATE_MAX;
  }
  if (d >= 0) {
    H5Dclose(d);
  }
  if (!ok) {
    free(out);
    return NULL;
  }
  return out;
}

/* The stored type class decides the date encoding: integers are CF days (schema
 * 2), strings ISO text (schema 1). This is how every reader reads both schemas
 * without knowing a file's schema version. */
static H5T_class_t dataset_class(hid_t loc, const char *name) {
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  hid_t t = d >= 0 ? H5Dget_type(d) : -1;
  H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
  if (t >= 0) {
    H5Tclose(t);
  }
  if (d >= 0) {
    H5Dclose(d);
  }
  return cls;
}

/* *n is the first dimension; *cols the second for a 2-D dataset (day_date), 0
 * for 1-D. The caller owns *d. A caller that passes cols = NULL must expect 1-D
 * data, since the count it uses is then *n. */
int pc_h5_read_dates(hid_t loc, const char *name, pc_date **d, size_t *n,
                     size_t *cols) {
  hsize_t dims[2] = {0, 0};
  int rank = pc_h5_dims(loc, name, dims, 2);
  size_t c = rank == 2 ? dims[1] : 1;
  size_t count = rank > 0 ? dims[0] * c : 0;
  if (rank < 1) {
    return -1;
  }
  pc_date *out = dataset_class(loc, name) == H5T_INTEGER
                     ? read_cf_days(loc, name, count)
                     : parse_iso_dates(loc, name, count);
  if (out == NULL) {
    return -1;
  }
  *d = out;
  *n = dims[0];
  if (cols != NULL) {
    *cols = rank == 2 ? c : 0;
  }
  return 0;
}

/* Reads a whole dataset of exactly count elements into v. */
/* Into a caller-sized buffer: the element count must match exactly, whatever
 * the dataset's shape, so a file cannot write past v. */
static int read_exact(hid_t loc, const char *name, hid_t mtype, void *v,
                      size_t count) {
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) {
    return -1;
  }
  hid_t space = H5Dget_space(d);
  hssize_t have = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  int ok = have >= 0 && (size_t)have == count;
  if (ok && count > 0) {
    ok = H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  H5Dclose(d);
  return ok ? 0 : -1;
}

int pc_h5_read_floats(hid_t loc, const char *name, float *v, size_t count) {
  return read_exact(loc, name, H5T_NATIVE_FLOAT, v, count);
}

int pc_h5_read_doubles(hid_t loc, const char *name, double *v, size_t count) {
  return read_exact(loc, name, H5T_NATIVE_DOUBLE, v, count);
}

/* ---- netCDF-4 and CF (schema 2) ---------------------------------------
 * HDF5 dimension scales are how netCDF-4 stores named dimensions: a
 * dataset marked as the scale of a dimension (H5DSset_scale) is that
 * dimension, and its values, when it has any, are the coordinate variable
 * of the same name; every other dataset lists the scale of each of its axes
 * (H5DSattach_scale).  netCDF-C, h5netcdf and xarray then show named
 * dimensions instead of phony_dim_N.  Attaching writes object references
 * (file addresses) into attributes: they are deterministic because the
 * objects are always created in the same order. */

/* int32 is the type of CF day numbers (netCDF's "int") and of the path and day
 * coordinates. */
int pc_h5_write_i32(hid_t loc, const char *name, const int32_t *v, int rank,
                    const hsize_t *dims, const char *description) {
  return write_dataset(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT32, rank, dims,
                       NULL, v, description, NULL);
}

/* A single value as a scalar dataset (rank 0), which netCDF shows as a variable
 * without dimensions: used for a trained model's scalar fields. */
int pc_h5_write_scalar(hid_t loc, const char *name, pc_h5_kind kind,
                       const void *v) {
  switch (kind) {
  case PC_H5_F64:
    return write_dataset(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL,
                         NULL, v, NULL, NULL);
  case PC_H5_I64:
    return write_dataset(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, NULL,
                         NULL, v, NULL, NULL);
  case PC_H5_U8:
    return write_dataset(loc, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, 0, NULL,
                         NULL, v, NULL, NULL);
  default: {
    /* With its terminating NUL: netCDF-C (4.9) reads a fixed-length string
     * as a C string, past the end of one that fills its width. */
    hid_t t = H5Tcopy(H5T_C_S1);
    int rc = t >= 0 && H5Tset_size(t, strlen(v) + 1) >= 0 &&
                     H5Tset_strpad(t, H5T_STR_NULLTERM) >= 0
                 ? write_dataset(loc, name, t, t, 0, NULL, NULL, v, NULL,
                                 NULL)
                 : -1;
    if (t >= 0) {
      H5Tclose(t);
    }
    return rc;
  }
  }
}

/* pc_date is already days since 1970-01-01, so CF time needs no conversion; the
 * units and calendar attributes are what let xarray decode it to datetime64
 * (proleptic Gregorian, as pathcast's date arithmetic is). */
int pc_h5_write_days(hid_t loc, const char *name, const pc_date *d, size_t n,
                     size_t cols, const char *description) {
  hsize_t dims[2] = {n, cols};
  hid_t ds = -1;
  int ok = pc_h5_write_i32(loc, name, d, cols ? 2 : 1, dims, description) == 0;
  ds = ok ? H5Dopen2(loc, name, H5P_DEFAULT) : -1;
  ok = ds >= 0 && pc_h5_attr_str(ds, "units", PC_CF_DAYS) == 0 &&
       pc_h5_attr_str(ds, "calendar", PC_CF_CALENDAR) == 0;
  if (ds >= 0) {
    H5Dclose(ds);
  }
  return ok ? 0 : -1;
}

/* pairs is NULL-terminated name/value attribute pairs; a NULL value ends the
 * list too, so an optional attribute can be left out by putting NULL in its
 * value slot (store_scores.c does this for "coordinates"). */
int pc_h5_label(hid_t loc, const char *name, const char *const *pairs) {
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  int ok = ds >= 0;
  for (size_t i = 0; ok && pairs[i] != NULL && pairs[i + 1] != NULL; i += 2) {
    ok = pc_h5_attr_str(ds, pairs[i], pairs[i + 1]) == 0;
  }
  if (ds >= 0) {
    H5Dclose(ds);
  }
  return ok ? 0 : -1;
}

int pc_h5_set_scale(hid_t loc, const char *name, int dimid) {
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  int32_t id = dimid;
  int ok = ds >= 0 && H5DSset_scale(ds, name) >= 0;
  /* netCDF numbers the dimensions of a file; given, the number orders them
   * (ncdump, xarray) as they are meant to be read, not by name. */
  if (ok && dimid >= 0) {
    ok = write_attr(ds, "_Netcdf4Dimid", H5T_STD_I32LE, &id) == 0;
  }
  if (ds >= 0) {
    H5Dclose(ds);
  }
  return ok ? 0 : -1;
}

/* A counting coordinate 1..n (path, day): the dimension then has values, so
 * xarray selects by path number rather than by position. */
int pc_h5_write_index(hid_t loc, const char *name, size_t n, int dimid,
                      const char *long_name) {
  int32_t *v = malloc((n ? n : 1) * sizeof *v);
  hsize_t dims[1] = {n};
  int ok = v != NULL;
  for (size_t i = 0; ok && i < n; i++) {
    v[i] = (int32_t)(i + 1);
  }
  const char *const label[] = {"long_name", long_name, NULL};
  ok = ok && pc_h5_write_i32(loc, name, v, 1, dims, NULL) == 0 &&
       pc_h5_label(loc, name, label) == 0 &&
       pc_h5_set_scale(loc, name, dimid) == 0;
  free(v);
  return ok ? 0 : -1;
}

/* netCDF-C's marker of a dimension that has no coordinate variable: the
 * scale's NAME is this text followed by the length in ten columns. */
#define PC_NETCDF_DIM_ONLY                                                     \
  "This is a netCDF dimension but not a netCDF variable."

/* A dimension without values (a trained model's `<field>_index`): an empty
 * float dataset of length n marked with netCDF-C's NAME text, which is how
 * netCDF-C writes such a dimension, so ncdump shows no variable for it. The
 * dataset is never written and holds fill values only. */
int pc_h5_write_dimension(hid_t loc, const char *name, size_t n) {
  char marker[sizeof PC_NETCDF_DIM_ONLY + 16];
  hsize_t dims[1] = {n};
  hid_t space = H5Screate_simple(1, dims, NULL);
  hid_t dcpl = dcpl_untimed();
  hid_t ds = space >= 0 && dcpl >= 0
                 ? H5Dcreate2(loc, name, H5T_IEEE_F32LE, space, H5P_DEFAULT,
                              dcpl, H5P_DEFAULT)
                 : -1;
  snprintf(marker, sizeof marker, "%s%10zu", PC_NETCDF_DIM_ONLY, n);
  int ok = ds >= 0 && H5DSset_scale(ds, marker) >= 0;
  if (ds >= 0) {
    H5Dclose(ds);
  }
  if (dcpl >= 0) {
    H5Pclose(dcpl);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  return ok ? 0 : -1;
}

/* Attaches the named scales to axes 0 .. rank-1 of the dataset in order; the
 * scales must exist already. Every attach adds a back reference to the scale,
 * so attaching in a fixed order keeps the bytes fixed. */
int pc_h5_attach(hid_t loc, const char *name, const char *const *dims,
                 int rank) {
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  int ok = ds >= 0;
  for (int i = 0; ok && i < rank; i++) {
    hid_t scale = H5Dopen2(loc, dims[i], H5P_DEFAULT);
    ok = scale >= 0 && H5DSattach_scale(ds, scale, (unsigned)i) >= 0;
    if (scale >= 0) {
      H5Dclose(scale);
    }
  }
  if (ds >= 0) {
    H5Dclose(ds);
  }
  return ok ? 0 : -1;
}

/* For readers that iterate over a group (trained models): dimension scales are
 * layout, not content, and are skipped. */
int pc_h5_is_scale(hid_t loc, const char *name) {
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  int scale = ds >= 0 && H5DSis_scale(ds) > 0;
  if (ds >= 0) {
    H5Dclose(ds);
  }
  return scale;
}
