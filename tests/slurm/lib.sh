# shellcheck shell=bash
# Helpers for the Slurm cases (sourced by tests/slurm/test_*.sh): the
# integration helpers (ok/not ok lines, $WORK, $PC, small_job, ...), the
# cluster library, and a cluster: the one tests/slurm/run.sh started
# (PATHCAST_TEST_CLUSTER), else a private one for this case, torn down on
# exit even when the case fails.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
source "$ROOT/tests/slurm/cluster.sh"
export PATHCAST_BIN=$PC
OWN_CLUSTER=0
_slurm_case_exit() {
  [[ $OWN_CLUSTER -eq 1 ]] && cluster_down
  rm -rf "$WORK"
}
trap _slurm_case_exit EXIT
trap 'exit 130' INT TERM
if [[ -n ${PATHCAST_TEST_CLUSTER:-} && -n ${SLURM_CONF:-} ]] && timeout 10 sinfo -h >/dev/null 2>&1; then
  :
else
  OWN_CLUSTER=1
  if ! cluster_up; then notok "private Slurm cluster up"; exit 1; fi
fi

# submit SBATCH_ARGS...: sbatch from the checkout, output in $WORK; prints the id.
submit() {
  timeout 30 sbatch --parsable --output="$WORK/%x-%j.out" "$@"
}

# out_of JOBID: the output file of a job.
out_of() { job_field "$1" StdOut; }

# expect_job NAME JOBID STATE EXITCODE [SECONDS]: waits for the job, checks
# its final state and exit code ("4:0"); shows its output when they differ.
expect_job() {
  local name=$1 j=$2 state=$3 code=$4 limit=${5:-180} got ec
  got=$(job_wait "$j" "$limit"); ec=$(job_field "$j" ExitCode)
  if [[ $got == "$state" && $ec == "$code" ]]; then
    ok "$name (job $j: $got, exit code $ec)"
  else
    notok "$name: job $j $got exit code $ec, expected $state $code"
    sed 's/^/# /' "$(out_of "$j")" 2>/dev/null | tail -30
  fi
}

# Checks the output of job J contains TEXT.
expect_out() {
  local name=$1 j=$2 text=$3
  if grep -qF -- "$text" "$(out_of "$j")" 2>/dev/null; then ok "$name"; else
    notok "$name: output of job $j lacks '$text'"
    sed 's/^/# /' "$(out_of "$j")" 2>/dev/null | tail -20
  fi
}
