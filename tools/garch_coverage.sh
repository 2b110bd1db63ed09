#!/usr/bin/env bash
# Calibration of the volatility models on real public daily series (the
# measurement behind docs/MODELS.md, "garch: calibration"): backfills
# random_walk, random_walk with ewma volatility, garch (t) and garch with
# normal innovations over years of forecast dates of fGarch's dem2gbp and
# sp500dge and timeSeries' MSFT (tools/real_series.R), then prints, per
# model and horizon 1, 5 and 14, the coverage of the central 80% and 95%
# intervals, their width, and the CRPS skill against random_walk
# (`pathcast evaluate`).  A calibrated model covers 0.80 and 0.95.
#
#   tools/garch_coverage.sh [WORKDIR]     (default: a new temporary folder)
#
# Needs a built bin/pathcast, mpirun and R with fGarch and timeSeries;
# about a minute on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
source tools/bench_lib.sh
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/pathcast-coverage.XXXXXX")}
Rscript tools/real_series.R "$work/data"

source tools/series_eval.sh

# run NAME START END [EXTRA KEY LINES]: one series' backfill and evaluation.
run() {
  local name=$1 start=$2 end=$3
  shift 3
  work_job "$name" monthly "$start" "$end" \
    random_walk,rw_ewma:random_walk,garch,garch_normal:garch \
    "rw_ewma.volatility = ewma" "garch_normal.dist = normal" "$@"
  series_evaluate "$name"
  # model, horizon, n, coverage_80, coverage_95, width_80, width_95, CRPS skill
  awk -F, -v s="$name" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $2 == 1 || $2 == 5 || $2 == 14 {
      printf "%-9s %-13s %2d %5d %6.3f %6.3f %8.4f %8.4f %7.3f\n", s, $1, $2, $3,
        $c["coverage_80"], $c["coverage_95"], $c["width_80"], $c["width_95"],
        $c["crps_skill_vs_random_walk"] }' "$work/$name.csv"
}

printf '%-9s %-13s %2s %5s %6s %6s %8s %8s %7s\n' series model h n cov80 cov95 \
  width80 width95 skill
run dem2gbp 1986-01-01 1991-06-28
run sp500dge 1988-01-01 1993-04-30
run msft 2001-03-01 2001-09-13 "min_history = 100"
echo "work folder: $work"
