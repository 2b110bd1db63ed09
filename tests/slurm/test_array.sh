#!/usr/bin/env bash
# slurm/backfill-array.sbatch over the shipped jobs/coffee.job and
# jobs/sugar.job (a few months, 200 paths): one array task per job file, the
# % cap in place, both stores complete, per-task logs and outputs.
source "$(dirname "$0")/lib.sh"
# The job files' relative paths (data, stores, logs) resolve in a private
# working directory.
mkdir -p "$WORK/run"
ln -s "$ROOT/data" "$WORK/run/data"
ln -s "$ROOT/jobs" "$WORK/run/jobs"
range=(--start 2023-01-02 --end 2023-03-31 --paths 200)

j=$(timeout 30 sbatch --parsable --chdir="$WORK/run" --output="$WORK/%x-%A_%a.out" \
  --array=0-1%1 slurm/backfill-array.sbatch jobs/coffee.job jobs/sugar.job "${range[@]}")
check "array submitted" test -n "$j"
check "array has a concurrency cap of 1" test "$(job_field "${j}_1" ArrayTaskThrottle)" = 1
expect_job "task 0 (coffee)" "${j}_0" COMPLETED 0:0
expect_job "task 1 (sugar)" "${j}_1" COMPLETED 0:0
for c in coffee sugar; do
  (cd "$WORK/run" && "$PC" status --job "jobs/$c.job" "${range[@]}" >"$WORK/status-$c.out" 2>&1)
  check "$c store complete (status exit 0)" grep -q 'STATUS: OK' "$WORK/status-$c.out"
done
check "per-task outputs %x-%A_%a.out" test -s "$WORK/pathcast-array-${j}_0.out" -a -s "$WORK/pathcast-array-${j}_1.out"
check "task 0 ran coffee" grep -q 'backfill  coffee' "$WORK/pathcast-array-${j}_0.out"
check "task 1 ran sugar" grep -q 'backfill  sugar' "$WORK/pathcast-array-${j}_1.out"
# Each task has its own SLURM_JOB_ID; its logs go to logs/<that id>_<task>/.
id0=$(job_field "${j}_0" JobId); id1=$(job_field "${j}_1" JobId)
check "per-task logs in logs/${id0}_0/ and logs/${id1}_1/" test -s "$WORK/run/logs/${id0}_0/rank-0000.log" -a -s "$WORK/run/logs/${id1}_1/rank-0000.log"
check "the output names the log folder" grep -q "Logs: .*logs/${id1}_1" "$WORK/pathcast-array-${j}_1.out"
check "the array task id is recorded" grep -rlqa "SLURM_ARRAY_TASK_ID=1" "$WORK/run/stores/sugar"
# With the cap of 1 the tasks ran one after the other.
e0=$(job_field "${j}_0" EndTime); s1=$(job_field "${j}_1" StartTime)
check "cap respected: task 1 started after task 0 ended ($s1 >= $e0)" test ! "$s1" \< "$e0"

# The default job list (every jobs/*.job) and an index past it.
j2=$(timeout 30 sbatch --parsable --chdir="$WORK/run" --output="$WORK/%x-%A_%a.out" \
  --array=2 slurm/backfill-array.sbatch "${range[@]}")
expect_job "an index past the job files fails" "${j2}_2" FAILED 2:0
check "and says why" grep -q 'array task 2 has no job file: only 2 given' "$WORK/pathcast-array-${j2}_2.out"

# A task stopped by the time-limit warning resubmits itself as an array task
# with the same index, which completes its store (daily training: ~1,000
# committed units, long enough to be signalled mid-run).
long=(--start 2018-01-01 --end 2019-12-31 --train_frequency daily --paths 50)
j3=$(timeout 30 sbatch --parsable --chdir="$WORK/run" --output="$WORK/%x-%A_%a.out" \
  --array=1 slurm/backfill-array.sbatch jobs/coffee.job jobs/sugar.job "${long[@]}" --store stores/long)
for _ in $(seq 3000); do
  [[ $(find "$WORK/run/stores/long" -path '*trained*' -name '*.h5' 2>/dev/null | wc -l) -ge 50 ]] && break
  sleep 0.01
done
timeout 10 scancel --signal=USR1 --batch "${j3}_1"
expect_job "signalled array task records status 4" "${j3}_1" FAILED 4:0
j4=$(sed -n 's/.*resubmitted as job \([0-9]*\) .*/\1/p' "$WORK/pathcast-array-${j3}_1.out")
check "it resubmitted itself (job ${j4:-none})" test -n "$j4"
check "as array task 1 again" test "$(job_field "$j4" ArrayTaskId)" = 1
expect_job "the resubmitted task completes" "$j4" COMPLETED 0:0
(cd "$WORK/run" && "$PC" status --job jobs/sugar.job "${long[@]}" --store stores/long >"$WORK/status-long.out" 2>&1)
check "its store is complete" grep -q 'STATUS: OK' "$WORK/status-long.out"
finish
