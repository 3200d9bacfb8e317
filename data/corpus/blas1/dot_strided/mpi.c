/* Strided dot product (BLAS ddot with incx, incy), MPI version.
 * The n logical elements are block-distributed; each rank allocates only
 * the strided storage of its own block (cnt*incx and cnt*incy entries),
 * fills it (junk in the gaps, values at the strided slots) and computes a
 * local strided dot; MPI_Allreduce combines the partial sums.
 * Usage: dot_strided [n] [incx] [incy] [reps] */
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
    long incx = argc > 2 ? strtol(argv[2], NULL, 10) : 2;
    long incy = argc > 3 ? strtol(argv[3], NULL, 10) : 3;
    long reps = argc > 4 ? strtol(argv[4], NULL, 10) : 1;
    if (n < 1 || incx < 1 || incy < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [n >= 1] [incx >= 1] [incy >= 1] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    /* Block of logical indices [lo, lo + cnt) owned by this rank. */
    long rem = n % size;
    long lo = rank * (n / size) + (rank < rem ? rank : rem);
    long cnt = n / size + (rank < rem ? 1 : 0);

    /* Local strided storage: logical element lo+k lives at xs[k*incx]. */
    long nx = cnt * incx, ny = cnt * incy;
    double *xs = malloc((size_t)(nx > 0 ? nx : 1) * sizeof *xs);
    double *ys = malloc((size_t)(ny > 0 ? ny : 1) * sizeof *ys);
    if (!xs || !ys) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < nx; k++)
        xs[k] = -1.0e6;
    for (long k = 0; k < ny; k++)
        ys[k] = -1.0e6;
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;                     /* global logical index */
        xs[k * incx] = 1.0 / (1.0 + (double)(i % 9));
        ys[k * incy] = 3.0 - 0.5 * (double)(i % 4);
    }

    double s = 0.0;
    for (long r = 0; r < reps; r++) {
        double local = 0.0;
        for (long k = 0; k < cnt; k++)
            local += xs[k * incx] * ys[k * incy];
        MPI_Allreduce(&local, &s, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }

    if (rank == 0) {
        printf("n %ld incx %ld incy %ld\n", n, incx, incy);
        printf("ddot %.12e\n", s);
    }

    free(xs);
    free(ys);
    MPI_Finalize();
    return 0;
}
