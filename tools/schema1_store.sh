#!/usr/bin/env bash
# Regenerates tests/data/schema1/: a small store written by the last
# pathcast of store schema 1 (dates as ISO strings, no named dimensions),
# which the tests read with today's pathcast (every reader reads schema 1
# and 2; docs/STORE.md).  It builds that pathcast from the repository's
# history (git archive of SCHEMA1_COMMIT) in a temporary folder, backfills
# tests/data/schema1.job and evaluates it (so the store holds forecasts,
# trained models with scalars and arrays, and scores).
#   tools/schema1_store.sh [COMMIT]
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
commit=${1:-52e5389}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pathcast-schema1.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
git archive "$commit" | tar -x -C "$tmp"
make -C "$tmp" -s bin/pathcast >/dev/null
rm -rf tests/data/schema1
"$tmp/bin/pathcast" backfill --job tests/data/schema1.job --log_dir "$tmp/logs" >/dev/null
"$tmp/bin/pathcast" evaluate --job tests/data/schema1.job --log_dir "$tmp/logs" --format csv >/dev/null 2>&1
rm -f tests/data/schema1/LOCK
find tests/data/schema1 -type f | sort
