/* Symmetric matrix-vector product y := alpha*A*x + beta*y (BLAS dsymv,
 * upper triangle stored), MPI version.
 * Rows of the upper triangle are split into contiguous ranges of equal work
 * (row i has n - i entries); each rank stores only its rows' upper parts,
 * packed. A stored entry A[i][j] contributes to y[i] and, by symmetry, to
 * y[j], which may belong to any later row, so every rank accumulates a
 * full-length partial vector yp. By linearity, keeping y as the sum of the
 * yp (initial y on rank 0 only) lets each repetition run without
 * communication; one MPI_Reduce at the end gives rank 0 the result.
 * Usage: symv [N] [reps] */
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

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [N >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    long lo = balanced_start(n, rank, size);
    long cnt = balanced_start(n, rank + 1, size) - lo;

    /* Packed local rows: global row lo+k keeps columns lo+k .. n-1 at a[off[k]]. */
    long *off = malloc((size_t)(cnt + 1) * sizeof *off);
    off[0] = 0;
    for (long k = 0; k < cnt; k++)
        off[k + 1] = off[k] + (n - (lo + k));
    double *a = malloc((size_t)(off[cnt] > 0 ? off[cnt] : 1) * sizeof *a);
    double *x = malloc((size_t)n * sizeof *x);     /* all of x: rows and columns need it */
    double *yp = malloc((size_t)n * sizeof *yp);   /* this rank's partial y */
    if (!a || !x || !yp) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        for (long j = i; j < n; j++)
            a[off[k] + (j - i)] = (1.0 + 0.1 * (double)((i * j) % 5)) / (double)(1 + j - i);
    }
    for (long i = 0; i < n; i++) {
        x[i] = 0.5 + 0.5 * (double)(i % 3);
        yp[i] = rank == 0 ? 1.0 - 0.1 * (double)(i % 6) : 0.0;
    }

    const double alpha = 0.25, beta = 0.5;
    for (long r = 0; r < reps; r++) {
        for (long i = 0; i < n; i++)
            yp[i] *= beta;
        for (long k = 0; k < cnt; k++) {
            long i = lo + k;
            const double *row = a + off[k];        /* row[j - i] = A[i][j] */
            double t1 = alpha * x[i], t2 = 0.0;
            yp[i] += t1 * row[0];
            for (long j = i + 1; j < n; j++) {
                yp[j] += t1 * row[j - i];
                t2 += row[j - i] * x[j];
            }
            yp[i] += alpha * t2;
        }
    }

    double *y = rank == 0 ? malloc((size_t)n * sizeof *y) : NULL;
    MPI_Reduce(yp, y, (int)n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

    if (rank == 0) {
        if (n <= 64) {
            for (long i = 0; i < n; i++)
                printf("%.12e\n", y[i]);
        } else {
            double sum = 0.0, asum = 0.0;
            for (long i = 0; i < n; i++) {
                sum += y[i];
                asum += fabs(y[i]);
            }
            printf("sum %.12e abs_sum %.12e\n", sum, asum);
            long stride = (n + 15) / 16;
            for (long i = 0; i < n; i += stride)
                printf("y[%ld] %.12e\n", i, y[i]);
            printf("y[%ld] %.12e\n", n - 1, y[n - 1]);
        }
        free(y);
    }

    free(off);
    free(a);
    free(x);
    free(yp);
    MPI_Finalize();
    return 0;
}
