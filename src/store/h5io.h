/* Internal: small HDF5 helpers used by the store.  Every function returns
 * 0 on success and -1 on failure (the HDF5 error stack says why); every
 * object is created with time tracking off so that the same content always
 * gives the same file bytes. */
#ifndef PC_H5IO_H
#define PC_H5IO_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "pathcast/core/date.h"

hid_t pc_h5_create(const char *path);
hid_t pc_h5_open_read(const char *path);
hid_t pc_h5_group(hid_t loc, const char *name);

int pc_h5_attr_str(hid_t loc, const char *name, const char *value);
int pc_h5_attr_i64(hid_t loc, const char *name, int64_t value);
int pc_h5_attr_u64(hid_t loc, const char *name, uint64_t value);
/* Reads a string attribute into buf (truncated to len-1). */
int pc_h5_read_attr_str(hid_t loc, const char *name, char *buf, size_t len);
int pc_h5_read_attr_i64(hid_t loc, const char *name, int64_t *value);
int pc_h5_read_attr_u64(hid_t loc, const char *name, uint64_t *value);

/* 1-D datasets, with a `description` (and `units` when not NULL). */
int pc_h5_write_f64(hid_t loc, const char *name, const double *v, size_t n,
                    const char *description, const char *units);
int pc_h5_write_i64(hid_t loc, const char *name, const int64_t *v, size_t n,
                    const char *description);
int pc_h5_write_u8(hid_t loc, const char *name, const uint8_t *v, size_t n,
                   const char *description);
/* Fixed-length string array (width = longest string). */
int pc_h5_write_strings(hid_t loc, const char *name, const char *const *s,
                        size_t n, const char *description);
/* ISO date strings ("YYYY-MM-DD"), shape n or n x cols (cols > 0). */
int pc_h5_write_dates(hid_t loc, const char *name, const pc_date *d, size_t n,
                      size_t cols, const char *description);
/* float32 array n x paths x horizon, one chunk per forecast. */
int pc_h5_write_paths(hid_t loc, const char *name, const float *v, size_t n,
                      int paths, int horizon, const char *description);
int pc_h5_write_2d_f64(hid_t loc, const char *name, const double *v, size_t n,
                       size_t cols, const char *description);
/* float64 array of any shape (row-major). */
int pc_h5_write_nd_f64(hid_t loc, const char *name, const double *v, int rank,
                       const hsize_t *dims, const char *description);

/* Readers allocate with malloc; *n receives the element count of the first
 * dimension (and the second in *cols where asked). */
int pc_h5_read_f64(hid_t loc, const char *name, double **v, size_t *n);
int pc_h5_read_i64(hid_t loc, const char *name, int64_t **v, size_t *n);
int pc_h5_read_u8(hid_t loc, const char *name, uint8_t **v, size_t *n);
int pc_h5_read_strings(hid_t loc, const char *name, char ***s, size_t *n);
void pc_h5_free_strings(char **s, size_t n);
int pc_h5_read_dates(hid_t loc, const char *name, pc_date **d, size_t *n,
                     size_t *cols);
/* Whole datasets of exactly count elements, into the caller's buffer. */
int pc_h5_read_floats(hid_t loc, const char *name, float *v, size_t count);
int pc_h5_read_doubles(hid_t loc, const char *name, double *v, size_t count);
int pc_h5_dims(hid_t loc, const char *name, hsize_t *dims, int maxdims);
int pc_h5_exists(hid_t loc, const char *name);

/* ---- netCDF-4 and CF (store schema 2) ----------------------------------
 * Dates are CF time: int32 days since 1970-01-01, proleptic Gregorian
 * (pc_date itself).  pc_h5_read_dates reads these as well as the ISO
 * strings of schema 1. */
#define PC_CF_DAYS "days since 1970-01-01"
#define PC_CF_CALENDAR "proleptic_gregorian"

/* int32 array of rank 1..3. */
int pc_h5_write_i32(hid_t loc, const char *name, const int32_t *v, int rank,
                    const hsize_t *dims, const char *description);
/* Dates as CF time, shape n or n x cols (cols > 0), with `units`,
 * `calendar` and a `description`. */
int pc_h5_write_days(hid_t loc, const char *name, const pc_date *d, size_t n,
                     size_t cols, const char *description);
/* One value as a scalar dataset (no dimension). */
typedef enum { PC_H5_F64, PC_H5_I64, PC_H5_U8, PC_H5_STRING } pc_h5_kind;
int pc_h5_write_scalar(hid_t loc, const char *name, pc_h5_kind kind,
                       const void *v);
/* String attributes of a dataset from NULL-terminated key, value pairs
 * (long_name, standard_name, coordinates, ...). */
int pc_h5_label(hid_t loc, const char *name, const char *const *pairs);
/* Makes the dataset the dimension scale of its own name: a netCDF
 * dimension whose values are its coordinate variable.  dimid >= 0 numbers
 * the dimension in the file (netCDF's _Netcdf4Dimid: the order readers list
 * dimensions in); -1 leaves it to the reader. */
int pc_h5_set_scale(hid_t loc, const char *name, int dimid);
/* A coordinate variable 1..n (int32) that is the dimension `name`. */
int pc_h5_write_index(hid_t loc, const char *name, size_t n, int dimid,
                      const char *long_name);
/* A dimension of length n without a coordinate variable (netCDF's
 * "dimension but not a variable"). */
int pc_h5_write_dimension(hid_t loc, const char *name, size_t n);
/* Attaches the dimensions dims[0..rank-1] (datasets of loc) to the axes of
 * dataset `name`, in order. */
int pc_h5_attach(hid_t loc, const char *name, const char *const *dims,
                 int rank);
/* Whether a dataset is a dimension scale (schema 2 readers skip them). */
int pc_h5_is_scale(hid_t loc, const char *name);

#endif
