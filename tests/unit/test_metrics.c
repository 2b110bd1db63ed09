/* Scores against known values: hand-computed small cases, the closed-form
 * CRPS of a normal distribution approached by a large sample, and edge
 * cases (constant samples, a single path). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_filter.h"

#include "pathcast/core/metrics.h"
#include "pathcast/core/rng.h"

static void assert_near(double got, double want, double tol) {
  if (!(fabs(got - want) <= tol)) {
    fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
  }
}

/* x = {1, 2, 4}, y = 3: mean|x - y| = (2 + 1 + 1)/3 = 4/3; the pair sum
 * |1-2| + |1-4| + |2-4| = 6 over ordered pairs 12, divided by 2 n^2 = 18:
 * 12/18 = 2/3.  CRPS = 4/3 - 2/3 = 2/3. */
static void test_crps_hand(void **state) {
  (void)state;
  double x[] = {4, 1, 2}, s[3];
  pc_sort_sample(x, 3, s);
  assert_near(pc_crps(s, 3, 3.0), 2.0 / 3.0, 1e-15);
  /* A single point: CRPS is the absolute error. */
  double one[] = {5};
  assert_near(pc_crps(one, 1, 2.0), 3.0, 0.0);
  /* A constant sample equal to the outcome scores 0. */
  double c[] = {7, 7, 7, 7};
  assert_near(pc_crps(c, 4, 7.0), 0.0, 0.0);
}

/* CRPS of N(mu, sigma^2) at y is sigma (z (2 Phi(z) - 1) + 2 phi(z) -
 * 1/sqrt(pi)), z = (y - mu)/sigma (Gneiting & Raftery 2007); a sample of
 * 200,000 normals comes within Monte Carlo error. */
static void test_crps_normal_closed_form(void **state) {
  (void)state;
  enum { N = 200000 };
  double *x = malloc(N * sizeof *x), *s = malloc(N * sizeof *s);
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(5, "m", "crps", "v", 0), 0, 0);
  for (size_t i = 0; i < N; i++) {
    x[i] = 10.0 + 2.0 * pc_rng_normal(&r);
  }
  pc_sort_sample(x, N, s);
  for (double y = 6.0; y <= 14.0; y += 2.0) {
    double z = (y - 10.0) / 2.0;
    double Phi = 0.5 * erfc(-z / sqrt(2.0));
    double phi = exp(-0.5 * z * z) / sqrt(2.0 * 3.14159265358979323846);
    double want = 2.0 * (z * (2.0 * Phi - 1.0) + 2.0 * phi - 1.0 / sqrt(3.14159265358979323846));
    assert_near(pc_crps(s, N, y), want, 0.01);
  }
  free(x);
  free(s);
}

static void test_quantiles(void **state) {
  (void)state;
  double s[] = {1, 2, 3, 4};
  assert_near(pc_quantile(s, 4, 0.0), 1.0, 0.0);
  assert_near(pc_quantile(s, 4, 1.0), 4.0, 0.0);
  assert_near(pc_quantile(s, 4, 0.5), 2.5, 0.0);   /* R: quantile(1:4, .5) */
  assert_near(pc_quantile(s, 4, 0.25), 1.75, 0.0); /* R: quantile(1:4, .25) */
  assert_near(pc_quantile_levels[4], 0.5, 0.0);
}

static void test_pinball(void **state) {
  (void)state;
  assert_near(pc_pinball(10.0, 12.0, 0.9), 0.9 * 2.0, 1e-15);
  assert_near(pc_pinball(10.0, 7.0, 0.9), 0.1 * 3.0, 1e-15);
  assert_near(pc_pinball(10.0, 10.0, 0.3), 0.0, 0.0);
}

static void test_pit(void **state) {
  (void)state;
  double s[] = {1, 2, 2, 3};
  assert_near(pc_pit(s, 4, 0.5), 0.0, 0.0);
  assert_near(pc_pit(s, 4, 2.0), (1.0 + 0.5 * 2.0) / 4.0, 0.0);
  assert_near(pc_pit(s, 4, 9.0), 1.0, 0.0);
  double c[] = {5, 5};
  assert_near(pc_pit(c, 2, 5.0), 0.5, 0.0);
}

/* Two paths of length 2: (0,0) and (3,4); y = (0,0).  To the outcome: 0 and
 * 5, mean 2.5.  Pairs (i, i+1 mod 2): both distances 5, mean 5, half 2.5.
 * ES = 0. */
static void test_energy_score_hand(void **state) {
  (void)state;
  float paths[] = {0, 0, 3, 4};
  double y[] = {0, 0};
  assert_near(pc_energy_score(paths, 2, 2, y), 0.0, 1e-12);
  double y2[] = {3, 4};
  assert_near(pc_energy_score(paths, 2, 2, y2), 0.0, 1e-12);
  double y3[] = {0, 8};
  /* distances to (0,8): 8 and 5 -> 6.5; minus 2.5 */
  assert_near(pc_energy_score(paths, 2, 2, y3), 4.0, 1e-12);
  assert_true(isnan(pc_energy_score(paths, 1, 2, y)));
}

/* In one dimension the energy score is the CRPS: for many paths the two
 * agree within Monte Carlo error. */
static void test_energy_score_is_crps_in_1d(void **state) {
  (void)state;
  enum { N = 100000 };
  float *p = malloc(N * sizeof *p);
  double *x = malloc(N * sizeof *x), *s = malloc(N * sizeof *s);
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(6, "m", "es", "v", 0), 0, 0);
  for (size_t i = 0; i < N; i++) {
    x[i] = pc_rng_normal(&r);
    p[i] = (float)x[i];
  }
  pc_sort_sample(x, N, s);
  double y = 0.7;
  assert_near(pc_energy_score(p, N, 1, &y), pc_crps(s, N, y), 0.01);
  free(p);
  free(x);
  free(s);
}

/* The exact energy score of the two paths above: to the outcome (0,0),
 * (0 + 5)/2 = 2.5; ordered pairs sum to 2 * 5 = 10 over 2 n^2 = 8: 1.25.
 * ES = 1.25 (the pair estimate's 2.5 includes no zero self-distance). */
static void test_energy_score_exact_hand(void **state) {
  (void)state;
  float paths[] = {0, 0, 3, 4};
  double y[] = {0, 0}, y3[] = {0, 8};
  assert_near(pc_energy_score_exact(paths, 2, 2, y), 1.25, 1e-15);
  assert_near(pc_energy_score_exact(paths, 2, 2, y3), 6.5 - 1.25, 1e-15);
  /* One path: the distance to the outcome; none: NAN. */
  assert_near(pc_energy_score_exact(paths + 2, 1, 2, y), 5.0, 0.0);
  assert_true(isnan(pc_energy_score_exact(paths, 0, 2, y)));
}

/* n random-walk paths of h days (log returns N(0, 0.02^2), from 100). */
static float *random_walk_paths(size_t n, size_t h, uint64_t seed) {
  float *p = malloc(n * h * sizeof *p);
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(seed, "m", "walk", "v", 0), 0, 0);
  for (size_t i = 0; i < n; i++) {
    double logp = log(100.0);
    for (size_t k = 0; k < h; k++) {
      logp += 0.02 * pc_rng_normal(&r);
      p[i * h + k] = (float)exp(logp);
    }
  }
  return p;
}

/* The exact score of a single path is its distance to the outcome. */
static double path_distance(const float *a, const float *b, size_t h) {
  double b_as_outcome[64];
  assert_true(h <= 64);
  for (size_t k = 0; k < h; k++) {
    b_as_outcome[k] = (double)b[k];
  }
  return pc_energy_score_exact(a, 1, h, b_as_outcome);
}

/* pc_energy_score differs from the exact score only in its spread term.
 * For even n its pairs (i, i + n/2) are n/2 distinct independent pairs,
 * each counted twice, so that term, half the mean of n/2 distances D, has
 * standard error sd(D) / (2 sqrt(n/2)); the exact V-statistic term is
 * smaller in expectation by E(D)/(2n) (its n zero self-distances) and has
 * a far smaller error.  Tolerance: that bias plus four standard errors. */
static void test_energy_score_estimate_near_exact(void **state) {
  (void)state;
  enum { N = 2000, H = 14 };
  float *p = random_walk_paths(N, H, 8);
  double y[H];
  for (size_t k = 0; k < H; k++) {
    y[k] = 101.0 + 0.3 * (double)k;
  }
  double sum = 0.0, sum2 = 0.0;
  for (size_t i = 0; i < N / 2; i++) {
    double d = path_distance(p + i * H, p + (i + N / 2) * H, H);
    sum += d;
    sum2 += d * d;
  }
  double mean = sum / (N / 2), sd = sqrt((sum2 - sum * mean) / (N / 2 - 1));
  double tol = mean / (2.0 * N) + 4.0 * sd / (2.0 * sqrt(N / 2.0));
  assert_near(pc_energy_score(p, N, H, y), pc_energy_score_exact(p, N, H, y),
              tol);
  free(p);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The reference: the column as doubles, sorted by qsort. */
static void qsort_column(const float *x, size_t n, size_t stride,
                         double *out) {
  for (size_t i = 0; i < n; i++) {
    out[i] = (double)x[i * stride];
  }
  qsort(out, n, sizeof *out, cmp_double);
}

/* Equal to qsort's order (qsort cannot tell -0.0 from +0.0), and every
 * -0.0 before every +0.0. */
static void assert_column_sorted(const float *x, size_t n, size_t stride) {
  double *got = malloc((n + 1) * sizeof *got);
  double *want = malloc((n + 1) * sizeof *want);
  uint32_t *work = malloc((2 * n + 1) * sizeof *work);
  pc_sort_column(x, n, stride, got, work);
  qsort_column(x, n, stride, want);
  int seen_positive_zero = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(got[i] == want[i])) {
      fail_msg("n %zu stride %zu: [%zu] is %.9g, qsort has %.9g", n, stride,
               i, got[i], want[i]);
    }
    if (got[i] == 0.0) {
      assert_false(seen_positive_zero && signbit(got[i]));
      seen_positive_zero |= !signbit(got[i]);
    }
  }
  free(got);
  free(want);
  free(work);
}

/* Any non-NaN bit pattern (every exponent: subnormals, infinities, both
 * zeros), values of one magnitude with ties, and exact zeros of both
 * signs. */
static float random_float(pc_rng *r) {
  uint32_t kind = pc_rng_below(r, 4), bits;
  float v;
  switch (kind) {
  case 0:
    do {
      bits = pc_rng_u32(r);
    } while ((bits & 0x7fffffffu) > 0x7f800000u);
    memcpy(&v, &bits, sizeof v);
    return v;
  case 1:
    return (float)(100.0 + pc_rng_normal(r));
  case 2:
    return (float)pc_rng_below(r, 7) - 3.0f; /* ties, +0 among them */
  default:
    return pc_rng_below(r, 2) ? -0.0f : (float)(-pc_rng_uniform(r));
  }
}

static void test_sort_column_matches_qsort(void **state) {
  (void)state;
  enum { N = 100000 };
  float *x = malloc(N * sizeof *x);
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(9, "m", "sort", "v", 0), 0, 0);
  for (size_t i = 0; i < N; i++) {
    x[i] = random_float(&r);
  }
  static const size_t sizes[] = {0, 1, 2, 3, 17, 2000, N};
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
    assert_column_sorted(x, sizes[s], 1);
  }
  /* One day of row-major paths: every 14th value, from each offset. */
  for (size_t day = 0; day < 14; day++) {
    assert_column_sorted(x + day, 2000, 14);
  }
  free(x);
}

/* Prices of one magnitude share the top digit (sign and exponent), whose
 * pass is skipped; a constant column skips every pass. */
static void test_sort_column_skipped_passes(void **state) {
  (void)state;
  float prices[] = {100.5f, 99.25f, 101.0f, 100.5f, 99.0f, 100.0f};
  assert_column_sorted(prices, 6, 1);
  float same[] = {7.5f, 7.5f, 7.5f, 7.5f};
  assert_column_sorted(same, 4, 1);
  float powers[] = {1024.0f, 2.0f, 0.5f, 65536.0f, 1.0f}; /* low digits 0 */
  assert_column_sorted(powers, 5, 1);
}

/* n = 0 writes nothing; n = 1 copies; zeros keep their sign, -0.0 first;
 * NaNs of either sign come last. */
static void test_sort_column_edges(void **state) {
  (void)state;
  double out[6] = {-1, -1, -1, -1, -1, -1};
  uint32_t work[12];
  float one = -2.5f;
  pc_sort_column(&one, 0, 1, out, work);
  assert_near(out[0], -1.0, 0.0);
  pc_sort_column(&one, 1, 1, out, work);
  assert_near(out[0], -2.5, 0.0);
  float x[] = {0.0f, NAN, -0.0f, -NAN, -INFINITY, INFINITY};
  pc_sort_column(x, 6, 1, out, work);
  assert_true(isinf(out[0]) && out[0] < 0);
  assert_true(out[1] == 0.0 && signbit(out[1]));
  assert_true(out[2] == 0.0 && !signbit(out[2]));
  assert_true(isinf(out[3]) && out[3] > 0);
  assert_true(isnan(out[4]) && isnan(out[5]));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crps_hand),
      cmocka_unit_test(test_crps_normal_closed_form),
      cmocka_unit_test(test_quantiles),
      cmocka_unit_test(test_pinball),
      cmocka_unit_test(test_pit),
      cmocka_unit_test(test_energy_score_hand),
      cmocka_unit_test(test_energy_score_is_crps_in_1d),
      cmocka_unit_test(test_energy_score_exact_hand),
      cmocka_unit_test(test_energy_score_estimate_near_exact),
      cmocka_unit_test(test_sort_column_matches_qsort),
      cmocka_unit_test(test_sort_column_skipped_passes),
      cmocka_unit_test(test_sort_column_edges),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
