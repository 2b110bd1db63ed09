#!/usr/bin/env bash
# Daily production that heals itself, told truthfully: catch-up of missed
# days and of failures that can now succeed (with a data file that grows day
# by day), promises of a retry only where the next run keeps them, failed
# fits that lock nothing, --model on a job of several models, the JSON
# report, waiting for the lock.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
# The data as a production feed sees it: it grows day by day.
feed() { awk -F, -v last="$1" 'NR == 1 || $1 <= last' "$ROOT/data/coffee.csv" > "$WORK/feed.csv"; }
daily() { "$PC" daily --job "$WORK/job" --data "$WORK/feed.csv" --catch_up 3 --summary-json "$WORK/d.json" "$@"; }

# --- the first run fills the three trading days before it --------------------
feed 2020-03-13
expect_status "first run (2020-03-16) with catch-up" 0 daily --forecast_date 2020-03-16
check "catch-up window named" grep -q 'Catch-up (3 trading days, 2020-03-11..2020-03-13):' "$WORK/out"
check "catch-up dates listed per model" grep -q 'naive  *2020-03-11 generated, 2020-03-12 generated, 2020-03-13 generated' "$WORK/out"
check "counts: 4 forecasts per model" grep -q '"forecasts_generated":8,' "$WORK/d.json"

# --- stale data: failures, each with a promise the next run keeps -------------
expect_status "the feed stopped: stale days fail" 3 daily --forecast_date 2020-03-26
check "the day itself fails as stale" grep -q 'naive  *FAILED: data is stale' "$WORK/out"
check "a catch-up day within max_gap is generated" grep -q '2020-03-23 generated' "$WORK/out"
check "the failures are promised to the next daily run" test "$(grep -c '(retried by the next daily run)' "$WORK/out")" -eq 6
expect_status "status sees the failures" 3 "$PC" status --job "$WORK/job" --start 2020-03-11 --end 2020-03-26

# --- the feed catches up: the next run retries and clears them -----------------
feed 2020-03-26
expect_status "next day: the failed days are retried" 0 daily --forecast_date 2020-03-27
check "retried days generated" grep -q 'naive  *2020-03-24 generated, 2020-03-25 generated, 2020-03-26 generated' "$WORK/out"
check "no failure left" bash -c "! grep -q 'Recorded failures' '$WORK/out'"
expect_status "status is clean again by itself" 0 "$PC" status --job "$WORK/job" --start 2020-03-23 --end 2020-03-27
check "failures 0" test "$(grep -c 'failures     0' "$WORK/out")" -eq 2
# The healed days are the very bytes a backfill makes (2020-03-23 was made
# from the data of its day, which ended on 2020-03-13: as of then).
"$PC" backfill --job "$WORK/job" --store "$WORK/bf" --start 2020-03-24 --end 2020-03-27 >/dev/null 2>&1
paths_only() { "$PC" export --job "$WORK/job" --start 2020-03-24 --end 2020-03-27 "$@" | awk -F, '$8 != 1'; }
check "healed forecasts = backfill forecasts" cmp -s <(paths_only) <(paths_only --store "$WORK/bf")

# --- another version's failures are not this version's to retry -------------
feed 2020-03-13
expect_status "version v0 fails on stale data" 3 "$PC" daily --job "$WORK/job" --data "$WORK/feed.csv" --catch_up 0 --model_version v0 --model naive --forecast_date 2020-03-26
feed 2020-03-26
expect_status "v1.0's daily (the job's version) runs clean" 0 daily --forecast_date 2020-03-27 --format json --model naive
check "its JSON lists no failure of v0" grep -q '"failures":\[\]' "$WORK/out"
expect_status "the text summary of v1.0" 0 daily --forecast_date 2020-03-27 --model naive
check "lists v0's failure, not promising v1.0's runs retry it" grep -q "(model_version v0: retried by that version's runs, not this one's)" "$WORK/out"
check "and promises nothing else for it" bash -c "! grep -q 'retried by the next daily run' '$WORK/out'"

# --- missed runs: the window fills what it covers, status shows the rest ------
feed 2020-04-02
expect_status "after four missed days (2020-04-03)" 0 daily --forecast_date 2020-04-03
check "the window's days are filled" grep -q 'naive  *2020-03-31 generated, 2020-04-01 generated, 2020-04-02 generated' "$WORK/out"
expect_status "the day before the window is still missing" 3 "$PC" status --job "$WORK/job" --start 2020-03-23 --end 2020-04-03
check "status names it" grep -q 'missing      2020-03-30$' "$WORK/out"

# --- a failure the next daily run will not retry says what will ---------------
feed 2020-04-03
expect_status "a stale day, then far later" 3 daily --forecast_date 2020-04-15 --catch_up 0
feed 2020-04-30
expect_status "a run two weeks later" 0 daily --forecast_date 2020-04-30
check "the old failure is not promised to daily" grep -q "retry with: pathcast backfill --job $WORK/job --model naive --start 2020-04-15 --end 2020-04-15" "$WORK/out"
expect_status "the command it names does retry it" 0 "$PC" backfill --job "$WORK/job" --data "$WORK/feed.csv" --model naive --start 2020-04-15 --end 2020-04-15
check "and clears it" grep -q '"failures_total":0' <("$PC" status --job "$WORK/job" --model naive --start 2020-04-15 --end 2020-04-15 --format json)

# --- a fit that fails locks nothing --------------------------------------------
awk -F, 'BEGIN { OFS = "," } { print $0, (NR == 1 ? "empty" : "") }' "$WORK/feed.csv" > "$WORK/feed_empty.csv"
ar() { "$PC" daily --job "$WORK/job" --store "$WORK/ar" --models ar:arima --ar.order 1,1,0 --catch_up 0 --forecast_date 2020-04-30 "$@"; }
expect_status "a covariate column with no values: the fit fails" 3 ar --data "$WORK/feed_empty.csv" --ar.exog empty
check "the failure is the fit's" grep -q 'ar  *FAILED training for' "$WORK/out"
expect_status "the corrected job is not refused for other settings" 0 ar --data "$WORK/feed_empty.csv" --ar.exog temp_mean_c
check "it trains and forecasts" grep -q 'ar  *generated with the model trained' "$WORK/out"
expect_status "a covariate that is not a column is bad input" 2 ar --data "$WORK/feed.csv" --ar.exog temp_mean
expect_err "naming the data file, the key and the columns" "$WORK/feed.csv: ar.exog: 'temp_mean' is not a covariate column of the data (its covariate columns: temp_mean_c, humidity_mean_pct, precipitation_mm)"

# --- --model runs some of a job's models; the others' keys stay valid ---------
expect_status "--model naive on the demo's job" 0 "$PC" daily --job "$ROOT/jobs/coffee.job" --store "$WORK/demo" --log_dir "$WORK/logs" --model naive --forecast_date 2020-03-02 --catch_up 0
check "only naive ran" test "$(ls "$WORK/demo")" != "" -a -d "$WORK/demo/naive" -a ! -d "$WORK/demo/random_walk"
expect_status "--model with a name not in the job" 2 "$PC" daily --job "$ROOT/jobs/coffee.job" --store "$WORK/demo" --model nosuch
expect_err "says so" "--model nosuch is not a model of this job"

# --- the JSON report ------------------------------------------------------------
feed 2020-05-06
expect_status "daily --format json" 0 daily --forecast_date 2020-05-07 --format json
check "one JSON object" /usr/bin/python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$WORK/out"
check "per model: training, forecast, catch-up" /usr/bin/python3 -c "
import json,sys
r = json.load(open(sys.argv[1]))
m = {x['model']: x for x in r['models']}
assert r['status'] == 'success' and r['exit'] == 0 and r['forecast_date'] == '2020-05-07'
assert m['naive']['forecast']['action'] == 'generated'
assert m['naive']['training']['scheduled'] == '2020-04-01' and m['naive']['training']['next'] == '2020-07-01'
assert [c['date'] for c in m['naive']['catch_up']] == ['2020-05-04', '2020-05-05', '2020-05-06']
" "$WORK/out"
expect_status "--format json on a command that has none" 2 "$PC" backfill --job "$WORK/job" --format json
expect_err "is refused" "--format json: backfill does not print that (valid: auto, table)"

# --- waiting for the lock --------------------------------------------------------
"$PC" backfill --job "$WORK/job" --data "$WORK/feed.csv" --model_version hold --start 2019-01-01 --end 2019-12-31 --paths 300 >/dev/null 2>&1 &
holder=$!
for _ in $(seq 400); do grep -q "pid $holder " "$WORK/store/LOCK" 2>/dev/null && break; sleep 0.01; done
kill -STOP "$holder"
start=$(date +%s)
expect_status "lock held: gives up after lock_wait" 5 daily --forecast_date 2020-05-08 --lock_wait 2
check "it waited" test $(( $(date +%s) - start )) -ge 2
check "said once who holds it" test "$(grep -c "in use by another writer (pid $holder on .*waiting up to 2 s" "$WORK/err")" -eq 1
( sleep 1; kill -CONT "$holder" ) &
expect_status "lock released while waiting: the run goes on" 0 daily --forecast_date 2020-05-08 --lock_wait 60
wait "$holder"
finish
