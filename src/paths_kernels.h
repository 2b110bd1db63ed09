/* The path kernels, written once and compiled once per SIMD width (a
 * template: src/paths.c includes this file several times).  Before each
 * inclusion it defines
 *   PK_LANES     lanes of 64 bits (1, 2, 4 or 8),
 *   PK_SUFFIX    the suffix of this width's function names,
 *   PK_ATTR      the attributes of its functions (target("avx2"), ...),
 *   PK_MUL32     (a, m): the 64-bit products of the low 32 bits of each lane
 *                of a with the 32-bit constant m,
 *   PK_CHAINS    independent Philox blocks computed side by side.
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

/* ---- small helpers -------------------------------------------------------- */

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

/* Table lookups lane by lane (the compiler emits loads and inserts, or a
 * gather); exact, so the width cannot change the values. */
PK_ATTR static inline VU PK(gather)(const uint64_t *table, VU idx) {
  VU out;
  for (int l = 0; l < PK_LANES; l++) {
    out[l] = table[idx[l]];
  }
  return out;
}

PK_ATTR static inline VD PK(gather_d)(const double *table, VU idx) {
  VD out;
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

/* ---- exp ------------------------------------------------------------------ */

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
  VD tail = (VD)PK(gather)(pc_exp_table, idx);
  *sbits = PK(gather)(pc_exp_table, idx + 1) + (*ki << 45);
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

/* ---- Philox4x32-10 -------------------------------------------------------- */

/* Ten rounds on PK_CHAINS independent blocks per lane.  Each lane keeps a
 * 32-bit word in the low half of a 64-bit lane; the high halves carry junk
 * from the products, which PK_MUL32 ignores and the caller masks off. */
PK_ATTR static inline void PK(philox)(VU x[PK_CHAINS][4], pc_rng_key key) {
  uint32_t k0 = key.k[0], k1 = key.k[1];
  for (int round = 0; round < 10; round++) {
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

/* Blocks b .. b + PK_CHAINS - 1 of the streams of paths first .. first +
 * PK_LANES - 1, as 64-bit draws (two words, the first word high, as
 * pc_rng's next_u64 reads them): draws[2j] and draws[2j + 1] of block b + j. */
PK_ATTR static inline void PK(blocks)(const pk_stream *s, uint32_t first,
                                      uint32_t b, VU draws[2 * PK_CHAINS]) {
  VU x[PK_CHAINS][4];
  VU lane;
  for (int l = 0; l < PK_LANES; l++) {
    lane[l] = first + (uint32_t)l;
  }
  for (int c = 0; c < PK_CHAINS; c++) {
    x[c][0] = (VU){0} + (uint64_t)(b + (uint32_t)c);
    x[c][1] = lane;
    x[c][2] = (VU){0} + (uint64_t)s->purpose;
    x[c][3] = (VU){0};
  }
  PK(philox)(x, s->key);
  for (int c = 0; c < PK_CHAINS; c++) {
    draws[2 * c] = (x[c][0] << 32) | (x[c][1] & 0xffffffffu);
    draws[2 * c + 1] = (x[c][2] << 32) | (x[c][3] & 0xffffffffu);
  }
}

/* ---- normals -------------------------------------------------------------- */

/* The ziggurat's fast path on every lane (rng.c, normal_ziggurat): the value
 * where u < k[layer], NaN where the draw needs the slow path.  u < 2^52, so
 * OR-ing it into the bits of 2^52 and subtracting 2^52 converts it exactly,
 * the same number as the scalar (double)(int64_t)u. */
PK_ATTR static inline VD PK(ziggurat_fast)(VU bits) {
  VU layer = bits & 0xff;
  VU u = bits >> 12;
  VI accept = (VI)u < (VI)PK(gather)(zig_k, layer);
  VD x = ((VD)(u | 0x4330000000000000u) - 0x1p52) *
         PK(gather_d)(zig_w, layer);
  VU signed_x = (VU)x ^ ((bits >> 8) << 63);
  VU nan = (VU){0} + 0x7ff8000000000000u;
  return (VD)((signed_x & (VU)accept) | (nan & ~(VU)accept));
}

/* Phase 1 of a tile: the first q draws of each lane's stream and their
 * fast-path values, lane-interleaved (draw j of lane l at j * PK_LANES + l). */
PK_ATTR static void PK(normal_draws)(const pk_stream *s, uint32_t first, int q,
                                     uint64_t *draws, double *fast) {
  for (int j = 0; j < q; j += 2 * PK_CHAINS) {
    VU d[2 * PK_CHAINS];
    PK(blocks)(s, first, (uint32_t)(j / 2), d);
    for (int c = 0; c < 2 * PK_CHAINS; c++) {
      VD v = PK(ziggurat_fast)(d[c]);
      memcpy(draws + (size_t)(j + c) * PK_LANES, &d[c], sizeof d[c]);
      memcpy(fast + (size_t)(j + c) * PK_LANES, &v, sizeof v);
    }
  }
}

PK_ATTR static void PK(normals)(const pk_stream *s, uint32_t first, int npaths,
                                int n, double *z, size_t ld, pk_scratch *w) {
  for (int p = 0; p < npaths; p += PK_LANES) {
    int lanes = npaths - p < PK_LANES ? npaths - p : PK_LANES;
    PK(normal_draws)(s, first + (uint32_t)p, w->q, w->draws, w->fast);
    pk_normal_lanes(s, first + (uint32_t)p, lanes, PK_LANES, n, w,
                    z + (size_t)p * ld, ld);
  }
}

/* ---- uniform indices ------------------------------------------------------ */

/* Phase 1 for pc_rng_below: the first q words of each lane's stream and the
 * index each gives, or UINT32_MAX where the word's low product half is below
 * the range (a possible rejection, which the scalar code decides). */
PK_ATTR static void PK(below_words)(const pk_stream *s, uint32_t first, int q,
                                    uint32_t range, uint64_t *draws,
                                    uint64_t *idx) {
  for (int j = 0; j < q; j += 2 * PK_CHAINS) {
    VU d[2 * PK_CHAINS];
    PK(blocks)(s, first, (uint32_t)(j / 2), d);
    for (int c = 0; c < 2 * PK_CHAINS; c++) {
      /* A draw holds two words, the first high: two indices. */
      VU hi = PK_MUL32(d[c] >> 32, range), lo = PK_MUL32(d[c], range);
      VI hi_doubt = (VI)(hi & 0xffffffffu) < (VI){0} + (int64_t)range;
      VI lo_doubt = (VI)(lo & 0xffffffffu) < (VI){0} + (int64_t)range;
      VU a = ((hi >> 32) & ~(VU)hi_doubt) | ((VU)hi_doubt & 0xffffffffu);
      VU b = ((lo >> 32) & ~(VU)lo_doubt) | ((VU)lo_doubt & 0xffffffffu);
      memcpy(draws + (size_t)(j + c) * PK_LANES, &d[c], sizeof d[c]);
      memcpy(idx + (size_t)(2 * (j + c)) * PK_LANES, &a, sizeof a);
      memcpy(idx + (size_t)(2 * (j + c) + 1) * PK_LANES, &b, sizeof b);
    }
  }
}

PK_ATTR static void PK(below)(const pk_stream *s, uint32_t first, int npaths,
                              int n, uint32_t range, uint32_t *out, size_t ld,
                              pk_scratch *w) {
  for (int p = 0; p < npaths; p += PK_LANES) {
    int lanes = npaths - p < PK_LANES ? npaths - p : PK_LANES;
    PK(below_words)(s, first + (uint32_t)p, w->q, range, w->draws, w->idx);
    pk_below_lanes(s, first + (uint32_t)p, lanes, PK_LANES, n, range, w,
                   out + (size_t)p * ld, ld);
  }
}

__attribute__((unused)) static const pk_kernels PK(kernels) = {PK_LANES, 2 * PK_CHAINS, PK(exp_block),
                                       PK(normals), PK(below)};

#undef VU
#undef VI
#undef VD
#undef PK
#undef PK_CAT
#undef PK_CAT2
