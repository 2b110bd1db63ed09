/* Counter-based random numbers (see pathcast/core/rng.h).
 *
 * What a stream guarantees, so callers can rely on it across ranks, resumes
 * and code changes that split or merge calls:
 *   - A stream is the sequence of 32-bit words Philox(key, {b, path, purpose,
 *     0}) for blocks b = 0, 1, 2, ..., four words per block, in order.
 *     (Blocks are computed PC_RNG_BUFFER / 4 at a time; that changes speed,
 *     not the words.)
 *   - pc_rng_u32 takes the next word; pc_rng_uniform the next two words.
 *   - A normal takes the next two words (one 64-bit draw) of the ziggurat,
 *     plus more words in the rare rejections (about 1.3% of draws), so
 *     normals are a function of the stream alone: pc_rng_normals(r, out, n)
 *     gives the same values however the caller splits the calls, and
 *     pc_rng_normal is the same as a call with n = 1.
 *   - pc_rng_below takes one word per attempt; its rare rejections make the
 *     number of words it uses vary. */
#include "pathcast/core/rng.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "pathcast/core/paths.h"
#include "ziggurat_tables.h"

/* Philox4x32 round multipliers and Weyl key increments, from Random123.
 * Macros rather than an enum: ISO C limits enumerators to int. */
#define PHILOX_M0 UINT32_C(0xD2511F53)
#define PHILOX_M1 UINT32_C(0xCD9E8D57)
#define PHILOX_W0 UINT32_C(0x9E3779B9)
#define PHILOX_W1 UINT32_C(0xBB67AE85)

static inline void philox_round(uint32_t c[4], const uint32_t k[2]) {
  uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
  uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
  uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
  uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
  c[0] = hi1 ^ c[1] ^ k[0];
  c[1] = lo1;
  c[2] = hi0 ^ c[3] ^ k[1];
  c[3] = lo0;
}

void pc_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                      uint32_t out[4]) {
  uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
  uint32_t k[2] = {key[0], key[1]};
  philox_round(c, k);
  for (int r = 1; r < 10; r++) {
    k[0] += PHILOX_W0;
    k[1] += PHILOX_W1;
    philox_round(c, k);
  }
  for (int i = 0; i < 4; i++) {
    out[i] = c[i];
  }
}

/* ---- keys ---------------------------------------------------------------- */

/* 64-bit FNV-1a over a byte string, continuing from h. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* Hashes a string and then a NUL.  A NUL cannot occur inside a C string, so
 * it separates fields unambiguously: ("ab", "c") and ("a", "bc") differ. */
static uint64_t fnv1a_str(uint64_t h, const char *s) {
  static const unsigned char nul = 0;
  if (s != NULL) {
    h = fnv1a(h, s, strlen(s));
  }
  return fnv1a(h, &nul, 1);
}

/* Hashes v as eight little-endian bytes, so keys do not depend on the host's
 * byte order. */
static uint64_t fnv1a_u64(uint64_t h, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; i++) {
    b[i] = (unsigned char)(v >> (8 * i));
  }
  return fnv1a(h, b, sizeof b);
}

/* splitmix64's finaliser.  FNV-1a only multiplies, and a product's low bits
 * depend only on lower bits, so the low key word would never see the high
 * half of the state; the finaliser folds every bit into both words. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The domain tag makes a training key differ from the forecast key of the
 * same inputs, so a model's fit never reuses its forecasts' numbers. */
static pc_rng_key derive_key(const char *domain, uint64_t seed,
                             const char *commodity, const char *model,
                             const char *model_version, pc_date date) {
  uint64_t h = 0xcbf29ce484222325ull;
  h = fnv1a_str(h, domain);
  h = fnv1a_u64(h, seed);
  h = fnv1a_str(h, commodity);
  h = fnv1a_str(h, model);
  h = fnv1a_str(h, model_version);
  h = fnv1a_u64(h, (uint64_t)(int64_t)date);
  h = mix64(h);
  pc_rng_key key = {{(uint32_t)h, (uint32_t)(h >> 32)}};
  return key;
}

pc_rng_key pc_rng_key_forecast(uint64_t seed, const char *commodity,
                               const char *model, const char *model_version,
                               pc_date forecast_date) {
  return derive_key("pathcast/forecast/v1", seed, commodity, model,
                    model_version, forecast_date);
}

pc_rng_key pc_rng_key_training(uint64_t seed, const char *commodity,
                               const char *model, const char *model_version,
                               pc_date training_date) {
  return derive_key("pathcast/training/v1", seed, commodity, model,
                    model_version, training_date);
}

/* ---- streams ------------------------------------------------------------- */

void pc_rng_init(pc_rng *r, pc_rng_key key, uint32_t path, uint32_t purpose) {
  r->key = key;
  r->ctr[0] = 0;
  r->ctr[1] = path;
  r->ctr[2] = purpose;
  r->ctr[3] = 0;
  memset(r->buf, 0, sizeof r->buf);
  r->left = 0;
}

static void refill(pc_rng *r);

uint32_t pc_rng_u32(pc_rng *r) {
  if (r->left == 0) {
    refill(r);
  }
  return r->buf[PC_RNG_BUFFER - r->left--];
}

/* Maps two words to (0, 1): 53 bits x give x * 2^-53, and x = 0 gives 2^-54
 * instead, so 0 never comes out and the largest value is 1 - 2^-53.
 * (x + 0.5) * 2^-53 would look simpler but cannot be computed exactly in a
 * double: above 0.5 it needs 54 significant bits, and the top value rounds
 * to 1.0, breaking the open interval (log(1 - u) would be -inf). */
static inline double uniform_from(uint32_t a, uint32_t b) {
  uint64_t x = ((uint64_t)(a >> 5) << 26) | (b >> 6);
  if (x == 0) {
    return 0x1p-54;
  }
  return (double)x * 0x1p-53;
}

double pc_rng_uniform(pc_rng *r) {
  uint32_t a = pc_rng_u32(r);
  uint32_t b = pc_rng_u32(r);
  return uniform_from(a, b);
}

/* Blocks computed together by the bulk path.  One Philox block is a chain
 * of ten dependent multiplies, so a lone block leaves the multiplier idle most
 * of the time; independent blocks side by side overlap their latencies (and
 * the compiler may put the lanes in vector registers). */
enum { LANES = 4 };

/* Philox state of LANES blocks, one row per word, so that each round is a
 * loop over independent lanes. */
typedef struct {
  uint32_t x[4][LANES];
} lanes;

/* Ten rounds on every lane; the same arithmetic as pc_philox4x32_10. */
static void lanes_rounds(lanes *s, const uint32_t key[2]) {
  uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; round++) {
    for (int j = 0; j < LANES; j++) {
      uint64_t p0 = (uint64_t)PHILOX_M0 * s->x[0][j];
      uint64_t p1 = (uint64_t)PHILOX_M1 * s->x[2][j];
      s->x[0][j] = (uint32_t)(p1 >> 32) ^ s->x[1][j] ^ k0;
      s->x[1][j] = (uint32_t)p1;
      s->x[2][j] = (uint32_t)(p0 >> 32) ^ s->x[3][j] ^ k1;
      s->x[3][j] = (uint32_t)p0;
    }
    /* The bump after the last round is unused, as in the scalar version. */
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
}

/* The next LANES blocks of r's stream, exactly as next_block would give them
 * one by one, including the carry of the block number into ctr[3]. */
static void next_blocks(pc_rng *r, uint32_t w[LANES][4]) {
  lanes s;
  uint64_t block = ((uint64_t)r->ctr[3] << 32) | r->ctr[0];
  for (int j = 0; j < LANES; j++) {
    s.x[0][j] = (uint32_t)(block + (uint64_t)j);
    s.x[1][j] = r->ctr[1];
    s.x[2][j] = r->ctr[2];
    s.x[3][j] = (uint32_t)((block + (uint64_t)j) >> 32);
  }
  lanes_rounds(&s, r->key.k);
  for (int j = 0; j < LANES; j++) {
    for (int i = 0; i < 4; i++) {
      w[j][i] = s.x[i][j];
    }
  }
  block += LANES;
  r->ctr[0] = (uint32_t)block;
  r->ctr[3] = (uint32_t)(block >> 32);
}

_Static_assert(LANES * 4 == PC_RNG_BUFFER, "the buffer holds LANES blocks");

/* Refills the word buffer with the next LANES blocks. */
static void refill(pc_rng *r) {
  uint32_t w[LANES][4];
  next_blocks(r, w);
  memcpy(r->buf, w, sizeof w);
  r->left = PC_RNG_BUFFER;
}

/* The next two words as one 64-bit draw, high word first.  Inline and
 * branch-light: this is the inner loop of every forecast. */
static inline uint64_t next_u64(pc_rng *r) {
  if (r->left >= 2) {
    const uint32_t *w = r->buf + (PC_RNG_BUFFER - r->left);
    r->left -= 2;
    return ((uint64_t)w[0] << 32) | w[1];
  }
  uint64_t hi = pc_rng_u32(r);
  return (hi << 32) | pc_rng_u32(r);
}

/* The tail beyond ZIG_R (Marsaglia 1964): exact, by rejection. */
static double normal_tail(pc_rng *r) {
  for (;;) {
    /* pathcast's own log: the C library's differs between CPUs. */
    double x = -pc_ln(pc_rng_uniform(r)) / ZIG_R;
    double y = -pc_ln(pc_rng_uniform(r));
    if (y + y > x * x) {
      return ZIG_R + x;
    }
  }
}

/* The ziggurat (Marsaglia & Tsang 2000) with 256 layers and independent bits
 * for the layer, the sign and the abscissa (Doornik 2005: the original
 * 32-bit version reused bits and was measurably non-normal).  About 98.8% of
 * draws return after one table comparison and one multiply, without any libm
 * call, which is what makes 2,000 x 14 normals per forecast cheap.  The rest
 * test the wedge with exp() or sample the tail exactly: no approximation. */
static double normal_slow(pc_rng *r, uint64_t bits);

static inline double normal_ziggurat(pc_rng *r) {
  uint64_t bits = next_u64(r);
  unsigned layer = (unsigned)(bits & 0xff);
  uint64_t u = bits >> 12; /* 52 bits */
  if (u < zig_k[layer]) {
    /* u < 2^52: the signed conversion is exact and one instruction. */
    double x = (double)(int64_t)u * zig_w[layer];
    return (bits >> 8) & 1 ? -x : x;
  }
  return normal_slow(r, bits);
}

/* The rare draws: the wedge of a layer, or the tail; then fresh draws. */
static double normal_slow(pc_rng *r, uint64_t bits) {
  for (;;) {
    unsigned layer = (unsigned)(bits & 0xff);
    int negative = (int)((bits >> 8) & 1);
    uint64_t u = bits >> 12; /* 52 bits */
    double x = (double)u * zig_w[layer];
    if (u < zig_k[layer]) {
      return negative ? -x : x;
    }
    if (layer == 0) {
      double t = normal_tail(r);
      return negative ? -t : t;
    }
    double y = zig_f[layer] +
               pc_rng_uniform(r) * (zig_f[layer + 1] - zig_f[layer]);
    /* pathcast's exp, not libm's: glibc picks an FMA variant of exp on
     * CPUs that have FMA, and the test must not depend on the CPU. */
    if (y < pc_exp(-0.5 * x * x)) {
      return negative ? -x : x;
    }
    bits = next_u64(r);
  }
}

void pc_rng_normals(pc_rng *r, double *out, int n) {
  for (int i = 0; i < n; i++) {
    out[i] = normal_ziggurat(r);
  }
}

double pc_rng_normal(pc_rng *r) { return normal_ziggurat(r); }

void pc_rng_init_at(pc_rng *r, pc_rng_key key, uint32_t path, uint32_t purpose,
                    uint64_t word, const uint32_t *ahead, int nahead) {
  pc_rng_init(r, key, path, purpose);
  /* The buffer is read from its end backwards in `left`, so the given
   * words go to its end, and the counter names the block after them. */
  uint64_t next = nahead > 0 ? (word + (uint64_t)nahead) / 4 : word / 4;
  r->ctr[0] = (uint32_t)next;
  r->ctr[3] = (uint32_t)(next >> 32);
  if (nahead > 0) {
    memcpy(r->buf + PC_RNG_BUFFER - nahead, ahead,
           (size_t)nahead * sizeof *ahead);
    r->left = nahead;
    return;
  }
  for (uint64_t i = 0; i < word % 4; i++) {
    (void)pc_rng_u32(r);
  }
}

uint64_t pc_rng_tell(const pc_rng *r) {
  uint64_t block = ((uint64_t)r->ctr[3] << 32) | r->ctr[0];
  return 4 * block - (uint64_t)r->left;
}

/* Lemire's multiply-shift with rejection ("Fast random integer generation in
 * an interval", 2019): the high word of u32 * n is in [0, n), and rejecting
 * the few low words below 2^32 mod n removes the bias that plain modulo has.
 * The division is only reached when a rejection is possible at all. */
uint32_t pc_rng_below(pc_rng *r, uint32_t n) {
  /* n = 1 has one answer and needs no word; n = 0 breaks the contract, and 0
   * is the least harmful reply. */
  if (n <= 1) {
    return 0;
  }
  uint64_t m = (uint64_t)pc_rng_u32(r) * n;
  uint32_t low = (uint32_t)m;
  if (low < n) {
    uint32_t threshold = (uint32_t)(-n) % n;
    while (low < threshold) {
      m = (uint64_t)pc_rng_u32(r) * n;
      low = (uint32_t)m;
    }
  }
  return (uint32_t)(m >> 32);
}
