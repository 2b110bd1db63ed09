#!/usr/bin/env bash
# make bench: the full jobs/coffee.job backfill (2018-01-01..2024-01-01,
# naive + random_walk unless BENCH_MODELS says otherwise, 2,000 paths x 14
# days) into a fresh store on 1 and on
# 2 ranks, with durable commits (fsync = yes, the default) and without;
# reports forecasts per second including the store writes (best of REPEAT).
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
source tools/bench_lib.sh
out=$(mktemp -d /tmp/pathcast-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
repeat=${REPEAT:-2}
models=${BENCH_MODELS:-naive,random_walk}
bench_job "${BENCH_JOB:-jobs/coffee.job}" "$models" >"$out/job"
job=$out/job
echo "pathcast bench: ${BENCH_JOB:-jobs/coffee.job}, models $models, $(nproc --all) cores, $(date -u +%Y-%m-%d)"
printf '%-6s %-6s %10s %10s %14s %18s\n' fsync ranks forecasts seconds forecasts/s "forecasts/s/rank"
for sync in yes no; do
  declare -A rate=()
  for np in 1 2; do
    best=
    for _ in $(seq "$repeat"); do
      rm -rf "$out/store"
      sync  # start every run with the page cache written back
      start=$(date +%s.%N)
      mpirun -np "$np" bin/pathcast backfill --job "$job" --store "$out/store" --fsync "$sync" \
        --log_dir "$out/logs" --summary-json "$out/sum.json" >/dev/null 2>&1
      end=$(date +%s.%N)
      secs=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
      if [[ -z $best ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$secs; fi
    done
    n=$(grep -o '"forecasts_generated":[0-9]*' "$out/sum.json" | cut -d: -f2)
    n=$(( n > 0 ? n : $(grep -o '"forecasts_skipped":[0-9]*' "$out/sum.json" | cut -d: -f2) ))
    rate[$np]=$(awk -v n="$n" -v s="$best" 'BEGIN { print n / s }')
    printf '%-6s %-6s %10d %10.2f %14.0f %18.0f\n' "$sync" "$np" "$n" "$best" "${rate[$np]}" \
      "$(awk -v r="${rate[$np]}" -v np="$np" 'BEGIN { print r / np }')"
  done
  printf 'fsync=%s: speed-up 2 ranks / 1 rank: %.2fx\n' "$sync" \
    "$(awk -v a="${rate[2]}" -v b="${rate[1]}" 'BEGIN { print a / b }')"
done
du -sh "$out/store" | awk '{print "store size: " $1}'
