/* The path kernels, written once and compiled once per SIMD width (a
 * template: src/core/paths.c includes this file several times).  Before each
 * inclusion it defines (the end of this file undefines them again)
 *   PK_LANES     lanes of 64 bits (1, 2, 4 or 8),
 *   PK_SUFFIX    the suffix of this width's function names,
 *   PK_ATTR      the attributes of its functions (target("avx2"), ...),
 *   PK_MUL32     (a, m): the 64-bit products of the low 32 bits of each lane
 *                of a with the 32-bit constant m,
 *   PK_CHAINS    paths whose Philox block vectors are computed side by
 *                side (independent multiply chains overlap their latency),
 *   PK_GATHER    (table, idx) and PK_GATHER_D: table lookups per lane.
 *
 * Everything here is lane-wise arithmetic that C defines exactly: integer
 * operations, and IEEE double additions, multiplications and conversions
 * (each rounded once; the file is compiled with -ffp-contract=off, so no
 * multiply-add is fused).  A lane therefore computes the very numbers the
 * 1-lane instance computes, whatever the width: that is the whole argument
 * for bit-identical output across CPUs, and tests/unit/test_paths.c checks
 * it on every width the CPU has. */

#define PK_CAT2(a, b) a##_##b
#define PK_CAT(a, b) PK_CAT2(a, b)
#define PK(name) PK_CAT(name, PK_SUFFIX)

typedef uint64_t PK(vu) __attribute__((vector_size(8 * PK_LANES)));
typedef int64_t PK(vi) __attribute__((vector_size(8 * PK_LANES)));
typedef double PK(vd) __attribute__((vector_size(8 * PK_LANES)));
#define VU PK(vu)
#define VI PK(vi)
#define VD PK(vd)

/* ---- small helpers ------------------------------------------------------- */

/* Vector literals through memcpy: the compiler turns these into plain
 * loads and stores, and unaligned rows are fine. */
PK_ATTR static inline VD PK(load_d)(const double *p) {
  VD v;
  memcpy(&v, p, sizeof v);
  return v;
}

PK_ATTR static inline VU PK(load_u)(const uint64_t *p) {
  VU v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* Table lookups lane by lane, for widths without a gather instruction
 * (PK_GATHER chooses); exact, so the width cannot change the values. */
PK_ATTR static inline VU PK(gather)(const uint64_t *table, VU idx) {
  VU out = {0};
  for (int l = 0; l < PK_LANES; l++) {
    out[l] = table[idx[l]];
  }
  return out;
}

PK_ATTR static inline VD PK(gather_d)(const double *table, VU idx) {
  VD out = {0};
  for (int l = 0; l < PK_LANES; l++) {
    out[l] = table[idx[l]];
  }
  return out;
}

/* Whether any lane of a comparison result is set. */
PK_ATTR static inline int PK(any)(VI mask) {
  int64_t m = 0;
  for (int l = 0; l < PK_LANES; l++) {
    m |= mask[l];
  }
  return m != 0;
}

/* ---- exp ----------------------------------------------------------------- */

/* exp(x) = 2^(k/N) * exp(r): k = round(x * N / ln 2) by the 1.5 * 2^52
 * shift (the rounded value lands in the low bits of kd), r = x - k ln2/N in
 * two parts (the high part has trailing zeros, so kd * hi is exact), and
 * exp(r) - 1 by a degree-5 polynomial.  ARM's optimized-routines exp;
 * constants from its exp_data.c.  Returns tmp, with exp(x) = scale * (1 +
 * tmp) where scale has the bits *sbits (wrapped when k is out of range) and
 * *ki holds k in its low bits. */
PK_ATTR static inline VD PK(exp_parts)(VD x, VU *sbits, VU *ki) {
  const double inv_ln2_n = 0x1.71547652b82fep0 * 128.0;
  const double shift = 0x1.8p52;
  const double neg_ln2_hi_n = -0x1.62e42fefa0000p-8;
  const double neg_ln2_lo_n = -0x1.cf79abc9e3b3ap-47;
  const double c2 = 0x1.ffffffffffdbdp-2, c3 = 0x1.555555555543cp-3;
  const double c4 = 0x1.55555cf172b91p-5, c5 = 0x1.1111167a4d017p-7;
  VD kd = x * inv_ln2_n + shift;
  *ki = (VU)kd;
  kd = kd - shift;
  VD r = x + kd * neg_ln2_hi_n + kd * neg_ln2_lo_n;
  VU idx = (*ki & 127) * 2;
  VD tail = (VD)PK_GATHER(pc_exp_table, idx);
  *sbits = PK_GATHER(pc_exp_table, idx + 1) + (*ki << 45);
  VD r2 = r * r;
  return tail + r + r2 * (c2 + r * c3) + r2 * r2 * (c4 + r * c5);
}

/* exp(x) for 2^-54 <= |x| < 512, where scale cannot wrap; pc_exp handles
 * the rest in scalar code. */
PK_ATTR static inline VD PK(exp_core)(VD x) {
  VU sbits, ki;
  VD tmp = PK(exp_parts)(x, &sbits, &ki);
  VD scale = (VD)sbits;
  return scale + scale * tmp;
}

/* Lanes whose |x| is outside [2^-54, 512) (including inf and NaN): the
 * unsigned difference of the exponent field wraps below the range. */
PK_ATTR static inline VI PK(exp_special)(VD x) {
  VU top = ((VU)x >> 52) & 0x7ff;
  return (VI)((top - 0x3c9) >= 0x3f);
}

PK_ATTR static void PK(exp_block)(double *x, size_t n) {
  size_t i = 0;
  for (; i + PK_LANES <= n; i += PK_LANES) {
    VD v = PK(load_d)(x + i);
    if (PK(any)(PK(exp_special)(v))) {
      for (int l = 0; l < PK_LANES; l++) {
        x[i + (size_t)l] = pc_exp(x[i + (size_t)l]);
      }
      continue;
    }
    v = PK(exp_core)(v);
    memcpy(x + i, &v, sizeof v);
  }
  for (; i < n; i++) {
    x[i] = pc_exp(x[i]);
  }
}

/* ---- log ----------------------------------------------------------------- */

/* pc_ln's arithmetic (src/core/paths.c) for positive normal x, lane by
 * lane: frexp's split read off the bits (exact for normal numbers), then
 * the same IEEE operations in the same order, so a lane computes the bits
 * the scalar definition computes. */
PK_ATTR static inline VD PK(ln_core)(VD x) {
  const double ln2_hi = 6.93147180369123816490e-01;
  const double ln2_lo = 1.90821492927058770002e-10;
  VU bits = (VU)x;
  VI e = (VI)((bits >> 52) & 0x7ff) - 1022;
  VD m = (VD)((bits & 0x000fffffffffffffu) | 0x3fe0000000000000u);
  VI small = m < 0.70710678118654752440; /* -1 where m is doubled */
  m = (VD)(((VU)(m * 2.0) & (VU)small) | ((VU)m & ~(VU)small));
  e = e + small;
  VD s = (m - 1.0) / (m + 1.0), s2 = s * s;
  /* 1/k for k = 23, 21, ..., 3, rounded once as pc_ln's divisions round
   * them (the compiler folds each quotient correctly rounded). */
  static const double inv[11] = {1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17,
                                 1.0 / 15, 1.0 / 13, 1.0 / 11, 1.0 / 9,
                                 1.0 / 7,  1.0 / 5,  1.0 / 3};
  VD poly = (VD){0} + inv[0];
#pragma GCC unroll 10
  for (int k = 1; k < 11; k++) {
    poly = inv[k] + s2 * poly;
  }
  VD lm = 2.0 * s + 2.0 * s * (s2 * poly);
  /* (double)e exactly, without a 64-bit conversion instruction (AVX2 has
   * none): e + 2^51 in the low bits of 2^52's, less 2^52 + 2^51. */
  VD ed = (VD)((VU)(e + ((int64_t)1 << 51)) | 0x4330000000000000u) -
          (0x1p52 + 0x1p51);
  return ed * ln2_hi + (lm + ed * ln2_lo);
}

/* Lanes that are not positive normal numbers (zero, subnormal, negative,
 * inf, NaN): the biased exponent with the sign bit, less one, wraps or
 * reaches 0x7fe. */
PK_ATTR static inline VI PK(ln_special)(VD x) {
  VU top = (VU)x >> 52;
  return (VI)((top - 1) >= 0x7fe);
}

/* One vector in place; a lane outside the core's domain sends the vector
 * to the scalar definition. */
PK_ATTR static inline void PK(ln_vector)(double *x) {
  VD v = PK(load_d)(x);
  if (PK(any)(PK(ln_special)(v))) {
    for (int l = 0; l < PK_LANES; l++) {
      x[l] = pc_ln(x[l]);
    }
    return;
  }
  v = PK(ln_core)(v);
  memcpy(x, &v, sizeof v);
}

PK_ATTR static void PK(ln_block)(double *x, size_t n) {
  size_t i = 0;
  /* Four vectors at a time: each log is a chain of about 25 dependent
   * operations, and four independent chains keep the multipliers busy. */
  for (; i + 4 * PK_LANES <= n; i += 4 * PK_LANES) {
    VD v[4];
    VI special = {0};
    for (int j = 0; j < 4; j++) {
      v[j] = PK(load_d)(x + i + (size_t)j * PK_LANES);
      special |= PK(ln_special)(v[j]);
    }
    if (PK(any)(special)) {
      for (int j = 0; j < 4; j++) {
        PK(ln_vector)(x + i + (size_t)j * PK_LANES);
      }
      continue;
    }
    for (int j = 0; j < 4; j++) {
      v[j] = PK(ln_core)(v[j]);
    }
    memcpy(x + i, v, sizeof v);
  }
  for (; i + PK_LANES <= n; i += PK_LANES) {
    PK(ln_vector)(x + i);
  }
  for (; i < n; i++) {
    x[i] = pc_ln(x[i]);
  }
}

/* ---- float32 ------------------------------------------------------------- */

typedef float PK(vf) __attribute__((vector_size(4 * PK_LANES)));
typedef int32_t PK(vi32) __attribute__((vector_size(4 * PK_LANES)));

/* out[i] = (float)x[i], each rounded to nearest once, as the scalar cast;
 * 1 when every value is a finite positive float (a price), else 0. */
PK_ATTR static int PK(to_float)(const double *x, size_t n, float *out) {
  PK(vi32) bad = {0};
  size_t i = 0;
  for (; i + PK_LANES <= n; i += PK_LANES) {
    PK(vf) f = __builtin_convertvector(PK(load_d)(x + i), PK(vf));
    bad |= ~((f > 0.0f) & (f <= FLT_MAX));
    memcpy(out + i, &f, sizeof f);
  }
  int ok = 1;
  for (int l = 0; l < PK_LANES; l++) {
    ok &= bad[l] == 0;
  }
  return ok & pk_to_float_scalar(x + i, n - i, out + i);
}

/* ---- Philox4x32-10 ------------------------------------------------------- */

/* Ten rounds on PK_CHAINS independent block vectors.  Each lane keeps a
 * 32-bit word in the low half of a 64-bit lane; the high halves carry junk
 * from the products, which PK_MUL32 ignores and the caller masks off. */
PK_ATTR static inline void PK(philox)(VU x[PK_CHAINS][4], pc_rng_key key) {
  uint32_t k0 = key.k[0], k1 = key.k[1];
  /* AVX2 and AVX-512 unrolled whole, so that the block vectors stay in
   * registers instead of going through memory every round (normals 11%
   * faster with AVX2 on Zen 3; SSE2, with fewer registers, 2% slower). */
#if PK_LANES >= 4
#pragma GCC unroll 10
#endif
  for (int round = 0; round < 10; round++) {
#if PK_LANES >= 4
#pragma GCC unroll 4
#endif
    for (int c = 0; c < PK_CHAINS; c++) {
      VU p0 = PK_MUL32(x[c][0], PHILOX_M0);
      VU p1 = PK_MUL32(x[c][2], PHILOX_M1);
      x[c][0] = (p1 >> 32) ^ x[c][1] ^ k0;
      x[c][1] = p1;
      x[c][2] = (p0 >> 32) ^ x[c][3] ^ k1;
      x[c][3] = p0;
    }
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
}

/* Block vector v of paths path .. path + PK_CHAINS - 1: lane j of chain c is
 * block v * PK_LANES + j of path `path + c`, so one path's blocks sit side by
 * side.  As 64-bit draws (two words, the first high, as pc_rng reads them):
 * even[c] holds draws 2b, odd[c] draws 2b + 1 of each lane's block b. */
PK_ATTR static inline void PK(blocks)(const pk_stream *s, uint32_t path,
                                      uint32_t v, VU even[PK_CHAINS],
                                      VU odd[PK_CHAINS]) {
  VU x[PK_CHAINS][4];
  VU block = {0};
  for (int l = 0; l < PK_LANES; l++) {
    block[l] = v * PK_LANES + (uint32_t)l;
  }
  for (int c = 0; c < PK_CHAINS; c++) {
    x[c][0] = block;
    x[c][1] = (VU){0} + (uint64_t)(path + (uint32_t)c);
    x[c][2] = (VU){0} + (uint64_t)s->purpose;
    x[c][3] = (VU){0};
  }
  PK(philox)(x, s->key);
  for (int c = 0; c < PK_CHAINS; c++) {
    even[c] = (x[c][0] << 32) | (x[c][1] & 0xffffffffu);
    odd[c] = (x[c][2] << 32) | (x[c][3] & 0xffffffffu);
  }
}

/* ---- normals ------------------------------------------------------------- */

/* The ziggurat's fast path on every lane (rng.c, normal_ziggurat): the value
 * where u < k[layer], NaN where the draw needs the slow path (*rejected
 * set).  u < 2^52, so OR-ing it into the bits of 2^52 and subtracting 2^52
 * converts it exactly, the same number as the scalar (double)(int64_t)u. */
PK_ATTR static inline VD PK(ziggurat_fast)(VU bits, VI *rejected) {
  VU layer = bits & 0xff;
  VU u = bits >> 12;
  VI accept = (VI)u < (VI)PK_GATHER(zig_k, layer);
  VD x = ((VD)(u | 0x4330000000000000u) - 0x1p52) * PK_GATHER_D(zig_w, layer);
  VU signed_x = (VU)x ^ ((bits >> 8) << 63);
  VU nan = (VU){0} + 0x7ff8000000000000u;
  *rejected = ~accept;
  return (VD)((signed_x & (VU)accept) | (nan & ~(VU)accept));
}

/* Stores the fast values of draws base .. base + 2 * PK_LANES - 1 of one
 * path in stream order: those below n into its output row, the others into
 * its spare row. */
PK_ATTR static inline void PK(put_fast)(VD even, VD odd, int base, int n,
                                        double *row, double *spare) {
  if (base + 2 * PK_LANES <= n) {
    for (int l = 0; l < PK_LANES; l++) {
      row[base + 2 * l] = even[l];
      row[base + 2 * l + 1] = odd[l];
    }
    return;
  }
  for (int l = 0; l < PK_LANES; l++) {
    int j = base + 2 * l;
    *(j < n ? row + j : spare + j) = even[l];
    *(j + 1 < n ? row + j + 1 : spare + j + 1) = odd[l];
  }
}

/* Phase 1 for paths path .. path + paths - 1 (paths <= PK_CHAINS): the
 * first w->q draws of each (w->draws, block-vector order, see pk_draw);
 * their fast-path values, the first n into the path's row of z and the rest
 * into w->fast; and whether any of its draws needs the slow path
 * (w->dirty). */
PK_ATTR static void PK(normal_draws)(const pk_stream *s, uint32_t path,
                                     int paths, int n, double *z, size_t ld,
                                     pk_scratch *w) {
  int nv = w->q / (2 * PK_LANES);
  VI dirty[PK_CHAINS];
  for (int c = 0; c < PK_CHAINS; c++) {
    dirty[c] = (VI){0};
  }
  for (int v = 0; v < nv; v++) {
    VU even[PK_CHAINS], odd[PK_CHAINS];
    PK(blocks)(s, path, (uint32_t)v, even, odd);
    for (int c = 0; c < paths; c++) {
      VI re, ro;
      VD fe = PK(ziggurat_fast)(even[c], &re),
         fo = PK(ziggurat_fast)(odd[c], &ro);
      uint64_t *d = w->draws + (size_t)(2 * (c * nv + v)) * PK_LANES;
      memcpy(d, &even[c], sizeof even[c]);
      memcpy(d + PK_LANES, &odd[c], sizeof odd[c]);
      PK(put_fast)(fe, fo, 2 * PK_LANES * v, n, z + (size_t)c * ld,
                   w->fast + (size_t)c * (size_t)w->q);
      dirty[c] |= re | ro;
    }
  }
  for (int c = 0; c < paths; c++) {
    w->dirty[c] = PK(any)(dirty[c]);
  }
}

PK_ATTR static void PK(normals)(const pk_stream *s, uint32_t first, int npaths,
                                int n, double *z, size_t ld, pk_scratch *w) {
  for (int p = 0; p < npaths; p += PK_CHAINS) {
    int paths = npaths - p < PK_CHAINS ? npaths - p : PK_CHAINS;
    double *rows = z + (size_t)p * ld;
    PK(normal_draws)(s, first + (uint32_t)p, paths, n, rows, ld, w);
    pk_normal_paths(s, first + (uint32_t)p, paths, n, w, rows, ld);
  }
}

/* ---- uniform indices ----------------------------------------------------- */

/* The indices two words (a draw, first word high) give for `range`, or
 * PK_DOUBT where a word's low product half is below the range (a possible
 * rejection, which the scalar code decides). */
PK_ATTR static inline void PK(below_pair)(VU d, uint32_t range, VU *a,
                                          VU *b) {
  VU hi = PK_MUL32(d >> 32, range), lo = PK_MUL32(d, range);
  VI hi_doubt = (VI)(hi & 0xffffffffu) < (VI){0} + (int64_t)range;
  VI lo_doubt = (VI)(lo & 0xffffffffu) < (VI){0} + (int64_t)range;
  *a = ((hi >> 32) & ~(VU)hi_doubt) | ((VU)hi_doubt & PK_DOUBT);
  *b = ((lo >> 32) & ~(VU)lo_doubt) | ((VU)lo_doubt & PK_DOUBT);
}

/* Phase 1 for pc_rng_below: the draws as for normals, and the index of each
 * word (w->idx, one row of 2q per path, in stream order). */
PK_ATTR static void PK(below_words)(const pk_stream *s, uint32_t path,
                                    uint32_t range, pk_scratch *w) {
  int nv = w->q / (2 * PK_LANES);
  for (int v = 0; v < nv; v++) {
    VU even[PK_CHAINS], odd[PK_CHAINS];
    PK(blocks)(s, path, (uint32_t)v, even, odd);
    for (int c = 0; c < PK_CHAINS; c++) {
      VU i0, i1, i2, i3;
      PK(below_pair)(even[c], range, &i0, &i1);
      PK(below_pair)(odd[c], range, &i2, &i3);
      uint64_t *d = w->draws + (size_t)(2 * (c * nv + v)) * PK_LANES;
      uint64_t *k = w->idx + (size_t)c * 2 * (size_t)w->q + 4 * PK_LANES * v;
      memcpy(d, &even[c], sizeof even[c]);
      memcpy(d + PK_LANES, &odd[c], sizeof odd[c]);
      for (int l = 0; l < PK_LANES; l++) {
        k[4 * l] = i0[l];
        k[4 * l + 1] = i1[l];
        k[4 * l + 2] = i2[l];
        k[4 * l + 3] = i3[l];
      }
    }
  }
}

PK_ATTR static void PK(below)(const pk_stream *s, uint32_t first, int npaths,
                              int n, uint32_t range, uint32_t *out, size_t ld,
                              pk_scratch *w) {
  for (int p = 0; p < npaths; p += PK_CHAINS) {
    int paths = npaths - p < PK_CHAINS ? npaths - p : PK_CHAINS;
    PK(below_words)(s, first + (uint32_t)p, range, w);
    pk_below_paths(s, first + (uint32_t)p, paths, n, range, w,
                   out + (size_t)p * ld, ld);
  }
}

__attribute__((unused)) static const pk_kernels PK(kernels) = {
    PK_LANES,  PK_CHAINS,   PK(exp_block), PK(normals),
    PK(below), PK(to_float), PK(ln_block)};

#undef VU
#undef VI
#undef VD
#undef PK
#undef PK_CAT
#undef PK_CAT2
/* The parameters too: each inclusion defines its own. */
#undef PK_LANES
#undef PK_SUFFIX
#undef PK_ATTR
#undef PK_CHAINS
#undef PK_MUL32
#undef PK_GATHER
#undef PK_GATHER_D
