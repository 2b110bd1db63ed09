#!/usr/bin/env bash
# Durable commits written behind the computation (docs/STORE.md): with
# fsync = yes a rank's result files are flushed and renamed in batches by a
# flusher thread.  The store is the one fsync = no gives, nothing is left
# behind, every file is in place when the run reports, and a commit that
# fails in the flusher ends the run like a failed write: exit 1, the file
# named, its partial removed, the rest of the store intact; the rerun
# completes it.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
args=(--job "$WORK/job" --start 2019-01-01 --end 2020-06-30)

expect_status "durable backfill on 2 ranks" 0 mpirun -np 2 "$PC" backfill "${args[@]}" \
  --store "$WORK/dur" --summary-json "$WORK/dur.json"
expect_status "the same backfill without fsync" 0 mpirun -np 2 "$PC" backfill "${args[@]}" \
  --store "$WORK/nof" --fsync no
check "the same bytes with and without write-behind" \
  test "$(store_sums "$WORK/dur")" = "$(store_sums "$WORK/nof")"
check "no partial files left" test -z "$(find "$WORK/dur" -name '*.partial')"
# 36 partitions (2 models x 18 months) and 12 trained models: more than a
# batch of 16 per rank, so batches were handed to the flusher thread.
check "every file in place: 36 partitions, 12 trained models" \
  test "$(find "$WORK/dur" -path '*forecasts*' -name '*.h5' | wc -l)" -eq 36 -a \
       "$(find "$WORK/dur" -path '*trained*' -name '*.h5' | wc -l)" -eq 12
check "the summary counts them" grep -q '"forecasts_generated":768,' "$WORK/dur.json"
# Open MPI grants the thread level the flusher needs (MPI_THREAD_FUNNELED);
# a library that did not would get synchronous commits, logged as such.
check "MPI grants the flusher's thread level" \
  test -z "$(grep -rl 'written synchronously' "$WORK/logs")"

# A folder where a partition should go: its file is written, and the rename
# the flusher makes fails.
blocker="$WORK/bad/random_walk/v1.0/forecasts/2019-03.h5"
mkdir -p "$blocker/x"
expect_status "a commit that fails in the flusher ends the run" 1 "$PC" backfill "${args[@]}" \
  --store "$WORK/bad"
expect_err "names the file and why" "$blocker: cannot commit: Is a directory"
check "its partial file is removed" test -z "$(find "$WORK/bad" -name '*.partial')"
check "the other result files are committed" \
  test "$(find "$WORK/bad" -path '*forecasts*' -name '*.h5' -type f | wc -l)" -gt 0
rm -rf "$blocker"
expect_status "the rerun completes the store" 0 "$PC" backfill "${args[@]}" --store "$WORK/bad"
check "and it equals the uninterrupted store" \
  test "$(store_sums "$WORK/bad")" = "$(store_sums "$WORK/dur")"
finish
