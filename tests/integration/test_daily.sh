#!/usr/bin/env bash
# Daily production: trains only when a scheduled training date has no model,
# forecasts the date unless stored, is idempotent, catches up after missed
# days without shifting the schedule, and acts as of a past date.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
# Monthly cadence anchored on Jan 31: training dates are Jan 31, Feb 29
# (2020 is a leap year), Mar 31, Apr 30, ...
# catch_up 0: these checks are about one date at a time (test_daily_catchup.sh
# covers the catch-up).
daily() { "$PC" daily --job "$WORK/job" --train_frequency monthly --train_anchor 2020-01-31 --catch_up 0 --summary-json "$WORK/d.json" "$@"; }

expect_status "first daily run (2020-02-03)" 0 daily --forecast_date 2020-02-03
check "trains both models, forecasts both" grep -qx '{"trained":2,"train_skipped":0,"train_failed":0,"forecasts_generated":2,"forecasts_skipped":0,"forecasts_failed":0}' "$WORK/d.json"
check "report names the training date and the next one" grep -q 'naive  *trained for 2020-01-31, next 2020-02-29' "$WORK/out"
check "report says which model forecast" grep -q 'random_walk  *generated with the model trained 2020-01-31' "$WORK/out"
before=$(store_sums "$WORK/store")
expect_status "same day again" 0 daily --forecast_date 2020-02-03
check "second run trains and generates nothing" grep -qx '{"trained":0,"train_skipped":2,"train_failed":0,"forecasts_generated":0,"forecasts_skipped":2,"forecasts_failed":0}' "$WORK/d.json"
check "report says skipped" grep -q 'naive  *skipped: last trained 2020-01-31, next 2020-02-29' "$WORK/out"
check "second run changes no stored byte" test "$before" = "$(store_sums "$WORK/store")"

expect_status "next day, no training due" 0 daily --forecast_date 2020-02-04
check "only forecasts" grep -qx '{"trained":0,"train_skipped":2,"train_failed":0,"forecasts_generated":2,"forecasts_skipped":0,"forecasts_failed":0}' "$WORK/d.json"

# Missed runs from 2020-02-05 to 2020-03-03: the next run trains at the
# scheduled 2020-02-29 (a Saturday), not at the run's date.
expect_status "catch-up after missed days (2020-03-04)" 0 daily --forecast_date 2020-03-04
check "catch-up trains at the scheduled date" grep -q 'naive  *trained for 2020-02-29, next 2020-03-31' "$WORK/out"
check "trained dates stay on the schedule" test "$(ls "$WORK/store/naive/v1.0/trained" | paste -sd' ')" = "2020-01-31.h5 2020-02-29.h5"

# A past date acts as of that date: the 2020-02-29 model is ignored.
expect_status "past date (2020-02-10)" 0 daily --forecast_date 2020-02-10
check "past date uses the model of its own schedule" grep -q 'generated with the model trained 2020-01-31' "$WORK/out"
check "past date trains nothing" grep -q '"trained":0' "$WORK/d.json"

expect_status "weekend date" 0 daily --forecast_date 2020-02-08
check "weekend: no forecast" grep -q '2020-02-08 is not a trading day of the weekdays calendar: no forecast for it' "$WORK/out"

# A daily forecast is the same bytes as the backfill's forecast of that date.
"$PC" backfill --job "$WORK/job" --train_frequency monthly --train_anchor 2020-01-31 \
  --store "$WORK/bf" --start 2020-02-03 --end 2020-03-04 >/dev/null 2>&1
for d in 2020-02-03 2020-02-04 2020-02-10 2020-03-04; do
  "$PC" export --job "$WORK/job" --train_frequency monthly --train_anchor 2020-01-31 --start $d --end $d > "$WORK/daily.csv"
  "$PC" export --job "$WORK/job" --train_frequency monthly --train_anchor 2020-01-31 --store "$WORK/bf" --start $d --end $d > "$WORK/bf.csv"
  check "daily forecast of $d = backfill forecast" cmp -s "$WORK/daily.csv" "$WORK/bf.csv"
done

# Stale data: a forecast far beyond the data fails, recorded, exit 3.
expect_status "stale data fails open" 3 daily --forecast_date 2025-09-01
check "stale reason recorded" grep -q 'data is stale: the last observation (2025-06-30) is 43 trading days before the forecast date (max_gap = 5)' "$WORK/out"
finish
