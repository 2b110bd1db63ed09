/* The model registry, per-model settings and the one dispatcher over the
 * model type tables (see pathcast/models/model.h). */
#include "pathcast/models/model.h"
#include "pathcast/core/name.h"
#include "pathcast/core/paths.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const pc_model_type pc_model_naive;
extern const pc_model_type pc_model_random_walk;
extern const pc_model_type pc_model_arima;
extern const pc_model_type pc_model_xgboost;
extern const pc_model_type pc_model_garch;
extern const pc_model_type pc_model_ensemble;

/* The registry (docs/DESIGN.md, "Adding a model"): NULL-terminated, in the
 * order --help and error messages list the types. The contract test
 * (tests/unit/test_models.c) loops over it, so a type added here is tested for
 * leaks, reproducibility and save/load round trips without a new test. A type's
 * name is what job files and stored settings (`type=...`) spell, so renaming
 * one orphans every store that holds its results. */
const pc_model_type *const pc_model_types[] = {
    &pc_model_naive,
    &pc_model_random_walk,
    &pc_model_arima,
    &pc_model_xgboost,
    &pc_model_garch,
    &pc_model_ensemble,
    NULL,
};

/* NULL for an unknown name; the job reader turns that into a message that lists
 * the valid names (pc_model_type_names). */
const pc_model_type *pc_model_type_find(const char *name) {
  for (size_t i = 0; pc_model_types[i] != NULL; i++) {
    if (strcmp(pc_model_types[i]->name, name) == 0) {
      return pc_model_types[i];
    }
  }
  return NULL;
}

/* A type combines other models exactly when one of its keys names models (the
 * ensemble's `members`): the job uses this to refuse nesting, and checks such
 * keys against its own model list. */
bool pc_model_type_combines(const pc_model_type *t) {
  for (size_t p = 0; p < t->nparams; p++) {
    if (t->params[p].kind == PC_PARAM_MODELS) {
      return true;
    }
  }
  return false;
}

/* For messages only: a list too long for buf is cut, never an error. */
void pc_model_type_names(char *buf, size_t len) {
  buf[0] = '\0';
  for (size_t i = 0; pc_model_types[i] != NULL; i++) {
    pc_names_append(buf, len, pc_model_types[i]->name);
  }
}

/* ---- per-model settings ------------------------------------------------ */

static long param_index(const pc_model_type *t, const char *key) {
  for (size_t i = 0; i < t->nparams; i++) {
    if (strcmp(t->params[i].key, key) == 0) {
      return (long)i;
    }
  }
  return -1;
}

/* Every key starts at its type's default, so a spec is complete before any job
 * key is applied and a key the job never mentions still has a value in the
 * settings text. values is owned by the spec (pc_model_spec_fini); at least one
 * slot is allocated so that a type without keys (naive) still gets a non-NULL
 * pointer and calloc's NULL always means out of memory. */
pc_status pc_model_spec_init(pc_model_spec *spec, const char *name,
                             const pc_model_type *type) {
  memset(spec, 0, sizeof *spec);
  snprintf(spec->name, sizeof spec->name, "%s", name);
  spec->type = type;
  spec->values =
      calloc(type->nparams ? type->nparams : 1, sizeof *spec->values);
  if (spec->values == NULL) {
    return PC_NOMEM;
  }
  for (size_t i = 0; i < type->nparams; i++) {
    snprintf(spec->values[i], PC_PARAM_VALUE_MAX, "%s", type->params[i].def);
  }
  return PC_OK;
}

/* Zeroes the spec, so that a fini after a failed init or a second fini is
 * harmless. */
void pc_model_spec_fini(pc_model_spec *spec) {
  free(spec->values);
  memset(spec, 0, sizeof *spec);
}

/* A deep copy of the values (the dispatcher keeps its own, so a model outlives
 * the job spec it was made from) and a shallow copy of the context, which is
 * borrowed from the job in both. */
pc_status pc_model_spec_copy(pc_model_spec *dst, const pc_model_spec *src) {
  pc_status st = pc_model_spec_init(dst, src->name, src->type);
  if (st == PC_OK && src->type->nparams > 0) {
    memcpy(dst->values, src->values,
           src->type->nparams * sizeof *src->values);
  }
  dst->ctx = src->ctx;
  return st;
}

/* choices is the table's "a|b|c" text; the value must equal one word exactly
 * (no prefixes, no case folding), since the word is copied into the settings
 * text and two spellings of one choice would be two settings. */
static bool choice_ok(const char *choices, const char *value) {
  size_t n = strlen(value);
  for (const char *p = choices; *p != '\0';) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && strncmp(p, value, n) == 0) {
      return true;
    }
    p += len + (bar ? 1 : 0);
  }
  return false;
}

/* The value is checked but stored as written: the settings text compares the
 * user's spelling, and the model parses it again with pc_model_spec_long or
 * pc_model_spec_double. strtol's long is converted to double only for the range
 * test; every INT bound is a small integer, so that is exact. */
static pc_status check_number(const pc_param_def *d, const char *value,
                              const char *model, pc_error *e) {
  char *end = NULL;
  errno = 0;
  double v = d->kind == PC_PARAM_INT ? (double)strtol(value, &end, 10)
                                     : strtod(value, &end);
  if (end == value || *end != '\0' || errno != 0 || !isfinite(v)) {
    return pc_error_set(e, PC_INPUT, "%s.%s: '%s' is not %s", model, d->key,
                        value,
                        d->kind == PC_PARAM_INT ? "an integer" : "a number");
  }
  if (v < d->min || v > d->max) {
    return pc_error_set(e, PC_INPUT, "%s.%s: %s is out of range [%g, %g]",
                        model, d->key, value, d->min, d->max);
  }
  return PC_OK;
}

/* Whether the len bytes at name (a name of the list) appear earlier in it. */
static bool listed_before(const char *list, const char *name, size_t len) {
  const char *cursor = list, *other = NULL;
  size_t olen;
  while ((olen = pc_name_list_next(&cursor, &other)) > 0 && other < name) {
    if (olen == len && strncmp(other, name, len) == 0) {
      return true;
    }
  }
  return false;
}

/* The names of a list, comma-separated without spaces ("a, b" is "a,b"):
 * the value is a word of the model's settings text, where spaces would
 * split it, and two spellings of one list must be one setting. */
static void canonical_list(const char *list, char out[PC_PARAM_VALUE_MAX]) {
  const char *cursor = list, *name = NULL;
  size_t len, used = 0;
  out[0] = '\0';
  while ((len = pc_name_list_next(&cursor, &name)) > 0) {
    int n = snprintf(out + used, PC_PARAM_VALUE_MAX - used, "%s%.*s",
                     used ? "," : "", (int)len, name);
    used += n > 0 ? (size_t)n : 0;
  }
}

/* A list of model names (which models they are is the job's to check):
 * 2 to d->max names, none too long for a model name, none twice. */
static pc_status check_model_list(const pc_param_def *d, const char *value,
                                  const char *model, pc_error *e) {
  const char *cursor = value, *name = NULL;
  size_t len, count = 0;
  while ((len = pc_name_list_next(&cursor, &name)) > 0) {
    if (len >= PC_MODEL_NAME_MAX) {
      return pc_error_set(e, PC_INPUT, "%s.%s: '%.*s' is too long for a "
                          "model name", model, d->key, (int)len, name);
    }
    if (listed_before(value, name, len)) {
      return pc_error_set(e, PC_INPUT, "%s.%s: '%.*s' is listed twice",
                          model, d->key, (int)len, name);
    }
    count++;
  }
  if (count < 2 || count > (size_t)d->max) {
    return pc_error_set(e, PC_INPUT, "%s.%s: '%s' names %zu model(s); it "
                        "takes 2 to %.0f models of the job", model, d->key,
                        value, count, d->max);
  }
  return PC_OK;
}

static void valid_keys(const pc_model_type *t, char *buf, size_t len) {
  buf[0] = '\0';
  for (size_t i = 0; i < t->nparams; i++) {
    pc_names_append(buf, len, t->params[i].key);
  }
  if (t->nparams == 0) {
    snprintf(buf, len, "none");
  }
}

/* Validates one `<model>.<key>` value against the type's table and stores it.
 * Messages name the model and key but not the origin: the job reader prefixes
 * its file:line (apply_model_key in src/job/job.c). A value that is refused
 * leaves the previous one in place. */
pc_status pc_model_spec_set(pc_model_spec *spec, const char *key,
                            const char *value, pc_error *e) {
  long i = param_index(spec->type, key);
  if (i < 0) {
    char keys[512];
    valid_keys(spec->type, keys, sizeof keys);
    return pc_error_set(
        e, PC_INPUT, "unknown key '%s.%s' for model type %s (valid keys: %s)",
        spec->name, key, spec->type->name, keys);
  }
  const pc_param_def *d = &spec->type->params[i];
  if (strlen(value) >= PC_PARAM_VALUE_MAX) {
    return pc_error_set(e, PC_INPUT, "%s.%s: value is too long", spec->name,
                        key);
  }
  if (d->kind == PC_PARAM_CHOICE && !choice_ok(d->choices, value)) {
    return pc_error_set(e, PC_INPUT, "%s.%s: '%s' is not one of %s",
                        spec->name, key, value, d->choices);
  }
  if (d->kind == PC_PARAM_INT || d->kind == PC_PARAM_DOUBLE) {
    pc_status st = check_number(d, value, spec->name, e);
    if (st != PC_OK) {
      return st;
    }
  }
  if (d->kind == PC_PARAM_MODELS) {
    pc_status st = check_model_list(d, value, spec->name, e);
    if (st == PC_OK) {
      canonical_list(value, spec->values[i]);
    }
    return st;
  }
  snprintf(spec->values[i], PC_PARAM_VALUE_MAX, "%s", value);
  return PC_OK;
}

/* The accessors read values that pc_model_spec_set has already validated, so
 * they skip error checks; an unknown key reads as "" (0 for the numeric ones),
 * a programming error that the contract test would show. */
const char *pc_model_spec_str(const pc_model_spec *spec, const char *key) {
  long i = param_index(spec->type, key);
  return i < 0 ? "" : spec->values[i];
}

long pc_model_spec_long(const pc_model_spec *spec, const char *key) {
  return strtol(pc_model_spec_str(spec, key), NULL, 10);
}

double pc_model_spec_double(const pc_model_spec *spec, const char *key) {
  return strtod(pc_model_spec_str(spec, key), NULL);
}

/* Writes "type=<type>" and every key of the type, defaults included, in table
 * order: the model's part of the settings text that the store keeps and
 * compares (docs/STORE.md, "Settings"). Keys are written even at their default
 * so that the text is complete on its own; a key added later with a default
 * that reproduces the old behaviour is matched by pc_settings_match when an
 * older text lacks it. */
void pc_model_spec_settings(const pc_model_spec *spec, char *buf, size_t len) {
  int n = snprintf(buf, len, "type=%s", spec->type->name);
  size_t used = n > 0 ? (size_t)n : 0;
  /* Prefixed with the type, so a model key never reads like a job key
   * (xgboost.seed is not the job's seed). */
  for (size_t i = 0; i < spec->type->nparams && used < len; i++) {
    n = snprintf(buf + used, len - used, " %s.%s=%s", spec->type->name,
                 spec->type->params[i].key, spec->values[i]);
    used += n > 0 ? (size_t)n : 0;
  }
}

/* ---- the dispatcher ---------------------------------------------------- */

/* The fitted model: its own copy of the spec (so the spec it came from may be
 * freed) and the type's opaque state of state_size bytes, zeroed at allocation
 * so a type's release can always tell what fit or load set. */
struct pc_model {
  pc_model_spec spec;
  void *state;
};

/* A type's check validates what its keys need of the data before any fit
 * (a covariate a key names is a column of the file): the driver calls it
 * before the store is touched (check_models in src/driver/run.c), so a job
 * that cannot work fails once with exit 2 instead of once per training
 * date. */
pc_status pc_model_check(const pc_model_spec *spec, const pc_history *columns,
                         long min_history, pc_error *e) {
  if (spec->type->check == NULL) {
    return PC_OK;
  }
  return spec->type->check(spec, columns, min_history, e);
}

/* pc_model_alloc with the job context attached; the context is borrowed and
 * must outlive the model (the driver's job does). */
pc_status pc_model_alloc_in(pc_model **out, const pc_model_spec *spec,
                            const pc_model_context *ctx, pc_error *e) {
  pc_status st = pc_model_alloc(out, spec, e);
  if (st == PC_OK) {
    (*out)->spec.ctx = ctx;
  }
  return st;
}

/* Ownership: *out belongs to the caller, released with pc_model_free. On
 * failure nothing is allocated and *out is unchanged. */
pc_status pc_model_alloc(pc_model **out, const pc_model_spec *spec,
                         pc_error *e) {
  pc_model *m = calloc(1, sizeof *m);
  if (m == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory allocating a model");
  }
  m->state = calloc(1, spec->type->state_size ? spec->type->state_size : 1);
  if (m->state == NULL || pc_model_spec_copy(&m->spec, spec) != PC_OK) {
    free(m->state);
    free(m);
    return pc_error_set(e, PC_NOMEM, "out of memory allocating a model");
  }
  *out = m;
  return PC_OK;
}

/* NULL is accepted, like free, so error paths can free unconditionally. The
 * type's release frees what its state points to; the state block itself is the
 * dispatcher's. */
void pc_model_free(pc_model *m) {
  if (m == NULL) {
    return;
  }
  if (m->spec.type->release != NULL) {
    m->spec.type->release(m->state);
  }
  free(m->state);
  pc_model_spec_fini(&m->spec);
  free(m);
}

/* fit and simulate are the hot calls: no checks here, the spec was validated
 * when the job was read and the history is the driver's pc_history view of the
 * rows before the training or forecast date. */
pc_status pc_model_fit(pc_model *m, const pc_history *h, pc_error *e) {
  return m->spec.type->fit(m->state, &m->spec, h, e);
}

pc_status pc_model_simulate(const pc_model *m, const pc_history *h,
                            const pc_sim_request *req, double *out,
                            pc_error *e) {
  return m->spec.type->simulate(m->state, &m->spec, h, req, out, e);
}

/* Every record carries the type that saved it (a diagnostics field the
 * dispatcher owns), so a record of one model type is never loaded as
 * another, even when their fields look alike (naive and random_walk). */
#define TYPE_FIELD "model_type"

pc_status pc_model_save(const pc_model *m, pc_record *out, pc_error *e) {
  pc_status st = m->spec.type->save(m->state, out, e);
  if (st == PC_OK &&
      pc_record_add_str(out, PC_SECTION_DIAGNOSTICS, TYPE_FIELD,
                        m->spec.type->name) != PC_OK) {
    st = pc_error_set(e, PC_NOMEM, "cannot save model");
  }
  return st;
}

pc_status pc_model_load(pc_model *m, const pc_record *in, pc_error *e) {
  const pc_field *t = pc_record_get(in, TYPE_FIELD);
  /* A record without the tag (written before it existed) cannot prove its
   * type: the run that needs it trains the model again. */
  if (t == NULL || t->kind != PC_FIELD_STR) {
    return pc_error_set(e, PC_FATAL, "the trained model does not record its "
                        "model type (saved by an earlier pathcast)");
  }
  if (strcmp((const char *)t->data, m->spec.type->name) != 0) {
    return pc_error_set(e, PC_FATAL, "the trained model is a %s model, not "
                        "%s", (const char *)t->data, m->spec.type->name);
  }
  return m->spec.type->load(m->state, in, e);
}

const pc_model_spec *pc_model_spec_of(const pc_model *m) { return &m->spec; }

/* ---- history helpers --------------------------------------------------- */

/* Missing closes are NaN in a history (docs/DATA.md); this counts the observed
 * ones, which is what min_history compares against. */
size_t pc_history_count_present(const pc_history *h) {
  size_t n = 0;
  for (size_t i = 0; i < h->n; i++) {
    n += !isnan(h->close[i]);
  }
  return n;
}

/* The word "none" is accepted only as the whole text, so a model or column that
 * happens to be called "none_x" is still read as a name. */
size_t pc_name_list_next(const char **cursor, const char **name) {
  const char *p = *cursor;
  if (strcmp(p, "none") == 0) {
    p += 4;
  }
  p += strspn(p, " ,");
  size_t len = strcspn(p, " ,");
  *name = p;
  *cursor = p + len;
  return len;
}

/* Column index of covariate `name` (len bytes, not NUL-terminated because it
 * points into a list key's text), or -1. */
long pc_history_cov_index(const pc_history *h, const char *name, size_t len) {
  for (size_t j = 0; j < h->ncov; j++) {
    if (strlen(h->cov_name[j]) == len &&
        strncmp(h->cov_name[j], name, len) == 0) {
      return (long)j;
    }
  }
  return -1;
}

/* The last observed close, skipping trailing missing ones: the level that
 * log-price paths start from. NaN when the history holds no close at all. */
double pc_history_last_close(const pc_history *h) {
  for (size_t i = h->n; i-- > 0;) {
    if (!isnan(h->close[i])) {
      return h->close[i];
    }
  }
  return NAN;
}

/* The date of that close: data_cutoff_date (docs/DESIGN.md, "Semantics worth
 * stating"); PC_DATE_NONE when there is none. */
pc_date pc_history_last_date(const pc_history *h) {
  for (size_t i = h->n; i-- > 0;) {
    if (!isnan(h->close[i])) {
      return h->date[i];
    }
  }
  return PC_DATE_NONE;
}

/* A missing close is skipped over: the return spans from the previous present
 * close, so a gap never invents a zero return. */
size_t pc_history_log_returns(const pc_history *h, size_t lookback,
                              double *out) {
  size_t n = 0;
  double prev = NAN;
  for (size_t i = 0; i < h->n; i++) {
    if (isnan(h->close[i])) {
      continue;
    }
    if (!isnan(prev)) {
      out[n++] = h->close[i] / prev;
    }
    prev = h->close[i];
  }
  if (lookback > 0 && n > lookback) {
    memmove(out, out + (n - lookback), lookback * sizeof *out);
    n = lookback;
  }
  /* The logs of the ratios kept, in one vector pass: pathcast's own log,
   * because a forecast's returns must be the same bits on every CPU (the C
   * library picks a variant per CPU). */
  pc_paths_ln(pc_simd_active(), out, n);
  return n;
}
