#!/usr/bin/env bash
# The same job on 1, 2 and 3 ranks gives the same store, byte for byte, the
# same export and the same counts; a rerun does nothing and changes nothing.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"

for np in 1 2 3; do
  expect_status "backfill on $np rank(s)" 0 timeout 300 mpirun -np $np "$PC" backfill \
    --job "$WORK/job" --store "$WORK/s$np" --summary-json "$WORK/sum$np.json"
  "$PC" export --job "$WORK/job" --store "$WORK/s$np" --output "$WORK/e$np.csv"
done
# 2020-01-01..2020-06-30: 129 weekdays minus 4 holidays (Jan 1, Jan 20 is not
# one here, Apr 10 Good Friday) -- counted from the calendar file instead:
expected=$(( $(wc -l < "$WORK/e1.csv") - 1 ))
check "export has 201 rows per forecast" test $((expected % 201)) -eq 0
n=$((expected / 201))
check "summary JSON counts (np 1)" grep -qx "{\"trained\":4,\"train_skipped\":0,\"train_failed\":0,\"forecasts_generated\":$n,\"forecasts_skipped\":0,\"forecasts_failed\":0}" "$WORK/sum1.json"
# Each unit is done exactly once, whichever rank owns it, so the counts are
# the one-rank run's.
check "2 ranks: the same counts (every unit done once)" cmp -s "$WORK/sum1.json" "$WORK/sum2.json"
check "3 ranks: the same counts (every unit done once)" cmp -s "$WORK/sum1.json" "$WORK/sum3.json"
check "2 ranks: identical export" cmp -s "$WORK/e1.csv" "$WORK/e2.csv"
check "3 ranks: identical export" cmp -s "$WORK/e1.csv" "$WORK/e3.csv"
check "2 ranks: identical store bytes" test "$(store_sums "$WORK/s1")" = "$(store_sums "$WORK/s2")"
check "3 ranks: identical store bytes" test "$(store_sums "$WORK/s1")" = "$(store_sums "$WORK/s3")"
check "every forecast date is a trading day of the calendar" \
  bash -c "! cut -d, -f2 '$WORK/e1.csv' | sort -u | grep -E '^($(grep -v '^#' data/holidays.txt | paste -sd'|'))$'"
check "training dates follow the quarterly schedule" \
  test "$(cut -d, -f4 "$WORK/e1.csv" | tail -n +2 | sort -u | paste -sd' ')" = "2020-01-01 2020-04-01"
check "no forecast flagged as leaking" test "$(cut -d, -f9 "$WORK/e1.csv" | tail -n +2 | sort -u)" = "0"
check "cutoff is the last trading day before day_1 (2020-01-02 -> 2019-12-31)" \
  grep -q '^1,2020-01-02,2019-12-31,2020-01-01,coffee,naive,v1.0,0,0,' "$WORK/e1.csv"
check "actuals row holds observed closes" \
  grep -q "^0,2020-01-02,2019-12-31,2020-01-01,coffee,naive,v1.0,1,0,$(grep '^2020-01-02,' data/coffee.csv | cut -d, -f2)," "$WORK/e1.csv"

before=$(store_sums "$WORK/s2")
expect_status "rerun on 2 ranks" 0 timeout 300 mpirun -np 2 "$PC" backfill --job "$WORK/job" \
  --store "$WORK/s2" --summary-json "$WORK/again.json"
check "rerun generates nothing" grep -qx "{\"trained\":0,\"train_skipped\":4,\"train_failed\":0,\"forecasts_generated\":0,\"forecasts_skipped\":$n,\"forecasts_failed\":0}" "$WORK/again.json"
check "rerun changes no stored byte" test "$before" = "$(store_sums "$WORK/s2")"
check "no partial files left" test -z "$(find "$WORK/s2" -name '*.partial')"

# train then forecast equals backfill.
"$PC" train --job "$WORK/job" --store "$WORK/tf" >/dev/null 2>&1
expect_status "forecast after train" 0 mpirun -np 2 "$PC" forecast --job "$WORK/job" --store "$WORK/tf"
"$PC" export --job "$WORK/job" --store "$WORK/tf" --output "$WORK/tf.csv"
check "train + forecast = backfill" cmp -s "$WORK/e1.csv" "$WORK/tf.csv"

# Extending the range later only adds the new dates.
small_job "$WORK/job"
"$PC" backfill --job "$WORK/job" --store "$WORK/ext" --end 2020-03-31 >/dev/null 2>&1
"$PC" backfill --job "$WORK/job" --store "$WORK/ext" >/dev/null 2>&1
"$PC" export --job "$WORK/job" --store "$WORK/ext" --output "$WORK/ext.csv"
check "backfill in two steps = one backfill" cmp -s "$WORK/e1.csv" "$WORK/ext.csv"

# The export prints the stored float32 values exactly (h5dump with 9
# significant digits, no attributes, reads the same bits).
first=$(ls "$WORK/s1/naive/v1.0/forecasts" | head -1)
stored=$(h5dump -A 0 -m "%.9g" -d "/paths[0,0,0;1,1,1;1,1,14]" -y "$WORK/s1/naive/v1.0/forecasts/$first" |
  sed -n '/DATA {/,/}/p' | grep -oE -- '-?[0-9]+(\.[0-9]+)?(e[-+][0-9]+)?' | paste -sd,)
exported=$(awk -F, '$1 == 1 && $6 == "naive" { print; exit }' "$WORK/e1.csv" | cut -d, -f10-)
check "export values are the stored float32 values" test -n "$stored" -a "$stored" = "$exported"

# Rows sorted by model, date, path_id.
check "rows sorted by model, date, path" bash -c "tail -n +2 '$WORK/e1.csv' | cut -d, -f6,2,1 | awk -F, '{print \$3\",\"\$2\",\"\$1}' | sort -c -t, -k1,1 -k2,2 -k3,3n"
finish
