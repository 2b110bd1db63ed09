#!/usr/bin/env bash
# make bench: pathcast against its floor and against the disk, side by side,
# per model and per core (one rank), over the jobs/coffee.job range
# (2018-01-01..2024-01-01, 2,000 paths x 14 days = 112,000 bytes a forecast):
#   pathcast   the forecast phase of `pathcast forecast` on one rank with
#              fsync = no: forecasts per CPU-second of the run, less the
#              CPU time of a rerun with nothing to do (MPI start-up, reading
#              the data, planning);
#   floor      build/bench_paths floor: a loop that only draws the normals,
#              walks, exponentiates, converts to float32 and writes, per
#              CPU-second;
#   dd         dd of the same number of 112,000-byte blocks into the page
#              cache, per CPU-second (its work is the copy into the cache).
# CPU-seconds, not wall time: on a shared machine they are what one core
# does, whatever else runs.  "whole run/s" is the wall-clock rate of the
# whole `pathcast forecast` (start-up included).
# Then the issue's backfill target, in wall time: a 2-rank naive +
# random_walk backfill with durable commits (fsync = yes, the default)
# against dd with fdatasync of the same bytes (>= 60%).
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
pc=${PATHCAST_BIN:-bin/pathcast}
simd=$("$pc" --version | sed 's/.*SIMD \([a-z0-9]*\).*/\1/')
echo "pathcast vs floor vs disk: jobs/coffee.job, one rank, fsync = no, SIMD $simd, best of $repeat, $(date -u +%Y-%m-%d)"
echo "forecasts per CPU-second (per core), except whole run: wall clock"
printf '%-12s %9s %12s %12s %12s %12s %9s %9s\n' model forecasts "pathcast" "whole run" "floor" "dd" "of floor" "of dd"

# best_dd N: "WALL CPU" of the fastest (in CPU time) of $repeat dd runs
# writing N forecasts' bytes into the page cache.
best_dd() {
  local best= t
  for _ in $(seq "$repeat"); do
    rm -f "$out/dd.bin"; sync
    t=$(times dd if=/dev/zero of="$out/dd.bin" bs="$bytes" count="$1")
    best=$(fastest "$best" "$t")
  done
  echo "$best"
}

# fastest "WALL CPU" "WALL CPU": the pair with the smaller CPU time (the
# second when the first is empty).
fastest() {
  if [[ -z $1 ]] || awk -v a="${2#* }" -v b="${1#* }" 'BEGIN { exit !(a < b) }'; then echo "$2"; else echo "$1"; fi
}

for model in ${models//,/ }; do
  name=${model%%:*}
  bench_job jobs/coffee.job "$model" >"$out/job"
  args=(--job "$out/job" --fsync no --log_dir "$out/logs")
  rm -rf "$out/trained"
  mpirun -np 1 "$pc" train "${args[@]}" --store "$out/trained" >/dev/null 2>&1
  full= rerun= floor=
  for _ in $(seq "$repeat"); do
    rm -rf "$out/s"; cp -a "$out/trained" "$out/s"; sync
    full=$(fastest "$full" "$(times mpirun -np 1 "$pc" forecast "${args[@]}" --store "$out/s" \
      --summary-json "$out/sum.json")")
    rerun=$(fastest "$rerun" "$(times mpirun -np 1 "$pc" forecast "${args[@]}" --store "$out/s")")
  done
  n=$(grep -o '"forecasts_generated":[0-9]*' "$out/sum.json" | cut -d: -f2)
  for _ in $(seq "$repeat"); do
    floor=$(fastest "$floor" "$(times build/bench_paths floor "$out/floor.bin" "$n")")
  done
  dd=$(best_dd "$n")
  awk -v m="$name" -v n="$n" -v f="$full" -v r="$rerun" -v fl="$floor" -v d="$dd" 'BEGIN {
    split(f, F, " "); split(r, R, " "); split(fl, L, " "); split(d, D, " ")
    p = n / (F[2] - R[2]); fr = n / L[2]; dr = n / D[2]
    printf "%-12s %9d %12.0f %12.0f %12.0f %12.0f %8.0f%% %8.0f%%\n",
      m, n, p, n / F[1], fr, dr, 100 * p / fr, 100 * p / dr }'
done

# The backfill target: 2 ranks, naive + random_walk, durable commits.
# The backfill and dd take turns, so that both see the disk as it is in
# the same minutes (its speed drifts by 20% over a day on a shared VM).
bench_job jobs/coffee.job naive,random_walk >"$out/job"
best= dd= n=
for _ in $(seq "$repeat"); do
  rm -rf "$out/s"; sync
  best=$(smaller "$best" "$(seconds mpirun -np 2 "$pc" backfill --job "$out/job" --store "$out/s" \
    --log_dir "$out/logs" --summary-json "$out/sum.json")")
  n=${n:-$(grep -o '"forecasts_generated":[0-9]*' "$out/sum.json" | cut -d: -f2)}
  rm -f "$out/dd.bin"; sync
  dd=$(smaller "$dd" "$(seconds dd if=/dev/zero of="$out/dd.bin" bs="$bytes" count="$n" conv=fdatasync)")
done
awk -v n="$n" -v b="$best" -v d="$dd" 'BEGIN {
  printf "backfill naive+random_walk, 2 ranks, fsync = yes: %d forecasts in %.2f s = %.0f/s; dd (fdatasync) of the same %.0f MB: %.2f s = %.0f/s; pathcast at %.0f%% of dd\n",
    n, b, n / b, n * 112000 / 1e6, d, n / d, 100 * d / b }'
rm -rf "$out/s" "$out/dd.bin" "$out/floor.bin"
