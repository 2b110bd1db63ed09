#!/usr/bin/env bash
# slurm/daily.sbatch: a run for a given date resubmits itself (PATHCAST_RESUBMIT=1,
# here with a short --begin); the second run the same day trains and
# generates nothing.  Without PATHCAST_BEGIN the next run begins at the next
# 06:00 UTC.  Exit status: 0 OK, 3 PARTIAL, fatal codes for bad input.
source "$(dirname "$0")/lib.sh"
small_job "$WORK/job"
# catch_up 0: these checks count one date per run (the catch-up has its own
# test, tests/integration/test_daily_catchup.sh).
daily=(slurm/daily.sbatch "$WORK/job" --train_frequency monthly --train_anchor 2020-01-31 --catch_up 0)

j=$(PATHCAST_RESUBMIT=1 PATHCAST_BEGIN=now+3 PATHCAST_RESUBMIT_LIMIT=1 PATHCAST_OUTPUT="$WORK/%x-%j.out" \
  submit "${daily[@]}" --forecast_date 2020-02-03)
expect_job "daily run for 2020-02-03" "$j" COMPLETED 0:0
expect_out "first run trains both models and forecasts both" "$j" \
  'summary: {"trained":2,"train_skipped":0,"train_failed":0,"forecasts_generated":2,"forecasts_skipped":0,"forecasts_failed":0}'
expect_out "status explained" "$j" "pathcast daily 2020-02-03 exit 0: OK"
j2=$(sed -n 's/.*next run: job \([0-9]*\), begins.*/\1/p' "$(out_of "$j")")
check "it resubmitted itself (job ${j2:-none})" test -n "$j2"
check "with a begin time" test -n "$(job_field "$j2" EligibleTime)"
expect_job "the resubmitted run" "$j2" COMPLETED 0:0 120
check "it began after the first ended" test ! "$(job_field "$j2" StartTime)" \< "$(job_field "$j" EndTime)"
expect_out "second run the same day trains and generates nothing" "$j2" \
  'summary: {"trained":0,"train_skipped":2,"train_failed":0,"forecasts_generated":0,"forecasts_skipped":2,"forecasts_failed":0}'
expect_out "its output went to PATHCAST_OUTPUT" "$j2" "for 2020-02-03"
check "output file named %x-%j" test -s "$WORK/pathcast-daily-$j2.out"
expect_out "the resubmission limit ends the chain" "$j2" "not resubmitting: PATHCAST_RESUBMIT_LIMIT reached"
check "no further daily job" test -z "$(timeout 10 squeue -h -n pathcast-daily -o %i)"

# Default: the next run begins at the next 06:00 UTC (in the controller's
# local time, which --begin reads).
j3=$(PATHCAST_RESUBMIT=1 PATHCAST_OUTPUT="$WORK/%x-%j.out" submit "${daily[@]}" --forecast_date 2020-02-04)
expect_job "daily run for 2020-02-04" "$j3" COMPLETED 0:0
# The first 06:00 UTC after the run ended (Slurm prints local times).
end=$(date -d "$(job_field "$j3" EndTime)" +%s)
day=$(date -u -d "@$end" +%Y-%m-%d)
t=$(date -u -d "$day 06:00" +%s)
(( t <= end )) && t=$(date -u -d "$day 06:00 tomorrow" +%s)
want=$(date -d "@$t" +%Y-%m-%dT%H:%M:%S)
expect_out "no training due, one forecast per model" "$j3" \
  'summary: {"trained":0,"train_skipped":2,"train_failed":0,"forecasts_generated":2,"forecasts_skipped":0,"forecasts_failed":0}'
j4=$(sed -n 's/.*next run: job \([0-9]*\), begins.*/\1/p' "$(out_of "$j3")")
check "next run scheduled (job ${j4:-none})" test -n "$j4"
got=$(job_field "$j4" EligibleTime)
check "it begins at the next 06:00 UTC ($got, expected $want)" test "$got" = "$want"
check "it waits for its begin time" test "$(job_field "$j4" Reason)" = BeginTime
# A second submission while one is pending does not start a second chain.
j5=$(PATHCAST_RESUBMIT=1 PATHCAST_OUTPUT="$WORK/%x-%j.out" submit "${daily[@]}" --forecast_date 2020-02-04)
expect_job "another daily run" "$j5" COMPLETED 0:0
expect_out "it does not duplicate the pending chain" "$j5" "not resubmitting: job $j4 (pathcast-daily) is already pending"
timeout 10 scancel "$j4"

# Partial: a date far beyond the data fails open (recorded), exit 3.
j6=$(submit "${daily[@]}" --forecast_date 2025-09-01)
expect_job "stale data: partial" "$j6" FAILED 3:0
expect_out "partial status explained" "$j6" "exit 3: PARTIAL"
# Fatal: a job file that does not parse, exit 2.
printf 'paths = many\n' >"$WORK/bad.job"
j7=$(submit slurm/daily.sbatch "$WORK/bad.job")
expect_job "bad job file: fatal" "$j7" FAILED 2:0
expect_out "fatal status explained" "$j7" "exit 2: FATAL"
finish
