/* Single-precision AXPY (BLAS saxpy) applied `reps` times, MPI version.
 * Block decomposition with purely local updates. Output: MPI_Gatherv of the
 * float blocks for small n; for large n, double checksums are reduced and the
 * samples are reduced from buffers where only the owning rank is nonzero.
 * Usage: axpy_float [n] [reps] */
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

    float *x = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *x);
    float *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        x[k] = (float)((i * 5) % 23) / 23.0f;
        y[k] = (i % 2 == 0) ? 1.0f : -2.0f;
    }

    for (long r = 0; r < reps; r++) {
        float alpha = (r % 2 == 0) ? 1.25f : -0.75f;
        for (long k = 0; k < cnt; k++)
            y[k] += alpha * x[k];
    }

    if (n <= 64) {
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int p = 0; p < size; p++) {
            counts[p] = (int)(n / size + (p < rem ? 1 : 0));
            displs[p] = (int)(p * (n / size) + (p < rem ? p : rem));
        }
        float *all = rank == 0 ? malloc((size_t)n * sizeof *all) : NULL;
        MPI_Gatherv(y, (int)cnt, MPI_FLOAT, all, counts, displs, MPI_FLOAT, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < n; i++)
                printf("%.6e\n", (double)all[i]);
            free(all);
        }
        free(counts);
        free(displs);
    } else {
        double part[2] = {0.0, 0.0}, tot[2];
        for (long k = 0; k < cnt; k++) {
            part[0] += (double)y[k];
            part[1] += fabs((double)y[k]);
        }
        MPI_Reduce(part, tot, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        long stride = (n + 15) / 16;
        int ns = (int)((n + stride - 1) / stride);
        float samp[17] = {0.0f}, allsamp[17];
        for (int k = 0; k <= ns; k++) {
            long i = k < ns ? k * stride : n - 1;
            if (i >= lo && i < lo + cnt)
                samp[k] = y[i - lo];
        }
        /* Exactly one rank contributes each sample, so the sum is exact. */
        MPI_Reduce(samp, allsamp, ns + 1, MPI_FLOAT, MPI_SUM, 0, MPI_COMM_WORLD);

        if (rank == 0) {
            printf("sum %.6e abs_sum %.6e\n", tot[0], tot[1]);
            for (int k = 0; k < ns; k++)
                printf("y[%ld] %.6e\n", k * stride, (double)allsamp[k]);
            printf("y[%ld] %.6e\n", n - 1, (double)allsamp[ns]);
        }
    }

    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
