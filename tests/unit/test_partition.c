/* Unit tests for pathcast/core/partition.h. */
/* cmocka.h uses these without including them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/partition.h"

/* List scheduling, as the driver's dispatch does it with exact costs: each
 * unit in the order goes to the rank that becomes free first (the lowest
 * rank on ties).  Writes each rank's load. */
static void list_schedule(const double *cost, const size_t *order, size_t n,
                          int nranks, double *load) {
  for (int r = 0; r < nranks; r++) {
    load[r] = 0;
  }
  for (size_t k = 0; k < n; k++) {
    int r = 0;
    for (int q = 1; q < nranks; q++) {
      r = load[q] < load[r] ? q : r;
    }
    load[r] += cost[order[k]] > 0 ? cost[order[k]] : 0;
  }
}

typedef struct {
  const char *what;
  double cost[8];
  size_t n;
  size_t want[8];
} order_case;

static void test_order_table(void **state) {
  (void)state;
  static const order_case cases[] = {
      {"decreasing", {7, 5, 4, 3, 1}, 5, {0, 1, 2, 3, 4}},
      /* The same costs in another order: the order follows the costs. */
      {"shuffled", {1, 4, 7, 3, 5}, 5, {2, 4, 1, 3, 0}},
      /* Equal costs go by index. */
      {"ties", {2, 5, 2, 5}, 4, {1, 3, 0, 2}},
      {"equal", {2, 2, 2}, 3, {0, 1, 2}},
      /* NaN and negative costs count as zero: last, by index. */
      {"bad costs", {NAN, -1, 4, 0}, 4, {2, 0, 1, 3}},
      {"one", {3}, 1, {0}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const order_case *c = &cases[i];
    size_t order[8];
    assert_int_equal(pc_part_order(c->cost, c->n, order), PC_OK);
    for (size_t j = 0; j < c->n; j++) {
      if (order[j] != c->want[j]) {
        fail_msg("%s: order[%zu] = %zu, want %zu", c->what, j, order[j],
                 c->want[j]);
      }
    }
  }
}

/* The textbook case: handed out in this order, two ranks end level. */
static void test_textbook_loads_balance(void **state) {
  (void)state;
  const double cost[] = {7, 5, 4, 3, 1};
  size_t order[5];
  double load[2];
  assert_int_equal(pc_part_order(cost, 5, order), PC_OK);
  list_schedule(cost, order, 5, 2, load);
  assert_true(load[0] == 10.0);
  assert_true(load[1] == 10.0);
}

static void test_empty(void **state) {
  (void)state;
  size_t order[1] = {7};
  assert_int_equal(pc_part_order(NULL, 0, order), PC_OK);
  assert_int_equal(order[0], 7); /* nothing written */
}

/* The definition, spelled out slowly: repeatedly the costliest unit not yet
 * listed, the lowest index on ties.  O(n^2), fine for a test. */
static void reference_order(const double *cost, size_t n, size_t *order,
                            char *done) {
  memset(done, 0, n);
  for (size_t step = 0; step < n; step++) {
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
      double ci = cost[i] > 0 ? cost[i] : 0, cb = 0;
      if (best < n) {
        cb = cost[best] > 0 ? cost[best] : 0;
      }
      if (!done[i] && (best == n || ci > cb)) {
        best = i;
      }
    }
    order[step] = best;
    done[best] = 1;
  }
}

/* Random inputs, with many repeated costs so the tie rule matters, agree
 * with the reference, and repeated calls agree with each other. */
static void test_matches_reference_and_is_deterministic(void **state) {
  (void)state;
  enum { N = 300 };
  double cost[N] = {0};
  size_t got[N], again[N], want[N];
  char done[N];
  unsigned seed = 12345;
  for (int trial = 0; trial < 50; trial++) {
    size_t n = (size_t)(trial * 6);
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      cost[i] = (double)((seed >> 16) % 20);
    }
    assert_int_equal(pc_part_order(cost, n, got), PC_OK);
    assert_int_equal(pc_part_order(cost, n, again), PC_OK);
    reference_order(cost, n, want, done);
    assert_memory_equal(got, want, n * sizeof *got);
    assert_memory_equal(got, again, n * sizeof *got);
  }
}

/* Greedy bounds of list scheduling that hold for any input: every unit
 * went to the rank that was free first, so no rank ends more than the
 * largest unit after another, nor more than the largest unit above the
 * mean. */
static void test_balance_bounds(void **state) {
  (void)state;
  enum { N = 1000, M = 7 };
  double cost[N], load[M], total = 0, biggest = 0;
  size_t order[N];
  for (int i = 0; i < N; i++) {
    cost[i] = 1.0 + (double)((i * 7919) % 97);
    total += cost[i];
    biggest = fmax(biggest, cost[i]);
  }
  assert_int_equal(pc_part_order(cost, N, order), PC_OK);
  list_schedule(cost, order, N, M, load);
  double max = load[0], min = load[0], sum = 0;
  for (int r = 0; r < M; r++) {
    max = fmax(max, load[r]);
    min = fmin(min, load[r]);
    sum += load[r];
  }
  assert_true(sum == total);
  assert_true(max - min <= biggest);
  assert_true(max <= total / M + biggest);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_table),
      cmocka_unit_test(test_textbook_loads_balance),
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_matches_reference_and_is_deterministic),
      cmocka_unit_test(test_balance_bounds),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
