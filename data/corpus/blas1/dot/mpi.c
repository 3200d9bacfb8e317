/* Dot product s = x . y of two double vectors, repeated `reps` times,
 * MPI version: block decomposition, local dot, MPI_Allreduce per repetition.
 * Usage: dot [n] [reps] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [n >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    /* Balanced block decomposition: the first n % size ranks get one extra element. */
    long lo = rank * (n / size) + (rank < n % size ? rank : n % size);
    long cnt = n / size + (rank < n % size ? 1 : 0);

    /* Each rank initializes only its own block, using global indices in the formulas. */
    double *x = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *x);
    double *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        x[k] = 1.0 + (i % 7) * 0.25;
        y[k] = 0.5 + (i % 11) * 0.125;
    }

    double s = 0.0, total = 0.0;
    for (long r = 0; r < reps; r++) {
        double local = 0.0;
        for (long k = 0; k < cnt; k++)
            local += x[k] * y[k];
        /* Every rank gets the full dot product, as an iterative method would need. */
        MPI_Allreduce(&local, &s, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        total += s / (double)(r + 1);
    }

    if (rank == 0) {
        printf("dot %.12e\n", s);
        printf("weighted_total %.12e\n", total);
    }

    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
