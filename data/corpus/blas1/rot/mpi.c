/* Plane (Givens) rotation (BLAS drot) applied `reps` times, MPI version.
 * x and y share one block decomposition, so every rank rotates its own
 * pairs (x[i], y[i]) without communication. Output: x and y are interleaved
 * locally and gathered with one MPI_Gatherv for small n; for large n,
 * checksums and owner-only samples are combined with MPI_Reduce.
 * Usage: rot [n] [reps] */
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
        x[k] = 1.0 + 0.125 * (double)(i % 8);
        y[k] = 2.0 - 0.25 * (double)(i % 13);
    }

    /* Each pair (x[i], y[i]) is rotated independently: purely local work. */
    const double c = 0.6, s = 0.8;
    for (long r = 0; r < reps; r++)
        for (long k = 0; k < cnt; k++) {
            double xk = x[k], yk = y[k];
            x[k] = c * xk + s * yk;
            y[k] = c * yk - s * xk;
        }

    if (n <= 64) {
        /* Interleave (x[i], y[i]) pairs so one Gatherv brings both vectors in print order. */
        double *pairs = malloc((size_t)(2 * cnt > 0 ? 2 * cnt : 1) * sizeof *pairs);
        for (long k = 0; k < cnt; k++) {
            pairs[2 * k] = x[k];
            pairs[2 * k + 1] = y[k];
        }
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int p = 0; p < size; p++) {
            counts[p] = (int)(2 * (n / size + (p < rem ? 1 : 0)));
            displs[p] = (int)(2 * (p * (n / size) + (p < rem ? p : rem)));
        }
        double *all = rank == 0 ? malloc((size_t)(2 * n) * sizeof *all) : NULL;
        MPI_Gatherv(pairs, (int)(2 * cnt), MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0,
                    MPI_COMM_WORLD);
        if (rank == 0) {
            for (long i = 0; i < n; i++)
                printf("%.12e %.12e\n", all[2 * i], all[2 * i + 1]);
            free(all);
        }
        free(pairs);
        free(counts);
        free(displs);
    } else {
        double sums[4] = {0.0, 0.0, 0.0, 0.0}, tot[4];
        for (long k = 0; k < cnt; k++) {
            sums[0] += x[k];
            sums[1] += fabs(x[k]);
            sums[2] += y[k];
            sums[3] += fabs(y[k]);
        }
        MPI_Reduce(sums, tot, 4, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        long stride = (n + 15) / 16;
        int ns = (int)((n + stride - 1) / stride);
        double samp[34] = {0.0}, allsamp[34];       /* (x, y) pairs; last pair = element n-1 */
        for (int k = 0; k <= ns; k++) {
            long i = k < ns ? k * stride : n - 1;
            if (i >= lo && i < lo + cnt) {
                samp[2 * k] = x[i - lo];
                samp[2 * k + 1] = y[i - lo];
            }
        }
        MPI_Reduce(samp, allsamp, 2 * (ns + 1), MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        if (rank == 0) {
            printf("x: sum %.12e abs_sum %.12e\n", tot[0], tot[1]);
            printf("y: sum %.12e abs_sum %.12e\n", tot[2], tot[3]);
            for (int k = 0; k < ns; k++)
                printf("[%ld] %.12e %.12e\n", k * stride, allsamp[2 * k], allsamp[2 * k + 1]);
            printf("[%ld] %.12e %.12e\n", n - 1, allsamp[2 * ns], allsamp[2 * ns + 1]);
        }
    }

    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
