/* Path generation kernels (see pathcast/core/paths.h): the width dispatch, the
 * scalar reference, and the template src/core/paths_kernels.h compiled once per
 * width.
 *
 * How a vector width reproduces the scalar streams exactly.  A vector lane
 * computes one Philox block of one path's own stream (a path's consecutive
 * blocks side by side, a few paths at once), so keys and counters are the
 * scalar ones.  Phase 1 (SIMD): Philox gives the first q draws of each path
 * and the ziggurat's fast path is evaluated on every draw; the values of the
 * first n go straight into the path's output row, and draws that need the
 * slow path (about 1.2%) are marked.  Phase 2 (scalar, only for paths with
 * a marked draw, 18% of 14-day paths): a walk through the path's draws keeps
 * the fast values and, at a marked draw, hands the path's stream positioned
 * at that draw to the scalar code (pc_rng_normal: the wedge test, or the
 * tail), which consumes as many further draws as that stream needs; the
 * walk resumes after them.  So a rejection costs only its own path, and
 * every value is by construction the one the scalar stream gives.
 * pc_paths_below does the same for pc_rng_below. */
#include "pathcast/core/paths.h"
#include "pathcast/core/name.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define PK_X86 1
#include <immintrin.h>
#else
#define PK_X86 0
#endif

#include "exp_table.h"
#include "ziggurat_tables.h"

/* Clang contracts a * b + c into an FMA where the target has one (AVX-512
 * does) unless told not to; GCC does not in ISO C mode, and the Makefile
 * passes -ffp-contract=off for this file as well. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* Philox4x32 constants (rng.c has the same; the KATs pin both). */
#define PHILOX_M0 UINT32_C(0xD2511F53)
#define PHILOX_M1 UINT32_C(0xCD9E8D57)
#define PHILOX_W0 UINT32_C(0x9E3779B9)
#define PHILOX_W1 UINT32_C(0xBB67AE85)

/* Draws computed beyond the n a path needs when nothing is rejected: a path
 * whose slow draws consume a few more words still finds them precomputed. */
#define PK_EXTRA 2
/* The most paths any width computes side by side. */
#define PK_MAX_CHAINS 4
/* Marks an index that the scalar code must decide. */
#define PK_DOUBT UINT64_C(0xffffffff)

typedef struct {
  pc_rng_key key;
  uint32_t purpose;
} pk_stream;

/* Scratch of one kernel call, for `chains` paths at a time: q draws each
 * (q a multiple of 2 * lanes: whole block vectors). */
typedef struct {
  int q, lane_bits; /* lanes = 1 << lane_bits */
  uint64_t *draws;  /* the raw 64-bit draws, in block-vector order */
  double *fast;     /* per path, the fast-path normals of draws n .. q - 1 */
  uint64_t *idx;    /* per path, 2q indices (PK_DOUBT: decided in scalar) */
  int dirty[PK_MAX_CHAINS]; /* per path: one of its draws needs the slow path */
} pk_scratch;

/* One width's kernels. */
typedef struct {
  int lanes;
  int chains;
  void (*exp_block)(double *x, size_t n);
  void (*normals)(const pk_stream *s, uint32_t first, int npaths, int n,
                  double *z, size_t ld, pk_scratch *w);
  void (*below)(const pk_stream *s, uint32_t first, int npaths, int n,
                uint32_t range, uint32_t *out, size_t ld, pk_scratch *w);
  int (*to_float)(const double *x, size_t n, float *out);
  void (*ln_block)(double *x, size_t n);
} pk_kernels;

/* The scalar definition of pc_paths_to_float (and the kernels' tail). */
static int pk_to_float_scalar(const double *x, size_t n, float *out) {
  int ok = 1;
  for (size_t i = 0; i < n; i++) {
    out[i] = (float)x[i];
    ok &= out[i] > 0.0f && out[i] <= FLT_MAX;
  }
  return ok;
}

/* ---- phase 2: the scalar walk of each path ------------------------------- */

/* Draw j of the c-th path of the scratch: block j / 2 is lane b % lanes of
 * block vector b / lanes, whose even and odd draws are stored apart. */
static uint64_t pk_draw(const pk_scratch *w, int c, int j) {
  int shift = w->lane_bits, b = j >> 1;
  int nv = w->q >> (shift + 1);
  size_t row = (size_t)(2 * (c * nv + (b >> shift)) + (j & 1));
  return w->draws[(row << shift) + (size_t)(b & ((1 << shift) - 1))];
}

/* A stream for the c-th path of the scratch positioned at word `word`, with
 * the precomputed words from there to the end of at most a buffer's worth
 * (ending on a block), so the common case computes no Philox block again. */
static void pk_stream_at(const pk_stream *s, uint32_t path, const pk_scratch *w,
                         int c, int word, pc_rng *r) {
  uint32_t ahead[PC_RNG_BUFFER];
  int words = 2 * w->q, na = 0, t = word;
  int end = word - word % 4 + PC_RNG_BUFFER;
  end = end < words ? end : words;
  if (t % 2 == 1 && t < end) { /* the low word of a draw */
    ahead[na++] = (uint32_t)pk_draw(w, c, t / 2);
    t++;
  }
  for (; t < end; t += 2) {
    uint64_t d = pk_draw(w, c, t / 2);
    ahead[na++] = (uint32_t)(d >> 32);
    ahead[na++] = (uint32_t)d;
  }
  pc_rng_init_at(r, s->key, path, s->purpose, (uint64_t)word, ahead, na);
}

/* Each path's normals: phase 1 left the fast values of its first n draws
 * in its row and the rest in w->fast.  A path with no rejected draw is
 * complete (82% of 14-day paths).  Otherwise the walk hands a rejected draw
 * (and any draw past the precomputed ones) to the scalar code, which
 * consumes as many further draws as that path's stream needs, and resumes
 * after them.  It writes row[k] only after reading draw pos >= k, so the
 * fast values it still needs are never overwritten. */
static void pk_normal_paths(const pk_stream *s, uint32_t first, int paths,
                            int n, const pk_scratch *w, double *z, size_t ld) {
  for (int c = 0; c < paths; c++) {
    if (!w->dirty[c]) {
      continue;
    }
    double *row = z + (size_t)c * ld;
    const double *spare = w->fast + (size_t)c * (size_t)w->q;
    int k = 0;
    while (k < n && !isnan(row[k])) {
      k++;
    }
    for (int pos = k; k < n; k++) {
      double v = pos < n ? row[pos] : pos < w->q ? spare[pos] : NAN;
      if (!isnan(v)) {
        row[k] = v;
        pos++;
        continue;
      }
      pc_rng r;
      pk_stream_at(s, first + (uint32_t)c, w, c, 2 * pos, &r);
      row[k] = pc_rng_normal(&r);
      pos = (int)(pc_rng_tell(&r) / 2);
    }
  }
}

/* As pk_normal_paths for pc_rng_below, positions in words. */
static void pk_below_paths(const pk_stream *s, uint32_t first, int paths,
                           int n, uint32_t range, const pk_scratch *w,
                           uint32_t *out, size_t ld) {
  int words = 2 * w->q;
  for (int c = 0; c < paths; c++) {
    uint32_t *row = out + (size_t)c * ld;
    const uint64_t *idx = w->idx + (size_t)c * (size_t)words;
    for (int k = 0, pos = 0; k < n; k++) {
      if (pos < words && idx[pos] != PK_DOUBT) {
        row[k] = (uint32_t)idx[pos++];
        continue;
      }
      pc_rng r;
      pk_stream_at(s, first + (uint32_t)c, w, c, pos, &r);
      row[k] = pc_rng_below(&r, range);
      pos = (int)pc_rng_tell(&r);
    }
  }
}

/* ---- the template, once per width ---------------------------------------- */

/* 1 lane: the scalar core of pc_exp (never dispatched to as a width). */
#define PK_LANES 1
#define PK_SUFFIX one
#define PK_ATTR
#define PK_CHAINS 1
#define PK_MUL32(a, m) (((a) & 0xffffffffu) * (uint64_t)(m))
#define PK_GATHER(t, i) PK(gather)(t, i)
#define PK_GATHER_D(t, i) PK(gather_d)(t, i)
#include "paths_kernels.h"

#if PK_X86
/* x86-64: pmuludq multiplies the low 32 bits of each 64-bit lane, exactly
 * what Philox needs (GCC's vector extensions would emulate a full 64-bit
 * product with three multiplies). */
#define PK_LANES 2
#define PK_SUFFIX sse2
#define PK_ATTR __attribute__((target("sse2")))
#define PK_CHAINS 2
#define PK_MUL32(a, m)                                                         \
  ((VU)_mm_mul_epu32((__m128i)(a), _mm_set1_epi64x((long long)(m))))
#define PK_GATHER(t, i) PK(gather)(t, i)
#define PK_GATHER_D(t, i) PK(gather_d)(t, i)
#include "paths_kernels.h"

#define PK_LANES 4
#define PK_SUFFIX avx2
#define PK_ATTR __attribute__((target("avx2")))
#define PK_CHAINS 4
#define PK_MUL32(a, m)                                                         \
  ((VU)_mm256_mul_epu32((__m256i)(a), _mm256_set1_epi64x((long long)(m))))
/* Element-wise loads, not vpgatherqq: AMD's Zen 2 and 3 gather slowly
 * (measured: 25% slower normals and exp on Zen 3), and on Intel the two
 * are close at 4 lanes. */
#define PK_GATHER(t, i) PK(gather)(t, i)
#define PK_GATHER_D(t, i) PK(gather_d)(t, i)
#include "paths_kernels.h"

#define PK_LANES 8
#define PK_SUFFIX avx512
#define PK_CHAINS 4
#ifndef PK_WIDE_ON_AVX2
#define PK_ATTR __attribute__((target("avx512f")))
#define PK_MUL32(a, m)                                                         \
  ((VU)_mm512_mul_epu32((__m512i)(a), _mm512_set1_epi64((long long)(m))))
#define PK_GATHER(t, i)                                                        \
  ((VU)_mm512_i64gather_epi64((__m512i)(i), (const void *)(t), 8))
#define PK_GATHER_D(t, i) ((VD)_mm512_i64gather_pd((__m512i)(i), (t), 8))
#else
/* tests/unit/test_paths_wide.c compiles this file with PK_WIDE_ON_AVX2 to
 * run the 8-lane, 4-path instance (all of its lane and path bookkeeping) on
 * CPUs without AVX-512, with portable products and lookups. */
#define PK_ATTR __attribute__((target("avx2")))
#define PK_MUL32(a, m) (((a) & 0xffffffffu) * (uint64_t)(m))
#define PK_GATHER(t, i) PK(gather)(t, i)
#define PK_GATHER_D(t, i) PK(gather_d)(t, i)
#endif
#include "paths_kernels.h"
#endif

/* ---- exp ----------------------------------------------------------------- */

/* Bit casts through memcpy: defined behaviour, and a plain move once
 * compiled. */
static inline uint64_t as_u64(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

static inline double as_double(uint64_t u) {
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* 512 <= |x| < 1024: the result may overflow or be subnormal, and the
 * exponent of scale may have wrapped, so 2^k is applied in two steps (ARM's
 * specialcase).  In the subnormal range the sum is first rounded at the
 * precision the result keeps, to avoid rounding twice. */
static double exp_large(double x) {
  vu_one sb, ki;
  vd_one v = {x};
  double tmp = exp_parts_one(v, &sb, &ki)[0];
  if ((ki[0] & 0x80000000u) == 0) {
    /* k > 0: the exponent of scale overflowed by at most 460. */
    double scale = as_double(sb[0] - (1009ull << 52));
    return 0x1p1009 * (scale + scale * tmp);
  }
  double scale = as_double(sb[0] + (1022ull << 52));
  double y = scale + scale * tmp;
  if (y < 1.0) {
    double lo = scale - y + scale * tmp;
    double hi = 1.0 + y;
    lo = 1.0 - hi + y + lo;
    y = (hi + lo) - 1.0;
    if (y == 0.0) {
      y = 0.0; /* never -0 */
    }
  }
  return 0x1p-1022 * y;
}

/* The 1-lane instance of the kernels' core for ordinary arguments, so the
 * scalar and vector results agree by construction; special arguments
 * follow ARM's special cases. */
double pc_exp(double x) {
  uint32_t abstop = (uint32_t)(as_u64(x) >> 52) & 0x7ff;
  if (abstop - 0x3c9 < 0x3f) {
    vd_one v = {x};
    return exp_core_one(v)[0];
  }
  if (abstop < 0x3c9) {
    return 1.0 + x; /* |x| < 2^-54, including 0: exp(x) rounds to 1 + x */
  }
  if (abstop >= 0x409) { /* |x| >= 1024, inf or NaN */
    if (x == -INFINITY) {
      return 0.0;
    }
    if (abstop >= 0x7ff) {
      return 1.0 + x; /* +inf, NaN */
    }
    return x < 0 ? 0.0 : INFINITY;
  }
  return exp_large(x);
}

/* log(m 2^e) = e ln 2 + log(m) with m in [sqrt(1/2), sqrt(2)): log(m) =
 * 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...) with s = (m - 1) / (m + 1),
 * |s| <= 0.1716, so eleven terms reach 0.1716^23 / 23 < 1e-18 of the sum.
 * ln 2 is split (hi has its low bits zero) so that e * hi is exact. */
static double ln_frexp(double x) {
  static const double ln2_hi = 6.93147180369123816490e-01;
  static const double ln2_lo = 1.90821492927058770002e-10;
  int e = 0;
  double m = frexp(x, &e); /* exact: m in [0.5, 1) */
  if (m < 0.70710678118654752440) {
    m *= 2.0; /* exact */
    e--;
  }
  double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  double poly = 1.0 / 23.0;
  for (int k = 21; k >= 3; k -= 2) {
    poly = 1.0 / k + s2 * poly;
  }
  double lm = 2.0 * s + 2.0 * s * (s2 * poly);
  return (double)e * ln2_hi + (lm + (double)e * ln2_lo);
}

/* Positive normal numbers through the 1-lane instance of the kernels' core,
 * which does ln_frexp's arithmetic with the split read off the bits, so the
 * scalar and vector results agree by construction; ln_frexp, the
 * definition, takes the rest (subnormals, and arguments outside the
 * domain, whose results nothing relies on). */
double pc_ln(double x) {
  vd_one v = {x};
  if (ln_special_one(v)[0]) {
    return ln_frexp(x);
  }
  return ln_core_one(v)[0];
}

/* ---- widths -------------------------------------------------------------- */

static const char *const simd_names[PC_SIMD_COUNT] = {"scalar", "sse2", "avx2",
                                                      "avx512"};

const char *pc_simd_name(pc_simd s) {
  return (unsigned)s < PC_SIMD_COUNT ? simd_names[s] : "?";
}

/* CPUID through the compiler's runtime, which also checks that the OS saves
 * the wide registers; under valgrind it reports what valgrind emulates. */
int pc_simd_available(pc_simd s) {
#if PK_X86
  __builtin_cpu_init();
  switch (s) {
  case PC_SIMD_SCALAR:
  case PC_SIMD_SSE2:
    return 1;
  case PC_SIMD_AVX2:
    return __builtin_cpu_supports("avx2") != 0;
  case PC_SIMD_AVX512:
    return __builtin_cpu_supports("avx512f") != 0;
  default:
    return 0;
  }
#else
  return s == PC_SIMD_SCALAR;
#endif
}

/* AVX-512 when present: 8 lanes halve Philox's share of a forecast. */
pc_simd pc_simd_best(void) {
  pc_simd best = PC_SIMD_SCALAR;
  for (int s = 1; s < PC_SIMD_COUNT; s++) {
    if (pc_simd_available((pc_simd)s)) {
      best = (pc_simd)s;
    }
  }
  return best;
}

/* For messages that say what this CPU offers instead of a refused value. */
void pc_simd_available_names(char *buf, size_t len) {
  buf[0] = '\0';
  for (int s = 0; s < PC_SIMD_COUNT; s++) {
    if (pc_simd_available((pc_simd)s)) {
      pc_names_append(buf, len, simd_names[s]);
    }
  }
}

pc_status pc_simd_parse(const char *text, pc_simd *out, pc_error *e) {
  char avail[64];
  pc_simd_available_names(avail, sizeof avail);
  if (text == NULL || text[0] == '\0' || strcmp(text, "auto") == 0) {
    *out = pc_simd_best();
    return PC_OK;
  }
  for (int s = 0; s < PC_SIMD_COUNT; s++) {
    if (strcmp(text, simd_names[s]) != 0) {
      continue;
    }
    if (!pc_simd_available((pc_simd)s)) {
      return pc_error_set(e, PC_INPUT, "%s=%s: this CPU cannot run %s "
                          "(available here: auto, %s)", PC_SIMD_ENV, text,
                          text, avail);
    }
    *out = (pc_simd)s;
    return PC_OK;
  }
  return pc_error_set(e, PC_INPUT, "%s=%s: unknown SIMD width (valid: auto, "
                      "scalar, sse2, avx2, avx512; available here: %s)",
                      PC_SIMD_ENV, text, avail);
}

/* main calls this before parsing the job, so a typo in the variable is an
 * input error (exit 2) and never a silent change of width. */
pc_status pc_simd_check_env(pc_error *e) {
  pc_simd s;
  return pc_simd_parse(getenv(PC_SIMD_ENV), &s, e);
}

pc_simd pc_simd_active(void) {
  pc_simd s;
  if (pc_simd_parse(getenv(PC_SIMD_ENV), &s, NULL) != PC_OK) {
    return pc_simd_best(); /* refused at start-up by pc_simd_check_env */
  }
  return s;
}

/* The kernels of width s; NULL for the scalar reference.  A width the CPU
 * lacks is replaced by the best it has, so no call can fault. */
static const pk_kernels *kernels_of(pc_simd s) {
  if (s == PC_SIMD_SCALAR) {
    return NULL;
  }
  if (!pc_simd_available(s)) {
    s = pc_simd_best();
  }
#if PK_X86
  switch (s) {
  case PC_SIMD_SSE2:
    return &kernels_sse2;
  case PC_SIMD_AVX2:
    return &kernels_avx2;
  case PC_SIMD_AVX512:
    return &kernels_avx512;
  default:
    break;
  }
#endif
  return NULL;
}

/* ---- the public kernels -------------------------------------------------- */

/* Scratch for q draws of each of the kernel's paths at a time (owned by
 * the caller of scratch_alloc, released by scratch_free). */
static pc_status scratch_alloc(pk_scratch *w, const pk_kernels *k, int q) {
  size_t cells = (size_t)q * (size_t)k->chains;
  w->q = q;
  w->lane_bits = 0;
  while ((1 << w->lane_bits) < k->lanes) {
    w->lane_bits++;
  }
  w->draws = malloc(cells * sizeof *w->draws);
  w->fast = malloc(cells * sizeof *w->fast);
  w->idx = malloc(2 * cells * sizeof *w->idx);
  if (w->draws == NULL || w->fast == NULL || w->idx == NULL) {
    free(w->draws);
    free(w->fast);
    free(w->idx);
    return PC_NOMEM;
  }
  return PC_OK;
}

static void scratch_free(pk_scratch *w) {
  free(w->draws);
  free(w->fast);
  free(w->idx);
}

/* Draws to precompute for `need` of them: whole block vectors. */
static int draws_for(const pk_kernels *k, int need) {
  int step = 2 * k->lanes;
  return (need + PK_EXTRA + step - 1) / step * step;
}

/* The scalar width is the reference definition itself: one pc_rng stream
 * per path.  The vector widths allocate their scratch once per call (a
 * forecast), not per path. */
pc_status pc_paths_normals(pc_simd s, pc_rng_key key, uint32_t purpose,
                           uint32_t first, int npaths, int n, double *z,
                           size_t ld) {
  const pk_kernels *k = kernels_of(s);
  if (npaths <= 0 || n <= 0) {
    return PC_OK;
  }
  if (k == NULL) {
    for (int i = 0; i < npaths; i++) {
      pc_rng r;
      pc_rng_init(&r, key, first + (uint32_t)i, purpose);
      pc_rng_normals(&r, z + (size_t)i * ld, n);
    }
    return PC_OK;
  }
  pk_scratch w;
  pk_stream st = {key, purpose};
  if (scratch_alloc(&w, k, draws_for(k, n)) != PC_OK) {
    return PC_NOMEM;
  }
  k->normals(&st, first, npaths, n, z, ld, &w);
  scratch_free(&w);
  return PC_OK;
}

pc_status pc_paths_below(pc_simd s, pc_rng_key key, uint32_t purpose,
                         uint32_t first, int npaths, int n, uint32_t range,
                         uint32_t *idx, size_t ld) {
  const pk_kernels *k = kernels_of(s);
  if (npaths <= 0 || n <= 0) {
    return PC_OK;
  }
  /* range 1 has one answer and reads no word (pc_rng_below); the reference
   * loop gives it, and it is never a hot path. */
  if (k == NULL || range <= 1) {
    for (int i = 0; i < npaths; i++) {
      pc_rng r;
      pc_rng_init(&r, key, first + (uint32_t)i, purpose);
      for (int j = 0; j < n; j++) {
        idx[(size_t)i * ld + (size_t)j] = pc_rng_below(&r, range);
      }
    }
    return PC_OK;
  }
  pk_scratch w;
  pk_stream st = {key, purpose};
  if (scratch_alloc(&w, k, draws_for(k, (n + 1) / 2)) != PC_OK) {
    return PC_NOMEM;
  }
  k->below(&st, first, npaths, n, range, idx, ld, &w);
  scratch_free(&w);
  return PC_OK;
}

/* x[i] = one(x[i]) in place: by the width's block kernel, or element by
 * element for the scalar reference (block NULL). */
static void map_in_place(double *x, size_t n, double (*one)(double),
                         void (*block)(double *, size_t)) {
  if (block != NULL) {
    block(x, n);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    x[i] = one(x[i]);
  }
}

/* In place, so a model exponentiates its whole block of log prices after
 * its recursion, without a second buffer. */
void pc_paths_exp(pc_simd s, double *x, size_t n) {
  const pk_kernels *k = kernels_of(s);
  map_in_place(x, n, pc_exp, k != NULL ? k->exp_block : NULL);
}

/* In place, as pc_paths_exp: callers fill x with the arguments (closes or
 * ratios of closes) and take their logs in one pass. */
void pc_paths_ln(pc_simd s, double *x, size_t n) {
  const pk_kernels *k = kernels_of(s);
  map_in_place(x, n, pc_ln, k != NULL ? k->ln_block : NULL);
}

int pc_paths_to_float(pc_simd s, const double *x, size_t n, float *out) {
  const pk_kernels *k = kernels_of(s);
  return k == NULL ? pk_to_float_scalar(x, n, out) : k->to_float(x, n, out);
}
