#!/usr/bin/env bash
# Rewrites tests/unit/data/arima/search_{coffee,sugar}.txt: every arima
# model's trained record at every training date of jobs/coffee.job, and of
# jobs/sugar.job with coffee's two arima models added (sugar's job has
# none).  These are a regression record of the order search, written by
# build/arima_search before its speed-up (see that tool); rewrite them only
# on purpose, when the chosen models are meant to change.  The records of
# numerics 2 (pc_ln for the log closes) were written by the search of
# commit 4303bef^1, the last before the speed-up, built with this tool;
# the sped-up search reproduces them bit for bit.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build/arima_search
out=tests/unit/data/arima
build/arima_search --job jobs/coffee.job > "$out/search_coffee.txt"
build/arima_search --job jobs/sugar.job \
  --models naive,random_walk,arima_111:arima,sarimax_weather:arima --arima_111.order 1,1,1 \
  --sarimax_weather.exog temp_mean_c,humidity_mean_pct,precipitation_mm > "$out/search_sugar.txt"
