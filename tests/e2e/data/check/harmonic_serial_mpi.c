/* harmonic_seq.c under MPI, but not parallel: every rank sums the whole series and rank 0
 * prints it (right at every rank count; the harness calls it SERIAL at the bench size) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int r; MPI_Comm_rank(MPI_COMM_WORLD, &r);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    double s = 0;
    for (long i = 0; i < n; i++) s += 1.0 / (i + 1);
    if (!r) printf("%.12e\n", s);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
