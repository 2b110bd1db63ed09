/* The trained booster's trees as flat arrays, and a predictor over them that
 * gives XGBoost's own predictions bit for bit (see xgb.h).
 *
 * What XGBoost 1.7's CPU predictor does for a gbtree with reg:squarederror
 * (src/predictor/cpu_predictor.cc, predict_fn.h), and so what this file
 * does:
 *   - the features are float32; NaN is missing (in-place prediction with
 *     missing = NaN skips exactly the NaN values);
 *   - at an internal node a missing feature takes the default child, any
 *     other value goes left when `value < split_condition` (a float
 *     comparison) and right otherwise;
 *   - a row's prediction starts at base_score (a float) and adds each
 *     tree's leaf value in tree order, in float arithmetic; the identity
 *     transform of squared error leaves it as it is.
 * Anything else a model could hold (another booster or objective, several
 * outputs or parallel trees, vector leaves, categorical splits) is refused
 * with a reason, and the caller keeps predicting through the C API.
 *
 * The trees are read from the UBJSON bytes that XGBoosterSaveModelToBuffer
 * writes (src/common/json.cc of XGBoost: big-endian numbers, object keys
 * as 'L' + int64 length + bytes, arrays with a '#' count, numeric arrays
 * typed with '$'), so split conditions and leaf values arrive as the exact
 * float32 bits XGBoost holds.  Every read is bounds-checked: damaged bytes
 * give an error, never a crash. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xgb.h"

/* Deeper trees than this are refused (max_depth is at most 16). */
#define MAX_TREE_DEPTH 64
/* Nesting of the UBJSON document that skipping a value may descend. */
#define MAX_NESTING 32
/* Rows evaluated together.  Their feature rows are first transposed into a
 * block where the LANES values of a feature sit side by side: one compare
 * instruction then tests a split for several rows. */
#define LANES 8
/* Leaves a tree may have for the mask form (one bit each in a uint32_t). */
#define MASK_LEAVES 32

/* Slot numbers and feature offsets are pointer-sized: they index arrays
 * directly, without a sign extension. */
typedef ptrdiff_t slot;

/* One tree, in the two forms the predictor uses.
 *
 * The walk form (any tree): slots in parallel arrays.  As in XGBoost, the
 * right child is the slot after the left one: a walk steps from slot s to
 * left[s] + !(value < cond[s]), or to dflt[s] when the value is missing.
 * A leaf steps into a pair of copies of itself and the copies into
 * themselves, so every walk takes its tree's full depth, with no test of
 * "is this a leaf".
 *
 * The mask form (trees of at most MASK_LEAVES leaves, without missing
 * values in the rows): Lucchese et al.'s QuickScorer (SIGIR 2015).  The
 * leaves are numbered left to right; a split whose test fails (the row
 * goes right) rules out every leaf of its left subtree, whose bits `keep`
 * lacks.  After every split of the tree has been tested, in any order, the
 * exit leaf is the lowest leaf not ruled out: each leaf left of it lies in
 * the left subtree of a split on the exit leaf's path that sent the row
 * right, and no failed split rules the exit leaf out (it is in the right
 * subtree of the failed splits on its path, and outside the subtree of
 * any other).  The tests
 * are independent of one another, so they run LANES rows at a time as
 * vector compares, with no chain of dependent loads as in a walk. */
typedef struct {
  slot root; /* the walk form's root slot */
  int depth; /* the longest root-to-leaf walk */
  int nsplit;      /* splits of the mask form; -1: the tree has none */
  int split0, leaf0; /* its first split and first leaf in the mask arrays */
} tree_form;

struct pc_xgb_forest {
  int ntrees, nfeat;
  float base; /* base_score, where every sum starts */
  tree_form *tree;
  /* The walk form's slots. */
  int *feat; /* the split's feature index */
  float *cond, *value; /* the split threshold; the leaf value */
  slot *left, *dflt;
  slot nslots;
  /* The mask form's splits (feature offset in a transposed block, i.e.
   * feature index * LANES) and leaves. */
  slot *mfeat;
  float *mcond, *mleaf;
  uint32_t *mkeep;
  int nmsplit, nmleaf;
};

/* ---- UBJSON cursor ------------------------------------------------------ */

/* A position in the document: p is the marker of the value read next. */
typedef struct {
  const unsigned char *p, *end;
} ubj;

static int64_t big_endian(const unsigned char *b, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; i++) {
    v = (v << 8) | b[i];
  }
  /* Sign-extend the narrower integers. */
  if (size < 8 && (v >> (8 * size - 1)) != 0) {
    v |= ~(uint64_t)0 << (8 * size);
  }
  return (int64_t)v;
}

/* Bytes of a scalar of this marker; 0 for anything else. */
static int scalar_size(unsigned char marker) {
  switch (marker) {
  case 'i': case 'U': case 'C': return 1;
  case 'I': return 2;
  case 'l': case 'd': return 4;
  case 'L': case 'D': return 8;
  default: return 0;
  }
}

static int take(ubj *c, size_t n, const unsigned char **at) {
  if ((size_t)(c->end - c->p) < n) {
    return -1;
  }
  *at = c->p;
  c->p += n;
  return 0;
}

/* An 'L' + int64 length, as strings and counts are written. */
static int read_length(ubj *c, int64_t *n) {
  const unsigned char *b = NULL;
  if (take(c, 1, &b) != 0 || *b != 'L' || take(c, 8, &b) != 0) {
    return -1;
  }
  *n = big_endian(b, 8);
  return *n >= 0 && *n <= c->end - c->p ? 0 : -1;
}

/* The bytes of a string body (after 'S', or an object key). */
static int read_str(ubj *c, const unsigned char **s, int64_t *n) {
  return read_length(c, n) == 0 ? take(c, (size_t)*n, s) : -1;
}

static int skip_value(ubj *c, int depth);

/* After '[': a typed array ('$' type '#' count, then the raw values), a
 * counted array ('#' count, then values) or one closed by ']'. */
static int skip_array(ubj *c, int depth) {
  const unsigned char *b = NULL;
  int64_t n = 0;
  if (c->p < c->end && *c->p == '$') {
    if (take(c, 2, &b) != 0 || scalar_size(b[1]) == 0) {
      return -1;
    }
    int size = scalar_size(b[1]);
    if (take(c, 1, &b) != 0 || *b != '#' || read_length(c, &n) != 0 ||
        n > (c->end - c->p) / size) {
      return -1;
    }
    return take(c, (size_t)n * (size_t)size, &b);
  }
  if (c->p < c->end && *c->p == '#') {
    c->p++;
    if (read_length(c, &n) != 0) {
      return -1;
    }
    for (int64_t i = 0; i < n; i++) {
      if (skip_value(c, depth + 1) != 0) {
        return -1;
      }
    }
    return 0;
  }
  while (c->p < c->end && *c->p != ']') {
    if (skip_value(c, depth + 1) != 0) {
      return -1;
    }
  }
  return take(c, 1, &b);
}

/* After '{': key/value pairs up to '}'. */
static int skip_object(ubj *c, int depth) {
  const unsigned char *b = NULL;
  int64_t n = 0;
  while (c->p < c->end && *c->p != '}') {
    if (read_str(c, &b, &n) != 0 || skip_value(c, depth + 1) != 0) {
      return -1;
    }
  }
  return take(c, 1, &b);
}

static int skip_value(ubj *c, int depth) {
  const unsigned char *b = NULL;
  int64_t n = 0;
  if (depth > MAX_NESTING || take(c, 1, &b) != 0) {
    return -1;
  }
  switch (*b) {
  case '{': return skip_object(c, depth);
  case '[': return skip_array(c, depth);
  case 'S': return read_str(c, &b, &n);
  case 'Z': case 'T': case 'F': return 0;
  default:
    return scalar_size(*b) > 0 ? take(c, (size_t)scalar_size(*b), &b) : -1;
  }
}

/* In the object that starts at *obj, the value of `key`: 0 and *val at its
 * marker, or -1 when the object lacks it or is malformed. */
static int find_key(const ubj *obj, const char *key, ubj *val) {
  ubj c = *obj;
  const unsigned char *b = NULL;
  int64_t n = 0;
  size_t klen = strlen(key);
  if (take(&c, 1, &b) != 0 || *b != '{') {
    return -1;
  }
  while (c.p < c.end && *c.p != '}') {
    if (read_str(&c, &b, &n) != 0) {
      return -1;
    }
    if ((size_t)n == klen && memcmp(b, key, klen) == 0) {
      *val = c;
      return 0;
    }
    if (skip_value(&c, 1) != 0) {
      return -1;
    }
  }
  return -1;
}

/* find_key along a path of keys. */
static int find_path(const ubj *obj, const char *const *keys, ubj *val) {
  ubj at = *obj;
  for (int i = 0; keys[i] != NULL; i++) {
    if (find_key(&at, keys[i], &at) != 0) {
      return -1;
    }
  }
  *val = at;
  return 0;
}

/* A string value into buf (NUL-terminated, cut to len - 1). */
static int get_string(ubj v, char *buf, size_t len) {
  const unsigned char *b = NULL, *s = NULL;
  int64_t n = 0;
  if (take(&v, 1, &b) != 0 || *b != 'S' || read_str(&v, &s, &n) != 0) {
    return -1;
  }
  snprintf(buf, len, "%.*s", (int)(n < (int64_t)len ? n : (int64_t)len - 1),
           (const char *)s);
  return 0;
}

/* An integer scalar (any of the integer markers). */
static int get_int(ubj v, int64_t *out) {
  const unsigned char *b = NULL;
  if (take(&v, 1, &b) != 0) {
    return -1;
  }
  unsigned char marker = *b;
  int size = scalar_size(marker);
  if (size == 0 || marker == 'd' || marker == 'D' ||
      take(&v, (size_t)size, &b) != 0) {
    return -1;
  }
  *out = marker == 'U' ? (int64_t)b[0] : big_endian(b, size);
  return 0;
}

/* A string parameter holding an integer ("1"), as XGBoost writes its
 * parameter structs. */
static int get_int_param(const ubj *obj, const char *key, int64_t *out) {
  ubj v;
  char text[32], *end = NULL;
  if (find_key(obj, key, &v) != 0 || get_string(v, text, sizeof text) != 0) {
    return -1;
  }
  *out = strtoll(text, &end, 10);
  return end != text && *end == '\0' ? 0 : -1;
}

/* ---- typed arrays ------------------------------------------------------- */

/* A numeric array of exactly n elements: its element marker and the
 * cursor at its first element.  Typed arrays are raw big-endian values;
 * counted arrays repeat the marker before each element. */
typedef struct {
  unsigned char type;
  int typed;
  ubj at;
} num_array;

static int open_array(ubj v, int64_t n, num_array *a) {
  const unsigned char *b = NULL;
  int64_t count = 0;
  if (take(&v, 1, &b) != 0 || *b != '[' || v.p >= v.end) {
    return -1;
  }
  a->typed = *v.p == '$';
  if (a->typed && (take(&v, 2, &b) != 0 || scalar_size(b[1]) == 0)) {
    return -1;
  }
  a->type = a->typed ? b[1] : 0;
  if (take(&v, 1, &b) != 0 || *b != '#' || read_length(&v, &count) != 0 ||
      count != n) {
    return -1;
  }
  if (a->typed && count > (v.end - v.p) / scalar_size(a->type)) {
    return -1;
  }
  a->at = v;
  return 0;
}

/* The next element's marker and bytes. */
static int next_elem(num_array *a, unsigned char *type,
                     const unsigned char **bytes) {
  const unsigned char *b = NULL;
  *type = a->type;
  if (!a->typed) {
    if (take(&a->at, 1, &b) != 0) {
      return -1;
    }
    *type = *b;
  }
  int size = scalar_size(*type);
  return size > 0 ? take(&a->at, (size_t)size, bytes) : -1;
}

/* n numbers: float32 values, bit for bit, into fout, or integers of any
 * width into iout (exactly one of the two is given).  A float64 element is
 * refused: XGBoost writes float32, and a wider value would be rounded. */
static int get_numbers(ubj v, int64_t n, float *fout, int64_t *iout) {
  num_array a;
  if (open_array(v, n, &a) != 0) {
    return -1;
  }
  for (int64_t i = 0; i < n; i++) {
    unsigned char type = 0;
    const unsigned char *b = NULL;
    if (next_elem(&a, &type, &b) != 0 || type == 'D' ||
        (type == 'd') != (fout != NULL)) {
      return -1;
    }
    if (fout != NULL) {
      uint32_t bits = (uint32_t)big_endian(b, 4);
      memcpy(&fout[i], &bits, sizeof bits);
    } else {
      iout[i] = type == 'U' ? (int64_t)b[0] : big_endian(b, scalar_size(type));
    }
  }
  return 0;
}

static int get_floats(ubj v, int64_t n, float *out) {
  return get_numbers(v, n, out, NULL);
}

static int get_ints(ubj v, int64_t n, int64_t *out) {
  return get_numbers(v, n, NULL, out);
}

/* ---- the model as a whole ------------------------------------------------ */

static pc_status refuse(pc_error *e, const char *what) {
  return pc_error_set(e, PC_MODEL, "xgboost: the tree evaluator cannot "
                      "predict this booster (%s)", what);
}

/* A string field must be exactly `want`. */
static pc_status expect_string(const ubj *root, const char *const *path,
                               const char *want, const char *what,
                               pc_error *e) {
  ubj v;
  char text[64];
  if (find_path(root, path, &v) != 0 || get_string(v, text, sizeof text) != 0) {
    return refuse(e, what);
  }
  if (strcmp(text, want) != 0) {
    char why[160];
    snprintf(why, sizeof why, "%s is '%s', not '%s'", what, text, want);
    return refuse(e, why);
  }
  return PC_OK;
}

/* An integer parameter (a string in the document) must be `want`. */
static pc_status expect_param(const ubj *obj, const char *key, int64_t want,
                              pc_error *e) {
  int64_t v = 0;
  char why[128];
  if (get_int_param(obj, key, &v) != 0 || v != want) {
    snprintf(why, sizeof why, "%s is not %lld", key, (long long)want);
    return refuse(e, why);
  }
  return PC_OK;
}

/* The learner's counts: one output (no classes, one target) over nfeat
 * features. */
static pc_status check_counts(const ubj *lp, int nfeat, pc_error *e) {
  const struct {
    const char *key;
    int64_t want;
  } count[] = {{"num_class", 0}, {"num_target", 1}, {"num_feature", nfeat}};
  pc_status st = PC_OK;
  for (size_t i = 0; st == PC_OK && i < sizeof count / sizeof count[0]; i++) {
    st = expect_param(lp, count[i].key, count[i].want, e);
  }
  return st;
}

/* The learner: a gbtree with one squared-error output, nfeat features;
 * *base gets base_score. */
static pc_status check_learner(const ubj *root, int nfeat, float *base,
                               pc_error *e) {
  static const char *const booster[] = {"learner", "gradient_booster", "name",
                                        NULL};
  static const char *const objective[] = {"learner", "objective", "name",
                                          NULL};
  static const char *const param[] = {"learner", "learner_model_param", NULL};
  ubj lp, v;
  char text[64], *end = NULL;
  pc_status st = expect_string(root, booster, "gbtree", "booster", e);
  if (st == PC_OK) {
    st = expect_string(root, objective, "reg:squarederror", "objective", e);
  }
  if (st != PC_OK) {
    return st;
  }
  if (find_path(root, param, &lp) != 0) {
    return refuse(e, "no learner_model_param");
  }
  st = check_counts(&lp, nfeat, e);
  if (st != PC_OK) {
    return st;
  }
  if (find_key(&lp, "base_score", &v) != 0 ||
      get_string(v, text, sizeof text) != 0) {
    return refuse(e, "no base_score");
  }
  *base = strtof(text, &end);
  return end != text && *end == '\0' ? PC_OK
                                     : refuse(e, "base_score is not a number");
}

/* ---- trees --------------------------------------------------------------- */

/* The arrays of one tree, as read (local node indices). */
typedef struct {
  int64_t n;
  int64_t *left, *right, *feat, *dleft, *type;
  float *cond;
} tree_arrays;

static void tree_arrays_free(tree_arrays *t) {
  free(t->left);
  free(t->right);
  free(t->feat);
  free(t->dleft);
  free(t->type);
  free(t->cond);
  memset(t, 0, sizeof *t);
}

static pc_status tree_arrays_read(const ubj *tree, tree_arrays *t,
                                  pc_error *e) {
  ubj tp, v[6];
  memset(t, 0, sizeof *t);
  /* Every node takes bytes in each array of the document: a count larger
   * than what is left of it is damage (and must not size an allocation). */
  if (find_key(tree, "tree_param", &tp) != 0 ||
      get_int_param(&tp, "num_nodes", &t->n) != 0 || t->n < 1 ||
      t->n > tree->end - tree->p || t->n > INT32_MAX / 4) {
    return refuse(e, "a tree without a valid num_nodes");
  }
  pc_status st = expect_param(&tp, "size_leaf_vector", 0, e);
  if (st != PC_OK) {
    return st;
  }
  size_t n = (size_t)t->n;
  t->left = malloc(n * sizeof *t->left);
  t->right = malloc(n * sizeof *t->right);
  t->feat = malloc(n * sizeof *t->feat);
  t->dleft = malloc(n * sizeof *t->dleft);
  t->type = malloc(n * sizeof *t->type);
  t->cond = malloc(n * sizeof *t->cond);
  if (!t->left || !t->right || !t->feat || !t->dleft || !t->type || !t->cond) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  int bad = find_key(tree, "left_children", &v[0]) != 0 ||
            find_key(tree, "right_children", &v[1]) != 0 ||
            find_key(tree, "split_indices", &v[2]) != 0 ||
            find_key(tree, "default_left", &v[3]) != 0 ||
            find_key(tree, "split_type", &v[4]) != 0 ||
            find_key(tree, "split_conditions", &v[5]) != 0;
  bad = bad || get_ints(v[0], t->n, t->left) != 0 ||
        get_ints(v[1], t->n, t->right) != 0 ||
        get_ints(v[2], t->n, t->feat) != 0 ||
        get_ints(v[3], t->n, t->dleft) != 0 ||
        get_ints(v[4], t->n, t->type) != 0 ||
        get_floats(v[5], t->n, t->cond) != 0;
  return bad ? refuse(e, "a tree's node arrays are missing or malformed")
             : PC_OK;
}

/* Walks the tree from its root, checking every reachable node: children
 * inside the tree, numerical splits on known features, no cycle (a walk
 * longer than MAX_TREE_DEPTH), and no more visits than the tree has nodes
 * (*budget; damaged links that share subtrees could otherwise take
 * exponential time).  Returns the depth, or -1. */
static int tree_depth(const tree_arrays *t, int nfeat, int64_t node,
                      int level, int64_t *budget) {
  if (level > MAX_TREE_DEPTH || node < 0 || node >= t->n || --*budget < 0) {
    return -1;
  }
  if (t->left[node] == -1) {
    return 0;
  }
  /* XGBoost's predictor takes left + 1 as the right child (predict_fn.h);
   * a tree where that is not the stored right child is refused. */
  if (t->type[node] != 0 || t->feat[node] < 0 || t->feat[node] >= nfeat ||
      t->right[node] != t->left[node] + 1) {
    return -1;
  }
  int l = tree_depth(t, nfeat, t->left[node], level + 1, budget);
  int r = l < 0 ? -1 : tree_depth(t, nfeat, t->right[node], level + 1, budget);
  return l < 0 || r < 0 ? -1 : 1 + (l > r ? l : r);
}

/* Grows array p to n elements; on failure p stays as it was (freed with
 * the forest) and `ok` becomes 0. */
#define GROW(p, n, ok)                                                         \
  do {                                                                         \
    void *grown_ = realloc((p), ((size_t)(n) + 1) * sizeof *(p));             \
    if (grown_ != NULL) {                                                      \
      (p) = grown_;                                                            \
    } else {                                                                   \
      (ok) = 0;                                                                \
    }                                                                          \
  } while (0)

/* Room for a tree of n nodes in both forms: at most 2 (n + 1) walk slots
 * (a pair for the root and one for each node's children or copies), n
 * splits and n leaves. */
static int reserve(pc_xgb_forest *f, int64_t n) {
  int ok = 1;
  slot slots = f->nslots + 2 * (slot)n + 2;
  GROW(f->feat, slots, ok);
  GROW(f->cond, slots, ok);
  GROW(f->value, slots, ok);
  GROW(f->left, slots, ok);
  GROW(f->dflt, slots, ok);
  GROW(f->mfeat, f->nmsplit + n, ok);
  GROW(f->mcond, f->nmsplit + n, ok);
  GROW(f->mkeep, f->nmsplit + n, ok);
  GROW(f->mleaf, f->nmleaf + n, ok);
  return ok ? 0 : -1;
}

/* Two new walk slots (a child pair); reserve() made room. */
static slot new_pair(pc_xgb_forest *f) {
  f->nslots += 2;
  return f->nslots - 2;
}

static void set_slot(pc_xgb_forest *f, slot s, int feat, float cond,
                     slot left, slot dflt, float value) {
  f->feat[s] = feat;
  f->cond[s] = cond;
  f->left[s] = left;
  f->dflt[s] = dflt;
  f->value[s] = value;
}

/* Writes node i of t into walk slot s, then its children, depth first: a
 * split's children into a new pair, a leaf's loop into a new pair of
 * copies. */
static void place(pc_xgb_forest *f, const tree_arrays *t, int64_t i, slot s) {
  slot pair = new_pair(f);
  if (t->left[i] == -1) {
    for (int k = 0; k < 3; k++) {
      set_slot(f, k == 0 ? s : pair + k - 1, 0, 0.0f, pair, pair, t->cond[i]);
    }
    return;
  }
  set_slot(f, s, (int)t->feat[i], t->cond[i], pair,
           t->dleft[i] ? pair : pair + 1, 0.0f);
  place(f, t, t->left[i], pair);
  place(f, t, t->right[i], pair + 1);
}

/* Appends node i's subtree to the mask form: its leaves numbered from
 * *nleaf on, left to right.  Returns -1 past MASK_LEAVES leaves. */
static int mask_add(pc_xgb_forest *f, const tree_arrays *t, int64_t i,
                    int leaf0, int *nleaf) {
  if (t->left[i] == -1) {
    if (*nleaf >= MASK_LEAVES) {
      return -1;
    }
    f->mleaf[leaf0 + (*nleaf)++] = t->cond[i];
    return 0;
  }
  int split = f->nmsplit++, lo = *nleaf;
  if (mask_add(f, t, t->left[i], leaf0, nleaf) != 0) {
    return -1;
  }
  uint32_t left = 0; /* the leaves of the left subtree: lo .. *nleaf - 1 */
  for (int b = lo; b < *nleaf; b++) {
    left |= (uint32_t)1 << b;
  }
  f->mfeat[split] = (slot)t->feat[i] * LANES;
  f->mcond[split] = t->cond[i];
  f->mkeep[split] = ~left;
  return mask_add(f, t, t->right[i], leaf0, nleaf);
}

/* Adds a checked tree (see tree_depth) as tree number id, in both forms
 * (the mask form only when it has few enough leaves). */
static int forest_add(pc_xgb_forest *f, const tree_arrays *t, int id,
                      int depth) {
  if (reserve(f, t->n) != 0) {
    return -1;
  }
  tree_form *tf = &f->tree[id];
  tf->root = new_pair(f);
  tf->depth = depth;
  set_slot(f, tf->root + 1, 0, 0.0f, tf->root + 1, tf->root + 1, 0.0f);
  place(f, t, 0, tf->root);
  int nleaf = 0;
  tf->split0 = f->nmsplit;
  tf->leaf0 = f->nmleaf;
  if (mask_add(f, t, 0, f->nmleaf, &nleaf) == 0) {
    tf->nsplit = f->nmsplit - tf->split0;
    f->nmleaf += nleaf;
  } else {
    tf->nsplit = -1;
    f->nmsplit = tf->split0;
  }
  return 0;
}

/* Reads the tree at *tree into the forest: its id must be a new one. */
static pc_status read_tree(pc_xgb_forest *f, const ubj *tree, pc_error *e) {
  ubj v;
  int64_t id = -1;
  tree_arrays t;
  if (find_key(tree, "id", &v) != 0 || get_int(v, &id) != 0 || id < 0 ||
      id >= f->ntrees || f->tree[id].depth >= 0) {
    return refuse(e, "tree ids are not 0 .. num_trees - 1");
  }
  pc_status st = tree_arrays_read(tree, &t, e);
  int64_t budget = t.n;
  int depth = st == PC_OK ? tree_depth(&t, f->nfeat, 0, 0, &budget) : 0;
  if (st == PC_OK && depth < 0) {
    st = refuse(e, "a tree has a categorical split, a feature out of range "
                   "or a broken link");
  }
  if (st == PC_OK && forest_add(f, &t, (int)id, depth) != 0) {
    st = pc_error_set(e, PC_NOMEM, "out of memory");
  }
  tree_arrays_free(&t);
  return st;
}

void pc_xgb_forest_free(pc_xgb_forest *f) {
  if (f != NULL) {
    free(f->tree);
    free(f->feat);
    free(f->cond);
    free(f->value);
    free(f->left);
    free(f->dflt);
    free(f->mfeat);
    free(f->mcond);
    free(f->mkeep);
    free(f->mleaf);
    free(f);
  }
}

/* The gbtree: one tree per round, every tree of output group 0. */
static pc_status read_trees(const ubj *model, pc_xgb_forest *f, pc_error *e) {
  ubj gp, trees, info;
  int64_t ntrees = 0, count = 0;
  if (find_key(model, "gbtree_model_param", &gp) != 0 ||
      get_int_param(&gp, "num_trees", &ntrees) != 0 || ntrees < 0 ||
      ntrees > model->end - model->p || ntrees > INT32_MAX / 4) {
    return refuse(e, "no valid num_trees");
  }
  pc_status st = expect_param(&gp, "num_parallel_tree", 1, e);
  if (st != PC_OK) {
    return st;
  }
  f->ntrees = (int)ntrees;
  f->tree = calloc((size_t)ntrees + 1, sizeof *f->tree);
  int64_t *tinfo = malloc(((size_t)ntrees + 1) * sizeof *tinfo);
  if (f->tree == NULL || tinfo == NULL) {
    free(tinfo);
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  for (int64_t i = 0; i < ntrees; i++) {
    f->tree[i].depth = -1; /* not read yet */
  }
  if (find_key(model, "tree_info", &info) != 0 ||
      get_ints(info, ntrees, tinfo) != 0) {
    st = refuse(e, "tree_info does not list num_trees trees");
  }
  for (int64_t i = 0; st == PC_OK && i < ntrees; i++) {
    st = tinfo[i] == 0 ? PC_OK : refuse(e, "a tree of another output group");
  }
  free(tinfo);
  const unsigned char *b = NULL;
  if (st == PC_OK && (find_key(model, "trees", &trees) != 0 ||
                      take(&trees, 1, &b) != 0 || *b != '[' ||
                      take(&trees, 1, &b) != 0 || *b != '#' ||
                      read_length(&trees, &count) != 0 || count != ntrees)) {
    st = refuse(e, "the trees array does not hold num_trees trees");
  }
  for (int64_t i = 0; st == PC_OK && i < ntrees; i++) {
    st = read_tree(f, &trees, e);
    if (st == PC_OK && skip_value(&trees, 1) != 0) {
      st = refuse(e, "a tree is malformed");
    }
  }
  return st;
}

pc_status pc_xgb_forest_parse(const void *buf, size_t len, int nfeat,
                              pc_xgb_forest **out, pc_error *e) {
  static const char *const model_path[] = {"learner", "gradient_booster",
                                           "model", NULL};
  ubj root = {buf, (const unsigned char *)buf + len}, model;
  *out = NULL;
  pc_xgb_forest *f = calloc(1, sizeof *f);
  if (f == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  f->nfeat = nfeat;
  pc_status st = nfeat >= 1 && nfeat <= PC_XGB_MAX_FEATURES
                     ? check_learner(&root, nfeat, &f->base, e)
                     : refuse(e, "more features than a feature row has");
  if (st == PC_OK && find_path(&root, model_path, &model) != 0) {
    st = refuse(e, "no gradient_booster model");
  }
  if (st == PC_OK) {
    st = read_trees(&model, f, e);
  }
  if (st != PC_OK) {
    pc_xgb_forest_free(f);
    return st;
  }
  *out = f;
  return PC_OK;
}

int pc_xgb_forest_ntrees(const pc_xgb_forest *f) { return f->ntrees; }

/* ---- prediction ---------------------------------------------------------- */

/* acc[r] += tree t's leaf value for rows r < n of x (row-major), by walks:
 * for trees without a mask form and rows with missing values. */
static void walk_rows(const pc_xgb_forest *f, int t, const float *x, int n,
                      float *acc) {
  for (int r = 0; r < n; r++) {
    const float *row = x + (size_t)r * (size_t)f->nfeat;
    slot at = f->tree[t].root;
    for (int level = 0; level < f->tree[t].depth; level++) {
      float v = row[f->feat[at]];
      at = isnan(v) ? f->dflt[at] : f->left[at] + !(v < f->cond[at]);
    }
    acc[r] += f->value[at];
  }
}

/* acc[k] += tree t's leaf value for the LANES rows of a transposed block
 * xt without missing values, by the mask form.  Each inner loop is one
 * column of LANES values against one threshold: vector compares. */
static void mask_rows(const pc_xgb_forest *f, int t, const float *xt,
                      float *acc) {
  const tree_form *tf = &f->tree[t];
  uint32_t live[LANES];
  for (int k = 0; k < LANES; k++) {
    live[k] = ~(uint32_t)0;
  }
  for (int i = tf->split0; i < tf->split0 + tf->nsplit; i++) {
    const float *col = xt + f->mfeat[i];
    float cond = f->mcond[i];
    uint32_t keep = f->mkeep[i];
    for (int k = 0; k < LANES; k++) {
      live[k] &= (col[k] < cond ? ~(uint32_t)0 : 0) | keep;
    }
  }
  /* The exit leaf's bit is never cleared, so live[k] is never 0. */
  for (int k = 0; k < LANES; k++) {
    acc[k] += f->mleaf[tf->leaf0 + __builtin_ctz(live[k])];
  }
}

/* Rows r < n of x into a transposed block (missing rows repeat row 0, so
 * that every lane holds valid values); returns 1 when a value is
 * missing. */
static int transpose(const float *x, int n, int nfeat, float *xt) {
  int nan = 0;
  for (int k = 0; k < LANES; k++) {
    const float *row = x + (size_t)(k < n ? k : 0) * (size_t)nfeat;
    for (int j = 0; j < nfeat; j++) {
      xt[j * LANES + k] = row[j];
    }
  }
  /* A feature's LANES values at a time (the compiler's vector compares). */
  for (int j = 0; j < nfeat; j++) {
    int m = 0;
    for (int k = 0; k < LANES; k++) {
      m |= xt[j * LANES + k] != xt[j * LANES + k];
    }
    nan |= m;
  }
  return nan;
}

/* Each row's sum starts at base_score and adds the trees' leaves in tree
 * order, in float, whichever form finds a leaf: XGBoost's sum. */
void pc_xgb_forest_predict(const pc_xgb_forest *f, const float *x, size_t n,
                           double center, double *out) {
  float acc[LANES], xt[PC_XGB_MAX_FEATURES * LANES];
  for (size_t first = 0; first < n; first += LANES) {
    int rows = n - first < LANES ? (int)(n - first) : LANES;
    const float *xb = x + first * (size_t)f->nfeat;
    int missing = transpose(xb, rows, f->nfeat, xt);
    for (int k = 0; k < LANES; k++) {
      acc[k] = f->base;
    }
    for (int t = 0; t < f->ntrees; t++) {
      if (f->tree[t].nsplit >= 0 && !missing) {
        mask_rows(f, t, xt, acc);
      } else {
        walk_rows(f, t, xb, rows, acc);
      }
    }
    for (int r = 0; r < rows; r++) {
      out[first + (size_t)r] = center + (double)acc[r];
    }
  }
}
