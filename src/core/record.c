/* Named fields of a trained model (see pathcast/core/record.h).
 *
 * A record is the one shape every model's trained state takes between save and
 * load: a flat list of named, typed fields that the store writes as HDF5
 * datasets (store_trained.c) without knowing the model. The design choices
 * below all serve one rule from docs/RELIABILITY.md: loading a damaged or
 * foreign record is an error, never undefined behaviour.
 *
 * Field names are unique within a record and are at most PC_FIELD_NAME_MAX - 1
 * bytes: the store writes one dataset per name, and HDF5 would refuse a second
 * link of the same name only after half the file was built. */
#include "pathcast/core/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pc_record_init(pc_record *r) { memset(r, 0, sizeof *r); }

/* Frees every payload and the array, then zeroes r so the record is empty and
 * reusable (fini twice is harmless). */
void pc_record_fini(pc_record *r) {
  for (size_t i = 0; i < r->n; i++) {
    free(r->fields[i].data);
  }
  free(r->fields);
  memset(r, 0, sizeof *r);
}

/* Linear search: a model has tens of fields at most, and a load reads each
 * once, so a hash table would only add code. */
const pc_field *pc_record_get(const pc_record *r, const char *name) {
  for (size_t i = 0; i < r->n; i++) {
    if (strcmp(r->fields[i].name, name) == 0) {
      return &r->fields[i];
    }
  }
  return NULL;
}

/* On success the record owns f->data; on failure the caller still does
 * (add_copy frees it). A duplicate or too long name is PC_FATAL: it is a bug in
 * a model's save or a forged file, never bad user input. */
pc_status pc_record_adopt(pc_record *r, const pc_field *f) {
  if (strlen(f->name) >= PC_FIELD_NAME_MAX || pc_record_get(r, f->name)) {
    return PC_FATAL;
  }
  if (r->n == r->cap) {
    /* Doubling keeps adding n fields O(n) in copies. */
    size_t cap = r->cap ? 2 * r->cap : 8;
    pc_field *grown = realloc(r->fields, cap * sizeof *grown);
    if (grown == NULL) {
      return PC_NOMEM;
    }
    r->fields = grown;
    r->cap = cap;
  }
  r->fields[r->n++] = *f;
  return PC_OK;
}

/* Copies nbytes of payload into a new field; one allocation path for all
 * kinds keeps ownership simple (the record frees every payload). */
static pc_status add_copy(pc_record *r, pc_section sec, const char *name,
                          pc_field_kind kind, int scalar, const void *p,
                          size_t len, size_t nbytes) {
  pc_field f;
  memset(&f, 0, sizeof f);
  /* Checked here as well as in adopt so that no payload is allocated for a name
   * that cannot be stored. */
  if (strlen(name) >= sizeof f.name) {
    return PC_FATAL;
  }
  strcpy(f.name, name);
  f.kind = kind;
  f.section = sec;
  f.scalar = scalar;
  f.len = len;
  f.data = malloc(nbytes + 1); /* +1: room for a NUL on strings, never 0 */
  if (f.data == NULL) {
    return PC_NOMEM;
  }
  /* memcpy with a NULL source is undefined even for 0 bytes, and an empty array
   * or string may come with p == NULL. */
  if (nbytes > 0) {
    memcpy(f.data, p, nbytes);
  }
  ((char *)f.data)[nbytes] = '\0';
  pc_status st = pc_record_adopt(r, &f);
  if (st != PC_OK) {
    free(f.data);
  }
  return st;
}

pc_status pc_record_add_f64(pc_record *r, pc_section sec, const char *name,
                            const double *v, size_t n) {
  return add_copy(r, sec, name, PC_FIELD_F64, 0, v, n, n * sizeof *v);
}

pc_status pc_record_add_i64(pc_record *r, pc_section sec, const char *name,
                            const int64_t *v, size_t n) {
  return add_copy(r, sec, name, PC_FIELD_I64, 0, v, n, n * sizeof *v);
}

pc_status pc_record_add_scalar(pc_record *r, pc_section sec, const char *name,
                               double v) {
  return add_copy(r, sec, name, PC_FIELD_F64, 1, &v, 1, sizeof v);
}

pc_status pc_record_add_int(pc_record *r, pc_section sec, const char *name,
                            int64_t v) {
  return add_copy(r, sec, name, PC_FIELD_I64, 1, &v, 1, sizeof v);
}

pc_status pc_record_add_str(pc_record *r, pc_section sec, const char *name,
                            const char *s) {
  size_t n = strlen(s);
  return add_copy(r, sec, name, PC_FIELD_STR, 1, s, n, n);
}

pc_status pc_record_add_bytes(pc_record *r, pc_section sec, const char *name,
                              const void *p, size_t n) {
  return add_copy(r, sec, name, PC_FIELD_BYTES, 0, p, n, n);
}

/* Kind and exact length are both checked: a field of the right name but another
 * length is a record of another model version (say, an ARIMA of other orders)
 * and must not be copied into arrays sized for this one. */
static pc_status typed_field(const pc_record *r, const char *name,
                             pc_field_kind kind, size_t n, const pc_field **out,
                             pc_error *e) {
  const pc_field *f = pc_record_get(r, name);
  if (f == NULL) {
    return pc_error_set(e, PC_FATAL, "trained model has no field '%s'", name);
  }
  if (f->kind != kind || f->len != n) {
    return pc_error_set(e, PC_FATAL,
                        "trained model field '%s' has the wrong type or length",
                        name);
  }
  *out = f;
  return PC_OK;
}

pc_status pc_record_get_f64(const pc_record *r, const char *name, double *out,
                            size_t n, pc_error *e) {
  const pc_field *f = NULL;
  pc_status st = typed_field(r, name, PC_FIELD_F64, n, &f, e);
  if (st == PC_OK) {
    memcpy(out, f->data, n * sizeof *out);
  }
  return st;
}

pc_status pc_record_get_scalar(const pc_record *r, const char *name,
                               double *out, pc_error *e) {
  return pc_record_get_f64(r, name, out, 1, e);
}

/* f->len >= len also refuses a string that would fit only without its NUL:
 * truncating a stored setting would silently load a different model. */
pc_status pc_record_get_str(const pc_record *r, const char *name, char *buf,
                            size_t len, pc_error *e) {
  const pc_field *f = pc_record_get(r, name);
  if (f == NULL || f->kind != PC_FIELD_STR || f->len >= len) {
    return pc_error_set(e, PC_FATAL,
                        "trained model field '%s' is missing or "
                        "not a string",
                        name);
  }
  memcpy(buf, f->data, f->len);
  buf[f->len] = '\0';
  return PC_OK;
}

pc_status pc_record_get_int(const pc_record *r, const char *name, int64_t *out,
                            pc_error *e) {
  const pc_field *f = NULL;
  pc_status st = typed_field(r, name, PC_FIELD_I64, 1, &f, e);
  if (st == PC_OK) {
    memcpy(out, f->data, sizeof *out);
  }
  return st;
}

/* ---- the sticky reader ------------------------------------------------- */

void pc_reader_init(pc_record_reader *r, const pc_record *rec, pc_error *e) {
  r->rec = rec;
  r->e = e;
  r->st = PC_OK;
  /* One flag per field, set as the loader reads it; pc_reader_finish then
   * refuses a record with unread fields. At least one byte so an empty record
   * is not mistaken for a failed allocation. */
  r->used = calloc(rec->n ? rec->n : 1, 1);
  if (r->used == NULL) {
    r->st = pc_error_set(e, PC_NOMEM, "out of memory loading a model");
    return;
  }
  /* The dispatcher's own field (pc_model_load checks it). */
  for (size_t i = 0; i < rec->n; i++) {
    r->used[i] = strcmp(rec->fields[i].name, "model_type") == 0;
  }
}

/* The field to read, marked as read; NULL (and the status set) when it is
 * missing or not of the kind and length asked (max_len: at most). */
/* at_most: strings and pc_read_field payloads may be shorter than the limit;
 * numeric arrays must have exactly the length asked. A field that is found is
 * marked read even when its type is wrong, so the error names the real problem
 * and not an "unread field" later. */
static const pc_field *take(pc_record_reader *r, const char *name,
                            pc_field_kind kind, size_t len, int at_most) {
  if (r->st != PC_OK) {
    return NULL;
  }
  for (size_t i = 0; i < r->rec->n; i++) {
    const pc_field *f = &r->rec->fields[i];
    if (strcmp(f->name, name) != 0) {
      continue;
    }
    r->used[i] = 1;
    if (f->kind != kind || (at_most ? f->len > len : f->len != len)) {
      r->st = pc_error_set(r->e, PC_FATAL, "trained model field '%s' has the "
                           "wrong type or length", name);
      return NULL;
    }
    return f;
  }
  r->st = pc_error_set(r->e, PC_FATAL, "trained model has no field '%s'",
                       name);
  return NULL;
}

void pc_read_f64(pc_record_reader *r, const char *name, double *out,
                 size_t n) {
  /* Zeroed first, so a failed read leaves defined values (docs/RELIABILITY.md:
   * "loaders read through a reader that zeroes what a failed read leaves"); the
   * model's loader can then free and return without checking each field. */
  const pc_field *f = take(r, name, PC_FIELD_F64, n, 0);
  memset(out, 0, n * sizeof *out);
  if (f != NULL) {
    memcpy(out, f->data, n * sizeof *out);
  }
}

void pc_read_i64(pc_record_reader *r, const char *name, int64_t *out,
                 size_t n) {
  const pc_field *f = take(r, name, PC_FIELD_I64, n, 0);
  memset(out, 0, n * sizeof *out);
  if (f != NULL) {
    memcpy(out, f->data, n * sizeof *out);
  }
}

void pc_read_scalar(pc_record_reader *r, const char *name, double *out) {
  pc_read_f64(r, name, out, 1);
}

void pc_read_int(pc_record_reader *r, const char *name, int64_t *out) {
  pc_read_i64(r, name, out, 1);
}

void pc_read_str(pc_record_reader *r, const char *name, char *buf,
                 size_t len) {
  /* len - 1: the stored string has no NUL, and buf needs room for one. */
  const pc_field *f = take(r, name, PC_FIELD_STR, len - 1, 1);
  buf[0] = '\0';
  if (f != NULL) {
    memcpy(buf, f->data, f->len);
    buf[f->len] = '\0';
  }
}

const pc_field *pc_read_field(pc_record_reader *r, const char *name,
                              pc_field_kind kind, size_t max_len) {
  return take(r, name, kind, max_len, 1);
}

/* A copy of f named name (payload duplicated) added to out. */
/* F64 and I64 payloads are 8-byte elements; strings and bytes are counted in
 * bytes (len), as in pc_field. */
static pc_status add_renamed(pc_record *out, const pc_field *f,
                             const char *name) {
  size_t unit = f->kind == PC_FIELD_F64 || f->kind == PC_FIELD_I64 ? 8 : 1;
  return add_copy(out, f->section, name, f->kind, f->scalar, f->data, f->len,
                  f->len * unit);
}

/* Used by models that nest others (the ensemble): the prefix's fields are
 * handed, without it, to the member's own loader, which does its own
 * unread-field check on them. */
void pc_read_prefixed(pc_record_reader *r, const char *prefix,
                      pc_record *out) {
  size_t plen = strlen(prefix);
  for (size_t i = 0; r->st == PC_OK && i < r->rec->n; i++) {
    const pc_field *f = &r->rec->fields[i];
    if (strncmp(f->name, prefix, plen) != 0) {
      continue;
    }
    r->used[i] = 1;
    if (add_renamed(out, f, f->name + plen) != PC_OK) {
      r->st = pc_error_set(r->e, PC_NOMEM, "out of memory loading a model");
    }
  }
}

/* For optional fields only (a field added in a later version of a model); it
 * does not mark the field read, so the loader must still read it when present.
 */
int pc_read_has(const pc_record_reader *r, const char *name) {
  return pc_record_get(r->rec, name) != NULL;
}

/* Always frees the flags, even after a failure, so every init is matched by
 * exactly one finish and nothing leaks on an error path. */
pc_status pc_reader_finish(pc_record_reader *r) {
  for (size_t i = 0; r->st == PC_OK && i < r->rec->n; i++) {
    if (!r->used[i]) {
      r->st = pc_error_set(r->e, PC_FATAL, "trained model field '%s' is not "
                           "one of this model's (a record of another model?)",
                           r->rec->fields[i].name);
    }
  }
  free(r->used);
  r->used = NULL;
  return r->st;
}

/* ---- the sticky writer ------------------------------------------------- */

/* The writer does not own rec: the caller initialises and finalises it. After
 * the first failure every put does nothing, and pc_writer_finish reports it
 * once; fields added before the failure stay in rec and are freed with it. */
void pc_writer_init(pc_record_writer *w, pc_record *rec) {
  w->rec = rec;
  w->st = PC_OK;
}

void pc_put_scalar(pc_record_writer *w, pc_section sec, const char *name,
                   double v) {
  if (w->st == PC_OK) {
    w->st = pc_record_add_scalar(w->rec, sec, name, v);
  }
}

void pc_put_int(pc_record_writer *w, pc_section sec, const char *name,
                int64_t v) {
  if (w->st == PC_OK) {
    w->st = pc_record_add_int(w->rec, sec, name, v);
  }
}

void pc_put_f64(pc_record_writer *w, pc_section sec, const char *name,
                const double *v, size_t n) {
  if (w->st == PC_OK) {
    w->st = pc_record_add_f64(w->rec, sec, name, v, n);
  }
}

void pc_put_i64(pc_record_writer *w, pc_section sec, const char *name,
                const int64_t *v, size_t n) {
  if (w->st == PC_OK) {
    w->st = pc_record_add_i64(w->rec, sec, name, v, n);
  }
}

void pc_put_str(pc_record_writer *w, pc_section sec, const char *name,
                const char *s) {
  if (w->st == PC_OK) {
    w->st = pc_record_add_str(w->rec, sec, name, s);
  }
}

void pc_put_bytes(pc_record_writer *w, pc_section sec, const char *name,
                  const void *p, size_t n) {
  if (w->st == PC_OK) {
    w->st = pc_record_add_bytes(w->rec, sec, name, p, n);
  }
}

/* The counterpart of pc_read_prefixed. A prefixed name that does not fit is
 * PC_FATAL rather than truncated: two truncated names could collide and a load
 * would read the wrong field. */
void pc_put_record(pc_record_writer *w, const char *prefix,
                   const pc_record *in) {
  for (size_t i = 0; w->st == PC_OK && i < in->n; i++) {
    char name[PC_FIELD_NAME_MAX];
    int n = snprintf(name, sizeof name, "%s%s", prefix, in->fields[i].name);
    w->st = n > 0 && (size_t)n < sizeof name
                ? add_renamed(w->rec, &in->fields[i], name)
                : PC_FATAL;
  }
}

pc_status pc_writer_finish(pc_record_writer *w, pc_error *e) {
  return w->st == PC_OK ? PC_OK : pc_error_set(e, w->st, "cannot save model");
}
