/* Banded matrix-vector product y := alpha*A*x + beta*y (BLAS dgbmv), MPI.
 * Row-block decomposition of the band storage and of y. Rows [lo, hi) only
 * touch x[lo-kl .. hi-1+ku] (clipped to [0, N)), so each rank computes just
 * that window of x from its formula instead of receiving a halo; the
 * products are then local. Output: MPI_Gatherv for M <= 64, otherwise
 * reductions of checksums and owner-only samples.
 * Usage: gbmv [M] [N] [kl] [ku] [reps] */
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

    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : m;
    long kl = argc > 3 ? strtol(argv[3], NULL, 10) : 2;
    long ku = argc > 4 ? strtol(argv[4], NULL, 10) : 3;
    long reps = argc > 5 ? strtol(argv[5], NULL, 10) : 1;
    if (m < 1 || n < 1 || kl < 0 || ku < 0 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [M >= 1] [N >= 1] [kl >= 0] [ku >= 0] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    long w = kl + ku + 1;

    long rem = m % size;
    long lo = rank * (m / size) + (rank < rem ? rank : rem);
    long cnt = m / size + (rank < rem ? 1 : 0);

    /* Window of x my rows reference: [xlo, xhi), possibly empty. */
    long xlo = lo - kl > 0 ? lo - kl : 0;
    long xhi = lo + cnt + ku < n ? lo + cnt + ku : n;
    long nxw = cnt > 0 && xhi > xlo ? xhi - xlo : 0;

    double *ab = malloc((size_t)(cnt > 0 ? cnt * w : 1) * sizeof *ab);
    double *xw = malloc((size_t)(nxw > 0 ? nxw : 1) * sizeof *xw);
    double *y = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *y);
    if (!ab || !xw || !y) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        for (long d = -kl; d <= ku; d++) {
            long j = i + d;
            ab[k * w + kl + d] = (j >= 0 && j < n)
                ? 1.0 / (double)(1 + (d < 0 ? -d : d)) + 0.01 * (double)(i % 7)
                : 0.0;
        }
        y[k] = 0.25 * (double)(i % 4);
    }
    for (long j = xlo; j < xlo + nxw; j++)
        xw[j - xlo] = 1.0 + 0.1 * (double)(j % 10);

    const double alpha = 0.5, beta = 0.75;
    for (long r = 0; r < reps; r++) {
        for (long k = 0; k < cnt; k++) {
            long i = lo + k;
            long j0 = i - kl > 0 ? i - kl : 0;
            long j1 = i + ku < n - 1 ? i + ku : n - 1;
            double t = 0.0;
            for (long j = j0; j <= j1; j++)
                t += ab[k * w + kl + (j - i)] * xw[j - xlo];
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

    free(ab);
    free(xw);
    free(y);
    MPI_Finalize();
    return 0;
}
