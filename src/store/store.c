/* The store: HDF5 files in a directory, written whole and renamed into
 * place (see pathcast/store/store.h and docs/STORE.md).  This file holds what
 * every part of the store shares: paths and commits, identity attributes and
 * the check of a file's identity against its place and the manifest, content
 * checksums, the writer's lock, and opening and closing the store.  The
 * parts: store_file.c (the checked container every file is), store_manifest.c,
 * store_trained.c, store_forecasts.c, store_series.c, store_scores.c. */
#include "pathcast/store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "h5io.h"
#include "pathcast/core/file.h"
#include "pathcast/core/log.h"
#include "pathcast/models/settings.h"
#include "pathcast/core/version.h"
#include "store_internal.h"

/* ---- paths and atomic commits ----------------------------------------- */

/* Every store path is built here, relative to the store folder, into a PATH_LEN
 * buffer; -1 when it would not fit, so no caller ever opens a truncated path
 * (which could name another file of the store). */
int pc_store_path(const pc_store *s, char *buf, const char *fmt, ...) {
  int n = snprintf(buf, PATH_LEN, "%s/", s->dir);
  va_list ap;
  va_start(ap, fmt);
  int m = n > 0 ? vsnprintf(buf + n, PATH_LEN - (size_t)n, fmt, ap) : -1;
  va_end(ap);
  return (m < 0 || (size_t)(n + m) >= PATH_LEN) ? -1 : 0;
}

/* Prints HDF5's error stack into the rank's log (the diag stream), where a
 * maintainer finds which HDF5 call refused a damaged file; the user-facing
 * message stays one line. The commands switch HDF5's automatic printing off at
 * start-up, so nothing reaches the terminal unasked. */
void pc_store_diag_stack(pc_store *s) {
  if (s->diag != NULL) {
    H5Eprint2(H5E_DEFAULT, s->diag);
  }
}

/* A folder must be opened read-only to be fsynced (O_DIRECTORY guards against a
 * file having taken its name). */
static int fsync_path(const char *path, int directory) {
  int fd = open(path, directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) {
    return -1;
  }
  int rc = fsync(fd);
  close(fd);
  return rc;
}

void pc_store_parent_dir(const char *path, char *buf) {
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
pc_status pc_store_commit_partial(const char *partial, const char *path,
                                  int durable, pc_error *e) {
  char dir[PATH_LEN];
  pc_store_parent_dir(path, dir);
  if ((durable && fsync_path(partial, 0) != 0) || rename(partial, path) != 0) {
    int err = errno;
    unlink(partial);
    return pc_error_set(e, PC_IO, "%s: cannot commit: %s", path, strerror(err));
  }
  /* The folder's fsync makes the rename itself durable; its failure is ignored
   * because the file is already committed and readable, and failing the run now
   * would leave the store no more consistent. */
  if (durable) {
    fsync_path(dir, 1);
  }
  return PC_OK;
}

void pc_store_set_write_behind(pc_store *s, int on) {
  s->write_behind = on && s->durable;
}

pc_status pc_store_flush(pc_store *s, pc_error *e) {
  pc_status st = pc_store_finish_pending(s, e);
  if (s->deferred != PC_OK) {
    st = s->deferred;
    *e = s->deferred_error;
    s->deferred = PC_OK;
  }
  return st;
}

/* A full disk is named as such: it is what an operator can act on. */
pc_status pc_store_write_failed(pc_error *e, const char *path, int err) {
  return pc_error_set(e, PC_IO, "%s: write failed (%s)", path,
                      err == ENOSPC || err == EDQUOT ? "disk full"
                                                     : strerror(err));
}

/* Flushes a batch: all its fsyncs first, then the renames in commit order,
 * then one fsync per folder, so the renames of a batch cost one journal
 * commit instead of one each.  Runs on the flusher thread or the caller's;
 * writes only b->status and b->error (and the files). */
static void batch_flush(pc_store_batch *b) {
  int ok[PC_STORE_BEHIND] = {0};
  pc_error why;
  b->status = PC_OK;
  for (int i = 0; i < b->n; i++) {
    ok[i] =
        pc_store_close_partial(b->file[i].fd, b->file[i].partial, 0, 1) == 0;
    if (!ok[i] && b->status == PC_OK) {
      b->status = pc_store_write_failed(&b->error, b->file[i].path, errno);
    }
  }
  /* Flushed above: each commit only renames (its folder is flushed below). */
  for (int i = 0; i < b->n; i++) {
    if (ok[i] && pc_store_commit_partial(b->file[i].partial, b->file[i].path,
                                         0, &why) != PC_OK) {
      ok[i] = 0;
      if (b->status == PC_OK) {
        b->status = PC_IO;
        b->error = why;
      }
    }
  }
  /* The folder's fsync makes the renames durable; its failure is ignored,
   * as in pc_store_commit_partial.  A model's files share folders, so
   * comparing with the previous file's finds most repeats. */
  char dir[PATH_LEN], prev[PATH_LEN] = "";
  for (int i = 0; i < b->n; i++) {
    pc_store_parent_dir(b->file[i].path, dir);
    if (ok[i] && strcmp(dir, prev) != 0) {
      fsync_path(dir, 1);
      snprintf(prev, sizeof prev, "%s", dir);
    }
  }
}

static void *flusher_main(void *batch) {
  batch_flush(batch);
  return NULL;
}

/* The outcome of a flushed batch, which is then empty again. */
static pc_status batch_outcome(pc_store_batch *b, pc_error *e) {
  b->n = 0;
  if (b->status != PC_OK) {
    *e = b->error;
  }
  return b->status;
}

/* The batch that is not being filled: the flusher thread's while it runs. */
static pc_store_batch *other_batch(pc_store *s) {
  return s->filling == &s->batches[0] ? &s->batches[1] : &s->batches[0];
}

/* Waits for the flusher thread's batch; its status, its error into e. */
static pc_status wait_flusher(pc_store *s, pc_error *e) {
  if (!s->flusher_running) {
    return PC_OK;
  }
  pthread_join(s->flusher, NULL);
  s->flusher_running = 0;
  return batch_outcome(other_batch(s), e);
}

pc_status pc_store_hand_off(pc_store *s, pc_error *e) {
  pc_status st = wait_flusher(s, e);
  if (st != PC_OK) {
    return st;
  }
  pc_store_batch *full = s->filling;
  s->filling = other_batch(s);
  /* The thread blocks every signal, so a stop request reaches the thread
   * that acts on it. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  s->flusher_running =
      pthread_create(&s->flusher, NULL, flusher_main, full) == 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (!s->flusher_running) {
    batch_flush(full); /* no thread to be had: flushed here */
    return batch_outcome(full, e);
  }
  return PC_OK;
}

pc_status pc_store_finish_pending(pc_store *s, pc_error *e) {
  pc_error later;
  pc_status st = wait_flusher(s, e);
  if (s->filling->n == 0) {
    return st;
  }
  batch_flush(s->filling);
  pc_status fst = batch_outcome(s->filling, &later);
  if (st == PC_OK && fst != PC_OK) {
    *e = later;
    st = fst;
  }
  return st;
}

void pc_store_settle(pc_store *s, const char *path) {
  if (pc_store_is_pending(s, path)) {
    pc_error e;
    pc_status st = pc_store_finish_pending(s, &e);
    if (st != PC_OK && s->deferred == PC_OK) {
      s->deferred = st;
      s->deferred_error = e;
    }
  }
}

int pc_store_file_exists(pc_store *s, const char *path) {
  pc_store_settle(s, path);
  return access(path, F_OK) == 0;
}

/* A batch is empty unless it is being filled or flushed, so both are
 * searched as they are. */
int pc_store_is_pending(const pc_store *s, const char *path) {
  for (int k = 0; k < 2; k++) {
    const pc_store_batch *b = &s->batches[k];
    for (int i = 0; i < b->n; i++) {
      if (strcmp(path, b->file[i].path) == 0) {
        return 1;
      }
    }
  }
  return 0;
}

/* Identity attributes of every file. */
/* The attributes every store file carries (docs/STORE.md, "Files"):
 * pathcast_version is the writer's, and job_id and provenance say which run
 * wrote the file. job_id is "local" outside Slurm, so an unchanged rerun
 * outside Slurm gives the same bytes. */
int pc_store_write_identity(const pc_store *s, hid_t f, const char *what) {
  int ok = pc_h5_attr_i64(f, "schema_version", PC_SCHEMA_VERSION) == 0;
  ok = ok && pc_h5_attr_str(f, "pathcast_version", s->writer) == 0;
  ok = ok && pc_h5_attr_str(f, "commodity", s->commodity) == 0;
  ok = ok && pc_h5_attr_u64(f, "seed", s->seed) == 0;
  ok = ok && pc_h5_attr_str(f, "job_id", s->job_id) == 0;
  ok = ok && pc_h5_attr_str(f, "provenance", s->provenance) == 0;
  ok = ok && pc_h5_attr_str(f, "description", what) == 0;
  return ok ? 0 : -1;
}

/* Model files (forecast partitions, scores, trained models) are what
 * analysts open with netCDF tools: they follow the CF conventions (named
 * dimensions, CF time, a title and a source).  No `history`: a file's bytes
 * must depend on its content only. */
int pc_store_write_model_identity(const pc_store *s, hid_t f,
                                  const pc_store_model *m, const char *title) {
  char source[sizeof s->writer + 16];
  snprintf(source, sizeof source, "pathcast %s", s->writer);
  int ok = pc_h5_attr_str(f, "Conventions", "CF-1.8") == 0;
  ok = ok && pc_h5_attr_str(f, "title", title) == 0;
  ok = ok && pc_h5_attr_str(f, "source", source) == 0;
  ok = ok && pc_h5_attr_str(f, "model", m->model) == 0;
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
/* The final fold (h ^ h >> 32) is applied on every call, so hashing a buffer in
 * one call and in two calls gives different results: every writer and reader
 * must split its data into the same calls in the same order, which the per-file
 * checksum functions do. The words are read in host byte order (little-endian
 * on every supported platform). */
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

/* The seed is part of the format: changing it makes every stored checksum
 * mismatch. */
const uint64_t pc_checksum_seed = 0x70617468636173ull; /* "pathcas" */

/* 0 only when the file has a checksum attribute and it matches; a missing
 * attribute is damage as well. */
int pc_store_check_checksum(hid_t f, uint64_t want) {
  uint64_t got = 0;
  return pc_h5_read_attr_u64(f, "checksum", &got) == 0 && got == want ? 0 : -1;
}

/* ---- the lock --------------------------------------------------------- */

/* Who holds the lock, from the text the holder wrote into LOCK. */
/* Only the first line, and only for the message: the lock itself is the fcntl
 * lock, never the text, which a killed holder leaves behind. */
static void lock_holder(int fd, char *buf, size_t len) {
  ssize_t n = pread(fd, buf, len - 1, 0);
  buf[n > 0 ? n : 0] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  if (buf[0] == '\0') {
    snprintf(buf, len, "holder unknown");
  }
}

/* Takes the lock, waiting up to info->lock_wait seconds for it: a daily run
 * that starts while a backfill (or a killed run's last ranks) still holds
 * the store waits instead of failing at once. */
/* An fcntl lock rather than a lock file's existence: the kernel drops it when
 * its process dies, even by kill -9, so a crashed run never leaves the store
 * locked (docs/STORE.md, "One writer"). lock_wait = 0 tries once. A stop signal
 * while waiting is honoured within 0.25 s. */
static pc_status acquire_lock(pc_store *s, int fd, const pc_store_info *info,
                              pc_error *e) {
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  char holder[512];
  struct timespec step = {0, 250000000}; /* 0.25 s between tries */
  long tries = info->lock_wait * 4;
  for (long i = 0;; i++) {
    if (fcntl(fd, F_SETLK, &fl) == 0) {
      return PC_OK;
    }
    lock_holder(fd, holder, sizeof holder);
    if (i >= tries) {
      return pc_error_set(e, PC_LOCKED, "store %s is in use by another "
                          "writer (%s)%s", s->dir, holder,
                          info->lock_wait > 0 ? " after waiting lock_wait "
                                                "seconds" : "");
    }
    if (i == 0 && info->notice != NULL) {
      fprintf(info->notice, "pathcast: store %s is in use by another writer "
              "(%s); waiting up to %ld s for it\n", s->dir, holder,
              info->lock_wait);
    }
    if (info->should_stop != NULL && info->should_stop()) {
      return pc_error_set(e, PC_INTERRUPTED, "stopped while waiting for the "
                          "store's lock");
    }
    nanosleep(&step, NULL);
  }
}

/* Rank 0 only, for the whole run; the descriptor stays open in s->lock_fd until
 * pc_store_close. Closing any descriptor of LOCK in this process would drop the
 * lock (POSIX fcntl semantics), so the process must not open and close LOCK
 * again while it holds the store. */
static pc_status take_lock(pc_store *s, const pc_store_info *info,
                           pc_error *e) {
  char path[PATH_LEN];
  pc_store_path(s, path, "LOCK");
  int fd = open(path, O_RDWR | O_CREAT, 0666);
  if (fd < 0) {
    return pc_error_set(e, PC_IO, "%s: cannot open lock file: %s", path,
                        strerror(errno));
  }
  pc_status st = acquire_lock(s, fd, info, e);
  if (st != PC_OK) {
    close(fd);
    return st;
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
/* lstat, not stat: a symbolic link in the store is neither followed nor
 * visited, so the walk cannot leave the store or loop. Hidden names are
 * skipped, which also skips "." and "..". */
void pc_store_walk(const char *dir, int depth,
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
      pc_store_walk(path, depth - 1, visit, ctx);
    }
  }
  closedir(d);
}

/* Removes `*.partial` files a killed run left behind (safe: we hold the lock,
 * so no other writer is producing them). */
/* Called once, right after the lock is taken and before anything is written, so
 * only partials of earlier, dead runs are removed. */
static void remove_if_partial(const char *path, const struct stat *sb,
                              void *ctx) {
  (void)sb;
  (void)ctx;
  size_t len = strlen(path);
  if (len > 8 && strcmp(path + len - 8, ".partial") == 0) {
    unlink(path);
  }
}

static void add_size(const char *path, const struct stat *sb, void *ctx) {
  (void)path;
  *(uint64_t *)ctx += (uint64_t)sb->st_size;
}

/* Bytes of every regular file in the store, for the summary and status. */
uint64_t pc_store_size(const pc_store *s) {
  uint64_t bytes = 0;
  pc_store_walk(s->dir, 4, add_size, &bytes);
  return bytes;
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Lists a folder's `<key>.h5` files whose key `parse` accepts. */
/* A missing folder is an empty list (nothing stored yet), not an error. Names
 * parse rejects (partials, files of other tools) are ignored here and reported
 * by verify. On PC_OK the caller owns *keys (free); the list is sorted
 * ascending, so the plan and every reader visit dates and months in order. */
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
/* Strict: exactly ten characters of a valid date and ".h5", so
 * "2024-01-01.h5.partial" or "2024-1-1.h5" are not trained models. */
int pc_store_parse_day_name(const char *name, int32_t *key) {
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

/* ---- open / close ----------------------------------------------------- */

/* The order matters: lock first (no other writer can change what we check),
 * then remove partials, then the manifest, then the commodity check, all before
 * the first write, so a refused job changes nothing on disk. */
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
  pc_status st = take_lock(s, info, e);
  if (st != PC_OK) {
    return st;
  }
  pc_store_walk(s->dir, 4, remove_if_partial, NULL);
  /* A damaged or lost manifest is restored from the files' own identity
   * attributes: nothing stored is lost or recomputed. */
  s->commodity[0] = '\0';
  st = pc_store_manifest_load(s, e);
  /* A damaged manifest is not fatal for a writer: it is cleared here and
   * rebuilt by the reconcile below from the files' own attributes
   * (docs/STORE.md, "The manifest can always be rebuilt"). The reason goes to
   * the log. */
  if (st == PC_IO) {
    pc_store_diag_note(s, e->msg);
    pc_store_manifest_clear(s);
    st = PC_OK;
  }
  /* Refused before anything changes on disk. */
  if (st == PC_OK && s->commodity[0] != '\0' &&
      strcmp(s->commodity, info->commodity) != 0) {
    st = pc_error_set(e, PC_INPUT, "store %s holds commodity '%s', the job "
                      "says '%s'", s->dir, s->commodity, info->commodity);
  }
  if (st == PC_OK) {
    snprintf(s->commodity, sizeof s->commodity, "%s", info->commodity);
    st = pc_store_manifest_reconcile(s, info->commodity, e);
  }
  return st;
}

/* Readers need the manifest to know what a file's identity must be. */
/* A reader takes no lock and changes nothing: it cannot restore a damaged
 * manifest, so it refuses the store (exit 3) and says which command repairs it.
 */
static pc_status open_reader(pc_store *s, pc_error *e) {
  struct stat sb;
  if (stat(s->dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
    return pc_error_set(e, PC_INPUT, "%s: no such store", s->dir);
  }
  pc_status st = pc_store_manifest_load(s, e);
  if (st == PC_IO) {
    char why[sizeof e->msg];
    snprintf(why, sizeof why, "%s", e->msg);
    st = pc_error_set(e, PC_DAMAGED, "%s; the next writer run of the job "
                      "(e.g. pathcast daily --job FILE) restores it from the "
                      "result files", why);
  }
  return st;
}

/* On PC_OK the caller owns *out (pc_store_close); on failure nothing stays
 * allocated or locked. info may be NULL for a pure reader, which learns the
 * commodity from the manifest. */
pc_status pc_store_open(pc_store **out, const char *dir, pc_store_mode mode,
                        const pc_store_info *info, pc_error *e) {
  pc_store *s = calloc(1, sizeof *s);
  if (s == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  s->lock_fd = -1;
  s->filling = &s->batches[0];
  s->mode = mode;
  snprintf(s->writer, sizeof s->writer, "%s", PC_VERSION);
  snprintf(s->dir, sizeof s->dir, "%s", dir);
  if (info != NULL) {
    snprintf(s->commodity, sizeof s->commodity, "%s", info->commodity);
    snprintf(s->job_id, sizeof s->job_id, "%s", info->job_id);
    snprintf(s->provenance, sizeof s->provenance, "%s",
             info->provenance ? info->provenance : "local");
    s->seed = info->seed;
    s->durable = info->durable;
    s->should_stop = info->should_stop;
  }
  pc_status st = PC_OK;
  if (mode != PC_STORE_READ && info == NULL) {
    st = pc_error_set(e, PC_FATAL, "a writer needs the store's identity");
  } else if (mode == PC_STORE_WRITER) {
    st = open_writer(s, info, e);
  } else if (mode == PC_STORE_READ) {
    st = open_reader(s, e);
  }
  if (st != PC_OK) {
    pc_store_close(s);
    return st;
  }
  *out = s;
  return PC_OK;
}

/* Accepts NULL. Closing the descriptor releases the writer lock; a process that
 * dies releases it the same way. */
void pc_store_close(pc_store *s) {
  if (s == NULL) {
    return;
  }
  /* A commit still in flight is a complete file: it is committed now (or,
   * if that fails, removed).  Runs flush before they report, so only a run
   * that already failed otherwise gets here with one. */
  pc_error ignored;
  pc_store_finish_pending(s, &ignored);
  if (s->lock_fd >= 0) {
    close(s->lock_fd); /* releases the fcntl lock */
  }
  pc_store_manifest_clear(s);
  free(s);
}

const char *pc_store_dir(const pc_store *s) { return s->dir; }

void pc_store_set_diag(pc_store *s, FILE *diag) { s->diag = diag; }

void pc_store_diag_note(pc_store *s, const char *msg) {
  if (s->diag != NULL) {
    fprintf(s->diag, "store: %s\n", msg);
  }
}

int64_t pc_store_schema(const pc_store *s) { return s->schema; }

long pc_store_schema_files(const pc_store *s, int version) {
  return version >= 1 && version <= PC_SCHEMA_VERSION
             ? s->schema_files[version]
             : 0;
}

/* The oldest schema among the files the store counted (status and verify show
 * it, so an operator knows whether migrate has work to do); the store's own
 * schema when no file was counted. */
int pc_store_schema_oldest(const pc_store *s) {
  for (int v = 1; v <= PC_SCHEMA_VERSION; v++) {
    if (s->schema_files[v] > 0) {
      return v;
    }
  }
  return (int)s->schema;
}

const char *pc_store_schema_text(const pc_store *s, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int v = 1; v <= PC_SCHEMA_VERSION && used < len; v++) {
    if (s->schema_files[v] > 0) {
      int n = snprintf(buf + used, len - used, "%s%d", used ? " and " : "", v);
      used += n > 0 ? (size_t)n : 0;
    }
  }
  if (used == 0) {
    snprintf(buf, len, "%lld", (long long)s->schema);
  }
  return buf;
}

const char *pc_store_commodity(const pc_store *s) { return s->commodity; }

/* ---- identity on read ------------------------------------------------- */

/* The model type a settings text names ("type=<name> ..."), into buf. */
/* Every settings text begins with "type=<name>" (models/settings.c writes it
 * so); anything else gives an empty type, which no file's model_type matches.
 */
static void settings_type(const char *settings, char *buf, size_t len) {
  size_t n = strncmp(settings, "type=", 5) == 0 ? strcspn(settings + 5, " ")
                                                : 0;
  snprintf(buf, len, "%.*s", (int)n, n ? settings + 5 : "");
}

/* A file's identity attributes must match where it lies (model, version),
 * the store it is in (commodity) and the manifest's entry for its model and
 * version (type and settings): a file copied into another folder, another
 * store or over another version is not that folder's result. */
/* Holidays are ignored in the settings comparison: a store's holiday list may
 * grow after a file was written (docs/STORE.md, "Holidays"), and the manifest,
 * not every file, tracks it. A store opened without a commodity (a reader
 * before the manifest names one) skips that comparison. */
static const char *identity_problem(const pc_store *s, hid_t f,
                                    const char *model, const char *version) {
  const char *settings = pc_store_manifest_settings(s, model, version);
  char got[4096], type[PC_STORE_NAME_MAX];
  if (settings == NULL) {
    return "its model and version are not listed in the store's manifest";
  }
  if (pc_h5_read_attr_str(f, "commodity", got, sizeof got) != 0 ||
      (s->commodity[0] != '\0' && strcmp(got, s->commodity) != 0)) {
    return "its commodity is not the store's";
  }
  if (pc_h5_read_attr_str(f, "model", got, sizeof got) != 0 ||
      strcmp(got, model) != 0) {
    return "its model attribute does not match its folder";
  }
  if (pc_h5_read_attr_str(f, "model_version", got, sizeof got) != 0 ||
      strcmp(got, version) != 0) {
    return "its model_version attribute does not match its folder";
  }
  settings_type(settings, type, sizeof type);
  if (pc_h5_read_attr_str(f, "model_type", got, sizeof got) != 0 ||
      strcmp(got, type) != 0) {
    return "its model_type differs from the manifest's";
  }
  if (pc_h5_read_attr_str(f, "settings", got, sizeof got) != 0 ||
      !pc_settings_match(got, settings, PC_SETTINGS_IGNORE_HOLIDAYS)) {
    return "its settings differ from the manifest's";
  }
  return NULL;
}

/* PC_DAMAGED, never PC_INPUT: a file with the wrong identity is treated like a
 * damaged one (writers replace it, readers refuse to serve it). */
pc_status pc_store_check_identity(pc_store *s, hid_t f, const char *path,
                                  const char *model, const char *version,
                                  pc_error *e) {
  const char *why = identity_problem(s, f, model, version);
  return why == NULL ? PC_OK : pc_error_set(e, PC_DAMAGED, "%s: %s", path, why);
}

