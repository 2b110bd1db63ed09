#!/usr/bin/env bash
# make bench: issue 17's six-model backfill of jobs/coffee.job (naive,
# random_walk, arima_111, sarimax_weather, xgboost, xgboost_weather;
# 2018-01-01..2024-01-01: 72 trainings, 9,210 forecasts) on 2 ranks with
# fsync = no, wall time of the whole mpirun, best of REPEAT (default 2).
# With OTHER_ROOT (a checkout of another commit, built: OTHER_ROOT/bin/
# pathcast), that build runs the same backfill with its own job file,
# alternately with this one, so both see the same machine:
#   tools/bench_six.sh [OTHER_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
source tools/bench_lib.sh
out=$(mktemp -d /tmp/pathcast-bench-six.XXXXXX)
trap 'rm -rf "$out"' EXIT
repeat=${REPEAT:-2}
models=naive,random_walk,arima_111,sarimax_weather,xgboost,xgboost_weather
roots=("$PWD")
[[ $# -ge 1 ]] && roots+=("$(cd "$1" && pwd)")
declare -A best
for _ in $(seq "$repeat"); do
  for root in "${roots[@]}"; do
    rm -rf "$out/s"
    t=$(cd "$root" && seconds mpirun -np 2 "$root/bin/pathcast" backfill \
      --job "$root/jobs/coffee.job" --model "$models" --store "$out/s" \
      --log_dir "$out/logs" --fsync no)
    best[$root]=$(smaller "${best[$root]:-}" "$t")
  done
done
echo "six-model coffee backfill, 2 ranks, fsync = no, best of $repeat, $(date -u +%Y-%m-%d):"
for root in "${roots[@]}"; do
  printf '  %-40s %6.2f s\n' "$(git -C "$root" log -1 --format='%h %cs' 2>/dev/null || echo "$root")" "${best[$root]}"
done
