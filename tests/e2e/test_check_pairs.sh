# The verification harness end to end: `chatmpi check` on every program pair under
# tests/check/<name>/ (seq.c, mpi.c, expect), from correct pairs to hostile ones (deadlocks,
# crashes, infinite loops, a fork bomb, a gigabyte of output, file-system escapes, network).
#
# expect holds `np=N VERDICT` lines (the rank counts to run; VERDICT may be A|B), `verdict: CORRECT|INCORRECT|
# BUILD_FAIL`, and optionally `args: ...` (one args set; @PAIRDIR@ becomes the pair's absolute
# directory), `timeout: S` and `contains: TEXT` (stdout or stderr must contain TEXT).
#
# For each pair it asserts: every np verdict, the last line `verdict: ...` (a note may follow
# the verdict word), the exit code (0 CORRECT, 1 otherwise), that the harness returned within
# 120 s, and that nothing is left behind: no process named cmt_* (the hostile programs rename
# themselves so) of any uid, no process of the uid the report says the programs ran as, no
# new process of a sandbox uid (65534, 200000-299999) unless under a live chatmpi (a run
# beside ours), nothing in the TMPDIR given to the harness (a fresh private
# one), no chatmpi_escape_test file where escape_files tries to write one. Failures are collected, so that one run shows
# every broken pair. Leftover cmt_* processes are killed by pid, escape files removed.
#
# CHECK_PAIRS="ok deadlock3" runs only those pairs.
# Leaves out: JSON output (--json) and several args sets per pair.
. tests/e2e/lib.sh

ROOT=$(pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The harness makes its work directories in ${TMPDIR:-/tmp}. A private TMPDIR per test run
# makes "nothing left there" exact even while other runs share the machine's /tmp.
TMPROOT=$WORK/tmp
mkdir "$TMPROOT" && chmod 755 "$WORK" "$TMPROOT" || die "cannot make $TMPROOT"
# Sandboxed programs run as nobody (65534) or, when chatmpi gives each run a uid of its own,
# as one in [200000, 300000); the report names it ("programs run as uid N").
SANDBOX_UIDS='$2 == 65534 || ($2 >= 200000 && $2 < 300000)'
ME=$(basename "$CHATMPI" | cut -c1-15)
FAILS=0
FAILED_PAIRS=""

# Every place escape_files tries to create chatmpi_escape_test (see its mpi.c); its own
# directory is added per pair.
escape_dirs="/tmp /var/tmp /dev/shm /root /work ${TMPDIR:-/tmp} $WORK $TMPROOT"
case " $escape_dirs " in *" ${HOME:-/tmp} "*) ;; *) escape_dirs="$escape_dirs $HOME" ;; esac

fail() {
    echo "FAIL [$pair]: $*"
    FAILS=$((FAILS + 1))
    case " $FAILED_PAIRS " in *" $pair "*) ;; *) FAILED_PAIRS="$FAILED_PAIRS $pair" ;; esac
}

trim() { printf '%s' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }
# "PID UID COMM" of every process.
procs() { ps -eo pid=,uid=,comm= 2>/dev/null; }
procs_tree() { ps -eo pid=,ppid=,uid=,comm= 2>/dev/null; }
sandboxed_pids() { procs | awk "$SANDBOX_UIDS { print \$1 }" | sort; }
# Our test programs: cmt_* processes under our check's sandbox uid, or outside the sandbox uid
# range (an escape). Those under another sandbox uid belong to a check running beside ours.
cmt_procs() {
    procs | awk -v u="${sbuid:--1}" '$3 ~ /^cmt_/ && ($2 < 200000 || $2 >= 300000 || $2 == u) { print $1, $3 }'
}
tmp_entries() { ls -A "$TMPROOT" | sed "s|^|$TMPROOT/|"; }
escape_files() {
    for d in $escape_dirs / "$1"; do
        [ -e "$d/chatmpi_escape_test" ] && echo "${d%/}/chatmpi_escape_test"
    done
}

# What is still there that was not there before the check: processes and temp entries.
# Prints nothing when clean.
leftovers() {
    cmt_procs | sed 's/^/process /'
    # Anything still running as the uid our run's programs had is ours.
    [ -n "$sbuid" ] && procs | awk -v u="$sbuid" '$2 == u && $3 !~ /^cmt_/ { print "process " $1 " uid " u " (" $3 ")" }'
    # Another new sandboxed process is ours unless a live chatmpi is its ancestor (then it
    # belongs to a run beside ours, other tests on a shared machine).
    sandboxed_pids > "$WORK/sandboxed.after"
    comm -13 "$WORK/sandboxed.before" "$WORK/sandboxed.after" > "$WORK/sandboxed.new"
    procs_tree | awk -v me="$ME" -v sbuid="${sbuid:--1}" 'NR == FNR { isnew[$1] = 1; next }
        { ppid[$1] = $2; name[$1] = $4; uid[$1] = $3 }
        END {
            for (p in isnew) {
                if (!(p in ppid)) continue
                q = ppid[p]; owned = 0
                for (i = 0; i < 64 && q > 1; i++) {
                    if (name[q] ~ /^chatmpi/ || name[q] == me) { owned = 1; break }
                    q = ppid[q]
                }
                if (!owned && uid[p] != sbuid) print "process " p " uid " uid[p] " (" name[p] ")"
            }
        }' "$WORK/sandboxed.new" -
    tmp_entries | sed 's/^/temporary /'
}

kill_cmt() { # ends leftover processes of our own test programs, by pid
    for _ in 1 2 3 4 5; do
        pids=$(cmt_procs | awk '{ print $1 }')
        [ -z "$pids" ] && return
        kill -KILL $pids 2>/dev/null
        sleep 0.2
    done
}

stale=$(cmt_procs; escape_files "$ROOT/tests/check/escape_files")
[ -z "$stale" ] || die "left over from an earlier run, remove first: $stale"

for dir in tests/check/*/; do
    pair=$(basename "$dir")
    case " ${CHECK_PAIRS:-$pair} " in *" $pair "*) ;; *) continue ;; esac
    pairdir="$ROOT/tests/check/$pair"
    [ -f "$pairdir/expect" ] || { fail "no expect file"; continue; }
    args=""; has_args=0; tmo=""; want_verdict=""; nps=""
    : > "$WORK/np.want"; : > "$WORK/contains"
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
        '#'* | '') ;;
        args:*) args=$(trim "${line#args:}" | sed "s|@PAIRDIR@|$pairdir|g"); has_args=1 ;;
        timeout:*) tmo=$(trim "${line#timeout:}") ;;
        verdict:*) want_verdict=$(trim "${line#verdict:}") ;;
        contains:*) trim "${line#contains:}" >> "$WORK/contains"; echo >> "$WORK/contains" ;;
        np=*)
            set -- $line
            echo "$1 $2" >> "$WORK/np.want"
            nps="$nps${nps:+,}${1#np=}" ;;
        *) fail "bad expect line: $line" ;;
        esac
    done < "$pairdir/expect"
    [ -n "$want_verdict" ] && [ -n "$nps" ] || { fail "expect lacks np= lines or verdict:"; continue; }

    set -- check "$pairdir/seq.c" "$pairdir/mpi.c" --np "$nps"
    [ $has_args = 1 ] && set -- "$@" --args "$args"
    [ -n "$tmo" ] && set -- "$@" --timeout "$tmo"

    sandboxed_pids > "$WORK/sandboxed.before"
    start=$(date +%s)
    TMPDIR=$TMPROOT timeout 120 "$CHATMPI" "$@" > "$WORK/out" 2> "$WORK/err"
    rc=$?
    secs=$(( $(date +%s) - start ))
    sbuid=$(sed -n 's/.*programs run as uid \([0-9][0-9]*\).*/\1/p' "$WORK/out" | head -n 1)
    echo "== $pair: exit $rc in ${secs}s: $(grep -o 'np=[0-9]* [A-Z][A-Z_]*' "$WORK/out" | sort -u | tr '\n' ' ')"
    bad=0
    if [ $rc = 124 ] || [ $rc = 137 ]; then
        fail "chatmpi check did not return within 120 s"; bad=1
    else
        while read -r np want; do
            got=$(grep -o "$np [A-Z][A-Z_]*" "$WORK/out" | awk '{ print $2 }' | sort -u | tr '\n' ' ')
            ok=0 # want may list alternatives: TIMEOUT|RUNTIME_ERROR
            for alt in $(echo "$want" | tr '|' ' '); do [ "$got" = "$alt " ] && ok=1; done
            [ $ok = 1 ] || { fail "$np: got '${got% }', expected $want"; bad=1; }
        done < "$WORK/np.want"
        last=$(tail -n 1 "$WORK/out")
        case $last in # a note may follow: "verdict: INCORRECT (3 of 4 runs did not pass)"
        "verdict: $want_verdict" | "verdict: $want_verdict "*) ;;
        *) fail "last line is '$last', expected 'verdict: $want_verdict'"; bad=1 ;;
        esac
        want_rc=1; [ "$want_verdict" = CORRECT ] && want_rc=0
        [ $rc = $want_rc ] || { fail "exit code $rc, expected $want_rc"; bad=1; }
        while IFS= read -r text; do
            cat "$WORK/out" "$WORK/err" | grep -qF -- "$text" ||
                { fail "output lacks '$text'"; bad=1; }
        done < "$WORK/contains"
    fi
    if [ $bad = 1 ]; then
        echo "--- chatmpi $*"; echo "--- stdout"; head -c 4000 "$WORK/out"
        echo "--- stderr"; head -c 4000 "$WORK/err"; echo "---"
    fi

    # Nothing may stay: give processes that are being reaped up to 3 s to go.
    left=""
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
        left=$(leftovers)
        [ -z "$left" ] && break
        sleep 0.25
    done
    if [ -n "$left" ]; then
        fail "left behind after the check:"
        echo "$left" | sed 's/^/    /'
        kill_cmt
    fi
    esc=$(escape_files "$pairdir")
    if [ -n "$esc" ]; then
        fail "a program wrote outside its sandbox: $(echo $esc)"
        rm -f $esc
    fi
done

if [ $FAILS -gt 0 ]; then
    die "$FAILS assertion(s) failed, pairs:$FAILED_PAIRS"
fi
echo "all pairs behaved as expected"
