# The PMPI profiler, for real: compile tests/e2e/data/prof_ring.c (known communication)
# with src/harness/profiler/chatmpi_pmpi.c using mpicc, run it on 3 ranks, and check the
# recorded counts and bytes exactly; check that stdout is the same as without the profiler,
# and that an unset or unwritable CHATMPI_PROFILE_DIR writes nothing and changes nothing.
. tests/e2e/lib.sh
command -v mpicc >/dev/null || die "mpicc not found (run 'sh scripts/setup.sh')"
command -v mpirun >/dev/null || die "mpirun not found (run 'sh scripts/setup.sh')"
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/cm-prof-e2e-XXXXXX") || die "mktemp"
trap 'rm -rf "$T"' EXIT INT TERM
PROF=src/harness/profiler/chatmpi_pmpi.c
PROG=tests/e2e/data/prof_ring.c

# The profiler compiles without a single warning, also in strict C99.
mpicc -std=c99 -pedantic -O2 -Wall -Wextra -Werror -c "$PROF" -o "$T/pmpi.o" || die "profiler has warnings"
mpicc -O2 -Wall -Wextra -Werror -c "$PROF" -o "$T/pmpi.o" || die "profiler has warnings"
# Nothing but MPI_* is exported, so it cannot clash with a program's names.
if command -v nm >/dev/null; then
    extra=$(nm -g --defined-only "$T/pmpi.o" | awk '{print $3}' | grep -v '^MPI_' || true)
    [ -z "$extra" ] || die "profiler exports non-MPI symbols: $extra"
fi
mpicc -O2 "$PROG" -o "$T/plain" -lm || die "cannot build the plain program"
mpicc -O2 "$PROG" "$PROF" -o "$T/prof" -lm || die "cannot build the profiled program"

run() { # run EXE OUTFILE: 3 ranks
    mpirun --oversubscribe -np 3 "$1" >"$2" 2>"$T/stderr" || { cat "$T/stderr"; die "mpirun $1 failed"; }
}
mkdir "$T/dir" "$T/cwd"
run "$T/plain" "$T/out.plain"
CHATMPI_PROFILE_DIR="$T/dir" run "$T/prof" "$T/out.prof"
cmp -s "$T/out.plain" "$T/out.prof" || { diff "$T/out.plain" "$T/out.prof"; die "profiler changed stdout"; }
grep -q "^psum 54.00$" "$T/out.plain" || { cat "$T/out.plain"; die "test program printed the wrong result"; }

n=$(ls "$T/dir" | wc -l)
[ "$n" = 3 ] || { ls -la "$T/dir"; die "expected 3 profile files, found $n"; }
# want FILE KEY VALUE: the line "KEY VALUE" is in FILE (exactly once).
want() {
    c=$(grep -c -x -- "$2 $3" "$1")
    [ "$c" = 1 ] || { cat "$1"; die "$(basename "$1"): want line '$2 $3'"; }
}
# want_op FILE NAME CALLS BYTES: the op line has these calls and bytes (time is free).
want_op() {
    got=$(awk -v n="$2" '$1 == "op" && $2 == n { print $4, $6 }' "$1")
    [ "$got" = "$3 $4" ] || { cat "$1"; die "$(basename "$1"): $2 has calls/bytes '$got', want '$3 $4'"; }
}
for r in 0 1 2; do
    f="$T/dir/chatmpi-prof.$r.txt"
    [ -f "$f" ] || die "no profile for rank $r"
    [ "$(head -n 1 "$f")" = "chatmpi-prof 1" ] || die "rank $r: bad magic line"
    [ "$(tail -n 1 "$f")" = "end" ] || die "rank $r: no end line"
    want "$f" rank "$r"
    want "$f" size 3
    # Isend 100 doubles + 2 persistent starts of 4 doubles; the Send to MPI_PROC_NULL is no message.
    want "$f" p2p_msgs 3
    want "$f" p2p_bytes 864
    # Allreduce 7 doubles + Bcast 5 ints + Gather 3 ints + Reduce 1 double + Barrier.
    want "$f" coll_calls 5
    want "$f" coll_bytes 96
    want_op "$f" MPI_Isend 1 800
    want_op "$f" MPI_Send 1 0
    want_op "$f" MPI_Send_init 1 0
    want_op "$f" MPI_Start 2 64
    want_op "$f" MPI_Recv 3 0
    want_op "$f" MPI_Wait 3 0
    want_op "$f" MPI_Allreduce 1 56
    want_op "$f" MPI_Bcast 1 20
    want_op "$f" MPI_Gather 1 12
    want_op "$f" MPI_Reduce 1 8
    want_op "$f" MPI_Barrier 1 0
    nops=$(grep -c '^op ' "$f")
    [ "$nops" = 11 ] || { cat "$f"; die "rank $r: $nops op lines, want 11 (only called ops are listed)"; }
    # Times: 0 < mpi_time <= total_time, and the op times add up to mpi_time.
    awk '$1 == "mpi_time" { m = $2 } $1 == "total_time" { t = $2 } $1 == "op" { s += $8 }
         END { exit !(m > 0 && t > 0 && m <= t + 1e-6 && s - m < 1e-6 && m - s < 1e-6) }' "$f" \
        || { cat "$f"; die "rank $r: inconsistent times"; }
done

# Unset: nothing is written (not in the working directory either), stdout unchanged.
(cd "$T/cwd" && env -u CHATMPI_PROFILE_DIR mpirun --oversubscribe -np 3 "$T/prof" >"$T/out.unset" 2>"$T/stderr") \
    || { cat "$T/stderr"; die "run without CHATMPI_PROFILE_DIR failed"; }
cmp -s "$T/out.plain" "$T/out.unset" || die "stdout differs with CHATMPI_PROFILE_DIR unset"
[ -z "$(ls -A "$T/cwd")" ] || { ls -la "$T/cwd"; die "files written with CHATMPI_PROFILE_DIR unset"; }

# Not writable (missing directory): the program still runs and prints the same.
CHATMPI_PROFILE_DIR="$T/missing/dir" run "$T/prof" "$T/out.missing"
cmp -s "$T/out.plain" "$T/out.missing" || die "stdout differs when the profile dir is missing"
[ ! -e "$T/missing" ] || die "the profiler created the missing directory"

# Every wrapped collective once, some in place: the bytes docs/profiler.md's convention gives.
COLLS=tests/e2e/data/prof_colls.c
mpicc -O2 "$COLLS" -o "$T/colls.plain" -lm || die "cannot build $COLLS"
mpicc -O2 "$COLLS" "$PROF" -o "$T/colls.prof" -lm || die "cannot build $COLLS with the profiler"
mkdir "$T/dir2"
run "$T/colls.plain" "$T/colls.out.plain"
CHATMPI_PROFILE_DIR="$T/dir2" run "$T/colls.prof" "$T/colls.out.prof"
cmp -s "$T/colls.out.plain" "$T/colls.out.prof" || die "profiler changed the stdout of $COLLS"
grep -q '^checksum [0-9]' "$T/colls.out.plain" || die "$COLLS printed no checksum"
# op: bytes on rank 0, 1, 2 (one call each; MPI_INT is 4 bytes, MPI_DOUBLE 8)
while read -r op b0 b1 b2; do
    want_op "$T/dir2/chatmpi-prof.0.txt" "$op" 1 "$b0"
    want_op "$T/dir2/chatmpi-prof.1.txt" "$op" 1 "$b1"
    want_op "$T/dir2/chatmpi-prof.2.txt" "$op" 1 "$b2"
done <<'EOF_TABLE'
MPI_Scatter 24 0 0
MPI_Scatterv 0 24 0
MPI_Gatherv 4 8 12
MPI_Gather 8 8 8
MPI_Allgather 8 8 8
MPI_Allgatherv 4 8 12
MPI_Alltoall 24 24 24
MPI_Alltoallv 24 24 24
MPI_Reduce_scatter 24 24 24
MPI_Reduce_scatter_block 24 24 24
MPI_Scan 12 12 12
MPI_Exscan 12 12 12
MPI_Sendrecv 20 20 20
MPI_Sendrecv_replace 12 12 12
MPI_Ibcast 16 16 16
MPI_Iallreduce 16 16 16
MPI_Ireduce 8 8 8
MPI_Ibarrier 0 0 0
MPI_Reduce 8 8 8
MPI_Waitall 0 0 0
MPI_Wait 0 0 0
EOF_TABLE
want "$T/dir2/chatmpi-prof.0.txt" coll_bytes 216
want "$T/dir2/chatmpi-prof.1.txt" coll_bytes 224
want "$T/dir2/chatmpi-prof.2.txt" coll_bytes 208
for r in 0 1 2; do
    want "$T/dir2/chatmpi-prof.$r.txt" coll_calls 17
    want "$T/dir2/chatmpi-prof.$r.txt" p2p_msgs 2
    want "$T/dir2/chatmpi-prof.$r.txt" p2p_bytes 32
done
echo "profiler e2e ok"
