#!/usr/bin/env bash
# make bench (second part): the cost of evaluation against the backfill it
# evaluates.  A fresh 6-year backfill of jobs/coffee.job with 4 models
# (naive, random_walk, sarimax_weather, xgboost unless BENCH_EVAL_MODELS says
# otherwise) on 2 ranks, then on 2 ranks: evaluate from scratch (every
# forecast scored and stored), evaluate again (nothing new: reads the stored
# scores), report (HTML + figures from the stored scores), and evaluate from
# scratch on 1 rank (the speed-up of the scoring phase).
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
out=$(mktemp -d /tmp/pathcast-bench-eval.XXXXXX)
trap 'rm -rf "$out"' EXIT
job=${BENCH_JOB:-jobs/coffee.job}
models=${BENCH_EVAL_MODELS:-naive,random_walk,sarimax_weather:arima,xgboost}
np=${BENCH_EVAL_NP:-2}
source tools/bench_lib.sh
bench_job "$job" "$models" >"$out/job" # only these models and their keys
args=(--job "$out/job" --store "$out/store" --log_dir "$out/logs")
timed() { # label command...: prints label, seconds
  local label=$1 start end; shift
  sync
  start=$(date +%s.%N)
  if ! "$@" >"$out/last.out" 2>"$out/last.err"; then
    echo "bench: $label failed:" >&2; tail -5 "$out/last.err" >&2; exit 1
  fi
  end=$(date +%s.%N)
  printf '%-34s %9.2f\n' "$label" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
}
echo "pathcast bench (evaluation): $job, models $models, $np ranks, $(date -u +%Y-%m-%d)"
printf '%-34s %9s\n' step seconds
timed "backfill (train + forecast)" mpirun -np "$np" bin/pathcast backfill "${args[@]}"
grep -o 'Forecasts: generated [0-9]*' "$out/last.out" || true
timed "evaluate, nothing scored yet" mpirun -np "$np" bin/pathcast evaluate "${args[@]}"
grep -o 'scored [0-9]* forecast(s), [0-9]* up to date' "$out/last.err" || true
timed "evaluate again (all up to date)" mpirun -np "$np" bin/pathcast evaluate "${args[@]}"
timed "report (all up to date)" mpirun -np "$np" bin/pathcast report "${args[@]}" --output "$out/report"
rm -rf "$out"/store/*/v*/scores
timed "evaluate from scratch on 1 rank" mpirun -np 1 bin/pathcast evaluate "${args[@]}"
echo "figures: $(ls "$out/report"/*.png | wc -l), scores: $(du -sh --apparent-size "$out"/store/*/v*/scores | awk '{ s += $1 } END { print s " MB" }') of $(du -sh "$out/store" | cut -f1) store"
