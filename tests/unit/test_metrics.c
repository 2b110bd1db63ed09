/* Scores against known values: hand-computed small cases, the closed-form
 * CRPS of a normal distribution approached by a large sample, and edge
 * cases (constant samples, a single path). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pathcast/metrics.h"
#include "pathcast/rng.h"

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crps_hand),
      cmocka_unit_test(test_crps_normal_closed_form),
      cmocka_unit_test(test_quantiles),
      cmocka_unit_test(test_pinball),
      cmocka_unit_test(test_pit),
      cmocka_unit_test(test_energy_score_hand),
      cmocka_unit_test(test_energy_score_is_crps_in_1d),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
