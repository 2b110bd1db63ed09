#!/usr/bin/env bash
# pathcast migrate: a store written by the last pathcast of schema 1
# (tests/data/schema1, tools/schema1_store.sh) rewritten in schema 2 --
# every value, content checksum and identity attribute kept, what pathcast
# prints unchanged, xarray and ncdump then see named dimensions; a second
# migrate changes no byte; kill -9 at any instant and a rerun gives the
# bytes of an uninterrupted migrate; damaged files named and left; the lock.
source "$(dirname "$0")/../lib/lib.sh"
PY=/usr/bin/python3
args=(--job tests/data/schema1.job --log_dir "$WORK/logs")
fresh() { rm -rf "$1"; cp -r tests/data/schema1 "$1"; }
# The identity and checksum attributes of every file of a store, by path.
attrs() {
  (cd "$1" && for f in $(find . -name '*.h5' | sort); do
    ncdump -h "$f" | grep -E '^		:(seed|job_id|provenance|pathcast_version|settings|commodity|model|model_type|model_version|month|training_date|checksum|source_checksum) = ' |
      sed "s|^|$f|"
  done)
}

fresh "$WORK/s"
"$PC" export "${args[@]}" --store "$WORK/s" --with_dates yes --output "$WORK/before.csv"
"$PC" models "${args[@]}" --store "$WORK/s" --format json > "$WORK/before.json"
"$PC" evaluate "${args[@]}" --store "$WORK/s" --format csv > "$WORK/before_eval.csv" 2>/dev/null
attrs "$WORK/s" > "$WORK/before_attrs"

expect_status "migrate a schema-1 store" 0 "$PC" migrate "${args[@]}" --store "$WORK/s"
check "every file rewritten" grep -q "^migrate: 11 file(s) of $WORK/s rewritten in schema 2, 0 already in it$" "$WORK/out"
expect_status "verify after migrate" 0 "$PC" verify "${args[@]}" --store "$WORK/s"
check "no file of schema 1 left" bash -c "grep -q 'verified 11 file(s) of .*: all intact' '$WORK/out' && ! grep -q 'of schema 1' '$WORK/out'"
expect_status "status after migrate" 0 "$PC" status "${args[@]}" --store "$WORK/s"
check "status: schema 2" grep -qE '^pathcast status  coffee  store .* \(schema 2, [0-9.]+ MB\)$' "$WORK/out"
"$PC" export "${args[@]}" --store "$WORK/s" --with_dates yes --output "$WORK/after.csv"
check "export unchanged, dates included" cmp -s "$WORK/before.csv" "$WORK/after.csv"
check "models unchanged" cmp -s "$WORK/before.json" <("$PC" models "${args[@]}" --store "$WORK/s" --format json)
expect_status "evaluate after migrate" 0 "$PC" evaluate "${args[@]}" --store "$WORK/s" --format csv
check "the scores are still current (their source checksums match)" grep -q 'scored 0 forecast(s), 66 up to date' "$WORK/err"
check "the same table" cmp -s "$WORK/before_eval.csv" "$WORK/out"
attrs "$WORK/s" > "$WORK/after_attrs"
check "every file's identity and content checksum kept" cmp -s "$WORK/before_attrs" "$WORK/after_attrs"
check "(the comparison sees 11 files' attributes)" test "$(cut -d: -f1 "$WORK/after_attrs" | sort -u | wc -l)" -eq 11
check "ncdump: named dimensions, schema 2" bash -c "
  ncdump -h '$WORK/s/naive/v1.0/forecasts/2020-01.h5' | grep -q $'\tfloat paths(forecast_date, path, day) ;' &&
  ncdump -h '$WORK/s/arima_111/v1.0/trained/2020-01-01.h5' | grep -q $'\tdouble ar(ar_index) ;' &&
  ncdump -h '$WORK/s/pathcast.h5' | grep -q ':schema_version = 2LL ;'"
check "xarray (both engines): every value equals the export" $PY -c "
import csv, sys, numpy as np, xarray as xr
rows = [r for r in csv.DictReader(open(sys.argv[2])) if r['model'] == 'random_walk' and r['path_id'] != '0']
want = np.array([[float(r['day_%d' % k]) for k in range(1, 6)] for r in rows], dtype=np.float32)
ok = True
for engine in ('h5netcdf', 'netcdf4'):
    ds = xr.open_mfdataset(sys.argv[1] + '/random_walk/v1.0/forecasts/*.h5', engine=engine)
    ok &= ds.paths.values.reshape(-1, 5).tobytes() == want.tobytes()
    ok &= [str(d)[:10] for d in ds.forecast_date.values] == sorted({r['forecast_start_date'] for r in rows})
sys.exit(0 if ok else 1)" "$WORK/s" "$WORK/before.csv"

ref=$(store_sums "$WORK/s")
expect_status "a second migrate" 0 "$PC" migrate "${args[@]}" --store "$WORK/s"
check "rewrites nothing" grep -q "rewritten in schema 2, 11 already in it$" "$WORK/out"
check "and changes no byte" test "$(store_sums "$WORK/s")" = "$ref"

# The instants below are fractions of an uninterrupted migrate's wall time
# on this machine (0.1 s quiet, many times that under ASan or load), so
# some of them land mid-migration wherever the suite runs.
fresh "$WORK/m"
t0=$(date +%s%N)
"$PC" migrate "${args[@]}" --store "$WORK/m" >/dev/null 2>&1
duration_ns=$(($(date +%s%N) - t0))
at() { awk -v f="$1" -v ns="$duration_ns" 'BEGIN { printf "%.3f", f * ns / 1e9 }'; }

# kill -9 at growing instants; each time a rerun completes the migration
# with the bytes of the uninterrupted one.
mid=0
for fraction in 0.05 0.15 0.25 0.35 0.45 0.55 0.7 0.85; do
  delay=$(at "$fraction")
  fresh "$WORK/k"
  "$PC" migrate "${args[@]}" --store "$WORK/k" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  "$PC" verify "${args[@]}" --store "$WORK/k" > "$WORK/v" 2>&1
  left=$(grep -oE '^[0-9]+ of them are of schema 1' "$WORK/v" | cut -d' ' -f1)
  [[ -n $left && $left -lt 11 ]] && mid=$((mid + 1))
  "$PC" migrate "${args[@]}" --store "$WORK/k" >/dev/null 2>&1
  [[ "$(store_sums "$WORK/k")" == "$ref" ]] || notok "kill -9 after ${delay}s: the rerun differs from an uninterrupted migrate"
done
check "kill -9 at 8 instants: every rerun gave the uninterrupted bytes ($mid landed mid-migration)" test "$mid" -ge 1
check "no partial file left" test -z "$(find "$WORK/k" -name '*.partial')"

# SIGTERM stops it between files (exit 4, saying so); again, it finishes.
# (A SIGTERM before the process has started -- 143 -- kills it like any.)
stopped=0
for fraction in 0.2 0.3 0.4 0.5 0.6 0.75; do
  delay=$(at "$fraction")
  fresh "$WORK/t"
  "$PC" migrate "${args[@]}" --store "$WORK/t" >"$WORK/t.out" 2>&1 &
  pid=$!
  sleep "$delay"
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  if [[ $rc -eq 4 ]]; then
    stopped=$((stopped + 1))
    grep -q '; stopped: migrate again to finish$' "$WORK/t.out" || notok "SIGTERM after ${delay}s: exit 4 without saying so"
  elif [[ $rc -ne 0 && $rc -ne 143 ]]; then
    notok "SIGTERM after ${delay}s: exit $rc"
  fi
  "$PC" migrate "${args[@]}" --store "$WORK/t" >/dev/null 2>&1
  [[ "$(store_sums "$WORK/t")" == "$ref" ]] || notok "SIGTERM after ${delay}s: the rerun differs from an uninterrupted migrate"
done
check "SIGTERM at 6 instants: exit 4 or done, every rerun the uninterrupted bytes ($stopped stopped)" test "$stopped" -ge 1

# A damaged file is named and left as it is; the others are migrated.
fresh "$WORK/d"
part=$WORK/d/naive/v1.0/forecasts/2020-01.h5
printf '\xff' | dd of="$part" bs=1 seek=20000 conv=notrunc 2>/dev/null
expect_status "migrate with a damaged partition" 3 "$PC" migrate "${args[@]}" --store "$WORK/d"
check "names it" grep -q "^DAMAGED $part: checksum mismatch: the file is damaged (not migrated; the next run of the job rebuilds it)$" "$WORK/out"
check "migrates the others" grep -q "rewritten in schema 2, 0 already in it, 1 damaged" "$WORK/out"
check "its counts add up" grep -q "^migrate: 10 file(s) " "$WORK/out"

# One writer at a time; a folder that is no store.
fresh "$WORK/l"
$PY -c "
import fcntl, sys, time
f = open(sys.argv[1] + '/LOCK', 'a+')
fcntl.lockf(f, fcntl.LOCK_EX)
f.write('pid 1 on test, job test, since now\n'); f.flush()
time.sleep(30)" "$WORK/l" &
holder=$!
for _ in $(seq 50); do [[ -s "$WORK/l/LOCK" ]] && break; sleep 0.1; done
expect_status "migrate while another writer holds the store" 5 "$PC" migrate "${args[@]}" --store "$WORK/l"
expect_err "names the holder" "is in use by another writer (pid 1 on test"
kill "$holder"; wait "$holder" 2>/dev/null
mkdir -p "$WORK/empty"
expect_status "migrate a folder without a store" 2 "$PC" migrate "${args[@]}" --store "$WORK/empty"
expect_err "says so" "not a pathcast store (no pathcast.h5): nothing to migrate"
finish
