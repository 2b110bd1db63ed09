/* The steps of the ARIMA filter's recursion, written once and compiled for
 * two element types (a template: src/models/arima_kalman.c includes this
 * file twice).  Before each inclusion it defines (the end of this file
 * undefines them again)
 *   AK_T       the element: double (one run), or a vector of two doubles
 *              (two runs, one per lane),
 *   AK_SS      the state-space form whose phi and rr have that type,
 *   AK_SUFFIX  the suffix of the functions' names (k, v).
 * Everything here is lane-wise arithmetic on IEEE doubles (the file is C11
 * in ISO mode: no multiply-add is contracted), so a lane of the vector
 * instance computes exactly what the scalar instance computes for that
 * run.  Each function takes r and d as constants for the caller to
 * specialise (m = r + d), and loops over them are unrolled. */

#define AK_CAT2(a, b) a##_##b
#define AK_CAT(a, b) AK_CAT2(a, b)
#define AK(name) AK_CAT(name, AK_SUFFIX)

/* Y = T X for an m x m row-major X.  Each output row is a combination of
 * at most d + 2 input rows. */
KERNEL void AK(apply_t)(const AK_SS *s, const AK_T *x, AK_T *y, const int r,
                        const int d) {
  const int m = r + d;
#pragma GCC unroll 8
  for (int i = 0; i + 1 < r; i++) {
    const AK_T *next = x + (i + 1) * m;
    AK_T phi = s->phi[i];
    AK_T *yi = y + i * m;
#pragma GCC unroll 8
    for (int j = 0; j < m; j++) {
      yi[j] = phi * x[j] + next[j];
    }
  }
  AK_T phi_last = s->phi[r - 1];
  AK_T *ylast = y + (r - 1) * m;
#pragma GCC unroll 8
  for (int j = 0; j < m; j++) {
    ylast[j] = phi_last * x[j];
  }
  if (d == 0) {
    return;
  }
  /* The first lag of u becomes u_t = Z s_t; the others shift down. */
  AK_T *yr = y + r * m;
  const AK_T *lag0 = x + r * m;
#pragma GCC unroll 8
  for (int j = 0; j < m; j++) {
    yr[j] = x[j] + s->delta[0] * lag0[j];
  }
  if (d == 2) {
    const AK_T *lag1 = x + (r + 1) * m;
#pragma GCC unroll 8
    for (int j = 0; j < m; j++) {
      yr[j] += s->delta[1] * lag1[j];
      y[(r + 1) * m + j] = lag0[j];
    }
  }
}

/* Y = A T' for an m x m A: column j of Y combines the columns of A the way
 * row j of T combines rows. */
KERNEL void AK(times_t_transposed)(const AK_SS *s, const AK_T *a, AK_T *y,
                                   const int r, const int d) {
  const int m = r + d;
#pragma GCC unroll 8
  for (int i = 0; i < m; i++) {
    const AK_T *ai = a + i * m;
    AK_T *yi = y + i * m;
#pragma GCC unroll 8
    for (int j = 0; j + 1 < r; j++) {
      yi[j] = s->phi[j] * ai[0] + ai[j + 1];
    }
    yi[r - 1] = s->phi[r - 1] * ai[0];
    if (d >= 1) {
      /* (a + b) + 0.0 where d = 1: the scalar definition adds the zero. */
      AK_T sum = ai[0] + s->delta[0] * ai[r];
      yi[r] = d == 2 ? sum + s->delta[1] * ai[r + 1] : sum + 0.0;
    }
    if (d == 2) {
      yi[r + 1] = ai[r];
    }
  }
}

/* P <- T P T' + R R'. */
KERNEL void AK(predict_p)(const AK_SS *s, AK_T *p, const int r, const int d) {
  const int m = r + d;
  AK_T a[PC_ARIMA_MAX_M * PC_ARIMA_MAX_M];
  AK(apply_t)(s, p, a, r, d);
  AK(times_t_transposed)(s, a, p, r, d);
#pragma GCC unroll 8
  for (int i = 0; i < r; i++) {
#pragma GCC unroll 8
    for (int j = 0; j < r; j++) {
      p[i * m + j] += s->rr[i * r + j];
    }
  }
}

KERNEL AK_T AK(z_dot)(const AK_SS *s, const AK_T *x, const int r,
                      const int d) {
  AK_T v = x[0];
#pragma GCC unroll 8
  for (int k = 0; k < d; k++) {
    v += s->delta[k] * x[r + k];
  }
  return v;
}

/* M = P Z'; returns F = Z P Z'. */
KERNEL AK_T AK(gain)(const AK_SS *s, const AK_T *p, AK_T *mvec, const int r,
                     const int d) {
  const int m = r + d;
#pragma GCC unroll 8
  for (int i = 0; i < m; i++) {
    mvec[i] = AK(z_dot)(s, p + i * m, r, d);
  }
  return AK(z_dot)(s, mvec, r, d);
}

/* out = P - M M' / F (out may be P). */
KERNEL void AK(update_p)(const AK_T *p, const AK_T *mvec, AK_T f, const int m,
                         AK_T *out) {
  AK_T inv = 1.0 / f;
#pragma GCC unroll 8
  for (int i = 0; i < m; i++) {
    AK_T ki = mvec[i] * inv;
#pragma GCC unroll 8
    for (int j = 0; j < m; j++) {
      out[i * m + j] = p[i * m + j] - ki * mvec[j];
    }
  }
}

/* a <- T a in place: row i < r - 1 reads a[0] and a[i + 1], which are
 * still old when it is written in increasing order. */
KERNEL void AK(predict_a)(const AK_SS *s, AK_T *a, const int r, const int d) {
  AK_T a0 = a[0], lag0 = d >= 1 ? a[r] : a0; /* lag0: only where d >= 1 */
#pragma GCC unroll 8
  for (int i = 0; i + 1 < r; i++) {
    a[i] = s->phi[i] * a0 + a[i + 1];
  }
  a[r - 1] = s->phi[r - 1] * a0;
  if (d >= 1) {
    AK_T sum = a0 + s->delta[0] * lag0;
    a[r] = d == 2 ? sum + s->delta[1] * a[r + 1] : sum + 0.0;
  }
  if (d == 2) {
    a[r + 1] = lag0;
  }
}

/* The mean's update at an observed value u with the row's F and gain M:
 * returns the innovation v, and v / F in *vf. */
KERNEL AK_T AK(update_a)(const AK_SS *s, AK_T *a, AK_T u, AK_T f,
                         const AK_T *mvec, AK_T *vf, const int r,
                         const int d) {
  AK_T v = u - AK(z_dot)(s, a, r, d);
  /* A local quotient: through *vf, which the stores to a[] might alias,
   * every product would wait for the quotient to be stored and read back. */
  AK_T q = v / f;
  *vf = q;
#pragma GCC unroll 8
  for (int i = 0; i < r + d; i++) {
    a[i] += mvec[i] * q;
  }
  return v;
}

#undef AK
#undef AK_CAT
#undef AK_CAT2
#undef AK_T
#undef AK_SS
#undef AK_SUFFIX
