#!/usr/bin/env bash
# The xgboost model through the whole program: trained and forecast by a
# backfill (plain and with weather covariates), the same export and store
# bytes on 1 and 2 ranks and with XGBoost's own predictor, the trained
# fields visible to `models`, no leakage (data changed from D on change no
# forecast up to D), and keys the data cannot serve refused before any work.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
sed -i -e 's/^models = .*/models = xgboost,xgboost_weather:xgboost/' \
  -e 's/^end = .*/end = 2020-04-30/' "$WORK/job"
echo "xgboost_weather.exog = temp_mean_c,humidity_mean_pct,precipitation_mm" >> "$WORK/job"

backfill_on_ranks 4 "xgboost xgboost_weather"
# The tree evaluator is the default predictor; XGBoost's own gives the same
# store, byte for byte (tests/unit/test_xgb_trees.c compares every row).
PATHCAST_XGB_PREDICTOR=xgboost mpirun -np 2 -x PATHCAST_XGB_PREDICTOR "$PC" backfill --job "$WORK/job" \
  --store "$WORK/sx" >/dev/null 2>&1
check "XGBoost's predictor: identical store bytes" test "$(store_sums "$WORK/s1")" = "$(store_sums "$WORK/sx")"
# ... and the variable does reach the ranks: an unknown value fails every
# forecast with the reason.
expect_status "PATHCAST_XGB_PREDICTOR=bogus: forecasts fail" 3 env PATHCAST_XGB_PREDICTOR=bogus \
  mpirun -np 2 -x PATHCAST_XGB_PREDICTOR "$PC" backfill --job "$WORK/job" --store "$WORK/sb" \
  --end 2020-01-10 --summary-json "$WORK/sumb.json"
check "... every one of them" grep -q '"forecasts_generated":0,' "$WORK/sumb.json"
check "... and status names the variable" bash -c "'$PC' status --job '$WORK/job' --store '$WORK/sb' 2>&1 | grep -q 'PATHCAST_XGB_PREDICTOR is .bogus.'"
check "prices are positive" bash -c "tail -n +2 '$WORK/e1.csv' | cut -d, -f10- | tr , '\n' | awk '\$1 <= 0 { bad = 1 } END { exit bad }'"

"$PC" models --job "$WORK/job" --store "$WORK/s1" --format json > "$WORK/models.json"
check "models shows the feature list" grep -q 'lag_1,lag_2,lag_3,lag_5,lag_10,lag_20,mean_5,sd_5,mean_20,sd_20,mean_60,sd_60,dow,month' "$WORK/models.json"
check "models shows the weather covariates" grep -q 'exog_temp_mean_c,exog_humidity_mean_pct,exog_precipitation_mm' "$WORK/models.json"
check "models shows the round count and validation RMSE" bash -c "grep -q '\"rounds\"' '$WORK/models.json' && grep -q '\"valid_rmse\"' '$WORK/models.json'"
# The table shortens long arrays (the residual pool); JSON keeps them whole.
"$PC" models --job "$WORK/job" --store "$WORK/s1" > "$WORK/models.txt"
check "table: the residuals as a count" grep -qE ' residuals=\[…[1-9][0-9,]* values\]' "$WORK/models.txt"
check "table: short lines" test "$(awk '{ if (length > m) m = length } END { print m }' "$WORK/models.txt")" -lt 1500
check "json: the residuals whole" test "$(grep -o '"residuals":\[[^]]*\]' "$WORK/models.json" | head -1 | tr -cd , | wc -c)" -gt 100

# As-of: every close and covariate from D on changed.
D=2020-03-16
awk -F, -v OFS=, -v d=$D 'NR > 1 && $1 >= d { $2 = sprintf("%.2f", $2 * 1.5); $3 = $3 + 10 } { print }' \
  data/coffee.csv > "$WORK/perturbed.csv"
"$PC" backfill --job "$WORK/job" --store "$WORK/p" --data "$WORK/perturbed.csv" >/dev/null 2>&1
upto() { "$PC" export --job "$WORK/job" --store "$1" --end $D | awk -F, '$1 != 0'; }
after() { "$PC" export --job "$WORK/job" --store "$1" --start 2020-03-17 | awk -F, '$1 != 0'; }
export -f upto after; export PC WORK D
check "forecasts up to D are bit-identical after changing data from D on" \
  bash -c 'test "$(upto "$WORK/s1" | wc -l)" -gt 1000 && cmp -s <(upto "$WORK/s1") <(upto "$WORK/p")'
check "forecasts after D differ (the test can fail)" \
  bash -c '! cmp -s <(after "$WORK/s1") <(after "$WORK/p")'

# What the keys need of the data is checked before any work: a covariate
# that is not a column, a malformed list, a lag or window that leaves no
# training row in min_history (250) observations are bad input (exit 2),
# named by model and key, and nothing is written to the store.
small_job "$WORK/short"
sed -i -e 's/^models = .*/models = xgboost/' -e "s|^store = .*|store = $WORK/short_store|" \
  -e 's/^train_anchor = .*/train_anchor = 2016-07-01/' -e 's/^start = .*/start = 2016-09-01/' -e 's/^end = .*/end = 2016-09-09/' "$WORK/short"
refused() {
  expect_status "$1: refused before any work" 2 "$PC" backfill --job "$WORK/short" "${@:3}"
  expect_err "... naming the model and key" "$2"
  check "... nothing written to the store" test ! -e "$WORK/short_store"
}
refused "a window longer than min_history" \
  "xgboost.windows: a window of 1000 returns leaves no training row in min_history = 250 observations (the first row needs 1002, a fit 1051)" \
  --xgboost.windows 1000
refused "a lag of min_history - 1" \
  "xgboost.lags: a lag of 249 returns leaves no training row in min_history = 250 observations (the first row needs 251, a fit 300)" \
  --xgboost.lags 1,249
refused "a covariate that is not a column" \
  "coffee.csv: xgboost.exog: 'temp_mean' is not a covariate column of the data (its covariate columns: temp_mean_c, humidity_mean_pct, precipitation_mm)" \
  --xgboost.exog temp_mean_c,temp_mean
refused "a malformed lag list" "xgboost.lags: '1,x' is not a list of 1 to 16 integers in [1, 1000]" \
  --xgboost.lags 1,x
# A window leaving a training row but fewer than a fit needs is not refused
# (later dates have more history): the fit of 2016-07-01 (257 observations,
# 36 rows after a 220-day window) is a recorded failure with the reason.
expect_status "a fit with too little data is a recorded failure (exit 3)" 3 "$PC" backfill --job "$WORK/short" --xgboost.windows 220
check "status names the reason" bash -c "'$PC' status --job '$WORK/short' 2>&1 | grep -q 'too little data: 36 days with 220 returns'"
finish
