#!/usr/bin/env bash
# The data check through the real binary (docs/DATA.md): `pathcast check`
# on the shipped data, on coffee with three injected defects and on real
# public series written by R at test time, each against the findings of
# the R implementation (tests/unit/data/quality/findings.txt); bad input;
# the findings in the reports of backfill and daily, the rank logs,
# `status` and the HTML report; outliers = keep|flag|clean on a bad tick
# (random_walk's volatility and xgboost's paths in their normal range with
# clean, not with keep), the actuals untouched, the settings rule, no
# leakage through the cleaning; `evaluate --by model`.
source "$(dirname "$0")/../lib/lib.sh"
FIX=tests/unit/data/quality/findings.txt
PY=/usr/bin/python3

# inject IN OUT: the defects of tools/quality_reference.R (line 1801's close
# x 1.2, lines 2002-2008 repeating line 2001's close, lines 2201-2208 with
# no close).
inject() {
  awk -F, -v OFS=, 'NR == 1801 { $2 = sprintf("%.2f", $2 * 1.2) }
    NR == 2001 { keep = $2 } NR >= 2002 && NR <= 2008 { $2 = keep }
    NR >= 2201 && NR <= 2208 { $2 = "" } { print }' "$1" > "$2"
}

# findings FILE: "kind line first last count" per finding of check's JSON.
findings() {
  "$PC" check --data "$1" --holidays "${2:-}" --format json |
    $PY -c 'import json, sys
for f in json.load(sys.stdin)["findings"]:
    print(f["kind"], f["line"], f["first"], f["last"], f["count"])'
}
# expected NAME: the same from the R fixture.
expected() {
  awk -v s="$1" '$1 == s && $2 != "none" { print $2, $3, $4, $5, $6 }' "$FIX"
}

# ---- check: shipped data, injected defects, real series ----------------------
expect_status "check: the shipped coffee data is clean" 0 "$PC" check --job jobs/coffee.job
check "check says OK" grep -q '^CHECK: OK (exit 0)$' "$WORK/out"
check "check needs no store" grep -q "^check: data/coffee.csv: 2559 rows, 2559 closes: 0 finding(s)" "$WORK/out"

inject data/coffee.csv "$WORK/bad.csv"
expect_status "check: the injected defects are flagged" 3 "$PC" check --job jobs/coffee.job --data "$WORK/bad.csv"
check "a spike line names file:line, date, values" grep -q "^$WORK/bad.csv:1801: 2022-07-13 spike: close 269.04 (before 225.71, after 224.24): a move of +19.20% is 11.9 robust sd (spike_threshold 8), reversed by -16.65%$" "$WORK/out"
check "a stale line" grep -q "^$WORK/bad.csv:2001: 2023-04-25..2023-05-04 stale: close 194.07 repeated 7 times (stale_days 5), lines 2001-2008$" "$WORK/out"
check "a gap line" grep -q "^$WORK/bad.csv:2209: 2024-02-05..2024-02-14 gap: 8 trading days without a close (max_gap 5)$" "$WORK/out"
check "the summary counts them" grep -q "3 finding(s): 1 spike, 1 stale run, 1 gap" "$WORK/out"
check "injected coffee: the findings of R's implementation" \
  test "$(findings "$WORK/bad.csv" data/holidays.txt)" = "$(expected coffee_injected)"
check "shipped sugar: none, as R finds" test -z "$(findings data/sugar.csv data/holidays.txt)$(expected sugar)"
expect_status "a higher threshold does not see the spike" 3 "$PC" check --data "$WORK/bad.csv" --holidays data/holidays.txt --spike_threshold 12
check "  (only the stale run and the gap)" grep -q "2 finding(s): 0 spikes, 1 stale run, 1 gap" "$WORK/out"

if Rscript tools/real_series.R "$WORK/real" 2>"$WORK/r.err"; then
  for s in dem2gbp sp500dge msft; do
    check "real series $s: the findings of R's implementation" \
      test "$(findings "$WORK/real/$s.csv")" = "$(expected $s)"
  done
else
  notok "tools/real_series.R writes the real series"; sed 's/^/# /' "$WORK/r.err" | head -5
fi

# ---- bad input ---------------------------------------------------------------
expect_status "check: a missing data file" 2 "$PC" check --data "$WORK/none.csv"
expect_err "  names the file" "$WORK/none.csv: cannot open"
printf 'date,close\n2020-01-02,10\n2020-01-01,11\n' > "$WORK/unsorted.csv"
expect_status "check: a malformed data file" 2 "$PC" check --data "$WORK/unsorted.csv"
expect_err "  names file:line" "$WORK/unsorted.csv:3:"
expect_status "check: a bad outliers value" 2 "$PC" check --data data/coffee.csv --outliers drop
expect_err "  lists the valid values" "outliers: 'drop' is not one of keep, flag, clean"
expect_status "check: spike_threshold out of range" 2 "$PC" check --data data/coffee.csv --spike_threshold 1
expect_err "  names the range" "spike_threshold: 1 is out of range [2, 1000]"
expect_status "check: no data key" 2 "$PC" check --store "$WORK/s"
expect_err "  says which key" "check needs the key 'data'"

# ---- runs with a bad tick: keep, flag, clean ---------------------------------
awk -F, -v OFS=, 'NR == 1801 { $2 = sprintf("%.2f", $2 * 1.2) } { print }' data/coffee.csv > "$WORK/tick.csv"
cat > "$WORK/job" <<JOB
commodity = coffee
data = $WORK/tick.csv
holidays = $ROOT/data/holidays.txt
models = naive,random_walk,rw_ewma:random_walk,xgboost
rw_ewma.volatility = ewma
train_frequency = semiannually
train_anchor = 2018-01-01
start = 2023-01-02
end = 2023-01-31
log_dir = $WORK/logs
fsync = no
JOB
run() { # run NAME KEY VALUE...: backfill into $WORK/s_NAME
  local name=$1; shift
  expect_status "backfill, $name" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/s_$name" "$@"
  cp "$WORK/out" "$WORK/out_$name"
}
run orig --data data/coffee.csv
run origraw --data data/coffee.csv --model xgboost --xgboost.residuals raw
run keep --outliers keep
run keepraw --outliers keep --model xgboost --xgboost.residuals raw
run flag
run clean --outliers clean
run cleanraw --outliers clean --model xgboost --xgboost.residuals raw
check "flag: the run's report names the spike" grep -q "^  WARNING  $WORK/tick.csv:1801: 2022-07-13 spike: close 269.04" "$WORK/out_flag"
check "flag: the data line says it is reported only" grep -q "^Data:      $WORK/tick.csv: 1 finding(s) (1 spike, 0 stale runs, 0 gaps); outliers = flag: reported only$" "$WORK/out_flag"
check "clean: the data line says the models do not see it" grep -q "outliers = clean: flagged closes are missing for the models (the actuals keep them)$" "$WORK/out_clean"
check "keep: not checked" grep -q "^Data:      not checked (outliers = keep)$" "$WORK/out_keep"
check "a clean data file: no finding" grep -q "^Data:      data/coffee.csv: 0 finding(s)" "$WORK/out_orig"

vol() { "$PC" models --job "$WORK/job" --store "$WORK/s_$1" --model random_walk --format json |
  $PY -c 'import json, sys; print(json.loads(sys.stdin.readline())["params"]["volatility"])'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a / b }'; }
r_keep=$(ratio "$(vol keep)" "$(vol orig)")
r_clean=$(ratio "$(vol clean)" "$(vol orig)")
check "keep: random_walk's volatility is inflated ($r_keep x the clean data's)" awk -v r="$r_keep" 'BEGIN { exit !(r > 1.3) }'
check "clean: random_walk's volatility is the clean data's ($r_clean x)" awk -v r="$r_clean" 'BEGIN { exit !(r > 0.999 && r < 1.001) }'

# width STORE RESIDUALS: mean over the forecasts of (q99 - q01) / median of
# xgboost's day-14 prices.
width() {
  "$PC" export --job "$WORK/job" --store "$WORK/s_$1" --model xgboost --xgboost.residuals "$2" |
    $PY -c 'import sys, numpy as np
rows = {}
for line in sys.stdin.readlines()[1:]:
    f = line.rstrip("\n").split(",")
    if f[0] != "0": rows.setdefault(f[1], []).append(float(f[-1]))
q = [np.quantile(v, [0.01, 0.5, 0.99]) for v in rows.values()]
print("%.4f" % np.mean([(b[2] - b[0]) / b[1] for b in q]))'
}
w0=$(width origraw raw)
w_keepraw=$(ratio "$(width keepraw raw)" "$w0")
w_cleanraw=$(ratio "$(width cleanraw raw)" "$w0")
w_keep=$(ratio "$(width keep winsorized)" "$w0")
check "keep, raw residuals: xgboost's 98% interval is wider ($w_keepraw x the clean data's)" awk -v r="$w_keepraw" 'BEGIN { exit !(r > 1.2) }'
check "clean: xgboost's paths in their normal range ($w_cleanraw x)" awk -v r="$w_cleanraw" 'BEGIN { exit !(r > 0.95 && r < 1.05) }'
check "keep, winsorised residuals (the default): in their normal range too ($w_keep x)" awk -v r="$w_keep" 'BEGIN { exit !(r > 0.95 && r < 1.05) }'
"$PC" models --job "$WORK/job" --store "$WORK/s_keep" --model xgboost --format json > "$WORK/xgb.json"
check "the winsorised pool says so in models" grep -q '"residual_method":"winsorized"' "$WORK/xgb.json"
check "  with the count it clipped" grep -Eq '"residuals_clipped":[1-9]' "$WORK/xgb.json"

check "clean: series.h5 keeps the bad close (the actuals)" $PY -c "
import h5py, sys
f = h5py.File('$WORK/s_clean/series.h5', 'r')
d = [x.decode() for x in f['date'][:]]
sys.exit(int(f['close'][d.index('2022-07-13')] != 269.04))"

# ---- the settings rule ---------------------------------------------------------
expect_status "a flag store refuses outliers = clean" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/s_flag" --outliers clean
expect_err "  both settings shown" "outliers=clean spike_threshold=8 spike_window=60 stale_days=5"
expect_status "a flag store takes keep (the same results)" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/s_flag" --outliers keep --summary-json "$WORK/sum.json"
check "  and has nothing to do" grep -q '"trained":0,.*"forecasts_generated":0,' "$WORK/sum.json"
expect_status "a clean store refuses a new spike_threshold" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/s_clean" --outliers clean --spike_threshold 9
expect_status "an xgboost store of raw residuals refuses the default" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/s_keepraw" --outliers keep --model xgboost

# ---- status, daily, logs, report -----------------------------------------------
expect_status "status of the clean store" 0 "$PC" status --job "$WORK/job" --store "$WORK/s_clean" --outliers clean
check "status: a data line with the stored series' spike" grep -q "^data         series.h5: 2559 rows, 2559 closes; 1 spike, 0 stale runs, 0 gaps; latest spike 2022-07-13" "$WORK/out"
expect_status "status --format json" 0 "$PC" status --job "$WORK/job" --store "$WORK/s_clean" --outliers clean --format json
check "status json: the data object" $PY -c "
import json, sys
d = json.load(open('$WORK/out'))['data']
sys.exit(not (d['spikes'] == 1 and d['findings'][0]['first'] == '2022-07-13' and d['findings'][0]['line'] is None))"

expect_status "daily on 2 ranks, clean" 0 timeout 300 mpirun -np 2 "$PC" daily --job "$WORK/job" --store "$WORK/s_clean" --outliers clean --forecast_date 2023-02-01 --format json
check "daily json: the data object" $PY -c "
import json, sys
d = json.load(open('$WORK/out'))['data']
sys.exit(not (d['outliers'] == 'clean' and d['checked'] and d['spikes'] == 1 and d['findings'][0]['line'] == 1801))"
log=$(ls -d "$WORK"/logs/*/ | tail -1)
check "every rank's log has the finding" test "$(grep -l 'data: .*tick.csv:1801: 2022-07-13 spike' "$log"rank-*.log | wc -l)" -eq 2

expect_status "report of the clean store" 0 "$PC" report --job "$WORK/job" --store "$WORK/s_clean" --outliers clean --output "$WORK/rep"
check "report: a calibration summary table with a verdict per model" test "$(grep -cE '<td>(calibrated|too narrow|too wide|mixed)</td></tr>' "$WORK/rep/index.html")" -eq 4
check "report: the data section lists the spike" grep -q '<li>series.h5: 2022-07-13 spike: close 269.04' "$WORK/rep/index.html"

# ---- no leakage through the cleaning ------------------------------------------
# A spike on the last close before D is confirmed only by D's close: the
# forecast for D must not depend on it.  Closes from D on are changed (the
# reversal removed), the forecasts up to D must be identical.
D=2022-07-14
awk -F, -v OFS=, -v d=$D 'NR > 1 && $1 >= d { $2 = sprintf("%.2f", $2 * 1.25) } { print }' "$WORK/tick.csv" > "$WORK/later.csv"
for s in a b; do
  data="$WORK/tick.csv"; [[ $s == b ]] && data="$WORK/later.csv"
  "$PC" backfill --job "$WORK/job" --store "$WORK/l_$s" --data "$data" --outliers clean \
    --model naive,rw_ewma --start 2022-07-05 --end 2022-07-29 >/dev/null 2>&1
  "$PC" export --job "$WORK/job" --store "$WORK/l_$s" --outliers clean --model naive,rw_ewma \
    --start 2022-07-05 --end $D | awk -F, '$1 != 0' > "$WORK/l_$s.csv"
done
check "clean: forecasts up to $D do not depend on later closes" cmp -s "$WORK/l_a.csv" "$WORK/l_b.csv"
check "  (and there are some: $(wc -l < "$WORK/l_a.csv") rows)" test "$(wc -l < "$WORK/l_a.csv")" -gt 20000
"$PC" export --job "$WORK/job" --store "$WORK/l_a" --outliers clean --model rw_ewma --start 2022-07-15 --end 2022-07-15 | awk -F, '$1 == 1' > "$WORK/after_a"
"$PC" export --job "$WORK/job" --store "$WORK/l_b" --outliers clean --model rw_ewma --start 2022-07-15 --end 2022-07-15 | awk -F, '$1 == 1' > "$WORK/after_b"
check "  while a later forecast does see them" bash -c "! cmp -s '$WORK/after_a' '$WORK/after_b'"

# ---- evaluate --by model --------------------------------------------------------
E=("$PC" evaluate --job "$WORK/job" --store "$WORK/s_clean" --outliers clean)
"${E[@]}" --format csv > "$WORK/h.csv" 2>/dev/null
expect_status "evaluate --by model" 0 "${E[@]}" --by model --format csv
cp "$WORK/out" "$WORK/m.csv"
check "one row per model, horizon all" test "$(tail -n +2 "$WORK/m.csv" | cut -d, -f1,2 | paste -sd' ')" = "naive,all random_walk,all rw_ewma,all xgboost,all"
check "its n is the sum of the horizons' n, its CRPS their weighted mean" awk -F, '
  FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  FILENAME ~ /h.csv/ { n[$1] += $c["n"]; s[$1] += $c["n"] * $c["crps"]; next }
  { if ($c["n"] != n[$1]) bad = 1; d = $c["crps"] - s[$1] / n[$1]; if (d < 0) d = -d
    if (d > 1e-8 * $c["crps"]) bad = 1; rows++ }
  END { exit bad || rows != 4 }' "$WORK/h.csv" "$WORK/m.csv"
check "random_walk's skill against itself is 0" grep -q '^random_walk,all,.*,0$' "$WORK/m.csv"
expect_status "evaluate --by model --format json" 0 "${E[@]}" --by model --format json
check "json: one object per model" test "$(grep -c '"horizon":"all"' "$WORK/out")" -eq 4
expect_status "evaluate --by model --format table" 0 "${E[@]}" --by model --format table
check "table: the pooled rows" grep -qE '^xgboost +all +294 ' "$WORK/out"
finish
