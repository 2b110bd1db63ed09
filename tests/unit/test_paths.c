/* Unit tests for pathcast/core/paths.h: every SIMD width the CPU has gives the
 * bytes of the scalar reference (normals, resampling indices, exp), the
 * kernels match known answers from an independent Python implementation
 * (tools/paths_reference.py: Philox + ziggurat, and exp correctly rounded),
 * float32 conversion agrees at every width,
 * pc_exp is within 1 ulp of libm and of the exact value, pc_ln is its
 * definition (recomputed in Python) and every width's log its bytes, and the width is
 * chosen and refused as documented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/paths.h"

#define DATA "tests/unit/data/"

static pc_rng_key test_key(void) {
  return pc_rng_key_forecast(42, "brent", "gbm", "1.0", 19782);
}

static uint64_t bits_of(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

/* Distance in units in the last place between two finite doubles of the
 * same sign (0 when equal). */
static uint64_t ulps(double a, double b) {
  uint64_t x = bits_of(a), y = bits_of(b);
  return x > y ? x - y : y - x;
}

/* ---- exp -------------------------------------------------------------- */

/* Correctly rounded values from Python's decimal module: pc_exp is never
 * more than 1 ulp away and almost always exact (the algorithm's bound is
 * 0.511 ulp, so only values within 0.011 ulp of a midpoint may round the
 * other way). */
static void test_exp_reference(void **state) {
  (void)state;
  FILE *in = fopen(DATA "exp_reference.txt", "r");
  assert_non_null(in);
  char line[256];
  long n = 0, exact = 0;
  while (fgets(line, sizeof line, in) != NULL) {
    if (line[0] == '#') {
      continue;
    }
    char *end = NULL;
    double x = strtod(line, &end), want = strtod(end, NULL);
    double got = pc_exp(x);
    if (isinf(want) || want == 0.0) {
      assert_true(got == want);
    } else if (ulps(got, want) > 1) {
      fail_msg("exp(%a) = %a, want %a", x, got, want);
    }
    exact += got == want;
    n++;
  }
  fclose(in);
  assert_true(n > 4000);
  if (exact < n - n / 200) { /* 8 of 4,024 are 1 ulp off today */
    fail_msg("only %ld of %ld values correctly rounded", exact, n);
  }
}

/* Against glibc over many random arguments: at most 1 ulp apart. */
static void test_exp_against_libm(void **state) {
  (void)state;
  pc_rng r;
  pc_rng_init(&r, test_key(), 1, PC_RNG_FIT);
  long differ = 0;
  for (int i = 0; i < 2000000; i++) {
    double u = pc_rng_uniform(&r);
    double x = i % 2 ? -745.2 + u * (709.8 + 745.2) : -20.0 + 40.0 * u;
    double got = pc_exp(x), want = exp(x);
    if (ulps(got, want) > 1) {
      fail_msg("exp(%a) = %a, libm %a", x, got, want);
    }
    differ += got != want;
  }
  assert_true(differ < 2000); /* well under 0.1% */
}

/* pathcast's log against glibc over many arguments, from tiny to huge:
 * within 2 ulp; log(1) is exactly 0. */
static void test_ln_against_libm(void **state) {
  (void)state;
  pc_rng r;
  pc_rng_init(&r, test_key(), 2, PC_RNG_FIT);
  for (int i = 0; i < 2000000; i++) {
    double u = pc_rng_uniform(&r);
    double x = i % 2 ? u : exp(-700.0 + 1400.0 * u);
    double got = pc_ln(x), want = log(x);
    if (ulps(got, want) > 2) {
      fail_msg("ln(%a) = %a, libm %a", x, got, want);
    }
  }
  assert_true(pc_ln(1.0) == 0.0);
  assert_true(ulps(pc_ln(2.0), log(2.0)) <= 1);
  assert_true(ulps(pc_ln(0x1p-1022), log(0x1p-1022)) <= 1);
}

/* pc_ln is its definition bit for bit: tools/paths_reference.py computes
 * the definition's operations in Python (IEEE doubles, each operation
 * rounded once) over closes, ratios of closes, the whole exponent range,
 * subnormals and the sqrt(1/2) boundary. */
static void test_ln_reference(void **state) {
  (void)state;
  FILE *in = fopen(DATA "ln_reference.txt", "r");
  assert_non_null(in);
  char line[256];
  long n = 0;
  while (fgets(line, sizeof line, in) != NULL) {
    if (line[0] == '#') {
      continue;
    }
    char *end = NULL;
    double x = strtod(line, &end), want = strtod(end, NULL);
    double got = pc_ln(x);
    if (bits_of(got) != bits_of(want)) {
      fail_msg("ln(%a) = %a, its definition gives %a", x, got, want);
    }
    n++;
  }
  fclose(in);
  assert_true(n > 4000);
}

static void test_exp_special_values(void **state) {
  (void)state;
  assert_true(pc_exp(0.0) == 1.0);
  assert_true(pc_exp(-0.0) == 1.0);
  assert_true(pc_exp(INFINITY) == INFINITY);
  assert_true(pc_exp(-INFINITY) == 0.0);
  assert_true(isnan(pc_exp(NAN)));
  assert_true(pc_exp(709.78) < INFINITY);
  assert_true(pc_exp(709.79) == INFINITY);
  assert_true(pc_exp(2000.0) == INFINITY);
  assert_true(pc_exp(-746.0) == 0.0);
  assert_true(pc_exp(-2000.0) == 0.0);
  /* The smallest subnormal, and a subnormal rounded once, as libm does. */
  assert_true(pc_exp(-745.1) == 0x1p-1074);
  assert_true(pc_exp(-720.0) == exp(-720.0));
  assert_true(pc_exp(1e-300) == 1.0);
}

/* ---- every width gives the scalar bytes --------------------------------- */

/* fn (pc_paths_exp or pc_paths_ln) at every width the CPU has, over the
 * first n of x for many n: the first n values become want's, the rest stay
 * untouched.  got is scratch of the same length (len). */
static void every_width(void (*fn)(pc_simd, double *, size_t),
                        const double *x, const double *want, double *got,
                        int len) {
  for (int s = 0; s < PC_SIMD_COUNT; s++) {
    if (!pc_simd_available((pc_simd)s)) {
      continue;
    }
    for (int n = 0; n <= len; n += n < 20 ? 1 : 331) {
      memcpy(got, x, (size_t)len * sizeof *got);
      fn((pc_simd)s, got, (size_t)n);
      assert_memory_equal(got, want, (size_t)n * sizeof(double));
      assert_memory_equal(got + n, x + n, (size_t)(len - n) * sizeof(double));
    }
  }
}

static void test_exp_every_width(void **state) {
  (void)state;
  enum { N = 1003 };
  double x[N], want[N], got[N];
  pc_rng r;
  pc_rng_init(&r, test_key(), 2, PC_RNG_FIT);
  for (int i = 0; i < N; i++) {
    x[i] = -30.0 + 60.0 * pc_rng_uniform(&r);
  }
  /* Lanes that need the scalar special cases, among ordinary ones. */
  static const double special[] = {0.0, INFINITY, -INFINITY, 800.0, -740.0,
                                   1e-20, 600.0, -600.0};
  for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
    x[37 * i + 5] = special[i];
  }
  x[N - 1] = NAN;
  for (int i = 0; i < N; i++) {
    want[i] = pc_exp(x[i]);
  }
  every_width(pc_paths_exp, x, want, got, N);
}

static void test_ln_every_width(void **state) {
  (void)state;
  enum { N = 1003 };
  double x[N], want[N], got[N];
  pc_rng r;
  pc_rng_init(&r, test_key(), 3, PC_RNG_FIT);
  for (int i = 0; i < N; i++) {
    x[i] = i % 2 ? 1.0 + 0.1 * (pc_rng_uniform(&r) - 0.5)
                 : 1e4 * pc_rng_uniform(&r);
  }
  /* Lanes that need the scalar definition, among ordinary ones. */
  static const double special[] = {0.0, -0.0, -1.0, INFINITY, 0x1p-1070,
                                   0x1.8p-1030, DBL_MAX, 0x1p-1022};
  for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
    x[37 * i + 5] = special[i];
  }
  x[N - 1] = NAN;
  for (int i = 0; i < N; i++) {
    want[i] = pc_ln(x[i]);
  }
  every_width(pc_paths_ln, x, want, got, N);
}

/* float32 conversion: the bytes of the scalar cast at every width, and the
 * verdict "every value is a finite positive float" wherever the one value
 * that is not (negative, zero, too small or too large for a float, NaN,
 * infinite) sits. */
static void test_to_float_every_width(void **state) {
  (void)state;
  enum { N = 37 };
  static const double bad[] = {-1.0, 0.0, 1e-50, 1e39, NAN, INFINITY};
  double x[N];
  float want[N], got[N];
  for (int i = 0; i < N; i++) {
    x[i] = 100.0 * (1.0 + i / 7.0) + 1e-9 * i;
  }
  x[3] = 1e-40; /* a subnormal float: positive, so a valid price */
  assert_int_equal(pc_paths_to_float(PC_SIMD_SCALAR, x, N, want), 1);
  for (int s = 0; s < PC_SIMD_COUNT; s++) {
    if (!pc_simd_available((pc_simd)s)) {
      continue;
    }
    assert_int_equal(pc_paths_to_float((pc_simd)s, x, N, got), 1);
    assert_memory_equal(got, want, sizeof got);
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
      for (int at = 0; at < N; at += 5) {
        double y[N];
        memcpy(y, x, sizeof y);
        y[at] = bad[b];
        assert_int_equal(pc_paths_to_float((pc_simd)s, y, N, got), 0);
      }
    }
  }
}

/* Normals of npaths paths from path `first`, n each, rows ld apart. */
static double *normals(pc_simd s, uint32_t first, int npaths, int n,
                       size_t ld) {
  double *z = calloc((size_t)npaths * ld + 1, sizeof *z);
  assert_non_null(z);
  assert_int_equal(pc_paths_normals(s, test_key(), PC_RNG_INNOVATIONS, first,
                                    npaths, n, z, ld),
                   PC_OK);
  return z;
}

/* Every width against the scalar reference, for lengths around the lane and
 * block sizes, odd path counts, an offset first path and rows wider than n;
 * n = 1000 gives each path about 12 slow draws, some past the precomputed
 * draws. */
static void test_normals_every_width(void **state) {
  (void)state;
  static const int lengths[] = {1, 2, 3, 7, 14, 15, 16, 17, 64, 1000};
  static const int counts[] = {1, 3, 8, 33};
  for (size_t a = 0; a < sizeof lengths / sizeof lengths[0]; a++) {
    for (size_t b = 0; b < sizeof counts / sizeof counts[0]; b++) {
      int n = lengths[a], np = counts[b];
      size_t ld = (size_t)n + 3;
      double *want = normals(PC_SIMD_SCALAR, 5, np, n, ld);
      for (int s = 1; s < PC_SIMD_COUNT; s++) {
        if (!pc_simd_available((pc_simd)s)) {
          continue;
        }
        double *got = normals((pc_simd)s, 5, np, n, ld);
        if (memcmp(got, want, (size_t)np * ld * sizeof *got) != 0) {
          fail_msg("%s differs from scalar: n = %d, paths = %d",
                   pc_simd_name((pc_simd)s), n, np);
        }
        free(got);
      }
      free(want);
    }
  }
}

/* The reference file: paths whose 40 normals include tail draws, wedge
 * accepts and wedge rejections, each line from the independent Python
 * implementation; every width must reproduce them exactly. */
static void test_normals_reference(void **state) {
  (void)state;
  FILE *in = fopen(DATA "normals_reference.txt", "r");
  assert_non_null(in);
  static char line[8192];
  int lines = 0;
  while (fgets(line, sizeof line, in) != NULL) {
    if (line[0] == '#') {
      continue;
    }
    unsigned k0, k1, purpose, path;
    int n, used = 0;
    assert_int_equal(sscanf(line, "%x %x %u %u %d%n", &k0, &k1, &purpose,
                            &path, &n, &used), 5);
    assert_in_range(n, 1, 64);
    double want[64], got[64];
    char *p = line + used;
    for (int i = 0; i < n; i++) {
      want[i] = strtod(p, &p);
    }
    pc_rng_key key = {{k0, k1}};
    for (int s = 0; s < PC_SIMD_COUNT; s++) {
      if (pc_simd_available((pc_simd)s)) {
        assert_int_equal(pc_paths_normals((pc_simd)s, key, purpose, path, 1,
                                          n, got, (size_t)n), PC_OK);
        assert_memory_equal(got, want, (size_t)n * sizeof(double));
      }
    }
    lines++;
  }
  fclose(in);
  assert_true(lines >= 8);
}

static uint32_t *indices(pc_simd s, int npaths, int n, uint32_t range) {
  uint32_t *k = calloc((size_t)npaths * (size_t)n + 1, sizeof *k);
  assert_non_null(k);
  assert_int_equal(pc_paths_below(s, test_key(), PC_RNG_RESAMPLE, 11, npaths,
                                  n, range, k, (size_t)n),
                   PC_OK);
  return k;
}

/* pc_rng_below's values at every width, including ranges where half the
 * words are rejected (2^31 + 1) and the range 1 that reads no word. */
static void test_below_every_width(void **state) {
  (void)state;
  static const uint32_t ranges[] = {1, 2, 3, 250, 1000, 0x80000001u,
                                    0xffffffffu};
  static const int lengths[] = {1, 14, 101};
  for (size_t a = 0; a < sizeof ranges / sizeof ranges[0]; a++) {
    for (size_t b = 0; b < sizeof lengths / sizeof lengths[0]; b++) {
      int n = lengths[b], np = 19;
      uint32_t *want = indices(PC_SIMD_SCALAR, np, n, ranges[a]);
      for (int s = 1; s < PC_SIMD_COUNT; s++) {
        if (pc_simd_available((pc_simd)s)) {
          uint32_t *got = indices((pc_simd)s, np, n, ranges[a]);
          assert_memory_equal(got, want, (size_t)np * (size_t)n * sizeof *got);
          free(got);
        }
      }
      free(want);
    }
  }
}

/* ---- streams handed over mid-way ------------------------------------------ */

/* A stream started at word w, with or without the words ahead, reads what
 * the stream read from its start reads from word w on. */
static void test_rng_init_at(void **state) {
  (void)state;
  uint32_t seq[64];
  pc_rng r;
  pc_rng_init(&r, test_key(), 3, PC_RNG_RESAMPLE);
  for (int i = 0; i < 64; i++) {
    seq[i] = pc_rng_u32(&r);
  }
  assert_int_equal(pc_rng_tell(&r), 64);
  for (int w = 0; w < 40; w++) {
    pc_rng a, b;
    pc_rng_init_at(&a, test_key(), 3, PC_RNG_RESAMPLE, (uint64_t)w, NULL, 0);
    int ahead = (4 - w % 4) % 4 + 4; /* to the end of the next block */
    pc_rng_init_at(&b, test_key(), 3, PC_RNG_RESAMPLE, (uint64_t)w, seq + w,
                   ahead);
    assert_int_equal(pc_rng_tell(&a), w);
    assert_int_equal(pc_rng_tell(&b), w);
    for (int i = w; i < 64; i++) {
      assert_int_equal(pc_rng_u32(&a), seq[i]);
      assert_int_equal(pc_rng_u32(&b), seq[i]);
    }
  }
}

/* ---- choosing the width ----------------------------------------------------- */

static void test_simd_names_and_env(void **state) {
  (void)state;
  pc_simd s;
  pc_error e;
  assert_true(pc_simd_available(PC_SIMD_SCALAR));
  assert_true(pc_simd_available(pc_simd_best()));
  assert_int_equal(pc_simd_parse("auto", &s, &e), PC_OK);
  assert_int_equal(s, pc_simd_best());
  assert_int_equal(pc_simd_parse("scalar", &s, &e), PC_OK);
  assert_int_equal(s, PC_SIMD_SCALAR);
  assert_int_equal(pc_simd_parse("avx3", &s, &e), PC_INPUT);
  assert_non_null(strstr(e.msg, "PATHCAST_SIMD=avx3: unknown SIMD width "
                                "(valid: auto, scalar, sse2, avx2, avx512;"));
  for (int w = 0; w < PC_SIMD_COUNT; w++) {
    pc_status st = pc_simd_parse(pc_simd_name((pc_simd)w), &s, &e);
    assert_int_equal(st, pc_simd_available((pc_simd)w) ? PC_OK : PC_INPUT);
    if (st != PC_OK) {
      assert_non_null(strstr(e.msg, "this CPU cannot run"));
    }
  }
  /* The environment decides, read on every call; a bad value is refused by
   * the start-up check and ignored (best width) by the kernels. */
  setenv(PC_SIMD_ENV, "scalar", 1);
  assert_int_equal(pc_simd_active(), PC_SIMD_SCALAR);
  assert_int_equal(pc_simd_check_env(&e), PC_OK);
  setenv(PC_SIMD_ENV, "fast", 1);
  assert_int_equal(pc_simd_active(), pc_simd_best());
  assert_int_equal(pc_simd_check_env(&e), PC_INPUT);
  unsetenv(PC_SIMD_ENV);
  assert_int_equal(pc_simd_active(), pc_simd_best());
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exp_reference),
      cmocka_unit_test(test_exp_against_libm),
      cmocka_unit_test(test_exp_special_values),
      cmocka_unit_test(test_ln_against_libm),
      cmocka_unit_test(test_ln_reference),
      cmocka_unit_test(test_exp_every_width),
      cmocka_unit_test(test_ln_every_width),
      cmocka_unit_test(test_to_float_every_width),
      cmocka_unit_test(test_normals_every_width),
      cmocka_unit_test(test_normals_reference),
      cmocka_unit_test(test_below_every_width),
      cmocka_unit_test(test_rng_init_at),
      cmocka_unit_test(test_simd_names_and_env),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
