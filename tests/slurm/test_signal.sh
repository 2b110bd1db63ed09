#!/usr/bin/env bash
# The time-limit warning: USR1 to the batch shell (what --signal=B:USR1@N
# sends before the limit; here `scancel --signal=USR1 --batch` mid-run) is
# forwarded to the srun step, every rank commits and pathcast exits 4, the
# job records exit code 4 and resubmits itself; the resubmitted job completes
# exactly the rest and the export equals an uninterrupted run's.  A plain
# scancel (TERM) stops the run too but does not resubmit.
source "$(dirname "$0")/lib.sh"
small_job "$WORK/job"
# Long enough to be signalled mid-run (~1,000 trainings of a few ms each,
# every one committed to its own file), yet a small export (50 paths).
args=(--start 2018-01-01 --end 2019-12-31 --train_frequency daily --train_anchor 2018-01-01 --paths 50)
timeout 300 mpirun -np 2 "$PC" backfill --job "$WORK/job" "${args[@]}" --store "$WORK/ref" >/dev/null 2>&1
"$PC" export --job "$WORK/job" "${args[@]}" --store "$WORK/ref" --output "$WORK/ref.csv"
trained() { find "$1" -path '*trained*' -name '*.h5' 2>/dev/null | wc -l; }
total=$(trained "$WORK/ref")

# wait_started DIR: until the store holds 50 trained models (a few percent).
wait_started() {
  for _ in $(seq 3000); do
    [[ $(trained "$1") -ge 50 ]] && return 0
    sleep 0.01
  done
  return 1
}

check "#SBATCH asks for USR1 before the time limit" grep -qE '^#SBATCH --signal=B:USR1@[0-9]+' slurm/backfill.sbatch
j=$(submit --ntasks=2 slurm/backfill.sbatch "$WORK/job" "${args[@]}" --store "$WORK/sig")
check "store started" wait_started "$WORK/sig"
timeout 10 scancel --signal=USR1 --batch "$j"
expect_job "signalled job records status 4" "$j" FAILED 4:0 120
out=$(out_of "$j")
check "the script forwarded the signal" grep -q 'SIGUSR1 received: asking pathcast to stop' "$out"
check "pathcast stopped after saving progress" grep -q 'stopped by a signal after saving progress (exit 4)' "$out"
done_first=$(trained "$WORK/sig")
check "the stopped run committed part of the work ($done_first of $total trained models)" test "$done_first" -gt 0 -a "$done_first" -lt "$total"
j2=$(sed -n 's/.*resubmitted as job \([0-9]*\) .*/\1/p' "$out" | head -1)
check "the job resubmitted itself (job ${j2:-none})" test -n "$j2"
expect_job "the resubmitted job completes" "$j2" COMPLETED 0:0 180
check "it ran after the stopped job (afterany dependency)" test ! "$(job_field "$j2" StartTime)" \< "$(job_field "$j" EndTime)"
check "same job name and task count" test "$(job_field "$j2" JobName) $(job_field "$j2" NumTasks)" = "pathcast-backfill 2"
check "its output is appended to the same file" grep -q "resubmission 1" "$out"
check "it completed exactly the rest (skipped the committed trainings)" \
  grep -qE "Training:  trained $((total - done_first)), skipped $done_first, failed 0" "$out"
"$PC" export --job "$WORK/job" "${args[@]}" --store "$WORK/sig" --output "$WORK/sig.csv"
check "interrupted + resubmitted export = uninterrupted export" cmp -s "$WORK/ref.csv" "$WORK/sig.csv"
check "no partial files left" test -z "$(find "$WORK/sig" -name '*.partial')"

# scancel (SIGTERM): stopped, not resubmitted.
j3=$(submit --ntasks=2 slurm/backfill.sbatch "$WORK/job" "${args[@]}" --store "$WORK/cancel")
check "second store started" wait_started "$WORK/cancel"
timeout 10 scancel "$j3"
state=$(job_wait "$j3" 60)
check "scancel ends the job (got $state)" test "$state" = CANCELLED
sleep 1
check "a cancelled job is not resubmitted" test -z "$(timeout 10 squeue -h -n pathcast-backfill -o %i)"
expect_status "the store is consistent after the cancel: a rerun completes it" 0 \
  timeout 300 mpirun -np 2 "$PC" backfill --job "$WORK/job" "${args[@]}" --store "$WORK/cancel"
"$PC" export --job "$WORK/job" "${args[@]}" --store "$WORK/cancel" --output "$WORK/cancel.csv"
check "cancelled + rerun export = uninterrupted export" cmp -s "$WORK/ref.csv" "$WORK/cancel.csv"
finish
