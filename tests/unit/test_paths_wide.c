/* The 8-lane instance of the path kernels (AVX-512's: 8 lanes, 4 paths side
 * by side) on any CPU with AVX2: this file compiles src/core/paths.c itself with
 * PK_WIDE_ON_AVX2, which swaps only the AVX-512 instructions for portable
 * ones (products, table lookups), so the lane and path bookkeeping that the
 * AVX-512 kernels run -- draw positions, spare draws, hand-over to the
 * scalar code -- is checked against the scalar reference here even where
 * no AVX-512 CPU runs the tests.  On an AVX-512 CPU, test_paths checks the
 * real instructions too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#define PK_WIDE_ON_AVX2 1
#include "../../src/core/paths.c"

static pc_rng_key wide_key(void) {
  return pc_rng_key_forecast(7, "sugar", "wide", "1", 20001);
}

/* Normals: every length from 1 to 40, path counts around multiples of 4,
 * and long rows whose paths run past their precomputed draws. */
static void test_wide_normals(void **state) {
  (void)state;
  static const int counts[] = {1, 3, 4, 5, 9, 21};
  for (int n = 1; n <= 120; n += n < 40 ? 1 : 40) {
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
      int np = counts[c];
      size_t ld = (size_t)n + 1, cells = (size_t)np * ld;
      double *want = calloc(cells, sizeof *want), *got = calloc(cells, sizeof *got);
      pk_scratch w;
      pk_stream st = {wide_key(), PC_RNG_INNOVATIONS};
      assert_non_null(want);
      assert_non_null(got);
      assert_int_equal(pc_paths_normals(PC_SIMD_SCALAR, st.key, st.purpose, 3,
                                        np, n, want, ld), PC_OK);
      assert_int_equal(scratch_alloc(&w, &kernels_avx512, draws_for(&kernels_avx512, n)), PC_OK);
      kernels_avx512.normals(&st, 3, np, n, got, ld, &w);
      scratch_free(&w);
      if (memcmp(got, want, cells * sizeof *got) != 0) {
        fail_msg("8 lanes differ from scalar: n = %d, paths = %d", n, np);
      }
      free(want);
      free(got);
    }
  }
}

/* Resampling indices, including a range that rejects half the words. */
static void test_wide_below(void **state) {
  (void)state;
  static const uint32_t ranges[] = {2, 977, 0x80000001u};
  for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
    for (int n = 1; n <= 61; n += 12) {
      int np = 11;
      size_t cells = (size_t)np * (size_t)n;
      uint32_t *want = calloc(cells, sizeof *want), *got = calloc(cells, sizeof *got);
      pk_scratch w;
      pk_stream st = {wide_key(), PC_RNG_RESAMPLE};
      assert_non_null(want);
      assert_non_null(got);
      assert_int_equal(pc_paths_below(PC_SIMD_SCALAR, st.key, st.purpose, 0, np,
                                      n, ranges[r], want, (size_t)n), PC_OK);
      assert_int_equal(scratch_alloc(&w, &kernels_avx512,
                                     draws_for(&kernels_avx512, (n + 1) / 2)), PC_OK);
      kernels_avx512.below(&st, 0, np, n, ranges[r], got, (size_t)n, &w);
      scratch_free(&w);
      assert_memory_equal(got, want, cells * sizeof *got);
      free(want);
      free(got);
    }
  }
}

/* exp, log and float32 over lengths that leave every remainder of 8. */
static void test_wide_exp_and_float(void **state) {
  (void)state;
  double x[83], y[83];
  float f[83], g[83];
  for (int i = 0; i < 83; i++) {
    x[i] = -12.0 + 0.3 * i;
  }
  x[40] = 700.0; /* a lane for the scalar special case */
  for (size_t n = 0; n <= 83; n++) {
    memcpy(y, x, sizeof y);
    kernels_avx512.exp_block(y, n);
    for (size_t i = 0; i < n; i++) {
      assert_true(y[i] == pc_exp(x[i]));
    }
    memcpy(y, x, sizeof y);
    for (size_t i = 0; i < 83; i++) {
      y[i] = pc_exp(y[i] / 4.0); /* positive: prices and ratios */
    }
    y[41] = 0x1p-1060; /* subnormal: the scalar definition's lane */
    double want[83];
    for (size_t i = 0; i < n; i++) {
      want[i] = pc_ln(y[i]);
    }
    kernels_avx512.ln_block(y, n);
    assert_memory_equal(y, want, n * sizeof *y);
    int ok = kernels_avx512.to_float(x, n, f);
    assert_int_equal(ok, pk_to_float_scalar(x, n, g));
    assert_memory_equal(f, g, n * sizeof *f);
  }
}

/* The instance is compiled for AVX2: skipped (and said) without it. */
static int need_avx2(void **state) {
  (void)state;
  if (!pc_simd_available(PC_SIMD_AVX2)) {
    skip();
  }
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_wide_normals, need_avx2),
      cmocka_unit_test_setup(test_wide_below, need_avx2),
      cmocka_unit_test_setup(test_wide_exp_and_float, need_avx2),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
