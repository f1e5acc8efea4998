#!/usr/bin/env bash
# Stop what start.sh started from STATE_DIR (listed in STATE_DIR/pids), and nothing else:
# a daemon is signalled by its PID only while its command line still names STATE_DIR (or, for
# munged, its private directory), so a recycled PID or the machine's own SLURM/munge is never
# hit. Then remove the /etc/slurm/slurm.conf link and munged's directory, if they are ours.
#   .ci/slurm/stop.sh STATE_DIR
set -uo pipefail
state=${1:?usage: stop.sh STATE_DIR}
[[ -d $state ]] || exit 0
state=$(cd "$state" && pwd)
pids_file=$state/pids
[[ -f $pids_file ]] || exit 0

munge_dir=$(awk '$1 == "dir" {print $2}' "$pids_file")
ours() {  # ours PID PATTERN: the process exists and its command line contains PATTERN
    [[ -n $2 && -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2"
}

# Jobs first (their slurmstepd would outlive slurmd), then the daemons, newest first.
if command -v scancel >/dev/null && [[ -f $state/slurm.conf ]]; then
    SLURM_CONF=$state/slurm.conf timeout 10 scancel --quiet --user="$(id -un)" 2>/dev/null || true
fi
mapfile -t lines < <(tac "$pids_file")
for line in "${lines[@]}"; do
    read -r name what <<<"$line"
    case $name in
        link)  # the default-path link to our slurm.conf
            [[ -L $what && $(readlink "$what") == "$state/slurm.conf" ]] && rm -f -- "$what"
            continue ;;
        dir)  # munged's directory (socket, log, seed)
            [[ $what == /tmp/thermolearn-munge.* ]] && rm -rf -- "$what"
            continue ;;
        munged) pattern=$munge_dir ;;
        *) pattern=$state ;;
    esac
    [[ $what =~ ^[0-9]+$ ]] || continue
    if ours "$what" "$pattern"; then
        kill -TERM "$what" 2>/dev/null
        for ((i = 0; i < 50; i++)); do
            ours "$what" "$pattern" || break
            sleep 0.2
        done
        if ours "$what" "$pattern"; then
            echo "stop.sh: $name ($what) ignored SIGTERM for 10 s: SIGKILL" >&2
            kill -KILL "$what" 2>/dev/null
        fi
    fi
done
rm -f -- "$pids_file"
