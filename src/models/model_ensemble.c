/* ensemble: a mixture of other models of the same job, weighted by how well
 * the mixture would have forecast the last `window` trading days before
 * the training date (docs/MODELS.md, "ensemble").
 *
 * A training re-creates, from the history it is given alone, each member's
 * forecast of every day D of the window exactly as the driver stores it:
 * the member fitted at its scheduled training date T_k(D) on the rows
 * before T_k(D), simulated for D from the rows before D with the member's
 * own key (pathcast/models/forecast.h).  Their samples score every (D, horizon)
 * whose actual lies in the history; the weights minimise the mixture's mean
 * CRPS over them (ensemble.h), with equal weights when too few pairs were
 * scored.  Then every member is fitted on the whole history, and their
 * trained states are kept inside the ensemble's record, so loading it
 * restores the whole ensemble.
 *
 * A forecast simulates each member that has paths to give, with the key the
 * driver gives that member for the same date, and path i takes member
 * m(i)'s path i (a stratified choice keyed by the path index only): an
 * ensemble path equals, bit for bit, the path the chosen member stores for
 * the same date. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ensemble.h"
#include "pathcast/models/forecast.h"
#include "pathcast/core/metrics.h"

/* The window's default, 120 trading days (about six months), is the
 * issue's: long enough for over a thousand scored (date, horizon) pairs,
 * short enough to follow a change of regime.  docs/MODELS.md measures
 * longer windows. */
static const pc_param_def ensemble_params[] = {
    {"members", PC_PARAM_MODELS, "naive,random_walk", 2, PC_ENSEMBLE_MAX,
     NULL,
     "models of this job to combine (2 to 8, none an ensemble itself)"},
    {"window", PC_PARAM_INT, "120", 1, 2000, NULL,
     "trading days before the training date whose forecasts score the "
     "weights"},
    {"min_pairs", PC_PARAM_INT, "100", 1, 1e6, NULL,
     "fewest scored (forecast date, horizon) pairs for learned weights; "
     "with fewer the weights are equal"},
};

/* A trained ensemble: its members fitted at the training date and their
 * weights, and, for `pathcast models`, how the weights were found. */
typedef struct {
  int n; /* members */
  char name[PC_ENSEMBLE_MAX][PC_MODEL_NAME_MAX];
  pc_model *member[PC_ENSEMBLE_MAX]; /* fitted on the whole history (owned) */
  double weight[PC_ENSEMBLE_MAX];
  /* How the weights were found (diagnostics). */
  double crps, equal_crps, member_crps[PC_ENSEMBLE_MAX];
  int64_t pairs, dates, skipped;
  char reason[512]; /* why the weights are equal; "" when learned */
} ens_state;

/* Without a job (unit tests, the contract test) the members are model types
 * with their default keys, and the window is scored as a default job would
 * forecast it: weekdays, semiannual training from 1970-01-01, seed 1. */
static const pc_calendar weekdays = {PC_CAL_WEEKDAYS, NULL, 0};
static const pc_model_context no_job = {
    NULL, 0,    1,   "",   "", &weekdays, PC_FREQ_SEMIANNUALLY, 0, 250, 5,
    2000, 14};

static const pc_model_context *context_of(const pc_model_spec *spec) {
  return spec->ctx != NULL ? spec->ctx : &no_job;
}

/* ---- members ------------------------------------------------------------ */

typedef struct {
  int n;
  pc_model_spec spec[PC_ENSEMBLE_MAX]; /* owned copies */
} member_list;

static void members_fini(member_list *ml) {
  for (int k = 0; k < ml->n; k++) {
    pc_model_spec_fini(&ml->spec[k]);
  }
  ml->n = 0;
}

/* The spec of the member named by the len bytes at name: the job's model
 * of that name (its own keys, which the ensemble's settings text holds), or
 * (no job) the model type of that name with its defaults.  The job refuses
 * bad names when it is read; this check is for models used alone. */
static pc_status member_spec(const pc_model_spec *ens, const char *name,
                             size_t len, pc_model_spec *out, pc_error *e) {
  const pc_model_context *ctx = ens->ctx;
  char one[PC_MODEL_NAME_MAX];
  snprintf(one, sizeof one, "%.*s", (int)len, name);
  const pc_model_spec *found = NULL;
  for (size_t i = 0; ctx != NULL && i < ctx->nmodels; i++) {
    found = strcmp(ctx->models[i].name, one) == 0 ? &ctx->models[i] : found;
  }
  const pc_model_type *t = found != NULL ? found->type
                           : ctx == NULL ? pc_model_type_find(one)
                                         : NULL;
  if (t == NULL) {
    return pc_error_set(e, PC_INPUT, "%s.members: '%s' is not a model %s",
                        ens->name, one, ctx != NULL ? "of this job" : "type");
  }
  if (pc_model_type_combines(t)) {
    return pc_error_set(e, PC_INPUT, "%s.members: '%s' combines models "
                        "itself (they do not nest)", ens->name, one);
  }
  pc_status st = found != NULL ? pc_model_spec_copy(out, found)
                               : pc_model_spec_init(out, one, t);
  out->ctx = ens->ctx;
  return st == PC_OK ? PC_OK : pc_error_set(e, st, "out of memory");
}

static pc_status members_of(const pc_model_spec *spec, member_list *ml,
                            pc_error *e) {
  const char *cursor = pc_model_spec_str(spec, "members"), *name = NULL;
  size_t len;
  pc_status st = PC_OK;
  ml->n = 0;
  while (st == PC_OK && ml->n < PC_ENSEMBLE_MAX &&
         (len = pc_name_list_next(&cursor, &name)) > 0) {
    st = member_spec(spec, name, len, &ml->spec[ml->n], e);
    ml->n += st == PC_OK;
  }
  return st;
}

/* ---- the window's forecasts and their scores ---------------------------- */

/* The rows of h dated before d (h is sorted by date). */
static pc_history rows_before(const pc_history *h, pc_date d) {
  pc_history v = *h;
  v.n = pc_dates_before(h->date, h->n, d);
  return v;
}

/* The close observed on d, NAN when h has none. */
static double close_on(const pc_history *h, pc_date d) {
  long i = pc_dates_find(h->date, h->n, d);
  return i < 0 ? NAN : h->close[i];
}

/* Everything one training's window needs.  Each member is held fitted at
 * one scheduled date at a time: the window's dates ascend, so their
 * training dates T_k(D) do, and each distinct one is fitted once (one or
 * two per window for semiannual training, up to the window's length for
 * daily).  The members' paths of one date are kept as the float32 the
 * store would hold, so the scores are those `evaluate` would compute from
 * the stored forecasts. */
typedef struct {
  const pc_model_context *ctx;
  const pc_history *h;
  const member_list *ml;
  pc_model *fit[PC_ENSEMBLE_MAX];
  pc_date fit_date[PC_ENSEMBLE_MAX]; /* PC_DATE_NONE: not fitted yet */
  pc_forecast_work fw;
  float *paths;    /* per member: paths x horizon, as stored */
  double *sorted;  /* per member: one day's sorted sample */
  uint32_t *work;  /* the sort's scratch */
  double a[PC_ENSEMBLE_MAX], B[PC_ENSEMBLE_MAX * PC_ENSEMBLE_MAX]; /* sums */
  long pairs, dates, skipped;
  char skip_reason[256]; /* the first date skipped: why */
} scorer;

static pc_status scorer_init(scorer *s, const pc_model_context *ctx,
                             const pc_history *h, const member_list *ml) {
  memset(s, 0, sizeof *s);
  s->ctx = ctx;
  s->h = h;
  s->ml = ml;
  for (int k = 0; k < PC_ENSEMBLE_MAX; k++) {
    s->fit_date[k] = PC_DATE_NONE;
  }
  size_t n = (size_t)ctx->paths;
  s->paths =
      malloc((size_t)ml->n * n * (size_t)ctx->horizon * sizeof *s->paths);
  s->sorted = malloc((size_t)ml->n * n * sizeof *s->sorted);
  s->work = malloc(2 * n * sizeof *s->work);
  return s->paths && s->sorted && s->work ? PC_OK : PC_NOMEM;
}

static void scorer_fini(scorer *s) {
  for (int k = 0; k < PC_ENSEMBLE_MAX; k++) {
    pc_model_free(s->fit[k]);
  }
  pc_forecast_work_fini(&s->fw);
  free(s->paths);
  free(s->sorted);
  free(s->work);
}

/* Member k as the driver trains it at t: fitted on the rows before t when
 * they hold min_history observations.  PC_MODEL (the driver would have
 * recorded a failed training) leaves it unfitted until the next t. */
static pc_status fit_member_at(scorer *s, int k, pc_date t, pc_error *why) {
  if (s->fit_date[k] == t) {
    return s->fit[k] != NULL
               ? PC_OK
               : pc_error_set(why, PC_MODEL, "%s was not trained at this "
                              "date", s->ml->spec[k].name);
  }
  pc_model_free(s->fit[k]);
  s->fit[k] = NULL;
  s->fit_date[k] = t;
  pc_history before = rows_before(s->h, t);
  pc_model *m = NULL;
  pc_status st = pc_forecast_check_history(s->ctx, &before, t, why);
  if (st == PC_OK) {
    st = pc_model_alloc(&m, &s->ml->spec[k], why);
  }
  if (st == PC_OK) {
    st = pc_model_fit(m, &before, why);
  }
  if (st != PC_OK) {
    pc_model_free(m);
    return st;
  }
  s->fit[k] = m;
  return PC_OK;
}

/* Every member's stored forecast of d into s->paths; PC_MODEL (with the
 * reason) when one of them has none.  Weights are compared on common
 * ground: a date is scored for all members or for none. */
static pc_status forecast_members(scorer *s, pc_date d, pc_error *why) {
  const pc_model_context *ctx = s->ctx;
  pc_date t = pc_schedule_on_or_before(ctx->train_frequency,
                                       ctx->train_anchor, d);
  pc_history before = rows_before(s->h, d);
  size_t block = (size_t)ctx->paths * (size_t)ctx->horizon;
  pc_status st = PC_OK;
  for (int k = 0; k < s->ml->n && st == PC_OK; k++) {
    st = fit_member_at(s, k, t, why);
    if (st == PC_OK) {
      st = pc_forecast_simulate(s->fit[k], ctx, &before, d, &s->fw, why);
    }
    if (st == PC_OK) {
      st = pc_forecast_paths(&s->fw, ctx->paths, ctx->horizon,
                             s->paths + (size_t)k * block, why);
    }
  }
  return st;
}

/* Adds the CRPS terms of day j of the members' forecasts against y: each
 * member's E|X_k - y| and every E|X_k - X_l| (B is symmetric: each pair is
 * computed once), from samples sorted once per day. */
static void score_pair(scorer *s, int j, double y) {
  int m = s->ml->n;
  size_t n = (size_t)s->ctx->paths, h = (size_t)s->ctx->horizon;
  for (int k = 0; k < m; k++) {
    pc_sort_column(s->paths + (size_t)k * n * h + (size_t)j, n, h,
                   s->sorted + (size_t)k * n, s->work);
    s->a[k] += pc_mean_abs_diff(s->sorted + (size_t)k * n, n, &y, 1);
  }
  for (int k = 0; k < m; k++) {
    for (int l = k; l < m; l++) {
      double b = pc_mean_abs_diff(s->sorted + (size_t)k * n, n,
                                  s->sorted + (size_t)l * n, n);
      s->B[k * m + l] += b;
      s->B[l * m + k] += l != k ? b : 0.0;
    }
  }
  s->pairs++;
}

/* Scores the forecasts of d at every horizon whose close the history
 * holds: all of them lie before the training date, so no close on or after
 * it is ever used.  Days whose close is missing are not scored. */
static pc_status score_date(scorer *s, pc_date d, pc_error *e) {
  pc_error why;
  pc_error_clear(&why);
  pc_status st = forecast_members(s, d, &why);
  if (st == PC_MODEL) {
    if (s->skipped++ == 0) {
      char day[PC_DATE_STRLEN];
      snprintf(s->skip_reason, sizeof s->skip_reason, "%s: %.200s",
               pc_date_format(d, day), why.msg);
    }
    return PC_OK;
  }
  if (st != PC_OK) {
    return pc_error_set(e, st, "%s", why.msg);
  }
  s->dates++;
  for (int j = 0; j < s->ctx->horizon; j++) {
    double y = close_on(s->h, pc_calendar_nth(s->ctx->calendar, d, j + 1));
    if (!isnan(y)) {
      score_pair(s, j, y);
    }
  }
  return PC_OK;
}

/* The last `window` trading days on or before the history's last row,
 * ascending, into out; returns how many.  A model sees no training date,
 * only the rows before it; with current data the last row is the trading
 * day before the training date, and the trading days after a stale last
 * row would have no close to score anyway.  Days on or before the first
 * row have no history to forecast from. */
static int window_dates(const pc_model_context *ctx, const pc_history *h,
                        int window, pc_date *out) {
  if (h->n == 0) {
    return 0;
  }
  pc_date last = h->date[h->n - 1];
  pc_date d = pc_calendar_is_trading(ctx->calendar, last)
                  ? last
                  : pc_calendar_prev(ctx->calendar, last);
  int n = 0;
  for (; n < window && d > h->date[0]; n++) {
    out[window - 1 - n] = d;
    d = pc_calendar_prev(ctx->calendar, d);
  }
  memmove(out, out + (window - n), (size_t)n * sizeof *out);
  return n;
}

/* The weights and their diagnostics from the scores' sums: the means over
 * the pairs give the quadratic of ensemble.h; each member's own CRPS and
 * the equal weights' are the same quadratic at other points, kept so that
 * `pathcast models` shows what the learned weights gained. */
static void set_weights(ens_state *e, const scorer *s, long min_pairs) {
  int m = e->n;
  double a[PC_ENSEMBLE_MAX], B[PC_ENSEMBLE_MAX * PC_ENSEMBLE_MAX];
  double equal[PC_ENSEMBLE_MAX];
  for (int k = 0; k < m; k++) {
    a[k] = s->a[k] / (double)s->pairs;
    for (int l = 0; l < m; l++) {
      B[k * m + l] = s->B[k * m + l] / (double)s->pairs;
    }
    equal[k] = 1.0 / m;
  }
  for (int k = 0; k < m; k++) {
    double one[PC_ENSEMBLE_MAX] = {0};
    one[k] = 1.0;
    e->member_crps[k] = pc_ensemble_crps(a, B, m, one);
  }
  e->equal_crps = pc_ensemble_crps(a, B, m, equal);
  e->pairs = s->pairs;
  e->dates = s->dates;
  e->skipped = s->skipped;
  if (s->pairs >= min_pairs) {
    pc_ensemble_weights(a, B, m, e->weight, &e->crps);
    return;
  }
  memcpy(e->weight, equal, (size_t)m * sizeof *equal);
  e->crps = e->equal_crps; /* NAN without pairs */
  snprintf(e->reason, sizeof e->reason, "%ld scored pairs in the window, "
           "fewer than min_pairs = %ld%s%s", s->pairs, min_pairs,
           s->skipped > 0 ? "; first date without every member's forecast: "
                          : "",
           s->skip_reason);
}

static pc_status learn_weights(ens_state *e, const pc_model_spec *spec,
                               const member_list *ml, const pc_history *h,
                               pc_error *err) {
  const pc_model_context *ctx = context_of(spec);
  int window = (int)pc_model_spec_long(spec, "window");
  pc_date *dates = malloc((size_t)window * sizeof *dates);
  scorer s;
  pc_status st = scorer_init(&s, ctx, h, ml);
  if (st != PC_OK || dates == NULL) {
    scorer_fini(&s);
    free(dates);
    return pc_error_set(err, PC_NOMEM, "out of memory");
  }
  int n = window_dates(ctx, h, window, dates);
  for (int i = 0; i < n && st == PC_OK; i++) {
    st = score_date(&s, dates[i], err);
  }
  if (st == PC_OK) {
    set_weights(e, &s, pc_model_spec_long(spec, "min_pairs"));
  }
  scorer_fini(&s);
  free(dates);
  return st;
}

/* ---- the model ---------------------------------------------------------- */

static void ensemble_release(void *state) {
  ens_state *s = state;
  for (int k = 0; k < PC_ENSEMBLE_MAX; k++) {
    pc_model_free(s->member[k]);
    s->member[k] = NULL;
  }
}

/* Every member fitted on the whole history: the state the ensemble
 * forecasts with, as the member's own training at this date would be.  A
 * member that cannot be fitted fails the ensemble, with the member's
 * reason (renormalising over the others would store a mixture its
 * weights were not learned for). */
static pc_status fit_members(ens_state *s, const member_list *ml,
                             const pc_history *h, pc_error *e) {
  for (int k = 0; k < ml->n; k++) {
    pc_error why;
    pc_error_clear(&why);
    pc_status st = pc_model_alloc(&s->member[k], &ml->spec[k], e);
    if (st == PC_OK) {
      st = pc_model_fit(s->member[k], h, &why);
      if (st != PC_OK) {
        return pc_error_set(e, st, "member %s: %s", ml->spec[k].name, why.msg);
      }
    }
    if (st != PC_OK) {
      return st;
    }
  }
  return PC_OK;
}

static pc_status ensemble_fit(void *state, const pc_model_spec *spec,
                              const pc_history *h, pc_error *e) {
  ens_state *s = state;
  member_list ml;
  pc_status st = members_of(spec, &ml, e);
  s->n = ml.n;
  for (int k = 0; k < ml.n; k++) {
    snprintf(s->name[k], sizeof s->name[k], "%s", ml.spec[k].name);
  }
  if (st == PC_OK) {
    st = learn_weights(s, spec, &ml, h, e);
  }
  if (st == PC_OK) {
    st = fit_members(s, &ml, h, e);
  }
  members_fini(&ml);
  return st;
}

/* The forecast date of a request the driver made (its step dates end with
 * the horizon), else PC_DATE_NONE. */
static pc_date driver_date(const pc_model_context *ctx,
                           const pc_sim_request *req) {
  if (ctx == NULL || req->dates == NULL || req->npaths != ctx->paths ||
      req->steps < ctx->horizon) {
    return PC_DATE_NONE;
  }
  return req->dates[req->steps - ctx->horizon];
}

/* Member k's key: the driver's key of that member for the same date, so
 * its paths are the ones it stores; outside a run, one derived from the
 * request's key and the member's name. */
static pc_rng_key member_key(const pc_model_context *ctx, const char *name,
                             pc_date d, pc_rng_key key) {
  if (d != PC_DATE_NONE) {
    return pc_rng_key_forecast(ctx->seed, ctx->commodity, name,
                               ctx->model_version, d);
  }
  uint64_t seed = (uint64_t)key.k[0] << 32 | key.k[1];
  return pc_rng_key_forecast(seed, "", name, "", 0);
}

/* Simulates member k into scratch and copies the paths that are its own
 * (which[i] == k) into out.  The member gets the whole request (every
 * path, the same step dates), only the key is its own: so it computes
 * exactly what the driver computes for it, whatever share it gives. */
static pc_status member_paths(const ens_state *s, int k,
                              const pc_model_spec *spec, const pc_history *h,
                              const pc_sim_request *req, const int *which,
                              double *scratch, double *out, pc_error *e) {
  pc_sim_request mine = *req;
  mine.key = member_key(spec->ctx, s->name[k], driver_date(spec->ctx, req),
                        req->key);
  pc_error why;
  pc_error_clear(&why);
  pc_status st = pc_model_simulate(s->member[k], h, &mine, scratch, &why);
  if (st != PC_OK) {
    return pc_error_set(e, st, "member %s: %s", s->name[k], why.msg);
  }
  size_t row = (size_t)req->steps;
  for (int i = 0; i < req->npaths; i++) {
    if (which[i] == k) {
      memcpy(out + (size_t)i * row, scratch + (size_t)i * row,
             row * sizeof *out);
    }
  }
  return PC_OK;
}

/* Which member gives each path is decided first, so that members giving
 * none (weight 0, or too small a weight for one path) are not simulated. */
static pc_status ensemble_simulate(const void *state, const pc_model_spec *spec,
                                   const pc_history *h,
                                   const pc_sim_request *req, double *out,
                                   pc_error *e) {
  const ens_state *s = state;
  int *which = malloc((size_t)req->npaths * sizeof *which);
  double *scratch =
      malloc((size_t)req->npaths * (size_t)req->steps * sizeof *scratch);
  int used[PC_ENSEMBLE_MAX] = {0};
  pc_status st = which && scratch ? PC_OK
                                  : pc_error_set(e, PC_NOMEM, "out of memory");
  for (int i = 0; st == PC_OK && i < req->npaths; i++) {
    which[i] = pc_ensemble_member_of(s->weight, s->n, i, req->npaths);
    used[which[i]] = 1;
  }
  for (int k = 0; st == PC_OK && k < s->n; k++) {
    if (used[k]) {
      st = member_paths(s, k, spec, h, req, which, scratch, out, e);
    }
  }
  free(which);
  free(scratch);
  return st;
}

/* ---- the record --------------------------------------------------------- */

/* Member k's fields are its own record's, named `m<k+1>.<field>` (an
 * index, not its name: a field name has 47 characters, a model name up to
 * 64), and its settings text (type and keys) is `m<k+1>_settings`: a
 * loader needs both to rebuild the member, and the job is not asked, so a
 * stored ensemble is complete in itself.  The settings are a diagnostic,
 * which keeps `pathcast models`' one-line table readable. */
static void put_member(pc_record_writer *w, const ens_state *s, int k,
                       pc_error *e) {
  char name[32], settings[8192];
  pc_record sub;
  pc_record_init(&sub);
  pc_model_spec_settings(pc_model_spec_of(s->member[k]), settings,
                         sizeof settings);
  snprintf(name, sizeof name, "m%d_settings", k + 1);
  pc_put_str(w, PC_SECTION_DIAGNOSTICS, name, settings);
  if (w->st == PC_OK) {
    w->st = pc_model_save(s->member[k], &sub, e);
  }
  snprintf(name, sizeof name, "m%d.", k + 1);
  pc_put_record(w, name, &sub);
  pc_record_fini(&sub);
}

static pc_status ensemble_save(const void *state, pc_record *out, pc_error *e) {
  const ens_state *s = state;
  char list[PC_ENSEMBLE_MAX * PC_MODEL_NAME_MAX] = "";
  for (int k = 0; k < s->n; k++) {
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
             k ? "," : "", s->name[k]);
  }
  pc_record_writer w;
  pc_writer_init(&w, out);
  pc_put_str(&w, PC_SECTION_PARAMS, "members", list);
  pc_put_f64(&w, PC_SECTION_PARAMS, "weights", s->weight, (size_t)s->n);
  for (int k = 0; k < s->n; k++) {
    put_member(&w, s, k, e);
  }
  pc_section diag = PC_SECTION_DIAGNOSTICS;
  pc_put_str(&w, diag, "weights_method", s->reason[0] ? "equal" : "crps");
  pc_put_str(&w, diag, "fallback_reason", s->reason);
  pc_put_scalar(&w, diag, "crps", s->crps);
  pc_put_scalar(&w, diag, "equal_weights_crps", s->equal_crps);
  pc_put_f64(&w, diag, "member_crps", s->member_crps, (size_t)s->n);
  pc_put_int(&w, diag, "pairs", s->pairs);
  pc_put_int(&w, diag, "window_dates", s->dates);
  pc_put_int(&w, diag, "window_skipped", s->skipped);
  return pc_writer_finish(&w, e);
}

/* A member's spec from its settings text ("type=T T.key=value ..." in the
 * order of T's keys; pc_model_spec_settings): a value runs to the next
 * key's word, so values may hold spaces.  Keys T gained after the record
 * was written are missing at the end and keep their defaults. */
static pc_status spec_from_settings(const char *name, const char *text,
                                    pc_model_spec *spec, pc_error *e) {
  size_t tlen = strncmp(text, "type=", 5) == 0 ? strcspn(text + 5, " ") : 0;
  char type[PC_MODEL_NAME_MAX];
  snprintf(type, sizeof type, "%.*s", (int)tlen, text + 5);
  const pc_model_type *t = tlen ? pc_model_type_find(type) : NULL;
  if (t == NULL || pc_model_type_combines(t) ||
      pc_model_spec_init(spec, name, t) != PC_OK) {
    return pc_error_set(e, PC_FATAL, "member %s: its settings do not name a "
                        "model type it can be", name);
  }
  const char *p = text + 5 + tlen;
  pc_status st = PC_OK;
  for (size_t k = 0; k < t->nparams && *p != '\0' && st == PC_OK; k++) {
    char word[PC_MODEL_NAME_MAX + 64], next[PC_MODEL_NAME_MAX + 64] = "";
    snprintf(word, sizeof word, " %s.%s=", t->name, t->params[k].key);
    if (k + 1 < t->nparams) {
      snprintf(next, sizeof next, " %s.%s=", t->name, t->params[k + 1].key);
    }
    if (strncmp(p, word, strlen(word)) != 0) {
      st = pc_error_set(e, PC_FATAL, "member %s: its settings lack %s", name,
                        word + 1);
      break;
    }
    p += strlen(word);
    const char *end = next[0] ? strstr(p, next) : NULL;
    end = end != NULL ? end : p + strlen(p);
    char value[PC_PARAM_VALUE_MAX];
    snprintf(value, sizeof value, "%.*s", (int)(end - p), p);
    st = pc_model_spec_set(spec, t->params[k].key, value, e);
    p = end;
  }
  if (st == PC_OK && *p != '\0') {
    st = pc_error_set(e, PC_FATAL, "member %s: its settings hold more than "
                      "a %s model's keys", name, t->name);
  }
  return st == PC_OK ? PC_OK : PC_FATAL;
}

/* Member k from its settings and its prefixed fields. */
static void read_member(pc_record_reader *r, ens_state *s, int k) {
  char key[32], settings[8192];
  pc_model_spec spec;
  pc_record sub;
  pc_record_init(&sub);
  memset(&spec, 0, sizeof spec);
  snprintf(key, sizeof key, "m%d_settings", k + 1);
  pc_read_str(r, key, settings, sizeof settings);
  snprintf(key, sizeof key, "m%d.", k + 1);
  pc_read_prefixed(r, key, &sub);
  pc_error why;
  pc_error_clear(&why);
  if (r->st == PC_OK) {
    r->st = spec_from_settings(s->name[k], settings, &spec, r->e);
  }
  if (r->st == PC_OK) {
    r->st = pc_model_alloc(&s->member[k], &spec, r->e);
  }
  if (r->st == PC_OK && pc_model_load(s->member[k], &sub, &why) != PC_OK) {
    r->st = pc_error_set(r->e, PC_FATAL, "member %s: %s", s->name[k],
                         why.msg);
  }
  if (spec.type != NULL) {
    pc_model_spec_fini(&spec);
  }
  pc_record_fini(&sub);
}

/* The member names of the `members` field into s; PC_FATAL unless they are
 * 2 to PC_ENSEMBLE_MAX names. */
static pc_status read_names(ens_state *s, const char *list, pc_error *e) {
  const char *cursor = list, *name = NULL;
  size_t len;
  s->n = 0;
  while ((len = pc_name_list_next(&cursor, &name)) > 0 &&
         s->n < PC_ENSEMBLE_MAX && len < PC_MODEL_NAME_MAX) {
    snprintf(s->name[s->n++], PC_MODEL_NAME_MAX, "%.*s", (int)len, name);
  }
  if (s->n < 2 || len > 0) {
    s->n = 0;
    return pc_error_set(e, PC_FATAL, "trained model field 'members' does not "
                        "list 2 to %d members", PC_ENSEMBLE_MAX);
  }
  return PC_OK;
}

/* Weights the paths can be drawn with: finite, not negative, summing to 1. */
static pc_status check_weights(const ens_state *s, pc_error *e) {
  double total = 0.0;
  for (int k = 0; k < s->n; k++) {
    if (!(s->weight[k] >= 0.0) || !isfinite(s->weight[k])) {
      total = NAN;
    }
    total += s->weight[k];
  }
  if (!(fabs(total - 1.0) < 1e-9)) {
    return pc_error_set(e, PC_FATAL, "trained model field 'weights' is not a "
                        "distribution over the members");
  }
  return PC_OK;
}

/* Every field is read (pc_reader_finish refuses a record with one the
 * loader never read): the members through their own loaders, which refuse
 * their fields missing or retyped in turn. */
static pc_status ensemble_load(void *state, const pc_record *in, pc_error *e) {
  ens_state *s = state;
  char list[PC_ENSEMBLE_MAX * PC_MODEL_NAME_MAX], method[16];
  pc_record_reader r;
  pc_reader_init(&r, in, e);
  pc_read_str(&r, "members", list, sizeof list);
  if (r.st == PC_OK) {
    r.st = read_names(s, list, e);
  }
  pc_read_f64(&r, "weights", s->weight, (size_t)s->n);
  for (int k = 0; k < s->n && r.st == PC_OK; k++) {
    read_member(&r, s, k);
  }
  pc_read_str(&r, "weights_method", method, sizeof method);
  pc_read_str(&r, "fallback_reason", s->reason, sizeof s->reason);
  pc_read_scalar(&r, "crps", &s->crps);
  pc_read_scalar(&r, "equal_weights_crps", &s->equal_crps);
  pc_read_f64(&r, "member_crps", s->member_crps, (size_t)s->n);
  pc_read_int(&r, "pairs", &s->pairs);
  pc_read_int(&r, "window_dates", &s->dates);
  pc_read_int(&r, "window_skipped", &s->skipped);
  pc_status st = pc_reader_finish(&r);
  return st == PC_OK ? check_weights(s, e) : st;
}

/* The members' own checks too: a run of `--model ens` checks only the
 * ensemble, which fits its members. */
static pc_status ensemble_check(const pc_model_spec *spec,
                                const pc_history *columns, long min_history,
                                pc_error *e) {
  member_list ml;
  pc_status st = members_of(spec, &ml, e);
  for (int k = 0; k < ml.n && st == PC_OK; k++) {
    st = pc_model_check(&ml.spec[k], columns, min_history, e);
  }
  members_fini(&ml);
  return st;
}

const pc_model_type pc_model_ensemble = {
    .name = "ensemble",
    .description = "mixture of other models of the job, weighted by the "
                   "CRPS of their recent forecasts",
    .params = ensemble_params,
    .nparams = sizeof ensemble_params / sizeof ensemble_params[0],
    .state_size = sizeof(ens_state),
    /* A training fits each member a few times and forecasts the window
     * with every member (about a second for three members, hundreds of
     * random walk fits); a forecast simulates the members that give paths
     * (docs/MODELS.md, "Cost"). */
    .fit_cost = 600.0,
    .forecast_cost = 4.0,
    .fit = ensemble_fit,
    .simulate = ensemble_simulate,
    .save = ensemble_save,
    .load = ensemble_load,
    .release = ensemble_release,
    .check = ensemble_check,
};
