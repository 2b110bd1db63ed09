# shellcheck shell=bash
# Shared by the pathcast batch scripts (sourced, not run).  See docs/SLURM.md.
#
# PATHCAST_HOME   the pathcast checkout (default: the directory sbatch ran in)
# PATHCAST_BIN    the binary (default: $PATHCAST_HOME/bin/pathcast)
# PATHCAST_SRUN_OPTS  extra srun options for the pathcast step, e.g. "--mpi=pmix"
# PATHCAST_MAX_RESUBMITS  how many times a run stopped at its time limit is
#                 resubmitted in a row (default 20)
#
# Stopping: a USR1 to the batch shell (the time-limit warning requested with
# `--signal=B:USR1@SECONDS`, or `scancel --signal=USR1 --batch JOBID`), a
# TERM or an INT is forwarded to the running srun step as USR1; srun passes it
# to every task, and every pathcast rank finishes the unit in flight, commits
# it and exits with status 4.  Only the USR1 warning leads to a resubmission
# (a TERM is a cancel or the hard time limit, and is not undone).

PATHCAST_HOME=${PATHCAST_HOME:-${SLURM_SUBMIT_DIR:-$PWD}}
export PATHCAST_HOME
PC=${PATHCAST_BIN:-$PATHCAST_HOME/bin/pathcast}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}   # ranks share the cores
PC_WARNED=0        # a USR1 (time-limit warning) arrived
PC_STOPPED=0       # any stop signal arrived
PC_STEP_PID=
PC_FORWARDED=0
PC_SCRIPT=$0       # Slurm's copy of the batch script, for resubmission
PC_SCRIPT_ARGS=()

pc_note() { printf '[%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

_pc_signal() {
  PC_STOPPED=1
  PC_FORWARDED=1
  [[ $1 == USR1 ]] && PC_WARNED=1
  pc_note "SIG$1 received: asking pathcast to stop after the unit in flight"
  if [[ -n $PC_STEP_PID ]]; then kill -USR1 "$PC_STEP_PID" 2>/dev/null; fi
}
trap '_pc_signal USR1' USR1
trap '_pc_signal TERM' TERM
trap '_pc_signal INT' INT

# What a pathcast exit status means (README.md, "Exit status").
pc_meaning() {
  case $1 in
    0) echo "OK: everything asked for is done" ;;
    3) echo "PARTIAL: some model or date failed (recorded in the store, retried by the next run)" ;;
    4) echo "STOPPED: stopped by a signal after saving progress; a rerun completes the rest" ;;
    2) echo "FATAL: bad input or usage (job file, key or data file)" ;;
    1) echo "FATAL: store I/O error or out of memory" ;;
    5) echo "FATAL: the store is in use by another writer" ;;
    *) echo "FATAL: pathcast ended abnormally (status $1)" ;;
  esac
}

# pc_srun ARGS...: runs `srun ARGS...` with signal forwarding; returns (and
# sets PC_RC to) the step's exit status.  A stop signal that arrived before
# the step started skips it with status 4.
pc_srun() {
  if [[ $PC_STOPPED -eq 1 ]]; then PC_RC=4; return 4; fi
  # shellcheck disable=SC2086
  srun ${PATHCAST_SRUN_OPTS:-} "$@" &
  PC_STEP_PID=$!
  while :; do
    PC_FORWARDED=0
    wait "$PC_STEP_PID"
    PC_RC=$?
    [[ $PC_FORWARDED -eq 1 ]] || break   # wait was cut short by a trap: again
  done
  PC_STEP_PID=
  # A rank killed by the signal before pathcast could handle it counts as
  # stopped: nothing uncommitted is ever kept.
  if [[ $PC_STOPPED -eq 1 && $PC_RC -gt 128 ]]; then PC_RC=4; fi
  return "$PC_RC"
}

# pc_resubmit [SBATCH OPTIONS...] [-- SCRIPT ARGS...]: submits this batch
# script again with the job's name, task count, time limit, partition,
# working directory and output file (appended to; PATHCAST_OUTPUT, e.g.
# "logs/%x-%j.out", gives a pattern instead, and PC_SAME_OUTPUT=0 leaves the
# script's own), plus the given options; without `--`, with the script's
# original arguments.  Prints the new job id.
pc_resubmit() {
  local opts=() args=("${PC_SCRIPT_ARGS[@]}") info out err limit
  while [[ $# -gt 0 && $1 != -- ]]; do opts+=("$1"); shift; done
  if [[ $# -gt 0 ]]; then shift; args=("$@"); fi
  info=$(scontrol show job -o "$SLURM_JOB_ID" 2>/dev/null | tr ' ' '\n')
  _pc_field() { sed -n "s/^$1=//p" <<<"$info" | head -1; }
  out=$(_pc_field StdOut); err=$(_pc_field StdErr); limit=$(_pc_field TimeLimit)
  opts=(--parsable --job-name="$SLURM_JOB_NAME" --ntasks="${SLURM_NTASKS:-1}"
        --chdir="$PWD" --open-mode=append "${opts[@]}")
  [[ -n ${SLURM_JOB_PARTITION:-} ]] && opts+=(--partition="$SLURM_JOB_PARTITION")
  [[ -n $limit && $limit != UNLIMITED ]] && opts+=(--time="$limit")
  if [[ -n ${PATHCAST_OUTPUT:-} ]]; then
    opts+=(--output="$PATHCAST_OUTPUT")
  elif [[ ${PC_SAME_OUTPUT:-1} == 1 ]]; then
    [[ -n $out ]] && opts+=(--output="$out")
    [[ -n $err && $err != "$out" ]] && opts+=(--error="$err")
  fi
  # The new job gets its own SLURM_* variables: do not pass this job's on.
  local unset=() v
  for v in $(compgen -e); do
    [[ $v == SLURM_* && $v != SLURM_CONF ]] && unset+=(-u "$v")
  done
  env "${unset[@]}" sbatch "${opts[@]}" "$PC_SCRIPT" "${args[@]}"
}

# pc_resubmit_if_stopped: after a step stopped by the time-limit warning,
# resubmits the same work to run when this job has ended (the store is
# incremental: the new job does exactly the rest).
pc_resubmit_if_stopped() {
  [[ $PC_RC -eq 4 && $PC_WARNED -eq 1 ]] || return 0
  local n=${PATHCAST_RESUBMITS:-0} max=${PATHCAST_MAX_RESUBMITS:-20} id
  if [[ $n -ge $max ]]; then
    pc_note "not resubmitting: already resubmitted $n times (PATHCAST_MAX_RESUBMITS=$max)"
    return 0
  fi
  export PATHCAST_RESUBMITS=$((n + 1))
  if id=$(pc_resubmit --dependency=afterany:"$SLURM_JOB_ID" "$@"); then
    pc_note "resubmitted as job $id (resubmission $PATHCAST_RESUBMITS) to complete the rest"
  else
    pc_note "resubmission failed: run the same sbatch command again to complete the rest"
  fi
}

pc_check_binary() {
  if [[ ! -x $PC ]]; then
    pc_note "no pathcast binary at $PC: run 'make' in the checkout, submit from it, or set PATHCAST_HOME/PATHCAST_BIN"
    exit 2
  fi
}
