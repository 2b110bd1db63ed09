#!/usr/bin/env bash
# make bench: the full jobs/coffee.job backfill (2018-01-01..2024-01-01,
# naive + random_walk, 2,000 paths x 14 days) into a fresh store on 1 and on
# 2 ranks; reports forecasts per second including the store writes.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
out=${BENCH_DIR:-$(mktemp -d /tmp/pathcast-bench.XXXXXX)}
job=${BENCH_JOB:-jobs/coffee.job}
printf '%-6s %10s %10s %14s %18s\n' ranks forecasts seconds forecasts/s "forecasts/s/rank"
declare -A rate
for np in 1 2; do
  rm -rf "$out/store-$np"
  start=$(date +%s.%N)
  mpirun -np "$np" bin/pathcast backfill --job "$job" --store "$out/store-$np" \
    --log_dir "$out/logs" --summary-json "$out/sum-$np.json" >/dev/null 2>&1
  end=$(date +%s.%N)
  n=$(grep -o '"forecasts_generated":[0-9]*' "$out/sum-$np.json" | cut -d: -f2)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
  rate[$np]=$(awk -v n="$n" -v s="$secs" 'BEGIN { print n / s }')
  printf '%-6s %10d %10.2f %14.0f %18.0f\n' "$np" "$n" "$secs" "${rate[$np]}" \
    "$(awk -v r="${rate[$np]}" -v np="$np" 'BEGIN { print r / np }')"
done
printf 'speed-up 2 ranks / 1 rank: %.2fx\n' "$(awk -v a="${rate[2]}" -v b="${rate[1]}" 'BEGIN { print a / b }')"
du -sh "$out/store-1" | awk '{print "store size: " $1}'
[[ -n ${BENCH_DIR:-} ]] || rm -rf "$out"
