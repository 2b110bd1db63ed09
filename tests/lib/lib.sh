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

# Checksums of every committed file of a store (relative paths, sorted).
store_sums() {
  (cd "$1" && find . -name '*.h5' | sort | xargs md5sum)
}

finish() {
  [[ $FAILS -eq 0 ]]
}
