#!/usr/bin/env bash
# Crash safety: kill -9 at random instants, then rerun -> the same store as an
# uninterrupted run.  Stop signals (SIGUSR1 through mpirun, SIGTERM/SIGINT to
# a process) -> committed work kept, exit 4, resume completes.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
args=(--job "$WORK/job" --start 2019-01-01 --end 2020-06-30 --paths 2000)

timeout 600 mpirun -np 2 "$PC" backfill "${args[@]}" --store "$WORK/ref" >/dev/null 2>&1
"$PC" export --job "$WORK/job" --paths 2000 --store "$WORK/ref" --output "$WORK/ref.csv"
ref=$(store_sums "$WORK/ref")

# Each round kills mpirun and both ranks at once with SIGKILL, as a node
# failure would, once the store holds a growing share of the files (so the
# kill lands mid-run however fast the machine is).
total=$(find "$WORK/ref" -name '*.h5' | wc -l)
count() { find "$WORK/kill" -name '*.h5' 2>/dev/null | wc -l; }
interrupted=0
for round in 1 2 3 4 5 6; do
  target=$(( total * round / 7 ))
  mpirun -np 2 "$PC" backfill "${args[@]}" --store "$WORK/kill" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 3000); do
    [[ $(files_written "$WORK/kill") -ge $target ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  pkill -9 -f -- "--store $WORK/kill"
  wait "$pid" 2>/dev/null
  for _ in $(seq 50); do pgrep -f -- "--store $WORK/kill" >/dev/null || break; sleep 0.1; done
  [[ $(count) -lt $total ]] && interrupted=$((interrupted + 1))
done
check "runs were killed mid-way ($interrupted of 6 left the store incomplete)" test "$interrupted" -ge 4
expect_status "rerun after the kills" 0 timeout 600 mpirun -np 2 "$PC" backfill "${args[@]}" \
  --store "$WORK/kill" --summary-json "$WORK/k.json"
"$PC" export --job "$WORK/job" --paths 2000 --store "$WORK/kill" --output "$WORK/kill.csv"
check "killed-and-resumed export = uninterrupted export" cmp -s "$WORK/ref.csv" "$WORK/kill.csv"
check "killed-and-resumed store bytes = uninterrupted" test "$ref" = "$(store_sums "$WORK/kill")"
check "no partial files left" test -z "$(find "$WORK/kill" -name '*.partial')"

# SIGUSR1 to mpirun (it forwards the signal to every rank).
mpirun -np 2 "$PC" backfill "${args[@]}" --store "$WORK/sig" --summary-json "$WORK/s.json" \
  >"$WORK/sig.out" 2>&1 &
pid=$!
for _ in $(seq 1000); do [[ -n $(find "$WORK/sig" -name "*.h5*" -path "*forecasts*" 2>/dev/null) ]] && break; sleep 0.01; done
kill -USR1 "$pid"
wait "$pid"; rc=$?
check "SIGUSR1 through mpirun: exit 4 (got $rc)" test "$rc" -eq 4
check "stopped run reports its status" grep -q 'stopped by a signal after saving progress (exit 4)' "$WORK/sig.out"
generated=$(grep -o '"forecasts_generated":[0-9]*' "$WORK/s.json" | cut -d: -f2)
check "stopped run kept committed work ($generated forecasts)" test "${generated:-0}" -gt 0
# Nothing is counted before it is on disk: with fsync = yes the stop flushes
# the files a rank committed behind before the vote (docs/STORE.md).
stored=$("$PC" status "${args[@]}" --store "$WORK/sig" --format json 2>/dev/null |
  grep -o '"forecasts":[0-9]*' | cut -d: -f2 | awk '{ n += $1 } END { print n + 0 }')
check "every forecast it counted is in the store ($stored)" test "$stored" = "${generated:-x}"

# SIGTERM and SIGINT to a single process.
for sig in TERM INT; do
  "$PC" backfill "${args[@]}" --store "$WORK/sig" >"$WORK/sig.out" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    grep -qs "run local-.*-$pid" "$WORK"/logs/*/rank-0000.log && break
    sleep 0.01
  done
  kill -$sig "$pid"
  wait "$pid"; rc=$?
  check "SIG$sig: exit 4 or finished (got $rc)" test "$rc" -eq 4 -o "$rc" -eq 0
done
expect_status "resume after signals" 0 mpirun -np 2 "$PC" backfill "${args[@]}" --store "$WORK/sig"
"$PC" export --job "$WORK/job" --paths 2000 --store "$WORK/sig" --output "$WORK/sig.csv"
check "signalled-and-resumed export = uninterrupted export" cmp -s "$WORK/ref.csv" "$WORK/sig.csv"
finish
