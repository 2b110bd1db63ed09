/* Internal: the store's handle and the helpers its parts share (store.c for
 * forecasts, trained models, series and failures; store_scores.c for
 * scores).  Not installed; not part of the API. */
#ifndef PC_STORE_INTERNAL_H
#define PC_STORE_INTERNAL_H

#include <hdf5.h>
#include <stdint.h>

#include "pathcast/store.h"

#define PATH_LEN 4096

typedef struct {
  char *model, *version, *settings;
} manifest_entry;

struct pc_store {
  char dir[PATH_LEN];
  pc_store_mode mode;
  int lock_fd;
  char commodity[64];
  int64_t schema; /* 0 until a manifest is read or written */
  char job_id[128];
  char provenance[512];
  uint64_t seed;
  int durable;
  FILE *diag;
  manifest_entry *models;
  size_t nmodels;
};

/* "<store>/<fmt...>" into buf (PATH_LEN); -1 when it does not fit. */
int pc_store_path(const pc_store *s, char *buf, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints the HDF5 error stack to the rank's log, if one is set. */
void pc_store_diag_stack(pc_store *s);

/* Every file is written as `<path>.partial` and renamed into place: create
 * opens the partial file (creating its folder); finish closes it and, when
 * ok, commits it, else removes it (nothing committed changes). */
hid_t pc_store_create_partial(pc_store *s, const char *path, char *partial,
                              pc_error *e);
pc_status pc_store_finish_partial(pc_store *s, hid_t f, int ok,
                                  const char *partial, const char *path,
                                  pc_error *e);

/* Identity attributes of every file, and of every model file. */
int pc_store_write_identity(const pc_store *s, hid_t f, const char *what);
int pc_store_write_model_identity(hid_t f, const pc_store_model *m);

/* Content checksums: pc_checksum_add folds bytes into h, starting from
 * pc_checksum_seed; check compares with the file's `checksum` attribute. */
extern const uint64_t pc_checksum_seed;
uint64_t pc_checksum_add(uint64_t h, const void *data, size_t n);
int pc_store_check_checksum(hid_t f, uint64_t want);

/* Keys of a folder's `<key>.h5` files that parse accepts, sorted. */
pc_status pc_store_list_keys(const char *dir,
                             int (*parse)(const char *, int32_t *),
                             int32_t **keys, size_t *n, pc_error *e);
/* PC_IO "path: what is wrong" when the file's model identity does not match
 * its folder or (settings not NULL) the manifest's settings. */
pc_status pc_store_check_identity(pc_store *s, const char *path,
                                  const char *model, const char *version,
                                  const char *settings, pc_error *e);
/* Where the forecast partition of a model and month lies. */
int pc_store_partition_path(const pc_store *s, char *buf, const char *model,
                            const char *version, int32_t month);
/* A file of one model and month (forecast partition, scores): identity and
 * month attributes, then body writes the rest (0 on success), committed
 * whole. */
typedef int (*pc_store_body_fn)(hid_t f, const void *arg);
pc_status pc_store_write_month_file(pc_store *s, const pc_store_model *m,
                                   const char *path, int32_t month,
                                   const char *what, pc_store_body_fn body,
                                   const void *arg, pc_error *e);
/* The `horizon` (and, when paths is not NULL, `paths`) attributes of a file,
 * within sane bounds; PC_IO "path: cannot read <what>" otherwise. */
pc_status pc_store_read_shape(const char *path, const char *what,
                              int64_t *paths, int64_t *horizon, pc_error *e);
/* Verify: every row of a month file belongs to its month, and its identity
 * matches (pc_store_check_identity). */
pc_status pc_store_check_month_rows(pc_store *s, const char *path,
                                    const char *model, const char *version,
                                    const char *settings, int32_t month,
                                    const pc_date *dates, size_t n,
                                    pc_error *e);
/* "YYYY-MM.h5" -> month index. */
int pc_store_parse_month_name(const char *name, int32_t *key);

#endif
