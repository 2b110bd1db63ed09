/* GARCH paths (see garch.h).
 *
 * Paths are made a block at a time: first the innovations of every path of
 * the block (each from its own streams), then the recursion over the block,
 * step by step with the paths in the inner loop.  The first half is where a
 * block random-number API can take over; the second is a loop over
 * independent lanes that a compiler can vectorise.  Neither changes the
 * numbers: path i depends only on the key, i and the fitted state. */
#include "garch.h"
#include "pathcast/core/paths.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Paths per block: the per-path recursion state of a block stays in the
 * first-level cache. */
#define BLOCK 64

/* Gamma(a, 1) for a >= 1, Marsaglia and Tsang (2000), "A simple method for
 * generating gamma variables": exact, by rejection of the proposal
 * d (1 + c x)^3, x normal, with a uniform u.  For the shapes of daily
 * returns (a = nu / 2 > 1) more than 98% of proposals are accepted, and
 * the squeeze 1 - 0.0331 x^4 decides most without a logarithm.  Returns
 * the draw, or -1 when the proposal is rejected. */
static double gamma_try(double d, double c, double x, double u) {
  double v = 1.0 + c * x;
  if (v <= 0.0) {
    return -1.0;
  }
  v = v * v * v;
  double x2 = x * x;
  if (u < 1.0 - 0.0331 * x2 * x2 ||
      pc_ln(u) < 0.5 * x2 + d * (1.0 - v + pc_ln(v))) {
    return d * v;
  }
  return -1.0;
}

/* A uniform on (0, 1) from one 32-bit word: the acceptance test needs no
 * more resolution, and one word is half the cost of pc_rng_uniform. */
static double uniform32(pc_rng *r) {
  return ((double)pc_rng_u32(r) + 0.5) * 0x1p-32;
}

/* The stream gives the n first proposals' normals in one bulk call (the
 * fast path of pc_rng_normals), then, draw by draw, its uniform and, for
 * the rare rejections, fresh normal-uniform pairs until one is accepted:
 * a fixed function of the stream, whatever the caller does around it. */
void pc_garch_t_factors(pc_rng *scale, double nu, double *out, int n) {
  double a = 0.5 * nu, d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  pc_rng_normals(scale, out, n);
  for (int j = 0; j < n; j++) {
    double g = gamma_try(d, c, out[j], uniform32(scale));
    while (g < 0.0) {
      double x = pc_rng_normal(scale);
      g = gamma_try(d, c, x, uniform32(scale));
    }
    out[j] = (nu - 2.0) / (2.0 * g); /* chi-square(nu) = 2 gamma */
  }
}

/* The innovations of paths first..first+nb-1, path k's steps at
 * z[k * steps ..]: standard normals, and for the t their variance factors
 * at w[k * steps ..] (w is NULL for the normal). */
static int draw_innovations(double nu, const pc_sim_request *req, int first,
                            int nb, double *z, double *w) {
  int steps = req->steps;
  /* The normals of the whole block at the widest SIMD width: the same
   * values as each path's own pc_rng_normals (pathcast/core/paths.h). */
  if (pc_paths_normals(pc_simd_active(), req->key, PC_RNG_INNOVATIONS,
                       (uint32_t)first, nb, steps, z, (size_t)steps) != PC_OK) {
    return -1;
  }
  for (int k = 0; w != NULL && k < nb; k++) {
    pc_rng g;
    pc_rng_init(&g, req->key, (uint32_t)(first + k), PC_RNG_T_SCALE);
    pc_garch_t_factors(&g, nu, w + (size_t)k * (size_t)steps, steps);
  }
  return 0;
}

/* The recursion state of a block, one lane per path. */
typedef struct {
  double h[BLOCK];                 /* variance of the coming step */
  double x[BLOCK];                 /* log price */
  double r[BLOCK];                 /* last return */
  double e[PC_GARCH_MAX_Q][BLOCK]; /* residuals, most recent first */
  double v[PC_GARCH_MAX_P][BLOCK]; /* variances, most recent first */
} lanes;

static void lanes_init(const pc_garch_spec *spec, const pc_garch_state *st,
                       double x0, int nb, lanes *l) {
  for (int k = 0; k < nb; k++) {
    l->h[k] = st->h_next;
    l->x[k] = x0;
    l->r[k] = st->r_last;
    for (int i = 0; i < spec->q; i++) {
      l->e[i][k] = st->e_lag[i];
    }
    for (int j = 0; j < spec->p; j++) {
      l->v[j][k] = st->h_lag[j];
    }
  }
}

/* GARCH(1,1), the common case: one lag of each, no shifting. */
static void lanes_step11(const pc_garch_spec *s, const pc_garch_par *par,
                         const double *z, const double *w, int steps, int j,
                         int nb, lanes *l, double *out) {
  double phi = s->mean == PC_GARCH_MEAN_AR1 ? par->phi : 0.0;
  double mu = s->mean == PC_GARCH_MEAN_ZERO ? 0.0 : par->mu;
  double omega = par->omega, alpha = par->alpha[0], beta = par->beta[0];
  for (int k = 0; k < nb; k++) {
    size_t at = (size_t)k * (size_t)steps + (size_t)j;
    double h = l->h[k];
    double eps = sqrt(w != NULL ? h * w[at] : h) * z[at];
    l->r[k] = mu + phi * l->r[k] + eps;
    l->x[k] += l->r[k];
    out[at] = l->x[k]; /* exponentiated per block */
    l->h[k] = omega + alpha * eps * eps + beta * h;
  }
}

/* One step of every lane: the return from the current variance and
 * innovation, then the variance of the next step from the shifted lags. */
static void lanes_step(const pc_garch_spec *s, const pc_garch_par *par,
                       const double *z, const double *w, int steps, int j,
                       int nb, lanes *l, double *out) {
  double phi = s->mean == PC_GARCH_MEAN_AR1 ? par->phi : 0.0;
  double mu = s->mean == PC_GARCH_MEAN_ZERO ? 0.0 : par->mu;
  for (int k = 0; k < nb; k++) {
    size_t at = (size_t)k * (size_t)steps + (size_t)j;
    /* The t's variance factor joins h under one square root. */
    double eps = sqrt(w != NULL ? l->h[k] * w[at] : l->h[k]) * z[at];
    l->r[k] = mu + phi * l->r[k] + eps;
    l->x[k] += l->r[k];
    out[at] = l->x[k]; /* exponentiated per block */
    for (int i = s->q - 1; i > 0; i--) {
      l->e[i][k] = l->e[i - 1][k];
    }
    for (int i = s->p - 1; i > 0; i--) {
      l->v[i][k] = l->v[i - 1][k];
    }
    l->e[0][k] = eps;
    if (s->p > 0) {
      l->v[0][k] = l->h[k];
    }
    double h = par->omega;
    for (int i = 0; i < s->q; i++) {
      h += par->alpha[i] * l->e[i][k] * l->e[i][k];
    }
    for (int i = 0; i < s->p; i++) {
      h += par->beta[i] * l->v[i][k];
    }
    l->h[k] = h;
  }
}

int pc_garch_simulate_paths(const pc_garch_spec *spec, const pc_garch_par *par,
                            const pc_garch_state *st, double x0,
                            const pc_sim_request *req, double *out) {
  int steps = req->steps > 0 ? req->steps : 1;
  int t = spec->dist == PC_GARCH_DIST_T;
  double *z = malloc(sizeof(double) * (size_t)(1 + t) * BLOCK * (size_t)steps);
  lanes *l = malloc(sizeof *l);
  if (z == NULL || l == NULL) {
    free(z);
    free(l);
    return -1;
  }
  double *w = t ? z + BLOCK * (size_t)steps : NULL;
  for (int first = 0; first < req->npaths; first += BLOCK) {
    int nb = req->npaths - first < BLOCK ? req->npaths - first : BLOCK;
    double *block_out = out + (size_t)first * (size_t)req->steps;
    if (draw_innovations(par->nu, req, first, nb, z, w) != 0) {
      free(z);
      free(l);
      return -1;
    }
    lanes_init(spec, st, x0, nb, l);
    for (int j = 0; j < req->steps; j++) {
      if (spec->p == 1 && spec->q == 1) {
        lanes_step11(spec, par, z, w, req->steps, j, nb, l, block_out);
      } else {
        lanes_step(spec, par, z, w, req->steps, j, nb, l, block_out);
      }
    }
    /* Log prices to prices, the whole block at the SIMD width. */
    pc_paths_exp(pc_simd_active(), block_out, (size_t)nb * (size_t)req->steps);
  }
  free(z);
  free(l);
  return 0;
}
