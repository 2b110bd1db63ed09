/* The model interface (GSL gsl_rng_type style): each model is a `const`
 * table of functions over an opaque state.  model_<name>.c exports one
 * pointer, the NULL-terminated registry lists them, and only model.c calls
 * through the table, so adding a model never touches the driver. */
#ifndef PC_MODEL_H
#define PC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathcast/core/calendar.h"
#include "pathcast/core/date.h"
#include "pathcast/core/record.h"
#include "pathcast/core/rng.h"
#include "pathcast/core/schedule.h"
#include "pathcast/core/status.h"

/* What a model sees of the data: the first n rows of the series, all dated
 * strictly before the training or forecast date.  Data on or after that date
 * is not reachable through this view, which is how leakage is ruled out by
 * construction rather than by care. */
typedef struct {
  size_t n;
  const pc_date *date;
  const double *close; /* NAN where missing */
  size_t ncov;
  const char *const *cov_name;
  const double *cov; /* n * ncov, row-major */
} pc_history;

/* Kinds of per-model keys (`<model>.<key> = value` in a job file).
 * PC_PARAM_MODELS is a list of other models of the same job (the ensemble's
 * members): the job checks that each is one of its models, not the model
 * itself and not a model with such a key (no nesting), and puts the named
 * models' own settings into this model's settings text. */
typedef enum {
  PC_PARAM_INT,
  PC_PARAM_DOUBLE,
  PC_PARAM_STRING,
  PC_PARAM_CHOICE,
  PC_PARAM_MODELS
} pc_param_kind;

typedef struct {
  const char *key;
  pc_param_kind kind;
  const char *def; /* default as text */
  double min, max; /* bounds for INT/DOUBLE */
  const char *choices; /* "a|b|c" for CHOICE */
  const char *help;
} pc_param_def;

typedef struct pc_model_type pc_model_type;
typedef struct pc_model_spec pc_model_spec;

/* What a model may know of the job it runs in, read-only: the job's models
 * (a model that combines others finds them here by name), and the settings
 * that decide how the driver trains and forecasts (the schedule, the
 * calendar, the random key's parts, the history and stale-data rules), so
 * that such a model can reproduce what the driver stores for its members.
 * The driver sets it; a model used on its own (unit tests) has none. */
typedef struct {
  const pc_model_spec *models; /* the job's models */
  size_t nmodels;
  uint64_t seed;
  const char *commodity;
  const char *model_version;
  const pc_calendar *calendar;
  pc_freq train_frequency;
  pc_date train_anchor;
  long min_history; /* fewest present closes a training needs */
  long max_gap;     /* most trading days between the data and a forecast */
  int paths;
  int horizon;
} pc_model_context;

/* One model of a job: its name in the job (also its name in the store and in
 * the random key), its type, and the validated text of every parameter in the
 * order of type->params. */
#define PC_MODEL_NAME_MAX 65 /* 64 characters and the NUL */
#define PC_PARAM_VALUE_MAX 256
struct pc_model_spec {
  char name[PC_MODEL_NAME_MAX];
  const pc_model_type *type;
  char (*values)[PC_PARAM_VALUE_MAX]; /* type->nparams entries, owned */
  /* The job context (not owned); NULL outside a run.  Copied with the
   * spec; only models that combine others use it. */
  const pc_model_context *ctx;
};

/* A simulation request: npaths joint paths of `steps` trading days following
 * the last observation of the history. */
typedef struct {
  int npaths;
  int steps;
  pc_rng_key key; /* path i draws from pc_rng_init(key, i, purpose) */
  /* The trading date of each step, from the job's calendar (holidays
   * included), for models with calendar features; NULL: the weekdays after
   * the last observation. */
  const pc_date *dates;
} pc_sim_request;

struct pc_model_type {
  const char *name;
  const char *description;
  const pc_param_def *params;
  size_t nparams;
  size_t state_size;
  double fit_cost;      /* relative cost of one fit, for load balancing */
  double forecast_cost; /* relative cost of one forecast */
  /* Fits on the history; the state block is zeroed by the caller.  A model
   * failure (too little data, no convergence) is PC_MODEL with a reason. */
  pc_status (*fit)(void *state, const pc_model_spec *spec,
                   const pc_history *h, pc_error *e);
  /* Writes npaths * steps prices, row-major by path, into out.  Must depend
   * only on the state, the history and the request (its key). */
  pc_status (*simulate)(const void *state, const pc_model_spec *spec,
                        const pc_history *h, const pc_sim_request *req,
                        double *out, pc_error *e);
  /* Parameters into PC_SECTION_PARAMS, fit diagnostics into
   * PC_SECTION_DIAGNOSTICS; load must restore a state that simulates
   * bit-identically. */
  pc_status (*save)(const void *state, pc_record *out, pc_error *e);
  pc_status (*load)(void *state, const pc_record *in, pc_error *e);
  /* Releases what the state owns (not the state block); may be NULL. */
  void (*release)(void *state);
  /* Checks, before any work, what the keys need of the data: columns has
   * the data's covariate names (n = 0: no rows), min_history the fewest
   * observations a fit will get.  PC_INPUT with a reason naming the key;
   * may be NULL (nothing to check). */
  pc_status (*check)(const pc_model_spec *spec, const pc_history *columns,
                     long min_history, pc_error *e);
  /* Keys added after stores held the type's results whose default is not
   * what those results were made with, as "key=value ..." (the value a
   * settings text without the key stands for); NULL when every later key's
   * default reproduces the earlier results (pathcast/models/settings.h). */
  const char *legacy;
};

/* The registry: NULL-terminated. */
extern const pc_model_type *const pc_model_types[];
const pc_model_type *pc_model_type_find(const char *name);
/* Whether models of type t combine other models of their job (a key of
 * kind PC_PARAM_MODELS): such a model cannot be a member of another. */
bool pc_model_type_combines(const pc_model_type *t);
/* "naive, random_walk, ..." for error messages. */
void pc_model_type_names(char *buf, size_t len);

/* Spec helpers: values are validated when the job is read, so these cannot
 * fail for a key of the type's table. */
pc_status pc_model_spec_init(pc_model_spec *spec, const char *name,
                             const pc_model_type *type);
void pc_model_spec_fini(pc_model_spec *spec);
pc_status pc_model_spec_copy(pc_model_spec *dst, const pc_model_spec *src);
/* Sets a parameter from text; PC_INPUT with the valid keys/values if bad. */
pc_status pc_model_spec_set(pc_model_spec *spec, const char *key,
                            const char *value, pc_error *e);
const char *pc_model_spec_str(const pc_model_spec *spec, const char *key);
long pc_model_spec_long(const pc_model_spec *spec, const char *key);
double pc_model_spec_double(const pc_model_spec *spec, const char *key);
/* Canonical "type=random_walk random_walk.lookback=250 ..." text of the
 * spec: every key, prefixed with the type. */
void pc_model_spec_settings(const pc_model_spec *spec, char *buf, size_t len);

/* A fitted model (opaque): the only dispatcher over the type table. */
typedef struct pc_model pc_model;

/* The type's check (PC_OK when it has none). */
pc_status pc_model_check(const pc_model_spec *spec, const pc_history *columns,
                         long min_history, pc_error *e);

/* A model of the spec's type, not fitted yet; *m is the caller's, released
 * by pc_model_free (also after a failed fit or load). */
pc_status pc_model_alloc(pc_model **m, const pc_model_spec *spec, pc_error *e);
/* The same with the model's spec given the job context ctx (the driver). */
pc_status pc_model_alloc_in(pc_model **m, const pc_model_spec *spec,
                            const pc_model_context *ctx, pc_error *e);
void pc_model_free(pc_model *m);
pc_status pc_model_fit(pc_model *m, const pc_history *h, pc_error *e);
pc_status pc_model_simulate(const pc_model *m, const pc_history *h,
                            const pc_sim_request *req, double *out,
                            pc_error *e);
pc_status pc_model_save(const pc_model *m, pc_record *out, pc_error *e);
pc_status pc_model_load(pc_model *m, const pc_record *in, pc_error *e);
const pc_model_spec *pc_model_spec_of(const pc_model *m);

/* Shared helpers for models built on log returns. */
/* Log returns between consecutive present closes of the last `lookback`
 * returns (0 = all); returns the count written to out (capacity h->n). */
size_t pc_history_log_returns(const pc_history *h, size_t lookback,
                              double *out);
/* Number of present closes, and the last present close (NAN if none). */
size_t pc_history_count_present(const pc_history *h);
/* Names in a list key such as `exog = a, b,c` (separated by commas and/or
 * spaces; "none" or empty is the empty list): sets *name to the next one
 * and returns its length, 0 at the end.  *cursor starts at the text. */
size_t pc_name_list_next(const char **cursor, const char **name);
/* Column of the covariate named by the len bytes at name, or -1. */
long pc_history_cov_index(const pc_history *h, const char *name, size_t len);
double pc_history_last_close(const pc_history *h);
/* The date of the last present close (the data cutoff), PC_DATE_NONE if
 * none. */
pc_date pc_history_last_date(const pc_history *h);

#endif
