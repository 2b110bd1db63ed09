#!/usr/bin/env bash
# pathcast evaluate: scores computed from the stored paths and the actuals
# (checked independently from the export), horizons without actuals left
# out, grouping by horizon/month/year, skill against random_walk.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
"$PC" backfill --job "$WORK/job" --end 2020-02-28 >/dev/null 2>&1
ev() { "$PC" evaluate --job "$WORK/job" "$@"; }

# One forecast, by hand: median, CRPS and coverage of day_1 from the export.
expect_status "evaluate one forecast" 0 ev --model naive --start 2020-01-02 --end 2020-01-02 --format json
"$PC" export --job "$WORK/job" --model naive --start 2020-01-02 --end 2020-01-02 > "$WORK/e.csv"
actual=$(awk -F, 'NR > 1 && $1 == 0 { print $10 }' "$WORK/e.csv")
awk -F, 'NR > 1 && $1 >= 1 { print $10 }' "$WORK/e.csv" | sort -g > "$WORK/day1"
want=$(awk -v y="$actual" '{ x[NR] = $1 } END {
  n = NR; h = (n - 1) * 0.5; lo = int(h); med = x[lo + 1] + (h - lo) * (x[lo + 2] - x[lo + 1])
  for (i = 1; i <= n; i++) { a += (x[i] > y ? x[i] - y : y - x[i]); s += (2 * i - n - 1) * x[i] }
  printf "%.6f %.6f", (med > y ? med - y : y - med), a / n - s / (n * n) }' "$WORK/day1")
got=$(grep '"horizon":"1"' "$WORK/out" | grep -oE '"(mae_median|crps)":[-0-9.e]+' | cut -d: -f2 |
  awk '{ printf "%.6f\n", $1 }' | paste -sd' ')
# The export prints 9 significant digits, so the two agree to ~1e-6.
check "day_1 MAE of the median and CRPS match an independent computation ($want)" \
  awk -v a="$got" -v b="$want" 'BEGIN { split(a, x, " "); split(b, y, " ")
    exit !(x[1] != "" && (x[1] - y[1])^2 < 1e-10 && (x[2] - y[2])^2 < 1e-10) }'
check "one forecast per horizon" test "$(grep -c '"n":1,' "$WORK/out")" -eq 14

# Forecasts near the end of the data lack some actuals: only known ones count.
"$PC" backfill --job "$WORK/job" --store "$WORK/end" --start 2025-06-20 --end 2025-06-27 --train_anchor 2025-06-20 >/dev/null 2>&1
expect_status "evaluate at the end of the data" 0 ev --store "$WORK/end" --train_anchor 2025-06-20 --start 2025-06-20 --end 2025-06-27 --model naive --format csv
check "horizon 1 counts the 6 forecasts whose day_1 is observed" grep -q '^naive,1,6,' "$WORK/out"
check "horizon 14 has no actuals: no row" bash -c "! grep -q '^naive,14,' '$WORK/out'"
check "energy score needs a whole observed path: none here" grep -q '^naive,1,6,.*,nan,' "$WORK/out"

# Grouping and skill.
expect_status "by month" 0 ev --by month --format csv
check "two months per model" test "$(grep -c '^naive,2020-0[12],' "$WORK/out")" -eq 2
check "random_walk's four skills against itself are 0" bash -c "awk -F, '\$1 == \"random_walk\" { n++; for (i = NF - 3; i <= NF; i++) if (\$i != 0) bad = 1 } END { exit bad || !n }' '$WORK/out'"
check "naive's skills are numbers" bash -c "awk -F, '\$1 == \"naive\" { n++; for (i = NF - 3; i <= NF; i++) if (\$i !~ /^-?[0-9.e-]+\$/ || \$i == 0) bad = 1 } END { exit bad || !n }' '$WORK/out'"
# Another baseline: the skill columns are named after it and compare with it.
expect_status "against naive (key baseline)" 0 ev --by month --format csv --baseline naive --model random_walk
check "the skill columns name the baseline" grep -q ',energy_score,mae_skill_vs_naive,pinball_skill_vs_naive,energy_skill_vs_naive,crps_skill_vs_naive$' "$WORK/out"
check "naive is scored as the baseline, not shown: random_walk's rows only" bash -c "! grep -q '^naive,' '$WORK/out' && grep -q '^random_walk,2020-01,' '$WORK/out'"
ev --by month --format csv > "$WORK/rw.csv" 2>/dev/null
check "random_walk's CRPS skill against naive is -s/(1-s) of naive's against random_walk (s), by month" bash -c "
  awk -F, 'NR == FNR { if (\$1 == \"naive\") a[\$2] = \$NF; next } \$1 == \"random_walk\" { n++; r = \$NF; want = -a[\$2] / (1 - a[\$2]); if ((r - want)^2 > 1e-12) bad = 1 } END { exit bad || !n }' '$WORK/rw.csv' '$WORK/out'"
expect_status "a baseline that is not a model of the job" 2 ev --baseline garch
expect_err "names the job's models" "baseline: 'garch' is not a model of this job (its models: naive, random_walk)"
expect_status "by year, as a table" 0 ev --by year --format table
check "table header" grep -q '^MODEL  *year  *N  *MAE(med)' "$WORK/out"
expect_status "by year, default format into a file" 0 ev --by year
check "not a terminal: CSV" grep -q '^model,year,n,mae_median,' "$WORK/out"
expect_status "bad --by" 2 ev --by week
expect_err "lists the groupings" "by: 'week' is not one of horizon, month, year"
finish
