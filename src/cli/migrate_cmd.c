/* `pathcast migrate`: rewrites the store's files of an older schema in the
 * current one (pc_store_migrate, docs/STORE.md "Schema versions").  One
 * process, holding the store's writer lock like any run. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/cli/commands.h"
#include "pathcast/core/signal.h"
#include "pathcast/store/store.h"

/* The store's commodity (a writer must name it): the job's, else the
 * manifest's; a folder without a manifest is no store to migrate. */
static pc_status store_commodity(const pc_job *job, char *buf, size_t len,
                                 pc_error *e) {
  pc_store *s = NULL;
  pc_status st = pc_store_open(&s, job->store, PC_STORE_READ, NULL, e);
  if (st == PC_OK && pc_store_schema(s) == 0) {
    st = pc_error_set(e, PC_INPUT, "%s: not a pathcast store (no "
                      "pathcast.h5): nothing to migrate", job->store);
  }
  if (st == PC_OK) {
    snprintf(buf, len, "%s",
             job->commodity[0] ? job->commodity : pc_store_commodity(s));
  }
  pc_store_close(s);
  return st;
}

/* One line a person or a script can read: what was rewritten, what was
 * already current, what is damaged, and whether to run it again. */
static void print_counts(FILE *out, const pc_job *job,
                         const pc_migrate_counts *n, pc_status st) {
  fprintf(out, "migrate: %ld file(s) of %s rewritten in schema %d, %ld "
          "already in it", n->rewritten, job->store, PC_SCHEMA_VERSION,
          n->current);
  if (n->damaged > 0) {
    fprintf(out, ", %ld damaged (left as they are: the next run of the job "
            "rebuilds them)", n->damaged);
  }
  fprintf(out, "%s\n", st == PC_INTERRUPTED ? "; stopped: migrate again to "
                                             "finish" : "");
}

pc_status pc_migrate(const pc_job *job, FILE *out, pc_error *e) {
  char commodity[PC_NAME_LEN_MAX + 1];
  const char *slurm = getenv("SLURM_JOB_ID");
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  pc_status st = store_commodity(job, commodity, sizeof commodity, e);
  if (st != PC_OK) {
    return st;
  }
  /* What migrate writes carries each file's own identity; these only
   * label the manifest should opening the store reconcile it. */
  pc_store_info info = {commodity, slurm && *slurm ? slurm : "local",
                        "local", job->seed, strcmp(job->fsync, "yes") == 0,
                        job->lock_wait, stderr, pc_signal_pending};
  pc_store *s = NULL;
  st = pc_store_open(&s, job->store, PC_STORE_WRITER, &info, e);
  if (st != PC_OK) {
    return st;
  }
  /* DAMAGED lines go to the same stream as the counts: one report. */
  pc_migrate_counts n = {0};
  st = pc_store_migrate(s, out, &n, e);
  if (st == PC_OK || st == PC_INTERRUPTED) {
    print_counts(out, job, &n, st);
  }
  pc_store_close(s);
  /* A damaged file left behind is not a failure of the migration but must
   * not pass unnoticed: exit 3, like a reader that left one out. */
  return st == PC_OK && n.damaged > 0 ? PC_DAMAGED : st;
}
