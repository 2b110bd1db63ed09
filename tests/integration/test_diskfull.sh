#!/usr/bin/env bash
# A disk that fills during any command, at every level of remaining free
# space: train, forecast, daily, evaluate and report each run on a small
# tmpfs left with 0 bytes .. a few hundred KB free.  Every run must end with
# exit 0 (it fitted) or exit 1 and a message -- never a signal, never a
# crash at exit; no *.partial file is left; what was committed before is
# intact; and the same command rerun with space gives exactly the store of a
# run that never saw a full disk.  Needs root to mount the tmpfs (CI is).
source "$(dirname "$0")/../lib/lib.sh"
small_job "$WORK/job"
sed -i "s|^end = .*|end = 2020-03-31|" "$WORK/job"
T="$WORK/full"
mkdir -p "$T"
if ! mount -t tmpfs -o size=12m tmpfs "$T" 2>/dev/null; then
  notok "a tmpfs could not be mounted (this test needs root)"
  finish; exit
fi
trap 'umount "$T" 2>/dev/null; rm -rf "$WORK"' EXIT

# Leaves exactly `free` bytes available on the tmpfs.
fill_to() {
  rm -f "$T/filler"
  local avail; avail=$(( $(stat -f -c '%a * %S' "$T") ))
  if (( avail > $1 )); then fallocate -l $((avail - $1)) "$T/filler"; fi
}

# The command line of each step, run with the store (and logs, and the
# report) in folder $1.
cmd_of() {
  local d=$1
  case $2 in
    train)    echo "$PC" train --job "$WORK/job" --store "$d/s" --log_dir "$d/logs" ;;
    forecast) echo mpirun -np 2 "$PC" forecast --job "$WORK/job" --store "$d/s" --log_dir "$d/logs" ;;
    daily)    echo "$PC" daily --job "$WORK/job" --store "$d/s" --log_dir "$d/logs" --forecast_date 2020-04-01 ;;
    evaluate) echo "$PC" evaluate --job "$WORK/job" --store "$d/s" --log_dir "$d/logs" --format csv ;;
    report)   echo "$PC" report --job "$WORK/job" --store "$d/s" --log_dir "$d/logs" --output "$d/report" ;;
  esac
}

# Every file listed in the checksums $1 (from store_sums) is unchanged.
intact() {
  [[ -z $1 ]] && return 0
  diff -q <(echo "$1") <(cd "$T/s" && echo "$1" | awk '{print $2}' | xargs md5sum) >/dev/null
}

# The state each step starts from, built once with space: the store the
# previous steps left.
steps=(train forecast daily evaluate report)
mkdir -p "$WORK/ref"
for step in "${steps[@]}"; do
  cp -r "$WORK/ref" "$WORK/before-$step"
  $(cmd_of "$WORK/ref" "$step") >/dev/null 2>&1 || notok "reference $step failed"
  store_sums "$WORK/ref/s" > "$WORK/after-$step.sums"
done

levels=(0 4096 65536 300000)
for step in "${steps[@]}"; do
  for free in "${levels[@]}"; do
    rm -rf "${T:?}/s" "$T/logs" "$T/report"
    cp -r "$WORK/before-$step/." "$T/"
    before=$(store_sums "$T/s" 2>/dev/null)
    fill_to "$free"
    $(cmd_of "$T" "$step") >"$WORK/out" 2>"$WORK/err"
    rc=$?
    name="$step with $free bytes free"
    if [[ $rc -ne 0 && $rc -ne 1 ]]; then
      notok "$name: exit $rc (0 or 1 expected, never a signal)"; sed 's/^/# /' "$WORK/err" | tail -5
    elif [[ $rc -eq 1 ]] && ! grep -qE 'disk full|No space left' "$WORK/err"; then
      notok "$name: exit 1 without saying the disk is full"; sed 's/^/# /' "$WORK/err" | tail -5
    else
      ok "$name: exit $rc"
    fi
    check "$name: no partial file left" test -z "$(find "$T" -name '*.partial')"
    check "$name: committed files intact" intact "$before"
    rm -f "$T/filler"
    $(cmd_of "$T" "$step") >/dev/null 2>&1
    check "$name: rerun with space completes identically" diff -q <(store_sums "$T/s") "$WORK/after-$step.sums"
  done
done
finish
