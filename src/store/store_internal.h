/* Internal: the store's handle and the helpers its parts share (store.c,
 * store_file.c, store_manifest.c, store_trained.c, store_forecasts.c,
 * store_series.c, store_scores.c).  Not installed; not part of the API. */
#ifndef PC_STORE_INTERNAL_H
#define PC_STORE_INTERNAL_H

#include <hdf5.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>

#include "pathcast/store/store.h"

#define PATH_LEN 4096
#define PC_STORE_NAME_MAX 65 /* a model, version or commodity name and NUL */

/* One line of the manifest: a model and version whose results the store
 * holds, and the settings they were made with. */
typedef struct {
  char *model, *version, *settings;
  char *holidays; /* comma-separated ISO dates, "" none, NULL unknown */
} manifest_entry;

/* Write-behind (pc_store_set_write_behind): durable commits are gathered
 * in batches of up to PC_STORE_BEHIND files, each written and its
 * write-back started, not yet flushed and renamed.  After a commit, the
 * batch is handed to a flusher thread when it is full, when its first file
 * has waited PC_STORE_BEHIND_SECONDS, or when the commit came that long
 * after the previous one; the thread fsyncs and renames its files while
 * the caller computes the next batch, and flushing a batch together costs
 * one journal commit for its renames instead of one per file.  The time
 * rules keep what a killed run loses small when units are slow (trainings
 * of seconds each: each is handed over as it is committed), while fast
 * units (partitions of milliseconds) still fill whole batches. */
#define PC_STORE_BEHIND 16
#define PC_STORE_BEHIND_SECONDS 1.0

typedef struct {
  int n;
  double first_written; /* monotonic seconds when file[0] was written */
  struct {
    int fd;
    char partial[PATH_LEN];
    char path[PATH_LEN];
  } file[PC_STORE_BEHIND];
  /* Set by the flush (the flusher thread's only writes): the first
   * failure, if any. */
  pc_status status;
  pc_error error;
} pc_store_batch;

struct pc_store {
  char dir[PATH_LEN];
  pc_store_mode mode;
  int lock_fd;
  char commodity[PC_NAME_LEN_MAX + 1];
  int64_t schema; /* 0 until a manifest is read or written */
  char job_id[128];
  char provenance[512];
  uint64_t seed;
  /* The pathcast_version written into files: this pathcast's, or, while
   * pathcast migrate rewrites a file, the version that wrote it. */
  char writer[64];
  int (*should_stop)(void); /* a stop was requested (may be NULL) */
  int durable;
  FILE *diag;
  manifest_entry *models;
  size_t nmodels;
  int manifest_legacy; /* read from a file without a checksum */
  /* Files read so far by schema_version (1..PC_SCHEMA_VERSION): a store
   * written before schema 2 and extended since holds both. */
  long schema_files[PC_SCHEMA_VERSION + 1];
  /* Write-behind: the batch being filled; the other one of batches[] is
   * the flusher thread's while flusher_running, and empty otherwise. */
  int write_behind;
  pc_store_batch *filling;
  int flusher_running;
  pthread_t flusher;
  pc_store_batch batches[2];
  double last_commit; /* monotonic seconds of the last commit behind */
  /* A flush that failed where no status could be returned (a reader
   * bringing a file into place): pc_store_flush reports it. */
  pc_status deferred;
  pc_error deferred_error;
};

/* "<store>/<fmt...>" into buf (PATH_LEN); -1 when it does not fit. */
int pc_store_path(const pc_store *s, char *buf, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints the HDF5 error stack, or a line of text, to the rank's log, if one
 * is set. */
void pc_store_diag_stack(pc_store *s);
void pc_store_diag_note(pc_store *s, const char *msg);

/* ---- store files (store_file.c) ---------------------------------------
 * Every store file is a PC_STORE_HEADER-byte text header (its length and the
 * checksum of the rest) followed by an HDF5 file that declares the header as
 * its user block.  Files are built in memory and committed whole: written to
 * `<path>.partial` with plain writes, flushed when the store is durable, and
 * renamed into place; a failed write removes the partial file and changes
 * nothing committed. */
#define PC_STORE_HEADER 512

/* A new in-memory HDF5 file to fill (-1 on failure); size_hint, the bytes
 * it will roughly take (0: small), lets the memory grow in one step. */
hid_t pc_store_file_create(size_t size_hint);
/* Closes f and, when ok, commits its bytes to path (creating its folder);
 * PC_IO with "path: write failed (disk full)" and the like otherwise. */
pc_status pc_store_file_commit(pc_store *s, hid_t f, int ok, const char *path,
                               pc_error *e);

/* PC_IO "path: write failed (disk full)", or the errno's text. */
pc_status pc_store_write_failed(pc_error *e, const char *path, int err);
/* Finishes the commits in flight, if any: waits for the flusher thread,
 * then flushes the batch being filled.  Every file whose flush succeeds is
 * committed; PC_IO "path: write failed (why)" names the first that failed
 * (its partial file removed). */
pc_status pc_store_finish_pending(pc_store *s, pc_error *e);
/* Hands the full batch being filled to the flusher thread, after waiting
 * for the previous one (whose failure it returns). */
pc_status pc_store_hand_off(pc_store *s, pc_error *e);
/* Whether path is among the commits in flight. */
int pc_store_is_pending(const pc_store *s, const char *path);
/* Brings path into place first if this process committed it behind (a
 * failure to is kept for pc_store_flush to report): before any read. */
void pc_store_settle(pc_store *s, const char *path);
/* Whether a store file exists at path, as readers ask before opening one
 * (settled first). */
int pc_store_file_exists(pc_store *s, const char *path);

/* A committed file opened for reading, after its header and checksum were
 * checked.  legacy: an HDF5 file written before the container existed (no
 * header; only its own content checksum, where it has one, protects it). */
typedef struct {
  hid_t f;
  int legacy;
  void *image; /* the file's bytes, which HDF5 reads in place (owned) */
  void *udata; /* the core driver's view of them (owned) */
} pc_store_file;
/* PC_IO "path: what is wrong" when the file cannot be read or is damaged. */
pc_status pc_store_file_open(pc_store *s, const char *path, pc_store_file *sf,
                             pc_error *e);
void pc_store_file_close(pc_store_file *sf);

/* The folder part of path into buf (PATH_LEN). */
void pc_store_parent_dir(const char *path, char *buf);
/* Closes fd, the written partial file, after an fsync when durable and rc
 * (the write's outcome) is 0; -1 on any failure, with partial removed and
 * errno saying why. */
int pc_store_close_partial(int fd, const char *partial, int rc, int durable);
/* Renames a written partial file into place (flushing the folder when
 * durable); removes the partial file on failure. */
pc_status pc_store_commit_partial(const char *partial, const char *path,
                                  int durable, pc_error *e);

/* ---- identity --------------------------------------------------------- */
/* Identity attributes of every file, and of every model file. */
int pc_store_write_identity(const pc_store *s, hid_t f, const char *what);
/* Model files also carry the CF attributes Conventions, title (what the
 * file holds, in words) and source (the pathcast version). */
int pc_store_write_model_identity(const pc_store *s, hid_t f,
                                  const pc_store_model *m, const char *title);
/* PC_DAMAGED "path: what is wrong" unless the model file f matches its
 * folder (model, version), the store (commodity) and the manifest's entry
 * (type, settings).  The one identity rule of every reader and of verify. */
pc_status pc_store_check_identity(pc_store *s, hid_t f, const char *path,
                                  const char *model, const char *version,
                                  pc_error *e);

/* ---- the manifest (store_manifest.c) ---------------------------------- */
/* Reads pathcast.h5 (a missing one is an empty manifest).  PC_IO when it is
 * damaged, PC_INPUT when it is of another schema. */
pc_status pc_store_manifest_load(pc_store *s, pc_error *e);
void pc_store_manifest_clear(pc_store *s);
/* Writer: makes the manifest list exactly the model versions whose folders
 * hold results, restoring missing entries from the files' own identity
 * attributes, and writes it when that changed it. */
pc_status pc_store_manifest_reconcile(pc_store *s, const char *commodity,
                                      pc_error *e);
/* Writes the manifest as it is (pathcast migrate: in the current schema). */
pc_status pc_store_manifest_rewrite(pc_store *s, pc_error *e);
/* Writes series.h5 again as it is, with its source (pathcast migrate). */
pc_status pc_store_series_rewrite(pc_store *s, pc_error *e);

/* ---- content checksums ------------------------------------------------ */
/* pc_checksum_add folds bytes into h, starting from pc_checksum_seed;
 * check compares with the file's `checksum` attribute. */
extern const uint64_t pc_checksum_seed;
uint64_t pc_checksum_add(uint64_t h, const void *data, size_t n);
int pc_store_check_checksum(hid_t f, uint64_t want);

/* ---- folders ---------------------------------------------------------- */
/* Calls visit(path, stat, ctx) for every regular file below dir, to the
 * given depth of folders. */
void pc_store_walk(const char *dir, int depth,
                   void (*visit)(const char *, const struct stat *, void *),
                   void *ctx);
/* Keys of a folder's `<key>.h5` files that parse accepts, sorted; *keys is
 * malloc'd (the caller frees it). */
pc_status pc_store_list_keys(const char *dir,
                             int (*parse)(const char *, int32_t *),
                             int32_t **keys, size_t *n, pc_error *e);
/* "YYYY-MM.h5" -> month index; "YYYY-MM-DD.h5" -> day number. */
int pc_store_parse_month_name(const char *name, int32_t *key);
int pc_store_parse_day_name(const char *name, int32_t *key);

/* ---- month files (forecast partitions and scores) ---------------------- */
/* Where the forecast partition of a model and month lies. */
int pc_store_partition_path(const pc_store *s, char *buf, const char *model,
                            const char *version, int32_t month);
/* A file of one model and month: identity and month attributes, then body
 * writes the rest (0 on success), committed whole.  noun names the content
 * in its title ("forecast paths"). */
typedef int (*pc_store_body_fn)(hid_t f, const void *arg);
pc_status pc_store_write_month_file(pc_store *s, const pc_store_model *m,
                                    const char *path, int32_t month,
                                    const char *noun, const char *what,
                                    pc_store_body_fn body, const void *arg,
                                    size_t size_hint, pc_error *e);
/* Opens a month file for reading after the container check, the identity
 * check and the check that its `month` attribute is the month of its name;
 * PC_DAMAGED (or PC_IO) with "path: what is wrong" otherwise. */
pc_status pc_store_open_month_file(pc_store *s, const char *path,
                                   const char *model, const char *version,
                                   int32_t month, pc_store_file *sf,
                                   pc_error *e);
/* Schema 2's axes of a month file (partitions and scores), as netCDF-4
 * dimensions: forecast_date (dimension 0, CF time, its own coordinate
 * variable), day (1..horizon, numbered day_dimid) and the auxiliary
 * coordinate day_date[forecast_date, day]. */
int pc_store_write_axes(hid_t f, const pc_date *date, const pc_date *day,
                        size_t n, int horizon, int day_dimid);
/* A date per forecast (data_cutoff_date, training_date) as CF time on the
 * forecast_date dimension. */
int pc_store_write_forecast_dates(hid_t f, const char *name, const pc_date *d,
                                  size_t n, const char *long_name,
                                  const char *description);
/* The dimension lists of one and two axes ({forecast_date}, {forecast_date,
 * day}), for pc_h5_attach. */
extern const char *const pc_store_by_forecast[];
extern const char *const pc_store_by_forecast_day[];
/* PC_DAMAGED unless every date of a month file lies in its month. */
pc_status pc_store_check_month_rows(const char *path, int32_t month,
                                    const pc_date *dates, size_t n,
                                    pc_error *e);

#endif
