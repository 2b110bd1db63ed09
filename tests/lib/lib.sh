# Helpers for the integration scripts: TAP-like "ok"/"not ok" lines that
# tests/run.sh counts, a private work folder, and the pathcast binary.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$ROOT/tests/lib/env.sh"
PC=${PATHCAST_BIN:-$ROOT/bin/pathcast}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pathcast-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
FAILS=0

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }

# check NAME COMMAND...: ok when the command succeeds.
check() {
  local name=$1; shift
  if "$@"; then ok "$name"; else notok "$name"; fi
}

# expect_status NAME CODE COMMAND...: runs the command (output to
# $WORK/out, $WORK/err) and checks its exit status.
expect_status() {
  local name=$1 code=$2; shift 2
  "$@" >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  if [[ $rc -eq $code ]]; then ok "$name (exit $rc)"; else
    notok "$name: exit $rc, expected $code"; sed 's/^/# /' "$WORK/err" | head -20; fi
}

# expect_err NAME TEXT: the last expect_status's stderr contains TEXT.
expect_err() {
  if grep -qF -- "$2" "$WORK/err"; then ok "$1"; else
    notok "$1: stderr lacks '$2'"; sed 's/^/# /' "$WORK/err" | head -20; fi
}

# A small, fast job (200 paths) over the shipped coffee data.
small_job() {
  cat > "$1" <<JOB
commodity = coffee
data = $ROOT/data/coffee.csv
holidays = $ROOT/data/holidays.txt
models = naive,random_walk
train_frequency = quarterly
train_anchor = 2020-01-01
start = 2020-01-01
end = 2020-06-30
paths = 200
horizon = 14
seed = 7
store = $WORK/store
log_dir = $WORK/logs
JOB
}

# daily_csv FIRST N CLOSE: a date,close CSV of N consecutive days from day
# number FIRST (days since 1970-01-01), close given as an awk expression of
# i (0..N-1).  Day numbers to dates by the civil-from-days algorithm.
daily_csv() {
  awk -v first="$1" -v n="$2" 'function civil(z,   era, doe, yoe, y, doy, mp, d, m) {
       z += 719468; era = int(z / 146097); doe = z - era * 146097
       yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
       y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
       mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
       m = mp < 10 ? mp + 3 : mp - 9; return sprintf("%04d-%02d-%02d", y + (m <= 2), m, d) }
     BEGIN { print "date,close"; for (i = 0; i < n; i++)
             printf "%s,%.2f\n", civil(first + i), '"$3"' }'
}

# files_written STORE: how many store files a run has written so far,
# committed (*.h5) or still *.partial: with fsync = yes a rank renames its
# files in batches once they are on disk (docs/STORE.md), so a kill timed by
# progress counts both.
files_written() {
  find "$1" -name '*.h5' -o -name '*.h5.partial' 2>/dev/null | wc -l
}

# Checksums of every committed file of a store (relative paths, sorted).
store_sums() {
  (cd "$1" && find . -name '*.h5' | sort | xargs md5sum)
}

# backfill_on_ranks TRAINED MODELS: backfills $WORK/job on 1 and 2 ranks
# (stores $WORK/s1, $WORK/s2; exports $WORK/e1.csv, $WORK/e2.csv) and checks
# that TRAINED models trained and nothing failed, that the export holds
# exactly the models MODELS (space-separated, sorted) and that both rank
# counts wrote the same export and store bytes.
backfill_on_ranks() {
  local trained=$1 models=$2 np
  for np in 1 2; do
    expect_status "backfill on $np rank(s)" 0 timeout 600 mpirun -np $np "$PC" backfill \
      --job "$WORK/job" --store "$WORK/s$np" --summary-json "$WORK/sum$np.json"
    "$PC" export --job "$WORK/job" --store "$WORK/s$np" --output "$WORK/e$np.csv"
  done
  check "trained $trained models, none failed" grep -q "\"trained\":$trained,\"train_skipped\":0,\"train_failed\":0," "$WORK/sum1.json"
  check "no forecast failed" grep -q '"forecasts_skipped":0,"forecasts_failed":0}' "$WORK/sum1.json"
  check "exported $models" test "$(cut -d, -f6 "$WORK/e1.csv" | tail -n +2 | sort -u | paste -sd' ')" = "$models"
  check "2 ranks: identical export" cmp -s "$WORK/e1.csv" "$WORK/e2.csv"
  check "2 ranks: identical store bytes" test "$(store_sums "$WORK/s1")" = "$(store_sums "$WORK/s2")"
}

finish() {
  [[ $FAILS -eq 0 ]]
}
