/* A trained model's contents as named fields, so the store can keep
 * parameters and fit diagnostics as real HDF5 datasets (not opaque blobs) and
 * `pathcast models` can print them, without knowing any model. */
#ifndef PC_RECORD_H
#define PC_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "pathcast/status.h"

typedef enum { PC_FIELD_F64, PC_FIELD_I64, PC_FIELD_STR, PC_FIELD_BYTES } pc_field_kind;
typedef enum { PC_SECTION_PARAMS, PC_SECTION_DIAGNOSTICS } pc_section;

#define PC_FIELD_NAME_MAX 48

typedef struct {
  char name[PC_FIELD_NAME_MAX];
  pc_field_kind kind;
  pc_section section;
  int scalar; /* 1: a single value, shown without brackets */
  size_t len; /* elements (F64/I64), bytes (STR without NUL, BYTES) */
  void *data; /* owned by the record */
} pc_field;

/* Caller-owned struct: pc_record_init / pc_record_fini. */
typedef struct {
  size_t n;
  size_t cap;
  pc_field *fields;
} pc_record;

void pc_record_init(pc_record *r);
void pc_record_fini(pc_record *r);

/* Adders copy the data.  A name may appear once; adding it again fails. */
pc_status pc_record_add_f64(pc_record *r, pc_section sec, const char *name,
                            const double *v, size_t n);
pc_status pc_record_add_i64(pc_record *r, pc_section sec, const char *name,
                            const int64_t *v, size_t n);
pc_status pc_record_add_scalar(pc_record *r, pc_section sec, const char *name,
                               double v);
pc_status pc_record_add_int(pc_record *r, pc_section sec, const char *name,
                            int64_t v);
pc_status pc_record_add_str(pc_record *r, pc_section sec, const char *name,
                            const char *s);
pc_status pc_record_add_bytes(pc_record *r, pc_section sec, const char *name,
                              const void *p, size_t n);
/* Takes ownership of an already allocated field payload (used by the store
 * when reading; data must come from malloc). */
pc_status pc_record_adopt(pc_record *r, const pc_field *f);

const pc_field *pc_record_get(const pc_record *r, const char *name);
/* Typed getters: PC_FATAL with a message when the field is missing or of
 * another kind/length (a damaged or foreign store). */
pc_status pc_record_get_f64(const pc_record *r, const char *name, double *out,
                            size_t n, pc_error *e);
pc_status pc_record_get_scalar(const pc_record *r, const char *name,
                               double *out, pc_error *e);
pc_status pc_record_get_int(const pc_record *r, const char *name, int64_t *out,
                            pc_error *e);
/* A string field into buf (NUL-terminated); PC_FATAL when it is missing, not
 * a string, or does not fit in len bytes. */
pc_status pc_record_get_str(const pc_record *r, const char *name, char *buf,
                            size_t len, pc_error *e);

#endif
