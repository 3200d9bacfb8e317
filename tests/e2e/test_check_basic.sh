# chatmpi check as a user drives it: the JSON report, timing, --keep, broken references,
# bad input, and an interrupt in the middle of a run.
. tests/e2e/lib.sh
D=tests/e2e/data/check
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# a correct pair: the JSON report carries verdicts, environment and the profile
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 10 --args 7 --np 1,3 --json "$T/r.json" -q
expect_out "verdict: CORRECT"
expect_out 'args "7":  np=1 PASS  np=3 PASS'
for k in '"outcome": "CORRECT"' '"correct": true' '"verdict": "PASS"' '"mpi_implementation": "Open MPI"' \
         '"isolated": true' '"total_bytes": 24' '"op": "MPI_Reduce"'; do
    grep -q "$k" "$T/r.json" || die "report lacks $k"
done
[ "$(grep -c '"verdict": "PASS"' "$T/r.json")" = 4 ] || die "expected 4 PASS runs in the JSON"

# --fail-fast: the first failing run ends the check (a timeout each run would cost), no timing
start=$(date +%s)
expect_rc 1 "$CHATMPI" check $D/harmonic_seq.c $D/hang_mpi.c --args 10 --args 7 --np 1,2,3 --timeout 2 -b 10 \
    --fail-fast --json "$T/ff.json" -q
[ $(( $(date +%s) - start )) -lt 15 ] || die "--fail-fast made more than the first run"
expect_out "verdict: INCORRECT (stopped at the first failing run, --fail-fast: 5 runs not made, no timing)"
expect_out 'args "10":  np=1 TIMEOUT'
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["fail_fast"]["runs_not_made"] == 5 and len(j["runs"]) == 1 and j["performance"] is None, j' \
    "$T/ff.json" || die "the --fail-fast JSON"

# on one node Open MPI's ob1 PML is chosen (no fabric probes), unless the user chose a PML
cat > "$T/log_mpirun" <<EOS
#!/bin/sh
[ "\$1" = --version ] || echo "\$*" >> "$T/argv.log"
exec mpirun "\$@"
EOS
chmod +x "$T/log_mpirun"
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 7 --np 2 --mpirun "$T/log_mpirun" --no-isolation -q
grep -q -- "--oversubscribe --mca pml ob1 -np 2 " "$T/argv.log" || die "launcher argv: $(cat "$T/argv.log")"
rm "$T/argv.log"
OMPI_MCA_pml=^cm expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 7 --np 2 --mpirun "$T/log_mpirun" \
    --no-isolation -q
grep -q -- "pml" "$T/argv.log" && die "OMPI_MCA_pml=^cm was overridden: $(cat "$T/argv.log")"

# timing: a performance table with the start-up column, and the bench size is checked too
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 5 --np 1,2 --bench-args 20000000 --runs 1 -q
expect_out "performance (args \"20000000\", median of 1 runs"
expect_out 'bench "20000000":  np=1 PASS  np=2 PASS'
grep -Eq '^ +2 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+%' "$OUT" || die "no timing row for np=2"

# --peer: another MPI version timed beside the program, the two taking turns run by run (the
# program first in even rounds, the peer first in odd ones), against the same sequential time
rm -f "$T/argv.log"
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 5 --np 2 --bench-args 2000000 --runs 2 \
    --peer $D/harmonic_serial_mpi.c --mpirun "$T/log_mpirun" --no-isolation --json "$T/p.json" -q
expect_out "the peer $D/harmonic_serial_mpi.c was timed beside it"
grep -Eq '^ +2 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+% +[0-9.]+ +[0-9.]+ +[0-9.]+$' "$OUT" || die "no peer columns at np=2"
order=$(grep -o 'bin/[a-z]*' "$T/argv.log" | tr '\n' ' ')
[ "$order" = "bin/mpi bin/mpi bin/peer bin/mpi bin/peer bin/peer bin/mpi bin/emp bin/emp " ] || die "run order: $order"
rm "$T/argv.log"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["performance"]; r=p["mpi"][0]["peer"]
assert p["peer"]["error"] is None and r["ok"] and r["speedup"] > 0 and r["time_s"] > 0, p' "$T/p.json" || die "peer JSON"
# a peer that is wrong at the bench size, or does not build, is not timed; the verdict is the program's
sed 's/printf("%.12e\\n", t)/printf("%.12e\\n", t + 1)/' $D/harmonic_mpi.c > "$T/wrong_peer.c"
grep -q 't + 1' "$T/wrong_peer.c" || die "wrong_peer.c not made"
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 5 --np 1,2 --bench-args 2000000 --runs 1 \
    --peer "$T/wrong_peer.c" -q
expect_out "the peer program did not pass at np=1 with the bench args: WRONG_OUTPUT"
expect_out "verdict: CORRECT"
echo 'int main(void) { return x; }' > "$T/broken_peer.c"
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 5 --np 2 --bench-args 2000000 --runs 1 \
    --peer "$T/broken_peer.c" -q
expect_out "the peer program does not build: .*error"
expect_rc 2 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --peer $D/harmonic_mpi.c; expect_err "it needs --bench-args"
expect_rc 2 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c -b 10 --peer "$T/none.c"; expect_err "cannot read the peer"

# a program right at every rank count whose ranks move no data at the bench size is SERIAL
# (exit 1): rank 0 computed everything; without a bench size nothing says so (CORRECT), and a
# program naming a call the profiler does not count (MPI_Put) is not judged
expect_rc 1 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_serial_mpi.c --args 5 --np 1,2 --bench-args 2000000 \
    --runs 1 --json "$T/s.json" -q
expect_out "verdict: SERIAL (PASS everywhere, but the ranks moved no data at the bench size"
grep -q '"outcome": "SERIAL"' "$T/s.json" && grep -q '"correct": false' "$T/s.json" || die "SERIAL not in the JSON"
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_serial_mpi.c --args 5 --np 1,2 -q
expect_out "verdict: CORRECT"
sed 's/MPI_Barrier(MPI_COMM_WORLD);/MPI_Barrier(MPI_COMM_WORLD); (void)MPI_Put;/' $D/harmonic_serial_mpi.c > "$T/put_mpi.c"
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c "$T/put_mpi.c" --args 5 --np 1,2 --bench-args 2000000 --runs 1 -q
expect_out "verdict: CORRECT"

# --keep keeps the build directory with both binaries; without it nothing remains
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 3 --np 1 --keep -q
kept=$(sed -n 's/^work directory kept: //p' "$OUT")
[ -x "$kept/bin/mpi" ] && [ -x "$kept/bin/seq" ] || die "--keep did not keep the binaries in '$kept'"
rm -rf "$kept"

# a hostfile (the multi-node path): runs without namespaces, since ranks may need the network
echo "localhost slots=4" > "$T/hosts"
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 9 --np 1,3 --hostfile "$T/hosts" -q
expect_out "NOT ISOLATED"; expect_out "verdict: CORRECT"
expect_rc 2 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --hostfile "$T/none"; expect_err "cannot read hostfile"

# a sequential program that is not deterministic, or fails: SEQ_ERROR, exit 2
expect_rc 2 "$CHATMPI" check $D/nondet_seq.c $D/harmonic_mpi.c --np 1 -q
expect_out "not deterministic"; expect_out "verdict: SEQ_ERROR"
expect_rc 2 "$CHATMPI" check $D/fails_seq.c $D/harmonic_mpi.c --np 1 -q
expect_out "failed with args"; expect_out "exit status 4"; expect_out "seq: cannot allocate"

# bad input: usage errors with a hint, never a crash
expect_rc 2 "$CHATMPI" check $D/harmonic_seq.c; expect_err "expected 2 arguments"
expect_rc 2 "$CHATMPI" check $D/harmonic_seq.c /nonexistent.c; expect_err "cannot read '/nonexistent.c'"
expect_rc 2 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --np 0; expect_err "invalid value '0' for --np"
expect_rc 2 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --launcher foo; expect_err "unknown launcher 'foo'"
expect_rc 2 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --npp 2; expect_err "did you mean '--np'"

# an interrupt while a rank spins: chatmpi exits, no process and no work directory remain
mkdir "$T/tmp"
TMPDIR="$T/tmp" "$CHATMPI" check $D/harmonic_seq.c $D/hang_mpi.c --args 3 --np 2 --timeout 60 -q >"$T/int.out" 2>&1 &
pid=$!
sleep 3
kill -INT $pid
i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $pid 2>/dev/null && die "chatmpi did not stop on SIGINT"
wait $pid; rc=$?
[ $rc = 3 ] || die "interrupted check exited $rc, expected 3"
grep -q interrupted "$T/int.out" || die "no 'interrupted' message"
[ -z "$(ls -A "$T/tmp")" ] || die "work directory left behind: $(ls "$T/tmp")"
uid=$((200000 + pid % 100000)) # the sandbox uid of that chatmpi process (sandbox.h)
ps -eo uid= | grep -qx " *$uid" && die "processes of uid $uid left behind"
# an interrupt while the launcher answers --version is an interrupt, not a missing launcher
cat > "$T/slow_mpirun" <<'EOS'
#!/bin/sh
[ "$1" = --version ] && { sleep 2; echo "mpirun (Open MPI) 4.1.4"; exit 0; }
exec mpirun "$@"
EOS
chmod +x "$T/slow_mpirun"
"$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 3 --np 1 --mpirun "$T/slow_mpirun" -q >"$T/int2.out" 2>&1 &
pid=$!
sleep 0.5
kill -INT $pid
wait $pid; rc=$?
[ $rc = 3 ] || die "check interrupted in the launcher probe exited $rc, expected 3: $(cat "$T/int2.out")"
grep -q interrupted "$T/int2.out" || die "no 'interrupted' message: $(cat "$T/int2.out")"
grep -q "no MPI launcher" "$T/int2.out" && die "an interrupt was reported as a missing launcher"
# output that is not UTF-8 (a wrong byte on stdout, garbage on stderr) still gives a JSON report,
# the bytes as U+FFFD (it once failed an assertion)
printf '#include <stdio.h>\nint main(void) { printf("1\\n"); return 0; }\n' > "$T/u_seq.c"
printf '#include <mpi.h>\n#include <stdio.h>\nint main(int c, char **v) { MPI_Init(&c, &v); int r; MPI_Comm_rank(MPI_COMM_WORLD, &r);\n    if (!r) printf("\\xff\\n"); fprintf(stderr, "bad \\xfe byte\\n"); MPI_Finalize(); return 0; }\n' > "$T/u_mpi.c"
expect_rc 1 "$CHATMPI" check "$T/u_seq.c" "$T/u_mpi.c" --np 1 --json "$T/u.json"
python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["runs"][0]; assert "\ufffd" in r["detail"] and "\ufffd" in r["stderr_tail"], r' "$T/u.json" ||
    die "no JSON report for output that is not UTF-8"
exit 0
