/* Triangular matrix-vector product x := U*x (BLAS dtrmv, upper), MPI version.
 * Row i of U has n - i entries, so equal row counts would give the first
 * rank far more work than the last. Rows are instead split into contiguous
 * ranges of (nearly) equal work: rank r starts at the first row where the
 * prefix work reaches r/size of the total. Each rank stores only the upper
 * part of its rows (packed). Every product needs the whole previous x, so
 * after each repetition the new pieces are shared with MPI_Allgatherv.
 * Usage: trmv [N] [reps] */
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

    /* Row ranges of all ranks (needed for Allgatherv counts/displacements). */
    int *counts = malloc((size_t)size * sizeof *counts);
    int *displs = malloc((size_t)size * sizeof *displs);
    for (int p = 0; p < size; p++) {
        long s = balanced_start(n, p, size), e = balanced_start(n, p + 1, size);
        displs[p] = (int)s;
        counts[p] = (int)(e - s);
    }
    long lo = displs[rank], cnt = counts[rank];

    /* Packed local rows: global row lo+k holds columns lo+k .. n-1 at u[off[k]]. */
    long *off = malloc((size_t)(cnt + 1) * sizeof *off);
    off[0] = 0;
    for (long k = 0; k < cnt; k++)
        off[k + 1] = off[k] + (n - (lo + k));
    double *u = malloc((size_t)(off[cnt] > 0 ? off[cnt] : 1) * sizeof *u);
    double *x = malloc((size_t)n * sizeof *x);          /* full vector on every rank */
    double *xloc = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *xloc);
    if (!u || !x || !xloc) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        for (long j = i; j < n; j++) {
            double d = (double)(j - i + 1);
            u[off[k] + (j - i)] = (0.5 + 0.1 * (double)((i + j) % 3)) / (d * d);
        }
    }
    for (long i = 0; i < n; i++)
        x[i] = 1.0 + 0.5 * (double)(i % 4);

    for (long r = 0; r < reps; r++) {
        for (long k = 0; k < cnt; k++) {
            long i = lo + k;
            const double *row = u + off[k];
            double t = 0.0;
            for (long j = i; j < n; j++)
                t += row[j - i] * x[j];
            xloc[k] = t;
        }
        /* Everyone needs the complete new x for the next product. */
        MPI_Allgatherv(xloc, (int)cnt, MPI_DOUBLE, x, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
    }

    if (rank == 0) {
        if (n <= 64) {
            for (long i = 0; i < n; i++)
                printf("%.12e\n", x[i]);
        } else {
            double sum = 0.0, asum = 0.0;
            for (long i = 0; i < n; i++) {
                sum += x[i];
                asum += fabs(x[i]);
            }
            printf("sum %.12e abs_sum %.12e\n", sum, asum);
            long stride = (n + 15) / 16;
            for (long i = 0; i < n; i += stride)
                printf("x[%ld] %.12e\n", i, x[i]);
            printf("x[%ld] %.12e\n", n - 1, x[n - 1]);
        }
    }

    free(counts);
    free(displs);
    free(off);
    free(u);
    free(x);
    free(xloc);
    MPI_Finalize();
    return 0;
}
