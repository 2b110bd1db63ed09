/* The libxgboost C API behind the xgboost model (see xgb.h): training with
 * early stopping on a time-ordered validation tail, batch prediction, and
 * UBJSON persistence.  Every call's return is checked; a failure becomes
 * PC_MODEL with XGBoost's own message. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

#include "xgb.h"

/* PC_MODEL with the first line of XGBGetLastError (the rest is a stack
 * trace, which helps nobody reading a failure record). */
static pc_status xgb_fail(pc_error *e, const char *what) {
  const char *msg = XGBGetLastError();
  msg = msg != NULL ? msg : "unknown error";
  int len = (int)strcspn(msg, "\n");
  return pc_error_set(e, PC_MODEL, "xgboost: %s failed: %.*s", what,
                      len > 600 ? 600 : len, msg);
}

/* Every C API call returns 0 on success and -1 with a thread-local message
 * otherwise; wrapping each call keeps the message of the call that failed
 * (STYLE 6) instead of a later, unrelated one. */
#define XGB_CHECK(call, what, e)                                               \
  ((call) == 0 ? PC_OK : xgb_fail((e), (what)))

/* Safe on a partly trained or zeroed model (pc_xgb_train's error path), and
 * zeroes it, so a second free is harmless. */
void pc_xgb_model_free(pc_xgb_model *m) {
  if (m->booster != NULL) {
    XGBoosterFree(m->booster);
  }
  pc_xgb_forest_free(m->forest);
  free(m->resid);
  memset(m, 0, sizeof *m);
}

/* ---- data --------------------------------------------------------------- */

/* A DMatrix of rows [first, first + n) with labels y - center.
 * Labels are float32 in XGBoost, so the mean is taken out in double first and
 * added back in double after prediction (center): the trees model only the
 * deviations, and the mean return keeps double precision (docs/MODELS.md,
 * "Training"). NaN marks a missing feature (the same convention the tree
 * evaluator follows). The matrix copies x and the labels, so label is freed
 * here. */
static pc_status make_dmatrix(const pc_xgb_samples *s, size_t first, size_t n,
                              double center, DMatrixHandle *out, pc_error *e) {
  float *label = malloc((n + 1) * sizeof *label);
  if (label == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    label[i] = (float)(s->y[first + i] - center);
  }
  *out = NULL;
  pc_status st = XGB_CHECK(XGDMatrixCreateFromMat_omp(
                               s->x + first * (size_t)s->nfeat, n,
                               (bst_ulong)s->nfeat, NAN, out, 1),
                           "creating the training matrix", e);
  if (st == PC_OK) {
    st = XGB_CHECK(XGDMatrixSetFloatInfo(*out, "label", label, n),
                   "setting labels", e);
  }
  free(label);
  return st;
}

static void free_dmatrix(DMatrixHandle d) {
  if (d != NULL) {
    XGDMatrixFree(d);
  }
}

static double mean_of(const double *x, size_t n) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++) {
    m += x[i];
  }
  return n > 0 ? m / (double)n : 0.0;
}

/* ---- booster ------------------------------------------------------------ */

/* Numbers go through "%.17g", which round-trips every double, so the value
 * XGBoost parses is the key's value exactly. */
static pc_status set_param(BoosterHandle b, const char *name, double v,
                           pc_error *e) {
  char text[64];
  snprintf(text, sizeof text, "%.17g", v);
  return XGB_CHECK(XGBoosterSetParam(b, name, text), name, e);
}

/* One thread, a fixed seed, squared error around base_score 0 (the mean is
 * taken out of the labels), and the job's hyperparameters: set in this
 * order, the fixed ones first, numbers as "%.17g" text (set_param). */
static pc_status set_params(BoosterHandle b, const pc_xgb_hyper *hp,
                            pc_error *e) {
  /* nthread 1: one thread per rank, since the ranks already fill the cores
   * (main also sets OMP_NUM_THREADS=1); tree_method exact: every split
   * candidate is enumerated, no approximation. Together with the fixed seed
   * these make two fits of the same rows give the same booster bytes
   * (docs/MODELS.md, "Training"). */
  static const char *const fixed[][2] = {
      {"nthread", "1"},
      {"verbosity", "0"},
      {"objective", "reg:squarederror"},
      {"eval_metric", "rmse"},
      {"tree_method", "exact"},
  };
  const struct {
    const char *name;
    double v;
  } number[] = {
      {"base_score", 0.0},
      {"seed", hp->seed},
      {"max_depth", hp->max_depth},
      {"eta", hp->eta},
      {"subsample", hp->subsample},
      {"colsample_bytree", hp->colsample_bytree},
      {"min_child_weight", hp->min_child_weight},
      {"lambda", hp->lambda},
  };
  pc_status st = PC_OK;
  for (size_t i = 0; st == PC_OK && i < sizeof fixed / sizeof fixed[0]; i++) {
    st = XGB_CHECK(XGBoosterSetParam(b, fixed[i][0], fixed[i][1]),
                   fixed[i][0], e);
  }
  for (size_t i = 0; st == PC_OK && i < sizeof number / sizeof number[0];
       i++) {
    st = set_param(b, number[i].name, number[i].v, e);
  }
  return st;
}

/* cache lists the matrices the booster will see (train and validation), as the
 * C API asks. On failure *b is NULL and nothing is left to free. */
static pc_status new_booster(DMatrixHandle *cache, bst_ulong ncache,
                             const pc_xgb_hyper *hp, BoosterHandle *b,
                             pc_error *e) {
  *b = NULL;
  pc_status st = XGB_CHECK(XGBoosterCreate(cache, ncache, b),
                           "creating a booster", e);
  if (st == PC_OK) {
    st = set_params(*b, hp, e);
  }
  if (st != PC_OK && *b != NULL) {
    XGBoosterFree(*b);
    *b = NULL;
  }
  return st;
}

/* The validation RMSE of the round just trained: the number after the last
 * ':' of XGBoost's "[i]\tvalid-rmse:0.0123" (printed with 17 digits). */
static pc_status eval_rmse(BoosterHandle b, int iter, DMatrixHandle valid,
                           double *rmse, pc_error *e) {
  const char *names[1] = {"valid"};
  const char *res = NULL;
  pc_status st = XGB_CHECK(XGBoosterEvalOneIter(b, iter, &valid, names, 1,
                                                &res),
                           "evaluating the validation tail", e);
  const char *colon = st == PC_OK ? strrchr(res, ':') : NULL;
  if (st == PC_OK && colon == NULL) {
    return pc_error_set(e, PC_MODEL, "xgboost: unexpected evaluation output "
                        "'%.80s'", res);
  }
  if (st == PC_OK) {
    *rmse = strtod(colon + 1, NULL);
  }
  return st;
}

/* Boosts until `early_stopping` rounds bring no lower validation RMSE (or
 * `rounds` are done); *best is the best round count.
 * XGBoost's own early stopping lives in its Python and R wrappers, not the C
 * API, so the loop is here: the same rule as xgb.train's early_stopping_rounds
 * with a strict improvement. A NaN RMSE never compares lower, so a tail whose
 * RMSE is never finite leaves best at 0 and fails the fit rather than storing a
 * model of zero trees. */
static pc_status boost_early_stopping(BoosterHandle b, const pc_xgb_hyper *hp,
                                      DMatrixHandle train, DMatrixHandle valid,
                                      int *best, int *evaluated, pc_error *e) {
  double best_rmse = INFINITY;
  pc_status st = PC_OK;
  int it = 0;
  *best = 0;
  for (; it < hp->rounds && it - *best < hp->early_stopping; it++) {
    double rmse = NAN;
    st = XGB_CHECK(XGBoosterUpdateOneIter(b, it, train), "boosting", e);
    if (st == PC_OK) {
      st = eval_rmse(b, it, valid, &rmse, e);
    }
    if (st != PC_OK) {
      return st;
    }
    if (rmse < best_rmse) {
      best_rmse = rmse;
      *best = it + 1;
    }
  }
  *evaluated = it;
  return *best > 0 ? PC_OK : pc_error_set(e, PC_MODEL, "xgboost: the "
                                          "validation RMSE is not finite");
}

/* The refit: a fixed number of rounds, no validation, since the tail is now
 * part of the training rows. */
static pc_status boost_rounds(BoosterHandle b, int rounds, DMatrixHandle train,
                              pc_error *e) {
  pc_status st = PC_OK;
  for (int it = 0; it < rounds && st == PC_OK; it++) {
    st = XGB_CHECK(XGBoosterUpdateOneIter(b, it, train), "boosting", e);
  }
  return st;
}

/* ---- prediction --------------------------------------------------------- */

/* In-place prediction over a dense float matrix: no DMatrix is built.
 * The array interface passes x by address as a JSON integer; it must stay valid
 * for the call only. iteration_end = rounds limits a prediction to the first
 * rounds trees (0: all), which is how the tail is scored at the best round
 * without slicing the head booster. The prediction buffer belongs to the
 * booster and is overwritten by its next call, so it is copied into out at
 * once. */
static pc_status predict_dense(BoosterHandle b, const float *x, size_t n,
                               int nfeat, int rounds, double center,
                               double *out, pc_error *e) {
  char values[256], config[256];
  snprintf(values, sizeof values, "{\"data\": [%ju, true], \"shape\": [%zu, "
           "%d], \"typestr\": \"<f4\", \"version\": 3}",
           (uintmax_t)(uintptr_t)x, n, nfeat);
  snprintf(config, sizeof config, "{\"type\": 0, \"training\": false, "
           "\"iteration_begin\": 0, \"iteration_end\": %d, \"strict_shape\": "
           "false, \"cache_id\": 0, \"missing\": NaN}", rounds);
  const bst_ulong *shape = NULL;
  bst_ulong dim = 0;
  const float *pred = NULL;
  pc_status st = XGB_CHECK(XGBoosterPredictFromDense(b, values, config, NULL,
                                                     &shape, &dim, &pred),
                           "predicting", e);
  if (st == PC_OK && (dim < 1 || shape[0] != n)) {
    return pc_error_set(e, PC_MODEL, "xgboost: prediction has an unexpected "
                        "shape");
  }
  for (size_t i = 0; st == PC_OK && i < n; i++) {
    out[i] = center + (double)pred[i];
  }
  return st;
}

pc_status pc_xgb_predict_xgboost(const pc_xgb_model *m, const float *x,
                                 size_t n, int nfeat, double *out,
                                 pc_error *e) {
  if (n == 0) {
    return PC_OK;
  }
  return predict_dense(m->booster, x, n, nfeat, 0, m->center, out, e);
}

/* Both predictors on the same rows: XGBoost's predictions in out, and
 * PC_MODEL naming the first row where the evaluator's differ in any bit.
 * Bits, not a tolerance: a store made with either predictor must be the same
 * byte for byte, so any difference is a defect to report. %a prints both values
 * exactly. */
static pc_status predict_checked(const pc_xgb_model *m, const float *x,
                                 size_t n, int nfeat, double *out,
                                 pc_error *e) {
  double *mine = malloc((n + 1) * sizeof *mine);
  if (mine == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  pc_xgb_forest_predict(m->forest, x, n, m->center, mine);
  pc_status st = pc_xgb_predict_xgboost(m, x, n, nfeat, out, e);
  for (size_t i = 0; st == PC_OK && i < n; i++) {
    if (memcmp(&mine[i], &out[i], sizeof *out) != 0) {
      st = pc_error_set(e, PC_MODEL, "xgboost: the tree evaluator predicts "
                        "%a for row %zu, XGBoost %a", mine[i] - m->center, i,
                        out[i] - m->center);
    }
  }
  free(mine);
  return st;
}

/* PATHCAST_XGB_PREDICTOR is a diagnosis switch (docs/MODELS.md, "The tree
 * evaluator"); the results do not depend on it. A booster the evaluator refused
 * (forest NULL) uses XGBoost's predictor under `trees` too; `check` cannot
 * compare and says why. */
pc_status pc_xgb_predict(const pc_xgb_model *m, const float *x, size_t n,
                         int nfeat, double *out, pc_error *e) {
  const char *want = getenv("PATHCAST_XGB_PREDICTOR");
  want = want != NULL && want[0] != '\0' ? want : "trees";
  if (strcmp(want, "trees") == 0 && m->forest != NULL) {
    pc_xgb_forest_predict(m->forest, x, n, m->center, out);
    return PC_OK;
  }
  if (strcmp(want, "check") == 0) {
    if (m->forest == NULL) {
      return pc_error_set(e, PC_MODEL, "PATHCAST_XGB_PREDICTOR=check: %s",
                          m->forest_why);
    }
    return predict_checked(m, x, n, nfeat, out, e);
  }
  if (strcmp(want, "trees") != 0 && strcmp(want, "xgboost") != 0) {
    return pc_error_set(e, PC_MODEL, "PATHCAST_XGB_PREDICTOR is '%.40s', not "
                        "trees, xgboost or check", want);
  }
  return pc_xgb_predict_xgboost(m, x, n, nfeat, out, e);
}

/* ---- training ----------------------------------------------------------- */

/* Out-of-sample residuals of the tail at the best round count, centred;
 * their mean and RMSE go to the diagnostics.
 * m->resid is owned by the model (pc_xgb_model_free). The RMSE is taken before
 * centring, as docs/MODELS.md, "Training", step 3 defines valid_rmse; ntail is
 * at least PC_XGB_MIN_VALID, so the division is safe. */
static pc_status tail_residuals(BoosterHandle b, const pc_xgb_samples *s,
                                size_t first, int rounds, double center,
                                pc_xgb_model *m, pc_error *e) {
  size_t n = s->n - first;
  m->resid = malloc(n * sizeof *m->resid);
  if (m->resid == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  pc_status st = predict_dense(b, s->x + first * (size_t)s->nfeat, n,
                               s->nfeat, rounds, center, m->resid, e);
  double ss = 0.0;
  for (size_t i = 0; st == PC_OK && i < n; i++) {
    m->resid[i] = s->y[first + i] - m->resid[i];
    ss += m->resid[i] * m->resid[i];
  }
  m->nresid = n;
  m->valid_rmse = sqrt(ss / (double)n);
  m->resid_mean = mean_of(m->resid, n);
  for (size_t i = 0; i < n; i++) {
    m->resid[i] -= m->resid_mean;
  }
  return st;
}

/* The final booster: the head booster cut at the best round, or a new one
 * boosted for that many rounds on every row (the latest data included).
 * With refit the labels are centred on the mean of every row, so center changes
 * with it. The tail residuals, computed with the head's center, stay valid:
 * they are returns minus predictions on the returns' own scale, whatever center
 * was taken out. */
static pc_status final_booster(const pc_xgb_hyper *hp, const pc_xgb_samples *s,
                               BoosterHandle head, pc_xgb_model *m,
                               pc_error *e) {
  if (!hp->refit) {
    return XGB_CHECK(XGBoosterSlice(head, 0, (int)m->rounds, 1, &m->booster),
                     "cutting the booster at the best round", e);
  }
  DMatrixHandle all = NULL;
  m->center = mean_of(s->y, s->n);
  pc_status st = make_dmatrix(s, 0, s->n, m->center, &all, e);
  if (st == PC_OK) {
    st = new_booster(&all, 1, hp, &m->booster, e);
  }
  if (st == PC_OK) {
    st = boost_rounds(m->booster, (int)m->rounds, all, e);
  }
  free_dmatrix(all);
  return st;
}

/* Head/tail split and the head booster with early stopping.
 * The validation tail is the latest rows (the time order of the samples), never
 * a random subset: a random one would let trees fit rows that come after those
 * they are scored on. */
static pc_status train_head(const pc_xgb_hyper *hp, const pc_xgb_samples *s,
                            size_t nhead, BoosterHandle *head, pc_xgb_model *m,
                            pc_error *e) {
  DMatrixHandle d[2] = {NULL, NULL};
  double center = mean_of(s->y, nhead);
  int best = 0, evaluated = 0;
  pc_status st = make_dmatrix(s, 0, nhead, center, &d[0], e);
  if (st == PC_OK) {
    st = make_dmatrix(s, nhead, s->n - nhead, center, &d[1], e);
  }
  if (st == PC_OK) {
    st = new_booster(d, 2, hp, head, e);
  }
  if (st == PC_OK) {
    st = boost_early_stopping(*head, hp, d[0], d[1], &best, &evaluated, e);
  }
  if (st == PC_OK) {
    m->rounds = best;
    m->evaluated = evaluated;
    m->center = center;
    st = tail_residuals(*head, s, nhead, best, center, m, e);
  }
  free_dmatrix(d[0]);
  free_dmatrix(d[1]);
  return st;
}

/* The tree evaluator for a booster's bytes.  A booster the evaluator
 * refuses keeps XGBoost's predictor, with the reason in forest_why; only
 * running out of memory is an error. */
static pc_status attach_forest(pc_xgb_model *m, const void *buf, size_t len,
                               pc_error *e) {
  int nfeat = 0;
  pc_error why;
  pc_error_clear(&why);
  pc_xgb_forest_free(m->forest);
  m->forest = NULL;
  pc_status st = pc_xgb_booster_features(m, &nfeat, e);
  if (st == PC_OK) {
    st = pc_xgb_forest_parse(buf, len, nfeat, &m->forest, &why);
  }
  if (st == PC_MODEL) {
    snprintf(m->forest_why, sizeof m->forest_why, "%.*s",
             (int)sizeof m->forest_why - 1, why.msg);
    return PC_OK;
  }
  return st == PC_NOMEM ? pc_error_set(e, st, "%s", why.msg) : st;
}

/* The forest of a booster just trained, from its UBJSON bytes. */
static pc_status forest_of_trained(pc_xgb_model *m, pc_error *e) {
  void *buf = NULL;
  size_t len = 0;
  pc_status st = pc_xgb_save_booster(m, &buf, &len, e);
  if (st == PC_OK) {
    st = attach_forest(m, buf, len, e);
  }
  free(buf);
  return st;
}

/* On failure the model is freed and zeroed; on success the caller owns it
 * (pc_xgb_model_free). The tail size is valid_fraction of the rows rounded to
 * nearest, at least PC_XGB_MIN_VALID, and the head keeps at least as many rows
 * as that minimum. */
pc_status pc_xgb_train(const pc_xgb_hyper *hp, const pc_xgb_samples *s,
                       pc_xgb_model *m, pc_error *e) {
  memset(m, 0, sizeof *m);
  size_t ntail = (size_t)floor((double)s->n * hp->valid_fraction + 0.5);
  ntail = ntail < PC_XGB_MIN_VALID ? PC_XGB_MIN_VALID : ntail;
  if (s->n < PC_XGB_MIN_SAMPLES || ntail + PC_XGB_MIN_VALID > s->n) {
    return pc_error_set(e, PC_MODEL, "too little data: %zu training rows, "
                        "need at least %d", s->n, PC_XGB_MIN_SAMPLES);
  }
  BoosterHandle head = NULL;
  m->n_train = (int64_t)(s->n - ntail);
  m->n_valid = (int64_t)ntail;
  pc_status st = train_head(hp, s, s->n - ntail, &head, m, e);
  if (st == PC_OK) {
    st = final_booster(hp, s, head, m, e);
  }
  if (st == PC_OK) {
    st = forest_of_trained(m, e);
  }
  if (head != NULL) {
    XGBoosterFree(head);
  }
  if (st != PC_OK) {
    pc_xgb_model_free(m);
  }
  return st;
}

/* ---- persistence -------------------------------------------------------- */

/* UBJSON, XGBoost's binary JSON: it holds the float32 thresholds and leaf
 * values as their bytes, which the tree evaluator parses exactly. *buf is the
 * caller's to free; XGBoost's own buffer is only valid until the booster's next
 * call. */
pc_status pc_xgb_save_booster(const pc_xgb_model *m, void **buf, size_t *len,
                              pc_error *e) {
  bst_ulong n = 0;
  const char *p = NULL;
  pc_status st = XGB_CHECK(XGBoosterSaveModelToBuffer(
                               m->booster, "{\"format\": \"ubj\"}", &n, &p),
                           "saving the booster", e);
  if (st != PC_OK) {
    return st;
  }
  *buf = malloc(n + 1);
  if (*buf == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  memcpy(*buf, p, n);
  *len = n;
  return PC_OK;
}

/* On failure m->booster may hold a created booster: the model's release frees
 * it (pc_xgb_model_free), as after any load.  The trees come from the stored
 * bytes, so a loaded model predicts what the trained one did, on any node. */
pc_status pc_xgb_load_booster(pc_xgb_model *m, const void *buf, size_t len,
                              pc_error *e) {
  pc_status st = XGB_CHECK(XGBoosterCreate(NULL, 0, &m->booster),
                           "creating a booster", e);
  /* Quiet before loading: a model from another XGBoost version would
   * otherwise print its upgrade warnings into every rank's stderr. */
  if (st == PC_OK) {
    st = XGB_CHECK(XGBoosterSetParam(m->booster, "verbosity", "0"),
                   "verbosity", e);
  }
  if (st == PC_OK) {
    st = XGB_CHECK(XGBoosterLoadModelFromBuffer(m->booster, buf, len),
                   "loading the stored booster", e);
  }
  if (st == PC_OK) {
    st = XGB_CHECK(XGBoosterSetParam(m->booster, "nthread", "1"), "nthread", e);
  }
  if (st == PC_OK) {
    st = attach_forest(m, buf, len, e);
  }
  return st;
}

pc_status pc_xgb_booster_features(const pc_xgb_model *m, int *nfeat,
                                  pc_error *e) {
  bst_ulong n = 0;
  pc_status st = XGB_CHECK(XGBoosterGetNumFeature(m->booster, &n),
                           "reading the feature count", e);
  *nfeat = (int)n;
  return st;
}
