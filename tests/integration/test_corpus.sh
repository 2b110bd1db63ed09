#!/usr/bin/env bash
# The bad-input corpus (tests/corpus/cases.txt, plus generated and damaged-
# store cases below): no crash, a message naming the problem, the documented
# exit status, and no change to any store.
source "$(dirname "$0")/../lib/lib.sh"
cases=0

run_case() {  # name status text args...
  local name=$1 status=$2 text=$3; shift 3
  local store="$WORK/s/$name"
  local command=$1; shift
  "$PC" "$command" --store "$store" --log_dir "$WORK/logs" "$@" >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  cases=$((cases + 1))
  if [[ $rc -ne $status ]]; then
    notok "$name: exit $rc, expected $status"; sed 's/^/# /' "$WORK/err" | head -5; return
  fi
  if ! grep -qF -- "$text" "$WORK/out" "$WORK/err"; then
    notok "$name: output lacks '$text'"; sed 's/^/# /' "$WORK/err" | head -5; return
  fi
  if [[ $status -eq 2 && -e $store ]]; then
    notok "$name: bad input created a store"; return
  fi
  ok "$name (exit $rc)"
}

while IFS='|' read -r name status text args; do
  [[ -z $name || $name == \#* ]] && continue
  text=${text//@/tests/corpus}
  read -r -a argv <<<"${args//@/tests/corpus}"
  run_case "$name" "$status" "$text" "${argv[@]}"
done < tests/corpus/cases.txt

# --- generated inputs ------------------------------------------------------
# A million rows (daily calendar from 1800-01-01, the first date of the
# supported range, to the year 4537): read and used.
daily_csv -62091 1000000 '100 + 10 * sin(i / 50)' > "$WORK/million.csv"
check "generated file has 10^6 rows" test "$(wc -l < "$WORK/million.csv")" -eq 1000001
run_case million_rows 0 "Status:    success (exit 0)" backfill --job tests/corpus/base.job \
  --data "$WORK/million.csv" --calendar daily --holidays "" --start 2016-06-01 --end 2016-06-02
# A 1 MB line: refused cleanly.
{ head -300 data/coffee.csv; printf '2016-09-01,'; head -c 1000000 /dev/zero | tr '\0' 7; echo ',20,70,0'; } > "$WORK/longline.csv"
run_case very_long_line 2 "$WORK/longline.csv:301: column 'close': " backfill --job tests/corpus/base.job --data "$WORK/longline.csv"

# --- damaged and unusable stores -------------------------------------------
"$PC" backfill --job tests/corpus/base.job --end 2016-07-29 --store "$WORK/good" --log_dir "$WORK/logs" >/dev/null 2>&1
damaged() { rm -rf "$WORK/s/$1"; mkdir -p "$WORK/s"; cp -r "$WORK/good" "$WORK/s/$1"; }
damaged truncated_partition
f="$WORK/s/truncated_partition/naive/v1.0/forecasts/2016-07.h5"; head -c 4000 "$f" > "$f.x" && mv "$f.x" "$f"
run_case truncated_partition 0 "Forecasts: generated 20, skipped 64, failed 0" backfill --job tests/corpus/base.job --end 2016-07-29
check "truncated partition rebuilt identically" cmp -s "$f" "$WORK/good/naive/v1.0/forecasts/2016-07.h5"
damaged bit_flipped
f="$WORK/s/bit_flipped/random_walk/v1.0/forecasts/2016-06.h5"
printf '\125' | dd of="$f" bs=1 seek=$(( $(stat -c %s "$f") - 2000 )) conv=notrunc 2>/dev/null
run_case bit_flipped 3 "DAMAGED $f: checksum mismatch" verify --job tests/corpus/base.job
damaged stale_partial
touch "$WORK/s/stale_partial/naive/v1.0/forecasts/2016-08.h5.partial"
run_case stale_partial 0 "Status:    success (exit 0)" backfill --job tests/corpus/base.job --end 2016-07-29
check "stale .partial removed" test ! -e "$WORK/s/stale_partial/naive/v1.0/forecasts/2016-08.h5.partial"
damaged missing_trained
rm "$WORK/s/missing_trained/naive/v1.0/trained/2016-06-01.h5"
run_case missing_trained 0 "Training:  trained 1, skipped 1, failed 0" backfill --job tests/corpus/base.job --end 2016-07-29
damaged missing_manifest
rm "$WORK/s/missing_manifest/pathcast.h5"
before=$(store_sums "$WORK/s/missing_manifest")
run_case missing_manifest 0 "Forecasts: generated 0, skipped 84, failed 0" backfill --job tests/corpus/base.job --end 2016-07-29
check "missing manifest: no result recomputed" test "$before" = "$(store_sums "$WORK/s/missing_manifest" | grep -v ' ./pathcast.h5$')"
check "missing manifest: restored" cmp -s "$WORK/s/missing_manifest/pathcast.h5" "$WORK/good/pathcast.h5"
damaged truncated_manifest
f="$WORK/s/truncated_manifest/pathcast.h5"; head -c 700 "$f" > "$f.x" && mv "$f.x" "$f"
before=$(store_sums "$WORK/s/truncated_manifest" | grep -v ' ./pathcast.h5$')
expect_status "truncated manifest: a reader serves nothing" 3 "$PC" export --job tests/corpus/base.job --store "$WORK/s/truncated_manifest"
expect_err "truncated manifest: the reader says how it is restored" "pathcast.h5: it is truncated; the next writer run of the job"
run_case truncated_manifest 0 "Forecasts: generated 0, skipped 84, failed 0" backfill --job tests/corpus/base.job --end 2016-07-29
check "truncated manifest: no result recomputed" test "$before" = "$(store_sums "$WORK/s/truncated_manifest" | grep -v ' ./pathcast.h5$')"
check "truncated manifest: restored" cmp -s "$f" "$WORK/good/pathcast.h5"
damaged truncated_failures
head -c 100 "$WORK/s/truncated_failures/pathcast.h5" > "$WORK/s/truncated_failures/failures.h5"
run_case truncated_failures 0 "Status:    success (exit 0)" backfill --job tests/corpus/base.job --end 2016-07-29
check "damaged failures file rewritten" h5dump -H "$WORK/s/truncated_failures/failures.h5" >/dev/null
mkdir -p "$WORK/s"; echo "not a folder" > "$WORK/s/store_is_a_file"
run_case store_is_a_file 1 "$WORK/s/store_is_a_file: the store is not a folder" backfill --job tests/corpus/base.job
run_case store_under_a_file 1 "cannot create store folder: Not a directory" backfill --job tests/corpus/base.job --store "$WORK/s/store_is_a_file/sub"
check "at least 40 corpus cases ran ($cases)" test "$cases" -ge 40
finish
