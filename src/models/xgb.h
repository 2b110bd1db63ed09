/* Internal: the pieces of the xgboost model (model_xgboost.c).
 *
 * xgb_features.c turns a history into feature rows (lagged log returns,
 * rolling means and standard deviations, calendar of the target day, lagged
 * covariates); xgb_booster.c is the only file that talks to libxgboost;
 * xgb_trees.c predicts from the booster's trees without it.  Training and
 * simulation build their rows with the same function (return_columns in
 * xgb_features.c), so a feature cannot mean one thing when fitting and
 * another when forecasting. */
#ifndef PC_XGB_H
#define PC_XGB_H

#include <stddef.h>
#include <stdint.h>

#include "pathcast/models/model.h"

#define PC_XGB_MAX_LAGS 16
#define PC_XGB_MAX_WINDOWS 8
#define PC_XGB_MAX_EXOG 8
/* Columns of a feature row at most: lags, window means and sds, dow,
 * month, covariates. */
#define PC_XGB_MAX_FEATURES                                                    \
  (PC_XGB_MAX_LAGS + 2 * PC_XGB_MAX_WINDOWS + 2 + PC_XGB_MAX_EXOG)
#define PC_XGB_MAX_SPAN 1000 /* longest lag or window, in returns */
#define PC_XGB_NAME_MAX 64
#define PC_XGB_MIN_SAMPLES 50 /* complete training rows a fit needs */
#define PC_XGB_MIN_VALID 10   /* rows of the validation tail, at least */

/* Which features a model uses, in this column order: lag_L for each lag,
 * mean_W and sd_W for each window, dow, month, then one column per
 * covariate. */
typedef struct {
  int nlags;
  int lags[PC_XGB_MAX_LAGS];
  int nwindows;
  int windows[PC_XGB_MAX_WINDOWS];
  int nexog;
  char exog[PC_XGB_MAX_EXOG][PC_XGB_NAME_MAX];
} pc_xgb_layout;

/* Parses the text of the lags, windows and exog keys ("1,2,3", "none").
 * A malformed list is PC_MODEL naming the key (`model` is the spec name). */
pc_status pc_xgb_layout_parse(pc_xgb_layout *l, const char *model,
                              const char *lags, const char *windows,
                              const char *exog, pc_error *e);
int pc_xgb_nfeatures(const pc_xgb_layout *l);
/* Returns a target row needs before it: the longest lag or window. */
int pc_xgb_span(const pc_xgb_layout *l);
/* "lag_1,...,mean_5,sd_5,...,dow,month,exog_<name>,..." */
void pc_xgb_feature_names(const pc_xgb_layout *l, char *buf, size_t len);
/* The exog names joined by commas, or "none". */
void pc_xgb_exog_text(const pc_xgb_layout *l, char *buf, size_t len);
/* History columns of the covariates; PC_MODEL if one is not in the data. */
pc_status pc_xgb_exog_columns(const pc_xgb_layout *l, const pc_history *h,
                              size_t *cols, pc_error *e);

/* Feature rows are computed PC_XGB_LANES at a time (xgb_features.c:
 * return_columns): training rows and simulated paths go through the same
 * arithmetic, lane by lane. */
#define PC_XGB_LANES 8

/* The return columns (lags, window means and sds) of PC_XGB_LANES rows:
 * row b's returns, newest first, are newest[b], newest[b + age], ...; the
 * first nrows rows are written at out + b * nfeat.  variant 0 is the
 * baseline code, 1 the AVX2 code (-1 returned where the processor has
 * none), -1 the best there is; returns the variant used.  Both give the
 * same bits (the simulation and training use -1; tests compare 0 and 1). */
int pc_xgb_return_columns(const pc_xgb_layout *l, const double *newest,
                          ptrdiff_t age, int nrows, size_t nfeat, float *out,
                          int variant);

/* Log returns between consecutive present closes of a history: ret[k] ends
 * at history row row[k].  A missing close joins its neighbours into one
 * return, as pc_history_log_returns does. */
typedef struct {
  size_t n;
  double *ret;
  size_t *row;
} pc_xgb_returns;

pc_status pc_xgb_returns_make(const pc_history *h, pc_xgb_returns *r,
                              pc_error *e);
void pc_xgb_returns_free(pc_xgb_returns *r);

/* Training rows: every return with `span` returns before it is a target. */
typedef struct {
  size_t n;
  int nfeat;
  float *x;       /* n x nfeat, row-major */
  double *y;      /* the target log returns */
  size_t *row;    /* history row of each target day */
} pc_xgb_samples;

pc_status pc_xgb_samples_make(const pc_xgb_layout *l, const pc_history *h,
                              pc_xgb_samples *s, pc_error *e);
void pc_xgb_samples_free(pc_xgb_samples *s);

/* The returns of every simulated path, in blocks of PC_XGB_LANES paths
 * whose returns of a day sit side by side (so that their rows are built
 * together), and the feature matrix of the step being simulated.
 * Caller-owned struct: pc_xgb_paths_init / pc_xgb_paths_fini. */
typedef struct {
  int npaths, npad; /* paths, and paths rounded up to whole lanes */
  int nfeat;
  size_t nret, cap; /* returns per path so far, and room for */
  double *ret;      /* the blocks (xgb_features.c: ret_at) */
  double *next;     /* npad: the returns of the day being simulated */
  float *x;         /* npad x nfeat: the rows of the current step */
} pc_xgb_paths;

/* Every path starts with the same `span` returns last[0..span-1] (oldest
 * first) and has room for `steps` more. */
pc_status pc_xgb_paths_init(pc_xgb_paths *p, const pc_xgb_layout *l,
                            int npaths, int steps, const double *last,
                            pc_error *e);
void pc_xgb_paths_fini(pc_xgb_paths *p);
/* p->x row i = the feature row of path i for target day `date`, with the
 * covariates held at exog: bit for bit the row a training target with the
 * same returns, date and covariates gets. */
void pc_xgb_paths_rows(pc_xgb_paths *p, const pc_xgb_layout *l,
                       pc_date date, const double *exog);
/* Where the next return of path i goes (element i), and the call that then
 * appends those returns to every path's history. */
double *pc_xgb_paths_next(pc_xgb_paths *p);
void pc_xgb_paths_push(pc_xgb_paths *p);

/* Each covariate's last non-missing value in the whole history (NAN if it
 * has none): the value held over every future day. */
void pc_xgb_exog_last(const pc_history *h, const size_t *cols, int ncols,
                      double *out);

/* ---- the booster (xgb_booster.c) ---------------------------------------- */

typedef struct {
  int rounds;         /* most boosting rounds */
  int early_stopping; /* rounds without a better validation RMSE */
  int max_depth;
  double eta, subsample, colsample_bytree, min_child_weight, lambda;
  double valid_fraction;
  int seed;
  int refit; /* 1: refit on all rows with the best round count */
} pc_xgb_hyper;

/* ---- the tree evaluator (xgb_trees.c) ------------------------------------ */

/* The booster's trees as flat arrays.  Its predictions equal XGBoost
 * 1.7's CPU predictor's bit for bit (the same float comparisons and the
 * same float sums in the same order; xgb_trees.c says which), without the
 * C API's cost per call. */
typedef struct pc_xgb_forest pc_xgb_forest;

/* Reads the trees from a booster's UBJSON bytes (as
 * XGBoosterSaveModelToBuffer writes them) for nfeat features.  PC_MODEL
 * with the reason when the booster holds anything the evaluator does not
 * reproduce exactly (not a gbtree with one reg:squarederror output,
 * parallel trees, categorical splits, vector leaves) or the bytes are
 * damaged; PC_NOMEM.  The forest is the caller's: pc_xgb_forest_free. */
pc_status pc_xgb_forest_parse(const void *buf, size_t len, int nfeat,
                              pc_xgb_forest **out, pc_error *e);
void pc_xgb_forest_free(pc_xgb_forest *f);
int pc_xgb_forest_ntrees(const pc_xgb_forest *f);
/* out[i] = center + the booster's float output for row i of x (n x nfeat,
 * row-major, NAN = missing). */
void pc_xgb_forest_predict(const pc_xgb_forest *f, const float *x, size_t n,
                           double center, double *out);

/* ---- the trained model --------------------------------------------------- */

/* A trained booster with what simulation needs next to it.  Predictions are
 * center + booster output: the booster learns the demeaned target with
 * base_score 0, so the mean is kept in full double precision. */
typedef struct {
  void *booster; /* BoosterHandle */
  pc_xgb_forest *forest; /* NULL: the evaluator refused it (forest_why) */
  char forest_why[256];
  double center;
  double *resid; /* out-of-sample residuals of the validation tail */
  size_t nresid;
  int64_t rounds;     /* trees in the booster (the best round count) */
  int64_t evaluated;  /* rounds trained before early stopping */
  double valid_rmse;  /* RMSE on the tail at the best round */
  double resid_mean;  /* mean tail residual (removed from resid) */
  int64_t n_train, n_valid;
} pc_xgb_model;

void pc_xgb_model_free(pc_xgb_model *m);
/* Early stopping on the time-ordered tail, residuals, optional refit. */
pc_status pc_xgb_train(const pc_xgb_hyper *hp, const pc_xgb_samples *s,
                       pc_xgb_model *m, pc_error *e);
/* out[i] = center + prediction for row i of x (n x nfeat).  The predictor
 * is the environment's PATHCAST_XGB_PREDICTOR: unset or `trees`, the tree
 * evaluator (XGBoost's own when the booster has no forest); `xgboost`,
 * XGBoost's; `check`, both, every prediction compared bit for bit.
 * PC_MODEL when XGBoost fails, in check mode when the two differ, or when
 * the variable holds anything else. */
pc_status pc_xgb_predict(const pc_xgb_model *m, const float *x, size_t n,
                         int nfeat, double *out, pc_error *e);
/* The same through XGBoost's predictor (XGBoosterPredictFromDense), always. */
pc_status pc_xgb_predict_xgboost(const pc_xgb_model *m, const float *x,
                                 size_t n, int nfeat, double *out,
                                 pc_error *e);
/* The booster as UBJSON (malloc'd copy) and back. */
pc_status pc_xgb_save_booster(const pc_xgb_model *m, void **buf, size_t *len,
                              pc_error *e);
pc_status pc_xgb_load_booster(pc_xgb_model *m, const void *buf, size_t len,
                              pc_error *e);
/* Number of features the booster was trained on. */
pc_status pc_xgb_booster_features(const pc_xgb_model *m, int *nfeat,
                                  pc_error *e);

#endif
