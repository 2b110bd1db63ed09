/* Job keys whose value is a list: `model_version` (one version, or several
 * side by side for the commands that read the store: export, models,
 * evaluate) and `levels` (the quantile levels of `export --format
 * quantiles`).  Parsed once, with messages that name the key and the item,
 * into the arrays of pc_job (see pathcast/job/job.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_internal.h"

/* The next comma-separated item of *cursor into buf (trimmed of blanks);
 * 0 at the end of the list, -1 when an item does not fit.  An empty item
 * ("a,,b") is returned as "" so that its owner refuses it by name, rather
 * than being skipped as if the user had not typed it. */
static int next_item(const char **cursor, char *buf, size_t len) {
  const char *p = *cursor + strspn(*cursor, " ");
  if (*p == '\0') {
    return 0;
  }
  size_t n = strcspn(p, ",");
  *cursor = p + n + (p[n] == ',');
  while (n > 0 && p[n - 1] == ' ') {
    n--;
  }
  if (n >= len) {
    return -1;
  }
  memcpy(buf, p, n);
  buf[n] = '\0';
  return 1;
}

/* The list's text is kept whole for the settings echo. */
static pc_status keep_text(char *field, size_t size, const char *key,
                           const char *v, const char *origin, pc_error *e) {
  if (strlen(v) >= size) {
    return pc_error_set(e, PC_INPUT, "%s: %s: value is too long (%zu bytes "
                        "at most)", origin, key, size - 1);
  }
  snprintf(field, size, "%s", v);
  return PC_OK;
}

/* A version listed twice would print its rows twice: refused. */
static bool version_listed(const pc_job *job, const char *name) {
  for (size_t i = 0; i < job->nversions; i++) {
    if (strcmp(job->versions[i], name) == 0) {
      return true;
    }
  }
  return false;
}

/* One version of the list, checked and added. */
static pc_status add_version(pc_job *job, const char *name, const char *origin,
                             pc_error *e) {
  /* The messages of a single version are those of every other name. */
  if (strlen(name) > PC_NAME_LEN_MAX) {
    return pc_error_set(e, PC_INPUT, "%s: model_version: value is too long "
                        "(%d bytes at most)", origin, PC_NAME_LEN_MAX);
  }
  if (!pc_name_valid(name)) {
    return pc_error_set(e, PC_INPUT, "%s: model_version: '%s' is not a "
                        "valid name (%s)", origin, name, PC_NAME_RULE);
  }
  if (version_listed(job, name)) {
    return pc_error_set(e, PC_INPUT, "%s: model_version: '%s' is listed "
                        "twice", origin, name);
  }
  if (job->nversions == PC_VERSIONS_MAX) {
    return pc_error_set(e, PC_INPUT, "%s: model_version: more than %d "
                        "versions", origin, PC_VERSIONS_MAX);
  }
  snprintf(job->versions[job->nversions++], sizeof job->versions[0], "%s",
           name);
  return PC_OK;
}

/* Calls add for every item of the list v; PC_INPUT "origin: key: 'v'
 * what" when an item is too long or there is none. */
typedef pc_status (*item_fn)(pc_job *job, const char *item,
                             const char *origin, pc_error *e);
static pc_status each_item(pc_job *job, const char *v, item_fn add,
                           const char *origin, const char *key,
                           const char *what, pc_error *e) {
  char item[PC_TEXT_MAX];
  const char *cursor = v;
  int more = 0;
  size_t count = 0;
  pc_status st = PC_OK;
  while (st == PC_OK && (more = next_item(&cursor, item, sizeof item)) > 0) {
    st = add(job, item, origin, e);
    count++;
  }
  if (st == PC_OK && (more < 0 || count == 0)) {
    st = pc_error_set(e, PC_INPUT, "%s: %s: '%s' %s", origin, key, v, what);
  }
  return st;
}

/* model_version keeps its first version in job->model_version, so that
 * every command that works on one version reads the field it always did. */
pc_status pc_job_set_versions(pc_job *job, const char *v, const char *origin,
                              pc_error *e) {
  job->nversions = 0;
  pc_status st = keep_text(job->model_versions, sizeof job->model_versions,
                           "model_version", v, origin, e);
  if (st == PC_OK) {
    st = each_item(job, v, add_version, origin, "model_version",
                   "is not a valid name (" PC_NAME_RULE ")", e);
  }
  if (st == PC_OK) {
    snprintf(job->model_version, sizeof job->model_version, "%s",
             job->versions[0]);
  }
  return st;
}

/* One level: a decimal number in [0, 1].  Levels are kept in the order
 * given (the rows of export follow it); 0 and 1 are the sample's minimum
 * and maximum, as in R's quantile. */
static pc_status parse_level(const char *text, double *out, const char *origin,
                             pc_error *e) {
  char *end = NULL;
  errno = 0;
  double p = strtod(text, &end);
    /* strtod also reads "nan", "inf" and hexadecimal numbers; isfinite and the
     * range test refuse the first two, and a hexadecimal level in [0, 1] is a
     * valid number, so it is kept. */
  if (end == text || *end != '\0' || errno != 0 || !isfinite(p) || p < 0.0 ||
      p > 1.0) {
    return pc_error_set(e, PC_INPUT, "%s: levels: '%s' is not a quantile "
                        "level (a number from 0 to 1)", origin, text);
  }
  *out = p;
  return PC_OK;
}

/* Bounded: the levels live in a fixed array of the job (no allocation in
 * parsing, nothing to free on an error path). */
static pc_status add_level(pc_job *job, const char *item, const char *origin,
                           pc_error *e) {
  if (job->nlevels == PC_LEVELS_MAX) {
    return pc_error_set(e, PC_INPUT, "%s: levels: more than %d levels",
                        origin, PC_LEVELS_MAX);
  }
  return parse_level(item, &job->levels[job->nlevels++], origin, e);
}

/* The levels are set once per parse (apply_options sets each key once), so
 * nlevels starts from zero; the default 0.05,0.5,0.95 goes through the same
 * parser, so a bad default could not pass unnoticed. */
pc_status pc_job_set_levels(pc_job *job, const char *v, const char *origin,
                            pc_error *e) {
  job->nlevels = 0;
  pc_status st = keep_text(job->levels_text, sizeof job->levels_text,
                           "levels", v, origin, e);
  return st != PC_OK ? st
                     : each_item(job, v, add_level, origin, "levels",
                                 "is not a list of quantile levels (e.g. "
                                 "0.05,0.5,0.95)", e);
}

/* Several versions only where they can be shown side by side: a run, a
 * report or a status is about one version's results. */
pc_status pc_job_check_versions(const pc_job *job, pc_error *e) {
  pc_command c = job->command;
  if (job->nversions <= 1 || c == PC_CMD_EXPORT || c == PC_CMD_MODELS ||
      c == PC_CMD_EVALUATE || c == PC_CMD_VERIFY) {
    return PC_OK;
  }
  return pc_error_set(e, PC_INPUT, "model_version: %s works on one version "
                      "(a list such as '%s' is for export, models and "
                      "evaluate)", pc_command_name(c), job->model_versions);
}
