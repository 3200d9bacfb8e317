/* Symmetric rank-2 update A := alpha*x*y^T + alpha*y*x^T + A (BLAS dsyr2,
 * uplo = 'L'): only the lower triangle (j <= i) of the N x N row-major array
 * is updated. Applied `reps` times with alpha_r = (-1)^r * 0.3.
 * Prints the lower triangle row by row when N <= 20, otherwise checksums
 * and 16 samples A[i_k][i_k/2] with i_k = k*(N-1)/15.
 * Usage: syr2 [N] [reps] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (n < 1 || reps < 1) {
        fprintf(stderr, "usage: %s [N >= 1] [reps >= 1]\n", argv[0]);
        return 1;
    }

    double *a = malloc((size_t)(n * n) * sizeof *a);
    double *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)n * sizeof *y);
    if (!a || !x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < n; j++)
            a[i * n + j] = (j <= i) ? 1.0 + 0.05 * (double)((2 * i + 3 * j) % 13) : 0.0;
        x[i] = 1.0 / (double)(1 + i % 4);
        y[i] = 0.1 * (double)(i % 9) + 0.3;
    }

    for (long r = 0; r < reps; r++) {
        double alpha = (r % 2 == 0) ? 0.3 : -0.3;
        for (long i = 0; i < n; i++) {
            double tx = alpha * x[i], ty = alpha * y[i];
            for (long j = 0; j <= i; j++)
                a[i * n + j] += tx * y[j] + ty * x[j];
        }
    }

    if (n <= 20) {
        for (long i = 0; i < n; i++) {
            for (long j = 0; j <= i; j++)
                printf(" %.12e", a[i * n + j]);
            printf("\n");
        }
    } else {
        double sum = 0.0, asum = 0.0;
        for (long i = 0; i < n; i++)
            for (long j = 0; j <= i; j++) {
                sum += a[i * n + j];
                asum += fabs(a[i * n + j]);
            }
        printf("sum %.12e abs_sum %.12e\n", sum, asum);
        for (long k = 0; k < 16; k++) {
            long i = k * (n - 1) / 15, j = i / 2;
            printf("A[%ld][%ld] %.12e\n", i, j, a[i * n + j]);
        }
    }

    free(a);
    free(x);
    free(y);
    return 0;
}
