#!/usr/bin/env bash
# The cost of store schema 2 (named dimensions, CF time) on the backfill:
# the pathcast of schema 1 (OLD, built from the repository's history in a
# temporary folder) against this one, on the full jobs/coffee.job backfill
# (2018-01-01..2024-01-01, naive + random_walk, 2,000 paths x 14 days, 3,070
# forecasts) on 1 rank with fsync = no (the page cache: the store's own
# work, not the disk's), alternating the two, best of REPEAT wall times; and
# the instructions of a half-year backfill under callgrind (robust on a
# shared machine).  Reported in docs/PERFORMANCE.md.
#   tools/bench_schema.sh [OLD_COMMIT]        REPEAT=5 by default
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib/env.sh
old_commit=${1:-52e5389}
repeat=${REPEAT:-5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pathcast-bench-schema.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
git archive "$old_commit" | tar -x -C "$tmp" --one-top-level=old
make -C "$tmp/old" -s bin/pathcast >/dev/null
make -s bin/pathcast >/dev/null
# The demo job with its two fastest models (their keys only).
grep -vE '^(arima_111|sarimax_weather|xgboost_weather|random_walk)\.' jobs/coffee.job |
  sed 's/^models .*/models = naive,random_walk/' > "$tmp/bench.job"
declare -A best=() size=() instr=()
for _ in $(seq "$repeat"); do
  for which in old new; do
    bin=$([[ $which == old ]] && echo "$tmp/old/bin/pathcast" || echo bin/pathcast)
    rm -rf "$tmp/store"
    sync
    start=$(date +%s.%N)
    "$bin" backfill --job "$tmp/bench.job" --store "$tmp/store" --fsync no --log_dir "$tmp/logs" >/dev/null 2>&1
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    if [[ -z ${best[$which]:-} ]] || awk -v a="$secs" -v b="${best[$which]}" 'BEGIN { exit !(a < b) }'; then
      best[$which]=$secs
    fi
    size[$which]=$(du -sb "$tmp/store" | cut -f1)
  done
done
for which in old new; do
  bin=$([[ $which == old ]] && echo "$tmp/old/bin/pathcast" || echo bin/pathcast)
  rm -rf "$tmp/cstore"
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$which" "$bin" backfill --job "$tmp/bench.job" \
    --store "$tmp/cstore" --fsync no --log_dir "$tmp/logs" --start 2023-01-01 --end 2023-06-30 >/dev/null 2>&1
  instr[$which]=$(callgrind_annotate "$tmp/cg.$which" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
done
echo "pathcast bench schema: $(nproc --all) cores, $(date -u +%Y-%m-%d), best of $repeat"
printf '%-28s %14s %14s %8s\n' "" "schema 1 ($old_commit)" "schema 2" change
printf '%-28s %14.2f %14.2f %+7.1f%%\n' "backfill wall time (s)" "${best[old]}" "${best[new]}" \
  "$(awk -v a="${best[old]}" -v b="${best[new]}" 'BEGIN { print 100 * (b / a - 1) }')"
printf '%-28s %14d %14d %+7.1f%%\n' "store size (bytes)" "${size[old]}" "${size[new]}" \
  "$(awk -v a="${size[old]}" -v b="${size[new]}" 'BEGIN { print 100 * (b / a - 1) }')"
printf '%-28s %14d %14d %+7.1f%%\n' "instructions, 2023 H1" "${instr[old]}" "${instr[new]}" \
  "$(awk -v a="${instr[old]}" -v b="${instr[new]}" 'BEGIN { print 100 * (b / a - 1) }')"
