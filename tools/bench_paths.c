/* make bench, path kernels: the cost of the random numbers and exp at every
 * SIMD width the CPU has, and the "floor" of a forecast: a loop that only
 * draws the normals, walks, exponentiates, converts to float32 and writes
 * the bytes, as a random-walk forecast must at the least.
 *   build/bench_paths kernels [PATHS STEPS]   ns per value, per width
 *   build/bench_paths floor FILE N [fsync]    N forecasts of 2,000 x 14
 *                                             float32 written to FILE
 * Times are the best of several repetitions (the machine is shared). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pathcast/core/paths.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Repetitions per kernel: the best of many filters out the time slices the
 * other processes on a shared machine take. */
enum { REPS = 30 };

/* Best time of REPS calls of one kernel over a paths x steps block. */
static double best_normals(pc_simd s, int paths, int steps, double *z) {
  double best = 1e9;
  for (int r = 0; r < REPS; r++) {
    pc_rng_key key = pc_rng_key_forecast(1, "bench", "k", "v", 19000 + r);
    double t0 = now();
    pc_paths_normals(s, key, PC_RNG_INNOVATIONS, 0, paths, steps, z,
                     (size_t)steps);
    double t = now() - t0;
    best = t < best ? t : best;
  }
  return best;
}

static double best_exp(pc_simd s, size_t n, double *x, const double *src) {
  double best = 1e9;
  for (int r = 0; r < REPS; r++) {
    memcpy(x, src, n * sizeof *x);
    double t0 = now();
    pc_paths_exp(s, x, n);
    double t = now() - t0;
    best = t < best ? t : best;
  }
  return best;
}

static double best_below(pc_simd s, int paths, int steps, uint32_t *k) {
  double best = 1e9;
  for (int r = 0; r < REPS; r++) {
    pc_rng_key key = pc_rng_key_forecast(1, "bench", "k", "v", 19000 + r);
    double t0 = now();
    pc_paths_below(s, key, PC_RNG_RESAMPLE, 0, paths, steps, 1000, k,
                   (size_t)steps);
    double t = now() - t0;
    best = t < best ? t : best;
  }
  return best;
}

/* Every width the CPU has, on the same block, so the table compares widths
 * measured within seconds of each other. */
static int kernels(int paths, int steps) {
  size_t n = (size_t)paths * (size_t)steps;
  double *z = malloc(n * sizeof *z), *src = malloc(n * sizeof *src);
  uint32_t *k = malloc(n * sizeof *k);
  if (z == NULL || src == NULL || k == NULL) {
    return 1;
  }
  pc_paths_normals(PC_SIMD_SCALAR, pc_rng_key_forecast(2, "b", "k", "v", 1),
                   0, 0, paths, steps, src, (size_t)steps);
  for (size_t i = 0; i < n; i++) {
    /* Log prices near 100: the arguments exp sees in a forecast, all in
     * the vector path (no special cases). */
    src[i] = 4.6 + 0.1 * src[i];
  }
  printf("path kernels, %d paths x %d steps, best of %d, ns per value\n",
         paths, steps, REPS);
  printf("%-8s %10s %10s %10s %14s\n", "width", "normal", "exp", "index",
         "normal+exp us");
  for (int s = 0; s < PC_SIMD_COUNT; s++) {
    if (!pc_simd_available((pc_simd)s)) {
      printf("%-8s (not on this CPU)\n", pc_simd_name((pc_simd)s));
      continue;
    }
    double tn = best_normals((pc_simd)s, paths, steps, z);
    double te = best_exp((pc_simd)s, n, z, src);
    double tb = best_below((pc_simd)s, paths, steps, k);
    printf("%-8s %10.2f %10.2f %10.2f %14.1f\n", pc_simd_name((pc_simd)s),
           1e9 * tn / (double)n, 1e9 * te / (double)n, 1e9 * tb / (double)n,
           1e6 * (tn + te));
  }
  free(z);
  free(src);
  free(k);
  return 0;
}

/* One floor forecast: normals, the walk, exp, float32, write -- what any
 * random-walk forecast must do, with none of the store's bookkeeping (no
 * HDF5, no checksum, one file for all forecasts), so pathcast's forecast
 * phase can be compared with it. */
static int floor_one(pc_simd s, int date, double *z, float *f, int fd) {
  enum { PATHS = 2000, STEPS = 14 };
  pc_rng_key key = pc_rng_key_forecast(1, "floor", "random_walk", "v", date);
  pc_paths_normals(s, key, PC_RNG_INNOVATIONS, 0, PATHS, STEPS, z, STEPS);
  for (size_t i = 0; i < PATHS; i++) {
    double x = 4.6, *row = z + i * STEPS;
    for (size_t j = 0; j < STEPS; j++) {
      x += 0.0001 + 0.02 * row[j];
      row[j] = x;
    }
  }
  pc_paths_exp(s, z, (size_t)PATHS * STEPS);
  for (size_t i = 0; i < (size_t)PATHS * STEPS; i++) {
    f[i] = (float)z[i];
  }
  size_t bytes = sizeof(float) * PATHS * STEPS;
  return write(fd, f, bytes) == (ssize_t)bytes ? 0 : -1;
}

/* N forecasts into one file at the width pc_simd_active picks (the one
 * pathcast would use); fsync at the end when asked, as dd conv=fsync. */
static int floor_loop(const char *path, int n, int sync) {
  double *z = malloc(sizeof(double) * 2000 * 14);
  float *f = malloc(sizeof(float) * 2000 * 14);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (z == NULL || f == NULL || fd < 0) {
    perror(path);
    return 1;
  }
  pc_simd s = pc_simd_active();
  double t0 = now();
  for (int i = 0; i < n; i++) {
    if (floor_one(s, 17000 + i, z, f, fd) != 0) {
      perror(path);
      return 1;
    }
  }
  if (sync && fsync(fd) != 0) {
    perror(path);
    return 1;
  }
  double t = now() - t0;
  close(fd);
  printf("floor %s: %d forecasts in %.3f s: %.0f forecasts/s (%s)\n",
         sync ? "fsync" : "page cache", n, t, n / t, pc_simd_name(s));
  free(z);
  free(f);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "kernels") == 0) {
    return kernels(argc > 2 ? atoi(argv[2]) : 2000,
                   argc > 3 ? atoi(argv[3]) : 14);
  }
  if (argc >= 4 && strcmp(argv[1], "floor") == 0) {
    return floor_loop(argv[2], atoi(argv[3]),
                      argc > 4 && strcmp(argv[4], "fsync") == 0);
  }
  fprintf(stderr, "usage: bench_paths kernels [PATHS STEPS] | floor FILE N "
                  "[fsync]\n");
  return 2;
}
