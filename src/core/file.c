/* Whole-file reads for inputs (see pathcast/core/file.h). */
#include "pathcast/core/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pc_status read_stream(FILE *f, const char *path, char **text,
                             size_t *len, pc_error *e) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf != NULL) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) {
      break;
    }
    char *bigger = realloc(buf, cap * 2);
    if (bigger == NULL) {
      free(buf);
    }
    buf = bigger;
    cap *= 2;
  }
  if (buf == NULL) {
    return pc_error_set(e, PC_NOMEM, "%s: out of memory reading", path);
  }
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

pc_status pc_file_commit(FILE *f, int ok, const char *partial,
                         const char *path, pc_error *e) {
  if (!ok) { /* the caller's error says why */
    fclose(f);
    unlink(partial);
    return PC_IO;
  }
  int err = 0;
  if (ferror(f) || fflush(f) != 0) {
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
