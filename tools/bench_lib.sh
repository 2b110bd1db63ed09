# Helpers shared by the benchmark scripts (sourced, not run).

# bench_job JOB MODELS: JOB with only MODELS (name or name:type, comma-
# separated) and their own keys, on standard output.  A job file refuses
# keys of models it does not run, so --models alone cannot narrow
# jobs/coffee.job.
bench_job() {
  local keep
  keep=$(tr ',' '\n' <<<"$2" | cut -d: -f1 | paste -sd'|')
  grep -vE '^ *models *=' "$1" | grep -E "^ *($keep)\.|^ *[a-z_]+ *=|^ *#|^ *$"
  echo "models = $2"
}

# seconds COMMAND...: runs it (output discarded) and prints its wall time;
# fails when the command fails.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; return 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

# times COMMAND...: runs it (output discarded) and prints "WALL CPU": its
# wall time and the CPU time (user + system) of it and its children, which
# on a shared machine is what one core does, whatever else runs.
times() {
  local t
  t=$(mktemp /tmp/pathcast-time.XXXXXX)
  /usr/bin/time -f '%e %U %S' -o "$t" "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; rm -f "$t"; return 1; }
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$t"
  rm -f "$t"
}

# smaller A B: the smaller of two numbers (B when A is empty).
smaller() {
  if [[ -z $1 ]] || awk -v a="$2" -v b="$1" 'BEGIN { exit !(a < b) }'; then echo "$2"; else echo "$1"; fi
}

# series_job FILE NAME DATA START END FREQUENCY STORE LOGS [KEY LINES...]:
# a job over one series' forecast dates [START, END], its schedule anchored
# at START, fsync off (measurements, not production); the key lines
# (models and their keys) follow.
series_job() {
  local file=$1 name=$2 data=$3 start=$4 end=$5 freq=$6 store=$7 logs=$8
  shift 8
  cat > "$file" <<JOB
commodity = $name
data = $data
train_frequency = $freq
train_anchor = $start
start = $start
end = $end
store = $store
log_dir = $logs
fsync = no
JOB
  printf '%s\n' "$@" >> "$file"
}
