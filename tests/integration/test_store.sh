#!/usr/bin/env bash
# The store: one writer at a time (exit 5 naming the holder), readers work
# during a run, fail-open failures recorded and retried, damaged partitions
# rebuilt, leftover *.partial files cleaned.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"

# --- two writers -----------------------------------------------------------
"$PC" backfill --job "$WORK/job" --end 2020-01-31 >/dev/null 2>&1
"$PC" backfill --job "$WORK/job" --start 2019-01-01 --end 2019-12-31 --paths 200 >/dev/null 2>&1 &
first=$!
for _ in $(seq 200); do grep -q "pid $first " "$WORK/store/LOCK" 2>/dev/null && break; sleep 0.01; done
kill -STOP "$first"   # hold the writer still while it owns the lock
before=$(store_sums "$WORK/store")
expect_status "second writer refused" 5 "$PC" backfill --job "$WORK/job" --end 2020-01-31
expect_err "names the holder" "is in use by another writer (pid $first on "
expect_status "models works while a run holds the lock" 0 "$PC" models --job "$WORK/job"
expect_status "export works while a run holds the lock" 0 "$PC" export --job "$WORK/job" --end 2020-01-31
check "refused writer changed nothing" test "$before" = "$(store_sums "$WORK/store")"
kill -CONT "$first"
wait "$first"; rc=$?
check "first writer finishes normally (exit $rc)" test "$rc" -eq 0
expect_status "lock released after the run" 0 "$PC" backfill --job "$WORK/job" --end 2020-01-31

# --- fail-open: failures recorded, others go on, retried next run ----------
small_job "$WORK/job"
sed -i "s|^store = .*|store = $WORK/fo|" "$WORK/job"
# With 1200 observations required, trainings before ~2020-04 fail; forecasts
# that need those models fail too; everything else succeeds.
expect_status "failing trainings give exit 3" 3 "$PC" backfill --job "$WORK/job" --min_history 1160 \
  --summary-json "$WORK/fo.json"
check "failure reason printed" grep -q 'train    naive                2020-01-01  too little history: 1152 observations before 2020-01-01 (min_history = 1160)' "$WORK/out"
check "forecast failure names the missing model" grep -q 'no trained model for scheduled training date 2020-01-01 (training failed or has not run)' "$WORK/out"
check "the later training succeeded" test -f "$WORK/fo/naive/v1.0/trained/2020-04-01.h5"
check "forecasts after it were generated" test -f "$WORK/fo/random_walk/v1.0/forecasts/2020-06.h5"
check "counts" grep -q '"trained":2,"train_skipped":0,"train_failed":2' "$WORK/fo.json"
check "failures are in the store" h5dump -d /reason "$WORK/fo/failures.h5" >/dev/null
expect_status "rerun with the cause fixed" 0 "$PC" backfill --job "$WORK/job" --summary-json "$WORK/fo.json"
check "rerun retried exactly the failures" grep -q '"trained":2,"train_skipped":2,"train_failed":0' "$WORK/fo.json"
check "no failures recorded any more" test "$(h5dump -d /reason "$WORK/fo/failures.h5" | grep -c 'DATASPACE  SIMPLE { ( 0 )')" -eq 1
"$PC" export --job "$WORK/job" --store "$WORK/fo" --output "$WORK/fo.csv"
"$PC" backfill --job "$WORK/job" --store "$WORK/clean" >/dev/null 2>&1
"$PC" export --job "$WORK/job" --store "$WORK/clean" --output "$WORK/clean.csv"
check "after retry the store equals a clean run" cmp -s "$WORK/fo.csv" "$WORK/clean.csv"

# --- damage ----------------------------------------------------------------
expect_status "verify an intact store" 0 "$PC" verify --job "$WORK/job" --store "$WORK/clean"
check "verify counts every file" grep -qE '^verified 1[0-9] file\(s\) of .*: all intact$' "$WORK/out"
cp -r "$WORK/clean" "$WORK/flip"
flip="$WORK/flip/random_walk/v1.0/forecasts/2020-05.h5"
size=$(stat -c %s "$flip")
printf '\125' | dd of="$flip" bs=1 seek=$((size - 3000)) conv=notrunc 2>/dev/null
check "the flip changed the file" bash -c "! cmp -s '$flip' '$WORK/clean/random_walk/v1.0/forecasts/2020-05.h5'"
expect_status "verify finds a flipped bit" 3 "$PC" verify --job "$WORK/job" --store "$WORK/flip"
check "names exactly the damaged file" test "$(grep -c '^DAMAGED' "$WORK/out")" -eq 1 -a \
  -n "$(grep -F "DAMAGED $flip: checksum mismatch" "$WORK/out")"
trained="$WORK/flip/naive/v1.0/trained/2020-04-01.h5"
# Flip a byte of the stored volatility itself (h5dump gives its file offset).
offset=$(h5dump -p -d /params/volatility "$trained" | awk '/OFFSET/ { print $2 }')
printf '\125' | dd of="$trained" bs=1 seek=$((offset + 3)) conv=notrunc 2>/dev/null
expect_status "verify finds a damaged trained model" 3 "$PC" verify --job "$WORK/job" --store "$WORK/flip"
check "two damaged files" test "$(grep -c '^DAMAGED' "$WORK/out")" -eq 2
expect_status "a run rebuilds damaged files" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/flip"
check "partition rebuilt identically" cmp -s "$flip" "$WORK/clean/random_walk/v1.0/forecasts/2020-05.h5"
check "trained model rebuilt identically" cmp -s "$trained" "$WORK/clean/naive/v1.0/trained/2020-04-01.h5"
expect_status "verify after the rebuild" 0 "$PC" verify --job "$WORK/job" --store "$WORK/flip"

part="$WORK/clean/naive/v1.0/forecasts/2020-03.h5"
good=$(md5sum < "$part")
head -c 5000 "$part" > "$part.tmp" && mv "$part.tmp" "$part"
touch "$WORK/clean/random_walk/v1.0/forecasts/2020-02.h5.partial"
expect_status "run over a truncated partition" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/clean"
check "the truncated partition was rebuilt identically" test "$good" = "$(md5sum < "$part")"
check "a stale .partial was removed" test ! -e "$WORK/clean/random_walk/v1.0/forecasts/2020-02.h5.partial"
finish
