/* Overflow-safe Euclidean norm (BLAS dnrm2), MPI version.
 * Each rank reduces its block to a (scale, ssq) pair with the dlassq update;
 * the pairs are combined by a user-defined MPI operation that rescales the
 * smaller-scale pair to the larger scale, so no rank ever squares 1e200.
 * Usage: nrm2 [n] [reps] */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

/* Combine scaled sums of squares: inout := in (+) inout, elementwise over pairs.
 * A pair (scale, ssq) represents scale^2 * ssq; scale == 0 means "no data". */
static void combine_ssq(void *invec, void *inoutvec, int *len, MPI_Datatype *dtype)
{
    (void)dtype;
    const double *in = invec;
    double *io = inoutvec;
    for (int k = 0; k < *len; k++, in += 2, io += 2) {
        if (in[0] == 0.0)
            continue;
        if (io[0] == 0.0) {
            io[0] = in[0];
            io[1] = in[1];
        } else if (io[0] >= in[0]) {
            double t = in[0] / io[0];
            io[1] += in[1] * t * t;
        } else {
            double t = io[0] / in[0];
            io[1] = in[1] + io[1] * t * t;
            io[0] = in[0];
        }
    }
}

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
    if (!x) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        double m = 1.0 + 0.5 * (double)(i % 5);
        x[k] = (i % 3 == 1) ? -1.0e-200 * m : 1.0e200 * m / (double)(1 + i % 11);
    }

    /* A (scale, ssq) pair travels as two contiguous doubles. */
    MPI_Datatype pair_t;
    MPI_Type_contiguous(2, MPI_DOUBLE, &pair_t);
    MPI_Type_commit(&pair_t);
    MPI_Op ssq_op;
    MPI_Op_create(combine_ssq, 1 /* commutative */, &ssq_op);

    double norm = 0.0;
    for (long r = 0; r < reps; r++) {
        double scale = 0.0, ssq = 1.0;      /* local dlassq accumulation in registers */
        for (long k = 0; k < cnt; k++) {
            if (x[k] != 0.0) {
                double a = fabs(x[k]);
                if (scale < a) {
                    ssq = 1.0 + ssq * (scale / a) * (scale / a);
                    scale = a;
                } else {
                    ssq += (a / scale) * (a / scale);
                }
            }
        }
        double local[2] = {scale, ssq}, global[2];
        MPI_Allreduce(local, global, 1, pair_t, ssq_op, MPI_COMM_WORLD);
        norm = global[0] * sqrt(global[1]);
    }

    if (rank == 0)
        printf("nrm2 %.12e\n", norm);

    MPI_Op_free(&ssq_op);
    MPI_Type_free(&pair_t);
    free(x);
    MPI_Finalize();
    return 0;
}
