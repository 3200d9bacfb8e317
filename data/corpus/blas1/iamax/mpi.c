/* Index of the element of largest absolute value (BLAS idamax), MPI version.
 * Each rank finds the first maximum of its block; the (value, global index)
 * pairs are combined with MPI_MAXLOC on MPI_DOUBLE_INT, which returns the
 * smallest index among equal maxima, exactly the BLAS tie rule.
 * Usage: iamax [n] [reps] */
#include <limits.h>
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
    if (n < 1 || reps < 1 || n > INT_MAX) {
        if (rank == 0)
            fprintf(stderr, "usage: %s [1 <= n <= INT_MAX] [reps >= 1]\n", argv[0]);
        MPI_Finalize();
        return 1;
    }

    long rem = n % size;
    long lo = rank * (n / size) + (rank < rem ? rank : rem);
    long cnt = n / size + (rank < rem ? 1 : 0);

    double *x = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *x);
    if (!x) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        x[k] = 0.5 * (double)((i * 37 + 11) % 101 - 50);
    }

    /* Layout required by MPI_DOUBLE_INT. */
    struct { double val; int idx; } loc, glob = {0.0, 0};
    for (long r = 0; r < reps; r++) {
        /* A rank without elements offers -1, which can never win (|x| >= 0). */
        loc.val = -1.0;
        loc.idx = INT_MAX;
        for (long k = 0; k < cnt; k++) {
            double a = fabs(x[k]);
            if (a > loc.val) {              /* first occurrence within the block */
                loc.val = a;
                loc.idx = (int)(lo + k);
            }
        }
        MPI_Allreduce(&loc, &glob, 1, MPI_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_WORLD);
    }

    /* The owner of the winning index sends the signed value to rank 0. */
    long imax = glob.idx;
    double value = 0.0;
    int owner_has = imax >= lo && imax < lo + cnt;
    if (owner_has && rank == 0) {
        value = x[imax - lo];
    } else if (owner_has) {
        MPI_Send(&x[imax - lo], 1, MPI_DOUBLE, 0, 0, MPI_COMM_WORLD);
    } else if (rank == 0) {
        MPI_Recv(&value, 1, MPI_DOUBLE, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }

    if (rank == 0) {
        printf("idamax %ld\n", imax + 1);
        printf("value %.12e\n", value);
    }

    free(x);
    MPI_Finalize();
    return 0;
}
