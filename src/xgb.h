/* Internal: the pieces of the xgboost model (model_xgboost.c).
 *
 * xgb_features.c turns a history into feature rows (lagged log returns,
 * rolling means and standard deviations, calendar of the target day, lagged
 * covariates); xgb_booster.c is the only file that talks to libxgboost.
 * Training and simulation build their rows with the same function,
 * pc_xgb_feature_row, so a feature cannot mean one thing when fitting and
 * another when forecasting. */
#ifndef PC_XGB_H
#define PC_XGB_H

#include <stddef.h>
#include <stdint.h>

#include "pathcast/model.h"

#define PC_XGB_MAX_LAGS 16
#define PC_XGB_MAX_WINDOWS 8
#define PC_XGB_MAX_EXOG 8
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

/* One feature row.  ret[0..nret-1] are the log returns before the target
 * day, oldest first (nret >= span); date is the target day; exog holds the
 * covariates' last values before the target day (NAN: unknown). */
void pc_xgb_feature_row(const pc_xgb_layout *l, const double *ret,
                        size_t nret, pc_date date, const double *exog,
                        float *out);

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

/* A trained booster with what simulation needs next to it.  Predictions are
 * center + booster output: the booster learns the demeaned target with
 * base_score 0, so the mean is kept in full double precision. */
typedef struct {
  void *booster; /* BoosterHandle */
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
/* out[i] = center + prediction for row i of x (n x nfeat). */
pc_status pc_xgb_predict(const pc_xgb_model *m, const float *x, size_t n,
                         int nfeat, double *out, pc_error *e);
/* The booster as UBJSON (malloc'd copy) and back. */
pc_status pc_xgb_save_booster(const pc_xgb_model *m, void **buf, size_t *len,
                              pc_error *e);
pc_status pc_xgb_load_booster(pc_xgb_model *m, const void *buf, size_t len,
                              pc_error *e);
/* Number of features the booster was trained on. */
pc_status pc_xgb_booster_features(const pc_xgb_model *m, int *nfeat,
                                  pc_error *e);

#endif
