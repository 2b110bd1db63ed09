/* Path generation kernels: standard normals for a block of paths, uniform
 * indices for resampling, and exp of a block of log prices, each evaluated
 * for several paths at once with SIMD instructions.
 *
 * Every width computes the same numbers, bit for bit: the scalar reference
 * (one pc_rng stream per path, pathcast's own exp) and every vector width
 * run the same algorithm with the same operation order, and no width uses
 * a fused multiply-add.  So a forecast does not depend on the CPU it runs
 * on, and the width is chosen for speed alone: the best the CPU has, or
 * the one the environment variable PATHCAST_SIMD names (for tests and
 * benchmarks).  docs/DESIGN.md ("Randomness") explains the algorithms. */
#ifndef PC_PATHS_H
#define PC_PATHS_H

#include <stddef.h>
#include <stdint.h>

#include "pathcast/core/rng.h"
#include "pathcast/core/status.h"

/* Instruction set widths, narrowest first. */
typedef enum {
  PC_SIMD_SCALAR, /* one path at a time: the reference definitions */
  PC_SIMD_SSE2,   /* 2 lanes of 64 bits (every x86-64 CPU) */
  PC_SIMD_AVX2,   /* 4 lanes */
  PC_SIMD_AVX512, /* 8 lanes (AVX-512F) */
  PC_SIMD_COUNT
} pc_simd;

/* The variable that forces a width: scalar, sse2, avx2, avx512 or auto. */
#define PC_SIMD_ENV "PATHCAST_SIMD"

const char *pc_simd_name(pc_simd s);
/* Whether this CPU (and OS) can run width s. */
int pc_simd_available(pc_simd s);
/* The widest width this CPU runs. */
pc_simd pc_simd_best(void);
/* "scalar, sse2, avx2" for messages: the widths this CPU runs. */
void pc_simd_available_names(char *buf, size_t len);
/* Parses a width name ("auto" or empty is the best available).  PC_INPUT
 * naming PC_SIMD_ENV and the valid names when the text is unknown or the
 * CPU lacks that width. */
pc_status pc_simd_parse(const char *text, pc_simd *out, pc_error *e);
/* Checks PC_SIMD_ENV once at start-up, so a bad value is an input error
 * (exit 2) before any work, not a silent fallback. */
pc_status pc_simd_check_env(pc_error *e);
/* The width kernels use now: PC_SIMD_ENV when it names an available width,
 * else the best.  Read on every call (no cached state), so a test can
 * change the variable between calls. */
pc_simd pc_simd_active(void);

/* The normals of npaths paths' streams: row i of z (z + i * ld, ld >= n)
 * receives the first n standard normals of the stream pc_rng_init(key,
 * first + i, purpose), exactly the values pc_rng_normals gives for that
 * stream, so a model may draw its paths in any blocks.  PC_NOMEM when the
 * scratch space cannot be allocated (z is then partly written).  A width
 * the CPU lacks is replaced by the best it has. */
pc_status pc_paths_normals(pc_simd s, pc_rng_key key, uint32_t purpose,
                           uint32_t first, int npaths, int n, double *z,
                           size_t ld);

/* Uniform indices below `range` (>= 1): row i of idx (idx + i * ld,
 * ld >= n) receives the first n values of pc_rng_below(range) on the stream
 * pc_rng_init(key, first + i, purpose).  PC_NOMEM as for pc_paths_normals. */
pc_status pc_paths_below(pc_simd s, pc_rng_key key, uint32_t purpose,
                         uint32_t first, int npaths, int n, uint32_t range,
                         uint32_t *idx, size_t ld);

/* x[i] = pc_exp(x[i]) for i < n, in place. */
void pc_paths_exp(pc_simd s, double *x, size_t n);

/* x[i] = pc_ln(x[i]) for i < n, in place. */
void pc_paths_ln(pc_simd s, double *x, size_t n);

/* out[i] = (float)x[i] for i < n (rounded to nearest, as a cast); returns
 * 1 when every value is a finite positive float (a price), else 0. */
int pc_paths_to_float(pc_simd s, const double *x, size_t n, float *out);

/* pathcast's exp: the table-driven algorithm of ARM's optimized-routines
 * (also glibc's and musl's) evaluated without FMA: error below 0.52 ulp,
 * correct special values (inf, NaN, overflow to inf, gradual underflow). */
double pc_exp(double x);
/* log(x) for finite x > 0, within 2 ulp, from IEEE operations only (no FMA,
 * no table): the same bits on every CPU, unlike the C library's, which
 * chooses an FMA variant at load time.  Paths use it where they need a log
 * (the ziggurat's tail, gamma draws). */
double pc_ln(double x);

#endif
