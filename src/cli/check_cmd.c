/* `pathcast check`: the data-quality findings of the job's data file
 * (pathcast/core/quality.h, docs/DATA.md), one line per finding and a summary,
 * or one JSON object.  It reads the file only: no store, no lock. */
#include <string.h>

#include "pathcast/core/json.h"
#include "pathcast/core/quality.h"
#include "pathcast/cli/commands.h"
#include "pathcast/core/series.h"

/* The findings first, the summary last: the last line is what a person
 * (or `tail -1` in a cron mail) reads first. */
static void print_text(FILE *out, const pc_job *job, const pc_quality *q,
                       const pc_quality_params *p) {
  const pc_quality_source src = {job->data, 1};
  char counts[128];
  for (size_t i = 0; i < q->n; i++) {
    pc_quality_print_finding(out, &src, p, &q->f[i]);
  }
  pc_quality_counts(q, counts, sizeof counts);
  fprintf(out, "check: %s: %zu rows, %zu closes: %zu finding(s): %s "
          "(spike_threshold %d, spike_window %d, stale_days %d, max_gap "
          "%ld; outliers = %s)\n", job->data, q->rows, q->closes, q->n,
          counts, p->spike_k, p->spike_window, p->stale_days, p->max_gap,
          job->outliers);
  fprintf(out, "CHECK: %s\n", q->n == 0 ? "OK (exit 0)"
                                        : "FLAGGED (exit 3)");
}

/* One object, as `daily --format json`: a monitor parses one line. */
static void print_json(FILE *out, const pc_job *job, const pc_quality *q,
                       const pc_quality_params *p) {
  const pc_quality_source src = {job->data, 1};
  fputs("{\"command\":\"check\",\"data\":", out);
  pc_json_string(out, job->data);
  fprintf(out, ",\"rows\":%zu,\"closes\":%zu,\"spike_threshold\":%d,"
          "\"spike_window\":%d,\"stale_days\":%d,\"max_gap\":%ld,"
          "\"outliers\":\"%s\",\"spikes\":%zu,\"stale\":%zu,\"gaps\":%zu,"
          "\"findings\":[", q->rows, q->closes, p->spike_k, p->spike_window,
          p->stale_days, p->max_gap, job->outliers, q->nspike, q->nstale,
          q->ngap);
  for (size_t i = 0; i < q->n; i++) {
    fputs(i ? "," : "", out);
    pc_quality_json_finding(out, &src, &q->f[i]);
  }
  fprintf(out, "],\"status\":\"%s\",\"exit\":%d}\n",
          q->n == 0 ? "ok" : "flagged", q->n == 0 ? 0 : 3);
}

/* The same scan the runs make, with the same keys, on the file as it is
 * now: what `check` prints is what the next train or daily run reports
 * (and, with outliers = clean, hides). */
pc_status pc_check(const pc_job *job, FILE *out, pc_error *e) {
  pc_series s;
  pc_quality q;
  pc_quality_params p;
  /* A file that does not parse is bad input (exit 2), named with its line
   * by the reader, as for every run. */
  pc_status st = pc_series_read(&s, job->data, e);
  if (st != PC_OK) {
    return st;
  }
  pc_job_quality_params(job, &p);
  st = pc_quality_scan(&s, &p, &q, e);
  if (st == PC_OK) {
    if (strcmp(job->format, "json") == 0) {
      print_json(out, job, &q, &p);
    } else {
      print_text(out, job, &q, &p);
    }
    /* Flagged is exit 3, like `status` and `verify` when something needs
     * attention: a script tells "look at the data" from "bad input". */
    st = q.n == 0 ? PC_OK : PC_PARTIAL;
  }
  pc_quality_fini(&q);
  pc_series_fini(&s);
  return st;
}
