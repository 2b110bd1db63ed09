#!/usr/bin/env bash
# The store as a labeled cube (schema 2): named dimensions and CF time as
# ncdump, xarray (h5netcdf and netCDF4 engines) and netCDF4-python read
# them, equal to pathcast's own export bit for bit; the Python examples of
# docs/STORE.md run against a real store; export --format quantiles (against
# evaluate's stored quantiles and R's type 7) and --with_dates; versions side
# by side; a store written by the last pathcast of schema 1 still read.
source "$(dirname "$0")/../lib/lib.sh"
PY=/usr/bin/python3
small_job "$WORK/job"
sed -i 's/^models = .*/models = naive,random_walk,arima_111:arima\narima_111.order = 1,1,1/' "$WORK/job"
S=$WORK/store
expect_status "backfill Jan-Feb 2020" 0 "$PC" backfill --job "$WORK/job" --end 2020-02-29
expect_status "evaluate" 0 "$PC" evaluate --job "$WORK/job" --format csv
cp "$WORK/out" "$WORK/eval_all.csv"
grep -v '^arima_111,' "$WORK/eval_all.csv" > "$WORK/eval.csv"

# ---- ncdump: named dimensions, CF time ---------------------------------------
part=$S/naive/v1.0/forecasts/2020-01.h5
ncdump -h "$part" > "$WORK/cdl"
check "ncdump: dimensions forecast_date, path, day (in that order)" \
  grep -Pzq 'dimensions:\n\tforecast_date = 22 ;\n\tpath = 200 ;\n\tday = 14 ;\n' "$WORK/cdl"
check "ncdump: paths(forecast_date, path, day)" grep -q $'\tfloat paths(forecast_date, path, day) ;' "$WORK/cdl"
check "ncdump: forecast_date and day_date are CF time" bash -c "
  grep -q 'forecast_date:units = \"days since 1970-01-01\" ;' '$WORK/cdl' &&
  grep -q 'day_date:calendar = \"proleptic_gregorian\" ;' '$WORK/cdl' &&
  grep -q $'\tint day_date(forecast_date, day) ;' '$WORK/cdl'"
check "ncdump: paths names its units, long_name and coordinates" bash -c "
  grep -q 'paths:units = ' '$WORK/cdl' && grep -q 'paths:long_name = ' '$WORK/cdl' &&
  grep -q 'paths:coordinates = \"day_date\" ;' '$WORK/cdl'"
check "ncdump: Conventions, title, source; no history" bash -c "
  grep -q ':Conventions = \"CF-1.8\" ;' '$WORK/cdl' && grep -q ':title = \"coffee forecast paths of model naive (v1.0), forecast dates of 2020-01\" ;' '$WORK/cdl' &&
  grep -q ':source = \"pathcast ' '$WORK/cdl' && ! grep -q ':history' '$WORK/cdl' && grep -q ':schema_version = 2LL ;' '$WORK/cdl'"
check "ncdump -t: the dates are the export's" test \
  "$(ncdump -t -v forecast_date "$part" | sed -n '/^data:/,$p' | grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' | paste -sd,)" = \
  "$("$PC" export --job "$WORK/job" --model naive --end 2020-01-31 | awk -F, '$1 == 0 { print $2 }' | paste -sd,)"
ncdump -h "$S/arima_111/v1.0/trained/2020-01-01.h5" > "$WORK/cdl_t"
check "ncdump: a trained model's arrays have named dimensions, scalars none" bash -c "
  grep -q $'\tdouble ar(ar_index) ;' '$WORK/cdl_t' && grep -q $'\tint64 order(order_index) ;' '$WORK/cdl_t' &&
  grep -q $'\tdouble sigma2 ;' '$WORK/cdl_t' && ! grep -q phony_dim '$WORK/cdl_t'"
ncdump -h "$S/naive/v1.0/scores/2020-01.h5" > "$WORK/cdl_s"
check "ncdump: scores over forecast_date, day, quantile_level" bash -c "
  grep -q $'\tdouble quantile(forecast_date, day, quantile_level) ;' '$WORK/cdl_s' &&
  grep -q $'\tdouble crps(forecast_date, day) ;' '$WORK/cdl_s' && ! grep -q phony_dim '$WORK/cdl_s'"

# ---- exports that the Python side is checked against --------------------------
score_levels=0.005,0.025,0.1,0.165,0.25,0.5,0.75,0.835,0.9,0.975,0.995
expect_status "export --with_dates yes" 0 "$PC" export --job "$WORK/job" --with_dates yes --output "$WORK/wide.csv"
check "with_dates: day_1_date..day_14_date after day_14" bash -c \
  "head -1 '$WORK/wide.csv' | grep -q ',day_14,day_1_date,.*,day_14_date\$'"
"$PC" export --job "$WORK/job" > "$WORK/plain.csv"
check "with_dates adds columns, changes nothing else" cmp -s "$WORK/plain.csv" <(cut -d, -f1-23 "$WORK/wide.csv")
expect_status "export --format quantiles at evaluate's levels" 0 "$PC" export --job "$WORK/job" --format quantiles --levels "$score_levels" --output "$WORK/q_scores.csv"
expect_status "export --format quantiles (default levels)" 0 "$PC" export --job "$WORK/job" --format quantiles --output "$WORK/q3.csv"
check "quantiles: header" test "$(head -1 "$WORK/q3.csv")" = "commodity,model,model_version,forecast_date,day,day_date,level,value"
check "quantiles: default levels 0.05, 0.5, 0.95; one row per forecast, day and level" bash -c "
  test \"\$(cut -d, -f7 '$WORK/q3.csv' | tail -n +2 | sort -u | paste -sd,)\" = 0.05,0.5,0.95 &&
  test \$(( \$(wc -l < '$WORK/q3.csv') - 1 )) -eq \$(( \$(awk -F, '\$1 == 0' '$WORK/wide.csv' | wc -l) * 14 * 3 ))"
check "quantiles: day_date is the wide export's day_k_date" bash -c "
  diff <(awk -F, 'NR > 1 && \$5 == 7 && \$7 == 0.5 { print \$2, \$4, \$6 }' '$WORK/q3.csv') \
       <(awk -F, 'NR > 1 && \$1 == 0 { print \$6, \$2, \$30 }' '$WORK/wide.csv')"
"$PC" models --job "$WORK/job" --format json > "$WORK/models.json"

# R's quantile(type = 7) of the exported paths, at test time.
Rscript tools/quantile_reference.R "$WORK/wide.csv" 0.05,0.5,0.95 > "$WORK/r_q3.csv"
check "quantiles = R's quantile(type = 7) of the exported paths (1e-12 relative)" \
  $PY -c "
import csv, sys
ref = {tuple(r[k] for k in ('model', 'model_version', 'forecast_date', 'day', 'level')): float(r['value'])
       for r in csv.DictReader(open(sys.argv[1]))}
got = list(csv.DictReader(open(sys.argv[2])))
bad = [r for r in got if abs(ref[(r['model'], r['model_version'], r['forecast_date'], r['day'], r['level'])] - float(r['value']))
       > 1e-12 * abs(float(r['value']))]
sys.exit(1 if bad or len(got) != len(ref) else 0)" "$WORK/r_q3.csv" "$WORK/q3.csv"

# ---- the Python examples of docs/STORE.md, and xarray against export -----------
for ex in open_model date_range quantiles compare_models; do
  check "docs/STORE.md shows docs/examples/$ex.py as it is" $PY -c "
import sys
doc = open('docs/STORE.md').read()
sys.exit(0 if '\`\`\`python\n' + open('docs/examples/$ex.py').read() + '\`\`\`' in doc else 1)"
done
expect_status "example: open one model" 0 $PY docs/examples/open_model.py "$S"
check "open_model.py: the cube's sizes" grep -q "^{'forecast_date': 42, 'path': 200, 'day': 14}$" "$WORK/out"
$PY docs/examples/date_range.py "$S" 2020-02-01 2020-02-29 > "$WORK/ex_date_range.txt"
$PY docs/examples/quantiles.py "$S" > "$WORK/ex_quantiles.txt"
$PY docs/examples/compare_models.py "$S" > "$WORK/ex_compare.txt"
$PY tests/python/check_cube.py "$S" "$WORK" > "$WORK/py.txt" 2>&1
cat "$WORK/py.txt"
check "check_cube.py ran to its end" bash -c "! grep -q Traceback '$WORK/py.txt' && test \$(grep -c '^ok - ' '$WORK/py.txt') -ge 20"

# ---- bad input ------------------------------------------------------------------
expect_status "levels out of [0, 1]" 2 "$PC" export --job "$WORK/job" --format quantiles --levels 0.05,1.5
expect_err "names the level" "levels: '1.5' is not a quantile level (a number from 0 to 1)"
expect_status "an empty level" 2 "$PC" export --job "$WORK/job" --format quantiles --levels 0.05,,0.9
expect_err "names it" "levels: '' is not a quantile level"
expect_status "quantiles is export's format only" 2 "$PC" models --job "$WORK/job" --format quantiles
expect_err "lists the valid formats" "--format quantiles: models does not print that (valid: auto, table, json)"
expect_status "with_dates takes yes or no" 2 "$PC" export --job "$WORK/job" --with_dates 1
expect_err "says so" "with_dates: '1' is not one of yes, no"

# ---- versions side by side ------------------------------------------------------
expect_status "backfill of v2.0 (January)" 0 "$PC" backfill --job "$WORK/job" --model_version v2.0 --end 2020-01-31
expect_status "evaluate v2.0" 0 "$PC" evaluate --job "$WORK/job" --model_version v2.0 --format csv
grep -v '^arima_111,' "$WORK/out" > "$WORK/eval2.csv"
expect_status "export --model_version v1.0,v2.0" 0 "$PC" export --job "$WORK/job" --model_version v1.0,v2.0 --output "$WORK/both.csv"
{ head -1 "$WORK/plain.csv"
  for m in arima_111 naive random_walk; do for v in v1.0 v2.0; do
    "$PC" export --job "$WORK/job" --model "$m" --model_version "$v" | tail -n +2
  done; done; } > "$WORK/both_want.csv"
check "= each model's versions exported one by one, in the order listed" cmp -s "$WORK/both.csv" "$WORK/both_want.csv"
expect_status "models --model_version v2.0,v1.0 --format json" 0 "$PC" models --job "$WORK/job" --model_version v2.0,v1.0 --format json
check "models: each model's trainings of both versions, in the order listed" test \
  "$(grep -oE '"model":"[a-z_0-9]+","model_type":"[a-z_]+","model_version":"v[0-9.]+"' "$WORK/out" | cut -d'"' -f4,12 | paste -sd' ')" = \
  "naive\"v2.0 naive\"v1.0 random_walk\"v2.0 random_walk\"v1.0 arima_111\"v2.0 arima_111\"v1.0"
expect_status "evaluate --model_version v1.0,v2.0" 0 "$PC" evaluate --job "$WORK/job" --model_version v1.0,v2.0 --model naive,random_walk --format csv --summary-json "$WORK/sum.json"
check "evaluate: a model_version column" grep -q '^model,model_version,horizon,n,' "$WORK/out"
{ head -1 "$WORK/eval.csv"
  for m in naive random_walk; do grep "^$m," "$WORK/eval.csv"; grep "^$m," "$WORK/eval2.csv"; done; } > "$WORK/eval_want.csv"
check "evaluate: one row per model and version, each = that version's own evaluate (skill against its own random_walk)" \
  cmp -s "$WORK/eval_want.csv" <(cut -d, -f2 --complement "$WORK/out")
check "evaluate: the summary counts both versions" grep -q '{"scored":0,"score_skipped":' "$WORK/sum.json"
expect_status "evaluate --format json names the version" 0 "$PC" evaluate --job "$WORK/job" --model naive --format json
check "json: model_version on every line" test "$(grep -c '"model":"naive","model_version":"v1.0","horizon"' "$WORK/out")" -eq 14
expect_status "a run works on one version" 2 "$PC" backfill --job "$WORK/job" --model_version v1.0,v2.0
expect_err "says which commands take a list" "model_version: backfill works on one version (a list such as 'v1.0,v2.0' is for export, models and evaluate)"
expect_status "a version listed twice" 2 "$PC" export --job "$WORK/job" --model_version v1.0,v1.0
expect_err "is refused" "model_version: 'v1.0' is listed twice"

# ---- a store of schema 1 (written by the pathcast before schema 2) ----------------
cp -r tests/data/schema1 "$WORK/old"
old=(--job tests/data/schema1.job --store "$WORK/old" --log_dir "$WORK/logs")
sums=$(store_sums "$WORK/old")
expect_status "verify a schema-1 store" 0 "$PC" verify "${old[@]}"
check "verify counts its files of schema 1" grep -qE '^11 of them are of schema 1 ' "$WORK/out"
expect_status "status of a schema-1 store" 0 "$PC" status "${old[@]}"
check "status: schema 1" grep -qE '^pathcast status  coffee  store .* \(schema 1, [0-9.]+ MB\)$' "$WORK/out"
expect_status "export of a schema-1 store" 0 "$PC" export "${old[@]}" --with_dates yes --output "$WORK/old.csv"
check "its values and dates are the stored ones (h5py reads the ISO strings of schema 1)" $PY -c "
import csv, sys, h5py, numpy as np
rows = [r for r in csv.DictReader(open(sys.argv[2])) if r['model'] == 'naive']
with h5py.File(sys.argv[1] + '/naive/v1.0/forecasts/2020-01.h5', 'r') as f:
    dates = f['forecast_date'][:].astype(str).tolist()
    days = f['day_date'][:].astype(str).tolist()
    paths = f['paths'][:]
first = [r for r in rows if r['path_id'] == '0']
got = np.array([[float(r['day_%d' % k]) for k in range(1, 6)] for r in rows if r['path_id'] != '0'], dtype=np.float32)
ok = [r['forecast_start_date'] for r in first] == dates and \
     [[r['day_%d_date' % k] for k in range(1, 6)] for r in first] == days and \
     got.tobytes() == paths.reshape(-1, 5).tobytes()
sys.exit(0 if ok else 1)" "$WORK/old" "$WORK/old.csv"
expect_status "models of a schema-1 store" 0 "$PC" models "${old[@]}" --model arima_111 --format json
check "its arrays and scalars read" grep -qE '"params":\{"ar":\[[-0-9.e]+\],.*"order":\[1,1,1\]' "$WORK/out"
expect_status "evaluate a schema-1 store: its scores are current" 0 "$PC" evaluate "${old[@]}" --format csv
check "nothing rescored" grep -q 'scored 0 forecast(s), 66 up to date, 0 failed' "$WORK/err"
check "readers changed no byte of it" test "$(store_sums "$WORK/old")" = "$sums"
rm "$WORK/old/naive/v1.0/scores/2020-01.h5"
expect_status "evaluate writes naive's scores anew" 0 "$PC" evaluate "${old[@]}" --format csv
check "scored naive's 22 forecasts" grep -q 'scored 22 forecast(s), 44 up to date' "$WORK/err"
expect_status "status of the store of both schemas" 0 "$PC" status "${old[@]}"
check "status: schema 1 and 2" grep -qE '^pathcast status  coffee  store .* \(schema 1 and 2, [0-9.]+ MB\)$' "$WORK/out"
expect_status "status --format json" 0 "$PC" status "${old[@]}" --format json
check "json: the oldest schema and every schema" grep -q '"schema_version":1,"schema_versions":\[1,2\],' "$WORK/out"
check "the new scores file is schema 2, named dimensions" bash -c "ncdump -h '$WORK/old/naive/v1.0/scores/2020-01.h5' | grep -q $'\tdouble crps(forecast_date, day) ;'"
expect_status "verify the store of both schemas" 0 "$PC" verify "${old[@]}"
check "10 files of schema 1 remain" grep -qE '^10 of them are of schema 1 ' "$WORK/out"
"$PC" export "${old[@]}" --with_dates yes --output "$WORK/old2.csv"
check "its export is unchanged" cmp -s "$WORK/old.csv" "$WORK/old2.csv"
finish
