/* MPI sum of n values: block decomposition, local sums, MPI_Reduce to rank 0. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double value(long i) { return i == 0 ? 3.0e7 : 1.0; }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1) {
        if (rank == 0) fprintf(stderr, "usage: %s [n >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long lo = rank * (n / p) + (rank < n % p ? rank : n % p), cnt = n / p + (rank < n % p);
    double local = 0.0, sum = 0.0;
    for (long i = lo; i < lo + cnt; i++) local += value(i);
    MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("sum %.12e\n", sum);
    MPI_Finalize();
    return 0;
}
