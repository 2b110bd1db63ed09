#!/usr/bin/env bash
# What checking every read costs: a naive + random_walk backfill of the
# coffee job's range (1 rank, fsync = no), a rerun that finds everything
# stored (it reads and checks every partition and trained model), and
# `status` and `verify` over the whole store -- for pathcast and, when given,
# another build to compare with.  CPU seconds (user + sys, best of 3), which
# other work on the machine disturbs less than wall time.
#   tools/bench_checks.sh [OTHER_PATHCAST]
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/pathcast-bench-checks.XXXXXX")
trap 'rm -rf "$work"' EXIT
cpu() {  # best of 3 CPU seconds of a command
  local best=999 t
  for _ in 1 2 3; do
    /usr/bin/time -f '%U %S' -o "$work/time" "$@" >/dev/null 2>&1 || true
    t=$(awk '{ print $1 + $2 }' "$work/time")
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
  done
  echo "$best"
}
# The coffee job's data, calendar and range, with naive and random_walk only
# (a job file any version of pathcast reads).
grep -E '^(commodity|data|holidays|train_frequency|train_anchor|start|end|paths|horizon|seed) ' \
  jobs/coffee.job > "$work/job"
echo "models = naive,random_walk" >> "$work/job"
one() {
  local pc=$1 name=$2 s="$work/$2"
  local args=(--job "$work/job" --fsync no --log_dir "$work/logs")
  local first rerun status verify
  first=$(cpu bash -c "rm -rf '$s'; '$pc' backfill ${args[*]} --store '$s'")
  "$pc" backfill "${args[@]}" --store "$s" >/dev/null 2>&1
  rerun=$(cpu "$pc" backfill "${args[@]}" --store "$s")
  status=$(cpu "$pc" status "${args[@]}" --store "$s")
  verify=$(cpu "$pc" verify "${args[@]}" --store "$s")
  printf '%-10s backfill %6.2f s   rerun (all stored) %5.2f s   status %5.2f s   verify %5.2f s\n' \
    "$name" "$first" "$rerun" "$status" "$verify"
}
one "$PWD/bin/pathcast" this
[[ $# -gt 0 ]] && one "$1" other
exit 0
