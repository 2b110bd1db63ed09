/* Comparing settings texts (see pathcast/models/settings.h). */
#include "pathcast/models/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcast/models/model.h"

/* Bounds of a text that can be compared word by word. A text beyond them does
 * not parse, and then matches only a byte-identical text (the fast path of
 * pc_settings_match), so a bound too small refuses, never mixes. */
#define MAX_WORDS 128
#define WORD_MAX 512

/* One `key=value` word. */
typedef struct {
  char key[WORD_MAX];
  const char *value; /* into the word's own copy */
  char text[WORD_MAX];
} word;

typedef struct {
  word w[MAX_WORDS];
  size_t n;
  char type[PC_MODEL_NAME_MAX];
} settings;

/* The words the job appends after a model's own keys (pc_job_model_settings).
 * prefix_legacy stops at the first of them, so this list needs only the words
 * that could follow bare model keys in texts of earlier versions; words added
 * since (an ensemble's member.*, min_history, max_gap) only occur in texts
 * whose model keys already carry the type prefix. */
static const char *job_words[] = {
    "seed",         "paths",    "horizon",  "calendar",
    "holidays",     "train_frequency",      "train_anchor",
    "numerics",     "outliers", "spike_threshold", "spike_window",
    "stale_days"};

static bool is_job_word(const char *key) {
  for (size_t i = 0; i < sizeof job_words / sizeof job_words[0]; i++) {
    if (strcmp(key, job_words[i]) == 0) {
      return true;
    }
  }
  return false;
}

/* Splits text into words; false when it does not parse (too many words,
 * a word without '=', a word too long). */
static bool split(const char *text, settings *s) {
  s->n = 0;
  s->type[0] = '\0';
  const char *p = text;
  while (*p != '\0') {
    while (*p == ' ') {
      p++;
    }
    size_t len = strcspn(p, " ");
    if (len == 0) {
      break;
    }
    if (s->n == MAX_WORDS || len >= WORD_MAX) {
      return false;
    }
    word *w = &s->w[s->n++];
    memcpy(w->text, p, len);
    w->text[len] = '\0';
    char *eq = strchr(w->text, '=');
    if (eq == NULL) {
      return false;
    }
    *eq = '\0';
    memcpy(w->key, w->text, (size_t)(eq - w->text) + 1);
    w->value = eq + 1;
    p += len;
  }
  if (s->n == 0 || strcmp(s->w[0].key, "type") != 0 ||
      strlen(s->w[0].value) >= sizeof s->type) {
    return false;
  }
  memcpy(s->type, s->w[0].value, strlen(s->w[0].value) + 1);
  return true;
}

/* Texts of earlier versions named a model's own keys bare ("lookback=250")
 * and had the job's words after them: the model's keys are the words
 * between `type` and the first job word (model keys never share a job
 * word's name in those texts, since they came first). */
static void prefix_legacy(settings *s) {
  size_t plen = strlen(s->type);
  for (size_t i = 1; i < s->n && !is_job_word(s->w[i].key); i++) {
    word *w = &s->w[i];
    if (strncmp(w->key, s->type, plen) == 0 && w->key[plen] == '.') {
      return; /* already the current form */
    }
    char bare[WORD_MAX];
    snprintf(bare, sizeof bare, "%s", w->key);
    snprintf(w->key, sizeof w->key, "%s.%.*s", s->type,
             (int)(WORD_MAX - plen - 2), bare);
  }
}

static const word *find(const settings *s, const char *key) {
  for (size_t i = 0; i < s->n; i++) {
    if (strcmp(s->w[i].key, key) == 0) {
      return &s->w[i];
    }
  }
  return NULL;
}

/* The value a text without the type's key stood for, when the type says
 * it differs from the key's default: a pointer to it in t->legacy (it ends
 * at a space or the end), else NULL. */
static const char *legacy_value(const pc_model_type *t, const char *key) {
  size_t klen = strlen(key);
  for (const char *p = t->legacy; p != NULL && *p != '\0';) {
    size_t len = strcspn(p, " ");
    if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
      return p + klen + 1;
    }
    p += len;
    p += strspn(p, " ");
  }
  return NULL;
}

/* Whether a word that the other text lacks (it was written before the word
 * existed) matches: holidays were not recorded, so any content does; a
 * missing numerics is version 1; a model key added later matches its
 * default, or the value the type's `legacy` names (xgboost's residuals:
 * results stored before the key were made with raw residuals, while the
 * default is now winsorized). */
static bool absent_matches(const char *type, const char *key,
                           const char *value, unsigned flags) {
  if (strcmp(key, "holidays") == 0) {
    return true;
  }
  if (strcmp(key, "numerics") == 0) {
    return (flags & PC_SETTINGS_IGNORE_NUMERICS) || strcmp(value, "1") == 0;
  }
  const pc_model_type *t = pc_model_type_find(type);
  size_t plen = strlen(type);
  if (t == NULL || strncmp(key, type, plen) != 0 || key[plen] != '.') {
    return false;
  }
  const char *legacy = legacy_value(t, key + plen + 1);
  if (legacy != NULL) {
    return strlen(value) == strcspn(legacy, " ") &&
           strncmp(legacy, value, strlen(value)) == 0;
  }
  for (size_t i = 0; i < t->nparams; i++) {
    if (strcmp(t->params[i].key, key + plen + 1) == 0) {
      return strcmp(t->params[i].def, value) == 0;
    }
  }
  return false;
}

/* Every word of a matches b's (or, absent from b, its absent rule). */
static bool covers(const settings *a, const settings *b, unsigned flags) {
  for (size_t i = 0; i < a->n; i++) {
    const word *wa = &a->w[i];
    const word *wb = find(b, wa->key);
    if (wb != NULL) {
      bool numerics = strcmp(wa->key, "numerics") == 0;
      bool holidays = strcmp(wa->key, "holidays") == 0;
      if (strcmp(wa->value, wb->value) != 0 &&
          !(numerics && (flags & PC_SETTINGS_IGNORE_NUMERICS)) &&
          !(holidays && (flags & PC_SETTINGS_IGNORE_HOLIDAYS))) {
        return false;
      }
    } else if (!absent_matches(a->type, wa->key, wa->value, flags)) {
      return false;
    }
  }
  return true;
}

/* Symmetric: every word of each text must match the other's, or be absent there
 * with a value that its absent rule accepts. The two parsed texts are about 128
 * KB each, so they live on the heap, not the stack of a rank that may run deep
 * in the driver. Out of memory or a text that does not parse gives false: a
 * store then refuses the job (docs/STORE.md, "Settings") rather than risk
 * mixing results of different settings. */
bool pc_settings_match(const char *a, const char *b, unsigned flags) {
  if (strcmp(a, b) == 0) {
    return true;
  }
  settings *sa = malloc(sizeof *sa), *sb = malloc(sizeof *sb);
  bool same = sa != NULL && sb != NULL && split(a, sa) && split(b, sb) &&
              strcmp(sa->type, sb->type) == 0;
  if (same) {
    prefix_legacy(sa);
    prefix_legacy(sb);
    same = covers(sa, sb, flags) && covers(sb, sa, flags);
  }
  free(sa);
  free(sb);
  return same;
}
