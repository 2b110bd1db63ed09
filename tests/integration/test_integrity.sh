#!/usr/bin/env bash
# Integrity on every read (issue: no misplaced, damaged or foreign file is
# ever used or served): files copied over another month or into another
# model's folder, a changed byte in an identity attribute, a changed close in
# the series, a changed manifest, bad names, a changed holidays file, dates
# at the end of the supported range, honest outputs.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
"$PC" backfill --job "$WORK/job" >/dev/null 2>&1
cp -r "$WORK/store" "$WORK/good"
export_all() { "$PC" export --job "$WORK/job" --store "$1" --output "$2"; }
export_all "$WORK/good" "$WORK/good.csv"
fresh() { rm -rf "$WORK/s"; cp -r "$WORK/good" "$WORK/s"; }
P=naive/v1.0/forecasts
R=random_walk/v1.0/forecasts

# --- a partition copied over another month of the same model ---------------
fresh
cp "$WORK/s/$P/2020-02.h5" "$WORK/s/$P/2020-03.h5"
expect_status "copied month: export refuses to serve it" 3 "$PC" export --job "$WORK/job" --store "$WORK/s" --model naive --output "$WORK/x.csv"
expect_err "copied month: names the file and why" "$WORK/s/$P/2020-03.h5: its month attribute is not the month of its name"
expect_err "copied month: names the command that rebuilds it" "pathcast backfill --job $WORK/job --model naive --start 2020-03-01 --end 2020-03-31"
check "copied month: no date is served twice" test -z "$(awk -F, 'NR > 1 && $1 == 0 { print $2 }' "$WORK/x.csv" | sort | uniq -d)"
check "copied month: March is not served at all" test -z "$(awk -F, '$2 ~ /^2020-03/' "$WORK/x.csv")"
expect_status "copied month: status reports the damage" 3 "$PC" status --job "$WORK/job" --store "$WORK/s"
check "copied month: status counts no more days than exist" bash -c "! grep -E 'forecasts +1[3-9][0-9]/128' '$WORK/out'"
check "copied month: status names the damaged file" grep -qF "damaged      $WORK/s/$P/2020-03.h5" "$WORK/out"
expect_status "copied month: a backfill rebuilds it" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/s"
check "copied month: rebuilt byte-identical (never merged)" cmp -s "$WORK/s/$P/2020-03.h5" "$WORK/good/$P/2020-03.h5"

# --- results copied into another model's folder ----------------------------
fresh
cp "$WORK/s/$P/2020-04.h5" "$WORK/s/$R/2020-04.h5"
cp "$WORK/s/naive/v1.0/trained/2020-04-01.h5" "$WORK/s/random_walk/v1.0/trained/2020-04-01.h5"
expect_status "other model's files: export refuses them" 3 "$PC" export --job "$WORK/job" --store "$WORK/s" --model random_walk --output "$WORK/x.csv"
expect_err "other model's partition named" "$WORK/s/$R/2020-04.h5: its model attribute does not match its folder"
check "no naive paths served as random_walk" test -z "$(awk -F, '$2 ~ /^2020-04/ && $6 == "random_walk"' "$WORK/x.csv")"
expect_status "other model's files: models refuses the trained one" 3 "$PC" models --job "$WORK/job" --store "$WORK/s" --model random_walk
expect_err "other model's trained file named" "random_walk/v1.0/trained/2020-04-01.h5: its model attribute does not match its folder"
expect_status "other model's files: a backfill rebuilds both" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/s" --summary-json "$WORK/sum.json"
check "the foreign trained model was not used: trained again" grep -q '"trained":1,' "$WORK/sum.json"
check "the partition rebuilt identically" cmp -s "$WORK/s/$R/2020-04.h5" "$WORK/good/$R/2020-04.h5"
check "the trained model rebuilt identically" cmp -s "$WORK/s/random_walk/v1.0/trained/2020-04-01.h5" "$WORK/good/random_walk/v1.0/trained/2020-04-01.h5"
expect_status "other model's files: verify after the rebuild" 0 "$PC" verify --job "$WORK/job" --store "$WORK/s"

# --- one byte of an identity attribute changed -------------------------------
fresh
f="$WORK/s/$P/2020-05.h5"
off=$(grep -boa 'v1.0' "$f" | tail -1 | cut -d: -f1)
printf '2' | dd of="$f" bs=1 seek=$((off + 1)) conv=notrunc 2>/dev/null
expect_status "changed model_version byte: verify flags it" 3 "$PC" verify --job "$WORK/job" --store "$WORK/s"
check "changed model_version byte: the damaged file is named" grep -qF "DAMAGED $f: checksum mismatch" "$WORK/out"
expect_status "changed model_version byte: the next run repairs it" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/s"
check "changed model_version byte: rebuilt identically" cmp -s "$f" "$WORK/good/$P/2020-05.h5"
expect_status "changed model_version byte: verify clean again" 0 "$PC" verify --job "$WORK/job" --store "$WORK/s"

# --- the series and the manifest carry checksums ----------------------------
fresh
f="$WORK/s/series.h5"
printf '\125' | dd of="$f" bs=1 seek=$(( $(stat -c %s "$f") - 400 )) conv=notrunc 2>/dev/null
expect_status "changed series: export refuses to serve actuals from it" 3 "$PC" export --job "$WORK/job" --store "$WORK/s"
expect_err "changed series: named" "$f: checksum mismatch"
expect_status "changed series: evaluate refuses to score against it" 3 "$PC" evaluate --job "$WORK/job" --store "$WORK/s" --format csv
expect_err "changed series: evaluate names it" "$f: checksum mismatch"
expect_status "changed series: a writer run rewrites it from the data" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/s"
check "changed series: rewritten identically" cmp -s "$f" "$WORK/good/series.h5"
fresh
f="$WORK/s/pathcast.h5"
off=$(grep -boa 'lookback=250' "$f" | head -1 | cut -d: -f1)
printf '6' | dd of="$f" bs=1 seek=$((off + 9)) conv=notrunc 2>/dev/null
expect_status "changed manifest: readers refuse it" 3 "$PC" status --job "$WORK/job" --store "$WORK/s"
expect_err "changed manifest: says how it is restored" "the next writer run of the job"
expect_status "changed manifest: other settings cannot replace good results" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/s" --random_walk.lookback 260
check "changed manifest: nothing was replaced" test "$(store_sums "$WORK/s" | grep -v pathcast.h5)" = "$(store_sums "$WORK/good" | grep -v pathcast.h5)"
expect_status "changed manifest: the job's writer run restores it" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/s"
check "changed manifest: restored identically" cmp -s "$f" "$WORK/good/pathcast.h5"

# --- names that would become paths ------------------------------------------
for bad in .. . "" .x 'a/b' 'v 1'; do
  expect_status "model_version '$bad' refused" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/names" --model_version "$bad"
done
expect_err "the rule is stated" "is not a valid name (1 to 64 letters, digits, '_', '.' or '-', not starting with '.')"
expect_status "commodity '..' refused" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/names" --commodity ..
check "nothing created for bad names" test ! -e "$WORK/names"

# --- holidays are part of the settings --------------------------------------
fresh
grep -v '^#' "$ROOT/data/holidays.txt" > "$WORK/h.txt"
cp "$WORK/h.txt" "$WORK/h_more.txt"; echo 2020-12-24 >> "$WORK/h_more.txt"; echo 2020-12-31 >> "$WORK/h_more.txt"
grep -v 2020-04-10 "$WORK/h.txt" > "$WORK/h_less.txt"
expect_status "holidays extended past every stored result: accepted" 0 "$PC" backfill --job "$WORK/job" --store "$WORK/s" --holidays "$WORK/h_more.txt" --end 2020-07-31
expect_status "a holiday removed inside the stored range: refused" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/s" --holidays "$WORK/h_less.txt"
expect_err "names the date and the last stored day" "they differ on 2020-04-10, on or before 2020-08-19"
expect_status "no holidays file at all: refused" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/s" --holidays ""
expect_status "status counts the trading days of one calendar" 0 "$PC" status --job "$WORK/job" --store "$WORK/s" --holidays "$WORK/h_more.txt" --end 2020-07-31
check "no more forecasts than trading days" grep -q 'forecasts    150/150 trading days' "$WORK/out"

# --- the end of the supported date range ------------------------------------
# Daily closes up to 9999-12-23.
daily_csv $((2932896 - 407)) 400 '100 + i / 10' > "$WORK/far.csv"
cat > "$WORK/far.job" <<JOB
commodity = far
data = $WORK/far.csv
models = naive
calendar = daily
train_frequency = annually
train_anchor = 9999-12-01
start = 9999-12-10
end = 9999-12-25
paths = 50
store = $WORK/far
log_dir = $WORK/logs
JOB
expect_status "horizon past 9999-12-31: those forecasts fail, the rest commit" 3 "$PC" backfill --job "$WORK/far.job"
check "the reason is given" grep -q 'the 14-day horizon reaches past 9999-12-31, the last date pathcast can store' "$WORK/out"
expect_status "what was committed reads back" 0 "$PC" verify --job "$WORK/far.job"
expect_status "export of the last forecasts" 0 "$PC" export --job "$WORK/far.job" --output "$WORK/far_out.csv"
check "the last forecast whose horizon fits is there" grep -q '^0,9999-12-18,' "$WORK/far_out.csv"
expect_status "a data date past the range is bad input" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/t" --data <(sed '$ a 10000-01-01,1' "$ROOT/data/coffee.csv")
expect_status "a job date before 1800 is bad input" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/t" --start 1799-12-31
expect_err "the range is named" "start: 1799-12-31 is outside the supported range 1800-01-01..9999-12-31"

# --- outputs are honest --------------------------------------------------------
expect_status "status into a full device is exit 1" 1 bash -c "'$PC' status --job '$WORK/job' --store '$WORK/good' > /dev/full"
expect_err "and says why" "cannot write standard output: No space left on device"
expect_status "--summary-json into a missing folder: refused before any work" 2 "$PC" backfill --job "$WORK/job" --store "$WORK/sj" --summary-json "$WORK/nowhere/x.json"
check "nothing was computed or created" test ! -e "$WORK/sj"
expect_status "export --output into a missing folder: refused" 2 "$PC" export --job "$WORK/job" --store "$WORK/good" --output "$WORK/nowhere/x.csv"
touch "$WORK/good/notes.txt" "$WORK/good/naive/v1.0/forecasts/readme"
expect_status "verify: files it does not know are listed, not damage" 0 "$PC" verify --job "$WORK/job" --store "$WORK/good"
check "UNKNOWN lines" test "$(grep -c '^UNKNOWN ' "$WORK/out")" -eq 2
check "UNKNOWN names the file" grep -qxF "UNKNOWN $WORK/good/notes.txt" "$WORK/out"
finish
