#!/usr/bin/env bash
# The SIMD width changes speed, never a stored byte: a small backfill of
# every model type (naive, random_walk, ARIMA with Gaussian and bootstrapped
# innovations, XGBoost) gives the same store under every width this CPU runs
# (PATHCAST_SIMD=scalar|sse2|avx2|avx512), and a bad PATHCAST_SIMD is refused
# with exit 2 before anything is written.
source "$(dirname "$0")/../lib/lib.sh"
# The small job of lib.sh with every model type and a shorter range.
small_job "$WORK/base"
grep -vE '^(models|train_frequency|start|end) =' "$WORK/base" >"$WORK/job"
cat >>"$WORK/job" <<JOB
models = naive,random_walk,arima_111:arima,boot:arima,xgboost
arima_111.order = 1,1,1
boot.order = 1,1,1
boot.innovations = bootstrap
train_frequency = monthly
start = 2020-01-01
end = 2020-02-29
JOB

widths=()
for w in scalar sse2 avx2 avx512; do
  if PATHCAST_SIMD=$w "$PC" --version >/dev/null 2>&1; then widths+=("$w"); fi
done
check "this CPU runs the scalar and SSE2 widths at least" test "${#widths[@]}" -ge 2
echo "# widths on this CPU: ${widths[*]}"

for w in "${widths[@]}"; do
  expect_status "backfill with PATHCAST_SIMD=$w" 0 env PATHCAST_SIMD="$w" timeout 600 \
    mpirun -np 1 -x PATHCAST_SIMD "$PC" backfill --job "$WORK/job" --store "$WORK/s-$w" \
    --summary-json "$WORK/sum-$w.json"
  "$PC" export --job "$WORK/job" --store "$WORK/s-$w" --output "$WORK/e-$w.csv" 2>/dev/null
done
check "every model forecast every date (scalar)" \
  grep -q '"forecasts_generated":[1-9][0-9]*,"forecasts_skipped":0,"forecasts_failed":0' "$WORK/sum-scalar.json"
check "the export has every model" \
  test "$(cut -d, -f6 "$WORK/e-scalar.csv" | tail -n +2 | sort -u | paste -sd,)" = "arima_111,boot,naive,random_walk,xgboost"
for w in "${widths[@]:1}"; do
  check "$w: the same export as scalar" cmp -s "$WORK/e-scalar.csv" "$WORK/e-$w.csv"
  check "$w: the same store bytes as scalar" test "$(store_sums "$WORK/s-scalar")" = "$(store_sums "$WORK/s-$w")"
done

expect_status "PATHCAST_SIMD=fast is refused" 2 env PATHCAST_SIMD=fast "$PC" backfill \
  --job "$WORK/job" --store "$WORK/bad"
expect_err "the message names the variable and the valid widths" \
  "PATHCAST_SIMD=fast: unknown SIMD width (valid: auto, scalar, sse2, avx2, avx512"
check "nothing written for a bad PATHCAST_SIMD" test ! -e "$WORK/bad"
if [[ " ${widths[*]} " != *" avx512 "* ]]; then
  expect_status "PATHCAST_SIMD=avx512 without AVX-512 is refused" 2 env PATHCAST_SIMD=avx512 \
    "$PC" backfill --job "$WORK/job" --store "$WORK/bad"
  expect_err "the message says the CPU cannot run it" "PATHCAST_SIMD=avx512: this CPU cannot run avx512"
fi
check "the manifest's settings record the numerics version" \
  bash -c "strings '$WORK/s-scalar/pathcast.h5' | grep -q 'numerics=2'"

# No width may fuse a multiply-add (the others would round differently).
obj=${PATHCAST_BUILD:-build}/obj/core/paths.o
if [[ -f $obj ]] && command -v objdump >/dev/null; then
  check "no fused multiply-add in the path kernels" \
    test "$(objdump -d "$obj" | grep -cE 'vf(n)?m(add|sub)')" -eq 0
fi
finish
