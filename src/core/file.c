/* Whole-file reads for inputs (see pathcast/core/file.h).
 *
 * Input and output files of the commands (the data file, holiday lists, export,
 * --summary-json, the report page), not store files: those are built in memory
 * and written by the store (docs/STORE.md). Both directions give messages that
 * start with the path, the form every "bad input" error takes (exit 2 for
 * input, 1 for a failed write). */
#include "pathcast/core/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Grows the buffer by doubling: amortised linear time for a file of unknown
 * size (a pipe has none). On success the caller owns *text; on any error
 * nothing is left allocated and *text is untouched. */
static pc_status read_stream(FILE *f, const char *path, char **text,
                             size_t *len, pc_error *e) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf != NULL) {
    n += fread(buf + n, 1, cap - n, f);
    /* A short read means end of file or an error; ferror below tells which. */
    if (n < cap) {
      break;
    }
    char *bigger = realloc(buf, cap * 2);
    /* Frees the old buffer itself so the loop's NULL test reports the failure;
     * realloc leaves the old block allocated when it fails. */
    if (bigger == NULL) {
      free(buf);
    }
    buf = bigger;
    cap *= 2;
  }
  if (buf == NULL) {
    return pc_error_set(e, PC_NOMEM, "%s: out of memory reading", path);
  }
  /* A read error after some data (EIO, a file truncated under us) is refused
   * rather than parsed as a shorter file: a short series would silently change
   * every forecast. */
  if (ferror(f)) {
    int err = errno;
    free(buf);
    return pc_error_set(e, PC_INPUT, "%s: cannot read: %s", path,
                        strerror(err));
  }
  *text = buf;
  *len = n;
  return PC_OK;
}

pc_status pc_file_read(const char *path, char **text, size_t *len,
                       pc_error *e) {
  /* Cleared so the message below never shows a stale reason from an earlier
   * call. */
  errno = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    int err = errno;
    return pc_error_set(e, PC_INPUT, "%s: cannot open: %s", path,
                        strerror(err));
  }
  pc_status st = read_stream(f, path, text, len, e);
  fclose(f);
  return st;
}

/* ---- output files ----------------------------------------------------- */

/* The folder part of path ("." when it has none), into buf. */
static void folder_of(const char *path, char *buf, size_t len) {
  snprintf(buf, len, "%s", path);
  char *slash = strrchr(buf, '/');
  if (slash == NULL) {
    snprintf(buf, len, ".");
  } else if (slash == buf) {
    buf[1] = '\0'; /* "/name": the root */
  } else {
    *slash = '\0';
  }
}

/* access() checks the real user's rights, which for pathcast (never set-uid)
 * are the rights a later open uses. The check is advice given before hours of
 * work; the write itself still checks and fails cleanly if the folder changes
 * meanwhile. */
static pc_status writable_folder(const char *dir, const char *what,
                                 const char *path, pc_error *e) {
  struct stat sb;
  if (stat(dir, &sb) != 0) {
    return pc_error_set(e, PC_INPUT, "%s %s: folder %s: %s", what, path, dir,
                        strerror(errno));
  }
  if (!S_ISDIR(sb.st_mode)) {
    return pc_error_set(e, PC_INPUT, "%s %s: %s is not a folder", what, path,
                        dir);
  }
  if (access(dir, W_OK | X_OK) != 0) {
    return pc_error_set(e, PC_INPUT, "%s %s: folder %s is not writable: %s",
                        what, path, dir, strerror(errno));
  }
  return PC_OK;
}

/* Called before any work (job validation), so a typo in an output path costs
 * exit 2 at once, not a lost result after the run. */
pc_status pc_file_check_output(const char *path, const char *what,
                               pc_error *e) {
  char dir[4096];
  struct stat sb;
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    return pc_error_set(e, PC_INPUT, "%s %s: is a folder, not a file", what,
                        path);
  }
  folder_of(path, dir, sizeof dir);
  return writable_folder(dir, what, path, e);
}

/* The folder itself may not exist yet (it is created when the output is
 * written), so the question is whether its nearest existing ancestor lets us
 * create it. */
pc_status pc_file_check_output_folder(const char *path, const char *what,
                                      pc_error *e) {
  char dir[4096];
  struct stat sb;
  snprintf(dir, sizeof dir, "%s", path);
  /* Walk up to the nearest part of the path that exists. */
  while (stat(dir, &sb) != 0) {
    if ((errno != ENOENT && errno != ENOTDIR) || strcmp(dir, ".") == 0 ||
        strcmp(dir, "/") == 0) {
      return pc_error_set(e, PC_INPUT, "%s %s: %s", what, path,
                          strerror(errno));
    }
    char up[4096];
    folder_of(dir, up, sizeof up);
    snprintf(dir, sizeof dir, "%s", up);
  }
  return writable_folder(dir, what, path, e);
}

/* The partial file sits beside the target so the rename in pc_file_commit stays
 * on one file system, where POSIX makes it atomic. Caller owns the FILE and
 * must hand it to pc_file_commit, which closes it on every path. */
FILE *pc_file_begin(const char *path, char *partial, size_t len, pc_error *e) {
  if ((size_t)snprintf(partial, len, "%s.partial", path) >= len) {
    pc_error_set(e, PC_IO, "%s: path too long", path);
    return NULL;
  }
  FILE *f = fopen(partial, "w");
  if (f == NULL) {
    pc_error_set(e, PC_IO, "%s: cannot write: %s", partial, strerror(errno));
  }
  return f;
}

/* Every failure removes the partial file: a full disk or a failed close leaves
 * neither a truncated output nor a stray partial, and the old file (if any)
 * stays under its name. fflush and fclose are checked because buffered writes
 * fail there, not at fwrite. */
pc_status pc_file_commit(FILE *f, int ok, const char *partial,
                         const char *path, pc_error *e) {
  if (!ok) { /* the caller's error says why */
    fclose(f);
    unlink(partial);
    return PC_IO;
  }
  int err = 0;
  if (ferror(f) || fflush(f) != 0) {
    /* ferror does not set errno; EIO stands in when the failing call left none.
     */
    err = errno ? errno : EIO;
    ok = 0;
  }
  if (fclose(f) != 0 && ok) {
    err = errno;
    ok = 0;
  }
  if (ok && rename(partial, path) != 0) {
    err = errno;
    ok = 0;
  }
  if (!ok) {
    unlink(partial);
    return pc_error_set(e, PC_IO, "%s: write failed: %s", path,
                        strerror(err ? err : EIO));
  }
  return PC_OK;
}

/* Creates each prefix ending at a '/', then the whole path. EEXIST is success
 * at every level, so two ranks or two runs creating the same folder at once
 * both succeed. Starting at buf + 1 keeps an absolute path's leading "/" from
 * becoming mkdir(""). */
int pc_mkdirs(const char *path) {
  char buf[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(buf, path, n + 1);
  for (char *p = buf + 1; *p != '\0'; p++) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
        return -1;
      }
      *p = '/';
    }
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
    return -1;
  }
  return 0;
}
