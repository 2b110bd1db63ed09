# Sourced by tools/garch_coverage.sh and tools/ensemble_crps.sh: a job over
# one daily series of $work/data and its backfill and evaluation, the same
# way for every measurement on series.  Needs $work set and tests/lib/env.sh
# sourced.

source tools/bench_lib.sh

# work_job NAME FREQUENCY START END MODELS [KEY LINES...]: writes
# $work/NAME.job (data $work/data/NAME.csv, store $work/NAME, fsync off),
# forecasting START..END with training every FREQUENCY from START.
work_job() {
  local name=$1 freq=$2 start=$3 end=$4 models=$5
  shift 5
  series_job "$work/$name.job" "$name" "$work/data/$name.csv" "$start" "$end" \
    "$freq" "$work/$name" "$work/logs" "models = $models" "$@"
}

# series_evaluate NAME: backfills $work/NAME.job on 2 ranks and writes its
# evaluation by horizon to $work/NAME.csv (the runs' output: $work/run.log).
series_evaluate() {
  mpirun -np 2 bin/pathcast backfill --job "$work/$1.job" >>"$work/run.log" 2>&1
  mpirun -np 2 bin/pathcast evaluate --job "$work/$1.job" --format csv \
    > "$work/$1.csv" 2>>"$work/run.log"
}
