#!/usr/bin/env bash
# slurm/pipeline.sh: train -> forecast (-> evaluate) as jobs chained with
# afterok; the chain gives the same export as one backfill, and a failed parent cancels
# its child (--kill-on-invalid-dep=yes) instead of leaving it pending.
source "$(dirname "$0")/lib.sh"
small_job "$WORK/job"
timeout 300 mpirun -np 2 "$PC" backfill --job "$WORK/job" --store "$WORK/local" >/dev/null 2>&1
"$PC" export --job "$WORK/job" --store "$WORK/local" --output "$WORK/local.csv"

timeout 60 slurm/pipeline.sh --ntasks=2 --output="$WORK/%x-%j.out" -- "$WORK/job" \
  --store "$WORK/chain" >"$WORK/ids" 2>"$WORK/ids.err"
check "pipeline.sh prints the job ids" grep -qE '^train [0-9]+$' "$WORK/ids"
train=$(awk '$1 == "train" {print $2}' "$WORK/ids")
fc=$(awk '$1 == "forecast" {print $2}' "$WORK/ids")
check "forecast job id printed" test -n "$fc"
expect_job "train job" "$train" COMPLETED 0:0
expect_job "forecast job" "$fc" COMPLETED 0:0
expect_out "train job only trains" "$train" "Forecasts: generated 0, skipped 0, failed 0"
expect_out "forecast job trains nothing" "$fc" "Training:  trained 0, skipped 0, failed 0"
e=$(job_field "$train" EndTime); s=$(job_field "$fc" StartTime)
check "forecast started after train ended ($s >= $e)" test ! "$s" \< "$e"
ev=$(awk '$1 == "evaluate" {print $2}' "$WORK/ids")
if "$PC" --help 2>&1 | grep -qE '^ *evaluate\b'; then
  check "evaluate job id printed (pathcast has evaluate)" test -n "$ev"
  expect_job "evaluate job after forecast" "$ev" COMPLETED 0:0
  check "evaluate ran on the pipeline's 2 tasks" test "$(job_field "$ev" NumTasks)" = 2
  expect_out "evaluate scored every forecast on 2 ranks" "$ev" "0 up to date, 0 failed, on 2 rank(s)"
  "$PC" evaluate --job "$WORK/job" --store "$WORK/local" >"$WORK/eval.local" 2>/dev/null
  check "its table = a local evaluate of the local backfill" \
    cmp -s "$WORK/eval.local" <(grep -vE '^(\[|scores: |evaluate: )' "$(out_of "$ev")")
fi
"$PC" export --job "$WORK/job" --store "$WORK/chain" --output "$WORK/chain.csv"
check "train -> forecast export = local backfill export" cmp -s "$WORK/local.csv" "$WORK/chain.csv"

# A parent that fails (missing data file: exit 2) cancels its child.
timeout 60 slurm/pipeline.sh --ntasks=1 --output="$WORK/%x-%j.out" -- "$WORK/job" \
  --data "$WORK/missing.csv" --store "$WORK/failed" >"$WORK/ids2" 2>&1
train=$(awk '$1 == "train" {print $2}' "$WORK/ids2")
fc=$(awk '$1 == "forecast" {print $2}' "$WORK/ids2")
expect_job "failing train job" "$train" FAILED 2:0
state=$(job_wait "$fc" 60)
check "its forecast job is cancelled, not left pending (got $state)" test "$state" = CANCELLED
check "the reason is the failed dependency" grep -q DependencyNeverSatisfied <<<"$(job_field "$fc" Reason)"
check "the forecast job never ran" test ! -e "$WORK/pathcast-forecast-$fc.out"
ev=$(awk '$1 == "evaluate" {print $2}' "$WORK/ids2")
if [[ -n $ev ]]; then
  state=$(job_wait "$ev" 60)
  check "and the evaluate job after it is cancelled too (got $state)" test "$state" = CANCELLED
fi
check "nothing was written to the store" test -z "$(find "$WORK/failed" -name '*.h5' 2>/dev/null)"
finish
