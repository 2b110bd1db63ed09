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

/* Sum of the costs assigned to each rank. */
static void loads_of(const double *cost, const int *owner, size_t n, int nranks,
                     double *load) {
  for (int r = 0; r < nranks; r++) {
    load[r] = 0;
  }
  for (size_t i = 0; i < n; i++) {
    assert_in_range(owner[i], 0, nranks - 1);
    load[owner[i]] += cost[i];
  }
}

typedef struct {
  const char *what;
  double cost[8];
  size_t n;
  int nranks;
  int want[8];
} lpt_case;

static void test_lpt_table(void **state) {
  (void)state;
  static const lpt_case cases[] = {
      /* 7 -> r0, 5 -> r1, 4 -> r1 (5 < 7), 3 -> r0 (7 < 9), 1 -> r1. */
      {"textbook", {7, 5, 4, 3, 1}, 5, 2, {0, 1, 1, 0, 1}},
      /* Same costs in another order: owners follow the items. */
      {"shuffled", {1, 4, 7, 3, 5}, 5, 2, {1, 1, 0, 0, 1}},
      /* Equal costs deal out round-robin. */
      {"equal", {2, 2, 2, 2, 2, 2, 2}, 7, 3, {0, 1, 2, 0, 1, 2, 0}},
      /* Equal costs go by index; equal loads go to the lower rank. */
      {"ties", {2, 5, 2, 5}, 4, 2, {0, 0, 1, 1}},
      {"one rank", {3, 1, 2}, 3, 1, {0, 0, 0}},
      /* Spare ranks stay idle; the costliest item gets rank 0. */
      {"more ranks", {1, 3, 2}, 3, 5, {2, 0, 1}},
      /* NaN and negative costs count as zero. */
      {"bad costs", {NAN, -1, 4}, 3, 2, {1, 1, 0}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const lpt_case *c = &cases[i];
    int owner[8];
    assert_int_equal(pc_part_lpt(c->cost, c->n, c->nranks, owner), PC_OK);
    for (size_t j = 0; j < c->n; j++) {
      if (owner[j] != c->want[j]) {
        fail_msg("%s: owner[%zu] = %d, want %d", c->what, j, owner[j],
                 c->want[j]);
      }
    }
  }
}

static void test_textbook_loads_balance(void **state) {
  (void)state;
  const double cost[] = {7, 5, 4, 3, 1};
  int owner[5];
  double load[2];
  assert_int_equal(pc_part_lpt(cost, 5, 2, owner), PC_OK);
  loads_of(cost, owner, 5, 2, load);
  assert_true(load[0] == 10.0);
  assert_true(load[1] == 10.0);
}

static void test_empty_and_bad_input(void **state) {
  (void)state;
  const double cost[] = {1, 2};
  int owner[2] = {-7, -7};
  assert_int_equal(pc_part_lpt(cost, 0, 4, owner), PC_OK);
  assert_int_equal(pc_part_lpt(NULL, 0, 4, NULL), PC_OK);
  assert_int_equal(pc_part_lpt(cost, 2, 0, owner), PC_INPUT);
  assert_int_equal(pc_part_lpt(cost, 2, -3, owner), PC_INPUT);
  /* Nothing is written when there is nothing to do or the input is bad. */
  assert_int_equal(owner[0], -7);
  assert_int_equal(owner[1], -7);
}

/* The definition, spelled out slowly: pick the costliest unassigned item
 * (lowest index on ties), give it to the least loaded rank (lowest rank on
 * ties).  O(n^2), fine for a test. */
static void reference_lpt(const double *cost, size_t n, int nranks, int *owner,
                          double *load, char *done) {
  memset(done, 0, n);
  for (int r = 0; r < nranks; r++) {
    load[r] = 0;
  }
  for (size_t step = 0; step < n; step++) {
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
      if (!done[i] && (best == n || cost[i] > cost[best])) {
        best = i;
      }
    }
    int r = 0;
    for (int q = 1; q < nranks; q++) {
      r = load[q] < load[r] ? q : r;
    }
    owner[best] = r;
    load[r] += cost[best];
    done[best] = 1;
  }
}

/* Random inputs, with many repeated costs so the tie rules matter, agree
 * with the reference, and repeated calls agree with each other. */
static void test_matches_reference_and_is_deterministic(void **state) {
  (void)state;
  enum { N = 300 };
  double cost[N], load[64];
  int got[N], again[N], want[N];
  char done[N];
  unsigned seed = 12345;
  for (int trial = 0; trial < 50; trial++) {
    size_t n = (size_t)(trial * 6);
    int nranks = 1 + trial % 13;
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      cost[i] = (double)((seed >> 16) % 20);
    }
    assert_int_equal(pc_part_lpt(cost, n, nranks, got), PC_OK);
    assert_int_equal(pc_part_lpt(cost, n, nranks, again), PC_OK);
    reference_lpt(cost, n, nranks, want, load, done);
    assert_memory_equal(got, want, n * sizeof *got);
    assert_memory_equal(got, again, n * sizeof *got);
  }
}

/* Greedy bounds that hold for any input: every item went to the least
 * loaded rank, so no rank ends more than the largest item above another,
 * nor more than the largest item above the mean. */
static void test_balance_bounds(void **state) {
  (void)state;
  enum { N = 1000, M = 7 };
  double cost[N], load[M], total = 0, biggest = 0;
  int owner[N];
  for (int i = 0; i < N; i++) {
    cost[i] = 1.0 + (double)((i * 7919) % 97);
    total += cost[i];
    biggest = fmax(biggest, cost[i]);
  }
  assert_int_equal(pc_part_lpt(cost, N, M, owner), PC_OK);
  loads_of(cost, owner, N, M, load);
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
      cmocka_unit_test(test_lpt_table),
      cmocka_unit_test(test_textbook_loads_balance),
      cmocka_unit_test(test_empty_and_bad_input),
      cmocka_unit_test(test_matches_reference_and_is_deterministic),
      cmocka_unit_test(test_balance_bounds),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
