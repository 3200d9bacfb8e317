/* Strided COPY (BLAS dcopy) y(1:n:incy) := x(1:n:incx), MPI version.
 * The n logical elements are block-distributed; a rank owning logical
 * elements [lo, lo+cnt) holds storage slots [lo*incx, (lo+cnt)*incx) of x
 * and [lo*incy, (lo+cnt)*incy) of y, so the copy is purely local.
 * Output: MPI_Gatherv of the y storage when n <= 32, otherwise reductions.
 * Usage: copy [n] [incx] [incy] [reps] */
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
    long incx = argc > 2 ? strtol(argv[2], NULL, 10) : 3;
    long incy = argc > 3 ? strtol(argv[3], NULL, 10) : 2;
    long reps = argc > 4 ? strtol(argv[4], NULL, 10) : 1;
    if (n < 1 || incx < 1 || incy < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [n >= 1] [incx >= 1] [incy >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    long rem = n % size;
    long lo = rank * (n / size) + (rank < rem ? rank : rem);
    long cnt = n / size + (rank < rem ? 1 : 0);

    /* Local storage slices; slot k here is global slot lo*inc + k. */
    long nx = cnt * incx, ny = cnt * incy, ny_all = n * incy;
    double *x = malloc((size_t)(nx > 0 ? nx : 1) * sizeof *x);
    double *y = malloc((size_t)(ny > 0 ? ny : 1) * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < nx; k++)
        x[k] = 2.0 + 0.125 * (double)((lo * incx + k) % 29);
    for (long k = 0; k < ny; k++)
        y[k] = -1.0 - 0.5 * (double)((lo * incy + k) % 5);

    for (long r = 0; r < reps; r++)
        for (long k = 0; k < cnt; k++)
            y[k * incy] = x[k * incx];

    if (n <= 32) {
        int *counts = malloc((size_t)size * sizeof *counts);
        int *displs = malloc((size_t)size * sizeof *displs);
        for (int p = 0; p < size; p++) {
            counts[p] = (int)((n / size + (p < rem ? 1 : 0)) * incy);
            displs[p] = (int)((p * (n / size) + (p < rem ? p : rem)) * incy);
        }
        double *all = rank == 0 ? malloc((size_t)ny_all * sizeof *all) : NULL;
        MPI_Gatherv(y, (int)ny, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (long k = 0; k < ny_all; k++)
                printf("%.12e\n", all[k]);
            free(all);
        }
        free(counts);
        free(displs);
    } else {
        double part[2] = {0.0, 0.0}, tot[2];
        for (long k = 0; k < ny; k++) {
            part[0] += y[k];
            part[1] += fabs(y[k]);
        }
        MPI_Reduce(part, tot, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        /* Samples: logical elements k*stride and the last storage slot; owner-only values. */
        long stride = (n + 15) / 16;
        int ns = (int)((n + stride - 1) / stride);
        double samp[17] = {0.0}, allsamp[17];
        for (int k = 0; k <= ns; k++) {
            long slot = k < ns ? k * stride * incy : ny_all - 1;
            if (slot >= lo * incy && slot < (lo + cnt) * incy)
                samp[k] = y[slot - lo * incy];
        }
        MPI_Reduce(samp, allsamp, ns + 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

        if (rank == 0) {
            printf("sum %.12e abs_sum %.12e\n", tot[0], tot[1]);
            for (int k = 0; k < ns; k++)
                printf("y[%ld] %.12e\n", k * stride * incy, allsamp[k]);
            printf("y[%ld] %.12e\n", ny_all - 1, allsamp[ns]);
        }
    }

    free(x);
    free(y);
    MPI_Finalize();
    return 0;
}
