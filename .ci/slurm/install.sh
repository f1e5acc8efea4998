#!/usr/bin/env bash
# Install a one-node SLURM (Debian's packages: slurmctld, slurmd, slurm-client, munge).
# Idempotent: does nothing when the commands are already there. Needs root and apt.
# Prints "install_s=<seconds>" on its last line (the test records it).
set -euo pipefail
t0=$(date +%s.%N)
need=()
for cmd in slurmctld slurmd sbatch munged; do
    command -v "$cmd" >/dev/null 2>&1 || need+=("$cmd")
done
if ((${#need[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "install.sh: missing ${need[*]} and not root: cannot apt-get install" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # --no-install-recommends: no mail server, no docs; policy-rc.d keeps the packages'
    # post-install scripts from starting daemons (start.sh starts its own, by PID).
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
    fi
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
    ((created_policy)) && rm -f "$policy"
fi
# The munge package generates its key on install; make one where that did not happen.
if [[ ! -s /etc/munge/munge.key ]]; then
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
fi
python3 -c "import sys; print(f'install_s={float(sys.argv[1]) - float(sys.argv[2]):.1f}')" "$(date +%s.%N)" "$t0"
