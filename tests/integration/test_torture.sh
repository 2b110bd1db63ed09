#!/usr/bin/env bash
# Torture: 20 kill -9 at pseudo-random instants across backfill and daily
# runs on 2 ranks; a full disk mid-run; one rank killed in a 3-rank run.
# After each, a rerun completes and the store equals an uninterrupted run.
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
args=(--job "$WORK/job" --start 2019-01-01 --end 2020-03-31 --paths 2000)
days=(2020-04-01 2020-04-02 2020-04-03 2020-04-06 2020-04-07 2020-04-08)

# The uninterrupted reference: a backfill, then six daily runs.
mpirun -np 2 "$PC" backfill "${args[@]}" --store "$WORK/ref" >/dev/null 2>&1
for d in "${days[@]}"; do
  mpirun -np 2 "$PC" daily "${args[@]}" --forecast_date $d --store "$WORK/ref" >/dev/null 2>&1
done
"$PC" export "${args[@]}" --end 2020-04-30 --store "$WORK/ref" --output "$WORK/ref.csv"
ref=$(store_sums "$WORK/ref")
total=$(find "$WORK/ref" -name '*.h5' | wc -l)
count() { find "$1" -name '*.h5' 2>/dev/null | wc -l; }
kill_all() { pkill -9 -f -- "--store $1"; for _ in $(seq 50); do pgrep -f -- "--store $1" >/dev/null || return 0; sleep 0.1; done; }

# 14 kills during the backfill, each once a growing share of files exists.
mid=0
for round in $(seq 14); do
  mpirun -np 2 "$PC" backfill "${args[@]}" --store "$WORK/t" >/dev/null 2>&1 &
  pid=$!
  target=$(( (total - 8) * round / 15 ))
  for _ in $(seq 3000); do
    [[ $(files_written "$WORK/t") -ge $target ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.005
  done
  kill_all "$WORK/t"; wait "$pid" 2>/dev/null
  [[ $(count "$WORK/t") -lt $((total - 6)) ]] && mid=$((mid + 1))
done
check "backfill kills landed mid-run ($mid of 14)" test "$mid" -ge 10
expect_status "backfill completes after 14 kills" 0 mpirun -np 2 "$PC" backfill "${args[@]}" --store "$WORK/t"

# 6 kills during daily runs (at 10..60 ms), each followed by a rerun.
for i in "${!days[@]}"; do
  mpirun -np 2 "$PC" daily "${args[@]}" --forecast_date "${days[$i]}" --store "$WORK/t" >/dev/null 2>&1 &
  pid=$!
  sleep "0.0$(( i + 1 ))"
  kill_all "$WORK/t"; wait "$pid" 2>/dev/null
  mpirun -np 2 "$PC" daily "${args[@]}" --forecast_date "${days[$i]}" --store "$WORK/t" >/dev/null 2>&1
done
"$PC" export "${args[@]}" --end 2020-04-30 --store "$WORK/t" --output "$WORK/t.csv"
check "after 20 kills: export identical to the uninterrupted run" cmp -s "$WORK/ref.csv" "$WORK/t.csv"
if [[ "$ref" == "$(store_sums "$WORK/t")" ]]; then
  ok "after 20 kills: every store file byte-identical"
else
  notok "after 20 kills: every store file byte-identical"
  diff <(echo "$ref") <(store_sums "$WORK/t") | sed 's/^/# /'
  for f in $(diff <(echo "$ref") <(store_sums "$WORK/t") | awk '/^>/ {print $3}'); do
    h5dump -H -A "$WORK/t/$f" > "$WORK/a.txt" 2>&1; h5dump -H -A "$WORK/ref/$f" > "$WORK/b.txt" 2>&1
    diff "$WORK/b.txt" "$WORK/a.txt" | head -20 | sed 's/^/# /'
  done
fi
expect_status "after 20 kills: verify finds nothing damaged" 0 "$PC" verify "${args[@]}" --store "$WORK/t"

# One rank killed in a 3-rank run: the job ends (bounded), the store stays
# intact, a rerun completes.
timeout 120 mpirun -np 3 "$PC" backfill "${args[@]}" --store "$WORK/r3" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 3000); do [[ $(count "$WORK/r3") -ge $((total / 3)) ]] && break; sleep 0.005; done
victim=$(pgrep -f -- "^$PC backfill .*--store $WORK/r3" | tail -1)
kill -9 "$victim"
wait "$pid"; rc=$?
check "killing one of 3 ranks ends the job (exit $rc, not a hang)" test "$rc" -ne 0 -a "$rc" -ne 124
check "no rank is left running" bash -c "! pgrep -f -- '^(mpirun|$PC) .*--store $WORK/r3' >/dev/null"
expect_status "the store is intact after a rank died" 0 "$PC" verify "${args[@]}" --store "$WORK/r3"
expect_status "a rerun completes" 0 mpirun -np 3 "$PC" backfill "${args[@]}" --store "$WORK/r3"
cmp_upto() { cmp -s <("$PC" export "${args[@]}" --store "$1" --end 2020-03-31) \
                    <("$PC" export "${args[@]}" --store "$WORK/ref" --end 2020-03-31); }
check "and matches the uninterrupted run" cmp_upto "$WORK/r3"

# A full disk: the store on a small tmpfs.  The run fails cleanly (exit 1,
# a message naming the file), committed files stay intact, and a run with
# space completes.  Without the privilege to mount, a file size limit
# (RLIMIT_FSIZE, SIGXFSZ ignored) makes the same writes fail.
mkdir -p "$WORK/full"
if mount -t tmpfs -o size=6m tmpfs "$WORK/full" 2>/dev/null; then
  limit=() ; mounted=1
else
  limit=(bash -c 'trap "" XFSZ; ulimit -f 2048; exec "$@"' limit) ; mounted=0
fi
"${limit[@]}" "$PC" backfill "${args[@]}" --store "$WORK/full/s" --start 2020-01-01 --end 2020-01-31 >/dev/null 2>&1
before=$(store_sums "$WORK/full/s")
expect_status "disk full: clean failure" 1 "${limit[@]}" "$PC" backfill "${args[@]}" --store "$WORK/full/s" --start 2020-01-01 --end 2020-06-30
expect_err "disk full: the message names the problem" "write failed (disk full)"
check "disk full: committed files unchanged" bash -c "store_sums() { (cd \"\$1\" && find . -name '*.h5' | sort | xargs md5sum); }; diff <(echo '$before') <(store_sums '$WORK/full/s' | grep -F -f <(echo '$before' | awk '{print \$2}'))"
check "disk full: no partial files left" test -z "$(find "$WORK/full/s" -name '*.partial')"
expect_status "disk full: what is stored verifies intact" 0 "$PC" verify "${args[@]}" --store "$WORK/full/s"
if [[ $mounted -eq 1 ]]; then
  mount -o remount,size=64m "$WORK/full"
  limit=()
fi
expect_status "with space again, the run completes" 0 "$PC" backfill "${args[@]}" --store "$WORK/full/s" --start 2020-01-01 --end 2020-03-31
check "and equals the uninterrupted run" cmp -s \
  <("$PC" export "${args[@]}" --store "$WORK/full/s" --start 2020-01-01 --end 2020-03-31) \
  <("$PC" export "${args[@]}" --store "$WORK/ref" --start 2020-01-01 --end 2020-03-31)
[[ $mounted -eq 1 ]] && umount "$WORK/full"
finish
