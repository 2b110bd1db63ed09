/* A job: the settings of one run, from a job file (`key = value` lines, '#'
 * comments) and `--key value` options on the command line, which override
 * the file.  One option table drives parsing, validation, `--help` and the
 * echo of the effective settings. */
#ifndef PC_JOB_H
#define PC_JOB_H

#include <stdint.h>
#include <stdio.h>

#include "pathcast/core/calendar.h"
#include "pathcast/core/date.h"
#include "pathcast/models/model.h"
#include "pathcast/core/name.h"
#include "pathcast/core/quality.h"
#include "pathcast/core/schedule.h"
#include "pathcast/core/status.h"

typedef enum {
  PC_CMD_NONE,
  PC_CMD_TRAIN,
  PC_CMD_FORECAST,
  PC_CMD_BACKFILL,
  PC_CMD_DAILY,
  PC_CMD_MODELS,
  PC_CMD_EXPORT,
  PC_CMD_STATUS,
  PC_CMD_VERIFY,
  PC_CMD_CHECK,
  PC_CMD_EVALUATE,
  PC_CMD_REPORT,
  PC_CMD_MIGRATE,
  PC_CMD_HELP,
  PC_CMD_VERSION
} pc_command;
/* The commands a person runs, in help order. */
#define PC_CMD_FIRST PC_CMD_TRAIN
#define PC_CMD_LAST PC_CMD_MIGRATE

#define PC_TEXT_MAX 4096
#define PC_VERSIONS_MAX 16 /* model versions side by side */
#define PC_LEVELS_MAX 99   /* quantile levels of export --format quantiles */

typedef struct {
  pc_command command;
  pc_command help_for; /* with PC_CMD_HELP: the command asked about, or
                          PC_CMD_NONE for the global help */
  char job_path[PC_TEXT_MAX];
  /* job keys */
  char commodity[PC_NAME_LEN_MAX + 1];
  char data[PC_TEXT_MAX];
  size_t nmodels;
  pc_model_spec *models; /* owned */
  pc_freq train_frequency;
  pc_date train_anchor; /* resolved: the key, else start */
  /* The version the command works on: the first of model_versions.  The
   * key model_version may list versions (NAME[,NAME...]) for the commands
   * that show them side by side: export, models, evaluate. */
  char model_version[PC_NAME_LEN_MAX + 1];
  char model_versions[PC_TEXT_MAX]; /* the key as given */
  size_t nversions;
  char versions[PC_VERSIONS_MAX][PC_NAME_LEN_MAX + 1];
  pc_date start, end; /* PC_DATE_NONE when not given */
  pc_date forecast_date;
  int paths;
  int horizon;
  pc_calendar calendar; /* with holidays loaded */
  char holidays[PC_TEXT_MAX]; /* "" = none */
  uint64_t seed;
  char store[PC_TEXT_MAX];
  char log_dir[PC_TEXT_MAX];
  long min_history;
  long max_gap; /* trading days a forecast may lie beyond the data */
  long catch_up;  /* daily: trading days before forecast_date to fill */
  long lock_wait; /* seconds to wait for the store's lock */
  char fsync[8]; /* "yes" or "no" */
  /* data-quality checks (pathcast/core/quality.h, docs/DATA.md) */
  char outliers[8]; /* "keep", "flag" or "clean" */
  long spike_threshold; /* robust sds */
  long spike_window;    /* trailing returns */
  long stale_days;      /* repeats of one close */
  /* command-line-only options */
  char summary_json[PC_TEXT_MAX];
  char output[PC_TEXT_MAX];
  char format[16];
  char by[16]; /* evaluate: horizon | month | year | model */
  /* export --format quantiles: the levels, in the order given */
  char levels_text[PC_TEXT_MAX];
  size_t nlevels;
  double levels[PC_LEVELS_MAX];
  char with_dates[8]; /* export: "yes" adds day_1_date..day_H_date */
  char model_filter[PC_TEXT_MAX]; /* --model NAME[,NAME...]; "" = all */
  /* evaluate, report: the model whose scores the skill columns compare
   * against (default random_walk) */
  char baseline[PC_MODEL_NAME_MAX];
} pc_job;

/* Parses argv (argv[0] is the program, argv[1] the command).  Reads the job
 * file named by --job, applies command-line overrides, validates everything
 * the command needs.  Errors are PC_INPUT with a message naming the file and
 * line, or the option, and listing valid keys or values. */
pc_status pc_job_from_args(pc_job *job, int argc, char **argv, pc_error *e);
void pc_job_fini(pc_job *job);

/* Everything that determines a model's stored results besides the data: the
 * model's own settings and the job settings that shape its forecasts (for a
 * model that combines others, theirs too).  Two runs may share stored
 * results only if these texts match (pathcast/models/settings.h).  Returns the
 * length of the whole text, as snprintf; a job is refused when it exceeds
 * PC_SETTINGS_MAX - 1. */
#define PC_SETTINGS_MAX 4096
size_t pc_job_model_settings(const pc_job *job, size_t model, char *buf,
                             size_t len);
/* The job context models see (pathcast/models/model.h); it points into job. */
void pc_job_model_context(const pc_job *job, pc_model_context *ctx);
/* The data-quality parameters of the job's keys (outliers aside). */
void pc_job_quality_params(const pc_job *job, pc_quality_params *p);
/* Whether model m is one the command works on: all of them, or those
 * --model names. */
bool pc_job_model_selected(const pc_job *job, size_t m);
/* The first trading day of daily's catch-up window for forecast date d:
 * catch_up trading days before d (d itself when catch_up is 0). */
pc_date pc_job_catch_up_start(const pc_job *job, pc_date d);
/* Whether model m is scored by evaluate and report: a selected model, or
 * the skill baseline (scored even when --model leaves it out). */
bool pc_job_model_scored(const pc_job *job, size_t m);
/* The index of the job's baseline model, or -1 when the job does not run
 * it (then there is no skill to show). */
long pc_job_baseline(const pc_job *job);
/* The command that rebuilds a model's damaged files whose dates lie in
 * [first, last]: "pathcast backfill --job FILE --model M --start .. --end
 * ..", for messages that say how to repair what is not served. */
void pc_job_rebuild_hint(const pc_job *job, const char *model, pc_date first,
                         pc_date last, char *buf, size_t len);
/* The same for the forecast partition of a month, and for the trained
 * model of a scheduled training date. */
void pc_job_rebuild_month_hint(const pc_job *job, const char *model,
                               int32_t month, char *buf, size_t len);
void pc_job_rebuild_trained_hint(const pc_job *job, const char *model,
                                 pc_date training_date, char *buf, size_t len);
/* evaluate and report: commands that score the store's forecasts. */
bool pc_command_scores(pc_command c);
/* Index of a model by name, or -1. */
long pc_job_find_model(const pc_job *job, const char *name);

/* The global help (help_for PC_CMD_NONE) or one command's. */
void pc_job_print_help(const pc_job *job, FILE *out);
/* The effective settings, one `key = value` line each. */
void pc_job_print_settings(const pc_job *job, FILE *out);
const char *pc_command_name(pc_command c);

#endif
