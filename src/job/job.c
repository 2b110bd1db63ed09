/* Job settings: one option table drives parsing, validation, --help and the
 * echo of effective settings (IOR's option_help, see pathcast/job/job.h). */
#include "pathcast/job/job.h"
#include "pathcast/core/version.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/file.h"
#include "pathcast/core/version.h"

#include "job_internal.h"

/* FIELD gives the offset and size of a pc_job member, so one table row says
 * where its value lands: set_option writes through the offset, set_text bounds
 * its copy by the size. A key whose field changes type must change its kind
 * too, or the writes below go through the wrong pointer type. */
#define FIELD(f) offsetof(pc_job, f), sizeof(((pc_job *)0)->f)

/* The order of this table is the order of --help and of the settings echo in
 * rank 0's log (pathcast/job/job.h), so related keys stay together. A key whose
 * value changes stored results must also appear in pc_job_model_settings below
 * (docs/STORE.md, "Settings"); one that only says where things go or which
 * dates a run covers must not, or a store would refuse a job that differs in an
 * irrelevant key. min and max bound the numeric kinds only; def is parsed like
 * a user's value, so a bad default fails every run at once rather than hiding.
 */
const opt_def pc_job_options[] = {
    {"commodity", OPT_NAME, NULL, 0, 0, FIELD(commodity),
     "commodity name, recorded in the store (e.g. coffee)",
     "required by runs"},
    {"data", OPT_TEXT, NULL, 0, 0, FIELD(data),
     "CSV file: date,close[,covariate,...]", "required by runs"},
    {"models", OPT_MODELS, "naive,random_walk", 0, 0, FIELD(nmodels),
     "models to run: name or name:type, comma-separated", NULL},
    {"train_frequency", OPT_FREQ, "semiannually", 0, 0, FIELD(train_frequency),
     "training cadence: daily, weekly, biweekly, monthly, quarterly, "
     "semiannually, annually", NULL},
    {"train_anchor", OPT_DATE, NULL, 0, 0, FIELD(train_anchor),
     "first scheduled training date; schedule dates are anchor + k*step",
     "start"},
    {"model_version", OPT_VERSIONS, "v1.0", 0, 0, FIELD(model_versions),
     "version label stored with every result; export, models and evaluate "
     "take a list (v1.0,v2.0) to show versions side by side", NULL},
    {"start", OPT_DATE, NULL, 0, 0, FIELD(start),
     "first forecast date of train/forecast/backfill (YYYY-MM-DD or today)",
     "required by train, forecast, backfill"},
    {"end", OPT_DATE, NULL, 0, 0, FIELD(end),
     "last forecast date, inclusive (YYYY-MM-DD or today)",
     "required by train, forecast, backfill"},
    {"forecast_date", OPT_DATE, "today", 0, 0, FIELD(forecast_date),
     "the date of a daily run (today, or empty: today in UTC)", NULL},
    {"paths", OPT_INT, "2000", 1, 100000, FIELD(paths),
     "Monte Carlo paths per forecast", NULL},
    {"horizon", OPT_INT, "14", 1, 1000, FIELD(horizon),
     "trading days per path", NULL},
    {"calendar", OPT_CAL, "weekdays", 0, 0, FIELD(calendar),
     "trading calendar: weekdays or daily", NULL},
    {"holidays", OPT_TEXT, "", 0, 0, FIELD(holidays),
     "file of ISO dates that are not trading days (none by default)", NULL},
    {"seed", OPT_U64, "1", 0, 0, FIELD(seed), "random seed of the job", NULL},
    {"store", OPT_TEXT, NULL, 0, 0, FIELD(store), "store directory",
     "required"},
    {"log_dir", OPT_TEXT, "logs", 0, 0, FIELD(log_dir),
     "per-run log folders go here", NULL},
    {"min_history", OPT_LONG, "250", 2, 1e9, FIELD(min_history),
     "observations required before a training date", NULL},
    {"max_gap", OPT_LONG, "5", 0, 1e6, FIELD(max_gap),
     "a forecast fails when more trading days than this lie between the "
     "last observation and the forecast date (stale data); the data check "
     "reports more than this between two closes as a gap", NULL},
    {"catch_up", OPT_LONG, "10", 0, 1000, FIELD(catch_up),
     "daily: also forecast the trading days of the last catch_up days before "
     "forecast_date that the store lacks (missed runs, failures that can now "
     "succeed); 0 turns it off", NULL},
    {"lock_wait", OPT_LONG, "0", 0, 86400, FIELD(lock_wait),
     "seconds a writer waits for the store's lock before giving up (exit 5)",
     NULL},
    {"outliers", OPT_OUTLIERS, "flag", 0, 0, FIELD(outliers),
     "isolated spikes and stale closes of the data (pathcast check): keep "
     "(not checked), flag (reported by runs), clean (reported, and hidden "
     "from the models as missing closes; never from the actuals)", NULL},
    {"spike_threshold", OPT_LONG, "8", 2, 1000, FIELD(spike_threshold),
     "a spike is a move beyond this many robust standard deviations "
     "(1.4826 MAD of the trailing spike_window returns) that the next close "
     "reverses", NULL},
    {"spike_window", OPT_LONG, "60", 20, 1000, FIELD(spike_window),
     "trailing daily returns of the spike test's robust standard deviation",
     NULL},
    {"stale_days", OPT_LONG, "5", 1, 1000, FIELD(stale_days),
     "a close repeated more than this many times in a row is stale", NULL},
    {"fsync", OPT_YESNO, "yes", 0, 0, FIELD(fsync),
     "flush each committed store file to disk (yes: survives power loss; "
     "no: survives process crashes only, faster on slow disks)", NULL},
    {"summary_json", OPT_TEXT, "", 0, 0, FIELD(summary_json),
     "also write the run's counts as JSON to this file", NULL},
    {"output", OPT_TEXT, "", 0, 0, FIELD(output),
     "export: write the CSV here instead of standard output; report: the "
     "folder of the page (default reports/<commodity>)", NULL},
    {"format", OPT_FORMAT, "auto", 0, 0, FIELD(format),
     "auto, table, json, or csv (evaluate); auto is a table, except that "
     "evaluate writes CSV when its output is not a terminal", NULL},
    {"by", OPT_BY, "horizon", 0, 0, FIELD(by),
     "evaluate: average scores by horizon, month or year, or one row per "
     "model (model: every horizon pooled)", NULL},
    {"levels", OPT_LEVELS, "0.05,0.5,0.95", 0, 0, FIELD(levels_text),
     "export --format quantiles: the quantile levels (type 7, as evaluate)",
     NULL},
    {"with_dates", OPT_YESNO, "no", 0, 0, FIELD(with_dates),
     "export: also give the trading date of every day (day_1_date.."
     "day_H_date)", NULL},
    {"baseline", OPT_TEXT, "random_walk", 0, 0, FIELD(baseline),
     "evaluate, report: the model of the job the skill columns compare "
     "against (1 - score / its score)", NULL},
    {"model", OPT_TEXT, "", 0, 0, FIELD(model_filter),
     "only these models of the job (NAME[,NAME...]); the job's keys for the "
     "others stay valid", NULL},
};
const size_t pc_job_noptions = sizeof pc_job_options / sizeof pc_job_options[0];


/* One `key = value` setting and where it came from, for messages. */
typedef struct {
  char key[128];
  char *value;
  char origin[PC_TEXT_MAX + 32];
} entry;

typedef struct {
  /* The entries of one parse: the job file's lines first, then the command
   * line's options, so that "the last setting wins" is a backward scan. The
   * list owns every value (strdup) and entries_free releases them. */
  entry *v;
  size_t n, cap;
} entry_list;

/* Indexed by pc_command, so a new command needs its word here as well as in the
 * enum; command_of scans PC_CMD_FIRST..PC_CMD_LAST and never sees the empty
 * name of PC_CMD_NONE. */
static const char *const command_names[] = {
    [PC_CMD_NONE] = "", [PC_CMD_TRAIN] = "train",
    [PC_CMD_FORECAST] = "forecast", [PC_CMD_BACKFILL] = "backfill",
    [PC_CMD_DAILY] = "daily", [PC_CMD_MODELS] = "models",
    [PC_CMD_EXPORT] = "export", [PC_CMD_STATUS] = "status",
    [PC_CMD_VERIFY] = "verify", [PC_CMD_CHECK] = "check",
    [PC_CMD_EVALUATE] = "evaluate", [PC_CMD_REPORT] = "report",
    [PC_CMD_MIGRATE] = "migrate",
    [PC_CMD_HELP] = "help",
    [PC_CMD_VERSION] = "version",
};

const char *pc_command_name(pc_command c) { return command_names[c]; }

/* ---- entries ----------------------------------------------------------- */

static void entries_free(entry_list *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->v[i].value);
  }
  free(l->v);
  memset(l, 0, sizeof *l);
}

/* Copies key, value and origin, so callers may pass stack buffers or argv. The
 * key is bounded because it is compared and printed, never stored in the job;
 * the origin ("file:line" or "command line option --key") is what every later
 * error message about this setting names. */
static pc_status entries_add(entry_list *l, const char *key, const char *value,
                             const char *origin, pc_error *e) {
  if (strlen(key) >= sizeof l->v[0].key) {
    return pc_error_set(e, PC_INPUT, "%s: key is too long", origin);
  }
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    entry *grown = realloc(l->v, cap * sizeof *grown);
    if (grown == NULL) {
      return pc_error_set(e, PC_NOMEM, "out of memory");
    }
    l->v = grown;
    l->cap = cap;
  }
  entry *en = &l->v[l->n];
  snprintf(en->key, sizeof en->key, "%s", key);
  snprintf(en->origin, sizeof en->origin, "%s", origin);
  en->value = strdup(value);
  if (en->value == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  l->n++;
  return PC_OK;
}

/* The last setting of a key wins: the command line comes after the file. */
static const entry *entries_last(const entry_list *l, const char *key) {
  for (size_t i = l->n; i-- > 0;) {
    if (strcmp(l->v[i].key, key) == 0) {
      return &l->v[i];
    }
  }
  return NULL;
}

/* ---- the job file ------------------------------------------------------ */

/* Trims in place and returns a pointer into s: the caller keeps owning the
 * buffer (a getline line or a strdup copy). */
static char *trim(char *s) {
  while (isspace((unsigned char)*s)) {
    s++;
  }
  char *end = s + strlen(s);
  while (end > s && isspace((unsigned char)end[-1])) {
    *--end = '\0';
  }
  return s;
}

/* A '#' starts a comment at the start of a line or after white space, so a
 * '#' inside a value (a path, say) survives. */
static void strip_comment(char *line) {
  for (char *p = line; *p != '\0'; p++) {
    if (*p == '#' && (p == line || isspace((unsigned char)p[-1]))) {
      *p = '\0';
      return;
    }
  }
}

/* One line of a job file: blank and comment lines are skipped; anything else
 * must be `key = value`. A key set twice in the same file is refused
 * (first_entry marks where this file's entries start) because a silent override
 * inside one file is almost always a copy-and-paste mistake; a command line
 * option overriding the file is the intended use and is not checked here. */
static pc_status parse_job_line(entry_list *l, const char *path, size_t lineno,
                                char *line, size_t first_entry, pc_error *e) {
  strip_comment(line);
  char *s = trim(line);
  if (*s == '\0') {
    return PC_OK;
  }
  char *eq = strchr(s, '=');
  if (eq == NULL) {
    return pc_error_set(e, PC_INPUT,
                        "%s:%zu: expected 'key = value', found '%s'", path,
                        lineno, s);
  }
  *eq = '\0';
  char *key = trim(s), *value = trim(eq + 1);
  if (*key == '\0') {
    return pc_error_set(e, PC_INPUT, "%s:%zu: missing key before '='", path,
                        lineno);
  }
  for (size_t i = first_entry; i < l->n; i++) {
    if (strcmp(l->v[i].key, key) == 0) {
      return pc_error_set(e, PC_INPUT,
                          "%s:%zu: duplicate key '%s' (first set at %s)", path,
                          lineno, key, l->v[i].origin);
    }
  }
  char origin[PC_TEXT_MAX + 32];
  snprintf(origin, sizeof origin, "%s:%zu", path, lineno);
  return entries_add(l, key, value, origin, e);
}

/* Reads the whole file before anything is applied, so a later line's error is
 * reported even if an earlier key is also wrong: the first error wins, as
 * everywhere in pathcast, and names file and line. getline grows one buffer for
 * all lines, so there is no line-length limit. */
static pc_status read_job_file(entry_list *l, const char *path, pc_error *e) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    return pc_error_set(e, PC_INPUT, "%s: cannot open job file: %s", path,
                        strerror(errno));
  }
  char *line = NULL;
  size_t cap = 0, lineno = 0, first = l->n;
  pc_status st = PC_OK;
  while (st == PC_OK && getline(&line, &cap, f) >= 0) {
    lineno++;
    st = parse_job_line(l, path, lineno, line, first, e);
  }
  free(line);
  fclose(f);
  return st;
}

/* ---- the command line -------------------------------------------------- */

/* The first word of the command line. `help`, `--help`, `-h` and `--version`
 * are accepted as commands so that `pathcast --help` works without a job;
 * anything else unknown is PC_CMD_NONE, which pc_job_from_args turns into the
 * list of valid commands. */
static pc_command command_of(const char *word) {
  for (int c = PC_CMD_FIRST; c <= PC_CMD_LAST; c++) {
    if (strcmp(word, command_names[c]) == 0) {
      return (pc_command)c;
    }
  }
  if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 ||
      strcmp(word, "help") == 0) {
    return PC_CMD_HELP;
  }
  if (strcmp(word, "--version") == 0) {
    return PC_CMD_VERSION;
  }
  return PC_CMD_NONE;
}

static const opt_def *option_find(const char *key);

/* A yes/no key written without a value (the end of the line, or another
 * option next) is a flag that says yes. */
static bool is_flag(const char *key, const char *next) {
  const opt_def *o = option_find(key);
  return o != NULL && o->kind == OPT_YESNO &&
         (next == NULL || strncmp(next, "--", 2) == 0);
}

/* Accepts `--key value` and `--key=value`; dashes in keys may be written as
 * underscores or dashes (--summary-json, --train_frequency).
 * argv[1] is the command (already read), so options start at argv[2]. The value
 * of `--job` is not an entry: it names the file the entries are read from, and
 * is kept in job->job_path for the rebuild hints. Dashes are turned into
 * underscores only up to the first '.': the model prefix and the job keys never
 * hold '-', while the part after the dot is passed to the model's own table as
 * written. */
static pc_status parse_cli(entry_list *l, pc_job *job, int argc, char **argv,
                           pc_error *e) {
  for (int i = 2; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      job->help_for = job->command; /* `pathcast daily --help` */
      job->command = PC_CMD_HELP;
      return PC_OK;
    }
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
      return pc_error_set(e, PC_INPUT, "unexpected argument '%s' (options are "
                          "--key value; see pathcast --help)", arg);
    }
    char key[128];
    snprintf(key, sizeof key, "%s", arg + 2);
    char *eq = strchr(key, '=');
    if (eq != NULL) {
      *eq = '\0';
    }
    for (char *p = key; *p != '\0' && *p != '.'; p++) {
      *p = *p == '-' ? '_' : *p;
    }
    const char *value = NULL;
    if (eq != NULL) {
      value = strchr(arg, '=') + 1;
    } else if (is_flag(key, i + 1 < argc ? argv[i + 1] : NULL)) {
      value = "yes"; /* `--with-dates` alone: a yes/no key says yes */
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return pc_error_set(e, PC_INPUT, "option --%s needs a value", key);
    }
    if (strcmp(key, "job") == 0) {
      snprintf(job->job_path, sizeof job->job_path, "%s", value);
      continue;
    }
    char origin[160];
    snprintf(origin, sizeof origin, "command line option --%s", key);
    pc_status st = entries_add(l, key, value, origin, e);
    if (st != PC_OK) {
      return st;
    }
  }
  return PC_OK;
}

/* ---- values ------------------------------------------------------------ */

/* A linear scan: the table has about forty rows and is searched a few times per
 * key while a job is read, never in a loop over dates or paths. */
static const opt_def *option_find(const char *key) {
  for (size_t i = 0; i < pc_job_noptions; i++) {
    if (strcmp(pc_job_options[i].key, key) == 0) {
      return &pc_job_options[i];
    }
  }
  return NULL;
}

/* The valid keys for "unknown key" messages; a list that would not fit is cut
 * off silently, which only shortens the message. */
static void option_names(char *buf, size_t len) {
  buf[0] = '\0';
  for (size_t i = 0; i < pc_job_noptions; i++) {
    pc_names_append(buf, len, pc_job_options[i].key);
  }
}

/* The job's model names, comma-separated, for "not a model of this job"
 * messages; like option_names, a list that would not fit is cut off. */
static void model_names(const pc_job *job, char *buf, size_t len) {
  buf[0] = '\0';
  for (size_t m = 0; m < job->nmodels; m++) {
    pc_names_append(buf, len, job->models[m].name);
  }
}

/* strtol with an end-pointer check, never atoi (STYLE 8): "12x", "" and values
 * beyond long are refused with the origin and key. The bounds of the table are
 * doubles so that one column serves int and long keys; every bound in the table
 * is an exact integer below 2^53, so the comparison is exact. */
static pc_status set_number(const opt_def *o, void *field, const char *v,
                            const char *origin, pc_error *e) {
  char *end = NULL;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (end == v || *end != '\0' || errno != 0) {
    return pc_error_set(e, PC_INPUT, "%s: %s: '%s' is not an integer", origin,
                        o->key, v);
  }
  if ((double)n < o->min || (double)n > o->max) {
    return pc_error_set(e, PC_INPUT, "%s: %s: %ld is out of range [%.0f, %.0f]",
                        origin, o->key, n, o->min, o->max);
  }
  if (o->kind == OPT_INT) {
    *(int *)field = (int)n;
  } else {
    *(long *)field = n;
  }
  return PC_OK;
}

/* The seed. strtoull accepts a leading '-' and negates it modulo 2^64, so a
 * sign is refused explicitly: `seed = -1` must not silently become
 * 18446744073709551615. */
static pc_status set_u64(const opt_def *o, uint64_t *field, const char *v,
                         const char *origin, pc_error *e) {
  char *end = NULL;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (end == v || *end != '\0' || errno != 0 || v[0] == '-' || v[0] == '+') {
    return pc_error_set(e, PC_INPUT,
                        "%s: %s: '%s' is not an integer in [0, 2^64-1]",
                        origin, o->key, v);
  }
  *field = (uint64_t)n;
  return PC_OK;
}

static pc_status set_date(const opt_def *o, pc_date *field, const char *v,
                          const char *origin, pc_error *e) {
  /* Every date takes `today` (UTC); an empty forecast_date is today too
   * (a scheduler leaves it empty), an empty other date is not set. */
  int is_forecast_date = strcmp(o->key, "forecast_date") == 0;
  if (strcmp(v, "today") == 0 || (*v == '\0' && is_forecast_date)) {
    *field = pc_date_today_utc();
    return PC_OK;
  }
  if (*v == '\0') {
    *field = PC_DATE_NONE;
    return PC_OK;
  }
  if (pc_date_outside_domain(v)) {
    return pc_error_set(e, PC_INPUT, "%s: %s: %s is outside the supported "
                        "range " PC_DATE_DOMAIN, origin, o->key, v);
  }
  if (!pc_date_parse(v, field)) {
    return pc_error_set(e, PC_INPUT, "%s: %s: '%s' is not a date (expected "
                        "YYYY-MM-DD or today)", origin, o->key, v);
  }
  return PC_OK;
}

/* A value longer than its field is refused rather than truncated: a cut store
 * path or data file name would point somewhere else without a word. */
static pc_status set_text(const opt_def *o, char *field, const char *v,
                          const char *origin, pc_error *e) {
  if (strlen(v) >= o->size) {
    return pc_error_set(e, PC_INPUT, "%s: %s: value is too long (%zu bytes at "
                        "most)", origin, o->key, o->size - 1);
  }
  /* A name becomes a folder or a label in the store: one rule for all
   * (pathcast/core/name.h).  Only an option whose default is empty may be
   * empty. */
  bool may_be_empty = o->def != NULL && o->def[0] == '\0';
  if (o->kind == OPT_NAME && !(may_be_empty && *v == '\0') &&
      !pc_name_valid(v)) {
    return pc_error_set(e, PC_INPUT, "%s: %s: '%s' is not a valid name (%s)",
                        origin, o->key, v, PC_NAME_RULE);
  }
  snprintf(field, o->size, "%s", v);
  return PC_OK;
}

/* The keys with a fixed set of words. Each branch lists the valid words in its
 * message, and stores the value in the representation the rest of the program
 * reads (an enum for frequency and calendar, the word itself for the others).
 * OPT_FORMAT accepts every word any command prints here; which words a given
 * command accepts is check_format's business, once the command is known. */
static pc_status set_choice(const opt_def *o, pc_job *job, const char *v,
                            const char *origin, pc_error *e) {
  if (o->kind == OPT_FREQ) {
    if (!pc_freq_parse(v, &job->train_frequency)) {
      return pc_error_set(e, PC_INPUT, "%s: train_frequency: '%s' is not one "
                          "of %s", origin, v, pc_freq_names());
    }
  } else if (o->kind == OPT_CAL) {
    if (strcmp(v, "weekdays") != 0 && strcmp(v, "daily") != 0) {
      return pc_error_set(e, PC_INPUT, "%s: calendar: '%s' is not one of "
                          "weekdays, daily", origin, v);
    }
    job->calendar.kind = v[0] == 'w' ? PC_CAL_WEEKDAYS : PC_CAL_DAILY;
  } else if (o->kind == OPT_YESNO) {
    if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
      return pc_error_set(e, PC_INPUT, "%s: %s: '%s' is not one of yes, no",
                          origin, o->key, v);
    }
    snprintf((char *)job + o->offset, o->size, "%s", v);
  } else if (o->kind == OPT_BY) {
    if (strcmp(v, "horizon") != 0 && strcmp(v, "month") != 0 &&
        strcmp(v, "year") != 0 && strcmp(v, "model") != 0) {
      return pc_error_set(e, PC_INPUT, "%s: by: '%s' is not one of horizon, "
                          "month, year, model", origin, v);
    }
    snprintf(job->by, sizeof job->by, "%s", v);
  } else if (o->kind == OPT_OUTLIERS) {
    if (strcmp(v, "keep") != 0 && strcmp(v, "flag") != 0 &&
        strcmp(v, "clean") != 0) {
      return pc_error_set(e, PC_INPUT, "%s: outliers: '%s' is not one of "
                          "keep, flag, clean", origin, v);
    }
    snprintf(job->outliers, sizeof job->outliers, "%s", v);
  } else {
    if (strcmp(v, "auto") != 0 && strcmp(v, "table") != 0 &&
        strcmp(v, "json") != 0 && strcmp(v, "csv") != 0 &&
        strcmp(v, "quantiles") != 0) {
      return pc_error_set(e, PC_INPUT, "%s: format: '%s' is not one of "
                          "auto, table, csv, json, quantiles", origin, v);
    }
    snprintf(job->format, sizeof job->format, "%s", v);
  }
  return PC_OK;
}

/* ---- models ------------------------------------------------------------ */

/* A model name becomes a folder of the store and a label in outputs, so it is
 * restricted further than pc_name_valid (which allows '.', '-' and upper case):
 * lower case, digits and '_', a letter first, so that two models never differ
 * only in case (one folder on a case-insensitive file system), and a '.' in
 * a name cannot make `<model>.<key>` ambiguous (apply_model_key splits at the
 * first '.'). */
static bool model_name_ok(const char *s) {
  if (!islower((unsigned char)s[0])) {
    return false;
  }
  for (const char *p = s; *p != '\0'; p++) {
    if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
        *p != '_') {
      return false;
    }
  }
  return strlen(s) < PC_MODEL_NAME_MAX;
}

/* One `name` or `name:type` item of the models key. `name` alone means a model
 * named like its type (the default list's `naive`, `random_walk`). The spec
 * starts with the type's default keys; per-model keys are applied later by
 * apply_entries. job->models was sized by set_models for every item, so the
 * index nmodels is always in bounds. */
static pc_status add_model(pc_job *job, char *item, const char *origin,
                           pc_error *e) {
  char *colon = strchr(item, ':');
  char *name = trim(item), *type_name = name;
  if (colon != NULL) {
    *colon = '\0';
    name = trim(item);
    type_name = trim(colon + 1);
  }
  char valid[512];
  pc_model_type_names(valid, sizeof valid);
  const pc_model_type *t = pc_model_type_find(type_name);
  if (t == NULL) {
    return pc_error_set(e, PC_INPUT,
                        "%s: models: unknown model '%s' (valid: %s)", origin,
                        type_name, valid);
  }
  if (!model_name_ok(name)) {
    return pc_error_set(e, PC_INPUT, "%s: models: bad model name '%s' (use "
                        "lower-case letters, digits and '_', starting with a "
                        "letter)", origin, name);
  }
  if (pc_job_find_model(job, name) >= 0) {
    return pc_error_set(e, PC_INPUT, "%s: models: '%s' is listed twice", origin,
                        name);
  }
  pc_status st = pc_model_spec_init(&job->models[job->nmodels], name, t);
  if (st == PC_OK) {
    job->nmodels++;
  }
  return st;
}

/* job->models is allocated for the number of commas plus one, an upper bound on
 * the items (strtok_r skips empty ones), and is owned by the job: pc_job_fini
 * frees it and every spec in it. The value is parsed on a copy because strtok_r
 * writes into its argument. */
static pc_status set_models(pc_job *job, const char *v, const char *origin,
                            pc_error *e) {
  char *copy = strdup(v);
  size_t items = 1;
  for (const char *p = v; *p != '\0'; p++) {
    items += *p == ',';
  }
  job->models = calloc(items, sizeof *job->models);
  if (copy == NULL || job->models == NULL) {
    free(copy);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  pc_status st = PC_OK;
  char *save = NULL;
  for (char *it = strtok_r(copy, ",", &save); it != NULL && st == PC_OK;
       it = strtok_r(NULL, ",", &save)) {
    st = add_model(job, it, origin, e);
  }
  free(copy);
  if (st == PC_OK && job->nmodels == 0) {
    st = pc_error_set(e, PC_INPUT, "%s: models: the list is empty", origin);
  }
  return st;
}

/* Index of a model of the job by name, or -1. Names are unique (add_model
 * refuses duplicates), so the first match is the only one. */
long pc_job_find_model(const pc_job *job, const char *name) {
  for (size_t i = 0; i < job->nmodels; i++) {
    if (strcmp(job->models[i].name, name) == 0) {
      return (long)i;
    }
  }
  return -1;
}

/* The one dispatcher from a table row to its parser: every kind lands here, so
 * a new kind needs a row in opt_kind, a case here (or in set_choice) and a case
 * in print_value. */
static pc_status set_option(pc_job *job, const opt_def *o, const char *v,
                            const char *origin, pc_error *e) {
  void *field = (char *)job + o->offset;
  switch (o->kind) {
  case OPT_TEXT:
  case OPT_NAME:
    return set_text(o, field, v, origin, e);
  case OPT_DATE:
    return set_date(o, field, v, origin, e);
  case OPT_INT:
  case OPT_LONG:
    return set_number(o, field, v, origin, e);
  case OPT_U64:
    return set_u64(o, field, v, origin, e);
  case OPT_MODELS:
    return set_models(job, v, origin, e);
  case OPT_VERSIONS:
    return pc_job_set_versions(job, v, origin, e);
  case OPT_LEVELS:
    return pc_job_set_levels(job, v, origin, e);
  default:
    return set_choice(o, job, v, origin, e);
  }
}

/* Per-model keys `<prefix>.<key>`: a prefix naming a model type sets every
 * model of that type (the first pass), and a prefix naming a model of the
 * job sets that model (the second pass, so it wins).  So `arima.max_p` is a
 * default for all ARIMA variants and `arima_111.order` is one variant's own;
 * in the default list the model `random_walk` is named like its type, and
 * `random_walk.lookback` is both its own key and the type's default. */
static pc_status apply_model_key(pc_job *job, const entry *en, bool by_type,
                                 bool *used, pc_error *e) {
  const char *dot = strchr(en->key, '.');
  char prefix[PC_MODEL_NAME_MAX];
  size_t plen = (size_t)(dot - en->key);
  if (plen >= sizeof prefix) {
    return PC_OK;
  }
  memcpy(prefix, en->key, plen);
  prefix[plen] = '\0';
  for (size_t i = 0; i < job->nmodels; i++) {
    pc_model_spec *m = &job->models[i];
    bool match = by_type ? strcmp(m->type->name, prefix) == 0
                         : strcmp(m->name, prefix) == 0;
    if (!match) {
      continue;
    }
    *used = true;
    pc_status st = pc_model_spec_set(m, dot + 1, en->value, e);
    if (st != PC_OK) {
      char msg[sizeof e->msg];
      snprintf(msg, sizeof msg, "%s", e->msg);
      return pc_error_set(e, st, "%s: %s", en->origin, msg);
    }
  }
  return PC_OK;
}

/* Unknown keys are refused, never ignored (STYLE 8): a misspelt key would
 * otherwise leave its default in force without a trace. A dotted key gets its
 * own message because the usual mistake is a model prefix that is not in this
 * job's models list. */
static pc_status unknown_key(const entry *en, const pc_job *job, pc_error *e) {
  char keys[1024], types[512];
  option_names(keys, sizeof keys);
  pc_model_type_names(types, sizeof types);
  if (strchr(en->key, '.') != NULL) {
    return pc_error_set(e, PC_INPUT, "%s: unknown key '%s': '%.*s' is not a "
                        "model of this job (%zu model(s); per-model keys are "
                        "<model>.<key>)", en->origin, en->key,
                        (int)(strchr(en->key, '.') - en->key), en->key,
                        job->nmodels);
  }
  return pc_error_set(e, PC_INPUT, "%s: unknown key '%s' (valid keys: %s; and "
                      "<model>.<key> for a model's own settings)",
                      en->origin, en->key, keys);
}

/* Every job key is set exactly once, from its last entry or else from its
 * default; a key without either stays as job_defaults left it (zero or
 * PC_DATE_NONE), and check_required decides whether the command needs it. */
static pc_status apply_options(pc_job *job, const entry_list *l,
                               pc_error *e) {
  for (size_t i = 0; i < pc_job_noptions; i++) {
    const entry *en = entries_last(l, pc_job_options[i].key);
    const char *v = en ? en->value : pc_job_options[i].def;
    if (v == NULL) {
      continue;
    }
    pc_status st = set_option(job, &pc_job_options[i], v,
                              en ? en->origin : "default", e);
    if (st != PC_OK) {
      return st;
    }
  }
  return PC_OK;
}

/* ---- keys that name other models of the job (PC_PARAM_MODELS) --------- */

/* Where model m's key came from: "file:line: " (its own key, else its
 * type's), or "" for the default.
 * Used only to prefix error messages of list-valued model keys; an empty prefix
 * means the value is the type's default. */
static void key_origin(const pc_model_spec *s, const char *key,
                       const entry_list *l, char *buf, size_t len) {
  char own[160], typed[160];
  snprintf(own, sizeof own, "%s.%s", s->name, key);
  snprintf(typed, sizeof typed, "%s.%s", s->type->name, key);
  const entry *en = entries_last(l, own);
  en = en != NULL ? en : entries_last(l, typed);
  snprintf(buf, len, "%s%s", en ? en->origin : "", en ? ": " : "");
}

/* One name of model m's list key p: a model of the job, not m itself, not
 * one that combines models in turn (an ensemble of ensembles would make a
 * training fit models that fit models). */
static pc_status check_listed_model(const pc_job *job, size_t m, size_t p,
                                    const char *name, size_t len,
                                    const char *origin, pc_error *e) {
  const pc_model_spec *s = &job->models[m];
  char one[PC_MODEL_NAME_MAX];
  snprintf(one, sizeof one, "%.*s", (int)len, name);
  long i = pc_job_find_model(job, one);
  if (i < 0) {
    char names[1024];
    model_names(job, names, sizeof names);
    return pc_error_set(e, PC_INPUT, "%s%s.%s: '%s' is not a model of this "
                        "job (its models: %s)", origin, s->name,
                        s->type->params[p].key, one, names);
  }
  if ((size_t)i == m) {
    return pc_error_set(e, PC_INPUT, "%s%s.%s: '%s' is this model itself",
                        origin, s->name, s->type->params[p].key, one);
  }
  if (pc_model_type_combines(job->models[i].type)) {
    return pc_error_set(e, PC_INPUT, "%s%s.%s: '%s' combines models itself "
                        "(model type %s; they do not nest)", origin,
                        s->name, s->type->params[p].key, one,
                        job->models[i].type->name);
  }
  return PC_OK;
}

/* Run after every model key is applied, because a list key (an ensemble's
 * members) may name models listed after it. The settings text length check is
 * here rather than at store time so that an over-long combination fails when
 * the job is read (exit 2), before any rank has done work. */
static pc_status check_model_lists(const pc_job *job, size_t m,
                                   const entry_list *l, pc_error *e) {
  const pc_model_spec *s = &job->models[m];
  pc_status st = PC_OK;
  for (size_t p = 0; p < s->type->nparams && st == PC_OK; p++) {
    if (s->type->params[p].kind != PC_PARAM_MODELS) {
      continue;
    }
    char origin[PC_TEXT_MAX + 64];
    key_origin(s, s->type->params[p].key, l, origin, sizeof origin);
    const char *cursor = s->values[p], *name = NULL;
    size_t len;
    while (st == PC_OK && (len = pc_name_list_next(&cursor, &name)) > 0) {
      st = check_listed_model(job, m, p, name, len, origin, e);
    }
  }
  /* The settings text of a model that combines others holds theirs: it
   * must fit where the store keeps settings. */
  char text[PC_SETTINGS_MAX];
  if (st == PC_OK &&
      pc_job_model_settings(job, m, text, sizeof text) >= sizeof text) {
    st = pc_error_set(e, PC_INPUT, "%s: its settings with those of the "
                      "models it combines are longer than %d bytes (fewer "
                      "models or keys)", s->name, PC_SETTINGS_MAX - 1);
  }
  return st;
}

/* Applies options first (so `models` is known), then type-wide model keys,
 * then model-specific ones, each in file-then-command-line order so the last
 * setting wins.  A key no pass used is unknown. */
static pc_status apply_entries(pc_job *job, const entry_list *l, pc_error *e) {
  pc_status st = apply_options(job, l, e);
  bool *used = calloc(l->n ? l->n : 1, sizeof *used);
  if (used == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (int pass = 0; pass < 2 && st == PC_OK; pass++) {
    for (size_t i = 0; i < l->n && st == PC_OK; i++) {
      if (option_find(l->v[i].key) != NULL) {
        used[i] = true;
      } else if (strchr(l->v[i].key, '.') != NULL) {
        st = apply_model_key(job, &l->v[i], pass == 0, &used[i], e);
      }
    }
  }
  for (size_t i = 0; i < l->n && st == PC_OK; i++) {
    if (!used[i]) {
      st = unknown_key(&l->v[i], job, e);
    }
  }
  free(used);
  for (size_t m = 0; m < job->nmodels && st == PC_OK; m++) {
    st = check_model_lists(job, m, l, e);
  }
  return st;
}

/* ---- what each command needs ------------------------------------------ */

/* --model restricts which models a command works on; with no filter every model
 * of the job is selected. The comparison is on whole names, so `--model arima`
 * does not select `arima_111`. */
bool pc_job_model_selected(const pc_job *job, size_t m) {
  if (job->model_filter[0] == '\0') {
    return true;
  }
  const char *cursor = job->model_filter, *name = NULL;
  size_t len;
  while ((len = pc_name_list_next(&cursor, &name)) > 0) {
    if (len == strlen(job->models[m].name) &&
        strncmp(name, job->models[m].name, len) == 0) {
      return true;
    }
  }
  return false;
}

/* The first date of a daily run's catch-up window: catch_up trading days before
 * d on the job's calendar (holidays skipped), so the window covers the same
 * number of trading days whatever weekends and holidays fall in it. */
pc_date pc_job_catch_up_start(const pc_job *job, pc_date d) {
  pc_date first = d;
  for (long k = 0; k < job->catch_up; k++) {
    first = pc_calendar_prev(&job->calendar, first);
  }
  return first;
}

/* A model is scored when selected, and the baseline always, because the skill
 * columns of the selected models divide by the baseline's scores. */
bool pc_job_model_scored(const pc_job *job, size_t m) {
  return pc_job_model_selected(job, m) ||
         strcmp(job->models[m].name, job->baseline) == 0;
}

long pc_job_baseline(const pc_job *job) {
  return pc_job_find_model(job, job->baseline);
}

/* A baseline named on purpose must be a model of the job; the default may
 * be missing (a job without random_walk has no skill columns to fill). */
static pc_status check_baseline(const pc_job *job, pc_error *e) {
  if (pc_job_baseline(job) >= 0 || strcmp(job->baseline, "random_walk") == 0) {
    return PC_OK;
  }
  char names[1024];
  model_names(job, names, sizeof names);
  return pc_error_set(e, PC_INPUT, "baseline: '%s' is not a model of this job "
                      "(its models: %s)", job->baseline, names);
}

/* Every name of --model must be a model of the job. */
static pc_status check_model_filter(const pc_job *job, pc_error *e) {
  const char *cursor = job->model_filter, *name = NULL;
  size_t len, count = 0;
  while ((len = pc_name_list_next(&cursor, &name)) > 0) {
    char one[PC_MODEL_NAME_MAX];
    snprintf(one, sizeof one, "%.*s", (int)(len < sizeof one ? len : 0), name);
    if (len >= sizeof one || pc_job_find_model(job, one) < 0) {
      return pc_error_set(e, PC_INPUT, "--model %.*s is not a model of this "
                          "job", (int)len, name);
    }
    count++;
  }
  if (count == 0 && job->model_filter[0] != '\0') {
    return pc_error_set(e, PC_INPUT, "--model %s names no model",
                        job->model_filter);
  }
  return PC_OK;
}

/* The command a message suggests to recompute a range. "FILE" stands in when
 * the job came from the command line alone, since there is no job file to name;
 * the hint is advice printed to the user, never executed. */
void pc_job_rebuild_hint(const pc_job *job, const char *model, pc_date first,
                         pc_date last, char *buf, size_t len) {
  char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
  snprintf(buf, len, "pathcast backfill --job %s --model %s --start %s --end "
           "%s", job->job_path[0] ? job->job_path : "FILE", model,
           pc_date_format(first, a), pc_date_format(last, b));
}

/* A forecast partition is a calendar month (docs/STORE.md); the hint covers its
 * first to its last day, which may include non-trading days: backfill forecasts
 * only trading days, so that is harmless. */
void pc_job_rebuild_month_hint(const pc_job *job, const char *model,
                               int32_t month, char *buf, size_t len) {
  pc_job_rebuild_hint(job, model, pc_month_first_day(month),
                      pc_month_first_day(month + 1) - 1, buf, len);
}

/* A backfill from T to the day before the next training date plans the
 * training at T (and finds that period's forecasts stored). */
void pc_job_rebuild_trained_hint(const pc_job *job, const char *model,
                                 pc_date training_date, char *buf,
                                 size_t len) {
  pc_date next = job->train_anchor == PC_DATE_NONE
                     ? training_date + 1
                     : pc_schedule_after(job->train_frequency,
                                         job->train_anchor, training_date);
  pc_job_rebuild_hint(job, model, training_date, next - 1, buf, len);
}

bool pc_command_scores(pc_command c) {
  return c == PC_CMD_EVALUATE || c == PC_CMD_REPORT;
}

/* The commands that write results and so need data, a commodity and a training
 * schedule; the read-only commands and the scoring commands work from what the
 * store holds. */
static bool is_run_command(pc_command c) {
  return c == PC_CMD_TRAIN || c == PC_CMD_FORECAST || c == PC_CMD_BACKFILL ||
         c == PC_CMD_DAILY;
}

static pc_status require(const pc_job *job, const char *key, bool present,
                         pc_error *e) {
  if (present) {
    return PC_OK;
  }
  return pc_error_set(e, PC_INPUT, "%s needs the key '%s' (in the job file "
                      "or as --%s)", pc_command_name(job->command), key, key);
}

static pc_status check_range(pc_job *job, pc_error *e) {
  pc_status st = require(job, "start", job->start != PC_DATE_NONE, e);
  if (st == PC_OK) {
    st = require(job, "end", job->end != PC_DATE_NONE, e);
  }
  if (st == PC_OK && job->start > job->end) {
    char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
    st = pc_error_set(e, PC_INPUT, "start %s is after end %s",
                      pc_date_format(job->start, a),
                      pc_date_format(job->end, b));
  }
  return st;
}

/* The first forecast date's scheduled training date must itself be a date
 * the store can hold (an anchor in a later year can place it before
 * 1800-01-01). */
static pc_status check_schedule_domain(const pc_job *job, pc_error *e) {
  pc_date first = job->command == PC_CMD_DAILY ? job->forecast_date
                                               : job->start;
  if (first == PC_DATE_NONE ||
      pc_schedule_on_or_before(job->train_frequency, job->train_anchor,
                               first) >= PC_DATE_MIN) {
    return PC_OK;
  }
  return pc_error_set(e, PC_INPUT, "the training schedule (train_anchor and "
                      "train_frequency) places the training date of the "
                      "first forecast date before 1800-01-01");
}

/* Where outputs go is checked before any work, so that a typo costs
 * nothing: --summary-json and export's --output must be creatable files,
 * report's --output a folder that can be created. */
static pc_status check_outputs(const pc_job *job, pc_error *e) {
  pc_status st = PC_OK;
  if (job->summary_json[0] != '\0') {
    st = pc_file_check_output(job->summary_json, "--summary-json", e);
  }
  if (st == PC_OK && job->output[0] != '\0' &&
      job->command == PC_CMD_EXPORT) {
    st = pc_file_check_output(job->output, "--output", e);
  }
  if (st == PC_OK && job->output[0] != '\0' &&
      job->command == PC_CMD_REPORT) {
    st = pc_file_check_output_folder(job->output, "--output", e);
  }
  return st;
}

/* A --format a command does not print is refused rather than ignored. */
static pc_status check_format(const pc_job *job, pc_error *e) {
  pc_command c = job->command;
  const char *valid = c == PC_CMD_EVALUATE ? "auto, table, csv, json"
                      : c == PC_CMD_DAILY || c == PC_CMD_MODELS ||
                              c == PC_CMD_STATUS || c == PC_CMD_CHECK
                          ? "auto, table, json"
                      : c == PC_CMD_EXPORT ? "auto, csv, quantiles"
                                           : "auto, table";
  size_t len = strlen(job->format);
  for (const char *p = valid; *p != '\0';) {
    size_t word = strcspn(p, ",");
    if (word == len && strncmp(p, job->format, len) == 0) {
      return PC_OK;
    }
    p += word;
    p += strspn(p, ", ");
  }
  return pc_error_set(e, PC_INPUT, "--format %s: %s does not print that "
                      "(valid: %s)", job->format, pc_command_name(c), valid);
}

/* Checks that need the command and every key at once, in the order a user would
 * fix them: what is missing first, then ranges, outputs and lists. train_anchor
 * defaults to start here, after the keys are applied, because the default
 * depends on another key; a daily run without either is refused, since its
 * schedule would have no origin. */
static pc_status check_required(pc_job *job, pc_error *e) {
  pc_command c = job->command;
  /* check reads the data file only: it needs no store. */
  pc_status st = c == PC_CMD_CHECK
                     ? PC_OK
                     : require(job, "store", job->store[0] != '\0', e);
  if (st == PC_OK && is_run_command(c)) {
    st = require(job, "commodity", job->commodity[0] != '\0', e);
  }
  if (st == PC_OK && (is_run_command(c) || c == PC_CMD_CHECK)) {
    st = require(job, "data", job->data[0] != '\0', e);
  }
  bool ranged =
      c == PC_CMD_TRAIN || c == PC_CMD_FORECAST || c == PC_CMD_BACKFILL;
  if (st == PC_OK && ranged) {
    st = check_range(job, e);
  }
  if (job->train_anchor == PC_DATE_NONE) {
    job->train_anchor = job->start;
  }
  if (st == PC_OK && is_run_command(c) && job->train_anchor == PC_DATE_NONE) {
    st = pc_error_set(e, PC_INPUT, "%s needs 'train_anchor' (or 'start') to "
                      "place the training schedule", pc_command_name(c));
  }
  if (st == PC_OK && is_run_command(c)) {
    st = check_schedule_domain(job, e);
  }
  if (st == PC_OK) {
    st = check_outputs(job, e);
  }
  if (st == PC_OK) {
    st = check_format(job, e);
  }
  if (st == PC_OK) {
    st = check_model_filter(job, e);
  }
  if (st == PC_OK) {
    st = check_baseline(job, e);
  }
  if (st == PC_OK) {
    st = pc_job_check_versions(job, e);
  }
  return st;
}

/* Zero is a valid date (1970-01-01 is day 0), so dates that were not set are
 * marked PC_DATE_NONE explicitly; everything else starts at zero or empty and
 * is then set from the table's defaults. */
static void job_defaults(pc_job *job) {
  memset(job, 0, sizeof *job);
  job->start = job->end = job->train_anchor = PC_DATE_NONE;
  job->forecast_date = PC_DATE_NONE;
  pc_calendar_init(&job->calendar, PC_CAL_WEEKDAYS);
}

/* The whole reading of a job: the command, the command line, the job file, the
 * keys in file-then-command-line order, then the checks that need all of them.
 * On error the job may be partly filled; the caller still calls pc_job_fini,
 * which is safe on any state job_defaults began. Holidays are loaded last, so
 * the holiday file is read only for a job that passed every other check. */
pc_status pc_job_from_args(pc_job *job, int argc, char **argv, pc_error *e) {
  job_defaults(job);
  if (argc < 2) {
    return pc_error_set(
        e, PC_INPUT,
        "missing command (train, forecast, "
        "backfill, daily, models, export, status, verify, "
        "check, evaluate, report, migrate; see pathcast --help)");
  }
  job->command = command_of(argv[1]);
  if (job->command == PC_CMD_NONE) {
    return pc_error_set(e, PC_INPUT, "unknown command '%s' (valid: train, "
                        "forecast, backfill, daily, models, export, status, "
                        "verify, check, evaluate, report, migrate)",
                        argv[1]);
  }
  if (job->command == PC_CMD_HELP || job->command == PC_CMD_VERSION) {
    /* `pathcast help daily` asks about one command. */
    job->help_for = argc > 2 ? command_of(argv[2]) : PC_CMD_NONE;
    job->help_for = job->help_for == PC_CMD_HELP ? PC_CMD_NONE : job->help_for;
    return PC_OK;
  }
  entry_list cli = {0}, all = {0};
  pc_status st = parse_cli(&cli, job, argc, argv, e);
  if (st == PC_OK && job->command != PC_CMD_HELP && job->job_path[0] != '\0') {
    st = read_job_file(&all, job->job_path, e);
  }
  for (size_t i = 0; st == PC_OK && i < cli.n; i++) {
    st = entries_add(&all, cli.v[i].key, cli.v[i].value, cli.v[i].origin, e);
  }
  if (st == PC_OK && job->command != PC_CMD_HELP) {
    st = apply_entries(job, &all, e);
  }
  entries_free(&cli);
  entries_free(&all);
  if (st == PC_OK && job->command != PC_CMD_HELP) {
    st = check_required(job, e);
  }
  if (st == PC_OK && job->holidays[0] != '\0') {
    st = pc_calendar_load_holidays(&job->calendar, job->holidays, e);
  }
  return st;
}

/* Releases what pc_job_from_args allocated (the model specs and their values,
 * the holiday list) and zeroes the job, so a second call is harmless. */
void pc_job_fini(pc_job *job) {
  for (size_t i = 0; i < job->nmodels; i++) {
    pc_model_spec_fini(&job->models[i]);
  }
  free(job->models);
  pc_calendar_fini(&job->calendar);
  memset(job, 0, sizeof *job);
}

/* ---- settings, help ---------------------------------------------------- */

/* The words a model that combines others adds to its settings: for each
 * listed model, `member.<name>=<type>` and every key it sets to other than
 * its default as `member.<name>.<type>.<key>=<value>` (so a key a type
 * gains later, at its default, changes nothing), then the job rules that
 * decide which of their results exist (and so the combination):
 * min_history and max_gap.  Returns the length needed, as snprintf.
 * snprintf that keeps counting past the end of buf: the return value is the
 * length the text would need, so the caller can tell "fits" from "cut" with one
 * comparison at the end instead of after each word. */
static size_t appendf(char *buf, size_t len, size_t used, const char *fmt,
                      ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + (used < len ? used : len),
                    used < len ? len - used : 0, fmt, ap);
  va_end(ap);
  return used + (n > 0 ? (size_t)n : 0);
}

static size_t listed_settings(const pc_job *job, const pc_model_spec *s,
                              char *buf, size_t len) {
  size_t used = 0;
  for (size_t p = 0; p < s->type->nparams; p++) {
    if (s->type->params[p].kind != PC_PARAM_MODELS) {
      continue;
    }
    const char *cursor = s->values[p], *name = NULL;
    size_t nlen;
    while ((nlen = pc_name_list_next(&cursor, &name)) > 0) {
      char one[PC_MODEL_NAME_MAX];
      snprintf(one, sizeof one, "%.*s", (int)nlen, name);
      long i = pc_job_find_model(job, one);
      if (i < 0) {
        continue; /* refused when the job was read */
      }
      const pc_model_type *t = job->models[i].type;
      used = appendf(buf, len, used, " member.%s=%s", one, t->name);
      for (size_t k = 0; k < t->nparams; k++) {
        const char *v = job->models[i].values[k];
        if (strcmp(v, t->params[k].def) != 0) {
          used = appendf(buf, len, used, " member.%s.%s.%s=%s", one, t->name,
                         t->params[k].key, v);
        }
      }
    }
    used = appendf(buf, len, used, " min_history=%ld max_gap=%ld",
                   job->min_history, job->max_gap);
  }
  return used;
}

/* The data check's parameters as the core module wants them (int rather than
 * long: the table's bounds keep them far below INT_MAX). The calendar is
 * borrowed from the job and valid as long as the job is. */
void pc_job_quality_params(const pc_job *job, pc_quality_params *p) {
  *p = (pc_quality_params){(int)job->spike_threshold, (int)job->spike_window,
                           (int)job->stale_days, job->max_gap,
                           &job->calendar};
}

/* The words `outliers = clean` adds to the settings: it changes what the
 * models see, and so the results, while keep and flag change nothing (their
 * text is the text of before the key existed, docs/STORE.md).  max_gap is
 * not among them: gaps are reported, never cleaned. */
static void quality_words(const pc_job *job, char *buf, size_t len) {
  buf[0] = '\0';
  if (strcmp(job->outliers, "clean") == 0) {
    snprintf(buf, len, " outliers=clean spike_threshold=%ld spike_window=%ld "
             "stale_days=%ld", job->spike_threshold, job->spike_window,
             job->stale_days);
  }
}

/* The settings text of model `model` (docs/STORE.md, "Settings"): what decides
 * its stored results besides the data. The store compares it with
 * pc_settings_match, so the order and spelling of these words are part of the
 * store format: changing them makes every existing store refuse the job.
 * Returns the length the full text needs, as snprintf, so a caller detects
 * truncation by comparing with len. */
size_t pc_job_model_settings(const pc_job *job, size_t model, char *buf,
                             size_t len) {
  char spec[PC_SETTINGS_MAX], anchor[PC_DATE_STRLEN], holidays[32],
      quality[128];
  pc_model_spec_settings(&job->models[model], spec, sizeof spec);
  size_t used = strlen(spec);
  used += listed_settings(job, &job->models[model], spec + used,
                          sizeof spec - used);
  if (used >= sizeof spec) {
    return used + 1; /* cannot fit: the caller refuses the job */
  }
  pc_calendar_fingerprint(&job->calendar, holidays, sizeof holidays);
  quality_words(job, quality, sizeof quality);
  int n = snprintf(buf, len, "%s seed=%llu paths=%d horizon=%d calendar=%s "
                   "holidays=%s train_frequency=%s train_anchor=%s "
                   "numerics=%d%s", spec, (unsigned long long)job->seed,
                   job->paths, job->horizon,
                   job->calendar.kind == PC_CAL_WEEKDAYS ? "weekdays" : "daily",
                   holidays, pc_freq_name(job->train_frequency),
                   pc_date_format(job->train_anchor, anchor),
                   PC_NUMERICS_VERSION, quality);
  return n > 0 ? (size_t)n : 0;
}

/* The read-only view a model that combines others gets of its job
 * (pathcast/models/model.h). It borrows the job's arrays and strings, so it
 * must not outlive the job. */
void pc_job_model_context(const pc_job *job, pc_model_context *ctx) {
  *ctx = (pc_model_context){job->models,         job->nmodels,
                            job->seed,           job->commodity,
                            job->model_version,  &job->calendar,
                            job->train_frequency, job->train_anchor,
                            job->min_history,    job->max_gap,
                            job->paths,          job->horizon};
}

/* The inverse of set_option for the settings echo: each value is printed in the
 * syntax its key accepts (an unset date as empty), so rank 0's log reads like a
 * job file of the run's effective settings. */
static void print_value(const pc_job *job, const opt_def *o, FILE *out) {
  const char *field = (const char *)job + o->offset;
  char d[PC_DATE_STRLEN];
  switch (o->kind) {
  case OPT_DATE: {
    pc_date v = *(const pc_date *)(const void *)field;
    fprintf(out, "%s", v == PC_DATE_NONE ? "" : pc_date_format(v, d));
    break;
  }
  case OPT_INT:
    fprintf(out, "%d", *(const int *)(const void *)field);
    break;
  case OPT_LONG:
    fprintf(out, "%ld", *(const long *)(const void *)field);
    break;
  case OPT_U64:
    fprintf(out, "%llu", (unsigned long long)job->seed);
    break;
  case OPT_FREQ:
    fprintf(out, "%s", pc_freq_name(job->train_frequency));
    break;
  case OPT_CAL:
    fprintf(out, "%s",
            job->calendar.kind == PC_CAL_WEEKDAYS ? "weekdays" : "daily");
    break;
  case OPT_MODELS:
    for (size_t i = 0; i < job->nmodels; i++) {
      fprintf(out, "%s%s:%s", i ? "," : "", job->models[i].name,
              job->models[i].type->name);
    }
    break;
  default:
    fprintf(out, "%s", field);
  }
}

/* Prints every job key, then every model's keys with their effective values
 * (defaults included), so a log shows what ran even when the job file has since
 * changed. */
void pc_job_print_settings(const pc_job *job, FILE *out) {
  for (size_t i = 0; i < pc_job_noptions; i++) {
    fprintf(out, "%s = ", pc_job_options[i].key);
    print_value(job, &pc_job_options[i], out);
    fputc('\n', out);
  }
  for (size_t m = 0; m < job->nmodels; m++) {
    const pc_model_spec *s = &job->models[m];
    for (size_t p = 0; p < s->type->nparams; p++) {
      fprintf(out, "%s.%s = %s\n", s->name, s->type->params[p].key,
              s->values[p]);
    }
  }
}

