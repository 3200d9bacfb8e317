#!/bin/sh
# bench_check.sh — how long `chatmpi check` takes on a small correct pair at 1, 2, 3, 4
# ranks (goal: under 3 s on a 2-core machine), and the launcher start-up it subtracts from
# MPI timings. The ceiling beside it: the same launches with no harness around them
# (mpirun of the empty MPI program), measured in the same run.
set -eu
CHATMPI=${CHATMPI:-./chatmpi}
REPS=${REPS:-5}
D=tests/e2e/data/check
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", a - b }'; }

echo "chatmpi bench: harness ($(nproc) logical cores, $(mpirun --version 2>&1 | head -1))"

# 1. a whole check: 1 size set x 4 rank counts (2 builds, 2 sequential runs, 4 MPI runs)
for i in $(seq "$REPS"); do
    t0=$(now); "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 1000 -q >/dev/null; t1=$(now)
    sub "$t1" "$t0"
done | median > "$T/check"

# 1b. the same check through a warm run cache (docs/check.md): the runs are taken, only the
#     builds and image ids are left (the first check, not timed, fills the cache)
"$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 1000 --no-profile --run-cache "$T/rc" -q >/dev/null
for i in $(seq "$REPS"); do
    t0=$(now); "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 1000 --no-profile --run-cache "$T/rc" -q \
        >/dev/null; t1=$(now)
    sub "$t1" "$t0"
done | median > "$T/cached"

# 2. the launcher start-up the harness measures and subtracts (empty MPI program, per np)
"$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 10 --bench-args 1000 --runs "$REPS" \
    --json "$T/r.json" -q >/dev/null
startup=$(grep -o '"startup_s": [0-9.e-]*' "$T/r.json" | awk '{ printf("%s%.3f", (NR > 1 ? " " : ""), $2) }')

# 3. the ceiling: the same four launches with no harness (mpirun directly, empty program)
printf '#include <mpi.h>\nint main(int c, char **v) { MPI_Init(&c, &v); MPI_Finalize(); return 0; }\n' > "$T/e.c"
mpicc -O2 -o "$T/e" "$T/e.c"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
launches() { # the four launches, with the launcher flags given
    for i in $(seq "$REPS"); do
        t0=$(now); for np in 1 2 3 4; do mpirun --oversubscribe "$@" -np $np "$T/e" >/dev/null; done; t1=$(now)
        sub "$t1" "$t0"
    done | median
}
# the harness's launches choose the ob1 PML on one node (docs/check.md); plain mpirun beside
launches --mca pml ob1 > "$T/bare"
launches > "$T/plain"

c=$(cat "$T/check"); b=$(cat "$T/bare")
printf '%-58s %8.2f s   (goal < 3 s)\n' "check of a small correct pair at np 1,2,3,4 (median of $REPS)" "$c"
printf '%-58s %8.2f s   (ceiling: launches alone)\n' "the same 4 launches of an empty MPI program, no harness" "$b"
printf '%-58s %8.2f s   (builds only)\n' "the same check, its runs taken from a warm --run-cache" "$(cat "$T/cached")"
printf '%-58s %8.2f s\n' "the same 4 launches, plain mpirun (cm, ucx probed)" "$(cat "$T/plain")"
printf '%-58s %8.2f     (launch time / check time)\n' "fraction of the check spent in launches" "$(awk -v a="$b" -v b="$c" 'BEGIN { print a / b }')"
printf '%-58s %s s\n' "launcher start-up subtracted, np 1,2,3,4 (median of $REPS)" "$startup"
