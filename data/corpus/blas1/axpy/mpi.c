/* AXPY y := alpha*x + y (BLAS daxpy) applied `reps` times, MPI version.
 * Block decomposition; the update is purely local. Output: small vectors
 * are gathered with MPI_Gatherv; large ones are summarized with reductions
 * (checksums, and samples where only the owner contributes a nonzero).
 * Usage: axpy [n] [reps] */
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

    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [n >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    long rem = n % size;
    long lo = rank * (n / size) + (rank < rem ? rank : rem);
    long cnt = n / size + (rank < rem ? 1 : 0);

    double *x = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *x);
    double *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        x[k] = 0.1 * (double)(i % 17) - 0.5;
        y[k] = 1.0 + (double)(i % 3);
    }

    /* Element-wise update: no communication needed. */
    for (long r = 0; r < reps; r++) {
        double alpha = 1.0 / (double)(r + 1);
        for (long k = 0; k < cnt; k++)
            y[k] += alpha * x[k];
    }

    if (n <= 64) {
        /* Small result: gather all blocks to rank 0 in order. */
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int p = 0; p < size; p++) {
            counts[p] = (int)(n / size + (p < rem ? 1 : 0));
            displs[p] = (int)(p * (n / size) + (p < rem ? p : rem));
        }
        double *all = rank == 0 ? malloc((size_t)n * sizeof *all) : NULL;
        MPI_Gatherv(y, (int)cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < n; i++)
                printf("%.12e\n", all[i]);
            free(all);
        }
        free(counts);
        free(displs);
    } else {
        /* Large result: reduce checksums; each sample is nonzero only on its owner. */
        double part[2] = {0.0, 0.0}, tot[2];
        for (long k = 0; k < cnt; k++) {
            part[0] += y[k];
            part[1] += fabs(y[k]);
        }
        MPI_Reduce(part, tot, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        long stride = (n + 15) / 16;
        int ns = (int)((n + stride - 1) / stride);     /* samples at k*stride, plus the last */
        double samp[17] = {0.0}, allsamp[17];
        for (int k = 0; k <= ns; k++) {
            long i = k < ns ? k * stride : n - 1;
            if (i >= lo && i < lo + cnt)
                samp[k] = y[i - lo];
        }
        MPI_Reduce(samp, allsamp, ns + 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        if (rank == 0) {
            printf("sum %.12e abs_sum %.12e\n", tot[0], tot[1]);
            for (int k = 0; k < ns; k++)
                printf("y[%ld] %.12e\n", k * stride, allsamp[k]);
            printf("y[%ld] %.12e\n", n - 1, allsamp[ns]);
        }
    }

    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
