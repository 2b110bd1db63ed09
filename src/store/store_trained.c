/* Trained models in the store: <model>/<version>/trained/YYYY-MM-DD.h5, one
 * file per scheduled training date, holding the model's record (parameters
 * in /params, diagnostics in /diagnostics) under a content checksum.
 *
 * The store knows no model: it writes whatever fields the model's save put in
 * its pc_record and gives them back to its load (src/core/record.c), so adding
 * a model type needs no change here. One file per training date, never
 * overwritten once valid: the schedule decides which file serves a forecast
 * (docs/DESIGN.md, "The run"), so a rerun finds the file and does not refit. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5io.h"
#include "store_internal.h"

/* Fields in (section, name) order: the order they read back in. */
/* Sorting makes the checksum independent of the order a model's save added its
 * fields, matching read_record, which iterates in name order. */
static int cmp_field(const void *a, const void *b) {
  const pc_field *x = *(const pc_field *const *)a;
  const pc_field *y = *(const pc_field *const *)b;
  if (x->section != y->section) {
    return (int)x->section - (int)y->section;
  }
  return strcmp(x->name, y->name);
}

/* Covers the metadata and every field's name, scalar flag and payload. Out of
 * memory gives 0: a writer then stores a checksum no reader will match (the
 * file is rebuilt as damaged), and a reader reports damage rather than serving
 * an unchecked model. Neither can pass a wrong model as valid. */
static uint64_t record_checksum(const pc_record *rec,
                                const pc_trained_meta *meta) {
  const pc_field **order = malloc((rec->n ? rec->n : 1) * sizeof *order);
  if (order == NULL) {
    return 0;
  }
  for (size_t i = 0; i < rec->n; i++) {
    order[i] = &rec->fields[i];
  }
  qsort(order, rec->n, sizeof *order, cmp_field);
  uint64_t c = pc_checksum_add(pc_checksum_seed, &meta->training_date,
                               sizeof meta->training_date);
  c = pc_checksum_add(c, &meta->data_cutoff, sizeof meta->data_cutoff);
  c = pc_checksum_add(c, &meta->n_obs, sizeof meta->n_obs);
  for (size_t i = 0; i < rec->n; i++) {
    const pc_field *f = order[i];
    /* Payloads are hashed as the host's bytes. Every supported platform is
     * little-endian with IEEE doubles; a big-endian reader would see every
     * checksum mismatch and refuse the files rather than misread them. */
    size_t unit = f->kind == PC_FIELD_F64 || f->kind == PC_FIELD_I64 ? 8 : 1;
    c = pc_checksum_add(c, f->name, strlen(f->name));
    c = pc_checksum_add(c, &f->scalar, sizeof f->scalar);
    c = pc_checksum_add(c, f->data, f->len * unit);
  }
  free(order);
  return c;
}

/* The file name is the ISO training date, which also sorts the folder
 * chronologically; nonzero when the path does not fit PATH_LEN. */
static int trained_path(const pc_store *s, char *buf, const char *model,
                        const char *version, pc_date t) {
  char d[PC_DATE_STRLEN];
  return pc_store_path(s, buf, "%s/%s/trained/%s.h5", model, version,
                       pc_date_format(t, d));
}

/* Lists the dates from file names alone (no file is opened), which keeps
 * planning cheap for long histories; a damaged file is found when it is
 * read. The caller frees *dates. */
pc_status pc_store_trained_dates(pc_store *s, const char *model,
                                 const char *version, pc_date **dates,
                                 size_t *n, pc_error *e) {
  char dir[PATH_LEN];
  pc_store_path(s, dir, "%s/%s/trained", model, version);
  return pc_store_list_keys(dir, pc_store_parse_day_name, dates, n, e);
}

static const char *section_name(pc_section sec) {
  return sec == PC_SECTION_PARAMS ? "params" : "diagnostics";
}

/* Schema 2: a single value (a scalar number, a string) is a scalar
 * dataset, which netCDF readers show without a dimension. */
static int write_single(hid_t g, const pc_field *f) {
  static const pc_h5_kind kinds[] = {[PC_FIELD_F64] = PC_H5_F64,
                                     [PC_FIELD_I64] = PC_H5_I64,
                                     [PC_FIELD_STR] = PC_H5_STRING,
                                     [PC_FIELD_BYTES] = PC_H5_U8};
  return pc_h5_write_scalar(g, f->name, kinds[f->kind], f->data);
}

/* An array gets a dimension of its own, `<name>_index` (netCDF's
 * dimension without a coordinate variable), so that its axis has a name. */
static int write_array(hid_t g, const pc_field *f) {
  char dim[sizeof f->name + 8];
  const char *const dims[] = {dim};
  int rc = -1;
  snprintf(dim, sizeof dim, "%s_index", f->name);
  if (pc_h5_write_dimension(g, dim, f->len) != 0) {
    return -1;
  }
  switch (f->kind) {
  case PC_FIELD_F64:
    rc = pc_h5_write_f64(g, f->name, f->data, f->len, NULL, NULL);
    break;
  case PC_FIELD_I64:
    rc = pc_h5_write_i64(g, f->name, f->data, f->len, NULL);
    break;
  default:
    rc = pc_h5_write_u8(g, f->name, f->data, f->len, NULL);
  }
  return rc == 0 ? pc_h5_attach(g, f->name, dims, 1) : -1;
}

/* A string is always one scalar dataset (its len counts bytes, not elements); a
 * number is scalar only when the model flagged it so, which is how `pathcast
 * models` knows to print it without brackets. */
static int write_field(hid_t g, const pc_field *f) {
  int single = f->kind == PC_FIELD_STR || (f->scalar && f->len == 1);
  return single ? write_single(g, f) : write_array(g, f);
}

/* Fields go to /params and /diagnostics as datasets, each marked with its
 * kind and whether it is a scalar so it reads back exactly. */
/* Both groups are always created, even when empty, so a reader can tell an
 * empty section from a missing (damaged) one. Fields are written in the
 * record's order; the bytes of the file then depend on the model's save, which
 * is deterministic. */
static int write_record(hid_t f, const pc_record *rec) {
  int ok = 1;
  for (int sec = 0; ok && sec < 2; sec++) {
    hid_t g = pc_h5_group(f, section_name((pc_section)sec));
    ok = g >= 0;
    for (size_t i = 0; ok && i < rec->n; i++) {
      const pc_field *fld = &rec->fields[i];
      if ((int)fld->section != sec) {
        continue;
      }
      ok = write_field(g, fld) == 0;
      hid_t d = ok ? H5Dopen2(g, fld->name, H5P_DEFAULT) : -1;
      ok = d >= 0 && pc_h5_attr_i64(d, "scalar", fld->scalar) == 0;
      if (d >= 0) {
        H5Dclose(d);
      }
    }
    if (g >= 0) {
      H5Gclose(g);
    }
  }
  return ok ? 0 : -1;
}

/* Called by the rank that fitted the model; each training unit is one file, so
 * no two ranks ever write the same file. ok carries the first failure through
 * the chain, and pc_store_file_commit discards the in-memory file when it is 0,
 * leaving no partial file behind. */
pc_status pc_store_write_trained(pc_store *s, const pc_store_model *m,
                                 const pc_trained_meta *meta,
                                 const pc_record *rec, pc_error *e) {
  char path[PATH_LEN], t[PC_DATE_STRLEN], c[PC_DATE_STRLEN], title[512];
  if (trained_path(s, path, m->model, m->version, meta->training_date) != 0) {
    return pc_error_set(e, PC_INPUT, "store path too long");
  }
  hid_t f = pc_store_file_create(0);
  int ok = f >= 0 &&
      pc_store_write_identity(s, f,
                              "a trained model: parameters in /params, fit "
                              "diagnostics in /diagnostics") == 0;
  snprintf(title, sizeof title, "%s model %s (%s) trained on %s", s->commodity,
           m->model, m->version, pc_date_format(meta->training_date, t));
  ok = ok && pc_store_write_model_identity(s, f, m, title) == 0;
  ok = ok && pc_h5_attr_str(f, "training_date",
                            pc_date_format(meta->training_date, t)) == 0;
  ok = ok && pc_h5_attr_str(f, "data_cutoff_date",
                            pc_date_format(meta->data_cutoff, c)) == 0;
  ok = ok && pc_h5_attr_i64(f, "n_obs", meta->n_obs) == 0;
  ok = ok && write_record(f, rec) == 0;
  ok = ok && pc_h5_attr_u64(f, "checksum", record_checksum(rec, meta)) == 0;
  /* Checked after the chain, which does nothing once ok is 0, so the in-memory
   * file is created and released on one path only. */
  if (f < 0) {
    return pc_error_set(e, PC_IO, "%s: cannot create the file", path);
  }
  return pc_store_file_commit(s, f, ok, path, e);
}

/* H5Literate callback state for reading one section's fields. */
typedef struct {
  pc_record *rec;
  pc_section sec;
  int ok;
} read_ctx;

/* The field kind is recovered from the HDF5 type class and size: floats are
 * F64, 8-byte integers I64, other integers bytes, strings STR. This mirrors
 * write_field, so a record reads back with the kinds it was saved with;
 * anything else (a dataset another tool added) fails the read and the file
 * counts as damaged. */
static int read_field(hid_t g, const char *name, pc_field *f) {
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
  hid_t t = d >= 0 ? H5Dget_type(d) : -1;
  H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
  size_t size = t >= 0 ? H5Tget_size(t) : 0;
  int64_t scalar = 0;
  int ok = d >= 0 && pc_h5_read_attr_i64(d, "scalar", &scalar) == 0;
  if (t >= 0) {
    H5Tclose(t);
  }
  if (d >= 0) {
    H5Dclose(d);
  }
  f->scalar = (int)scalar;
  char **strs = NULL;
  if (ok && cls == H5T_FLOAT) {
    f->kind = PC_FIELD_F64;
    ok = pc_h5_read_f64(g, name, (double **)&f->data, &f->len) == 0;
  } else if (ok && cls == H5T_INTEGER && size == 8) {
    f->kind = PC_FIELD_I64;
    ok = pc_h5_read_i64(g, name, (int64_t **)&f->data, &f->len) == 0;
  } else if (ok && cls == H5T_INTEGER) {
    f->kind = PC_FIELD_BYTES;
    ok = pc_h5_read_u8(g, name, (uint8_t **)&f->data, &f->len) == 0;
  } else if (ok && cls == H5T_STRING) {
    size_t n = 0;
    f->kind = PC_FIELD_STR;
    if (pc_h5_read_strings(g, name, &strs, &n) != 0) {
      ok = 0;
    } else if (n != 1) {
      pc_h5_free_strings(strs, n);
      ok = 0;
    } else {
      f->data = strs[0]; /* the record takes the one string */
      f->len = strlen(strs[0]);
      free(strs);
    }
  } else {
    ok = 0;
  }
  return ok ? 0 : -1;
}

/* A failure stops the iteration (-1) and frees the one payload not yet adopted;
 * fields adopted before stay in the record, which the caller finalises. */
static herr_t read_field_cb(hid_t g, const char *name, const H5L_info_t *info,
                            void *data) {
  (void)info;
  read_ctx *ctx = data;
  pc_field f;
  /* Schema 2 names the axes of arrays with dimensions: not fields. */
  if (pc_h5_is_scale(g, name)) {
    return 0;
  }
  memset(&f, 0, sizeof f);
  snprintf(f.name, sizeof f.name, "%s", name);
  f.section = ctx->sec;
  if (read_field(g, name, &f) != 0 || pc_record_adopt(ctx->rec, &f) != PC_OK) {
    free(f.data);
    ctx->ok = 0;
    return -1;
  }
  return 0;
}

static int read_record(hid_t f, pc_record *rec) {
  for (int sec = 0; sec < 2; sec++) {
    hid_t g = H5Gopen2(f, section_name((pc_section)sec), H5P_DEFAULT);
    read_ctx ctx = {rec, (pc_section)sec, 1};
    hsize_t idx = 0;
    /* Name order: the same record whatever order the fields were added. */
    int ok = g >= 0 && H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx,
                                   read_field_cb, &ctx) >= 0 && ctx.ok;
    if (g >= 0) {
      H5Gclose(g);
    }
    if (!ok) {
      return -1;
    }
  }
  return 0;
}

/* Dates are ISO text attributes in trained files (people read them with
 * h5dump); an unparsable text is damage like any other. */
static int read_date_attr(hid_t f, const char *name, pc_date *d) {
  char text[64];
  return pc_h5_read_attr_str(f, name, text, sizeof text) == 0 &&
                 pc_date_parse(text, d) ? 0 : -1;
}

/* Reads the metadata and record of an open trained-model file; NULL on
 * success, else what is wrong. */
static const char *read_trained_file(hid_t f, pc_date want,
                                     pc_trained_meta *meta, pc_record *rec) {
  pc_date t = PC_DATE_NONE, c = PC_DATE_NONE;
  int64_t n_obs = 0;
  int ok = read_date_attr(f, "training_date", &t) == 0 &&
           read_date_attr(f, "data_cutoff_date", &c) == 0 &&
           pc_h5_read_attr_i64(f, "n_obs", &n_obs) == 0 &&
           read_record(f, rec) == 0;
  meta->training_date = t;
  meta->data_cutoff = c;
  meta->n_obs = n_obs;
  if (!ok) {
    return "cannot read trained model";
  }
  /* The identity check: a file copied to another date's name must not serve
   * that date (docs/STORE.md, "Identity on every read"). */
  if (t != want) {
    return "its training_date does not match its name";
  }
  if (pc_store_check_checksum(f, record_checksum(rec, meta)) != 0) {
    return "checksum mismatch: the trained model is damaged";
  }
  return NULL;
}

/* The caller owns rec and meta (pc_record_init before, pc_record_fini
 * after, also on failure). A missing file is PC_IO, every other problem
 * PC_DAMAGED; either way the forecasts that need the model become recorded
 * failures in the forecast phase (driver/work.c), never a stop. */
pc_status pc_store_read_trained(pc_store *s, const char *model,
                                const char *version, pc_date training_date,
                                pc_trained_meta *meta, pc_record *rec,
                                pc_error *e) {
  char path[PATH_LEN];
  pc_store_file sf;
  memset(meta, 0, sizeof *meta);
  if (trained_path(s, path, model, version, training_date) != 0) {
    return pc_error_set(e, PC_INPUT, "store path too long");
  }
  if (!pc_store_file_exists(s, path)) {
    return pc_error_set(e, PC_IO, "%s: no such trained model", path);
  }
  /* From here on, any failure means the file is damaged or misplaced. */
  pc_status st = pc_store_file_open(s, path, &sf, e);
  if (st == PC_OK) {
    st = pc_store_check_identity(s, sf.f, path, model, version, e);
  }
  if (st == PC_OK) {
    const char *why = read_trained_file(sf.f, training_date, meta, rec);
    if (why != NULL) {
      pc_store_diag_stack(s);
      st = pc_error_set(e, PC_DAMAGED, "%s: %s", path, why);
    }
  }
  pc_store_file_close(&sf);
  return st == PC_OK ? PC_OK : PC_DAMAGED;
}
