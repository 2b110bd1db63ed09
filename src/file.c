/* Whole-file reads for inputs (see pathcast/file.h). */
#include "pathcast/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
