#!/usr/bin/env bash
# The garch model and random_walk's ewma volatility through the whole
# program, on real public daily series (tools/real_series.R writes fGarch's
# dem2gbp and sp500dge and timeSeries' MSFT as data files): backfills with
# the same export and store bytes on 1 and 2 ranks, the trained fields in
# `models --format json`, no leakage (data changed from D on change no
# forecast up to D), a long series fitted on its last returns, a short one,
# and bad keys refused before anything runs.
source "$(dirname "$0")/../lib/lib.sh"
if ! Rscript tools/real_series.R "$WORK/data" 2>"$WORK/r.err"; then
  notok "tools/real_series.R writes the real series (needs r-cran-fgarch, r-cran-timeseries)"
  sed 's/^/# /' "$WORK/r.err" | head -5
  finish; exit
fi
rows() { tail -n +2 "$1" | wc -l; }
check "the three series with all their rows (1975, 17056, 249 closes)" \
  test "$(rows "$WORK/data/dem2gbp.csv") $(rows "$WORK/data/sp500dge.csv") $(rows "$WORK/data/msft.csv")" = "1975 17056 249"

cat > "$WORK/job" <<JOB
commodity = dem2gbp
data = $WORK/data/dem2gbp.csv
models = random_walk,rw_ewma:random_walk,garch,garch_normal:garch,garch_ar1:garch
rw_ewma.volatility = ewma
garch_normal.dist = normal
garch_normal.mean = zero
garch_ar1.mean = ar1
train_frequency = quarterly
train_anchor = 1990-01-01
start = 1990-01-01
end = 1990-06-29
paths = 200
horizon = 14
seed = 11
store = $WORK/store
log_dir = $WORK/logs
JOB

backfill_on_ranks 10 "garch garch_ar1 garch_normal random_walk rw_ewma"
check "prices are finite and positive" bash -c "awk -F, 'NR > 1 && \$1 > 0 { for (i = 10; i <= NF; i++) if (!(\$i > 0 && \$i < 1e6)) bad = 1 } END { exit bad }' '$WORK/e1.csv'"

"$PC" models --job "$WORK/job" --store "$WORK/s1" --format json > "$WORK/models.json"
line() { grep "\"model\":\"$1\"" "$WORK/models.json" | head -1; }
has() { local l; l=$(line "$1"); shift; for k in "$@"; do grep -q "\"$k\":" <<<"$l" || return 1; done; }
export -f line has; export WORK
check "garch shows mu, omega, alpha, beta, nu, loglik, persistence, unconditional variance, convergence" \
  has garch mu omega alpha beta nu loglik persistence unconditional_variance converged iterations
check "garch_ar1 shows ar1" has garch_ar1 ar1
check "garch_normal has no nu" bash -c '! has garch_normal nu'
check "every garch fit converged" test "$(grep -c '"converged":1' "$WORK/models.json")" -eq 6
check "rw_ewma shows its volatility method and lambda" bash -c 'line rw_ewma | grep "\"volatility_method\":\"ewma\"" | grep -q "\"lambda\":0.94,"'
check "random_walk's fields are the old four (and the type tag)" bash -c 'line random_walk | grep -Eq "\"params\":\{\"drift\":[-0-9.e]+,\"volatility\":[0-9.e-]+\},\"diagnostics\":\{\"annualized_volatility\":[0-9.e-]+,\"model_type\":\"random_walk\",\"n_returns\":250\}"'

# As-of: every close from D on changed; ewma and garch filter the history
# up to each date, so this is their leakage test.
D=1990-03-15
awk -F, -v OFS=, -v d=$D 'NR > 1 && $1 >= d { $2 = sprintf("%.6f", $2 * 1.3) } { print }' \
  "$WORK/data/dem2gbp.csv" > "$WORK/perturbed.csv"
"$PC" backfill --job "$WORK/job" --store "$WORK/p" --data "$WORK/perturbed.csv" >/dev/null 2>&1
upto() { "$PC" export --job "$WORK/job" --store "$1" --end $D | awk -F, '$1 != 0'; }
after() { "$PC" export --job "$WORK/job" --store "$1" --start 1990-03-16 | awk -F, '$1 != 0'; }
export -f upto after; export PC D
check "forecasts up to D are bit-identical after changing data from D on" \
  bash -c 'test "$(upto "$WORK/s1" | wc -l)" -gt 5000 && cmp -s <(upto "$WORK/s1") <(upto "$WORK/p")'
check "forecasts after D differ (the test can fail)" \
  bash -c '! cmp -s <(after "$WORK/s1") <(after "$WORK/p")'

# Another series and range, from the same job without its per-model keys:
# another_job NAME DATA MODELS START END.
another_job() {
  grep -v '^[a-z0-9_]*\.[a-z_]* =' "$WORK/job" | sed -e "s|^data = .*|data = $WORK/data/$2.csv|" \
    -e "s/^commodity = .*/commodity = $1/" -e "s/^models = .*/models = $3/" \
    -e "s/^train_anchor = .*/train_anchor = $4/" -e "s/^start = .*/start = $4/" \
    -e "s/^end = .*/end = $5/" -e "s|^store = .*|store = $WORK/$1|" > "$WORK/$1.job"
}

# A long series: the fit takes its last 2,000 returns (garch.lookback).
another_job sp500 sp500dge garch 1993-01-04 1993-01-29
expect_status "sp500dge (17,055 returns) backfill" 0 "$PC" backfill --job "$WORK/sp500.job"
check "its garch saw 2,000 returns" bash -c "'$PC' models --job '$WORK/sp500.job' --format json | grep -q '\"n_obs\":2000,'"

# A short series with real dates: MSFT's 248 returns.
another_job msft msft garch,rw_ewma:random_walk 2001-06-01 2001-06-29
printf 'min_history = 150\nrw_ewma.volatility = ewma\n' >> "$WORK/msft.job"
expect_status "MSFT backfill" 0 "$PC" backfill --job "$WORK/msft.job"

# Bad keys are refused when the job is read: exit 2, nothing written.
expect_status "garch.order = 1,0 is refused" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/bad" --garch.order 1,0
expect_err "the message names the key and the valid orders" "garch.order: '1,0' is not one of 0,1|0,2|"
expect_status "garch.dist = cauchy is refused" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/bad" --garch.dist cauchy
expect_err "the message lists normal|t" "garch.dist: 'cauchy' is not one of normal|t"
expect_status "random_walk.lambda = 1 is refused" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/bad" --rw_ewma.lambda 1
check "nothing was written" test ! -e "$WORK/bad"
finish
