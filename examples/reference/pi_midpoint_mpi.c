/* pi_midpoint_mpi.c — hand-written MPI version of ../pi_midpoint.c (the demo's reference
 * until chatmpi's default model writes it). Block decomposition of the intervals with the
 * remainder spread over the first ranks; one MPI_Reduce per repetition. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        if (rank == 0) fprintf(stderr, "usage: %s [N >= 1] [R >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long base = n / size, extra = n % size;
    long lo = rank * base + (rank < extra ? rank : extra);
    long cnt = base + (rank < extra);
    double h = 1.0 / (double)n;
    for (long r = 0; r < reps; r++) {
        double local = 0.0, sum = 0.0;
        for (long i = lo; i < lo + cnt; i++) {
            double x = h * ((double)i + 0.5);
            local += 4.0 / (1.0 + x * x);
        }
        MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) printf("rep %ld pi %.12f\n", r, sum * h);
    }
    MPI_Finalize();
    return 0;
}
