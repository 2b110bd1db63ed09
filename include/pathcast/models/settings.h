/* A model's settings text: everything that changes its stored results
 * besides the data, as `key=value` words, e.g.
 *
 *   type=random_walk random_walk.lookback=250 seed=1 paths=2000 horizon=14
 *   calendar=weekdays holidays=none train_frequency=semiannually
 *   train_anchor=2018-01-01 numerics=1
 *
 * The store keeps it per model and version (the manifest) and in every
 * model file; two texts that match (pc_settings_match) stand for results
 * that may live side by side in one model version.
 *
 * Texts written by earlier pathcast versions lack later words and name the
 * model's own keys without the type prefix; they are read with the rules
 * that keep old results valid: a model key added later matches its default
 * (a new key's default always reproduces the old behaviour), a missing
 * `numerics` is version 1, and a missing `holidays` (not recorded before)
 * is unknown and matches any calendar content. */
#ifndef PC_SETTINGS_H
#define PC_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

/* Compare flags. */
enum {
  /* Readers of stored results (evaluate) do not care how the numbers were
   * drawn, only which model made them: `numerics` is not compared. */
  PC_SETTINGS_IGNORE_NUMERICS = 1,
  /* The holidays fingerprint is compared separately where it matters (a
   * writer may extend the holidays past every stored result; see
   * docs/STORE.md), and not at all by readers. */
  PC_SETTINGS_IGNORE_HOLIDAYS = 2
};

/* Whether two settings texts stand for the same settings. */
bool pc_settings_match(const char *a, const char *b, unsigned flags);

#endif
