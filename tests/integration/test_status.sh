#!/usr/bin/env bash
# pathcast status: complete store (exit 0), gaps compressed into ranges,
# recorded failures, a due training that is missing, and a store being
# written (status only reads, takes no lock).
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
status() { "$PC" status --job "$WORK/job" "$@"; }

"$PC" backfill --job "$WORK/job" >/dev/null 2>&1
expect_status "complete store" 0 status
check "coverage line" grep -qE '^  forecasts    128/128 trading days, 2020-01-02..2020-06-30, complete$' "$WORK/out"
check "trained line" grep -q '^  trained      2 model(s); latest 2020-04-01 (data through 2020-03-31); next scheduled 2020-07-01$' "$WORK/out"
check "nothing due" grep -q '^  due          none missing$' "$WORK/out"
check "status OK" grep -q '^STATUS: OK (exit 0)$' "$WORK/out"
check "schema and size" grep -qE '^pathcast status  coffee  store .* \(schema 2, [0-9.]+ MB\)$' "$WORK/out"
expect_status "json" 0 status --format json
check "json fields" grep -q '"ok":true,"models":\[{"model":"naive","model_type":"naive","model_version":"v1.0","trading_days":128,"forecasts":128,"first":"2020-01-02","last":"2020-06-30","missing_days":0,"missing":\[\],"trained":2' "$WORK/out"

# Gaps: three backfills leave 2020-02-14..2020-02-17 and 2020-03-02 out.
for r in "2020-01-01 2020-02-13" "2020-02-18 2020-03-01" "2020-03-03 2020-06-30"; do
  set -- $r
  "$PC" backfill --job "$WORK/job" --store "$WORK/gaps" --start $1 --end $2 \
    --train_anchor 2020-01-01 >/dev/null 2>&1
done
expect_status "store with gaps" 3 status --store "$WORK/gaps"
check "missing dates compressed into ranges" grep -q '^  missing      2020-02-14..2020-02-17, 2020-03-02$' "$WORK/out"
check "coverage counts" grep -q '^  forecasts    125/128 trading days, 2020-01-02..2020-06-30$' "$WORK/out"
check "attention line" grep -q '^STATUS: ATTENTION' "$WORK/out"
expect_status "a range that is complete" 0 status --store "$WORK/gaps" --start 2020-04-01 --end 2020-06-30
expect_status "json with gaps" 3 status --store "$WORK/gaps" --format json
check "json missing" grep -q '"missing_days":3,"missing":\["2020-02-14..2020-02-17","2020-03-02"\]' "$WORK/out"

# Recorded failures, newest first, capped with a count.
"$PC" backfill --job "$WORK/job" --store "$WORK/fail" --min_history 1160 >/dev/null 2>&1
expect_status "store with failures" 3 status --store "$WORK/fail"
check "failure count" grep -q '^  failures     65$' "$WORK/out"
check "newest failure first" bash -c "grep -A1 '^  failures     65' '$WORK/out' | tail -1 | grep -q '^    forecast 2020-03-31  no trained model for scheduled training date 2020-01-01'"
check "capped" grep -q '^    ... and 55 more$' "$WORK/out"
check "the missing forecasts" grep -q '^  missing      2020-01-02..2020-03-31$' "$WORK/out"

# A scheduled training that is due but missing.
cp -r "$WORK/store" "$WORK/due"
rm "$WORK/due/naive/v1.0/trained/2020-04-01.h5"
expect_status "due training missing" 3 status --store "$WORK/due"
check "due line" grep -q '^  due          NOT TRAINED: 2020-04-01$' "$WORK/out"
check "other model unaffected" bash -c "grep -A4 '^random_walk' '$WORK/out' | grep -q 'due          none missing'"

# While a run writes: status reads without waiting for the lock.
"$PC" backfill --job "$WORK/job" --store "$WORK/busy" --start 2019-01-01 --end 2019-12-31 >/dev/null 2>&1 &
writer=$!
for _ in $(seq 300); do
  [[ -n $(find "$WORK/busy" -path '*forecasts*' -name '*.h5' 2>/dev/null) ]] && break
  sleep 0.01
done
kill -STOP "$writer"
expect_status "status during a run" 3 timeout 30 "$PC" status --job "$WORK/job" --store "$WORK/busy" --start 2019-01-01 --end 2019-12-31
check "partial coverage reported" grep -qE '^  forecasts    [0-9]+/256 trading days' "$WORK/out"
kill -CONT "$writer"
wait "$writer"
expect_status "after the run completes" 0 status --store "$WORK/busy" --start 2019-01-01 --end 2019-12-31

# The header names the schedule's anchor (not the range's start); the
# latest training is the last on or before the range's end and the next is
# scheduled after it, so the two never name the same date.
expect_status "a range inside the store" 0 status --start 2020-02-03 --end 2020-03-31
check "header: the range, then the anchor" grep -q '^range 2020-02-03..2020-03-31, weekdays calendar, quarterly training from 2020-01-01$' "$WORK/out"
check "latest on or before the end, next after it" grep -q '^  trained      2 model(s); latest 2020-01-01 (data through 2019-12-31); next scheduled 2020-04-01$' "$WORK/out"
# Failures outside the range do not make the range need attention.
expect_status "a failure-free range of a store with failures" 0 status --store "$WORK/fail" --start 2020-04-01 --end 2020-06-30
check "failures of the range only" grep -q '^  failures     0$' "$WORK/out"
# A partition whose checksum no longer matches is damage, not coverage.
cp -r "$WORK/store" "$WORK/flip"
f="$WORK/flip/naive/v1.0/forecasts/2020-05.h5"
printf '\125' | dd of="$f" bs=1 seek=$(( $(stat -c %s "$f") - 3000 )) conv=notrunc 2>/dev/null
expect_status "a damaged partition" 3 status --store "$WORK/flip"
check "its days are not counted as covered" grep -q '^  forecasts    107/128 trading days' "$WORK/out"
check "it is named with how to rebuild it" grep -qF "  damaged      $f: checksum mismatch: the file is damaged (rebuild: pathcast backfill --job $WORK/job --model naive --start 2020-05-01 --end 2020-05-31)" "$WORK/out"

mkdir -p "$WORK/empty"
printf 'store = %s\nmodels = naive\n' "$WORK/empty" > "$WORK/nodates.job"
expect_status "an empty store without a range" 2 "$PC" status --job "$WORK/nodates.job"
expect_err "asks for a range" "holds no forecasts of these models: give --start and --end"
expect_status "no such store" 2 "$PC" status --job "$WORK/nodates.job" --store "$WORK/nowhere"
expect_err "names the store" "$WORK/nowhere: no such store"
finish
