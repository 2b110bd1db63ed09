#!/usr/bin/env bash
# slurm/backfill.sbatch on 2 tasks (sbatch + srun through PMIx): the export
# is byte-identical to a local `mpirun -np 2` run, the job records its Slurm
# provenance, and the rank logs go to log_dir/<SLURM_JOB_ID>/.
source "$(dirname "$0")/lib.sh"
small_job "$WORK/job"

timeout 300 mpirun -np 2 "$PC" backfill --job "$WORK/job" --store "$WORK/local" >/dev/null 2>&1
"$PC" export --job "$WORK/job" --store "$WORK/local" --output "$WORK/local.csv"

j=$(submit --ntasks=2 slurm/backfill.sbatch "$WORK/job" --store "$WORK/slurm")
check "sbatch accepted the backfill" test -n "$j"
expect_job "backfill on 2 tasks" "$j" COMPLETED 0:0
expect_out "pathcast ran as 2 MPI ranks under srun" "$j" "2 model(s)  2 rank(s)"
expect_out "the script reports the exit status" "$j" "pathcast backfill exit 0: OK"
"$PC" export --job "$WORK/job" --store "$WORK/slurm" --output "$WORK/slurm.csv"
check "export of the sbatch run = export of local mpirun -np 2" cmp -s "$WORK/local.csv" "$WORK/slurm.csv"
check "export is not empty" test -s "$WORK/slurm.csv"
check "rank logs in log_dir/$j/" test -s "$WORK/logs/$j/rank-0000.log" -a -s "$WORK/logs/$j/rank-0001.log"
check "rank 0's log records the provenance" grep -q "SLURM_JOB_ID=$j SLURM_JOB_NODELIST=$(hostname -s) SLURM_NTASKS=2" "$WORK/logs/$j/rank-0000.log"
check "store files record the Slurm job" grep -rlqa "SLURM_JOB_ID=$j" "$WORK/slurm"

# The default output file name is %x-%j.out in the submit directory.
check "#SBATCH output default is %x-%j.out" grep -qx '#SBATCH --output=%x-%j.out' slurm/backfill.sbatch

# A rerun through Slurm generates nothing and keeps the export.
j2=$(submit --ntasks=2 slurm/backfill.sbatch "$WORK/job" --store "$WORK/slurm")
expect_job "rerun" "$j2" COMPLETED 0:0
expect_out "rerun generates nothing" "$j2" "Forecasts: generated 0,"
"$PC" export --job "$WORK/job" --store "$WORK/slurm" --output "$WORK/slurm2.csv"
check "export unchanged by the rerun" cmp -s "$WORK/local.csv" "$WORK/slurm2.csv"

# Bad input is exit 2, reported as fatal.
j3=$(submit --ntasks=1 slurm/backfill.sbatch "$WORK/job" --data "$WORK/missing.csv" --store "$WORK/bad")
expect_job "bad input fails the job" "$j3" FAILED 2:0
expect_out "fatal status explained" "$j3" "exit 2: FATAL: bad input"
finish
