/* The store: HDF5 files in a directory, written whole and renamed into
 * place (see pathcast/store.h and docs/STORE.md). */
#include "pathcast/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "h5io.h"
#include "pathcast/log.h"
#include "pathcast/version.h"
#include "store_internal.h"

/* ---- paths and atomic commits ----------------------------------------- */

int pc_store_path(const pc_store *s, char *buf, const char *fmt, ...) {
  int n = snprintf(buf, PATH_LEN, "%s/", s->dir);
  va_list ap;
  va_start(ap, fmt);
  int m = n > 0 ? vsnprintf(buf + n, PATH_LEN - (size_t)n, fmt, ap) : -1;
  va_end(ap);
  return (m < 0 || (size_t)(n + m) >= PATH_LEN) ? -1 : 0;
}

void pc_store_diag_stack(pc_store *s) {
  if (s->diag != NULL) {
    H5Eprint2(H5E_DEFAULT, s->diag);
  }
}

static int fsync_path(const char *path, int directory) {
  int fd = open(path, directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) {
    return -1;
  }
  int rc = fsync(fd);
  close(fd);
  return rc;
}

static void parent_dir(const char *path, char *buf) {
  snprintf(buf, PATH_LEN, "%s", path);
  char *slash = strrchr(buf, '/');
  if (slash != NULL) {
    *slash = '\0';
  } else {
    snprintf(buf, PATH_LEN, ".");
  }
}

/* Moves a finished `<path>.partial` into place: the rename is atomic, so
 * readers see the old file or the new, never a mix, and a killed process
 * leaves only a stray .partial.  When durable, the file and then its folder
 * are flushed to disk around the rename, so a power loss cannot leave an
 * empty file under the final name either. */
static pc_status commit_partial(const char *partial, const char *path,
                                int durable, pc_error *e) {
  char dir[PATH_LEN];
  parent_dir(path, dir);
  if ((durable && fsync_path(partial, 0) != 0) || rename(partial, path) != 0) {
    int err = errno;
    unlink(partial);
    return pc_error_set(e, PC_IO, "%s: cannot commit: %s", path, strerror(err));
  }
  if (durable) {
    fsync_path(dir, 1);
  }
  return PC_OK;
}

/* Opens `<path>.partial` for writing, creating its folder. */
hid_t pc_store_create_partial(pc_store *s, const char *path, char *partial,
                              pc_error *e) {
  char dir[PATH_LEN];
  parent_dir(path, dir);
  if (pc_mkdirs(dir) != 0) {
    pc_error_set(e, PC_IO, "%s: cannot create folder: %s", dir, strerror(errno));
    return -1;
  }
  snprintf(partial, PATH_LEN, "%s.partial", path);
  hid_t f = pc_h5_create(partial);
  if (f < 0) {
    pc_store_diag_stack(s);
    pc_error_set(e, PC_IO, "%s: cannot create file", partial);
  }
  return f;
}

/* Closes a file written by pc_store_create_partial and commits it; on a failed
 * write the partial file is removed and nothing committed changes. */
pc_status pc_store_finish_partial(pc_store *s, hid_t f, int ok,
                                  const char *partial, const char *path,
                                  pc_error *e) {
  if (H5Fclose(f) < 0) {
    ok = 0;
  }
  if (!ok) {
    pc_store_diag_stack(s);
    unlink(partial);
    return pc_error_set(e, PC_IO, "%s: write failed (disk full or I/O error; "
                        "see the rank log for the HDF5 error stack)", path);
  }
  return commit_partial(partial, path, s->durable, e);
}

/* Identity attributes of every file. */
int pc_store_write_identity(const pc_store *s, hid_t f, const char *what) {
  int ok = pc_h5_attr_i64(f, "schema_version", PC_SCHEMA_VERSION) == 0;
  ok = ok && pc_h5_attr_str(f, "pathcast_version", PC_VERSION) == 0;
  ok = ok && pc_h5_attr_str(f, "commodity", s->commodity) == 0;
  ok = ok && pc_h5_attr_u64(f, "seed", s->seed) == 0;
  ok = ok && pc_h5_attr_str(f, "job_id", s->job_id) == 0;
  ok = ok && pc_h5_attr_str(f, "provenance", s->provenance) == 0;
  ok = ok && pc_h5_attr_str(f, "description", what) == 0;
  return ok ? 0 : -1;
}

int pc_store_write_model_identity(hid_t f, const pc_store_model *m) {
  int ok = pc_h5_attr_str(f, "model", m->model) == 0;
  ok = ok && pc_h5_attr_str(f, "model_type", m->model_type) == 0;
  ok = ok && pc_h5_attr_str(f, "model_version", m->version) == 0;
  ok = ok && pc_h5_attr_str(f, "settings", m->settings) == 0;
  return ok ? 0 : -1;
}

/* ---- content checksums ------------------------------------------------ */

/* A 64-bit checksum of bytes, eight at a time (a multiply-xor-rotate mix):
 * fast enough to run over every partition on every read (~0.3 ms for 2 MB),
 * and any flipped bit changes it.  It detects damage; it is not a
 * cryptographic hash.  Recorded as the `checksum` attribute at commit. */
uint64_t pc_checksum_add(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  const uint64_t k = 0x9E3779B97F4A7C15ull;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = ((h ^ w) * k);
    h ^= h >> 29;
  }
  for (; n > 0; n--, p++) {
    h = (h ^ *p) * 0x100000001B3ull;
  }
  return h ^ (h >> 32);
}

const uint64_t pc_checksum_seed = 0x70617468636173ull; /* "pathcas" */

static uint64_t partition_checksum(const pc_partition *p) {
  size_t n = p->n, h = (size_t)p->horizon;
  uint64_t c = pc_checksum_add(pc_checksum_seed, p->date, n * sizeof *p->date);
  c = pc_checksum_add(c, p->cutoff, n * sizeof *p->cutoff);
  c = pc_checksum_add(c, p->training, n * sizeof *p->training);
  c = pc_checksum_add(c, p->leak, n * sizeof *p->leak);
  c = pc_checksum_add(c, p->day, n * h * sizeof *p->day);
  return pc_checksum_add(c, p->values,
                         n * (size_t)p->paths * h * sizeof *p->values);
}

/* Fields in (section, name) order: the order they read back in. */
static int cmp_field(const void *a, const void *b) {
  const pc_field *x = *(const pc_field *const *)a;
  const pc_field *y = *(const pc_field *const *)b;
  if (x->section != y->section) {
    return (int)x->section - (int)y->section;
  }
  return strcmp(x->name, y->name);
}

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
    size_t unit = f->kind == PC_FIELD_F64 || f->kind == PC_FIELD_I64 ? 8 : 1;
    c = pc_checksum_add(c, f->name, strlen(f->name));
    c = pc_checksum_add(c, &f->scalar, sizeof f->scalar);
    c = pc_checksum_add(c, f->data, f->len * unit);
  }
  free(order);
  return c;
}

int pc_store_check_checksum(hid_t f, uint64_t want) {
  uint64_t got = 0;
  return pc_h5_read_attr_u64(f, "checksum", &got) == 0 && got == want ? 0 : -1;
}

/* ---- the lock --------------------------------------------------------- */

static pc_status take_lock(pc_store *s, pc_error *e) {
  char path[PATH_LEN];
  pc_store_path(s, path, "LOCK");
  int fd = open(path, O_RDWR | O_CREAT, 0666);
  if (fd < 0) {
    return pc_error_set(e, PC_IO, "%s: cannot open lock file: %s", path,
                        strerror(errno));
  }
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fcntl(fd, F_SETLK, &fl) != 0) {
    char holder[512] = "";
    ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
    holder[n > 0 ? n : 0] = '\0';
    holder[strcspn(holder, "\n")] = '\0';
    close(fd);
    return pc_error_set(e, PC_LOCKED, "store %s is in use by another writer "
                        "(%s)", s->dir, holder[0] ? holder : "holder unknown");
  }
  char host[256] = "?", stamp[32] = "", text[640];
  gethostname(host, sizeof host - 1);
  time_t now = time(NULL);
  struct tm tm;
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
  int len = snprintf(text, sizeof text, "pid %ld on %s, job %s, since %s\n",
                     (long)getpid(), host, s->job_id, stamp);
  if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != len) {
    /* The lock holds without its description; only messages suffer. */
  }
  s->lock_fd = fd;
  return PC_OK;
}

/* Calls visit(path, stat, ctx) for every regular file below dir (to the
 * given depth; the store is four levels deep). */
static void walk_files(const char *dir, int depth,
                       void (*visit)(const char *, const struct stat *, void *),
                       void *ctx) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    return;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    char path[PATH_LEN];
    struct stat sb;
    if (de->d_name[0] == '.' ||
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= PATH_LEN ||
        lstat(path, &sb) != 0) {
      continue;
    }
    if (S_ISREG(sb.st_mode)) {
      visit(path, &sb, ctx);
    } else if (S_ISDIR(sb.st_mode) && depth > 0) {
      walk_files(path, depth - 1, visit, ctx);
    }
  }
  closedir(d);
}

/* Removes `*.partial` files a killed run left behind (safe: we hold the lock,
 * so no other writer is producing them). */
static void remove_if_partial(const char *path, const struct stat *sb,
                              void *ctx) {
  (void)sb;
  (void)ctx;
  size_t len = strlen(path);
  if (len > 8 && strcmp(path + len - 8, ".partial") == 0) {
    unlink(path);
  }
}

static void count_results(const char *path, const struct stat *sb,
                          void *ctx) {
  (void)sb;
  size_t len = strlen(path);
  if (len > 3 && strcmp(path + len - 3, ".h5") == 0 &&
      (strstr(path, "/trained/") != NULL || strstr(path, "/forecasts/") != NULL)) {
    (*(long *)ctx)++;
  }
}

static void add_size(const char *path, const struct stat *sb, void *ctx) {
  (void)path;
  *(uint64_t *)ctx += (uint64_t)sb->st_size;
}

uint64_t pc_store_size(const pc_store *s) {
  uint64_t bytes = 0;
  walk_files(s->dir, 4, add_size, &bytes);
  return bytes;
}

int64_t pc_store_schema(const pc_store *s) { return s->schema; }

/* ---- the manifest ----------------------------------------------------- */

static void manifest_free(pc_store *s) {
  for (size_t i = 0; i < s->nmodels; i++) {
    free(s->models[i].model);
    free(s->models[i].version);
    free(s->models[i].settings);
  }
  free(s->models);
  s->models = NULL;
  s->nmodels = 0;
}

static pc_status read_manifest(pc_store *s, pc_error *e) {
  char path[PATH_LEN];
  pc_store_path(s, path, "pathcast.h5");
  if (access(path, F_OK) != 0) {
    return PC_OK; /* a new store */
  }
  hid_t f = pc_h5_open_read(path);
  char **names = NULL, **versions = NULL, **settings = NULL;
  size_t n1 = 0, n2 = 0, n3 = 0;
  int64_t schema = 0;
  int ok = f >= 0 && pc_h5_read_attr_i64(f, "schema_version", &schema) == 0 &&
           pc_h5_read_attr_str(f, "commodity", s->commodity,
                               sizeof s->commodity) == 0 &&
           pc_h5_read_strings(f, "model", &names, &n1) == 0 &&
           pc_h5_read_strings(f, "model_version", &versions, &n2) == 0 &&
           pc_h5_read_strings(f, "settings", &settings, &n3) == 0 &&
           n1 == n2 && n2 == n3;
  if (f >= 0) {
    H5Fclose(f);
  }
  if (!ok || schema != PC_SCHEMA_VERSION) {
    pc_store_diag_stack(s);
    pc_h5_free_strings(names, n1);
    pc_h5_free_strings(versions, n2);
    pc_h5_free_strings(settings, n3);
    return pc_error_set(e, ok ? PC_INPUT : PC_IO, "%s: %s", path,
                        ok ? "unsupported schema_version (this pathcast reads "
                             "version 1)" : "cannot read the store manifest");
  }
  s->schema = schema;
  s->models = calloc(n1 ? n1 : 1, sizeof *s->models);
  for (size_t i = 0; s->models != NULL && i < n1; i++) {
    s->models[i] = (manifest_entry){names[i], versions[i], settings[i]};
  }
  s->nmodels = s->models ? n1 : 0;
  free(names);
  free(versions);
  free(settings);
  return s->models ? PC_OK : pc_error_set(e, PC_NOMEM, "out of memory");
}

static pc_status write_manifest(pc_store *s, pc_error *e) {
  char path[PATH_LEN], partial[PATH_LEN];
  pc_store_path(s, path, "pathcast.h5");
  hid_t f = pc_store_create_partial(s, path, partial, e);
  if (f < 0) {
    return PC_IO;
  }
  const char **col[3];
  for (int c = 0; c < 3; c++) {
    col[c] = calloc(s->nmodels ? s->nmodels : 1, sizeof *col[c]);
  }
  int ok = col[0] && col[1] && col[2];
  for (size_t i = 0; ok && i < s->nmodels; i++) {
    col[0][i] = s->models[i].model;
    col[1][i] = s->models[i].version;
    col[2][i] = s->models[i].settings;
  }
  ok = ok && pc_store_write_identity(
                 s, f,
                 "pathcast store manifest: the models whose "
                 "results this store holds, with their settings") == 0;
  ok = ok && pc_h5_write_strings(f, "model", col[0], s->nmodels, "model name") == 0;
  ok = ok && pc_h5_write_strings(f, "model_version", col[1], s->nmodels,
                                 "model version label") == 0;
  ok = ok && pc_h5_write_strings(f, "settings", col[2], s->nmodels,
                                 "settings every stored result of the model "
                                 "was made with") == 0;
  for (int c = 0; c < 3; c++) {
    free(col[c]);
  }
  pc_status st = pc_store_finish_partial(s, f, ok, partial, path, e);
  if (st == PC_OK) {
    s->schema = PC_SCHEMA_VERSION;
  }
  return st;
}

static manifest_entry *manifest_find(pc_store *s, const pc_store_model *m) {
  for (size_t i = 0; i < s->nmodels; i++) {
    manifest_entry *me = &s->models[i];
    if (strcmp(me->model, m->model) == 0 &&
        strcmp(me->version, m->version) == 0) {
      return me;
    }
  }
  return NULL;
}

pc_status pc_store_check_model(pc_store *s, const pc_store_model *m,
                               pc_error *e) {
  manifest_entry *me = manifest_find(s, m);
  if (me == NULL || strcmp(me->settings, m->settings) == 0) {
    return PC_OK;
  }
  return pc_error_set(e, PC_INPUT, "store %s holds results of model %s "
                      "version %s made with other settings:\n  stored: %s\n"
                      "  now:    %s\nuse another store or a new "
                      "model_version", s->dir, m->model, m->version,
                      me->settings, m->settings);
}

pc_status pc_store_register_model(pc_store *s, const pc_store_model *m,
                                  pc_error *e) {
  if (manifest_find(s, m) != NULL) {
    return pc_store_check_model(s, m, e);
  }
  manifest_entry *grown = realloc(s->models, (s->nmodels + 1) * sizeof *grown);
  if (grown == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  s->models = grown;
  manifest_entry me = {strdup(m->model), strdup(m->version),
                       strdup(m->settings)};
  if (me.model == NULL || me.version == NULL || me.settings == NULL) {
    free(me.model);
    free(me.version);
    free(me.settings);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  s->models[s->nmodels++] = me;
  return write_manifest(s, e);
}

const char *pc_store_commodity(const pc_store *s) { return s->commodity; }

/* ---- open / close ----------------------------------------------------- */

static pc_status open_writer(pc_store *s, const pc_store_info *info,
                             pc_error *e) {
  struct stat sb;
  if (pc_mkdirs(s->dir) != 0) {
    return pc_error_set(e, PC_IO, "%s: cannot create store folder: %s", s->dir,
                        strerror(errno));
  }
  if (stat(s->dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
    return pc_error_set(e, PC_IO, "%s: the store is not a folder", s->dir);
  }
  pc_status st = take_lock(s, e);
  if (st != PC_OK) {
    return st;
  }
  walk_files(s->dir, 4, remove_if_partial, NULL);
  st = read_manifest(s, e);
  if (st != PC_OK) {
    return st;
  }
  /* Results without a manifest cannot be matched to their settings:
   * registering afresh would silently adopt them. */
  long results = 0;
  walk_files(s->dir, 4, count_results, &results);
  if (s->schema == 0 && results > 0) {
    return pc_error_set(e, PC_IO, "store %s holds %ld result file(s) but no "
                        "manifest (pathcast.h5): the store is damaged; restore "
                        "the manifest or move the store aside", s->dir,
                        results);
  }
  if (s->commodity[0] != '\0' && strcmp(s->commodity, info->commodity) != 0) {
    return pc_error_set(e, PC_INPUT, "store %s holds commodity '%s', the job "
                        "says '%s'", s->dir, s->commodity, info->commodity);
  }
  snprintf(s->commodity, sizeof s->commodity, "%s", info->commodity);
  return PC_OK;
}

pc_status pc_store_open(pc_store **out, const char *dir, pc_store_mode mode,
                        const pc_store_info *info, pc_error *e) {
  pc_store *s = calloc(1, sizeof *s);
  if (s == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  s->lock_fd = -1;
  s->mode = mode;
  snprintf(s->dir, sizeof s->dir, "%s", dir);
  if (info != NULL) {
    snprintf(s->commodity, sizeof s->commodity, "%s", info->commodity);
    snprintf(s->job_id, sizeof s->job_id, "%s", info->job_id);
    snprintf(s->provenance, sizeof s->provenance, "%s",
             info->provenance ? info->provenance : "local");
    s->seed = info->seed;
    s->durable = info->durable;
  }
  pc_status st = PC_OK;
  if (mode == PC_STORE_WRITER && info == NULL) {
    st = pc_error_set(e, PC_FATAL, "a writer needs the store's identity");
  } else if (mode == PC_STORE_WRITER) {
    st = open_writer(s, info, e);
  } else if (mode == PC_STORE_READ) {
    struct stat sb;
    st = stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)
             ? read_manifest(s, e)
             : pc_error_set(e, PC_INPUT, "%s: no such store", dir);
  }
  if (st != PC_OK) {
    pc_store_close(s);
    return st;
  }
  *out = s;
  return PC_OK;
}

void pc_store_close(pc_store *s) {
  if (s == NULL) {
    return;
  }
  if (s->lock_fd >= 0) {
    close(s->lock_fd); /* releases the fcntl lock */
  }
  manifest_free(s);
  free(s);
}

const char *pc_store_dir(const pc_store *s) { return s->dir; }

void pc_store_set_diag(pc_store *s, FILE *diag) { s->diag = diag; }

/* ---- trained models --------------------------------------------------- */

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Lists a folder's `<key>.h5` files whose key `parse` accepts. */
pc_status pc_store_list_keys(const char *dir,
                             int (*parse)(const char *, int32_t *),
                             int32_t **keys, size_t *n, pc_error *e) {
  *keys = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (d == NULL) {
    return errno == ENOENT ? PC_OK
                           : pc_error_set(e, PC_IO, "%s: cannot list: %s", dir,
                                          strerror(errno));
  }
  size_t cap = 0;
  struct dirent *de;
  pc_status st = PC_OK;
  while (st == PC_OK && (de = readdir(d)) != NULL) {
    int32_t key;
    if (!parse(de->d_name, &key)) {
      continue;
    }
    if (*n == cap) {
      cap = cap ? 2 * cap : 64;
      int32_t *grown = realloc(*keys, cap * sizeof *grown);
      if (grown == NULL) {
        st = pc_error_set(e, PC_NOMEM, "out of memory");
        break;
      }
      *keys = grown;
    }
    (*keys)[(*n)++] = key;
  }
  closedir(d);
  if (*n > 1) {
    qsort(*keys, *n, sizeof **keys, cmp_i32);
  }
  return st;
}

/* "YYYY-MM-DD.h5" */
static int parse_day_name(const char *name, int32_t *key) {
  char text[PC_DATE_STRLEN];
  if (strlen(name) != 13 || strcmp(name + 10, ".h5") != 0) {
    return 0;
  }
  memcpy(text, name, 10);
  text[10] = '\0';
  return pc_date_parse(text, key);
}

/* "YYYY-MM.h5" */
int pc_store_parse_month_name(const char *name, int32_t *key) {
  char text[PC_DATE_STRLEN];
  pc_date d;
  if (strlen(name) != 10 || strcmp(name + 7, ".h5") != 0) {
    return 0;
  }
  memcpy(text, name, 7);
  memcpy(text + 7, "-01", 4);
  if (!pc_date_parse(text, &d)) {
    return 0;
  }
  *key = pc_date_month_index(d);
  return 1;
}

static int trained_path(const pc_store *s, char *buf, const char *model,
                        const char *version, pc_date t) {
  char d[PC_DATE_STRLEN];
  return pc_store_path(s, buf, "%s/%s/trained/%s.h5", model, version,
                       pc_date_format(t, d));
}

pc_status pc_store_trained_dates(pc_store *s, const char *model,
                                 const char *version, pc_date **dates,
                                 size_t *n, pc_error *e) {
  char dir[PATH_LEN];
  pc_store_path(s, dir, "%s/%s/trained", model, version);
  return pc_store_list_keys(dir, parse_day_name, dates, n, e);
}

static const char *section_name(pc_section sec) {
  return sec == PC_SECTION_PARAMS ? "params" : "diagnostics";
}

static int write_field(hid_t g, const pc_field *f) {
  switch (f->kind) {
  case PC_FIELD_F64:
    return pc_h5_write_f64(g, f->name, f->data, f->len, NULL, NULL);
  case PC_FIELD_I64:
    return pc_h5_write_i64(g, f->name, f->data, f->len, NULL);
  case PC_FIELD_STR: {
    const char *text = f->data;
    return pc_h5_write_strings(g, f->name, &text, 1, NULL);
  }
  default:
    return pc_h5_write_u8(g, f->name, f->data, f->len, NULL);
  }
}

/* Fields go to /params and /diagnostics as datasets, each marked with its
 * kind and whether it is a scalar so it reads back exactly. */
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

pc_status pc_store_write_trained(pc_store *s, const pc_store_model *m,
                                 const pc_trained_meta *meta,
                                 const pc_record *rec, pc_error *e) {
  char path[PATH_LEN], partial[PATH_LEN], t[PC_DATE_STRLEN], c[PC_DATE_STRLEN];
  if (trained_path(s, path, m->model, m->version, meta->training_date) != 0) {
    return pc_error_set(e, PC_INPUT, "store path too long");
  }
  hid_t f = pc_store_create_partial(s, path, partial, e);
  if (f < 0) {
    return PC_IO;
  }
  int ok =
      pc_store_write_identity(s, f,
                              "a trained model: parameters in /params, fit "
                              "diagnostics in /diagnostics") == 0;
  ok = ok && pc_store_write_model_identity(f, m) == 0;
  ok = ok && pc_h5_attr_str(f, "training_date",
                            pc_date_format(meta->training_date, t)) == 0;
  ok = ok && pc_h5_attr_str(f, "data_cutoff_date",
                            pc_date_format(meta->data_cutoff, c)) == 0;
  ok = ok && pc_h5_attr_i64(f, "n_obs", meta->n_obs) == 0;
  ok = ok && write_record(f, rec) == 0;
  ok = ok && pc_h5_attr_u64(f, "checksum", record_checksum(rec, meta)) == 0;
  return pc_store_finish_partial(s, f, ok, partial, path, e);
}

/* H5Literate callback state for reading one section's fields. */
typedef struct {
  pc_record *rec;
  pc_section sec;
  int ok;
} read_ctx;

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
    ok = pc_h5_read_strings(g, name, &strs, &n) == 0 && n == 1;
    f->kind = PC_FIELD_STR;
    f->data = ok ? strs[0] : NULL;
    f->len = ok ? strlen(strs[0]) : 0;
    if (strs != NULL) {
      free(strs);
    }
  } else {
    ok = 0;
  }
  return ok ? 0 : -1;
}

static herr_t read_field_cb(hid_t g, const char *name, const H5L_info_t *info,
                            void *data) {
  (void)info;
  read_ctx *ctx = data;
  pc_field f;
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

static int read_date_attr(hid_t f, const char *name, pc_date *d) {
  char text[64];
  return pc_h5_read_attr_str(f, name, text, sizeof text) == 0 &&
                 pc_date_parse(text, d) ? 0 : -1;
}

pc_status pc_store_read_trained(pc_store *s, const char *model,
                                const char *version, pc_date training_date,
                                pc_trained_meta *meta, pc_record *rec,
                                pc_error *e) {
  char path[PATH_LEN];
  trained_path(s, path, model, version, training_date);
  hid_t f = pc_h5_open_read(path);
  pc_date t = PC_DATE_NONE, c = PC_DATE_NONE;
  int64_t n_obs = 0;
  int ok = f >= 0 && read_date_attr(f, "training_date", &t) == 0 &&
           read_date_attr(f, "data_cutoff_date", &c) == 0 &&
           pc_h5_read_attr_i64(f, "n_obs", &n_obs) == 0 &&
           read_record(f, rec) == 0;
  meta->training_date = t;
  meta->data_cutoff = c;
  meta->n_obs = n_obs;
  int sum_ok =
      ok && pc_store_check_checksum(f, record_checksum(rec, meta)) == 0;
  if (f >= 0) {
    H5Fclose(f);
  }
  if (!sum_ok) {
    pc_store_diag_stack(s);
    return pc_error_set(e, PC_IO, "%s: %s", path,
                        ok ? "checksum mismatch: the trained model is damaged"
                           : "cannot read trained model");
  }
  return PC_OK;
}

/* ---- forecast partitions ---------------------------------------------- */

void pc_partition_init(pc_partition *p, int paths, int horizon) {
  memset(p, 0, sizeof *p);
  p->paths = paths;
  p->horizon = horizon;
}

void pc_partition_fini(pc_partition *p) {
  free(p->date);
  free(p->cutoff);
  free(p->training);
  free(p->leak);
  free(p->day);
  free(p->values);
  pc_partition_init(p, p->paths, p->horizon);
}

static size_t block_of(const pc_partition *p) {
  return (size_t)p->paths * (size_t)p->horizon;
}

float *pc_partition_values(const pc_partition *p, size_t i) {
  return p->values + i * block_of(p);
}

static pc_status partition_reserve(pc_partition *p, size_t cap) {
  if (cap <= p->cap) {
    return PC_OK;
  }
  void *a = realloc(p->date, cap * sizeof *p->date);
  p->date = a ? a : p->date;
  void *b = realloc(p->cutoff, cap * sizeof *p->cutoff);
  p->cutoff = b ? b : p->cutoff;
  void *c = realloc(p->training, cap * sizeof *p->training);
  p->training = c ? c : p->training;
  void *d = realloc(p->leak, cap * sizeof *p->leak);
  p->leak = d ? d : p->leak;
  void *f = realloc(p->day, cap * (size_t)p->horizon * sizeof *p->day);
  p->day = f ? f : p->day;
  void *g = realloc(p->values, cap * block_of(p) * sizeof *p->values);
  p->values = g ? g : p->values;
  if (!a || !b || !c || !d || !f || !g) {
    return PC_NOMEM;
  }
  p->cap = cap;
  return PC_OK;
}

pc_status pc_partition_append(pc_partition *p, size_t *index) {
  if (p->n == p->cap &&
      partition_reserve(p, p->cap ? 2 * p->cap : 32) != PC_OK) {
    return PC_NOMEM;
  }
  *index = p->n++;
  return PC_OK;
}

/* Insertion sort by date: partitions hold a month of dates and arrive almost
 * sorted (stored dates, then new ones). */
void pc_partition_sort(pc_partition *p) {
  size_t block = block_of(p), h = (size_t)p->horizon;
  float *tmp = malloc(block * sizeof *tmp);
  pc_date *tday = malloc(h * sizeof *tday);
  if (tmp == NULL || tday == NULL) {
    free(tmp);
    free(tday);
    return;
  }
  for (size_t i = 1; i < p->n; i++) {
    for (size_t j = i; j > 0 && p->date[j - 1] > p->date[j]; j--) {
      size_t a = j - 1, b = j;
      pc_date t;
      t = p->date[a], p->date[a] = p->date[b], p->date[b] = t;
      t = p->cutoff[a], p->cutoff[a] = p->cutoff[b], p->cutoff[b] = t;
      t = p->training[a], p->training[a] = p->training[b], p->training[b] = t;
      uint8_t l = p->leak[a];
      p->leak[a] = p->leak[b], p->leak[b] = l;
      memcpy(tday, p->day + a * h, h * sizeof *tday);
      memcpy(p->day + a * h, p->day + b * h, h * sizeof *tday);
      memcpy(p->day + b * h, tday, h * sizeof *tday);
      memcpy(tmp, p->values + a * block, block * sizeof *tmp);
      memcpy(p->values + a * block, p->values + b * block, block * sizeof *tmp);
      memcpy(p->values + b * block, tmp, block * sizeof *tmp);
    }
  }
  free(tmp);
  free(tday);
}

int pc_store_partition_path(const pc_store *s, char *buf, const char *model,
                            const char *version, int32_t month) {
  return pc_store_path(s, buf, "%s/%s/forecasts/%04d-%02d.h5", model, version,
                       month / 12, month % 12 + 1);
}

pc_status pc_store_forecast_months(pc_store *s, const char *model,
                                   const char *version, int32_t **months,
                                   size_t *n, pc_error *e) {
  char dir[PATH_LEN];
  pc_store_path(s, dir, "%s/%s/forecasts", model, version);
  return pc_store_list_keys(dir, pc_store_parse_month_name, months, n, e);
}

static int read_partition_file(hid_t f, pc_partition *p, int dates_only) {
  size_t n = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, cols = 0;
  pc_date *date = NULL, *cutoff = NULL, *training = NULL, *day = NULL;
  uint8_t *leak = NULL;
  int ok = pc_h5_read_dates(f, "forecast_date", &date, &n, NULL) == 0 &&
           pc_h5_read_u8(f, "has_data_leakage", &leak, &n4) == 0 && n4 == n;
  if (ok && !dates_only) {
    ok = pc_h5_read_dates(f, "data_cutoff_date", &cutoff, &n2, NULL) == 0 &&
         pc_h5_read_dates(f, "training_date", &training, &n3, NULL) == 0 &&
         pc_h5_read_dates(f, "day_date", &day, &n5, &cols) == 0 &&
         n2 == n && n3 == n && n5 == n &&
         (n == 0 || cols == (size_t)p->horizon);
  }
  ok = ok && partition_reserve(p, n) == PC_OK;
  if (ok) {
    p->n = n;
    memcpy(p->date, date, n * sizeof *date);
    memcpy(p->leak, leak, n * sizeof *leak);
  }
  if (ok && !dates_only) {
    memcpy(p->cutoff, cutoff, n * sizeof *cutoff);
    memcpy(p->training, training, n * sizeof *training);
    memcpy(p->day, day, n * (size_t)p->horizon * sizeof *day);
    ok = pc_h5_read_floats(f, "paths", p->values, n * block_of(p)) == 0;
  }
  free(date);
  free(cutoff);
  free(training);
  free(leak);
  free(day);
  return ok ? 0 : -1;
}

pc_status pc_store_read_partition(pc_store *s, const char *model,
                                  const char *version, int32_t month,
                                  pc_partition *p, int dates_only,
                                  pc_error *e) {
  char path[PATH_LEN];
  p->n = 0;
  pc_store_partition_path(s, path, model, version, month);
  if (access(path, F_OK) != 0) {
    return PC_OK;
  }
  hid_t f = pc_h5_open_read(path);
  int64_t paths = 0, horizon = 0;
  /* The shape must match unless only dates and flags are wanted. */
  int ok = f >= 0 && pc_h5_read_attr_i64(f, "paths", &paths) == 0 &&
           pc_h5_read_attr_i64(f, "horizon", &horizon) == 0 &&
           (dates_only || (paths == p->paths && horizon == p->horizon)) &&
           read_partition_file(f, p, dates_only) == 0;
  /* A full read is checked against the checksum recorded at commit. */
  int sum_ok = ok && (dates_only ||
                      pc_store_check_checksum(f, partition_checksum(p)) == 0);
  if (f >= 0) {
    H5Fclose(f);
  }
  if (!sum_ok) {
    pc_store_diag_stack(s);
    p->n = 0;
    return pc_error_set(e, PC_IO, "%s: %s", path,
                        ok ? "checksum mismatch: the forecast partition is "
                             "damaged"
                           : "cannot read forecast partition (damaged, or "
                             "paths/horizon differ)");
  }
  return PC_OK;
}

static int write_partition_data(hid_t f, const pc_partition *p) {
  int ok = pc_h5_write_dates(f, "forecast_date", p->date, p->n, 0,
                             "forecast start date: the date of day_1") == 0;
  ok = ok && pc_h5_write_dates(f, "data_cutoff_date", p->cutoff, p->n, 0,
                               "last observation the forecast used") == 0;
  ok = ok && pc_h5_write_dates(f, "training_date", p->training, p->n, 0,
                               "training date of the model used") == 0;
  ok = ok && pc_h5_write_u8(f, "has_data_leakage", p->leak, p->n,
                            "1 if data_cutoff_date >= forecast_date "
                            "(never expected)") == 0;
  ok = ok && pc_h5_write_dates(f, "day_date", p->day, p->n,
                               (size_t)p->horizon,
                               "trading date of day_k, k = 1..horizon") == 0;
  ok = ok && pc_h5_write_paths(f, "paths", p->values, p->n, p->paths,
                               p->horizon, "Monte Carlo price paths "
                               "[forecast, path, day]") == 0;
  return ok ? 0 : -1;
}

pc_status pc_store_write_month_file(pc_store *s, const pc_store_model *m,
                                   const char *path, int32_t month,
                                   const char *what, pc_store_body_fn body,
                                   const void *arg, pc_error *e) {
  char partial[PATH_LEN], label[16];
  hid_t f = pc_store_create_partial(s, path, partial, e);
  if (f < 0) {
    return PC_IO;
  }
  snprintf(label, sizeof label, "%04d-%02d", month / 12, month % 12 + 1);
  int ok = pc_store_write_identity(s, f, what) == 0;
  ok = ok && pc_store_write_model_identity(f, m) == 0;
  ok = ok && pc_h5_attr_str(f, "month", label) == 0;
  ok = ok && body(f, arg) == 0;
  return pc_store_finish_partial(s, f, ok, partial, path, e);
}

static int write_partition_body(hid_t f, const void *arg) {
  const pc_partition *p = arg;
  int ok = pc_h5_attr_i64(f, "paths", p->paths) == 0;
  ok = ok && pc_h5_attr_i64(f, "horizon", p->horizon) == 0;
  ok = ok && write_partition_data(f, p) == 0;
  ok = ok && pc_h5_attr_u64(f, "checksum", partition_checksum(p)) == 0;
  return ok ? 0 : -1;
}

pc_status pc_store_write_partition(pc_store *s, const pc_store_model *m,
                                   int32_t month, const pc_partition *p,
                                   pc_error *e) {
  char path[PATH_LEN];
  if (pc_store_partition_path(s, path, m->model, m->version, month) != 0) {
    return pc_error_set(e, PC_INPUT, "store path too long");
  }
  return pc_store_write_month_file(s, m, path, month,
                                   "forecast distributions of one model for "
                                   "the forecast dates of one month",
                                   write_partition_body, p, e);
}

/* ---- the observed series ---------------------------------------------- */

static int series_equal(const pc_series *a, const pc_series *b) {
  if (a->n != b->n || a->ncov != b->ncov) {
    return 0;
  }
  for (size_t j = 0; j < a->ncov; j++) {
    if (strcmp(a->cov_name[j], b->cov_name[j]) != 0) {
      return 0;
    }
  }
  /* Bitwise, so NAN (missing) compares equal to NAN. */
  return memcmp(a->date, b->date, a->n * sizeof *a->date) == 0 &&
         memcmp(a->close, b->close, a->n * sizeof *a->close) == 0 &&
         memcmp(a->cov, b->cov, a->n * a->ncov * sizeof *a->cov) == 0;
}

static pc_status write_series(pc_store *s, const pc_series *series,
                              const char *source, pc_error *e) {
  char path[PATH_LEN], partial[PATH_LEN];
  pc_store_path(s, path, "series.h5");
  hid_t f = pc_store_create_partial(s, path, partial, e);
  if (f < 0) {
    return PC_IO;
  }
  int ok = pc_store_write_identity(s, f,
                                   "the observed series (actuals) as of the "
                                   "last run") == 0;
  ok = ok && pc_h5_attr_str(f, "source", source) == 0;
  ok = ok && pc_h5_write_dates(f, "date", series->date, series->n, 0,
                               "observation date") == 0;
  ok = ok && pc_h5_write_f64(f, "close", series->close, series->n,
                             "closing price; NaN where missing",
                             "as in the data file") == 0;
  ok = ok && pc_h5_write_strings(f, "covariate_name",
                                 (const char *const *)series->cov_name,
                                 series->ncov, "covariate columns") == 0;
  ok = ok && pc_h5_write_2d_f64(f, "covariate", series->cov, series->n,
                                series->ncov, "covariates [date, column]; "
                                "NaN where missing") == 0;
  return pc_store_finish_partial(s, f, ok, partial, path, e);
}

pc_status pc_store_sync_series(pc_store *s, const pc_series *series,
                               const char *source, pc_error *e) {
  pc_series stored;
  pc_error ignored;
  if (pc_store_read_series(s, &stored, &ignored) == PC_OK) {
    int same = series_equal(&stored, series);
    pc_series_fini(&stored);
    if (same) {
      return PC_OK; /* unchanged data: not a byte of the store changes */
    }
  }
  return write_series(s, series, source, e);
}

static int read_series_file(hid_t f, pc_series *out) {
  size_t n2 = 0, nc = 0;
  hsize_t dims[2] = {0, 0};
  int ok = pc_h5_read_dates(f, "date", &out->date, &out->n, NULL) == 0 &&
           pc_h5_read_f64(f, "close", &out->close, &n2) == 0 && n2 == out->n &&
           pc_h5_read_strings(f, "covariate_name", &out->cov_name, &nc) == 0 &&
           pc_h5_dims(f, "covariate", dims, 2) == 2 && dims[0] == out->n &&
           dims[1] == nc;
  out->ncov = nc;
  if (ok) {
    out->cov = malloc(((out->n * nc) > 0 ? out->n * nc : 1) * sizeof *out->cov);
    hid_t d = H5Dopen2(f, "covariate", H5P_DEFAULT);
    ok = out->cov != NULL && d >= 0 &&
         (out->n * nc == 0 || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                      H5P_DEFAULT, out->cov) >= 0);
    if (d >= 0) {
      H5Dclose(d);
    }
  }
  return ok ? 0 : -1;
}

pc_status pc_store_read_series(pc_store *s, pc_series *series, pc_error *e) {
  char path[PATH_LEN];
  memset(series, 0, sizeof *series);
  pc_store_path(s, path, "series.h5");
  if (access(path, F_OK) != 0) {
    return pc_error_set(e, PC_INPUT, "%s: the store has no observed series "
                        "yet (run a backfill or daily run first)", path);
  }
  hid_t f = pc_h5_open_read(path);
  int ok = f >= 0 && read_series_file(f, series) == 0;
  if (f >= 0) {
    H5Fclose(f);
  }
  if (!ok) {
    pc_store_diag_stack(s);
    pc_series_fini(series);
    return pc_error_set(e, PC_IO, "%s: cannot read the observed series", path);
  }
  return PC_OK;
}

const char *pc_failure_kind_name(pc_failure_kind kind) {
  return kind == PC_FAIL_TRAIN      ? "train"
         : kind == PC_FAIL_FORECAST ? "forecast"
                                    : "score";
}

/* ---- failures --------------------------------------------------------- */

pc_status pc_store_read_failures(pc_store *s, pc_failure **list, size_t *n,
                                 pc_error *e) {
  char path[PATH_LEN];
  *list = NULL;
  *n = 0;
  pc_store_path(s, path, "failures.h5");
  if (access(path, F_OK) != 0) {
    return PC_OK;
  }
  hid_t f = pc_h5_open_read(path);
  char **model = NULL, **version = NULL, **reason = NULL;
  uint8_t *kind = NULL;
  pc_date *date = NULL;
  size_t n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0;
  int ok = f >= 0 && pc_h5_read_u8(f, "kind", &kind, &n1) == 0 &&
           pc_h5_read_strings(f, "model", &model, &n2) == 0 &&
           pc_h5_read_strings(f, "model_version", &version, &n3) == 0 &&
           pc_h5_read_dates(f, "date", &date, &n4, NULL) == 0 &&
           pc_h5_read_strings(f, "reason", &reason, &n5) == 0 && n1 == n2 &&
           n2 == n3 && n3 == n4 && n4 == n5;
  if (f >= 0) {
    H5Fclose(f);
  }
  pc_failure *out = ok ? calloc(n1 ? n1 : 1, sizeof *out) : NULL;
  for (size_t i = 0; out != NULL && i < n1; i++) {
    out[i].kind = kind[i] ? PC_FAIL_FORECAST : PC_FAIL_TRAIN;
    snprintf(out[i].model, sizeof out[i].model, "%s", model[i]);
    snprintf(out[i].version, sizeof out[i].version, "%s", version[i]);
    snprintf(out[i].reason, sizeof out[i].reason, "%s", reason[i]);
    out[i].date = date[i];
  }
  free(kind);
  free(date);
  pc_h5_free_strings(model, n2);
  pc_h5_free_strings(version, n3);
  pc_h5_free_strings(reason, n5);
  if (out == NULL) {
    pc_store_diag_stack(s);
    return pc_error_set(e, PC_IO, "%s: cannot read recorded failures", path);
  }
  *list = out;
  *n = n1;
  return PC_OK;
}

pc_status pc_store_write_failures(pc_store *s, const pc_failure *list,
                                  size_t n, pc_error *e) {
  char path[PATH_LEN], partial[PATH_LEN];
  pc_store_path(s, path, "failures.h5");
  hid_t f = pc_store_create_partial(s, path, partial, e);
  if (f < 0) {
    return PC_IO;
  }
  uint8_t *kind = malloc(n ? n : 1);
  pc_date *date = malloc((n ? n : 1) * sizeof *date);
  const char **col[3];
  for (int c = 0; c < 3; c++) {
    col[c] = malloc((n ? n : 1) * sizeof *col[c]);
  }
  int ok = kind && date && col[0] && col[1] && col[2];
  for (size_t i = 0; ok && i < n; i++) {
    kind[i] = (uint8_t)list[i].kind;
    date[i] = list[i].date;
    col[0][i] = list[i].model;
    col[1][i] = list[i].version;
    col[2][i] = list[i].reason;
  }
  ok = ok &&
       pc_store_write_identity(s, f,
                               "failures recorded by the last run; each is "
                               "retried by the next run") == 0;
  ok = ok && pc_h5_write_u8(f, "kind", kind, n, "0 training, 1 forecast") == 0;
  ok = ok && pc_h5_write_strings(f, "model", col[0], n, "model name") == 0;
  ok = ok && pc_h5_write_strings(f, "model_version", col[1], n,
                                 "model version") == 0;
  ok = ok && pc_h5_write_dates(f, "date", date, n, 0,
                               "training date or forecast date") == 0;
  ok = ok && pc_h5_write_strings(f, "reason", col[2], n, "why it failed") == 0;
  free(kind);
  free(date);
  for (int c = 0; c < 3; c++) {
    free(col[c]);
  }
  return pc_store_finish_partial(s, f, ok, partial, path, e);
}

/* ---- verification ----------------------------------------------------- */

size_t pc_store_model_count(const pc_store *s) { return s->nmodels; }

void pc_store_model_at(const pc_store *s, size_t i, const char **model,
                       const char **version, const char **settings) {
  *model = s->models[i].model;
  *version = s->models[i].version;
  *settings = s->models[i].settings;
}

/* The identity attributes of a model file must match where it lies and
 * what the manifest says its results were made with. */
static const char *identity_problem(hid_t f, const char *model,
                                    const char *version, const char *settings) {
  char got[4096];
  if (pc_h5_read_attr_str(f, "model", got, sizeof got) != 0 ||
      strcmp(got, model) != 0) {
    return "its model attribute does not match its folder";
  }
  if (pc_h5_read_attr_str(f, "model_version", got, sizeof got) != 0 ||
      strcmp(got, version) != 0) {
    return "its model_version attribute does not match its folder";
  }
  if (settings != NULL &&
      (pc_h5_read_attr_str(f, "settings", got, sizeof got) != 0 ||
       strcmp(got, settings) != 0)) {
    return "its settings differ from the manifest's";
  }
  return NULL;
}

pc_status pc_store_check_identity(pc_store *s, const char *path,
                                  const char *model, const char *version,
                                  const char *settings, pc_error *e) {
  hid_t f = pc_h5_open_read(path);
  const char *why = f < 0 ? "cannot open" : identity_problem(f, model, version,
                                                             settings);
  if (f >= 0) {
    H5Fclose(f);
  } else {
    pc_store_diag_stack(s);
  }
  return why == NULL ? PC_OK : pc_error_set(e, PC_IO, "%s: %s", path, why);
}

pc_status pc_store_check_month_rows(pc_store *s, const char *path,
                                    const char *model, const char *version,
                                    const char *settings, int32_t month,
                                    const pc_date *dates, size_t n,
                                    pc_error *e) {
  for (size_t i = 0; i < n; i++) {
    if (pc_date_month_index(dates[i]) != month) {
      return pc_error_set(e, PC_IO, "%s: holds a forecast of another month",
                          path);
    }
  }
  return pc_store_check_identity(s, path, model, version, settings, e);
}

pc_status pc_store_read_shape(const char *path, const char *what,
                              int64_t *paths, int64_t *horizon, pc_error *e) {
  hid_t f = pc_h5_open_read(path);
  int ok = f >= 0 && pc_h5_read_attr_i64(f, "horizon", horizon) == 0 &&
           *horizon > 0 && *horizon <= 1000;
  if (ok && paths != NULL) {
    ok = pc_h5_read_attr_i64(f, "paths", paths) == 0 && *paths > 0 &&
         *paths <= 100000;
  }
  if (f >= 0) {
    H5Fclose(f);
  }
  return ok ? PC_OK : pc_error_set(e, PC_IO, "%s: cannot read %s", path, what);
}

pc_status pc_store_check_partition(pc_store *s, const char *model,
                                   const char *version, const char *settings,
                                   int32_t month, pc_error *e) {
  char path[PATH_LEN];
  int64_t paths = 0, horizon = 0;
  pc_store_partition_path(s, path, model, version, month);
  pc_status st = pc_store_read_shape(path, "forecast partition", &paths,
                                     &horizon, e);
  if (st != PC_OK) {
    return st;
  }
  pc_partition p;
  pc_partition_init(&p, (int)paths, (int)horizon);
  st = pc_store_read_partition(s, model, version, month, &p, 0, e);
  if (st == PC_OK) {
    st = pc_store_check_month_rows(s, path, model, version, settings, month,
                                   p.date, p.n, e);
  }
  pc_partition_fini(&p);
  return st;
}

pc_status pc_store_check_trained(pc_store *s, const char *model,
                                 const char *version, const char *settings,
                                 pc_date training_date, pc_error *e) {
  char path[PATH_LEN];
  pc_trained_meta meta;
  pc_record rec;
  pc_record_init(&rec);
  pc_status st = pc_store_read_trained(s, model, version, training_date, &meta,
                                       &rec, e);
  pc_record_fini(&rec);
  trained_path(s, path, model, version, training_date);
  if (st == PC_OK && meta.training_date != training_date) {
    st = pc_error_set(e, PC_IO, "%s: its training_date does not match its "
                      "name", path);
  }
  return st == PC_OK
             ? pc_store_check_identity(s, path, model, version, settings, e)
             : st;
}
