/* GEMV y := alpha*A*x + beta*y (BLAS dgemv, no transpose), MPI version.
 * Row-block decomposition: each rank owns a block of rows of A and the
 * matching entries of y, and builds its rows from the formula. x is needed
 * in full by every row, so every rank computes all of x from its formula
 * (cheaper than communicating it). The products are then purely local;
 * rank 0 collects y only for printing.
 * Usage: gemv [M] [N] [reps] */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 400;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : m;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (m < 1 || n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [M >= 1] [N >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    /* Rows [lo, lo + cnt) are mine; the remainder M % size goes to the first ranks. */
    long rem = m % size;
    long lo = rank * (m / size) + (rank < rem ? rank : rem);
    long cnt = m / size + (rank < rem ? 1 : 0);

    double *a = malloc((size_t)(cnt > 0 ? cnt * n : 1) * sizeof *a);
    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);
    if (!a || !x || !y) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;                    /* global row index */
        for (long j = 0; j < n; j++)
            a[k * n + j] = 1.0 / (1.0 + (double)((i + 2 * j) % 37));
        y[k] = 0.5 * (double)(i % 4);
    }
    for (long j = 0; j < n; j++)
        x[j] = 1.0 - 0.01 * (double)(j % 50);

    const double alpha = 1.5, beta = 0.5;
    for (long r = 0; r < reps; r++) {
        for (long k = 0; k < cnt; k++) {
            double t = 0.0;
            for (long j = 0; j < n; j++)
                t += a[k * n + j] * x[j];
            y[k] = alpha * t + beta * y[k];
        }
    }

    if (m <= 64) {
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int p = 0; p < size; p++) {
            counts[p] = (int)(m / size + (p < rem ? 1 : 0));
            displs[p] = (int)(p * (m / size) + (p < rem ? p : rem));
        }
        double *all = rank == 0 ? malloc((size_t)m * sizeof *all) : NULL;
        MPI_Gatherv(y, (int)cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < m; i++)
                printf("%.12e\n", all[i]);
            free(all);
        }
        free(counts);
        free(displs);
    } else {
        /* Checksums by reduction; each sample is nonzero only on its owner. */
        double part[2] = {0.0, 0.0}, tot[2];
        for (long k = 0; k < cnt; k++) {
            part[0] += y[k];
            part[1] += fabs(y[k]);
        }
        MPI_Reduce(part, tot, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        long stride = (m + 15) / 16;
        int ns = (int)((m + stride - 1) / stride);
        double samp[17] = {0.0}, allsamp[17];
        for (int k = 0; k <= ns; k++) {
            long i = k < ns ? k * stride : m - 1;
            if (i >= lo && i < lo + cnt)
                samp[k] = y[i - lo];
        }
        MPI_Reduce(samp, allsamp, ns + 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        if (rank == 0) {
            printf("sum %.12e abs_sum %.12e\n", tot[0], tot[1]);
            for (int k = 0; k < ns; k++)
                printf("y[%ld] %.12e\n", k * stride, allsamp[k]);
            printf("y[%ld] %.12e\n", m - 1, allsamp[ns]);
        }
    }

    free(a);
    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
