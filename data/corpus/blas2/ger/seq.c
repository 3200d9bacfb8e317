/* Rank-1 update A := alpha*x*y^T + A (BLAS dger) of a row-major M x N
 * matrix, applied `reps` times with alpha_r = 1/(r+1).
 * Prints A row by row when M*N <= 400, otherwise checksums and 16 samples
 * A[i_k][j_k] along the "diagonal" i_k = k*(M-1)/15, j_k = k*(N-1)/15.
 * Usage: ger [M] [N] [reps]   (N defaults to M) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long m = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : m;
    long reps = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (m < 1 || n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [M >= 1] [N >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    double *a = malloc((size_t)(m * n) * sizeof *a);
    double *x = malloc((size_t)m * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    if (!a || !x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++)
            a[i * n + j] = 0.01 * (double)((i - j) % 23) + 1.0;
    for (long i = 0; i < m; i++)
        x[i] = 0.5 + 0.25 * (double)(i % 5);
    for (long j = 0; j < n; j++)
        y[j] = 1.0 / (double)(2 + j % 7);

    for (long r = 0; r < reps; r++) {
        double alpha = 1.0 / (double)(r + 1);
        for (long i = 0; i < m; i++) {
            double t = alpha * x[i];
            for (long j = 0; j < n; j++)
                a[i * n + j] += t * y[j];
        }
    }

    if (m * n <= 400) {
        for (long i = 0; i < m; i++) {
            for (long j = 0; j < n; j++)
                printf(" %.12e", a[i * n + j]);
            printf("\n");
        }
    } else {
        double sum = 0.0, asum = 0.0;
        for (long k = 0; k < m * n; k++) {
            sum += a[k];
            asum += fabs(a[k]);
        }
        printf("sum %.12e abs_sum %.12e\n", sum, asum);
        for (long k = 0; k < 16; k++) {
            long i = k * (m - 1) / 15, j = k * (n - 1) / 15;
            printf("A[%ld][%ld] %.12e\n", i, j, a[i * n + j]);
        }
    }

    free(a);
    free(x);
    free(y);
    return 0;
}
