#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time from its seed corpus.
#   tools/fuzz.sh SECONDS TARGET...
# A crash leaves its input in build-fuzz/crash-<target>-*; make it a
# regression test (tests/unit or tests/corpus) before fixing it.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=$1; shift
status=0
for t in "$@"; do
  work=build-fuzz/corpus-$t
  mkdir -p "$work"
  echo "fuzz_$t: ${seconds}s from tests/fuzz/$t"
  if ! build-fuzz/fuzz_$t "$work" "tests/fuzz/$t" -max_total_time="$seconds" \
       -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="build-fuzz/crash-$t-" > "build-fuzz/fuzz_$t.log" 2>&1; then
    echo "fuzz_$t: FAILED (see build-fuzz/fuzz_$t.log)"; tail -30 "build-fuzz/fuzz_$t.log"
    status=1
  else
    grep -E 'stat::number_of_executed_units|stat::new_units_added' "build-fuzz/fuzz_$t.log" | sed "s/^/  /"
  fi
done
rm -f /tmp/pathcast-fuzz-*.job
exit $status
