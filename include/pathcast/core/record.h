/* A trained model's contents as named fields, so the store can keep
 * parameters and fit diagnostics as real HDF5 datasets (not opaque blobs) and
 * `pathcast models` can print them, without knowing any model. */
#ifndef PC_RECORD_H
#define PC_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "pathcast/core/status.h"

typedef enum {
  PC_FIELD_F64,
  PC_FIELD_I64,
  PC_FIELD_STR,
  PC_FIELD_BYTES
} pc_field_kind;
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

/* ---- field by field, with a sticky status ------------------------------
 * A model's save and load read as lists of fields: each call does nothing
 * once an earlier one failed, and the status is collected at the end.
 *
 *   pc_record_reader r;
 *   pc_reader_init(&r, in, e);
 *   pc_read_scalar(&r, "drift", &s->drift);
 *   pc_read_int(&r, "n_returns", &s->n_returns);
 *   return pc_reader_finish(&r);
 *
 * A read that fails (the field is missing, of another kind or length) sets
 * its output to zero (an empty string) first, so no caller ever sees
 * uninitialised memory.  pc_reader_finish also refuses a record holding a
 * field the loader never read: a record of another model, or of another
 * version of this one, is an error rather than half a model. */
typedef struct {
  const pc_record *rec;
  pc_error *e;
  pc_status st;        /* the first failure, PC_OK until then */
  unsigned char *used; /* per field: read by the loader (owned) */
} pc_record_reader;

/* Caller-owned: pc_reader_init, then pc_reader_finish (which frees). */
void pc_reader_init(pc_record_reader *r, const pc_record *rec, pc_error *e);
void pc_read_scalar(pc_record_reader *r, const char *name, double *out);
void pc_read_int(pc_record_reader *r, const char *name, int64_t *out);
/* Exactly n values. */
void pc_read_f64(pc_record_reader *r, const char *name, double *out, size_t n);
void pc_read_i64(pc_record_reader *r, const char *name, int64_t *out,
                 size_t n);
/* A string that fits in len bytes with its NUL. */
void pc_read_str(pc_record_reader *r, const char *name, char *buf, size_t len);
/* The field itself (NULL after a failure), of the given kind and a length
 * of at most max_len, for payloads the model copies itself. */
const pc_field *pc_read_field(pc_record_reader *r, const char *name,
                              pc_field_kind kind, size_t max_len);
/* Every field whose name starts with prefix, read (marked as read) and
 * copied into out (caller-initialised) without the prefix, with its kind,
 * section and payload: the record of a model nested in another (the
 * ensemble's members), which its own loader then reads. */
void pc_read_prefixed(pc_record_reader *r, const char *prefix, pc_record *out);
/* Whether the record has the field (an optional one); does not fail. */
int pc_read_has(const pc_record_reader *r, const char *name);
/* The status of every read, and PC_FATAL when a field was never read. */
pc_status pc_reader_finish(pc_record_reader *r);

/* The writer's counterpart: adds fields until one fails. */
typedef struct {
  pc_record *rec;
  pc_status st;
} pc_record_writer;

void pc_writer_init(pc_record_writer *w, pc_record *rec);
void pc_put_scalar(pc_record_writer *w, pc_section sec, const char *name,
                   double v);
void pc_put_int(pc_record_writer *w, pc_section sec, const char *name,
                int64_t v);
void pc_put_f64(pc_record_writer *w, pc_section sec, const char *name,
                const double *v, size_t n);
void pc_put_i64(pc_record_writer *w, pc_section sec, const char *name,
                const int64_t *v, size_t n);
void pc_put_str(pc_record_writer *w, pc_section sec, const char *name,
                const char *s);
void pc_put_bytes(pc_record_writer *w, pc_section sec, const char *name,
                  const void *p, size_t n);
/* Every field of in, its name prefixed (pc_read_prefixed's counterpart). */
void pc_put_record(pc_record_writer *w, const char *prefix,
                   const pc_record *in);
/* PC_OK, or the first failure with "cannot save model" in e. */
pc_status pc_writer_finish(pc_record_writer *w, pc_error *e);

#endif
