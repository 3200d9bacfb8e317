/* Smooth a vector `steps` times with the weights 1/4, 1/2, 1/4 (zero outside),
 * then print how much the last step changed it and the two end values.
 * Usage: smooth [n] [steps] */
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
    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 10;
    if (n < 1 || steps < 0) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [n >= 1] [steps >= 0]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }
    double *a = malloc((size_t)n * sizeof *a);
    double *b = malloc((size_t)n * sizeof *b);
    if (!a || !b) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    /* every rank fills the whole input, exactly as the sequential program */
    for (long i = 0; i < n; i++)
        a[i] = (double)(i % 7) - 3.0;

    /* this rank's indices [lo, hi), and every rank's for MPI_Allgatherv */
    long lo = rank * n / size, hi = (rank + 1) * n / size;
    int *cnt = malloc(size * sizeof *cnt), *dsp = malloc(size * sizeof *dsp);
    for (int p = 0; p < size; p++) {
        dsp[p] = (int)(p * n / size);
        cnt[p] = (int)((p + 1) * n / size) - dsp[p];
    }

    double change = 0.0;
    for (long t = 0; t < steps; t++) {
        for (long i = lo; i < hi; i++) {
            double left = i > 0 ? a[i - 1] : 0.0;
            double right = i < n - 1 ? a[i + 1] : 0.0;
            b[i] = 0.25 * left + 0.5 * a[i] + 0.25 * right;
        }
        /* the loop wrote b[lo..hi): every rank gets the whole of b */
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, b, cnt, dsp, MPI_DOUBLE, MPI_COMM_WORLD);
        double part = 0.0;
        for (long i = lo; i < hi; i++)
            part += fabs(b[i] - a[i]);
        /* the loop summed over [lo, hi): every rank gets the whole sum */
        MPI_Allreduce(&part, &change, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        double *tmp = a;
        a = b;
        b = tmp;
    }

    if (rank == 0) {
        printf("change %.12e\n", change);
        printf("a[0] %.12e a[n-1] %.12e\n", a[0], a[n - 1]);
    }

    free(cnt);
    free(dsp);
    free(a);
    free(b);
    MPI_Finalize();
    return 0;
}
