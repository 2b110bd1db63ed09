/* pathcast migrate: rewrites the files of an older store schema in the
 * current one (see pathcast/store/store.h and docs/STORE.md, "Schema
 * versions").
 *
 * Every reader reads both schemas, so migrating is never needed to use a
 * store with pathcast; it is for netCDF tools and xarray, which see named
 * dimensions and CF time only in schema 2.  Each file is read with the
 * checks of every reader and written again whole, exactly like a file a run
 * commits (built in memory, written to `.partial`, renamed into place): the
 * values are the same, so its content checksum is too, and so is its
 * identity -- the seed, job_id, provenance, pathcast_version and settings it
 * was written with are written again, not today's.  A killed migration
 * leaves every file either as it was or migrated; the next one skips the
 * migrated ones, and a migration of a migrated store changes no byte. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5io.h"
#include "pathcast/store/scores.h"
#include "store_internal.h"

/* What a file was written with: its schema and its writer's identity.
 * The typed readers check a file's identity but do not return it, so it is
 * read here first, from the same checked container. */
typedef struct {
  int64_t schema;
  uint64_t seed;
  char job_id[sizeof ((pc_store *)0)->job_id];
  char provenance[sizeof ((pc_store *)0)->provenance];
  char writer[sizeof ((pc_store *)0)->writer];
  char model_type[PC_STORE_NAME_MAX];
  char settings[4096];
} file_identity;

/* The identity attributes of a store file, after its container check;
 * model files also name their type and settings (model 1). */
static pc_status read_identity(pc_store *s, const char *path, int model,
                               file_identity *id, pc_error *e) {
  pc_store_file sf;
  pc_status st = pc_store_file_open(s, path, &sf, e);
  if (st != PC_OK) {
    return PC_DAMAGED;
  }
  hid_t f = sf.f;
  int ok = pc_h5_read_attr_i64(f, "schema_version", &id->schema) == 0 &&
           pc_h5_read_attr_u64(f, "seed", &id->seed) == 0 &&
           pc_h5_read_attr_str(f, "job_id", id->job_id,
                               sizeof id->job_id) == 0 &&
           pc_h5_read_attr_str(f, "provenance", id->provenance,
                               sizeof id->provenance) == 0 &&
           pc_h5_read_attr_str(f, "pathcast_version", id->writer,
                               sizeof id->writer) == 0;
  ok = ok && (!model ||
              (pc_h5_read_attr_str(f, "model_type", id->model_type,
                                   sizeof id->model_type) == 0 &&
               pc_h5_read_attr_str(f, "settings", id->settings,
                                   sizeof id->settings) == 0));
  pc_store_file_close(&sf);
  return ok ? PC_OK
            : pc_error_set(e, PC_DAMAGED, "%s: cannot read its identity "
                           "attributes", path);
}

/* The store's writer identity, swapped for a file's while it is written
 * again, and put back after.  The writers take the identity from the store
 * handle (one run, one identity); a migration writes files of many runs,
 * each under its own, so the handle's is exchanged around each write
 * rather than threading an identity through every writer. */
typedef struct {
  uint64_t seed;
  char job_id[sizeof ((pc_store *)0)->job_id];
  char provenance[sizeof ((pc_store *)0)->provenance];
  char writer[sizeof ((pc_store *)0)->writer];
} writer_identity;

static void swap_identity(pc_store *s, writer_identity *w) {
  writer_identity was;
  was.seed = s->seed;
  memcpy(was.job_id, s->job_id, sizeof was.job_id);
  memcpy(was.provenance, s->provenance, sizeof was.provenance);
  memcpy(was.writer, s->writer, sizeof was.writer);
  s->seed = w->seed;
  memcpy(s->job_id, w->job_id, sizeof s->job_id);
  memcpy(s->provenance, w->provenance, sizeof s->provenance);
  memcpy(s->writer, w->writer, sizeof s->writer);
  *w = was;
}

static writer_identity writer_of(const file_identity *id) {
  writer_identity w;
  w.seed = id->seed;
  memcpy(w.job_id, id->job_id, sizeof w.job_id);
  memcpy(w.provenance, id->provenance, sizeof w.provenance);
  memcpy(w.writer, id->writer, sizeof w.writer);
  return w;
}

/* ---- one file of each kind -------------------------------------------- */

enum { KIND_FORECASTS, KIND_SCORES, KIND_TRAINED, KIND_COUNT };
static const char *const kind_folder[KIND_COUNT] = {"forecasts", "scores",
                                                    "trained"};

/* Each kind is read by the reader every command uses (any shape: a
 * migration does not know the job's paths and horizon) and written by the
 * writer every run uses, so a migrated file is exactly what a run would
 * write for the same content. */
static pc_status rewrite_partition(pc_store *s, const pc_store_model *m,
                                   int32_t month, pc_error *e) {
  pc_partition p;
  pc_partition_init(&p, 1, 1);
  pc_status st = pc_store_read_partition(s, m->model, m->version, month, &p,
                                         1, e);
  if (st == PC_OK) {
    st = pc_store_write_partition(s, m, month, &p, e);
  }
  pc_partition_fini(&p);
  return st;
}

static pc_status rewrite_scores(pc_store *s, const pc_store_model *m,
                                int32_t month, pc_error *e) {
  pc_scores sc;
  pc_scores_init(&sc, 1);
  pc_status st = pc_store_read_scores(s, m->model, m->version, month, &sc, 1,
                                      e);
  if (st == PC_OK) {
    st = pc_store_write_scores(s, m, month, &sc, e);
  }
  pc_scores_fini(&sc);
  return st;
}

static pc_status rewrite_trained(pc_store *s, const pc_store_model *m,
                                 pc_date day, pc_error *e) {
  pc_trained_meta meta;
  pc_record rec;
  pc_record_init(&rec);
  pc_status st = pc_store_read_trained(s, m->model, m->version, day, &meta,
                                       &rec, e);
  if (st == PC_OK) {
    st = pc_store_write_trained(s, m, &meta, &rec, e);
  }
  pc_record_fini(&rec);
  return st;
}

/* key: the month index of a partition or scores file, the training date
 * of a trained model. */
static pc_status rewrite(pc_store *s, int kind, const pc_store_model *m,
                         int32_t key, pc_error *e) {
  switch (kind) {
  case KIND_FORECASTS:
    return rewrite_partition(s, m, key, e);
  case KIND_SCORES:
    return rewrite_scores(s, m, key, e);
  default:
    return rewrite_trained(s, m, key, e);
  }
}

/* ---- the walk ---------------------------------------------------------- */

/* What every step of the walk needs: the store, where damage is named,
 * and the counts the command prints. */
typedef struct {
  pc_store *s;
  FILE *report;
  pc_migrate_counts *n;
} walk;

/* A file that fails a reader's checks is left as it is (the next run of
 * the job rebuilds it, in the current schema) and named. */
static void damaged(walk *w, const pc_error *why) {
  w->n->damaged++;
  if (w->report != NULL) {
    fprintf(w->report, "DAMAGED %s (not migrated; the next run of the job "
            "rebuilds it)\n", why->msg);
  }
}

/* One file at path, of a model file kind (or -1: a file of the store's
 * top folder, rewritten by top). */
static pc_status migrate_file(walk *w, const char *path, int kind,
                              const char *model, const char *version,
                              int32_t key,
                              pc_status (*top)(pc_store *, pc_error *),
                              pc_error *e) {
  file_identity id;
  pc_error why;
  pc_status st = read_identity(w->s, path, kind >= 0, &id, &why);
  /* A file already current is left alone: that is what makes a rerun after
   * an interruption finish the work, and a second migration change
   * nothing. */
  if (st == PC_OK && id.schema >= PC_SCHEMA_VERSION) {
    w->n->current++;
    return PC_OK;
  }
  if (st == PC_OK) {
    writer_identity wi = writer_of(&id);
    pc_store_model m = {model, id.model_type, version, id.settings, NULL};
    swap_identity(w->s, &wi);
    st = kind >= 0 ? rewrite(w->s, kind, &m, key, &why) : top(w->s, &why);
    swap_identity(w->s, &wi);
  }
  /* Damage is a property of one file, not of the migration: the others
   * go on.  Anything else (a full disk, no memory) ends it. */
  if (st == PC_OK) {
    w->n->rewritten++;
  } else if (st == PC_DAMAGED) {
    damaged(w, &why);
  } else {
    return pc_error_set(e, st, "%s", why.msg);
  }
  return PC_OK;
}

/* Where the file of a kind and key lies (the writers' own naming). */
static void file_path(const pc_store *s, char *path, int kind,
                      const char *model, const char *version, int32_t key) {
  char day[PC_DATE_STRLEN];
  if (kind == KIND_TRAINED) {
    pc_store_path(s, path, "%s/%s/trained/%s.h5", model, version,
                  pc_date_format(key, day));
  } else {
    pc_store_path(s, path, "%s/%s/%s/%04d-%02d.h5", model, version,
                  kind_folder[kind], key / 12, key % 12 + 1);
  }
}

/* Every file of one kind of one model and version, in key order. */
static pc_status migrate_folder(walk *w, int kind, const char *model,
                                const char *version, pc_error *e) {
  char dir[PATH_LEN], path[PATH_LEN];
  int32_t *keys = NULL;
  size_t n = 0;
  pc_store_path(w->s, dir, "%s/%s/%s", model, version, kind_folder[kind]);
  pc_status st = pc_store_list_keys(
      dir, kind == KIND_TRAINED ? pc_store_parse_day_name
                                : pc_store_parse_month_name,
      &keys, &n, e);
  for (size_t i = 0; st == PC_OK && i < n; i++) {
    /* Between files, never inside one: every file is either as it was or
     * migrated, and a stop costs at most the file in flight. */
    if (w->s->should_stop != NULL && w->s->should_stop()) {
      st = pc_error_set(e, PC_INTERRUPTED, "stopped: every file migrated so "
                        "far is committed; migrate again to finish");
      break;
    }
    file_path(w->s, path, kind, model, version, keys[i]);
    st = migrate_file(w, path, kind, model, version, keys[i], NULL, e);
  }
  free(keys);
  return st;
}

/* failures.h5 has no writer of its own to call: it is read and written
 * back whole, like a run that changes nothing in it. */
static pc_status rewrite_failures(pc_store *s, pc_error *e) {
  pc_failure *list = NULL;
  size_t n = 0;
  pc_status st = pc_store_read_failures(s, &list, &n, e);
  if (st == PC_OK) {
    st = pc_store_write_failures(s, list, n, e);
  }
  free(list);
  return st;
}

/* The store's own files; the manifest last, so that a store is reported
 * current by its manifest only once everything else is. */
static pc_status migrate_top(walk *w, pc_error *e) {
  static const struct {
    const char *name;
    pc_status (*rewrite)(pc_store *, pc_error *);
  } top[] = {{"series.h5", pc_store_series_rewrite},
             {"failures.h5", rewrite_failures},
             {"pathcast.h5", pc_store_manifest_rewrite}};
  pc_status st = PC_OK;
  for (size_t i = 0; st == PC_OK && i < sizeof top / sizeof top[0]; i++) {
    char path[PATH_LEN];
    pc_store_path(w->s, path, "%s", top[i].name);
    if (pc_store_file_exists(w->s, path)) {
      st = migrate_file(w, path, -1, NULL, NULL, 0, top[i].rewrite, e);
    }
  }
  return st;
}

pc_status pc_store_migrate(pc_store *s, FILE *report, pc_migrate_counts *n,
                           pc_error *e) {
  walk w = {s, report, n};
  memset(n, 0, sizeof *n);
  /* Rewriting files needs the lock a writer holds: a reader's handle must
   * never write. */
  if (s->mode != PC_STORE_WRITER) {
    return pc_error_set(e, PC_FATAL, "migrate needs the store's writer");
  }
  pc_status st = PC_OK;
  /* The manifest lists every model and version with results (opening the
   * writer reconciled it with the folders), in a fixed order. */
  for (size_t i = 0; st == PC_OK && i < s->nmodels; i++) {
    for (int kind = 0; st == PC_OK && kind < KIND_COUNT; kind++) {
      st = migrate_folder(&w, kind, s->models[i].model, s->models[i].version,
                          e);
    }
  }
  return st == PC_OK ? migrate_top(&w, e) : st;
}
