/* `pathcast --help` and `pathcast COMMAND --help`, from the same option table
 * that parses the job (job_internal.h), so help never lists a key the parser
 * does not know or misses one it does. */
#include <stdio.h>
#include <string.h>

#include "job_internal.h"

/* What --help says about one command. */
typedef struct {
  pc_command command;
  const char *synopsis;
  const char *summary; /* one line, for the global help */
  const char *what;    /* the full description */
  const char *keys;    /* the job keys it uses, space-separated */
  const char *example;
  const char *exits; /* its exit statuses */
} command_help;

/* Keys every run command (train, forecast, backfill, daily) uses.
 * The keys lists are names of rows of pc_job_options; print_keys skips a name
 * the table lacks, so a key renamed there silently drops out of a command's
 * help. tests/integration/test_cli.sh checks a few of them (daily lists
 * catch_up, verify does not) for that reason. */
#define RUN_KEYS                                                              \
  "commodity data models model_version train_frequency train_anchor paths "  \
  "horizon calendar holidays seed store log_dir min_history max_gap fsync "  \
  "lock_wait summary_json model outliers spike_threshold spike_window "     \
  "stale_days"
/* The exit statuses come from the status table (pathcast/core/status.h,
 * pc_status_exit_code) and README "Exit status"; these texts restate them for
 * each command and must change with them. Scripts and schedulers branch on
 * these numbers (3: look at the failures, 5: retry later), so a command's help
 * is its contract with them. */
#define RUN_EXITS                                                             \
  "0 everything asked for is done (or was already stored); 3 some model or " \
  "date failed (listed, recorded in the store); 2 bad input (nothing "       \
  "written); 1 fatal I/O error (disk full, permissions); 4 stopped by a "    \
  "signal after saving progress; 5 the store is in use by another writer"
#define READ_EXITS                                                            \
  "0 done; 3 a damaged file was left out (named, with the command that "     \
  "rebuilds it); 2 bad input or no such store; 1 a failed write of the "     \
  "output"

/* One row per command, in the order the global help lists them. A command
 * without a row still parses (command_of knows it from job.c's names) but gets
 * no help text: tests/integration/test_cli.sh asks every command for its --help
 * and checks the synopsis, example and exit lines. */
static const command_help commands[] = {
    {PC_CMD_TRAIN, "pathcast train --job FILE [--start D] [--end D]",
     "train every model at every scheduled training date [start, end] needs",
     "Trains every model at every scheduled training date that a forecast "
     "date in [start, end] needs: the last one on or before start, and every "
     "later one up to end. Stored models are not trained again.",
     RUN_KEYS " start end",
     "mpirun -np 4 pathcast train --job jobs/coffee.job --start 2018-01-01 "
     "--end 2023-12-31",
     RUN_EXITS},
    {PC_CMD_FORECAST, "pathcast forecast --job FILE [--start D] [--end D]",
     "forecast every trading day in [start, end] with its scheduled model",
     "Forecasts every trading day in [start, end] the store lacks, each with "
     "the model of the greatest training date on or before it; a day whose "
     "scheduled model is missing fails (recorded) rather than using another.",
     RUN_KEYS " start end",
     "mpirun -np 4 pathcast forecast --job jobs/coffee.job --start 2023-01-02 "
     "--end 2023-12-29",
     RUN_EXITS},
    {PC_CMD_BACKFILL, "pathcast backfill --job FILE [--start D] [--end D]",
     "train, then forecast, over [start, end]",
     "train, then forecast, over [start, end]: the one command for a range of "
     "dates. Incremental: a rerun computes only what the store lacks, and "
     "retries what failed.",
     RUN_KEYS " start end",
     "mpirun -np 4 pathcast backfill --job jobs/coffee.job --start 2018-01-01 "
     "--end 2023-12-29",
     RUN_EXITS},
    {PC_CMD_DAILY, "pathcast daily --job FILE [--forecast_date D|today]",
     "forecast one day: train what the cadence says, fill missed days",
     "For forecast_date (default today, UTC): trains each model at the "
     "scheduled training date if it is not stored, forecasts the date, and "
     "also forecasts, oldest first, every trading day of the catch_up days "
     "before it that the store lacks (missed runs, failures that can now "
     "succeed). Prints the daily report (--format json: one JSON object).",
     RUN_KEYS " forecast_date catch_up format",
     "pathcast daily --job jobs/coffee.job --lock_wait 1800", RUN_EXITS},
    {PC_CMD_MODELS, "pathcast models --job FILE [--model M] [--format json]",
     "list trained models and their parameters",
     "Lists every trained model of the job's models: training date, data "
     "cutoff, observations, parameters (long arrays shortened in the table; "
     "--format json prints every field whole).",
     "store model_version model format", "pathcast models --job "
     "jobs/coffee.job --model arima_111 --format json",
     READ_EXITS},
    {PC_CMD_EXPORT, "pathcast export --job FILE [--start D] [--end D] "
                    "[--output F]",
     "write stored forecasts as CSV",
     "Writes stored forecasts as CSV: per forecast a row of actuals "
     "(path_id 0) and one row per path, day_1..day_H. --output is written "
     "beside its place and renamed when complete.",
     "store model_version start end model output",
     "pathcast export --job jobs/coffee.job --model naive --start 2024-01-02 "
     "--end 2024-01-31 --output naive.csv",
     READ_EXITS},
    {PC_CMD_STATUS, "pathcast status --job FILE [--start D] [--end D] "
                    "[--format json]",
     "coverage, gaps, trainings, failures, damage and leakage flags",
     "Per model: forecast coverage of the trading days of the range (default: "
     "the job's, else the span of the store) with missing dates as ranges; "
     "trained models, the latest on or before the range's end and the next "
     "scheduled after it, trainings due but missing; recorded failures of the "
     "range; damaged files with the command that rebuilds each; leakage "
     "flags; a data line with the data check's findings of the store's "
     "series (informational). Exit 3 when anything needs attention.",
     "store model_version start end train_frequency train_anchor calendar "
     "holidays model format max_gap spike_threshold spike_window stale_days",
     "pathcast status --job jobs/coffee.job --end today",
     "0 complete and clean; 3 something needs attention; 2 bad input or no "
     "such store; 1 a failed write of the output"},
    {PC_CMD_VERIFY, "pathcast verify --job FILE [--model M]",
     "check every store file; exit 3 when any is damaged",
     "Checks every file of the store exactly as the commands read it (header "
     "checksum, identity against its place and the manifest, content "
     "checksum) and prints DAMAGED, UNKNOWN and STRAY lines.",
     "store model", "pathcast verify --job jobs/coffee.job",
     "0 every file intact; 3 a file is damaged; 2 bad input or no such "
     "store"},
    {PC_CMD_CHECK, "pathcast check --job FILE [--format json]",
     "check the data file: isolated spikes, stale closes, gaps",
     "Checks the data file for isolated spikes (a move beyond spike_threshold "
     "robust standard deviations of the trailing spike_window returns that "
     "the next close reverses), stale closes (one close repeated more than "
     "stale_days times in a row) and gaps (more than max_gap trading days "
     "without a close). Prints one line per finding (file:line, dates, kind, "
     "values) and a summary. Reads the file only; train, forecast, backfill "
     "and daily run the same check (docs/DATA.md).",
     "data calendar holidays max_gap outliers spike_threshold spike_window "
     "stale_days format",
     "pathcast check --job jobs/coffee.job",
     "0 nothing flagged; 3 something flagged; 2 bad input (the data file "
     "does not parse, a bad key); 1 a failed write of the output"},
    {PC_CMD_EVALUATE, "pathcast evaluate --job FILE [--start D] [--end D] "
                      "[--by horizon|month|year|model] "
                      "[--format table|csv|json]",
     "score stored forecasts against the actuals",
     "Scores stored forecasts against the store's actuals (CRPS, pinball, "
     "coverage, energy score, ...), stores the scores (a rerun scores only "
     "what is new) and prints them by horizon, month or year, or one row "
     "per model with every horizon pooled (--by model).",
     "store model_version models start end by format model summary_json "
     "log_dir lock_wait",
     "mpirun -np 4 pathcast evaluate --job jobs/coffee.job --start 2023-01-01 "
     "--end 2023-12-31 --format csv",
     RUN_EXITS},
    {PC_CMD_REPORT, "pathcast report --job FILE [--output DIR]",
     "evaluate, then an HTML page with figures",
     "Scores like evaluate, then writes DIR/index.html (default "
     "reports/<commodity>) with PNG figures: fan charts, CRPS and coverage by "
     "horizon, calibration (with a calibration summary table), PIT "
     "histograms, rolling skill, and the data check's findings of the "
     "store's series.",
     "store model_version models start end output model summary_json log_dir "
     "lock_wait max_gap spike_threshold spike_window stale_days",
     "pathcast report --job jobs/coffee.job --output reports/coffee",
     RUN_EXITS},
    {PC_CMD_MIGRATE, "pathcast migrate --job FILE",
     "rewrite a store's files of an older schema in the current one",
     "Rewrites every file of an older store schema (1: dates as text, no "
     "named dimensions) in the current one (2: netCDF-4 dimensions, CF "
     "time), file by file, each committed whole: the same values, content "
     "checksums and identity. pathcast reads both schemas; netCDF tools and "
     "xarray see named dimensions in schema 2 only. Takes the store's lock; "
     "resumable after any interruption; a second migrate changes nothing.",
     "store fsync lock_wait",
     "pathcast migrate --job jobs/coffee.job",
     "0 every file is in the current schema; 3 a damaged file was left as "
     "it is (named; the next run of the job rebuilds it); 2 bad input or no "
     "such store; 1 fatal I/O error; 4 stopped by a signal (migrate again "
     "to finish); 5 the store is in use by another writer"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* A linear search: there are a dozen commands and help is printed once. NULL
 * for PC_CMD_NONE, help and version, which have no page of their own. */
static const command_help *help_of(pc_command c) {
  for (size_t i = 0; i < NCOMMANDS; i++) {
    if (commands[i].command == c) {
      return &commands[i];
    }
  }
  return NULL;
}

/* Prints text wrapped at 78 columns, each line after the first indented.
 * Greedy word wrap for help that stays readable in an 80-column terminal. Words
 * are separated by single spaces (the texts above are written so); a word
 * longer than the line is printed whole on its own line rather than broken,
 * since breaking a key or a path would mislead more than a long line does. */
static void wrap(FILE *out, const char *text, int indent) {
  int col = indent;
  const char *p = text;
  while (*p != '\0') {
    size_t word = strcspn(p, " ");
    if (col > indent && col + 1 + (int)word > 78) {
      fprintf(out, "\n%*s", indent, "");
      col = indent;
    } else if (col > indent) {
      fputc(' ', out);
      col++;
    }
    fprintf(out, "%.*s", (int)word, p);
    col += (int)word;
    p += word;
    p += *p == ' ';
  }
  fputc('\n', out);
}

/* Looks a key up by pointer and length because the keys lists are one
 * space-separated string, not an array: no copy of each word is needed. */
static const opt_def *option_named(const char *key, size_t len) {
  for (size_t i = 0; i < pc_job_noptions; i++) {
    if (strlen(pc_job_options[i].key) == len &&
        strncmp(pc_job_options[i].key, key, len) == 0) {
      return &pc_job_options[i];
    }
  }
  return NULL;
}

/* Each key with its help and its default in brackets: "none" for an empty
 * default and the table's `shown` text for a key without one ("required by
 * runs", "start"), so the reader learns whether the command can run without it.
 */
static void print_keys(FILE *out, const char *keys) {
  for (const char *p = keys; *p != '\0';) {
    size_t len = strcspn(p, " ");
    const opt_def *o = option_named(p, len);
    if (o != NULL) {
      fprintf(out, "  %-16s ", o->key);
      char line[1024];
      snprintf(line, sizeof line, "%s [%s]", o->help,
               o->def ? (o->def[0] ? o->def : "none") : o->shown);
      wrap(out, line, 19);
    }
    p += len;
    p += *p == ' ';
  }
}

/* `pathcast COMMAND --help` and `pathcast help COMMAND`. The per-model keys are
 * only pointed to here: they depend on the model types, and the global help
 * lists them all once. */
void pc_job_print_command_help(pc_command c, FILE *out) {
  const command_help *h = help_of(c);
  if (h == NULL) {
    return;
  }
  fprintf(out, "usage: %s [--key value ...]\n\n", h->synopsis);
  wrap(out, h->what, 0);
  fprintf(out, "\njob keys (in the job file or as --key value) [default]:\n");
  print_keys(out, h->keys);
  if (strstr(h->keys, "models") != NULL) {
    fprintf(out, "  <model>.<key>    each model's own keys (pathcast --help "
                 "lists them)\n");
  }
  fprintf(out, "\nexample:\n  %s\n\nexit status: ", h->example);
  wrap(out, h->exits, 13);
}

/* Per-model keys come from each type's pc_param_def table, the same one that
 * validates them (pc_model_spec_set), so a new key of a model type appears here
 * without an edit to this file. */
static void print_model_keys(FILE *out) {
  fprintf(out, "\nper-model keys, as <model>.<key> (or <type>.<key> for every "
               "model of a type):\n");
  for (size_t t = 0; pc_model_types[t] != NULL; t++) {
    const pc_model_type *mt = pc_model_types[t];
    fprintf(out, "  %s: %s\n", mt->name, mt->description);
    for (size_t p = 0; p < mt->nparams; p++) {
      fprintf(out, "    %s.%-12s %s [%s]\n", mt->name, mt->params[p].key,
              mt->params[p].help, mt->params[p].def);
    }
  }
}

/* The global help, printed when no command (or help itself) is asked about. It
 * is produced without reading a job file, so it works on a machine with no data
 * or store at all. */
void pc_job_print_help(const pc_job *job, FILE *out) {
  if (job != NULL && job->help_for != PC_CMD_NONE) {
    pc_job_print_command_help(job->help_for, out);
    return;
  }
  fprintf(out, "usage: pathcast COMMAND [--job FILE] [--key value ...]\n"
               "       pathcast COMMAND --help   (that command's options, "
               "keys and exit statuses)\n\ncommands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++) {
    fprintf(out, "  %-9s %s\n", pc_command_name(commands[i].command),
            commands[i].summary);
  }
  fprintf(out, "\noptions: --job FILE, --help, --version, and every key below "
               "as --key value\n\nkeys [default]:\n");
  for (size_t i = 0; i < pc_job_noptions; i++) {
    fprintf(out, "  %-16s %s [%s]\n", pc_job_options[i].key,
            pc_job_options[i].help,
            pc_job_options[i].def ? pc_job_options[i].def
                                  : pc_job_options[i].shown);
  }
  print_model_keys(out);
  /* The union of every command's statuses in one line; README "Exit status" has
   * the full table and each command's own help says which apply to it. */
  fprintf(out, "\nexit status: 0 all done; 3 finished but some model/date "
               "failed, a damaged file was left out, or check flagged the "
               "data;\n2 bad input or usage; "
               "1 fatal; 4 stopped by a signal after saving progress; 5 store "
               "in use by another writer\n");
}
