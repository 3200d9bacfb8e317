/* Rank-1 update A := alpha*x*y^T + A (BLAS dger), MPI version.
 * Row-block decomposition of A and x; every rank computes all of y from its
 * formula (each row needs the whole of y), so the update is purely local.
 * Output: rows gathered with MPI_Gatherv for small matrices; otherwise
 * reduced checksums and owner-only samples.
 * Usage: ger [M] [N] [reps] */
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

    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : m;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (m < 1 || n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [M >= 1] [N >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    long rem = m % size;
    long lo = rank * (m / size) + (rank < rem ? rank : rem);
    long cnt = m / size + (rank < rem ? 1 : 0);

    double *a = malloc((size_t)(cnt > 0 ? cnt * n : 1) * sizeof *a);
    double *x = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    if (!a || !x || !y) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        for (long j = 0; j < n; j++)
            a[k * n + j] = 0.01 * (double)((i - j) % 23) + 1.0;
        x[k] = 0.5 + 0.25 * (double)(i % 5);
    }
    for (long j = 0; j < n; j++)
        y[j] = 1.0 / (double)(2 + j % 7);

    for (long r = 0; r < reps; r++) {
        double alpha = 1.0 / (double)(r + 1);
        for (long k = 0; k < cnt; k++) {
            double t = alpha * x[k];
            for (long j = 0; j < n; j++)
                a[k * n + j] += t * y[j];
        }
    }

    if (m * n <= 400) {
        /* Gather whole rows: counts and displacements in units of doubles. */
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int p = 0; p < size; p++) {
            counts[p] = (int)((m / size + (p < rem ? 1 : 0)) * n);
            displs[p] = (int)((p * (m / size) + (p < rem ? p : rem)) * n);
        }
        double *all = rank == 0 ? malloc((size_t)(m * n) * sizeof *all) : NULL;
        MPI_Gatherv(a, (int)(cnt * n), MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0,
                    MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < m; i++) {
                for (long j = 0; j < n; j++)
                    printf(" %.12e", all[i * n + j]);
                printf("\n");
            }
            free(all);
        }
        free(counts);
        free(displs);
    } else {
        double part[2] = {0.0, 0.0}, tot[2];
        for (long k = 0; k < cnt * n; k++) {
            part[0] += a[k];
            part[1] += fabs(a[k]);
        }
        MPI_Reduce(part, tot, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        /* Sample k is row i_k; only the rank owning that row contributes it. */
        double samp[16] = {0.0}, allsamp[16];
        for (long k = 0; k < 16; k++) {
            long i = k * (m - 1) / 15, j = k * (n - 1) / 15;
            if (i >= lo && i < lo + cnt)
                samp[k] = a[(i - lo) * n + j];
        }
        MPI_Reduce(samp, allsamp, 16, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        if (rank == 0) {
            printf("sum %.12e abs_sum %.12e\n", tot[0], tot[1]);
            for (long k = 0; k < 16; k++)
                printf("A[%ld][%ld] %.12e\n", k * (m - 1) / 15, k * (n - 1) / 15, allsamp[k]);
        }
    }

    free(a);
    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
