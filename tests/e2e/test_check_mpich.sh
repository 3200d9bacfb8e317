# The harness with MPICH (installed beside Open MPI by scripts/setup.sh): the compiler and
# launcher are chosen with --mpicc/--mpirun, the profiler builds against MPICH's headers.
. tests/e2e/lib.sh
command -v mpicc.mpich >/dev/null || die "mpicc.mpich missing: scripts/setup.sh installs mpich"
D=tests/e2e/data/check
expect_rc 0 "$CHATMPI" check $D/harmonic_seq.c $D/harmonic_mpi.c --args 10 --args 7 --np 1,2,3 \
    --mpicc mpicc.mpich --mpirun mpiexec.mpich -q
expect_out "MPICH 4"; expect_out "verdict: CORRECT"; expect_out 'args "7":  np=1 PASS  np=2 PASS  np=3 PASS'
expect_out "communication (PMPI profile"
