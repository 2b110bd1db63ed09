/* Unit tests for pathcast/models/settings.h: which settings texts stand for the
 * same settings, including texts written by earlier pathcast versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_filter.h"

#include "pathcast/models/settings.h"

/* Today's text of a random_walk model and one of the same settings written
 * by pathcast 0.1.0 before this round (no type prefix on model keys, no
 * holidays, no numerics). */
#define NOW                                                                  \
  "type=random_walk random_walk.lookback=250 seed=1 paths=2000 horizon=14 " \
  "calendar=weekdays holidays=none train_frequency=semiannually "           \
  "train_anchor=2018-01-01 numerics=1"
#define LEGACY                                                               \
  "type=random_walk lookback=250 seed=1 paths=2000 horizon=14 "             \
  "calendar=weekdays train_frequency=semiannually train_anchor=2018-01-01"

static void test_identical_and_different(void **state) {
  (void)state;
  assert_true(pc_settings_match(NOW, NOW, 0));
  assert_false(pc_settings_match(
      NOW, "type=random_walk random_walk.lookback=60 seed=1 paths=2000 "
           "horizon=14 calendar=weekdays holidays=none "
           "train_frequency=semiannually train_anchor=2018-01-01 numerics=1",
      0));
  /* Another type is never the same model, whatever its words. */
  assert_false(pc_settings_match("type=naive seed=1", "type=random_walk seed=1",
                                 0));
  /* Garbage never matches anything but itself. */
  assert_false(pc_settings_match(NOW, "no words here", 0));
  assert_false(pc_settings_match("type=naive junk", "type=naive", 0));
}

static void test_legacy_text(void **state) {
  (void)state;
  /* The old text names the model key bare and lacks holidays and numerics:
   * numerics 1 is implied, holidays were not recorded (any). */
  assert_true(pc_settings_match(LEGACY, NOW, 0));
  assert_true(pc_settings_match(NOW, LEGACY, 0));
  assert_true(pc_settings_match(
      LEGACY,
      "type=random_walk random_walk.lookback=250 seed=1 paths=2000 "
      "horizon=14 calendar=weekdays holidays=0123456789abcdef "
      "train_frequency=semiannually train_anchor=2018-01-01 numerics=1",
      0));
  /* A later numerics version is other settings for a writer, the same model
   * for a reader of stored results. */
  const char *v2 =
      "type=random_walk random_walk.lookback=250 seed=1 paths=2000 horizon=14 "
      "calendar=weekdays holidays=none train_frequency=semiannually "
      "train_anchor=2018-01-01 numerics=2";
  assert_false(pc_settings_match(LEGACY, v2, 0));
  assert_true(pc_settings_match(LEGACY, v2, PC_SETTINGS_IGNORE_NUMERICS));
  /* A changed model key is still caught through the legacy form. */
  assert_false(pc_settings_match(
      "type=random_walk lookback=60 seed=1 paths=2000 horizon=14 "
      "calendar=weekdays train_frequency=semiannually "
      "train_anchor=2018-01-01",
      NOW, 0));
}

static void test_model_key_added_later(void **state) {
  (void)state;
  /* A key the older text lacks matches when it has its default (a new key's
   * default reproduces the old behaviour), and only then. */
  /* lookback is a real key of random_walk with default 250. */
  assert_true(pc_settings_match("type=random_walk seed=1",
                                "type=random_walk random_walk.lookback=250 "
                                "seed=1",
                                0));
  assert_false(pc_settings_match("type=random_walk seed=1",
                                 "type=random_walk random_walk.lookback=60 "
                                 "seed=1",
                                 0));
  /* A word no model has is never taken for granted. */
  assert_false(pc_settings_match("type=random_walk seed=1",
                                 "type=random_walk random_walk.nosuch=1 "
                                 "seed=1",
                                 0));
}

static void test_key_with_legacy_value(void **state) {
  (void)state;
  /* xgboost's residuals came with a default (winsorized) that is not what
   * results stored before it were made with (raw): a text without the key
   * stands for raw, and only for raw. */
  const char *before = "type=xgboost xgboost.lags=1,2 seed=1";
  assert_true(pc_settings_match(before,
                                "type=xgboost xgboost.lags=1,2 "
                                "xgboost.residuals=raw seed=1",
                                0));
  assert_false(pc_settings_match(before,
                                 "type=xgboost xgboost.lags=1,2 "
                                 "xgboost.residuals=winsorized seed=1",
                                 0));
  assert_false(pc_settings_match("type=xgboost xgboost.residuals=winsorized",
                                 "type=xgboost xgboost.residuals=raw", 0));
}

static void test_outliers_words(void **state) {
  (void)state;
  /* outliers = clean changes what the models see: its words make other
   * settings; keep and flag add no word, so they share results with each
   * other and with texts written before the key. */
  const char *flag = "type=naive seed=1 numerics=2";
  const char *clean = "type=naive seed=1 numerics=2 outliers=clean "
                      "spike_threshold=8 spike_window=60 stale_days=5";
  assert_false(pc_settings_match(flag, clean, 0));
  assert_false(pc_settings_match(clean, flag, PC_SETTINGS_IGNORE_NUMERICS));
  assert_true(pc_settings_match(clean, clean, 0));
  assert_false(pc_settings_match(
      clean, "type=naive seed=1 numerics=2 outliers=clean spike_threshold=6 "
             "spike_window=60 stale_days=5",
      0));
}

static void test_holidays(void **state) {
  (void)state;
  const char *a = "type=naive seed=1 holidays=none numerics=1";
  const char *b = "type=naive seed=1 holidays=00112233aabbccdd numerics=1";
  assert_false(pc_settings_match(a, b, 0));
  assert_true(pc_settings_match(a, b, PC_SETTINGS_IGNORE_HOLIDAYS));
  assert_false(pc_settings_match(
      a, "type=naive seed=2 holidays=00112233aabbccdd numerics=1",
      PC_SETTINGS_IGNORE_HOLIDAYS));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_identical_and_different),
      cmocka_unit_test(test_legacy_text),
      cmocka_unit_test(test_model_key_added_later),
      cmocka_unit_test(test_holidays),
      cmocka_unit_test(test_key_with_legacy_value),
      cmocka_unit_test(test_outliers_words),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
