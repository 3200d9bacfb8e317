# Network isolation is real: a listener on the host's loopback is unreachable from a checked
# program (its own network namespace), and reachable with --no-isolation, which proves that
# this test can fail. The program prints LEAKED when it gets through.
. tests/e2e/lib.sh
D=tests/e2e/data/check
T=$(mktemp -d)
cc -O2 -o "$T/listen" $D/listen.c || die "cannot build the listener"
"$T/listen" > "$T/port" &
lpid=$!
trap 'kill $lpid 2>/dev/null; rm -rf "$T"' EXIT
i=0; while [ ! -s "$T/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$T/port")
[ -n "$port" ] || die "the listener did not start"

expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/reach_mpi.c --args "10 $port" --np 1,2 -q
expect_out "verdict: CORRECT"
expect_rc 1 "$CHATMPI" check $D/harmonic_seq.c $D/reach_mpi.c --args "10 $port" --np 1 --no-isolation -q
expect_out "NOT ISOLATED"; expect_out "got 'LEAKED'"
