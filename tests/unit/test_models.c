/* The model contract, checked for every registered model (GSL rng/test.c
 * style): fit/free, determinism by key, save -> load round trip, positive
 * finite joint paths starting from the last close, failure on too little
 * data.  Then exact checks of naive and random_walk estimates, and
 * random_walk's ewma volatility against R. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_filter.h"

#include "pathcast/models/model.h"
#include "pathcast/models/settings.h"
#include "pathcast/core/paths.h"

#define N_OBS 600
#define PATHS 500
#define STEPS 14

typedef struct {
  pc_date date[N_OBS];
  double close[N_OBS];
  double cov[N_OBS * 3];
  pc_history h;
} fixture;

static const char *const cov_names[] = {"temp_mean_c", "humidity_mean_pct",
                                        "precipitation_mm"};

/* A geometric random walk with a few missing closes, from a fixed Philox
 * stream, so every model sees realistic, reproducible data. */
static void make_history(fixture *f, size_t n) {
  pc_rng r;
  pc_rng_init(&r, pc_rng_key_training(99, "test", "fixture", "v", 0), 0, 0);
  double x = log(100.0);
  for (size_t i = 0; i < n; i++) {
    x += 0.0002 + 0.015 * pc_rng_normal(&r);
    f->date[i] = (pc_date)(18000 + i);
    f->close[i] = (i % 97 == 50) ? NAN : exp(x);
    for (int j = 0; j < 3; j++) {
      f->cov[i * 3 + (size_t)j] = 20.0 + pc_rng_normal(&r);
    }
  }
  f->h = (pc_history){n, f->date, f->close, 3, cov_names, f->cov};
}

/* A model of type t fitted on h, with one key set when key is not NULL. */
static pc_model *fitted_with(const pc_model_type *t, const char *key,
                             const char *value, const pc_history *h) {
  pc_model_spec spec;
  pc_model *m = NULL;
  pc_error e;
  assert_int_equal(pc_model_spec_init(&spec, t->name, t), PC_OK);
  if (key != NULL) {
    assert_int_equal(pc_model_spec_set(&spec, key, value, &e), PC_OK);
  }
  assert_int_equal(pc_model_alloc(&m, &spec, &e), PC_OK);
  pc_model_spec_fini(&spec);
  pc_status st = pc_model_fit(m, h, &e);
  if (st != PC_OK) {
    fail_msg("%s fit failed: %s", t->name, e.msg);
  }
  return m;
}

static pc_model *fitted(const pc_model_type *t, const pc_history *h) {
  return fitted_with(t, NULL, NULL, h);
}

static double *simulate(const pc_model *m, const pc_history *h, uint64_t seed) {
  double *out = malloc(sizeof(double) * PATHS * STEPS);
  pc_sim_request req = {PATHS, STEPS,
                        pc_rng_key_forecast(seed, "coffee", "m", "v1", 19000),
                        NULL};
  pc_error e;
  assert_non_null(out);
  assert_int_equal(pc_model_simulate(m, h, &req, out, &e), PC_OK);
  return out;
}

/* The same bytes at every SIMD width the CPU has (pathcast/core/paths.h): the
 * width is chosen for speed only, never changes a number. */
static void assert_widths_agree(const pc_model *m, const pc_history *h) {
  setenv(PC_SIMD_ENV, "scalar", 1);
  double *want = simulate(m, h, 1);
  for (int s = PC_SIMD_SCALAR + 1; s < PC_SIMD_COUNT; s++) {
    if (!pc_simd_available((pc_simd)s)) {
      continue;
    }
    setenv(PC_SIMD_ENV, pc_simd_name((pc_simd)s), 1);
    double *got = simulate(m, h, 1);
    if (memcmp(got, want, sizeof(double) * PATHS * STEPS) != 0) {
      fail_msg("%s: the %s paths differ from the scalar ones",
               pc_model_spec_of(m)->name, pc_simd_name((pc_simd)s));
    }
    free(got);
  }
  unsetenv(PC_SIMD_ENV);
  free(want);
}

static void contract_one(const pc_model_type *t) {
  fixture *f = calloc(1, sizeof *f);
  make_history(f, N_OBS);
  pc_model *m = fitted(t, &f->h);
  double *a = simulate(m, &f->h, 1), *b = simulate(m, &f->h, 1);
  double *c = simulate(m, &f->h, 2);
  /* Same key: bit-identical.  Another key: different. */
  assert_memory_equal(a, b, sizeof(double) * PATHS * STEPS);
  assert_true(memcmp(a, c, sizeof(double) * PATHS * STEPS) != 0);
  assert_widths_agree(m, &f->h);
  /* Paths are finite, positive, and start near the last close. */
  double last = pc_history_last_close(&f->h), mean1 = 0.0;
  for (size_t i = 0; i < PATHS * STEPS; i++) {
    assert_true(isfinite(a[i]) && a[i] > 0.0);
  }
  for (size_t p = 0; p < PATHS; p++) {
    mean1 += a[p * STEPS] / PATHS;
  }
  assert_true(fabs(mean1 / last - 1.0) < 0.01);
  /* Joint paths: the spread of log prices grows with the horizon. */
  double v1 = 0.0, v14 = 0.0;
  for (size_t p = 0; p < PATHS; p++) {
    v1 += pow(log(a[p * STEPS] / last), 2);
    v14 += pow(log(a[p * STEPS + STEPS - 1] / last), 2);
  }
  assert_true(v14 > 5.0 * v1);
  /* save -> load gives a model that simulates bit-identically. */
  pc_record rec;
  pc_error e;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  pc_model *copy = NULL;
  assert_int_equal(pc_model_alloc(&copy, pc_model_spec_of(m), &e), PC_OK);
  assert_int_equal(pc_model_load(copy, &rec, &e), PC_OK);
  double *d = simulate(copy, &f->h, 1);
  assert_memory_equal(a, d, sizeof(double) * PATHS * STEPS);
  /* A record missing its fields is refused, not half-loaded. */
  pc_record empty;
  pc_record_init(&empty);
  pc_model *broken = NULL;
  assert_int_equal(pc_model_alloc(&broken, pc_model_spec_of(m), &e), PC_OK);
  assert_int_not_equal(pc_model_load(broken, &empty, &e), PC_OK);
  pc_model_free(broken);
  pc_record_fini(&rec);
  pc_model_free(copy);
  pc_model_free(m);
  free(a);
  free(b);
  free(c);
  free(d);
  free(f);
}

/* ---- loaders are total -------------------------------------------------- */

/* A copy of field f (its payload duplicated) with another kind. */
static void copy_field(pc_record *dst, const pc_field *f, pc_field_kind kind) {
  pc_field c = *f;
  size_t unit = f->kind == PC_FIELD_F64 || f->kind == PC_FIELD_I64 ? 8 : 1;
  c.kind = kind;
  c.data = malloc(f->len * unit + 1);
  assert_non_null(c.data);
  memcpy(c.data, f->data, f->len * unit + 1 > 1 ? f->len * unit : 0);
  ((char *)c.data)[f->len * unit] = '\0';
  assert_int_equal(pc_record_adopt(dst, &c), PC_OK);
}

/* The kind a field is turned into to test a loader: never its own, and one
 * whose payload size per element stays valid. */
static pc_field_kind other_kind(pc_field_kind k) {
  switch (k) {
  case PC_FIELD_F64:
    return PC_FIELD_I64;
  case PC_FIELD_I64:
    return PC_FIELD_F64;
  case PC_FIELD_STR:
    return PC_FIELD_BYTES;
  default:
    return PC_FIELD_STR;
  }
}

/* rec with field `drop` removed (drop < 0: none) and field `twist` of
 * another kind (twist < 0: none). */
static void mutated(const pc_record *rec, long drop, long twist,
                    pc_record *out) {
  pc_record_init(out);
  for (size_t i = 0; i < rec->n; i++) {
    const pc_field *f = &rec->fields[i];
    if ((long)i != drop) {
      copy_field(out, f, (long)i == twist ? other_kind(f->kind) : f->kind);
    }
  }
}

static void assert_load_fails(const pc_model_spec *spec, const pc_record *rec,
                              const char *what) {
  pc_model *m = NULL;
  pc_error e;
  pc_error_clear(&e);
  assert_int_equal(pc_model_alloc(&m, spec, &e), PC_OK);
  pc_status st = pc_model_load(m, rec, &e);
  pc_model_free(m);
  if (st == PC_OK) {
    fail_msg("%s: loading %s succeeded", spec->type->name, what);
  }
  assert_true(strlen(e.msg) > 0);
}

/* Loading a record with any one field missing, or of another kind, or a
 * record another model type saved, is an error -- never half a model, never
 * a read of memory a failed read left unset (ASan/valgrind run this). */
static void loaders_total(const pc_model_type *t, const pc_history *h) {
  pc_model *m = fitted(t, h);
  pc_record rec;
  pc_error e;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  for (size_t i = 0; i < rec.n; i++) {
    pc_record bad;
    char what[128];
    mutated(&rec, (long)i, -1, &bad);
    snprintf(what, sizeof what, "a record without '%s'", rec.fields[i].name);
    assert_load_fails(pc_model_spec_of(m), &bad, what);
    pc_record_fini(&bad);
    mutated(&rec, -1, (long)i, &bad);
    snprintf(what, sizeof what, "a record with '%s' of another type",
             rec.fields[i].name);
    assert_load_fails(pc_model_spec_of(m), &bad, what);
    pc_record_fini(&bad);
  }
  for (size_t u = 0; pc_model_types[u] != NULL; u++) {
    if (pc_model_types[u] != t) {
      pc_model_spec other;
      assert_int_equal(pc_model_spec_init(&other, "other", pc_model_types[u]),
                       PC_OK);
      assert_load_fails(&other, &rec, "another model type's record");
      pc_model_spec_fini(&other);
    }
  }
  pc_record_fini(&rec);
  pc_model_free(m);
}

static void test_loaders_total(void **state) {
  (void)state;
  fixture *f = calloc(1, sizeof *f);
  make_history(f, N_OBS);
  for (size_t i = 0; pc_model_types[i] != NULL; i++) {
    loaders_total(pc_model_types[i], &f->h);
  }
  free(f);
}

static void test_contract_all_models(void **state) {
  (void)state;
  size_t n = 0;
  for (size_t i = 0; pc_model_types[i] != NULL; i++, n++) {
    contract_one(pc_model_types[i]);
  }
  assert_true(n >= 2);
}

/* ARIMA's bootstrapped innovations draw their indices after the state
 * normals of the same stream: also the same bytes at every width. */
static void test_arima_bootstrap_widths(void **state) {
  (void)state;
  fixture *f = calloc(1, sizeof *f);
  make_history(f, N_OBS);
  pc_model *m = fitted_with(pc_model_type_find("arima"), "innovations",
                            "bootstrap", &f->h);
  assert_widths_agree(m, &f->h);
  pc_model_free(m);
  free(f);
}

/* Too little data is a model failure with a reason, never a crash. */
static void test_too_little_data_fails(void **state) {
  (void)state;
  for (size_t i = 0; pc_model_types[i] != NULL; i++) {
    const pc_model_type *t = pc_model_types[i];
    fixture *f = calloc(1, sizeof *f);
    make_history(f, 2);
    pc_model_spec spec;
    pc_model *m = NULL;
    pc_error e;
    pc_error_clear(&e);
    pc_model_spec_init(&spec, t->name, t);
    assert_int_equal(pc_model_alloc(&m, &spec, &e), PC_OK);
    assert_int_equal(pc_model_fit(m, &f->h, &e), PC_MODEL);
    assert_true(strlen(e.msg) > 0);
    pc_model_free(m);
    pc_model_spec_fini(&spec);
    free(f);
  }
}

static void test_registry(void **state) {
  (void)state;
  char names[1024], want[1024] = "";
  /* Every registered model is findable by name and listed, in order. */
  for (size_t i = 0; pc_model_types[i] != NULL; i++) {
    assert_ptr_equal(pc_model_type_find(pc_model_types[i]->name),
                     pc_model_types[i]);
    snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s",
             i ? ", " : "", pc_model_types[i]->name);
  }
  pc_model_type_names(names, sizeof names);
  assert_string_equal(names, want);
  assert_true(strncmp(names, "naive, random_walk", 18) == 0);
  assert_null(pc_model_type_find("no_such_model"));
}

static void assert_close(double a, double b, double tol) {
  if (!(fabs(a - b) <= tol)) {
    fail_msg("%.17g differs from %.17g by more than %g", a, b, tol);
  }
}

static double field(const pc_record *r, const char *name) {
  double v = NAN;
  pc_error e;
  assert_int_equal(pc_record_get_scalar(r, name, &v, &e), PC_OK);
  return v;
}

/* naive: zero drift, volatility = sample sd of every return (skipping the
 * missing closes, which join their neighbours into one return). */
static void test_naive_estimates(void **state) {
  (void)state;
  double close[] = {100, 110, NAN, 99, 99, 120};
  pc_date date[] = {1, 2, 3, 4, 5, 6};
  pc_history h = {6, date, close, 0, NULL, NULL};
  pc_model *m = fitted(pc_model_type_find("naive"), &h);
  pc_record rec;
  pc_error e;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  double r[] = {log(1.1), log(99.0 / 110), 0.0, log(120.0 / 99)};
  double mean = (r[0] + r[1] + r[2] + r[3]) / 4, ss = 0;
  for (int i = 0; i < 4; i++) {
    ss += (r[i] - mean) * (r[i] - mean);
  }
  assert_true(field(&rec, "drift") == 0.0);
  assert_close(field(&rec, "volatility"), sqrt(ss / 3), 1e-15);
  pc_record_fini(&rec);
  pc_model_free(m);
}

/* random_walk: drift and volatility of the last `lookback` returns only. */
static void test_random_walk_lookback(void **state) {
  (void)state;
  double close[] = {50, 100, 110, 121, 133.1};
  pc_date date[] = {1, 2, 3, 4, 5};
  pc_history h = {5, date, close, 0, NULL, NULL};
  const pc_model_type *t = pc_model_type_find("random_walk");
  pc_model_spec spec;
  pc_model *m = NULL;
  pc_error e;
  pc_record rec;
  pc_model_spec_init(&spec, "rw3", t);
  assert_int_equal(pc_model_spec_set(&spec, "lookback", "3", &e), PC_OK);
  assert_int_equal(pc_model_alloc(&m, &spec, &e), PC_OK);
  assert_int_equal(pc_model_fit(m, &h, &e), PC_OK);
  pc_record_init(&rec);
  pc_model_save(m, &rec, &e);
  /* The 50 -> 100 jump is outside the window: three returns of +10%. */
  assert_close(field(&rec, "drift"), log(1.1), 1e-12);
  assert_true(field(&rec, "volatility") < 1e-12);
  pc_record_fini(&rec);
  pc_model_free(m);
  pc_model_spec_fini(&spec);
}

/* Keys added to random_walk after stores held its results match, at their
 * defaults, the settings those stores recorded (pathcast/models/settings.h), and a
 * default fit stores exactly the four fields it always did. */
static void test_random_walk_settings_unchanged(void **state) {
  (void)state;
  const pc_model_type *t = pc_model_type_find("random_walk");
  pc_model_spec spec;
  pc_error e;
  char text[256];
  pc_model_spec_init(&spec, "random_walk", t);
  pc_model_spec_settings(&spec, text, sizeof text);
  assert_string_equal(text, "type=random_walk random_walk.lookback=250 "
                            "random_walk.volatility=sample "
                            "random_walk.lambda=0.94 random_walk.drift=sample");
  assert_true(pc_settings_match("type=random_walk lookback=250", text, 0));
  assert_int_equal(pc_model_spec_set(&spec, "volatility", "ewma", &e), PC_OK);
  pc_model_spec_settings(&spec, text, sizeof text);
  assert_false(pc_settings_match("type=random_walk lookback=250", text, 0));
  assert_int_equal(pc_model_spec_set(&spec, "lambda", "0.97", &e), PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "drift", "zero", &e), PC_OK);
  pc_model_spec_settings(&spec, text, sizeof text);
  assert_string_equal(text, "type=random_walk random_walk.lookback=250 "
                            "random_walk.volatility=ewma "
                            "random_walk.lambda=0.97 random_walk.drift=zero");
  assert_int_equal(pc_model_spec_set(&spec, "lambda", "1", &e), PC_INPUT);
  assert_string_equal(e.msg, "random_walk.lambda: 1 is out of range [0.5, 0.999]");
  pc_model_spec_fini(&spec);
  fixture *f = calloc(1, sizeof *f);
  make_history(f, N_OBS);
  pc_model *m = fitted(t, &f->h);
  pc_record rec;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(m, &rec, &e), PC_OK);
  /* (and the dispatcher's model_type tag, last) */
  const char *names[] = {"drift", "volatility", "n_returns",
                         "annualized_volatility", "model_type"};
  assert_int_equal(rec.n, 5);
  for (size_t i = 0; i < 5; i++) {
    assert_string_equal(rec.fields[i].name, names[i]);
  }
  pc_record_fini(&rec);
  pc_model_free(m);
  free(f);
}

/* random_walk with volatility = ewma against R (stats::filter, fixture from
 * tools/garch_reference.R) on fGarch's dem2gbp returns: the trained
 * volatility, and the forecast's, recomputed from the returns before the
 * forecast date: its paths are the sample random walk's with the same
 * normals scaled by the ratio of the volatilities. */
#define EWMA_DIR "tests/unit/data/garch/"
#define DEM_N 1974

static pc_history dem2gbp_prices(double *close, pc_date *date, size_t n) {
  FILE *in = fopen(EWMA_DIR "dem2gbp.txt", "r");
  double x = log(100.0), r = 0.0;
  assert_non_null(in);
  close[0] = 100.0;
  date[0] = 5000;
  for (size_t t = 0; t < n && fscanf(in, "%lf", &r) == 1; t++) {
    x += r;
    close[t + 1] = exp(x);
    date[t + 1] = (pc_date)(5001 + t);
  }
  fclose(in);
  return (pc_history){n + 1, date, close, 0, NULL, NULL};
}

static pc_model *random_walk_with(const char *vol, const char *lookback,
                                  const char *lambda, const char *drift,
                                  const pc_history *h) {
  pc_model_spec spec;
  pc_model *m = NULL;
  pc_error e;
  pc_model_spec_init(&spec, "rw", pc_model_type_find("random_walk"));
  assert_int_equal(pc_model_spec_set(&spec, "volatility", vol, &e), PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "lookback", lookback, &e), PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "lambda", lambda, &e), PC_OK);
  assert_int_equal(pc_model_spec_set(&spec, "drift", drift, &e), PC_OK);
  assert_int_equal(pc_model_alloc(&m, &spec, &e), PC_OK);
  assert_int_equal(pc_model_fit(m, h, &e), PC_OK);
  pc_model_spec_fini(&spec);
  return m;
}

static void check_ewma_case(const char *line, double *close, pc_date *date) {
  char lookback[16], lambda[32], drift[16];
  size_t ntrain = 0, nfc = 0;
  double d = 0, vol_train = 0, vol_fc = 0, sd_train = 0;
  assert_int_equal(sscanf(line, "ewma %15s %31s %15s %zu %zu %lf %lf %lf %lf",
                          lookback, lambda, drift, &ntrain, &nfc, &d,
                          &vol_train, &vol_fc, &sd_train), 9);
  pc_history train = dem2gbp_prices(close, date, DEM_N), fc = train;
  train.n = ntrain + 1;
  fc.n = nfc + 1;
  pc_model *ew = random_walk_with("ewma", lookback, lambda, drift, &train);
  pc_model *sample = random_walk_with("sample", lookback, lambda, drift, &train);
  pc_record rec;
  pc_error e;
  pc_record_init(&rec);
  assert_int_equal(pc_model_save(ew, &rec, &e), PC_OK);
  assert_close(field(&rec, "drift"), d, 1e-15);
  assert_close(field(&rec, "volatility"), vol_train, 1e-9 * vol_train);
  assert_close(field(&rec, "lambda"), strtod(lambda, NULL), 0.0);
  assert_true((pc_record_get(&rec, "drift_method") != NULL) ==
              (strcmp(drift, "zero") == 0));
  double a[PATHS * STEPS], b[PATHS * STEPS], last = pc_history_last_close(&fc);
  pc_sim_request req = {PATHS, STEPS, pc_rng_key_forecast(4, "c", "rw", "v", 1),
                        NULL};
  assert_int_equal(pc_model_simulate(ew, &fc, &req, a, &e), PC_OK);
  assert_int_equal(pc_model_simulate(sample, &fc, &req, b, &e), PC_OK);
  for (size_t p = 0; p < PATHS; p++) {
    double xe = log(a[p * STEPS] / last) - d, xs = log(b[p * STEPS] / last) - d;
    assert_close(xe, xs * vol_fc / sd_train, 1e-9 * fabs(xe) + 1e-15);
  }
  pc_record_fini(&rec);
  pc_model_free(ew);
  pc_model_free(sample);
}

static void test_random_walk_ewma(void **state) {
  (void)state;
  static double close[DEM_N + 1];
  static pc_date date[DEM_N + 1];
  char line[512];
  int cases = 0;
  FILE *in = fopen(EWMA_DIR "ewma_dem2gbp.txt", "r");
  if (in == NULL) {
    fail_msg("cannot open the ewma fixture (run from the repository root)");
  }
  while (fgets(line, sizeof line, in) != NULL) {
    if (strncmp(line, "ewma ", 5) == 0) {
      check_ewma_case(line, close, date);
      cases++;
    }
  }
  fclose(in);
  assert_int_equal(cases, 3);
}

/* The list syntax every model's name-list keys (exog) share. */
static void test_name_lists(void **state) {
  (void)state;
  const char *cursor = " temp, humidity,,rain ", *name = NULL;
  const char *want[] = {"temp", "humidity", "rain"};
  for (int i = 0; i < 3; i++) {
    size_t len = pc_name_list_next(&cursor, &name);
    assert_int_equal(len, strlen(want[i]));
    assert_memory_equal(name, want[i], len);
  }
  assert_int_equal(pc_name_list_next(&cursor, &name), 0);
  const char *none = "none", *empty = "";
  assert_int_equal(pc_name_list_next(&none, &name), 0);
  assert_int_equal(pc_name_list_next(&empty, &name), 0);
}

/* The string getter every model's load uses: the text, or PC_FATAL naming
 * the field when it is missing, of another kind, or longer than the buffer. */
static void test_record_strings(void **state) {
  (void)state;
  pc_record r;
  pc_error e;
  char buf[4];
  pc_record_init(&r);
  assert_int_equal(pc_record_add_str(&r, PC_SECTION_PARAMS, "t", "log"), PC_OK);
  assert_int_equal(pc_record_add_scalar(&r, PC_SECTION_PARAMS, "x", 1.0),
                   PC_OK);
  assert_int_equal(pc_record_get_str(&r, "t", buf, sizeof buf, &e), PC_OK);
  assert_string_equal(buf, "log");
  assert_int_equal(pc_record_get_str(&r, "t", buf, 3, &e), PC_FATAL);
  assert_string_equal(e.msg, "trained model field 't' is missing or not a "
                             "string");
  assert_int_equal(pc_record_get_str(&r, "x", buf, sizeof buf, &e), PC_FATAL);
  assert_int_equal(pc_record_get_str(&r, "y", buf, sizeof buf, &e), PC_FATAL);
  assert_string_equal(e.msg, "trained model field 'y' is missing or not a "
                             "string");
  pc_record_fini(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_contract_all_models),
      cmocka_unit_test(test_loaders_total),
      cmocka_unit_test(test_arima_bootstrap_widths),
      cmocka_unit_test(test_too_little_data_fails),
      cmocka_unit_test(test_registry),
      cmocka_unit_test(test_name_lists),
      cmocka_unit_test(test_record_strings),
      cmocka_unit_test(test_naive_estimates),
      cmocka_unit_test(test_random_walk_lookback),
      cmocka_unit_test(test_random_walk_settings_unchanged),
      cmocka_unit_test(test_random_walk_ewma),
  };
  pc_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
