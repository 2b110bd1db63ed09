/* `pathcast verify`: checks every file of the store with the same checks the
 * commands make when they read it -- the container's checksum, the identity
 * against the file's place, the store and the manifest, the content
 * checksum -- and reports exactly what is damaged.  Files it does not
 * recognise are listed (UNKNOWN) but are not damage: pathcast never reads
 * them.  Read-only: the next writer run rebuilds what is damaged. */
#include <dirent.h>
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pathcast/cli/commands.h"
#include "pathcast/store/scores.h"
#include "pathcast/store/store.h"

/* PATH_MAX on Linux; a longer path is skipped by list_files rather than
 * truncated, since a truncated name would be checked as another file. */
#define VERIFY_PATH 4096

typedef struct {
  pc_store *store;
  const pc_job *job;
  FILE *out;
  size_t root_len; /* strlen of the store folder and its '/' */
  long checked, damaged, legacy;
  char **paths; /* every regular file below the store, sorted */
  size_t npaths, cap;
} verify_ctx;

/* ---- listing ---------------------------------------------------------- */

/* Copies path; the list owns every copy (free_paths). -1 only when memory runs
 * out. */
static int add_path(verify_ctx *v, const char *path) {
  if (v->npaths == v->cap) {
    size_t cap = v->cap ? 2 * v->cap : 256;
    char **grown = realloc(v->paths, cap * sizeof *grown);
    if (grown == NULL) {
      return -1;
    }
    v->paths = grown;
    v->cap = cap;
  }
  v->paths[v->npaths] = strdup(path);
  return v->paths[v->npaths++] != NULL ? 0 : -1;
}

/* Every regular file (and anything else that is not a folder) below dir.
 * depth bounds the descent to the store's layout (<model>/<version>/<kind>/
 * <file> is three folders deep): anything deeper is listed as a path and
 * reported UNKNOWN instead of being walked. lstat, not stat, so a symbolic link
 * is listed, never followed out of the store. An entry that vanishes while
 * listing (a writer renaming a .partial) is skipped. */
static int list_files(verify_ctx *v, const char *dir, int depth) {
  DIR *d = opendir(dir);
  struct dirent *de;
  int rc = d == NULL ? -1 : 0;
  while (rc == 0 && (de = readdir(d)) != NULL) {
    char path[VERIFY_PATH];
    struct stat sb;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >=
            (int)sizeof path ||
        lstat(path, &sb) != 0) {
      continue;
    }
    rc = S_ISDIR(sb.st_mode) && depth > 0 ? list_files(v, path, depth - 1)
                                          : add_path(v, path);
  }
  if (d != NULL) {
    closedir(d);
  }
  return rc;
}

/* Sorted paths make the output the same on every file system, whatever order
 * readdir returns, so two verify runs of one store can be diffed. */
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- classifying ------------------------------------------------------ */

/* Where a file lies: <model>/<version>/<kind>/<name>, split into parts. */
typedef struct {
  char model[PC_NAME_LEN_MAX + 1], version[PC_NAME_LEN_MAX + 1];
  char kind[16], name[64];
} place;

/* 0 unless rel has exactly four parts whose model and version are valid names:
 * any other shape is not a place pathcast writes. */
static int split_place(const char *rel, place *p) {
  char copy[VERIFY_PATH];
  char *parts[5];
  int n = 0;
  snprintf(copy, sizeof copy, "%s", rel);
  for (char *save = NULL, *t = strtok_r(copy, "/", &save); t != NULL && n < 5;
       t = strtok_r(NULL, "/", &save)) {
    parts[n++] = t;
  }
  if (n != 4 || !pc_name_valid(parts[0]) || !pc_name_valid(parts[1]) ||
      strlen(parts[2]) >= sizeof p->kind ||
      strlen(parts[3]) >= sizeof p->name) {
    return 0;
  }
  snprintf(p->model, sizeof p->model, "%s", parts[0]);
  snprintf(p->version, sizeof p->version, "%s", parts[1]);
  snprintf(p->kind, sizeof p->kind, "%s", parts[2]);
  snprintf(p->name, sizeof p->name, "%s", parts[3]);
  return 1;
}

/* A partition's name is YYYY-MM.h5 (docs/STORE.md); the month is checked by
 * parsing its first day, so 2024-13.h5 is not a partition. */
static int parse_month(const char *name, int32_t *month) {
  char text[16];
  pc_date d;
  if (strlen(name) != 10 || strcmp(name + 7, ".h5") != 0) {
    return 0;
  }
  snprintf(text, sizeof text, "%.7s-01", name);
  if (!pc_date_parse(text, &d)) {
    return 0;
  }
  *month = pc_date_month_index(d);
  return 1;
}

/* A trained model's name is YYYY-MM-DD.h5, its training date. */
static int parse_day(const char *name, pc_date *day) {
  char text[16];
  if (strlen(name) != 13 || strcmp(name + 10, ".h5") != 0) {
    return 0;
  }
  snprintf(text, sizeof text, "%.10s", name);
  return pc_date_parse(text, day);
}

/* Checks one model file by reading it as the commands do; -1 when the
 * place is not one pathcast writes.
 * Each read goes through the store's own reader, with the same identity and
 * checksum checks a command makes, so "intact" here means a run or export would
 * serve the file. The 1 x 1 shapes are placeholders: with any_shape = 1 the
 * readers take the file's own paths and horizon, so a file of another job's
 * shape is checked, not refused. */
static int check_model_file(verify_ctx *v, const place *p, pc_error *e,
                            pc_status *st) {
  int32_t month = 0;
  pc_date day = 0;
  if (strcmp(p->kind, "trained") == 0 && parse_day(p->name, &day)) {
    pc_trained_meta meta;
    pc_record rec;
    pc_record_init(&rec);
    *st = pc_store_read_trained(v->store, p->model, p->version, day, &meta,
                                &rec, e);
    pc_record_fini(&rec);
  } else if (strcmp(p->kind, "forecasts") == 0 &&
             parse_month(p->name, &month)) {
    pc_partition part;
    pc_partition_init(&part, 1, 1);
    *st = pc_store_read_partition(v->store, p->model, p->version, month, &part,
                                  1, e);
    pc_partition_fini(&part);
  } else if (strcmp(p->kind, "scores") == 0 && parse_month(p->name, &month)) {
    pc_scores s;
    pc_scores_init(&s, 1);
    *st = pc_store_read_scores(v->store, p->model, p->version, month, &s, 1, e);
    pc_scores_fini(&s);
  } else {
    return -1;
  }
  return 0;
}

/* Checks a file of the store's top folder; -1 when it is not one. */
static int check_top_file(verify_ctx *v, const char *rel, pc_error *e,
                          pc_status *st) {
  if (strcmp(rel, "pathcast.h5") == 0) {
    *st = PC_OK; /* read when the store was opened */
  } else if (strcmp(rel, "series.h5") == 0) {
    pc_series series;
    *st = pc_store_read_series(v->store, &series, e);
    if (*st == PC_OK) {
      pc_series_fini(&series);
    }
  } else if (strcmp(rel, "failures.h5") == 0) {
    pc_failure *list = NULL;
    size_t n = 0;
    *st = pc_store_read_failures(v->store, &list, &n, e);
    free(list);
  } else {
    return -1;
  }
  return 0;
}

/* Whether a file has no container header (written before it existed).
 * The HDF5 signature at offset 0 means the file starts with HDF5 itself instead
 * of pathcast's container header, so it was written before the header existed;
 * it is still read, with only its content checksum. */
static int is_legacy(const char *path) {
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a,
                                       '\n'};
  unsigned char head[8] = {0};
  FILE *f = fopen(path, "rb");
  size_t n = f != NULL ? fread(head, 1, sizeof head, f) : 0;
  if (f != NULL) {
    fclose(f);
  }
  return n == sizeof head && memcmp(head, sig, sizeof sig) == 0;
}

/* The LOCK file belongs to writers and is not checked. A .partial is never
 * damage: it is a file a writer had not committed, which readers never see and
 * the next writer deletes. A file whose read fails for any reason is DAMAGED,
 * whatever the status, because that is what a reader would make of it. */
static void check_file(verify_ctx *v, const char *path) {
  const char *rel = path + v->root_len;
  size_t len = strlen(rel);
  place p;
  pc_error e;
  pc_status st = PC_OK;
  pc_error_clear(&e);
  if (strcmp(rel, "LOCK") == 0) {
    return;
  }
  if (len > 8 && strcmp(rel + len - 8, ".partial") == 0) {
    fprintf(v->out, "STRAY %s: an unfinished file of an interrupted run (the "
            "next writer run removes it)\n", path);
    return;
  }
  int top = check_top_file(v, rel, &e, &st) == 0;
  int placed = !top && split_place(rel, &p);
  /* --model: only those models' files (and the store's own). */
  long m = placed ? pc_job_find_model(v->job, p.model) : -1;
  if (placed && v->job->model_filter[0] != '\0' &&
      (m < 0 || !pc_job_model_selected(v->job, (size_t)m))) {
    return;
  }
  int known = top || (placed && check_model_file(v, &p, &e, &st) == 0);
  if (!known) {
    fprintf(v->out, "UNKNOWN %s\n", path);
    return;
  }
  v->checked++;
  v->legacy += st == PC_OK && is_legacy(path);
  if (st != PC_OK) {
    v->damaged++;
    fprintf(v->out, "DAMAGED %s\n", e.msg);
  }
}

/* ---- the command ------------------------------------------------------ */

static void free_paths(verify_ctx *v) {
  for (size_t i = 0; i < v->npaths; i++) {
    free(v->paths[i]);
  }
  free(v->paths);
}

static void print_summary(const verify_ctx *v, const char *dir) {
  if (v->damaged) {
    fprintf(v->out, "verified %ld file(s) of %s: %ld damaged; the next run "
            "treats damaged forecast partitions, trained models and scores "
            "as missing and rebuilds them\n", v->checked, dir, v->damaged);
  } else {
    fprintf(v->out, "verified %ld file(s) of %s: all intact\n", v->checked,
            dir);
  }
  if (v->legacy) {
    fprintf(v->out, "%ld of them were written by an earlier pathcast, without "
            "a whole-file checksum (their content checksums were checked)\n",
            v->legacy);
  }
  long old = pc_store_schema_files(v->store, 1);
  if (old > 0) {
    fprintf(v->out, "%ld of them are of schema 1 (dates as text, no named "
            "dimensions): pathcast reads them as before; netCDF readers and "
            "xarray see named dimensions in files of schema %d "
            "(docs/STORE.md)\n", old, PC_SCHEMA_VERSION);
  }
}

/* Runs on one process, without the lock, so it may race with a writer: a file
 * committed during the listing is checked in its new version, and one removed
 * is reported damaged for that run only. A manifest (pathcast.h5) that fails
 * its checks is the only damage that stops verify, since no other file can be
 * checked against it. Returns PC_DAMAGED (exit 3) when any file is damaged. */
pc_status pc_verify(const pc_job *job, FILE *out, pc_error *e) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  verify_ctx v;
  memset(&v, 0, sizeof v);
  v.out = out;
  v.job = job;
  pc_status st = pc_store_open(&v.store, job->store, PC_STORE_READ, NULL, e);
  if (st == PC_DAMAGED) {
    fprintf(out, "DAMAGED %s\n", e->msg);
    return PC_DAMAGED;
  }
  if (st != PC_OK) {
    return st;
  }
  char root[VERIFY_PATH];
  snprintf(root, sizeof root, "%s", job->store);
  for (size_t n = strlen(root); n > 1 && root[n - 1] == '/'; n--) {
    root[n - 1] = '\0';
  }
  v.root_len = strlen(root) + 1;
  if (list_files(&v, root, 3) != 0) {
    st = pc_error_set(e, PC_IO, "%s: cannot list the store's files",
                      job->store);
  }
  qsort(v.paths, v.npaths, sizeof *v.paths, cmp_str);
  for (size_t i = 0; st == PC_OK && i < v.npaths; i++) {
    check_file(&v, v.paths[i]);
  }
  if (st == PC_OK) {
    print_summary(&v, job->store);
  }
  free_paths(&v);
  pc_store_close(v.store);
  return st != PC_OK ? st : v.damaged ? PC_DAMAGED : PC_OK;
}
