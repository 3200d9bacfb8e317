# `chatmpi check --launcher srun` on a real Slurm: a one-node cluster of our own (munged,
# slurmctld and slurmd in the foreground, as root, configured in a temporary directory, on
# free ports) that this test starts and stops. The same pairs are checked with srun and with
# the default mpirun, and the verdicts must be the same: a correct pair (CORRECT at np 1,2),
# a wrong output, a crash on one rank, and a deadlock under a short --timeout (TIMEOUT, after
# which no job step and no process of the program is left). It also checks the srun line the
# harness builds (--mpi=pmix for Open MPI, --kill-on-bad-exit) and that SLURM_MPI_TYPE
# overrides the plugin.
#
# Slurm comes from Debian (`sh scripts/setup.sh slurm`, root only); without root and without
# Slurm the test is skipped with a note. Everything it starts is stopped, and its directory
# removed, on every exit.
. tests/e2e/lib.sh

need="slurmctld slurmd srun squeue sinfo scancel munged mungekey"
have_all() { for c in $need; do command -v "$c" >/dev/null 2>&1 || return 1; done; }
if ! have_all; then
    if [ "$(id -u)" != 0 ]; then
        echo "skipped: Slurm is not installed and installing it needs root (hint: sudo sh scripts/setup.sh slurm)"
        exit 0
    fi
    sh scripts/setup.sh slurm || die "cannot install Slurm from Debian (sh scripts/setup.sh slurm)"
    have_all || die "Slurm installed, but one of '$need' is still missing"
fi
[ "$(id -u)" = 0 ] || { echo "skipped: the one-node Slurm of this test runs its daemons as root"; exit 0; }

T=$(mktemp -d) || die "mktemp failed"
chmod 755 "$T" # munged wants every directory above its socket searchable by all
PIDS=""        # the daemons we started, newest first: the order they are stopped in
CONF=$T/etc/slurm.conf

# Slurm's commands with our slurm.conf; SLURM_CONF is not exported to the test's own commands,
# so that it marks only what belongs to our cluster (below).
sl() { env SLURM_CONF="$CONF" "$@"; }

# The processes whose environment names our slurm.conf: slurmstepd (slurmd's child) and the
# ranks it starts (srun passes its environment on). A slurm started by someone else never
# carries our temporary path.
our_procs() {
    for d in /proc/[0-9]*; do
        grep -qs "SLURM_CONF=$CONF" "$d/environ" 2>/dev/null && echo "${d#/proc/} $(cat "$d/comm" 2>/dev/null)"
    done
}

cleanup() {
    rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$PIDS" ]; then
        # the jobs first, while slurmctld can still cancel them
        sl scancel --full --quiet --user=root >/dev/null 2>&1
        for p in $PIDS; do kill "$p" 2>/dev/null; done
        i=0
        while [ $i -lt 50 ]; do
            alive=""
            for p in $PIDS; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
            [ -z "$alive" ] && break
            sleep 0.1; i=$((i + 1))
        done
        for p in $alive; do kill -9 "$p" 2>/dev/null; done
        # a step daemon or a rank that outlived slurmd (until none is left; 5 s at most)
        i=0
        while [ $i -lt 50 ] && [ -n "$(our_procs)" ]; do
            our_procs | while read -r p _; do kill -9 "$p" 2>/dev/null; done
            sleep 0.1; i=$((i + 1))
        done
        for p in $PIDS; do wait "$p" 2>/dev/null; done
    fi
    rm -rf "$T"
    exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

show_logs() {
    for f in "$T"/log/*; do echo "--- $f"; tail -n 20 "$f"; done
}
fail() { show_logs; die "$*"; }

# --- two free TCP ports, from a range that moves with our pid (tests beside us pick others)
port_busy() {
    hex=$(printf '%04X' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v h=":$hex" '$2 ~ h"$" && $4 == "0A" { f = 1 } END { exit !f }'
}
base=$((20000 + ($$ % 4000) * 2)); tries=0
while port_busy $base || port_busy $((base + 1)); do
    base=$((base + 2)); tries=$((tries + 1))
    [ $tries -lt 200 ] || die "no two free TCP ports from $((base - 400))"
done

# --- the cluster: one node, this host, as many CPUs as it has (at least 2 for np=2)
host=$(hostname -s)
cpus=$(nproc); [ "$cpus" -ge 2 ] || cpus=2
mkdir -p "$T/etc" "$T/munge" "$T/state" "$T/spool" "$T/log" "$T/work" "$T/bin" || die "cannot populate $T"
chmod 700 "$T/state" "$T/spool"
cat >"$CONF" <<EOF
ClusterName=chatmpitest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
# no systemd, no cgroups: process groups track the steps
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
# Slurm's own default: the harness must ask for pmix itself
MpiDefault=none
ReturnToService=2
KillWait=5
SlurmdParameters=config_overrides

NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=chatmpi Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

# background daemon: start_daemon NAME CMD...; its pid joins PIDS
start_daemon() {
    name=$1; shift
    env SLURM_CONF="$CONF" "$@" </dev/null >"$T/log/$name.out" 2>&1 &
    PIDS="$! $PIDS"
}
t0=$(date +%s)
mungekey --create --keyfile="$T/munge/munge.key" >/dev/null 2>&1 || die "mungekey cannot create a key"
start_daemon munged munged -F --key-file="$T/munge/munge.key" --socket="$T/munge/munge.sock" \
    --pid-file="$T/munge/munged.pid" --log-file="$T/log/munged.log" --seed-file="$T/munge/munged.seed"
i=0; while [ ! -S "$T/munge/munge.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$T/munge/munge.sock" ] || fail "munged did not create its socket within 10 s"
start_daemon slurmctld slurmctld -D -f "$CONF"
start_daemon slurmd slurmd -D -f "$CONF"

# the node must come up idle (bounded: 60 s)
i=0; state=""
while [ $i -lt 120 ]; do
    state=$(sl sinfo -h -N -n "$host" -o %T 2>/dev/null)
    [ "$state" = idle ] && break
    for p in $PIDS; do kill -0 "$p" 2>/dev/null || fail "a Slurm daemon (pid $p) exited while starting"; done
    sleep 0.5; i=$((i + 1))
done
[ "$state" = idle ] || fail "node $host not idle within 60 s (state '${state:-none}'; sinfo: $(sl sinfo 2>&1 | tr '\n' ' '))"
echo "Slurm $(sl sinfo --version | cut -d' ' -f2): node $host idle with $cpus CPUs after $(( $(date +%s) - t0 )) s (ports $base, $((base + 1)))"

# srun as the harness calls it: a wrapper first in PATH logs each command line
cat >"$T/bin/srun" <<EOF
#!/bin/sh
echo "\$*" >>"$T/srun.log"
exec $(command -v srun) "\$@"
EOF
chmod +x "$T/bin/srun"
W=$T/work # the harness's TMPDIR, for its work directories: nothing may remain there

D=tests/e2e/data/check
P=tests/check
# check_both NAME SEQ MPI ARGS [OPTIONS]: runs the check with srun and with mpirun (np 1,2),
# sets $VS and $VM to the verdict lines of each (per-args lines and the verdict word), and
# fails unless they are the same. Leaves srun's report in $T/NAME.srun.
check_both() {
    name=$1 seq=$2 mpi=$3 args=$4; shift 4
    s0=$(date +%s)
    sl env TMPDIR="$W" PATH="$T/bin:$PATH" "$CHATMPI" check "$seq" "$mpi" --args "$args" --np 1,2 --launcher srun -q "$@" \
        >"$T/$name.srun" 2>&1
    echo $? >"$T/$name.srun.rc"
    s1=$(date +%s)
    env TMPDIR="$W" "$CHATMPI" check "$seq" "$mpi" --args "$args" --np 1,2 -q "$@" >"$T/$name.mpirun" 2>&1
    echo $? >"$T/$name.mpirun.rc"
    s2=$(date +%s)
    VS=$(grep -E '^args |^verdict: ' "$T/$name.srun" | sed 's/ (.*//'; cat "$T/$name.srun.rc")
    VM=$(grep -E '^args |^verdict: ' "$T/$name.mpirun" | sed 's/ (.*//'; cat "$T/$name.mpirun.rc")
    echo "$name: $(echo "$VS" | tr '\n' ' ')(srun $((s1 - s0)) s, mpirun $((s2 - s1)) s)"
    if [ "$VS" != "$VM" ]; then
        echo "--- srun report"; cat "$T/$name.srun"; echo "--- mpirun report"; cat "$T/$name.mpirun"
        die "$name: srun and mpirun disagree: srun '$(echo "$VS" | tr '\n' ' ')' vs mpirun '$(echo "$VM" | tr '\n' ' ')'"
    fi
}
expect_verdicts() { # expect_verdicts NAME TEXT...: srun's report of NAME holds every TEXT
    name=$1; shift
    for want in "$@"; do grep -q -- "$want" "$T/$name.srun" || { cat "$T/$name.srun"; die "$name: no '$want'"; }; done
}
no_steps_left() { # no_steps_left WHAT: no job step, no running job, no process of ours (5 s to settle)
    i=0
    while :; do
        steps=$(sl squeue -h -s -o '%i %j' 2>&1); jobs=$(sl squeue -h -o '%i %T' 2>&1)
        procs=$(our_procs | awk '$2 !~ /^(munged|slurmctld|slurmd|slurmscriptd)$/')
        [ -z "$steps$jobs$procs" ] && break
        [ $i -ge 50 ] && fail "$1: left behind: steps '$steps', jobs '$jobs', processes '$procs'"
        sleep 0.1; i=$((i + 1))
    done
    [ -z "$(ls -A "$W")" ] || die "$1: work directory left in TMPDIR: $(ls "$W")"
}

# (a) a correct pair
check_both ok $P/ok/seq.c $P/ok/mpi.c 10
expect_verdicts ok 'args "10":  np=1 PASS  np=2 PASS' 'verdict: CORRECT' 'NOT ISOLATED (srun'
grep -q -- "--mpi=pmix --kill-on-bad-exit=1 --job-name=chatmpi-check-[0-9]* -n 2 " "$T/srun.log" || die "srun command line: $(cat "$T/srun.log")"
no_steps_left ok

# (b) broken pairs: a wrong result on two ranks, a crash of rank 1
check_both no_halo $P/no_halo/seq.c $P/no_halo/mpi.c 12
expect_verdicts no_halo 'np=1 PASS  np=2 WRONG_OUTPUT' 'verdict: INCORRECT'
check_both segv $P/segv_one_rank/seq.c $P/segv_one_rank/mpi.c 10
expect_verdicts segv 'np=1 PASS  np=2 RUNTIME_ERROR' 'verdict: INCORRECT'
no_steps_left broken

# (c) a deadlock: TIMEOUT at both rank counts, each run stopped soon after its 3 s, and then
# no job step and no rank left
start=$(date +%s)
check_both deadlock $D/harmonic_seq.c tests/e2e/data/slurm/deadlock_mpi.c 10 --timeout 3
expect_verdicts deadlock 'np=1 TIMEOUT  np=2 TIMEOUT' 'no exit within the 3.0 s timeout'
no_steps_left deadlock
grep -q "queued and waiting for resources" "$T/deadlock.srun" &&
    die "a step of the np=1 run still held the node when np=2 started: $(cat "$T/deadlock.srun")"
echo "deadlock: both launchers in $(( $(date +%s) - start )) s"

# SLURM_MPI_TYPE is srun's own choice of plugin: the harness leaves --mpi to it (Debian's
# Open MPI has no PMI-2, so its ranks cannot start: a RUNTIME_ERROR, and no step is left)
: >"$T/srun.log"
expect_rc 1 sl env TMPDIR="$W" SLURM_MPI_TYPE=pmi2 PATH="$T/bin:$PATH" "$CHATMPI" check $P/ok/seq.c $P/ok/mpi.c --args 10 --np 2 \
    --launcher srun -q
expect_out 'np=2 RUNTIME_ERROR'
grep -q -- "--mpi" "$T/srun.log" && die "--mpi passed although SLURM_MPI_TYPE is set: $(cat "$T/srun.log")"
no_steps_left pmi2
echo "total $(( $(date +%s) - t0 )) s"
exit 0
