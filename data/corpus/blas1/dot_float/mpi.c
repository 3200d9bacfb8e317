/* Single-precision dot product (BLAS sdot), MPI version.
 * Block decomposition of x and y; each rank forms a float partial sum of
 * its block and MPI_Allreduce (MPI_FLOAT, MPI_SUM) combines them.
 * Usage: dot_float [n] [reps] */
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

    /* My block [lo, lo + cnt); the remainder n % size goes to the first ranks. */
    long rem = n % size;
    long lo = rank * (n / size) + (rank < rem ? rank : rem);
    long cnt = n / size + (rank < rem ? 1 : 0);

    /* Initialize only my block from the global-index formulas. */
    float *x = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *x);
    float *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        x[k] = 0.5f + (float)(i % 13) * 0.0625f;
        y[k] = 2.0f - (float)(i % 5) * 0.25f;
    }

    float s = 0.0f;
    double mean = 0.0;
    for (long r = 0; r < reps; r++) {
        float local = 0.0f;
        for (long k = 0; k < cnt; k++)
            local += x[k] * y[k];
        MPI_Allreduce(&local, &s, 1, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        mean += (double)s / (double)reps;
    }

    if (rank == 0) {
        printf("sdot %.6e\n", (double)s);
        printf("mean %.6e\n", mean);
    }

    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
