#!/usr/bin/env bash
# Runs the test suite: the layering rule (tools/check_layers.sh), every
# cmocka unit program, then every integration
# script (real mpirun, real HDF5 files), then the Slurm suite (a private
# single-node cluster, tests/slurm/run.sh).  Prints "N passed, N failed" last
# and exits non-zero when anything failed.
#   tests/run.sh [all|unit|integration|slurm]
#   tests/run.sh one NAME    one unit program (build/tests/NAME), integration
#                            script (tests/integration/NAME[.sh]; NAME.sh when
#                            a unit program has the same name) or Slurm
#                            case (tests/slurm/NAME[.sh]); PC_TEST_CASE picks
#                            cmocka cases of a unit program
set -u
cd "$(dirname "$0")/.."
source tests/lib/env.sh
what=${1:-all}
build=${PATHCAST_BUILD:-build}
export PATHCAST_BIN=${PATHCAST_BIN:-$PWD/bin/pathcast}
pass=0
fail=0
failed=()

run_unit() {
  local t=$1 out rc n
  out=$(timeout 600 "$t" 2>&1); rc=$?
  n=$(grep -oE '^\[==========\] [0-9]+ test' <<<"$out" | head -1 | grep -oE '[0-9]+')
  n=${n:-0}
  if [[ $rc -eq 0 && $n -gt 0 ]]; then
    pass=$((pass + n)); echo "ok   $(basename "$t") ($n tests)"
  else
    fail=$((fail + (rc > 0 ? rc : 1))); pass=$((pass + (n > rc ? n - rc : 0)))
    failed+=("$(basename "$t")"); echo "FAIL $(basename "$t") (exit $rc)"
    echo "$out" | grep -E 'FAILED|ERROR|error|Assert|ASan|runtime error' | head -20
  fi
}

run_integration() {
  local t=$1 out rc p f start=$SECONDS
  out=$(timeout 1200 bash "$t" "${@:2}" 2>&1); rc=$?
  p=$(grep -c '^ok ' <<<"$out"); f=$(grep -c '^not ok ' <<<"$out")
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  pass=$((pass + p)); fail=$((fail + f))
  if [[ $f -eq 0 ]]; then
    echo "ok   $(basename "$t") ($p checks, $((SECONDS - start)) s)"
  else
    failed+=("$(basename "$t")"); echo "FAIL $(basename "$t") (exit $rc)"
    grep -E '^not ok |^# ' <<<"$out" | head -40
  fi
}

if [[ $what == one ]]; then
  name=${2:?tests/run.sh one NAME}
  # NAME.sh names a script where a unit program has the same name.
  script=0; [[ $name == *.sh ]] && script=1
  name=${name%.sh}
  if [[ $script == 0 && -x $build/tests/$name ]]; then run_unit "$build/tests/$name"
  elif [[ -f tests/integration/$name.sh ]]; then run_integration "tests/integration/$name.sh"
  elif [[ -f tests/slurm/$name.sh ]]; then run_integration tests/slurm/run.sh "${name#test_}"
  else echo "no test named $name"; exit 2; fi
fi
# The dependency rule of docs/DESIGN.md: one check, whose lines say what
# broke it.
run_layers() {
  local out
  if out=$(tools/check_layers.sh 2>&1); then
    pass=$((pass + 1)); echo "ok   check_layers (1 check: $out)"
  else
    fail=$((fail + 1)); failed+=(check_layers); echo "FAIL check_layers"
    echo "$out" | head -40
  fi
}

if [[ $what == all || $what == unit ]]; then
  run_layers
  for t in "$build"/tests/test_*; do
    [[ -x $t && $t != *.d ]] && run_unit "$t" # (programs only)
  done
fi
if [[ $what == all || $what == integration ]]; then
  for t in tests/integration/test_*.sh; do run_integration "$t"; done
fi
if [[ $what == all || $what == slurm ]]; then
  run_integration tests/slurm/run.sh
fi
[[ ${#failed[@]} -gt 0 ]] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
