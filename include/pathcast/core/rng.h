/* Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11).
 *
 * A stream is a pure function of its key and counter, with no state carried
 * between work items, so a path's numbers are the same whichever rank draws
 * them, in whatever order, after any resume.  The key is derived from the work
 * item (seed, commodity, model, model version, forecast date); the counter
 * holds the path index, a purpose tag and the position within the path. */
#ifndef PC_RNG_H
#define PC_RNG_H

#include <stdint.h>

#include "pathcast/core/date.h"

typedef struct {
  uint32_t k[2];
} pc_rng_key;

/* Words computed ahead: four Philox blocks at a time are much faster than
 * one (their multiplies overlap). */
#define PC_RNG_BUFFER 16

/* One stream: caller-owned, initialised by pc_rng_init, no _fini needed. */
typedef struct {
  pc_rng_key key;
  uint32_t ctr[4]; /* ctr[0] block, ctr[1] path, ctr[2] purpose, ctr[3] 0 */
  uint32_t buf[PC_RNG_BUFFER];
  int left; /* unread words in buf */
} pc_rng;

/* The Philox4x32 bijection, 10 rounds (Random123's philox4x32_R(10,...)). */
void pc_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                      uint32_t out[4]);

/* Key of a forecast work item: every path value is a function of exactly
 * these inputs and the path index. */
pc_rng_key pc_rng_key_forecast(uint64_t seed, const char *commodity,
                               const char *model, const char *model_version,
                               pc_date forecast_date);
/* Key of a training work item (for models whose fit draws random numbers). */
pc_rng_key pc_rng_key_training(uint64_t seed, const char *commodity,
                               const char *model, const char *model_version,
                               pc_date training_date);

/* Purpose tags keep independent uses of one key apart. */
enum { PC_RNG_INNOVATIONS = 0, PC_RNG_RESAMPLE = 1, PC_RNG_FIT = 2 };
/* The chi-square draws that make Student t innovations from the normals of
 * PC_RNG_INNOVATIONS (the garch model), so a t path keeps the normals its
 * normal twin draws. */
enum { PC_RNG_T_SCALE = 3 };

void pc_rng_init(pc_rng *r, pc_rng_key key, uint32_t path, uint32_t purpose);
uint32_t pc_rng_u32(pc_rng *r);
/* Uniform on the open interval (0, 1), 53 random bits. */
double pc_rng_uniform(pc_rng *r);
/* Standard normal deviates (a 256-layer ziggurat: exact, not approximate). */
double pc_rng_normal(pc_rng *r);
/* Fills out[0..n-1] with standard normals (faster than n single calls). */
void pc_rng_normals(pc_rng *r, double *out, int n);
/* Uniform integer in [0, n) without modulo bias; n >= 1. */
uint32_t pc_rng_below(pc_rng *r, uint32_t n);

/* A stream positioned at word `word` (0 = the first word of block 0), for
 * code that computed the stream's first words itself (the SIMD kernels,
 * pathcast/core/paths.h) and hands one path over to the scalar code.  ahead
 * holds the stream's next nahead words (nahead <= PC_RNG_BUFFER and word +
 * nahead a multiple of 4), which saves computing them again; with nahead = 0
 * the words are computed. */
void pc_rng_init_at(pc_rng *r, pc_rng_key key, uint32_t path, uint32_t purpose,
                    uint64_t word, const uint32_t *ahead, int nahead);
/* The number of words read from the stream so far. */
uint64_t pc_rng_tell(const pc_rng *r);

#endif
