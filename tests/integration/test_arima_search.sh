#!/usr/bin/env bash
# The ARIMA order search chooses what it chose when its records were written
# (tests/unit/data/arima/search_*.txt, tools/arima_search.sh): at every
# training date of jobs/coffee.job and of jobs/sugar.job with the same
# sarimax_weather, the same order and constant, and every field of every
# trained model identical to the last bit (so stored models stay valid:
# a deliberate change of the numerics rewrites the records).  The check
# itself can fail: a record with another order is refused.
source "$(dirname "$0")/../lib/lib.sh"
TOOL=${PATHCAST_BUILD:-build}/arima_search
DATA=tests/unit/data/arima
# PATHCAST_ARIMA_SEARCH_JOBS narrows the jobs (make sanitize: coffee).
for job in ${PATHCAST_ARIMA_SEARCH_JOBS:-coffee sugar}; do
  expect_status "$job: every training date chooses the recorded order" 0 \
    timeout 900 "$TOOL" --check "$DATA/search_$job.txt"
  sed 's/^/# /' "$WORK/out" | tail -1
  check "$job: every trained model identical to the bit" \
    grep -q ' 0 same order within tolerance, 0 different;' "$WORK/out"
done
# A record whose order was changed must fail the check.
{ head -1 "$DATA/search_coffee.txt"; grep -m1 ' sarimax_weather ' "$DATA/search_coffee.txt" | sed 's/ order=[0-9],/ order=5,/'; } > "$WORK/tampered.txt"
expect_status "a record with another order fails the check" 1 "$TOOL" --check "$WORK/tampered.txt"
check "the failure names both orders" grep -q 'DIFFERENT: order .* recorded order 5,' "$WORK/out"
finish
