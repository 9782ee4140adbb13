#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying examples/slurm/sweep.sbatch
# (and for tests/cli/sweep/slurm.test.ts, which runs when `sinfo` shows an idle node).
# Needs root and Debian's slurm-wlm (apt-get install -y slurm-wlm). Writes
# /etc/slurm/slurm.conf (any existing one is kept as slurm.conf.bak), creates a
# munge key when there is none, starts munged, slurmctld and slurmd in the
# background, waits until the node is idle and a test job runs (else stops them
# again). Stop with: pkill slurmd slurmctld munged
set -euo pipefail

for b in munged slurmctld slurmd sinfo; do
  command -v "$b" >/dev/null 2>&1 || { echo "local-cluster: '$b' not found; install Debian's slurm-wlm" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "local-cluster: run as root (it starts system daemons)" >&2; exit 2; }

host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
conf=/etc/slurm/slurm.conf
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/lib/munge /var/log/munge
[ -f "$conf" ] && cp "$conf" "$conf.bak"
# No cgroups (containers often lack them): plain process tracking, no task binding.
cat > "$conf" <<EOF
ClusterName=wgflow-local
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=/var/spool/slurmd
StateSaveLocation=/var/spool/slurmctld
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmUser=root
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key

pgrep -x munged >/dev/null || (su -s /bin/sh munge -c munged 2>/dev/null || munged --force)
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd

for _ in $(seq 1 30); do
  if sinfo -h -o '%t' 2>/dev/null | grep -Eq '\b(idle|mix|alloc)\b'; then
    # An idle node is not enough: a job must really run (munge, spawning). If none
    # does, stop the daemons again, so that nothing waits on a cluster that cannot work.
    if timeout 60 srun -N1 -n1 -t 1 true; then
      echo "local-cluster: node $host is up ($cpus CPUs) and runs jobs; try: sbatch --wait examples/slurm/sweep.sbatch"
      exit 0
    fi
    echo "local-cluster: the node is up but a test job did not run; stopping the daemons" >&2
    pkill -x slurmd || true
    pkill -x slurmctld || true
    exit 1
  fi
  sleep 1
done
echo "local-cluster: the node did not come up in 30 s; see /var/log/slurm/slurmctld.log and slurmd.log" >&2
exit 1
