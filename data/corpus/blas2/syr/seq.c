/* Symmetric rank-1 update A := alpha*x*x^T + A (BLAS dsyr, uplo = 'U'):
 * only the upper triangle of the N x N row-major array is updated.
 * Applied `reps` times with alpha_r = 0.5/(r+1).
 * Prints the upper triangle row by row when N <= 20, otherwise checksums
 * and 16 samples A[i_k][j_k] with i_k = k*(N-1)/15, j_k = (i_k + N-1)/2.
 * Usage: syr [N] [reps] */
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
    if (!a || !x) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < n; j++)
            a[i * n + j] = (j >= i) ? 2.0 / (double)(1 + (i + j) % 10) : 0.0;
        x[i] = (double)(i % 7) * 0.25 - 0.5;
    }

    for (long r = 0; r < reps; r++) {
        double alpha = 0.5 / (double)(r + 1);
        for (long i = 0; i < n; i++) {
            double t = alpha * x[i];
            for (long j = i; j < n; j++)
                a[i * n + j] += t * x[j];
        }
    }

    if (n <= 20) {
        for (long i = 0; i < n; i++) {
            for (long j = i; j < n; j++)
                printf(" %.12e", a[i * n + j]);
            printf("\n");
        }
    } else {
        double sum = 0.0, asum = 0.0;
        for (long i = 0; i < n; i++)
            for (long j = i; j < n; j++) {
                sum += a[i * n + j];
                asum += fabs(a[i * n + j]);
            }
        printf("sum %.12e abs_sum %.12e\n", sum, asum);
        for (long k = 0; k < 16; k++) {
            long i = k * (n - 1) / 15, j = (i + n - 1) / 2;
            printf("A[%ld][%ld] %.12e\n", i, j, a[i * n + j]);
        }
    }

    free(a);
    free(x);
    return 0;
}
