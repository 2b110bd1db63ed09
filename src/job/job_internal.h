/* Internal: the job's option table, shared by job.c (parsing, validation,
 * the settings echo) and job_help.c (--help).  Not installed. */
#ifndef PC_JOB_INTERNAL_H
#define PC_JOB_INTERNAL_H

#include <stddef.h>

#include "pathcast/job/job.h"

typedef enum {
  OPT_TEXT,   /* free text into a char array */
  OPT_NAME,   /* a name that becomes a path or label (pathcast/core/name.h) */
  OPT_DATE,   /* ISO date ("today" allowed where the default is today) */
  OPT_INT,    /* int within [min, max] */
  OPT_LONG,   /* long within [min, max] */
  OPT_U64,    /* unsigned 64-bit */
  OPT_FREQ,   /* a training frequency */
  OPT_CAL,    /* weekdays | daily */
  OPT_MODELS, /* name[:type],... */
  OPT_FORMAT, /* table | json */
  OPT_YESNO,  /* yes | no */
  OPT_BY,     /* horizon | month | year | model */
  OPT_OUTLIERS, /* keep | flag | clean */
  OPT_VERSIONS, /* model_version: NAME[,NAME...] (job_lists.c) */
  OPT_LEVELS    /* quantile levels: P[,P...], each in [0, 1] (job_lists.c) */
} opt_kind;

typedef struct {
  const char *key;
  opt_kind kind;
  const char *def; /* NULL: no default (required where a command needs it) */
  double min, max;
  size_t offset, size; /* where the value lives in pc_job */
  const char *help;
  const char *shown; /* what --help shows when def is NULL */
} opt_def;

/* The job keys, in the order --help and the settings echo print them. */
extern const opt_def pc_job_options[];
extern const size_t pc_job_noptions;

/* The one-line help of a command (for the global --help) and its full
 * help (pathcast COMMAND --help). */
void pc_job_print_command_help(pc_command c, FILE *out);

/* job_lists.c: the list-valued keys.  Each fills its arrays of pc_job and
 * its text (for the settings echo), or refuses the value (PC_INPUT, naming
 * origin, the key and the item). */
pc_status pc_job_set_versions(pc_job *job, const char *v, const char *origin,
                              pc_error *e);
pc_status pc_job_set_levels(pc_job *job, const char *v, const char *origin,
                            pc_error *e);
/* PC_INPUT when a command that works on one version is given several. */
pc_status pc_job_check_versions(const pc_job *job, pc_error *e);

#endif
