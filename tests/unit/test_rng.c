/* Unit tests for pathcast/core/rng.h. */
/* cmocka.h uses these without including them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/rng.h"
#include "../../src/core/ziggurat_tables.h"

enum { BIG = 1000000 };

/* A fixed key for tests that only need some stream. */
static pc_rng_key test_key(void) {
  return pc_rng_key_forecast(42, "brent", "gbm", "1.0", 19782);
}

typedef struct {
  uint32_t ctr[4], key[2], want[4];
} kat;

/* Random123's kat_vectors for philox4x32_10. */
static const kat kats[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

static void test_philox_known_answers(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
    uint32_t out[4];
    pc_philox4x32_10(kats[i].ctr, kats[i].key, out);
    for (int j = 0; j < 4; j++) {
      assert_int_equal(out[j], kats[i].want[j]);
    }
  }
}

/* The derivation is FNV-1a-64 over (domain, NUL, seed as 8 LE bytes, each
 * string and a NUL, date as 8 LE bytes) then splitmix64's finaliser.  These
 * values come from an independent Python version of that recipe; changing
 * them changes every stored forecast, so it must be deliberate. */
static void test_key_golden_values(void **state) {
  (void)state;
  pc_rng_key f = pc_rng_key_forecast(42, "brent", "gbm", "1.0", 19782);
  pc_rng_key t = pc_rng_key_training(42, "brent", "gbm", "1.0", 19782);
  pc_rng_key z = pc_rng_key_forecast(0, "", "", "", -1);
  assert_int_equal(f.k[0], 0xdfaef89e);
  assert_int_equal(f.k[1], 0x89748129);
  assert_int_equal(t.k[0], 0xe551977e);
  assert_int_equal(t.k[1], 0x8ed2e11e);
  assert_int_equal(z.k[0], 0x1f58c0b1);
  assert_int_equal(z.k[1], 0xfdd98e26);
  /* A missing string hashes like an empty one instead of crashing. */
  pc_rng_key n = pc_rng_key_forecast(0, NULL, NULL, NULL, -1);
  assert_memory_equal(&n, &z, sizeof n);
}

static int same_key(pc_rng_key a, pc_rng_key b) {
  return a.k[0] == b.k[0] && a.k[1] == b.k[1];
}

/* Changing any one input, or moving a byte across a field boundary, gives a
 * different key. */
static void test_keys_differ_by_every_input(void **state) {
  (void)state;
  const pc_rng_key keys[] = {
      pc_rng_key_forecast(42, "brent", "gbm", "1.0", 19782),
      pc_rng_key_training(42, "brent", "gbm", "1.0", 19782),
      pc_rng_key_forecast(43, "brent", "gbm", "1.0", 19782),
      pc_rng_key_forecast(42, "wti", "gbm", "1.0", 19782),
      pc_rng_key_forecast(42, "brent", "ou", "1.0", 19782),
      pc_rng_key_forecast(42, "brent", "gbm", "1.1", 19782),
      pc_rng_key_forecast(42, "brent", "gbm", "1.0", 19783),
      pc_rng_key_forecast(42, "bren", "tgbm", "1.0", 19782),
      pc_rng_key_forecast(42, "brent", "gbm1", ".0", 19782),
      pc_rng_key_forecast(42ull << 32, "brent", "gbm", "1.0", 19782),
  };
  size_t n = sizeof keys / sizeof keys[0];
  for (size_t i = 0; i < n; i++) {
    for (size_t j = i + 1; j < n; j++) {
      if (same_key(keys[i], keys[j])) {
        fail_msg("keys %zu and %zu are equal", i, j);
      }
    }
  }
}

/* A stream is Philox over {block, path, purpose, 0}, four words a block. */
static void test_stream_is_philox_of_counter(void **state) {
  (void)state;
  pc_rng_key key = test_key();
  pc_rng r;
  pc_rng_init(&r, key, 7, PC_RNG_RESAMPLE);
  for (uint32_t b = 0; b < 3; b++) {
    uint32_t ctr[4] = {b, 7, PC_RNG_RESAMPLE, 0}, want[4];
    pc_philox4x32_10(ctr, key.k, want);
    for (int j = 0; j < 4; j++) {
      assert_int_equal(pc_rng_u32(&r), want[j]);
    }
  }
  /* Blocks are computed PC_RNG_BUFFER / 4 at a time: the counter is past
   * the whole buffer, and its last block's words are still unread. */
  assert_int_equal(r.ctr[0], PC_RNG_BUFFER / 4);
  assert_int_equal(r.left, PC_RNG_BUFFER - 12);
}

/* After 2^32 blocks the block number carries into ctr[3] instead of
 * wrapping back to block 0. */
static void test_counter_carries(void **state) {
  (void)state;
  pc_rng_key key = test_key();
  pc_rng r;
  pc_rng_init(&r, key, 1, 0);
  r.ctr[0] = 0xffffffffu;
  for (int j = 0; j < 4; j++) {
    (void)pc_rng_u32(&r);
  }
  uint32_t ctr[4] = {0, 1, 0, 1}, want[4];
  pc_philox4x32_10(ctr, key.k, want);
  assert_int_equal(pc_rng_u32(&r), want[0]);
  assert_int_equal(r.ctr[3], 1);
}

static void test_same_inputs_same_stream(void **state) {
  (void)state;
  pc_rng a, b;
  pc_rng_init(&a, pc_rng_key_forecast(9, "gold", "ar1", "2", 20000), 5, 0);
  pc_rng_init(&b, pc_rng_key_forecast(9, "gold", "ar1", "2", 20000), 5, 0);
  double za[1000], zb[1000];
  pc_rng_normals(&a, za, 1000);
  pc_rng_normals(&b, zb, 1000);
  assert_memory_equal(za, zb, sizeof za);
  assert_int_equal(pc_rng_u32(&a), pc_rng_u32(&b));
}

/* First four words of the stream for one key, path and purpose. */
static void first_block(pc_rng_key key, uint32_t path, uint32_t purpose,
                        uint32_t out[4]) {
  pc_rng r;
  pc_rng_init(&r, key, path, purpose);
  for (int j = 0; j < 4; j++) {
    out[j] = pc_rng_u32(&r);
  }
}

static void test_streams_differ(void **state) {
  (void)state;
  pc_rng_key k = test_key();
  uint32_t w[6][4];
  first_block(k, 0, 0, w[0]);
  first_block(k, 1, 0, w[1]);          /* path */
  first_block(k, 0, PC_RNG_FIT, w[2]); /* purpose */
  first_block(pc_rng_key_forecast(42, "brent", "gbm", "1.0", 19783), 0, 0,
              w[3]); /* date */
  first_block(pc_rng_key_forecast(42, "brent", "ou", "1.0", 19782), 0, 0,
              w[4]); /* model */
  first_block(pc_rng_key_training(42, "brent", "gbm", "1.0", 19782), 0, 0,
              w[5]); /* domain */
  for (int i = 0; i < 6; i++) {
    for (int j = i + 1; j < 6; j++) {
      if (memcmp(w[i], w[j], sizeof w[i]) == 0) {
        fail_msg("streams %d and %d are equal", i, j);
      }
    }
  }
}

/* The documented word-to-uniform mapping, written out independently. */
static double uniform_of(uint32_t a, uint32_t b) {
  uint64_t x = ((uint64_t)(a >> 5) << 26) | (b >> 6);
  return x == 0 ? ldexp(1.0, -54) : ldexp((double)x, -53);
}

static void test_uniform_uses_two_words(void **state) {
  (void)state;
  pc_rng r, w;
  pc_rng_init(&r, test_key(), 3, 0);
  pc_rng_init(&w, test_key(), 3, 0);
  uint32_t words[4];
  for (int j = 0; j < 4; j++) {
    words[j] = pc_rng_u32(&w);
  }
  assert_true(pc_rng_uniform(&r) == uniform_of(words[0], words[1]));
  assert_int_equal(pc_rng_u32(&r), words[2]);
}

/* Extreme words give the extreme values, both strictly inside (0, 1). */
static void test_uniform_extremes(void **state) {
  (void)state;
  pc_rng r;
  pc_rng_init(&r, test_key(), 0, 0);
  uint32_t *next = r.buf + PC_RNG_BUFFER - 4; /* the next words to read */
  next[0] = next[1] = 0;
  next[2] = next[3] = 0xffffffffu;
  r.left = 4;
  double lo = pc_rng_uniform(&r), hi = pc_rng_uniform(&r);
  assert_true(lo == ldexp(1.0, -54));
  assert_true(hi == 1.0 - ldexp(1.0, -53));
  assert_true(hi < 1.0);
}

static void test_uniform_moments_and_bins(void **state) {
  (void)state;
  pc_rng r;
  pc_rng_init(&r, test_key(), 11, 0);
  double sum = 0, sum2 = 0;
  long bins[256] = {0};
  for (int i = 0; i < BIG; i++) {
    double u = pc_rng_uniform(&r);
    assert_true(u > 0.0 && u < 1.0);
    sum += u;
    sum2 += u * u;
    bins[(int)(u * 256)]++;
  }
  double mean = sum / BIG, var = sum2 / BIG - mean * mean;
  /* Five standard errors: sd(U) = 1/sqrt(12), sd((U-m)^2) = 0.0745. */
  assert_true(fabs(mean - 0.5) < 5 * sqrt(1.0 / 12 / BIG));
  assert_true(fabs(var - 1.0 / 12) < 5 * 0.0745 / sqrt(BIG));
  double chi2 = 0, expect = BIG / 256.0;
  for (int b = 0; b < 256; b++) {
    chi2 += (bins[b] - expect) * (bins[b] - expect) / expect;
  }
  assert_true(chi2 < 330.5); /* 255 degrees of freedom, p = 0.001 */
}

static double normal_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

/* Mean, variance, kurtosis and a 14-bin chi-square against the normal CDF
 * (bin edges at -3, -2.5, ..., 3). */
static void test_normal_distribution(void **state) {
  (void)state;
  pc_rng r;
  pc_rng_init(&r, test_key(), 12, 0);
  double *z = malloc(BIG * sizeof *z);
  assert_non_null(z);
  pc_rng_normals(&r, z, BIG);
  double s1 = 0, s2 = 0, s4 = 0;
  long bins[14] = {0}, tails = 0;
  for (int i = 0; i < BIG; i++) {
    s1 += z[i];
    s2 += z[i] * z[i];
    s4 += z[i] * z[i] * z[i] * z[i];
    int b = (int)floor((z[i] + 3.0) / 0.5) + 1;
    bins[b < 0 ? 0 : (b > 13 ? 13 : b)]++;
    tails += fabs(z[i]) > 4.0;
  }
  free(z);
  double mean = s1 / BIG, var = s2 / BIG - mean * mean;
  assert_true(fabs(mean) < 5 / sqrt(BIG));
  assert_true(fabs(var - 1) < 5 * sqrt(2.0 / BIG));
  assert_true(fabs(s4 / BIG - 3) < 5 * sqrt(96.0 / BIG));
  /* P(|Z| > 4) = 6.3e-5: about 63 of a million. */
  assert_in_range(tails, 30, 100);
  double chi2 = 0;
  for (int b = 0; b < 14; b++) {
    double lo = b == 0 ? -INFINITY : -3.0 + 0.5 * (b - 1);
    double hi = b == 13 ? INFINITY : -3.0 + 0.5 * b;
    double expect = BIG * (normal_cdf(hi) - normal_cdf(lo));
    chi2 += (bins[b] - expect) * (bins[b] - expect) / expect;
  }
  assert_true(chi2 < 34.5); /* 13 degrees of freedom, p = 0.001 */
}

/* Portable across cmocka versions, some of which lack assert_double_equal. */
static void assert_near(double got, double want, double tol) {
  if (!(fabs(got - want) <= tol)) {
    fail_msg("got %.17g, want %.17g", got, want);
  }
}

/* The ziggurat's fast path from the documented word layout: a 64-bit draw
 * (high word first) gives the layer (bits 0-7), the sign (bit 8) and the
 * abscissa (bits 12-63).  Returns 0 when the draw needs the slow path. */
static int fast_normal_of(uint32_t hi, uint32_t lo, double *z) {
  uint64_t bits = ((uint64_t)hi << 32) | lo;
  unsigned layer = bits & 0xff;
  uint64_t u = bits >> 12;
  if (u >= zig_k[layer]) {
    return 0;
  }
  double x = (double)u * zig_w[layer];
  *z = (bits >> 8) & 1 ? -x : x;
  return 1;
}

/* Normals are the ziggurat over the word stream: replaying the words by hand
 * gives the same values for every draw that takes the fast path, across the
 * buffer refills and a carry of the block number into ctr[3]. */
static void test_normals_follow_the_words(void **state) {
  (void)state;
  pc_rng r, w;
  pc_rng_init(&r, test_key(), 9, PC_RNG_FIT);
  pc_rng_init(&w, test_key(), 9, PC_RNG_FIT);
  r.ctr[0] = w.ctr[0] = 0xfffffff0u;
  int checked = 0;
  for (int i = 0; i < 200; i++) {
    uint32_t hi = pc_rng_u32(&w), lo = pc_rng_u32(&w);
    double want;
    double got = pc_rng_normal(&r);
    if (fast_normal_of(hi, lo, &want)) {
      assert_true(got == want);
      checked++;
    } else {
      w = r; /* a slow draw used more words: resynchronise */
    }
  }
  assert_true(checked > 190);
  assert_int_equal(r.ctr[3], 1);
}

/* Normals depend on the stream only: any split of the calls gives the same
 * values, and pc_rng_normal is a call with n = 1. */
static void test_normals_split_guarantees(void **state) {
  (void)state;
  pc_rng a, b, c;
  pc_rng_init(&a, test_key(), 8, 0);
  pc_rng_init(&b, test_key(), 8, 0);
  pc_rng_init(&c, test_key(), 8, 0);
  double whole[28], piece[28];
  pc_rng_normals(&a, whole, 28);
  pc_rng_normals(&b, piece, 5);
  pc_rng_normals(&b, piece + 5, 0);
  pc_rng_normals(&b, piece + 5, 14);
  pc_rng_normals(&b, piece + 19, 9);
  assert_memory_equal(whole, piece, sizeof whole);
  for (int i = 0; i < 28; i++) {
    assert_true(pc_rng_normal(&c) == whole[i]);
  }
}

/* Pinned values: stored forecasts are reproducible only while these hold.
 * A change here changes every path of every store. */
static void test_normals_pinned(void **state) {
  (void)state;
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_forecast(1, "coffee", "naive", "v1.0", 17532), 0,
              PC_RNG_INNOVATIONS);
  double z[4];
  pc_rng_normals(&r, z, 4);
  static const double want[4] = {0.33538257599363452, 0.33129686393214192,
                                 -0.26597568279459727, -1.9132290286074791};
  for (int i = 0; i < 4; i++) {
    assert_near(z[i], want[i], 0.0);
  }
}

/* The tail and the wedges are exercised: frequencies beyond 3 and 3.7 (the
 * tail starts at 3.654) match the normal law. */
static void test_normal_tails(void **state) {
  (void)state;
  enum { M = 4000000 };
  pc_rng r;
  pc_rng_init(&r, test_key(), 21, 0);
  long beyond3 = 0, beyond37 = 0;
  for (int i = 0; i < M; i++) {
    double z = fabs(pc_rng_normal(&r));
    beyond3 += z > 3.0;
    beyond37 += z > 3.7;
  }
  double p3 = erfc(3.0 / sqrt(2.0)), p37 = erfc(3.7 / sqrt(2.0));
  assert_true(fabs(beyond3 - M * p3) < 5 * sqrt(M * p3));
  assert_true(fabs(beyond37 - M * p37) < 5 * sqrt(M * p37));
}

static void test_below_range_and_uniformity(void **state) {
  (void)state;
  static const uint32_t ns[] = {1, 2, 3, 7, 10, 1000, 0x80000001u, 0xffffffffu};
  pc_rng r;
  pc_rng_init(&r, test_key(), 13, 0);
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
    for (int j = 0; j < 10000; j++) {
      assert_true(pc_rng_below(&r, ns[i]) < ns[i]);
    }
  }
  long bins[10] = {0};
  for (int j = 0; j < BIG; j++) {
    bins[pc_rng_below(&r, 10)]++;
  }
  double chi2 = 0, expect = BIG / 10.0;
  for (int b = 0; b < 10; b++) {
    chi2 += (bins[b] - expect) * (bins[b] - expect) / expect;
  }
  assert_true(chi2 < 27.9); /* 9 degrees of freedom, p = 0.001 */
}

/* n = 3 * 2^30: modulo reduction would put half the values below 2^30
 * instead of a third. */
static void test_below_has_no_modulo_bias(void **state) {
  (void)state;
  pc_rng r;
  pc_rng_init(&r, test_key(), 14, 0);
  long low = 0;
  for (int j = 0; j < BIG; j++) {
    low += pc_rng_below(&r, 0xc0000000u) < 0x40000000u;
  }
  assert_true(fabs((double)low / BIG - 1.0 / 3) < 5 * sqrt(2.0 / 9 / BIG));
}

/* Exact words: the high half of word * n, and a rejected word is skipped. */
static void test_below_exact_words(void **state) {
  (void)state;
  pc_rng r;
  pc_rng_init(&r, test_key(), 0, 0);
  uint32_t *next = r.buf + PC_RNG_BUFFER - 4; /* the next words to read */
  next[0] = 0x80000001u; /* (2^31 + 1) * 10 >> 32 = 5, low word 10 kept */
  next[1] = 0;           /* low word 0 < 2^32 mod 3 = 1: rejected */
  next[2] = 0xffffffffu; /* (2^32 - 1) * 3 >> 32 = 2 */
  next[3] = 0x12345678u;
  r.left = 4;
  assert_int_equal(pc_rng_below(&r, 10), 5);
  assert_int_equal(pc_rng_below(&r, 3), 2);
  assert_int_equal(r.left, 1);
  assert_int_equal(pc_rng_below(&r, 1), 0);
  assert_int_equal(r.left, 1); /* n = 1 needs no word */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_philox_known_answers),
      cmocka_unit_test(test_key_golden_values),
      cmocka_unit_test(test_keys_differ_by_every_input),
      cmocka_unit_test(test_stream_is_philox_of_counter),
      cmocka_unit_test(test_counter_carries),
      cmocka_unit_test(test_same_inputs_same_stream),
      cmocka_unit_test(test_streams_differ),
      cmocka_unit_test(test_uniform_uses_two_words),
      cmocka_unit_test(test_uniform_extremes),
      cmocka_unit_test(test_uniform_moments_and_bins),
      cmocka_unit_test(test_normal_distribution),
      cmocka_unit_test(test_normals_follow_the_words),
      cmocka_unit_test(test_normals_pinned),
      cmocka_unit_test(test_normal_tails),
      cmocka_unit_test(test_normals_split_guarantees),
      cmocka_unit_test(test_below_range_and_uniformity),
      cmocka_unit_test(test_below_has_no_modulo_bias),
      cmocka_unit_test(test_below_exact_words),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
