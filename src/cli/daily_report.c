/* The daily report: what `pathcast daily` did for each model (training done
 * or skipped, the day's forecast, the catch-up of earlier days), as text or
 * as one JSON object for monitors -- and, for every run, whether a recorded
 * failure will be retried, told truthfully. */
#include <stdlib.h>
#include <string.h>

#include "pathcast/core/json.h"
#include "pathcast/core/schedule.h"
#include "present.h"

/* ---- what the run did ------------------------------------------------- */

/* r->failures holds what failures.h5 records after the run: this run's failures
 * and earlier ones neither retried nor resolved (pathcast/driver/run.h).
 * Callers ask only about units the plan held, and a planned unit that succeeded
 * has its earlier failure resolved, so a match for a planned unit is a failure
 * of this run. */
static const pc_failure *find_failure(const pc_job *job, const pc_run_result *r,
                                      pc_failure_kind kind, const char *model,
                                      pc_date d) {
  for (size_t i = 0; i < r->nfailures; i++) {
    const pc_failure *f = &r->failures[i];
    if (f->kind == kind && f->date == d && strcmp(f->model, model) == 0 &&
        strcmp(f->version, job->model_version) == 0) {
      return f;
    }
  }
  return NULL;
}

/* Whether the plan had model m train at t, or forecast d.
 * A unit the plan did not hold was already stored, which the report calls
 * "skipped": the plan is the run's own record of what it attempted. */
static int planned_training(const pc_run_result *r, size_t m, pc_date t) {
  return pc_run_planned(r, PC_UNIT_TRAIN, m, t);
}

static int planned_forecast(const pc_run_result *r, size_t m, pc_date d) {
  return pc_run_planned(r, PC_UNIT_FORECAST, m, d);
}

/* ---- will a failure be retried? --------------------------------------- */

/* A daily run retries what its window needs: the next day's run covers the
 * catch_up trading days before it (so this day too).
 * Forecast failures: the next run's window is [catch-up start, next day].
 * Training failures: the trainings serving any day of that window, from the one
 * on or before its first day to the one on or before its last. */
static int next_daily_retries(const pc_job *job, const pc_failure *f) {
  pc_date next = pc_calendar_next(&job->calendar, job->forecast_date);
  pc_date first = pc_job_catch_up_start(job, next);
  if (f->kind == PC_FAIL_FORECAST) {
    return f->date >= first && f->date <= next;
  }
  pc_date lo =
      pc_schedule_on_or_before(job->train_frequency, job->train_anchor, first);
  pc_date hi =
      pc_schedule_on_or_before(job->train_frequency, job->train_anchor, next);
  return f->date >= lo && f->date <= hi;
}

/* How a recorded failure gets retried, in words that hold: by the next
 * daily run, by a rerun of this command, or by the command printed.
 * Shared by the summary of every run command and the daily report, so the
 * advice is worded the same everywhere. The order matters: the promise of the
 * next daily run is made only when its window really covers the failure;
 * otherwise a rerun of the same range command, which plans exactly what is
 * missing; otherwise a backfill command whose range plans that unit (for a
 * training, [T, T + 1] plans the training at T). */
void pc_failure_retry_note(const pc_job *job, const pc_failure *f, char *buf,
                           size_t len) {
  /* failures.h5 is the store's: it also keeps other model versions'
   * failures, which no run of this version retries. */
  if (strcmp(f->version, job->model_version) != 0) {
    snprintf(buf, len, "model_version %s: retried by that version's runs, not "
             "this one's", f->version);
    return;
  }
  if (job->command == PC_CMD_DAILY && next_daily_retries(job, f)) {
    snprintf(buf, len, "retried by the next daily run");
    return;
  }
  pc_date first = f->kind == PC_FAIL_FORECAST
                      ? job->start
                      : pc_schedule_on_or_before(job->train_frequency,
                                                 job->train_anchor, job->start);
  int this_range = job->command != PC_CMD_DAILY && job->start != PC_DATE_NONE &&
                   f->date >= first && f->date <= job->end;
  if (this_range) {
    snprintf(buf, len, "retried by a rerun of this %s",
             pc_command_name(job->command));
    return;
  }
  char hint[PC_TEXT_MAX + 256];
  pc_date last = f->kind == PC_FAIL_FORECAST ? f->date : f->date + 1;
  pc_job_rebuild_hint(job, f->model, f->date, last, hint, sizeof hint);
  snprintf(buf, len, "retry with: %s", hint);
}

/* ---- text ------------------------------------------------------------- */

/* One line per model in the order of the job. "next" is the next scheduled
 * training date, so an operator sees when the model will next change. */
static void training_line(const pc_job *job, const pc_run_result *r, size_t m,
                          pc_date t, pc_date next, FILE *out) {
  const char *name = job->models[m].name;
  char td[PC_DATE_STRLEN], nd[PC_DATE_STRLEN];
  pc_date_format(t, td);
  pc_date_format(next, nd);
  const pc_failure *f = find_failure(job, r, PC_FAIL_TRAIN, name, t);
  if (!planned_training(r, m, t)) {
    fprintf(out, "  %-20s skipped: last trained %s, next %s\n", name, td, nd);
  } else if (f != NULL) {
    fprintf(out, "  %-20s FAILED training for %s: %s\n", name, td, f->reason);
  } else {
    fprintf(out, "  %-20s trained for %s, next %s\n", name, td, nd);
  }
}

/* t is the training date serving d: the forecast used that model (the schedule
 * decides, never the newest stored model; docs/DESIGN.md). */
static void forecast_line(const pc_job *job, const pc_run_result *r, size_t m,
                          pc_date d, pc_date t, FILE *out) {
  const char *name = job->models[m].name;
  char td[PC_DATE_STRLEN];
  pc_date_format(t, td);
  const pc_failure *f = find_failure(job, r, PC_FAIL_FORECAST, name, d);
  if (!planned_forecast(r, m, d)) {
    fprintf(out, "  %-20s skipped: already stored\n", name);
  } else if (f != NULL) {
    fprintf(out, "  %-20s FAILED: %s\n", name, f->reason);
  } else {
    fprintf(out, "  %-20s generated with the model trained %s\n", name, td);
  }
}

/* The earlier days a model forecast in this run (the catch-up), oldest
 * first, each generated or failed.
 * Dates before the forecast date only: the forecast date itself has its own
 * section. The window starts on a trading day (pc_calendar_on_or_after) so the
 * dates listed are the ones the plan could hold. */
static void catch_up_line(const pc_job *job, const pc_run_result *r, size_t m,
                          pc_date first, FILE *out) {
  const char *name = job->models[m].name;
  int any = 0;
  for (pc_date d = pc_calendar_on_or_after(&job->calendar, first);
       d < job->forecast_date; d = pc_calendar_next(&job->calendar, d)) {
    if (!planned_forecast(r, m, d)) {
      continue;
    }
    char dd[PC_DATE_STRLEN];
    const pc_failure *f = find_failure(job, r, PC_FAIL_FORECAST, name, d);
    fprintf(out, "%s%s %s", any ? ", " : "", pc_date_format(d, dd),
            f != NULL ? "FAILED" : "generated");
    any = 1;
  }
  if (any) {
    fputc('\n', out);
  }
}

/* The section is printed even when the forecast date is not a trading day: a
 * daily run on a Sunday still fills the missed days of the week. Models with
 * nothing to catch up get no line, and "nothing missing" says so when no model
 * had any. */
static void catch_up_section(const pc_job *job, const pc_run_result *r,
                             pc_date first, FILE *out) {
  char a[PC_DATE_STRLEN], b[PC_DATE_STRLEN];
  pc_date last = pc_calendar_prev(&job->calendar, job->forecast_date);
  fprintf(out, "Catch-up (%ld trading days, %s..%s):", job->catch_up,
          pc_date_format(first, a), pc_date_format(last, b));
  int any = 0;
  for (size_t m = 0; m < job->nmodels; m++) {
    for (pc_date d = first; d < job->forecast_date && !any;
         d = pc_calendar_next(&job->calendar, d)) {
      any = pc_job_model_selected(job, m) && planned_forecast(r, m, d);
    }
  }
  if (!any) {
    fprintf(out, " nothing missing\n");
    return;
  }
  fputc('\n', out);
  for (size_t m = 0; m < job->nmodels; m++) {
    if (pc_job_model_selected(job, m)) {
      fprintf(out, "  %-20s ", job->models[m].name);
      catch_up_line(job, r, m, first, out);
    }
  }
}

/* The text report is for people reading a scheduler's mail; monitors read
 * --format json, whose keys do not change. */
void pc_daily_report_text(const pc_job *job, const pc_run_result *r,
                          FILE *out) {
  pc_date d = job->forecast_date;
  char dd[PC_DATE_STRLEN];
  pc_date_format(d, dd);
  fprintf(out, "DAILY PRODUCTION %s  %s  version %s\n", dd, job->commodity,
          job->model_version);
  pc_date first = pc_job_catch_up_start(job, d);
  if (job->catch_up > 0) {
    catch_up_section(job, r, first, out);
  }
  if (!pc_calendar_is_trading(&job->calendar, d)) {
    fprintf(out,
            "%s is not a trading day of the %s calendar: no forecast "
            "for it\n",
            dd, job->calendar.kind == PC_CAL_WEEKDAYS ? "weekdays" : "daily");
    return;
  }
  pc_date t =
      pc_schedule_on_or_before(job->train_frequency, job->train_anchor, d);
  pc_date next = pc_schedule_after(job->train_frequency, job->train_anchor, d);
  fprintf(out, "Training (%s):\n", pc_freq_name(job->train_frequency));
  for (size_t m = 0; m < job->nmodels; m++) {
    if (pc_job_model_selected(job, m)) {
      training_line(job, r, m, t, next, out);
    }
  }
  fprintf(out, "Forecasts for %s:\n", dd);
  for (size_t m = 0; m < job->nmodels; m++) {
    if (pc_job_model_selected(job, m)) {
      forecast_line(job, r, m, d, t, out);
    }
  }
}

/* ---- JSON ------------------------------------------------------------- */

static void json_date(FILE *out, const char *key, pc_date d) {
  char buf[PC_DATE_STRLEN];
  fprintf(out, "\"%s\":", key);
  if (d == PC_DATE_NONE) {
    fputs("null", out);
  } else {
    fprintf(out, "\"%s\"", pc_date_format(d, buf));
  }
}

/* action is one of skipped, failed or the done word (trained, generated);
 * reason is present only with failed. */
static void json_action(FILE *out, int planned, const pc_failure *f,
                        const char *done) {
  fprintf(out, "\"action\":\"%s\"",
          !planned    ? "skipped"
          : f != NULL ? "failed"
                      : done);
  if (f != NULL) {
    fputs(",\"reason\":", out);
    pc_json_string(out, f->reason);
  }
}

/* scheduled is the training date serving the forecast date, whether this run
 * trained it or found it stored. */
static void json_training(const pc_job *job, const pc_run_result *r, size_t m,
                          FILE *out) {
  pc_date d = job->forecast_date;
  pc_date t =
      pc_schedule_on_or_before(job->train_frequency, job->train_anchor, d);
  fputs("\"training\":{", out);
  json_date(out, "scheduled", t);
  fputc(',', out);
  json_date(out, "next",
            pc_schedule_after(job->train_frequency, job->train_anchor, d));
  fputc(',', out);
  json_action(out, planned_training(r, m, t),
              find_failure(job, r, PC_FAIL_TRAIN, job->models[m].name, t),
              "trained");
  fputc('}', out);
}

/* Only the dates this run planned, oldest first; dates already stored before
 * the run are not listed. */
static void json_catch_up(const pc_job *job, const pc_run_result *r, size_t m,
                          FILE *out) {
  const char *name = job->models[m].name;
  char dd[PC_DATE_STRLEN];
  int n = 0;
  fputs("\"catch_up\":[", out);
  for (pc_date d = pc_calendar_on_or_after(
           &job->calendar, pc_job_catch_up_start(job, job->forecast_date));
       d < job->forecast_date; d = pc_calendar_next(&job->calendar, d)) {
    if (!planned_forecast(r, m, d)) {
      continue;
    }
    const pc_failure *f = find_failure(job, r, PC_FAIL_FORECAST, name, d);
    fprintf(out, "%s{\"date\":\"%s\",", n++ ? "," : "", pc_date_format(d, dd));
    json_action(out, 1, f, "generated");
    fputc('}', out);
  }
  fputc(']', out);
}

/* Every failure the store records for this model after the run, each with the
 * retry note a person would read in the text summary. */
static void json_failures(const pc_job *job, const pc_run_result *r, size_t m,
                          FILE *out) {
  char d[PC_DATE_STRLEN], note[PC_TEXT_MAX + 512];
  int n = 0;
  fputs("\"failures\":[", out);
  for (size_t i = 0; i < r->nfailures; i++) {
    const pc_failure *f = &r->failures[i];
    if (strcmp(f->model, job->models[m].name) != 0 ||
        strcmp(f->version, job->model_version) != 0) {
      continue; /* the report is of this version */
    }
    pc_failure_retry_note(job, f, note, sizeof note);
    fprintf(out,
            "%s{\"kind\":\"%s\",\"date\":\"%s\",\"reason\":", n++ ? "," : "",
            pc_failure_kind_name(f->kind), pc_date_format(f->date, d));
    pc_json_string(out, f->reason);
    fputs(",\"retry\":", out);
    pc_json_string(out, note);
    fputc('}', out);
  }
  fputc(']', out);
}

static void json_model(const pc_job *job, const pc_run_result *r, size_t m,
                       FILE *out) {
  pc_date d = job->forecast_date;
  fputs("{\"model\":", out);
  pc_json_string(out, job->models[m].name);
  fputs(",\"model_type\":", out);
  pc_json_string(out, job->models[m].type->name);
  fputc(',', out);
  json_training(job, r, m, out);
  fputs(",\"forecast\":{", out);
  json_date(out, "date", d);
  fputc(',', out);
  json_action(out, planned_forecast(r, m, d),
              find_failure(job, r, PC_FAIL_FORECAST, job->models[m].name, d),
              "generated");
  fputs("},", out);
  json_catch_up(job, r, m, out);
  fputc(',', out);
  json_failures(job, r, m, out);
  fputc('}', out);
}

/* One JSON object on one line for monitors. status and exit repeat what the
 * process will return (pc_status_exit_code), so a monitor that keeps only
 * stdout still knows the outcome; counts are the run's summary. */
void pc_daily_report_json(const pc_job *job, const pc_run_result *r,
                          pc_status st, FILE *out) {
  const pc_summary *s = &r->sum;
  fputs("{\"command\":\"daily\",\"commodity\":", out);
  pc_json_string(out, job->commodity);
  fputs(",\"model_version\":", out);
  pc_json_string(out, job->model_version);
  fputc(',', out);
  json_date(out, "forecast_date", job->forecast_date);
  fprintf(out, ",\"trading_day\":%s,\"catch_up\":%ld,\"models\":[",
          pc_calendar_is_trading(&job->calendar, job->forecast_date) ? "true"
                                                                     : "false",
          job->catch_up);
  int first = 1;
  for (size_t m = 0; m < job->nmodels; m++) {
    if (pc_job_model_selected(job, m)) {
      fputs(first ? "" : ",", out);
      json_model(job, r, m, out);
      first = 0;
    }
  }
  fputs("],", out);
  pc_report_data_json(job, r, out);
  fprintf(out,
          ",\"counts\":{\"trained\":%ld,\"train_skipped\":%ld,"
          "\"train_failed\":%ld,\"forecasts_generated\":%ld,"
          "\"forecasts_skipped\":%ld,\"forecasts_failed\":%ld},"
          "\"status\":\"%s\",\"exit\":%d}\n",
          s->trained, s->train_skipped, s->train_failed, s->generated,
          s->forecast_skipped, s->forecast_failed,
          st == PC_OK        ? "success"
          : st == PC_PARTIAL ? "partial"
                             : "error",
          pc_status_exit_code(st));
}
