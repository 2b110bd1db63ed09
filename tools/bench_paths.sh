#!/usr/bin/env bash
# make bench: pathcast against its floor and against the disk, side by side,
# per model and per core (one rank), over the jobs/coffee.job range
# (2018-01-01..2024-01-01, 2,000 paths x 14 days = 112,000 bytes a forecast):
#   pathcast   the forecast phase of `pathcast forecast` on one rank with
#              fsync = no (the run's wall time minus that of a rerun with
#              nothing to do: MPI start-up, reading the data, planning);
#   floor      build/bench_paths floor: a loop that only draws the normals,
#              walks, exponentiates, converts to float32 and writes;
#   dd         dd of the same number of 112,000-byte blocks into the page
#              cache.
# Then the issue's targets: random_walk >= 4,000 forecasts/s per core, a
# 2-rank naive + random_walk backfill (fsync = yes, the default) at >= 60% of
# dd's rate with fdatasync for the same bytes, and the per-forecast cost of
# each model's simulate on one core (build/bench_models: arima <= 0.35 ms).
# Best of REPEAT runs (default 3).  BENCH_PATH_MODELS overrides the models.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
source tools/bench_lib.sh
out=$(mktemp -d /tmp/pathcast-bench-paths.XXXXXX)
trap 'rm -rf "$out"' EXIT
repeat=${REPEAT:-3}
models=${BENCH_PATH_MODELS:-naive,random_walk,arima_111:arima,xgboost}
bytes=$((2000 * 14 * 4))
pc=bin/pathcast
simd=$("$pc" --version | sed 's/.*SIMD \([a-z0-9]*\).*/\1/')
echo "pathcast vs floor vs disk: jobs/coffee.job, one rank, fsync = no, SIMD $simd, best of $repeat, $(date -u +%Y-%m-%d)"
printf '%-12s %9s %12s %12s %12s %12s %9s %9s\n' model forecasts "pathcast/s" "whole run/s" "floor/s" "dd/s" "of floor" "of dd"

# best_dd N [conv]: best seconds for dd to write N forecasts' bytes.
best_dd() {
  local best= t
  for _ in $(seq "$repeat"); do
    rm -f "$out/dd.bin"; sync
    t=$(seconds dd if=/dev/zero of="$out/dd.bin" bs="$bytes" count="$1" ${2:+conv=$2})
    best=$(smaller "$best" "$t")
  done
  echo "$best"
}

for model in ${models//,/ }; do
  name=${model%%:*}
  bench_job jobs/coffee.job "$model" >"$out/job"
  args=(--job "$out/job" --fsync no --log_dir "$out/logs")
  rm -rf "$out/trained"
  mpirun -np 1 "$pc" train "${args[@]}" --store "$out/trained" >/dev/null 2>&1
  full= rerun=
  for _ in $(seq "$repeat"); do
    rm -rf "$out/s"; cp -a "$out/trained" "$out/s"; sync
    full=$(smaller "$full" "$(seconds mpirun -np 1 "$pc" forecast "${args[@]}" --store "$out/s" \
      --summary-json "$out/sum.json")")
    rerun=$(smaller "$rerun" "$(seconds mpirun -np 1 "$pc" forecast "${args[@]}" --store "$out/s")")
  done
  n=$(grep -o '"forecasts_generated":[0-9]*' "$out/sum.json" | cut -d: -f2)
  floor=
  for _ in $(seq "$repeat"); do
    floor=$(smaller "$floor" "$(seconds build/bench_paths floor "$out/floor.bin" "$n")")
  done
  dd=$(best_dd "$n")
  awk -v m="$name" -v n="$n" -v f="$full" -v r="$rerun" -v fl="$floor" -v d="$dd" 'BEGIN {
    p = n / (f - r); printf "%-12s %9d %12.0f %12.0f %12.0f %12.0f %8.0f%% %8.0f%%\n",
      m, n, p, n / f, n / fl, n / d, 100 * p / (n / fl), 100 * p / (n / d) }'
done

# The backfill target: 2 ranks, naive + random_walk, durable commits.
bench_job jobs/coffee.job naive,random_walk >"$out/job"
best=
for _ in $(seq "$repeat"); do
  rm -rf "$out/s"; sync
  best=$(smaller "$best" "$(seconds mpirun -np 2 "$pc" backfill --job "$out/job" --store "$out/s" \
    --log_dir "$out/logs" --summary-json "$out/sum.json")")
done
n=$(grep -o '"forecasts_generated":[0-9]*' "$out/sum.json" | cut -d: -f2)
dd=$(best_dd "$n" fdatasync)
awk -v n="$n" -v b="$best" -v d="$dd" 'BEGIN {
  printf "backfill naive+random_walk, 2 ranks, fsync = yes: %d forecasts in %.2f s = %.0f/s; dd (fdatasync) of the same %.0f MB: %.2f s = %.0f/s; pathcast at %.0f%% of dd\n",
    n, b, n / b, n * 112000 / 1e6, d, n / d, 100 * d / b }'
rm -rf "$out/s" "$out/dd.bin" "$out/floor.bin"
