/* The SARIMAX order search over every training date of a job: a regression
 * record of what the stepwise search chooses, and its check.
 *
 *   build/arima_search ARGS...             fits the job's arima models (or
 *       the one --model names) at every scheduled training date of
 *       [start, end] on the rows before it, as a backfill does, and prints
 *       one line per model and date: the date, the model, then every field
 *       of the trained record (doubles with 17 digits, so equal text is
 *       equal bits); the fit time goes to stderr.
 *   build/arima_search --check FILE [--every N]
 *       refits what FILE records (its first line holds the ARGS; with
 *       --every N only every N-th date) and compares: the order and the
 *       constant exactly, the log-likelihood within LOGLIK_TOL relative.
 *       Prints one line per date ("identical" when every field is equal to
 *       the last bit) and a summary; exit 0 when every order matches, 1
 *       otherwise, 2 on bad input.
 *
 * The records in tests/unit/data/arima/search_*.txt were written by this
 * tool (see tools/arima_search.sh); they are pathcast's own results kept
 * so that a faster search can prove it chooses what the old one chose, not
 * reference values (those come from R, tools/arima_reference.R). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pathcast/job/job.h"
#include "pathcast/models/model.h"
#include "pathcast/core/schedule.h"
#include "pathcast/core/series.h"

/* The log-likelihood may move by the optimiser's tolerance, no more. */
#define LOGLIK_TOL 1e-7
#define LINE_MAX_LEN 65536
#define MAX_ARGS 64

/* Wall time for the fit times on stderr (informative only: the records
 * hold no times, so that equal fits give equal text). */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- one trained record as text ---------------------------------------- */

/* Appends as snprintf would, never past len (a record line is long but
 * bounded: a cut line would show as a difference, not an overflow). */
static void append(char *buf, size_t len, size_t *used, const char *text) {
  int n = snprintf(buf + *used, *used < len ? len - *used : 0, "%s", text);
  *used += n > 0 ? (size_t)n : 0;
  *used = *used < len ? *used : len - 1;
}

/* name=v1,v2,... ; strings as they are (the arima record's strings hold no
 * spaces), bytes as their length. */
static void field_text(const pc_field *f, char *buf, size_t len) {
  size_t used = 0;
  char v[64];
  append(buf, len, &used, f->name);
  append(buf, len, &used, "=");
  for (size_t i = 0; i < f->len && f->kind != PC_FIELD_STR &&
                     f->kind != PC_FIELD_BYTES; i++) {
    if (f->kind == PC_FIELD_F64) {
      snprintf(v, sizeof v, "%s%.17g", i ? "," : "", ((double *)f->data)[i]);
    } else {
      snprintf(v, sizeof v, "%s%lld", i ? "," : "",
               (long long)((int64_t *)f->data)[i]);
    }
    append(buf, len, &used, v);
  }
  if (f->kind == PC_FIELD_STR) {
    snprintf(buf + used, len - used, "%.*s", (int)f->len, (char *)f->data);
  } else if (f->kind == PC_FIELD_BYTES) {
    snprintf(buf + used, len - used, "%zu-bytes", f->len);
  }
}

/* Every field in the record's own order, space-separated: the order is
 * the model's save order, so it too is compared. */
static void record_text(const pc_record *r, char *buf, size_t len) {
  size_t used = 0;
  char f[4096];
  buf[0] = '\0';
  for (size_t i = 0; i < r->n; i++) {
    field_text(&r->fields[i], f, sizeof f);
    append(buf, len, &used, i ? " " : "");
    append(buf, len, &used, f);
  }
}

/* ---- fitting ------------------------------------------------------------ */

/* Fits spec on the rows before t into *text; PC_MODEL text on a failure
 * (a failed fit is a result to record too). */
static double fit_text(const pc_model_spec *spec, const pc_series *s,
                       pc_date t, char *text, size_t len) {
  pc_history h = {pc_series_rows_before(s, t), s->date, s->close, s->ncov,
                  (const char *const *)s->cov_name, s->cov};
  pc_model *m = NULL;
  pc_record r;
  pc_error e;
  pc_record_init(&r);
  pc_error_clear(&e);
  double t0 = now();
  pc_status st = pc_model_alloc(&m, spec, &e);
  if (st == PC_OK) st = pc_model_fit(m, &h, &e);
  if (st == PC_OK) st = pc_model_save(m, &r, &e);
  double secs = now() - t0;
  if (st == PC_OK) {
    record_text(&r, text, len);
  } else {
    snprintf(text, len, "failed=%s", e.msg);
    for (char *p = text; *p; p++) {
      *p = *p == ' ' ? '_' : *p;
    }
  }
  pc_record_fini(&r);
  pc_model_free(m);
  return secs;
}

/* The training dates a backfill of [start, end] uses: the last on or
 * before start, then every later one up to end. */
static int training_dates(const pc_job *job, pc_date *out, int cap) {
  pc_date t = pc_schedule_on_or_before(job->train_frequency, job->train_anchor,
                                       job->start);
  int n = 0;
  for (; t <= job->end && n < cap;
       t = pc_schedule_after(job->train_frequency, job->train_anchor, t)) {
    out[n++] = t;
  }
  return n;
}

/* The models the records cover: every arima model of the job (fixed order
 * fits share the likelihood code with the search), or the one --model
 * names. */
static int is_arima(const pc_job *job, size_t m, const char *only) {
  return strcmp(job->models[m].type->name, "arima") == 0 &&
         (only == NULL || strcmp(job->models[m].name, only) == 0);
}

/* ---- the job ------------------------------------------------------------ */

typedef struct {
  pc_job job;
  pc_series series;
  const char *only; /* --model, or NULL for every arima model */
} setup;

/* "pathcast train ARGS" parsed as the program would; --model M (not a job
 * key of train) is taken out first. */
static int setup_init(setup *su, int argc, char **argv) {
  char *args[MAX_ARGS] = {"pathcast", "train"};
  int n = 2;
  pc_error e;
  su->only = NULL;
  for (int i = 0; i < argc && n < MAX_ARGS - 1; i++) {
    if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
      su->only = argv[++i];
    } else {
      args[n++] = argv[i];
    }
  }
  args[n] = NULL;
  if (pc_job_from_args(&su->job, n, args, &e) != PC_OK) {
    fprintf(stderr, "arima_search: %s\n", e.msg);
    return -1;
  }
  if (pc_series_read(&su->series, su->job.data, &e) != PC_OK) {
    fprintf(stderr, "arima_search: %s\n", e.msg);
    pc_job_fini(&su->job);
    return -1;
  }
  return 0;
}

/* Releases what setup_init read. */
static void setup_fini(setup *su) {
  pc_series_fini(&su->series);
  pc_job_fini(&su->job);
}

/* ---- write mode --------------------------------------------------------- */

/* Write mode: the first line repeats the arguments, so that a record
 * file alone says how to refit it. */
static int write_records(int argc, char **argv) {
  setup su;
  pc_date dates[512];
  char *text = malloc(LINE_MAX_LEN), d[PC_DATE_STRLEN];
  if (text == NULL || setup_init(&su, argc, argv) != 0) {
    free(text);
    return 2;
  }
  printf("# args:");
  for (int i = 0; i < argc; i++) {
    printf(" %s", argv[i]);
  }
  printf("\n");
  int nd = training_dates(&su.job, dates, 512);
  for (size_t m = 0; m < su.job.nmodels; m++) {
    for (int k = 0; k < nd && is_arima(&su.job, m, su.only); k++) {
      double secs = fit_text(&su.job.models[m], &su.series, dates[k], text,
                             LINE_MAX_LEN);
      printf("%s %s %s\n", pc_date_format(dates[k], d), su.job.models[m].name,
             text);
      fflush(stdout);
      fprintf(stderr, "%s %s %.3f s\n", d, su.job.models[m].name, secs);
    }
  }
  setup_fini(&su);
  free(text);
  return 0;
}

/* ---- check mode --------------------------------------------------------- */

/* The value of field `name` in a record line ("" when absent), into out. */
static void value_of(const char *line, const char *name, char *out,
                     size_t len) {
  size_t nlen = strlen(name);
  out[0] = '\0';
  for (const char *p = line; (p = strstr(p, name)) != NULL; p += nlen) {
    if ((p == line || p[-1] == ' ') && p[nlen] == '=') {
      snprintf(out, len, "%.*s", (int)strcspn(p + nlen + 1, " \n"),
               p + nlen + 1);
      return;
    }
  }
}

typedef struct {
  int dates, identical, within, differ;
  double fit_seconds;
} check_sums;

/* Compares one recorded line with a refit; prints the verdict. */
static void check_line(const char *want, const char *got, const char *head,
                       check_sums *cs) {
  char wo[64], go[64], wc[64], gc[64], wl[64], gl[64];
  value_of(want, "order", wo, sizeof wo);
  value_of(got, "order", go, sizeof go);
  value_of(want, "constant", wc, sizeof wc);
  value_of(got, "constant", gc, sizeof gc);
  value_of(want, "loglik", wl, sizeof wl);
  value_of(got, "loglik", gl, sizeof gl);
  double a = strtod(wl, NULL), b = strtod(gl, NULL);
  int same_order = strcmp(wo, go) == 0 && strcmp(wc, gc) == 0;
  int close = fabs(a - b) <= LOGLIK_TOL * fabs(a) || (wl[0] == 0 && gl[0] == 0);
  cs->dates++;
  if (strcmp(want, got) == 0) {
    cs->identical++;
    printf("%s order %s: identical\n", head, go);
  } else if (same_order && close) {
    cs->within++;
    printf("%s order %s: same order, loglik %s (recorded %s)\n", head, go, gl,
           wl);
  } else {
    cs->differ++;
    printf("%s DIFFERENT: order %s constant %s loglik %s, recorded order %s "
           "constant %s loglik %s\n", head, go, gc, gl, wo, wc, wl);
  }
}

/* "# args: a b c" into argv (pointers into line). */
static int split_args(char *line, char **argv, int cap) {
  int n = 0;
  if (strncmp(line, "# args:", 7) != 0) {
    return -1;
  }
  for (char *tok = strtok(line + 7, " \n"); tok != NULL && n < cap;
       tok = strtok(NULL, " \n")) {
    argv[n++] = tok;
  }
  return n;
}

/* Refits the model and date of one record line (whose model must be in
 * the job of the file's first line) and compares. */
static int refit_line(setup *su, const char *line, char *text,
                      check_sums *cs) {
  char day[16], name[PC_MODEL_NAME_MAX], head[128];
  pc_date t = 0;
  if (sscanf(line, "%15s %63s", day, name) != 2 || !pc_date_parse(day, &t)) {
    fprintf(stderr, "arima_search: bad record line '%.40s'\n", line);
    return -1;
  }
  long m = pc_job_find_model(&su->job, name);
  if (m < 0) {
    fprintf(stderr, "arima_search: the record's model %s is not in its job\n",
            name);
    return -1;
  }
  cs->fit_seconds += fit_text(&su->job.models[m], &su->series, t, text,
                              LINE_MAX_LEN);
  snprintf(head, sizeof head, "%s %s", day, name);
  const char *want = line + strlen(day) + 1 + strlen(name) + 1;
  char *nl = strchr(want, '\n');
  if (nl != NULL) {
    *nl = '\0';
  }
  check_line(want, text, head, cs);
  return 0;
}

/* Check mode over a whole record file; 0 when every order matches, 1
 * when one differs (or none was checked), 2 on unreadable input. */
static int check_records(const char *path, int every) {
  FILE *in = fopen(path, "r");
  char *line = malloc(LINE_MAX_LEN), *text = malloc(LINE_MAX_LEN);
  char *args[MAX_ARGS];
  setup su;
  check_sums cs = {0, 0, 0, 0, 0.0};
  int rc = 2, nargs = -1;
  if (in != NULL && line != NULL && text != NULL &&
      fgets(line, LINE_MAX_LEN, in) != NULL) {
    nargs = split_args(line, args, MAX_ARGS);
  }
  if (nargs >= 0 && setup_init(&su, nargs, args) == 0) {
    rc = 0;
    for (int k = 0; rc == 0 && fgets(text, LINE_MAX_LEN, in) != NULL; k++) {
      memcpy(line, text, LINE_MAX_LEN);
      rc = k % every == 0 ? refit_line(&su, line, text, &cs) : 0;
    }
    setup_fini(&su);
    printf("%s: %d dates, %d identical, %d same order within tolerance, %d "
           "different; %.2f s of fitting\n", path, cs.dates, cs.identical,
           cs.within, cs.differ, cs.fit_seconds);
    rc = rc != 0 ? 2 : cs.differ > 0 || cs.dates == 0 ? 1 : 0;
  } else {
    fprintf(stderr, "arima_search: cannot read a record from %s\n", path);
  }
  if (in != NULL) {
    fclose(in);
  }
  free(line);
  free(text);
  return rc;
}

int main(int argc, char **argv) {
  setenv("OMP_NUM_THREADS", "1", 0);
  if (argc >= 3 && strcmp(argv[1], "--check") == 0) {
    char *end = NULL;
    long every = argc >= 5 && strcmp(argv[3], "--every") == 0
                     ? strtol(argv[4], &end, 10) : 1;
    if (every < 1 || (end != NULL && *end != '\0')) {
      fprintf(stderr, "arima_search: --every needs a positive integer\n");
      return 2;
    }
    return check_records(argv[2], (int)every);
  }
  return write_records(argc - 1, argv + 1);
}
