#!/usr/bin/env bash
# The Slurm suite: brings up a private single-node Slurm cluster (munge,
# slurmctld, slurmd; tests/slurm/cluster.sh), runs every tests/slurm/test_*.sh
# against it with sbatch/srun, and tears the cluster down by PID on exit,
# also when a case fails or the suite is interrupted.  Prints the cases'
# "ok"/"not ok" lines and "N passed, N failed" last; exits non-zero when
# anything failed.  Needs root (the daemons) and the slurm-wlm and munge
# packages; without root it says so and checks nothing.
#   tests/slurm/run.sh [CASE...]      e.g. tests/slurm/run.sh daily signal
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/env.sh
source tests/slurm/cluster.sh
export PATHCAST_BIN=${PATHCAST_BIN:-$PWD/bin/pathcast}
if [[ $(id -u) -ne 0 ]]; then
  echo "# skipped: the Slurm suite starts munged, slurmctld and slurmd, which needs root"
  echo "0 passed, 0 failed"
  exit 0
fi
trap cluster_down EXIT
trap 'exit 130' INT TERM
pass=0
fail=0
start=$SECONDS
if ! cluster_up 2>"${TMPDIR:-/tmp}/pathcast-slurm-up.$$"; then
  echo "not ok - private Slurm cluster up (munged, slurmctld, slurmd)"
  sed 's/^#*/#/' "${TMPDIR:-/tmp}/pathcast-slurm-up.$$"
  rm -f "${TMPDIR:-/tmp}/pathcast-slurm-up.$$"
  echo "0 passed, 1 failed"
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/pathcast-slurm-up.$$"
echo "ok - private Slurm cluster up: $(timeout 10 sinfo -h -N -o '%N, %c CPUs, %T') ($((SECONDS - start)) s)"
pass=$((pass + 1))
export PATHCAST_TEST_CLUSTER=$CLUSTER_DIR

cases=()
if [[ $# -gt 0 ]]; then
  for c in "$@"; do cases+=("tests/slurm/test_${c#test_}"); cases[-1]=${cases[-1]%.sh}.sh; done
else
  cases=(tests/slurm/test_*.sh)
fi
for t in "${cases[@]}"; do
  t0=$SECONDS
  out=$(timeout 900 bash "$t" 2>&1); rc=$?
  p=$(grep -c '^ok ' <<<"$out"); f=$(grep -c '^not ok ' <<<"$out")
  grep -E '^(ok|not ok) |^# ' <<<"$out"
  if [[ $rc -ne 0 && $f -eq 0 ]]; then
    echo "not ok - $(basename "$t") exited with status $rc"
    tail -20 <<<"$out" | sed 's/^/# /'
    f=1
  fi
  echo "# $(basename "$t"): $p passed, $f failed, $((SECONDS - t0)) s"
  pass=$((pass + p)); fail=$((fail + f))
done
echo "# slurm suite: $((SECONDS - start)) s"
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
