/* The store: a directory of HDF5 files holding forecasts, trained models,
 * the observed series and recorded failures.
 *
 * Committed data is never modified in place: every file is written whole as
 * `<name>.partial` and renamed into place, so a run killed at any instant
 * leaves every committed file readable and unchanged.  One writer at a time
 * holds the store's LOCK (an fcntl lock, released by the kernel even on
 * kill -9).  See docs/STORE.md for the layout. */
#ifndef PC_STORE_H
#define PC_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pathcast/core/date.h"
#include "pathcast/core/name.h"
#include "pathcast/core/record.h"
#include "pathcast/core/series.h"
#include "pathcast/core/status.h"

/* The layout new files are written in, and the oldest one still read.
 * Schema 2 (named dimensions, CF time: docs/STORE.md) holds the same values
 * as schema 1 (dates as ISO strings, no dimensions); every reader reads
 * both, and a store may hold files of both. */
#define PC_SCHEMA_VERSION 2
#define PC_SCHEMA_OLDEST 1

typedef enum {
  PC_STORE_READ,   /* read-only: no lock, nothing created */
  PC_STORE_WORKER, /* writes partitions while another rank holds the lock */
  PC_STORE_WRITER  /* takes the lock, creates the store, cleans *.partial */
} pc_store_mode;

typedef struct pc_store pc_store;

/* Provenance and identity written into every file. */
typedef struct {
  const char *commodity;
  const char *job_id;     /* SLURM_JOB_ID[_ARRAY_TASK_ID], or "local" */
  const char *provenance; /* Slurm job, array task, nodes, tasks, or "local" */
  uint64_t seed;
  int durable; /* fsync every committed file (survives power loss) */
  /* A writer that finds the lock held waits up to lock_wait seconds,
   * saying once on notice (when not NULL) who holds it, and gives up early
   * when should_stop (when not NULL) says a stop was requested. */
  long lock_wait;
  FILE *notice;
  int (*should_stop)(void);
} pc_store_info;

/* Identity of one model's results: its name, type, version and settings
 * (see pc_job_model_settings).  Results of different settings never mix. */
typedef struct {
  const char *model;
  const char *model_type;
  const char *version;
  const char *settings;
  /* The holidays that change the calendar, as comma-separated ISO dates
   * ("" for none; NULL when the caller does not know them).  A writer's
   * manifest keeps them so that a holidays file extended past every stored
   * result is accepted, and any other change refused. */
  const char *holidays;
} pc_store_model;

/* Write-behind for durable stores: while on, a committed file is written
 * and its write-back to disk started at once, and its fsync and rename
 * happen later, in a batch on a flusher thread (once 16 files wait, the
 * first has waited a second, or commits come a second or more apart) or at
 * pc_store_flush, so the disk writes
 * while the caller computes the next files.  A file is never renamed into place
 * before it is on disk; until then it is a `.partial`, which a killed run
 * leaves and the next writer removes.  The caller must pc_store_flush
 * before it counts the files as committed (the driver does at the end of
 * every phase, before its vote).  No effect when the store is not durable
 * (fsync = no), where nothing waits for the disk. */
void pc_store_set_write_behind(pc_store *s, int on);
/* Finishes the commits in flight: PC_IO naming the first file whose fsync
 * or rename failed ("path: write failed (disk full)", "path: cannot
 * commit: why"); that file is then not in the store, the others are. */
pc_status pc_store_flush(pc_store *s, pc_error *e);

/* Opens the store at dir as a reader, a worker or the writer (which takes
 * the lock, waiting up to info->lock_wait seconds: PC_LOCKED after).  *out
 * is the caller's, released by pc_store_close (which also frees the
 * lock). */
pc_status pc_store_open(pc_store **out, const char *dir, pc_store_mode mode,
                        const pc_store_info *info, pc_error *e);
void pc_store_close(pc_store *s);
const char *pc_store_dir(const pc_store *s);
/* Where HDF5 error stacks go (a rank's log); may be NULL. */
void pc_store_set_diag(pc_store *s, FILE *diag);

/* Records the model's settings in the manifest (the writer writes it; a
 * worker only remembers them, to check its reads), or refuses (PC_INPUT)
 * when the store holds results of this model and version made with other
 * settings. */
pc_status pc_store_register_model(pc_store *s, const pc_store_model *m,
                                  pc_error *e);
/* Writer: drops manifest entries of models that hold no results (every fit
 * failed, say), so that a failed attempt never locks a model's settings. */
pc_status pc_store_sync_manifest(pc_store *s, pc_error *e);
/* For readers of stored results (evaluate): PC_INPUT when the manifest
 * records other settings for this model and version, whatever numerics
 * version drew them (PC_OK when it does not know the model). */
pc_status pc_store_check_model(pc_store *s, const pc_store_model *m,
                               pc_error *e);
/* The commodity recorded in the manifest ("" when the store is new). */
const char *pc_store_commodity(const pc_store *s);
/* The manifest's schema_version (0 when the store has none yet). */
int64_t pc_store_schema(const pc_store *s);
/* The files of a schema version this handle has read so far; the oldest
 * schema among them (the manifest's when none); and the versions in words
 * ("2", or "1 and 2" for a store written before schema 2 and extended
 * since), into buf. */
long pc_store_schema_files(const pc_store *s, int version);
int pc_store_schema_oldest(const pc_store *s);
const char *pc_store_schema_text(const pc_store *s, char *buf, size_t len);
/* Bytes of every file in the store. */
uint64_t pc_store_size(const pc_store *s);

/* ---- trained models ---------------------------------------------------- */
typedef struct {
  pc_date training_date;
  pc_date data_cutoff;
  int64_t n_obs;
} pc_trained_meta;

/* Training dates stored for a model (sorted); *dates is malloc'd, the
 * caller frees it. */
pc_status pc_store_trained_dates(pc_store *s, const char *model,
                                 const char *version, pc_date **dates,
                                 size_t *n, pc_error *e);
pc_status pc_store_write_trained(pc_store *s, const pc_store_model *m,
                                 const pc_trained_meta *meta,
                                 const pc_record *rec, pc_error *e);
/* Reads a trained model after the checks every reader makes: the file's
 * container checksum, its identity against its folder, the store and the
 * manifest, its training date against its name, its content checksum.
 * PC_IO when no such file is stored, PC_DAMAGED ("path: what is wrong")
 * when it fails a check. */
pc_status pc_store_read_trained(pc_store *s, const char *model,
                                const char *version, pc_date training_date,
                                pc_trained_meta *meta, pc_record *rec,
                                pc_error *e);

/* ---- forecasts: one partition file per model and month ---------------- */
typedef struct {
  int paths, horizon;
  size_t n, cap;
  pc_date *date;     /* forecast date (day_1) */
  pc_date *cutoff;   /* last observation used */
  pc_date *training; /* training date of the model used */
  uint8_t *leak;     /* has_data_leakage */
  pc_date *day;      /* n * horizon: the date of day_k */
  float *values;     /* n * paths * horizon */
  uint64_t checksum; /* content checksum, as read from the store */
} pc_partition;

void pc_partition_init(pc_partition *p, int paths, int horizon);
void pc_partition_fini(pc_partition *p);
/* Appends an empty forecast and returns its index (values to fill in). */
pc_status pc_partition_append(pc_partition *p, size_t *index);
/* Sorts forecasts by date (a merge of stored and new ones). */
void pc_partition_sort(pc_partition *p);
float *pc_partition_values(const pc_partition *p, size_t i);

/* Months (pc_date_month_index) that have a partition file, sorted;
 * *months is malloc'd, the caller frees it. */
pc_status pc_store_forecast_months(pc_store *s, const char *model,
                                   const char *version, int32_t **months,
                                   size_t *n, pc_error *e);
/* Reads a partition after the checks every reader makes: the file's
 * container checksum, its identity against its folder, the store and the
 * manifest, its month (attribute and every row), its shape, its content
 * checksum.  PC_OK with p->n == 0 when there is no file; PC_DAMAGED with
 * "path: what is wrong" when it fails a check (a writer rebuilds it, a
 * reader does not serve it).  any_shape: accept the file's paths and
 * horizon (p is re-initialised to them) instead of requiring p's. */
pc_status pc_store_read_partition(pc_store *s, const char *model,
                                  const char *version, int32_t month,
                                  pc_partition *p, int any_shape, pc_error *e);
pc_status pc_store_write_partition(pc_store *s, const pc_store_model *m,
                                   int32_t month, const pc_partition *p,
                                   pc_error *e);

/* ---- the observed series ---------------------------------------------- */
/* Writer only: stores the series unless the stored copy is identical (and
 * checksummed). */
pc_status pc_store_sync_series(pc_store *s, const pc_series *series,
                               const char *source, pc_error *e);
/* PC_INPUT when the store has no series yet, PC_DAMAGED when it fails its
 * checks. */
pc_status pc_store_read_series(pc_store *s, pc_series *series, pc_error *e);

/* ---- failures --------------------------------------------------------- */
/* Scoring failures are reported by evaluate, never stored. */
typedef enum {
  PC_FAIL_TRAIN = 0,
  PC_FAIL_FORECAST = 1,
  PC_FAIL_SCORE = 2
} pc_failure_kind;
/* "train", "forecast" or "score". */
const char *pc_failure_kind_name(pc_failure_kind kind);

typedef struct {
  pc_failure_kind kind;
  char model[PC_NAME_LEN_MAX + 1];
  char version[PC_NAME_LEN_MAX + 1];
  pc_date date; /* training date or forecast date */
  char reason[400];
} pc_failure;

/* The recorded failures; *list is malloc'd, the caller frees it.
 * PC_DAMAGED when failures.h5 fails its checks. */
pc_status pc_store_read_failures(pc_store *s, pc_failure **list, size_t *n,
                                 pc_error *e);
/* Writer only: replaces the recorded failures. */
pc_status pc_store_write_failures(pc_store *s, const pc_failure *list,
                                  size_t n, pc_error *e);

/* ---- scores (pathcast/store/scores.h): <model>/<version>/scores/YYYY-MM.h5 */

struct pc_scores;

/* Whether a month's scores file is up to date (pc_scores_current) for the
 * forecast partition with checksum source and the series' closes; *stored
 * receives how many forecasts it holds (0 without a file).  PC_IO with a
 * message when the file cannot be read (damaged: score it again). */
pc_status pc_store_scores_current(pc_store *st, const char *model,
                                  const char *version, int32_t month,
                                  int horizon, uint64_t source,
                                  const pc_series *actuals, int *current,
                                  long *stored, pc_error *e);
/* Months that have a scores file, sorted; *months is malloc'd, the caller
 * frees it. */
pc_status pc_store_score_months(pc_store *st, const char *model,
                                const char *version, int32_t **months,
                                size_t *n, pc_error *e);
/* Reads a scores file after the checks every reader makes (container,
 * identity, month, checksum); PC_OK with s->n == 0 when there is none,
 * PC_DAMAGED with "path: what is wrong" otherwise.  any_shape: accept the
 * file's horizon (s is re-initialised to it) instead of requiring s's. */
pc_status pc_store_read_scores(pc_store *st, const char *model,
                               const char *version, int32_t month,
                               struct pc_scores *s, int any_shape,
                               pc_error *e);
pc_status pc_store_write_scores(pc_store *st, const pc_store_model *m,
                                int32_t month, const struct pc_scores *s,
                                pc_error *e);
/* ---- migration (pathcast migrate) -------------------------------------- */
typedef struct {
  long rewritten; /* files of an older schema, now in the current one */
  long current;   /* files already in the current schema, untouched */
  long damaged;   /* files that failed a reader's checks, left as they are */
} pc_migrate_counts;
/* Writer: rewrites every file of an older schema in the current one, each
 * committed whole like any write, with the same values, content checksum
 * and identity (seed, job_id, provenance, pathcast_version, settings) it
 * was written with; the manifest last.  Files already current are not
 * touched, so a migration is resumable after any interruption and a second
 * one changes nothing.  Damaged files are named on report (may be NULL)
 * and left for the next run of the job to rebuild.  PC_INTERRUPTED when
 * the store's should_stop asks, between files. */
pc_status pc_store_migrate(pc_store *s, FILE *report, pc_migrate_counts *n,
                           pc_error *e);

/* The settings the manifest records for a model and version, or NULL (the
 * store's own spelling: readers write it into the files they add). */
const char *pc_store_manifest_settings(const pc_store *s, const char *model,
                                       const char *version);
#endif
