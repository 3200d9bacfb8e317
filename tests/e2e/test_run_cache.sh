# --run-cache DIR (docs/check.md): a check run made before by an executable of the same image
# is taken from DIR. The verdicts must be those of launched runs: a renamed program hits, a
# changed one does not pass because of the cache, a nondeterministic reference is never stored,
# and `data augment` writes the same variants with the cache as without.
. tests/e2e/lib.sh
D=tests/e2e/data/check
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
C="$T/cache"

# first check: everything launched and stored; second: everything taken, the same verdicts
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 10 --args 7 --np 1,3 --no-profile \
    --run-cache "$C" --json "$T/r1.json" -q
expect_out "run cache: 0 of 6 runs taken from $C"
[ "$(find "$C" -type f | wc -l)" = 6 ] || die "6 entries expected: $(find "$C" -type f)"
grep -q '"cached": true' "$T/r1.json" && die "a first check reported a cached run"
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 10 --args 7 --np 1,3 --no-profile \
    --run-cache "$C" --json "$T/r2.json" -q
expect_out "run cache: 6 of 6 runs taken from $C"
expect_out 'args "7":  np=1 PASS  np=3 PASS'
expect_out "verdict: CORRECT"
[ "$(grep -c '"cached": true' "$T/r2.json")" = 4 ] || die "4 cached MPI runs expected in the JSON"
grep -q '"hits": 6' "$T/r2.json" || die "the JSON lacks the cache's hits"

# the same program under other names and another layout: the same image, nothing launched
sed -e 's/\bs\b/partial/g; s/\bt\b/total/g; s/\bcnt\b/mine/g; s/^    //' $D/harmonic_mpi.c > "$T/renamed_mpi.c"
cmp -s $D/harmonic_mpi.c "$T/renamed_mpi.c" && die "the rename changed nothing"
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c "$T/renamed_mpi.c" --args 10 --args 7 --np 1,3 --no-profile \
    --run-cache "$C" -q
expect_out "run cache: 6 of 6 runs taken"
expect_out "verdict: CORRECT"

# a changed program is launched (only the reference is taken) and judged as without the cache
sed 's|1.0 / (i + 1)|1.0 / (i + 2)|' $D/harmonic_mpi.c > "$T/wrong_mpi.c"
expect_rc 1 "$CHATMPI" check $D/harmonic_seq.c "$T/wrong_mpi.c" --args 10 --args 7 --np 1,3 --no-profile \
    --run-cache "$C" -q
expect_out "run cache: 2 of 6 runs taken"
expect_out "verdict: INCORRECT"
# and stays wrong when its own runs come from the cache
expect_rc 1 "$CHATMPI" check $D/harmonic_seq.c "$T/wrong_mpi.c" --args 10 --args 7 --np 1,3 --no-profile \
    --run-cache "$C" -q
expect_out "run cache: 6 of 6 runs taken"
expect_out "verdict: INCORRECT"

# profiled runs (the first size set, by default) are always launched; the profiled build is
# another image than the plain one, so only the references are taken the first time
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 10 --args 7 --np 1,3 --run-cache "$C" -q
expect_out "run cache: 2 of 4 runs taken"
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 10 --args 7 --np 1,3 --run-cache "$C" -q
expect_out "run cache: 4 of 4 runs taken"
expect_out "communication (PMPI profile"

# a nondeterministic reference is found out every time: never stored
n0=$(find "$C" -type f | wc -l)
for i in 1 2; do
    expect_rc 2 "$CHATMPI" check $D/nondet_seq.c $D/harmonic_mpi.c --args 5 --np 1 --run-cache "$C" -q
    expect_out "not deterministic"
done
[ "$(find "$C" -type f | wc -l)" = "$n0" ] || die "the nondeterministic program's run was stored"

# a damaged entry is a miss: the run is launched again and the entry rewritten
for f in $(find "$C" -type f); do printf 'not an entry' > "$f"; done
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 10 --args 7 --np 1,3 --no-profile \
    --run-cache "$C" -q
expect_out "run cache: 0 of 6 runs taken"
expect_out "verdict: CORRECT"

# bad input: a file where the directory should be
: > "$T/file"
expect_rc 2 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 7 --run-cache "$T/file" -q
expect_err "check: --run-cache: cannot write in '$T/file': it is not a directory"
expect_rc 2 "$CHATMPI" data augment -n 1 -o "$T/aug" --run-cache "$T/file" data/corpus/blas1/axpy
expect_err "data augment: --run-cache"

# data augment: the same variants with the cache as without; a second run takes its runs
expect_rc 0 "$CHATMPI" data augment -n 2 --seed 3 -o "$T/plain" data/corpus/blas1/axpy
expect_rc 0 "$CHATMPI" data augment -n 2 --seed 3 -o "$T/c1" --run-cache "$T/ac" data/corpus/blas1/axpy
expect_out "data augment: 0 of 70 check runs taken from the run cache $T/ac"
expect_rc 0 "$CHATMPI" data augment -n 2 --seed 3 -o "$T/c2" --run-cache "$T/ac" data/corpus/blas1/axpy
expect_out "data augment: 70 of 70 check runs taken from the run cache $T/ac"
diff -r "$T/plain" "$T/c1" >/dev/null || die "the run cache changed what data augment wrote"
diff -r "$T/plain" "$T/c2" >/dev/null || die "a cached data augment wrote something else"
echo "run cache ok"
