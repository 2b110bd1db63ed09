# shellcheck shell=bash
# A private single-node Slurm cluster for the tests (sourced):
#   cluster_up      munged + slurmctld + slurmd from a temporary folder, with
#                   SLURM_CONF exported; returns non-zero (with the logs on
#                   stderr) when the node does not become idle in time
#   cluster_down    stops the three daemons by their pid files, removes the folder
#   job_wait J [S]  waits (at most S seconds, default 180) until job J ends;
#                   prints its final state
#   job_field J K   the value of K= in `scontrol show job J`
# Nothing outside the folder is used: the cluster has its own munge key and
# socket, free ports, its own spool, state and TmpFS, and job ids from a random
# start, so it can run beside another such cluster or a site's Slurm.
# Facts behind the settings: ../shared/TOOLCHAIN.md (no systemd, no cgroups,
# no accounting: jobs are polled with scontrol).  DependencyParameters is left
# at its default, so the pipeline case shows that pipeline.sh's own
# --kill-on-invalid-dep=yes cancels a failed parent's child.

CLUSTER_CPUS=${CLUSTER_CPUS:-8}   # declared CPUs (config_overrides): -n4 fits on 2 cores

_cluster_free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    # Not bound by anyone (/proc/net/tcp*: local address column, hex port).
    if ! awk '{print $2}' /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -qi ":$(printf %04X "$p")\$"; then
      echo "$p"; return 0
    fi
  done
  return 1
}

cluster_up() {
  CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pathcast-slurm.XXXXXX")
  chmod 0755 "$CLUSTER_DIR"
  local d=$CLUSTER_DIR host ctl_port node_port first
  host=$(hostname -s)
  mkdir -p "$d/munge" "$d/state" "$d/spool" "$d/tmp" "$d/log"
  if [[ $(id -u) -ne 0 ]] || ! id munge >/dev/null 2>&1; then
    echo "# a private Slurm cluster needs root and the munge user (packages slurm-wlm, munge)" >&2
    return 1
  fi
  # A private munge key and daemon (munged refuses to run as root).
  dd if=/dev/urandom of="$d/munge/munge.key" bs=1 count=1024 status=none
  chown -R munge:munge "$d/munge"
  chmod 0755 "$d/munge"; chmod 0600 "$d/munge/munge.key"
  if ! timeout 20 runuser -u munge -- /usr/sbin/munged --socket="$d/munge/munge.socket" \
      --key-file="$d/munge/munge.key" --pid-file="$d/munge/munged.pid" \
      --log-file="$d/munge/munged.log" --seed-file="$d/munge/munged.seed" \
      </dev/null >>"$d/log/start.log" 2>&1; then
    echo "# munged did not start" >&2
    cat "$d/log/start.log" "$d/munge/munged.log" 2>/dev/null | sed 's/^/# /' >&2
    return 1
  fi
  ctl_port=$(_cluster_free_port) && node_port=$(_cluster_free_port) || return 1
  [[ $node_port != "$ctl_port" ]] || node_port=$((ctl_port + 1))
  first=$(( (RANDOM * 32768 + RANDOM) % 50000000 + 1000000 ))
  local cpus=$CLUSTER_CPUS real_cpus mem
  real_cpus=$(slurmd -C | grep -oE 'CPUs=[0-9]+' | cut -d= -f2)
  mem=$(slurmd -C | grep -oE 'RealMemory=[0-9]+' | cut -d= -f2)
  [[ ${real_cpus:-1} -gt $cpus ]] && cpus=$real_cpus
  cat > "$d/slurm.conf" <<CONF
ClusterName=pathcast-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$node_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.socket
CredType=cred/munge
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,sched_interval=2
SlurmdParameters=config_overrides
MailProg=/bin/true
ReturnToService=2
FirstJobId=$first
MinJobAge=600
KillWait=10
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
TmpFS=$d/tmp
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=${mem:-1000} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$d/slurm.conf
  # Variables of an enclosing allocation would confuse sbatch/srun here.
  unset SLURM_JOB_ID SLURM_JOBID SLURM_NTASKS SLURM_NPROCS SLURM_NODELIST SLURM_JOB_NODELIST
  if ! timeout 30 slurmctld -c </dev/null >>"$d/log/start.log" 2>&1 ||
     ! timeout 30 slurmd </dev/null >>"$d/log/start.log" 2>&1; then
    echo "# slurmctld/slurmd did not start" >&2; cluster_logs >&2; return 1
  fi
  local state=""
  for _ in $(seq 300); do
    state=$(timeout 5 sinfo -h -N -o %T 2>/dev/null | head -1)
    [[ $state == idle ]] && return 0
    sleep 0.1
  done
  echo "# the node did not become idle (state '$state')" >&2; cluster_logs >&2
  return 1
}

cluster_logs() {
  [[ -n ${CLUSTER_DIR:-} ]] || return 0
  tail -n 20 "$CLUSTER_DIR"/log/*.log "$CLUSTER_DIR"/munge/munged.log 2>/dev/null | sed 's/^/# /'
}

_cluster_kill() {  # pid file, name
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
}

cluster_down() {
  [[ -n ${CLUSTER_DIR:-} && -d $CLUSTER_DIR ]] || return 0
  local d=$CLUSTER_DIR
  # Jobs first (their steps run under slurmd), then the daemons.
  timeout 10 scancel --quiet --user=root 2>/dev/null
  for _ in $(seq 30); do
    [[ -z $(timeout 5 squeue -h -t RUNNING,COMPLETING -o %i 2>/dev/null) ]] && break
    sleep 0.5
  done
  _cluster_kill "$d/slurmd.pid"
  _cluster_kill "$d/slurmctld.pid"
  _cluster_kill "$d/munge/munged.pid"
  rm -rf "$d"
  CLUSTER_DIR=""
}

job_field() {  # job key -> value of key=
  timeout 10 scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

job_wait() {  # job [seconds] -> prints the final JobState; non-zero on timeout
  local j=$1 limit=${2:-180} state
  local end=$((SECONDS + limit))
  while (( SECONDS < end )); do
    state=$(job_field "$j" JobState)
    case $state in
      COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|PREEMPTED|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)
        echo "$state"; return 0 ;;
    esac
    sleep 0.5
  done
  echo "TIMEOUT_WAITING(${state:-unknown})"
  return 1
}
