#!/usr/bin/env bash
# pathcast evaluate stores its scores: a rerun scores nothing, new actuals
# rescore exactly the partitions they touch, incremental equals from
# scratch, scores do not depend on the rank count, damage is reported
# fail-open, and a missing or busy store is refused without changes.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
# The data end on 2020-03-31: March's last forecasts lack some actuals.
last=$(grep -n '^2020-03-31,' data/coffee.csv | cut -d: -f1)
head -n "$last" data/coffee.csv > "$WORK/early.csv"
"$PC" backfill --job "$WORK/job" --data "$WORK/early.csv" --end 2020-03-31 >/dev/null 2>&1
ev() { mpirun -np "$1" "$PC" evaluate --job "$WORK/job" --format csv "${@:2}"; }
scored() { grep -oE 'scored [0-9]+ forecast\(s\), [0-9]+ up to date, [0-9]+ failed' "$WORK/err"; }
scores_sums() { (cd "$1" && find . -path '*/scores/*' -name '*.h5' | sort | xargs md5sum); }
export -f scores_sums
forecasts=$(( 2 * $(ls "$WORK/store/naive/v1.0/forecasts" | wc -l) ))

st() { "$PC" status --job "$WORK/job" --end 2020-03-31 | grep -E '^  scores' | head -1; }
check "status: nothing scored yet" \
  bash -c "[[ '$(st)' == '  scores       0/'*' forecasts scored and up to date (pathcast evaluate scores the rest)' ]]"
expect_status "first evaluation on 2 ranks" 0 ev 2
cp "$WORK/out" "$WORK/first.csv"
total=$(scored | awk '{ print $2 }')
check "every stored forecast scored, none up to date ($total)" \
  bash -c "[[ '$(scored)' == 'scored $total forecast(s), 0 up to date, 0 failed' && $total -gt 100 ]]"
check "one scores file per forecast partition" \
  test "$(find "$WORK/store" -path '*/scores/*.h5' | wc -l)" -eq "$forecasts"

check "status: every forecast scored" \
  test "$(st)" == "  scores       $((total / 2))/$((total / 2)) forecasts scored and up to date"
expect_status "rerun on 1 rank" 0 ev 1 --summary-json "$WORK/sum.json"
check "the rerun scores nothing" test "$(scored)" == "scored 0 forecast(s), $total up to date, 0 failed"
check "--summary-json gives the counts" grep -qx "{\"scored\":0,\"score_skipped\":$total,\"score_failed\":0}" "$WORK/sum.json"
check "the rerun prints the same table" cmp -s "$WORK/out" "$WORK/first.csv"

# Scores do not depend on the rank count.
cp -r "$WORK/store" "$WORK/one"
rm -rf "$WORK"/one/*/v1.0/scores
expect_status "from scratch on 1 rank" 0 ev 1 --store "$WORK/one"
check "scores files byte-identical for 1 and 2 ranks" \
  bash -c "[[ -n \$(scores_sums '$WORK/one') ]] && diff <(scores_sums '$WORK/store') <(scores_sums '$WORK/one') >/dev/null"

# New actuals (the data now run to 2020-06-30, synced by the next run).
jan=$(stat -c %i "$WORK/store/naive/v1.0/scores/2020-01.h5")
mar=$(stat -c %i "$WORK/store/naive/v1.0/scores/2020-03.h5")
"$PC" backfill --job "$WORK/job" --end 2020-03-31 >/dev/null 2>&1
check "status: the new actuals leave scores to compute" \
  bash -c "[[ '$(st)' == *'(pathcast evaluate scores the rest)' ]]"
expect_status "evaluate after new actuals" 0 ev 2
n=$(scored | awk '{ print $2 }')
check "only March's forecasts are rescored ($n of $total)" \
  bash -c "[[ $n -gt 0 && $n -lt $total && '$(scored)' == 'scored $n forecast(s), $((total - n)) up to date, 0 failed' ]]"
check "January's scores file is untouched" \
  test "$(stat -c %i "$WORK/store/naive/v1.0/scores/2020-01.h5")" -eq "$jan"
check "March's scores file is rewritten" \
  test "$(stat -c %i "$WORK/store/naive/v1.0/scores/2020-03.h5")" -ne "$mar"
check "the new actuals count: more scored pairs than before" \
  bash -c "! cmp -s '$WORK/out' '$WORK/first.csv'"
cp "$WORK/out" "$WORK/incremental.csv"
rm -rf "$WORK"/store/*/v1.0/scores
expect_status "the same from scratch" 0 ev 2
check "incremental and from-scratch evaluations print the same" cmp -s "$WORK/out" "$WORK/incremental.csv"

# A partition removed by hand: its left-over scores no longer count.
mv "$WORK/store/naive/v1.0/forecasts/2020-01.h5" "$WORK/jan.h5"
expect_status "evaluate without naive's January" 0 ev 1 --by month
check "naive has no January row, random_walk has" \
  bash -c "! grep -q '^naive,2020-01,' '$WORK/out' && grep -q '^random_walk,2020-01,' '$WORK/out'"
mv "$WORK/jan.h5" "$WORK/store/naive/v1.0/forecasts/2020-01.h5"

# A damaged forecast partition: reported, the others still scored (exit 3).
flip="$WORK/store/naive/v1.0/forecasts/2020-02.h5"
printf '\125' | dd of="$flip" bs=1 seek=$(( $(stat -c %s "$flip") - 3000 )) conv=notrunc 2>/dev/null
rm -rf "$WORK"/store/*/v1.0/scores
expect_status "evaluate with a damaged partition" 3 ev 2
expect_err "names the damaged partition" "cannot score naive: $flip: checksum mismatch"
check "the other partitions are scored" test -f "$WORK/store/random_walk/v1.0/scores/2020-02.h5"
check "no scores for the damaged partition" test ! -e "$WORK/store/naive/v1.0/scores/2020-02.h5"
expect_status "verify names it" 3 "$PC" verify --job "$WORK/job"
check "verify checks the scores files too" grep -qE '^verified [0-9]+ file' "$WORK/out"

# No store: refused, nothing created.
expect_status "no such store" 2 ev 1 --store "$WORK/nowhere"
expect_err "names the store" "$WORK/nowhere: no such store"
check "nothing created" test ! -e "$WORK/nowhere"

# Settings differ from the stored results': refused.
expect_status "other settings" 2 ev 1 --paths 300
expect_err "says the settings differ" "made with other settings"

# A running writer holds the store: evaluate waits for nobody (exit 5).
"$PC" backfill --job "$WORK/job" --end 2021-12-31 >/dev/null 2>&1 &
writer=$!
for _ in $(seq 1 1000); do # until it holds the lock (LOCK names the holder)
  grep -q "^pid $writer " "$WORK/store/LOCK" 2>/dev/null && break
  sleep 0.01
done
kill -STOP "$writer"
expect_status "evaluate while a backfill runs" 5 ev 1
expect_err "says the store is busy" "is in use by another writer"
kill -CONT "$writer"
wait "$writer"
finish
