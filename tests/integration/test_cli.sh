#!/usr/bin/env bash
# Command line and input errors: clear messages naming the file, line or key,
# exit status 2, and nothing written to the store.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"

expect_status "--version" 0 "$PC" --version
check "--version prints the version" grep -qE '^pathcast [0-9]+\.[0-9]+\.[0-9]+ \(numerics [0-9]+, SIMD [a-z0-9]+\)$' "$WORK/out"
expect_status "--help" 0 "$PC" --help
check "--help lists every job key" grep -qE 'train_frequency.*semiannually' "$WORK/out"
check "--help lists model keys" grep -q 'random_walk.lookback' "$WORK/out"
check "--help lists the commands, each on its line" grep -qE '^  daily +forecast one day' "$WORK/out"
for c in train forecast backfill daily models export status verify check evaluate report migrate; do
  expect_status "$c --help" 0 "$PC" $c --help
  check "$c --help: synopsis" grep -q "^usage: pathcast $c " "$WORK/out"
  check "$c --help: an example and the exit statuses" bash -c "grep -q '^example:' '$WORK/out' && grep -q '^exit status: 0 ' '$WORK/out'"
done
check "daily --help lists the keys daily uses" bash -c "grep -q '^  catch_up ' '$WORK/out' || true; '$PC' daily --help | grep -q '^  catch_up '"
check "verify --help does not list keys verify ignores" bash -c "! '$PC' verify --help | grep -q '^  catch_up '"
expect_status "help COMMAND" 0 "$PC" help export
check "help export is export's help" grep -q "^usage: pathcast export " "$WORK/out"
expect_status "no command" 2 "$PC"
expect_status "unknown command" 2 "$PC" frobnicate
expect_err "unknown command lists commands" "unknown command 'frobnicate' (valid: train, forecast, backfill, daily, models, export, status, verify, check, evaluate, report, migrate)"

expect_status "unknown key on the command line" 2 "$PC" backfill --job "$WORK/job" --colour blue
expect_err "unknown key lists valid keys" "unknown key 'colour' (valid keys: commodity, data, models,"
echo "wibble = 3" >> "$WORK/job"
expect_status "unknown key in the job file" 2 "$PC" backfill --job "$WORK/job"
expect_err "names file and line" "$WORK/job:14: unknown key 'wibble'"
small_job "$WORK/job"

expect_status "bad frequency" 2 "$PC" backfill --job "$WORK/job" --train_frequency fortnightly
expect_err "bad frequency lists values" "train_frequency: 'fortnightly' is not one of daily, weekly, biweekly, monthly, quarterly, semiannually, annually"
expect_status "start after end" 2 "$PC" backfill --job "$WORK/job" --start 2021-01-01 --end 2020-01-01
expect_err "start after end message" "start 2021-01-01 is after end 2020-01-01"
expect_status "bad date" 2 "$PC" backfill --job "$WORK/job" --start 2021-02-30
expect_err "bad date message" "start: '2021-02-30' is not a date (expected YYYY-MM-DD or today)"
expect_status "horizon 0" 2 "$PC" backfill --job "$WORK/job" --horizon 0
expect_err "horizon range" "horizon: 0 is out of range [1, 1000]"
expect_status "absurd paths" 2 "$PC" backfill --job "$WORK/job" --paths 100000000
expect_status "unknown model" 2 "$PC" backfill --job "$WORK/job" --models naive,prophet
expect_err "unknown model lists models" "unknown model 'prophet' (valid: naive, random_walk"
expect_status "bad model key" 2 "$PC" backfill --job "$WORK/job" --random_walk.lookbak 5
expect_err "bad model key lists keys" "unknown key 'random_walk.lookbak' for model type random_walk (valid keys: lookback, volatility, lambda, drift)"
expect_status "bad model value" 2 "$PC" backfill --job "$WORK/job" --random_walk.lookback 1
expect_err "bad model value range" "random_walk.lookback: 1 is out of range [2, 1e+07]"
expect_status "missing job file" 2 "$PC" backfill --job "$WORK/nope.job"
expect_err "missing job file message" "$WORK/nope.job: cannot open job file"
printf 'commodity = coffee\nthis line has no equals\n' > "$WORK/bad.job"
expect_status "job file syntax" 2 "$PC" backfill --job "$WORK/bad.job"
expect_err "job file syntax names line" "$WORK/bad.job:2: expected 'key = value'"
expect_status "missing store key" 2 "$PC" backfill --job "$WORK/job" --store ""
expect_err "missing store message" "backfill needs the key 'store'"

# Malformed data: file:line: problem, exit 2, and the store stays as it was.
"$PC" backfill --job "$WORK/job" --end 2020-01-31 >/dev/null 2>&1
before=$(store_sums "$WORK/store")
head -100 data/coffee.csv > "$WORK/bad.csv"
sed -n '100p' data/coffee.csv >> "$WORK/bad.csv"
expect_status "duplicate date" 2 "$PC" backfill --job "$WORK/job" --data "$WORK/bad.csv"
expect_err "duplicate date names line" "$WORK/bad.csv:101: duplicate date"
head -50 data/coffee.csv > "$WORK/bad.csv"; echo "2015-09-14,-3,20,70,0" >> "$WORK/bad.csv"
expect_status "negative price" 2 "$PC" backfill --job "$WORK/job" --data "$WORK/bad.csv"
expect_err "negative price names line" "$WORK/bad.csv:51: close must be positive"
head -50 data/coffee.csv > "$WORK/bad.csv"; echo "2015-09-14,120,20,70" >> "$WORK/bad.csv"
expect_status "wrong column count" 2 "$PC" backfill --job "$WORK/job" --data "$WORK/bad.csv"
expect_err "column count names line" "$WORK/bad.csv:51: wrong column count"
expect_status "missing data file" 2 "$PC" backfill --job "$WORK/job" --data "$WORK/none.csv"
expect_err "missing data names file" "$WORK/none.csv: cannot open"
check "bad input changed nothing in the store" test "$before" = "$(store_sums "$WORK/store")"

# A store of another commodity or settings is refused, not mixed.
expect_status "other commodity" 2 "$PC" backfill --job "$WORK/job" --commodity sugar --end 2020-01-31
expect_err "other commodity message" "holds commodity 'coffee', the job says 'sugar'"
expect_status "other settings" 2 "$PC" backfill --job "$WORK/job" --seed 8 --end 2020-01-31
expect_err "other settings message" "holds results of model naive version v1.0 made with other settings"
check "refusals changed nothing in the store" test "$before" = "$(store_sums "$WORK/store")"
expect_status "other settings under a new model_version" 0 "$PC" backfill --job "$WORK/job" --seed 8 --model_version v2 --end 2020-01-31
# The summary names a log folder only when there is one.
touch "$WORK/not_a_folder"
expect_status "logs cannot be created: the run goes on" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/logs_store" --end 2020-01-10 --log_dir "$WORK/not_a_folder"
check "the summary says so" grep -q "^Logs:      none ($WORK/not_a_folder/local-.* could not be created; messages went to standard error)$" "$WORK/out"
finish
