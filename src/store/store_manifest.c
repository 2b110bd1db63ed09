/* The manifest, pathcast.h5: the commodity, and each model and version whose
 * results the store holds with the settings they were made with.
 *
 * The manifest is a summary of the result files, which carry the same
 * identity themselves (every model file has `model`, `model_version`,
 * `model_type`, `settings` and `commodity` attributes, under a checksum).  So
 * it can always be rebuilt: a writer reconciles it with the folders when it
 * opens the store and when it finishes -- an entry without results is
 * dropped (a model whose every fit failed never locks its settings), and a
 * folder with results but no entry (the manifest was lost, damaged, or a run
 * died between its first result and its manifest update) gets its entry back
 * from its files' attributes.  Nothing stored is recomputed or lost. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5io.h"
#include "pathcast/core/name.h"
#include "pathcast/models/settings.h"
#include "store_internal.h"

#define MANIFEST "pathcast.h5"

static void entry_free(manifest_entry *me) {
  free(me->model);
  free(me->version);
  free(me->settings);
  free(me->holidays);
}

void pc_store_manifest_clear(pc_store *s) {
  for (size_t i = 0; i < s->nmodels; i++) {
    entry_free(&s->models[i]);
  }
  free(s->models);
  s->models = NULL;
  s->nmodels = 0;
}

/* How an unknown holiday list is stored (a list is dates and commas). */
#define HOLIDAYS_UNKNOWN "unknown"

static const char *holidays_text(const manifest_entry *me) {
  return me->holidays != NULL ? me->holidays : HOLIDAYS_UNKNOWN;
}

/* The content checksum: the commodity and every entry, each string with its
 * terminating NUL so that no two lists hash alike by shifting text. */
static uint64_t manifest_checksum(const pc_store *s) {
  uint64_t c = pc_checksum_add(pc_checksum_seed, s->commodity,
                               strlen(s->commodity) + 1);
  for (size_t i = 0; i < s->nmodels; i++) {
    const manifest_entry *me = &s->models[i];
    const char *h = holidays_text(me);
    c = pc_checksum_add(c, me->model, strlen(me->model) + 1);
    c = pc_checksum_add(c, me->version, strlen(me->version) + 1);
    c = pc_checksum_add(c, me->settings, strlen(me->settings) + 1);
    c = pc_checksum_add(c, h, strlen(h) + 1);
  }
  return c;
}

static manifest_entry *find(const pc_store *s, const char *model,
                            const char *version) {
  for (size_t i = 0; i < s->nmodels; i++) {
    manifest_entry *me = &s->models[i];
    if (strcmp(me->model, model) == 0 && strcmp(me->version, version) == 0) {
      return me;
    }
  }
  return NULL;
}

const char *pc_store_manifest_settings(const pc_store *s, const char *model,
                                       const char *version) {
  const manifest_entry *me = find(s, model, version);
  return me != NULL ? me->settings : NULL;
}

/* Appends an entry (copies of the strings; holidays may be NULL). */
static pc_status add_entry(pc_store *s, const char *model, const char *version,
                           const char *settings, const char *holidays) {
  manifest_entry *grown = realloc(s->models, (s->nmodels + 1) * sizeof *grown);
  if (grown == NULL) {
    return PC_NOMEM;
  }
  s->models = grown;
  manifest_entry me = {strdup(model), strdup(version), strdup(settings),
                       holidays != NULL ? strdup(holidays) : NULL};
  if (me.model == NULL || me.version == NULL || me.settings == NULL ||
      (holidays != NULL && me.holidays == NULL)) {
    entry_free(&me);
    return PC_NOMEM;
  }
  s->models[s->nmodels++] = me;
  return PC_OK;
}

/* Replaces an entry's settings and holidays (after an accepted extension of
 * the holidays, or when the list was not known yet). */
static pc_status update_entry(manifest_entry *me, const pc_store_model *m) {
  char *settings = strdup(m->settings);
  char *holidays = m->holidays != NULL ? strdup(m->holidays) : NULL;
  if (settings == NULL || (m->holidays != NULL && holidays == NULL)) {
    free(settings);
    free(holidays);
    return PC_NOMEM;
  }
  free(me->settings);
  free(me->holidays);
  me->settings = settings;
  me->holidays = holidays;
  return PC_OK;
}

static void drop_entry(pc_store *s, size_t i) {
  entry_free(&s->models[i]);
  memmove(&s->models[i], &s->models[i + 1],
          (s->nmodels - i - 1) * sizeof *s->models);
  s->nmodels--;
}

/* ---- reading and writing ---------------------------------------------- */

/* Takes the string columns as the entries (ownership moves); holidays may
 * be NULL (a manifest written before they were recorded). */
static pc_status adopt_columns(pc_store *s, char **names, char **versions,
                               char **settings, char **holidays, size_t n) {
  s->models = calloc(n ? n : 1, sizeof *s->models);
  if (s->models == NULL) {
    return PC_NOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    char *h = holidays != NULL ? holidays[i] : NULL;
    if (h != NULL && strcmp(h, HOLIDAYS_UNKNOWN) == 0) {
      free(h);
      h = NULL;
    }
    s->models[i] = (manifest_entry){names[i], versions[i], settings[i], h};
  }
  s->nmodels = n;
  free(names);
  free(versions);
  free(settings);
  free(holidays);
  return PC_OK;
}

static const char *read_columns(pc_store *s, pc_store_file *sf,
                                int64_t *schema) {
  char **names = NULL, **versions = NULL, **settings = NULL;
  char **holidays = NULL;
  char commodity[sizeof s->commodity];
  size_t n1 = 0, n2 = 0, n3 = 0, n4 = 0;
  hid_t f = sf->f;
  int ok = pc_h5_read_attr_i64(f, "schema_version", schema) == 0 &&
           pc_h5_read_attr_str(f, "commodity", commodity,
                               sizeof commodity) == 0 &&
           pc_h5_read_strings(f, "model", &names, &n1) == 0 &&
           pc_h5_read_strings(f, "model_version", &versions, &n2) == 0 &&
           pc_h5_read_strings(f, "settings", &settings, &n3) == 0 &&
           n1 == n2 && n2 == n3;
  /* Manifests written before the holidays were recorded lack them. */
  if (ok && pc_h5_exists(f, "holidays")) {
    ok = pc_h5_read_strings(f, "holidays", &holidays, &n4) == 0 && n4 == n1;
  }
  if (ok &&
      adopt_columns(s, names, versions, settings, holidays, n1) == PC_OK) {
    memcpy(s->commodity, commodity, sizeof commodity);
    return NULL;
  }
  pc_h5_free_strings(names, n1);
  pc_h5_free_strings(versions, n2);
  pc_h5_free_strings(settings, n3);
  pc_h5_free_strings(holidays, n4);
  return ok ? "out of memory" : "cannot read the store manifest";
}

pc_status pc_store_manifest_load(pc_store *s, pc_error *e) {
  char path[PATH_LEN];
  pc_store_file sf;
  pc_store_manifest_clear(s);
  pc_store_path(s, path, MANIFEST);
  if (!pc_store_file_exists(s, path)) {
    return PC_OK; /* a new store */
  }
  pc_status st = pc_store_file_open(s, path, &sf, e);
  if (st != PC_OK) {
    return st;
  }
  int64_t schema = 0;
  const char *why = read_columns(s, &sf, &schema);
  /* Manifests written before the container had no checksum of their own. */
  if (why == NULL && !sf.legacy &&
      pc_store_check_checksum(sf.f, manifest_checksum(s)) != 0) {
    why = "checksum mismatch: the manifest is damaged";
  }
  pc_store_file_close(&sf);
  if (why != NULL) {
    pc_store_diag_stack(s);
    pc_store_manifest_clear(s);
    return pc_error_set(e, PC_IO, "%s: %s", path, why);
  }
  if (schema < PC_SCHEMA_OLDEST || schema > PC_SCHEMA_VERSION) {
    pc_store_manifest_clear(s);
    return pc_error_set(e, PC_INPUT, "%s: unsupported schema_version %lld "
                        "(this pathcast reads versions %d to %d)", path,
                        (long long)schema, PC_SCHEMA_OLDEST,
                        PC_SCHEMA_VERSION);
  }
  s->schema = schema;
  s->manifest_legacy = sf.legacy;
  return PC_OK;
}

static int cmp_entry(const void *a, const void *b) {
  const manifest_entry *x = a, *y = b;
  int c = strcmp(x->model, y->model);
  return c != 0 ? c : strcmp(x->version, y->version);
}

/* Entries are kept sorted by model and version, so the manifest's bytes
 * depend on what it lists, not on the order models were first run. */
static pc_status write_manifest(pc_store *s, pc_error *e) {
  char path[PATH_LEN];
  pc_store_path(s, path, MANIFEST);
  qsort(s->models, s->nmodels, sizeof *s->models, cmp_entry);
  hid_t f = pc_store_file_create(0);
  const char **col[4];
  for (int c = 0; c < 4; c++) {
    col[c] = calloc(s->nmodels ? s->nmodels : 1, sizeof *col[c]);
  }
  int ok = f >= 0 && col[0] && col[1] && col[2] && col[3];
  for (size_t i = 0; ok && i < s->nmodels; i++) {
    col[0][i] = s->models[i].model;
    col[1][i] = s->models[i].version;
    col[2][i] = s->models[i].settings;
    col[3][i] = holidays_text(&s->models[i]);
  }
  ok = ok && pc_store_write_identity(
                 s, f,
                 "pathcast store manifest: the models whose "
                 "results this store holds, with their settings") == 0;
  ok = ok &&
       pc_h5_write_strings(f, "model", col[0], s->nmodels, "model name") == 0;
  ok = ok && pc_h5_write_strings(f, "model_version", col[1], s->nmodels,
                                 "model version label") == 0;
  ok = ok && pc_h5_write_strings(f, "settings", col[2], s->nmodels,
                                 "settings every stored result of the model "
                                 "was made with") == 0;
  ok = ok && pc_h5_write_strings(f, "holidays", col[3], s->nmodels,
                                 "holidays that change the calendar, "
                                 "comma-separated ISO dates (unknown: not "
                                 "recorded)") == 0;
  ok = ok && pc_h5_attr_u64(f, "checksum", manifest_checksum(s)) == 0;
  for (int c = 0; c < 4; c++) {
    free(col[c]);
  }
  if (f < 0) {
    return pc_error_set(e, PC_IO, "%s: cannot create the manifest", path);
  }
  pc_status st = pc_store_file_commit(s, f, ok, path, e);
  if (st == PC_OK) {
    s->schema = PC_SCHEMA_VERSION;
    s->manifest_legacy = 0;
  }
  return st;
}

pc_status pc_store_manifest_rewrite(pc_store *s, pc_error *e) {
  return write_manifest(s, e);
}

/* ---- registration ----------------------------------------------------- */

/* Writers need the very settings (flags 0); readers of stored results, any
 * numerics version (PC_SETTINGS_IGNORE_NUMERICS). */
static pc_status check_settings(pc_store *s, const pc_store_model *m,
                                unsigned flags, pc_error *e) {
  const manifest_entry *me = find(s, m->model, m->version);
  if (me == NULL || pc_settings_match(me->settings, m->settings, flags)) {
    return PC_OK;
  }
  return pc_error_set(e, PC_INPUT, "store %s holds results of model %s "
                      "version %s made with other settings:\n  stored: %s\n"
                      "  now:    %s\nuse another store or a new "
                      "model_version", s->dir, m->model, m->version,
                      me->settings, m->settings);
}

pc_status pc_store_check_model(pc_store *s, const pc_store_model *m,
                               pc_error *e) {
  return check_settings(s, m, PC_SETTINGS_IGNORE_NUMERICS, e);
}

/* ---- holidays ---------------------------------------------------------- */

/* The first date in one comma-separated list of ISO dates but not the
 * other (both sorted, as the job writes them), or PC_DATE_NONE. */
static pc_date first_difference(const char *a, const char *b) {
  for (;;) {
    pc_date da = PC_DATE_NONE, db = PC_DATE_NONE;
    char ta[PC_DATE_STRLEN] = "", tb[PC_DATE_STRLEN] = "";
    size_t la = strcspn(a, ","), lb = strcspn(b, ",");
    if (la == PC_DATE_STRLEN - 1) {
      memcpy(ta, a, la);
      pc_date_parse(ta, &da);
    }
    if (lb == PC_DATE_STRLEN - 1) {
      memcpy(tb, b, lb);
      pc_date_parse(tb, &db);
    }
    if (da != db) {
      return da == PC_DATE_NONE   ? db
             : db == PC_DATE_NONE ? da
             : da < db            ? da
                                  : db;
    }
    if (da == PC_DATE_NONE) {
      return PC_DATE_NONE;
    }
    a += la + (a[la] == ',');
    b += lb + (b[lb] == ',');
  }
}

/* The last trading day any stored forecast of the model used: the last
 * day_date of the newest partition (PC_DATE_NONE without forecasts). */
static pc_date last_used_day(pc_store *s, const char *model,
                             const char *version) {
  int32_t *months = NULL;
  size_t n = 0;
  pc_error ignored;
  pc_date last = PC_DATE_NONE;
  pc_store_forecast_months(s, model, version, &months, &n, &ignored);
  for (size_t i = n; i-- > 0 && last == PC_DATE_NONE;) {
    pc_partition p;
    pc_partition_init(&p, 1, 1);
    if (pc_store_read_partition(s, model, version, months[i], &p, 1,
                                &ignored) == PC_OK && p.n > 0) {
      last = p.day[p.n * (size_t)p.horizon - 1];
    }
    pc_partition_fini(&p);
  }
  free(months);
  return last;
}

/* Holidays may change only after every stored forecast: an exchange's
 * calendar for next year is published every year, and extending the file
 * must not lock a production store out.  Any change on or before the last
 * day a stored forecast used would mix calendars in one version. */
static pc_status check_holidays(pc_store *s, manifest_entry *me,
                                const pc_store_model *m, pc_error *e) {
  char d[PC_DATE_STRLEN], u[PC_DATE_STRLEN];
  if (pc_settings_match(me->settings, m->settings, 0)) {
    return PC_OK; /* the same holidays (or none recorded before) */
  }
  pc_date last = last_used_day(s, m->model, m->version);
  if (last == PC_DATE_NONE) {
    return PC_OK;
  }
  if (me->holidays == NULL || m->holidays == NULL) {
    return pc_error_set(e, PC_INPUT, "store %s holds results of model %s "
                        "version %s made with other holidays, and no longer "
                        "knows which (its manifest was restored from the "
                        "files): use the same holidays file or a new "
                        "model_version", s->dir, m->model, m->version);
  }
  pc_date first = first_difference(me->holidays, m->holidays);
  if (first != PC_DATE_NONE && first <= last) {
    return pc_error_set(e, PC_INPUT, "store %s holds results of model %s "
                        "version %s made with other holidays: they differ on "
                        "%s, on or before %s, the last day a stored forecast "
                        "used (holidays may only be added or removed after "
                        "it): use the same holidays file or a new "
                        "model_version", s->dir, m->model, m->version,
                        pc_date_format(first, d), pc_date_format(last, u));
  }
  return PC_OK;
}

/* A worker records the entry in memory only (rank 0, the writer, has
 * checked and written it), so that its reads know the identity to expect. */
pc_status pc_store_register_model(pc_store *s, const pc_store_model *m,
                                  pc_error *e) {
  manifest_entry *me = find(s, m->model, m->version);
  if (me == NULL) {
    if (add_entry(s, m->model, m->version, m->settings, m->holidays) != PC_OK) {
      return pc_error_set(e, PC_NOMEM, "out of memory");
    }
    return s->mode == PC_STORE_WRITER ? write_manifest(s, e) : PC_OK;
  }
  pc_status st = check_settings(s, m, PC_SETTINGS_IGNORE_HOLIDAYS, e);
  if (st == PC_OK && s->mode == PC_STORE_WRITER) {
    st = check_holidays(s, me, m, e);
  }
  /* An accepted extension, or a list not known before, is recorded. */
  int changed = strcmp(me->settings, m->settings) != 0 ||
                (m->holidays != NULL &&
                 (me->holidays == NULL || strcmp(me->holidays, m->holidays)));
  if (st == PC_OK && changed) {
    st = update_entry(me, m) == PC_OK
             ? (s->mode == PC_STORE_WRITER ? write_manifest(s, e) : PC_OK)
             : pc_error_set(e, PC_NOMEM, "out of memory");
  }
  return st;
}

/* ---- reconciling with the folders ------------------------------------- */

static void count_h5(const char *path, const struct stat *sb, void *ctx) {
  (void)sb;
  size_t len = strlen(path);
  if (len > 3 && strcmp(path + len - 3, ".h5") == 0) {
    (*(long *)ctx)++;
  }
}

/* Result files (trained models and forecast partitions) of a model folder. */
static long count_results(const pc_store *s, const char *model,
                          const char *version) {
  char dir[PATH_LEN];
  long n = 0;
  if (pc_store_path(s, dir, "%s/%s/trained", model, version) == 0) {
    pc_store_walk(dir, 0, count_h5, &n);
  }
  if (pc_store_path(s, dir, "%s/%s/forecasts", model, version) == 0) {
    pc_store_walk(dir, 0, count_h5, &n);
  }
  return n;
}

/* What the result files of one folder say about their identity. */
typedef struct {
  pc_store *s;
  const char *model, *version;
  char settings[4096];
  char commodity[PC_NAME_LEN_MAX + 1];
  long files;     /* files whose identity could be read */
  int conflict;   /* two files disagree */
  char first[PATH_LEN], other[PATH_LEN];
} adoption;

static void read_identity(const char *path, const struct stat *sb, void *ctx) {
  adoption *a = ctx;
  pc_store_file sf;
  pc_error ignored;
  char model[4096], version[4096], settings[4096],
      commodity[PC_NAME_LEN_MAX + 1];
  (void)sb;
  size_t len = strlen(path);
  if (len < 3 || strcmp(path + len - 3, ".h5") != 0 ||
      pc_store_file_open(a->s, path, &sf, &ignored) != PC_OK) {
    return; /* damaged files say nothing; the readers will rebuild them */
  }
  int ok = pc_h5_read_attr_str(sf.f, "model", model, sizeof model) == 0 &&
           pc_h5_read_attr_str(sf.f, "model_version", version,
                               sizeof version) == 0 &&
           pc_h5_read_attr_str(sf.f, "settings", settings,
                               sizeof settings) == 0 &&
           pc_h5_read_attr_str(sf.f, "commodity", commodity,
                               sizeof commodity) == 0 &&
           strcmp(model, a->model) == 0 && strcmp(version, a->version) == 0;
  pc_store_file_close(&sf);
  if (!ok) {
    return; /* a file of another folder is not evidence for this one */
  }
  if (a->files == 0) {
    snprintf(a->settings, sizeof a->settings, "%s", settings);
    snprintf(a->commodity, sizeof a->commodity, "%s", commodity);
    snprintf(a->first, sizeof a->first, "%s", path);
  } else if (!a->conflict && (strcmp(a->settings, settings) != 0 ||
                              strcmp(a->commodity, commodity) != 0)) {
    a->conflict = 1;
    snprintf(a->other, sizeof a->other, "%s", path);
  }
  a->files++;
}

/* Restores the entry of a folder that holds results the manifest does not
 * list, from its files' identity attributes. */
static pc_status adopt_folder(pc_store *s, const char *model,
                              const char *version, const char *commodity,
                              pc_error *e) {
  adoption *a = calloc(1, sizeof *a);
  char dir[PATH_LEN];
  if (a == NULL) {
    return pc_error_set(e, PC_NOMEM, "out of memory");
  }
  *a = (adoption){.s = s, .model = model, .version = version};
  static const char *const kinds[] = {"trained", "forecasts", "scores"};
  for (int k = 0; k < 3; k++) {
    if (pc_store_path(s, dir, "%s/%s/%s", model, version, kinds[k]) == 0) {
      pc_store_walk(dir, 0, read_identity, a);
    }
  }
  pc_status st = PC_OK;
  if (a->conflict) {
    st = pc_error_set(e, PC_IO, "store %s: the results of model %s version "
                      "%s disagree on their identity (%s and %s); move the "
                      "folder %s/%s aside", s->dir, model, version, a->first,
                      a->other, model, version);
  } else if (a->files > 0 && strcmp(a->commodity, commodity) != 0) {
    st = pc_error_set(e, PC_INPUT, "store %s holds commodity '%s' (%s), the "
                      "job says '%s'", s->dir, a->commodity, a->first,
                      commodity);
  } else if (a->files > 0 &&
             add_entry(s, model, version, a->settings, NULL) != PC_OK) {
    st = pc_error_set(e, PC_NOMEM, "out of memory");
  } else if (a->files > 0) {
    char note[PATH_LEN + 256];
    snprintf(note, sizeof note, "restored the manifest entry of %s %s from "
             "%ld file(s)", model, version, a->files);
    pc_store_diag_note(s, note);
  }
  free(a);
  return st;
}

/* Calls fn for every subfolder of dir whose name can be a model or a
 * version (other names cannot be pathcast's). */
static pc_status each_folder(const char *dir,
                             pc_status (*fn)(pc_store *, const char *,
                                             const char *, void *, pc_error *),
                             pc_store *s, const char *parent, void *ctx,
                             pc_error *e) {
  DIR *d = opendir(dir);
  struct dirent *de;
  pc_status st = PC_OK;
  while (st == PC_OK && d != NULL && (de = readdir(d)) != NULL) {
    char path[PATH_LEN];
    struct stat sb;
    if (!pc_name_valid(de->d_name) ||
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= PATH_LEN ||
        lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
      continue;
    }
    st = fn(s, parent, de->d_name, ctx, e);
  }
  if (d != NULL) {
    closedir(d);
  }
  return st;
}

static pc_status visit_version(pc_store *s, const char *model,
                               const char *version, void *ctx, pc_error *e) {
  const char *commodity = ctx;
  if (find(s, model, version) != NULL ||
      count_results(s, model, version) == 0) {
    return PC_OK;
  }
  return adopt_folder(s, model, version, commodity, e);
}

static pc_status visit_model(pc_store *s, const char *parent,
                             const char *model, void *ctx, pc_error *e) {
  char dir[PATH_LEN];
  (void)parent;
  if (pc_store_path(s, dir, "%s", model) != 0) {
    return PC_OK;
  }
  return each_folder(dir, visit_version, s, model, ctx, e);
}

pc_status pc_store_manifest_reconcile(pc_store *s, const char *commodity,
                                      pc_error *e) {
  size_t before = s->nmodels;
  int changed = 0;
  for (size_t i = s->nmodels; i-- > 0;) {
    if (count_results(s, s->models[i].model, s->models[i].version) == 0) {
      drop_entry(s, i);
      changed = 1;
    }
  }
  const char *expect = s->commodity[0] != '\0' ? s->commodity : commodity;
  pc_status st = each_folder(s->dir, visit_model, s, NULL, (void *)expect, e);
  changed = changed || s->nmodels != before;
  if (st == PC_OK && s->nmodels > 0 && s->commodity[0] == '\0') {
    snprintf(s->commodity, sizeof s->commodity, "%s", expect);
  }
  /* A manifest written by an earlier pathcast is rewritten once, so that it
   * gets the checksum it lacks. */
  if (st == PC_OK && (changed || s->manifest_legacy)) {
    st = write_manifest(s, e);
  }
  return st;
}

pc_status pc_store_sync_manifest(pc_store *s, pc_error *e) {
  if (s->mode != PC_STORE_WRITER) {
    return PC_OK;
  }
  return pc_store_manifest_reconcile(s, s->commodity, e);
}
