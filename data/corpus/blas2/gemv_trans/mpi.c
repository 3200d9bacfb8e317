/* Transposed GEMV y := alpha*A^T*x + beta*y (BLAS dgemv, trans = 'T'), MPI.
 * Row-block decomposition of A and x: rank p owns rows [lo, lo+cnt) and the
 * matching entries of x, so it can form the partial product A_p^T x_p, a
 * full-length (N) vector. y is kept as a sum of per-rank partial vectors
 * yp (rank 0's starts as the initial y, the others as 0); by linearity
 *   sum_p (beta*yp + alpha*A_p^T x_p) = beta*y + alpha*A^T x,
 * so the repetitions need no communication and one MPI_Reduce at the end
 * delivers y to rank 0.
 * Usage: gemv_trans [M] [N] [reps] */
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
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 200;
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
    double *yp = malloc((size_t)n * sizeof *yp);
    if (!a || !x || !yp) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long k = 0; k < cnt; k++) {
        long i = lo + k;
        for (long j = 0; j < n; j++)
            a[k * n + j] = 0.25 + (double)((3 * i + j) % 17) / 16.0;
        x[k] = 1.0 / (double)(1 + i % 9);
    }
    /* The initial y is counted once: it lives in rank 0's partial vector. */
    for (long j = 0; j < n; j++)
        yp[j] = rank == 0 ? 1.0 - 0.125 * (double)(j % 8) : 0.0;

    const double alpha = 0.75, beta = 0.25;
    for (long r = 0; r < reps; r++) {
        for (long j = 0; j < n; j++)
            yp[j] *= beta;
        for (long k = 0; k < cnt; k++) {
            double t = alpha * x[k];
            for (long j = 0; j < n; j++)
                yp[j] += t * a[k * n + j];
        }
    }

    /* Sum the partial vectors on rank 0. */
    double *y = rank == 0 ? malloc((size_t)n * sizeof *y) : NULL;
    MPI_Reduce(yp, y, (int)n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

    if (rank == 0) {
        if (n <= 64) {
            for (long j = 0; j < n; j++)
                printf("%.12e\n", y[j]);
        } else {
            double sum = 0.0, asum = 0.0;
            for (long j = 0; j < n; j++) {
                sum += y[j];
                asum += fabs(y[j]);
            }
            printf("sum %.12e abs_sum %.12e\n", sum, asum);
            long stride = (n + 15) / 16;
            for (long j = 0; j < n; j += stride)
                printf("y[%ld] %.12e\n", j, y[j]);
            printf("y[%ld] %.12e\n", n - 1, y[n - 1]);
        }
        free(y);
    }

    free(a);
    free(x);
    free(yp);
    MPI_Finalize();
    return 0;
}
