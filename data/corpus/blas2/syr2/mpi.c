/* Symmetric rank-2 update A := alpha*(x*y^T + y*x^T) + A (BLAS dsyr2,
 * lower triangle), MPI version.
 * Row i of the lower triangle has i + 1 entries, so equal row counts would
 * overload the last rank; rows are split into contiguous ranges of equal
 * work instead (later ranks get fewer, longer rows). Each rank stores its
 * rows as one contiguous piece of the packed lower triangle and computes
 * all of x and y from the formulas; the updates are purely local.
 * Usage: syr2 [N] [reps] */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

/* First row of rank r in the work-balanced split (row i costs i + 1). */
static long balanced_start(long n, int r, int size)
{
    long total = n * (n + 1) / 2, work = 0, i = 0;
    while (i < n && work * size < total * r) {
        work += i + 1;
        i++;
    }
    return i;
}

/* Offset of row i in the packed lower triangle: sum_{k<i} (k + 1). */
static long packed_offset(long i)
{
    return i * (i + 1) / 2;
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
    long base = packed_offset(lo);
    long len = packed_offset(hi) - base;

    double *a = malloc((size_t)(len > 0 ? len : 1) * sizeof *a);
    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    if (!a || !x || !y) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long i = lo; i < hi; i++) {
        double *row = a + packed_offset(i) - base;      /* row[j] = A[i][j], j <= i */
        for (long j = 0; j <= i; j++)
            row[j] = 1.0 + 0.05 * (double)((2 * i + 3 * j) % 13);
    }
    for (long i = 0; i < n; i++) {
        x[i] = 1.0 / (double)(1 + i % 4);
        y[i] = 0.1 * (double)(i % 9) + 0.3;
    }

    for (long r = 0; r < reps; r++) {
        double alpha = (r % 2 == 0) ? 0.3 : -0.3;
        for (long i = lo; i < hi; i++) {
            double *row = a + packed_offset(i) - base;
            double tx = alpha * x[i], ty = alpha * y[i];
            for (long j = 0; j <= i; j++)
                row[j] += tx * y[j] + ty * x[j];
        }
    }

    if (n <= 20) {
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int p = 0; p < size; p++) {
            long s = packed_offset(balanced_start(n, p, size));
            long e = packed_offset(balanced_start(n, p + 1, size));
            displs[p] = (int)s;
            counts[p] = (int)(e - s);
        }
        double *all = rank == 0 ? malloc((size_t)packed_offset(n) * sizeof *all) : NULL;
        MPI_Gatherv(a, (int)len, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < n; i++) {
                for (long j = 0; j <= i; j++)
                    printf(" %.12e", all[packed_offset(i) + j]);
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
            long i = k * (n - 1) / 15, j = i / 2;
            if (i >= lo && i < hi)
                samp[k] = a[packed_offset(i) - base + j];
        }
        MPI_Reduce(samp, allsamp, 16, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        if (rank == 0) {
            printf("sum %.12e abs_sum %.12e\n", tot[0], tot[1]);
            for (long k = 0; k < 16; k++) {
                long i = k * (n - 1) / 15;
                printf("A[%ld][%ld] %.12e\n", i, i / 2, allsamp[k]);
            }
        }
    }

    free(a);
    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
