#!/usr/bin/env bash
# Submits a job file's train -> forecast -> evaluate (when pathcast has that
# command: scores the stored forecasts against the actuals, one task) as
# separate Slurm jobs, each starting only when the previous one
# succeeded (--dependency=afterok); --kill-on-invalid-dep=yes cancels the
# rest of the chain as soon as one fails instead of leaving it pending.
#
#   slurm/pipeline.sh jobs/coffee.job
#   slurm/pipeline.sh jobs/coffee.job --start 2024-01-01 --end 2024-06-30
#   slurm/pipeline.sh --ntasks=8 --time=02:00:00 -- jobs/coffee.job
#
# Options before `--` go to every sbatch.  Run it from the pathcast checkout
# (each step is slurm/backfill.sbatch with PATHCAST_COMMAND set).  Prints one
# line per step, "train <jobid>", "forecast <jobid>", "evaluate <jobid>", and exits non-zero
# when a submission fails (cancelling what it submitted).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sbatch_opts=()
if printf '%s\n' "$@" | grep -qx -- '--'; then
  while [[ $1 != -- ]]; do sbatch_opts+=("$1"); shift; done
  shift
fi
if [[ $# -lt 1 ]]; then
  echo "usage: slurm/pipeline.sh [SBATCH OPTIONS... --] JOBFILE [--key value ...]" >&2
  exit 2
fi
steps=(train forecast)
pc=${PATHCAST_BIN:-$PWD/bin/pathcast}
help=$([[ -x $pc ]] && "$pc" --help 2>&1 || true)
if grep -qE '^ *evaluate\b' <<<"$help"; then steps+=(evaluate); fi

ids=()
prev=
for step in "${steps[@]}"; do
  dep=()
  [[ -n $prev ]] && dep=(--dependency=afterok:"$prev" --kill-on-invalid-dep=yes)
  if ! id=$(sbatch --parsable --job-name="pathcast-$step" --export=ALL,PATHCAST_COMMAND="$step" \
      "${dep[@]}" "${sbatch_opts[@]}" "$here/backfill.sbatch" "$@"); then
    echo "pipeline: submitting $step failed" >&2
    [[ ${#ids[@]} -gt 0 ]] && scancel "${ids[@]}"
    exit 1
  fi
  id=${id%%;*}   # --parsable prints "jobid[;cluster]"
  ids+=("$id")
  echo "$step $id"
  prev=$id
done
