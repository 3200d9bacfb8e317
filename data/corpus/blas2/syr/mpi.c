/* Symmetric rank-1 update A := alpha*x*x^T + A (BLAS dsyr, upper), MPI.
 * Row i of the upper triangle has n - i entries, so rows are split into
 * contiguous ranges of equal work; each rank stores and initializes only
 * its rows' upper parts (packed) and computes all of x from the formula.
 * The updates are purely local. Output: the packed rows are gathered with
 * MPI_Gatherv for small N, otherwise checksums and owner-only samples are
 * reduced.
 * Usage: syr [N] [reps] */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

/* First row of rank r in the work-balanced split (row i costs n - i). */
static long balanced_start(long n, int r, int size)
{
    long total = n * (n + 1) / 2, work = 0, i = 0;
    while (i < n && work * size < total * r) {
        work += n - i;
        i++;
    }
    return i;
}

/* Offset of row i in the packed upper triangle: sum_{k<i} (n - k). */
static long packed_offset(long n, long i)
{
    return i * n - i * (i - 1) / 2;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [N >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    long lo = balanced_start(n, rank, size);
    long hi = balanced_start(n, rank + 1, size);
    long base = packed_offset(n, lo);               /* my rows in the global packing */
    long len = packed_offset(n, hi) - base;

    double *a = malloc((size_t)(len > 0 ? len : 1) * sizeof *a);
    double *x = malloc((size_t)n * sizeof *x);
    if (!a || !x) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long i = lo; i < hi; i++) {
        double *row = a + packed_offset(n, i) - base;   /* row[j - i] = A[i][j] */
        for (long j = i; j < n; j++)
            row[j - i] = 2.0 / (double)(1 + (i + j) % 10);
    }
    for (long i = 0; i < n; i++)
        x[i] = (double)(i % 7) * 0.25 - 0.5;

    for (long r = 0; r < reps; r++) {
        double alpha = 0.5 / (double)(r + 1);
        for (long i = lo; i < hi; i++) {
            double *row = a + packed_offset(n, i) - base;
            double t = alpha * x[i];
            for (long j = i; j < n; j++)
                row[j - i] += t * x[j];
        }
    }

    if (n <= 20) {
        /* Each rank's rows form one contiguous piece of the packed triangle. */
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int p = 0; p < size; p++) {
            long s = packed_offset(n, balanced_start(n, p, size));
            long e = packed_offset(n, balanced_start(n, p + 1, size));
            displs[p] = (int)s;
            counts[p] = (int)(e - s);
        }
        double *all = rank == 0 ? malloc((size_t)(n * (n + 1) / 2) * sizeof *all) : NULL;
        MPI_Gatherv(a, (int)len, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < n; i++) {
                for (long j = i; j < n; j++)
                    printf(" %.12e", all[packed_offset(n, i) + (j - i)]);
                printf("\n");
            }
            free(all);
        }
        free(counts);
        free(displs);
    } else {
        double part[2] = {0.0, 0.0}, tot[2];
        for (long k = 0; k < len; k++) {
            part[0] += a[k];
            part[1] += fabs(a[k]);
        }
        MPI_Reduce(part, tot, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        double samp[16] = {0.0}, allsamp[16];
        for (long k = 0; k < 16; k++) {
            long i = k * (n - 1) / 15, j = (i + n - 1) / 2;
            if (i >= lo && i < hi)
                samp[k] = a[packed_offset(n, i) - base + (j - i)];
        }
        MPI_Reduce(samp, allsamp, 16, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        if (rank == 0) {
            printf("sum %.12e abs_sum %.12e\n", tot[0], tot[1]);
            for (long k = 0; k < 16; k++) {
                long i = k * (n - 1) / 15, j = (i + n - 1) / 2;
                printf("A[%ld][%ld] %.12e\n", i, j, allsamp[k]);
            }
        }
    }

    free(a);
    free(x);
    MPI_Finalize();
    return 0;
}
