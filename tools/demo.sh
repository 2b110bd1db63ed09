#!/usr/bin/env bash
# make demo: a backfill and a daily run of jobs/coffee.job on the shipped
# (synthetic) data, then where everything went.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
np=${PATHCAST_NP:-2}
bin=bin/pathcast
run() { echo "\$ $*"; "$@"; }

echo "== backfill 2018-01-01..2024-01-01 on $np MPI ranks, 8 models (incremental: a rerun does nothing) =="
run mpirun -np "$np" $bin backfill --job jobs/coffee.job
echo
echo "== daily production for 2024-01-02 (trains only when the cadence says so) =="
run $bin daily --job jobs/coffee.job --forecast_date 2024-01-02
echo
echo "== trained models of sarimax_weather (the order its stepwise search chose) =="
run $bin models --job jobs/coffee.job --model sarimax_weather
echo
echo "== the ensemble's weights of random_walk, garch, arima_111 at each training (from the CRPS of their last 120 forecasts) =="
run $bin models --job jobs/coffee.job --model ensemble --format json | grep -o '"training_date":"[^"]*"\|"weights":\[[^]]*\]' | paste -d' ' - -
echo
echo "== evaluation of every model's 2023 forecasts against the actuals (docs/EVALUATION.md; scores are stored, a rerun scores only what is new) =="
run mpirun -np "$np" $bin evaluate --job jobs/coffee.job --start 2023-01-01 --end 2023-12-31 --by year
echo
echo "== sarimax_weather by horizon: CRPS grows and coverage holds as the horizon lengthens =="
run $bin evaluate --job jobs/coffee.job --start 2023-01-01 --end 2023-12-31 --model sarimax_weather
echo
echo "== report: HTML page with fan charts, CRPS/coverage by horizon, calibration, PIT, rolling skill =="
run mpirun -np "$np" $bin report --job jobs/coffee.job --output demo/report
mkdir -p demo
run $bin export --job jobs/coffee.job --start 2024-01-02 --end 2024-01-02 \
  --output demo/coffee-2024-01-02.csv
echo
echo "== status: coverage, trainings, failures, leakage flags (exit 0 = all good) =="
run $bin status --job jobs/coffee.job --end 2024-01-02
echo
echo "Outputs:"
echo "  store (HDF5, see docs/STORE.md): $(grep -E '^store' jobs/coffee.job | sed 's/.*= *//')"
echo "  per-rank logs:                   logs/<run id>/rank-NNNN.log"
echo "  export of 2024-01-02 (CSV):      demo/coffee-2024-01-02.csv"
echo "  evaluation report (HTML + PNG):  demo/report/index.html"
