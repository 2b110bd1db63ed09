#!/usr/bin/env bash
# The ensemble against its members (the measurement behind docs/MODELS.md,
# "ensemble: results"): backfills members and an ensemble of them over
# years of forecast dates of the shipped (synthetic) coffee and sugar data
# and of real public daily series (fGarch's dem2gbp and sp500dge,
# timeSeries' MSFT; tools/real_series.R), evaluates them, and prints per
# series and model the mean CRPS over every forecast and horizon, the
# change against the best member and the CRPS skill against random_walk.
#
#   tools/ensemble_crps.sh [WORKDIR]     (default: a new temporary folder)
#   ENSEMBLE_KEYS='ens.window = 250' tools/ensemble_crps.sh   (other keys)
#
# Needs a built bin/pathcast, mpirun and R with fGarch and timeSeries;
# about 10 minutes on two cores.  Never run on EuStockMarkets or gold: they
# are kept for independent acceptance.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/pathcast-ensemble.XXXXXX")}
Rscript tools/real_series.R "$work/data"
cp data/coffee.csv data/sugar.csv "$work/data/"

source tools/series_eval.sh

# run NAME FREQUENCY START END MODELS MEMBERS [EXTRA KEY LINES]: one series'
# backfill, evaluation and summary.
run() {
  local name=$1 freq=$2 start=$3 end=$4 models=$5 members=$6
  shift 6
  work_job "$name" "$freq" "$start" "$end" "$models,ens:ensemble" \
    "ens.members = $members" "${ENSEMBLE_KEYS:-}" "$@"
  series_evaluate "$name"
  # The mean over horizons weighted by their forecasts: every scored
  # (date, horizon) pair counts once, as in the ensemble's own window.
  awk -F, -v s="$name" -v members="$members" '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { crps[$1] += $c["crps"] * $3; n[$1] += $3; if ($2 == 1) dates[$1] = $3 }
    END {
      split(members, m, ",")
      best = ""
      for (i in m) if (best == "" || crps[m[i]] / n[m[i]] < crps[best] / n[best]) best = m[i]
      rw = crps["random_walk"] / n["random_walk"]
      for (model in crps) {
        v = crps[model] / n[model]
        printf "%-9s %-12s %6d %10.5f %+8.2f%% %+8.2f%%%s\n", s, model, dates[model], v,
          100 * (v / (crps[best] / n[best]) - 1), 100 * (1 - v / rw),
          model == best ? "  (best member)" : ""
      }
    }' "$work/$name.csv" | sort -k4 -g
}

printf '%-9s %-12s %6s %10s %9s %9s\n' series model dates crps vs_best skill_rw
run coffee semiannually 2018-01-01 2024-01-01 \
  naive,random_walk,garch,arima_111:arima random_walk,garch,arima_111 \
  "holidays = $PWD/data/holidays.txt" "arima_111.order = 1,1,1"
run sugar semiannually 2018-01-01 2024-01-01 \
  naive,random_walk,garch,arima_111:arima random_walk,garch,arima_111 \
  "holidays = $PWD/data/holidays.txt" "arima_111.order = 1,1,1"
run dem2gbp monthly 1986-01-01 1991-06-28 \
  random_walk,rw_ewma:random_walk,garch random_walk,rw_ewma,garch \
  "rw_ewma.volatility = ewma"
run sp500dge monthly 1988-01-01 1993-04-30 \
  random_walk,rw_ewma:random_walk,garch random_walk,rw_ewma,garch \
  "rw_ewma.volatility = ewma"
run msft monthly 2001-03-01 2001-09-13 \
  random_walk,rw_ewma:random_walk,garch random_walk,rw_ewma,garch \
  "rw_ewma.volatility = ewma" "min_history = 100"
echo "work folder: $work"
