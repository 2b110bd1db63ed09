/* `pathcast verify`: checks every file of the store -- the manifest, the
 * series, the failures, every trained model, forecast partition and scores
 * file (opens, checksum recorded at commit, identity consistent with its place
 * and the manifest) -- and reports exactly what is damaged.  Read-only: a
 * damaged partition or trained model is rebuilt by the next run, which
 * treats it as missing. */
#include <dirent.h>
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pathcast/run.h"
#include "pathcast/scores.h"
#include "pathcast/store.h"

typedef struct {
  pc_store *store;
  FILE *out;
  long checked, damaged, strays;
} verify_ctx;

static void count(verify_ctx *v, pc_status st, const pc_error *e) {
  v->checked++;
  if (st != PC_OK) {
    v->damaged++;
    fprintf(v->out, "DAMAGED %s\n", e->msg);
  }
}

typedef pc_status (*list_fn)(pc_store *, const char *, const char *,
                             int32_t **, size_t *, pc_error *);
typedef pc_status (*check_fn)(pc_store *, const char *, const char *,
                              const char *, int32_t, pc_error *);

/* Forecast partitions and scores files: one file per month. */
static void check_months(verify_ctx *v, const char *model, const char *version,
                         const char *settings, list_fn list, check_fn check) {
  pc_error e;
  int32_t *months = NULL;
  size_t nm = 0;
  if (list(v->store, model, version, &months, &nm, &e) != PC_OK) {
    count(v, PC_IO, &e);
  }
  for (size_t i = 0; i < nm; i++) {
    count(v, check(v->store, model, version, settings, months[i], &e), &e);
  }
  free(months);
}

static void check_model(verify_ctx *v, const char *model, const char *version,
                        const char *settings) {
  pc_error e;
  pc_date *dates = NULL;
  size_t n = 0;
  if (pc_store_trained_dates(v->store, model, version, &dates, &n, &e) != PC_OK) {
    count(v, PC_IO, &e);
  }
  for (size_t i = 0; i < n; i++) {
    count(v, pc_store_check_trained(v->store, model, version, settings,
                                    dates[i], &e), &e);
  }
  free(dates);
  check_months(v, model, version, settings, pc_store_forecast_months,
               pc_store_check_partition);
  check_months(v, model, version, settings, pc_store_score_months,
               pc_store_check_scores);
}

static int listed(const pc_store *s, const char *model, const char *version) {
  for (size_t i = 0; i < pc_store_model_count(s); i++) {
    const char *m, *ver, *set;
    pc_store_model_at(s, i, &m, &ver, &set);
    if (strcmp(m, model) == 0 && (version == NULL || strcmp(ver, version) == 0)) {
      return 1;
    }
  }
  return 0;
}

/* Folders of results the manifest does not list: results nobody can tell
 * the settings of.  Checked without settings, and reported. */
static void check_unlisted(verify_ctx *v, const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d != NULL && (de = readdir(d)) != NULL) {
    char path[4096 + 256];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (de->d_name[0] == '.' || stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
      continue;
    }
    DIR *vd = opendir(path);
    struct dirent *ve;
    while (vd != NULL && (ve = readdir(vd)) != NULL) {
      if (ve->d_name[0] != '.' && !listed(v->store, de->d_name, ve->d_name)) {
        v->damaged++;
        fprintf(v->out, "DAMAGED %s/%s: results of a model and version the "
                "manifest does not list\n", path, ve->d_name);
        check_model(v, de->d_name, ve->d_name, NULL);
      }
    }
    if (vd != NULL) {
      closedir(vd);
    }
  }
  if (d != NULL) {
    closedir(d);
  }
}

static void check_store_files(verify_ctx *v) {
  pc_error e;
  pc_series series;
  pc_failure *failures = NULL;
  size_t nf = 0;
  char path[4096 + 32];
  snprintf(path, sizeof path, "%s/series.h5", pc_store_dir(v->store));
  struct stat sb;
  if (stat(path, &sb) == 0) {
    pc_status st = pc_store_read_series(v->store, &series, &e);
    count(v, st, &e);
    if (st == PC_OK) {
      pc_series_fini(&series);
    }
  }
  count(v, pc_store_read_failures(v->store, &failures, &nf, &e), &e);
  free(failures);
}

pc_status pc_verify(const pc_job *job, FILE *out, pc_error *e) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  verify_ctx v = {NULL, out, 0, 0, 0};
  pc_status st = pc_store_open(&v.store, job->store, PC_STORE_READ, NULL, e);
  if (st != PC_OK) {
    if (st == PC_IO) {
      fprintf(out, "DAMAGED %s\n", e->msg);
    }
    return st == PC_IO ? PC_PARTIAL : st;
  }
  v.checked++; /* the manifest read when opening */
  check_store_files(&v);
  for (size_t i = 0; i < pc_store_model_count(v.store); i++) {
    const char *model, *version, *settings;
    pc_store_model_at(v.store, i, &model, &version, &settings);
    check_model(&v, model, version, settings);
  }
  check_unlisted(&v, job->store);
  if (v.damaged) {
    fprintf(out, "verified %ld file(s) of %s: %ld damaged; the next run "
            "treats damaged forecast partitions, trained models and "
            "scores as missing and rebuilds them\n", v.checked, job->store, v.damaged);
  } else {
    fprintf(out, "verified %ld file(s) of %s: all intact\n", v.checked,
            job->store);
  }
  pc_store_close(v.store);
  return v.damaged ? PC_PARTIAL : PC_OK;
}
