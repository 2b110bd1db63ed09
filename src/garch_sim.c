/* GARCH paths (see garch.h).
 *
 * Paths are made a block at a time: first the innovations of every path of
 * the block (each from its own streams), then the recursion over the block,
 * step by step with the paths in the inner loop.  The first half is where a
 * block random-number API can take over; the second is a loop over
 * independent lanes that a compiler can vectorise.  Neither changes the
 * numbers: path i depends only on the key, i and the fitted state. */
#include "garch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Paths per block: the per-path recursion state of a block stays in the
 * first-level cache. */
#define BLOCK 64

/* Gamma(a, 1) for a >= 1, Marsaglia and Tsang (2000), "A simple method for
 * generating gamma variables": exact, by rejection, about 1.05 normals and
 * uniforms per draw for the shapes of daily returns (a = nu / 2 > 1).
 * The squeeze 1 - 0.0331 x^4 avoids the logarithms in ~98% of draws. */
static double gamma_marsaglia_tsang(pc_rng *r, double a) {
  double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x = pc_rng_normal(r), v = 1.0 + c * x;
    if (v <= 0.0) {
      continue;
    }
    v = v * v * v;
    double u = pc_rng_uniform(r), x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 ||
        log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) {
      return d * v;
    }
  }
}

double pc_garch_t_scale(pc_rng *scale, double nu) {
  double v = 2.0 * gamma_marsaglia_tsang(scale, 0.5 * nu);
  return sqrt((nu - 2.0) / v);
}

/* The innovations of paths first..first+nb-1, path k's steps at
 * z[k * steps ..]: standard normals, times the t factor for the t. */
static void draw_innovations(const pc_garch_spec *spec, double nu,
                             const pc_sim_request *req, int first, int nb,
                             double *z) {
  int steps = req->steps;
  for (int k = 0; k < nb; k++) {
    double *row = z + (size_t)k * (size_t)steps;
    pc_rng r;
    pc_rng_init(&r, req->key, (uint32_t)(first + k), PC_RNG_INNOVATIONS);
    pc_rng_normals(&r, row, steps);
    if (spec->dist != PC_GARCH_DIST_T) {
      continue;
    }
    pc_rng g;
    pc_rng_init(&g, req->key, (uint32_t)(first + k), PC_RNG_T_SCALE);
    for (int j = 0; j < steps; j++) {
      row[j] *= pc_garch_t_scale(&g, nu);
    }
  }
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

/* One step of every lane: the return from the current variance and
 * innovation, then the variance of the next step from the shifted lags. */
static void lanes_step(const pc_garch_spec *s, const pc_garch_par *par,
                       const double *z, int steps, int j, int nb, lanes *l,
                       double *out) {
  double phi = s->mean == PC_GARCH_MEAN_AR1 ? par->phi : 0.0;
  double mu = s->mean == PC_GARCH_MEAN_ZERO ? 0.0 : par->mu;
  for (int k = 0; k < nb; k++) {
    double eps = sqrt(l->h[k]) * z[(size_t)k * (size_t)steps + (size_t)j];
    l->r[k] = mu + phi * l->r[k] + eps;
    l->x[k] += l->r[k];
    out[(size_t)k * (size_t)steps + (size_t)j] = exp(l->x[k]);
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
  double *z = malloc(sizeof(double) * BLOCK * (size_t)steps);
  lanes *l = malloc(sizeof *l);
  if (z == NULL || l == NULL) {
    free(z);
    free(l);
    return -1;
  }
  for (int first = 0; first < req->npaths; first += BLOCK) {
    int nb = req->npaths - first < BLOCK ? req->npaths - first : BLOCK;
    double *block_out = out + (size_t)first * (size_t)req->steps;
    draw_innovations(spec, par->nu, req, first, nb, z);
    lanes_init(spec, st, x0, nb, l);
    for (int j = 0; j < req->steps; j++) {
      lanes_step(spec, par, z, req->steps, j, nb, l, block_out);
    }
  }
  free(z);
  free(l);
  return 0;
}
