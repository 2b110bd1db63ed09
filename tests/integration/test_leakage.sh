#!/usr/bin/env bash
# As-of semantics: changing any data on or after D cannot change a forecast
# for D or earlier, or a model trained at D or earlier -- bit for bit.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
D=2020-03-16

# The perturbed copy: every close and covariate from D on is changed.
awk -F, -v OFS=, -v d=$D 'NR > 1 && $1 >= d { $2 = sprintf("%.2f", $2 * 1.5); $3 = $3 + 10 } { print }' \
  data/coffee.csv > "$WORK/perturbed.csv"
check "the perturbed data differ from D on" bash -c "! cmp -s data/coffee.csv '$WORK/perturbed.csv'"
check "the perturbed data agree before D" bash -c "diff <(awk -F, '\$1 < \"$D\"' data/coffee.csv) <(awk -F, '\$1 < \"$D\"' '$WORK/perturbed.csv')"

"$PC" backfill --job "$WORK/job" --store "$WORK/a" >/dev/null 2>&1
"$PC" backfill --job "$WORK/job" --store "$WORK/b" --data "$WORK/perturbed.csv" >/dev/null 2>&1
# Compare forecasts only (path_id >= 1): the actuals row legitimately shows
# the perturbed observations.
paths_upto() { "$PC" export --job "$WORK/job" --store "$1" --end $D | awk -F, '$1 != 0'; }
paths_after() { "$PC" export --job "$WORK/job" --store "$1" --start 2020-03-17 | awk -F, '$1 != 0'; }
export -f paths_upto paths_after; export PC WORK D
check "there are forecasts up to D to compare" test "$(paths_upto "$WORK/a" | wc -l)" -gt 10000
check "forecasts up to and including D are bit-identical" \
  bash -c 'cmp -s <(paths_upto "$WORK/a") <(paths_upto "$WORK/b")'
check "forecasts after D differ (the test can fail)" \
  bash -c '! cmp -s <(paths_after "$WORK/a") <(paths_after "$WORK/b")'
check "models trained up to D are identical" \
  bash -c 'cmp -s <("$PC" models --job "$WORK/job" --store "$WORK/a" --format json | grep -v "2020-04-01") <("$PC" models --job "$WORK/job" --store "$WORK/b" --format json | grep -v "2020-04-01")'
check "every data_cutoff_date is before its forecast date" \
  bash -c '"$PC" export --job "$WORK/job" --store "$WORK/a" | tail -n +2 | awk -F, "\$3 >= \$2 { bad = 1 } END { exit bad }"'
check "training data end before the training date" \
  bash -c '"$PC" models --job "$WORK/job" --store "$WORK/a" --format json | grep -q "\"training_date\":\"2020-04-01\",\"data_cutoff_date\":\"2020-03-31\""'
finish
