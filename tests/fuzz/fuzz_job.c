/* libFuzzer target: the job-file and command-line parser.  The input is a
 * job file followed, after a NUL byte, by command-line words separated by
 * newlines.  Anything may be refused with a message; nothing may crash or
 * leak, and an accepted job holds valid values. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pathcast/job/job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS 32

/* Splits the command-line part into argv after "pathcast backfill --job F". */
static int split_words(char *text, char **argv, int argc) {
  for (char *w = strtok(text, "\n"); w != NULL && argc < MAX_WORDS - 1;
       w = strtok(NULL, "\n")) {
    argv[argc++] = w;
  }
  argv[argc] = NULL;
  return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t file_len = nul ? (size_t)(nul - data) : size;
  char path[64];
  snprintf(path, sizeof path, "/tmp/pathcast-fuzz-%ld.job", (long)getpid());
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    return 0;
  }
  fwrite(data, 1, file_len, f);
  fclose(f);
  size_t rest = nul ? size - file_len - 1 : 0;
  char *words = malloc(rest + 1);
  memcpy(words, nul ? nul + 1 : data, rest);
  words[rest] = '\0';
  char *argv[MAX_WORDS] = {"pathcast", "backfill", "--job", path};
  int argc = split_words(words, argv, 4);
  pc_job job;
  pc_error e;
  /* --help among the words turns the command into help, which sets
   * nothing: only a backfill accepted must hold valid values. */
  if (pc_job_from_args(&job, argc, argv, &e) == PC_OK &&
      job.command == PC_CMD_BACKFILL &&
      (job.paths < 1 || job.horizon < 1 || job.nmodels == 0 ||
       job.start > job.end)) {
    abort();
  }
  pc_job_fini(&job);
  free(words);
  return 0;
}
