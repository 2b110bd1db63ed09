#!/usr/bin/env bash
# slurm/regress.sbatch passes on this cluster: the golden backfill's export
# matches the committed slurm/regress.sha256, and the MPI integration tests
# pass with every mpirun run as an srun step (a subset, to keep CI short:
# PATHCAST_SLURM_REGRESS_TESTS, default "mpi").  A wrong checksum is caught.
source "$(dirname "$0")/lib.sh"
tests=${PATHCAST_SLURM_REGRESS_TESTS:-mpi}
j=$(PATHCAST_REGRESS_TESTS=$tests submit slurm/regress.sbatch)
expect_job "regress.sbatch ($tests)" "$j" COMPLETED 0:0 900
expect_out "golden export matches the committed checksum" "$j" "ok - golden export is byte-identical to slurm/regress.sha256"
expect_out "integration tests ran through srun" "$j" "ok - integration/${tests%%,*}:"
expect_out "verdict" "$j" "REGRESSION: PASS"
check "no failing check" test -z "$(grep '^not ok' "$(out_of "$j")")"

# The check can fail: a checksum file that does not match.
echo "0000000000000000000000000000000000000000000000000000000000000000  golden-export.csv" >"$WORK/wrong.sha256"
j2=$(PATHCAST_REGRESS_TESTS=none PATHCAST_GOLDEN="$WORK/wrong.sha256" submit slurm/regress.sbatch)
expect_job "a wrong golden checksum fails the job" "$j2" FAILED 1:0
expect_out "and says so" "$j2" "not ok - golden export differs"
expect_out "verdict" "$j2" "REGRESSION: FAIL"
finish
