#!/usr/bin/env bash
# Start a private one-node SLURM cluster on this machine (for tests and CI).
#
#   .ci/slurm/start.sh STATE_DIR     # then: export SLURM_CONF=STATE_DIR/slurm.conf
#   .ci/slurm/stop.sh STATE_DIR
#
# Everything lives in STATE_DIR: slurm.conf, the daemons' logs, spool and state, and "pids"
# (one "name pid" per line) that stop.sh uses to stop exactly what was started here; plus a
# munged of its own (private socket in /tmp/thermolearn-munge.*, the packaged key) and a link
# /etc/slurm/slurm.conf -> STATE_DIR/slurm.conf (made only where no SLURM is configured).
# No system service is touched, so a machine's own munge keeps running undisturbed.
#
# The node: this machine's CPUs and memory (less 1 GiB for the OS), two partitions on it:
#   main  default, CPU jobs
#   gpu   where the profile sends GPU rules; no GRES here (no GPU), see docs/cluster.md
# No slurmdbd: "sacct" has no database to ask, so job status comes from squeue and jobs stay
# visible to it for MinJobAge seconds after they end (SLURM_MIN_JOB_AGE, default 300 s: at
# least 3x the plugin's first status-check delay, or the plugin falls back to sacct).
#
# Prints "start_s=<seconds>" when the node accepts jobs. Needs root (slurmd runs jobs as
# their user; munged runs as the "munge" user).
set -euo pipefail
state=${1:?usage: start.sh STATE_DIR}
min_job_age=${SLURM_MIN_JOB_AGE:-300}
t0=$(date +%s.%N)

if [[ $(id -u) -ne 0 ]]; then
    echo "start.sh: must run as root (slurmd, munged as user munge)" >&2
    exit 2
fi
for cmd in slurmctld slurmd munged sinfo scontrol; do
    command -v "$cmd" >/dev/null || { echo "start.sh: $cmd not found (run install.sh)" >&2; exit 2; }
done
if [[ -s $state/pids ]]; then
    echo "start.sh: $state/pids exists: a cluster from this state dir may still run (stop.sh first)" >&2
    exit 2
fi

mkdir -p "$state"/{ctld,spool,log}
state=$(cd "$state" && pwd)
: >"$state/pids"
# munged runs as user munge, which must reach its directory: not under STATE_DIR, whose
# parents may be private to root (pytest's tmp dirs are 0700).
munge_dir=$(mktemp -d /tmp/thermolearn-munge.XXXXXX)
chown munge:munge "$munge_dir"
chmod 700 "$munge_dir"
echo "dir $munge_dir" >>"$state/pids"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
ctld_port=$(free_port)
slurmd_port=$(free_port)
while [[ $slurmd_port == "$ctld_port" ]]; do slurmd_port=$(free_port); done

node=$(hostname -s)
cpus=$(nproc)
mem_mb=$(awk '/MemTotal/ {printf "%d", $2 / 1024 - 1024}' /proc/meminfo)
socket=$munge_dir/munge.socket

cat >"$state/slurm.conf" <<EOF
# Written by .ci/slurm/start.sh: a private one-node test cluster.
ClusterName=thermolearn
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups in containers: plain process tracking, no task binding, no accounting.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# Reject at submission what the node can never run (more CPUs or memory than it has)
# instead of leaving it pending for ever.
EnforcePartLimits=ALL
# squeue answers for finished jobs this long (the plugin's status queries need >= 3x its
# first status-check delay).
MinJobAge=$min_job_age
# Quick scheduling of many small jobs.
SchedulerParameters=sched_interval=2,bf_interval=2
MessageTimeout=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$node Default=NO MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$state/slurm.conf
# The plugin's job step (snakemake-executor-plugin-slurm-jobstep) drops every SLURM_* variable,
# SLURM_CONF included, before its "srun" inside the job: that srun reads the default path.
# Link it to ours, only where no SLURM is configured already; stop.sh removes the link.
default_conf=/etc/slurm/slurm.conf
if [[ -L $default_conf && ! -e $default_conf ]]; then
    rm -f "$default_conf"  # dangling: a stopped test cluster's link
fi
if [[ -e $default_conf && $(readlink -f "$default_conf") != "$state/slurm.conf" ]]; then
    echo "start.sh: $default_conf exists (a SLURM is configured on this machine): not touching it" >&2
    exit 3
fi
mkdir -p /etc/slurm
ln -sfn "$state/slurm.conf" "$default_conf"
echo "link $default_conf" >>"$state/pids"

# munged: its own socket and pid file; the key the munge package generated.
runuser -u munge -- /usr/sbin/munged --socket="$socket" --pid-file="$munge_dir/munged.pid" \
    --log-file="$munge_dir/munged.log" --seed-file="$munge_dir/munged.seed" --force
echo "munged $(cat "$munge_dir/munged.pid")" >>"$state/pids"

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local limit=$1 what=$2
    shift 2
    for ((i = 0; i < limit * 5; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "start.sh: timed out after ${limit}s waiting for $what; logs in $state/log" >&2
    tail -n 20 "$state"/log/*.log >&2 || true
    return 1
}

slurmctld -f "$state/slurm.conf" -i
wait_for 20 "slurmctld's pid file" test -s "$state/slurmctld.pid"
echo "slurmctld $(cat "$state/slurmctld.pid")" >>"$state/pids"
slurmd -f "$state/slurm.conf" -N "$node"
wait_for 20 "slurmd's pid file" test -s "$state/slurmd.pid"
echo "slurmd $(cat "$state/slurmd.pid")" >>"$state/pids"

node_idle() { sinfo -h -n "$node" -o %T | grep -qx idle; }
wait_for 60 "node $node to be idle" node_idle
python3 -c "import sys; print(f'start_s={float(sys.argv[1]) - float(sys.argv[2]):.1f}')" "$(date +%s.%N)" "$t0"
